//! Guessing how to read a file from its first bytes.
//!
//! In order: compression (gzip magic), encoding (BOM, else UTF-8 if the
//! sample is valid UTF-8, else Windows-1252), format (first non-blank
//! character), then for CSV the delimiter (the candidate giving the most
//! consistent field count) and whether the first row is a header. Every
//! guess gives way to a value the user set in [`SourceOptions`].

use super::archive::{archive_signs, ArchiveSigns};
use super::csv::CsvParser;
use super::decode::Decoder;
use super::gzip::{Gunzip, GZIP_MAGIC};
use super::kind::{looks_binary, signature, FileKind, NotText};
use super::{
    Compression, Encoding, Format, Record, RecordData, RecordSink, Settings, SourceError,
    SourceOptions, MAX_RECORD_BYTES,
};

/// Delimiters tried, in order of preference when they score the same.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
/// Rows looked at by the header heuristic (as Python's `csv.Sniffer`).
const HEADER_ROWS: usize = 20;

/// Guesses the [`Settings`] of a file from `sample`, its first bytes (raw,
/// possibly gzip). `is_complete` says the sample is the whole file; if not,
/// only its complete lines are used. Fields set in `options` win.
pub fn sniff(
    sample: &[u8],
    is_complete: bool,
    options: &SourceOptions,
) -> Result<Settings, SourceError> {
    Ok(Sample::read(sample, is_complete, options)?.settings)
}

/// What the first bytes of a file tell an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sniffed {
    /// How to read the file.
    pub settings: Settings,
    /// Why it looks like one of Segment's own archives, when it does (such
    /// a file is replayed unless the mapping says otherwise).
    pub archive: Option<ArchiveSigns>,
}

/// [`sniff`], and whether the records look like one of Segment's archives.
pub fn sniff_import(
    sample: &[u8],
    is_complete: bool,
    options: &SourceOptions,
) -> Result<Sniffed, SourceError> {
    let sample = Sample::read(sample, is_complete, options)?;
    Ok(Sniffed {
        archive: archive_signs(&sample),
        settings: sample.settings,
    })
}

/// Whether a whole file (`sample`, `complete`) holds no text at all: no
/// byte, or a compressed stream of nothing, or only blank lines. Such a
/// file among several is named empty, not read as a CSV without a header.
pub fn has_no_text(sample: &[u8], complete: bool, options: &SourceOptions) -> bool {
    complete
        && (sample.is_empty()
            || Sample::read(sample, true, options)
                .is_ok_and(|s| s.text.iter().all(u8::is_ascii_whitespace)))
}

/// A sample decompressed and decoded, with the settings guessed from it.
pub(super) struct Sample {
    pub settings: Settings,
    /// The decoded text, BOM stripped; ends mid-line unless `complete`.
    pub text: Vec<u8>,
    /// The text is the whole file.
    pub complete: bool,
}

/// Why a sample cannot be read.
enum Refusal {
    Source(SourceError),
    /// It is not text (an image, a workbook...).
    NotText(NotText),
}

impl From<SourceError> for Refusal {
    fn from(e: SourceError) -> Refusal {
        Refusal::Source(e)
    }
}

/// What a file is when it is not text (an image, a PDF, a workbook, Parquet,
/// another compression, binary data), judged from its first bytes as
/// [`sniff`] judges them; `None` for text, or a file unreadable for another
/// reason. [`sniff`] and [`super::inspect`] refuse such a file with
/// [`NotText::message`]; this says which kind it was.
pub fn not_text(sample: &[u8], is_complete: bool, options: &SourceOptions) -> Option<NotText> {
    match Sample::read_or_refuse(sample, is_complete, options) {
        Err(Refusal::NotText(found)) => Some(found),
        _ => None,
    }
}

impl Sample {
    pub fn read(
        sample: &[u8],
        is_complete: bool,
        options: &SourceOptions,
    ) -> Result<Sample, SourceError> {
        Sample::read_or_refuse(sample, is_complete, options).map_err(|refusal| match refusal {
            Refusal::Source(e) => e,
            Refusal::NotText(found) => SourceError {
                row: None,
                message: found.message(),
            },
        })
    }

