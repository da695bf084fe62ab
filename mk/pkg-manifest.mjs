// Writes pkg/package.json for the npm package, with the version from Cargo.toml.
// Usage: node mk/pkg-manifest.mjs pkg
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? "pkg";
const cargo = readFileSync("Cargo.toml", "utf8");
const version = cargo.match(/^\[package\][\s\S]*?^version\s*=\s*"([^"]+)"/m)?.[1];
if (!version) throw new Error("no [package] version in Cargo.toml");
const license = cargo.match(/^license\s*=\s*"([^"]+)"/m)?.[1] ?? "MIT";
const description = cargo.match(/^description\s*=\s*"([^"]+)"/m)?.[1] ?? "";
// Only what Cargo.toml says: no address is made up.
const repository = cargo.match(/^repository\s*=\s*"([^"]+)"/m)?.[1];
const homepage = cargo.match(/^homepage\s*=\s*"([^"]+)"/m)?.[1];

const entryFiles = readdirSync("src/js/entry").filter((f) => f.endsWith(".js") || f.endsWith(".d.ts")).sort();

const manifest = {
  name: "segment-backfill",
  version,
  description,
  license,
  ...(repository ? { repository } : {}),
  ...(homepage ? { homepage } : {}),
  type: "module",
  main: "index.js",
  module: "index.js",
  types: "index.d.ts",
  exports: {
    // index.js: the wasm-bindgen glue with the entry's checks around it;
    // node.js: the same, with init() reading the wasm from disk.
    ".": { types: "./index.d.ts", node: "./node.js", default: "./index.js" },
    // The raw module, for bundlers and callers who load it themselves
    // (its types: the raw exports).
    "./segment_backfill_bg.wasm": {
      types: "./segment_backfill_bg.wasm.d.ts",
      default: "./segment_backfill_bg.wasm",
    },
    // The tables module (workbooks, Parquet): importFile and inspectFile
    // import it themselves when such a file comes; listed for bundlers and
    // for callers who serve the files elsewhere.
    "./tables.js": { types: "./tables.d.ts", default: "./tables.js" },
    "./tables_bg.wasm": "./tables_bg.wasm",
    // The module worker the *InWorker functions start, for bundlers that
    // take it as an entry of its own (esbuild) and for workerUrl.
    "./worker.js": "./worker.js",
    // <segment-backfill-import>: importing it defines the element (its
    // types need the DOM lib, so they are apart from index.d.ts).
    "./element.js": { types: "./element.d.ts", default: "./element.js" },
    "./package.json": "./package.json",
  },
  files: [
    // The entry (index.js, node.js, the worker, the element...), as
    // mk/pkg.mk copies it: every file of src/js/entry/.
    ...entryFiles,
    "segment_backfill.js",
    "segment_backfill.d.ts",
    "segment_backfill_bg.wasm",
    "segment_backfill_bg.wasm.d.ts",
    "snippets/",
    "tables.js",
    "tables.d.ts",
    "tables_bg.wasm",
    "tables_bg.wasm.d.ts",
    "README.md",
    "API.md",
    "ELEMENT.md",
    "LICENSE",
  ],
  // Importing element.js defines the custom element: a bundler must keep it.
  sideEffects: ["./element.js"],
  engines: { node: ">=20" },
  keywords: ["segment", "csv", "ndjson", "xlsx", "parquet", "import", "wasm"],
};
writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
