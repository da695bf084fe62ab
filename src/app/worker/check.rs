//! The full pass: every row read, mapped, validated and batched; nothing
//! sent. Several files are one pass: checked first ([`preflight`]), then
//! read one after the other through one importer, with one report, each
//! file's counts, and rows named by file.
//!
//! The loop reads a slice, pushes it, drains batches and rejects, and every
//! ~50 ms gives the worker's event loop a turn so a Cancel can arrive.
//! Progress goes out at most ~10 times a second.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsValue;
use web_sys::{Blob, BlobPropertyBag};

use super::files::preflight;
use super::pass::{Files, Pass};
use crate::app::protocol::{
    CheckDone, CheckProgress, CheckReport, Failure, FileCountsView, Finding, GridRow, Input,
    Measure, RowAt, RowStatus,
};
use crate::batch::BatchOptions;
use crate::fileset::FileSet;
use crate::mapping::Mapping;
use crate::message::{IdScheme, MessageIds, SourceNamespace};
use crate::pipeline::{Fixes, ImportOptions, Summary, MAX_FIXED_ROWS};
use crate::report::RejectsCsv;
use crate::target::Target;

/// Rejected rows kept for the download before the file is cut short.
const MAX_REJECTS_BYTES: usize = 64 * 1024 * 1024;
/// How often the worker lets messages (Cancel) in.
const YIELD_EVERY_MS: f64 = 50.0;
/// How often progress is reported.
const PROGRESS_EVERY_MS: f64 = 100.0;

/// What the loop asks of its caller between slices.
pub trait Host {
    /// Reports progress; returns `false` when the page has gone.
    fn progress(&mut self, p: CheckProgress) -> bool;
    /// Gives the event loop a turn; returns `true` when Cancel arrived.
    #[allow(async_fn_in_trait)] // OK because the trait is private to this worker.
    async fn cancelled(&mut self) -> bool;
}

/// How a check ended.
pub enum Outcome {
    Done(Box<CheckDone>),
    Cancelled,
}

/// One check, as the page asked for it.
pub struct Job {
    pub input: Input,
    pub mapping: Mapping,
    /// Keep every batch body for the dry-run download.
    pub keep_batches: bool,
    /// The destination's id namespace, for the batches' messageIds.
    pub id_namespace: Option<String>,
    /// Rows edited in the fix grid (one file only).
    pub fixes: Fixes,
    /// The target whose limits rows are checked against (an id; Segment's
    /// when it names none).
    pub target: String,
}

