//! The one error type of the JS layer and its conversion to a thrown `Error`.
//!
//! Every failure a JS caller can see is an `Error` whose `message` is a
//! sentence and whose `code` is one of a short, stable list (see
//! [`codes`]), so callers can branch on it without parsing text. Nothing in
//! this layer panics on input.

use wasm_bindgen::prelude::*;

use crate::deliver::endpoint::EndpointError;
use crate::pipeline::ImportError;
use crate::session::SessionError;

/// The stable `code` values (also the `ErrorCode` type in the `.d.ts`).
pub mod codes {
    /// The mapping is not valid JSON, not the mapping format, or fails its checks.
    pub const INVALID_MAPPING: &str = "invalid_mapping";
    /// An option has the wrong type or value.
    pub const INVALID_OPTIONS: &str = "invalid_options";
    /// The `fixes` do not fit the file (other columns, rows it does not have).
    pub const INVALID_FIXES: &str = "invalid_fixes";
    /// The file cannot be read any further (corrupt gzip, broken JSON array, empty).
    pub const SOURCE_ERROR: &str = "source_error";
    /// The file is not a text export: an image, a PDF, a workbook, Parquet,
    /// an archive, another compression or binary data (the message says
    /// which, and what to do).
    pub const UNSUPPORTED_FILE: &str = "unsupported_file";
    /// `push` or `finish` after `finish`.
    pub const FINISHED: &str = "finished";
    /// A plain `http://` endpoint that is not on this machine.
    pub const INSECURE_ENDPOINT: &str = "insecure_endpoint";
    /// The endpoint is not an http(s) URL.
    pub const INVALID_ENDPOINT: &str = "invalid_endpoint";
    /// A workbook or Parquet file cannot be opened or read: damaged, a
    /// sheet it does not have, a Parquet codec this build cannot read (the
    /// message says which).
    pub const UNREADABLE_TABLE: &str = "unreadable_table";
    /// `inspect` or an `Importer` was given a workbook or Parquet file, which
    /// is read by position, not as a stream of text: `inspectFile` and
    /// `importFile` read it.
    pub const TABLE_FILE: &str = "table_file";
    /// The package's tables module (`tables.js`, `tables_bg.wasm`) could not
    /// be loaded: not served next to the package's files, or offline.
    pub const TABLES_UNAVAILABLE: &str = "tables_unavailable";
    /// The Blob could not be read.
    pub const READ_ERROR: &str = "read_error";
    /// `resumeFrom` is not a checkpoint document (or of another version).
    pub const INVALID_CHECKPOINT: &str = "invalid_checkpoint";
    /// `resumeFrom` is the checkpoint of another import (file, reading,
    /// mapping, id scheme, endpoint or write key).
    pub const CHECKPOINT_MISMATCH: &str = "checkpoint_mismatch";
    /// `resumeFrom` is this import's, but the file changed where the earlier
    /// run had read it.
    pub const FILE_CHANGED: &str = "file_changed";
    /// Segment's CDN does not know the write key (404): nothing was sent.
    pub const UNKNOWN_WRITE_KEY: &str = "unknown_write_key";
    /// The key's source is in the other Segment region than the endpoint.
    pub const WRONG_REGION: &str = "wrong_region";
    /// The key could not be checked (no answer, a CORS refusal, another
    /// status): nothing was sent; `keyCheck: false` sends anyway.
    pub const KEY_CHECK_FAILED: &str = "key_check_failed";
    /// `onProgress` threw on its last call, after the import ended (a
    /// throw during the run stops it instead: the report says so).
    pub const CALLBACK_FAILED: &str = "callback_failed";
    /// The package was used before `init()` (or `initSync()`) loaded it
    /// (thrown by the package's JS entry).
    pub const NOT_INITIALIZED: &str = "not_initialized";
    /// An `Importer` or `RowCounter` was used after its `free()` (thrown by
    /// the package's JS entry).
    pub const FREED: &str = "freed";
    /// The package's module worker (`importFileInWorker`, ...) could not
    /// start (`worker.js` not served, a CSP without `worker-src`, no Web
    /// Worker in Node) or stopped during the run (thrown by the package's JS).
    pub const WORKER_FAILED: &str = "worker_failed";
    /// A value could not cross the JS boundary (a bug if it ever shows).
    pub const INTERNAL: &str = "internal";

    /// Every code, for reading one back from a JS `Error` (the tables module
    /// throws the same codes).
    const ALL: &[&str] = &[
        INVALID_MAPPING,
        INVALID_OPTIONS,
        INVALID_FIXES,
        SOURCE_ERROR,
        UNSUPPORTED_FILE,
        FINISHED,
        INSECURE_ENDPOINT,
        INVALID_ENDPOINT,
        UNREADABLE_TABLE,
        TABLE_FILE,
        TABLES_UNAVAILABLE,
        READ_ERROR,
        INVALID_CHECKPOINT,
        CHECKPOINT_MISMATCH,
        FILE_CHANGED,
        UNKNOWN_WRITE_KEY,
        WRONG_REGION,
        KEY_CHECK_FAILED,
        CALLBACK_FAILED,
        NOT_INITIALIZED,
        FREED,
        WORKER_FAILED,
        INTERNAL,
    ];

