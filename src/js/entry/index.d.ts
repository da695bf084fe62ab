// The package's types: the API generated from the Rust types, and the
// entry's own (init, errors). Usable without the DOM lib: what only a
// browser has is typed only where the environment declares it.
export * from "./segment_backfill.js";
import type { ErrorCode } from "./segment_backfill.js";

type Global = typeof globalThis;
/** A compiled `WebAssembly.Module`, where the environment declares one. */
type WasmModule = Global extends { WebAssembly: { Module: abstract new (...args: any) => infer M } } ? M : never;
/** A fetch `Response`, where the environment declares one. */
type FetchResponse = Global extends { Response: abstract new (...args: any) => infer R } ? R : never;
/** A fetch `Request`, where the environment declares one. */
type FetchRequest = Global extends { Request: abstract new (...args: any) => infer R } ? R : never;

/** The wasm's bytes or compiled module. */
export type SyncInitInput = ArrayBuffer | ArrayBufferView | WasmModule;
/** Where `init` loads the wasm from: its bytes, a compiled module, or a URL, request or response to fetch. */
export type InitInput = SyncInitInput | string | URL | FetchRequest | FetchResponse;

/** What `init` and `initSync` resolve with. */
export interface Initialized {
  /** The package's version. */
  version: string;
}

/**
 * Loads the wasm. With no argument: `segment_backfill_bg.wasm` next to the
 * package's JS (fetched in browsers; read from disk by the Node entry).
 */
export default function init(
  input?: InitInput | Promise<InitInput> | { module_or_path: InitInput | Promise<InitInput> },
): Promise<Initialized>;

/** Loads the wasm synchronously (in Node, with no argument, from the package's directory). */
export function initSync(input?: SyncInitInput | { module: SyncInitInput }): Initialized;

/** Every error this package throws (or rejects with): a stable `code` and a sentence. */
export class SegmentBackfillError extends Error {
  constructor(code: ErrorCode, message: string, file?: string);
  readonly name: "SegmentBackfillError";
  code: ErrorCode;
  /** In an import of several files, the file the error is about, when it is one. */
  file?: string;
}

/** Whether `value` is an error this package threw. */
export function isSegmentBackfillError(value: unknown): value is SegmentBackfillError;

import type { FileEntry, Mapping, ImportFileOptions, CheckFilesOptions, SessionReport, FilesReport, FilesCheck } from "./segment_backfill.js";

/** Where the package's module worker is, for the `*InWorker` functions. */
export interface InWorkerOptions {
  /**
   * The URL of the package's `worker.js` (default: next to the package's
   * `index.js`, which Vite and webpack bundle by themselves). For a bundler
   * that does not (esbuild: add `segment-backfill/worker.js` as an entry
   * point) or files hosted elsewhere.
   */
  workerUrl?: string | URL;
}

/**
 * `importFile` run in a module worker the package provides: the same
 * arguments and report; `onProgress`, `paused` and `signal` work across.
 * Needs no `init()` on the page. Rejects with `worker_failed` where no
 * worker can start.
 */
export function importFileInWorker(
  file: Blob,
  mapping: Mapping | string | null,
  options: ImportFileOptions & InWorkerOptions,
): Promise<SessionReport>;

/** `importFiles` run in the package's module worker (see `importFileInWorker`). */
export function importFilesInWorker(
  files: FileEntry[],
  mapping: Mapping | string | null,
  options: ImportFileOptions & InWorkerOptions,
): Promise<FilesReport>;

/** `checkFiles` run in the package's module worker (see `importFileInWorker`). */
export function checkFilesInWorker(
  files: FileEntry[],
  mapping: Mapping | string | null,
  options?: CheckFilesOptions & InWorkerOptions,
): Promise<FilesCheck>;
