//! Reading a `Blob` in slices with `FileReaderSync` (worker-only API), for
//! the first bytes that tell a table from text ([`super::source`]); every
//! other read goes through [`super::source::FileSource`].

use js_sys::Uint8Array;
use web_sys::{Blob, FileReaderSync};

use crate::app::protocol::Failure;
use crate::js::error::{describe, origin_is_null};

/// Bytes read per slice: large enough that per-call overhead vanishes,
/// small enough to stay responsive to Cancel.
pub const SLICE_BYTES: f64 = 2.0 * 1024.0 * 1024.0;

/// A cursor over a `Blob`.
pub struct SliceReader {
    blob: Blob,
    reader: FileReaderSync,
    pos: f64,
    size: f64,
    buf: Vec<u8>,
}

impl SliceReader {
    pub fn new(blob: Blob) -> Result<SliceReader, Failure> {
        let reader = FileReaderSync::new().map_err(|e| {
            Failure::new(
                format!("this browser cannot read files in a worker: {e:?}"),
                "Use a current Chrome, Edge, Firefox or Safari.",
            )
        })?;
        let size = blob.size();
        Ok(SliceReader {
            blob,
            reader,
            pos: 0.0,
            size,
            buf: Vec::new(),
        })
    }

    /// The next slice of at most `len` bytes; an empty slice at the end.
    pub fn next(&mut self, len: f64) -> Result<&[u8], Failure> {
        let end = (self.pos + len).min(self.size);
        if end <= self.pos {
            self.buf.clear();
            return Ok(&self.buf);
        }
        let slice = self
            .blob
            .slice_with_f64_and_f64(self.pos, end)
            .map_err(|e| unreadable(&e))?;
        let bytes = self
            .reader
            .read_as_array_buffer(&slice)
            .map_err(|e| unreadable(&e))?;
        let array = Uint8Array::new(&bytes);
        self.buf.resize(array.length() as usize, 0);
        array.copy_to(&mut self.buf);
        self.pos = end;
        Ok(&self.buf)
    }
}

pub fn unreadable(e: &wasm_bindgen::JsValue) -> Failure {
    // WebKit (Safari, GNOME Web) lets no worker of a page opened from disk
    // read what the page hands it, files and in-memory copies alike.
    let hint = if origin_is_null() {
        "This page was opened from disk, and some browsers (Safari, GNOME Web) do not let it \
         read files in its background worker: open it in Chrome, Edge or Firefox, serve it from \
         a web server (`make serve-app` in the project), or use the hosted page. Else the file \
         may have been moved, changed or deleted since you picked it: pick it again."
    } else {
        "The file may have been moved, changed or deleted since you picked it: pick it again."
    };
    Failure::new(format!("the file could not be read: {}", describe(e)), hint)
}
