// End-to-end test of the browser app (make test-app), after app.test.mjs:
//  (a) a send to a slow receiver is cut by reloading the page; opening the
//      same file again offers to resume; resuming delivers every valid row
//      (unique messageIds at the receiver = valid rows, only the
//      unacknowledged tail arrives twice) and the reconciliation covers the
//      whole file;
//  (b) a send through a receiver that injects faults (429, 500, 503,
//      dropped connections, slow answers) delivers every row;
//  (c) a send to a slow receiver is paused: the requests in flight finish,
//      then nothing more arrives and the file is not read further; resumed,
//      every row arrives once, and the reconciliation downloaded as JSON
//      (and the rejected rows as CSV) balances.
//
// Env: DIST (default dist), CLI (default target/release/segment-backfill),
//      OUT (default test-output). Screenshots go to $OUT/screenshots/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { serve } from './serve.mjs';
import { openApp } from './browser.mjs';
import { receiver as startReceiver } from '../js/serve.mjs';

const DIST = process.env.DIST ?? 'dist';
const CLI = process.env.CLI ?? 'target/release/segment-backfill';
const OUT = process.env.OUT ?? 'test-output';
const SHOTS = join(OUT, 'screenshots');
const KEY = 'e2e-resume-key';
const ROWS = 30_000;
const BAD = ROWS / 1000; // every 1000th row has no user id
const VALID = ROWS - BAD;
mkdirSync(SHOTS, { recursive: true });

// Orders of their own (messageIds no other test sends), with a long note so
// that batches are cut by size (~40 requests): more requests, more faults.
const FILE = join(OUT, 'resume-orders.csv');
const NOTE = 'Please leave the parcel with the neighbour if nobody is home. '.repeat(5);
const lines = ['order_id,user_id,created_at,event,price,note'];
for (let i = 1; i <= ROWS; i++) {
  const day = String(1 + (i % 28)).padStart(2, '0');
  lines.push(`R${i},${i % 1000 === 0 ? '' : `u${i % 997}`},2024-02-${day}T10:00:00Z,Order Completed,${(i % 90) + 9.5},${NOTE}${i}`);
}
writeFileSync(FILE, lines.join('\n') + '\n');

/** A local receiver (`segment-backfill receive`) with extra flags. */
const receiver = (name, flags) =>
  startReceiver(CLI, join(OUT, `${name}.ndjson`), ['--write-key', KEY, ...flags], { logs: true });

