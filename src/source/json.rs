//! Splitting JSON input into one value per record, without parsing it.
//!
//! NDJSON is split at `\n`; a JSON array is split at the commas between its
//! top-level elements by a small state machine that tracks nesting depth,
//! strings and escapes. The values themselves are parsed by the caller (with
//! serde_json), so a broken value becomes one rejected row, not a failed file.

use super::{Record, RecordData, RecordSink, SourceError};

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
#[derive(Debug, Default)]
pub struct NdjsonSplitter {
    /// The start of a line that has not ended yet.
    partial: Vec<u8>,
    /// The line number of the next line to end.
    line: u64,
    /// The offset where that line starts.
    line_offset: u64,
}

impl NdjsonSplitter {
    /// A splitter at the start of the text.
    pub fn new() -> NdjsonSplitter {
        NdjsonSplitter {
            partial: Vec::new(),
            line: 1,
            line_offset: 0,
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
            let line_len = (self.partial.len() + nl + 1) as u64;
            if self.partial.is_empty() {
                self.emit(line, sink);
            } else {
                let mut partial = std::mem::take(&mut self.partial);
                partial.extend_from_slice(line);
                self.emit(&partial, sink);
                // Keep the allocation for the next long line.
                partial.clear();
                self.partial = partial;
            }
            self.line += 1;
            self.line_offset += line_len;
            input = &rest[1..];
        }
        self.partial.extend_from_slice(input);
    }

    /// Ends the text: a last line without `\n` is handed out.
    pub fn finish<S: RecordSink>(&mut self, sink: &mut S) {
        let partial = std::mem::take(&mut self.partial);
        self.emit(&partial, sink);
        self.line_offset += partial.len() as u64;
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
    /// The current element's bytes (white space before it excluded).
    element: Vec<u8>,
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
        JsonArraySplitter {
            state: ArrayState::Before,
            element: Vec::new(),
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
                    self.element.push(b);
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
                if self.element.is_empty() {
                    if is_space(b) {
                        return Ok(());
                    }
                    self.element_line = self.line;
                    self.element_offset = self.offset;
                }
                self.state = ArrayState::Element;
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    // A stray closer at depth 0 stays in the element for
                    // serde_json to reject.
                    b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                    _ => {}
                }
                self.element.push(b);
            }
        }
        Ok(())
    }

    /// Hands out the element read so far; an empty one (`[1,,2]`, `[1,]`)
    /// is handed out too, for the caller to reject.
    fn emit<S: RecordSink>(&mut self, sink: &mut S) {
        self.rows += 1;
        let (value, _) = trim(&self.element);
        if value.is_empty() {
            self.element_line = self.line;
            self.element_offset = self.offset;
        }
        sink.record(Record {
            row: self.rows,
            line: self.element_line,
            offset: self.element_offset,
            data: RecordData::Json(value),
        });
        self.element.clear();
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
}
