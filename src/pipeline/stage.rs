//! The per-record stage of the [`Importer`](super::Importer): each record
//! the reader hands over is mapped (or passed through), validated, counted,
//! and either batched or kept as a rejected row.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;
use serde_json::Value;

use super::{
    parts, Fixes, ImportError, RejectedRow, Summary, EXAMPLES_PER_CODE, MAX_DAYS, MAX_EVENT_NAMES,
};
use crate::batch::Batcher;
use crate::mapping::Mapping;
use crate::message::passthrough::Passthrough;
use crate::message::{Built, MessageBuilder, MessageIds, Row};
use crate::source::{Record, RecordData, RecordSink, SourceError};
use crate::time::days_since_epoch;
use crate::validate::{Code, Issue};

/// How a record becomes a message.
pub(super) enum RecordMapper {
    /// CSV: compiled when the header (or the first row) is known.
    Pending,
    Mapped(Box<MessageBuilder>),
    Passthrough(Passthrough),
}

pub(super) struct Stage {
    pub(super) mapping: Option<Mapping>,
    pub(super) mapper: RecordMapper,
    /// A CSV whose first record is its header.
    pub(super) expects_header: bool,
    /// NDJSON or JSON records.
    pub(super) json: bool,
    pub(super) fixes: Fixes,
    /// Fixed rows met so far.
    pub(super) fixes_used: usize,
    pub(super) ids: MessageIds,
    /// The target's limits, which every message is checked against.
    pub(super) limits: crate::target::Limits,
    pub(super) batcher: Batcher,
    pub(super) now_ms: i64,
    pub(super) keep_cells: bool,
    pub(super) summary: Summary,
    /// Messages per event name (FxHash: this runs for every row, and the
    /// names come from the user's own file).
    pub(super) events: FxHashMap<String, u64>,
    /// Messages per day since the epoch (a hash map: this runs for every
    /// row).
    pub(super) days: FxHashMap<i64, u64>,
    /// Messages per call type, indexed by `CallType as usize`.
    pub(super) types: [u64; 6],
    pub(super) min_ms: Option<i64>,
    pub(super) max_ms: Option<i64>,
    pub(super) rejects: VecDeque<RejectedRow>,
    pub(super) issues: Vec<Issue>,
    pub(super) fatal: Option<ImportError>,
    pub(super) done: Option<Box<dyn Fn(u64) -> bool>>,
    /// The index of the file being read ([`crate::fileset`]): rows are keyed
    /// `key(part, row)` from the reader on.
    pub(super) part: usize,
    /// Per-file counts of a multi-file import (see [`parts`]).
    pub(super) parts: Vec<parts::PartStart>,
    /// JSON records are replayed (decided once, for every file).
    pub(super) replay: bool,
    /// The import's ids, before a file's name is added to them.
    pub(super) base_ids: MessageIds,
    /// Raw bytes of the files read before this one.
    pub(super) bytes_before: u64,
    /// The key after the last row of the last file ended.
    pub(super) part_end: u64,
    /// Keys between two files, not taken yet ([`Importer::take_gaps`]).
    pub(super) gaps: Vec<(u64, u64)>,
    /// Missing-value tokens seen in the files read before this one.
    pub(super) missing_before: Vec<crate::mapping::MissingSeen>,
}

impl Stage {
    pub(super) fn take_fatal(&mut self) -> Result<(), ImportError> {
        match self.fatal.take() {
            Some(e) => {
                self.fatal = Some(e.clone());
                Err(e)
            }
            None => Ok(()),
        }
    }

    pub(super) fn compile(&mut self, headers: &[String]) {
        self.summary.headers = headers.to_vec();
        if let Err(e) = self.fixes_fit(headers) {
            self.fatal = Some(e);
            return;
        }
        if let (RecordMapper::Pending, Some(m)) = (&self.mapper, &self.mapping) {
            match MessageBuilder::for_columns(m, headers, self.now_ms) {
                Ok(b) => {
                    self.note_all(b.notes());
                    self.mapper = RecordMapper::Mapped(Box::new(
                        b.with_ids(self.ids).with_limits(self.limits),
                    ));
                }
                Err(e) => self.fatal = Some(ImportError::Mapping(e)),
            }
        }
    }

