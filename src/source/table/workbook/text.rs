//! A sheet's cells → canonical CSV: where the table is (header row, columns,
//! last row), and each cell's value as text.

use calamine::{Data, DataRef, ExcelDateTime};

use crate::source::SourceError;

/// The most canonical text one sheet may become. Past it the sheet is
/// refused: the text is held in memory whole (about this much), and a sheet
/// that large is better exported as CSV.
pub(super) const MAX_TEXT_BYTES: usize = 512 * 1024 * 1024;

/// The most fields (rows × columns) a sheet's table may span. Far more
/// than real sheets (a million rows of 100 columns), and it refuses at once
/// a sheet whose few cells lie far apart (A1 and XFD1048576), which would
/// otherwise write gigabytes of empty fields.
pub(super) const MAX_FIELDS: u64 = 100_000_000;

/// A cell's value, borrowed from calamine's `Data` or `DataRef`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Value<'a> {
    Empty,
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    DateTime(ExcelDateTime),
    /// ODS dates, times and durations, already ISO 8601.
    Iso(&'a str),
    Error(&'a calamine::CellErrorType),
}

impl<'a> From<&'a Data> for Value<'a> {
    fn from(d: &'a Data) -> Value<'a> {
        match d {
            Data::Empty => Value::Empty,
            Data::String(s) => Value::Text(s),
            Data::Int(i) => Value::Int(*i),
            Data::Float(f) => Value::Float(*f),
            Data::Bool(b) => Value::Bool(*b),
            Data::DateTime(t) => Value::DateTime(*t),
            Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Iso(s),
            Data::Error(e) => Value::Error(e),
        }
    }
}

impl<'a> From<&'a DataRef<'a>> for Value<'a> {
    fn from(d: &'a DataRef<'a>) -> Value<'a> {
        match d {
            DataRef::Empty => Value::Empty,
            DataRef::String(s) => Value::Text(s),
            DataRef::SharedString(s) => Value::Text(s),
            DataRef::Int(i) => Value::Int(*i),
            DataRef::Float(f) => Value::Float(*f),
            DataRef::Bool(b) => Value::Bool(*b),
            DataRef::DateTime(t) => Value::DateTime(*t),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Value::Iso(s),
            DataRef::Error(e) => Value::Error(e),
        }
    }
}

impl Value<'_> {
    /// Holds something: not empty, not an empty string.
    pub fn has_value(&self) -> bool {
        match self {
            Value::Empty => false,
            Value::Text(s) | Value::Iso(s) => !s.is_empty(),
            _ => true,
        }
    }

    /// The cell's text (unquoted).
    pub fn write(&self, out: &mut String) {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = match self {
            Value::Empty => Ok(()),
            Value::Text(s) | Value::Iso(s) => out.write_str(s),
            Value::Int(i) => write!(out, "{i}"),
            // Display is the shortest text that reads back as the same f64,
            // never with an exponent, and without ".0" for integral values.
            Value::Float(f) => write!(out, "{f}"),
            Value::Bool(b) => write!(out, "{b}"),
            Value::DateTime(t) => write_datetime(out, t),
            Value::Error(e) => write!(out, "{e}"),
        };
    }
}

/// A date `2024-03-01`, a date and time `2024-03-01T10:30:00[.250]`, a time
/// of day `10:30:00` (a serial below 1: a time-only cell), or a duration
/// `36:30:00` (hours may pass 24; `-` before a negative one).
fn write_datetime(out: &mut String, t: &ExcelDateTime) -> std::fmt::Result {
    use std::fmt::Write;
    let serial = t.as_f64();
    if t.is_duration() || (0.0..1.0).contains(&serial) {
        let ms = (serial.abs() * 86_400_000.0).round();
        if !ms.is_finite() || ms > 1e15 {
            return write!(out, "{serial}");
        }
        let ms = ms as u64;
        let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        if serial < 0.0 {
            out.push('-');
        }
        write!(out, "{h:02}:{m:02}:{s:02}")?;
        return write_milli(out, milli as u16);
    }
    let (y, mo, d, h, mi, s, milli) = t.to_ymd_hms_milli();
    write!(out, "{y:04}-{mo:02}-{d:02}")?;
    if (h, mi, s, milli) != (0, 0, 0, 0) {
        write!(out, "T{h:02}:{mi:02}:{s:02}")?;
        write_milli(out, milli)?;
    }
    Ok(())
}

fn write_milli(out: &mut String, milli: u16) -> std::fmt::Result {
    use std::fmt::Write;
    if milli == 0 {
        return Ok(());
    }
    write!(out, ".{milli:03}")
}

