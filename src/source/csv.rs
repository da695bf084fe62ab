//! A push parser for delimited text over `csv_core::Reader`.
//!
//! csv-core is a state machine: it takes whatever input it is given and says
//! what to do next (`InputEmpty`, `OutputFull`, `Record`, ...). This file is
//! the loop around it. The only state kept between pushes is the unfinished
//! record's unescaped bytes (`out`) and field ends (`ends`); both buffers are
//! reused, so the steady state allocates nothing per record.
//!
//! Blank lines: csv-core skips them itself, but then we could not tell where
//! the next record starts, so the terminators between records are skipped
//! here, counted into `line` and `offset`, and csv-core only ever sees records.
//!
//! Lines are counted as LF, CRLF or a lone CR (csv-core's own `line()` counts
//! only LF, which would leave a CR-only file on line 1).
//!
//! Limits: `out` never grows past [`MAX_RECORD_BYTES`] (plus one byte, see
//! `push`) nor `ends` past [`MAX_FIELDS`]. A record that needs more is not
//! kept: from then on csv-core writes into the start of the same buffers, over
//! and over, only so that it goes on finding where quoted fields and the
//! record end; the record comes out as [`RecordData::Oversize`] and the next
//! one reads normally.
//!
//! Quotes: while a record is unfinished (the tail of a chunk, a record past a
//! limit), the line counter also finds the parity of its `"` bytes. An odd
//! count means a quote is probably open; only then (a rare, slow path) are the
//! consumed bytes looked at one by one to find the line where it opened, so a
//! record that goes over the limit, or a file that ends inside a quote, can be
//! reported at the quote most likely to blame. A record read whole within one
//! call to csv-core (nearly all of them) is never asked about: its quotes
//! could not matter, and skipping them keeps the hot path as it was.

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

use super::{
    Fields, Oversize, OversizeKind, Record, RecordData, RecordSink, MAX_FIELDS, MAX_RECORD_BYTES,
};

/// Field bytes kept at first; grows when a record needs more.
const INITIAL_OUT: usize = 4 * 1024;
/// Field ends kept at first; grows when a record has more fields.
const INITIAL_ENDS: usize = 64;

/// A streaming CSV parser: decoded UTF-8 chunks in, records out.
#[derive(Debug)]
pub struct CsvParser {
    rdr: Reader,
    has_header: bool,
    header_done: bool,
    out: Vec<u8>,
    out_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    /// The limits on a record's field bytes and fields (the constants,
    /// except in tests, which use small ones to try every split of small
    /// inputs).
    max_bytes: usize,
    max_fields: usize,
    /// Set once the current record went over a limit: its bytes are being
    /// thrown away until it ends.
    over: Option<Over>,
    /// No byte of the next record has been handed to csv-core yet.
    at_record_start: bool,
    record_line: u64,
    record_offset: u64,
    /// The line of the next byte.
    line: u64,
    /// The last byte seen was a CR (so a following LF ends no extra line).
    prev_cr: bool,
    /// The last byte seen was a `"` (so a quote after it is likely the second
    /// half of an escaped `""`, not an opening quote).
    prev_quote: bool,
    /// The current record has so far an odd number of `"` bytes.
    odd_quotes: bool,
    /// While `odd_quotes`: the line of the quote that probably opened the
    /// field still open (not to be read otherwise).
    quote_line: Option<u64>,
    /// Bytes consumed so far.
    offset: u64,
    /// Records handed out so far, the header included.
    rows: u64,
}

/// A record past a limit: which one, and the quote open at that moment.
#[derive(Debug, Clone, Copy)]
struct Over {
    kind: OversizeKind,
    quote_line: Option<u64>,
}

impl CsvParser {
    /// A parser splitting fields at `delimiter`; with `has_header` the first
    /// record goes to [`RecordSink::header`].
    pub fn new(delimiter: u8, has_header: bool) -> CsvParser {
        CsvParser::with_limits(delimiter, has_header, MAX_RECORD_BYTES, MAX_FIELDS)
    }

