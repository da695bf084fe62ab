// End-to-end test of several files as one import in the browser app (make
// test-app):
//  (a) a Segment archive folder (segment-logs/<source>/<day>/<epoch-ms>.<id>.gz,
//      gzipped NDJSON hours, with a hidden file and a README beside them)
//      picked as a folder: the hidden and non-data files are left out and
//      listed, the hours are read in time order; map, check and send to the
//      CLI's receiver: every event arrives once, in time order, and the
//      messages (messageIds included) are the ones the CLI's `batches` makes
//      of the same folder;
//  (b) three monthly CSVs (comma, semicolon, tab) picked together: the check
//      names rows by file and breaks the counts down per file, the rejected
//      rows CSV has a `file` column; a send to a slow receiver is cut by
//      reloading the page in the second file; picking the same files again
//      offers to resume, and resuming delivers every valid row (only the
//      unacknowledged tail twice at the receiver), with each file's share;
//      the messages (messageIds included) are the CLI's `batches` of the
//      same files; a file changed since (same size and date, other bytes)
//      makes the kept checkpoint refused, naming the file;
//  (c) a folder of the same orders as CSV, .ods, .xls and .xlsx: each read
//      as its own sheet through the tables module; the messages are the
//      CLI's for the same folder (after make fixtures-tables).
// Screenshots of the File step with several files and of the Check and Send
// breakdowns (light/dark, wide/narrow) in $OUT/screenshots/.
//
// Env: DIST (default dist), CLI (default target/release/segment-backfill),
//      OUT (default test-output), TABLES (default target/fixtures/tables).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
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
const KEY = 'e2e-files-key';
const HERE = join(OUT, 'files');
mkdirSync(SHOTS, { recursive: true });
rmSync(HERE, { recursive: true, force: true });

// (a) A Segment archive: days 2018-02-01 and 2018-02-02, and one of 2001
// whose day folder sorts after the others as text but comes first in time.
const ARCHIVE = join(HERE, 'segment-logs');
const SOURCE = join(ARCHIVE, 'Ab12Cd');
const HOURS = [
  ['999999999999', '999999999999.z9.gz', '2001-09-09T01:46:39Z'],
  ['1517443200000', '1517446800000.a1.gz', '2018-02-01T01:00:00Z'],
  ['1517443200000', '1517500800000.b2.gz', '2018-02-01T16:00:00Z'],
  ['1517529600000', '1517533200000.c3.gz', '2018-02-02T01:00:00Z'],
];
const PER_HOUR = 40;
let event = 0;
for (const [day, file, at] of HOURS) {
  mkdirSync(join(SOURCE, day), { recursive: true });
  const lines = [];
  for (let i = 0; i < PER_HOUR; i++) {
    event += 1;
    const ts = new Date(Date.parse(at) + i * 60_000).toISOString();
    lines.push(JSON.stringify({
      type: 'track', event: `E${String(event).padStart(3, '0')}`, userId: `u${event % 7}`, timestamp: ts,
      messageId: `original-${event}`, sentAt: ts, receivedAt: ts, projectId: 'p1', version: 2,
      properties: { n: event },
    }));
  }
  writeFileSync(join(SOURCE, day, file), gzipSync(lines.join('\n') + '\n'));
}
writeFileSync(join(ARCHIVE, '.DS_Store'), Buffer.from([0, 0, 0, 1, 66, 117, 100, 49]));
writeFileSync(join(ARCHIVE, 'README.md'), '# what Segment wrote\n');
const EVENTS = event;

