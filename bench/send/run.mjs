// `make bench-send`: one generated CSV imported end to end into the local
// receiver (`segment-backfill receive`) by
//   - this project's CLI (`send`),
//   - this project's package in headless Chromium (`importFile` in a worker),
//   - @segment/analytics-node (flushAt at its default, 15, and at 800: the
//     largest whose batches of this file stay under Segment's 500 KB; at
//     2,500 every batch is over it and refused, as the library's size check
//     counts escapes and the letter i, not bytes),
//   - segment-analytics-python (gzip=True, upload_size 2,500),
// each on loopback and over a shaped uplink (20 Mbit/s, 50 ms round trip).
// Every sender talks to the receiver through bench/send/link.mjs, a TCP relay
// that counts the bytes on the wire and does the shaping (the same for the
// native senders and the browser). After each run the receiver's --out file
// is read back: every row (by its order_id) must be there exactly once.
//
// Settings (environment):
//   BENCH_SEND_ROWS=1000000     rows of the CSV (~132 MB)
//   BENCH_SEND_LIB_ROWS         rows for Segment's libraries (default: the same)
//   BENCH_SEND_SENDERS=cli,browser,node-default,node-max,python
//   BENCH_SEND_LINKS=direct,loopback,shaped,cdp  (direct: no relay, so no
//                               wire bytes; loopback: through the counting
//                               relay; cdp: the browser alone, shaped by
//                               Chromium's DevTools emulation, no relay)
//   BENCH_SEND_RATE=20000000    shaped uplink, bits/s
//   BENCH_SEND_RTT=50           shaped round trip, ms
//   BENCH_SEND_CLI_ARGS         more arguments for `segment-backfill send`
//                               (e.g. "--compress gzip"), split on spaces
//   BENCH_SEND_BROWSER_OPTIONS  more importFile options, as JSON
//   BENCH_SEND_TIMEOUT=3600     seconds before a sender is stopped (a failure)
//   BENCH_SEND_OUT=bench/results.md  where the section goes (replaced between
//                               its markers; the rest of the file is kept)
//   BENCH_SEND_LINK_CHECK=warn  only warn if the shaped link measures off
//                               (by more than 10% in rate or 10 ms in round trip)
//   BENCH_SEND_NOTE             one more line for the report's notes
//   CLI=target/release/segment-backfill, PYTHON=target/bench-venv/bin/python
//
// Exits non-zero if a sender failed, or lost or duplicated a row (with
// BENCH_SEND_STRICT=ours, only this project's senders' rows count for that).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { chromium } from "playwright-core";
import { generate } from "../generate.mjs";
import { rendererRss } from "../memory.mjs";
import { CHROMIUM } from "../../tests/js/helpers.mjs";
import { receiver as startReceiver, staticServer } from "../../tests/js/serve.mjs";
import { startLink, measureLink } from "./link.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const list = (name, fallback) => (process.env[name] || fallback).split(",").filter(Boolean);
const ROWS = num("BENCH_SEND_ROWS", 1_000_000);
const LIB_ROWS = num("BENCH_SEND_LIB_ROWS", ROWS);
const SENDERS = list("BENCH_SEND_SENDERS", "cli,browser,node-default,node-max,python");
const LINKS = list("BENCH_SEND_LINKS", "direct,loopback,shaped,cdp");
const RATE = num("BENCH_SEND_RATE", 20e6);
const RTT = num("BENCH_SEND_RTT", 50);
const CLI_ARGS = (process.env.BENCH_SEND_CLI_ARGS ?? "").split(" ").filter(Boolean);
const BROWSER_OPTIONS = JSON.parse(process.env.BENCH_SEND_BROWSER_OPTIONS || "{}");
const TIMEOUT = num("BENCH_SEND_TIMEOUT", 3600);
const OUT = process.env.BENCH_SEND_OUT ?? "bench/results.md";
const CLI = join(root, process.env.CLI ?? "target/release/segment-backfill");
const PYTHON = join(root, process.env.PYTHON ?? "target/bench-venv/bin/python");
const WORK = join(root, "target", "bench-send");
const MAPPING = JSON.parse(readFileSync(join(root, "bench/send/mapping.json"), "utf8"));
const DATA_VERSION = 1; // as bench/run.mjs: the same generator, the same files

