// The single-file build (make dist-single) opened from file:// in Chromium,
// Firefox and WebKitGTK (make test-single): the whole flow to the local
// receiver (tests/e2e/single/flow.mjs) with no console errors, and in
// Chromium, every request the page and its worker make is file:, blob:,
// data: or the endpoint it was given; then an endpoint that refuses the
// origin `null` is explained in the page.
//
// Env: SINGLE_HTML (default dist-single/segment-backfill.html),
//      SINGLE_BROWSERS (default chromium,firefox,webkit),
//      CLI (default target/release/segment-backfill), OUT (default test-output).
// Screenshots: $OUT/screenshots/single-<browser>-*.png.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { receiver as startReceiver } from '../js/serve.mjs';
import { chromiumDriver, firefoxDriver, webkitDriver } from './single/drivers.mjs';
import { checkedCounts, ordersCsv, PROBE, refusedOrigin, runFlow } from './single/flow.mjs';

const HTML = resolve(process.env.SINGLE_HTML ?? 'dist-single/segment-backfill.html');
const BROWSERS = (process.env.SINGLE_BROWSERS ?? 'chromium,firefox,webkit').split(',').filter(Boolean);
const CLI = process.env.CLI ?? 'target/release/segment-backfill';
const OUT = resolve(process.env.OUT ?? 'test-output');
const SHOTS = join(OUT, 'screenshots');
const KEY = 'single-file-key';
mkdirSync(SHOTS, { recursive: true });

const url = pathToFileURL(HTML).href;
const small = ordersCsv(join(OUT, 'single-orders-50.csv'), 50, 25);
// Long notes: batches are cut by size, so the slow send has several.
const big = ordersCsv(join(OUT, 'single-orders-6000.csv'), 6000, 1000, 'Leave it with the neighbour if nobody is home. '.repeat(6));
const DRIVERS = { chromium: chromiumDriver, firefox: firefoxDriver, webkit: webkitDriver };

// A workbook, a Parquet file and two CSVs as one import (make
// fixtures-tables), each checked with its suggested mapping: the counts
// must be the CLI's for the same files and mapping.
const TABLES = resolve(process.env.TABLE_FIXTURES ?? 'target/fixtures/tables');
const kinds = [[join(TABLES, 'orders.xlsx')], [join(TABLES, 'events-zstd.parquet')], [big.path, small.path]].map((paths) => {
  const mapping = join(OUT, 'single-suggested.json');
  execFileSync(CLI, ['inspect', ...paths, '--write-mapping', mapping], { stdio: 'ignore' });
  const cli = JSON.parse(execFileSync(CLI, ['check', ...paths, '--mapping', mapping, '--json'], { encoding: 'utf8' }));
  return { paths, expected: { rows: cli.rows, valid: cli.valid, rejected: cli.rejected } };
});

/** An endpoint that answers 200 with no CORS headers: the browser refuses it. */
const noCors = await new Promise((ok) => {
  const server = createServer((req, res) => { req.resume(); res.writeHead(200).end('{}'); });
  server.listen(0, '127.0.0.1', () => ok(server));
});
const refusing = `http://127.0.0.1:${noCors.address().port}/v1/batch`;

const failures = [];
for (const name of BROWSERS) {
  const open = DRIVERS[name];
  if (!open) throw new Error(`unknown browser ${name}: one of ${Object.keys(DRIVERS).join(', ')}`);
  const receiver = await startReceiver(CLI, null, ['--write-key', KEY]);
  const slow = await startReceiver(CLI, null, ['--write-key', KEY, '--delay-ms', '700']);
  const started = Date.now();
  let driver;
  try {
    driver = await open(SHOTS);
    const requests = [];
    driver.context?.on('request', (r) => requests.push(r.url()));
    const ran = await runFlow(driver, { url, small, big, receiver, slow, key: KEY, log: console.log });
    const heard = (list) => list.filter((p) => !p.includes(PROBE));
    assert.deepEqual(heard(await driver.problems()), [], `${name}: the page reported problems`);

    if (driver.context) {
      const allowed = [receiver.endpoint, slow.endpoint];
      const elsewhere = requests.filter((u) => !/^(file|blob|data):/.test(u) && !allowed.includes(u));
      assert.deepEqual(elsewhere, [], `${name}: requests other than to the endpoint`);
      const sends = requests.filter((u) => allowed.includes(u)).length;
      // The listener sees the worker's requests (else the check above proves nothing).
      assert.ok(sends > 0, `${name}: the sends were seen`);
      console.log(`${name}: ${requests.length} requests, ${sends} to the endpoints, the rest file:, blob: or data:`);
    }

    const text = await refusedOrigin(driver, refusing);
    await driver.shot('5-origin-null-refused');
    assert.match(text, /serve the page from a web server/);
    // The browser's own words about the refusal are expected; nothing else.
    const stray = heard(await driver.problems())
      .filter((p) => !/CORS|Cross-Origin|Access-Control-Allow-Origin|access control|Failed to load resource|net::ERR_FAILED/i.test(p));
    assert.deepEqual(stray, [], `${name}: only the refusal's own console errors`);

    for (const { paths, expected } of kinds) {
      const counts = await checkedCounts(driver, url, paths);
      const what = paths.map((p) => p.split('/').pop()).join(' + ');
      assert.deepEqual(counts, expected, `${name}: ${what}: the CLI's counts`);
      console.log(`${name}: ${what}: ${counts.valid} of ${counts.rows} rows valid, as the CLI says`);
    }
    assert.deepEqual(heard(await driver.problems()), [], `${name}: the page reported problems`);
    console.log(`test-single ${name}: ok in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (e) {
    console.error(`test-single ${name}: FAILED: ${e.stack ?? e}`);
    await driver?.shot('failed').catch(() => {});
    failures.push(name);
  } finally {
    await driver?.close().catch(() => {});
    receiver.stop?.();
    slow.stop?.();
  }
}
noCors.close();
if (failures.length) {
  console.error(`test-single: failed in ${failures.join(', ')}`);
  process.exit(1);
}
console.log(`test-single: ${BROWSERS.join(', ')} passed (${url})`);
process.exit(0);
