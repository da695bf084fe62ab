// Starts the Web Worker: loads the wasm-bindgen glue, then the worker's wasm.
// (Trunk's own loader shim passes the old single-string argument, which
// wasm-bindgen 0.2.130 flags as deprecated in the console.)
importScripts('./worker.js');
wasm_bindgen({ module_or_path: './worker_bg.wasm' });

// The tables module (workbooks, Parquet), fetched only when the worker first
// reads such a file (src/app/worker/tables.rs). Its glue declares its init
// function as a script-level `let`, which only a script sees: this hands it
// over. The caller initialises it with './tables_bg.wasm'.
self.segmentBackfillLoadTables = () => {
  importScripts('./tables.js');
  return segment_backfill_tables;
};
