// The benchmark's worker for this project's package (pkg/): the full
// pipeline, the bare parse (RowCounter) and a delivery run (importFile).
// Started fresh for every measurement by bench/page.html.
import init, { Importer, RowCounter, importFile, inspect } from "../pkg/segment_backfill.js";

const wasm = await init();
postMessage({ ready: true });

/**
 * The file's slices, the next one always being read while the caller works on
 * this one (as the package's importFile and the app's worker read). A
 * synchronous FileReaderSync read instead was a quarter of the pipeline's
 * time in the profile.
 */
async function* slices(file, size) {
  let next = file.slice(0, size).arrayBuffer();
  for (let at = 0; at < file.size; at += size) {
    const bytes = new Uint8Array(await next);
    if (at + size < file.size) next = file.slice(at + size, at + 2 * size).arrayBuffer();
    yield bytes;
  }
}

async function pipeline({ file, mapping, chunkBytes, strings }) {
  const importer = new Importer(mapping);
  let batches = 0, bodyLength = 0, rejects = 0;
  const drain = () => {
    for (const body of strings ? importer.takeBatches() : importer.takeBatchBytes()) {
      batches++;
      bodyLength += body.length;
    }
    rejects += importer.takeRejects().length;
  };
  for await (const bytes of slices(file, chunkBytes)) {
    importer.push(bytes);
    drain();
  }
  importer.finish();
  drain();
  const s = importer.summary();
  importer.free();
  return { rows: s.rows, valid: s.valid, rejected: s.rejected, batches, bodyLength, rejects };
}

async function bareParse({ file, chunkBytes }) {
  const sample = new Uint8Array(await file.slice(0, 65536).arrayBuffer());
  const { settings } = inspect(sample, { complete: file.size <= 65536 });
  const counter = new RowCounter(settings);
  for await (const bytes of slices(file, chunkBytes)) counter.push(bytes);
  const rows = counter.finish();
  counter.free();
  return { rows };
}

// `options`: more importFile options (bench/send passes BENCH_SEND_BROWSER_OPTIONS).
async function deliver({ file, mapping, endpoint, concurrency, options = {} }) {
  const report = await importFile(file, mapping, {
    endpoint,
    writeKey: "bench-write-key",
    auth: "body",
    concurrency,
    ...options,
  });
  return { rows: report.rows, delivered: report.delivered, balanced: report.balanced, requests: report.delivery?.requests };
}

const JOBS = { pipeline, bareParse, deliver };

onmessage = async ({ data }) => {
  try {
    const t0 = performance.now();
    const result = await JOBS[data.job](data);
    const ms = performance.now() - t0;
    postMessage({ ok: true, ms, ...result, wasmBytes: wasm.memory.buffer.byteLength });
  } catch (e) {
    postMessage({ ok: false, error: `${e.code ?? ""} ${e.message ?? e}` });
  }
};
