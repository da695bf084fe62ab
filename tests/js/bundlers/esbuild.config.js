// esbuild leaves `new URL(..., import.meta.url)` as it is: the package's glue
// then fetches segment_backfill_bg.wasm next to the bundle, and
// importFileInWorker starts worker.js next to it. So the package's worker is
// a second entry point named worker (the package exports "./worker.js"), and
// the wasm a third, copied as it is (loader "copy") under its own name. The
// package's `import("./tables.js")` (workbooks, Parquet) is bundled in, and
// fetches tables_bg.wasm next to the bundle: copied the same way.
export default {
  entryPoints: {
    main: "./main.js",
    worker: "segment-backfill/worker.js",
    segment_backfill_bg: "segment-backfill/segment_backfill_bg.wasm",
    // Workbooks and Parquet only:
    tables_bg: "segment-backfill/tables_bg.wasm",
  },
  loader: { ".wasm": "copy" },
  bundle: true,
  format: "esm",
  minify: true,
  outdir: "dist",
};
