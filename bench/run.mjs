// `make bench`: this project's pipeline against Papa Parse and against uDSV
// (each + the same hand-written mapping), and against the bare parse of the core, in headless Chromium, in
// a Web Worker, on the same generated files in one browser session. Then
// delivery from the browser to the local receiver at concurrency 1, 4 and 8.
// Writes the results as Markdown (bench/results.md unless BENCH_OUT says).
//
// Settings (environment):
//   BENCH_ROWS=1000000        rows of the main file (~132 MB)
//   BENCH_RUNS=5              runs of each measurement on it (the median is reported)
//   BENCH_BIG_ROWS=7600000    rows of the memory file (~1 GB); 0 skips it
//   BENCH_BIG_RUNS=1
//   BENCH_DELIVERY_ROWS=100000  rows sent to the receiver per concurrency; 0 skips
//   BENCH_CHUNK=1048576       bytes per slice read from the File by our worker
//   BENCH_OUT=bench/results.md
//   CLI=target/release/segment-backfill (the receiver)
//
// Memory is sampled every 100 ms while a job runs: the worker's JS heap (V8's
// used size, over the DevTools protocol), the wasm linear memory (exact: it
// only grows, so its size at the end is its peak), and the resident memory
// of the renderer process over its size before the job (/proc, Linux).
import { existsSync, mkdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus, loadavg } from "node:os";
import { chromium } from "playwright-core";
import { generate } from "./generate.mjs";
import { rendererRss } from "./memory.mjs";
import { CHROMIUM } from "../tests/js/helpers.mjs";
import { receiver as startReceiver, staticServer } from "../tests/js/serve.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = (name, fallback) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
const ROWS = env("BENCH_ROWS", 1_000_000);
const RUNS = env("BENCH_RUNS", 5);
const BIG_ROWS = env("BENCH_BIG_ROWS", 7_600_000);
const BIG_RUNS = env("BENCH_BIG_RUNS", 1);
const DELIVERY_ROWS = env("BENCH_DELIVERY_ROWS", 100_000);
const CHUNK = env("BENCH_CHUNK", 1 << 20);
const OUT = process.env.BENCH_OUT ?? "bench/results.md";
const CLI = process.env.CLI ?? "target/release/segment-backfill";
const DATA = join(root, "bench", "data");
const MAPPING = JSON.parse(readFileSync(join(root, "bench", "mapping.json"), "utf8"));
// Bump when generate.mjs changes what it writes, so stale files are not reused.
const DATA_VERSION = 1;

const log = (...a) => console.error("[bench]", ...a);
const LOAD_AT_START = loadavg()[0];

// --- files ------------------------------------------------------------------

async function dataFile(rows) {
  mkdirSync(DATA, { recursive: true });
  const path = join(DATA, `orders-${rows}-v${DATA_VERSION}.csv`);
  if (!existsSync(path)) {
    log(`generating ${rows} rows → ${path}`);
    await generate(rows, path);
  }
  return { path, rows, bytes: statSync(path).size };
}

// --- memory sampling ----------------------------------------------------------

/** Talks to one worker over the browser's DevTools session (non-flat attach). */
async function attachWorker(cdp, seen) {
  for (let i = 0; i < 50; i++) {
    const { targetInfos } = await cdp.send("Target.getTargets");
    const target = targetInfos.find((t) => t.type === "worker" && !seen.has(t.targetId));
    if (target) {
      seen.add(target.targetId);
      const { sessionId } = await cdp.send("Target.attachToTarget", { targetId: target.targetId, flatten: false });
      let id = 0;
      const pending = new Map();
      const onMessage = (e) => {
        if (e.sessionId !== sessionId) return;
        const m = JSON.parse(e.message);
        pending.get(m.id)?.(m.result);
        pending.delete(m.id);
      };
      cdp.on("Target.receivedMessageFromTarget", onMessage);
      return {
        call: (method, params = {}) =>
          new Promise((ok) => {
            const n = ++id;
            pending.set(n, ok);
            cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id: n, method, params }) }).catch(() => ok(null));
          }),
        detach: () => {
          cdp.off("Target.receivedMessageFromTarget", onMessage);
          for (const ok of pending.values()) ok(null);
          return cdp.send("Target.detachFromTarget", { sessionId }).catch(() => {});
        },
      };
    }
    await new Promise((ok) => setTimeout(ok, 20));
  }
  throw new Error("the benchmark worker did not show up in the DevTools targets");
}