/// Where the table of a sheet is, found by a first look at its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Layout {
    /// The header row (0-based sheet row): the first record.
    pub header: u32,
    /// The last row with a value.
    pub last: u32,
    /// The leftmost and rightmost columns with a value (0-based).
    pub cols: (u32, u32),
    /// The row taken for a title and skipped, with its text.
    pub title: Option<(u32, String)>,
}

/// One row seen by [`LayoutScan`].
#[derive(Debug, Clone)]
struct RowSeen {
    row: u32,
    count: u32,
    cols: (u32, u32),
    first_text: String,
}

/// Finds the [`Layout`] from the cells with a value, in row-major order.
#[derive(Debug, Default)]
pub(super) struct LayoutScan {
    first: Option<RowSeen>,
    second: Option<RowSeen>,
    /// Columns of the rows from the second row with a value on.
    rest_cols: Option<(u32, u32)>,
    last: u32,
    at: Option<(u32, u32)>,
}

impl LayoutScan {
    /// Sees one cell; cells must come in row-major order.
    pub fn cell(&mut self, row: u32, col: u32, value: Value<'_>) -> Result<(), SourceError> {
        if !value.has_value() {
            return Ok(());
        }
        if self.at.is_some_and(|at| (row, col) <= at) {
            return Err(SourceError {
                row: Some(u64::from(row) + 1),
                message: format!(
                    "the sheet's cells are not in order (row {} after row {}): the file was not \
                     written by a spreadsheet program; open it in one and save it again",
                    row + 1,
                    self.at.map_or(0, |a| a.0 + 1)
                ),
            });
        }
        self.at = Some((row, col));
        self.last = row;
        let seen = |v: &Value<'_>| {
            let mut first_text = String::new();
            v.write(&mut first_text);
            RowSeen {
                row,
                count: 1,
                cols: (col, col),
                first_text,
            }
        };
        match (&mut self.first, &mut self.second) {
            (None, _) => self.first = Some(seen(&value)),
            (Some(f), None) if f.row == row => {
                f.count += 1;
                f.cols.1 = col;
            }
            (Some(_), None) => self.second = Some(seen(&value)),
            (Some(_), Some(s)) if s.row == row => {
                s.count += 1;
                s.cols.1 = col;
            }
            (Some(_), Some(_)) => {}
        }
        if self.second.as_ref().is_some_and(|s| s.row <= row) {
            self.rest_cols = Some(match self.rest_cols {
                None => (col, col),
                Some((a, b)) => (a.min(col), b.max(col)),
            });
        }
        Ok(())
    }

    /// The layout; `None` for a sheet without a value.
    pub fn finish(self) -> Option<Layout> {
        let first = self.first?;
        let title = matches!(&self.second, Some(s) if first.count == 1 && s.count > 1);
        Some(match (title, self.rest_cols) {
            (true, Some(cols)) => Layout {
                header: self.second.map_or(first.row, |s| s.row),
                last: self.last,
                cols,
                title: Some((first.row, first.first_text)),
            },
            (_, rest) => {
                let cols = rest.map_or(first.cols, |(a, b)| {
                    (a.min(first.cols.0), b.max(first.cols.1))
                });
                Layout {
                    header: first.row,
                    last: self.last,
                    cols,
                    title: None,
                }
            }
        })
    }
}

/// Writes the records of a [`Layout`] from the sheet's cells, in row-major
/// order, and notes where chunks may end (after a record, every
/// `chunk_bytes` or so).
pub(super) struct CsvWriter {
    layout: Layout,
    chunk_bytes: usize,
    pub text: Vec<u8>,
    /// Offsets where a chunk ends (each after a record).
    pub cuts: Vec<usize>,
    /// The row being written, the column of its last field written (or of
    /// its first field), and whether a field of it holds a value.
    row: Option<u32>,
    col: u32,
    filled: bool,
    cell: String,
}

impl CsvWriter {
    /// A writer for `layout`, refused when the table spans more than
    /// [`MAX_FIELDS`].
    pub fn new(layout: Layout, chunk_bytes: usize) -> Result<CsvWriter, SourceError> {
        let rows = u64::from(layout.last - layout.header) + 1;
        let cols = u64::from(layout.cols.1 - layout.cols.0) + 1;
        if rows.saturating_mul(cols) > MAX_FIELDS {
            return Err(SourceError {
                row: None,
                message: format!(
                    "the sheet's table spans {rows} rows × {cols} columns (rows {} to {}), more \
                     than the {MAX_FIELDS} cells read from a workbook: delete what lies outside \
                     the table, or save the sheet as CSV and import that",
                    layout.header + 1,
                    layout.last + 1
                ),
            });
        }
        Ok(CsvWriter {
            layout,
            chunk_bytes,
            text: Vec::new(),
            cuts: Vec::new(),
            row: None,
            col: 0,
            filled: false,
            cell: String::new(),
        })
    }