const server = await serve(DIST, 0);
// Every answer 400 ms late (each batch is kept at once): the send takes long
// enough to be cut half way, and the batch on its way at the cut arrives
// without the page ever hearing of it.
const slow = await receiver('received-slow', ['--delay-ms', '400']);
const faulty = await receiver('received-faults', ['--fail-rate', '0.3', '--seed', '7']);
const pausing = await receiver('received-pause', ['--delay-ms', '300']);
const { page, problems, shot, close } = await openApp('e2e-resume', SHOTS);
let step = 'start';
try {
  const num = async (id) => Number((await page.locator(id).textContent()).replaceAll(',', ''));
  const tiles = async () => ({
    rows: await num('#sent-rows'), delivered: await num('#sent-delivered'),
    rejected: await num('#sent-rejected'), undelivered: await num('#sent-undelivered'),
  });
  const kept = () => page.evaluate(() => Object.keys(localStorage)
    .filter((k) => k.startsWith('segment-backfill.resume.'))
    .map((k) => JSON.parse(localStorage.getItem(k))));
  const openFile = async () => {
    await page.setInputFiles('#file-input', FILE);
    await page.getByRole('heading', { name: 'First rows' }).waitFor();
  };
  const sendForm = async (endpoint, concurrency) => {
    await page.selectOption('#send-preset', 'custom');
    await page.fill('#send-endpoint', endpoint);
    await page.fill('#send-key', KEY);
    if (!(await page.getByLabel('Requests at once').isVisible())) await page.getByText('Advanced').click();
    await page.getByLabel('Requests at once').selectOption(String(concurrency));
  };

  step = 'send, then reload mid-import';
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await openFile();
  assert.equal(await page.locator('#resume-h').count(), 0, 'nothing to resume in a fresh browser');
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.locator('pre.json').first().waitFor();
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor({ timeout: 60_000 });
  assert.deepEqual([await num('#count-rows'), await num('#count-valid'), await num('#count-rejected')], [ROWS, VALID, BAD]);
  await page.getByRole('button', { name: 'Send →' }).click();
  await sendForm(slow.endpoint, 1);
  await page.locator('#start-send').click();
  // The page keeps the worker's checkpoint (about once a second): wait for
  // one with a good part of the file done, then reload a moment later, with
  // a batch on its way and maybe one acknowledged since.
  await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('segment-backfill.resume.')
    && JSON.parse(localStorage.getItem(k)).rowsDone >= 6000), null, { timeout: 60_000 });
  await page.waitForTimeout(700);
  const [atReload] = await kept();
  assert.equal(atReload.endpoint, slow.endpoint);
  assert.equal(atReload.rowsTotal, ROWS);
  assert.ok(!JSON.stringify(atReload).includes(KEY), 'the write key is not kept');
  assert.ok(!JSON.stringify(atReload).includes('resume-orders'), 'nor the file name');
  await page.reload();
  const cut = await slow.stats();
  assert.ok(cut.uniqueMessageIds > 0 && cut.uniqueMessageIds < VALID, `cut half way: ${cut.uniqueMessageIds}`);

  step = 'reopen the same file: the offer';
  await page.getByRole('heading', { name: 'Your export file' }).waitFor();
  await openFile();
  const offer = page.locator('section.resume');
  await offer.waitFor();
  const [saved] = await kept();
  const text = await offer.textContent();
  assert.match(text, new RegExp(`stopped at ${saved.rowsDone.toLocaleString('en-US')} of 30,000 rows on \\w{3} \\d{1,2} \\w{3} \\d{4} at \\d\\d:\\d\\d`), text);
  assert.ok(saved.rowsDone >= atReload.rowsDone);
  assert.equal(await page.getByRole('region', { name: 'Resume the stopped import?' }).count(), 1);
  await shot('6-resume-offer');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('6-resume-offer-dark');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('6-resume-offer-narrow-dark');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });

  step = 'resume, with the keyboard';
  await page.locator('#resume-import').focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Send' }).waitFor();
  assert.match(await page.locator('#resume-note').textContent(), /Resuming: [\d,]+ of 30,000 rows were done/);
  assert.equal(await page.locator('#send-endpoint').inputValue(), slow.endpoint, 'the endpoint comes back');
  assert.equal(await page.locator('#send-key').inputValue(), '', 'the key does not (not ticked)');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'send-key', 'the keyboard goes on at the key');
  await page.keyboard.type(KEY);
  await shot('6-resume-send');
  await page.getByRole('button', { name: 'Resume sending' }).click();
  await page.locator('#sent-delivered').waitFor({ timeout: 120_000 });
  await shot('6-resumed');
  assert.deepEqual(await tiles(), { rows: ROWS, delivered: VALID, rejected: BAD, undelivered: 0 });
  assert.match(await page.locator('.reconciliation').textContent(), /Done: every row is accounted for.*delivered \([\d,]+ before it stopped\).*balanced/s);
  const earlier = Number((await page.locator('#sent-delivered + .label').textContent()).match(/\(([\d,]+) before/)[1].replaceAll(',', ''));
  const done = await slow.stats();
  assert.equal(done.uniqueMessageIds, VALID, 'every valid row arrived');
  assert.equal(done.dropped, 0);
  // What arrived twice is exactly what the receiver had at the reload but
  // the checkpoint did not: the tail acknowledged after the page kept it, or
  // on its way. Each row once in the page's count; a few batches twice at
  // the receiver (Segment drops them by messageId).
  assert.equal(done.duplicates, cut.uniqueMessageIds - earlier, 'only the unacknowledged tail is sent again');
  assert.ok(done.duplicates <= 3 * 2500, `${done.duplicates} duplicates`);
  assert.deepEqual(await kept(), [], 'a finished import forgets its checkpoint');
  console.log(`test-app resume: reloaded at ${atReload.rowsDone} rows done (receiver: ${cut.uniqueMessageIds}); `
    + `resumed from ${saved.rowsDone} (${earlier} delivered); ${done.uniqueMessageIds} unique, ${done.duplicates} duplicates in ${done.requests} requests`);

  step = 'start over';
  // Cut again, then decline the offer: the next send starts from row one.
  await page.getByRole('button', { name: 'Send again' }).click();
  await page.getByRole('button', { name: 'Yes, send again' }).click();
  await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('segment-backfill.resume.')
    && JSON.parse(localStorage.getItem(k)).rowsDone >= 2000), null, { timeout: 60_000 });
  await page.reload();
  await openFile();
  await page.locator('section.resume').waitFor();
  await page.locator('#start-over').focus();
  await page.keyboard.press('Enter');
  await page.locator('section.resume').waitFor({ state: 'detached' });
  assert.deepEqual(await kept(), []);

  step = 'send through faults';
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Send →' }).click();
  await sendForm(faulty.endpoint, 4);
  await page.locator('#start-send').click();
  await page.locator('#sent-delivered').waitFor({ timeout: 180_000 });
  await shot('7-sent-through-faults');
  assert.deepEqual(await tiles(), { rows: ROWS, delivered: VALID, rejected: BAD, undelivered: 0 });
  const retries = Number((await page.locator('.reconciliation').textContent()).match(/([\d,]+) retr/)[1].replaceAll(',', ''));
  const f = await faulty.stats();
  assert.equal(f.uniqueMessageIds, VALID, 'every valid row arrived through the faults');
  assert.ok(f.faultsInjected > 0 && retries > 0, `faults ${f.faultsInjected}, retries ${retries}`);
  console.log(`test-app faults: ${f.faultsInjected} faults in ${f.requests} requests, ${retries} retries; ${f.uniqueMessageIds} unique, ${f.duplicates} duplicates`);

  step = 'pause and resume';
  // Same file, a receiver answering 300 ms late, two requests at once.
  await sendForm(pausing.endpoint, 2);
  await page.getByRole('button', { name: 'Send again' }).click();
  await page.getByRole('button', { name: 'Yes, send again' }).click();
  for (let i = 0; (await pausing.stats()).requests < 4; i++) {
    assert.ok(i < 600, 'the send did not get going');
    await page.waitForTimeout(50);
  }
  await page.locator('#pause-send').click();
  assert.equal(await page.locator('#pause-send').textContent(), 'Resume');
  // Paused once the requests in flight are answered.
  const status = page.locator('.progress [role=status]');
  await status.filter({ hasText: /^Paused\./ }).waitFor({ timeout: 10_000 });
  const progressLine = () => page.locator('.progress p:not([role=status])').first().textContent();
  const atPause = await pausing.stats();
  const lineAtPause = await progressLine();
  await shot('8-paused');
  await page.waitForTimeout(2500);
  const later = await pausing.stats();
  assert.equal(later.requests, atPause.requests, 'no request while paused');
  assert.equal(await progressLine(), lineAtPause, 'no reading, no delivery while paused');
  const shownDelivered = Number(lineAtPause.match(/^([\d,]+) of [\d,]+ rows delivered/)[1].replaceAll(',', ''));
  assert.equal(shownDelivered, later.uniqueMessageIds, 'what arrived before the pause is acknowledged');
  assert.ok(later.uniqueMessageIds > 0 && later.uniqueMessageIds < VALID, `paused part way: ${later.uniqueMessageIds}`);
  assert.match(lineAtPause, /^[\d,]+ of [\d,]+ rows delivered \(\d+%\) · \d+% read · 0 in flight · /);
  assert.equal(await page.getByRole('button', { name: 'Cancel' }).isEnabled(), true, 'Cancel works while paused');
  await page.locator('#pause-send').click();
  await page.locator('#sent-delivered').waitFor({ timeout: 120_000 });
  await shot('8-paused-then-sent');
  assert.deepEqual(await tiles(), { rows: ROWS, delivered: VALID, rejected: BAD, undelivered: 0 });
  const p = await pausing.stats();
  assert.equal(p.uniqueMessageIds, VALID, 'every valid row arrived');
  assert.equal(p.duplicates, 0, 'none twice: pausing loses nothing and repeats nothing');
  assert.match(await page.locator('.reconciliation').textContent(), /balanced\. [\d,]+ requests, 0 retries, .* \((\d+ s|\d+ min \d+ s) of it paused\)/);

  step = 'the reconciliation and the rejected rows, downloaded';
  const [json] = await Promise.all([page.waitForEvent('download'), page.locator('#download-reconciliation').click()]);
  assert.equal(json.suggestedFilename(), 'reconciliation.json');
  const jsonPath = join(OUT, 'reconciliation.json');
  await json.saveAs(jsonPath);
  const jsonText = readFileSync(jsonPath, 'utf8');
  assert.ok(!jsonText.includes(KEY), 'never the write key');
  const rec = JSON.parse(jsonText);
  assert.deepEqual(
    [rec.rows, rec.delivered, rec.rejected, rec.rejectedBeforeSending, rec.rejectedByServer, rec.undelivered, rec.previouslyDelivered],
    [ROWS, VALID, BAD, BAD, 0, 0, 0]);
  assert.equal(rec.rows, rec.delivered + rec.rejected + rec.undelivered);
  assert.equal(rec.balanced, true);
  assert.equal(rec.complete, true);
  assert.equal(rec.equation, `${ROWS} = ${VALID} + ${BAD} + 0`);
  assert.deepEqual(rec.undeliveredRows, []);
  assert.equal(rec.undeliveredReason, null);
  assert.deepEqual(rec.serverRejected, []);
  assert.equal(rec.endpointHost, new URL(pausing.endpoint).host);
  assert.deepEqual(rec.file, { name: 'resume-orders.csv', bytes: readFileSync(FILE).length });
  assert.ok(rec.pausedSeconds >= 2.5 && rec.pausedSeconds < rec.seconds, `paused ${rec.pausedSeconds} of ${rec.seconds} s`);
  const [started, finished] = [Date.parse(rec.startedAt), Date.parse(rec.finishedAt)];
  assert.ok(Date.now() - started < 10 * 60_000 && finished > started, `${rec.startedAt} … ${rec.finishedAt}`);
  assert.ok(Math.abs((finished - started) / 1000 - rec.seconds) < 0.2);
  assert.equal(rec.requests, p.requests);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('#download-send-rejects').click()]);
  assert.equal(csv.suggestedFilename(), 'rejected-rows.csv');
  const csvPath = join(OUT, 'send-rejected-rows.csv');
  await csv.saveAs(csvPath);
  const rejects = readFileSync(csvPath, 'utf8').trim().split('\n');
  assert.equal(rejects[0], 'row,line,code,reason,order_id,user_id,created_at,event,price,note');
  assert.equal(rejects.length, BAD + 1);
  assert.match(rejects[1], /^1001,1001,missing_identity,/);
  console.log(`test-app pause: paused with ${later.uniqueMessageIds} delivered in ${later.requests} requests (none more in 2.5 s); `
    + `resumed: ${p.uniqueMessageIds} unique, ${p.duplicates} duplicates in ${p.requests} requests; paused ${rec.pausedSeconds} of ${rec.seconds} s`);

  assert.deepEqual(problems, [], 'no page errors or console errors');
  console.log('test-app resume: OK');
} catch (e) {
  console.error(`test-app resume: failed at step "${step}"`);
  if (problems.length) console.error(problems.join('\n'));
  throw e;
} finally {
  await close();
  server.close();
  slow.stop();
  faulty.stop();
  pausing.stop();
}