    fn read_or_refuse(
        sample: &[u8],
        is_complete: bool,
        options: &SourceOptions,
    ) -> Result<Sample, Refusal> {
        let compression = options
            .compression
            .unwrap_or(if sample.starts_with(&GZIP_MAGIC) {
                Compression::Gzip
            } else {
                Compression::None
            });
        let (plain, is_complete) = match compression {
            Compression::None => (sample.to_vec(), is_complete),
            Compression::Gzip => gunzip_sample(sample, is_complete)?,
        };
        let gzipped = compression == Compression::Gzip;
        if let Some(kind) = signature(&plain) {
            return Err(Refusal::NotText(NotText { kind, gzipped }));
        }
        let encoding = match options.encoding {
            Some(encoding) => encoding,
            None => guess_encoding(&plain, is_complete)?,
        };
        let mut decoder = Decoder::new(encoding);
        let mut text = Vec::with_capacity(plain.len());
        decoder.push(&plain, &mut text);
        if is_complete {
            decoder.finish(&mut text);
        }
        let bom = decoder.had_bom();
        if looks_binary(&text) {
            return Err(Refusal::NotText(NotText {
                kind: FileKind::Binary,
                gzipped,
            }));
        }

        let format = options.format.unwrap_or_else(|| guess_format(&text));
        let (delimiter, has_header) = if format == Format::Csv {
            let lines = complete_lines(&text, is_complete);
            let delimiter = options.delimiter.unwrap_or_else(|| guess_delimiter(lines));
            let has_header = options
                .has_header
                .unwrap_or_else(|| guess_header(&first_rows(lines, delimiter)));
            (delimiter, has_header)
        } else {
            (
                options.delimiter.unwrap_or(b','),
                options.has_header.unwrap_or(false),
            )
        };
        Ok(Sample {
            settings: Settings {
                format,
                encoding,
                compression,
                bom,
                delimiter,
                has_header,
                first_row: options.first_row.unwrap_or(1).max(1),
            },
            text,
            complete: is_complete,
        })
    }

    /// The text cut after its last line break, unless it is the whole file.
    pub fn complete_lines(&self) -> &[u8] {
        complete_lines(&self.text, self.complete)
    }
}

/// The most decompressed text a sample is cut to: plenty to guess from, and
/// a bound on what a gzip bomb of a sample can cost.
const MAX_SAMPLE_TEXT: usize = 8 * MAX_RECORD_BYTES;

/// The sample decompressed, at most about [`MAX_SAMPLE_TEXT`] bytes of it,
/// and whether that is the whole file.
pub fn gunzip_sample(sample: &[u8], is_complete: bool) -> Result<(Vec<u8>, bool), SourceError> {
    let mut gunzip = Gunzip::new();
    let mut plain = Vec::new();
    // 1 KiB of deflate is at most ~1 MiB of text: checking between slices
    // keeps the text near the cap, whatever the ratio.
    for slice in sample.chunks(1024) {
        gunzip.push(slice, &mut plain)?;
        if plain.len() >= MAX_SAMPLE_TEXT {
            plain.truncate(MAX_SAMPLE_TEXT);
            return Ok((plain, false));
        }
    }
    if is_complete {
        gunzip.finish(&mut plain)?;
    }
    Ok((plain, is_complete))
}

fn complete_lines(text: &[u8], is_complete: bool) -> &[u8] {
    if is_complete {
        return text;
    }
    match text.iter().rposition(|&b| b == b'\n') {
        Some(i) => &text[..=i],
        // One long line and no end in sight: better than nothing.
        None => text,
    }
}

fn guess_encoding(plain: &[u8], is_complete: bool) -> Result<Encoding, SourceError> {
    if plain.starts_with(b"\xEF\xBB\xBF") {
        return Ok(Encoding::Utf8);
    }
    if plain.starts_with(b"\xFF\xFE") {
        return Ok(Encoding::Utf16le);
    }
    if plain.starts_with(b"\xFE\xFF") {
        return Ok(Encoding::Utf16be);
    }
    if looks_like_utf16(plain) {
        return Err(SourceError {
            row: None,
            message: "the file looks like UTF-16 without a byte-order mark, which is not \
                      detected automatically: choose the encoding (UTF-16 LE or BE)"
                .into(),
        });
    }
    let lines = complete_lines(plain, is_complete);
    match std::str::from_utf8(lines) {
        Ok(_) => Ok(Encoding::Utf8),
        // A character cut by the end of an incomplete sample is still UTF-8.
        Err(e) if e.error_len().is_none() && !is_complete => Ok(Encoding::Utf8),
        Err(_) => Ok(Encoding::Windows1252),
    }
}

