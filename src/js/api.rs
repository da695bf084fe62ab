//! The stateless entry points: `inspect`, `suggestMapping`, `version`.

use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;

use super::error::{codes, JsApiError, JsResult};
use super::options::{from_js, InspectOptions};
use crate::mapping::{suggest_mapping, suggest_mapping_for, Mapping};
use crate::source::{self, Inspection, Settings};

/// Rows `inspect` returns unless told otherwise.
const DEFAULT_PREVIEW_ROWS: usize = 20;

/// Guesses how to read a file from its bytes (the whole file, or its first
/// bytes with `complete: false`) and previews its first rows.
#[wasm_bindgen(js_name = inspect)]
pub fn inspect(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_optional_param_type = "InspectOptions")] options: Option<JsValue>,
) -> JsResult<Ts<Inspection>> {
    let o: InspectOptions = from_js(options.unwrap_or_default(), "inspect options")?;
    let overrides = o.source_options()?;
    if bytes.is_empty() {
        return Err(JsApiError::new(codes::SOURCE_ERROR, "the file is empty"));
    }
    let max_rows = o.max_rows.map_or(DEFAULT_PREVIEW_ROWS, |n| n as usize);
    let complete = o.complete.unwrap_or(true);
    let inspection = source::inspect(bytes, complete, &overrides, max_rows).map_err(|e| {
        let code = match source::not_text(bytes, complete, &overrides) {
            Some(_) => codes::UNSUPPORTED_FILE,
            None => codes::SOURCE_ERROR,
        };
        JsApiError::new(code, e.to_string())
    })?;
    Ok(inspection.into_ts()?)
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
