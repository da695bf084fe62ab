//! Where a run's bytes come from: a text file read in Blob slices, a
//! workbook or Parquet file read as its canonical text (the package), or
//! chunks handed out by the caller; and the files of a multi-file run still
//! to open.

use web_sys::Blob;

use super::{OpenFile, SendInput};
use crate::js::blob::BlobReader;
use crate::js::error::{codes, JsApiError, JsResult};
use crate::source::SourceOptions;

/// Where a run's bytes come from (also what `checkFiles` reads).
pub(crate) enum Input {
    /// A text file, read in Blob slices.
    Blob(BlobReader),
    /// A workbook or Parquet file, read as its canonical text (the package;
    /// the app's worker opens these itself).
    #[cfg(not(feature = "app"))]
    Table(crate::js::table::Table),
    /// Text handed out by the caller ([`SendInput::Chunks`]).
    Chunks {
        next: Box<dyn FnMut() -> JsResult<Option<Vec<u8>>>>,
        rows_total: Option<u64>,
    },
}

/// The files of a multi-file run still to open.
pub(super) struct Parts {
    pub(super) len: usize,
    /// Their names, in the set's order.
    pub(super) names: Vec<String>,
    /// The file being read.
    pub(super) index: usize,
    pub(super) open: OpenFile,
}

impl Input {
    /// Opens one file's input, with the settings to read it with.
    pub(super) async fn of(
        one: SendInput,
        user: SourceOptions,
        chunk_bytes: usize,
    ) -> JsResult<(Input, SourceOptions)> {
        match one {
            SendInput::Blob(file) => Input::open(file, user, chunk_bytes).await,
            SendInput::Chunks {
                next,
                source,
                rows_total,
            } => Ok((Input::Chunks { next, rows_total }, source)),
            SendInput::Files { .. } => Err(JsApiError::new(
                codes::INVALID_OPTIONS,
                "a file of several cannot itself be several files",
            )),
        }
    }

    /// Opens `file`: a workbook or Parquet file (known by its first bytes)
    /// through the tables module, anything else as text. Returns the
    /// settings to read it with, from the user's overrides.
    pub(crate) async fn open(
        file: Blob,
        user: SourceOptions,
        chunk_bytes: usize,
    ) -> JsResult<(Input, SourceOptions)> {
        #[cfg(not(feature = "app"))]
        if crate::js::table::kind_of(&file).await?.is_some() {
            let table = crate::js::table::Table::open(&file, user.sheet.as_deref()).await?;
            let source = table.options(&user)?;
            return Ok((Input::Table(table), source));
        }
        Ok((Input::Blob(BlobReader::new(file, chunk_bytes)), user))
    }

    /// The size of what is read, for a byte percentage: a text file's. A
    /// table's canonical text has no size known ahead (its rows may be).
    pub(super) fn size(&self) -> Option<u64> {
        match self {
            Input::Blob(r) => Some(r.size() as u64),
            #[cfg(not(feature = "app"))]
            Input::Table(_) => None,
            Input::Chunks { .. } => None,
        }
    }

    /// The rows the file says it has (Parquet's metadata).
    pub(super) fn rows_total(&self) -> Option<u64> {
        match self {
            Input::Blob(_) => None,
            #[cfg(not(feature = "app"))]
            Input::Table(t) => t.info().rows,
            Input::Chunks { rows_total, .. } => *rows_total,
        }
    }

    /// The next bytes, or `None` at the end.
    pub(crate) async fn next(&mut self) -> JsResult<Option<Vec<u8>>> {
        match self {
            Input::Blob(r) => r.next().await,
            #[cfg(not(feature = "app"))]
            Input::Table(t) => t.next_chunk(),
            Input::Chunks { next, .. } => next(),
        }
    }
}
