//! Workbooks and Parquet files in the package: the tables module
//! (`tables.js`, [`crate::source::table::js`]) loaded on demand and read as
//! canonical text, so CSV users never download it.
//!
//! The package's entry hands the wasm a loader (`__setTablesLoader`, at
//! `init()`): a function that imports its own `tables.js` with a static
//! `import("./tables.js")` and initialises it (fetching `tables_bg.wasm` in
//! browsers, reading it from the package's directory in Node). A static
//! import next to the entry is what every bundler follows by itself; a URL
//! built at run time in this crate's snippet is not. The snippet here only
//! keeps the loaded module and hands it the file: on a page's main thread
//! a `Blob` cannot be read synchronously, so the module gets the file's
//! bytes (the whole file in memory); in a worker it gets the `Blob` and
//! reads it a window at a time (`FileReaderSync`).
//!
//! The app's worker is a no-modules build, which cannot carry snippets: it
//! loads the module itself, so this loader is the package's only.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Blob;

use super::error::{codes, describe, JsApiError, JsResult};
use crate::source::table::{checked_options, TableInfo, TableKind};
use crate::source::SourceOptions;

#[wasm_bindgen(inline_js = r#"
let loading;

export async function openTableFile(file, sheet, load) {
  loading ??= (async () => {
    if (typeof load !== "function") {
      throw new Error("the package was loaded without its entry (index.js), which says where tables.js is");
    }
    return load();
  })().catch((e) => {
    loading = undefined;
    const error = new Error(`cannot load the package's tables module (tables.js, tables_bg.wasm): ${e?.message ?? e}`);
    error.code = "tables_unavailable";
    throw error;
  });
  const tables = await loading;
  // A worker reads the Blob a window at a time; elsewhere it is read whole.
  const source = typeof FileReaderSync === "function"
    ? file
    : new Uint8Array(await file.arrayBuffer());
  return tables.openTable(source, sheet);
}
"#)]
extern "C" {
    /// A `TableHandle` of the tables module (another wasm instance).
    type JsTable;

    #[wasm_bindgen(catch, js_name = openTableFile)]
    async fn open_table_file(
        file: &Blob,
        sheet: Option<String>,
        load: Option<js_sys::Function>,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn info(this: &JsTable) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = nextChunk)]
    fn next_chunk(this: &JsTable) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method)]
    fn free(this: &JsTable);
}

thread_local! {
    /// How the package's entry loads the tables module (see the module docs).
    static TABLES_LOADER: std::cell::RefCell<Option<js_sys::Function>> = const { std::cell::RefCell::new(None) };
}

/// Called by the package's entry at `init()`: `load` imports the package's
/// `tables.js`, initialises it and resolves with it. Not part of the API.
#[wasm_bindgen(js_name = "__setTablesLoader", skip_typescript)]
pub fn set_tables_loader(load: js_sys::Function) {
    TABLES_LOADER.with(|l| *l.borrow_mut() = Some(load));
}

/// A workbook sheet or a Parquet file open in the tables module; freed
/// when dropped.
pub struct Table {
    handle: JsTable,
    info: TableInfo,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Table {
    /// Opens `file` (a workbook or Parquet file, as [`kind_of`] said) at
    /// `sheet`, loading the tables module the first time.
    pub async fn open(file: &Blob, sheet: Option<&str>) -> JsResult<Table> {
        let load = TABLES_LOADER.with(|l| l.borrow().clone());
        let handle: JsTable = open_table_file(file, sheet.map(str::to_string), load)
            .await
            .map_err(from_module)?
            .unchecked_into();
        let info = handle.info().map_err(from_module)?;
        let info: TableInfo = serde_wasm_bindgen::from_value(info).map_err(|e| {
            handle.free();
            JsApiError::new(codes::INTERNAL, format!("the tables module's info: {e}"))
        })?;
        Ok(Table { handle, info })
    }

    pub fn info(&self) -> &TableInfo {
        &self.info
    }

    /// The next piece of canonical text (whole records), or `None` at the end.
    pub fn next_chunk(&mut self) -> JsResult<Option<Vec<u8>>> {
        let chunk = self.handle.next_chunk().map_err(from_module)?;
        if chunk.is_undefined() || chunk.is_null() {
            return Ok(None);
        }
        let bytes = chunk
            .dyn_into::<js_sys::Uint8Array>()
            .map_err(|_| JsApiError::new(codes::INTERNAL, "the tables module gave no bytes"))?;
        Ok(Some(bytes.to_vec()))
    }

    /// The first `n` bytes (or a little more: whole records) of the
    /// canonical text, and whether they are all of it.
    pub fn sample(&mut self, n: usize) -> JsResult<(Vec<u8>, bool)> {
        let mut sample = Vec::new();
        while sample.len() < n {
            match self.next_chunk()? {
                Some(chunk) => sample.extend_from_slice(&chunk),
                None => return Ok((sample, true)),
            }
        }
        Ok((sample, false))
    }

    /// The settings the canonical text is read with, the user's overrides
    /// checked: the text ones do not apply to a table.
    pub fn options(&self, user: &SourceOptions) -> JsResult<SourceOptions> {
        checked_options(&self.info, user, "")
            .map_err(|e| JsApiError::new(codes::INVALID_OPTIONS, e))
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        self.handle.free();
    }
}

/// The kind of table `file` is, from its first bytes; `None` for text.
pub async fn kind_of(file: &Blob) -> JsResult<Option<TableKind>> {
    let head = super::blob::read_head(file, TABLE_HEAD).await?;
    Ok(TableKind::of(&head))
}

/// Bytes enough for [`TableKind::of`]: an .xlsx or .ods is known by the
/// names of its first zip entries, so as much as the CLI's sample.
const TABLE_HEAD: usize = crate::pipeline::DEFAULT_SAMPLE_BYTES;

/// An error thrown by the tables module or its loader: its code kept.
fn from_module(e: JsValue) -> JsApiError {
    let code = js_sys::Reflect::get(&e, &"code".into())
        .ok()
        .and_then(|c| c.as_string())
        .and_then(|c| codes::known(&c))
        .unwrap_or(codes::UNREADABLE_TABLE);
    JsApiError::new(code, describe(&e))
}