const log = (...a) => console.error("[bench-send]", ...a);

async function dataFile(rows) {
  const dir = join(root, "bench", "data");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `orders-${rows}-v${DATA_VERSION}.csv`);
  if (!existsSync(path)) {
    log(`generating ${rows} rows → ${path}`);
    await generate(rows, path);
  }
  return { path, rows, bytes: statSync(path).size };
}

// --- senders -------------------------------------------------------------------

const SENDER = {
  cli: {
    name: "segment-backfill CLI `send`",
    argv: (file, link) => [CLI, "send", file.path, "--mapping", join(root, "bench/send/mapping.json"),
      "--endpoint", `${link.url}/v1/batch`, "--write-key", "bench-write-key", "--json", ...CLI_ARGS],
    check: (out, file) => {
      const r = JSON.parse(out);
      if (r.delivered !== file.rows || !r.balanced) throw new Error(`the CLI reports ${r.delivered} delivered, balanced ${r.balanced}`);
    },
  },
  "node-default": {
    name: "@segment/analytics-node 3.1.0, flushAt 15 (default)",
    lib: true,
    argv: (file, link) => [process.execPath, join(root, "bench/send/analytics-node.mjs"), file.path, `${link.url}/v1/batch`],
  },
  "node-max": {
    name: "@segment/analytics-node 3.1.0, flushAt 800 (largest under 500 KB)",
    lib: true,
    argv: (file, link) => [process.execPath, join(root, "bench/send/analytics-node.mjs"), file.path, `${link.url}/v1/batch`, "800"],
  },
  python: {
    name: "segment-analytics-python 2.4.0, gzip, upload_size 2,500",
    lib: true,
    argv: (file, link) => [PYTHON, join(root, "bench/send/analytics_python.py"), file.path, link.url],
  },
  browser: {
    name: "segment-backfill package, `importFile` in a worker (Chromium)",
  },
};

/** Runs a native sender under /usr/bin/time -v: wall time, peak RSS, its stdout. */
function runProcess(argv) {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    const child = spawn("/usr/bin/time", ["-v", ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      if (code !== 0) {
        const signal = /Command terminated by signal (\d+)/.exec(err);
        const oom = /heap out of memory|MemoryError/.test(err) ? ", out of memory" : "";
        const why = signal ? `killed by signal ${signal[1]}${oom}` : `exited ${code}${oom}`;
        const e = new Error(`${why} after ${(ms / 1000).toFixed(0)} s, at ${rss ? (Number(rss[1]) / 1e6).toFixed(1) : "?"} GB RSS`);
        e.detail = err.slice(0, 4000);
        return fail(e);
      }
      ok({ ms, peakBytes: rss ? Number(rss[1]) * 1024 : null, out });
    });
  });
}

async function runBrowser(browserCtx, file, link, emulate) {
  const { page, cdp, pageCdp } = browserCtx;
  // Chromium's own shaping (link "cdp"): page-level DevTools emulation, which
  // also throttles the page's dedicated workers' fetches (checked: a 5 MB POST
  // took 2.2 s from the page and 2.1 s from a worker at 20 Mbit/s).
  await pageCdp.send("Network.emulateNetworkConditions", emulate
    ? { offline: false, latency: RTT, uploadThroughput: RATE / 8, downloadThroughput: -1 }
    : { offline: false, latency: 0, uploadThroughput: -1, downloadThroughput: -1 });
  await page.setInputFiles("#file", file.path);
  await page.evaluate(() => window.start("ours"));
  const before = await rendererRss(cdp);
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rendererRss(cdp));
      await new Promise((ok) => setTimeout(ok, 100));
    }
  })();
  const t0 = performance.now();
  const r = await page.evaluate((job) => window.go(job), {
    job: "deliver",
    mapping: MAPPING,
    endpoint: `${link.url}/v1/batch`,
    options: BROWSER_OPTIONS,
  });
  const ms = performance.now() - t0;
  sampling = false;
  await sampler;
  await page.evaluate(() => window.stop());
  if (!r.ok) throw new Error(`browser: ${r.error}`);
  if (r.delivered !== file.rows || !r.balanced) throw new Error(`importFile reports ${r.delivered} delivered, balanced ${r.balanced}`);
  return { ms, peakBytes: peak, rssBefore: before, wasmBytes: r.wasmBytes };
}

