//! Reading a browser `Blob` (a `File`) front to back in slices, for the JS
//! package's `importFile` and the app's worker: memory stays flat whatever the
//! file size, and the next slice is always on its way while the caller works
//! on this one (reading is slow in the browser: a synchronous read of every
//! slice was a quarter of an import's time in the benchmark's profile).

use js_sys::Uint8Array;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

/// A cursor over a `Blob` that reads one slice ahead.
#[derive(Debug)]
pub struct BlobSlices {
    blob: Blob,
    offset: f64,
    size: f64,
    slice: f64,
    /// The read of the slice at `offset`, started before it is asked for.
    ahead: Option<Result<JsFuture, JsValue>>,
}

impl BlobSlices {
    /// Slices of `slice_bytes` (at least 1).
    pub fn new(blob: Blob, slice_bytes: f64) -> BlobSlices {
        BlobSlices {
            size: blob.size(),
            blob,
            offset: 0.0,
            slice: slice_bytes.max(1.0),
            ahead: None,
        }
    }

    /// The Blob's size in bytes.
    pub fn size(&self) -> f64 {
        self.size
    }

    /// Bytes handed out so far.
    pub fn offset(&self) -> f64 {
        self.offset
    }

    /// The next slice, or `None` at the end; `Err` with what the browser
    /// said when the file cannot be read (moved, changed, deleted).
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, JsValue> {
        if self.offset >= self.size {
            return Ok(None);
        }
        let end = (self.offset + self.slice).min(self.size);
        let read = match self.ahead.take() {
            Some(read) => read,
            None => self.start_read(self.offset, end),
        };
        let buffer = read?.await?;
        self.offset = end;
        if end < self.size {
            let next_end = (end + self.slice).min(self.size);
            self.ahead = Some(self.start_read(end, next_end));
        }
        Ok(Some(Uint8Array::new(&buffer).to_vec()))
    }

    /// Starts reading `[from, to)`: the browser reads while we work.
    fn start_read(&self, from: f64, to: f64) -> Result<JsFuture, JsValue> {
        let slice = self.blob.slice_with_f64_and_f64(from, to)?;
        Ok(JsFuture::from(slice.array_buffer()))
    }
}
