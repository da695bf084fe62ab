//! `new RowCounter(settings)`: counts a file's records without mapping them
//! (gunzip → decode → CSV/NDJSON/JSON records, nothing else). It gives a
//! row total for progress bars before an import, and it is the ceiling the
//! full pipeline is measured against in `make bench`.

use wasm_bindgen::prelude::*;

use super::args::bytes_arg;
use super::error::{codes, JsApiError, JsResult};
use crate::source::{Record, RecordReader, RecordSink, Settings};

/// Counts records and nothing else.
#[wasm_bindgen(js_name = RowCounter)]
pub struct JsRowCounter {
    reader: RecordReader,
    count: Count,
}

struct Count(u64);

impl RecordSink for Count {
    fn header(&mut self, _names: &[String]) {}
    fn record(&mut self, _record: Record<'_>) {
        self.0 += 1;
    }
}

#[wasm_bindgen(js_class = RowCounter)]
impl JsRowCounter {
    /// A counter for a file read with `settings` (from `inspect(...).settings`
    /// or `Importer.settings()`). Throws `invalid_options` when they are not
    /// settings.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Settings")] settings: JsValue,
    ) -> JsResult<JsRowCounter> {
        let settings: Settings = serde_wasm_bindgen::from_value(settings)
            .map_err(|e| JsApiError::new(codes::INVALID_OPTIONS, format!("settings: {e}")))?;
        Ok(JsRowCounter {
            reader: RecordReader::new(&settings),
            count: Count(0),
        })
    }

    /// Reads the next bytes of the file (any size): a `Uint8Array` or an
    /// `ArrayBuffer` (anything else throws `invalid_options`). Throws
    /// `source_error` when the file cannot be read with these settings (a
    /// corrupt gzip stream, say) or after `finish()`.
    pub fn push(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] chunk: JsValue,
    ) -> JsResult<()> {
        let chunk = bytes_arg(&chunk, "push's chunk")?;
        self.reader
            .push(&chunk, &mut self.count)
            .map_err(|e| JsApiError::new(codes::SOURCE_ERROR, e.to_string()))
    }

    /// Ends the file and returns the number of records (rows after the
    /// header, blank lines not counted).
    pub fn finish(&mut self) -> JsResult<f64> {
        self.reader
            .finish(&mut self.count)
            .map_err(|e| JsApiError::new(codes::SOURCE_ERROR, e.to_string()))?;
        Ok(self.count.0 as f64)
    }

    /// Records counted so far.
    #[wasm_bindgen(getter)]
    pub fn rows(&self) -> f64 {
        self.count.0 as f64
    }
}
