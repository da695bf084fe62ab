//! The import pipeline: bytes in, batches and rejected rows out.
//!
//! ```text
//! push(chunk) ─▶ RecordReader ─▶ (per record) MessageBuilder | Passthrough ─▶ Batcher
//!                                         └─▶ rejected rows, summary
//! ```
//!
//! [`Importer`] owns no I/O: the CLI feeds it from a file, the browser worker
//! from `Blob` slices, the tests from memory. Drain [`Importer::pop_batch`] and
//! [`Importer::pop_reject`] after each push and memory stays flat whatever the
//! file size. Every row read ends as exactly one message or one rejected row:
//! `rows == valid + rejected`, always.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use crate::batch::{Batch, BatchOptions, Batcher};
use crate::mapping::{CallType, Mapping, MappingError};
use crate::message::passthrough::Passthrough;
use crate::message::{MessageBuilder, MessageIds};
use crate::source::{ArchiveSigns, Format, RecordReader, Settings, SourceError};
use crate::time::format_iso_millis;

mod fixes;
mod parts;
mod preflight;
mod sniffing;
mod stage;
use stage::{RecordMapper, Stage};
mod summary;
pub use fixes::{
    Fixes, FixesData, RowCheck, RowChecker, RowFix, JSON_RECORD_COLUMN, MAX_FIXED_ROWS, ROW_COLUMN,
};
pub use parts::FileCounts;
pub use preflight::{all_columns, columns_fit, sniff_part, PartSniff};
pub use sniffing::{SniffingImporter, DEFAULT_SAMPLE_BYTES};
pub use summary::{CodeTally, Counts, RejectedRow, Summary};

/// Examples kept per finding code in the summary.
const EXAMPLES_PER_CODE: usize = 5;
/// Distinct event names counted before the rest are lumped together.
const MAX_EVENT_NAMES: usize = 10_000;
/// Distinct days kept for the per-day chart (over 130 years).
const MAX_DAYS: usize = 50_000;

/// What stops an import (problems with single rows never do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// The bytes cannot be read any further (corrupt gzip, broken JSON array).
    Source(SourceError),
    /// The mapping does not fit the file (a column it names is missing...).
    Mapping(MappingError),
    /// `push` or `finish` after `finish`.
    Finished,
    /// The fixes do not fit the file (other columns, rows it does not have).
    Fixes(String),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Source(e) => write!(f, "{e}"),
            ImportError::Mapping(e) => write!(f, "{e}"),
            ImportError::Finished => f.write_str("the import is already finished"),
            ImportError::Fixes(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for ImportError {}

/// Options for one import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub batch: BatchOptions,
    /// The time of the run, ms since the epoch (for "in the future" warnings).
    pub now_ms: i64,
    /// Keep the cells of rejected rows for the rejects CSV (on by default in
    /// the CLI and the app; off saves memory when only counts are wanted).
    pub keep_reject_cells: bool,
    /// How messageIds are derived (scheme and destination source).
    pub ids: MessageIds,
    /// What the sample showed, when the file looks like one of Segment's
    /// archives ([`crate::source::sniff_import`]): JSON records sent as they
    /// are then replay, unless the mapping says `replay: false`.
    pub archive: Option<ArchiveSigns>,
    /// Edited rows that stand in for the file's ([`Fixes`]).
    pub fixes: Fixes,
}

/// The summary's note on replaying, for JSON records sent as they are.
fn replay_note(replay: bool, archive: Option<&ArchiveSigns>) -> Option<String> {
    let dropped = "sentAt, messageId, projectId and receivedAt are dropped before sending and \
                   messageIds are derived anew";
    match (replay, archive) {
        (true, Some(signs)) => Some(format!(
            "this file looks like one of Segment's own archives ({}): it is replayed: {dropped} \
             (replay: false, or --no-replay, keeps the original messageIds)",
            signs.describe()
        )),
        (true, None) => Some(format!("replayed: {dropped}")),
        (false, Some(signs)) => Some(format!(
            "this file looks like one of Segment's own archives ({}), but replay is off: the \
             original messageIds are sent, and Segment drops those it has seen",
            signs.describe()
        )),
        (false, None) => None,
    }
}

