// importFile in Chromium (Debian's, driven by playwright-core) against the
// CLI's local receiver, which injects faults and refuses one poisoned
// message: every row must end delivered (with a unique messageId at the
// receiver), rejected or undelivered, and the report must balance. Also
// runs importFile from Node and checks cancel and an unreachable endpoint.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";
import { root, loadPkg, CHROMIUM, packagePage, cliMessages, receivedById, tableFixture, tableMapping } from "./helpers.mjs";
import { staticServer, receiver, freePort } from "./serve.mjs";

const CLI = process.env.SEGMENT_BACKFILL_CLI ?? join(root, "target/release/segment-backfill");
const KEY = "test-write-key";
const ROWS = 20_000;
const BAD_ROWS = 20; // every 1000th row has no user id
const POISON = "POISON-ROW";

/** A CSV with ROWS rows: BAD_ROWS invalid, one the receiver refuses. */
function csvText(event = "Order Completed") {
  const lines = ["user_id,event,created_at,plan"];
  for (let i = 1; i <= ROWS; i++) {
    const user = i % 1000 === 0 ? "" : `u${i}`;
    const plan = i === 777 ? POISON : "pro";
    lines.push(`${user},${event},2024-03-01T10:00:00Z,${plan}`);
  }
  return lines.join("\n") + "\n";
}

let dir, site, recv, browser, page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-browser-"));
  site = await staticServer();
  recv = await receiver(CLI, join(dir, "received.ndjson"), [
    "--write-key", KEY, "--fail-rate", "0.3", "--seed", "7", "--poison", POISON,
  ]);
  // A fresh profile each run (Playwright takes it as launchPersistentContext's
  // first argument rather than as --user-data-dir).
  browser = await chromium.launchPersistentContext(join(dir, "chromium"), { ...CHROMIUM, headless: true });
  page = await packagePage(browser, site);
});

