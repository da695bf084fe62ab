// Where JavaScript enters the package: what it is given that the types
// cannot stop (bytes where a Blob goes, a string where bytes go, a
// misspelled option, a callback that throws), calls before init() and after
// free(), and the errors' class. Each is refused with a code, or ends the
// run with the error in the report: nothing is ignored or hangs.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./helpers.mjs";
import { receiver } from "./serve.mjs";

const CLI = process.env.SEGMENT_BACKFILL_CLI ?? join(root, "target/release/segment-backfill");
// Imported, not initialised: the first test runs before init().
const sb = await import(pathToFileURL(join(root, "pkg/node.js")).href);
const orders = readFileSync(join(root, "tests/fixtures/source/orders.csv"));
const mapping = { type: "track", rules: [{ value: "Order", to: "event" }, { from: "customer_email", to: "userId" }], rest: "properties" };

/** The code `fn` throws or rejects with (and that the error is one of ours). */
async function codeOf(fn) {
  try {
    await fn();
  } catch (e) {
    assert.ok(sb.isSegmentBackfillError(e), `not a SegmentBackfillError: ${e?.stack ?? e}`);
    assert.ok(e instanceof sb.SegmentBackfillError);
    assert.ok(e instanceof Error);
    return e.code;
  }
  assert.fail("it did not throw");
}

test("before init(): every function and class throws not_initialized", async () => {
  assert.equal(await codeOf(() => sb.inspect(orders)), "not_initialized");
  assert.equal(await codeOf(() => sb.version()), "not_initialized");
  assert.equal(await codeOf(() => new sb.Importer(mapping)), "not_initialized");
  // An async function rejects (it does not throw synchronously).
  const pending = sb.importFile(new Blob([orders]), mapping, { writeKey: "k" });
  assert.ok(pending instanceof Promise);
  assert.equal(await codeOf(() => pending), "not_initialized");
});

test("init() with no argument (Node) resolves with the version, not the wasm's exports", async () => {
  const loaded = await sb.default();
  assert.deepEqual(Object.keys(loaded), ["version"]);
  assert.equal(loaded.version, sb.version());
});

test("every export of the glue is exported, checked, by the entry", async () => {
  const glue = await import(pathToFileURL(join(root, "pkg/segment_backfill.js")).href);
  for (const name of Object.keys(glue)) {
    // __setTablesLoader: the entry's own hook (init() calls it), not API.
    if (name === "default" || name === "initSync" || name === "__setTablesLoader") continue;
    assert.ok(name in sb, `${name} is not exported by the entry`);
    assert.notEqual(sb[name], glue[name], `${name} is the glue's own, unchecked`);
  }
});

test("importFile and inspectFile of bytes, not a Blob: invalid_options saying to wrap them", async () => {
  for (const call of [
    () => sb.importFile(new Uint8Array(orders), mapping, { writeKey: "k" }),
    () => sb.inspectFile(orders.buffer),
    () => sb.importFile("orders.csv", mapping, { writeKey: "k" }),
  ]) {
    try {
      await call();
      assert.fail("accepted");
    } catch (e) {
      assert.equal(e.code, "invalid_options", e.message);
      assert.match(e.message, /must be a Blob or a File, not /);
    }
  }
  await assert.rejects(sb.importFile(new Uint8Array(4), mapping, { writeKey: "k" }), /new Blob\(\[bytes\]\)/);
});

test("push takes a Uint8Array or an ArrayBuffer (the same bytes); a string or numbers are refused", () => {
  const batches = (chunk) => {
    const importer = new sb.Importer(mapping, { sentAt: "2026-01-01T00:00:00.000Z" });
    importer.push(chunk);
    importer.finish();
    return importer.takeBatches();
  };
  const bytes = new Uint8Array(orders);
  assert.deepEqual(batches(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), batches(bytes));
  assert.deepEqual(batches(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)), batches(bytes));
  const importer = new sb.Importer(mapping);
  assert.throws(() => importer.push("order_id\n1"), (e) => e.code === "invalid_options" && /TextEncoder/.test(e.message));
  assert.throws(() => importer.push([1, 2, 3]), (e) => e.code === "invalid_options" && /not an array/.test(e.message));
  assert.throws(() => sb.inspect("a,b\n1,2"), (e) => e.code === "invalid_options");
  assert.equal(sb.inspect(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)).headers[0], "order_id");
  const counter = new sb.RowCounter(sb.inspect(orders).settings);
  assert.throws(() => counter.push("x"), (e) => e.code === "invalid_options");
});