// --- the receiver's side ----------------------------------------------------------

/** Every row exactly once: counts each order_id in the receiver's NDJSON. */
async function countRows(path, rows) {
  const seen = new Uint8Array(rows);
  let messages = 0;
  let foreign = 0;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    messages++;
    const m = /"order_id":"ORD-(\d{8})"/.exec(line);
    const i = m ? Number(m[1]) : -1;
    if (i >= 0 && i < rows) seen[i] = Math.min(255, seen[i] + 1);
    else foreign++;
  }
  let missing = 0;
  let duplicated = 0;
  for (const n of seen) {
    if (n === 0) missing++;
    else duplicated += n - 1;
  }
  return { messages, missing, duplicated, foreign };
}

async function runOne(kind, file, linkName, browserCtx) {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const received = join(WORK, "received.ndjson");
  const receiver = await startReceiver(CLI, received);
  const port = Number(new URL(receiver.url).port);
  const shaping = linkName === "shaped" ? { rateBps: RATE, rttMs: RTT } : {};
  // "direct": no relay (to see what the relay costs); no wire bytes then.
  const link = linkName === "direct" || linkName === "cdp"
    ? { url: receiver.url, stats: () => null, close: async () => {} }
    : await startLink({ host: "127.0.0.1", port }, shaping);
  const s = SENDER[kind];
  try {
    log(`${kind} on ${linkName}: ${file.rows} rows …`);
    let run;
    if (kind === "browser") run = await runBrowser(browserCtx, file, link, linkName === "cdp");
    else {
      run = await runProcess(s.argv(file, link));
      s.check?.(run.out, file);
    }
    const stats = await receiver.stats();
    const wire = link.stats();
    const rows = await countRows(received, file.rows);
    const r = { kind, link: linkName, file: { rows: file.rows, bytes: file.bytes }, ...run, out: undefined, stats, wire, rows };
    log(`${kind} on ${linkName}: ${(run.ms / 1000).toFixed(1)} s, ${Math.round((file.rows * 1000) / run.ms)} msg/s, ` +
      `${stats.requests} requests, ${wire ? (wire.up / 1e6).toFixed(1) : "?"} MB up, peak ${((run.peakBytes ?? 0) / 1e6).toFixed(0)} MB, ` +
      `missing ${rows.missing}, duplicated ${rows.duplicated}`);
    return r;
  } catch (e) {
    log(`${kind} on ${linkName} FAILED: ${e.message}\n${e.detail ?? ""}`);
    return { kind, link: linkName, file: { rows: file.rows, bytes: file.bytes }, error: e.message, detail: e.detail };
  } finally {
    await link.close();
    receiver.stop();
  }
}

// --- report -------------------------------------------------------------------------

const mb = (b) => (b / 1e6).toFixed(1);
const int = (n) => Math.round(n).toLocaleString("en");