after(async () => {
  await browser?.close();
  recv?.stop();
  site?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs importFile in the page; returns the report and the progress calls. */
async function importInPage(options) {
  return page.evaluate(
    async ({ text, options }) => {
      const file = new File([text], "orders.csv", { type: "text/csv" });
      const sample = new Uint8Array(await file.slice(0, 65536).arrayBuffer());
      const found = window.sb.inspect(sample, { complete: file.size <= sample.length });
      const mapping = window.sb.suggestMapping(found.headers, found.rows);
      const progress = [];
      const controller = new AbortController();
      const { cancel, ...given } = options;
      if (cancel) controller.abort();
      const report = await window.sb.importFile(file, mapping, {
        ...given,
        signal: controller.signal,
        onProgress: (p) => progress.push(p),
      });
      return { report, progress, mapping };
    },
    { text: csvText(), options },
  );
}

test("importFile in Chromium delivers every row once, through faults (key in the body)", async () => {
  const before = await recv.stats();
  const { report, progress } = await importInPage({
    endpoint: `${recv.url}/v1/batch`, writeKey: KEY, auth: "body", concurrency: 4,
  });
  assert.equal(report.balanced, true, JSON.stringify(report, null, 1).slice(0, 2000));
  assert.equal(report.complete, true);
  assert.equal(report.rows, ROWS);
  assert.equal(report.rejected, BAD_ROWS + 1);
  assert.equal(report.rejectedByServer, 1);
  assert.equal(report.serverRejected.length, 1);
  assert.equal(report.serverRejected[0][0], 777 + 1); // the header is row 1
  assert.equal(report.undelivered, 0);
  assert.equal(report.delivered, ROWS - BAD_ROWS - 1);
  assert.equal(report.rejectedRows.length, BAD_ROWS);
  // (Chromium itself resends a POST whose reused connection closes without
  // an answer, so a dropped connection may never reach the engine; 429, 500
  // and 503 do.)
  assert.ok(report.delivery.retries > 0, `no retries: ${JSON.stringify(report.delivery)}`);
  assert.ok(progress.length >= 2);
  const last = progress.at(-1);
  assert.equal(last.bytesRead, last.bytesTotal);
  const after = await recv.stats();
  assert.equal(after.uniqueMessageIds - before.uniqueMessageIds, report.delivered);
  assert.equal(after.dropped - before.dropped, 0);
});

test("Basic auth (CORS preflight) delivers too; re-running sends the same messageIds", async () => {
  const before = await recv.stats();
  const { report } = await importInPage({
    endpoint: `${recv.url}/v1/batch`, writeKey: KEY, auth: "basic", concurrency: 2, ratePerSecond: 200,
  });
  assert.equal(report.balanced, true);
  assert.equal(report.delivered, ROWS - BAD_ROWS - 1);
  const after = await recv.stats();
  // Same rows, same ids: nothing new at the receiver, only duplicates.
  assert.equal(after.uniqueMessageIds, before.uniqueMessageIds);
  assert.ok(after.duplicates - before.duplicates >= report.delivered);
});

test("a wrong write key stops the run and names every row", async () => {
  const { report } = await importInPage({ endpoint: `${recv.url}/v1/batch`, writeKey: "wrong" });
  assert.equal(report.balanced, true);
  assert.equal(report.delivered, 0);
  assert.ok(report.undelivered > 0);
  assert.match(report.undeliveredReason, /401/);
  assert.equal(report.complete, false);
});

test("cancel before the start: nothing is read or sent, and the report says why", async () => {
  const before = await recv.stats();
  const { report } = await importInPage({ endpoint: `${recv.url}/v1/batch`, writeKey: KEY, cancel: true });
  assert.equal(report.balanced, true);
  assert.equal(report.complete, false);
  assert.equal(report.delivered, 0);
  assert.equal(report.rows, report.rejected + report.undelivered);
  assert.deepEqual(report.stopped, { kind: "cancelled", by: "the abort signal" });
  assert.equal((await recv.stats()).requests, before.requests);
});

test("an unreachable endpoint is explained in plain words", async () => {
  const port = await freePort(); // nothing listens there
  const { report } = await importInPage({
    endpoint: `http://127.0.0.1:${port}/v1/batch`, writeKey: KEY, maxAttempts: 2, concurrency: 1,
  });
  assert.equal(report.balanced, true);
  assert.equal(report.delivered, 0);
  assert.equal(report.undelivered, ROWS - BAD_ROWS);
  assert.match(report.undeliveredReason, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.match(report.undeliveredReason, /CORS/);
  assert.doesNotMatch(JSON.stringify(report), new RegExp(KEY));
});

test("importFile from Node 20 (fetch + Blob) delivers every row", async () => {
  const pkg = await loadPkg();
  const file = new Blob([readFileSync(join(root, "tests/fixtures/source/events.ndjson"))]);
  const before = await recv.stats();
  const report = await pkg.importFile(file, null, {
    endpoint: `${recv.url}/v1/batch`, writeKey: KEY, auth: "basic",
  });
  assert.equal(report.balanced, true);
  const after = await recv.stats();
  assert.ok(report.delivered > 0);
  assert.ok(after.uniqueMessageIds - before.uniqueMessageIds <= report.delivered);
});

test("www/embed.html: pick a file, see the suggestion, import, read the reconciliation", async () => {
  const embed = await browser.newPage();
  await embed.goto(`${site.url}/www/embed.html`);
  await embed.setInputFiles("#file", {
    name: "orders.csv",
    mimeType: "text/csv",
    buffer: readFileSync(join(root, "tests/fixtures/source/orders.csv")),
  });
  await embed.waitForFunction(() => document.querySelector("#mapping").value.includes('"rules"'));
  assert.match(await embed.textContent("#settings"), /csv/);
  await embed.fill("#endpoint", `${recv.url}/v1/batch`);
  await embed.fill("#key", KEY);
  await embed.click("#start");
  await embed.waitForFunction(() => document.querySelector("#result").textContent.length > 0, null, {
    timeout: 60_000,
  });
  const result = await embed.textContent("#result");
  assert.match(result, /rows = \d+ delivered \+ \d+ rejected \+ 0 undelivered ✓/, result);
  assert.match(await embed.textContent("#progress"), /delivered/);
  await embed.close();
});

test("stopped mid-run, resumed from the last checkpoint: every row once over both runs", async (t) => {
  const before = await recv.stats();
  const endpoint = `${recv.url}/v1/batch`;
  // Rows of their own (another event name, so other messageIds than the
  // tests above), sent slowly so the run is stopped half way: the abort
  // comes with the first checkpoint that has rows delivered, the way a
  // closed tab leaves the last checkpoint the page kept.
  const runs = await page.evaluate(async ({ text, endpoint, key }) => {
    const file = new File([text], "resume.csv", { type: "text/csv" });
    const sample = new Uint8Array(await file.slice(0, 65536).arrayBuffer());
    const found = window.sb.inspect(sample, { complete: false });
    const mapping = window.sb.suggestMapping(found.headers, found.rows);
    const options = { endpoint, writeKey: key, concurrency: 1, ratePerSecond: 3 };
    const controller = new AbortController();
    let saved = null;
    const first = await window.sb.importFile(file, mapping, {
      ...options,
      signal: controller.signal,
      onProgress: (p) => {
        if (!saved && p.checkpoint && p.delivery.messagesAcknowledged > 0) {
          saved = { checkpoint: p.checkpoint, rowsDone: p.rowsDone };
          controller.abort();
        }
      },
    });
    const progress = [];
    const second = await window.sb.importFile(file, mapping, {
      ...options, ratePerSecond: undefined, concurrency: 4, resumeFrom: saved.checkpoint,
      onProgress: (p) => progress.push({ rowsDone: p.rowsDone, skipped: p.skipped }),
    });
    const codeOf = (run) => run.then(() => "no error", (e) => e.code);
    const otherMapping = { ...mapping, integrations: { All: false, Vero: true } };
    const mismatch = {
      mapping: await codeOf(window.sb.importFile(file, otherMapping, { ...options, resumeFrom: saved.checkpoint })),
      endpoint: await codeOf(window.sb.importFile(file, mapping, { ...options, endpoint: endpoint.replace("/v1/batch", "/v1/import"), resumeFrom: saved.checkpoint })),
      // Another file: its first rows (done, so never sent again) differ.
      file: await codeOf(window.sb.importFile(new File([text.replace("u2,", "u9,")], "resume.csv"), mapping, { ...options, resumeFrom: saved.checkpoint })),
      key: await codeOf(window.sb.importFile(file, mapping, { ...options, writeKey: "another", resumeFrom: saved.checkpoint })),
    };
    return { first, second, saved, progress, mismatch };
  }, { text: csvText("Resumed Order"), endpoint, key: KEY });
  const { first, second, saved, progress, mismatch } = runs;
  const valid = ROWS - BAD_ROWS - 1;

  assert.equal(first.complete, false);
  assert.ok(first.undelivered > 0, "the first run was stopped half way");
  assert.ok(saved.rowsDone > 0 && saved.rowsDone < ROWS, `rows done at the stop: ${saved.rowsDone}`);

  assert.equal(second.balanced, true, JSON.stringify(second).slice(0, 1500));
  assert.equal(second.complete, true);
  assert.equal(second.rows, ROWS, "the reconciliation covers the whole file");
  assert.equal(second.undelivered, 0);
  assert.equal(second.delivered, valid);
  assert.equal(second.rejected, BAD_ROWS + 1);
  assert.equal(second.rejectedByServer, 1);
  assert.ok(second.previouslyDelivered > 0 && second.previouslyDelivered < valid);
  assert.equal(second.summary.previouslyDelivered, progress.at(-1).skipped);
  assert.equal(progress.at(-1).rowsDone, ROWS);

  // Every row arrived; only what was in flight after the saved checkpoint
  // arrived twice.
  const after = await recv.stats();
  assert.equal(after.uniqueMessageIds - before.uniqueMessageIds, valid);
  const resent = after.messages - before.messages - valid;
  assert.ok(resent <= first.delivered - second.previouslyDelivered + 2500, `re-sent ${resent}`);
  t.diagnostic(`stopped at ${saved.rowsDone} rows done; resumed: ${second.previouslyDelivered} delivered earlier, ${resent} messages arrived twice`);

  // A checkpoint of another mapping, endpoint or file is refused, not applied.
  assert.deepEqual(mismatch, {
    mapping: "checkpoint_mismatch", endpoint: "checkpoint_mismatch", file: "checkpoint_mismatch", key: "checkpoint_mismatch",
  });
});

test("paused: nothing is sent or read while paused; resumed, every row once", async (t) => {
  const before = await recv.stats();
  const { report, ticks } = await page.evaluate(async ({ text, endpoint, key }) => {
    const file = new File([text], "pause.csv", { type: "text/csv" });
    const sample = new Uint8Array(await file.slice(0, 65536).arrayBuffer());
    const found = window.sb.inspect(sample, { complete: false });
    const mapping = window.sb.suggestMapping(found.headers, found.rows);
    let paused = false;
    let pausedOnce = false;
    const ticks = [];
    const report = await window.sb.importFile(file, mapping, {
      endpoint, writeKey: key, concurrency: 2, ratePerSecond: 20, chunkBytes: 64 * 1024,
      paused: () => paused,
      onProgress: (p) => {
        ticks.push({ at: Date.now(), paused: p.paused, pausedMs: p.pausedMs, requests: p.delivery.requests,
          inFlight: p.delivery.inFlight, bytesRead: p.bytesRead });
        if (!pausedOnce && p.delivery.requests >= 2) {
          pausedOnce = true;
          paused = true;
          setTimeout(() => { paused = false; }, 1500);
        }
      },
    });
    return { report, ticks };
  }, { text: csvText("Paused Order"), endpoint: `${recv.url}/v1/batch`, key: KEY });
  const valid = ROWS - BAD_ROWS - 1;
  assert.equal(report.balanced, true);
  assert.equal(report.complete, true);
  assert.equal(report.delivered, valid);
  assert.equal(report.undelivered, 0);
  assert.ok(report.pausedMs >= 1400 && report.pausedMs < 5000, `paused ${report.pausedMs} ms`);
  // While paused no request starts and nothing more is read; the requests
  // in flight at the pause are answered (the progress says so at once).
  const still = ticks.filter((t) => t.paused);
  assert.ok(still.some((t) => t.inFlight === 0), JSON.stringify(ticks.slice(0, 30)));
  assert.ok(still.every((t) => t.requests === still[0].requests && t.bytesRead === still[0].bytesRead),
    JSON.stringify(still));
  assert.ok(still[0].bytesRead < ticks.at(-1).bytesRead, "paused part way through the file");
  const after = await recv.stats();
  assert.equal(after.uniqueMessageIds - before.uniqueMessageIds, valid, "every row arrived, once each");
  t.diagnostic(`paused for ${report.pausedMs} ms after ${still[0].requests} requests, `
    + `${still[0].bytesRead} of ${ticks.at(-1).bytesRead} bytes read; ${still.length} progress calls while paused`);
});

test("a redirect is refused in the browser: nothing goes where it points", async () => {
  const target = await receiver(CLI, null, []);
  const redirecting = await receiver(CLI, null, ["--redirect-to", target.endpoint, "--redirect-status", "307"]);
  try {
    const { report } = await importInPage({ endpoint: redirecting.endpoint, writeKey: KEY, auth: "body" });
    assert.equal(report.balanced, true);
    assert.equal(report.delivered, 0);
    assert.equal(report.stopped.kind, "refused", JSON.stringify(report.stopped));
    assert.match(report.stopped.reason, /redirect/);
    assert.equal((await target.stats()).requests, 0, "the batch and the key went nowhere else");
    assert.ok((await redirecting.stats()).requests >= 1);
  } finally {
    target.stop();
    redirecting.stop();
  }
});

test("gzip in Chromium: bodies go compressed when the preflight allows Content-Encoding", async () => {
  const local = await receiver(CLI, null, []);
  try {
    const { report, progress } = await importInPage({ endpoint: local.endpoint, writeKey: KEY, concurrency: 4 });
    assert.equal(report.balanced, true);
    assert.equal(report.delivered, ROWS - BAD_ROWS);
    const stats = await local.stats();
    assert.equal(stats.uniqueMessageIds, report.delivered);
    assert.equal(stats.duplicates, 0);
    assert.equal(stats.gzipRequests, stats.requests, JSON.stringify(stats));
    assert.ok(stats.wireBytes * 3 < stats.bodyBytes, JSON.stringify(stats));
    const last = progress.at(-1);
    assert.equal(last.wireBytes, stats.wireBytes);
    assert.equal(last.jsonBytes, stats.bodyBytes);
    assert.equal(last.gzipRefused, undefined);
  } finally {
    local.stop();
  }
});

test("a preflight refusing Content-Encoding: the same batches go uncompressed, nothing lost or twice", async () => {
  const local = await receiver(CLI, null, ["--cors-no-content-encoding"]);
  try {
    for (const auth of ["body", "basic"]) {
      const before = await local.stats();
      const { report, progress } = await importInPage({ endpoint: local.endpoint, writeKey: KEY, auth, concurrency: 4 });
      assert.equal(report.balanced, true);
      assert.equal(report.undelivered, 0, JSON.stringify(report.undeliveredReason));
      assert.equal(report.delivered, ROWS - BAD_ROWS);
      const stats = await local.stats();
      if (auth === "body") {
        assert.equal(stats.uniqueMessageIds, report.delivered);
        assert.equal(stats.duplicates, 0, JSON.stringify(stats));
      } else {
        // The second run re-sends the same ids: all duplicates, none new.
        assert.equal(stats.uniqueMessageIds, before.uniqueMessageIds);
        assert.equal(stats.duplicates - before.duplicates, report.delivered);
      }
      // No gzip body ever got past the preflight.
      assert.equal(stats.gzipRequests, 0, JSON.stringify(stats));
      assert.equal(report.delivery.retries, 0, "the fallback is not a retry");
      const last = progress.at(-1);
      assert.match(last.gzipRefused ?? "", /CORS/);
      assert.equal(last.wireBytes, stats.wireBytes - before.wireBytes);
      assert.equal(last.jsonBytes, stats.bodyBytes - before.bodyBytes);
    }
  } finally {
    local.stop();
  }
});

test("importFile from Node against an endpoint answering 415 to gzip: every row once, uncompressed", async () => {
  const pkg = await loadPkg();
  const local = await receiver(CLI, null, ["--refuse-gzip"]);
  try {
    const progress = [];
    const text = csvText();
    const found = pkg.inspect(new TextEncoder().encode(text.slice(0, 65536)), { complete: false });
    const mapping = pkg.suggestMapping(found.headers, found.rows);
    const report = await pkg.importFile(new Blob([text]), mapping, {
      endpoint: local.endpoint, writeKey: KEY, concurrency: 4, onProgress: (p) => progress.push(p),
    });
    assert.equal(report.balanced, true);
    assert.equal(report.undelivered, 0);
    assert.equal(report.delivered, ROWS - BAD_ROWS);
    const stats = await local.stats();
    assert.equal(stats.uniqueMessageIds, report.delivered);
    assert.equal(stats.duplicates, 0);
    assert.ok(stats.byStatus["415"] >= 1 && stats.byStatus["415"] <= 4, JSON.stringify(stats));
    assert.match(progress.at(-1).gzipRefused ?? "", /415/);
  } finally {
    local.stop();
  }
});

test("messageIds depend on the source; a dry run with the key (or its namespace) has a send's ids", async () => {
  const out = join(dir, "ids.ndjson");
  const local = await receiver(CLI, out, []);
  try {
    const result = await page.evaluate(async ({ text, endpoint }) => {
      const file = new File([text], "ids.csv", { type: "text/csv" });
      const found = window.sb.inspect(new Uint8Array(await file.arrayBuffer()));
      const mapping = window.sb.suggestMapping(found.headers, found.rows);
      const dryRun = (options) => {
        const imp = new window.sb.Importer(mapping, options);
        imp.push(new TextEncoder().encode(text));
        imp.finish();
        return imp.takeBatches().flatMap((b) => JSON.parse(b).batch.map((m) => m.messageId));
      };
      const report = await window.sb.importFile(file, mapping, { endpoint, writeKey: "source-a" });
      return {
        report,
        withKey: dryRun({ writeKey: "source-a" }),
        withNamespace: dryRun({ idNamespace: report.destination.idNamespace }),
        otherKey: dryRun({ writeKey: "source-b" }),
        noKey: dryRun({}),
      };
    }, { text: "user_id,event\nu1,A\nu2,B\nu1,A\n", endpoint: local.endpoint });
    const sent = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l).messageId);
    assert.equal(result.report.delivered, 3);
    assert.equal(result.report.destination.idScheme, 2);
    assert.deepEqual(result.withKey, sent, "a dry run with the key has the ids the send sent");
    assert.deepEqual(result.withNamespace, sent);
    assert.equal(new Set(sent).size, 3, "the repeated row is two events");
    for (const other of [result.otherKey, result.noKey]) {
      assert.ok(other.every((id) => !sent.includes(id)), "another source, other ids");
    }
  } finally {
    local.stop();
  }
});

test("a gzip bomb and a quote that never closes cost time, not memory", async () => {
  // 256 MB of one endless quoted field, gzipped to a few hundred KB.
  const { gzipSync } = await import("node:zlib");
  const bomb = gzipSync(Buffer.concat([
    Buffer.from('user_id,event\nu1,E\nu2,"'), Buffer.alloc(256 * 1024 * 1024, 0x61),
  ]), { level: 9 });
  const result = await page.evaluate(async ({ b64, endpoint, key }) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const file = new File([bytes], "bomb.csv.gz");
    const before = window.wasmMemoryBytes();
    const mapping = { type: "track", rules: [{ from: "user_id", to: "userId" }, { from: "event", to: "event" }] };
    const report = await window.sb.importFile(file, mapping, { endpoint, writeKey: key });
    return { report, grew: window.wasmMemoryBytes() - before };
  }, { b64: bomb.toString("base64"), endpoint: `${recv.url}/v1/batch`, key: KEY });
  const { report, grew } = result;
  assert.equal(report.balanced, true);
  assert.equal(report.rows, 2);
  assert.equal(report.delivered, 1);
  assert.equal(report.rejectedRows[0].row, 3);
  assert.equal(report.rejectedRows[0].issues[0].code, "unterminated_quote");
  assert.ok(grew < 32 * 1024 * 1024, `wasm memory grew by ${grew} bytes`);
});