/// Runs the check over the whole file, or every file of several.
pub async fn run(job: Job, host: &mut impl Host) -> Result<Outcome, Failure> {
    let Job {
        input,
        mapping,
        keep_batches,
        id_namespace,
        fixes,
        target,
    } = job;
    let target = Target::from_id(&target).unwrap_or(Target::SegmentUs);
    let started = js_sys::Date::now();
    // A namespace the page made itself: a bad one would be a bug, and the
    // ids then belong to no source (the page says which it asked for).
    let namespace = id_namespace
        .as_deref()
        .and_then(|hex| SourceNamespace::parse_hex(hex).ok());
    let options = ImportOptions {
        now_ms: started as i64,
        keep_reject_cells: true,
        ids: MessageIds::new(IdScheme::V2, namespace.unwrap_or(SourceNamespace::NONE)),
        fixes: fixes.clone(),
        batch: BatchOptions::default().with_limits(target.limits()),
        ..Default::default()
    };
    let misfit = |e: crate::pipeline::ImportError| {
        Failure::new(
            format!("the mapping does not fit this file: {e}"),
            "Go back to Map and fix the mapping.",
        )
    };
    let (mut pass, mut files, columns, sizes) = match input {
        Input::One {
            file,
            sheet,
            settings,
        } => {
            let pass = Pass::one(mapping, &settings, options).map_err(misfit)?;
            (pass, Files::one(file, sheet), None, None)
        }
        Input::Files {
            files,
            options: user,
        } => {
            if !fixes.is_empty() {
                return Err(super::files::no_fixes());
            }
            let checked = Box::pin(preflight(
                files,
                &user,
                Some(&mapping),
                &mut |_, _, _, _, _| {},
            ))
            .await?;
            let pass = Pass::files(mapping, &checked, options).map_err(misfit)?;
            // Progress in bytes over the whole set when every file is text.
            let sizes: Option<Vec<f64>> = checked
                .set
                .files()
                .iter()
                .map(|f| f.size.map(|n| n as f64))
                .collect();
            (pass, Files::of(&checked), Some(checked.columns()), sizes)
        }
    };
    let count = files.len();
    let mut sink = Sink::new(keep_batches, pass.set().cloned(), columns);
    let mut last_yield = started;
    let mut last_progress = 0.0;
    // Bytes of the files read before the one being read.
    let mut bytes_before = 0.0;
    // Where the file read last ended (for an error at its end).
    let mut ended_at = String::new();
    while let Some((index, mut reader, reading)) = files.open_next().await? {
        if index > 0 {
            pass.next_file(reading)
                .map_err(|e| stopped(&pass, index - 1, &ended_at, &e))?;
            sink.drain(&mut pass);
        }
        loop {
            let chunk = reader.next().await?;
            let Some(bytes) = chunk else { break };
            pass.push(&bytes)
                .map_err(|e| stopped(&pass, index, &reader.at(pass.counts().rows), &e))?;
            sink.drain(&mut pass);
            let now = js_sys::Date::now();
            if now - last_progress >= PROGRESS_EVERY_MS {
                last_progress = now;
                let (bytes, total) = reader.bytes();
                let (bytes, total, measure) = match (&sizes, count) {
                    (_, 1) => (bytes, total, reader.measure()),
                    (Some(sizes), _) => (bytes_before + bytes, sizes.iter().sum(), Measure::Bytes),
                    (None, _) => (0.0, 0.0, Measure::Unknown),
                };
                let p = CheckProgress {
                    bytes,
                    total,
                    rows: pass.counts().rows as f64,
                    elapsed_ms: now - started,
                    measure,
                    file: (count > 1).then_some(((index + 1) as f64, count as f64)),
                };
                if !host.progress(p) {
                    return Ok(Outcome::Cancelled);
                }
            }
            if now - last_yield >= YIELD_EVERY_MS {
                if host.cancelled().await {
                    return Ok(Outcome::Cancelled);
                }
                last_yield = js_sys::Date::now();
            }
        }
        bytes_before += reader.bytes().1;
        ended_at = reader.at(pass.counts().rows);
    }
    pass.finish()
        .map_err(|e| stopped(&pass, count.saturating_sub(1), &ended_at, &e))?;
    sink.drain(&mut pass);
    let summary = pass.summary();
    let elapsed = js_sys::Date::now() - started;
    let (grid, grid_omitted) = sink.grid(&fixes);
    let set = pass.set().cloned();
    let (rejects, batches, truncated) = sink.into_blobs()?;
    Ok(Outcome::Done(Box::new(CheckDone {
        report: report(&summary, elapsed, truncated, set.as_ref(), target),
        rejects,
        batches,
        id_namespace: namespace.map(|n| n.to_string()),
        grid,
        grid_omitted,
    })))
}

/// Reading stopped in file `index` at `at` (several files: named).
fn stopped(pass: &Pass, index: usize, at: &str, e: &crate::pipeline::ImportError) -> Failure {
    let file = pass
        .set()
        .and_then(|s| s.files().get(index))
        .map_or(String::new(), |f| format!("{}: ", f.name));
    Failure::new(
        format!("{file}reading stopped at {at}: {e}"),
        "The file is damaged or not in the format chosen in step 1; check the overrides there.",
    )
}

/// Where batches and rejected rows go while the file is read.
struct Sink {
    rejects: Option<RejectsCsv>,
    rejects_bytes: Vec<u8>,
    truncated: bool,
    batches: Option<Array>,
    /// The first rejected rows, for the fix grid (one file only).
    grid: Vec<GridRow>,
    grid_omitted: u64,
    /// Several files: the set, every file's columns and each one's.
    set: Option<FileSet>,
    columns: Option<(Vec<String>, Vec<Vec<String>>)>,
}

impl Sink {
    /// `set` and `columns`: several files (the rejects CSV names each
    /// row's file, and puts its cells under their columns' names).
    fn new(
        keep_batches: bool,
        set: Option<FileSet>,
        columns: Option<(Vec<String>, Vec<Vec<String>>)>,
    ) -> Sink {
        Sink {
            rejects: None,
            rejects_bytes: Vec::new(),
            truncated: false,
            batches: keep_batches.then(Array::new),
            grid: Vec::new(),
            grid_omitted: 0,
            set,
            columns,
        }
    }

