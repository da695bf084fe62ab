//! Row fixes: edited rows that stand in for the file's, keeping their row
//! numbers.
//!
//! The app's fix grid, the package's `fixes` option and the CLI's
//! `--fixes edits.csv` all hand the importer one [`Fixes`]: row number → the
//! row's replacement cells, in the file's column order. A JSON record is one
//! cell, its text, under the column [`JSON_RECORD_COLUMN`]. The file itself
//! is never changed: the importer reads it as before and, for a fixed row,
//! maps the fixed cells instead; a fixed row that is still invalid is
//! rejected with its new reasons. The fixes are part of an import's
//! identity ([`Fixes::digest`]), so a checkpoint made with other edits is
//! refused.
//!
//! The edits file is CSV: `row`, then the file's columns, one line per fixed
//! row. It is written exactly as edited (no spreadsheet formula guard, unlike
//! the rejects CSV): it is read back as data.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::source::{
    Compression, Encoding, Fields, Format, Record, RecordData, RecordReader, RecordSink, Settings,
};

/// The most rows one set of fixes holds (the app's grid shows at most this
/// many rejected rows; beyond it, the rejects CSV is the way).
pub const MAX_FIXED_ROWS: usize = 10_000;
/// The one column of a JSON file's fixes: the record's text.
pub const JSON_RECORD_COLUMN: &str = "record";
/// The edits file's first column.
pub const ROW_COLUMN: &str = "row";

/// One fixed row, as the package and the app pass it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RowFix {
    /// The row number, as the file numbers it (a CSV header is row 1).
    pub row: u64,
    /// The row's cells, one per column.
    pub cells: Vec<String>,
}

/// A set of fixes as plain data: the columns they are for, and the rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixesData {
    /// The file's columns, in order (`["record"]` for JSON records).
    pub columns: Vec<String>,
    pub rows: Vec<RowFix>,
}

/// Fixed rows by row number (cheap to clone: the rows are shared).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FixesData", into = "FixesData")]
pub struct Fixes {
    inner: Arc<Inner>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Inner {
    columns: Vec<String>,
    /// Sorted by row (a sorted `Vec` rather than a `BTreeMap`: the app's
    /// first load carries this code, and a map's is several times larger).
    rows: Vec<(u64, Fix)>,
}

impl Inner {
    fn find(&self, row: u64) -> Result<usize, usize> {
        self.rows.binary_search_by_key(&row, |(r, _)| *r)
    }

    fn get(&self, row: u64) -> Option<&Fix> {
        self.find(row).ok().map(|i| &self.rows[i].1)
    }
}

/// One row's cells back to back, `ends[i]` where cell `i` ends (the shape
/// [`Fields`] reads).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fix {
    text: String,
    ends: Vec<usize>,
}

impl Fix {
    fn cell(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..self.ends[i]).unwrap_or("")
    }
}

impl Fixes {
    /// No fixes yet, for a file with these columns.
    pub fn new(columns: Vec<String>) -> Fixes {
        Fixes {
            inner: Arc::new(Inner {
                columns,
                rows: Vec::new(),
            }),
        }
    }

    /// Sets row `row`'s cells (replacing an earlier fix of it).
    pub fn insert(&mut self, row: u64, cells: Vec<String>) -> Result<(), String> {
        if row == 0 {
            return Err("row 0 does not exist: rows are numbered from 1".into());
        }
        let width = self.inner.columns.len();
        if cells.len() != width {
            return Err(format!(
                "row {row} has {} cells, the file has {width} columns",
                cells.len()
            ));
        }
        if self.inner.rows.len() >= MAX_FIXED_ROWS && !self.contains(row) {
            return Err(format!(
                "more than {MAX_FIXED_ROWS} rows are fixed: fix the file itself instead"
            ));
        }
        let mut text = String::new();
        let mut ends = Vec::with_capacity(width);
        for c in &cells {
            text.push_str(c);
            ends.push(text.len());
        }
        let fix = Fix { text, ends };
        let inner = Arc::make_mut(&mut self.inner);
        match inner.find(row) {
            Ok(i) => inner.rows[i].1 = fix,
            Err(i) => inner.rows.insert(i, (row, fix)),
        }
        Ok(())
    }

