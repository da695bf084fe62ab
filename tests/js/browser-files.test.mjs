// Several files as one import in Chromium (Debian's, driven by
// playwright-core), on a page and in a module worker, against the CLI's
// local receiver: a Segment archive folder picked with a folder input
// (`webkitdirectory`), monthly CSVs with their own delimiters, a workbook
// among CSVs. What arrives is compared with what the CLI's `batches` makes
// of the same files under the same names (messageIds included).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readFileSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";
import { root, CHROMIUM, packagePage, cliMessages, receivedInOrder, receivedById, tableFixture, tableMapping } from "./helpers.mjs";
import { staticServer, receiver } from "./serve.mjs";
import { ORDERS_MAPPING, writeArchive, writeMonths, monthText, filesUnder } from "./files.mjs";

const CLI = process.env.SEGMENT_BACKFILL_CLI ?? join(root, "target/release/segment-backfill");
const KEY = "files-write-key";

let dir, site, browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-browser-files-"));
  site = await staticServer();
  browser = await chromium.launchPersistentContext(join(dir, "chromium"), { ...CHROMIUM, headless: true });
});

after(async () => {
  await browser?.close();
  site?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A page with the package loaded (window.sb). */
const freshPage = () => packagePage(browser, site);

/** A receiver writing what it accepts to `name`.ndjson, stopped after `run`. */
async function withReceiver(name, run) {
  const out = join(dir, `${name}.ndjson`);
  const local = await receiver(CLI, out, ["--write-key", KEY]);
  try {
    return await run({ out, local, options: { endpoint: local.endpoint, writeKey: KEY } });
  } finally {
    local.stop();
  }
}

/** Every file under `folder` as `{ name, b64 }`, for a page to make Files of. */
const encoded = (folder) => filesUnder(folder).map((name) => ({
  name, b64: readFileSync(join(folder, name)).toString("base64"),
}));

/** In the page: `{ name, file }` entries of `encoded` files. */
const ENTRIES = `(files) => files.map(({ name, b64 }) => ({
  name, file: new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name.split("/").pop()),
}))`;

test("a folder picked on the page (webkitdirectory): the archive in time order, named as the CLI names them", async () => {
  const archive = writeArchive(join(dir, "picked"));
  await withReceiver("archive", async ({ out, options }) => {
    const page = await freshPage();
    await page.evaluate(() => {
      const input = Object.assign(document.createElement("input"), { type: "file", id: "folder", webkitdirectory: true });
      document.body.append(input);
    });
    await page.setInputFiles("#folder", archive.root);
    const { paths, report } = await page.evaluate(async (options) => {
      const files = [...document.querySelector("#folder").files];
      const paths = files.map((f) => f.webkitRelativePath).sort();
      return { paths, report: await window.sb.importFiles(files, null, { ...options, concurrency: 1 }) };
    }, options);
    await page.close();
    assert.deepEqual(paths, archive.names.map((n) => `segment-logs/${n}`).sort(), "the browser's relative paths");
    assert.equal(report.balanced, true);
    assert.equal(report.order, "archiveTime");
    assert.deepEqual(report.files.map((f) => f.file), archive.names, "relative to the picked folder, as the CLI's");
    assert.deepEqual(report.rejectedRows.map((r) => [r.file, r.row]), [[archive.rejected.file, archive.rejected.row]]);
    const received = receivedInOrder(out);
    assert.deepEqual(received.map((m) => m.event), archive.events, "in time order, each once");
    assert.deepEqual(received, cliMessages(CLI, archive.root, null, KEY), "the CLI's messages of the folder");
  });
});

test("in a worker: monthly CSVs with their own delimiters, then a workbook among CSVs; checked, then sent", async () => {
  const months = writeMonths(join(dir, "worker"), 300);
  const tables = join(dir, "worker", "tables");
  mkdirSync(tables);
  copyFileSync(tableFixture("orders.csv"), join(tables, "orders-1.csv"));
  copyFileSync(tableFixture("orders.xlsx"), join(tables, "orders-2.xlsx"));
  const sets = [
    { name: "months", folder: months.root, mapping: months.mapping },
    { name: "tables", folder: tables, mapping: tableMapping("orders.mapping.json") },
  ];
  for (const set of sets) {
    await withReceiver(`worker-${set.name}`, async ({ out, options }) => {
      const page = await freshPage();
      const answer = await page.evaluate(async ({ files, mapping, options, entries }) => {
        const worker = new Worker("/tests/js/worker.mjs", { type: "module" });
        const answer = await new Promise((ok) => {
          worker.onmessage = (e) => ok(e.data);
          worker.postMessage({ files: eval(entries)(files), mapping, options });
        });
        worker.terminate();
        return answer;
      }, { files: encoded(set.folder), mapping: readFileSync(set.mapping, "utf8"), options, entries: ENTRIES });
      await page.close();
      assert.equal(answer.error, undefined, JSON.stringify(answer.error));
      const { check, report } = answer;
      assert.equal(report.balanced, true, set.name);
      assert.deepEqual(report.files.map((f) => [f.file, f.rows, f.rejected]),
        check.files.map((f) => [f.file, f.rows, f.rejected]), "the check counted what the send read");
      const expected = cliMessages(CLI, set.folder, set.mapping, KEY);
      const received = receivedById(out);
      assert.equal(report.delivered, expected.length, set.name);
      assert.equal(received.size, expected.length, "each message once");
      for (const message of expected) assert.deepEqual(received.get(message.messageId), message);
      if (set.name === "months") {
        assert.deepEqual(check.files.map((f) => f.settings.delimiter), [",", ";", "tab"]);
        assert.deepEqual(report.files.map((f) => f.delivered), [270, 270, 270]);
      } else {
        assert.equal(check.files[1].table.sheet, "Orders");
        // The same records: the sheet's header is on its row 3, the CSV's on row 1.
        assert.deepEqual(report.rejectedRows.map((r) => [r.file, r.row, r.issues[0].code]),
          [["orders-1.csv", 18, "empty_row"], ["orders-1.csv", 25, "invalid_number"],
            ["orders-2.xlsx", 20, "empty_row"], ["orders-2.xlsx", 27, "invalid_number"]]);
      }
    });
  }
});

test("on the page: stopped mid-run, resumed from its checkpoint, nothing delivered sent again; another set refused", async () => {
  const months = writeMonths(join(dir, "resume"), 4_000);
  writeFileSync(join(dir, "resume", "orders-4.csv"), monthText("D", ",", 10));
  await withReceiver("resume", async ({ local, options }) => {
    const page = await freshPage();
    const runs = await page.evaluate(async ({ files, extra, mapping, options, entries }) => {
      const set = eval(entries)(files);
      const controller = new AbortController();
      const first = await window.sb.importFiles(set, mapping, {
        ...options, concurrency: 1, ratePerSecond: 2, signal: controller.signal,
        onProgress: (p) => { if (p.delivery.messagesAcknowledged > 0) controller.abort(); },
      });
      const resumeFrom = first.checkpoint;
      const other = await window.sb.importFiles([...set, ...eval(entries)(extra)], mapping, { ...options, resumeFrom })
        .then(() => ({ code: "no error" }), (e) => ({ code: e.code, message: e.message }));
      const second = await window.sb.importFiles(set, mapping, { ...options, concurrency: 4, resumeFrom });
      return { first, other, second };
    }, {
      files: encoded(months.root), extra: [{ name: "orders-4.csv", b64: readFileSync(join(dir, "resume", "orders-4.csv")).toString("base64") }],
      mapping: ORDERS_MAPPING, options, entries: ENTRIES,
    });
    await page.close();
    const { first, other, second } = runs;
    const valid = 3 * 3_600;
    assert.equal(first.complete, false);
    assert.ok(first.delivered > 0 && first.undelivered > 0, `stopped mid-run: ${first.delivered} delivered`);
    assert.equal(other.code, "checkpoint_mismatch");
    assert.match(other.message, /orders-4\.csv is new/);
    assert.equal(second.balanced, true);
    assert.equal(second.complete, true);
    assert.equal(second.delivered, valid);
    assert.equal(second.previouslyDelivered, first.delivered);
    const stats = await local.stats();
    assert.equal(stats.uniqueMessageIds, valid, "every valid row arrived");
    assert.equal(stats.duplicates, 0, "nothing delivered was sent again");
  });
});

test("on the page: a file lacking a mapped column is refused, naming it, before any request", async () => {
  const months = writeMonths(join(dir, "lacking"), 20);
  writeFileSync(join(months.root, "orders-3.csv"),
    monthText("C", "\t", 20, ["order_id", "user_id", "event", "when", "price"]));
  await withReceiver("lacking", async ({ local, options }) => {
    const page = await freshPage();
    const errors = await page.evaluate(async ({ files, mapping, options, entries }) => {
      const set = eval(entries)(files);
      const caught = (run) => run.then(() => ({ code: "no error" }), (e) => ({ code: e.code, file: e.file, message: e.message }));
      return [await caught(window.sb.checkFiles(set, mapping)), await caught(window.sb.importFiles(set, mapping, options))];
    }, { files: encoded(months.root), mapping: ORDERS_MAPPING, options, entries: ENTRIES });
    await page.close();
    for (const e of errors) {
      assert.equal(e.code, "invalid_mapping");
      assert.equal(e.file, "orders-3.csv");
      assert.match(e.message, /^orders-3\.csv: .*created_at/);
    }
    assert.equal((await local.stats()).requests, 0);
  });
});
