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