test("after free(): methods and getters throw freed", async () => {
  const importer = new sb.Importer(mapping);
  importer.free();
  assert.equal(await codeOf(() => importer.push(orders)), "freed");
  assert.equal(await codeOf(() => importer.summary()), "freed");
  const counter = new sb.RowCounter(sb.inspect(orders).settings);
  counter.free();
  assert.equal(await codeOf(() => counter.rows), "freed");
  assert.equal(await codeOf(() => counter.finish()), "freed");
});

test("a misspelled option is refused, naming the nearest one", async () => {
  const refused = async (fn, key, near) => {
    try {
      await fn();
      assert.fail("accepted");
    } catch (e) {
      assert.equal(e.code, "invalid_options", e.message);
      assert.match(e.message, new RegExp(`"${key}" is not an option; did you mean "${near}"\\?`));
    }
  };
  await refused(() => new sb.Importer(mapping, { sentat: "2026-01-01T00:00:00Z" }), "sentat", "sentAt");
  await refused(() => sb.inspect(orders, { delimeter: ";" }), "delimeter", "delimiter");
  await refused(() => sb.importFile(new Blob([orders]), mapping, { writeKey: "k", onprogress: () => {} }), "onprogress", "onProgress");
  await refused(() => sb.checkWriteKey("k", { settingsurl: "http://127.0.0.1:1" }), "settingsurl", "settingsUrl");
  // checkFiles takes importFiles' options as they are.
  const check = await sb.checkFiles([{ name: "o.csv", file: new Blob([orders]) }], mapping,
    { writeKey: "k", endpoint: "http://127.0.0.1:1/v1/batch", onProgress: () => {}, concurrency: 2 });
  assert.equal(check.rows, 5);
  await refused(() => sb.checkFiles([{ name: "o.csv", file: new Blob([orders]) }], mapping, { sampleByte: 10 }), "sampleByte", "sampleBytes");
  await assert.rejects(sb.importFile(new Blob([orders]), mapping, { writeKey: "k", onProgress: "yes" }),
    (e) => e.code === "invalid_options" && /onProgress must be a function, not a string/.test(e.message));
});

test("settings found round-trip as options: the delimiter is text (\",\", \"tab\")", () => {
  const found = sb.inspect(new TextEncoder().encode("a\tb\n1\t2\n"));
  assert.equal(found.settings.delimiter, "tab");
  const again = sb.inspect(new TextEncoder().encode("a\tb\n1\t2\n"), found.settings);
  assert.deepEqual(again.settings, found.settings);
  const importer = new sb.Importer({ type: "track", rules: [{ value: "E", to: "event" }, { from: "a", to: "userId" }] },
    { ...found.settings, sentAt: "2026-01-01T00:00:00Z" });
  importer.push(new TextEncoder().encode("a\tb\n1\t2\n"));
  importer.finish();
  assert.deepEqual(importer.settings(), found.settings);
  assert.equal(new sb.RowCounter(found.settings).rows, 0);
});

test("the code of a timestamp before 1970 is the CLI's timestamp_before_1970", () => {
  const importer = new sb.Importer({ type: "track", rules: [{ value: "E", to: "event" }, { from: "u", to: "userId" }, { from: "t", to: "timestamp" }] });
  importer.push(new TextEncoder().encode("u,t\nx,1960-01-01T00:00:00Z\n"));
  importer.finish();
  importer.takeBatches();
  assert.deepEqual(Object.keys(importer.summary().byCode), ["timestamp_before_1970"]);
});

test("endpoint may be left out only where the target has its own", async () => {
  await assert.rejects(sb.importFile(new Blob([orders]), mapping, { writeKey: "k", target: "custom" }),
    (e) => e.code === "invalid_endpoint" && /needs an endpoint/.test(e.message));
  await assert.rejects(sb.importFile(new Blob([orders]), mapping, { writeKey: "k", target: "jitsu" }),
    (e) => e.code === "invalid_endpoint");
});

