// The write-key check in Chromium (Debian's, driven by playwright-core): a
// real browser fetch from the page's origin to a stand-in CDN on another
// origin (cdn.mjs), so CORS applies as it does with cdn.segment.com, which
// answers with `access-control-allow-origin: *`. A known key checks and
// sends; an unknown key stops before any batch; an answer without CORS
// headers is a key_check_failed that says CORS, never a pass.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";
import { root, CHROMIUM, packagePage, receivedById } from "./helpers.mjs";
import { staticServer, receiver } from "./serve.mjs";
import { standInCdn, US_KEY, EU_KEY, NO_CORS_KEY } from "./cdn.mjs";

const CLI = process.env.SEGMENT_BACKFILL_CLI ?? join(root, "target/release/segment-backfill");
const ROWS = 500;

let dir, site, recv, cdn, browser, page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-browser-key-"));
  site = await staticServer();
  cdn = await standInCdn();
  recv = await receiver(CLI, join(dir, "received.ndjson"), []);
  browser = await chromium.launchPersistentContext(join(dir, "chromium"), { ...CHROMIUM, headless: true });
  page = await packagePage(browser, site);
});

after(async () => {
  await browser?.close();
  recv?.stop();
  await cdn?.close();
  site?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** checkWriteKey in the page: its result, or the error's code and message. */
function checkInPage(key, options) {
  return page.evaluate(async ({ key, options }) => {
    try {
      return { result: await window.sb.checkWriteKey(key, options) };
    } catch (e) {
      return { code: e.code, message: e.message };
    }
  }, { key, options });
}

/** importFile of ROWS rows in the page: the report, or the error. */
function importInPage(options) {
  return page.evaluate(async ({ rows, options }) => {
    const lines = ["user_id,event,created_at"];
    for (let i = 1; i <= rows; i++) lines.push(`u${i},Order Completed,2024-03-01T10:00:00Z`);
    const file = new File([lines.join("\n") + "\n"], "orders.csv", { type: "text/csv" });
    const mapping = { type: "track", rules: [
      { from: "user_id", to: "userId" }, { from: "event", to: "event" }, { from: "created_at", to: "timestamp" },
    ] };
    try {
      return { report: await window.sb.importFile(file, mapping, options) };
    } catch (e) {
      return { code: e.code, message: e.message };
    }
  }, { rows: ROWS, options });
}

test("checkWriteKey in Chromium: the stand-in's destinations, across origins", async () => {
  assert.notEqual(new URL(site.url).port, new URL(cdn.base).port, "the CDN is another origin");
  const { result, message } = await checkInPage(US_KEY, { settingsUrl: cdn.base });
  assert.ok(result, message);
  assert.deepEqual(result.destinations, ["Amplitude", "Mixpanel", "Google Analytics 4 Web"]);
  assert.equal(result.region, "us");
  assert.equal(result.mayBeIncomplete, false);
  const eu = await checkInPage(EU_KEY, { endpoint: "https://api.segment.io/v1/batch", settingsUrl: cdn.base });
  assert.equal(eu.code, "wrong_region", eu.message);
});

test("importFile in Chromium: an unknown key stops before any batch; a known key delivers", async () => {
  const before = (await recv.stats()).requests;
  const unknown = await importInPage({ endpoint: recv.endpoint, writeKey: "typo-key", settingsUrl: cdn.base });
  assert.equal(unknown.code, "unknown_write_key", unknown.message);
  assert.equal((await recv.stats()).requests, before, "nothing reached the receiver");

  const known = await importInPage({ endpoint: recv.endpoint, writeKey: US_KEY, settingsUrl: cdn.base });
  assert.ok(known.report, known.message);
  assert.equal(known.report.delivered, ROWS);
  assert.equal(known.report.balanced, true);
  assert.equal(receivedById(join(dir, "received.ndjson")).size, ROWS);
});

test("an answer without CORS headers: key_check_failed naming CORS, nothing sent; keyCheck: false sends", async () => {
  const asked = cdn.requests.length;
  const check = await checkInPage(NO_CORS_KEY, { settingsUrl: cdn.base });
  assert.equal(check.code, "key_check_failed");
  assert.match(check.message, /CORS/);
  assert.equal(cdn.requests.length, asked + 1, "the browser asked; it refused the answer");

  const before = await recv.stats();
  const stopped = await importInPage({ endpoint: recv.endpoint, writeKey: NO_CORS_KEY, settingsUrl: cdn.base });
  assert.equal(stopped.code, "key_check_failed");
  assert.match(stopped.message, /CORS/);
  assert.match(stopped.message, /keyCheck: false/);
  assert.equal((await recv.stats()).requests, before.requests, "nothing sent");

  const anyway = await importInPage({ endpoint: recv.endpoint, writeKey: NO_CORS_KEY, settingsUrl: cdn.base, keyCheck: false });
  assert.ok(anyway.report, anyway.message);
  assert.equal(anyway.report.delivered, ROWS);
  assert.equal((await recv.stats()).messages, before.messages + ROWS);
});