/// Many NUL bytes at even or odd positions: text in UTF-16.
fn looks_like_utf16(plain: &[u8]) -> bool {
    let head = &plain[..plain.len().min(1024)];
    if head.len() < 4 {
        return false;
    }
    let pairs = head.len() / 2;
    let nul_at = |parity: usize| {
        head.chunks_exact(2)
            .filter(|pair| pair[parity] == 0)
            .count()
    };
    nul_at(0) * 3 > pairs * 2 || nul_at(1) * 3 > pairs * 2
}

fn guess_format(text: &[u8]) -> Format {
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Format::Ndjson,
        Some(b'[') => Format::Json,
        _ => Format::Csv,
    }
}

/// Field counts of each record, for one candidate delimiter.
#[derive(Default)]
struct FieldCounts(Vec<usize>);

impl RecordSink for FieldCounts {
    fn header(&mut self, _names: &[String]) {}

    fn record(&mut self, record: Record<'_>) {
        if let RecordData::Csv(fields) = record.data {
            self.0.push(fields.len());
        }
    }
}

/// Parses sampled text, cut at a line break, so it ends with a whole record
/// (unless a quoted field spans the cut: then the last record is one odd row).
fn parse_csv<S: RecordSink>(text: &[u8], delimiter: u8, sink: &mut S) {
    let mut parser = CsvParser::new(delimiter, false);
    parser.push(text, sink);
    parser.finish(sink);
}

/// How well a delimiter splits the sample: the share of records with the
/// most common field count, then that count.
fn score(text: &[u8], delimiter: u8) -> Option<(f64, usize)> {
    let mut counts = FieldCounts::default();
    parse_csv(text, delimiter, &mut counts);
    let counts = counts.0;
    let mut freq: Vec<(usize, usize)> = Vec::new();
    for &n in &counts {
        match freq.iter_mut().find(|(count, _)| *count == n) {
            Some((_, f)) => *f += 1,
            None => freq.push((n, 1)),
        }
    }
    let (mode, hits) = freq
        .into_iter()
        .max_by_key(|&(count, hits)| (hits, count))?;
    (mode > 1).then(|| (hits as f64 / counts.len() as f64, mode))
}

fn guess_delimiter(text: &[u8]) -> u8 {
    let mut best: Option<(f64, usize, u8)> = None;
    for d in DELIMITERS {
        if let Some((consistency, fields)) = score(text, d) {
            let better = match best {
                None => true,
                Some((c, f, _)) => consistency > c || (consistency == c && fields > f),
            };
            if better {
                best = Some((consistency, fields, d));
            }
        }
    }
    best.map_or(b',', |(_, _, d)| d)
}

/// The first rows as strings.
struct FirstRows(Vec<Vec<String>>);

impl RecordSink for FirstRows {
    fn header(&mut self, _names: &[String]) {}

    fn record(&mut self, record: Record<'_>) {
        if let (RecordData::Csv(fields), true) = (record.data, self.0.len() <= HEADER_ROWS) {
            self.0.push(
                fields
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            );
        }
    }
}

fn first_rows(text: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    let mut rows = FirstRows(Vec::new());
    parse_csv(text, delimiter, &mut rows);
    rows.0
}

/// What a cell looks like, for the header heuristic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Empty,
    /// A number, date, time or boolean.
    Typed,
    /// Other text, with its length in characters.
    Text(usize),
}

fn kind(cell: &str) -> Kind {
    let cell = cell.trim();
    if cell.is_empty() {
        Kind::Empty
    } else if is_number(cell) || is_date(cell) || is_bool(cell) {
        Kind::Typed
    } else {
        Kind::Text(cell.chars().count())
    }
}

