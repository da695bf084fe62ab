// The class of every error the package throws (its own module: the entry
// and the worker client both make them), and an error as plain data, for
// crossing between the page and the package's worker.

/** Every Error this package throws: a `code` from `ErrorCode`, a sentence. */
export class SegmentBackfillError extends Error {
  constructor(code, message, file) {
    super(message);
    this.name = "SegmentBackfillError";
    this.code = code;
    if (file !== undefined) this.file = file;
  }

  // The errors the wasm throws are Errors named SegmentBackfillError with a
  // code (made in Rust, where this class is not at hand): instances too.
  static [Symbol.hasInstance](value) {
    return value instanceof Error && value.name === "SegmentBackfillError" && typeof value.code === "string";
  }
}

/** Whether `value` is an error this package threw (with its `code`). */
export function isSegmentBackfillError(value) {
  return value instanceof SegmentBackfillError;
}

/** An error (or anything thrown) as data postMessage can carry: name, code, message, file. */
export function errorData(error) {
  if (error instanceof Error) {
    return { name: error.name, code: error.code, message: error.message, file: error.file };
  }
  return { name: "Error", message: String(error) };
}