    /// Drops row `row`'s fix: the file's cells are used again.
    pub fn remove(&mut self, row: u64) {
        if let Ok(i) = self.inner.find(row) {
            Arc::make_mut(&mut self.inner).rows.remove(i);
        }
    }

    pub fn len(&self) -> usize {
        self.inner.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.rows.is_empty()
    }

    /// The columns the fixes are for.
    pub fn columns(&self) -> &[String] {
        &self.inner.columns
    }

    /// Whether row `row` is fixed.
    pub fn contains(&self, row: u64) -> bool {
        self.inner.find(row).is_ok()
    }

    /// Row `row`'s fixed cells.
    pub fn cells(&self, row: u64) -> Option<Vec<String>> {
        let fix = self.inner.get(row)?;
        Some(
            (0..fix.ends.len())
                .map(|i| fix.cell(i).to_string())
                .collect(),
        )
    }

    /// The fixed row numbers, in order.
    pub fn rows(&self) -> impl Iterator<Item = u64> + '_ {
        self.inner.rows.iter().map(|(r, _)| *r)
    }

    /// Row `row` as the importer reads it: CSV fields, or a JSON record's
    /// text.
    pub(crate) fn record_data(&self, row: u64, json: bool) -> Option<RecordData<'_>> {
        let fix = self.inner.get(row)?;
        Some(if json {
            RecordData::Json(fix.text.as_bytes())
        } else {
            RecordData::Csv(Fields::new(fix.text.as_bytes(), &fix.ends))
        })
    }

    /// Refuses fixes made for other columns than the file's.
    pub fn check_columns(&self, headers: &[String]) -> Result<(), String> {
        if self.is_empty() || self.inner.columns == headers {
            return Ok(());
        }
        Err(format!(
            "the edits are for the columns {}, the file has {}: they were made for another file \
             or another reading of it",
            list(&self.inner.columns),
            list(headers)
        ))
    }

    /// A short, stable hash of the fixes for the import's identity; empty
    /// when there are none (so an import without fixes keeps the identity
    /// it had before fixes existed).
    pub fn digest(&self) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        let mut part = |bytes: &[u8]| {
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        for c in &self.inner.columns {
            part(c.as_bytes());
        }
        for (row, fix) in &self.inner.rows {
            part(&row.to_le_bytes());
            for i in 0..fix.ends.len() {
                part(fix.cell(i).as_bytes());
            }
        }
        format!("{:032x}", h.digest128())
    }

    /// The edits as CSV: `row`, then the columns; one line per fixed row.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = crate::report::CsvLines::new(false);
        let mut out = Vec::new();
        let mut header = vec![ROW_COLUMN.to_string()];
        header.extend(self.inner.columns.iter().cloned());
        w.line(&header, &mut out);
        for (row, fix) in &self.inner.rows {
            let mut cells = vec![row.to_string()];
            cells.extend((0..fix.ends.len()).map(|i| fix.cell(i).to_string()));
            w.line(&cells, &mut out);
        }
        out
    }

    /// Reads an edits file (as [`Fixes::to_csv`] writes it; UTF-8, comma
    /// delimited, a header row). Every problem names its line.
    pub fn from_csv(bytes: &[u8]) -> Result<Fixes, String> {
        let settings = Settings {
            format: Format::Csv,
            encoding: Encoding::Utf8,
            compression: Compression::None,
            bom: bytes.starts_with(b"\xEF\xBB\xBF"),
            delimiter: b',',
            has_header: true,
            first_row: 1,
        };
        let mut reader = RecordReader::new(&settings);
        let mut sink = EditsSink {
            fixes: None,
            error: None,
        };
        let read = reader
            .push(bytes, &mut sink)
            .and_then(|()| reader.finish(&mut sink));
        if let Some(e) = sink.error {
            return Err(format!("the edits file: {e}"));
        }
        read.map_err(|e| format!("the edits file cannot be read: {e}"))?;
        sink.fixes
            .ok_or_else(|| "the edits file is empty: it needs a header row".to_string())
    }
}

