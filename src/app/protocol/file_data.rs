//! A file as it crosses to the worker: the page's `Blob` (the worker reads
//! it in slices), or its bytes, read by the page, where the worker cannot
//! read what the page hands it ([`super::Request::ProbeRead`]).

use js_sys::ArrayBuffer;
use serde::{Deserialize, Serialize};
use web_sys::Blob;

/// What the worker reads of a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FileData {
    /// The file itself (a `File`, or the sample): cloned by the browser
    /// without copying its bytes.
    Blob(#[serde(with = "serde_wasm_bindgen::preserve")] Blob),
    /// Its bytes, read by the page and transferred (not copied): WebKit
    /// gives the worker of a page opened from disk `NotReadableError` for
    /// any Blob, its own included.
    Bytes(#[serde(with = "serde_wasm_bindgen::preserve")] ArrayBuffer),
}

impl FileData {
    /// Its size in bytes.
    pub fn size(&self) -> f64 {
        match self {
            FileData::Blob(b) => b.size(),
            FileData::Bytes(b) => f64::from(b.byte_length()),
        }
    }
}

impl From<Blob> for FileData {
    fn from(blob: Blob) -> FileData {
        FileData::Blob(blob)
    }
}
