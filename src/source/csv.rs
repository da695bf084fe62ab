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

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

use super::{Fields, Record, RecordData, RecordSink};

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
    /// No byte of the next record has been handed to csv-core yet.
    at_record_start: bool,
    record_line: u64,
    record_offset: u64,
    /// The line of the next byte.
    line: u64,
    /// The last byte seen was a CR (so a following LF ends no extra line).
    prev_cr: bool,
    /// Bytes consumed so far.
    offset: u64,
    /// Records handed out so far, the header included.
    rows: u64,
}

impl CsvParser {
    /// A parser splitting fields at `delimiter`; with `has_header` the first
    /// record goes to [`RecordSink::header`].
    pub fn new(delimiter: u8, has_header: bool) -> CsvParser {
        // The default terminator is CRLF, which ends records at CR, LF or CRLF.
        let mut rdr = ReaderBuilder::new().delimiter(delimiter).build();
        // csv-core strips a UTF-8 BOM only when its first call sees all three
        // bytes at once, which would make the result depend on the chunking.
        // The decoder strips the BOM; this first call (one byte of input, no
        // output room) consumes nothing and turns csv-core's stripping off.
        let _ = rdr.read_record(b"\n", &mut [], &mut []);
        CsvParser {
            rdr,
            has_header,
            header_done: false,
            out: vec![0; INITIAL_OUT],
            out_len: 0,
            ends: vec![0; INITIAL_ENDS],
            ends_len: 0,
            at_record_start: true,
            record_line: 1,
            record_offset: 0,
            line: 1,
            prev_cr: false,
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
                self.consume(&input[..skip]);
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
            self.consume(&input[..nin]);
            input = &input[nin..];
            self.out_len += nout;
            self.ends_len += nend;
            match res {
                ReadRecordResult::InputEmpty | ReadRecordResult::End => return,
                ReadRecordResult::OutputFull => grow(&mut self.out, 0),
                ReadRecordResult::OutputEndsFull => grow(&mut self.ends, 0),
                ReadRecordResult::Record => self.emit(sink),
            }
        }
    }

    /// Ends the input: a last record without a line terminator is handed out.
    pub fn finish<S: RecordSink>(&mut self, sink: &mut S) {
        if self.at_record_start {
            return;
        }
        // A few rounds at most: OutputEndsFull once, then Record, then End.
        for _ in 0..4 {
            let (res, _, _, nend) = self.rdr.read_record(
                &[],
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            self.ends_len += nend;
            match res {
                ReadRecordResult::OutputEndsFull => grow(&mut self.ends, 0),
                ReadRecordResult::Record => {
                    self.emit(sink);
                    return;
                }
                _ => return,
            }
        }
    }

    fn emit<S: RecordSink>(&mut self, sink: &mut S) {
        self.at_record_start = true;
        self.rows += 1;
        let fields = Fields::new(&self.out[..self.out_len], &self.ends[..self.ends_len]);
        if self.has_header && !self.header_done {
            self.header_done = true;
            sink.header(&header_names(fields));
        } else {
            sink.record(Record {
                row: self.rows,
                line: self.record_line,
                offset: self.record_offset,
                data: RecordData::Csv(fields),
            });
        }
        self.out_len = 0;
        self.ends_len = 0;
    }

    /// Moves `line` and `offset` past `bytes`.
    fn consume(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else {
            return;
        };
        self.line += super::lines::line_breaks(bytes, self.prev_cr);
        self.prev_cr = last == b'\r';
        self.offset += bytes.len() as u64;
    }
}

/// Doubles a buffer (at least to `min` elements).
fn grow<T: Copy + Default>(buf: &mut Vec<T>, min: usize) {
    let len = (buf.len() * 2).max(min).max(1);
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
pub fn unique_names(raw: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (i, name) in raw.into_iter().enumerate() {
        let base = if name.is_empty() {
            format!("column_{}", i + 1)
        } else {
            name
        };
        let mut name = base.clone();
        let mut n = 1;
        while names.contains(&name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        names.push(name);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::RecordBuffer;

    fn parse(input: &[u8], chunk: usize) -> RecordBuffer {
        let mut p = CsvParser::new(b',', true);
        let mut sink = RecordBuffer::default();
        for c in input.chunks(chunk.max(1)) {
            p.push(c, &mut sink);
        }
        p.finish(&mut sink);
        sink
    }

    #[test]
    fn header_names_are_unique_and_visible() {
        let sink = parse(b"id,id,, id ,x\n1,2,3,4,5\n", 1);
        assert_eq!(
            sink.header.unwrap(),
            ["id", "id_2", "column_3", "id_3", "x"].map(String::from)
        );
    }

    #[test]
    fn buffers_grow_for_big_records() {
        let field = "x".repeat(10_000);
        let row = vec![field.as_str(); 100].join(",");
        let input = format!("h\n{row}\n{row}");
        for chunk in [1, 7, 4096, usize::MAX] {
            let sink = parse(input.as_bytes(), chunk);
            assert_eq!(sink.records.len(), 2);
            for r in &sink.records {
                let fields = r.fields().unwrap();
                assert_eq!(fields.len(), 100);
                assert!(fields.iter().all(|f| f == field.as_bytes()));
            }
            assert_eq!(sink.records[1].line, 3);
        }
    }

    #[test]
    fn lone_cr_counts_lines() {
        let sink = parse(b"a\rb\r\"c\rd\"\re", 1);
        let lines: Vec<u64> = sink.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 5]);
    }
}
