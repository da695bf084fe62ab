// Shared by the JS tests: the repo root and the package, loaded the Node way
// (the package's Node entry, whose initSync reads the wasm from disk).
import { readFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export async function loadPkg() {
  const pkg = await import(pathToFileURL(join(root, "pkg/node.js")).href);
  pkg.initSync();
  return pkg;
}

/**
 * How the tests and the benchmark start Debian's Chromium (CHROMIUM overrides
 * the path): headless as root, and without background networking, which this
 * machine's closed network refuses.
 */
export const CHROMIUM = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
};

/**
 * A page of the static server `site` with the package loaded (`window.sb`),
 * in `browser` (a Playwright context); its console shown under DEBUG.
 */
export async function packagePage(browser, site) {
  const page = await browser.newPage();
  page.on("console", (m) => process.env.DEBUG && console.log("page:", m.text()));
  await page.goto(`${site.url}/tests/js/page.html`);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

/**
 * The messages the CLI's `batches` makes of `file` (a file or a folder)
 * with `mapping` (a path, or null for messages) for the source of
 * `writeKey`, in order: what a send must deliver.
 */
export function cliMessages(cli, file, mapping, writeKey, extra = []) {
  const out = mkdtempSync(join(tmpdir(), "sb-batches-"));
  try {
    const mappingArgs = mapping ? ["--mapping", mapping] : [];
    const args = ["batches", file, ...mappingArgs, "--out", out, "--write-key", writeKey, ...extra];
    const run = spawnSync(cli, args, { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`batches ${file}: ${run.stderr || run.stdout}`);
    return readdirSync(out).filter((n) => n.endsWith(".json")).sort()
      .flatMap((n) => JSON.parse(readFileSync(join(out, n), "utf8")).batch);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The messages a receiver wrote (its `--out` NDJSON), in the order received. */
export function receivedInOrder(path) {
  return readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

/** The messages a receiver wrote (its `--out` NDJSON), by messageId. */
export function receivedById(path) {
  const lines = readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "");
  return new Map(lines.map((l) => { const m = JSON.parse(l); return [m.messageId, m]; }));
}

/** The table fixtures (`make fixtures-tables`). */
export const tableFixture = (name) => join(root, "target/fixtures/tables", name);
export const tableMapping = (name) => join(root, "tests/tables", name);

/** The mapping of `ordersCsv`: user_id, event and created_at to a track. */
export const ORDERS_MAPPING = {
  type: "track",
  rules: [
    { from: "user_id", to: "userId" },
    { from: "event", to: "event" },
    { from: "created_at", to: "timestamp" },
  ],
};

/** A CSV of `rows` orders (user_id, event, created_at); row 7 has no user id (rejected: missing_identity). */
export function ordersCsv(rows) {
  const lines = ["user_id,event,created_at"];
  for (let i = 1; i <= rows; i++) {
    const second = String(i % 60).padStart(2, "0");
    lines.push(`${i === 7 ? "" : `u${i}`},Order Completed,2024-03-01T10:00:${second}Z`);
  }
  return lines.join("\n") + "\n";
}
