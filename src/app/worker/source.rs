//! The file as every step reads it, in one place: a text export's own bytes
//! in Blob slices (or slices of the bytes the page read), or — when its
//! first bytes are a workbook or a Parquet file ([`TableKind::of`]) — the
//! canonical text the tables module makes of it ([`super::tables`]), read
//! with [`canonical_options`].

use super::reader::{head, unreadable, ByteSlices};
use super::tables::Table;
use crate::app::protocol::{Failure, FileData, Measure};
use crate::blob_slices::BlobSlices;
use crate::source::table::{canonical_options, TableInfo, TableKind};
use crate::source::SourceOptions;

/// Bytes enough for [`TableKind::of`] (a workbook's zip names its parts
/// in its first entries).
const HEAD_BYTES: f64 = 64.0 * 1024.0;

/// An open file, read front to back.
pub enum FileSource {
    Text(BlobSlices),
    /// Text the page read ([`FileData::Bytes`]).
    Bytes(ByteSlices),
    Table(Table),
}

impl FileSource {
    /// Opens `file`: a table (at `sheet`) when its first bytes say so, else
    /// text in slices of `slice_bytes`.
    pub async fn open(
        file: FileData,
        sheet: Option<&str>,
        slice_bytes: f64,
    ) -> Result<FileSource, Failure> {
        if is_table(&file)? {
            return Ok(FileSource::Table(Table::open(&file, sheet).await?));
        }
        Ok(match file {
            FileData::Blob(blob) => FileSource::Text(BlobSlices::new(blob, slice_bytes)),
            FileData::Bytes(bytes) => FileSource::Bytes(ByteSlices::new(&bytes, slice_bytes)),
        })
    }

    /// The next bytes (text slices or whole records of canonical text);
    /// `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, Failure> {
        match self {
            FileSource::Text(slices) => slices.next().await.map_err(|e| unreadable(&e)),
            FileSource::Bytes(slices) => Ok(slices.next()),
            FileSource::Table(table) => table.next_chunk(),
        }
    }

    /// What the tables module says of the file, for a table.
    pub fn table(&self) -> Option<&TableInfo> {
        match self {
            FileSource::Text(_) | FileSource::Bytes(_) => None,
            FileSource::Table(t) => Some(t.info()),
        }
    }

    /// The settings to read it with: the user's for text; for a table, the
    /// canonical ones (the user's header choice only).
    pub fn options(&self, user: &SourceOptions) -> SourceOptions {
        match self.table() {
            Some(info) => canonical_options(info, user),
            None => user.clone(),
        }
    }

    /// What says how far reading has come.
    pub fn measure(&self) -> Measure {
        self.table().map_or(Measure::Bytes, table_measure)
    }

    /// Bytes read and the file's size (text; 0 and 0 for a table).
    pub fn bytes(&self) -> (f64, f64) {
        match self {
            FileSource::Text(s) => (s.offset(), s.size()),
            FileSource::Bytes(s) => (s.offset(), s.size()),
            FileSource::Table(_) => (0.0, 0.0),
        }
    }

    /// Where reading stopped, for a message: `byte 1024` or `row 12`
    /// (`rows`: the rows read).
    pub fn at(&self, rows: u64) -> String {
        match self {
            FileSource::Text(s) => format!("byte {}", s.offset()),
            FileSource::Bytes(s) => format!("byte {}", s.offset()),
            FileSource::Table(_) => format!("row {rows}"),
        }
    }

    /// At least `bytes` of the start (whole chunks), and whether that is
    /// all of it.
    pub async fn head(&mut self, bytes: f64) -> Result<(Vec<u8>, bool), Failure> {
        let mut sample = Vec::new();
        while (sample.len() as f64) < bytes {
            match self.next().await? {
                Some(chunk) => sample.extend_from_slice(&chunk),
                None => return Ok((sample, true)),
            }
        }
        let complete = match self {
            FileSource::Text(s) => s.offset() >= s.size(),
            FileSource::Bytes(s) => s.offset() >= s.size(),
            // Canonical text may have ended with the chunk just taken.
            FileSource::Table(t) => t.next_chunk()?.is_none(),
        };
        Ok((sample, complete))
    }
}

/// What says how far a table's reading has come: its rows, when it says
/// how many it has.
pub fn table_measure(info: &TableInfo) -> Measure {
    info.rows
        .map_or(Measure::Unknown, |n| Measure::Rows(n as f64))
}

/// Whether the file's first bytes are a workbook's or a Parquet file's.
pub fn is_table(file: &FileData) -> Result<bool, Failure> {
    Ok(TableKind::of(&head(file, HEAD_BYTES)?).is_some())
}
