//! The full pass: every row read, mapped, validated and batched; nothing sent.
//!
//! The loop reads a slice, pushes it, drains batches and rejects, and every
//! ~50 ms gives the worker's event loop a turn so a Cancel can arrive.
//! Progress goes out at most ~10 times a second.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsValue;
use web_sys::{Blob, BlobPropertyBag};

use super::reader::SLICE_BYTES;
use super::source::FileSource;
use crate::app::protocol::{
    CheckDone, CheckProgress, CheckReport, Failure, Finding, GridRow, RowStatus,
};
use crate::mapping::Mapping;
use crate::message::{IdScheme, MessageIds, SourceNamespace};
use crate::pipeline::{Fixes, ImportOptions, Importer, Summary, MAX_FIXED_ROWS};
use crate::report::RejectsCsv;
use crate::source::Settings;

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
    pub file: Blob,
    /// The workbook sheet to read (`None`: not a workbook).
    pub sheet: Option<String>,
    pub settings: Settings,
    pub mapping: Mapping,
    /// Keep every batch body for the dry-run download.
    pub keep_batches: bool,
    /// The destination's id namespace, for the batches' messageIds.
    pub id_namespace: Option<String>,
    /// Rows edited in the fix grid.
    pub fixes: Fixes,
}

/// Runs the check over the whole file.
pub async fn run(job: Job, host: &mut impl Host) -> Result<Outcome, Failure> {
    let Job {
        file,
        sheet,
        settings,
        mapping,
        keep_batches,
        id_namespace,
        fixes,
    } = job;
    let settings = &settings;
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
        ..Default::default()
    };
    let mut importer = Importer::new(Some(mapping), settings, options).map_err(|e| {
        Failure::new(
            format!("the mapping does not fit this file: {e}"),
            "Go back to Map and fix the mapping.",
        )
    })?;
    let mut reader = FileSource::open(file, sheet.as_deref(), SLICE_BYTES).await?;
    let mut sink = Sink::new(keep_batches);
    let mut last_yield = started;
    let mut last_progress = 0.0;
    loop {
        let chunk = reader.next().await?;
        let pushed = match &chunk {
            Some(bytes) => importer.push(bytes),
            None => importer.finish(),
        };
        let done = chunk.is_none();
        pushed.map_err(|e| {
            Failure::new(
                format!(
                    "reading stopped at {}: {e}",
                    reader.at(importer.counts().rows)
                ),
                "The file is damaged or not in the format chosen in step 1; check the overrides there.",
            )
        })?;
        sink.drain(&mut importer);
        if done {
            break;
        }
        let now = js_sys::Date::now();
        if now - last_progress >= PROGRESS_EVERY_MS {
            last_progress = now;
            let (bytes, total) = reader.bytes();
            let p = CheckProgress {
                bytes,
                total,
                rows: importer.counts().rows as f64,
                elapsed_ms: now - started,
                measure: reader.measure(),
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
    let summary = importer.summary();
    let elapsed = js_sys::Date::now() - started;
    let (grid, grid_omitted) = sink.grid(&fixes);
    let (rejects, batches, truncated) = sink.into_blobs()?;
    Ok(Outcome::Done(Box::new(CheckDone {
        report: report(&summary, elapsed, truncated),
        rejects,
        batches,
        id_namespace: namespace.map(|n| n.to_string()),
        grid,
        grid_omitted,
    })))
}

/// Where batches and rejected rows go while the file is read.
struct Sink {
    rejects: Option<RejectsCsv>,
    rejects_bytes: Vec<u8>,
    truncated: bool,
    batches: Option<Array>,
    /// The first rejected rows, for the fix grid.
    grid: Vec<GridRow>,
    grid_omitted: u64,
}

impl Sink {
    fn new(keep_batches: bool) -> Sink {
        Sink {
            rejects: None,
            rejects_bytes: Vec::new(),
            truncated: false,
            batches: keep_batches.then(Array::new),
            grid: Vec::new(),
            grid_omitted: 0,
        }
    }

    fn drain(&mut self, importer: &mut Importer) {
        while let Some(batch) = importer.pop_batch() {
            if let Some(parts) = &self.batches {
                // One JS copy per batch (≤ 475 KB), never per row.
                parts.push(&Uint8Array::from(batch.body()));
                parts.push(&JsValue::from_str("\n"));
            }
        }
        while let Some(r) = importer.pop_reject() {
            if self.grid.len() < MAX_FIXED_ROWS {
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
            let csv = self.rejects.get_or_insert_with(|| {
                let (w, header) = RejectsCsv::new(importer.headers());
                self.rejects_bytes.extend_from_slice(&header);
                w
            });
            csv.write(&r, &mut self.rejects_bytes);
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
            let (_, header) = RejectsCsv::new(&[]);
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

fn report(s: &Summary, elapsed_ms: f64, rejects_truncated: bool) -> CheckReport {
    CheckReport {
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
                    .map(|i| (i.row as f64, i.message.clone()))
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
    }
}