    pub fn cell(&mut self, row: u32, col: u32, value: Value<'_>) -> Result<(), SourceError> {
        let (first, last) = self.layout.cols;
        if row < self.layout.header || row > self.layout.last || col < first || col > last {
            return Ok(());
        }
        if !value.has_value() {
            return Ok(());
        }
        let from = self.row.map_or(self.layout.header, |r| r + 1);
        if self.row != Some(row) {
            self.end_row()?;
            for _ in from..row {
                self.start_row();
                self.end_row()?;
            }
            self.row = Some(row);
            self.col = first;
            self.filled = false;
        }
        self.pad_to(col);
        self.cell.clear();
        value.write(&mut self.cell);
        push_field(&mut self.text, &self.cell);
        self.filled = true;
        Ok(())
    }

    /// Empty fields up to column `col`.
    fn pad_to(&mut self, col: u32) {
        let n = col.saturating_sub(self.col) as usize;
        self.text.resize(self.text.len() + n, b',');
        self.col = self.col.max(col);
    }

    fn start_row(&mut self) {
        self.row = Some(self.row.map_or(self.layout.header, |r| r + 1));
        self.col = self.layout.cols.0;
        self.filled = false;
    }

    /// Ends the row being written, if any: the missing fields, the line end.
    fn end_row(&mut self) -> Result<(), SourceError> {
        let Some(row) = self.row else {
            return Ok(());
        };
        let (first, last) = self.layout.cols;
        if first == last && !self.filled {
            // One column, empty: `""`, so the record is not a blank line.
            self.text.extend_from_slice(b"\"\"");
        }
        self.pad_to(last);
        self.text.push(b'\n');
        if self.text.len() > MAX_TEXT_BYTES {
            return Err(SourceError {
                row: Some(u64::from(row) + 1),
                message: format!(
                    "the sheet's text passes {} MiB at row {}: a sheet this large is not read \
                     from a workbook; save it as CSV and import that",
                    MAX_TEXT_BYTES >> 20,
                    row + 1
                ),
            });
        }
        let since = self.cuts.last().copied().unwrap_or(0);
        if self.text.len() - since >= self.chunk_bytes {
            self.cuts.push(self.text.len());
        }
        Ok(())
    }

