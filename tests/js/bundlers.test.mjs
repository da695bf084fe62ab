// The package in apps built by the bundlers npm users build with: Vite,
// webpack and esbuild (the repo's devDependencies, run by their JS APIs).
// For each, a fresh project installs the `npm pack`ed tarball (offline), gets
// the one consumer app (tests/js/bundlers/app/) and the bundler's config as
// a user writes it (tests/js/bundlers/<bundler>.config.js), and is built.
// The output is served and opened in Chromium; a file picked in the app's
// file input is imported to the local receiver on the page (init(), then
// importFile) and in the package's worker (importFileInWorker, no init() on
// the page): a generated CSV of 4,000 rows (one invalid), and a workbook
// (orders.xlsx of `make fixtures-tables`: the tables module, loaded by URL).
// Each time the receiver holds the CLI's messages, each once, the page logged
// no error and no request failed, and each wasm was fetched once (the
// tables module's only for the workbook). The output holds each wasm once,
// for the page and the worker alike. The same app also runs, unchanged, on
// Vite's dev server and with no bundler at all (the installed package
// served as it is, named by an import map: tests/js/bundlers/importmap.json).
// These are the recipes of docs/bundlers.md. Screenshots after each import:
// test-output/screenshots/bundlers-<how>-<file>-<where>.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { build as viteBuild, createServer as viteServer } from "vite";
import webpack from "webpack";
import * as esbuild from "esbuild";
import { root, CHROMIUM, cliMessages, receivedInOrder, tableFixture, tableMapping, ORDERS_MAPPING as MAPPING, ordersCsv } from "./helpers.mjs";
import { staticServer, receiver } from "./serve.mjs";

const CLI = process.env.SEGMENT_BACKFILL_CLI ?? join(root, "target/release/segment-backfill");
const APP = join(root, "tests/js/bundlers");
const SHOTS = join(root, "test-output/screenshots");
const KEY = "bundlers-write-key";
const ROWS = 4000;

function npm(args, cwd) {
  const run = spawnSync("npm", [...args, "--no-audit", "--no-fund", "--offline"], { cwd, encoding: "utf8" });
  assert.equal(run.status, 0, `npm ${args.join(" ")}: ${run.stderr}`);
}

/** The rows the CLI's `check` counts in `file` with `mapping` (a path). */
function cliRows(file, mapping) {
  const run = spawnSync(CLI, ["check", file, "--mapping", mapping, "--json"], { encoding: "utf8" });
  assert.equal(run.status, 0, `check ${file}: ${run.stderr}`);
  return JSON.parse(run.stdout).rows;
}

/** A Vite logger that keeps the warnings and errors (as text) in `into`. */
function viteLogger(into) {
  return {
    info() {}, warn: (m) => into.push(m), warnOnce: (m) => into.push(m), error: (m) => into.push(`error: ${m}`),
    clearScreen() {}, hasErrorLogged: () => false, hasWarned: false,
  };
}

/**
 * Each bundler's build of a project: its config file (the project's own
 * copy, imported as the bundler's CLI would) with what the CLI takes from
 * the working directory (the project), to dist/. Resolves with the build's
 * warnings as text; fails on an error.
 */
const BUILDS = {
  async vite(project) {
    const warnings = [];
    await viteBuild({ root: project, configFile: join(project, "vite.config.js"), customLogger: viteLogger(warnings), logLevel: "warn" });
    return warnings;
  },
  async webpack(project) {
    const { default: config } = await import(pathToFileURL(join(project, "webpack.config.js")).href);
    const stats = await new Promise((ok, fail) =>
      webpack({ ...config, context: project, output: { path: join(project, "dist"), ...config.output } },
        (error, result) => (error ? fail(error) : ok(result))));
    const { errors, warnings } = stats.toJson({ all: false, errors: true, warnings: true });
    assert.deepEqual(errors.map((e) => e.message), [], "webpack's errors");
    return warnings.map((w) => `${w.moduleName ?? ""} ${w.message.split("\n")[0]}`.trim());
  },
  async esbuild(project) {
    const { default: options } = await import(pathToFileURL(join(project, "esbuild.config.js")).href);
    const result = await esbuild.build({ ...options, absWorkingDir: project, logLevel: "silent" });
    assert.deepEqual(result.errors, [], "esbuild's errors");
    return result.warnings.map((w) => w.text);
  },
};

