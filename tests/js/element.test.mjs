// <segment-backfill-import> in Chromium, on a plain page whose only script
// is the element's one tag (element-page.html), driven as a user drives it:
// a file picked into the shadow DOM's input, the mapping edited through its
// labelled controls, Check, Start, Pause, Cancel, Resume. What it shows is
// compared with the CLI (inspect's suggestion, check's counts, batches'
// messages) and with the events' details; the receiver must hold the CLI's
// messages. An object given as an attribute is reported until set as a
// property, and a mapping set again unchanged keeps the user's edits.
// Screenshots of each step go to test-output/screenshots/. The element in
// React, Vue and Svelte apps: element-frameworks.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";
import { root, CHROMIUM, cliMessages, receivedById, receivedInOrder, ordersCsv } from "./helpers.mjs";
import { staticServer, receiver } from "./serve.mjs";
import { standInCdn } from "./cdn.mjs";
import { shot, consoleOf, tiles, shownRules } from "./element-helpers.mjs";

const CLI = process.env.SEGMENT_BACKFILL_CLI ?? join(root, "target/release/segment-backfill");
const KEY = "element-write-key";
const ORDERS = join(root, "tests/fixtures/source/orders.csv");
const EVENTS = ["mapped", "checked", "progress", "done", "failed"];

let dir, site, browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-element-"));
  site = await staticServer();
  browser = await chromium.launchPersistentContext(join(dir, "chromium"), {
    ...CHROMIUM,
    headless: true,
    viewport: { width: 1000, height: 900 },
  });
});

