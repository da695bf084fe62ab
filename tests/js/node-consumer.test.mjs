// The package as an npm user gets it: `npm pack` of pkg/, installed from
// the tarball into a fresh Node ESM project (offline: the package has no
// dependencies), then a plain script with a bare `await init()` (the
// package's "node" export condition reads the wasm from disk) inspects a
// file and imports it to the local receiver.
import test from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, readdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { root, receivedById } from "./helpers.mjs";
import { receiver } from "./serve.mjs";

const CLI = process.env.SEGMENT_BACKFILL_CLI ?? join(root, "target/release/segment-backfill");

function npm(args, cwd) {
  const run = spawnSync("npm", [...args, "--no-audit", "--no-fund", "--offline"], { cwd, encoding: "utf8" });
  assert.equal(run.status, 0, `npm ${args.join(" ")}: ${run.stderr}`);
  return run.stdout;
}

const SCRIPT = `
import { openAsBlob } from "node:fs";
import init, { inspect, suggestMapping, importFile, isSegmentBackfillError } from "segment-backfill";
const loaded = await init();
const [file, endpoint] = process.argv.slice(2);
const blob = await openAsBlob(file);
const found = inspect(new Uint8Array(await blob.arrayBuffer()));
const mapping = suggestMapping(found.headers, found.rows, found.settings);
// orders.csv has no column the suggestion takes for an identity or an event.
mapping.rules.push({ from: "customer_email", to: "userId" }, { value: "Order Completed", to: "event" });
const report = await importFile(blob, mapping, { endpoint, writeKey: "consumer-key" });
let refused;
try { await importFile(new Uint8Array(4), mapping, { endpoint, writeKey: "k" }); }
catch (e) { refused = isSegmentBackfillError(e) && e.code; }
console.log(JSON.stringify({ version: loaded.version, delimiter: found.settings.delimiter, report, refused }));
`;

/**
 * The package's own JS files and what they import or fetch by a relative
 * path (`from "./x.js"`, `new URL("./x", import.meta.url)`), each with
 * whether it is there.
 */
function entryFiles(dir) {
  const found = {};
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    let text;
    try {
      text = readFileSync(join(dir, name), "utf8");
    } catch {
      found[name] = false;
      return;
    }
    found[name] = true;
    if (!name.endsWith(".js")) return;
    const refs = [...text.matchAll(/(?:from\s+|import\(\s*)["'](\.\/[^"']+)["']|new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url/g)];
    for (const m of refs) visit(join(dirname(name), m[1] ?? m[2]).replace(/^\.\//, ""));
  };
  for (const name of JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).files) {
    if (!name.endsWith("/")) visit(name);
  }
  return found;
}

test("a Node ESM project installs the packed tarball; a bare await init() loads it; a file goes to the receiver", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-consumer-"));
  const out = join(dir, "received.ndjson");
  const local = await receiver(CLI, out, ["--write-key", "consumer-key"]);
  try {
    npm(["pack", join(root, "pkg"), "--pack-destination", dir], dir);
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    assert.ok(tarball, "npm pack made no tarball");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    npm(["install", `./${tarball}`], dir);
    const installed = JSON.parse(readFileSync(join(dir, "node_modules/segment-backfill/package.json"), "utf8"));
    assert.equal(installed.license, "MIT");
    readFileSync(join(dir, "node_modules/segment-backfill/LICENSE"));
    // Every file the entry imports or fetches is in the tarball, and the
    // README speaks to npm users (install, bundlers, CSP), not of our Makefile.
    for (const [path, imported] of Object.entries(entryFiles(join(dir, "node_modules/segment-backfill")))) {
      assert.ok(imported, `${path} is referenced but not in the tarball`);
    }
    const readme = readFileSync(join(dir, "node_modules/segment-backfill/README.md"), "utf8");
    assert.match(readme, /npm install segment-backfill/);
    assert.match(readme, /wasm-unsafe-eval/);
    assert.doesNotMatch(readme, /\bmake (pkg|test)/);
    readFileSync(join(dir, "node_modules/segment-backfill/API.md"));
    writeFileSync(join(dir, "main.mjs"), SCRIPT);
    const run = spawnSync(process.execPath, ["main.mjs", join(root, "tests/fixtures/source/orders.csv"), local.endpoint],
      { cwd: dir, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const { version, delimiter, report, refused } = JSON.parse(run.stdout);
    assert.equal(version, installed.version);
    assert.equal(delimiter, ",");
    assert.equal(report.balanced, true);
    assert.ok(report.delivered > 0);
    assert.equal(report.delivered, receivedById(out).size);
    assert.equal(refused, "invalid_options");
  } finally {
    local.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
