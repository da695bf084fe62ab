//! The tables module (src/source/table/js.rs) from the worker's side: loaded
//! with `importScripts` the first time a workbook or Parquet file is picked
//! (CSV users never download it), then called through its JS exports.
//!
//! The module is a separate wasm with its own memory: what crosses is a
//! `Blob` in (or, where the worker cannot read the page's Blobs, a
//! `Uint8Array` of the bytes the page read, copied in), and a `TableInfo`
//! and `Uint8Array` chunks of canonical text out.

use std::cell::RefCell;

use crate::app::protocol::{Failure, FileData};
use crate::js::error::describe;
use crate::source::table::TableInfo;
use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The function of www/worker_loader.js that imports the module's glue
/// (`make dist` writes it next to the worker: wasm-bindgen `--target
/// no-modules`) and returns its init function, and the module's wasm.
const LOADER: &str = "segmentBackfillLoadTables";
const WASM: &str = "./tables_bg.wasm";

thread_local! {
    /// The module's exports, once initialised.
    static MODULE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// A workbook sheet or a Parquet file opened by the tables module.
pub struct Table {
    handle: JsValue,
    info: TableInfo,
}

impl Table {
    /// Opens `file` (at `sheet`, or the reader's default sheet), loading the
    /// module first if this worker has not yet.
    pub async fn open(file: &FileData, sheet: Option<&str>) -> Result<Table, Failure> {
        let module = module().await?;
        let open = function(&module, "openTable").map_err(not_loaded)?;
        let sheet = sheet.map_or(JsValue::UNDEFINED, JsValue::from_str);
        let source: JsValue = match file {
            FileData::Blob(blob) => blob.into(),
            FileData::Bytes(bytes) => Uint8Array::new(bytes).into(),
        };
        let handle = open
            .call2(&JsValue::UNDEFINED, &source, &sheet)
            .map_err(|e| thrown(&e))?;
        let info = call(&handle, "info")?;
        let info: TableInfo = serde_wasm_bindgen::from_value(info).map_err(|e| {
            Failure::new(
                format!("the tables module answered in another shape: {e}"),
                "Reload the page: its files may be from two different versions.",
            )
        })?;
        Ok(Table { handle, info })
    }

    pub fn info(&self) -> &TableInfo {
        &self.info
    }

    /// The next piece of canonical text (whole records), `None` at the end.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, Failure> {
        let chunk = call(&self.handle, "nextChunk")?;
        Ok(chunk.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec))
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        // Frees the reader's memory inside the module (a sheet, a row group).
        let _ = call(&self.handle, "free");
    }
}

/// The module's exports: loaded and initialised once per worker.
async fn module() -> Result<JsValue, Failure> {
    if let Some(m) = MODULE.with(|m| m.borrow().clone()) {
        return Ok(m);
    }
    let load = function(&js_sys::global(), LOADER).map_err(not_loaded)?;
    let module = load.call0(&JsValue::UNDEFINED).map_err(not_loaded)?;
    let init: Function = module.clone().dyn_into().map_err(not_loaded)?;
    let options = Object::new();
    Reflect::set(&options, &"module_or_path".into(), &WASM.into()).map_err(not_loaded)?;
    let started = init
        .call1(&JsValue::UNDEFINED, &options)
        .map_err(not_loaded)?;
    let promise: Promise = started.dyn_into().map_err(not_loaded)?;
    JsFuture::from(promise).await.map_err(not_loaded)?;
    MODULE.with(|m| *m.borrow_mut() = Some(module.clone()));
    Ok(module)
}

fn function(on: &JsValue, name: &str) -> Result<Function, JsValue> {
    Reflect::get(on, &name.into())?.dyn_into()
}

/// Calls the method `name` of `on`; a thrown error becomes a [`Failure`].
fn call(on: &JsValue, name: &str) -> Result<JsValue, Failure> {
    let f = function(on, name).map_err(not_loaded)?;
    f.call0(on).map_err(|e| thrown(&e))
}

fn not_loaded(e: JsValue) -> Failure {
    Failure::new(
        format!(
            "the reader for workbooks and Parquet files could not be loaded: {}",
            describe(&e)
        ),
        "Reload the page (the app's files must be served together), or export the data as CSV and pick that.",
    )
}

/// What the module threw (a coded `Error`: see `crate::js::error`), in words.
fn thrown(e: &JsValue) -> Failure {
    let code = Reflect::get(e, &"code".into())
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_default();
    let hint = match code.as_str() {
        "read_error" => {
            "The file may have been moved, changed or deleted since you picked it: pick it again."
        }
        _ => "Open it in the program that made it and save it again, or export the data as CSV and pick that.",
    };
    Failure::new(describe(e), hint)
}