after(async () => {
  await browser?.close();
  site?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The element's page with `attributes` set; every event it dispatches recorded at the document. */
async function elementPage(attributes = {}) {
  const page = await browser.newPage();
  const consoleErrors = consoleOf(page);
  await page.addInitScript((types) => {
    window.events = [];
    for (const type of types) {
      document.addEventListener(type, (e) => {
        window.events.push({ type, detail: structuredClone(e.detail), from: e.target.localName, bubbles: e.bubbles, composed: e.composed });
      });
    }
  }, EVENTS);
  await page.goto(`${site.url}/tests/js/element-page.html`);
  await page.waitForFunction(() => customElements.get("segment-backfill-import") !== undefined);
  await page.evaluate((attrs) => {
    const el = document.querySelector("segment-backfill-import");
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  }, attributes);
  return { page, consoleErrors, el: page.locator("segment-backfill-import") };
}

const eventsOf = (page, type) => page.evaluate((t) => window.events.filter((e) => e.type === t), type);

/** The `n`th event of `type` (1-based), once it came. */
async function nthEvent(page, type, n, timeout = 20_000) {
  await page.waitForFunction(([t, k]) => window.events.filter((e) => e.type === t).length >= k, [type, n], { timeout });
  return (await eventsOf(page, type))[n - 1];
}

/** `segment-backfill check --json` of `file` with the mapping at `mappingPath`. */
function cliCheck(file, mappingPath) {
  const run = spawnSync(CLI, ["check", file, "--mapping", mappingPath, "--json"], { encoding: "utf8" });
  assert.ok(run.stdout.trim(), `check printed nothing: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** The mapping `segment-backfill inspect` suggests for `file`. */
function cliSuggestion(file) {
  const path = join(dir, `suggested-${Date.now()}.json`);
  const run = spawnSync(CLI, ["inspect", file, "--write-mapping", path], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(readFileSync(path, "utf8"));
}

/** What the test's user adds to the suggestion for orders.csv: the identity and a fixed event. */
const editedOrders = (suggested) => ({
  ...suggested,
  rules: [...suggested.rules, { from: "customer_email", to: "userId" }, { value: "Order Completed", to: "event" }],
});

function writeJson(name, value) {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** The CLI check's counts as the element's tiles name them. */
const checkCounts = (c) => ({ rows: c.rows, valid: c.valid, rejected: c.rejected, warnings: c.withWarnings });

test("orders.csv end to end: the suggestion shown, edited by hand, checked as the CLI checks it, sent, reconciled", async () => {
  const suggested = cliSuggestion(ORDERS);
  const out = join(dir, "orders.ndjson");
  const local = await receiver(CLI, out, ["--write-key", KEY]);
  const { page, consoleErrors, el } = await elementPage({ endpoint: local.endpoint });
  try {
    // 1. Pick: the file into the shadow DOM's input.
    await el.locator("input[type=file]").setInputFiles(ORDERS);
    await page.getByLabel("Rule 1: from").waitFor();
    assert.ok(await page.getByText("orders.csv", { exact: true }).isVisible());
    assert.deepEqual(await shownRules(page), suggested.rules.map((r) => ({ from: r.from, to: r.to, as: r.as ?? "string" })),
      "the editor shows the CLI's suggestion");
    const firstMapped = await nthEvent(page, "mapped", 1);
    assert.deepEqual(firstMapped.detail, { mapping: suggested, problems: [] });
    // What the suggestion left out is said before any check.
    assert.ok(await page.getByText("No rule writes userId or anonymousId").isVisible());
    assert.ok(await page.getByText("No rule writes event,").isVisible());
    await shot(page, "1-picked");

    // 2. Check the suggestion as it is: every row rejected, the reasons and examples the CLI gives.
    await page.getByRole("button", { name: "Check every row" }).click();
    const firstCheck = (await nthEvent(page, "checked", 1)).detail;
    const cliFirst = cliCheck(ORDERS, writeJson("suggested.json", suggested));
    assert.deepEqual(checkCounts(firstCheck), checkCounts(cliFirst));
    assert.deepEqual(await tiles(page, "check"), checkCounts(cliFirst));
    for (const code of Object.keys(cliFirst.byCode)) {
      const tally = cliFirst.byCode[code];
      assert.ok(await page.getByText(`${code} — ${tally.rows} rows`).isVisible(), `${code} shown`);
      const e = tally.examples[0];
      assert.ok(await page.getByText(`Row ${e.row} · ${e.column}: ${e.message}`).first().isVisible(), `${code}'s first example shown`);
    }
    assert.ok(await page.getByText(`None of the ${cliFirst.rows} rows is valid: nothing to send.`).isVisible());
    assert.equal(await page.getByRole("button", { name: "Start" }).isDisabled(), true);
    await shot(page, "2-check-all-rejected");

    // 3. Edit as a user: a userId from customer_email, a fixed event.
    await page.getByRole("button", { name: "Add a rule" }).click();
    await page.getByLabel("Rule 4: from").selectOption("customer_email");
    await page.getByLabel("Rule 4: to (Segment field)").fill("userId");
    await page.getByLabel("Rule 4: to (Segment field)").press("Tab");
    await page.getByRole("button", { name: "Add a rule" }).click();
    await page.getByLabel("Rule 5: from").selectOption({ label: "A fixed value…" });
    await page.getByLabel("Rule 5: fixed value").fill("Order Completed");
    await page.getByLabel("Rule 5: to (Segment field)").fill("event");
    await page.getByLabel("Rule 5: to (Segment field)").press("Tab");
    const edited = editedOrders(suggested);
    const lastMapped = (await eventsOf(page, "mapped")).at(-1);
    assert.deepEqual(lastMapped.detail, { mapping: edited, problems: [] });
    assert.deepEqual(await page.evaluate(() => document.querySelector("segment-backfill-import").mapping), edited, "the mapping property reads it");
    assert.equal(await el.locator("[part~=mapping-notices] [part~=notice]").count(), 0, "nothing left out, nothing incomplete");
    assert.ok(await page.getByText("The mapping changed since this check").isVisible());
    assert.equal(await page.getByRole("button", { name: "Start" }).isDisabled(), true, "no send before the changed mapping is checked");
    await shot(page, "3-mapping-edited");

    // 4. Check again: the CLI's counts for the edited mapping.
    const editedPath = writeJson("edited.json", edited);
    await page.getByRole("button", { name: "Check again" }).click();
    const check = (await nthEvent(page, "checked", 2)).detail;
    const cli = cliCheck(ORDERS, editedPath);
    assert.deepEqual(checkCounts(check), checkCounts(cli));
    assert.deepEqual(await tiles(page, "check"), checkCounts(cli));
    assert.ok(cli.valid > 0);

    // 5. Send: the write key typed, Start.
    await page.getByLabel("Write key").fill(KEY);
    await shot(page, "4-checked");
    await page.getByRole("button", { name: "Start" }).click();
    const report = (await nthEvent(page, "done", 1)).detail;
    assert.equal(report.rows, cli.rows);
    assert.equal(report.delivered, cli.valid);
    assert.equal(report.rejected, cli.rejected);
    assert.equal(report.undelivered, 0);
    assert.equal(report.balanced, true);
    const progress = await eventsOf(page, "progress");
    assert.ok(progress.length >= 1, "progress dispatched");
    assert.equal(progress.at(-1).detail.rowsDone, report.rows);
    assert.deepEqual(await eventsOf(page, "failed"), []);
    for (const e of await page.evaluate(() => window.events)) {
      assert.deepEqual([e.from, e.bubbles, e.composed], ["segment-backfill-import", true, true], `${e.type} bubbles out of the element`);
    }

    // The receiver holds exactly the CLI's messages, each once.
    const expected = cliMessages(CLI, ORDERS, editedPath, KEY);
    const received = receivedInOrder(out);
    assert.equal(received.length, expected.length, "each message once");
    const byId = receivedById(out);
    for (const message of expected) assert.deepEqual(byId.get(message.messageId), message);

    // The reconciliation shown is the report's.
    assert.deepEqual(await tiles(page, "report"),
      { rows: report.rows, delivered: report.delivered, rejected: report.rejected, undelivered: report.undelivered });
    assert.ok(await page.getByText(
      `${report.rows} rows = ${report.delivered} delivered + ${report.rejected} rejected + ${report.undelivered} not delivered`).isVisible());
    assert.ok(await page.getByText("Done: every row is accounted for").isVisible());
    await shot(page, "5-done");

    // Themed through the custom properties alone.
    await page.evaluate(() => {
      document.body.style.background = "#020617";
      document.querySelector("segment-backfill-import").style.cssText = [
        "--sb-font: Georgia, 'DejaVu Serif', serif", "--sb-accent: #14b8a6", "--sb-accent-foreground: #042f2e",
        "--sb-background: #0f172a", "--sb-foreground: #e2e8f0", "--sb-muted: #94a3b8", "--sb-border: #334155",
        "--sb-radius: 14px", "--sb-ok: #4ade80", "--sb-error: #f87171", "--sb-warn: #fbbf24", "--sb-color-scheme: dark",
      ].join(";");
    });
    const start = await page.getByRole("button", { name: "Send again" }).evaluate((b) => getComputedStyle(b).backgroundColor);
    assert.equal(start, "rgb(20, 184, 166)", "--sb-accent colours the buttons");
    await shot(page, "6-themed");
    assert.deepEqual(consoleErrors, []);
  } finally {
    local.stop();
    await page.close();
  }
});