for (const [option, thrower, said] of [
  ["onProgress", { onProgress: () => { throw new Error("boom in progress"); } }, /onProgress threw: boom in progress/],
  ["paused", { paused: () => { throw new TypeError("boom in paused"); } }, /paused threw: boom in paused/],
]) {
  test(`a ${option} that throws ends the run: failed, the error in the report, every row accounted for`, async () => {
    const local = await receiver(CLI, null);
    try {
      const report = await sb.importFile(new Blob([orders]), mapping, {
        endpoint: local.endpoint, writeKey: "k", ...thrower,
      });
      assert.equal(report.stopped?.kind, "failed", JSON.stringify(report.stopped));
      assert.match(report.stopped.reason, said);
      assert.equal(report.balanced, true);
      assert.equal(report.rows, report.delivered + report.rejected + report.undelivered);
    } finally {
      local.stop();
    }
  });
}

test("an onProgress that throws only once every row is done is never lost: callback_failed with the counts, or the run failed", async () => {
  const local = await receiver(CLI, null);
  try {
    let outcome;
    try {
      const report = await sb.importFile(new Blob([orders]), mapping, {
        endpoint: local.endpoint, writeKey: "k",
        onProgress: (p) => { if (p.rows > 0 && p.rowsDone === p.rows) throw new Error("the page went away"); },
      });
      outcome = { report };
    } catch (e) {
      outcome = { code: e.code, message: e.message };
    }
    if (outcome.code !== undefined) {
      assert.equal(outcome.code, "callback_failed");
      assert.match(outcome.message, /^onProgress threw: the page went away \(on its last call, after the import ended: \d+ of \d+ rows delivered, \d+ rejected, 0 undelivered\)$/);
    } else {
      assert.equal(outcome.report.stopped?.reason, "onProgress threw: the page went away");
      assert.equal(outcome.report.balanced, true);
    }
  } finally {
    local.stop();
  }
});

test("the *InWorker functions in Node, which has no Web Worker: worker_failed, saying what to call", async () => {
  await assert.rejects(sb.importFileInWorker(new Blob([orders]), mapping, { endpoint: "http://127.0.0.1:9/v1/batch", writeKey: "k" }),
    (e) => e.code === "worker_failed" && /no Web Worker \(Node\?\): call importFile instead/.test(e.message));
  await assert.rejects(sb.checkFilesInWorker([], mapping),
    (e) => e.code === "worker_failed" && /call checkFiles instead/.test(e.message));
});

test("targets() is the core's table of targets; mappingGaps() names what a mapping's call type lacks", () => {
  const all = sb.targets();
  assert.deepEqual(all.map((t) => t.id), ["segment-us", "segment-eu", "rudderstack", "jitsu", "hightouch", "custom"]);
  const eu = all.find((t) => t.id === "segment-eu");
  assert.equal(eu.label, "Segment (EU)");
  assert.equal(eu.endpoint, "https://events.eu1.segmentapis.com/v1/batch");
  const rudder = all.find((t) => t.id === "rudderstack");
  assert.equal(rudder.endpoint, undefined);
  assert.match(rudder.endpointHint, /data plane URL/);
  assert.match(all.find((t) => t.id === "jitsu").caution, /64 characters/);

  const track = { type: "track", rules: [{ from: "placed_at", to: "timestamp" }] };
  assert.deepEqual(sb.mappingGaps(track).map((g) => [g.code, g.field]),
    [["missing_identity", "userId"], ["missing_event", "event"]]);
  assert.match(sb.mappingGaps(track)[0].reason, /neither userId nor anonymousId/);
  assert.deepEqual(sb.mappingGaps(JSON.stringify(mapping)), [], "the tests' mapping writes both");
  assert.throws(() => sb.mappingGaps({ type: "track", rules: [{ to: "userId" }] }), (e) => e.code === "invalid_mapping");
  assert.throws(() => sb.mappingGaps(null), (e) => e.code === "invalid_mapping");
});

test("describeReading says how a file reads in the CLI's words", () => {
  const found = sb.inspect(orders);
  assert.equal(sb.describeReading(found.settings), "CSV (comma-separated), UTF-8, header row");
  const tab = sb.inspect(new TextEncoder().encode("a\tb\n1\t2\n"));
  assert.equal(sb.describeReading(tab.settings), "TSV (tab-separated), UTF-8, header row");
  assert.throws(() => sb.describeReading({ format: "csv" }), (e) => e.code === "invalid_options");
});