// (b) Three months of orders, each with its own delimiter; every 50th row
// has no user (rejected). Long notes make many batches, so that the send to
// the slow receiver can be cut part way.
const EXPORTS = join(HERE, 'exports');
mkdirSync(EXPORTS);
const MONTH_ROWS = 6000;
const NOTE = 'Leave the parcel with the neighbour if nobody is home. '.repeat(4);
const WHEN = new Date(Math.floor(Date.now() / 1000) * 1000);
const MONTHS = [['orders-2024-01.csv', ',', 'J'], ['orders-2024-02.csv', ';', 'F'], ['orders-2024-03.csv', '\t', 'M']];
for (const [name, d, prefix] of MONTHS) {
  const month = name.slice(12, 14);
  const lines = [['order_id', 'user_id', 'event', 'created_at', 'price', 'note'].join(d)];
  for (let i = 1; i <= MONTH_ROWS; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    lines.push([`${prefix}${i}`, i % 50 === 0 ? '' : `u${i % 997}`, 'Order Completed',
      `2024-${month}-${day}T10:${String(i % 60).padStart(2, '0')}:00Z`, String(9 + (i % 90)), `${NOTE}${i}`].join(d));
  }
  writeFileSync(join(EXPORTS, name), lines.join('\n') + '\n');
  // Whole seconds: a date set back later (below) is then exactly the one
  // the browser saw (it keeps dates to the millisecond, Node's Date too).
  utimesSync(join(EXPORTS, name), WHEN, WHEN);
}
const ROWS = 3 * MONTH_ROWS;
const fmt = (n) => n.toLocaleString('en-US');
const [MONTH, MONTH_VALID, MONTH_BAD] = [MONTH_ROWS, MONTH_ROWS * 49 / 50, MONTH_ROWS / 50].map(fmt);
const BAD = 3 * (MONTH_ROWS / 50);
const VALID = ROWS - BAD;

const server = await serve(DIST, 0);
const url = `http://127.0.0.1:${server.address().port}/`;
const archiveOut = join(OUT, 'files-archive-received.ndjson');
const monthsOut = join(OUT, 'files-months-received.ndjson');
const tablesOut = join(OUT, 'files-tables-received.ndjson');
for (const f of [archiveOut, monthsOut, tablesOut]) rmSync(f, { force: true });
const fast = await startReceiver(CLI, archiveOut, ['--write-key', KEY]);
// Every answer 400 ms late: the send takes long enough to be cut.
const slow = await startReceiver(CLI, monthsOut, ['--write-key', KEY, '--delay-ms', '400']);
const tablesReceiver = await startReceiver(CLI, tablesOut, ['--write-key', KEY]);
const { page, problems, shot, close } = await openApp('e2e-files', SHOTS);

const num = async (id) => Number((await page.locator(id).textContent()).replaceAll(',', ''));
const lines = (file) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
/** The rows of a table: each row's cells' texts. */
const cells = (selector) => page.locator(`${selector} tbody tr`).evaluateAll(
  (rows) => rows.map((r) => [...r.children].map((c) => c.textContent.trim())));
const kept = () => page.evaluate(() => Object.keys(localStorage)
  .filter((k) => k.startsWith('segment-backfill.resume.'))
  .map((k) => JSON.parse(localStorage.getItem(k))));

/** The messages of every batch body `batches` makes of `paths`. */
function cliMessages(paths, mapping, dir) {
  rmSync(dir, { recursive: true, force: true });
  execFileSync(CLI, ['batches', ...paths, '--mapping', mapping, '--out', dir, '--write-key', KEY], { encoding: 'utf8' });
  return readdirSync(dir).sort().flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).batch);
}

/** `v` with every object's keys in order, so equal messages print equal. */
const sorted = (v) => (Array.isArray(v) ? v.map(sorted)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v);

/** A message as both senders make it (sentAt is stamped per request). */
const comparable = ({ sentAt, ...m }) => JSON.stringify(sorted(m));

/** Each message once, by messageId (a resumed send's tail arrives twice). */
const once = (messages) => [...new Map(messages.map((m) => [m.messageId, m])).values()];

/** Four looks of the page: light and dark, wide and narrow. */
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

/** Map (saving the mapping the page uses), then Check; the counts shown. */
async function mapAndCheck(name, mappingFile = null) {
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.locator('pre.json').first().waitFor();
  if (mappingFile) {
    await page.setInputFiles('#mapping-input', mappingFile);
    await page.locator('pre.json').first().waitFor();
  }
  const saved = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save mapping' }).click()]);
  const mapping = join(OUT, `files-${name}.mapping.json`);
  await saved[0].saveAs(mapping);
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor({ timeout: 120_000 });
  return { mapping, rows: await num('#count-rows'), valid: await num('#count-valid'), rejected: await num('#count-rejected') };
}

