// Several files as one import in Node 20: importFiles to the CLI's local
// receiver and checkFiles, over a Segment archive folder of gzipped NDJSON
// hours, monthly CSVs with their own delimiters and a workbook among CSVs.
// What arrives is compared with what the CLI's `batches` makes of the same
// files under the same names (messageIds included), the check with the
// CLI's `check --json`. Run: node --test tests/js/node-files.test.mjs (after
// `make pkg`, `make fixtures-tables` and a release build of the CLI).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, copyFileSync, mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { root, loadPkg, cliMessages, receivedInOrder, receivedById, tableFixture, tableMapping } from "./helpers.mjs";
import { receiver } from "./serve.mjs";
import { ORDERS_MAPPING, writeArchive, writeMonths, monthText, namedBlobs, filesUnder } from "./files.mjs";

const { importFiles, checkFiles, importFile } = await loadPkg();
const CLI = process.env.SEGMENT_BACKFILL_CLI ?? join(root, "target/release/segment-backfill");
const KEY = "files-write-key";

/** A scratch folder and a receiver writing what it accepts, both removed after `run`. */
async function withReceiver(run) {
  const dir = mkdtempSync(join(tmpdir(), "sb-files-"));
  const out = join(dir, "received.ndjson");
  const local = await receiver(CLI, out, ["--write-key", KEY]);
  try {
    return await run({ dir, out, local, options: { endpoint: local.endpoint, writeKey: KEY } });
  } finally {
    local.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const errorOf = async (promise) => {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof Error, "an Error");
    return e;
  }
  return { code: "no error" };
};

/** The CLI's `check --json` of a folder. */
function cliCheck(folder, mapping) {
  const run = spawnSync(CLI, ["check", folder, "--mapping", mapping, "--json"], { encoding: "utf8" });
  assert.ok(run.status === 0 || run.status === 2, run.stderr);
  return JSON.parse(run.stdout);
}

test("importFiles: an archive folder replays in time order, the CLI's messages, rows named by file", async () => {
  await withReceiver(async ({ dir, out, options }) => {
    const archive = writeArchive(dir);
    // Given in another order: the core puts them in the archive's.
    const files = await namedBlobs(archive.root, [...archive.names].reverse());
    const progress = [];
    const report = await importFiles(files, null, { ...options, concurrency: 1, onProgress: (p) => progress.push(p) });
    assert.equal(report.balanced, true);
    assert.equal(report.complete, true);
    assert.equal(report.order, "archiveTime");
    assert.deepEqual(report.files.map((f) => f.file), archive.names);
    assert.deepEqual(report.files.map((f) => [f.rows, f.delivered, f.rejected]), [[20, 20, 0], [31, 30, 1], [25, 25, 0], [15, 15, 0]]);
    assert.equal(report.delivered, archive.events.length);
    assert.deepEqual(report.rejectedRows.map((r) => [r.file, r.row, r.issues[0].code, r.issues[0].file, r.issues[0].row]),
      [[archive.rejected.file, 3, "missing_event", archive.rejected.file, 3]]);
    assert.deepEqual(report.summary.byCode.missing_event.examples.map((e) => [e.file, e.row]), [[archive.rejected.file, 3]]);
    assert.equal(report.summary.replay, true);

    const received = receivedInOrder(out);
    assert.deepEqual(received.map((m) => m.event), archive.events, "in the archive's time order, each once");
    const expected = cliMessages(CLI, archive.root, null, KEY);
    assert.deepEqual(received, expected, "the CLI's messages for the same names, in its order");
    assert.ok(received.every((m) => !m.messageId.startsWith("original")), "replayed: ids derived anew");
    // Progress covers the files' bytes, and ends at their total.
    const last = progress.at(-1);
    assert.equal(last.bytesTotal, files.reduce((n, f) => n + f.file.size, 0));
    assert.equal(last.bytesRead, last.bytesTotal);
  });
});