test("pause, cancel mid-send, then Resume from the checkpoint: every valid row delivered, once", async () => {
  const ROWS = 12_000;
  const csvPath = join(dir, "many.csv");
  writeFileSync(csvPath, ordersCsv(ROWS));
  const mappingPath = writeJson("many.mapping.json", cliSuggestion(csvPath));
  const out = join(dir, "many.ndjson");
  const local = await receiver(CLI, out, ["--delay-ms", "400"]);
  const { page, consoleErrors, el } = await elementPage({ endpoint: local.endpoint, "write-key": KEY });
  try {
    await page.evaluate(() => { document.querySelector("segment-backfill-import").importOptions = { concurrency: 1 }; });
    await el.locator("input[type=file]").setInputFiles(csvPath);
    await page.getByRole("button", { name: "Check every row" }).click();
    const check = (await nthEvent(page, "checked", 1)).detail;
    const cli = cliCheck(csvPath, mappingPath);
    assert.deepEqual(checkCounts(check), checkCounts(cli));
    assert.equal(cli.valid, ROWS - 1);
    assert.ok(await page.getByText("Write key: given by this page.").isVisible());

    await page.getByRole("button", { name: "Start" }).click();
    await page.waitForFunction(() => window.events.some((e) => e.type === "progress" && e.detail.delivered > 0));
    await page.getByRole("button", { name: "Pause" }).click();
    await page.waitForFunction(() => window.events.some((e) => e.type === "progress" && e.detail.paused));
    // The request out when paused finishes; then nothing starts.
    await new Promise((ok) => setTimeout(ok, 500));
    const atPause = (await local.stats()).requests;
    await new Promise((ok) => setTimeout(ok, 1000));
    assert.equal((await local.stats()).requests, atPause, "no request while paused");
    assert.equal(await page.getByRole("button", { name: "Resume", exact: true }).getAttribute("aria-pressed"), "true");
    await shot(page, "7-paused");
    const deliveredAtPause = (await eventsOf(page, "progress")).at(-1).detail.delivered;
    await page.getByRole("button", { name: "Resume", exact: true }).click();
    await page.waitForFunction((d) => window.events.some((e) => e.type === "progress" && !e.detail.paused && e.detail.delivered > d), deliveredAtPause);
    await page.getByRole("button", { name: "Cancel" }).click();

    const first = (await nthEvent(page, "done", 1)).detail;
    assert.equal(first.stopped?.kind, "cancelled");
    assert.equal(first.balanced, true);
    assert.ok(first.delivered > 0 && first.undelivered > 0, `${first.delivered} delivered, ${first.undelivered} not`);
    assert.ok(await page.getByText("Stopped: some rows were not delivered").isVisible());
    const [a, b] = first.undeliveredRows[0];
    const range = `Rows ${a.toLocaleString("en-US")}–${b.toLocaleString("en-US")}`;
    assert.ok(await page.getByText(range).isVisible(), `the undelivered range ${range} shown`);
    assert.deepEqual(await tiles(page, "report"),
      { rows: first.rows, delivered: first.delivered, rejected: first.rejected, undelivered: first.undelivered });
    await shot(page, "8-cancelled");

    await page.getByRole("button", { name: "Resume from where it stopped" }).click();
    const again = (await nthEvent(page, "done", 2)).detail;
    assert.equal(again.stopped, undefined);
    assert.equal(again.delivered, ROWS - 1);
    assert.equal(again.rejected, 1);
    assert.equal(again.undelivered, 0);
    assert.ok(again.previouslyDelivered >= first.delivered, "the resumed run skipped what the first delivered");
    assert.equal(again.balanced, true);
    assert.ok(await page.getByText(`delivered (${again.previouslyDelivered.toLocaleString("en-US")} by an earlier run)`).isVisible());
    await shot(page, "9-resumed");

    // Every valid row arrived, as the CLI makes it; a row in flight at the cancel may have come twice (same messageId).
    const expected = cliMessages(CLI, csvPath, mappingPath, KEY);
    const received = receivedById(out);
    assert.equal(received.size, ROWS - 1);
    for (const message of expected) assert.deepEqual(received.get(message.messageId), message);
    const stats = await local.stats();
    assert.equal(stats.uniqueMessageIds, ROWS - 1);
    if (process.env.DEBUG) console.log(`received ${receivedInOrder(out).length} messages, ${stats.uniqueMessageIds} unique`);
    assert.deepEqual(consoleErrors, []);
  } finally {
    local.stop();
    await page.close();
  }
});

