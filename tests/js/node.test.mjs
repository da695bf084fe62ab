// The npm package in Node 20: inspect, suggestMapping and the Importer over
// the fixtures, with the batches compared byte for byte against the CLI's
// `batches` output (same file, same mapping, same sentAt), and the throw
// paths. Run: node --test tests/js/node.test.mjs (after `make pkg` and a
// release build of the CLI; SEGMENT_BACKFILL_CLI overrides its path).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, readdirSync, rmSync, openAsBlob } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { root, loadPkg, cliMessages, receivedById, tableFixture, tableMapping } from "./helpers.mjs";
import { receiver } from "./serve.mjs";

const pkg = await loadPkg();
const { inspect, inspectFile, suggestMapping, Importer, RowCounter, importFile, version } = pkg;
const CLI = process.env.SEGMENT_BACKFILL_CLI ?? join(root, "target/release/segment-backfill");
const SENT_AT = "2026-01-01T00:00:00.000Z";
const fixture = (name) => readFileSync(join(root, "tests/fixtures/source", name));

/** Every batch and reject of `bytes`, pushed in `chunk`-byte pieces. */
function runImporter(bytes, mapping, options = {}, chunk = 7) {
  const importer = new Importer(mapping, { sentAt: SENT_AT, ...options });
  const batches = [];
  const rejects = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    importer.push(bytes.subarray(i, i + chunk));
    batches.push(...importer.takeBatches());
    rejects.push(...importer.takeRejects());
  }
  importer.finish();
  batches.push(...importer.takeBatches());
  rejects.push(...importer.takeRejects());
  return { batches, rejects, summary: importer.summary(), settings: importer.settings() };
}

