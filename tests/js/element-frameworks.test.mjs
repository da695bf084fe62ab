// <segment-backfill-import> in React 19, Vue 3 and Svelte 5 apps, in
// Chromium. Each app (tests/js/frameworks/<name>/) is the component
// docs/element.md shows (the test checks the docs hold these very files),
// built for the browser by tests/js/frameworks/build.mjs (esbuild; the
// .svelte file through svelte/compiler, the .vue file through
// vue/compiler-sfc with isCustomElement), on one page whose import map names
// the package's element (/pkg/element.js).
//
// For each framework: the component gives the element the endpoint and the
// write key as attributes and the preset mapping and importOptions as
// objects, which must arrive as properties (not "[object Object]"
// attributes); a generated CSV of 50 orders (row 7 without a customer) is
// picked; the component's own `mapped` handler gets the preset and the
// element's editor shows it (not the suggestion); Check, then Start, found
// by their accessible names; the component's own `done` handler renders the
// report ("49 of 50 rows delivered, 1 rejected, 0 not delivered.") and the
// local receiver holds exactly the CLI's 49 messages, each once. No console
// error or warning (the builds are development builds: the frameworks warn
// there). Then, the same apps with the element's script loaded after the
// first render: Svelte 5 sets the objects as properties of the tag not yet
// defined, which the element takes up when defined (and sends with them);
// React 19 and Vue 3 write them as "[object Object]" attributes, which the
// element reports as `failed` (invalid_mapping, invalid_options) and shows,
// and it checks nothing until the page sets the properties. Screenshots:
// test-output/screenshots/element-<framework>[-late].png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";
import { root, CHROMIUM, cliMessages, receivedById, receivedInOrder } from "./helpers.mjs";
import { staticServer, receiver } from "./serve.mjs";
import { shot, consoleOf, tiles, shownRules } from "./element-helpers.mjs";
import { buildApps } from "./frameworks/build.mjs";
import { PRESET } from "./frameworks/preset.mjs";

const CLI = process.env.SEGMENT_BACKFILL_CLI ?? join(root, "target/release/segment-backfill");
const APPS = join(root, "tests/js/frameworks");
const KEY = "frameworks-write-key";
const ROWS = 50;
const FRAMEWORKS = { react: "React 19", vue: "Vue 3", svelte: "Svelte 5" };
/** Each app's component, as docs/element.md shows it under "In frameworks" (the fence's language). */
const COMPONENTS = { react: ["react/Import.jsx", "jsx"], vue: ["vue/Import.vue", "vue"], svelte: ["svelte/Import.svelte", "svelte"] };

/** A CSV of `rows` orders (customer, total, placed_at); row 7 has no customer, so no user id: rejected. */
function ordersCsv(rows) {
  const lines = ["customer,total,placed_at"];
  for (let i = 1; i <= rows; i++) {
    lines.push(`${i === 7 ? "" : `c${i}`},${(i * 1.25).toFixed(2)},2024-03-01T10:${String(i % 60).padStart(2, "0")}:00Z`);
  }
  return lines.join("\n") + "\n";
}

/** The preset's rules as the element's editor shows them (shownRules). */
const presetShown = PRESET.rules.map((r) => ({ ...("value" in r ? { value: r.value } : { from: r.from }), to: r.to, as: r.as ?? "string" }));

let dir, site, browser, csvPath, expected;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-element-frameworks-"));
  // The site: the built apps and their page, with the package beside them (same origin, for its worker).
  const siteDir = join(dir, "site");
  mkdirSync(siteDir);
  symlinkSync(join(root, "pkg"), join(siteDir, "pkg"));
  copyFileSync(join(APPS, "index.html"), join(siteDir, "index.html"));
  const warnings = [...await buildApps(siteDir), ...await buildApps(join(siteDir, "late"), { late: true })];
  assert.deepEqual(warnings, [], "the builds' warnings");
  site = await staticServer([""], { dir: siteDir });

  csvPath = join(dir, "orders.csv");
  writeFileSync(csvPath, ordersCsv(ROWS));
  const presetPath = join(dir, "preset.json");
  writeFileSync(presetPath, JSON.stringify(PRESET));
  expected = cliMessages(CLI, csvPath, presetPath, KEY);
  assert.equal(expected.length, ROWS - 1);
  // The preset is not what the element would suggest, so showing it proves it arrived.
  const suggestionPath = join(dir, "suggested.json");
  const inspect = spawnSync(CLI, ["inspect", csvPath, "--write-mapping", suggestionPath], { encoding: "utf8" });
  assert.equal(inspect.status, 0, inspect.stderr);
  assert.notDeepEqual(JSON.parse(readFileSync(suggestionPath, "utf8")).rules, PRESET.rules);

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