/** Samples the worker's heap and the renderer's RSS until `stop()`. */
function sampler(cdp, worker) {
  const peak = { heap: 0, buffers: 0, rss: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const [usage, rss] = await Promise.all([worker.call("Runtime.getHeapUsage"), rendererRss(cdp)]);
      if (usage) {
        peak.heap = Math.max(peak.heap, usage.usedSize);
        // ArrayBuffers live outside V8's heap (file slices, bodies, wasm memory).
        peak.buffers = Math.max(peak.buffers, usage.backingStorageSize ?? 0);
      }
      peak.rss = Math.max(peak.rss, rss);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return peak;
  };
}

// --- measurements ---------------------------------------------------------------

const ALL_KINDS = {
  pipeline: { worker: "ours", job: () => ({ job: "pipeline", mapping: MAPPING, chunkBytes: CHUNK }) },
  pipelineStrings: { worker: "ours", job: () => ({ job: "pipeline", mapping: MAPPING, chunkBytes: CHUNK, strings: true }) },
  papa: { worker: "papa", job: () => ({ job: "papa" }) },
  udsv: { worker: "udsv", job: () => ({ job: "udsv" }) },
  bareParse: { worker: "ours", job: () => ({ job: "bareParse", chunkBytes: CHUNK }) },
};

// BENCH_KINDS=pipeline,bareParse runs only those (for quick experiments).
const KINDS = Object.fromEntries(
  Object.entries(ALL_KINDS).filter(([k]) => !process.env.BENCH_KINDS || process.env.BENCH_KINDS.split(",").includes(k)),
);

async function measure(page, cdp, seen, kind, job, { profile = false } = {}) {
  await page.evaluate((k) => window.start(k), kind);
  const worker = await attachWorker(cdp, seen);
  await worker.call("Runtime.enable");
  if (profile) {
    await worker.call("Profiler.enable");
    await worker.call("Profiler.setSamplingInterval", { interval: 250 });
    await worker.call("Profiler.start");
  }
  const rssBefore = await rendererRss(cdp);
  const stop = sampler(cdp, worker);
  const result = await page.evaluate((j) => window.go(j), job);
  const peak = await stop();
  if (profile) result.profile = (await worker.call("Profiler.stop"))?.profile;
  await worker.detach();
  await page.evaluate(() => window.stop());
  if (!result.ok) throw new Error(`${kind}: ${result.error}`);
  return { ...result, heapPeak: peak.heap, buffersPeak: peak.buffers, rssGrowth: Math.max(0, peak.rss - rssBefore) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function benchFile(page, cdp, seen, file, runs) {
  await page.setInputFiles("#file", file.path);
  const results = Object.fromEntries(Object.keys(KINDS).map((k) => [k, []]));
  for (let run = 1; run <= runs; run++) {
    let ours = null;
    for (const [name, kind] of Object.entries(KINDS)) {
      const r = await measure(page, cdp, seen, kind.worker, kind.job(file));
      log(`${(file.bytes / 1e6).toFixed(0)} MB run ${run} ${name}: ${(file.bytes / 1e3 / r.ms).toFixed(1)} MB/s, ${r.rows} rows` +
        `, heap ${(r.heapPeak / 1e6).toFixed(1)} MB, buffers ${(r.buffersPeak / 1e6).toFixed(1)} MB, wasm ${((r.wasmBytes ?? 0) / 1e6).toFixed(1)} MB, rss +${(r.rssGrowth / 1e6).toFixed(0)} MB`);
      if (r.rows !== file.rows) throw new Error(`${name} read ${r.rows} rows of ${file.rows}`);
      // The JavaScript jobs must do the same work: as many messages kept and rows rejected.
      if (name === "pipeline") ours = r;
      if (ours && (name === "papa" || name === "udsv") && (r.valid !== ours.valid || r.rejected !== ours.rejected)) {
        throw new Error(`${name}: ${r.valid} valid, ${r.rejected} rejected; the pipeline: ${ours.valid} valid, ${ours.rejected} rejected`);
      }
      results[name].push(r);
    }
  }
  const summary = {};
  for (const [name, rs] of Object.entries(results)) {
    const ms = median(rs.map((r) => r.ms));
    summary[name] = {
      ms,
      mbps: file.bytes / 1e3 / ms,
      rowsps: (file.rows * 1000) / ms,
      min: Math.min(...rs.map((r) => file.bytes / 1e3 / r.ms)),
      max: Math.max(...rs.map((r) => file.bytes / 1e3 / r.ms)),
      heapPeak: Math.max(...rs.map((r) => r.heapPeak)),
      buffersPeak: Math.max(...rs.map((r) => r.buffersPeak)),
      wasmBytes: Math.max(...rs.map((r) => r.wasmBytes ?? 0)),
      rssGrowth: Math.max(...rs.map((r) => r.rssGrowth)),
      last: rs[rs.length - 1],
    };
  }
  return summary;
}

async function benchDelivery(page, cdp, seen, file) {
  await page.setInputFiles("#file", file.path);
  const out = [];
  for (const concurrency of [1, 4, 8]) {
    const receiver = await startReceiver(join(root, CLI), null);
    try {
      const r = await measure(page, cdp, seen, "ours", {
        job: "deliver",
        mapping: MAPPING,
        endpoint: receiver.endpoint,
        concurrency,
      });
      const stats = await receiver.stats();
      log(`delivery at concurrency ${concurrency}: ${((r.delivered * 1000) / r.ms).toFixed(0)} msg/s, receiver: ${JSON.stringify(stats)}`);
      if (!r.balanced || r.delivered !== file.rows) throw new Error(`delivery at ${concurrency}: ${JSON.stringify(r)}`);
      out.push({ concurrency, ms: r.ms, delivered: r.delivered, requests: r.requests, stats });
    } finally {
      receiver.stop();
    }
  }
  return out;
}

// --- profile ------------------------------------------------------------------------

/**
 * Where the worker's time went in one pipeline run (V8's sampling profiler):
 * the share of samples by function, self and with callees. Wasm functions
 * have their Rust names when pkg/ was built with them (make bench does).
 */
function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
  const self = new Map();
  const inclusive = new Map();
  const visit = (node, onStack) => {
    const name = shortName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + (node.hitCount ?? 0));
    let sum = node.hitCount ?? 0;
    const stack = new Set(onStack).add(name);
    for (const child of node.children ?? []) sum += visit(byId.get(child), stack);
    if (!onStack.has(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + sum);
    return sum;
  };
  visit(profile.nodes[0], new Set());
  const top = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([name, n]) => ({ name, share: n / total }));
  return { self: top(self), inclusive: top(inclusive) };
}

