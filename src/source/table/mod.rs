//! Files read by position rather than as a stream of text: workbooks
//! (.xlsx, .xlsm, .xlsb, .xls, .ods) and Parquet.
//!
//! Each is turned into a *canonical text* that the rest of the pipeline
//! reads exactly as it reads a text export, so mapping, suggestions,
//! validation, fixes, checkpoints and messageIds need nothing of their own:
//!
//! - a workbook sheet becomes CSV: UTF-8, comma-delimited, RFC 4180 quoting,
//!   one record per sheet row from the header row down to the last row with
//!   data. An empty row inside the data is a record of empty fields (the
//!   pipeline rejects it as `empty_row`), so record numbers stay the sheet's
//!   row numbers: [`TableInfo::first_row`] is the sheet row of the first
//!   record, and [`Settings::first_row`](super::Settings::first_row) carries
//!   it, so "row 1,204" is the row the spreadsheet shows. Cells are written
//!   as their values: dates and times as ISO 8601 (`2024-03-01` with no
//!   time of day, else `2024-03-01T10:30:00`, `.250` when the milliseconds
//!   are not zero; Excel's 1900 and 1904 date systems), a time-only cell as
//!   `10:30:00`, a duration as hours, minutes and seconds (`36:30:00`),
//!   ODS dates as the ISO text the file holds and ODS times and durations
//!   as Excel's (`PT16H45M00S` → `16:45:00`), numbers in
//!   their shortest round-trip form (`42`, `3.5`), booleans as
//!   `true`/`false`, formulas as their cached values, error cells as their
//!   text (`#DIV/0!`, which a number or timestamp rule then rejects with
//!   that reason). A title row (one cell, above a wider row) and empty rows
//!   above the header are skipped and named in [`TableInfo::notes`]; columns
//!   run from the leftmost to the rightmost with a value. Records end with
//!   `\n`, and each chunk ends after a record;
//! - a Parquet file becomes NDJSON, one object per row, written by
//!   arrow-json, nulls left out: structs as objects and lists as arrays
//!   (reachable by dot paths like any JSON record), maps with text keys as
//!   objects, integers exactly (int64 beyond 2^53 too). Timestamps with a
//!   zone as ISO 8601 with its offset (`2024-03-01T01:00:07.123Z` for UTC,
//!   `2024-02-29T20:00:07.123-05:00` for America/New_York), without one as
//!   ISO 8601 without an offset (`2024-03-01T01:00:07.123456`: the mapping's
//!   `timezone` applies), in either case with as many fractional digits as
//!   the value needs (0, 3, 6 or 9; the pipeline keeps milliseconds); dates
//!   as `2024-03-01`; decimals as JSON *strings* of their exact digits
//!   (`"1234.50"`, which `as: number` sends as a number with those digits);
//!   float NaN and infinities as the strings `"NaN"`, `"Infinity"`,
//!   `"-Infinity"`; durations as ISO 8601 (`PT90.500S`); binary columns as
//!   their UTF-8 text. A value that has no such form (binary that is not
//!   text, a timestamp with a zone beyond the years ±9999, another date or
//!   time beyond ±262,000) stops reading at its row, naming the column; intervals and maps without text keys refuse the file when it
//!   is opened, naming the column. It is read one row group at a time, so
//!   memory follows a row group (its compressed bytes and a batch of 4,096
//!   decoded rows), not the file. Codecs: UNCOMPRESSED, SNAPPY, GZIP, LZ4,
//!   LZ4_RAW, BROTLI; ZSTD with `tables-zstd` only (the browser refuses it
//!   by name); LZO never. Page checksums are verified where the writer put
//!   them.
//!
//! The reader is synchronous over [`ReadSeek`]: a `File` in the CLI, a
//! `Blob` read with `FileReaderSync` in a worker, bytes in memory in the
//! package on a page's main thread.
//!
//! The kinds, [`TableInfo`] and [`canonical_options`] build without the
//! readers (feature `tables`): the app's worker holds only the `TableInfo`
//! the tables module gave it, and reads the canonical text with them.

#[cfg(feature = "tables")]
use std::io::{Read, Seek};

use serde::{Deserialize, Serialize};

#[cfg(feature = "tables")]
use super::SourceError;
use super::{Compression, Encoding, Format, SourceOptions};

#[cfg(all(target_arch = "wasm32", feature = "tables-js"))]
pub mod js;
#[cfg(feature = "tables")]
mod parquet;
#[cfg(feature = "tables")]
mod workbook;

/// What a reader needs of a file: reading at any position.
#[cfg(feature = "tables")]
pub trait ReadSeek: Read + Seek {}
#[cfg(feature = "tables")]
impl<T: Read + Seek> ReadSeek for T {}

/// The kinds of files read through this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(any(feature = "js", feature = "tables-js"), derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum TableKind {
    /// Excel 2007 and later (.xlsx, .xlsm, .xlsb).
    Xlsx,
    /// Excel 97–2003 (.xls).
    Xls,
    /// OpenDocument spreadsheet (.ods).
    Ods,
    Parquet,
}

impl TableKind {
    /// The kind a file's first bytes show, if it is one read here. (A
    /// gzip-compressed workbook or Parquet file is not: see
    /// [`super::not_text`], which names it.)
    pub fn of(head: &[u8]) -> Option<TableKind> {
        use super::FileKind;
        match super::kind::signature(head)? {
            FileKind::Excel => Some(TableKind::Xlsx),
            FileKind::OdsSheet => Some(TableKind::Ods),
            // An OLE2 file may be a .doc as well: the workbook reader says so.
            FileKind::OldOffice => Some(TableKind::Xls),
            FileKind::Parquet => Some(TableKind::Parquet),
            _ => None,
        }
    }