/** The files under `dir`, by path relative to it, with their bytes. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
}

let dir, tarball, browser;
/** The files each app imports: name, path, mapping, rows, the CLI's messages, whether it is a table. */
const INPUTS = [];
/** What the builds made, for the summary at the end. */
const sizes = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-bundlers-"));
  npm(["pack", join(root, "pkg"), "--pack-destination", dir], dir);
  tarball = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz")));
  const csvPath = join(dir, "orders.csv");
  writeFileSync(csvPath, ordersCsv(ROWS));
  const mappingPath = join(dir, "orders.mapping.json");
  writeFileSync(mappingPath, JSON.stringify(MAPPING));
  INPUTS.push({ name: "orders.csv", path: csvPath, mapping: MAPPING, rows: ROWS, table: false,
    expected: cliMessages(CLI, csvPath, mappingPath, KEY) });
  assert.equal(INPUTS[0].expected.length, ROWS - 1);
  const xlsx = tableFixture("orders.xlsx");
  const xlsxMapping = tableMapping("orders.mapping.json");
  INPUTS.push({ name: "orders.xlsx", path: xlsx, mapping: JSON.parse(readFileSync(xlsxMapping, "utf8")),
    rows: cliRows(xlsx, xlsxMapping), table: true, expected: cliMessages(CLI, xlsx, xlsxMapping, KEY) });
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launchPersistentContext(join(dir, "chromium"), { ...CHROMIUM, headless: true });
});