test("importFiles: monthly CSVs with their own delimiters, the CLI's messages; checkFiles is the CLI's check", async () => {
  await withReceiver(async ({ dir, out, local, options }) => {
    const months = writeMonths(dir, 300);
    // A File is named by its name; {name, file} by the name given.
    const [one, ...rest] = await namedBlobs(months.root, ["orders-3.csv", "orders-1.csv", "orders-2.csv"]);
    const files = [new File([await one.file.arrayBuffer()], one.name), ...rest];

    const check = await checkFiles(files, ORDERS_MAPPING);
    const cli = cliCheck(months.root, months.mapping);
    for (const field of ["rows", "valid", "rejected", "order", "files", "byCode"]) {
      assert.deepEqual(check[field], cli[field], field);
    }
    assert.deepEqual(check.files.map((f) => [f.file, f.settings.delimiter, f.rows, f.rejected]),
      [["orders-1.csv", ",", 300, 30], ["orders-2.csv", ";", 300, 30], ["orders-3.csv", "tab", 300, 30]]);
    assert.deepEqual(check.files[1].headers, ["order_id", "user_id", "event", "created_at", "price"]);
    assert.equal(check.rejectedRows.length, 90);
    assert.equal(check.rejectedRowsOmitted, 0);
    assert.deepEqual([check.rejectedRows[0].file, check.rejectedRows[0].row], ["orders-1.csv", 11]);
    assert.deepEqual(check.rejectedRows[30].cells, ["B-10", "", "Order Completed", "2024-03-11T10:10:00Z", "7"]);
    assert.deepEqual(check.byCode.missing_identity.examples[0].file, "orders-1.csv");
    const few = await checkFiles(files, ORDERS_MAPPING, { maxRejectedRows: 5 });
    assert.deepEqual([few.rejectedRows.length, few.rejectedRowsOmitted, few.rejected], [5, 85, 90]);
    assert.equal((await local.stats()).requests, 0, "a check sends nothing");

    const report = await importFiles(files, JSON.stringify(ORDERS_MAPPING), { ...options, concurrency: 1 });
    assert.equal(report.balanced, true);
    assert.equal(report.order, "natural");
    assert.deepEqual(report.files.map((f) => [f.file, f.rows, f.delivered, f.rejected, f.undelivered]),
      [["orders-1.csv", 300, 270, 30, 0], ["orders-2.csv", 300, 270, 30, 0], ["orders-3.csv", 300, 270, 30, 0]]);
    assert.deepEqual(report.rejectedRows.slice(0, 2).map((r) => `${r.file} row ${r.row}`), ["orders-1.csv row 11", "orders-1.csv row 21"]);
    const expected = cliMessages(CLI, months.root, months.mapping, KEY);
    assert.equal(expected.length, 810);
    assert.deepEqual(receivedInOrder(out), expected, "the CLI's messages, in its order, each once");
  });
});

