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
import { join } from "node:path";
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