    /// The text and its chunk ends (the last at the text's end).
    pub fn finish(mut self) -> Result<(Vec<u8>, Vec<usize>), SourceError> {
        // Rows up to the last one with a value (which has been seen, unless
        // every cell of the table is outside it: then the header row alone).
        let last = self.layout.last;
        if self.row.is_none() {
            self.start_row();
        }
        while self.row.is_some_and(|r| r < last) {
            self.end_row()?;
            self.start_row();
        }
        self.end_row()?;
        if self.cuts.last() != Some(&self.text.len()) {
            self.cuts.push(self.text.len());
        }
        Ok((self.text, self.cuts))
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn push_field(out: &mut Vec<u8>, field: &str) {
    if field
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use calamine::{CellErrorType, ExcelDateTimeType};

    use super::*;

    fn text(value: Value<'_>) -> String {
        let mut out = String::new();
        value.write(&mut out);
        out
    }

    fn date(serial: f64, is_1904: bool) -> String {
        text(Value::DateTime(ExcelDateTime::new(
            serial,
            ExcelDateTimeType::DateTime,
            is_1904,
        )))
    }

    #[test]
    fn numbers_are_written_in_their_shortest_form() {
        assert_eq!(text(Value::Float(42.0)), "42");
        assert_eq!(text(Value::Float(-0.0)), "-0");
        assert_eq!(text(Value::Float(3.5)), "3.5");
        assert_eq!(text(Value::Float(0.1 + 0.2)), "0.30000000000000004");
        assert_eq!(text(Value::Float(9007199254740992.0)), "9007199254740992");
        assert_eq!(text(Value::Float(1e-7)), "0.0000001");
        assert_eq!(text(Value::Int(-12)), "-12");
        assert_eq!(text(Value::Bool(true)), "true");
        assert_eq!(text(Value::Bool(false)), "false");
    }

    #[test]
    fn dates_and_times_are_iso_8601() {
        // 2024-03-01 is serial 45352 in the 1900 system, 43890 in the 1904 one.
        assert_eq!(date(45352.0, false), "2024-03-01");
        assert_eq!(date(43890.0, true), "2024-03-01");
        assert_eq!(date(45352.4375, false), "2024-03-01T10:30:00");
        assert_eq!(date(43890.4375, true), "2024-03-01T10:30:00");
        let ms = 45352.0 + (10.0 * 3600.0 + 30.0 * 60.0 + 0.25) / 86400.0;
        assert_eq!(date(ms, false), "2024-03-01T10:30:00.250");
        // A time-only cell (no date part) is its time of day.
        assert_eq!(date(0.4375, false), "10:30:00");
        let duration = ExcelDateTime::new(1.5208333333, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(text(Value::DateTime(duration)), "36:30:00");
        let negative = ExcelDateTime::new(-0.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(text(Value::DateTime(negative)), "-12:00:00");
        // ODS gives ISO text: kept as it is.
        assert_eq!(text(Value::Iso("PT36H30M")), "PT36H30M");
        assert_eq!(
            text(Value::Iso("2024-03-01T10:30:00")),
            "2024-03-01T10:30:00"
        );
    }

    #[test]
    fn error_cells_are_their_text() {
        assert_eq!(text(Value::Error(&CellErrorType::Div0)), "#DIV/0!");
        assert_eq!(text(Value::Error(&CellErrorType::NA)), "#N/A");
    }

    fn layout_of(cells: &[(u32, u32, &str)]) -> Option<Layout> {
        let mut scan = LayoutScan::default();
        for &(r, c, v) in cells {
            scan.cell(r, c, Value::Text(v)).unwrap();
        }
        scan.finish()
    }

    fn csv(cells: &[(u32, u32, &str)]) -> String {
        let layout = layout_of(cells).unwrap();
        let mut w = CsvWriter::new(layout, 1 << 20).unwrap();
        for &(r, c, v) in cells {
            w.cell(r, c, Value::Text(v)).unwrap();
        }
        String::from_utf8(w.finish().unwrap().0).unwrap()
    }

    #[test]
    fn a_title_row_above_a_wider_row_is_skipped() {
        let cells = [(0, 0, "Orders"), (2, 1, "a"), (2, 2, "b"), (3, 1, "1")];
        assert_eq!(
            layout_of(&cells),
            Some(Layout {
                header: 2,
                last: 3,
                cols: (1, 2),
                title: Some((0, "Orders".into())),
            })
        );
        assert_eq!(csv(&cells), "a,b\n1,\n");
    }

    #[test]
    fn a_single_column_table_has_no_title() {
        let cells = [(1, 0, "email"), (2, 0, "a@x"), (4, 0, "b@x")];
        let layout = layout_of(&cells).unwrap();
        assert_eq!((layout.header, layout.title), (1, None));
        // The empty row is `""`, so it is a record and not a blank line.
        assert_eq!(csv(&cells), "email\na@x\n\"\"\nb@x\n");
    }

    #[test]
    fn empty_rows_inside_are_records_and_trailing_ones_are_not() {
        let cells = [(0, 0, "a"), (0, 1, "b"), (3, 1, "x"), (9, 0, "")];
        assert_eq!(csv(&cells), "a,b\n,\n,\n,x\n");
    }

    #[test]
    fn fields_are_quoted_when_they_must_be() {
        let cells = [
            (0, 0, "a,b"),
            (0, 1, "say \"hi\""),
            (0, 2, "two\nlines"),
            (0, 3, " x "),
        ];
        assert_eq!(
            csv(&cells),
            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\", x \n"
        );
    }

    #[test]
    fn cells_out_of_order_are_refused() {
        let mut scan = LayoutScan::default();
        scan.cell(4, 0, Value::Int(1)).unwrap();
        let e = scan.cell(2, 0, Value::Int(1)).unwrap_err();
        assert!(e.message.contains("row 3 after row 5"), "{}", e.message);
    }

    #[test]
    fn a_table_of_cells_far_apart_is_refused_before_it_is_written() {
        let layout = layout_of(&[(0, 0, "a"), (1_048_575, 16_383, "b")]).unwrap();
        let e = CsvWriter::new(layout, 1 << 20).err().unwrap();
        assert_eq!(
            e.message,
            "the sheet's table spans 1048576 rows × 16384 columns (rows 1 to 1048576), more than \
             the 100000000 cells read from a workbook: delete what lies outside the table, or \
             save the sheet as CSV and import that"
        );
    }

    #[test]
    fn chunks_end_after_records() {
        let cells: Vec<(u32, u32, String)> =
            (0..100).map(|r| (r, 0, format!("row,{r}\nx"))).collect();
        let mut scan = LayoutScan::default();
        for (r, c, v) in &cells {
            scan.cell(*r, *c, Value::Text(v)).unwrap();
        }
        let mut w = CsvWriter::new(scan.finish().unwrap(), 50).unwrap();
        for (r, c, v) in &cells {
            w.cell(*r, *c, Value::Text(v)).unwrap();
        }
        let (text, cuts) = w.finish().unwrap();
        assert_eq!(cuts.last(), Some(&text.len()));
        assert!(cuts.len() > 10);
        for cut in cuts {
            // Every record is `"row,N\nx"` + `\n`: a cut follows `x"\n`.
            assert_eq!(&text[cut - 3..cut], b"x\"\n");
        }
    }
}