after(async () => {
  await browser?.close();
  if (sizes.length) console.log(sizes.join("\n"));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What a user writes for each way to build (or not build) the app. */
const CONFIGS = {
  vite: "vite.config.js", webpack: "webpack.config.js", esbuild: "esbuild.config.js", plain: "importmap.json",
};

/** A project `name` for `bundler`: the packed package installed, the app and the config copied in. */
function project(name, bundler = name) {
  const at = join(dir, name);
  mkdirSync(at);
  writeFileSync(join(at, "package.json"), JSON.stringify({ name: `consumer-${name}`, private: true, type: "module" }));
  npm(["install", tarball], at);
  cpSync(join(APP, "app"), at, { recursive: true });
  cpSync(join(APP, CONFIGS[bundler]), join(at, CONFIGS[bundler]));
  return at;
}

/**
 * Opens the app at `url` for `endpoint` and `mapping`, picks `file` in its
 * file input and presses `button`; the app's result once it shows, the
 * page's problems (console errors, page errors, failed requests) and the
 * paths it (or its worker) requested.
 */
async function importThroughApp(url, { endpoint, mapping, file, button, shot }) {
  const page = await browser.newPage();
  const problems = [];
  const requested = [];
  page.on("console", (m) => {
    if (process.env.DEBUG) console.log("page:", m.text());
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  try {
    const query = new URLSearchParams({ endpoint, writeKey: KEY, mapping: JSON.stringify(mapping) });
    await page.goto(`${url}/?${query}`);
    await page.waitForFunction(() => window.consumer !== undefined);
    const loadedBefore = await page.evaluate(() => window.consumer.pageLoaded());
    await page.setInputFiles("#file", file);
    await page.click(button);
    await page.waitForSelector('output[data-state="done"], output[data-state="failed"]', { timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, `${shot}.png`) });
    const shown = await page.textContent("output");
    const last = await page.evaluate(() => window.consumer.last);
    const loadedAfter = await page.evaluate(() => window.consumer.pageLoaded());
    return { last, shown, loadedBefore, loadedAfter, problems, requested };
  } finally {
    await page.close();
  }
}

/**
 * Each input imported through the app at `url`, on the page and in the
 * worker, as subtests of `t`. `wasm` and `tablesWasm` are the paths the
 * app fetches the package's two wasm files from.
 */
async function importEach(t, url, label, { wasm, tablesWasm }) {
  for (const input of INPUTS) {
    for (const [where, button] of [["page", "#on-page"], ["worker", "#in-worker"]]) {
      await t.test(`${input.name} in the ${where}`, async () => {
        const out = join(dir, `${label}-${input.name}-${where}.ndjson`);
        const local = await receiver(CLI, out, ["--write-key", KEY]);
        try {
          const run = await importThroughApp(url, {
            endpoint: local.endpoint, mapping: input.mapping, file: input.path, button,
            shot: `bundlers-${label}-${input.name.replace(".", "-")}-${where}`,
          });
          if (process.env.DEBUG) console.log(run.shown, run.problems, run.requested);
          assert.deepEqual(run.problems, [], "no console error, page error or failed request");
          assert.equal(run.last?.error, undefined, JSON.stringify(run.last?.error));
          const { report } = run.last;
          assert.equal(report.rows, input.rows);
          assert.equal(report.delivered, input.expected.length);
          assert.equal(report.rejected, input.rows - input.expected.length);
          assert.equal(report.undelivered, 0);
          assert.equal(report.balanced, true);
          assert.ok(run.shown.startsWith(`${input.name} ${where === "page" ? "on the page" : "in a worker"}: ` +
            `${input.expected.length} of ${input.rows} rows delivered, ${report.rejected} rejected, 0 undelivered`), run.shown);
          const received = receivedInOrder(out);
          assert.equal(received.length, input.expected.length, "each message received once");
          const byId = new Map(received.map((m) => [m.messageId, m]));
          assert.equal(byId.size, input.expected.length, "no message received twice");
          for (const message of input.expected) assert.deepEqual(byId.get(message.messageId), message);
          const fetches = (path) => run.requested.filter((p) => p === path).length;
          assert.equal(fetches(wasm), 1, `the wasm fetched once: ${run.requested.join(", ")}`);
          assert.equal(fetches(tablesWasm), input.table ? 1 : 0,
            `the tables module's wasm fetched ${input.table ? "once" : "only for a workbook"}: ${run.requested.join(", ")}`);
          assert.equal(run.loadedBefore, false, "nothing loaded the wasm on the page before the import");
          if (where === "worker") assert.equal(run.loadedAfter, false, "the import ran in the worker: the page never loaded the wasm");
          else assert.equal(run.loadedAfter, true, "the page loaded the wasm");
        } finally {
          local.stop();
        }
      });
    }
  }
}

for (const bundler of Object.keys(BUILDS)) {
  test(`${bundler}: the app built with the packed package imports a CSV and a workbook on the page and in the worker`, async (t) => {
    const at = project(bundler);
    const started = Date.now();
    const warnings = await BUILDS[bundler](at);
    const buildMs = Date.now() - started;
    if (process.env.DEBUG) console.log(`${bundler} warnings:\n  ${warnings.join("\n  ")}`);
    // The package needs no configuration: the only warning left is webpack's
    // hint that the wasm files are over its 244 KiB asset size.
    assert.deepEqual(warnings.filter((w) => !/exceed the recommended size limit/.test(w)), [],
      `${bundler}'s warnings`);
    const dist = join(at, "dist");
    // webpack and esbuild make the scripts; the page is the user's, copied.
    if (bundler !== "vite") cpSync(join(at, "index.html"), join(dist, "index.html"));

    const output = filesUnder(dist);
    const installed = join(at, "node_modules/segment-backfill");
    const [wasm, tablesWasm] = ["segment_backfill_bg.wasm", "tables_bg.wasm"].map((name) => {
      const bytes = readFileSync(join(installed, name));
      const copies = output.filter((f) => f.bytes.equals(bytes));
      assert.equal(copies.length, 1, `one ${name} for the page and the worker: ${copies.map((f) => f.name)}`);
      return `/${copies[0].name}`;
    });
    for (const script of output.filter((f) => f.name.endsWith(".js"))) {
      assert.ok(script.bytes.length < 100_000, `${script.name} (${script.bytes.length} bytes) holds no inlined wasm`);
    }
    sizes.push(`${bundler} (built in ${buildMs} ms; ${warnings.length} warnings): ` +
      output.map((f) => `${f.name} ${f.bytes.length}` + (f.name.endsWith(".js") ? ` (${gzipSync(f.bytes).length} gzip)` : ""))
        .join(", "));

    const site = await staticServer([""], { dir: dist });
    try {
      await importEach(t, site.url, bundler, { wasm, tablesWasm });
    } finally {
      site.close();
    }
  });
}

test("vite's dev server: the same app and config, the package served from node_modules", async (t) => {
  const at = project("vite-dev", "vite");
  const warnings = [];
  const server = await viteServer({
    root: at, configFile: join(at, "vite.config.js"), customLogger: viteLogger(warnings), logLevel: "warn",
    server: { host: "127.0.0.1", port: 0, strictPort: false },
  });
  try {
    await server.listen();
    const url = server.resolvedUrls.local[0].replace(/\/$/, "");
    const served = "/node_modules/segment-backfill";
    await importEach(t, url, "vite-dev", { wasm: `${served}/segment_backfill_bg.wasm`, tablesWasm: `${served}/tables_bg.wasm` });
    assert.deepEqual(warnings, [], "the dev server's warnings");
  } finally {
    await server.close();
  }
});

test("no bundler: the installed package served as it is, named in the page's import map", async (t) => {
  const at = project("plain");
  // The import map as a user puts it in the page, before the app's script.
  const map = readFileSync(join(at, "importmap.json"), "utf8");
  const page = readFileSync(join(at, "index.html"), "utf8");
  assert.ok(page.includes('<script type="module"'));
  writeFileSync(join(at, "index.html"),
    page.replace('<script type="module"', `<script type="importmap">\n${map}</script>\n<script type="module"`));
  const site = await staticServer([""], { dir: at });
  try {
    const served = "/node_modules/segment-backfill";
    await importEach(t, site.url, "plain", { wasm: `${served}/segment_backfill_bg.wasm`, tablesWasm: `${served}/tables_bg.wasm` });
  } finally {
    site.close();
  }
});
