// The package's entry: the wasm-bindgen glue (segment_backfill.js) with
// what JavaScript callers need around it. Every function and class checks
// that init() ran (`not_initialized`), an Importer or RowCounter that its
// free() was not called (`freed`); init() resolves with the package's
// version rather than the raw wasm exports; and SegmentBackfillError is a
// class that every error this package throws is an instance of.
import initGlue, * as glue from "./segment_backfill.js";

export { SegmentBackfillError, isSegmentBackfillError } from "./error.js";
export { importFileInWorker, importFilesInWorker, checkFilesInWorker } from "./in-worker.js";
import { SegmentBackfillError } from "./error.js";

let ready = false;

function notReady(name) {
  return new SegmentBackfillError(
    "not_initialized",
    `${name}: the package is not loaded yet: await init() (or call initSync()) first`,
  );
}

/**
 * Imports and initialises the tables module (workbooks, Parquet) when the
 * first such file comes. A static import() here, next to tables.js, is what
 * Vite, webpack and esbuild follow by themselves; the tables glue then
 * fetches tables_bg.wasm next to itself.
 */
async function loadTables() {
  const tables = await import("./tables.js");
  await tables.default();
  return tables;
}

/** Loaded: hands the wasm how to load the tables module (`load`: Node's entry gives its own). */
function loaded(load = loadTables) {
  glue.__setTablesLoader(load);
  ready = true;
  return { version: glue.version() };
}

/** The glue's input: its own object form, or a bare source put in it. */
function glueInput(input) {
  if (input === undefined || input === null) return undefined;
  if (Object.getPrototypeOf(input) === Object.prototype && ("module_or_path" in input || "module" in input)) {
    return input;
  }
  return { module_or_path: input };
}

/**
 * Loads the wasm: by default `segment_backfill_bg.wasm` next to this file
 * (fetched; Node's entry reads it from disk). Resolves with `{ version }`.
 */
export default async function init(input, tablesLoader) {
  await initGlue(glueInput(input));
  return loaded(tablesLoader);
}

/** Loads the wasm synchronously from its bytes (or a compiled module). */
export function initSync(input, tablesLoader) {
  const given = glueInput(input);
  glue.initSync(given && "module_or_path" in given ? { module: given.module_or_path } : given);
  return loaded(tablesLoader);
}

function guard(name, fn, async) {
  const wrapped = {
    [name](...args) {
      if (!ready) {
        const error = notReady(name);
        if (async) return Promise.reject(error);
        throw error;
      }
      return fn.apply(this, args);
    },
  };
  return wrapped[name];
}

/** `Base` whose constructor needs init() and whose methods refuse after free(). */
function guardClass(name, Base) {
  const Guarded = {
    [name]: class extends Base {
      constructor(...args) {
        if (!ready) throw notReady(`new ${name}`);
        super(...args);
      }
    },
  }[name];
  for (const key of Object.getOwnPropertyNames(Base.prototype)) {
    if (key === "constructor" || key === "free" || key.startsWith("__")) continue;
    const descriptor = Object.getOwnPropertyDescriptor(Base.prototype, key);
    const freed = (self) =>
      new SegmentBackfillError("freed", `${name}.${key}: this ${name} was freed (free() was called); make a new one`);
    if (typeof descriptor.value === "function") {
      const method = descriptor.value;
      descriptor.value = function (...args) {
        if (this.__wbg_ptr === 0) throw freed(this);
        return method.apply(this, args);
      };
    } else if (typeof descriptor.get === "function") {
      const get = descriptor.get;
      descriptor.get = function () {
        if (this.__wbg_ptr === 0) throw freed(this);
        return get.call(this);
      };
    } else {
      continue;
    }
    Object.defineProperty(Guarded.prototype, key, descriptor);
  }
  return Guarded;
}

export const Importer = guardClass("Importer", glue.Importer);
export const RowCounter = guardClass("RowCounter", glue.RowCounter);
export const inspect = guard("inspect", glue.inspect, false);
export const suggestMapping = guard("suggestMapping", glue.suggestMapping, false);
export const version = guard("version", glue.version, false);
export const inspectFile = guard("inspectFile", glue.inspectFile, true);
export const importFile = guard("importFile", glue.importFile, true);
export const importFiles = guard("importFiles", glue.importFiles, true);
export const checkFiles = guard("checkFiles", glue.checkFiles, true);
export const checkWriteKey = guard("checkWriteKey", glue.checkWriteKey, true);
export const targets = guard("targets", glue.targets, false);
export const mappingGaps = guard("mappingGaps", glue.mappingGaps, false);
export const describeReading = guard("describeReading", glue.describeReading, false);
