//! The stateless entry points: `inspect`, `inspectFile`, `suggestMapping`,
//! `version`.

use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;

use super::args::bytes_arg;
use super::error::{codes, JsApiError, JsResult};
use super::options::{from_js, from_js_allowing, settings_keys, InspectOptions};
use crate::mapping::{suggest_mapping, suggest_mapping_for, Mapping};
#[cfg(not(feature = "app"))]
use crate::pipeline::DEFAULT_SAMPLE_BYTES;
#[cfg(not(feature = "app"))]
use crate::source::table::TableInfo;
use crate::source::table::TableKind;
use crate::source::{self, Inspection, Settings, SourceOptions};
#[cfg(not(feature = "app"))]
use serde::Serialize;

/// Rows `inspect` returns unless told otherwise.
const DEFAULT_PREVIEW_ROWS: usize = 20;

/// Guesses how to read a file from its bytes (the whole file, or its first
/// bytes with `complete: false`) and previews its first rows.
#[wasm_bindgen(js_name = inspect)]
pub fn inspect(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "InspectOptions")] options: Option<JsValue>,
) -> JsResult<Ts<Inspection>> {
    let bytes = &bytes_arg(&bytes, "inspect's bytes")?[..];
    let o: InspectOptions = from_js_allowing(
        options.unwrap_or_default(),
        "inspect options",
        settings_keys(),
    )?;
    o.source_options()?;
    if bytes.is_empty() {
        return Err(JsApiError::new(codes::SOURCE_ERROR, "the file is empty"));
    }
    if let Some(kind) = TableKind::of(bytes) {
        return Err(JsApiError::new(
            codes::TABLE_FILE,
            format!(
                "this is {}, read by position rather than as text: pass the file (a Blob) \
                 to inspectFile or importFile",
                kind.describe()
            ),
        ));
    }
    let complete = o.complete.unwrap_or(true);
    Ok(inspect_text(bytes, complete, &o.source_options()?, &o)?.into_ts()?)
}

/// The core's `inspect` of a text sample, its errors coded.
fn inspect_text(
    bytes: &[u8],
    complete: bool,
    overrides: &SourceOptions,
    o: &InspectOptions,
) -> JsResult<Inspection> {
    let max_rows = o.max_rows.map_or(DEFAULT_PREVIEW_ROWS, |n| n as usize);
    source::inspect(bytes, complete, overrides, max_rows).map_err(|e| {
        let code = match source::not_text(bytes, complete, overrides) {
            Some(_) => codes::UNSUPPORTED_FILE,
            None => codes::SOURCE_ERROR,
        };
        JsApiError::new(code, e.to_string())
    })
}

/// What `inspectFile` saw: the [`Inspection`] of the file's text (a table's
/// canonical text), and for a workbook or Parquet file what it holds.
#[cfg(not(feature = "app"))]
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(hashmap_as_object)]
pub struct FileInspection {
    #[serde(flatten)]
    pub inspection: Inspection,
    /// A workbook or Parquet file: its kind, sheets, the sheet read, the row
    /// number of its first record, rows, row groups, codecs and notes.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<TableInfo>,
}

/// Inspects any file (a Blob or File): a text file from its first bytes, a
/// workbook (at `options.sheet`) or Parquet file through the tables module,
/// loaded the first time one is seen, from the start of its canonical text.
#[cfg(not(feature = "app"))]
#[wasm_bindgen(js_name = inspectFile)]
pub async fn inspect_file(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "InspectOptions")] options: Option<JsValue>,
) -> JsResult<Ts<FileInspection>> {
    use super::table::{kind_of, Table};
    let file = super::args::blob_arg(file, "inspectFile's file")?;
    let o: InspectOptions = from_js_allowing(
        options.unwrap_or_default(),
        "inspectFile options",
        settings_keys(),
    )?;
    let user = o.source_options()?;
    if file.size() == 0.0 {
        return Err(JsApiError::new(codes::SOURCE_ERROR, "the file is empty"));
    }
    let found = if kind_of(&file).await?.is_some() {
        let mut table = Table::open(&file, user.sheet.as_deref()).await?;
        let overrides = table.options(&user)?;
        let (sample, complete) = table.sample(DEFAULT_SAMPLE_BYTES)?;
        if sample.is_empty() {
            return Err(JsApiError::new(
                codes::SOURCE_ERROR,
                format!("{} has no rows to read", table.info().kind.describe()),
            ));
        }
        FileInspection {
            inspection: inspect_text(&sample, complete, &overrides, &o)?,
            table: Some(table.info().clone()),
        }
    } else {
        let head = super::blob::read_head(&file, DEFAULT_SAMPLE_BYTES).await?;
        let complete = head.len() as f64 >= file.size();
        FileInspection {
            inspection: inspect_text(&head, complete, &user, &o)?,
            table: None,
        }
    };
    Ok(found.into_ts()?)
}

/// Suggests a mapping from column names and, optionally, sample rows (cells
/// in header order) and the settings `inspect` found (with them, the same
/// suggestion as the app and `inspect` in the CLI: decimal commas need the
/// delimiter, and JSON values are not typed).
#[wasm_bindgen(js_name = suggestMapping)]
pub fn suggest(
    headers: Vec<String>,
    #[wasm_bindgen(js_name = "sampleRows", unchecked_optional_param_type = "string[][]")]
    sample_rows: Option<JsValue>,
    #[wasm_bindgen(unchecked_optional_param_type = "Settings")] settings: Option<JsValue>,
) -> JsResult<Ts<Mapping>> {
    let rows: Vec<Vec<String>> = from_js(sample_rows.unwrap_or_default(), "sampleRows")?;
    let settings: Option<Settings> = from_js(settings.unwrap_or_default(), "settings")?;
    let mapping = match settings {
        Some(s) => suggest_mapping_for(&headers, &rows, &s),
        None => suggest_mapping(&headers, &rows),
    };
    Ok(mapping.into_ts()?)
}

/// The package version (the crate's).
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    crate::LIBRARY_VERSION.to_string()
}