function table(results, linkName) {
  const notes = [];
  const lines = [
    "| sender | rows | wall | msg/s | requests | bytes up (wire) | peak memory | every row exactly once |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const r of results.filter((r) => r.link === linkName)) {
    const name = SENDER[r.kind].name;
    if (r.error) {
      lines.push(`| ${name} | ${int(r.file.rows)} | failed: ${r.error.slice(0, 120).replace(/\|/g, "/").replace(/\n/g, " ")} | | | | | no |`);
      continue;
    }
    const mem = r.kind === "browser"
      ? `+${mb(r.peakBytes - r.rssBefore)} MB renderer RSS (peak ${mb(r.peakBytes)})`
      : `${mb(r.peakBytes)} MB RSS`;
    const once = r.rows.missing === 0 && r.rows.duplicated === 0 && r.rows.foreign === 0
      ? "yes"
      : `**no**: ${int(r.rows.missing)} missing, ${int(r.rows.duplicated)} extra copies`;
    if (r.rows.duplicated) {
      notes.push(`- ${name}: **${int(r.rows.duplicated)} rows arrived more than once** (${int(r.stats.requests)} requests, ${mb(r.wire?.up ?? 0)} MB up).` +
        (r.kind.startsWith("node")
          ? " The library sends every full batch at once, with no limit on requests in flight; queued behind each other on the slow link, they pass its 10 s `httpRequestTimeout`, are aborted and sent again, while the first copy still arrives. The copies keep their messageIds (the receiver counted ${int(r.stats.duplicates)} duplicate ids), so Segment's de-duplication by messageId should drop them; they still cost the uplink."
          : ""));
    }
    lines.push(`| ${name} | ${int(r.file.rows)} | ${(r.ms / 1000).toFixed(1)} s | **${int((r.file.rows * 1000) / r.ms)}** | ${int(r.stats.requests)} | ${r.wire ? `${mb(r.wire.up)} MB` : "(no relay)"} | ${mem} | ${once} |`);
  }
  return [...lines, ...(notes.length ? ["", ...notes] : [])].join("\n");
}

