// End-to-end test of the fix grid (make test-app): a file with bad rows is
// checked, fixed in the grid (an edit per cell, a find and replace in a
// column), sent to the CLI's receiver; the receiver holds every valid and
// fixed row exactly once, the unfixed row is rejected, and the edits the
// page downloads give the CLI's `check --fixes` the same counts.
//
// Env: DIST (default dist), CLI (default target/release/segment-backfill),
//      OUT (default test-output). Screenshots go to $OUT/screenshots/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { serve } from './serve.mjs';
import { openApp } from './browser.mjs';
import { receiver as startReceiver } from '../js/serve.mjs';

const DIST = process.env.DIST ?? 'dist';
const CLI = process.env.CLI ?? 'target/release/segment-backfill';
const OUT = join(process.env.OUT ?? 'test-output', 'fixgrid');
const SHOTS = join(process.env.OUT ?? 'test-output', 'screenshots');
mkdirSync(SHOTS, { recursive: true });
mkdirSync(OUT, { recursive: true });

// 20 orders. Data rows 3 and 9 have no user; 5, 12 and 17 say "never" for
// the date; 15 has a date nobody can fix here. File row = data row + 1.
const lines = ['order_id,user_id,event,created_at,price'];
for (let i = 1; i <= 20; i++) {
  const user = [3, 9].includes(i) ? '' : `u${i}`;
  const at = [5, 12, 17].includes(i) ? 'never' : i === 15 ? 'the day after' : `2024-03-${String(i).padStart(2, '0')}T10:00:00Z`;
  lines.push(`A-${i},${user},Order Completed,${at},${i}.50`);
}
const FILE = join(OUT, 'orders-with-problems.csv');
writeFileSync(FILE, lines.join('\n') + '\n');

const server = await serve(DIST, 0);
const received = join(OUT, 'received.ndjson');
rmSync(received, { force: true });
const receiver = await startReceiver(CLI, received, ['--write-key', 'fix-key']);
const url = `http://127.0.0.1:${server.address().port}/`;
const { page, problems, shot, close } = await openApp('fixgrid', SHOTS);
const num = async (id) => Number((await page.locator(id).textContent()).replaceAll(',', ''));
/** Light or dark, wide or narrow: the four screenshots of one screen (and
 * of its `part` alone, to look at closely). */
