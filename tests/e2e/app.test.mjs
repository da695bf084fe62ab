// End-to-end test of the browser app (make test-app): load www/sample.csv,
// map it, check it, and compare the page's counts with the CLI's
// `check --json` for the same file and the mapping the page saved.
//
// Env: DIST (default dist), CLI (default target/release/segment-backfill),
//      OUT (default test-output). Screenshots go to $OUT/screenshots/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { serve } from './serve.mjs';
import { openApp } from './browser.mjs';
import { receiver as startReceiver } from '../js/serve.mjs';

const DIST = process.env.DIST ?? 'dist';
const CLI = process.env.CLI ?? 'target/release/segment-backfill';
const OUT = process.env.OUT ?? 'test-output';
const SHOTS = join(OUT, 'screenshots');
const SAMPLE = 'www/sample.csv';
mkdirSync(SHOTS, { recursive: true });

const server = await serve(DIST, 0);
const received = join(OUT, 'received.ndjson');
rmSync(received, { force: true });
// It requires the key, so the test shows the key really travels with the batches.
const receiver = await startReceiver(CLI, received, ['--write-key', 'e2e-write-key'], { logs: true });
const url = `http://127.0.0.1:${server.address().port}/`;
const { page, problems, shot, close } = await openApp('e2e', SHOTS);
let step = 'start';
try {

  step = 'load';
  await page.goto(url);
  await page.getByRole('heading', { name: 'Your export file' }).waitFor();
  await shot('0-empty');

  step = 'file';
  await page.setInputFiles('#file-input', SAMPLE);
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  const grid = await page.locator('table.grid thead th').allTextContents();
  assert.deepEqual(grid.slice(0, 3), ['order_id', 'user_id', 'created_at']);
  assert.match(await page.locator('#file-h + p').textContent(), /comma, UTF-8, first row is the header/);
  await shot('1-file');

  step = 'map';
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.locator('pre.json').first().waitFor();
  assert.equal(await page.locator('#field-userId').inputValue(), 'user_id');
  assert.equal(await page.locator('#field-timestamp').inputValue(), 'created_at');
  assert.equal(await page.locator('#field-event').inputValue(), 'event');
  const first = JSON.parse(await page.locator('pre.json').first().textContent());
  assert.equal(first.type, 'track');
  assert.equal(first.userId, 'u010');
  assert.equal(first.timestamp, '2024-03-16T01:42:00.000Z');
  assert.equal(typeof first.messageId, 'string');
  // Edits: no timestamp gives the loud warning; price becomes revenue; coupon is ignored.
  await page.selectOption('#field-timestamp', '');
  await page.getByText('No timestamp is mapped.').waitFor();
  await page.selectOption('#field-timestamp', 'created_at');
  await page.getByText('No timestamp is mapped.').waitFor({ state: 'detached' });
  // A time zone that does not exist is named in the page, and clearing it recovers.
  await page.fill('#ts-zone', 'Mars/Olympus');
  await page.press('#ts-zone', 'Tab');
  await page.locator('.banner.error', { hasText: 'Mars/Olympus' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Check →' }).isDisabled(), true);
  await shot('2-map-bad-zone');
  await page.fill('#ts-zone', '');
  await page.press('#ts-zone', 'Tab');
  await page.locator('.banner.error').waitFor({ state: 'detached' });
  await page.getByLabel('price: name in properties').fill('revenue');
  await page.getByLabel('price: name in properties').press('Tab');
  await page.getByLabel('coupon: goes to').selectOption('ignore');
  await page.waitForFunction(() => {
    const m = JSON.parse(document.querySelector('pre.json')?.textContent ?? '{}');
    return m.properties && m.properties.revenue === 29 && !('coupon' in m.properties);
  });
  await shot('2-map');
  const saved = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save mapping' }).click()]);
  const mappingPath = join(OUT, 'mapping.json');
  await saved[0].saveAs(mappingPath);

  step = 'check';
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor({ timeout: 60_000 });
  const num = async (id) => Number((await page.locator(id).textContent()).replaceAll(',', ''));
  const shown = {
    rows: await num('#count-rows'), valid: await num('#count-valid'),
    rejected: await num('#count-rejected'), withWarnings: await num('#count-warnings'),
  };
  await shot('3-check');

  step = 'cli';
  const cli = JSON.parse(execFileSync(CLI, ['check', SAMPLE, '--mapping', mappingPath, '--json'], { encoding: 'utf8' }));
  assert.deepEqual(shown, { rows: cli.rows, valid: cli.valid, rejected: cli.rejected, withWarnings: cli.withWarnings });
  assert.equal(shown.rows, 200);
  assert.equal(shown.rejected, 3);

  step = 'rejects';
  const dl = await Promise.all([page.waitForEvent('download'), page.locator('#download-rejects').click()]);
  const rejectsPath = join(OUT, 'rejected-rows.csv');
  await dl[0].saveAs(rejectsPath);
  const lines = readFileSync(rejectsPath, 'utf8').trim().split('\n');
  assert.match(lines[0], /^row,line,code,reason,order_id,user_id,/);
  assert.equal(lines.length, shown.rejected + 1);

  step = 'send';
  await page.getByRole('button', { name: 'Send →' }).click();
  await page.getByRole('heading', { name: 'Send' }).waitFor();
  await page.selectOption('#send-preset', 'custom');
  await page.fill('#send-endpoint', receiver.endpoint);
  await page.fill('#send-key', 'e2e-write-key');
  await shot('4-send');
  await page.locator('#start-send').click();
  await page.locator('#sent-delivered').waitFor({ timeout: 60_000 });
  const sent = {
    rows: await num('#sent-rows'), delivered: await num('#sent-delivered'),
    rejected: await num('#sent-rejected'), undelivered: await num('#sent-undelivered'),
  };
  await shot('5-sent');
  assert.deepEqual(sent, { rows: shown.rows, delivered: shown.valid, rejected: shown.rejected, undelivered: 0 });
  const stats = await receiver.stats();
  assert.equal(stats.messages, shown.valid, 'the receiver got every valid row');
  assert.equal(stats.duplicates, 0);
  assert.equal(stats.dropped, 0);
  // The receiver writes each batch before it answers: the file is complete.
  const receivedLines = () => readFileSync(received, 'utf8').split('\n').filter(Boolean);
  assert.equal(receivedLines().length, shown.valid);
  const ids = new Set(receivedLines().map((l) => JSON.parse(l).messageId));
  assert.equal(ids.size, shown.valid, 'one messageId per row');

  step = 'send again';
  // Again, with the key in a Basic header: same rows, same messageIds, so the
  // receiver sees every message a second time as a duplicate.
  await page.getByText('Advanced').click();
  await page.getByLabel('The write key travels').selectOption('basic');
  await page.getByRole('button', { name: 'Send again' }).click();
  await page.locator('#confirm-again').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Yes, send again');
  await shot('5-send-again-confirm');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('5-send-again-confirm-narrow-dark');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByRole('button', { name: 'Yes, send again' }).click();
  await page.waitForFunction(async (url) => {
    const s = await (await fetch(`${url}/stats`)).json();
    return s.duplicates > 0 && s.messages >= 2 * 197;
  }, receiver.url, { timeout: 30_000 }).catch(() => {});
  await page.locator('#sent-delivered').waitFor();
  const again = await receiver.stats();
  assert.equal(again.duplicates, shown.valid, 'a re-run duplicates nothing new');
  assert.equal(again.uniqueMessageIds, shown.valid);

  step = 'other formats';
  // The same rows gzipped, and an NDJSON file of ready-made messages.
  const gz = join(OUT, 'sample.csv.gz');
  writeFileSync(gz, gzipSync(readFileSync(SAMPLE)));
  await page.getByRole('button', { name: /File/ }).first().click();
  await page.setInputFiles('#file-input', gz);
  await page.locator('#file-h + p', { hasText: 'gzipped' }).waitFor();
  await page.getByRole('button', { name: /Check/ }).first().click();
  await page.locator('#count-rows').waitFor();
  assert.equal(await num('#count-valid'), shown.valid, 'the gzipped file gives the same counts');
  const ndjson = join(OUT, 'events.ndjson');
  writeFileSync(ndjson, Array.from({ length: 30 }, (_, i) => JSON.stringify(
    { type: 'track', userId: `u${i}`, event: 'Signed Up', timestamp: '2024-05-01T10:00:00Z' })).join('\n') + '\n{"type":"track","event":"no user"}\n');
  await page.getByRole('button', { name: /File/ }).first().click();
  await page.setInputFiles('#file-input', ndjson);
  await page.locator('#file-h + p', { hasText: 'NDJSON' }).waitFor();
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.getByLabel(/already a Segment message/).check();
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor();
  assert.deepEqual([await num('#count-valid'), await num('#count-rejected')], [30, 1]);

  step = 'archive';
  // One of Segment's own archives: replayed by default, and the page says so.
  const archive = join(OUT, 'archive.ndjson');
  writeFileSync(archive, Array.from({ length: 12 }, (_, i) => JSON.stringify({
    type: 'track', userId: `a${i}`, event: 'Archived', timestamp: '2019-05-02T18:33:59Z',
    sentAt: '2019-05-02T18:34:00Z', messageId: `old-${i}`, projectId: 'p1', receivedAt: '2019-05-02T18:34:01Z',
  })).join('\n') + '\n');
  await page.getByRole('button', { name: /File/ }).first().click();
  await page.setInputFiles('#file-input', archive);
  await page.locator('#file-h + p', { hasText: 'NDJSON' }).waitFor();
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.getByText("This file looks like one of Segment's own archives").waitFor();
  assert.equal(await page.locator('#replay').isChecked(), true);
  await page.locator('pre.json').first().waitFor();
  const replayed = JSON.parse(await page.locator('pre.json').first().textContent());
  assert.ok(!replayed.messageId.startsWith('old-') && !('sentAt' in replayed) && !('projectId' in replayed));
  await shot('2-map-archive');
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor();
  await page.getByRole('button', { name: 'Send →' }).click();
  await page.locator('#start-send').click();
  await page.locator('#sent-delivered', { hasText: /^12$/ }).waitFor({ timeout: 60_000 });
  const fromArchive = readFileSync(received, 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l)).filter((m) => m.event === 'Archived');
  assert.equal(fromArchive.length, 12);
  assert.ok(fromArchive.every((m) => !m.messageId.startsWith('old-') && !('sentAt' in m) && !('receivedAt' in m)));

  step = 'cancel';
  // Big enough (~40 MB) that the check is still running when Cancel is pressed.
  const big = join(OUT, 'big.csv');
  const body = readFileSync(SAMPLE, 'utf8').split('\n').slice(1).join('\n');
  writeFileSync(big, readFileSync(SAMPLE, 'utf8').split('\n')[0] + '\n' + body.repeat(2700));
  await page.getByRole('button', { name: /File/ }).first().click();
  await page.setInputFiles('#file-input', big);
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.locator('pre.json').first().waitFor();
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('progress').waitFor();
  await page.waitForFunction(() => /[1-9][0-9,]* rows ·/.test(document.querySelector('.progress p')?.textContent ?? ''));
  await shot('3-check-running');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByText('Cancelled. Nothing was sent.').waitFor();
  rmSync(big);

  step = 'remembered mapping';
  // After a reload, the same columns bring back the edited mapping (only the
  // mapping is stored, never data or keys).
  await page.reload();
  await page.getByRole('button', { name: 'try the sample file' }).click();
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.locator('pre.json').first().waitFor();
  await page.getByText('Restored the mapping you last used with these columns.').waitFor();
  assert.equal(await page.getByLabel('price: name in properties').inputValue(), 'revenue');
  const stored = await page.evaluate(() => Object.keys(localStorage));
  assert.ok(stored.every((k) => k.startsWith('segment-backfill.mapping.')), `only mappings stored: ${stored}`);

  step = 'looks';
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor();
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('3-check-dark');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: /Map/ }).first().click();
  await shot('2-map-narrow-dark');

  assert.deepEqual(problems, [], 'no page errors or console errors');
  console.log(`test-app: OK (${shown.rows} rows: ${shown.valid} valid, ${shown.rejected} rejected, ${shown.withWarnings} with warnings; same as the CLI)`);
} catch (e) {
  console.error(`test-app: failed at step "${step}"`);
  if (problems.length) console.error(problems.join('\n'));
  throw e;
} finally {
  await close();
  server.close();
  receiver.stop();
}