test("a mapping set by the page, a write key the CDN does not know: failed with its code and message, nothing sent", async () => {
  const cdn = await standInCdn();
  const local = await receiver(CLI, null, []);
  const { page, consoleErrors, el } = await elementPage({ endpoint: local.endpoint, "settings-url": cdn.base });
  try {
    const preset = editedOrders(cliSuggestion(ORDERS));
    await page.evaluate((m) => { document.querySelector("segment-backfill-import").mapping = m; }, preset);
    await el.locator("input[type=file]").setInputFiles(ORDERS);
    await page.getByLabel("Rule 5: fixed value").waitFor();
    assert.ok(await page.getByText("The mapping this page set.").isVisible());
    assert.equal(await page.getByLabel("Rule 5: fixed value").inputValue(), "Order Completed");
    assert.deepEqual((await nthEvent(page, "mapped", 1)).detail.mapping, preset);

    // Remove the event rule: the gap is said; the notice's button adds it back, incomplete until given a value.
    await page.getByRole("button", { name: "Remove rule 5" }).click();
    assert.deepEqual((await eventsOf(page, "mapped")).at(-1).detail.mapping, { ...preset, rules: preset.rules.slice(0, 4) });
    assert.ok(await page.getByText("No rule writes event,").isVisible());
    await page.getByRole("button", { name: "Add an event rule" }).click();
    assert.equal(await page.getByLabel("Rule 5: to (Segment field)").inputValue(), "event");
    assert.deepEqual((await eventsOf(page, "mapped")).at(-1).detail.problems, ["Rule 5: choose a column or a fixed value."]);
    assert.equal(await page.getByRole("button", { name: "Check every row" }).isDisabled(), true, "no check of an incomplete rule");
    await page.getByLabel("Rule 5: from").selectOption({ label: "A fixed value…" });
    assert.deepEqual((await eventsOf(page, "mapped")).at(-1).detail.problems, ["Rule 5: type the fixed value."]);
    await page.getByLabel("Rule 5: fixed value").fill("Order Completed");
    await page.getByLabel("Rule 5: fixed value").press("Tab");
    assert.deepEqual((await eventsOf(page, "mapped")).at(-1).detail, { mapping: preset, problems: [] });

    await page.getByRole("button", { name: "Check every row" }).click();
    await nthEvent(page, "checked", 1);
    await page.getByLabel("Write key").fill("typo-key");
    await page.getByRole("button", { name: "Start" }).click();
    const failed = (await nthEvent(page, "failed", 1)).detail;
    assert.equal(failed.code, "unknown_write_key");
    assert.ok(await page.getByText(failed.message).isVisible(), "the package's message is shown");
    assert.equal(await el.locator("[part~=error]").getAttribute("data-code"), "unknown_write_key");
    assert.deepEqual(await eventsOf(page, "done"), []);
    assert.equal((await local.stats()).requests, 0, "nothing sent");
    assert.ok(cdn.requests.includes("/cdn/typo-key/settings"));
    await shot(page, "10-unknown-key");
    // The CDN's 404 is the browser's to log; nothing else may be.
    assert.deepEqual(consoleErrors.filter((e) => !e.url.startsWith(cdn.base)), []);
  } finally {
    local.stop();
    await cdn.close();
    await page.close();
  }
});

