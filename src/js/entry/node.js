// The package's entry for Node (the "node" export condition): init() and
// initSync() with no argument read segment_backfill_bg.wasm from the
// package's directory, and the tables module (workbooks, Parquet) reads
// tables_bg.wasm from there too (Node's fetch cannot read file: URLs).
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import initFrom, { initSync as initSyncFrom } from "./index.js";

export * from "./index.js";

const wasm = new URL("./segment_backfill_bg.wasm", import.meta.url);

async function loadTables() {
  const tables = await import("./tables.js");
  await tables.default({ module_or_path: await readFile(new URL("./tables_bg.wasm", import.meta.url)) });
  return tables;
}

/** Loads the wasm, from the package's directory unless told otherwise. */
export default async function init(input) {
  return initFrom(input ?? (await readFile(wasm)), loadTables);
}

/** Loads the wasm synchronously, from the package's directory unless told otherwise. */
export function initSync(input) {
  return initSyncFrom(input ?? readFileSync(wasm), loadTables);
}