    fn with_limits(
        delimiter: u8,
        has_header: bool,
        max_bytes: usize,
        max_fields: usize,
    ) -> CsvParser {
        // The default terminator is CRLF, which ends records at CR, LF or CRLF.
        let mut rdr = ReaderBuilder::new().delimiter(delimiter).build();
        // csv-core strips a UTF-8 BOM only when its first call sees all three
        // bytes at once, which would make the result depend on the chunking.
        // The decoder strips the BOM; this first call (one byte of input, no
        // output room) consumes nothing and turns csv-core's stripping off.
        let _ = rdr.read_record(b"\n", &mut [], &mut []);
        // At least one byte and one end: csv-core makes no progress without.
        let (max_bytes, max_fields) = (max_bytes.max(1), max_fields.max(1));
        CsvParser {
            rdr,
            has_header,
            header_done: false,
            out: vec![0; INITIAL_OUT.min(max_bytes + 1)],
            out_len: 0,
            ends: vec![0; INITIAL_ENDS.min(max_fields)],
            ends_len: 0,
            max_bytes,
            max_fields,
            over: None,
            at_record_start: true,
            record_line: 1,
            record_offset: 0,
            line: 1,
            prev_cr: false,
            prev_quote: false,
            odd_quotes: false,
            quote_line: None,
            offset: 0,
            rows: 0,
        }
    }

    /// The row number the next record will get.
    pub fn next_row(&self) -> u64 {
        self.rows + 1
    }