    pub(super) fn reject(&mut self, record: &Record<'_>, issues: Vec<Issue>) {
        self.summary.rejected += 1;
        self.tally(&issues, true);
        let cells = if !self.keep_cells {
            Vec::new()
        } else {
            match record.data {
                RecordData::Csv(fields) => fields
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
                RecordData::Json(bytes) => vec![String::from_utf8_lossy(bytes).into_owned()],
                RecordData::Oversize(_) => Vec::new(),
            }
        };
        self.rejects.push_back(RejectedRow {
            row: record.row,
            line: record.line,
            issues,
            cells,
        });
    }

    /// Counts one row's findings: for a rejected row its errors, for a sent
    /// row its warnings (each row once per code, and once more when it has
    /// more than one code, so that the per-code counts can be read exactly).
    pub(super) fn tally(&mut self, issues: &[Issue], rejected: bool) {
        let mut codes = 0;
        for (n, i) in issues.iter().enumerate() {
            if i.code.is_warning() == rejected {
                continue;
            }
            let first_of_code = !issues[..n].iter().any(|j| j.code == i.code);
            let t = self.summary.by_code.entry(i.code).or_default();
            t.warning = i.code.is_warning();
            t.count += 1;
            if first_of_code {
                t.rows += 1;
                codes += 1;
            }
            if t.examples.len() < EXAMPLES_PER_CODE {
                t.examples.push(i.clone());
            }
        }
        if codes > 1 {
            if rejected {
                self.summary.rejected_several_reasons += 1;
            } else {
                self.summary.warned_several_reasons += 1;
            }
        }
    }

    /// A row whose message was built in the batcher's open slot.
    pub(super) fn accept(&mut self, row: u64, built: Built) {
        self.summary.valid += 1;
        if !self.issues.is_empty() {
            self.summary.with_warnings += 1;
            let issues = std::mem::take(&mut self.issues);
            self.tally(&issues, false);
            self.issues = issues;
        }
        // Counted in plain fields per row; turned into strings in `summary()`.
        self.types[built.call_type as usize] += 1;
        match built.millis {
            Some(ms) => {
                self.min_ms = Some(self.min_ms.map_or(ms, |m| m.min(ms)));
                self.max_ms = Some(self.max_ms.map_or(ms, |m| m.max(ms)));
                let day = days_since_epoch(ms);
                if let Some(n) = self.days.get_mut(&day) {
                    *n += 1;
                } else if self.days.len() < MAX_DAYS {
                    self.days.insert(day, 1);
                }
            }
            None => self.summary.without_timestamp += 1,
        }
        if self.done.as_ref().is_some_and(|done| done(row)) {
            self.summary.previously_delivered += 1;
            self.batcher.discard_message();
        } else {
            self.batcher.close_message(row);
        }
    }
}

/// Counts an event name without allocating for names seen before.
pub(super) fn count_event(events: &mut FxHashMap<String, u64>, event: Option<&str>) {
    let Some(e) = event else { return };
    if let Some(n) = events.get_mut(e) {
        *n += 1;
    } else if events.len() < MAX_EVENT_NAMES {
        events.insert(e.to_string(), 1);
    }
}

impl RecordSink for Stage {
    fn header(&mut self, names: &[String]) {
        self.compile(names);
    }

    fn record(&mut self, record: Record<'_>) {
        if self.fatal.is_some() {
            return;
        }
        if record.row > crate::fileset::MAX_ROW {
            self.fatal = Some(ImportError::Source(SourceError {
                row: None,
                message: format!(
                    "over {} records in one file: split it",
                    crate::fileset::MAX_ROW
                ),
            }));
            return;
        }
        // From here on rows are keys: the file's index and its row.
        let record = Record {
            row: crate::fileset::key(self.part, record.row),
            ..record
        };
        if !self.map_fixed(&record) {
            self.map_record(record);
        }
    }
}