// What the importer does with the fixes (its `Stage` is the parent
// module's; the fix logic stays here).
impl super::Stage {
    /// Refuses fixes made for other columns, or for the header row.
    pub(super) fn fixes_fit(&self, headers: &[String]) -> Result<(), super::ImportError> {
        self.fixes
            .check_columns(headers)
            .map_err(super::ImportError::Fixes)?;
        match self.fixes.rows().next() {
            Some(row) if self.expects_header && row < 2 => Err(super::ImportError::Fixes(format!(
                "row {row} is the header row, not a record: it cannot be fixed"
            ))),
            _ => Ok(()),
        }
    }

    /// Maps the fix of `record`'s row in its place, if there is one (the
    /// fixed cells stand in for the file's, under the same row number).
    pub(super) fn map_fixed(&mut self, record: &Record<'_>) -> bool {
        if !self.fixes.contains(record.row) {
            return false;
        }
        let fixes = self.fixes.clone();
        let Some(data) = fixes.record_data(record.row, self.json) else {
            return false;
        };
        self.fixes_used += 1;
        let valid = self.summary.valid;
        self.map_record(Record {
            row: record.row,
            line: record.line,
            offset: record.offset,
            data,
        });
        if self.summary.valid > valid {
            self.summary.fixed += 1;
        }
        true
    }

    /// Refuses fixes of rows the file does not have (it ended before them).
    pub(super) fn unused_fixes(&self, next_row: u64) -> Result<(), super::ImportError> {
        if self.fixes_used >= self.fixes.len() {
            return Ok(());
        }
        let missing: Vec<String> = self
            .fixes
            .rows()
            .filter(|r| *r >= next_row)
            .take(5)
            .map(|r| r.to_string())
            .collect();
        Err(super::ImportError::Fixes(format!(
            "{} fixed row(s) are not in the file (rows {}{}): its last row is {}; the edits were \
             made for another file",
            self.fixes.len() - self.fixes_used,
            missing.join(", "),
            if missing.len() == 5 { "…" } else { "" },
            next_row.saturating_sub(1)
        )))
    }
}

/// Collects an edits file's rows.
struct EditsSink {
    fixes: Option<Fixes>,
    error: Option<String>,
}

impl EditsSink {
    fn take(&mut self, record: &Record<'_>) -> Result<(), String> {
        let line = record.line;
        let Some(fixes) = self.fixes.as_mut() else {
            return Err("it has no header row".into());
        };
        let fields = match record.data {
            RecordData::Csv(f) => f,
            _ => return Err(format!("line {line} is too long to be a row")),
        };
        let mut cells = Vec::with_capacity(fields.len());
        for i in 0..fields.len() {
            let cell = fields.get(i).unwrap_or_default();
            let text =
                std::str::from_utf8(cell).map_err(|_| format!("line {line} is not UTF-8 text"))?;
            cells.push(text.to_string());
        }
        if cells.len() != fixes.columns().len() + 1 {
            return Err(format!(
                "line {line} has {} cells, the header has {}",
                cells.len(),
                fixes.columns().len() + 1
            ));
        }
        let number = cells.remove(0);
        let row = number
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|r| *r > 0)
            .ok_or_else(|| format!("line {line}: {number:?} is not a row number"))?;
        if fixes.contains(row) {
            return Err(format!("line {line}: row {row} is fixed twice"));
        }
        fixes
            .insert(row, cells)
            .map_err(|e| format!("line {line}: {e}"))
    }
}