function shortName({ functionName, url }) {
  const name = (functionName || "(anonymous)")
    .replace(/::h[0-9a-f]{16}$/, "")
    .replace(/^<?segment_backfill::/, "");
  return /\.m?js$/.test(url ?? "") ? `${name} (JS)` : name;
}

// --- report -----------------------------------------------------------------------

const mb = (b) => (b / 1e6).toFixed(1);
const version = (name) => JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;
const NAMES = {
  pipeline: "segment-backfill pipeline (read → parse → map → validate → batch bodies as bytes)",
  pipelineStrings: "the same, bodies as JS strings (takeBatches)",
  papa: `Papa Parse ${version("papaparse")} + hand-written JS mapping + JSON.stringify batches`,
  udsv: `uDSV ${version("udsv")} + the same JS mapping and batches`,
  bareParse: "segment-backfill bare parse (RowCounter: decode + CSV records)",
};

function fileTable(file, s, runs) {
  const lines = [
    `### ${mb(file.bytes)} MB, ${file.rows.toLocaleString("en")} rows (median of ${runs} run${runs > 1 ? "s" : ""})`,
    "",
    "| | MB/s | rows/s | range MB/s | peak JS heap | peak ArrayBuffers | wasm memory | renderer RSS growth |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [name, r] of Object.entries(s)) {
    lines.push(
      `| ${NAMES[name]} | **${r.mbps.toFixed(1)}** | ${Math.round(r.rowsps).toLocaleString("en")} | ${r.min.toFixed(1)}–${r.max.toFixed(1)} | ${mb(r.heapPeak)} MB | ${mb(r.buffersPeak)} MB | ${r.wasmBytes ? `${mb(r.wasmBytes)} MB` : "–"} | ${mb(r.rssGrowth)} MB |`,
    );
  }
  const p = s.pipeline;
  lines.push(
    "",
    `- pipeline / Papa Parse + JS: **${(p.mbps / s.papa.mbps).toFixed(2)}×** (target ≥ 3×); pipeline / uDSV + JS: **${(p.mbps / s.udsv.mbps).toFixed(2)}×**`,
    `- pipeline / bare parse: **${(p.mbps / s.bareParse.mbps).toFixed(2)}** (target ≥ 0.40)`,
    `- pipeline memory (JS heap + ArrayBuffers, which include the wasm memory): **${mb(p.heapPeak + p.buffersPeak)} MB** (target < 64 MB); wasm memory alone ${mb(p.wasmBytes)} MB`,
    `- output: ${p.last.batches} batch bodies (${p.last.valid.toLocaleString("en")} messages, ${mb(p.last.bodyLength)} M); Papa Parse + JS: ${s.papa.last.batches} bodies (${mb(s.papa.last.bodyLength)} M); uDSV + JS: ${s.udsv.last.batches} bodies (${mb(s.udsv.last.bodyLength)} M); rows rejected: ${p.last.rejected} by each`,
    "",
  );
  return lines.join("\n");
}

