// importFileInWorker, importFilesInWorker and checkFilesInWorker in
// Chromium: a page that never calls init() (worker-page.html) runs imports
// in the package's own module worker (pkg/worker.js) to the local receiver.
// The messages are the CLI's; progress, pause, cancel and a callback that
// throws cross between the page and the worker as they work on the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";
import { root, CHROMIUM, cliMessages, receivedById, ORDERS_MAPPING as MAPPING, ordersCsv } from "./helpers.mjs";
import { staticServer, receiver } from "./serve.mjs";

const CLI = process.env.SEGMENT_BACKFILL_CLI ?? join(root, "target/release/segment-backfill");
const KEY = "worker-write-key";

let dir, site, browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-browser-worker-"));
  site = await staticServer();
  browser = await chromium.launchPersistentContext(join(dir, "chromium"), { ...CHROMIUM, headless: true });
});

after(async () => {
  await browser?.close();
  site?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function workerPage(from = site) {
  const page = await browser.newPage();
  page.on("console", (m) => process.env.DEBUG && console.log("page:", m.text()));
  await page.goto(`${from.url}/tests/js/worker-page.html`);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

/**
 * Runs `body` (a function of ({ sb, file, mapping, options, ... })) in a
 * fresh worker page with a File of `rows` orders named orders.csv; its
 * result, or the error's name, code and message.
 */
async function inPage(rows, options, body, extra = {}, from = site) {
  const page = await workerPage(from);
  try {
    return await page.evaluate(async ({ csv, mapping, options, body, extra }) => {
      const file = new File([csv], "orders.csv", { type: "text/csv" });
      const run = new Function("return " + body)();
      try {
        return await run({ sb: window.sb, file, mapping, options, ...extra });
      } catch (e) {
        return { error: { name: e.name, code: e.code, message: e.message, isOurs: window.sb.isSegmentBackfillError(e) } };
      }
    }, { csv: ordersCsv(rows), mapping: MAPPING, options, body: body.toString(), extra });
  } finally {
    await page.close();
  }
}

test("importFileInWorker on a page that never called init(): the CLI's messages, each once, with progress", async () => {
  const ROWS = 20_000;
  const csvPath = join(dir, "orders.csv");
  const mappingPath = join(dir, "orders.mapping.json");
  writeFileSync(csvPath, ordersCsv(ROWS));
  writeFileSync(mappingPath, JSON.stringify(MAPPING));
  const out = join(dir, "all.ndjson");
  const local = await receiver(CLI, out, ["--write-key", KEY]);
  try {
    const result = await inPage(ROWS, { endpoint: local.endpoint, writeKey: KEY }, async ({ sb, file, mapping, options }) => {
      let onPage;
      try { sb.importFile(file, mapping, options); } catch (e) { onPage = e.code; }
      await sb.importFile(file, mapping, options).catch((e) => (onPage = e.code));
      const progress = [];
      const report = await sb.importFileInWorker(file, mapping, { ...options, onProgress: (p) => progress.push(p) });
      return { onPage, report, progress };
    });
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.equal(result.onPage, "not_initialized", "the page itself never loaded the wasm");
    const { report, progress } = result;
    assert.equal(report.rows, ROWS);
    assert.equal(report.delivered, ROWS - 1);
    assert.equal(report.rejected, 1);
    assert.equal(report.balanced, true);
    assert.deepEqual(report.rejectedRows.map((r) => [r.row, r.issues[0].code]), [[8, "missing_identity"]]);
    assert.ok(progress.length >= 2, `progress crossed: ${progress.length} calls`);
    const last = progress.at(-1);
    assert.equal(last.rowsDone, ROWS);
    assert.ok(last.checkpoint, "the last progress has a checkpoint");
    const expected = cliMessages(CLI, csvPath, mappingPath, KEY);
    const received = receivedById(out);
    assert.equal(received.size, expected.length);
    for (const message of expected) assert.deepEqual(received.get(message.messageId), message);
  } finally {
    local.stop();
  }
});

test("pause and resume across: while paused nothing is sent; then every row, once", async () => {
  // 12 batches, one at a time, each answered 150 ms late: paused after the
  // first is delivered, most of the file is still to send.
  const ROWS = 30_000;
  const local = await receiver(CLI, join(dir, "paused.ndjson"), ["--delay-ms", "150"]);
  try {
    const result = await inPage(ROWS, { endpoint: local.endpoint, writeKey: KEY, concurrency: 1 },
      async ({ sb, file, mapping, options, stats }) => {
        let paused = false;
        let sawPaused = false;
        let firstProgress;
        const first = new Promise((ok) => (firstProgress = ok));
        const run = sb.importFileInWorker(file, mapping, {
          ...options,
          paused: () => paused,
          onProgress: (p) => { if (p.delivered > 0) firstProgress(); if (p.paused) sawPaused = true; },
        });
        await first;
        paused = true;
        // The page's paused is asked four times a second; requests out finish.
        await new Promise((ok) => setTimeout(ok, 1000));
        const atPause = (await (await fetch(stats)).json()).requests;
        await new Promise((ok) => setTimeout(ok, 1500));
        const later = (await (await fetch(stats)).json()).requests;
        paused = false;
        const report = await run;
        return { report, atPause, later, sawPaused };
      }, { stats: `${local.url}/stats` });
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.equal(result.later, result.atPause, "no request started while paused");
    assert.equal(result.sawPaused, true, "progress said paused");
    assert.equal(result.report.delivered, ROWS - 1);
    assert.equal(result.report.balanced, true);
    assert.ok(result.report.pausedMs >= 1500, `pausedMs ${result.report.pausedMs}`);
    const stats = await local.stats();
    assert.equal(stats.uniqueMessageIds, ROWS - 1);
    assert.equal(stats.duplicates, 0);
  } finally {
    local.stop();
  }
});

test("cancel across: the signal stops the run in the worker, every row accounted for, the checkpoint resumes it", async () => {
  const ROWS = 12_000;
  const local = await receiver(CLI, join(dir, "cancel.ndjson"), ["--delay-ms", "40"]);
  try {
    const result = await inPage(ROWS, { endpoint: local.endpoint, writeKey: KEY, concurrency: 1 },
      async ({ sb, file, mapping, options }) => {
        const controller = new AbortController();
        let checkpoint;
        const first = await sb.importFileInWorker(file, mapping, {
          ...options,
          signal: controller.signal,
          onProgress: (p) => { if (p.delivered > 0) controller.abort(); if (p.checkpoint) checkpoint = p.checkpoint; },
        });
        const again = await sb.importFileInWorker(file, mapping, { ...options, resumeFrom: first.checkpoint ?? checkpoint });
        const already = new AbortController();
        already.abort();
        const none = await sb.importFileInWorker(file, mapping, { ...options, signal: already.signal });
        return { first, again, none };
      });
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    const { first, again, none } = result;
    assert.equal(first.stopped?.kind, "cancelled");
    assert.equal(first.balanced, true);
    assert.ok(first.undelivered > 0 && first.delivered > 0, `${first.delivered} delivered, ${first.undelivered} undelivered`);
    assert.equal(again.balanced, true);
    assert.equal(again.delivered, ROWS - 1, "the resumed run completes the import");
    assert.ok(again.previouslyDelivered >= first.delivered);
    assert.equal(none.stopped?.kind, "cancelled", "a signal aborted before the start cancels at once");
    assert.equal(none.delivered, 0);
    const stats = await local.stats();
    assert.equal(stats.uniqueMessageIds, ROWS - 1);
  } finally {
    local.stop();
  }
});

test("a callback that throws on the page ends the run in the worker, saying what it threw", async () => {
  const ROWS = 12_000;
  const local = await receiver(CLI, null, ["--delay-ms", "200"]);
  try {
    const result = await inPage(ROWS, { endpoint: local.endpoint, writeKey: KEY, concurrency: 1 },
      async ({ sb, file, mapping, options, rows }) => {
        let calls = 0;
        let threw = false;
        const progress = await sb.importFileInWorker(file, mapping, {
          ...options,
          onProgress: (p) => {
            if (threw) calls += 1;
            if (p.delivered > 0 && !threw) { threw = true; throw new Error("the progress bar is gone"); }
          },
        });
        const callsAfter = calls;
        const paused = await sb.importFileInWorker(file, mapping, {
          ...options,
          paused: () => { throw new TypeError("pauseButton is null"); },
        });
        // Throwing on the call where every row is delivered: the throw is
        // never lost, whichever call it reaches the run on.
        let late;
        try {
          late = { report: await sb.importFileInWorker(file, mapping, {
            ...options,
            onProgress: (p) => { if (p.rowsDone === p.rows && p.rows === rows) throw new Error("late"); },
          }) };
        } catch (e) {
          late = { code: e.code, message: e.message };
        }
        return { progress, callsAfter, paused, late };
      }, { rows: ROWS });
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    const { progress, paused, late } = result;
    if (process.env.DEBUG) console.log(JSON.stringify({ progress: { stopped: progress.stopped, delivered: progress.delivered, undelivered: progress.undelivered }, paused: paused.stopped, late, callsAfter: result.callsAfter }));
    assert.equal(progress.stopped?.kind, "failed");
    assert.equal(progress.stopped.reason, "onProgress threw: the progress bar is gone");
    assert.equal(progress.balanced, true);
    assert.ok(progress.undelivered > 0);
    assert.equal(result.callsAfter, 0, "the callback is not called again after it threw");
    assert.equal(paused.stopped?.kind, "failed");
    assert.equal(paused.stopped.reason, "paused threw: pauseButton is null");
    assert.equal(paused.delivered, 0);
    assert.equal(paused.balanced, true);
    if (late.code !== undefined) {
      assert.equal(late.code, "callback_failed");
      assert.match(late.message, /^onProgress threw: late \(on its last call, after the import ended: 11999 of 12000 rows delivered, 1 rejected, 0 undelivered\)$/);
    } else {
      assert.equal(late.report.stopped?.reason, "onProgress threw: late");
    }
  } finally {
    local.stop();
  }
});

test("importFilesInWorker and checkFilesInWorker: the page's names (a folder's relative paths) and results", async () => {
  const local = await receiver(CLI, null, []);
  try {
    const result = await inPage(0, { endpoint: local.endpoint, writeKey: KEY }, async ({ sb, mapping, options, csvs }) => {
      const files = csvs.map((csv, i) => {
        const f = new File([csv], `orders-${i + 1}.csv`, { type: "text/csv" });
        // As <input webkitdirectory> gives them: named relative to the folder.
        Object.defineProperty(f, "webkitRelativePath", { value: `exports/2024/orders-${i + 1}.csv` });
        return f;
      });
      const check = await sb.checkFilesInWorker(files, mapping, {});
      const report = await sb.importFilesInWorker(files, mapping, options);
      await sb.default();
      const checkOnPage = await sb.checkFiles(files, mapping, {});
      return { check, checkOnPage, report };
    }, { csvs: [ordersCsv(300), ordersCsv(1200)] });
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    const { check, checkOnPage, report } = result;
    assert.deepEqual(check, checkOnPage, "the worker's check is the page's");
    assert.deepEqual(report.files.map((f) => [f.file, f.rows, f.delivered]),
      [["2024/orders-1.csv", 300, 299], ["2024/orders-2.csv", 1200, 1199]]);
    assert.equal(report.balanced, true);
  } finally {
    local.stop();
  }
});

test("refusals: wrong arguments and a worker that cannot start reject with their codes, nothing sent", async () => {
  const local = await receiver(CLI, null, []);
  try {
    const result = await inPage(10, { endpoint: local.endpoint, writeKey: KEY }, async ({ sb, file, mapping, options }) => {
      const codeOf = (p) => p.then(() => "resolved", (e) => `${e.code}: ${e.message}`);
      return {
        bytes: await codeOf(sb.importFileInWorker(new Uint8Array(8), mapping, options)),
        misspelled: await codeOf(sb.importFileInWorker(file, mapping, { ...options, writekey: "k" })),
        callback: await codeOf(sb.importFileInWorker(file, mapping, { ...options, onProgress: 5 })),
        signal: await codeOf(sb.importFileInWorker(file, mapping, { ...options, signal: {} })),
        unclonable: await codeOf(sb.importFileInWorker(file, mapping, { ...options, integrations: { f() {} } })),
        missing: await codeOf(sb.importFileInWorker(file, mapping, { ...options, workerUrl: "/pkg/no-such-worker.js" })),
      };
    });
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.match(result.bytes, /^invalid_options: .*new Blob\(\[bytes\]\)/);
    assert.match(result.misspelled, /^invalid_options: .*"writekey" is not an option; did you mean "writeKey"\?/);
    assert.match(result.callback, /^invalid_options: importFileInWorker: onProgress must be a function, not a number/);
    assert.match(result.signal, /^invalid_options: importFileInWorker: signal must be an AbortSignal/);
    assert.match(result.unclonable, /^invalid_options: importFileInWorker: the files or options could not be sent to the worker/);
    assert.match(result.missing, /^worker_failed: importFileInWorker: the worker could not start/);
    assert.equal((await local.stats()).requests, 0);
  } finally {
    local.stop();
  }
});

test("under the Content-Security-Policy the package's README gives, the worker imports; without 'wasm-unsafe-eval' it is worker_failed, saying why", async () => {
  const local = await receiver(CLI, null, []);
  // The README's policy, with the local receiver in place of api.segment.io.
  const policy = (script) =>
    `default-src 'none'; script-src ${script}; worker-src 'self'; connect-src 'self' ${local.url}`;
  const strict = await staticServer(undefined, { headers: { "content-security-policy": policy("'self' 'wasm-unsafe-eval'") } });
  const noWasm = await staticServer(undefined, { headers: { "content-security-policy": policy("'self'") } });
  try {
    const run = async (from) => {
      const page = await workerPage(from);
      try {
        // Evaluated by the test's driver (not eval in the page, which the CSP forbids).
        return await page.evaluate(async ({ csv, mapping, options }) => {
          try {
            return await window.sb.importFileInWorker(new File([csv], "orders.csv"), mapping, options);
          } catch (e) {
            return { error: { code: e.code, message: e.message } };
          }
        }, { csv: ordersCsv(50), mapping: MAPPING, options: { endpoint: local.endpoint, writeKey: KEY } });
      } finally {
        await page.close();
      }
    };
    const allowed = await run(strict);
    assert.equal(allowed.error, undefined, JSON.stringify(allowed.error));
    assert.equal(allowed.delivered, 49);
    const refused = await run(noWasm);
    assert.equal(refused.error?.code, "worker_failed");
    assert.match(refused.error.message, /wasm-unsafe-eval/, refused.error.message);
    assert.equal((await local.stats()).requests, 1, "only the allowed run sent");
  } finally {
    strict.close();
    noWasm.close();
    local.stop();
  }
});
