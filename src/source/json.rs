//! Splitting JSON input into one value per record, without parsing it.
//!
//! NDJSON is split at `\n`; a JSON array is split at the commas between its
//! top-level elements by a small state machine that tracks nesting depth,
//! strings and escapes. The values themselves are parsed by the caller (with
//! serde_json), so a broken value becomes one rejected row, not a failed file.
//!
//! A line or element over [`MAX_RECORD_BYTES`] is not kept: its bytes are
//! dropped as they come (the array splitter still tracks depth and strings to
//! find where the element ends) and it is handed out as
//! [`RecordData::Oversize`]; the next line or element reads normally.

use super::{
    Oversize, OversizeKind, Record, RecordData, RecordSink, SourceError, MAX_RECORD_BYTES,
};

/// A record that went over the byte limit.
fn oversize(bytes: u64) -> RecordData<'static> {
    RecordData::Oversize(Oversize {
        bytes,
        kind: OversizeKind::Bytes,
        quote_line: None,
    })
}

/// JSON white space (plus `\r`, which NDJSON files written on Windows carry).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn trim(bytes: &[u8]) -> (&[u8], usize) {
    let start = bytes
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |i| i + 1);
    (&bytes[start..end], start)
}

/// NDJSON: one JSON value per line; blank lines are skipped; a record's row
/// is its line number.
#[derive(Debug)]
pub struct NdjsonSplitter {
    /// The start of a line that has not ended yet (never over `max_bytes`).
    partial: Vec<u8>,
    /// Set when the line being read went over `max_bytes`: its length so far
    /// (its bytes are dropped).
    over: Option<u64>,
    /// The line number of the next line to end.
    line: u64,
    /// The offset where that line starts.
    line_offset: u64,
    /// [`MAX_RECORD_BYTES`], or a small limit in tests.
    max_bytes: usize,
}

impl Default for NdjsonSplitter {
    fn default() -> Self {
        NdjsonSplitter::new()
    }
}

impl NdjsonSplitter {
    /// A splitter at the start of the text.
    pub fn new() -> NdjsonSplitter {
        NdjsonSplitter::with_limit(MAX_RECORD_BYTES)
    }

    fn with_limit(max_bytes: usize) -> NdjsonSplitter {
        NdjsonSplitter {
            partial: Vec::new(),
            over: None,
            line: 1,
            line_offset: 0,
            max_bytes,
        }
    }

    /// The row number of the line being read.
    pub fn next_row(&self) -> u64 {
        self.line
    }

    /// Splits `input`, handing every complete line to `sink`.
    pub fn push<S: RecordSink>(&mut self, mut input: &[u8], sink: &mut S) {
        while let Some(nl) = input.iter().position(|&b| b == b'\n') {
            let (line, rest) = input.split_at(nl);
            let line_len = match self.over.take() {
                Some(dropped) => {
                    self.emit_oversize(dropped + nl as u64, sink);
                    dropped + nl as u64
                }
                None if self.partial.len() + nl > self.max_bytes => {
                    let len = (self.partial.len() + nl) as u64;
                    self.partial.clear();
                    self.emit_oversize(len, sink);
                    len
                }
                None if self.partial.is_empty() => {
                    self.emit(line, sink);
                    nl as u64
                }
                None => {
                    let mut partial = std::mem::take(&mut self.partial);
                    partial.extend_from_slice(line);
                    self.emit(&partial, sink);
                    let len = partial.len() as u64;
                    // Keep the allocation for the next long line.
                    partial.clear();
                    self.partial = partial;
                    len
                }
            };
            self.line += 1;
            self.line_offset += line_len + 1;
            input = &rest[1..];
        }
        // The unfinished tail is kept only while the line is within the limit.
        match &mut self.over {
            Some(dropped) => *dropped += input.len() as u64,
            None if self.partial.len() + input.len() > self.max_bytes => {
                self.over = Some((self.partial.len() + input.len()) as u64);
                self.partial.clear();
            }
            None => self.partial.extend_from_slice(input),
        }
    }

    /// Ends the text: a last line without `\n` is handed out.
    pub fn finish<S: RecordSink>(&mut self, sink: &mut S) {
        if let Some(dropped) = self.over.take() {
            self.emit_oversize(dropped, sink);
            self.line_offset += dropped;
            return;
        }
        let partial = std::mem::take(&mut self.partial);
        self.emit(&partial, sink);
        self.line_offset += partial.len() as u64;
    }