test("importFiles stopped mid-run resumes without sending anything delivered again; another set's checkpoint is refused", async () => {
  await withReceiver(async ({ dir, local, options }) => {
    const months = writeMonths(dir, 4_000);
    const files = await namedBlobs(months.root, months.names);
    const controller = new AbortController();
    const slow = { ...options, concurrency: 1, ratePerSecond: 2, signal: controller.signal };
    const first = await importFiles(files, ORDERS_MAPPING, {
      ...slow,
      onProgress: (p) => { if (p.delivery.messagesAcknowledged > 0) controller.abort(); },
    });
    const valid = 3 * 3_600;
    assert.equal(first.balanced, true);
    assert.equal(first.complete, false);
    assert.ok(first.delivered > 0 && first.undelivered > 0, `stopped mid-run: ${first.delivered} delivered`);
    assert.equal(first.stopped.kind, "cancelled");
    assert.ok(first.undeliveredRows.every((r) => months.names.includes(r.file) && r.from <= r.to), JSON.stringify(first.undeliveredRows));
    assert.equal((await local.stats()).uniqueMessageIds, first.delivered);

    // Another set of files (a fourth month): refused before any request.
    writeFileSync(join(months.root, "orders-4.csv"), monthText("D", ",", 10));
    const four = await namedBlobs(months.root, [...months.names, "orders-4.csv"]);
    const other = await errorOf(importFiles(four, ORDERS_MAPPING, { ...options, resumeFrom: first.checkpoint }));
    assert.equal(other.code, "checkpoint_mismatch");
    assert.match(other.message, /another set of files: orders-4\.csv is new/);
    // One of the files alone is another import too, either way.
    const alone = await errorOf(importFile(files[0].file, ORDERS_MAPPING, { ...options, resumeFrom: first.checkpoint }));
    assert.equal(alone.code, "checkpoint_mismatch");
    const single = await importFile(new Blob([monthText("S", ",", 3)]), ORDERS_MAPPING, options);
    const fromSingle = await errorOf(importFiles(files, ORDERS_MAPPING, { ...options, resumeFrom: single.checkpoint }));
    assert.equal(fromSingle.code, "checkpoint_mismatch");
    assert.equal((await local.stats()).uniqueMessageIds, first.delivered + single.delivered, "nothing sent by the refused runs");

    const second = await importFiles(files, ORDERS_MAPPING, { ...options, concurrency: 4, resumeFrom: first.checkpoint });
    assert.equal(second.balanced, true);
    assert.equal(second.complete, true);
    assert.equal(second.rows, 12_000);
    assert.equal(second.delivered, valid);
    assert.equal(second.previouslyDelivered, first.delivered);
    assert.deepEqual(second.files.map((f) => f.delivered), [3_600, 3_600, 3_600]);
    const stats = await local.stats();
    assert.equal(stats.uniqueMessageIds, valid + single.delivered, "every valid row arrived");
    assert.equal(stats.duplicates, 0, "nothing delivered was sent again");
  });
});

test("a file lacking a mapped column is refused, naming it, before any request", async () => {
  await withReceiver(async ({ dir, local, options }) => {
    const months = writeMonths(dir, 20);
    writeFileSync(join(months.root, "orders-2.csv"),
      monthText("B", ";", 20, ["order_id", "customer", "event", "created_at", "price"]));
    const files = await namedBlobs(months.root, months.names);
    for (const run of [importFiles(files, ORDERS_MAPPING, options), checkFiles(files, ORDERS_MAPPING)]) {
      const e = await errorOf(run);
      assert.equal(e.code, "invalid_mapping");
      assert.equal(e.file, "orders-2.csv");
      assert.match(e.message, /^orders-2\.csv: .*user_id.*\(nothing was read or sent\)$/);
    }
    assert.equal((await local.stats()).requests, 0);
  });
});

test("a workbook among CSVs is read as its sheet, with its own settings; the CLI's messages", async () => {
  await withReceiver(async ({ dir, out, options }) => {
    const folder = join(dir, "orders");
    mkdirSync(folder);
    copyFileSync(tableFixture("orders.csv"), join(folder, "orders-1.csv"));
    copyFileSync(tableFixture("orders.xlsx"), join(folder, "orders-2.xlsx"));
    writeFileSync(join(folder, "orders-3.csv"), readFileSync(tableFixture("orders.csv"), "utf8").replaceAll("ORD-", "MAR-"));
    const names = filesUnder(folder);
    const files = await namedBlobs(folder, names);
    const mapping = readFileSync(tableMapping("orders.mapping.json"), "utf8");

    const check = await checkFiles(files, mapping);
    assert.deepEqual(check.files.map((f) => f.file), ["orders-1.csv", "orders-2.xlsx", "orders-3.csv"]);
    const sheet = check.files[1];
    assert.equal(sheet.table.kind, "xlsx");
    assert.equal(sheet.table.sheet, "Orders");
    assert.equal(sheet.settings.firstRow, 3);
    assert.equal(sheet.table.firstRow, 3);
    assert.equal(check.files[0].table, undefined);
    assert.deepEqual(check.rejectedRows.filter((r) => r.file === "orders-2.xlsx").map((r) => [r.row, r.issues[0].code]),
      [[20, "empty_row"], [27, "invalid_number"]], "the sheet's own row numbers");

    const report = await importFiles(files, mapping, options);
    assert.equal(report.balanced, true);
    assert.deepEqual(report.files.map((f) => [f.file, f.rows]), [["orders-1.csv", 51], ["orders-2.xlsx", 51], ["orders-3.csv", 51]]);
    const expected = cliMessages(CLI, folder, tableMapping("orders.mapping.json"), KEY);
    const received = receivedById(out);
    assert.equal(report.delivered, expected.length);
    assert.equal(received.size, expected.length, "each message once");
    for (const message of expected) assert.deepEqual(received.get(message.messageId), message);
    // The sheet's rows were read: its orders are there, under its own ids.
    assert.ok(expected.some((m) => m.properties.order_id === "ORD-1001"));
    const ids = expected.filter((m) => m.properties.order_id === "ORD-1001").map((m) => m.messageId);
    assert.equal(new Set(ids).size, 2, "the CSV's row and the sheet's: two files, two ids");
  });
});