// What the profile says, in words (kept with the code that measures it).
const LIMITS = `## What limits the pipeline against the bare parse

The bare parse only splits the file into records. The pipeline also writes
about 2.9 bytes of request body per byte read (keys, quotes, escapes, ISO
timestamps, a 36-character messageId per row) and hands every body to
JavaScript. In the profile above, after the CSV state machine itself, the
time goes to writing each message (the tree walk and leaf conversion,
string escaping, copies), copying each body out of wasm memory into a
\`Uint8Array\` (\`__wbg_new_from_slice\`), the messageId hash (xxh3-128 with
128-bit multiplies emulated in wasm; the scheme is pinned, since changing it
would change every id already sent), timestamps, and waiting for the next
slice of the file (\`(idle)\`). What was fixed from these profiles: a
synchronous \`FileReaderSync\` read per slice (a quarter of the time; now one
slice is read ahead), sniffing the whole first slice instead of 64 KB, the
wasm built at opt-level "z" (3 is ~45% faster), and in the core: escaping
checked eight bytes at a time, leaves written straight into the message,
canonical timestamps and numbers copied rather than re-formatted, FxHash for
the event tally, line counting eight bytes at a time (which speeds up the
bare parse as much). Then (93.5 → 111 MB/s on the 132 MB file): the per-day
tally was a BTreeMap search per row (now a hash map), each message is built
straight into the batch body (no second copy), ISO timestamps at offset zero
are put together from the digits read, object members are written as
\`,"key":value\` with keys copied as fixed-size arrays, and short cells are
checked for escapes without a loop.
`;

// Where the JavaScript jobs' time goes (measured once, see the text).
const JS_SIDE = `## What limits the JavaScript jobs

uDSV parses faster than Papa Parse, but the parse is a small part of the
JavaScript job. Measured once in Node (the same V8) on the 132 MB file,
through the same \`parser.chunk\` + \`stringObjs\` + row callback: uDSV alone
(rows counted, not mapped) ran at 120–137 MB/s, with bench/js-mapping.js
at 12–13 MB/s. In a sampling profile of the latter, uDSV's own parse was
about 6% of the time; the rest is the mapping: the row function with
\`JSON.stringify\` (a third), \`isoTime\` (\`new Date\` +
\`toISOString\`, a quarter), building the message object, joining the
batch bodies, garbage collection, \`crypto.randomUUID\`. So a faster
JavaScript parser moves the JavaScript way only a little; the mapping
written in JavaScript is what our pipeline is ahead of.
`;

