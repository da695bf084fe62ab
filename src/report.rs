//! What a run tells the user at the end: the rejected-rows CSV and the
//! reconciliation (`rows = delivered + rejected + undelivered`).

use serde::Serialize;

use crate::pipeline::RejectedRow;

/// Writes rejected rows as CSV: `row,line,code,reason,<original columns>`.
///
/// Cells that a spreadsheet would run as a formula (starting with `=`, `+`,
/// `-`, `@`, tab or carriage return) get a leading `'`, as OWASP advises for
/// CSV injection: the rejects file is opened by people, in spreadsheets.
#[derive(Debug)]
pub struct RejectsCsv {
    lines: CsvLines,
    /// The file's columns: a row with fewer cells (one the API refused has
    /// none) is padded, so every line has the header's width.
    columns: usize,
    /// In an import of several files: a first `file` column, and rows named
    /// within their file.
    files: Option<crate::fileset::FileSet>,
    /// The header's columns (several files: every file's, each once).
    header: Vec<String>,
}

impl RejectsCsv {
    /// Starts the file: returns the writer and the header line's bytes.
    pub fn new(columns: &[String]) -> (RejectsCsv, Vec<u8>) {
        RejectsCsv::for_files(columns, None)
    }

    /// As [`new`](Self::new); with several `files` the first column says
    /// which file a row is from, and `row` is its row within that file.
    /// `columns` are then every file's columns, each once; a row is written
    /// with [`write_from`](Self::write_from) and its own file's columns, so
    /// each cell goes under its column's name whatever the file's order.
    pub fn for_files(
        columns: &[String],
        files: Option<crate::fileset::FileSet>,
    ) -> (RejectsCsv, Vec<u8>) {
        let files = files.filter(crate::fileset::FileSet::is_multi);
        let mut w = RejectsCsv {
            lines: CsvLines::new(true),
            columns: columns.len(),
            files,
            header: columns.to_vec(),
        };
        let mut out = Vec::new();
        let file = w.files.as_ref().map(|_| "file");
        let fixed = file
            .into_iter()
            .chain(["row", "line", "code", "reason"])
            .map(str::to_string);
        let names: Vec<String> = fixed.chain(columns.iter().cloned()).collect();
        w.lines.line(&names, &mut out);
        (w, out)
    }

    /// Appends one rejected row of a file whose columns are `its_columns`:
    /// in a multi-file import its cells are put under their columns' names
    /// (a cell whose column the header lacks, or a row longer than its
    /// header, keeps its cells at the end: nothing is dropped).
    pub fn write_from(&mut self, reject: &RejectedRow, its_columns: &[String], out: &mut Vec<u8>) {
        if self.files.is_none() || its_columns == self.header.as_slice() {
            return self.write(reject, out);
        }
        let mut placed = vec![String::new(); self.header.len()];
        let mut rest = Vec::new();
        for (i, cell) in reject.cells.iter().enumerate() {
            let at = its_columns
                .get(i)
                .and_then(|c| self.header.iter().position(|h| h == c));
            match at {
                Some(at) => placed[at] = cell.clone(),
                None => rest.push(cell.clone()),
            }
        }
        placed.extend(rest);
        let moved = RejectedRow {
            cells: placed,
            issues: reject.issues.clone(),
            ..*reject
        };
        self.write(&moved, out)
    }

    /// Appends one rejected row to `out`.
    pub fn write(&mut self, reject: &RejectedRow, out: &mut Vec<u8>) {
        let code = reject.code().map(|c| c.as_str()).unwrap_or("");
        let mut cells = Vec::with_capacity(5 + reject.cells.len());
        let row = match &self.files {
            Some(set) => {
                let at = set.locate(reject.row);
                cells.push(at.file.unwrap_or_default().to_string());
                at.row
            }
            None => reject.row,
        };
        cells.extend([
            row.to_string(),
            reject.line.to_string(),
            code.to_string(),
            reject.reason(),
        ]);
        cells.extend(reject.cells.iter().cloned());
        // (A row with more cells than the header, a wrong field count, keeps
        // them all: nothing of it is dropped.)
        let fixed = if self.files.is_some() { 5 } else { 4 };
        let width = fixed + self.columns;
        if cells.len() < width {
            cells.resize(width, String::new());
        }
        self.lines.line(&cells, out);
    }
}

/// Writes CSV lines (comma, `\n`, quotes where needed).
#[derive(Debug)]
pub(crate) struct CsvLines {
    writer: csv_core::Writer,
    buf: Vec<u8>,
    /// Guard cells a spreadsheet would run as a formula ([`neutralise`]):
    /// for files people open, not for files read back as data.
    guard: bool,
}

impl CsvLines {
    pub(crate) fn new(guard: bool) -> CsvLines {
        CsvLines {
            writer: csv_core::Writer::new(),
            buf: Vec::new(),
            guard,
        }
    }

    pub(crate) fn line(&mut self, cells: &[String], out: &mut Vec<u8>) {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.pump(out, |w, buf| w.delimiter(buf));
            }
            let safe = if self.guard {
                neutralise(cell)
            } else {
                cell.as_str().into()
            };
            let mut input = safe.as_bytes();
            loop {
                self.buf.resize(input.len() * 2 + 16, 0);
                let (res, nin, nout) = self.writer.field(input, &mut self.buf);
                out.extend_from_slice(&self.buf[..nout]);
                input = &input[nin..];
                if res == csv_core::WriteResult::InputEmpty {
                    break;
                }
            }
        }
        self.pump(out, |w, buf| w.terminator(buf));
    }

    fn pump(
        &mut self,
        out: &mut Vec<u8>,
        step: impl Fn(&mut csv_core::Writer, &mut [u8]) -> (csv_core::WriteResult, usize),
    ) {
        self.buf.resize(16, 0);
        let (_, n) = step(&mut self.writer, &mut self.buf);
        out.extend_from_slice(&self.buf[..n]);
    }
}

