// importFileInWorker, importFilesInWorker, checkFilesInWorker: the same
// runs as importFile, importFiles and checkFiles, in a module worker the
// package provides (worker.js), so that reading, checking, gzip and the
// send loop never hold the page's main thread. One worker per run, ended
// with it. The page needs no init(): the worker loads the wasm.
//
// What crosses (see worker.js for the other side): the files and the
// options as structured clones; progress back to onProgress; the page's
// `paused` asked here about four times a second (and at each progress),
// its changes posted; the signal's abort posted; what a callback threw
// posted, for the worker to stop the run with at that callback's next call.
import { SegmentBackfillError, errorData } from "./error.js";

/** How often the page's `paused` is asked while a run goes on. */
const PAUSE_POLL_MS = 250;

function invalid(message) {
  return new SegmentBackfillError("invalid_options", message);
}

function kindOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? `an object (${value.constructor?.name ?? "Object"})` : `a ${typeof value}`;
}

/** The package's worker, or the one at `workerUrl`. */
function startWorker(workerUrl) {
  if (workerUrl !== undefined) return new Worker(workerUrl, { type: "module" });
  // This exact form is what Vite, webpack and Parcel recognise to bundle the
  // worker with its imports (and the wasm it fetches).
  return new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
}

/** The options without what cannot cross, and the callbacks checked. */
function split(what, options) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object" || Array.isArray(options)) {
    throw invalid(`${what}: options must be an object, not ${kindOf(options)}`);
  }
  const { workerUrl, onProgress, paused, signal, ...rest } = options;
  for (const [name, f] of [["onProgress", onProgress], ["paused", paused]]) {
    if (f !== undefined && typeof f !== "function") {
      throw invalid(`${what}: ${name} must be a function, not ${kindOf(f)}`);
    }
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalid(`${what}: signal must be an AbortSignal, not ${kindOf(signal)}`);
  }
  if (workerUrl !== undefined && typeof workerUrl !== "string" && !(workerUrl instanceof URL)) {
    throw invalid(`${what}: workerUrl must be a string or a URL, not ${kindOf(workerUrl)}`);
  }
  return { workerUrl, onProgress, paused, signal, rest };
}

/** A File's path in a picked folder, which postMessage drops. */
function relativePaths(input) {
  if (!Array.isArray(input)) return undefined;
  const paths = input.map((item) =>
    typeof File !== "undefined" && item instanceof File && item.webkitRelativePath ? item.webkitRelativePath : "",
  );
  return paths.some(Boolean) ? paths : undefined;
}

/** The counts of a report or files report, for a callback_failed message. */
function counts(report) {
  const r = report?.reconciliation ?? report;
  return r && typeof r.rows === "number"
    ? `${r.delivered} of ${r.rows} rows delivered, ${r.rejected} rejected, ${r.undelivered} undelivered`
    : "the counts are in no report";
}

function inWorker(op, input, mapping, options) {
  const what = `${op}InWorker`;
  return new Promise((resolve, reject) => {
    if (typeof Worker === "undefined") {
      throw new SegmentBackfillError(
        "worker_failed",
        `${what}: this environment has no Web Worker (Node?): call ${op} instead`,
      );
    }
    const { workerUrl, onProgress, signal, rest, ...callbacks } = split(what, options);
    /** The page's `paused`: dropped once it threw. */
    let paused = callbacks.paused;
    let worker;
    try {
      worker = startWorker(workerUrl);
    } catch (e) {
      throw new SegmentBackfillError("worker_failed", `${what}: the worker could not start: ${errorData(e).message}`);
    }
    let settled = false;
    let poll;
    let lastPaused = false;
    /** What the page's onProgress threw: the run has to stop with it. */
    let progressThrew;
    let lastProgress;
    const onAbort = () => post({ kind: "abort" });

    const finish = () => {
      settled = true;
      clearInterval(poll);
      signal?.removeEventListener("abort", onAbort);
      worker.terminate();
    };
    const fail = (error) => {
      if (settled) return;
      finish();
      reject(error);
    };
    function post(message) {
      try {
        worker.postMessage(message);
      } catch (e) {
        fail(invalid(`${what}: the ${message.kind === "run" ? "files or options" : "message"} could not be sent to the worker: ${errorData(e).message}`));
      }
    }
    const askPaused = () => {
      if (!paused || settled) return;
      let now;
      try {
        now = paused() === true;
      } catch (e) {
        paused = undefined;
        clearInterval(poll);
        post({ kind: "threw", callback: "paused", error: errorData(e) });
        return;
      }
      if (now !== lastPaused) {
        lastPaused = now;
        post({ kind: "paused", paused: now });
      }
    };

    worker.onmessage = ({ data }) => {
      if (settled) return;
      switch (data.kind) {
        case "progress":
          lastProgress = data.progress;
          if (onProgress && progressThrew === undefined) {
            try {
              onProgress(data.progress);
            } catch (e) {
              progressThrew = errorData(e);
              post({ kind: "threw", callback: "onProgress", error: progressThrew });
            }
          }
          askPaused();
          break;
        case "done": {
          const stoppedByIt = progressThrew && String(data.result?.stopped?.reason ?? "").startsWith("onProgress threw");
          if (progressThrew && !stoppedByIt) {
            // It threw on the last progress, after the run had ended: as importFile.
            fail(
              new SegmentBackfillError(
                "callback_failed",
                `onProgress threw: ${progressThrew.message} (on its last call, after the import ended: ${counts(data.result)})`,
              ),
            );
            return;
          }
          finish();
          resolve(data.result);
          break;
        }
        case "error": {
          const { code, message, file } = data.error;
          fail(
            code
              ? new SegmentBackfillError(code, code === "worker_failed" ? `${what}: ${message}` : message, file)
              : new SegmentBackfillError("worker_failed", `${what}: the worker failed: ${message}`),
          );
          break;
        }
      }
    };
    worker.onerror = (event) => {
      event.preventDefault?.();
      const resume = lastProgress?.checkpoint
        ? "; the last progress's checkpoint resumes it (resumeFrom)"
        : "";
      fail(
        new SegmentBackfillError(
          "worker_failed",
          `${what}: the worker ${lastProgress ? "stopped during the run" : "could not start"}: ${
            event.message ||
            "it could not be loaded (is the package's worker.js served where the page asks for it: next to the package's files, where your bundler put it, or at workerUrl? does the Content-Security-Policy allow it in worker-src?)"
          }${resume}`,
        ),
      );
    };
    worker.onmessageerror = () => fail(new SegmentBackfillError("internal", `${what}: a message from the worker could not be read`));

    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
    askPaused();
    if (paused) poll = setInterval(askPaused, PAUSE_POLL_MS);
    post({
      kind: "run",
      op,
      input,
      relativePaths: relativePaths(input),
      mapping,
      options: rest,
      callbacks: { onProgress: !!onProgress, paused: !!callbacks.paused, signal: !!signal },
    });
  });
}

/** `importFile` in the package's module worker; the same arguments (plus `workerUrl`) and report. */
export function importFileInWorker(file, mapping, options) {
  return inWorker("importFile", file, mapping, options);
}

/** `importFiles` in the package's module worker; the same arguments (plus `workerUrl`) and report. */
export function importFilesInWorker(files, mapping, options) {
  return inWorker("importFiles", files, mapping, options);
}

/** `checkFiles` in the package's module worker; the same arguments (plus `workerUrl`) and result. */
export function checkFilesInWorker(files, mapping, options) {
  return inWorker("checkFiles", files, mapping, options);
}