impl Stage {
    /// Maps one record (the file's or its fix) to a message or a rejected row.
    pub(super) fn map_record(&mut self, record: Record<'_>) {
        if let (RecordMapper::Pending, RecordData::Oversize(o), true) =
            (&self.mapper, record.data, self.expects_header)
        {
            // Without its header the file's columns are unknown: say why
            // here, not later as a column the mapping cannot find.
            let issue = crate::validate::oversize_issue(record.row, o);
            self.fatal = Some(ImportError::Source(SourceError {
                row: Some(record.row),
                message: format!("the header row cannot be read: {}", issue.message),
            }));
            return;
        }
        if let (RecordMapper::Pending, RecordData::Csv(fields)) = (&self.mapper, record.data) {
            // No header row: columns are named by position.
            let names: Vec<String> = (1..=fields.len()).map(|i| format!("column_{i}")).collect();
            self.compile(&names);
            if self.fatal.is_some() {
                return;
            }
        }
        self.summary.rows += 1;
        self.issues.clear();
        let built = match (&mut self.mapper, record.data) {
            (_, RecordData::Oversize(o)) => {
                return self.reject(
                    &record,
                    vec![crate::validate::oversize_issue(record.row, o)],
                );
            }
            (RecordMapper::Mapped(b), RecordData::Csv(fields)) => {
                if fields.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                    // One reason, not every rule's complaint about an empty cell.
                    let issue = Issue {
                        row: record.row,
                        column: None,
                        code: Code::EmptyRow,
                        message: "every cell of the row is empty".into(),
                    };
                    return self.reject(&record, vec![issue]);
                }
                let expected = self.summary.headers.len();
                if fields.len() != expected {
                    let issue = Issue {
                        row: record.row,
                        column: None,
                        code: Code::WrongFieldCount,
                        message: format!(
                            "the row has {} fields, the header has {expected} (a stray delimiter or quote?)",
                            fields.len()
                        ),
                    };
                    return self.reject(&record, vec![issue]);
                }
                let built = b.build(
                    record.row,
                    Row::csv(fields),
                    self.batcher.open_message(),
                    &mut self.issues,
                );
                if built.is_some() {
                    count_event(&mut self.events, b.last_event());
                }
                built
            }
            (engine, RecordData::Json(bytes)) => {
                let object = match serde_json::from_slice::<Value>(bytes) {
                    Ok(Value::Object(o)) => o,
                    Ok(other) => {
                        let kind = match other {
                            Value::Array(_) => "an array",
                            Value::String(_) => "a string",
                            Value::Number(_) => "a number",
                            Value::Bool(_) => "a boolean",
                            _ => "null",
                        };
                        let issue = Issue {
                            row: record.row,
                            column: None,
                            code: Code::NotAnObject,
                            message: format!("the record is {kind}, not a JSON object"),
                        };
                        return self.reject(&record, vec![issue]);
                    }
                    Err(e) => {
                        let issue = Issue {
                            row: record.row,
                            column: None,
                            code: Code::InvalidJsonRecord,
                            message: format!("not valid JSON: {e}"),
                        };
                        return self.reject(&record, vec![issue]);
                    }
                };
                let (built, event) = match engine {
                    RecordMapper::Passthrough(p) => (
                        p.build(
                            record.row,
                            object,
                            self.batcher.open_message(),
                            &mut self.issues,
                        ),
                        p.last_event(),
                    ),
                    RecordMapper::Mapped(b) => (
                        b.build(
                            record.row,
                            Row::Json(&object),
                            self.batcher.open_message(),
                            &mut self.issues,
                        ),
                        b.last_event(),
                    ),
                    RecordMapper::Pending => (None, None),
                };
                if built.is_some() {
                    count_event(&mut self.events, event);
                }
                built
            }
            _ => None,
        };
        match built {
            Some(built) => self.accept(record.row, built),
            None => {
                self.batcher.discard_message();
                let issues = std::mem::take(&mut self.issues);
                self.reject(&record, issues)
            }
        }
    }
}