/** The CLI's `batches` output for the same file and mapping, in order. */
function runCli(bytes, name, mapping, extra = []) {
  const dir = mkdtempSync(join(tmpdir(), "sb-js-"));
  try {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    const args = ["batches", file, "--out", join(dir, "out"), "--sent-at", SENT_AT];
    for (const [flag, fileName, content] of extra) {
      writeFileSync(join(dir, fileName), content);
      args.push(flag, join(dir, fileName));
    }
    if (mapping) {
      writeFileSync(join(dir, "mapping.json"), JSON.stringify(mapping));
      args.push("--mapping", join(dir, "mapping.json"));
    }
    const run = spawnSync(CLI, args, { encoding: "utf8" });
    // 4: no valid row, "nothing to send" (no batch written, as the Importer makes none).
    if (run.status !== 0 && run.status !== 4) return { error: run.stderr || run.stdout };
    const out = join(dir, "out");
    const names = readdirSync(out).filter((n) => n.endsWith(".json")).sort();
    return { batches: names.map((n) => readFileSync(join(out, n), "utf8")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A CSV big enough for several batches and more than one sniff sample. */
function bigCsv(rows) {
  const lines = ["user_id,event,created_at,price,plan"];
  for (let i = 0; i < rows; i++) {
    const day = String(1 + (i % 28)).padStart(2, "0");
    const price = i % 97 === 0 ? "n/a" : (i % 1000) + ".5";
    lines.push(`u${i % 5000},Order Completed,2024-02-${day}T10:00:00Z,${price},"pro, annual"`);
  }
  return new TextEncoder().encode(lines.join("\n") + "\n");
}

test("version matches Cargo.toml", () => {
  const cargo = readFileSync(join(root, "Cargo.toml"), "utf8");
  assert.equal(version(), cargo.match(/^version = "(.*)"/m)[1]);
});

test("inspect sniffs every fixture", () => {
  const orders = inspect(fixture("orders.csv"));
  assert.equal(orders.settings.format, "csv");
  assert.equal(orders.settings.delimiter, ",");
  assert.deepEqual(orders.headers.slice(0, 3), ["order_id", "customer_email", "placed_at"]);
  assert.ok(orders.rows.length >= 3);
  assert.equal(orders.rows[1][6], "gift wrap, please");
  assert.equal(inspect(fixture("semicolon-excel.csv")).settings.delimiter, ";");
  assert.equal(inspect(fixture("tab.tsv")).settings.delimiter, "tab");
  assert.equal(inspect(fixture("pipe.psv")).settings.delimiter, "|");
  assert.equal(inspect(fixture("utf16le.csv")).settings.encoding, "utf-16le");
  assert.equal(inspect(fixture("events.ndjson")).settings.format, "ndjson");
  assert.equal(inspect(fixture("events.json")).settings.format, "json");
  const forced = inspect(fixture("no-header.csv"), { hasHeader: false, maxRows: 1 });
  assert.equal(forced.settings.hasHeader, false);
  assert.equal(forced.rows.length, 1);
});

test("suggestMapping gives the CLI's suggestion", () => {
  const { headers, rows } = inspect(fixture("orders.csv"));
  const mapping = suggestMapping(headers, rows);
  assert.ok(mapping.type || mapping.rules.some((r) => r.to === "type"));
  const run = spawnSync(CLI, ["inspect", join(root, "tests/fixtures/source/orders.csv"), "--json"], {
    encoding: "utf8",
  });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(mapping, JSON.parse(run.stdout).suggestedMapping);
  // sampleRows is optional.
  assert.ok(Array.isArray(suggestMapping(headers).rules));
  // With inspect's settings, a semicolon file's decimal commas are read.
  const semi = new TextEncoder().encode("user_id;event;price\nu1;A;3,50\nu2;B;12\n");
  const found = inspect(semi);
  const price = (m) => m.rules.find((r) => r.from === "price");
  assert.deepEqual(price(suggestMapping(found.headers, found.rows, found.settings)), {
    from: "price",
    to: "properties.price",
    as: "number",
    decimal: ",",
  });
  assert.equal(price(suggestMapping(found.headers, found.rows)), undefined);
});

test("Importer batches equal the CLI's, byte for byte", async (t) => {
  const cases = [];
  for (const name of readdirSync(join(root, "tests/fixtures/source")).sort()) {
    const bytes = fixture(name);
    const { headers, rows, settings } = inspect(bytes);
    const mapping = settings.format === "csv" ? suggestMapping(headers, rows) : null;
    cases.push({ name, bytes, mapping });
  }
  const big = bigCsv(30_000);
  const bigInspect = inspect(big.subarray(0, 65536), { complete: false });
  cases.push({ name: "big.csv", bytes: big, mapping: suggestMapping(bigInspect.headers, bigInspect.rows) });
  const ndjson = new TextEncoder().encode(
    Array.from({ length: 5000 }, (_, i) =>
      JSON.stringify({ type: "track", userId: `u${i}`, event: "Signed Up", timestamp: "2024-01-02T03:04:05Z" }),
    ).join("\n"),
  );
  cases.push({ name: "big.ndjson", bytes: ndjson, mapping: null });

  let compared = 0;
  for (const c of cases) {
    await t.test(c.name, () => {
      const cli = runCli(c.bytes, c.name, c.mapping);
      let js;
      try {
        js = runImporter(c.bytes, c.mapping, {}, c.bytes.length > 100_000 ? 65_521 : 7);
      } catch (e) {
        assert.ok(cli.error, `JS threw (${e.code}: ${e.message}) but the CLI did not`);
        assert.equal(typeof e.code, "string");
        return;
      }
      assert.equal(cli.error, undefined, `the CLI failed: ${cli.error}`);
      assert.equal(js.batches.length, cli.batches.length);
      js.batches.forEach((body, i) => assert.equal(body, cli.batches[i], `batch ${i + 1}`));
      assert.equal(js.summary.rows, js.summary.valid + js.summary.rejected);
      assert.equal(js.rejects.length, js.summary.rejected);
      compared++;
    });
  }
  assert.ok(compared >= 6, `only ${compared} files compared`);
});

test("missing, invalid and decimal work through the package as in the CLI", () => {
  const csv = new TextEncoder().encode(
    "id,kind,price,qty,note\n" +
      "u1,a,\"1.234,50\",2,x\n" +
      "?,b,\"3,5\",1,y\n" +
      "u3,NA,\"1.5\",1,?\n" +
      "u4,c,7,many,NA\n",
  );
  const found = inspect(csv);
  assert.deepEqual(found.missing, [
    { column: "kind", token: "NA", count: 1 },
    { column: "note", token: "NA", count: 1 },
  ]);
  const mapping = {
    type: "track",
    missing: ["?"],
    rules: [
      { from: "id", to: "userId" },
      { value: "Bought", to: "event" },
      { from: "price", to: "properties.price", as: "number", decimal: ",", thousands: ".", invalid: "text" },
      { from: "qty", to: "properties.qty", as: "integer", invalid: "drop" },
    ],
    rest: "properties",
  };
  const js = runImporter(csv, mapping);
  const cli = runCli(csv, "prices.csv", mapping);
  assert.equal(cli.error, undefined, cli.error);
  assert.deepEqual(js.batches, cli.batches);
  const sent = JSON.parse(js.batches[0]).batch;
  assert.deepEqual(
    sent.map((m) => [m.userId, m.properties]),
    [
      // "?" is this mapping's only token: "NA" is sent as text, "?" left out.
      ["u1", { price: 1234.5, qty: 2, kind: "a", note: "x" }],
      ["u3", { price: "1.5", qty: 1, kind: "NA" }],
      ["u4", { price: 7, kind: "c", note: "NA" }],
    ],
  );
  const s = js.summary;
  assert.deepEqual([s.rows, s.valid, s.rejected, s.withWarnings], [4, 3, 1, 2]);
  assert.equal(s.byCode.missing_identity.rows, 1);
  assert.match(s.byCode.missing_identity.examples[0].message, /the cell holds "\?", a missing-value token/);
  assert.equal(s.byCode.value_kept_as_text.rows, 1);
  assert.equal(s.byCode.value_dropped.warning, true);
  assert.equal(s.rejectedSeveralReasons, 0);
});

test("a big file makes several batches, each within Segment's limits", () => {
  const big = bigCsv(30_000);
  const { headers, rows } = inspect(big.subarray(0, 65536), { complete: false });
  const { batches, rejects, summary } = runImporter(big, suggestMapping(headers, rows), {}, 1 << 20);
  assert.ok(batches.length > 1);
  for (const b of batches) {
    assert.ok(b.length <= 500_000);
    const body = JSON.parse(b);
    assert.equal(body.sentAt, SENT_AT);
    assert.ok(body.batch.length <= 2500);
  }
  assert.equal(summary.rows, 30_000);
  assert.equal(rejects.length, summary.rejected);
  assert.ok(rejects.every((r) => r.issues.length > 0 && r.cells.length === 5));
});

test("takeBatchBytes gives the same bodies as takeBatches, as UTF-8", () => {
  const big = bigCsv(6_000);
  const { headers, rows } = inspect(big.subarray(0, 65536), { complete: false });
  const mapping = suggestMapping(headers, rows);
  const asText = runImporter(big, mapping, {}, 1 << 16).batches;
  const importer = new Importer(mapping, { sentAt: SENT_AT });
  importer.push(big);
  importer.finish();
  const asBytes = importer.takeBatchBytes();
  assert.ok(asBytes.length > 1);
  assert.ok(asBytes.every((b) => b instanceof Uint8Array));
  assert.deepEqual(asBytes.map((b) => new TextDecoder().decode(b)), asText);
  assert.deepEqual(importer.takeBatchBytes(), [], "each body is taken once");
});

test("RowCounter counts the rows the Importer reads, at any chunk size", () => {
  for (const name of ["orders.csv", "utf16le.csv", "semicolon-excel.csv", "events.ndjson"]) {
    const bytes = fixture(name);
    const { settings, headers } = inspect(bytes);
    // Any mapping: rows counts valid and rejected rows alike.
    const mapping = settings.format === "csv"
      ? { type: "track", rules: [{ from: headers[0], to: "userId" }, { value: "E", to: "event" }] }
      : null;
    const { summary } = runImporter(bytes, mapping);
    assert.ok(summary.rows > 0);
    for (const chunk of [1, 5, 1 << 20]) {
      const counter = new RowCounter(settings);
      for (let i = 0; i < bytes.length; i += chunk) counter.push(bytes.subarray(i, i + chunk));
      assert.equal(counter.finish(), summary.rows, `${name} in ${chunk}-byte chunks`);
    }
  }
  assert.throws(() => new RowCounter({ format: "csv" }), (e) => e.code === "invalid_options");
});

test("sentAt defaults to now; writeKey and integrations go in the body", () => {
  const before = Date.now();
  const ndjson = new TextEncoder().encode('{"type":"track","userId":"u","event":"E"}\n');
  const importer = new Importer(null, { writeKey: "k", integrations: { All: false } });
  importer.push(ndjson);
  importer.finish();
  const [body] = importer.takeBatches().map((b) => JSON.parse(b));
  assert.ok(Date.parse(body.sentAt) >= before - 1 && Date.parse(body.sentAt) <= Date.now());
  assert.equal(body.writeKey, "k");
  assert.deepEqual(body.integrations, { All: false });
});

test("fixes stand in for their rows, as the CLI's --fixes does", () => {
  const csv = new TextEncoder().encode("user_id,event,n\nu1,A,1\n,B,2\nu3,C,x\n");
  const mapping = { type: "track", rules: [{ from: "user_id", to: "userId" }, { from: "event", to: "event" },
    { from: "n", to: "properties.n", as: "integer" }] };
  const fixes = { columns: ["user_id", "event", "n"], rows: [{ row: 3, cells: ["u2", "B", "-2"] }] };
  const { batches, rejects, summary } = runImporter(csv, mapping, { fixes });
  assert.equal(summary.fixed, 1);
  assert.deepEqual(rejects.map((r) => r.row), [4], "row 4 was not fixed");
  const sent = batches.flatMap((b) => JSON.parse(b).batch);
  assert.deepEqual(sent.map((m) => [m.userId, m.properties?.n]), [["u1", 1], ["u2", -2]]);
  // The same edits as a file (what the app downloads) give the same bytes.
  const cli = runCli(csv, "f.csv", mapping, [["--fixes", "edits.csv", "row,user_id,event,n\n3,u2,B,-2\n"]]);
  assert.deepEqual(cli.batches, batches);
  assert.throws(() => new Importer(mapping, { fixes: { columns: ["a"], rows: [{ row: 3, cells: ["x", "y"]}] } }),
    (e) => e.code === "invalid_fixes");
  const other = new Importer(mapping, { fixes: { columns: ["user", "event", "n"], rows: [{ row: 3, cells: ["a", "b", "1"] }] } });
  assert.throws(() => { other.push(csv); other.finish(); }, (e) => e.code === "invalid_fixes" && /columns/.test(e.message));
});

test("errors are Error objects with a stable code", async () => {
  const code = (f) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof Error, "an Error");
      assert.ok(e.message.length > 0);
      return e.code;
    }
    return "no error";
  };
  assert.equal(code(() => new Importer({ type: "track", rules: [{ to: "userId" }] })), "invalid_mapping");
  assert.equal(code(() => new Importer({ nonsense: 1 })), "invalid_mapping");
  assert.equal(code(() => new Importer("{not json")), "invalid_mapping");
  assert.equal(code(() => new Importer(null, { delimiter: ";;" })), "invalid_options");
  assert.equal(code(() => new Importer(null, { sentAt: "yesterday" })), "invalid_options");
  assert.equal(code(() => new Importer(null, { encoding: "ebcdic" })), "invalid_options");
  assert.equal(code(() => inspect(new Uint8Array())), "source_error");
  const notText = (name) => readFileSync(join(root, "tests/fixtures/not-text", name));
  assert.equal(code(() => inspect(notText("photo.png"))), "unsupported_file");
  // Workbooks and Parquet are read by position: inspectFile and importFile take them.
  assert.equal(code(() => inspect(notText("events.xlsx"))), "table_file");
  assert.match(
    (() => { try { inspect(notText("events.parquet")); } catch (e) { return e.message; } })(),
    /^this is a Parquet file, read by position rather than as text: pass the file \(a Blob\) to inspectFile or importFile$/,
  );

  const importer = new Importer(null);
  importer.push(new TextEncoder().encode('{"type":"track","userId":"u","event":"E"}\n'));
  importer.finish();
  assert.equal(code(() => importer.push(new Uint8Array([1]))), "finished");
  assert.equal(code(() => importer.finish()), "finished");

  // A CSV needs a mapping: known once the settings are sniffed.
  const csv = new Importer(null);
  csv.push(fixture("orders.csv"));
  assert.equal(code(() => csv.finish()), "invalid_mapping");

  const blob = new Blob([fixture("events.ndjson")]);
  const rejectsWith = async (options) => {
    try {
      await importFile(blob, null, { writeKey: "k", ...options });
    } catch (e) {
      assert.ok(e instanceof Error);
      return e.code;
    }
    return "no error";
  };
  assert.equal(await rejectsWith({ endpoint: "http://api.segment.io/v1/batch" }), "insecure_endpoint");
  assert.equal(await rejectsWith({ endpoint: "http://10.0.0.1:8787/v1/batch" }), "insecure_endpoint");
  for (const lookalike of ["http://[::1].example.com/v1/batch", "http://localhost.example.com/v1/batch",
    "http://127.0.0.1.example.com:8787/v1/batch", "http://[::1]x:80/v1/batch"]) {
    assert.equal(await rejectsWith({ endpoint: lookalike }), "insecure_endpoint", lookalike);
  }
  assert.equal(await rejectsWith({ endpoint: "ftp://example.com/" }), "invalid_endpoint");
  assert.equal(await rejectsWith({ endpoint: "https://" }), "invalid_endpoint");
  // A checkpoint is checked before any request (nothing listens on port 9).
  const local = "http://127.0.0.1:9/v1/batch";
  assert.equal(await rejectsWith({ endpoint: local, resumeFrom: "{not json" }), "invalid_checkpoint");
  // Written by segment-backfill 0.1: recognised, refused with its own words.
  const older = JSON.stringify({ version: 1, fingerprint: "another import", watermark: 5, doneAbove: [], serverRejected: [] });
  assert.equal(await rejectsWith({ endpoint: local, resumeFrom: older }), "invalid_checkpoint");
  // Another import's (it went to another endpoint).
  const foreign = JSON.stringify({
    version: 2,
    import: { file: "0".repeat(32), reading: "0".repeat(32), mapping: "0".repeat(32), ids: 2,
      endpoint: "https://api.segment.io/v1/batch", source: "0".repeat(16) },
    watermark: 5, doneAbove: [], serverRejected: [],
  });
  assert.equal(await rejectsWith({ endpoint: local, resumeFrom: foreign }), "checkpoint_mismatch");
  assert.equal(await rejectsWith({ endpoint: local, idScheme: 3 }), "invalid_options");
  assert.equal(await rejectsWith({ endpoint: local, writeKey: "  " }), "invalid_options");
});

test("the package manifest", () => {
  const manifest = JSON.parse(readFileSync(join(root, "pkg/package.json"), "utf8"));
  assert.equal(manifest.name, "segment-backfill");
  assert.equal(manifest.type, "module");
  assert.equal(manifest.version, version());
  for (const f of manifest.files) {
    if (f.endsWith("/")) assert.ok(readdirSync(join(root, "pkg", f)).length > 0, f);
    else readFileSync(join(root, "pkg", f));
  }
  // The entry's types re-export the generated ones.
  assert.match(readFileSync(join(root, "pkg", manifest.types), "utf8"), /export \* from "\.\/segment_backfill\.js";/);
  const dts = readFileSync(join(root, "pkg/segment_backfill.d.ts"), "utf8");
  for (const f of ["tables.js", "tables_bg.wasm", "tables.d.ts"]) assert.ok(manifest.files.includes(f), f);
  assert.ok(manifest.files.includes("snippets/"));
  assert.match(readFileSync(join(root, "pkg/tables.d.ts"), "utf8"), /export function openTable\(/);
  for (const name of ["Inspection", "FileInspection", "TableInfo", "Mapping", "Summary", "RejectedRow", "Report", "SessionReport", "ImportProgress", "SessionProgress", "ImportFileOptions", "ErrorCode"]) {
    assert.match(dts, new RegExp(`export (interface|type) ${name}\\b`), name);
  }
  assert.ok(pathToFileURL(join(root, "pkg", manifest.main)));
});

// --- workbooks and Parquet (the tables module, loaded on demand) ---------

const CLI_KEY = "table-write-key";
const ORDERS_HEADER = ["order_id", "user_id", "email", "ordered_at", "ship_date", "total",
  "quantity", "paid", "line_total", "note"];
const errorOf = async (promise) => {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  return { code: "no error" };
};

test("inspectFile: a workbook's sheets, Orders by default, Refunds when asked, an unknown sheet refused", async () => {
  const xlsx = await openAsBlob(tableFixture("orders.xlsx"));
  const found = await inspectFile(xlsx);
  assert.equal(found.table.kind, "xlsx");
  assert.deepEqual(found.table.sheets, [
    { name: "Cover", empty: true }, { name: "Orders", empty: false }, { name: "Refunds", empty: false },
  ]);
  assert.equal(found.table.sheet, "Orders");
  assert.equal(found.table.firstRow, 3, "the header is on the sheet's row 3");
  assert.equal(found.settings.firstRow, 3);
  assert.equal(found.settings.format, "csv");
  assert.deepEqual(found.headers, ORDERS_HEADER);
  // The sheet reads as its equivalent CSV does.
  const csv = inspect(readFileSync(tableFixture("orders.csv")));
  assert.deepEqual(found.rows, csv.rows);
  assert.deepEqual(found.rows[0].slice(0, 3), ["ORD-1001", "u0", "user0@example.com"]);

  const refunds = await inspectFile(xlsx, { sheet: "Refunds" });
  assert.equal(refunds.table.sheet, "Refunds");
  assert.deepEqual(refunds.headers, ["refund_id", "order_id", "amount", "refunded_at"]);
  assert.deepEqual(refunds.rows[0], ["R-1", "ORD-1003", "6", "2024-04-02"]);
  assert.equal(refunds.rows.length, 5);

  const unknown = await errorOf(inspectFile(xlsx, { sheet: "Nope" }));
  assert.equal(unknown.code, "unreadable_table");
  assert.match(unknown.message, /Nope/);
  assert.match(unknown.message, /Orders/);
  assert.match(unknown.message, /Refunds/);
  // The text overrides do not apply to a workbook.
  const overridden = await errorOf(inspectFile(xlsx, { delimiter: ";" }));
  assert.equal(overridden.code, "invalid_options");
  assert.match(overridden.message, /^delimiter applies to text files; this is an Excel workbook/);
});

test("inspectFile: a Parquet file in each codec reads as its equivalent NDJSON", async () => {
  const ndjson = inspect(readFileSync(tableFixture("events.ndjson")));
  const lines = readFileSync(tableFixture("events.ndjson"), "utf8").split("\n").filter((l) => l.trim() !== "");
  // ZSTD included: Polars writes it by default, and the module builds its C codec.
  for (const [file, codec] of [["none", "UNCOMPRESSED"], ["snappy", "SNAPPY"], ["gzip", "GZIP"],
    ["lz4", "LZ4_RAW"], ["zstd", "ZSTD"], ["brotli", "BROTLI"]]) {
    const parquet = await inspectFile(await openAsBlob(tableFixture(`events-${file}.parquet`)));
    assert.equal(parquet.table.kind, "parquet");
    assert.deepEqual(parquet.table.codecs, [codec], file);
    assert.equal(parquet.settings.format, "ndjson");
    assert.equal(parquet.table.rows, lines.length, "the rows Parquet's metadata says");
    assert.deepEqual(parquet.headers, ndjson.headers, file);
    assert.deepEqual(parquet.rows, ndjson.rows, file);
  }
});

test("inspectFile of a text file is inspect of its head", async () => {
  const text = await inspectFile(new Blob([fixture("orders.csv")]));
  assert.equal(text.table, undefined);
  assert.deepEqual(text, { ...inspect(fixture("orders.csv")) });
  assert.equal((await errorOf(inspectFile(new Blob([])))).code, "source_error");
});

/**
 * importFile of a table fixture to a local receiver: every message the CLI's
 * `batches` makes of the same file and mapping arrives once, and nothing else.
 */
async function importTable(name, mappingPath, options = {}, then = async () => {}) {
  const dir = mkdtempSync(join(tmpdir(), "sb-table-"));
  const out = join(dir, "received.ndjson");
  const local = await receiver(CLI, out, ["--write-key", CLI_KEY]);
  try {
    const progress = [];
    const mapping = JSON.parse(readFileSync(mappingPath, "utf8"));
    const report = await importFile(await openAsBlob(tableFixture(name)), mapping, {
      endpoint: local.endpoint, writeKey: CLI_KEY, ...options, onProgress: (p) => progress.push(p),
    });
    const expected = cliMessages(CLI, tableFixture(name), mappingPath, CLI_KEY,
      options.sheet ? ["--sheet", options.sheet] : []);
    const received = receivedById(out);
    assert.equal(report.balanced, true);
    assert.equal(report.delivered, expected.length);
    assert.equal(received.size, expected.length, "each message once");
    for (const message of expected) assert.deepEqual(received.get(message.messageId), message);
    await then(local, report);
    return { report, progress, expected };
  } finally {
    local.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("importFile of orders.xlsx: every valid row of Orders once, the CLI's messages, sheet rows in the report", async () => {
  const { report, progress } = await importTable("orders.xlsx", tableMapping("orders.mapping.json"));
  // 50 orders and an empty row; the empty row and the #DIV/0! total rejected.
  assert.equal(report.rows, 51);
  assert.equal(report.delivered, 49);
  assert.deepEqual(report.rejectedRows.map((r) => [r.row, r.issues[0].code]), [[20, "empty_row"], [27, "invalid_number"]]);
  // Progress counts rows: a workbook's text has no byte total.
  assert.ok(progress.length > 0 && progress.every((p) => p.bytesTotal === undefined && p.rowsTotal === undefined));
  assert.equal(progress.at(-1).rows, 51);
});

test("importFile at sheet Refunds: its rows; a checkpoint of Orders resumes Orders only", async () => {
  const ids = join(root, "tests/js/order-ids.mapping.json");
  const refunds = await importTable("orders.xlsx", ids, { sheet: "Refunds" });
  assert.equal(refunds.report.rows, 5);
  assert.deepEqual(refunds.expected.map((m) => m.userId), ["ORD-1003", "ORD-1005", "ORD-1007", "ORD-1009", "ORD-1011"]);
  // Resumed from its checkpoint (same endpoint and key), Orders has nothing
  // left to send; Refunds is another import.
  await importTable("orders.xlsx", ids, {}, async (local, orders) => {
    assert.equal(orders.delivered, 50);
    const xlsx = await openAsBlob(tableFixture("orders.xlsx"));
    const again = { endpoint: local.endpoint, writeKey: CLI_KEY, resumeFrom: orders.checkpoint };
    const other = await errorOf(importFile(xlsx, readFileSync(ids, "utf8"), { ...again, sheet: "Refunds" }));
    assert.equal(other.code, "checkpoint_mismatch", "another sheet is another import");
    const resumed = await importFile(xlsx, readFileSync(ids, "utf8"), again);
    assert.equal(resumed.delivered, 50);
    assert.equal(resumed.previouslyDelivered, 50);
    assert.equal(resumed.delivery.requests, 0);
  });
});

test("importFile of events-snappy.parquet: every row once, the CLI's messages, progress in rows", async () => {
  const { report, progress } = await importTable("events-snappy.parquet", tableMapping("events.mapping.json"));
  assert.equal(report.rejected, 0);
  assert.ok(report.rows > 0);
  assert.ok(progress.every((p) => p.bytesTotal === undefined && p.rowsTotal === report.rows));
});