test("an array of one file is a multi-file import: its ids depend on its name, as the CLI's folder of one", async () => {
  await withReceiver(async ({ dir, out, options }) => {
    const months = writeMonths(dir, 5);
    const only = join(dir, "only");
    mkdirSync(only);
    copyFileSync(join(months.root, "orders-1.csv"), join(only, "orders-1.csv"));
    const [file] = await namedBlobs(only, ["orders-1.csv"]);
    const report = await importFiles([file], ORDERS_MAPPING, options);
    assert.equal(report.order, "natural");
    assert.deepEqual(report.files.map((f) => f.file), ["orders-1.csv"]);
    const ids = receivedInOrder(out).map((m) => m.messageId);
    assert.deepEqual(ids, cliMessages(CLI, only, months.mapping, KEY).map((m) => m.messageId));
    // The same bytes alone (importFile, or the CLI's plain path) have other ids.
    const plain = cliMessages(CLI, join(only, "orders-1.csv"), months.mapping, KEY).map((m) => m.messageId);
    assert.equal(plain.length, ids.length);
    assert.ok(plain.every((id) => !ids.includes(id)));
  });
});

test("a later file that cannot be read when its turn comes is named: in the error, or in the report once sending began", async () => {
  await withReceiver(async ({ dir, local, options }) => {
    const months = writeMonths(dir, 20);
    const second = join(months.root, "orders-2.csv");
    /** Starts paused; at the first progress call (nothing read yet) the second file changes, so its Blob cannot be read. */
    const run = async (files) => {
      let paused = true;
      return importFiles(files, ORDERS_MAPPING, {
        ...options, paused: () => paused,
        onProgress: () => {
          if (paused) {
            writeFileSync(second, monthText("X", ";", 5));
            paused = false;
          }
        },
      });
    };
    // Nothing sent yet when it comes: the import is refused, naming it.
    const refused = await errorOf(run(await namedBlobs(months.root, months.names)));
    assert.equal(refused.code, "read_error");
    assert.equal(refused.file, "orders-2.csv");
    assert.match(refused.message, /^orders-2\.csv: cannot read the start of the file/);
    assert.equal((await local.stats()).requests, 0);

    // Once rows were sent, the report says where reading stopped.
    writeFileSync(join(months.root, "orders-1.csv"), monthText("A", ",", 3_000));
    const report = await run(await namedBlobs(months.root, months.names));
    assert.equal(report.balanced, true);
    assert.equal(report.complete, false);
    assert.match(report.error, /^orders-2\.csv: cannot read the start of the file/);
    // (The files after it were not read: the breakdown has the ones that were.)
    assert.deepEqual(report.files.map((f) => [f.file, f.rows, f.delivered]), [["orders-1.csv", 3_000, 2_700]]);
    assert.equal((await local.stats()).uniqueMessageIds, 2_700);
  });
});

