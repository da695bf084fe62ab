// Builds the app as ONE self-contained HTML file that works opened from disk
// (file://, no server): `make dist-single`.
//
// Usage: node mk/single-html.mjs DIST OUT_HTML
//
// It reads what `make dist` wrote in DIST (app.js + app_bg.wasm: the page;
// worker.js + worker_bg.wasm: the Web Worker; tables.js + tables_bg.wasm:
// the workbook and Parquet reader the worker loads on demand; style.css) and
// writes OUT_HTML (with sample.csv, for "try the sample file"):
//
//   <style>           style.css
//   data blocks       <script type="text/plain" id=...>: the worker's glue,
//                     the tables module's glue, and the three wasm modules in
//                     base64. A script of another type than JavaScript never
//                     runs (so the Content-Security-Policy has nothing to
//                     allow for it); the page reads it as text.
//   <script module>   the page's wasm-bindgen glue (its `export` line
//                     dropped) and BOOT below: starts the page's wasm from
//                     bytes, and puts the worker together as a Blob started
//                     from a `blob:` URL.
//
// The Content-Security-Policy is the hosted page's (index.html) for a page
// with no files beside it: the one inline script and the one inline style
// are allowed by their sha256 (computed here), never 'unsafe-inline';
// 'wasm-unsafe-eval' for the wasm; workers only from blob: URLs; connect-src
// only where a send goes (https:, and a local receiver over loopback http).
// A worker started from a blob: URL runs under its page's policy.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const [dist, out] = process.argv.slice(2);
if (!dist || !out) {
  console.error('usage: node mk/single-html.mjs DIST OUT_HTML');
  process.exit(2);
}

const text = (name) => readFileSync(join(dist, name), 'utf8');
const base64 = (name) => readFileSync(join(dist, name)).toString('base64');

/** Fails the build, naming what is wrong: never a file that loads blank. */
function fail(message) {
  console.error(`single-html: ${message}`);
  process.exit(1);
}

/**
 * Text safe inside a <script> or <style> element: the HTML parser ends
 * one at the first `</script` (`</style`), and `<!--` with `<script`
 * changes how it reads what follows. wasm-bindgen's glue has none of
 * these today; if it ever does, the build stops rather than writing a
 * page that breaks.
 */
function inlineSafe(name, body) {
  for (const bad of ['</script', '<!--', '<script', '</style']) {
    if (body.toLowerCase().includes(bad)) fail(`${name} contains "${bad}": it cannot be inlined as is`);
  }
  return body;
}

// The page's glue is an ES module (wasm-bindgen --target web) whose only
// export is its init function and initSync; inlined in the boot module,
// the export line goes and BOOT calls `__wbg_init` directly.
const EXPORT_LINE = 'export { initSync, __wbg_init as default };';
let appGlue = text('app.js');
if (appGlue.split(EXPORT_LINE).length !== 2) fail(`app.js has not exactly one "${EXPORT_LINE}" line`);
appGlue = appGlue.replace(EXPORT_LINE, '');
if (/^\s*(import|export)\b/m.test(appGlue)) fail('app.js imports or exports more than the init function: update mk/single-html.mjs');

// The worker's glue and the tables module's are wasm-bindgen
// `--target no-modules` scripts declaring one global each (`wasm_bindgen`,
// `segment_backfill_tables`), as www/worker_loader.js expects.
const workerGlue = text('worker.js');
const tablesGlue = text('tables.js');
if (!/^let wasm_bindgen = /m.test(workerGlue)) fail('worker.js does not declare wasm_bindgen');
if (!/^let segment_backfill_tables = /m.test(tablesGlue)) fail('tables.js does not declare segment_backfill_tables');

// What the worker runs after the two glues: www/worker_loader.js for a
// worker with no files to import. SB_WORKER_WASM and SB_TABLES_WASM are the
// base64 strings BOOT puts before it.
// Bytes of a base64 string (Uint8Array.fromBase64 where the browser has
// it): the page and the worker each define it.
const DECODE = `
const sbBytes = (b64) => {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(b64);
  const raw = atob(b64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
};
`;

