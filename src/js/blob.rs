//! Reading a `Blob` (a `File`) in slices, so memory stays flat whatever its
//! size: `blob.slice(a, b).arrayBuffer()` works in windows, workers and Node.

use js_sys::Uint8Array;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::error::{codes, describe, JsApiError, JsResult};

/// Bytes read per slice by default.
pub const DEFAULT_CHUNK_BYTES: usize = 1024 * 1024;

/// Reads a Blob front to back, one slice at a time.
#[derive(Debug)]
pub struct BlobReader {
    blob: Blob,
    offset: f64,
    size: f64,
    chunk: f64,
}

impl BlobReader {
    /// A reader of `blob` in slices of `chunk_bytes` (0: the default).
    pub fn new(blob: Blob, chunk_bytes: usize) -> BlobReader {
        let chunk = if chunk_bytes == 0 {
            DEFAULT_CHUNK_BYTES
        } else {
            chunk_bytes
        };
        BlobReader {
            size: blob.size(),
            blob,
            offset: 0.0,
            chunk: chunk as f64,
        }
    }

    /// The Blob's size in bytes.
    pub fn size(&self) -> f64 {
        self.size
    }

    /// Bytes read so far.
    pub fn offset(&self) -> f64 {
        self.offset
    }

    /// The next slice, or `None` at the end.
    pub async fn next(&mut self) -> JsResult<Option<Vec<u8>>> {
        if self.offset >= self.size {
            return Ok(None);
        }
        let end = (self.offset + self.chunk).min(self.size);
        let fail = |e: wasm_bindgen::JsValue| {
            JsApiError::new(
                codes::READ_ERROR,
                format!(
                    "cannot read the file at byte {}: {}",
                    self.offset,
                    describe(&e)
                ),
            )
        };
        let slice = self
            .blob
            .slice_with_f64_and_f64(self.offset, end)
            .map_err(fail)?;
        let buffer = JsFuture::from(slice.array_buffer()).await.map_err(fail)?;
        let bytes = Uint8Array::new(&buffer).to_vec();
        self.offset = end;
        Ok(Some(bytes))
    }
}

/// The first `n` bytes of `blob` (all of it if shorter), read on their own.
pub async fn read_head(blob: &Blob, n: usize) -> JsResult<Vec<u8>> {
    BlobReader::new(blob.clone(), n.max(1))
        .next()
        .await
        .map(Option::unwrap_or_default)
}
