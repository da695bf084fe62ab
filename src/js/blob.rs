//! Reading a `Blob` (a `File`) in slices, so memory stays flat whatever its
//! size: `blob.slice(a, b).arrayBuffer()` works in windows, workers and Node.

use js_sys::Uint8Array;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use crate::blob_slices::BlobSlices;

use super::error::{codes, describe, JsApiError, JsResult};

/// Bytes read per slice by default: the core's, as the CLI reads.
pub const DEFAULT_CHUNK_BYTES: usize = crate::session::DEFAULT_CHUNK_BYTES;

/// Reads a Blob front to back, one slice at a time (one slice ahead: see
/// [`BlobSlices`]).
#[derive(Debug)]
pub struct BlobReader(BlobSlices);

impl BlobReader {
    /// A reader of `blob` in slices of `chunk_bytes` (0: the default).
    pub fn new(blob: Blob, chunk_bytes: usize) -> BlobReader {
        let chunk = if chunk_bytes == 0 {
            DEFAULT_CHUNK_BYTES
        } else {
            chunk_bytes
        };
        BlobReader(BlobSlices::new(blob, chunk as f64))
    }

    /// The Blob's size in bytes.
    pub fn size(&self) -> f64 {
        self.0.size()
    }

    /// Bytes read so far.
    pub fn offset(&self) -> f64 {
        self.0.offset()
    }

    /// The next slice, or `None` at the end.
    pub async fn next(&mut self) -> JsResult<Option<Vec<u8>>> {
        let at = self.0.offset();
        self.0.next().await.map_err(|e| {
            JsApiError::new(
                codes::READ_ERROR,
                format!("cannot read the file at byte {at}: {}", describe(&e)),
            )
        })
    }
}

/// The first `n` bytes of `blob` (all of it if shorter), read on their own.
pub async fn read_head(blob: &Blob, n: usize) -> JsResult<Vec<u8>> {
    let end = blob.size().min(n as f64);
    let fail = |e: wasm_bindgen::JsValue| {
        JsApiError::new(
            codes::READ_ERROR,
            format!("cannot read the start of the file: {}", describe(&e)),
        )
    };
    let slice = blob.slice_with_f64_and_f64(0.0, end).map_err(fail)?;
    let buffer = JsFuture::from(slice.array_buffer()).await.map_err(fail)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
