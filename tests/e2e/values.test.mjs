// End-to-end test of missing-value tokens and rows with several reasons in
// the browser app (make test-app): a nycflights13-like file with NA cells,
// its File step naming the tokens per column, and its Check step, with the
// CLI's mapping, giving the CLI's counts and saying that a row is listed
// under two reasons.
//
// Env: DIST (default dist), CLI (default target/release/segment-backfill),
//      OUT (default test-output). Screenshots go to $OUT/screenshots/.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { serve } from './serve.mjs';
import { openApp } from './browser.mjs';

const DIST = process.env.DIST ?? 'dist';
const CLI = process.env.CLI ?? 'target/release/segment-backfill';
const OUT = process.env.OUT ?? 'test-output';
const SHOTS = join(OUT, 'screenshots');
const FLIGHTS = 'tests/fixtures/cli/flights.csv';
const MAPPING = 'tests/fixtures/cli/flights.mapping.json';
mkdirSync(SHOTS, { recursive: true });

const server = await serve(DIST, 0);
const { page, problems, shot, close } = await openApp('values', SHOTS);
/** Light and wide, dark and wide, dark and narrow, then back. */
async function shots(name) {
  await shot(name);
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(`${name}-dark`);
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(`${name}-narrow-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
  await shot(`${name}-narrow`);
  await page.setViewportSize({ width: 1280, height: 800 });
}
let step = 'start';
try {
  step = 'file';
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.setInputFiles('#file-input', FLIGHTS);
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  assert.equal(
    await page.locator('.missing-seen').textContent(),
    'Missing-value tokens in the sample: dep_time NA ×3 · dep_delay NA ×3 · tailnum NA ×3. ' +
      "They are sent as empty cells (an id of NA is a missing id), unless the mapping's missing list says otherwise.",
  );
  await shots('values-1-file');

  step = 'map';
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.setInputFiles('#mapping-input', MAPPING);
  await page.locator('pre.json').first().waitFor();

  step = 'check';
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor({ timeout: 60_000 });
  const num = async (id) => Number((await page.locator(id).textContent()).replaceAll(',', ''));
  const shown = {
    rows: await num('#count-rows'), valid: await num('#count-valid'),
    rejected: await num('#count-rejected'), withWarnings: await num('#count-warnings'),
  };
  const cli = JSON.parse(execFileSync(CLI, ['check', FLIGHTS, '--mapping', MAPPING, '--json'], { encoding: 'utf8' }));
  assert.deepEqual(shown, { rows: cli.rows, valid: cli.valid, rejected: cli.rejected, withWarnings: cli.withWarnings });
  assert.deepEqual(shown, { rows: 8, valid: 4, rejected: 4, withWarnings: 1 });
  assert.deepEqual(
    await page.locator('details.finding.error summary').allTextContents(),
    ['missing_identity — 3 rows', 'invalid_number — 2 rows'],
  );
  assert.equal(
    await page.locator('.several-reasons').textContent(),
    '1 row has more than one reason; each is listed under every reason, so the counts add up to more than the 4 rejected rows',
  );
  await page.locator('details.finding.warn summary').click();
  await page.getByText('is left out of this row').waitFor();
  await shots('values-3-check');

  assert.deepEqual(problems, [], 'no page errors or console errors');
  console.log('test-app values: OK (NA tokens named, counts as the CLI, several reasons said)');
} catch (e) {
  console.error(`test-app values: failed at step "${step}"`);
  if (problems.length) console.error(problems.join('\n'));
  throw e;
} finally {
  await close();
  server.close();
}