    fn drain(&mut self, importer: &mut Pass) {
        while let Some(batch) = importer.pop_batch() {
            if let Some(parts) = &self.batches {
                // One JS copy per batch (≤ 475 KB), never per row.
                parts.push(&Uint8Array::from(batch.body()));
                parts.push(&JsValue::from_str("\n"));
            }
        }
        while let Some(r) = importer.pop_reject() {
            if self.set.is_some() {
                // Rows of several files are not edited here.
            } else if self.grid.len() < MAX_FIXED_ROWS {
                self.grid.push(GridRow {
                    status: RowStatus::new(r.row, false, &r.issues),
                    cells: r.cells.clone(),
                });
            } else {
                self.grid_omitted += 1;
            }
            if self.rejects_bytes.len() >= MAX_REJECTS_BYTES {
                self.truncated = true;
                continue;
            }
            let (header, its) = match (&self.columns, &self.set) {
                (Some((all, each)), Some(set)) => {
                    let index = set.locate(r.row).index;
                    (all.as_slice(), each.get(index).map(Vec::as_slice))
                }
                _ => (importer.headers(), None),
            };
            let csv = self.rejects.get_or_insert_with(|| {
                let (w, line) = RejectsCsv::for_files(header, self.set.clone());
                self.rejects_bytes.extend_from_slice(&line);
                w
            });
            match its {
                Some(columns) => csv.write_from(&r, columns, &mut self.rejects_bytes),
                None => csv.write(&r, &mut self.rejects_bytes),
            }
        }
    }

    /// The grid: the rejected rows kept, and every edited row that is now
    /// valid (so an edit stays in view), in row order.
    fn grid(&mut self, fixes: &Fixes) -> (Vec<GridRow>, f64) {
        let mut grid = std::mem::take(&mut self.grid);
        let rejected: std::collections::BTreeSet<u64> =
            grid.iter().map(|g| g.status.row as u64).collect();
        for row in fixes.rows().filter(|r| !rejected.contains(r)) {
            grid.push(GridRow {
                status: RowStatus::new(row, true, &[]),
                cells: fixes.cells(row).unwrap_or_default(),
            });
        }
        grid.sort_by(|a, b| a.status.row.total_cmp(&b.status.row));
        (grid, self.grid_omitted as f64)
    }

    fn into_blobs(self) -> Result<(Blob, JsValue, bool), Failure> {
        let mut bytes = self.rejects_bytes;
        if self.rejects.is_none() {
            let columns = self.columns.as_ref().map_or(&[][..], |(all, _)| all);
            let (_, header) = RejectsCsv::for_files(columns, self.set);
            bytes = header;
        }
        let parts = Array::new();
        parts.push(&Uint8Array::from(&bytes[..]));
        let rejects = blob(&parts, "text/csv")?;
        let batches = match self.batches {
            Some(parts) => blob(&parts, "application/x-ndjson")?.into(),
            None => JsValue::UNDEFINED,
        };
        Ok((rejects, batches, self.truncated))
    }
}

fn blob(parts: &Array, kind: &str) -> Result<Blob, Failure> {
    let bag = BlobPropertyBag::new();
    bag.set_type(kind);
    Blob::new_with_u8_array_sequence_and_options(parts, &bag).map_err(|e| {
        Failure::new(
            format!("the download could not be prepared: {e:?}"),
            "The browser ran out of memory: untick \"Keep batches\" and check again.",
        )
    })
}

fn report(
    s: &Summary,
    elapsed_ms: f64,
    rejects_truncated: bool,
    set: Option<&FileSet>,
    target: Target,
) -> CheckReport {
    CheckReport {
        target: target.id().to_string(),
        rows: s.rows as f64,
        valid: s.valid as f64,
        rejected: s.rejected as f64,
        fixed: s.fixed as f64,
        missing_values: s.missing_values.clone(),
        with_warnings: s.with_warnings as f64,
        without_timestamp: s.without_timestamp as f64,
        first_timestamp: s.first_timestamp.clone(),
        last_timestamp: s.last_timestamp.clone(),
        per_day: s
            .events_per_day
            .iter()
            .map(|(d, n)| (d.clone(), *n as f64))
            .collect(),
        top_events: s
            .top_events
            .iter()
            .map(|(e, n)| (e.clone(), *n as f64))
            .collect(),
        findings: s
            .by_code
            .iter()
            .map(|(code, t)| Finding {
                code: code.as_str().to_string(),
                warning: t.warning,
                count: t.count as f64,
                rows: t.rows as f64,
                examples: t
                    .examples
                    .iter()
                    .map(|i| (RowAt::of(set, i.row), i.message.clone()))
                    .collect(),
            })
            .collect(),
        rejected_several_reasons: s.rejected_several_reasons as f64,
        warned_several_reasons: s.warned_several_reasons as f64,
        notes: s.notes.clone(),
        batches: s.batches as f64,
        bytes: s.bytes as f64,
        elapsed_ms,
        rejects_truncated,
        files: s
            .files
            .iter()
            .map(|f| FileCountsView {
                file: f.file.clone(),
                rows: f.rows as f64,
                valid: f.valid as f64,
                rejected: f.rejected as f64,
                empty: f.empty,
            })
            .collect(),
    }
}
