// Vite: nothing to configure, for `vite build` and for the dev server
// (`vite`), text files and workbooks alike (tried with Vite 8.3.8). Vite
// rewrites the package's `new URL("segment_backfill_bg.wasm",
// import.meta.url)` (and the tables module's) to files it emits under
// assets/, bundles its
// `new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`
// as a worker, and its `import("./tables.js")` as a chunk: the page and the
// worker fetch the one wasm file.
export default {};
