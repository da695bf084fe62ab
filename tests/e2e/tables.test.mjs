// End-to-end test of workbooks and Parquet in the browser app (make
// test-app, after make fixtures-tables):
//  (a) a CSV flow never fetches the tables module (tables.js, tables_bg.wasm);
//  (b) orders.xlsx: the File step names the workbook, the sheet and its
//      header row, offers the sheets (the empty "Cover" marked, not chosen);
//      another sheet is read again and back; map, check and send to the
//      CLI's receiver: every valid row arrives once, and the messages are
//      the ones the CLI's `batches` makes of the equivalent orders.csv
//      (messageIds aside: they follow the sheet's row numbers);
//  (c) events-zstd.parquet (ZSTD, the codec Polars writes by default): the File step names Parquet, its rows, row
//      groups and codec; sent the same way, the messages are the CLI's for
//      events.ndjson, messageIds included (same rows, same numbers).
// Screenshots of the File step (light/dark, wide/narrow) in $OUT/screenshots/.
//
// Env: DIST (default dist), CLI (default target/release/segment-backfill),
//      OUT (default test-output), TABLES (default target/fixtures/tables).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { serve } from './serve.mjs';
import { openApp } from './browser.mjs';
import { receiver as startReceiver } from '../js/serve.mjs';

const DIST = process.env.DIST ?? 'dist';
const CLI = process.env.CLI ?? 'target/release/segment-backfill';
const OUT = process.env.OUT ?? 'test-output';
const TABLES = process.env.TABLES ?? 'target/fixtures/tables';
const SHOTS = join(OUT, 'screenshots');
const KEY = 'e2e-tables-key';
const MODULE_FILES = ['/tables.js', '/tables_bg.wasm'];
mkdirSync(SHOTS, { recursive: true });

const requested = [];
const server = await serve(DIST, 0, requested);
const received = join(OUT, 'tables-received.ndjson');
rmSync(received, { force: true });
const receiver = await startReceiver(CLI, received, ['--write-key', KEY]);
const url = `http://127.0.0.1:${server.address().port}/`;
const { page, problems, shot, close } = await openApp('tables', SHOTS);
const num = async (id) => Number((await page.locator(id).textContent()).replaceAll(',', ''));
const receivedLines = () => (existsSync(received) ? readFileSync(received, 'utf8').split('\n').filter(Boolean) : []);

/** The messages of every batch body `batches` wrote into `dir`. */
function cliMessages(file, mapping, dir) {
  rmSync(dir, { recursive: true, force: true });
  execFileSync(CLI, ['batches', file, '--mapping', mapping, '--out', dir, '--write-key', KEY], { encoding: 'utf8' });
  return readdirSync(dir).sort().flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).batch);
}

/** `v` with every object's keys in order, so equal messages print equal. */
const sorted = (v) => (Array.isArray(v) ? v.map(sorted)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v);

/** A message as both senders make it, without what differs per send. */
function comparable(m, { keepId }) {
  const { sentAt, receivedAt, messageId, ...rest } = m;
  return JSON.stringify(sorted(keepId ? { messageId, ...rest } : rest));
}

/**
 * Maps (the fixture's mapping when there is one), checks and sends the file
 * open in the page; returns the counts shown and the messages that arrived.
 */
async function mapCheckSend(name, mappingFile) {
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.locator('pre.json').first().waitFor();
  if (existsSync(mappingFile)) {
    await page.setInputFiles('#mapping-input', mappingFile);
    await page.locator('pre.json').first().waitFor();
  }
  const saved = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save mapping' }).click()]);
  const mapping = join(OUT, `${name}.mapping.json`);
  await saved[0].saveAs(mapping);
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor({ timeout: 60_000 });
  const checked = { rows: await num('#count-rows'), valid: await num('#count-valid'), rejected: await num('#count-rejected') };
  const before = receivedLines().length;
  await page.getByRole('button', { name: 'Send →' }).click();
  await page.getByRole('heading', { name: 'Send' }).waitFor();
  await page.selectOption('#send-preset', 'custom');
  await page.fill('#send-endpoint', receiver.endpoint);
  await page.fill('#send-key', KEY);
  await page.locator('#start-send').click();
  await page.locator('#sent-delivered').waitFor({ timeout: 60_000 });
  const sent = {
    rows: await num('#sent-rows'), delivered: await num('#sent-delivered'),
    rejected: await num('#sent-rejected'), undelivered: await num('#sent-undelivered'),
  };
  assert.deepEqual(sent, { rows: checked.rows, delivered: checked.valid, rejected: checked.rejected, undelivered: 0 });
  const messages = receivedLines().slice(before).map((l) => JSON.parse(l));
  return { checked, mapping, messages };
}

