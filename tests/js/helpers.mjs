// Shared by the JS tests: the repo root and the package, loaded the Node way
// (initSync with the wasm bytes).
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export async function loadPkg() {
  const pkg = await import(pathToFileURL(join(root, "pkg/segment_backfill.js")).href);
  pkg.initSync({ module: readFileSync(join(root, "pkg/segment_backfill_bg.wasm")) });
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
