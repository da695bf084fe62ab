// End-to-end test of the write-key check (issue 15) in the browser app:
// a stand-in for Segment's CDN answers 200 and a settings document for a
// known key (and for a key of an EU source), 404 for any other; the app
// asks it through the Advanced "Settings URL" and sends to the CLI's local
// receiver. (a) An unknown key stops Start before any batch; (b) an EU
// source is refused for Segment (US) and the answer offers the EU target;
// (c) the known key's destinations are the editor's ticks, a case-only and
// a misspelled name are flagged, and the send delivers every valid row
// without asking again; (d) with the CDN down, Start asks "Send anyway?",
// and Yes sends.
//
// Env: DIST (default dist), CLI (default target/release/segment-backfill),
//      OUT (default test-output). Screenshots go to $OUT/screenshots/.
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { serve } from './serve.mjs';
import { openApp } from './browser.mjs';
import { freePort, receiver as startReceiver } from '../js/serve.mjs';

const DIST = process.env.DIST ?? 'dist';
const CLI = process.env.CLI ?? 'target/release/segment-backfill';
const OUT = process.env.OUT ?? 'test-output';
const SHOTS = join(OUT, 'screenshots');
mkdirSync(SHOTS, { recursive: true });

const KNOWN = 'wk_known_source';
const EU = 'wk_eu_source';
const DESTINATIONS = ['Amplitude', 'Mixpanel', 'Google Analytics 4 Web'];

/** A settings document as Segment's CDN answers it (trimmed). */
const settings = (apiHost) => JSON.stringify({
  integrations: {
    'Google Analytics 4 Web': { measurementID: 'G-TEST' },
    'Segment.io': { apiKey: 'k', apiHost, unbundledIntegrations: ['Amplitude', 'Mixpanel'] },
  },
  plan: { track: { __default: { enabled: true } } },
});

// The stand-in CDN: GET /cdn/<writeKey>/settings, with CORS as Segment's.
const asked = [];
const cdn = createServer((req, res) => {
  const key = /^\/cdn\/([^/]+)\/settings$/.exec(new URL(req.url, 'http://x').pathname)?.[1];
  asked.push(key ?? req.url);
  const cors = { 'access-control-allow-origin': '*' };
  if (key === KNOWN) {
    res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(settings('api.segment.io/v1'));
  } else if (key === EU) {
    res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(settings('events.eu1.segmentapis.com/v1'));
  } else {
    res.writeHead(404, { ...cors, 'content-type': 'text/plain' }).end('Invalid path or write key provided.');
  }
});
await new Promise((ok) => cdn.listen(0, '127.0.0.1', ok));
const cdnUrl = `http://127.0.0.1:${cdn.address().port}/cdn`;
const downUrl = `http://127.0.0.1:${await freePort()}/cdn`;