/** `app` (react, vue, svelte, or late/<name>) on the page, sending to `endpoint`; its console's errors and warnings gathered. */
async function appPage(app, endpoint) {
  const page = await browser.newPage();
  const problems = consoleOf(page, ["error", "warning"]);
  // Every `failed` the element dispatches, seen at the document (the app's own handler keeps only the last).
  await page.addInitScript(() => {
    window.failed = [];
    document.addEventListener("failed", (e) => window.failed.push(e.detail));
  });
  const query = new URLSearchParams({ app, endpoint, key: KEY });
  await page.goto(`${site.url}/?${query}`);
  const el = page.locator("segment-backfill-import");
  await el.waitFor({ state: "attached" });
  return { page, problems, el };
}

/** What the framework gave the tag: its attributes, and its mapping and importOptions as the element reads them. */
const given = (el) => el.evaluate((e) => ({
  defined: customElements.get("segment-backfill-import") !== undefined,
  attributes: Object.fromEntries(e.getAttributeNames().map((n) => [n, e.getAttribute(n)])),
  ownProperties: ["mapping", "importOptions"].filter((p) => Object.hasOwn(e, p)),
  mapping: e.mapping,
  importOptions: e.importOptions,
}));

/** The app's own paragraph with `text` (outside the element), once rendered. */
const appText = (page, text) => page.locator("#app > p", { hasText: text });

/** Picks the CSV, checks it, starts the send; resolves once the app rendered the report its `done` handler got. */
async function pickCheckSend(page, el) {
  await el.locator("input[type=file]").setInputFiles(csvPath);
  // The app's `mapped` handler got the preset (rendered from its state), and the editor shows it.
  const mapped = page.locator("#app > pre");
  await mapped.waitFor();
  assert.deepEqual(JSON.parse(await mapped.textContent()), PRESET, "the app's mapped handler got the preset");
  assert.deepEqual(await shownRules(page), presetShown, "the editor shows the preset");

  await page.getByRole("button", { name: "Check every row" }).click();
  await page.getByText(`Checked ${ROWS} rows in`).waitFor();
  assert.deepEqual(await tiles(page, "check"), { rows: ROWS, valid: ROWS - 1, rejected: 1, warnings: 0 });
  assert.ok(await page.getByText("Write key: given by this page.").isVisible());
  await page.getByRole("button", { name: "Start" }).click();
  await appText(page, `${ROWS - 1} of ${ROWS} rows delivered, 1 rejected, 0 not delivered.`).waitFor({ timeout: 20_000 });
}

/** The receiver's messages are exactly the CLI's for the preset, each once. */
async function assertReceived(out, local) {
  const received = receivedInOrder(out);
  assert.equal(received.length, ROWS - 1, "each message once");
  const byId = receivedById(out);
  for (const message of expected) assert.deepEqual(byId.get(message.messageId), message);
  assert.equal((await local.stats()).uniqueMessageIds, ROWS - 1);
}

