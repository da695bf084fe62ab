// Test servers on loopback: the repo's static files (pkg/, www/, tests/js/),
// or any folder's (a bundler's output), and the CLI's local receiver. Used
// by the browser tests.
import { createServer } from "node:http";
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, normalize, extname } from "node:path";
import { root } from "./helpers.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".css": "text/css",
  ".csv": "text/csv",
};
const SERVED = ["pkg/", "www/", "tests/js/"];

/**
 * Serves the files under the `served` folders (by default pkg/, www/ and
 * tests/js/) of `dir` (by default the repo) on 127.0.0.1 (any free port),
 * with `headers` on every answer (e.g. a Content-Security-Policy).
 * `staticServer([""], { dir })` serves all of `dir`. A path ending in / is
 * its index.html.
 */
export async function staticServer(served = SERVED, { dir = root, headers = {} } = {}) {
  const server = createServer(async (req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^\/+/, "");
    if (!served.some((p) => path.startsWith(p))) {
      res.writeHead(404).end();
      return;
    }
    if (path === "" || path.endsWith("/")) path += "index.html";
    try {
      const body = await readFile(join(dir, path));
      res.writeHead(200, { ...headers, "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** A free loopback port (bound, then released). */
export async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, "127.0.0.1", ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

/**
 * Starts `segment-backfill receive` on a free port and waits until /stats
 * answers. `out` (the NDJSON of accepted messages) may be null; `logs: true`
 * lets the receiver print to this terminal (its summary at the end).
 */
export async function receiver(cli, out, extraArgs = [], { logs = false } = {}) {
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const outArgs = out ? ["--out", out] : [];
  const child = spawn(cli, ["receive", "--listen", listen, ...outArgs, ...extraArgs], {
    stdio: ["ignore", logs ? "inherit" : "ignore", logs ? "inherit" : "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  const url = `http://${listen}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`receiver exited: ${stderr}`);
    if (i > 100) throw new Error("the receiver did not start");
    try {
      const r = await fetch(`${url}/stats`);
      if (r.ok) break;
    } catch {
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }
  return {
    url,
    endpoint: `${url}/v1/batch`,
    stats: async () => (await fetch(`${url}/stats`)).json(),
    stop: () => child.kill("SIGINT"),
  };
}