const server = await serve(DIST, 0);
const receiver = await startReceiver(CLI, null, ['--write-key', KNOWN]);
const url = `http://127.0.0.1:${server.address().port}/`;
const { page, problems, shot, close } = await openApp('keycheck', SHOTS);
const num = async (id) => Number((await page.locator(id).textContent()).replaceAll(',', ''));
const stop = page.locator('#key-stop');
let step = 'start';
try {
  step = 'file, map, check';
  await page.goto(url);
  await page.setInputFiles('#file-input', 'www/sample.csv');
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  await page.getByRole('button', { name: 'Map →' }).click();
  await page.locator('pre.json').first().waitFor();
  await page.getByRole('button', { name: 'Check →' }).click();
  await page.locator('#count-rows').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('#checked-limits').textContent(), /checked against Segment's limits \(Segment \(US\);/);
  const valid = await num('#count-valid');
  await page.getByRole('button', { name: 'Send →' }).click();
  await page.getByRole('heading', { name: 'Send' }).waitFor();

  step = 'the form';
  const targets = await page.locator('#send-preset option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(targets, ['segment-us', 'segment-eu', 'rudderstack', 'jitsu', 'hightouch', 'local', 'custom']);
  assert.match(await page.locator('.key-check').textContent(), /The key goes only to Segment's CDN \(cdn\.segment\.com\) over https/);
  await page.selectOption('#send-preset', 'custom');
  await page.fill('#send-endpoint', receiver.endpoint);
  await page.getByText('Advanced').click();
  await page.fill('#settings-url', cdnUrl);
  assert.match(await page.locator('.key-check').textContent(), /The key goes only to 127\.0\.0\.1:\d+ \(the settings URL under Advanced\)/);

  step = '(a) unknown key';
  await page.fill('#send-key', 'wk_typo');
  await page.locator('#start-send').click();
  await stop.waitFor({ timeout: 30_000 });
  assert.match(await stop.textContent(), /^Nothing was sent\. Segment does not know this write key \(its CDN answered 404\)/);
  assert.deepEqual(asked, ['wk_typo']);
  assert.equal((await receiver.stats()).messages, 0, 'no batch reached the receiver');
  await page.locator('#start-send').waitFor();

  step = '(b) wrong region';
  await page.selectOption('#send-preset', 'segment-us');
  await page.fill('#send-key', EU);
  await page.getByRole('button', { name: 'Check key' }).click();
  const result = page.locator('#key-result');
  await result.waitFor({ timeout: 30_000 });
  assert.match(await result.textContent(), /this write key's source is in the EU region.*Choose the EU endpoint/i);
  await shot('15-key-wrong-region');
  await page.getByRole('button', { name: 'Switch to Segment (EU)' }).click();
  assert.equal(await page.locator('#send-preset').inputValue(), 'segment-eu');
  await page.locator('#key-result.ok').waitFor({ timeout: 30_000 });
  assert.match(await result.textContent(), /sends to the EU region/);
  assert.equal((await receiver.stats()).messages, 0, 'a check sends nothing');

  step = '(c) known key';
  await page.selectOption('#send-preset', 'custom');
  assert.equal(await page.locator('#send-endpoint').inputValue(), receiver.endpoint, 'the typed URL is kept');
  await page.fill('#send-key', KNOWN);
  await page.getByRole('button', { name: 'Check key' }).click();
  await page.locator('#key-result.ok').waitFor({ timeout: 30_000 });
  assert.match(await result.textContent(), /its source has 3 destinations \(Amplitude, Mixpanel, Google Analytics 4 Web\)/);
  const ticks = await page.locator('#integrations-ticks label').allTextContents();
  assert.deepEqual(ticks.map((t) => t.trim()), [...DESTINATIONS, 'All other destinations ("All")']);
  const box = page.getByLabel('Integrations (JSON, optional)');
  await box.fill('{"All": false, "amplitude": true, "Mixpanle": true}');
  const flags = await page.locator('#integrations-flags li').allTextContents();
  assert.deepEqual(flags, [
    'No destination of this source is called "Mixpanle": Segment ignores the entry',
    '"amplitude": did you mean "Amplitude"? Segment matches names exactly, so this entry is ignored',
  ]);
  await shot('15-send-key-checked');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('15-send-key-checked-narrow-dark');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
  // The ticks write the exact names.
  await box.fill('');
  await page.locator('#integrations-all').uncheck();
  await page.getByLabel('Amplitude', { exact: true }).check();
  assert.deepEqual(JSON.parse(await box.inputValue()), { All: false, Amplitude: true });
  assert.equal(await page.locator('#integrations-flags').count(), 0);
  const before = asked.length;
  await page.locator('#start-send').click();
  await page.locator('#sent-delivered').waitFor({ timeout: 60_000 });
  assert.equal(await num('#sent-delivered'), valid);
  assert.equal(asked.length, before, 'a key checked in this form is not asked again');
  const stats = await receiver.stats();
  assert.equal(stats.messages, valid, 'the receiver got every valid row');

  step = '(d) the CDN down';
  await page.fill('#settings-url', downUrl);
  await page.getByRole('button', { name: 'Send again' }).click();
  await page.getByRole('button', { name: 'Yes, send again' }).click();
  await stop.waitFor({ timeout: 30_000 });
  assert.match(await stop.textContent(), /^Send anyway\? The write key could not be checked: 127\.0\.0\.1:\d+ did not answer/);
  assert.equal((await receiver.stats()).messages, valid, 'nothing more sent before the answer');
  await shot('15-send-anyway');
  await page.getByRole('button', { name: 'Yes, send without the check' }).click();
  await page.locator('#sent-delivered').waitFor({ timeout: 60_000 });
  assert.equal(await num('#sent-delivered'), valid);
  const again = await receiver.stats();
  assert.equal(again.messages, 2 * valid, 'sent once more');
  assert.equal(again.duplicates, valid, 'with the same messageIds');

  // The CDN's 404 and its closed port show as the browser's own errors.
  const unexpected = problems.filter((p) => !/^console error: Failed to load resource: (the server responded with a status of 404|net::ERR_CONNECTION_REFUSED)/.test(p));
  assert.deepEqual(unexpected, [], 'no page errors or console errors');
  console.log('test-app keycheck: OK');
} catch (e) {
  console.error(`test-app keycheck: failed at step "${step}"`);
  if (problems.length) console.error(problems.join('\n'));
  await shot('15-failed').catch(() => {});
  throw e;
} finally {
  await close();
  receiver.stop();
  server.close();
  cdn.close();
}