const shots = async (name, part) => {
  for (const [scheme, width, height] of [['light', 1280, 800], ['dark', 1280, 800], ['light', 390, 844], ['dark', 390, 844]]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width, height });
    const which = `${name}-${width > 500 ? 'wide' : 'narrow'}-${scheme}`;
    await shot(which);
    if (part) await page.locator(part).screenshot({ path: join(SHOTS, `${which}-part.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
};
let step = 'start';
try {
  step = 'file and map';
  await page.goto(url);
  await page.setInputFiles('#file-input', FILE);
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.locator('pre.json').first().waitFor();
  assert.equal(await page.locator('#field-userId').inputValue(), 'user_id');
  // Not suggested (some of its cells are not dates): chosen by hand.
  await page.selectOption('#field-timestamp', 'created_at');
  await page.getByText('No timestamp is mapped.').waitFor({ state: 'detached' });
  const saved = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save mapping' }).click()]);
  const mappingPath = join(OUT, 'mapping.json');
  await saved[0].saveAs(mappingPath);

  step = 'check';
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor({ timeout: 60_000 });
  assert.equal(await num('#count-rows'), 20);
  assert.equal(await num('#count-rejected'), 6);
  const rows = page.locator('table.fix-table tbody tr');
  assert.equal(await rows.count(), 6);
  // The bad cells are marked with their reasons.
  const never = page.getByLabel('created_at, row 6');
  assert.equal(await never.getAttribute('aria-invalid'), 'true');
  const why = await page.locator(`#${await never.getAttribute('aria-describedby')}`).textContent();
  assert.match(why, /never/);
  await shots('6-fix-grid', 'section.fix-grid');

  step = 'edit';
  for (const [row, user] of [[4, 'fixed-3'], [10, 'fixed-9']]) {
    const cell = page.getByLabel(`user_id, row ${row}`);
    await cell.fill(user);
    await cell.press('Tab');
    await page.locator('tr', { has: page.getByLabel(`user_id, row ${row}`) })
      .getByText('✓ fixed, will be sent').waitFor();
  }

  step = 'find and replace';
  await page.selectOption('#fr-column', { label: 'created_at' });
  await page.fill('#fr-find', 'never');
  await page.fill('#fr-replace', '2024-04-01T12:00:00Z');
  await page.getByRole('button', { name: 'Replace all' }).click();
  await page.locator('#fr-said', { hasText: 'Replaced 3 cells of created_at' }).waitFor();
  await page.locator('#fix-counts', { hasText: 'Fixed in the app: 5' }).waitFor();
  assert.equal(await num('#count-valid'), 19);
  assert.equal(await num('#count-rejected'), 1);
  assert.equal(await num('#count-fixed'), 5);
  await shots('6-fix-grid-edited', 'section.fix-grid');
  await page.locator('#fix-only-errors').check();
  assert.equal(await rows.count(), 1, 'only the row still bad');
  assert.equal(await page.getByLabel('created_at, row 16').inputValue(), 'the day after');
  await shots('6-fix-grid-only-errors', 'section.fix-grid');
  await page.locator('#fix-only-errors').uncheck();

  step = 'edits download and the CLI';
  const dl = await Promise.all([page.waitForEvent('download'), page.locator('#download-edits').click()]);
  const editsPath = join(OUT, 'edits.csv');
  await dl[0].saveAs(editsPath);
  const edits = readFileSync(editsPath, 'utf8').trim().split('\n');
  assert.equal(edits[0], 'row,order_id,user_id,event,created_at,price');
  assert.deepEqual(edits.slice(1).map((l) => l.split(',')[0]), ['4', '6', '10', '13', '18']);
  const cli = JSON.parse(execFileSync(CLI, ['check', FILE, '--mapping', mappingPath, '--fixes', editsPath, '--json'], { encoding: 'utf8' }));
  assert.deepEqual([cli.rows, cli.valid, cli.rejected, cli.fixed], [20, 19, 1, 5]);

  step = 'send';
  await page.getByRole('button', { name: 'Send →' }).click();
  await page.getByRole('heading', { name: 'Send' }).waitFor();
  assert.match(await page.locator('#send-h + p').textContent(), /19 messages will be sent \(5 fixed in the app\); 1 rejected row/);
  await page.selectOption('#send-preset', 'custom');
  await page.fill('#send-endpoint', receiver.endpoint);
  await page.fill('#send-key', 'fix-key');
  await page.locator('#start-send').click();
  await page.locator('#sent-delivered').waitFor({ timeout: 60_000 });
  assert.deepEqual(
    [await num('#sent-rows'), await num('#sent-delivered'), await num('#sent-rejected'), await num('#sent-undelivered')],
    [20, 19, 1, 0],
  );
  assert.match(await page.locator('#sent-fixed').textContent(), /Fixed in the app: 5/);
  await shots('7-sent-with-fixes', '.reconciliation');

  step = 'receiver';
  const got = readFileSync(received, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(got.length, 19, 'every valid and fixed row');
  assert.equal(new Set(got.map((m) => m.messageId)).size, 19, 'each once, one messageId each');
  const users = got.map((m) => m.userId).sort();
  const expected = [...Array(20).keys()].map((i) => i + 1).filter((i) => i !== 15)
    .map((i) => (i === 3 || i === 9 ? `fixed-${i}` : `u${i}`)).sort();
  assert.deepEqual(users, expected);
  const u5 = got.find((m) => m.userId === 'u5');
  assert.equal(u5.timestamp, '2024-04-01T12:00:00.000Z', 'the replaced date went');
  const stats = await receiver.stats();
  assert.equal(stats.duplicates, 0);

  step = 'the bound';
  // 10,050 rows without a user (empty cells, found by an empty Find): the grid holds the first 10,000 and says
  // so; a find and replace over all of them stays quick.
  const many = ['order_id,user_id,event,created_at,price'];
  for (let i = 1; i <= 10_050; i++) many.push(`B-${i},,Order Completed,2024-03-01T10:00:00Z,1`);
  const BIG = join(OUT, 'many-bad-rows.csv');
  writeFileSync(BIG, many.join('\n') + '\n');
  await page.reload();
  await page.setInputFiles('#file-input', BIG);
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.locator('#field-userId').waitFor();
  await page.selectOption('#field-userId', 'user_id');
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#fix-omitted').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('#fix-omitted').textContent(), /first 10,000 rejected rows; 50 more are in the rejected-rows download/);
  assert.equal(await rows.count(), 50, 'a page of rows');
  assert.match(await page.locator('nav.pager').textContent(), /Rows 1–50 of 10,000/);
  await page.selectOption('#fr-column', { label: 'user_id' });
  await page.fill('#fr-find', '');
  await page.fill('#fr-replace', 'someone');
  const started = Date.now();
  await page.getByRole('button', { name: 'Replace all' }).click();
  await page.locator('#fix-counts', { hasText: 'Fixed in the app: 10,000' }).waitFor({ timeout: 60_000 });
  const took = Date.now() - started;
  console.log(`find and replace over 10,000 rows, re-checked: ${took} ms`);
  assert.equal(await num('#count-fixed'), 10_000);
  assert.equal(await num('#count-rejected'), 50, 'the rows past the bound stay rejected');
  await shots('6-fix-grid-bound', 'section.fix-grid');

  assert.deepEqual(problems, [], 'no page errors or console warnings');
  console.log('fix grid e2e: ok');
} catch (e) {
  await shot(`fixgrid-failed-${step.replaceAll(' ', '-')}`).catch(() => {});
  console.error(`fix grid e2e failed at ${step}:`, e);
  process.exitCode = 1;
} finally {
  await close();
  receiver.stop();
  server.close();
}
