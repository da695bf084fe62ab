// Vite: nothing to configure, for `vite build` and for the dev server
// (`vite`), text files and workbooks alike (tried with Vite 8.3.8). Vite
// rewrites the package's `new URL("segment_backfill_bg.wasm",
// import.meta.url)` (and the tables module's URLs) to files it emits under
// assets/, and bundles its
// `new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`
// as a worker: the page and the worker fetch the one wasm file. The build
// warns twice that "node:fs/promises" was externalized: the package reads
// the tables module's wasm with it only in Node.
export default {};