async function sendTo(receiver, concurrency = 4) {
  await page.getByRole('button', { name: 'Send →' }).click();
  await page.getByRole('heading', { name: 'Send' }).waitFor();
  await page.selectOption('#send-preset', 'custom');
  await page.fill('#send-endpoint', receiver.endpoint);
  await page.fill('#send-key', KEY);
  if (!(await page.getByLabel('Requests at once').isVisible())) await page.getByText('Advanced').click();
  await page.getByLabel('Requests at once').selectOption(String(concurrency));
  await page.locator('#start-send').click();
}

const tiles = async () => ({
  rows: await num('#sent-rows'), delivered: await num('#sent-delivered'),
  rejected: await num('#sent-rejected'), undelivered: await num('#sent-undelivered'),
});

let step = 'start';
try {
  await page.goto(url);
  await page.getByRole('heading', { name: 'Your export file' }).waitFor();

  step = 'archive: pick the folder';
  await page.setInputFiles('#folder-input', ARCHIVE);
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  assert.equal(await page.locator('#file-h').textContent(), '4 files in segment-logs');
  const listed = await cells('#file-list');
  assert.deepEqual(listed.map((r) => r[1]), HOURS.map(([day, file]) => `Ab12Cd/${day}/${file}`), 'time order, named as the CLI names them');
  assert.ok(listed.every((r) => /NDJSON \(one JSON object per line\), UTF-8, gzipped/.test(r[3])), JSON.stringify(listed));
  assert.match(await page.locator('#file-kind').textContent(), /read in the time order of a Segment archive/);
  assert.deepEqual(await page.locator('#skipped-files li').allTextContents(), ['.DS_Store (hidden)', 'README.md (not a data file)']);
  await page.locator('#skipped-files summary').click();
  await shots('9-files-archive');

  step = 'archive: map, check, send';
  const archive = await mapAndCheck('archive');
  assert.deepEqual([archive.rows, archive.valid, archive.rejected], [EVENTS, EVENTS, 0]);
  assert.deepEqual((await cells('#check-files')).map((r) => r.slice(0, 4)),
    HOURS.map(([day, file]) => [`Ab12Cd/${day}/${file}`, String(PER_HOUR), String(PER_HOUR), '0']));
  await sendTo(fast);
  await page.locator('#sent-delivered').waitFor({ timeout: 60_000 });
  assert.deepEqual(await tiles(), { rows: EVENTS, delivered: EVENTS, rejected: 0, undelivered: 0 });
  const arrived = lines(archiveOut);
  assert.equal(arrived.length, EVENTS, 'every event once');
  assert.deepEqual(arrived.map((m) => m.event), [...Array(EVENTS)].map((_, i) => `E${String(i + 1).padStart(3, '0')}`), 'in time order');
  assert.ok(arrived.every((m) => !m.messageId.startsWith('original-')), 'replayed: ids derived anew');
  const archiveCli = cliMessages([ARCHIVE], archive.mapping, join(OUT, 'files-archive-batches'));
  assert.deepEqual(arrived.map(comparable), archiveCli.map(comparable), 'the messages the CLI makes of the folder, messageIds included');

  step = 'months: pick three files';
  await page.getByRole('button', { name: /File/ }).first().click();
  await page.setInputFiles('#file-input', [...MONTHS].reverse().map(([name]) => join(EXPORTS, name)));
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  assert.equal(await page.locator('#file-h').textContent(), '3 files');
  const monthList = await cells('#file-list');
  assert.deepEqual(monthList.map((r) => r[1]), MONTHS.map(([name]) => name));
  assert.deepEqual(monthList.map((r) => r[3].split(',')[1].trim()), ['comma', 'semicolon', 'tab']);
  await shots('9-files-months');

  step = 'months: check';
  const months = await mapAndCheck('months');
  assert.deepEqual([months.rows, months.valid, months.rejected], [ROWS, VALID, BAD]);
  assert.deepEqual(await cells('#check-files'), MONTHS.map(([name]) => [name, MONTH, MONTH_VALID, MONTH_BAD]));
  const examples = await page.locator('details.finding.error li').allTextContents();
  assert.match(examples[0], /^orders-2024-01\.csv row 51: neither userId nor anonymousId is set/, examples[0]);
  const [rejectsDl] = await Promise.all([page.waitForEvent('download'), page.locator('#download-rejects').click()]);
  await rejectsDl.saveAs(join(OUT, 'files-rejected-rows.csv'));
  const rejects = readFileSync(join(OUT, 'files-rejected-rows.csv'), 'utf8').trim().split('\n');
  assert.equal(rejects[0], 'file,row,line,code,reason,order_id,user_id,event,created_at,price,note');
  assert.equal(rejects.length, BAD + 1);
  assert.ok(rejects.at(-1).startsWith(`orders-2024-03.csv,${MONTH_ROWS + 1},${MONTH_ROWS + 1},missing_identity,`), rejects.at(-1));
  assert.equal(await page.locator('#no-fixes').count(), 1, 'no fix grid for several files, and it says so');
  await shots('9-files-check');

  step = 'months: send, reload in the second file';
  await sendTo(slow, 1);
  await page.locator('.progress p', { hasText: 'file 2 of 3' }).waitFor({ timeout: 60_000 });
  await page.waitForFunction((n) => Object.keys(localStorage).some((k) => k.startsWith('segment-backfill.resume.')
    && JSON.parse(localStorage.getItem(k)).rowsDone > n), MONTH_ROWS, { timeout: 60_000 });
  await shot('9-files-sending');
  await page.waitForTimeout(500);
  const [atReload] = await kept();
  assert.ok(!JSON.stringify(atReload).includes(KEY), 'the write key is not kept');
  await page.reload();
  const cut = await slow.stats();
  assert.ok(cut.uniqueMessageIds > 0 && cut.uniqueMessageIds < VALID, `cut part way: ${cut.uniqueMessageIds}`);

  step = 'months: the same files again, resumed';
  await page.getByRole('heading', { name: 'Your export file' }).waitFor();
  await page.setInputFiles('#file-input', MONTHS.map(([name]) => join(EXPORTS, name)));
  const offer = page.locator('section.resume');
  await offer.waitFor();
  assert.match(await offer.textContent(), new RegExp(`An import of these files stopped at [\\d,]+ of ${fmt(ROWS)} rows`));
  await page.locator('#resume-import').click();
  await page.fill('#send-key', KEY);
  await page.getByRole('button', { name: 'Resume sending' }).click();
  await page.locator('#sent-delivered').waitFor({ timeout: 180_000 });
  assert.deepEqual(await tiles(), { rows: ROWS, delivered: VALID, rejected: BAD, undelivered: 0 });
  const shares = await cells('#sent-files');
  assert.deepEqual(shares.map((r) => [r[0], r[1], r[2].split(' ')[0], r[3], r[4]]),
    MONTHS.map(([name]) => [name, MONTH, MONTH_VALID, MONTH_BAD, '0']));
  assert.ok(shares.some((r) => /before\)$/.test(r[2])), 'the rows the stopped send delivered are said per file');
  await shots('9-files-sent');
  const done = await slow.stats();
  const earlier = Number((await page.locator('#sent-delivered + .label').textContent()).match(/\(([\d,]+) before/)[1].replaceAll(',', ''));
  assert.equal(done.uniqueMessageIds, VALID, 'every valid row arrived');
  assert.equal(done.duplicates, cut.uniqueMessageIds - earlier, 'only the unacknowledged tail is sent again');
  assert.deepEqual(await kept(), [], 'a finished import forgets its checkpoint');
  const monthsCli = cliMessages([EXPORTS], months.mapping, join(OUT, 'files-months-batches'));
  assert.deepEqual(once(lines(monthsOut)).map(comparable).sort(), monthsCli.map(comparable).sort(),
    'the messages the CLI makes of the same files, messageIds included');
  console.log(`test-app files: months cut at ${atReload.rowsDone} rows done (receiver: ${cut.uniqueMessageIds}), `
    + `resumed: ${done.uniqueMessageIds} unique, ${done.duplicates} duplicates`);

  step = 'months: a changed file refuses the kept checkpoint';
  // One request at a time again (the form came back after the reload
  // with its default), and a reload once a checkpoint has rows delivered.
  if (!(await page.getByLabel('Requests at once').isVisible())) await page.getByText('Advanced').click();
  await page.getByLabel('Requests at once').selectOption('1');
  await page.getByRole('button', { name: 'Send again' }).click();
  await page.getByRole('button', { name: 'Yes, send again' }).click();
  await page.waitForFunction((n) => Object.keys(localStorage).some((k) => k.startsWith('segment-backfill.resume.')
    && JSON.parse(localStorage.getItem(k)).rowsDone > n), BAD, { timeout: 60_000 });
  await page.reload();
  // February's first order, another user: same size, same date, other bytes.
  const feb = join(EXPORTS, MONTHS[1][0]);
  const text = readFileSync(feb, 'utf8');
  writeFileSync(feb, text.replace('F1;u1;', 'F1;u2;'));
  utimesSync(feb, WHEN, WHEN);
  await page.getByRole('heading', { name: 'Your export file' }).waitFor();
  await page.setInputFiles('#file-input', MONTHS.map(([name]) => join(EXPORTS, name)));
  await page.locator('section.resume').waitFor();
  await page.locator('#resume-import').click();
  await page.fill('#send-key', KEY);
  const before = (await slow.stats()).requests;
  await page.getByRole('button', { name: 'Resume sending' }).click();
  const refusal = page.locator('.banner.error', { hasText: 'another set of files' });
  await refusal.waitFor({ timeout: 30_000 });
  assert.match(await refusal.textContent(), /orders-2024-02\.csv: its first 64 KiB are not the ones the checkpoint was made with/);
  assert.match(await refusal.textContent(), /Start over to send every file/);
  assert.equal((await slow.stats()).requests, before, 'nothing sent');
  await shot('9-files-refused');
  writeFileSync(feb, text);
  utimesSync(feb, WHEN, WHEN);

  if (existsSync(join(TABLES, 'orders.xlsx'))) {
    step = 'tables: a folder of the same orders as CSV and workbooks';
    const folder = join(HERE, 'orders');
    mkdirSync(folder);
    for (const f of ['orders.csv', 'orders.ods', 'orders.xls', 'orders.xlsx']) copyFileSync(join(TABLES, f), join(folder, f));
    await page.getByRole('button', { name: /File/ }).first().click();
    await page.setInputFiles('#folder-input', folder);
    await page.getByRole('heading', { name: 'First rows' }).waitFor();
    const tableList = await cells('#file-list');
    assert.deepEqual(tableList.map((r) => r[1]), ['orders.csv', 'orders.ods', 'orders.xls', 'orders.xlsx']);
    assert.match(tableList[3][3], /Excel workbook · sheet Orders · header on row 3/);
    await shot('9-files-tables');
    const tables = await mapAndCheck('tables', 'tests/tables/orders.mapping.json');
    const each = await cells('#check-files');
    assert.ok(each.every((r) => r[1] === each[0][1] && r[2] === each[0][2]), `each file has the same rows: ${JSON.stringify(each)}`);
    await sendTo(tablesReceiver);
    await page.locator('#sent-delivered').waitFor({ timeout: 120_000 });
    assert.deepEqual(await tiles(), { rows: tables.rows, delivered: tables.valid, rejected: tables.rejected, undelivered: 0 });
    const tablesCli = cliMessages([folder], tables.mapping, join(OUT, 'files-tables-batches'));
    assert.deepEqual(lines(tablesOut).map(comparable).sort(), tablesCli.map(comparable).sort(),
      'the messages the CLI makes of the folder, messageIds included');
  } else {
    console.log('test-app files: no workbook fixtures (make fixtures-tables): the folder of workbooks is not tried');
  }

  assert.deepEqual(problems, [], 'no page errors or console errors');
  console.log(`test-app files: OK (archive of ${EVENTS} events in ${HOURS.length} hours; ${ROWS} rows in 3 months, resumed after a reload; same messages as the CLI)`);
} catch (e) {
  console.error(`test-app files: failed at step "${step}"`);
  await shot('9-files-failed').catch(() => {});
  if (problems.length) console.error(problems.join('\n'));
  throw e;
} finally {
  await close();
  server.close();
  fast.stop();
  slow.stop();
  tablesReceiver.stop();
}