const WORKER_BOOT = `${DECODE}
wasm_bindgen({ module_or_path: sbBytes(SB_WORKER_WASM) });
// The tables module, as www/worker_loader.js hands it over (see
// src/app/worker/tables.rs): its init function carrying its exports. The
// init is given the module's bytes in place of the path the worker names.
self.segmentBackfillLoadTables = () => {
  const glue = segment_backfill_tables;
  const init = (options) => glue({ ...options, module_or_path: sbBytes(SB_TABLES_WASM) });
  return Object.assign(init, glue);
};
`;

// The page's boot (www/boot.js for a page with no files beside it). It
// reads the data blocks, removes them (their text is not needed twice),
// builds the worker's code as a Blob and names its URL in the global the
// app reads (src/app/mod.rs, WORKER_URL_GLOBAL), then starts the page.
const BOOT = `
const sbBlock = (id) => {
  const el = document.getElementById(id);
  const body = el.textContent;
  el.remove();
  return body;
};
${DECODE}const sbWorker = new Blob([
  sbBlock('sb-worker-glue'), '\\n',
  sbBlock('sb-tables-glue'), '\\n',
  'const SB_WORKER_WASM = "', sbBlock('sb-worker-wasm'), '";\\n',
  'const SB_TABLES_WASM = "', sbBlock('sb-tables-wasm'), '";\\n',
  sbBlock('sb-worker-boot'),
], { type: 'text/javascript' });
window.segmentBackfillWorkerUrl = URL.createObjectURL(sbWorker);
// Where the worker cannot read the page's Blobs (WebKit opened from disk:
// src/app/bytes_mode.rs), the page hands it files' bytes: every ArrayBuffer
// a message to the worker carries is transferred, not copied (the page
// keeps no buffer it has sent).
const sbBuffers = (value, found, depth) => {
  if (value instanceof ArrayBuffer) found.add(value);
  else if (value && typeof value === 'object' && depth < 16 && !ArrayBuffer.isView(value) && !(value instanceof Blob)) {
    for (const v of Object.values(value)) sbBuffers(v, found, depth + 1);
  }
  return found;
};
const sbPost = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (message, transfer) {
  return sbPost.call(this, message, transfer ?? [...sbBuffers(message, new Set(), 0)]);
};
// "try the sample file" (src/app/file_step.rs) finds it here.
window.segmentBackfillSample = new Blob([sbBlock('sb-sample')], { type: 'text/csv' });
await __wbg_init({ module_or_path: sbBytes(sbBlock('sb-app-wasm')) });
`;

const style = inlineSafe('style.css', text('style.css'));
const script = inlineSafe('app.js', `${appGlue}\n${BOOT}`);
const sha256 = (body) => `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`;

const csp = [
  "default-src 'none'",
  `script-src ${sha256(script)} 'wasm-unsafe-eval'`,
  `style-src ${sha256(style)}`,
  'img-src data:',
  'connect-src https: http://127.0.0.1:* http://localhost:*',
  'worker-src blob:',
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const title = text('index.html').match(/<title>([^<]*)<\/title>/)?.[1] ?? fail('dist/index.html has no <title>');
const block = (id, body) => `<script type="text/plain" id="${id}">${body}</script>\n`;

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<!-- Segment backfill as one file: it works opened from disk, with no server.
     Nothing leaves this computer until you press Send, and then only to the
     endpoint you choose (the policy below allows nothing else). -->
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${style}</style>
<script type="module">${script}</script>
</head>
<body>
<noscript>This importer runs in your browser and needs JavaScript and WebAssembly.</noscript>
${block('sb-worker-glue', inlineSafe('worker.js', workerGlue))}${block('sb-tables-glue', inlineSafe('tables.js', tablesGlue))}${block('sb-worker-boot', inlineSafe('the worker boot', WORKER_BOOT))}${block('sb-sample', inlineSafe('sample.csv', text('sample.csv')))}${block('sb-app-wasm', base64('app_bg.wasm'))}${block('sb-worker-wasm', base64('worker_bg.wasm'))}${block('sb-tables-wasm', base64('tables_bg.wasm'))}</body>
</html>
`;

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, html);
const raw = Buffer.byteLength(html);
console.log(`${out}: ${raw} bytes, ${gzipSync(html, { level: 9 }).length} gzip`);
