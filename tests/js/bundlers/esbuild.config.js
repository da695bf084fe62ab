// esbuild leaves `new URL(..., import.meta.url)` as it is: the package's glue
// then fetches segment_backfill_bg.wasm next to the bundle, and
// importFileInWorker starts worker.js next to it. So the package's worker is
// a second entry point named worker (the package exports "./worker.js"), and
// the wasm a third, copied as it is (loader "copy") under its own name: for
// text files (CSV, NDJSON, JSON) that is all.
export default {
  entryPoints: {
    main: "./main.js",
    worker: "segment-backfill/worker.js",
    segment_backfill_bg: "segment-backfill/segment_backfill_bg.wasm",
    // Workbooks and Parquet: the package loads its tables module from
    // ../../tables.js and ../../tables_bg.wasm relative to the bundle (where
    // they are from the package's snippets/<crate>/ folder), which for a
    // bundle at the site's root is the root itself.
    tables: "segment-backfill/tables.js",
    tables_bg: "segment-backfill/tables_bg.wasm",
  },
  loader: { ".wasm": "copy" },
  bundle: true,
  format: "esm",
  minify: true,
  outdir: "dist",
};
