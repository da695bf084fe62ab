// webpack 5. webpack rewrites the package's
// `new URL("segment_backfill_bg.wasm", import.meta.url)` as an asset (the
// wasm emitted as it is) and bundles
// `new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`
// as a worker chunk: for text files (CSV, NDJSON, JSON) the entry is all.
export default {
  mode: "production",
  entry: "./main.js",
  // output.path defaults to dist/ of the working directory.
  module: {
    rules: [
      {
        // Workbooks and Parquet: the package loads its tables module with
        // `import(url)` of a URL webpack emits (tables.js); webpack would
        // make that import() its own and fail at run time ("Cannot find
        // module", then tables_unavailable). Leave import() to the browser
        // in the package's snippets.
        test: /[\\/]segment-backfill[\\/]snippets[\\/]/,
        parser: { import: false },
      },
    ],
  },
};
