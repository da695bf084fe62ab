// webpack 5. webpack rewrites the package's
// `new URL("segment_backfill_bg.wasm", import.meta.url)` as an asset (the
// wasm emitted as it is), bundles
// `new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`
// as a worker chunk, and makes the package's `import("./tables.js")`
// (workbooks, Parquet) a chunk of its own with tables_bg.wasm as an asset:
// the entry is all.
export default {
  mode: "production",
  entry: "./main.js",
  // output.path defaults to dist/ of the working directory.
};