    /// What the file is, as in "an Excel workbook".
    pub fn describe(self) -> &'static str {
        match self {
            TableKind::Xlsx => "an Excel workbook",
            TableKind::Xls => "an Excel 97–2003 workbook",
            TableKind::Ods => "an OpenDocument spreadsheet",
            TableKind::Parquet => "a Parquet file",
        }
    }

    /// The canonical text this kind is read as.
    pub fn format(self) -> Format {
        match self {
            TableKind::Parquet => Format::Ndjson,
            _ => Format::Csv,
        }
    }
}

/// One sheet of a workbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(any(feature = "js", feature = "tables-js"), derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SheetInfo {
    pub name: String,
    /// The sheet has no cell with a value (charts and empty sheets).
    pub empty: bool,
}

/// What a workbook or Parquet file holds, said before its rows are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(any(feature = "js", feature = "tables-js"), derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct TableInfo {
    pub kind: TableKind,
    /// Workbooks: every sheet, in the workbook's order.
    pub sheets: Vec<SheetInfo>,
    /// Workbooks: the sheet being read.
    pub sheet: Option<String>,
    /// The row number of the first record of the canonical text (a
    /// workbook: the sheet row of its header row; Parquet: 1).
    pub first_row: u64,
    /// Rows the file says it has (Parquet's metadata), when known.
    pub rows: Option<u64>,
    /// Parquet: the row groups, read one at a time.
    pub row_groups: Option<u64>,
    /// Parquet: the compression codecs its column chunks use (`SNAPPY`...).
    pub codecs: Vec<String>,
    /// Things worth saying about how the file is read ("formulas are read as
    /// their cached values", "the 1904 date system"...).
    pub notes: Vec<String>,
}

/// The settings a table's canonical text is read with: the user's
/// `has_header` (workbooks) and the rest fixed, since the text is ours.
/// The one rule for the CLI's [`TableStream`] and the browser's worker,
/// which has only the [`TableInfo`] of the tables module.
pub fn canonical_options(info: &TableInfo, user: &SourceOptions) -> SourceOptions {
    SourceOptions {
        format: Some(info.kind.format()),
        encoding: Some(Encoding::Utf8),
        compression: Some(Compression::None),
        delimiter: Some(b','),
        has_header: match info.kind {
            TableKind::Parquet => Some(false),
            _ => user.has_header,
        },
        sheet: info.sheet.clone(),
        first_row: Some(info.first_row),
    }
}

/// [`canonical_options`], refusing the text settings a user gave
/// (`delimiter`, `encoding`, `format`, `compression`, each named with
/// `prefix`: `--` in the CLI): a table's text is the reader's, so such a
/// setting is refused rather than ignored.
pub fn checked_options(
    info: &TableInfo,
    user: &SourceOptions,
    prefix: &str,
) -> Result<SourceOptions, String> {
    let given: Vec<String> = [
        (user.delimiter.is_some(), "delimiter"),
        (user.encoding.is_some(), "encoding"),
        (user.format.is_some(), "format"),
        (user.compression.is_some(), "compression"),
    ]
    .into_iter()
    .filter(|&(set, _)| set)
    .map(|(_, name)| format!("{prefix}{name}"))
    .collect();
    if given.is_empty() {
        return Ok(canonical_options(info, user));
    }
    Err(format!(
        "{} {} to text files; this is {}, read by its own rules",
        given.join(", "),
        if given.len() == 1 { "applies" } else { "apply" },
        info.kind.describe()
    ))
}

/// A workbook sheet or a Parquet file, handed out as canonical text.
#[cfg(feature = "tables")]
pub struct TableStream {
    info: TableInfo,
    rows: Rows,
}

#[cfg(feature = "tables")]
enum Rows {
    Workbook(workbook::SheetText),
    Parquet(Box<parquet::ParquetRows>),
}

#[cfg(feature = "tables")]
impl std::fmt::Debug for TableStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableStream")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "tables")]
impl TableStream {
    /// Opens a workbook (at `sheet`, or the first sheet that is not empty)
    /// or a Parquet file. The errors name what is wrong in a user's words: a
    /// sheet that does not exist (with the ones that do), a file that is
    /// damaged, a Parquet codec this build cannot read.
    pub fn open(
        kind: TableKind,
        reader: Box<dyn ReadSeek>,
        sheet: Option<&str>,
    ) -> Result<TableStream, SourceError> {
        let (rows, info) = match kind {
            TableKind::Parquet => {
                let (rows, info) = parquet::ParquetRows::open(reader)?;
                (Rows::Parquet(Box::new(rows)), info)
            }
            _ => {
                let (rows, info) = workbook::SheetText::open(kind, reader, sheet)?;
                (Rows::Workbook(rows), info)
            }
        };
        Ok(TableStream { info, rows })
    }

    pub fn info(&self) -> &TableInfo {
        &self.info
    }

    /// The settings the canonical text is read with ([`canonical_options`]).
    pub fn source_options(&self, user: &SourceOptions) -> SourceOptions {
        canonical_options(&self.info, user)
    }

    /// The next piece of canonical text (whole records, up to about
    /// [`CHUNK_BYTES`]); `None` at the end.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, SourceError> {
        match &mut self.rows {
            Rows::Workbook(rows) => Ok(rows.next_chunk()),
            Rows::Parquet(rows) => rows.next_chunk(),
        }
    }
}

/// About how much canonical text one [`TableStream::next_chunk`] returns.
pub const CHUNK_BYTES: usize = 1024 * 1024;
