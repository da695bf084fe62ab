// End-to-end test of the app at its edges (make test-app): a file that is
// not text, a file with no rows, a chart with a gap, a send to an endpoint
// that does not answer, cancelled ("Send again" asking first is in
// app.test.mjs, after a send that went through). Screenshots of each,
// light and dark, wide and narrow, go to $OUT/screenshots/9-*.png.
//
// Env: DIST (default dist), OUT (default test-output).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { serve } from './serve.mjs';
import { openApp } from './browser.mjs';

const DIST = process.env.DIST ?? 'dist';
const OUT = process.env.OUT ?? 'test-output';
const SHOTS = join(OUT, 'screenshots');
mkdirSync(SHOTS, { recursive: true });

const header = join(OUT, 'header-only.csv');
writeFileSync(header, 'user_id,event,created_at\n');
// Three days in January, two in March: February is a gap.
const gap = join(OUT, 'gap.csv');
writeFileSync(gap, 'user_id,event,created_at\n'
  + ['2024-01-01', '2024-01-02', '2024-01-03', '2024-03-01', '2024-03-02']
    .flatMap((d, i) => Array.from({ length: 3 + i }, (_, j) => `u${i}${j},Order Completed,${d}T10:00:00Z`))
    .join('\n') + '\n');

// Workbooks are read (tables.test.mjs), but not inside gzip.
const gzippedBook = join(OUT, 'events.xlsx.gz');
writeFileSync(gzippedBook, gzipSync(readFileSync('tests/fixtures/not-text/events.xlsx')));

const server = await serve(DIST, 0);
const url = `http://127.0.0.1:${server.address().port}/`;
const { page, problems, shot, close } = await openApp('edges', SHOTS);
// Light and dark, wide and narrow; back to light and wide.
const shots = async (name) => {
  await shot(`${name}`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(`${name}-dark`);
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(`${name}-narrow-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
  await shot(`${name}-narrow`);
  await page.setViewportSize({ width: 1280, height: 800 });
};
const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
let step = 'start';
try {
  step = 'not text';
  await page.goto(url);
  await page.getByRole('heading', { name: 'Your export file' }).waitFor();
  await page.setInputFiles('#file-input', 'tests/fixtures/not-text/photo.png');
  await page.locator('.banner.error', { hasText: 'this file is a PNG image, not a data export' }).waitFor();
  assert.equal(await page.locator('table.grid').count(), 0, 'no garbage preview');
  assert.equal(await page.getByRole('button', { name: 'Map →' }).isDisabled(), true);
  await shots('9-file-png');
  await page.setInputFiles('#file-input', gzippedBook);
  await page.locator('.banner.error', { hasText: 'this gzip file holds an Excel workbook' }).waitFor();
  await page.locator('.banner.error', { hasText: 'unpack it first' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Map →' }).isDisabled(), true);

  step = 'no rows';
  await page.setInputFiles('#file-input', header);
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  await page.getByRole('button', { name: 'Map →' }).click();
  assert.equal(await focused(), 'map-h', 'the step heading takes the focus');
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#nothing-to-send').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#nothing-to-send').textContent(), /^The file has no rows: nothing to send\./);
  assert.equal(await page.getByRole('button', { name: 'Send →' }).isDisabled(), true);
  await shots('9-check-no-rows');

  step = 'gap';
  await page.getByRole('button', { name: /File/ }).first().click();
  await page.setInputFiles('#file-input', gap);
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('rect.bar').count(), 62, 'every day from Jan 1 to Mar 2');
  assert.equal(await page.locator('rect.bar.none').count(), 57);
  assert.deepEqual(await page.locator('.chart .axis span').allTextContents(),
    ['2024-01-01', '2024-01-16', '2024-02-01', '2024-02-16', '2024-03-02']);
  await shots('9-check-gap');

  step = 'unreachable';
  await page.getByRole('button', { name: 'Send →' }).click();
  assert.equal(await focused(), 'send-h');
  await page.selectOption('#send-preset', 'custom');
  // Nothing listens on port 1: every request fails at once, and is retried.
  await page.fill('#send-endpoint', 'http://127.0.0.1:1/v1/batch');
  await page.fill('#send-key', 'e2e-write-key');
  await page.locator('#start-send').click();
  await page.locator('#send-stalled').waitFor({ timeout: 120_000 });
  assert.match(await page.locator('#send-stalled').textContent(),
    /^Nothing delivered for 1 minute: the endpoint is unreachable or refusing the rows\.Last problem: /);
  assert.equal(await page.locator('progress').getAttribute('aria-label'), 'Send progress: rows delivered');
  await shots('9-send-stalled');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('#sent-delivered').waitFor({ timeout: 30_000 });

  // Cancelled: every row is named undelivered, and the send can be resumed.
  assert.match(await page.locator('.reconciliation').textContent(), /rows were not delivered/);
  await page.getByRole('button', { name: 'Resume sending' }).waitFor();
  await shots('9-send-cancelled');

  const unexpected = problems.filter((p) => !p.includes('127.0.0.1:1'));
  assert.deepEqual(unexpected, [], 'no page errors or console errors');
  console.log('test-app edges: OK');
} catch (e) {
  console.error(`test-app edges: failed at step "${step}"`);
  if (problems.length) console.error(problems.join('\n'));
  throw e;
} finally {
  await close();
  server.close();
}