/// The streaming importer.
pub struct Importer {
    reader: RecordReader,
    stage: Stage,
    finished: bool,
}

impl std::fmt::Debug for Importer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Importer")
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl Importer {
    /// A new import of a file read with `settings`. `mapping` may be `None`
    /// only for NDJSON/JSON input, whose records are messages already.
    pub fn new(
        mapping: Option<Mapping>,
        settings: &Settings,
        options: ImportOptions,
    ) -> Result<Importer, ImportError> {
        if let Some(m) = &mapping {
            m.check().map_err(ImportError::Mapping)?;
        }
        let json = settings.format != Format::Csv;
        if !json && mapping.as_ref().is_some_and(|m| m.rules.is_empty()) {
            return Err(ImportError::Mapping(MappingError(
                "the mapping has no rules: a CSV file needs at least userId or anonymousId mapped"
                    .into(),
            )));
        }
        if json {
            options
                .fixes
                .check_columns(&[JSON_RECORD_COLUMN.to_string()])
                .map_err(ImportError::Fixes)?;
        }
        let mut notes = Vec::new();
        let ids = options.ids;
        // Records that are messages already (no rules: at most `replay` or
        // `integrations` given) are replayed when the file is one of
        // Segment's archives, unless the mapping says otherwise.
        let passthrough = json && mapping.as_ref().is_none_or(|m| m.rules.is_empty());
        let replay = passthrough
            && mapping
                .as_ref()
                .and_then(|m| m.replay)
                .unwrap_or(options.archive.is_some());
        if passthrough {
            notes.extend(replay_note(replay, options.archive.as_ref()));
        }
        let mapper = match &mapping {
            _ if passthrough => RecordMapper::Passthrough(
                Passthrough::new(replay, options.now_ms)
                    .with_ids(ids)
                    .with_limits(options.batch.limits),
            ),
            Some(m) if json => {
                let b = MessageBuilder::for_json(m, options.now_ms)
                    .map_err(ImportError::Mapping)?
                    .with_ids(ids)
                    .with_limits(options.batch.limits);
                notes.extend(b.notes().iter().cloned());
                RecordMapper::Mapped(Box::new(b))
            }
            Some(_) => RecordMapper::Pending,
            None => {
                return Err(ImportError::Mapping(MappingError(
                    "a CSV file needs a mapping (segment-backfill inspect FILE suggests one)"
                        .into(),
                )))
            }
        };
        let mut batch = options.batch.clone();
        if let Some(integrations) = mapping.as_ref().and_then(|m| m.integrations.clone()) {
            batch.integrations.get_or_insert(integrations);
        }
        Ok(Importer {
            reader: RecordReader::new(settings),
            stage: Stage {
                mapping,
                mapper,
                expects_header: !json && settings.has_header,
                json,
                fixes: options.fixes,
                fixes_used: 0,
                ids,
                limits: options.batch.limits,
                batcher: Batcher::new(batch),
                now_ms: options.now_ms,
                keep_cells: options.keep_reject_cells,
                summary: Summary {
                    notes,
                    replay,
                    ..Summary::default()
                },
                events: FxHashMap::default(),
                days: FxHashMap::default(),
                types: [0; 6],
                min_ms: None,
                max_ms: None,
                rejects: VecDeque::new(),
                issues: Vec::new(),
                fatal: None,
                done: None,
                part: 0,
                parts: Vec::new(),
                base_ids: ids,
                bytes_before: 0,
                part_end: 0,
                gaps: Vec::new(),
                replay,
                missing_before: Vec::new(),
            },
            finished: false,
        })
    }

    /// Rows for which `done(row)` is true are read and checked but not
    /// batched: they were delivered by an earlier run (resume).
    pub fn skip_rows(&mut self, done: Box<dyn Fn(u64) -> bool>) {
        self.stage.done = Some(done);
    }

    /// Feeds the next bytes of the file (any size).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), ImportError> {
        if self.finished {
            return Err(ImportError::Finished);
        }
        self.reader
            .push(chunk, &mut self.stage)
            .map_err(ImportError::Source)?;
        self.stage.take_fatal()
    }

    /// Ends the input: the last record and the last batch are closed.
    pub fn finish(&mut self) -> Result<(), ImportError> {
        if self.finished {
            return Err(ImportError::Finished);
        }
        self.finished = true;
        if self.reader_live() {
            self.reader
                .finish(&mut self.stage)
                .map_err(ImportError::Source)?;
        }
        self.stage.take_fatal()?;
        self.stage.batcher.flush();
        self.stage.unused_fixes(self.reader.next_row())
    }

    /// Closes the batch being filled without ending the input (used when a
    /// run stops early, so every valid row read is in some batch).
    pub fn flush(&mut self) {
        self.stage.batcher.flush();
    }

    /// The next finished batch.
    pub fn pop_batch(&mut self) -> Option<Batch> {
        let b = self.stage.batcher.pop()?;
        self.stage.summary.batches += 1;
        self.stage.summary.messages += b.len() as u64;
        self.stage.summary.bytes += b.body().len() as u64;
        Some(b)
    }

    /// The next rejected row.
    pub fn pop_reject(&mut self) -> Option<RejectedRow> {
        self.stage.rejects.pop_front()
    }

    /// The summary so far (complete after [`Importer::finish`] and draining).
    pub fn summary(&self) -> Summary {
        let mut s = self.stage.summary.clone();
        s.bytes_read = self.bytes_read();
        let iso = |ms: i64| String::from_utf8_lossy(&format_iso_millis(ms)).into_owned();
        s.first_timestamp = self.stage.min_ms.map(iso);
        s.last_timestamp = self.stage.max_ms.map(iso);
        s.types = CallType::ALL
            .iter()
            .zip(self.stage.types)
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| (t.as_str().to_string(), n))
            .collect();
        // Keyed by `YYYY-MM-DD`: the BTreeMap puts the days in order.
        s.events_per_day = self
            .stage
            .days
            .iter()
            .map(|(day, n)| {
                let iso = format_iso_millis(day * 86_400_000);
                (String::from_utf8_lossy(&iso[..10]).into_owned(), *n)
            })
            .collect();
        let mut events: Vec<(String, u64)> = self
            .stage
            .events
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        events.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        events.truncate(20);
        s.top_events = events;
        s.missing_values = self.stage.missing_values();
        s.files = self.stage.file_counts(self.reader.bytes_in());
        s
    }

    /// The running counts, cheap enough for every progress tick
    /// ([`Importer::summary`] clones and formats everything).
    pub fn counts(&self) -> Counts {
        let s = &self.stage.summary;
        Counts {
            rows: s.rows,
            valid: s.valid,
            rejected: s.rejected,
            skipped: s.previously_delivered,
            fixed: s.fixed,
        }
    }

    /// Raw bytes pushed so far.
    pub fn bytes_read(&self) -> u64 {
        let live = if self.reader_live() {
            self.reader.bytes_in()
        } else {
            0
        };
        self.stage.bytes_before + live
    }

    /// The row key the next record will get (keys below it are read): the
    /// row number in a single-file import ([`crate::fileset::key`]).
    pub fn next_row(&self) -> u64 {
        if !self.reader_live() {
            // Between two files: every row of the last one is read.
            return crate::fileset::key(self.stage.part + 1, 0);
        }
        crate::fileset::key(self.stage.part, self.reader.next_row())
    }

    /// Whether a finished batch is waiting for [`Importer::pop_batch`].
    pub fn has_batches(&self) -> bool {
        self.stage.batcher.has_ready()
    }

    /// The column names (CSV) once the header has been read.
    pub fn headers(&self) -> &[String] {
        &self.stage.summary.headers
    }
}

#[cfg(test)]
mod tests;
