//! Reading input: bytes in chunks of any size → records.
//!
//! The chain is gunzip → decode to UTF-8 → split into records (CSV via csv-core,
//! or one JSON value per NDJSON line / JSON-array element). Each stage is a push
//! stage: it takes whatever bytes it is given, keeps only the unfinished tail,
//! and hands out complete records, so memory does not grow with the file and a
//! record split across chunks reads exactly as if it came whole.
//!
//! [`sniff`] looks at the first bytes of a file and guesses the settings;
//! every guess can be overridden through [`SourceOptions`].
//!
//! Nothing in the input decides how much memory or time reading takes: a
//! record over [`MAX_RECORD_BYTES`] (or a CSV record over [`MAX_FIELDS`]
//! fields) is not kept but handed out as [`RecordData::Oversize`] and reading
//! goes on with the next record; gzip output is handed on in small pieces, so
//! a gzip bomb never sits whole in memory; a quote that never closes is
//! reported at the row where it opened instead of swallowing the file.

use serde::{Deserialize, Serialize};

mod archive;
pub mod csv;
pub mod decode;
mod describe;
pub mod gzip;
mod inspect;
pub mod json;
mod kind;
mod lines;
mod options;
mod owned;
mod reader;
mod sniff;
pub mod table;

pub use self::csv::CsvParser;
pub use crate::mapping::MissingSeen;
pub use archive::{ArchiveSigns, REPLAY_DROPPED};
pub use decode::Decoder;
pub use describe::describe_reading;
pub use gzip::Gunzip;
pub use inspect::{inspect, Inspection, SUGGESTION_ROWS};
pub use json::{JsonArraySplitter, NdjsonSplitter};
pub use kind::{FileKind, NotText};
pub use options::{delimiter_text, parse_delimiter};
pub use owned::{OwnedData, OwnedRecord, RecordBuffer};
pub use reader::RecordReader;
pub use sniff::{gunzip_sample, has_no_text, not_text, sniff, sniff_import, Sniffed};

/// The most bytes one record may hold; a larger one becomes
/// [`RecordData::Oversize`] and its bytes are dropped as they are read.
///
/// Far beyond anything that can be sent: Segment takes at most 32 KB per
/// message ([`crate::batch::MAX_MESSAGE_BYTES`]). The limit is there so that
/// a broken file (a quote that never closes, a file with no line breaks) costs
/// a bounded amount of memory, and the browser worker does not die of it.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// The most fields one CSV record may have (the header row included); more
/// makes the record [`RecordData::Oversize`]. A record of empty fields is one
/// byte per field, so without this a 1 MiB record could ask for a million
/// field ends (8 MB) and a header of a million names.
pub const MAX_FIELDS: usize = 65_536;

/// The shape of the records in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Delimited text (CSV, TSV, ...).
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// One JSON array of objects.
    Json,
}

/// Text encodings we read; everything is turned into UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
/// Serialized with the WHATWG labels a person (or `TextDecoder`) uses.
pub enum Encoding {
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    #[serde(rename = "utf-16le", alias = "utf16le")]
    Utf16le,
    #[serde(rename = "utf-16be", alias = "utf16be")]
    Utf16be,
    #[serde(rename = "windows-1252", alias = "windows1252")]
    Windows1252,
}

/// Compression of the file as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
}

/// Settings a user may force instead of letting [`sniff`] guess.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct SourceOptions {
    pub format: Option<Format>,
    pub encoding: Option<Encoding>,
    pub compression: Option<Compression>,
    /// The CSV field delimiter, one ASCII byte.
    pub delimiter: Option<u8>,
    /// Whether the first CSV record is a header row.
    pub has_header: Option<bool>,
    /// The workbook sheet to read, by name (default: the first sheet that
    /// is not empty). Ignored for text and Parquet files.
    pub sheet: Option<String>,
    /// The row number of the first record, when it is not 1: what a
    /// workbook reader says of a sheet whose data starts lower down
    /// ([`table::TableInfo::first_row`]).
    pub first_row: Option<u64>,
}

/// The settings a file is read with: sniffed, then overridden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub format: Format,
    pub encoding: Encoding,
    pub compression: Compression,
    /// Whether the (decompressed) text starts with a byte-order mark.
    pub bom: bool,
    /// The CSV delimiter as options take it: the character, or `"tab"`.
    #[serde(with = "options::delimiter_serde")]
    #[cfg_attr(feature = "js", tsify(type = "string"))]
    pub delimiter: u8,
    pub has_header: bool,
    /// The row number of the file's first record: 1, except for a workbook
    /// sheet whose data starts lower down ([`table`]), so that every row is
    /// named by the number the spreadsheet shows.
    #[serde(default = "first_row_one", skip_serializing_if = "is_first_row_one")]
    #[cfg_attr(feature = "js", tsify(optional))]
    pub first_row: u64,
}