test("what importFiles and checkFiles refuse, with their codes", async () => {
  const options = { endpoint: "http://127.0.0.1:9/v1/batch", writeKey: "k" };
  const csv = (text = "user_id,event\nu1,A\n") => new Blob([text]);
  const mapping = { type: "track", rules: [{ from: "user_id", to: "userId" }, { from: "event", to: "event" }] };
  const codeOf = async (run) => (await errorOf(run)).code;
  assert.equal(await codeOf(importFiles([], mapping, options)), "invalid_options");
  assert.equal(await codeOf(importFiles(csv(), mapping, options)), "invalid_options");
  const nameless = await errorOf(checkFiles([csv()], mapping));
  assert.equal(nameless.code, "invalid_options");
  assert.match(nameless.message, /file 1 is a Blob without a name: pass \{ name, file \}/);
  assert.equal(await codeOf(checkFiles([{ name: "a.csv" }], mapping)), "invalid_options");
  const twice = await errorOf(checkFiles([{ name: "a.csv", file: csv() }, new File(["x"], "a.csv")], mapping));
  assert.equal(twice.code, "invalid_options");
  assert.match(twice.message, /a\.csv is given twice/);
  const fixes = { columns: ["user_id", "event"], rows: [{ row: 2, cells: ["u2", "B"] }] };
  assert.equal(await codeOf(importFiles([{ name: "a.csv", file: csv() }], mapping, { ...options, fixes })), "invalid_fixes");
  assert.equal(await codeOf(checkFiles([{ name: "a.csv", file: csv() }], mapping, { fixes })), "invalid_fixes");
  assert.equal(await codeOf(importFiles([{ name: "a.csv", file: csv() }], { rules: [{ to: "userId" }] }, options)), "invalid_mapping");
  // The destination is checked before any file is opened.
  const unnamed = [csv()];
  assert.equal(await codeOf(importFiles(unnamed, mapping, { ...options, endpoint: "http://example.com/v1/batch" })), "insecure_endpoint");
  assert.equal(await codeOf(importFiles(unnamed, mapping, { ...options, writeKey: " " })), "invalid_options");
  // A file that is not text is named, with its own code.
  const png = readFileSync(join(root, "tests/fixtures/not-text/photo.png"));
  const image = await errorOf(checkFiles([{ name: "a.csv", file: csv() }, { name: "b.png", file: new Blob([png]) }], mapping));
  assert.equal(image.code, "unsupported_file");
  assert.equal(image.file, "b.png");
  // A text override does not apply to a workbook among text files.
  const xlsx = { name: "b.xlsx", file: new Blob([readFileSync(tableFixture("orders.xlsx"))]) };
  const overridden = await errorOf(checkFiles([{ name: "a.csv", file: csv() }, xlsx], mapping, { delimiter: "," }));
  assert.equal(overridden.code, "invalid_options");
  assert.equal(overridden.file, "b.xlsx");
  assert.match(overridden.message, /^b\.xlsx: delimiter applies to text files/);
  // An empty file is not refused: the counts name it.
  const found = await checkFiles([{ name: "a.csv", file: csv() }, { name: "b.csv", file: new Blob([]) }], mapping);
  assert.deepEqual(found.files.map((f) => [f.file, f.rows, f.empty]), [["a.csv", 1, false], ["b.csv", 0, true]]);
});

test("the .d.ts declares importFiles, checkFiles and their types", () => {
  const dts = readFileSync(join(root, "pkg/segment_backfill.d.ts"), "utf8");
  assert.match(dts, /export function importFiles\(files: FileEntry\[\], mapping: Mapping \| string \| null, options: ImportFileOptions\): Promise<FilesReport>;/);
  assert.match(dts, /export function checkFiles\(files: FileEntry\[\], mapping: Mapping \| string \| null, options\?: CheckFilesOptions\): Promise<FilesCheck>;/);
  for (const name of ["FileEntry", "FileOrder", "FilesReport", "FilesCheck", "FileCheck", "FilesSummary", "FileRejectedRow", "FileIssue", "FileRange", "FileServerRejected", "CheckFilesOptions", "FileReport", "FileCounts"]) {
    assert.match(dts, new RegExp(`export (interface|type) ${name}\\b`), name);
  }
  const entry = readFileSync(join(root, "pkg/index.d.ts"), "utf8");
  assert.match(entry, /class SegmentBackfillError extends Error \{[^}]*file\?: string;/s);
});