    fn emit_oversize<S: RecordSink>(&self, bytes: u64, sink: &mut S) {
        sink.record(Record {
            row: self.line,
            line: self.line,
            offset: self.line_offset,
            data: oversize(bytes),
        });
    }

    fn emit<S: RecordSink>(&self, line: &[u8], sink: &mut S) {
        let (value, start) = trim(line);
        if value.is_empty() {
            return;
        }
        sink.record(Record {
            row: self.line,
            line: self.line,
            offset: self.line_offset + start as u64,
            data: RecordData::Json(value),
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrayState {
    /// Before the opening `[`.
    Before,
    /// After `[`, before the first element or `]`.
    First,
    /// Inside the array, reading an element (possibly only white space yet).
    Element,
    /// After the closing `]`.
    After,
}

/// A JSON array: each top-level element is a record; row = element index
/// from 1.
#[derive(Debug)]
pub struct JsonArraySplitter {
    state: ArrayState,
    /// The current element's bytes (white space before it excluded), while
    /// they are within `max_bytes`; emptied when they go over.
    element: Vec<u8>,
    /// The current element's length, kept or not (0: not started).
    element_bytes: u64,
    /// [`MAX_RECORD_BYTES`], or a small limit in tests.
    max_bytes: usize,
    depth: u32,
    in_string: bool,
    escaped: bool,
    line: u64,
    offset: u64,
    element_line: u64,
    element_offset: u64,
    rows: u64,
}

impl Default for JsonArraySplitter {
    fn default() -> Self {
        JsonArraySplitter::new()
    }
}

impl JsonArraySplitter {
    /// A splitter at the start of the text.
    pub fn new() -> JsonArraySplitter {
        JsonArraySplitter::with_limit(MAX_RECORD_BYTES)
    }

    fn with_limit(max_bytes: usize) -> JsonArraySplitter {
        JsonArraySplitter {
            state: ArrayState::Before,
            element: Vec::new(),
            element_bytes: 0,
            max_bytes,
            depth: 0,
            in_string: false,
            escaped: false,
            line: 1,
            offset: 0,
            element_line: 1,
            element_offset: 0,
            rows: 0,
        }
    }

    /// The row number of the element being read.
    pub fn next_row(&self) -> u64 {
        self.rows + 1
    }

    /// Splits `input`, handing every complete element to `sink`.
    pub fn push<S: RecordSink>(&mut self, input: &[u8], sink: &mut S) -> Result<(), SourceError> {
        for &b in input {
            self.byte(b, sink)?;
            self.offset += 1;
            self.line += u64::from(b == b'\n');
        }
        Ok(())
    }

    /// Ends the text: the array must have been closed.
    pub fn finish<S: RecordSink>(&mut self, _sink: &mut S) -> Result<(), SourceError> {
        match self.state {
            ArrayState::After => Ok(()),
            ArrayState::Before => Err(self.error("expected a JSON array, found no `[`")),
            ArrayState::First | ArrayState::Element => Err(self
                .error("the JSON array is not closed: the file ends before its `]` (truncated?)")),
        }
    }

    fn byte<S: RecordSink>(&mut self, b: u8, sink: &mut S) -> Result<(), SourceError> {
        match self.state {
            ArrayState::Before => match b {
                b'[' => self.state = ArrayState::First,
                _ if is_space(b) => {}
                _ => return Err(self.error("expected a JSON array starting with `[`")),
            },
            ArrayState::After => {
                if !is_space(b) {
                    return Err(
                        self.error("unexpected data after the closing `]` of the JSON array")
                    );
                }
            }
            ArrayState::First if b == b']' => self.state = ArrayState::After,
            ArrayState::First | ArrayState::Element => {
                if self.in_string {
                    self.keep(b);
                    if self.escaped {
                        self.escaped = false;
                    } else if b == b'\\' {
                        self.escaped = true;
                    } else if b == b'"' {
                        self.in_string = false;
                    }
                    return Ok(());
                }
                if self.depth == 0 && (b == b',' || b == b']') {
                    self.emit(sink);
                    self.state = if b == b']' {
                        ArrayState::After
                    } else {
                        ArrayState::Element
                    };
                    return Ok(());
                }
                if self.element_bytes == 0 {
                    if is_space(b) {
                        return Ok(());
                    }
                    self.element_line = self.line;
                    self.element_offset = self.offset;
                }
                self.state = ArrayState::Element;
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth = self.depth.saturating_add(1),
                    // A stray closer at depth 0 stays in the element for
                    // serde_json to reject.
                    b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                    _ => {}
                }
                self.keep(b);
            }
        }
        Ok(())
    }

    /// Adds a byte to the element, unless the element is over the limit.
    fn keep(&mut self, b: u8) {
        self.element_bytes += 1;
        if self.element_bytes <= self.max_bytes as u64 {
            self.element.push(b);
        } else if !self.element.is_empty() {
            // Just over: drop what was kept (once; it stays empty after).
            self.element.clear();
        }
    }

    /// Hands out the element read so far; an empty one (`[1,,2]`, `[1,]`)
    /// is handed out too, for the caller to reject.
    fn emit<S: RecordSink>(&mut self, sink: &mut S) {
        self.rows += 1;
        let data = if self.element_bytes > self.max_bytes as u64 {
            oversize(self.element_bytes)
        } else {
            let (value, _) = trim(&self.element);
            if value.is_empty() {
                self.element_line = self.line;
                self.element_offset = self.offset;
            }
            RecordData::Json(value)
        };
        sink.record(Record {
            row: self.rows,
            line: self.element_line,
            offset: self.element_offset,
            data,
        });
        self.element.clear();
        self.element_bytes = 0;
    }

    fn error(&self, message: &str) -> SourceError {
        SourceError {
            row: Some(self.next_row()),
            message: format!("{message} (line {})", self.line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::RecordBuffer;

    fn split_array(input: &[u8]) -> Result<Vec<(u64, u64, String)>, SourceError> {
        let mut s = JsonArraySplitter::new();
        let mut sink = RecordBuffer::default();
        s.push(input, &mut sink)?;
        s.finish(&mut sink)?;
        Ok(sink
            .records
            .iter()
            .map(|r| {
                let json = String::from_utf8_lossy(r.json().unwrap()).into_owned();
                (r.row, r.line, json)
            })
            .collect())
    }

    #[test]
    fn array_elements() {
        let got = split_array(b" [ {\"a\":\"],}\\\"\"},\n [1,{}] ,\"x\" , 3 ]\n").unwrap();
        let want = [
            (1, 1, r#"{"a":"],}\""}"#),
            (2, 2, "[1,{}]"),
            (3, 2, r#""x""#),
            (4, 2, "3"),
        ];
        assert_eq!(got, want.map(|(r, l, s)| (r, l, s.to_string())));
        assert_eq!(split_array(b"[]").unwrap(), []);
        assert_eq!(split_array(b"[1,]").unwrap().len(), 2);
    }

    #[test]
    fn array_errors() {
        assert!(split_array(b"").is_err());
        assert!(split_array(b"{}").is_err());
        assert!(split_array(b"[{},{").is_err());
        assert!(split_array(b"[{}] x").is_err());
        assert!(split_array(b"[{}][]").is_err());
    }

    /// A record in short: row, line, offset and the JSON text or the
    /// oversize size.
    type Short = (u64, u64, u64, Result<String, u64>);

    fn short(sink: &RecordBuffer) -> Vec<Short> {
        sink.records
            .iter()
            .map(|r| {
                let data = match (r.json(), r.oversize()) {
                    (Some(json), _) => Ok(String::from_utf8_lossy(json).into_owned()),
                    (None, Some(o)) => Err(o.bytes),
                    (None, None) => unreachable!("JSON records are values or oversize"),
                };
                (r.row, r.line, r.offset, data)
            })
            .collect()
    }

    /// Runs `split` whole, split at every byte in two, and byte by byte,
    /// asserting every way reads the same; returns it.
    fn every_split<F>(input: &[u8], split: F) -> Result<Vec<Short>, SourceError>
    where
        F: Fn(&[&[u8]]) -> Result<Vec<Short>, SourceError>,
    {
        let whole = split(&[input]);
        for at in 0..=input.len() {
            let (a, b) = input.split_at(at);
            assert_eq!(split(&[a, b]), whole, "split at {at}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(split(&bytes), whole, "byte by byte");
        whole
    }

    fn ndjson(max: usize) -> impl Fn(&[&[u8]]) -> Result<Vec<Short>, SourceError> {
        move |chunks| {
            let mut s = NdjsonSplitter::with_limit(max);
            let mut sink = RecordBuffer::default();
            for c in chunks {
                s.push(c, &mut sink);
            }
            s.finish(&mut sink);
            Ok(short(&sink))
        }
    }

    fn array(max: usize) -> impl Fn(&[&[u8]]) -> Result<Vec<Short>, SourceError> {
        move |chunks| {
            let mut s = JsonArraySplitter::with_limit(max);
            let mut sink = RecordBuffer::default();
            for c in chunks {
                s.push(c, &mut sink)?;
            }
            s.finish(&mut sink)?;
            Ok(short(&sink))
        }
    }

    fn json(row: u64, line: u64, offset: u64, text: &str) -> Short {
        (row, line, offset, Ok(text.to_string()))
    }

    #[test]
    fn ndjson_lines_over_the_limit_are_dropped_and_reading_goes_on() {
        // The limit counts the whole line: ` {"c":2}\r` is 9 bytes.
        let input = b"{\"a\":1}\n{\"b\":\"xxxxxx\"}\n\n {\"c\":2}\r\n1234567890";
        let got = every_split(input, ndjson(9)).unwrap();
        assert_eq!(
            got,
            [
                json(1, 1, 0, r#"{"a":1}"#),
                (2, 2, 8, Err(14)),
                json(4, 4, 25, r#"{"c":2}"#),
                (5, 5, 34, Err(10)),
            ]
        );
        // Exactly at the limit: kept.
        let got = every_split(b"12345678\n12345678", ndjson(8)).unwrap();
        assert_eq!(got, [json(1, 1, 0, "12345678"), json(2, 2, 9, "12345678")]);
    }

    #[test]
    fn array_elements_over_the_limit_are_dropped_and_reading_goes_on() {
        // The second element holds a string with `]`, `,` and an escaped
        // quote, and nesting: its end is still found with its bytes dropped.
        let input = b"[{\"a\":1},\n {\"b\":[\"],\\\"\",{}]} , 7,\"12345678\"]";
        let got = every_split(input, array(8)).unwrap();
        assert_eq!(
            got,
            [
                json(1, 1, 1, r#"{"a":1}"#),
                // From its `{` to the comma, the space before it included.
                (2, 2, 11, Err(18)),
                json(3, 2, 31, "7"),
                (4, 2, 33, Err(10)),
            ]
        );
        // Exactly at the limit: kept.
        let got = every_split(b"[12345678,\"123456\"]", array(8)).unwrap();
        assert_eq!(
            got,
            [json(1, 1, 1, "12345678"), json(2, 1, 10, "\"123456\"")]
        );
        // An unclosed array is still an error, oversize or not.
        assert!(every_split(b"[\"123456789", array(8)).is_err());
    }

    #[test]
    fn real_limit_with_two_mebibyte_records() {
        let big = "x".repeat(2 * MAX_RECORD_BYTES);
        let mut s = NdjsonSplitter::new();
        let mut sink = RecordBuffer::default();
        s.push(format!("\"{big}\"\n{{}}").as_bytes(), &mut sink);
        s.finish(&mut sink);
        let size = big.len() as u64 + 2;
        assert_eq!(
            short(&sink),
            [(1, 1, 0, Err(size)), json(2, 2, size + 1, "{}")]
        );

        let mut s = JsonArraySplitter::new();
        let mut sink = RecordBuffer::default();
        for chunk in format!("[\"{big}\",{{}}]").as_bytes().chunks(64 * 1024) {
            s.push(chunk, &mut sink).unwrap();
        }
        s.finish(&mut sink).unwrap();
        assert_eq!(
            short(&sink),
            [(1, 1, 1, Err(size)), json(2, 1, size + 2, "{}")]
        );
    }

    // proptest's random source does not build for wasm32 (see Cargo.toml).
    #[cfg(not(target_arch = "wasm32"))]
    mod chunking {
        use super::*;

        proptest::proptest! {
            /// With a tiny limit, oversize lines and elements come out the same
            /// whatever the chunks.
            #[test]
            fn limits_do_not_depend_on_the_chunks(
                input in proptest::collection::vec(
                    proptest::sample::select(b"[]{}\",:\\ \n1".to_vec()), 0..60),
                at in 0usize..60,
                max in 1usize..10,
            ) {
                let at = at.min(input.len());
                let (a, b) = input.split_at(at);
                proptest::prop_assert_eq!(ndjson(max)(&[a, b]), ndjson(max)(&[&input]));
                proptest::prop_assert_eq!(array(max)(&[a, b]), array(max)(&[&input]));
            }
        }
    }
}