test("null and empty messageIds get ids of their own, never 'null'", async () => {
  const out = join(dir, "null-ids.ndjson");
  const local = await receiver(CLI, out, []);
  try {
    const report = await page.evaluate(async ({ endpoint }) => {
      const lines = [null, "", "  ", null].map((id, i) =>
        JSON.stringify({ type: "track", userId: `u${i}`, event: "E", messageId: id }));
      const file = new File([lines.join("\n") + "\n"], "ids.ndjson");
      return window.sb.importFile(file, null, { endpoint, writeKey: "k" });
    }, { endpoint: local.endpoint });
    assert.equal(report.delivered, 4);
    assert.equal(report.summary.byCode.message_id_replaced.count, 4);
    const ids = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l).messageId);
    assert.equal(new Set(ids).size, 4);
    assert.ok(ids.every((id) => typeof id === "string" && id.trim() !== "" && id !== "null"), ids.join());
  } finally {
    local.stop();
  }
});

// --- workbooks and Parquet: the tables module, loaded only for them -------

/** A page of its own, with every URL it requests. */
async function freshPage() {
  const fresh = await browser.newPage();
  const requested = [];
  fresh.on("request", (r) => requested.push(new URL(r.url()).pathname));
  await fresh.goto(`${site.url}/tests/js/page.html`);
  await fresh.waitForFunction(() => window.ready === true);
  return { fresh, requested };
}

