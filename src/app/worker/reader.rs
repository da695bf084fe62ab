//! Reading a file as the page handed it ([`FileData`]): a `Blob` with
//! `FileReaderSync` (worker-only API) for the first bytes that tell a table
//! from text ([`super::source`]), or bytes the page read, in slices; every
//! other read goes through [`super::source::FileSource`].

use js_sys::{ArrayBuffer, Uint8Array};
use web_sys::{Blob, FileReaderSync};

use crate::app::protocol::{Failure, FileData};
use crate::js::error::{describe, origin_is_null};

/// Bytes read per slice: large enough that per-call overhead vanishes,
/// small enough to stay responsive to Cancel.
pub const SLICE_BYTES: f64 = 2.0 * 1024.0 * 1024.0;

/// The first `len` bytes of `file` (fewer if it is shorter).
pub fn head(file: &FileData, len: f64) -> Result<Vec<u8>, Failure> {
    match file {
        FileData::Blob(blob) => read_blob(blob, len),
        FileData::Bytes(bytes) => {
            let mut slices = ByteSlices::new(bytes, len);
            Ok(slices.next().unwrap_or_default())
        }
    }
}

/// The first `len` bytes of a `Blob`, read at once.
fn read_blob(blob: &Blob, len: f64) -> Result<Vec<u8>, Failure> {
    let reader = FileReaderSync::new().map_err(|e| {
        Failure::new(
            format!("this browser cannot read files in a worker: {e:?}"),
            "Use a current Chrome, Edge, Firefox or Safari.",
        )
    })?;
    let slice = blob
        .slice_with_f64_and_f64(0.0, len.min(blob.size()))
        .map_err(|e| unreadable(&e))?;
    let bytes = reader
        .read_as_array_buffer(&slice)
        .map_err(|e| unreadable(&e))?;
    Ok(Uint8Array::new(&bytes).to_vec())
}

/// Whether this worker can read `blob` (the page's probe, on a tiny one).
pub fn can_read(blob: &Blob) -> bool {
    read_blob(blob, 1.0).is_ok()
}

/// A cursor over bytes the page read and transferred: slices copied into
/// this module's memory one at a time.
#[derive(Debug)]
pub struct ByteSlices {
    bytes: Uint8Array,
    offset: u32,
    slice: u32,
}

impl ByteSlices {
    /// Slices of `slice_bytes` (at least 1).
    pub fn new(bytes: &ArrayBuffer, slice_bytes: f64) -> ByteSlices {
        ByteSlices {
            bytes: Uint8Array::new(bytes),
            offset: 0,
            // A slice is at most the whole buffer, whose length is a u32.
            slice: slice_bytes.clamp(1.0, f64::from(u32::MAX)) as u32,
        }
    }

    /// All of it.
    pub fn size(&self) -> f64 {
        f64::from(self.bytes.length())
    }

    /// Bytes handed out so far.
    pub fn offset(&self) -> f64 {
        f64::from(self.offset)
    }

    /// The next slice, or `None` at the end.
    pub fn next(&mut self) -> Option<Vec<u8>> {
        let size = self.bytes.length();
        if self.offset >= size {
            return None;
        }
        let end = self.offset.saturating_add(self.slice).min(size);
        let slice = self.bytes.subarray(self.offset, end).to_vec();
        self.offset = end;
        Some(slice)
    }
}

pub fn unreadable(e: &wasm_bindgen::JsValue) -> Failure {
    let hint = if origin_is_null() {
        "This page was opened from disk: the file may have been moved, changed or deleted since \
         you picked it (pick it again); if it was not, serve the page from a web server (`make \
         serve-app` in the project) or use the hosted page."
    } else {
        "The file may have been moved, changed or deleted since you picked it: pick it again."
    };
    Failure::new(format!("the file could not be read: {}", describe(e)), hint)
}