    /// Parses `input`, handing every record it completes to `sink`.
    pub fn push<S: RecordSink>(&mut self, mut input: &[u8], sink: &mut S) {
        loop {
            if self.at_record_start {
                let skip = input
                    .iter()
                    .position(|&b| b != b'\r' && b != b'\n')
                    .unwrap_or(input.len());
                self.consume::<false>(&input[..skip]);
                input = &input[skip..];
                if input.is_empty() {
                    return;
                }
                self.at_record_start = false;
                self.record_line = self.line;
                self.record_offset = self.offset;
            }
            if input.is_empty() {
                // An empty input means end of data to csv-core: never send one.
                return;
            }
            let (res, nin, nout, nend) = self.rdr.read_record(
                input,
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            // The bytes of an ended record need no quote count (see above).
            if res == ReadRecordResult::Record {
                self.consume::<false>(&input[..nin]);
            } else {
                self.consume::<true>(&input[..nin]);
            }
            input = &input[nin..];
            // Over a limit, `out_len` and `ends_len` stay 0: what csv-core
            // wrote is thrown away, it only has to find the record's end.
            if self.over.is_none() {
                self.out_len += nout;
                self.ends_len += nend;
            }
            match res {
                ReadRecordResult::InputEmpty | ReadRecordResult::End => return,
                // csv-core stops when its output is full, whether or not the
                // next byte needs room: `out` may hold one byte over the
                // limit, so a record of exactly `max_bytes` is kept.
                ReadRecordResult::OutputFull if self.over.is_none() => {
                    if self.out.len() > self.max_bytes {
                        self.go_over(OversizeKind::Bytes);
                    } else {
                        grow(&mut self.out, self.max_bytes + 1);
                    }
                }
                ReadRecordResult::OutputEndsFull if self.over.is_none() => {
                    if self.ends.len() >= self.max_fields {
                        self.go_over(OversizeKind::Fields);
                    } else {
                        grow(&mut self.ends, self.max_fields);
                    }
                }
                // Over a limit: the next call writes from the start again.
                ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {}
                ReadRecordResult::Record => self.emit(sink),
            }
        }
    }

    /// Ends the input: a last record without a line terminator is handed
    /// out, unless it ends inside a quoted field. csv-core would close such a
    /// quote silently and make the rest of the file one field, so that
    /// record comes out as an unterminated quote at the row where it starts.
    pub fn finish<S: RecordSink>(&mut self, sink: &mut S) {
        if self.at_record_start {
            return;
        }
        // Ask csv-core where it is with one more line break: outside quotes
        // it ends the record (as the end of the input would); inside, it is
        // field data. Room for one byte and one end first, as csv-core makes
        // no progress without (the one extra end is checked below).
        if self.over.is_some() {
            (self.out_len, self.ends_len) = (0, 0);
        }
        if self.out_len == self.out.len() {
            self.out.reserve_exact(1);
            self.out.push(0);
        }
        if self.ends_len == self.ends.len() {
            self.ends.reserve_exact(1);
            self.ends.push(0);
        }
        let (res, _, _, nend) = self.rdr.read_record(
            b"\n",
            &mut self.out[self.out_len..],
            &mut self.ends[self.ends_len..],
        );
        self.ends_len += nend;
        match res {
            ReadRecordResult::Record => {
                // In `push`, csv-core stops at a full `out` before a
                // terminator; here the input ended, so check the limits.
                if self.over.is_none() && self.out_len > self.max_bytes {
                    self.go_over(OversizeKind::Bytes);
                } else if self.over.is_none() && self.ends_len > self.max_fields {
                    self.go_over(OversizeKind::Fields);
                }
                self.emit(sink);
            }
            // The line break went into a quoted field (or would have, had
            // there been room): the quote never closes.
            _ => {
                // An even count here means some quotes were literal (`a"b`):
                // the opener is not known, the record's start is the guess.
                let quote_line = self.quote_line.filter(|_| self.odd_quotes);
                self.over = Some(Over {
                    kind: OversizeKind::UnterminatedQuote,
                    quote_line: Some(quote_line.unwrap_or(self.record_line)),
                });
                self.emit(sink);
            }
        }
    }

    /// The current record is past a limit: drop what it holds so far.
    fn go_over(&mut self, kind: OversizeKind) {
        self.over = Some(Over {
            kind,
            quote_line: self
                .odd_quotes
                .then(|| self.quote_line.unwrap_or(self.record_line)),
        });
        self.out_len = 0;
        self.ends_len = 0;
    }

    fn emit<S: RecordSink>(&mut self, sink: &mut S) {
        self.at_record_start = true;
        self.rows += 1;
        self.odd_quotes = false;
        self.quote_line = None;
        let data = match self.over.take() {
            None => RecordData::Csv(Fields::new(
                &self.out[..self.out_len],
                &self.ends[..self.ends_len],
            )),
            Some(over) => RecordData::Oversize(Oversize {
                bytes: self.offset - self.record_offset,
                kind: over.kind,
                quote_line: over.quote_line,
            }),
        };
        match data {
            RecordData::Csv(fields) if self.has_header && !self.header_done => {
                self.header_done = true;
                sink.header(&header_names(fields));
            }
            data => {
                // A header that is not kept comes out as row 1, rejected,
                // and no header follows: the rows after it have no names.
                self.header_done = true;
                sink.record(Record {
                    row: self.rows,
                    line: self.record_line,
                    offset: self.record_offset,
                    data,
                });
            }
        }
        self.out_len = 0;
        self.ends_len = 0;
    }

    /// Moves `line` and `offset` past `bytes`, and with `QUOTES` tracks the
    /// unfinished record's quotes.
    fn consume<const QUOTES: bool>(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else {
            return;
        };
        let counts = super::lines::scan::<QUOTES>(bytes, self.prev_cr);
        if QUOTES {
            self.track_quotes(bytes, counts.odd_quotes);
        }
        self.line += counts.breaks;
        self.offset += bytes.len() as u64;
        self.prev_cr = last == b'\r';
        self.prev_quote = last == b'"';
    }

    /// Updates the record's quote parity and open quote for `bytes`, whose
    /// quote count is odd by `odd_in_bytes`; `line`, `prev_cr` and
    /// `prev_quote` are still those of the byte before them.
    fn track_quotes(&mut self, bytes: &[u8], odd_in_bytes: bool) {
        let Some(&last) = bytes.last() else {
            return;
        };
        let odd_before = self.odd_quotes;
        self.odd_quotes ^= odd_in_bytes;
        // Odd: find the open quote, if these bytes hold any quote (a field
        // open for megabytes is read in many pieces with none). Even: none
        // is open, unless the bytes end in a quote, which may be the first
        // half of an escaped `""` cut by a chunk boundary: then the opener
        // must be known before the second half comes. The result is the same
        // however the record is cut (see `find_open_quote`).
        let scan = match self.odd_quotes {
            true => odd_in_bytes || bytes.contains(&b'"'),
            false => last == b'"',
        };
        if scan {
            self.find_open_quote(bytes, odd_before);
        } else if !self.odd_quotes {
            self.quote_line = None;
        }
    }

    /// The slow path of `track_quotes`, for bytes that leave an odd number of
    /// quotes in the record (or end in one): the line of the quote that
    /// opened the field still open. That is the last quote that made the
    /// count odd, unless it only follows another quote (the second half of an
    /// escaped `""` inside a quoted field) and an opening quote is already
    /// known.
    ///
    /// Where `quote_line` was reset (bytes ending even, not in a quote), the
    /// first quote of the next bytes follows no quote, so it is taken as a
    /// scan of the whole record would take it: wherever the chunks are cut,
    /// `quote_line` is the same whenever the count is odd.
    fn find_open_quote(&mut self, bytes: &[u8], odd_before: bool) {
        let mut odd = odd_before;
        let mut line = self.line;
        let (mut prev_cr, mut prev_quote) = (self.prev_cr, self.prev_quote);
        for &b in bytes {
            match b {
                b'"' => {
                    odd = !odd;
                    if odd && !(prev_quote && self.quote_line.is_some()) {
                        self.quote_line = Some(line);
                    }
                }
                b'\r' => line += 1,
                b'\n' if !prev_cr => line += 1,
                _ => {}
            }
            prev_cr = b == b'\r';
            prev_quote = b == b'"';
        }
    }
}

/// Grows a buffer: doubles it, but not past `max` elements (exactly: a
/// plain `resize` could round the last step up to twice the limit).
fn grow<T: Copy + Default>(buf: &mut Vec<T>, max: usize) {
    let len = (buf.len() * 2).clamp(1, max.max(1));
    buf.reserve_exact(len.saturating_sub(buf.len()));
    buf.resize(len, T::default());
}

/// Header names from the first record: lossy UTF-8, blank names become
/// `column_N` (1-based position), repeats get `_2`, `_3`... so all are unique.
pub fn header_names(fields: Fields<'_>) -> Vec<String> {
    unique_names(
        fields
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string()),
    )
}

/// See [`header_names`].
///
/// Near-linear: each base name remembers the last suffix it got, so the
/// search for a free `base_N` resumes there instead of at `_2` (names are
/// only ever added, so every suffix below it is still taken). A header of
/// thousands of copies of one name would otherwise take cubic time.
pub fn unique_names(raw: impl IntoIterator<Item = String>) -> Vec<String> {
    use std::collections::{HashMap, HashSet};
    let mut names: Vec<String> = Vec::new();
    let mut taken: HashSet<String> = HashSet::new();
    let mut last_suffix: HashMap<String, u64> = HashMap::new();
    for (i, name) in raw.into_iter().enumerate() {
        let base = if name.is_empty() {
            format!("column_{}", i + 1)
        } else {
            name
        };
        let name = if taken.contains(&base) {
            let n = last_suffix.entry(base.clone()).or_insert(1);
            loop {
                *n += 1;
                let candidate = format!("{base}_{n}");
                if !taken.contains(&candidate) {
                    break candidate;
                }
            }
        } else {
            base
        };
        taken.insert(name.clone());
        names.push(name);
    }
    names
}

#[cfg(test)]
mod tests;