/** The File step as a newcomer sees it, in four looks. */
async function fileShots(name) {
  await shot(`1-file-${name}`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(`1-file-${name}-dark`);
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(`1-file-${name}-narrow-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
  await shot(`1-file-${name}-narrow`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

let step = 'start';
try {
  step = 'csv';
  await page.goto(url);
  await page.getByRole('button', { name: 'try the sample file' }).click();
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.locator('pre.json').first().waitFor();
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor({ timeout: 60_000 });
  assert.deepEqual(requested.filter((p) => MODULE_FILES.includes(p)), [], 'a CSV flow never fetches the tables module');

  step = 'workbook';
  await page.getByRole('button', { name: /File/ }).first().click();
  await page.setInputFiles('#file-input', join(TABLES, 'orders.xlsx'));
  await page.locator('#file-kind', { hasText: 'Excel workbook' }).waitFor();
  for (const f of MODULE_FILES) assert.ok(requested.includes(f), `a workbook fetches ${f}`);
  assert.match(await page.locator('#file-kind').textContent(), /Excel workbook · sheet Orders · header on row \d+/);
  const sheets = await page.locator('#sheet option').evaluateAll((os) => os.map((o) => ({ name: o.value, label: o.textContent, disabled: o.disabled, selected: o.selected })));
  assert.deepEqual(sheets.map((s) => s.name).slice(0, 3), ['Cover', 'Orders', 'Refunds']);
  assert.deepEqual(sheets[0], { name: 'Cover', label: 'Cover (empty)', disabled: true, selected: false });
  assert.equal(sheets[1].selected, true, 'the first sheet with data is read');
  await fileShots('workbook');

  step = 'sheet';
  const ordersHeaders = await page.locator('table.grid thead th').allTextContents();
  await page.selectOption('#sheet', 'Refunds');
  await page.locator('#file-kind', { hasText: 'sheet Refunds' }).waitFor();
  assert.notDeepEqual(await page.locator('table.grid thead th').allTextContents(), ordersHeaders, 'another sheet, other columns');
  await page.selectOption('#sheet', 'Orders');
  await page.locator('#file-kind', { hasText: 'sheet Orders' }).waitFor();
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  assert.deepEqual(await page.locator('table.grid thead th').allTextContents(), ordersHeaders);

  step = 'workbook send';
  const wb = await mapCheckSend('orders-xlsx', 'tests/tables/orders.mapping.json');
  const cliCheck = JSON.parse(execFileSync(CLI, ['check', join(TABLES, 'orders.csv'), '--mapping', wb.mapping, '--json'], { encoding: 'utf8' }));
  assert.deepEqual(wb.checked, { rows: cliCheck.rows, valid: cliCheck.valid, rejected: cliCheck.rejected }, 'the counts of orders.csv');
  assert.ok(wb.checked.valid > 0);
  const wbIds = new Set(wb.messages.map((m) => m.messageId));
  assert.equal(wb.messages.length, wb.checked.valid, 'every valid row arrived');
  assert.equal(wbIds.size, wb.checked.valid, 'each once');
  const csvMessages = cliMessages(join(TABLES, 'orders.csv'), wb.mapping, join(OUT, 'tables-batches-csv'));
  assert.deepEqual(
    wb.messages.map((m) => comparable(m, { keepId: false })).sort(),
    csvMessages.map((m) => comparable(m, { keepId: false })).sort(),
    'the messages the CLI makes of orders.csv',
  );

  step = 'parquet';
  await page.getByRole('button', { name: /File/ }).first().click();
  await page.setInputFiles('#file-input', join(TABLES, 'events-zstd.parquet'));
  await page.locator('#file-kind', { hasText: 'Parquet' }).waitFor();
  assert.match(await page.locator('#file-kind').textContent(), /Parquet file · [\d,]+ rows in \d+ row groups? · ZSTD/);
  assert.equal(await page.locator('#sheet').count(), 0, 'no sheet picker');
  await fileShots('parquet');
  const pq = await mapCheckSend('events-parquet', 'tests/tables/events.mapping.json');
  const ndjsonMessages = cliMessages(join(TABLES, 'events.ndjson'), pq.mapping, join(OUT, 'tables-batches-ndjson'));
  assert.equal(pq.messages.length, pq.checked.valid, 'every valid row arrived');
  assert.deepEqual(
    pq.messages.map((m) => comparable(m, { keepId: true })).sort(),
    ndjsonMessages.map((m) => comparable(m, { keepId: true })).sort(),
    'the messages (and messageIds) the CLI makes of events.ndjson',
  );

  const stats = await receiver.stats();
  assert.equal(stats.duplicates, 0, 'nothing arrived twice');
  assert.deepEqual(problems, [], 'no page errors or console errors');
  console.log(`test-app tables: OK (workbook ${wb.checked.valid} of ${wb.checked.rows} rows, Parquet ${pq.checked.valid} of ${pq.checked.rows}; same messages as the CLI)`);
} catch (e) {
  console.error(`test-app tables: failed at step "${step}"`);
  if (problems.length) console.error(problems.join('\n'));
  throw e;
} finally {
  await close();
  server.close();
  receiver.stop();
}
