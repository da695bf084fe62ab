//! `new Importer(mapping, options)`: the streaming pipeline for callers that
//! do their own I/O. Bytes in with `push`, request-ready bodies out with
//! `takeBatches`; drain after every push and memory stays flat.

use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;

use super::args::bytes_arg;
use super::error::{codes, JsApiError, JsResult};
use super::options::{from_js_allowing, mapping_from_js, settings_keys, ImporterOptions};
use super::time::now_ms;
use crate::batch::{Batch, BatchOptions};
use crate::message::{MessageIds, SourceNamespace};
use crate::pipeline::{ImportOptions, RejectedRow, SniffingImporter, Summary};
use crate::source::Settings;
use crate::time::{parse_timestamp, TimeError, TimeSpec};

/// The streaming importer (core: `pipeline::SniffingImporter`).
#[wasm_bindgen(js_name = Importer)]
pub struct JsImporter {
    inner: SniffingImporter,
    /// The fixed `sentAt` (ms), or `None` for "now" at each `takeBatches`.
    sent_at_ms: Option<i64>,
}

#[wasm_bindgen(js_class = Importer)]
impl JsImporter {
    /// A new import. `mapping` may be `null` only for NDJSON/JSON input whose
    /// records are Segment messages already. Throws `invalid_mapping` or
    /// `invalid_options`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Mapping | string | null")] mapping: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ImporterOptions")] options: Option<JsValue>,
    ) -> JsResult<JsImporter> {
        let mapping = mapping_from_js(&mapping)?;
        let o: ImporterOptions = from_js_allowing(
            options.unwrap_or_default(),
            "Importer options",
            settings_keys(),
        )?;
        let sent_at_ms = o.sent_at.as_deref().map(parse_sent_at).transpose()?;
        let source = o.source_options()?;
        // The ids a send to the same source carries: from an explicit
        // namespace, else from the key, else none (see `message::id`).
        let namespace = match (&o.id_namespace, &o.write_key) {
            (Some(hex), _) => SourceNamespace::parse_hex(hex).map_err(|e| {
                JsApiError::new(codes::INVALID_OPTIONS, format!("idNamespace: {e}"))
            })?,
            (None, Some(key)) => SourceNamespace::of_write_key(key),
            (None, None) => SourceNamespace::NONE,
        };
        let ids = MessageIds::new(o.id_scheme()?.unwrap_or_default(), namespace);
        let target = super::options::target_from(o.target.as_deref(), None)?;
        let options = ImportOptions {
            batch: BatchOptions {
                integrations: o.integrations,
                write_key: o.write_key.map(|k| k.trim().to_string()),
                ..BatchOptions::default().with_limits(target.limits())
            },
            now_ms: now_ms() as i64,
            keep_reject_cells: o.keep_reject_cells.unwrap_or(true),
            ids,
            archive: None,
            fixes: super::options::fixes_from(o.fixes)?,
        };
        let sample = o.sample_bytes.unwrap_or(0) as usize;
        let inner = SniffingImporter::new(mapping, source, options, sample)?;
        Ok(JsImporter { inner, sent_at_ms })
    }

    /// Feeds the next bytes of the file (any size): a `Uint8Array` or an
    /// `ArrayBuffer` (anything else throws `invalid_options`). Throws
    /// `finished` after `finish()`, `source_error` or `invalid_mapping` when
    /// the file cannot be imported.
    pub fn push(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] chunk: JsValue,
    ) -> JsResult<()> {
        let chunk = bytes_arg(&chunk, "push's chunk")?;
        Ok(self.inner.push(&chunk)?)
    }

    /// Ends the input: the last row and the last batch are closed.
    pub fn finish(&mut self) -> JsResult<()> {
        Ok(self.inner.finish()?)
    }

    /// The batches finished so far, as complete request bodies with `sentAt`
    /// set, oldest first. Each is returned once.
    #[wasm_bindgen(js_name = takeBatches)]
    pub fn take_batches(&mut self) -> Vec<String> {
        self.take_bodies(|batch| batch.body_str().to_string())
    }

    /// The same as `takeBatches`, as UTF-8 bytes: what `fetch` sends, without
    /// decoding every body into a JS string first (faster for large files).
    #[wasm_bindgen(js_name = takeBatchBytes)]
    pub fn take_batch_bytes(&mut self) -> Vec<js_sys::Uint8Array> {
        self.take_bodies(|batch| js_sys::Uint8Array::from(batch.body()))
    }

    /// The rows rejected so far, with every reason. Each is returned once.
    #[wasm_bindgen(js_name = takeRejects)]
    pub fn take_rejects(&mut self) -> JsResult<Vec<Ts<RejectedRow>>> {
        std::iter::from_fn(|| self.inner.pop_reject())
            .map(|r| Ok(r.into_ts()?))
            .collect()
    }

    /// Counts, findings and ranges so far (complete after `finish()` and
    /// `takeBatches()`).
    pub fn summary(&self) -> JsResult<Ts<Summary>> {
        Ok(self.inner.summary().into_ts()?)
    }

    /// The settings the file is read with, once sniffed (`undefined` before).
    pub fn settings(&self) -> JsResult<Option<Ts<Settings>>> {
        self.inner.settings().map(|s| Ok(s.into_ts()?)).transpose()
    }
}

impl JsImporter {
    /// Every finished batch with `sentAt` set (the fixed one, or now), as `T`.
    fn take_bodies<T>(&mut self, convert: impl Fn(&Batch) -> T) -> Vec<T> {
        let sent_at = self.sent_at_ms.unwrap_or_else(|| now_ms() as i64);
        std::iter::from_fn(|| self.inner.pop_batch())
            .map(|mut batch| {
                batch.set_sent_at(sent_at);
                convert(&batch)
            })
            .collect()
    }
}

/// Reads `sentAt`; it must be an instant (with an offset or `Z`).
fn parse_sent_at(text: &str) -> JsResult<i64> {
    parse_timestamp(text, &TimeSpec::default())
        .map(|t| t.millis)
        .map_err(|e| {
            let why = match e {
                TimeError::Invalid(m) | TimeError::Ambiguous(m) => m,
            };
            JsApiError::new(codes::INVALID_OPTIONS, format!("sentAt: {why}"))
        })
}