fn is_number(s: &str) -> bool {
    let s = s.strip_prefix(['$', '€', '£']).unwrap_or(s);
    let s = s.strip_suffix(['€', '$', '£']).unwrap_or(s).trim_end();
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let s = s.strip_suffix('%').unwrap_or(s);
    s.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && s.bytes().any(|b| b.is_ascii_digit())
        && (s.parse::<f64>().is_ok()
            || s.bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b','))
}

/// Dates and times such as `2024-01-31`, `31/01/2024`, `2024-01-31T10:00:00Z`.
fn is_date(s: &str) -> bool {
    let seps = s
        .bytes()
        .filter(|b| matches!(b, b'-' | b'/' | b'.' | b':'))
        .count();
    s.len() >= 5
        && s.starts_with(|c: char| c.is_ascii_digit())
        && seps >= 2
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b"-/.:+ TZ".contains(&b))
}

fn is_bool(s: &str) -> bool {
    ["true", "false"].iter().any(|b| s.eq_ignore_ascii_case(b))
}

/// In the spirit of Python's `csv.Sniffer.has_header`: each column votes. A
/// header cell that is a number or a date votes no; a text header cell over
/// a column of numbers or dates votes yes; over a column of text of one fixed
/// length it votes yes if its own length differs, no if not. Repeated names
/// vote no. A tie means unsure, and most exports have a header: yes.
fn guess_header(rows: &[Vec<String>]) -> bool {
    let Some((first, rest)) = rows.split_first() else {
        return true;
    };
    let mut votes: i64 = 0;
    for (c, cell) in first.iter().enumerate() {
        let head = kind(cell);
        let len = match head {
            Kind::Empty => continue,
            Kind::Typed => {
                votes -= 1;
                continue;
            }
            Kind::Text(len) => len,
        };
        let column: Vec<Kind> = rest
            .iter()
            .filter_map(|row| row.get(c))
            .map(|cell| kind(cell))
            .filter(|k| *k != Kind::Empty)
            .collect();
        if column.is_empty() {
            continue;
        }
        if column.iter().all(|k| *k == Kind::Typed) {
            votes += 1;
        } else if column.len() >= 2 && column.iter().all(|k| *k == column[0]) {
            votes += if column[0] == Kind::Text(len) { -1 } else { 1 };
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for cell in first.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        if seen.contains(&cell) {
            votes -= 1;
        }
        seen.push(cell);
    }
    votes >= 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        first_rows(text.as_bytes(), b',')
    }

    #[test]
    fn header_votes() {
        assert!(guess_header(&rows(
            "id,email,created\n1,a@b.co,2024-01-02\n2,c@d.co,2024-01-03\n"
        )));
        assert!(!guess_header(&rows(
            "1,a@b.co,2024-01-02\n2,c@d.co,2024-01-03\n"
        )));
        assert!(guess_header(&rows("name,city\nBob,Paris\nAlice,London\n")));
        assert!(!guess_header(&rows("ab,cd\nef,gh\nij,kl\n")));
        assert!(guess_header(&rows("")));
    }

    #[test]
    fn kinds() {
        for typed in [
            "12",
            "-3.5",
            "1.234,50 €",
            "1e6",
            "2,5",
            "$10.00",
            "2024-01-31",
            "31/01/2024",
            "10:00:00",
            "TRUE",
        ] {
            assert_eq!(kind(typed), Kind::Typed, "{typed}");
        }
        for text in ["id", "e-mail", "a.b", "2nd", "-", "."] {
            assert!(matches!(kind(text), Kind::Text(_)), "{text}");
        }
    }

    #[test]
    fn a_gzip_bomb_sample_is_cut_short() {
        use std::io::Write;
        let text = "a,b\n".repeat(4 << 20); // 16 MiB, ~16 KB gzipped
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        let gz = e.finish().unwrap();
        let sample = Sample::read(&gz, true, &SourceOptions::default()).unwrap();
        assert!(!sample.complete);
        assert_eq!(sample.text.len(), MAX_SAMPLE_TEXT);
        assert_eq!(sample.settings.format, Format::Csv);
        assert_eq!(sample.settings.compression, Compression::Gzip);
    }
}