function report({ results, browserVersion, linkCheck, file, libFile }) {
  const at = (kind, link) => results.find((r) => r.kind === kind && r.link === link && !r.error);
  const rate = (r) => (r ? (r.file.rows * 1000) / r.ms : null);
  const ratios = [];
  for (const link of new Set(results.map((r) => r.link))) {
    const libs = ["node-default", "node-max", "python"].map((k) => [k, rate(at(k, link))]).filter(([, r]) => r);
    if (!libs.length) continue;
    const [bestKind, best] = libs.reduce((a, b) => (b[1] > a[1] ? b : a));
    for (const kind of ["cli", "browser"]) {
      const ours = rate(at(kind, link));
      if (ours) ratios.push(`- ${link}: ${SENDER[kind].name} / the fastest Segment library (${SENDER[bestKind].name}, ${int(best)} msg/s) = **${(ours / best).toFixed(1)}×**`);
    }
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const lines = [
    "<!-- bench-send -->",
    "## End to end: this project against Segment's own libraries (`make bench-send`)",
    "",
    `One generated CSV (bench/generate.mjs: ${int(file.rows)} rows, ${mb(file.bytes)} MB${libFile.rows !== file.rows ? `; Segment's libraries: the first ${int(libFile.rows)} rows, ${mb(libFile.bytes)} MB` : ""}) imported into \`segment-backfill receive\` on this machine (${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; shared with other work while measuring), one run each, ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "- Same messages from every sender: track, userId, event, timestamp and properties (revenue and quantity as numbers, the other columns as text, empty ones left out); ours from bench/send/mapping.json, the libraries' from the same mapping written by hand (bench/send/analytics-node.mjs, bench/send/analytics_python.py), each reading the file with a plain parser (Papa Parse streaming in Node, the csv module in Python).",
    "- Wall time: from starting the process to its exit (the CLI, Node, Python); for the browser, from `importFile` being called in an already loaded worker to its report (the browser's start is not counted).",
    "- Requests: counted by the receiver. Bytes up: counted on the wire by the relay (bench/send/link.mjs) between the sender and the receiver: HTTP headers and bodies as sent (gzip bodies compressed).",
    "- Peak memory: maximum RSS from `/usr/bin/time -v` for the native senders; for the browser, how far the resident memory of Chromium's renderer process (page + worker + wasm) rose above its level with the page loaded, sampled every 100 ms.",
    "- @segment/analytics-node's flushAt: 15 by default; it has no maximum of its own, but its batch size check counts escapes and the letter i rather than bytes, so at flushAt 2,500 each batch of this file is about 1.4 MB and refused with 400 (Segment's limit is 500 KB; measured on 2,000 rows: one request, 400, all 2,000 rows lost). 800 is the largest that stays under 500 KB here, so that is the \"maximum\" measured.",
    "- Exactly once: the receiver's --out file read back, each row's `order_id` counted (the libraries give each track call a random messageId: a batch sent again keeps its ids and the receiver counts them as duplicates, but a row tracked twice would get new ones, so ids alone cannot prove it).",
    `- CLI arguments: \`send --mapping bench/send/mapping.json\`${CLI_ARGS.length ? ` \`${CLI_ARGS.join(" ")}\`` : ""} (defaults otherwise: concurrency 4, 2,500 messages per batch, Basic auth); browser: \`importFile\` with body auth${Object.keys(BROWSER_OPTIONS).length ? ` and ${JSON.stringify(BROWSER_OPTIONS)}` : ""}, its defaults otherwise; Chromium ${browserVersion ?? "(not run)"}.`,
    ...(process.env.BENCH_SEND_NOTE ? [`- ${process.env.BENCH_SEND_NOTE}`] : []),
    "",
  ];
  const has = (link) => results.some((r) => r.link === link);
  if (has("direct")) {
    lines.push(
      "### Loopback, straight to the receiver",
      "",
      "No relay in between: the speeds to compare. (The requests are the same as through the relay, so the bytes on the wire are in the next table.)",
      "",
      table(results, "direct"),
      "",
    );
  }
  if (has("loopback")) {
    lines.push(
      "### Loopback through the counting relay",
      "",
      "The relay (a Node process relaying TCP) shares the two cores with the sender and the receiver: it slows the fast senders (ours) much more than the slow ones; it is here for the bytes on the wire.",
      "",
      table(results, "loopback"),
      "",
    );
  }
  if (has("shaped")) {
    lines.push(
      `### Constrained uplink: ${RATE / 1e6} Mbit/s, ${RTT} ms round trip`,
      "",
      "Shaped by the relay itself (bench/send/link.mjs), in user space, for every sender alike: the bytes towards the receiver go through one queue drained at the rate, then wait half the round trip; answers wait the other half. The browser's worker fetches go through it like any other sender's, so the browser and the native senders share one shaper; Chromium's own DevTools emulation is the cross-check further down.",
      "Why not Debian's trickle: tried first (trickle 1.07, `-s -u 2441 -L 50`), it did not shape what it claims here: the CLI sent 0.7 MB in 0.02 s under it (tokio's non-blocking sockets are not slowed), and curl uploaded 5 MB at 1.0 MB/s instead of 2.44.",
      linkCheck
        ? `Checked before the runs: a ${mb(linkCheck.bytes)} MB upload through it ran at ${(linkCheck.rateBps / 1e6).toFixed(2)} Mbit/s, a small request's round trip took ${linkCheck.rttMs.toFixed(1)} ms.`
        : "",
      "",
      table(results, "shaped"),
      "",
    );
  }
  if (has("cdp")) {
    lines.push(
      `### The browser shaped by Chromium itself: ${RATE / 1e6} Mbit/s up, ${RTT} ms latency`,
      "",
      "DevTools `Network.emulateNetworkConditions` on the page (upload throughput, latency per request), straight to the receiver, no relay: a cross-check of the relay's shaping for the browser. Page-level emulation does cover the worker's fetches here (a 5 MB POST: 2.2 s from the page, 2.1 s from a dedicated worker, 2.0 s expected).",
      "",
      table(results, "cdp"),
      "",
    );
  }
  lines.push("### Ratios", "", ...ratios, "", "<!-- /bench-send -->", "");
  return lines.join("\n");
}