const TABLE_KEY = "table-write-key";
const base64 = (path) => readFileSync(path).toString("base64");

/**
 * importFile of a table fixture in Chromium (on the page's main thread, or
 * in a module worker), to a receiver: every message the CLI's `batches`
 * makes of the same file and mapping arrives once, and nothing else.
 */
async function importTableIn(where, name, mappingPath, options = {}) {
  const out = join(dir, `${where}-${name}.ndjson`);
  const local = await receiver(CLI, out, ["--write-key", TABLE_KEY]);
  try {
    const { fresh } = await freshPage();
    const result = await fresh.evaluate(async ({ where, bytes, name, mapping, options }) => {
      const file = new File([Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0))], name);
      if (where === "page") {
        const progress = [];
        const report = await window.sb.importFile(file, mapping, { ...options, onProgress: (p) => progress.push(p) });
        return { report, progress };
      }
      const worker = new Worker("/tests/js/worker.mjs", { type: "module" });
      const answer = await new Promise((ok) => {
        worker.onmessage = (e) => ok(e.data);
        worker.postMessage({ file, mapping, options });
      });
      worker.terminate();
      return answer;
    }, {
      where, name, bytes: base64(tableFixture(name)),
      mapping: readFileSync(mappingPath, "utf8"),
      options: { endpoint: local.endpoint, writeKey: TABLE_KEY, ...options },
    });
    await fresh.close();
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    const expected = cliMessages(CLI, tableFixture(name), mappingPath, TABLE_KEY,
      options.sheet ? ["--sheet", options.sheet] : []);
    const received = receivedById(out);
    assert.equal(result.report.balanced, true);
    assert.equal(result.report.delivered, expected.length);
    assert.equal(received.size, expected.length, "each message once");
    for (const message of expected) assert.deepEqual(received.get(message.messageId), message);
    return result;
  } finally {
    local.stop();
  }
}