test("importOptions given as an attribute is reported until the page sets the property; the mapping set again unchanged keeps the user's edits", async () => {
  const { page, consoleErrors, el } = await elementPage({ endpoint: "http://127.0.0.1:9/v1/batch", "import-options": "[object Object]" });
  try {
    // What Vue's `:import-options` (or a framework that rendered before the element was defined) writes.
    const failed = (await nthEvent(page, "failed", 1)).detail;
    assert.equal(failed.code, "invalid_options");
    assert.match(failed.message, /^importOptions came as the attribute import-options="\[object Object\]"/);
    assert.ok(await el.locator("[part~=error][data-code=invalid_options]").isVisible());
    const preset = editedOrders(cliSuggestion(ORDERS));
    await page.evaluate((m) => { document.querySelector("segment-backfill-import").mapping = m; }, preset);
    await el.locator("input[type=file]").setInputFiles(ORDERS);
    await page.getByLabel("Rule 5: fixed value").waitFor();
    assert.equal(await page.getByRole("button", { name: "Check every row" }).isDisabled(), true, "no check without the page's options");
    assert.ok(await page.getByText("The page's mapping or options did not arrive").first().isVisible(), "said beside Check");
    await page.evaluate(() => { document.querySelector("segment-backfill-import").importOptions = { concurrency: 1 }; });
    assert.equal(await el.locator("[part~=error]").count(), 0, "the message is gone once the property is set");
    assert.equal(await page.getByRole("button", { name: "Check every row" }).isDisabled(), false);

    // The user removes a rule; the page sets an equal mapping again (a framework's re-render): the edit stays.
    await page.getByRole("button", { name: "Remove rule 5" }).click();
    const mapped = (await eventsOf(page, "mapped")).length;
    await page.evaluate((m) => { document.querySelector("segment-backfill-import").mapping = m; }, preset);
    assert.equal((await shownRules(page)).length, 4, "the user's edit kept");
    assert.equal((await eventsOf(page, "mapped")).length, mapped, "nothing changed, no mapped");
    // Another mapping replaces the editor's.
    const other = { ...preset, rules: [...preset.rules.slice(0, 4), { value: "Order Refunded", to: "event" }] };
    await page.evaluate((m) => { document.querySelector("segment-backfill-import").mapping = m; }, other);
    assert.equal(await page.getByLabel("Rule 5: fixed value").inputValue(), "Order Refunded");
    assert.deepEqual((await eventsOf(page, "mapped")).at(-1).detail.mapping, other);
    assert.deepEqual(consoleErrors, []);
  } finally {
    await page.close();
  }
});