/// Prefixes a `'` to a cell a spreadsheet would evaluate.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Where every row of a run ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Reconciliation {
    /// Rows read from the file.
    pub rows: u64,
    /// Acknowledged by the API (in this run or, when resuming, an earlier one).
    pub delivered: u64,
    /// Of `delivered`, those acknowledged in an earlier run.
    pub previously_delivered: u64,
    /// Not sent: invalid, or refused by the API (400).
    pub rejected: u64,
    /// Of `rejected`, those the API refused.
    pub rejected_by_server: u64,
    /// Valid rows that were not acknowledged (gave up, cancelled, fatal error).
    pub undelivered: u64,
    /// The undelivered rows as inclusive ranges.
    pub undelivered_rows: Vec<(u64, u64)>,
    /// Why the rows were undelivered, when they were.
    pub undelivered_reason: Option<String>,
}

impl Reconciliation {
    /// Whether every row is accounted for: `rows = delivered + rejected + undelivered`.
    pub fn balanced(&self) -> bool {
        self.rows == self.delivered + self.rejected + self.undelivered
    }
}

/// Collapses sorted row numbers into inclusive ranges.
pub fn row_ranges(rows: impl IntoIterator<Item = u64>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == r => *end = r,
            _ => out.push((r, r)),
        }
    }
    out
}

/// `1234567` → `1,234,567`.
pub fn grouped(n: u64) -> String {
    group_digits(&n.to_string())
}

/// A run of digits with a comma every three from the right (`1234567` →
/// `1,234,567`), for the CLI's counts and the app's alike.
pub fn group_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Why the per-code row counts add up to more than the total (`what`:
/// "rejected rows", "rows with warnings"), for the CLI and the app alike.
pub fn several_reasons(several: u64, total: u64, what: &str) -> String {
    let rows = match several {
        1 => "1 row has".to_string(),
        n => format!("{} rows have", grouped(n)),
    };
    format!(
        "{rows} more than one reason; each is listed under every reason, so the counts add up \
         to more than the {} {what}",
        grouped(total)
    )
}

/// `dep_delay: NA ×8,255; tailnum: NA ×2,512, null ×3`: missing-value
/// tokens per column, the columns in the order given, for the CLI and the
/// app alike.
pub fn missing_values(seen: &[crate::mapping::MissingSeen]) -> String {
    let mut columns: Vec<(&str, Vec<String>)> = Vec::new();
    for m in seen {
        let item = format!("{} ×{}", m.token, grouped(m.count));
        match columns.iter_mut().find(|(c, _)| *c == m.column) {
            Some((_, items)) => items.push(item),
            None => columns.push((&m.column, vec![item])),
        }
    }
    columns
        .iter()
        .map(|(column, items)| format!("{}: {}", short(column), items.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A column name on one line, at most 24 characters.
fn short(name: &str) -> String {
    let name = name.replace(['\n', '\r'], " ");
    match name.char_indices().nth(23) {
        Some((cut, _)) if name.chars().count() > 24 => format!("{}…", &name[..cut]),
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{Code, Issue};

    #[test]
    fn missing_values_group_by_column_in_order() {
        let seen = |column: &str, token: &str, count| crate::mapping::MissingSeen {
            column: column.into(),
            token: token.into(),
            count,
        };
        let long = "a column with a very long name indeed";
        assert_eq!(
            missing_values(&[
                seen("dep_delay", "NA", 8255),
                seen("tailnum", "NA", 2512),
                seen("dep_delay", "null", 3),
                seen(long, "-", 1),
            ]),
            "dep_delay: NA ×8,255, null ×3; tailnum: NA ×2,512; a column with a very lo…: - ×1"
        );
    }

    #[test]
    fn rejects_csv_quotes_and_neutralises() {
        let (mut w, mut out) = RejectsCsv::new(&["name".into(), "amount".into()]);
        let r = RejectedRow {
            row: 7,
            line: 9,
            issues: vec![Issue {
                row: 7,
                column: Some("amount".into()),
                code: Code::InvalidNumber,
                message: "amount: \"=1+1\" is not a number".into(),
            }],
            cells: vec!["O'Brien, \"Pat\"".into(), "=1+1".into()],
        };
        w.write(&r, &mut out);
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(
            text,
            "row,line,code,reason,name,amount\n7,9,invalid_number,\"amount: \"\"=1+1\"\" is not a number\",\"O'Brien, \"\"Pat\"\"\",'=1+1\n"
        );
        let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let rec = rdr.records().next().expect("row").expect("parses");
        assert_eq!(&rec[4], "O'Brien, \"Pat\"");
    }

    #[test]
    fn neutralise_only_formula_starts() {
        for (i, o) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@x", "'@x"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(neutralise(i), o);
        }
    }

    #[test]
    fn ranges_and_balance() {
        assert_eq!(
            row_ranges([2, 3, 4, 8, 10, 11]),
            vec![(2, 4), (8, 8), (10, 11)]
        );
        let r = Reconciliation {
            rows: 10,
            delivered: 7,
            rejected: 2,
            undelivered: 1,
            ..Default::default()
        };
        assert!(r.balanced());
    }
}