test("a CSV import never loads the tables module; a workbook loads it once", async () => {
  const { fresh, requested } = await freshPage();
  const local = await receiver(CLI, null, []);
  try {
    const csv = await fresh.evaluate(async ({ text, endpoint }) => {
      const file = new File([text], "orders.csv");
      const found = await window.sb.inspectFile(file);
      const mapping = window.sb.suggestMapping(found.headers, found.rows);
      return window.sb.importFile(file, mapping, { endpoint, writeKey: "k" });
    }, { text: "user_id,event\nu1,A\nu2,B\n", endpoint: local.endpoint });
    assert.equal(csv.delivered, 2);
    assert.ok(requested.includes("/pkg/segment_backfill_bg.wasm"), requested.join());
    assert.deepEqual(requested.filter((p) => p.includes("tables")), []);

    const sheets = await fresh.evaluate(async ({ bytes }) => {
      const file = new File([Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0))], "orders.xlsx");
      const first = await window.sb.inspectFile(file);
      const refunds = await window.sb.inspectFile(file, { sheet: "Refunds" });
      let unknown;
      try {
        await window.sb.inspectFile(file, { sheet: "Nope" });
      } catch (e) {
        unknown = { code: e.code, message: e.message };
      }
      return { first, refunds, unknown };
    }, { bytes: base64(tableFixture("orders.xlsx")) });
    assert.deepEqual(sheets.first.table.sheets.map((s) => s.name), ["Cover", "Orders", "Refunds"]);
    assert.equal(sheets.first.table.sheet, "Orders");
    assert.equal(sheets.first.headers[0], "order_id");
    assert.equal(sheets.refunds.table.sheet, "Refunds");
    assert.deepEqual(sheets.refunds.headers, ["refund_id", "order_id", "amount", "refunded_at"]);
    assert.equal(sheets.unknown.code, "unreadable_table");
    assert.match(sheets.unknown.message, /Orders/);
    assert.match(sheets.unknown.message, /Refunds/);
    // Three opens, one download of the module.
    assert.deepEqual(requested.filter((p) => p.includes("tables")).sort(), ["/pkg/tables.js", "/pkg/tables_bg.wasm"]);
  } finally {
    local.stop();
    await fresh.close();
  }
});

test("importFile of orders.xlsx on a page's main thread: the CLI's messages, each once", async () => {
  const { report, progress } = await importTableIn("page", "orders.xlsx", tableMapping("orders.mapping.json"));
  assert.equal(report.rows, 51);
  assert.deepEqual(report.rejectedRows.map((r) => [r.row, r.issues[0].code]), [[20, "empty_row"], [27, "invalid_number"]]);
  assert.ok(progress.every((p) => p.bytesTotal === undefined));
  assert.equal(progress.at(-1).rows, 51);
});

test("importFile of orders.xlsx at sheet Refunds in a worker (the Blob read in windows)", async () => {
  const { report } = await importTableIn("worker", "orders.xlsx",
    join(root, "tests/js/order-ids.mapping.json"), { sheet: "Refunds" });
  assert.equal(report.rows, 5);
});

test("importFile of events-zstd.parquet (ZSTD), on the page and in a worker: the CLI's messages, each once", async () => {
  for (const where of ["page", "worker"]) {
    const { report } = await importTableIn(where, "events-zstd.parquet", tableMapping("events.mapping.json"));
    assert.equal(report.rejected, 0, where);
  }
});