function report({ browserVersion, files, delivery, profile }) {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const lines = [
    "# Benchmark results",
    "",
    `Written by \`make bench\` (bench/run.mjs) on ${new Date().toISOString().slice(0, 10)}.`,
    "",
    `- Browser: headless Chromium ${browserVersion}, every job in a fresh dedicated Web Worker`,
    `- Machine: ${cpu}, ${cpus().length} cores, Linux; load average (1 min) ${LOAD_AT_START.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end${Math.max(LOAD_AT_START, loadavg()[0]) > cpus().length ? " (above the core count: other work shared the cores, and the MB/s are lower than on a quiet machine, the JavaScript jobs' most)" : ""}`,
    `- Input: generated by bench/generate.mjs (12 columns: ids, email, event, RFC 3339 and "YYYY-MM-DD HH:MM:SS" timestamps, price, quantity, unicode, quoted text with commas, newlines and escaped quotes); mapping: bench/mapping.json`,
    `- Our worker reads the File in ${CHUNK / 1024} KiB slices, one slice ahead (as importFile and the app's worker do); Papa Parse streams it with its default chunk size (FileReader); uDSV reads \`file.stream()\` through a \`TextDecoderStream\` into \`parser.chunk\` with a row callback, as its README shows for big inputs. Both JavaScript jobs share one mapping and batching (bench/js-mapping.js)`,
    "- Memory, sampled every 100 ms over DevTools in the worker: peak JS heap (V8's used heap) and peak ArrayBuffers (memory outside V8's heap: file slices, batch bodies not yet collected, and the wasm memory); wasm memory: the module's linear memory at the end (it never shrinks, so this is its peak); renderer RSS growth: the page process's resident memory above its size before the job",
    "",
    "## Parse → map → validate → batch",
    "",
  ];
  for (const { file, summary, runs } of files) lines.push(fileTable(file, summary, runs));
  if (profile) {
    const pct = (x) => `${(x * 100).toFixed(1)}%`;
    const row = (p) => `| \`${p.name.replace(/\|/g, "\\|")}\` | ${pct(p.share)} |`;
    lines.push(
      "## Where the pipeline's time goes",
      "",
      `One more pipeline run on the ${mb(main.bytes)} MB file under V8's sampling profiler (250 µs), in the worker. Share of samples:`,
      "",
      "| with callees | |",
      "|---|---:|",
      ...profile.inclusive.filter((p) => p.share >= 0.03).slice(0, 25).map(row),
      "",
      "| self | |",
      "|---|---:|",
      ...profile.self.slice(0, 20).map(row),
      "",
    );
  }
  if (profile) lines.push(LIMITS);
  if (files.some(({ summary }) => summary.udsv)) lines.push(JS_SIDE);
  if (delivery) {
    lines.push(
      "## Delivery from the browser to the local receiver",
      "",
      `${delivery.file.rows.toLocaleString("en")} rows (${mb(delivery.file.bytes)} MB) through \`importFile\` in a worker to \`segment-backfill receive\` on loopback (no faults), body auth.`,
      "",
      "| concurrency | messages/s | requests | seconds |",
      "|---:|---:|---:|---:|",
    );
    for (const d of delivery.runs) {
      lines.push(`| ${d.concurrency} | **${Math.round((d.delivered * 1000) / d.ms).toLocaleString("en")}** | ${d.requests} | ${(d.ms / 1000).toFixed(2)} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

// --- main -------------------------------------------------------------------------

for (const need of ["pkg/segment_backfill.js", "node_modules/papaparse/papaparse.min.js", "node_modules/udsv/dist/uDSV.iife.min.js", CLI]) {
  if (!existsSync(join(root, need))) {
    console.error(`bench: ${need} is missing; run it through make (make bench)`);
    process.exit(2);
  }
}
const main = await dataFile(ROWS);
const big = BIG_ROWS > 0 ? await dataFile(BIG_ROWS) : null;
const deliveryFile = DELIVERY_ROWS > 0 ? await dataFile(DELIVERY_ROWS) : null;

const server = await staticServer(["bench/", "pkg/", "node_modules/papaparse/", "node_modules/udsv/"]);
const browser = await chromium.launch(CHROMIUM);
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => log("page error:", e.message));
  await page.goto(`${server.url}/bench/page.html`);
  const cdp = await browser.newBrowserCDPSession();
  const seen = new Set();
  // BENCH_PROFILE_ONLY=1: only the profiled run, printed (for working on speed).
  const files = process.env.BENCH_PROFILE_ONLY
    ? []
    : [{ file: main, summary: await benchFile(page, cdp, seen, main, RUNS), runs: RUNS }];
  if (process.env.BENCH_KINDS) {
    log("BENCH_KINDS is set: no report");
    process.exit(0);
  }
  // One more pipeline run on the main file under the profiler (not timed).
  await page.setInputFiles("#file", main.path);
  const profiled = await measure(page, cdp, seen, "ours", ALL_KINDS.pipeline.job(), { profile: true });
  const profile = profiled.profile ? summarizeProfile(profiled.profile) : null;
  if (process.env.BENCH_PROFILE_ONLY) {
    const show = (list) => list.slice(0, 22).map((p) => `${(p.share * 100).toFixed(1).padStart(5)}%  ${p.name}`).join("\n");
    console.log(`with callees:\n${show(profile.inclusive)}\n\nself:\n${show(profile.self)}`);
    process.exit(0);
  }
  if (big) files.push({ file: big, summary: await benchFile(page, cdp, seen, big, BIG_RUNS), runs: BIG_RUNS });
  const delivery = deliveryFile ? { file: deliveryFile, runs: await benchDelivery(page, cdp, seen, deliveryFile) } : null;
  const text = report({ browserVersion: browser.version(), files, delivery, profile });
  mkdirSync(dirname(join(root, OUT)), { recursive: true });
  // Keep the section `make bench-send` writes (bench/send/run.mjs).
  const previous = existsSync(join(root, OUT)) ? readFileSync(join(root, OUT), "utf8") : "";
  const send = /<!-- bench-send -->[\s\S]*<!-- \/bench-send -->\n?/.exec(previous)?.[0];
  writeFileSync(join(root, OUT), send ? `${text.trimEnd()}\n\n${send}` : text);
  console.log(text);
  log(`written to ${OUT}`);
} finally {
  await browser.close();
  server.close();
}
