//! The tables module for the browser: a second wasm that reads workbooks and
//! Parquet into canonical text, loaded only when such a file is picked (the
//! app's worker; later the npm package), so CSV users never download it.
//!
//! ```js
//! const table = openTable(file, "Orders");   // a Blob (workers) or a Uint8Array
//! const info = table.info();                 // kind, sheets, first_row, rows...
//! for (let chunk; (chunk = table.nextChunk()); ) pipeline.push(chunk);
//! table.free();
//! ```
//!
//! A `Blob` is read with `FileReaderSync`, which only workers have, a
//! window of [`READ_BUFFER`] bytes at a time: memory follows what the
//! reader needs (a row group, a workbook's zip entry), never the whole file.
//! Errors are the package's coded `Error`s ([`crate::js::error`]).

use std::io::{self, Cursor, Read, Seek, SeekFrom};

use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, FileReaderSync};

use super::{ReadSeek, TableInfo, TableKind, TableStream};
use crate::js::error::{codes, describe, JsApiError, JsResult};
use crate::source::SourceError;

/// Bytes read from a Blob at once: enough that a reader's small reads
/// (zip headers, Parquet pages) do not each cross into JS.
pub const READ_BUFFER: usize = 256 * 1024;

/// A workbook sheet or a Parquet file being read (`openTable`).
#[wasm_bindgen(js_name = TableHandle)]
pub struct TableHandle {
    stream: TableStream,
}

/// Opens a workbook (at `sheet`, or its first sheet that is not empty) or a
/// Parquet file, from a `Blob` (in a worker) or a `Uint8Array` (copied).
#[wasm_bindgen(js_name = openTable)]
pub fn open_table(
    #[wasm_bindgen(unchecked_param_type = "Blob | Uint8Array")] source: JsValue,
    sheet: Option<String>,
) -> JsResult<TableHandle> {
    let (head, reader): (Vec<u8>, Box<dyn ReadSeek>) =
        if let Some(bytes) = source.dyn_ref::<js_sys::Uint8Array>() {
            let bytes = bytes.to_vec();
            (
                bytes[..bytes.len().min(HEAD)].to_vec(),
                Box::new(Cursor::new(bytes)),
            )
        } else if let Some(blob) = source.dyn_ref::<Blob>() {
            let mut file = BlobFile::new(blob.clone())?;
            let mut head = vec![0; HEAD];
            let n = read_up_to(&mut file, &mut head).map_err(read_error)?;
            head.truncate(n);
            file.seek(SeekFrom::Start(0)).map_err(read_error)?;
            (head, Box::new(file))
        } else {
            return Err(JsApiError::new(
                codes::INVALID_OPTIONS,
                "openTable reads a Blob or a Uint8Array",
            ));
        };
    let kind = TableKind::of(&head).ok_or_else(|| {
        JsApiError::new(
            codes::UNSUPPORTED_FILE,
            "this file is not a workbook (.xlsx, .xls, .ods) or a Parquet file",
        )
    })?;
    let stream = TableStream::open(kind, reader, sheet.as_deref()).map_err(unreadable)?;
    Ok(TableHandle { stream })
}

#[wasm_bindgen(js_class = TableHandle)]
impl TableHandle {
    /// What the file holds: its kind, sheets, the sheet read, the row number
    /// of the first record, rows and codecs (Parquet), and the reader's notes.
    pub fn info(&self) -> JsResult<Ts<TableInfo>> {
        Ok(self.stream.info().into_ts()?)
    }

    /// The next piece of canonical text (whole records), or `undefined` at
    /// the end.
    #[wasm_bindgen(js_name = nextChunk)]
    pub fn next_chunk(&mut self) -> JsResult<Option<Vec<u8>>> {
        self.stream.next_chunk().map_err(unreadable)
    }
}

/// Bytes enough for [`TableKind::of`]: an .xlsx or .ods is known by the
/// names of its first zip entries, so as much as the CLI's sample.
const HEAD: usize = crate::pipeline::DEFAULT_SAMPLE_BYTES;

fn unreadable(e: SourceError) -> JsApiError {
    JsApiError::new(codes::UNREADABLE_TABLE, e.to_string())
}

fn read_error(e: io::Error) -> JsApiError {
    JsApiError::new(codes::READ_ERROR, format!("cannot read the file: {e}"))
}

/// Reads until `buf` is full or the end.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A `Blob` as `Read + Seek`, through `FileReaderSync`, one window of
/// [`READ_BUFFER`] bytes kept at a time.
struct BlobFile {
    blob: Blob,
    reader: FileReaderSync,
    size: u64,
    pos: u64,
    /// The bytes at `window_start..window_start + window.len()`.
    window: Vec<u8>,
    window_start: u64,
}

impl BlobFile {
    fn new(blob: Blob) -> JsResult<BlobFile> {
        let reader = FileReaderSync::new().map_err(|e| {
            JsApiError::new(
                codes::INVALID_OPTIONS,
                format!(
                    "a Blob is read in a worker only (FileReaderSync): pass a Uint8Array here ({})",
                    describe(&e)
                ),
            )
        })?;
        // A Blob's size is a whole number of bytes below 2^53.
        let size = blob.size() as u64;
        Ok(BlobFile {
            blob,
            reader,
            size,
            pos: 0,
            window: Vec::new(),
            window_start: 0,
        })
    }

    /// The bytes `start..start + len` of the Blob (fewer at its end).
    fn slice(&self, start: u64, len: usize) -> io::Result<Vec<u8>> {
        let end = (start + len as u64).min(self.size);
        let fail = |e: JsValue| io::Error::other(describe(&e));
        let slice = self
            .blob
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(fail)?;
        let buffer = self.reader.read_as_array_buffer(&slice).map_err(fail)?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }
}

impl Read for BlobFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let in_window = self.pos >= self.window_start
            && self.pos < self.window_start + self.window.len() as u64;
        if !in_window {
            if buf.len() >= READ_BUFFER {
                // A large read (a column chunk) goes straight to the caller.
                let bytes = self.slice(self.pos, buf.len())?;
                buf[..bytes.len()].copy_from_slice(&bytes);
                self.pos += bytes.len() as u64;
                return Ok(bytes.len());
            }
            self.window = self.slice(self.pos, READ_BUFFER)?;
            self.window_start = self.pos;
            if self.window.is_empty() {
                return Ok(0);
            }
        }
        let at = (self.pos - self.window_start) as usize;
        let n = buf.len().min(self.window.len() - at);
        buf[..n].copy_from_slice(&self.window[at..at + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for BlobFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        Ok(self.pos)
    }
}