// --- main -------------------------------------------------------------------------------

function write(text) {
  const outPath = join(root, OUT);
  mkdirSync(dirname(outPath), { recursive: true });
  const previous = existsSync(outPath) ? readFileSync(outPath, "utf8") : "";
  const block = /<!-- bench-send -->[\s\S]*<!-- \/bench-send -->\n?/;
  writeFileSync(outPath, block.test(previous) ? previous.replace(block, text) : `${previous.trimEnd()}${previous ? "\n\n" : ""}${text}`);
  console.log(text);
  log(`written to ${OUT}`);
}

// BENCH_SEND_REPORT=target/bench-send.json: only write the report again from
// a run's saved measurements (after changing the report's wording).
if (process.env.BENCH_SEND_REPORT) {
  write(report(JSON.parse(readFileSync(process.env.BENCH_SEND_REPORT, "utf8"))));
  process.exit(0);
}

const file = await dataFile(ROWS);
const libFile = LIB_ROWS === ROWS ? file : await dataFile(LIB_ROWS);
let linkCheck = null;
if (LINKS.includes("shaped") || LINKS.includes("cdp")) {
  const bytes = ROWS >= 100_000 ? 10 << 20 : 2 << 20;
  linkCheck = { bytes, ...(await measureLink({ rateBps: RATE, rttMs: RTT }, bytes)) };
  log(`shaped link check: ${(linkCheck.rateBps / 1e6).toFixed(2)} Mbit/s, round trip ${linkCheck.rttMs.toFixed(1)} ms`);
  if (Math.abs(linkCheck.rateBps / RATE - 1) > 0.1 || Math.abs(linkCheck.rttMs - RTT) > 10) {
    const msg = `the shaped link does not shape what it claims: ${JSON.stringify(linkCheck)}`;
    // make test-bench-send (a small, possibly busy run) only warns.
    if (process.env.BENCH_SEND_LINK_CHECK === "warn") log(`warning: ${msg}`);
    else throw new Error(msg);
  }
}

let browserCtx = null;
let browser = null;
let server = null;
if (SENDERS.includes("browser")) {
  server = await staticServer(["bench/", "pkg/"]);
  browser = await chromium.launch(CHROMIUM);
  const page = await browser.newPage();
  page.on("pageerror", (e) => log(`page error: ${e.message}`));
  await page.goto(`${server.url}/bench/page.html`);
  const cdp = await browser.newBrowserCDPSession();
  const pageCdp = await page.context().newCDPSession(page);
  await pageCdp.send("Network.enable");
  browserCtx = { page, cdp, pageCdp };
}

const browserVersion = browser?.version();
const results = [];
try {
  for (const link of LINKS) {
    for (const kind of SENDERS) {
      if (!SENDER[kind]) throw new Error(`unknown sender ${kind} (BENCH_SEND_SENDERS)`);
      if (link === "cdp" && kind !== "browser") continue; // Chromium's own shaping: the browser only
      results.push(await runOne(kind, SENDER[kind].lib ? libFile : file, link, browserCtx));
    }
  }
} finally {
  await browser?.close();
  server?.close();
  rmSync(WORK, { recursive: true, force: true });
}

const measured = { results, browserVersion, linkCheck, file, libFile };
writeFileSync(join(root, "target", "bench-send.json"), JSON.stringify(measured, null, 2));
write(report(measured));

// A Segment library that loses or duplicates rows is a result of the full
// benchmark (BENCH_SEND_STRICT=ours, as make bench-send runs it), not a
// failure of it; make test-bench-send fails on any sender's.
const strictAll = process.env.BENCH_SEND_STRICT !== "ours";
const bad = results.filter((r) => r.error || ((strictAll || !SENDER[r.kind].lib) && (r.rows.missing || r.rows.duplicated || r.rows.foreign)));
if (bad.length) {
  log(`FAILED: ${bad.map((r) => `${r.kind} on ${r.link}`).join(", ")}`);
  process.exit(1);
}