impl RecordSink for EditsSink {
    fn header(&mut self, names: &[String]) {
        match names.split_first() {
            Some((first, rest)) if first == ROW_COLUMN => {
                self.fixes = Some(Fixes::new(rest.to_vec()));
            }
            _ => {
                self.error.get_or_insert(format!(
                    "its first column must be {ROW_COLUMN:?} (then the file's columns), not {}",
                    names.first().map_or("nothing".into(), |n| format!("{n:?}"))
                ));
            }
        }
    }

    fn record(&mut self, record: Record<'_>) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.take(&record) {
            self.error = Some(e);
        }
    }
}

fn list(names: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut s = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    format!("({s})")
}

impl TryFrom<FixesData> for Fixes {
    type Error = String;

    fn try_from(data: FixesData) -> Result<Fixes, String> {
        let mut fixes = Fixes::new(data.columns);
        for f in data.rows {
            if fixes.contains(f.row) {
                return Err(format!("row {} is fixed twice", f.row));
            }
            fixes.insert(f.row, f.cells)?;
        }
        Ok(fixes)
    }
}

impl From<Fixes> for FixesData {
    fn from(fixes: Fixes) -> FixesData {
        FixesData {
            columns: fixes.inner.columns.clone(),
            rows: fixes
                .inner
                .rows
                .iter()
                .filter_map(|&(row, _)| {
                    Some(RowFix {
                        row,
                        cells: fixes.cells(row)?,
                    })
                })
                .collect(),
        }
    }
}

/// What checking one row found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowCheck {
    pub row: u64,
    /// Whether the row would be sent.
    pub valid: bool,
    /// Its findings: the reasons when invalid, warnings when valid.
    pub issues: Vec<crate::validate::Issue>,
}

/// Checks single rows with an import's mapping, as the importer would map
/// them (the same code: an [`Importer`] fed one record at a time), for the
/// app's grid to re-check an edited row at once.
pub struct RowChecker {
    importer: super::Importer,
}

impl std::fmt::Debug for RowChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowChecker").finish_non_exhaustive()
    }
}

impl RowChecker {
    /// A checker for a file read with `settings` whose columns are
    /// `headers` (ignored for JSON records).
    pub fn new(
        mapping: Option<crate::mapping::Mapping>,
        settings: &Settings,
        headers: &[String],
        options: super::ImportOptions,
    ) -> Result<RowChecker, super::ImportError> {
        let options = super::ImportOptions {
            fixes: Fixes::default(),
            keep_reject_cells: false,
            ..options
        };
        let mut importer = super::Importer::new(mapping, settings, options)?;
        if settings.format == Format::Csv {
            importer.stage.header(headers);
            importer.stage.take_fatal()?;
        }
        Ok(RowChecker { importer })
    }

    /// Checks row `row` with these cells (one, the record's text, for JSON).
    pub fn check(&mut self, row: u64, cells: &[String]) -> RowCheck {
        let stage = &mut self.importer.stage;
        let mut one = Fixes::new(vec![String::new(); cells.len()]);
        // Cannot fail: the columns are as many as the cells, the row is not 0.
        let _ = one.insert(row.max(1), cells.to_vec());
        let rejected_before = stage.summary.rejected;
        if let Some(data) = one.record_data(row.max(1), stage.json) {
            stage.map_record(Record {
                row,
                line: 0,
                offset: 0,
                data,
            });
        }
        // Nothing is sent: the message just built is dropped.
        stage.batcher.flush();
        while stage.batcher.pop().is_some() {}
        if stage.summary.rejected > rejected_before {
            let issues = stage
                .rejects
                .pop_back()
                .map(|r| r.issues)
                .unwrap_or_default();
            stage.rejects.clear();
            RowCheck {
                row,
                valid: false,
                issues,
            }
        } else {
            RowCheck {
                row,
                valid: true,
                issues: stage.issues.clone(),
            }
        }
    }
}

#[cfg(test)]
mod tests;
