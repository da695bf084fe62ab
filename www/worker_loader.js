// Starts the Web Worker: loads the wasm-bindgen glue, then the worker's wasm.
// (Trunk's own loader shim passes the old single-string argument, which
// wasm-bindgen 0.2.130 flags as deprecated in the console.)
importScripts('./worker.js');
wasm_bindgen({ module_or_path: './worker_bg.wasm' });