test("docs/element.md shows the components this test runs, as they are", () => {
  const docs = readFileSync(join(root, "docs/element.md"), "utf8");
  const frameworks = docs.slice(docs.indexOf("## In frameworks"), docs.indexOf("\n## ", docs.indexOf("## In frameworks") + 1));
  for (const [file, fence] of Object.values(COMPONENTS)) {
    const blocks = [...frameworks.matchAll(new RegExp("```" + fence + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
    assert.deepEqual(blocks, [readFileSync(join(APPS, file), "utf8")], `the ${fence} block is ${file}`);
  }
});

for (const [app, name] of Object.entries(FRAMEWORKS)) {
  test(`${name}: the preset mapping and importOptions arrive as properties; the component's handlers get mapped and done; 49 of 50 rows delivered`, async () => {
    const out = join(dir, `${app}.ndjson`);
    const local = await receiver(CLI, out, ["--write-key", KEY]);
    const { page, problems, el } = await appPage(app, local.endpoint);
    try {
      assert.deepEqual(await given(el), {
        defined: true,
        attributes: { endpoint: local.endpoint, "write-key": KEY },
        ownProperties: [],
        mapping: PRESET,
        importOptions: { concurrency: 2 },
      });
      await pickCheckSend(page, el);
      await assertReceived(out, local);
      // The element's own reconciliation says the same as the app's line.
      assert.deepEqual(await tiles(page, "report"), { rows: ROWS, delivered: ROWS - 1, rejected: 1, undelivered: 0 });
      assert.ok(await page.getByText("Done: every row is accounted for").isVisible());
      assert.deepEqual(await page.evaluate(() => window.failed), []);
      await shot(page, app);
      assert.deepEqual(problems, []);
    } finally {
      local.stop();
      await page.close();
    }
  });
}

test("Svelte 5, element.js loaded after the first render: the properties Svelte set on the undefined tag are taken up, and the send uses the preset", async () => {
  const out = join(dir, "svelte-late.ndjson");
  const local = await receiver(CLI, out, ["--write-key", KEY]);
  const { page, problems, el } = await appPage("late/svelte", local.endpoint);
  try {
    // Not defined yet: Svelte set the objects as the tag's own properties, the strings as attributes.
    const before = await given(el);
    assert.equal(before.defined, false);
    assert.deepEqual(before.ownProperties, ["mapping", "importOptions"]);
    assert.deepEqual(before.attributes, { endpoint: local.endpoint, "write-key": KEY });

    await page.addScriptTag({ type: "module", url: "/pkg/element.js" });
    await page.waitForFunction(() => customElements.get("segment-backfill-import") !== undefined);
    assert.deepEqual(await given(el), {
      defined: true,
      attributes: { endpoint: local.endpoint, "write-key": KEY },
      ownProperties: [],
      mapping: PRESET,
      importOptions: { concurrency: 2 },
    });
    await pickCheckSend(page, el);
    await assertReceived(out, local);
    assert.deepEqual(await page.evaluate(() => window.failed), []);
    await shot(page, "svelte-late");
    assert.deepEqual(problems, []);
  } finally {
    local.stop();
    await page.close();
  }
});

for (const app of ["react", "vue"]) {
  test(`${FRAMEWORKS[app]}, element.js loaded after the first render: the objects came as "[object Object]" attributes; failed says so, and nothing is checked`, async () => {
    const local = await receiver(CLI, null, []);
    const { page, problems, el } = await appPage(`late/${app}`, local.endpoint);
    try {
      // Not defined yet: the framework wrote every prop as an attribute (an HTML attribute's name is lower case).
      const before = await given(el);
      assert.equal(before.defined, false);
      assert.deepEqual(before.ownProperties, []);
      assert.deepEqual(before.attributes,
        { endpoint: local.endpoint, "write-key": KEY, mapping: "[object Object]", importoptions: "[object Object]" });

      await page.addScriptTag({ type: "module", url: "/pkg/element.js" });
      await page.waitForFunction(() => window.failed.length === 2);
      const failed = await page.evaluate(() => window.failed);
      assert.deepEqual(failed.map((f) => f.code), ["invalid_mapping", "invalid_options"]);
      for (const f of failed) assert.match(f.message, /import segment-backfill\/element\.js before the first render/);
      // The app's own `failed` handler rendered the last.
      await appText(page, `(${failed[1].code})`).waitFor();
      // The element shows the mapping's (the app's re-render may have set importOptions since, as a property).
      const shown = el.locator("[part~=error][data-code=invalid_mapping]");
      assert.ok(await shown.isVisible());
      assert.match(await shown.textContent(), /mapping="\[object Object\]"/);
      assert.equal(await el.evaluate((e) => e.mapping), null, "no mapping arrived");

      // A file picked: the suggestion is shown, but nothing is checked until the page sets the mapping.
      await el.locator("input[type=file]").setInputFiles(csvPath);
      await page.getByLabel("Rule 1: from").waitFor();
      assert.notDeepEqual(await shownRules(page), presetShown);
      assert.equal(await page.getByRole("button", { name: "Check every row" }).isDisabled(), true);
      assert.ok(await page.getByText("The page's mapping or options did not arrive").first().isVisible());
      await shot(page, `${app}-late`);

      // The page sets them as properties: the check can run.
      await el.evaluate((e, preset) => {
        e.mapping = preset;
        e.importOptions = { concurrency: 2 };
      }, PRESET);
      await page.getByRole("button", { name: "Check every row" }).click();
      await page.getByText(`Checked ${ROWS} rows in`).waitFor();
      assert.equal(await shown.count(), 0, "the message is gone once the mapping arrived");
      assert.equal((await local.stats()).requests, 0, "nothing sent");
      assert.deepEqual(problems, []);
    } finally {
      local.stop();
      await page.close();
    }
  });
}