    /// The code named `name`, if it is one of these.
    pub fn known(name: &str) -> Option<&'static str> {
        ALL.iter().copied().find(|c| *c == name)
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TS_ERROR: &'static str = r#"
/** The `code` of every Error this package throws. */
export type ErrorCode =
  | "invalid_mapping"
  | "invalid_options"
  | "invalid_fixes"
  | "source_error"
  | "unsupported_file"
  | "unreadable_table"
  | "table_file"
  | "tables_unavailable"
  | "finished"
  | "insecure_endpoint"
  | "invalid_endpoint"
  | "read_error"
  | "invalid_checkpoint"
  | "checkpoint_mismatch"
  | "file_changed"
  | "unknown_write_key"
  | "wrong_region"
  | "key_check_failed"
  | "callback_failed"
  | "not_initialized"
  | "freed"
  | "worker_failed"
  | "internal";
"#;

/// A failure for a JS caller: a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsApiError {
    /// One of [`codes`].
    pub code: &'static str,
    pub message: String,
    /// In an import of several files, the file it is about (the thrown
    /// `Error`'s `file`); the message names it too.
    pub file: Option<String>,
}

/// What every fallible function of the JS layer returns.
pub type JsResult<T> = Result<T, JsApiError>;

impl JsApiError {
    /// An error with this code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> JsApiError {
        JsApiError {
            code,
            message: message.into(),
            file: None,
        }
    }

    /// The same error, about file `name` of several: the message starts
    /// with the name (once), and the thrown `Error` has it as `file`.
    pub fn in_file(mut self, name: &str) -> JsApiError {
        if !self.message.starts_with(&format!("{name}: ")) {
            self.message = format!("{name}: {}", self.message);
        }
        self.file = Some(name.to_string());
        self
    }
}

impl std::fmt::Display for JsApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for JsApiError {}

impl From<JsApiError> for JsValue {
    fn from(e: JsApiError) -> JsValue {
        let error = js_sys::Error::new(&e.message);
        // What `SegmentBackfillError` (the package's entry) recognises.
        error.set_name("SegmentBackfillError");
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&error, &"code".into(), &e.code.into());
        if let Some(file) = &e.file {
            let _ = js_sys::Reflect::set(&error, &"file".into(), &file.into());
        }
        error.into()
    }
}

impl From<ImportError> for JsApiError {
    fn from(e: ImportError) -> JsApiError {
        let code = match e {
            ImportError::Source(_) => codes::SOURCE_ERROR,
            ImportError::Mapping(_) => codes::INVALID_MAPPING,
            ImportError::Finished => codes::FINISHED,
            ImportError::Fixes(_) => codes::INVALID_FIXES,
        };
        JsApiError::new(code, e.to_string())
    }
}

impl From<SessionError> for JsApiError {
    fn from(e: SessionError) -> JsApiError {
        let code = match e {
            SessionError::Mapping(_) => codes::INVALID_MAPPING,
            SessionError::Source(_) => codes::SOURCE_ERROR,
            SessionError::Checkpoint(_) => codes::INVALID_CHECKPOINT,
            SessionError::OtherImport(_) => codes::CHECKPOINT_MISMATCH,
            SessionError::FileChanged(_) => codes::FILE_CHANGED,
        };
        JsApiError::new(code, e.to_string())
    }
}

impl From<EndpointError> for JsApiError {
    fn from(e: EndpointError) -> JsApiError {
        let code = match e {
            EndpointError::Invalid(_) => codes::INVALID_ENDPOINT,
            EndpointError::Insecure(_) => codes::INSECURE_ENDPOINT,
        };
        JsApiError::new(code, e.to_string())
    }
}

#[cfg(any(feature = "js", feature = "tables-js"))]
impl From<tsify::Error> for JsApiError {
    fn from(e: tsify::Error) -> JsApiError {
        JsApiError::new(codes::INTERNAL, e.to_string())
    }
}

/// The text of a thrown JS value (an `Error`'s message, or the value itself).
pub fn describe(value: &JsValue) -> String {
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

/// Whether this page or worker has the opaque origin `null`: the single-file
/// build opened from disk (its worker, started from a `blob:` URL, has its
/// page's origin). Node has no `origin`: not null.
#[cfg(any(feature = "js", feature = "app"))]
pub fn origin_is_null() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"origin".into())
        .ok()
        .and_then(|o| o.as_string())
        .is_some_and(|o| o == "null")
}