impl Settings {
    /// The row number of the first data row: the first record, or the one
    /// after it when that is a CSV header.
    pub fn first_data_row(&self) -> u64 {
        let header = self.format == Format::Csv && self.has_header;
        self.first_row.max(1) + u64::from(header)
    }
}

fn first_row_one() -> u64 {
    1
}

fn is_first_row_one(row: &u64) -> bool {
    *row == 1
}

/// A failure that stops reading (a corrupt gzip stream, an unreadable sample).
/// Problems with single rows are not errors: they become rejected rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// The record (row) being read when it happened, when known.
    pub row: Option<u64>,
    pub message: String,
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.row {
            Some(row) => write!(f, "row {row}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SourceError {}

/// The fields of one CSV record, as UTF-8 (not yet validated) byte slices.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    data: &'a [u8],
    ends: &'a [usize],
}

impl<'a> Fields<'a> {
    /// `data` holds the fields back to back; `ends[i]` is where field `i` ends.
    pub fn new(data: &'a [u8], ends: &'a [usize]) -> Fields<'a> {
        Fields { data, ends }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.data.get(start..end)
    }

    /// The whole record's text when every field is valid UTF-8: validated
    /// once, then each field is a slice of it. (The fields lie end to end
    /// with nothing between them, so a character split by a delimiter can
    /// look whole: each field end must fall on a character boundary too.)
    pub fn text(&self) -> Option<TextFields<'a>> {
        // simdutf8: this runs for every row, and std's check was 2–3% of the
        // pipeline.
        let text = simdutf8::basic::from_utf8(self.data).ok()?;
        if !self.ends.iter().all(|&end| text.is_char_boundary(end)) {
            return None;
        }
        Some(TextFields {
            text,
            ends: self.ends,
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
}

/// The fields of a CSV record known to be valid UTF-8.
#[derive(Debug, Clone, Copy)]
pub struct TextFields<'a> {
    text: &'a str,
    ends: &'a [usize],
}

impl<'a> TextFields<'a> {
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }
}

/// What one record holds.
#[derive(Debug, Clone, Copy)]
pub enum RecordData<'a> {
    /// The fields of a CSV record.
    Csv(Fields<'a>),
    /// The bytes of one JSON value (an NDJSON line or a JSON-array element),
    /// trimmed of surrounding white space, not yet parsed.
    Json(&'a [u8]),
    /// A record that was not kept: over a limit, or a CSV quote that never
    /// closes. Its row, line and offset are right; its bytes are gone.
    Oversize(Oversize),
}

/// Why a record was not kept, and how big it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Oversize {
    /// The record's size in the decoded text, in bytes.
    pub bytes: u64,
    pub kind: OversizeKind,
    /// CSV: the line of a quote still open when the record went over the
    /// limit or the file ended. An odd quote count in a record that large
    /// is most often a stray quote that swallowed the lines after it.
    pub quote_line: Option<u64>,
}

/// Which limit a record went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OversizeKind {
    /// More than [`MAX_RECORD_BYTES`] bytes.
    Bytes,
    /// More than [`MAX_FIELDS`] fields (CSV).
    Fields,
    /// The file ended inside a quoted field (CSV): the record is the rest of
    /// the file, whatever its size, and is not handed out as fields.
    UnterminatedQuote,
}

/// One record, with where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// Record number in the file, from 1; a CSV header is row 1, so the first
    /// data row of a CSV with a header is row 2. Blank lines are not records.
    pub row: u64,
    /// The line (from 1) on which the record starts.
    pub line: u64,
    /// The byte offset, in the decompressed and decoded text, where the record
    /// starts.
    pub offset: u64,
    pub data: RecordData<'a>,
}

/// Where a [`RecordReader`] hands its output.
pub trait RecordSink {
    /// The header names, once, before the first record (CSV with a header
    /// row only). Blank names become `column_N` and repeated names get a `_2`,
    /// `_3`... suffix, so every name is unique and visible.
    fn header(&mut self, names: &[String]);
    /// One record.
    fn record(&mut self, record: Record<'_>);
}
