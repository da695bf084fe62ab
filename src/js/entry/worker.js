// The package's module worker: importFileInWorker, importFilesInWorker and
// checkFilesInWorker (in-worker.js) start one per run and post the run
// here; it loads the wasm, runs the same function the page would, and posts
// progress and the result back. The page's callbacks cannot cross, so they
// stand in here:
// - onProgress posts each progress to the page; when the page's onProgress
//   threw, the next call here, or the next ask of `paused` (before each
//   request), throws what it threw: the run then stops, as on the page
//   ("onProgress threw: ...");
// - paused answers with the page's latest state (the page asks its own
//   `paused` about four times a second and posts changes); when the page's
//   `paused` threw, the next ask here throws it;
// - signal is this worker's own, aborted when the page's signal aborts.
import init, { importFile, importFiles, checkFiles } from "./index.js";
import { errorData } from "./error.js";

const RUNS = { importFile, importFiles, checkFiles };

let paused = false;
/** What the page's callback threw, by callback, to throw here at its next call. */
const thrown = new Map();
const controller = new AbortController();

function throwIfThrown(callback) {
  const error = thrown.get(callback);
  if (error === undefined) return;
  thrown.delete(callback);
  const again = new Error(error.message);
  again.name = error.name;
  // Thrown from `paused` for the page's onProgress: the run names onProgress.
  again.callback = callback;
  throw again;
}

/** The wasm loaded, or worker_failed saying why (a CSP refusal named as such). */
async function load() {
  try {
    await init();
  } catch (e) {
    const said = e instanceof Error ? e.message : String(e);
    const csp = /Content.Security/i.test(said)
      ? " (the page's Content-Security-Policy must allow 'wasm-unsafe-eval' in script-src)"
      : "";
    const error = new Error(`the worker could not load the package's wasm: ${said}${csp}`);
    error.code = "worker_failed";
    throw error;
  }
}

async function run({ op, input, relativePaths, mapping, options, callbacks }) {
  await load();
  if (relativePaths) {
    // A File's webkitRelativePath does not survive postMessage: the name the
    // import gives it (relative to the picked folder) depends on it.
    input.forEach((item, i) => {
      if (relativePaths[i]) Object.defineProperty(item, "webkitRelativePath", { value: relativePaths[i] });
    });
  }
  const given = { ...options };
  if (callbacks.signal) given.signal = controller.signal;
  if (callbacks.onProgress) {
    given.onProgress = (progress) => {
      postMessage({ kind: "progress", progress });
      throwIfThrown("onProgress");
    };
  }
  if (callbacks.paused || callbacks.onProgress) {
    // Asked before each request: the page's onProgress that threw stops the
    // run here at once rather than at the next progress (about a second).
    given.paused = () => {
      throwIfThrown("paused");
      throwIfThrown("onProgress");
      return paused;
    };
  }
  return RUNS[op](input, mapping, given);
}

onmessage = ({ data }) => {
  switch (data.kind) {
    case "run":
      run(data).then(
        (result) => postMessage({ kind: "done", result }),
        (error) => postMessage({ kind: "error", error: errorData(error) }),
      );
      break;
    case "paused":
      paused = data.paused;
      break;
    case "threw":
      thrown.set(data.callback, data.error);
      break;
    case "abort":
      controller.abort(data.reason);
      break;
  }
};
