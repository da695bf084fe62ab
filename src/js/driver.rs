//! The async driver of a whole import: Blob → importer → delivery engine →
//! `fetch`, and the report at the end. `importFile` in JS, [`send_file`] in
//! Rust (the app's worker).
//!
//! The loop follows the call order written on [`Engine`]: feed batches while
//! the engine wants them (reading the next Blob slice only then, which is
//! the backpressure that keeps memory flat), start a `fetch` for each
//! transmit, hand answers back, drain events into the counts and a
//! [`Checkpoint`], then sleep until an answer, the engine's next timer or a
//! cancel. When the run stops early (cancel, or the endpoint refuses
//! everything), reading stops and every valid row already read is handed to
//! the engine, which declares it undelivered: rows are never dropped.
//!
//! **Resuming.** With `resume_from` (a checkpoint an earlier run of the same
//! file, mapping and endpoint handed out in its progress or report), rows the
//! checkpoint has done are read and checked but not sent, and the report
//! counts them as delivered earlier ([`crate::deliver::RunTally`]). A
//! checkpoint of anything else is refused before a request is made. The
//! checkpoint is offered in [`Progress::checkpoint`] about once a second, so
//! a caller that keeps it (the app keeps it in `localStorage`) can resume
//! after the tab closes.
//!
//! **Pausing.** With a [`PauseControl`] (or `paused` in JS), a paused run
//! starts no request and reads no more of the file; requests already out
//! finish and count, so memory stays flat and nothing is lost or counted
//! twice. Resuming goes on from the same row. The time paused does not
//! count towards the engine's give-up time ([`Engine::paused_between`]).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use serde::Serialize;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;
use web_sys::{AbortSignal, Blob};

use super::blob::{read_head, BlobReader};
use super::error::{JsApiError, JsResult};
use super::fetch::Transport;
use super::options::{from_js, mapping_from_js, Auth, SendSettings};
use super::time::{now_ms, Wake};
use crate::batch::BatchOptions;
use crate::deliver::{
    Checkpoint, DeliveryStats, Engine, EngineConfig, Event, ImportIdentity, Outcome, RequestId,
    ResumeError, RunTally, IDENTITY_HEAD_BYTES,
};
use crate::mapping::Mapping;
use crate::pipeline::{ImportOptions, RejectedRow, SniffingImporter, Summary};
use crate::report::{row_ranges, Reconciliation};
use crate::source::Format;
use crate::source::Settings;

/// Rejected rows kept in the report unless told otherwise.
const DEFAULT_MAX_REJECTED_ROWS: usize = 10_000;
/// The least time between two progress calls.
const PROGRESS_EVERY_MS: f64 = 100.0;
/// The least time between two checkpoints handed out in the progress.
const CHECKPOINT_EVERY_MS: f64 = 1000.0;
/// How often a paused run looks at the clock (the engine's watchdog) and at
/// a JS `paused` function. A [`PauseControl`] wakes it at once.
const PAUSED_TICK_MS: f64 = 250.0;

#[wasm_bindgen(typescript_custom_section)]
const TS_IMPORT_FILE_OPTIONS: &'static str = r#"
/** Options of `importFile`: the settings plus a progress callback and a cancel signal. */
export interface ImportFileOptions extends SendSettings {
  /** Called at most every 100 ms while the import runs, and once at the end. */
  onProgress?: (progress: Progress) => void;
  /** Abort it to cancel: nothing new is sent, the report names every row not delivered. */
  signal?: AbortSignal;
  /**
   * Pauses the import while it returns true (asked before each request and
   * about 4 times a second while paused): no new request, no more reading;
   * requests already out finish. `signal` still cancels while paused.
   */
  paused?: () => boolean;
}
"#;

/// Everything [`send_file`] needs besides the file and the mapping.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// Endpoint, key, pacing and source overrides (the JS options object).
    pub settings: SendSettings,
    /// Cancels the run when aborted.
    pub signal: Option<AbortSignal>,
    /// Pauses and resumes the run.
    pub pause: Option<PauseControl>,
}

/// Pauses and resumes a running [`send_file`]; clones share the state.
///
/// While paused, no request starts and the file is not read further;
/// requests already out finish and are counted. Resuming goes on where the
/// run stopped. A cancel (the abort signal) works while paused.
#[derive(Clone, Default)]
pub struct PauseControl {
    inner: Rc<PauseInner>,
}

#[derive(Default)]
struct PauseInner {
    paused: Cell<bool>,
    /// JS's `paused` option, asked instead of `paused` when set.
    ask: Option<js_sys::Function>,
    /// The running driver's loop, woken when the state changes.
    wake: RefCell<Option<Wake>>,
}

impl std::fmt::Debug for PauseControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PauseControl")
            .field("paused", &self.is_paused())
            .finish()
    }
}

impl PauseControl {
    /// A control that is not paused.
    pub fn new() -> PauseControl {
        PauseControl::default()
    }

    /// A control that asks `paused()` (JS's option); a call that throws or
    /// returns anything but `true` means not paused.
    fn asking(paused: js_sys::Function) -> PauseControl {
        PauseControl {
            inner: Rc::new(PauseInner {
                ask: Some(paused),
                ..PauseInner::default()
            }),
        }
    }

    /// Holds back every new request from now on.
    pub fn pause(&self) {
        self.set(true);
    }

    /// Lets the run go on.
    pub fn resume(&self) {
        self.set(false);
    }

    /// Whether new requests are held back now.
    pub fn is_paused(&self) -> bool {
        match &self.inner.ask {
            Some(f) => f
                .call0(&JsValue::UNDEFINED)
                .is_ok_and(|v| v.as_bool() == Some(true)),
            None => self.inner.paused.get(),
        }
    }

    fn set(&self, paused: bool) {
        if self.inner.paused.replace(paused) != paused {
            if let Some(wake) = self.inner.wake.borrow().as_ref() {
                wake.wake();
            }
        }
    }

    fn attach(&self, wake: Option<Wake>) {
        *self.inner.wake.borrow_mut() = wake;
    }
}

/// Where a run stands (handed to the progress callback).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Bytes of the file read so far.
    pub bytes_read: u64,
    /// The file's size in bytes.
    pub bytes_total: u64,
    /// Rows read so far.
    pub rows: u64,
    /// Rows that became a message.
    pub valid: u64,
    /// Rows rejected before sending.
    pub rejected: u64,
    /// Requests, acknowledgements, retries, what is in flight.
    pub delivery: DeliveryStats,
    /// The latest retry or failure, in words (`undefined` when all is well).
    #[tsify(optional)]
    pub note: Option<String>,
    /// Rows finished for good: delivered (in this run or an earlier one),
    /// rejected, or refused by the endpoint.
    pub rows_done: u64,
    /// Valid rows skipped because the checkpoint resumed from had them done.
    pub skipped: u64,
    /// The checkpoint document, about once a second when it changed and in
    /// the last call: keep it, and pass it as `resumeFrom` to continue this
    /// import if it stops (a closed tab, a crash) instead of starting over.
    #[tsify(optional)]
    pub checkpoint: Option<String>,
    /// The run is paused (`delivery.inFlight` requests may still be finishing).
    pub paused: bool,
    /// Milliseconds spent paused so far.
    pub paused_ms: u64,
}

/// How a run ended: where every row went, and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(hashmap_as_object)]
pub struct Report {
    /// `rows = delivered + rejected + undelivered`, with the undelivered ranges.
    #[serde(flatten)]
    pub reconciliation: Reconciliation,
    /// Whether every row is accounted for (always true unless there is a bug).
    pub balanced: bool,
    /// Whether the whole file was read (false after a cancel, a refusal of
    /// the endpoint, or a file that cannot be read further).
    pub complete: bool,
    /// Why reading stopped early, when it did.
    #[tsify(optional)]
    pub error: Option<String>,
    /// The settings the file was read with.
    #[tsify(optional)]
    pub settings: Option<Settings>,
    /// Counts and findings of the import (as `Importer.summary()`).
    pub summary: Summary,
    /// Requests, retries, splits, bytes.
    pub delivery: DeliveryStats,
    /// Rows rejected before sending (the first `maxRejectedRows`).
    pub rejected_rows: Vec<RejectedRow>,
    /// Rows rejected before sending but left out of `rejectedRows`.
    pub rejected_rows_omitted: u64,
    /// Rows the API refused, with its answer.
    pub server_rejected: Vec<(u64, String)>,
    /// The delivered rows as a checkpoint document (for a resumed run).
    pub checkpoint: String,
    /// Milliseconds the run spent paused.
    pub paused_ms: u64,
}

/// Imports `file` and sends it: the whole job. JS: `importFile`.
///
/// Fails (before sending anything) on a bad mapping, bad options, an
/// endpoint that is not https (or http on loopback), or a file whose
/// settings cannot be guessed. Once sending started, it resolves with a
/// [`Report`] whatever happens: failures are rows named undelivered.
pub async fn send_file(
    file: Blob,
    mapping: Option<Mapping>,
    options: SendOptions,
    mut on_progress: impl FnMut(&Progress),
) -> JsResult<Report> {
    let s = options.settings;
    let auth = s.auth.unwrap_or_default();
    let transport = Transport::new(&s.endpoint, &s.write_key, auth)?;
    let source = s.source_options()?;
    let import = ImportOptions {
        batch: BatchOptions {
            integrations: s.integrations.clone(),
            write_key: (auth == Auth::Body).then(|| s.write_key.clone()),
            ..BatchOptions::default()
        },
        now_ms: now_ms() as i64,
        keep_reject_cells: true,
    };
    let sample = s.sample_bytes.unwrap_or(0) as usize;
    // Read before anything else, so a bad checkpoint fails first.
    let resume = s
        .resume_from
        .as_deref()
        .map(Checkpoint::from_json)
        .transpose()
        .map_err(ResumeError::Unreadable)?;
    let mapping_json = mapping
        .as_ref()
        .map(Mapping::to_json_pretty)
        .unwrap_or_default();
    let mut importer = SniffingImporter::new(mapping, source, import, sample)?;
    let skipped = Rc::new(Cell::new(0u64));
    if let Some(done) = resume.clone() {
        let skipped = Rc::clone(&skipped);
        importer.skip_rows(Box::new(move |row| {
            let skip = done.is_done(row);
            skipped.set(skipped.get() + u64::from(skip));
            skip
        }));
    }
    let head = read_head(&file, IDENTITY_HEAD_BYTES).await?;
    let mut engine_config = EngineConfig {
        max_in_flight: s.concurrency.unwrap_or(4) as usize,
        max_requests_per_sec: s.rate_per_second,
        max_attempts: s.max_attempts,
        ..EngineConfig::default()
    };
    if let Some(t) = s.timeout_ms {
        engine_config.request_timeout_ms = u64::from(t);
    }
    let mut run = Run {
        reader: BlobReader::new(file, s.chunk_bytes.unwrap_or(0) as usize),
        importer,
        engine: Engine::new(engine_config),
        transport: Rc::new(transport),
        answers: Rc::new(RefCell::new(VecDeque::new())),
        wake: Wake::default(),
        checkpoint: Checkpoint::new(1),
        first_row: 1,
        skipped,
        rejected_by_server_earlier: 0,
        last_checkpoint: f64::NEG_INFINITY,
        checkpoint_rows_done: None,
        report: Report::default(),
        max_rejected: s
            .max_rejected_rows
            .map_or(DEFAULT_MAX_REJECTED_ROWS, |n| n as usize),
        undelivered: Vec::new(),
        delivered: 0,
        note: None,
        input_done: false,
        stopped: false,
        last_progress: f64::NEG_INFINITY,
        pause: options.pause.clone(),
        paused_since: None,
        paused_ms: 0.0,
    };
    // Read the first slices now, so a file that cannot be read (empty,
    // unreadable sample) fails before the progress starts.
    run.prime().await?;
    let settings = format!("{:?}", run.importer.settings());
    let fingerprint = ImportIdentity {
        size: run.reader.size() as u64,
        head: &head,
        mapping_json: &mapping_json,
        settings: &settings,
        endpoint: s.endpoint.trim(),
    }
    .fingerprint();
    run.start_checkpoint(resume, fingerprint)?;
    let _listener = options
        .signal
        .as_ref()
        .map(|signal| AbortListener::new(signal, run.wake.clone()));
    if let Some(pause) = &options.pause {
        pause.attach(Some(run.wake.clone()));
    }
    run.drive(options.signal.as_ref(), &mut on_progress).await;
    if let Some(pause) = &options.pause {
        pause.attach(None);
    }
    Ok(run.finish(&mut on_progress))
}

/// `importFile(file, mapping, options)`: see [`send_file`].
#[wasm_bindgen(js_name = importFile)]
pub async fn import_file(
    file: Blob,
    #[wasm_bindgen(unchecked_param_type = "Mapping | string | null")] mapping: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ImportFileOptions")] options: JsValue,
) -> JsResult<Ts<Report>> {
    let mapping = mapping_from_js(&mapping)?;
    let get = |name: &str| js_sys::Reflect::get(&options, &name.into()).ok();
    let callback = get("onProgress").and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let signal = get("signal").and_then(|s| s.dyn_into::<AbortSignal>().ok());
    let pause = get("paused")
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .map(PauseControl::asking);
    let settings: SendSettings = from_js(options, "importFile options")?;
    let report = send_file(
        file,
        mapping,
        SendOptions {
            settings,
            signal,
            pause,
        },
        |progress| {
            if let (Some(f), Ok(p)) = (&callback, progress.into_ts()) {
                // A throwing callback must not stop the import.
                let _ = f.call1(&JsValue::UNDEFINED, &p.js_value());
            }
        },
    )
    .await?;
    Ok(report.into_ts()?)
}

/// One run's state.
struct Run {
    reader: BlobReader,
    importer: SniffingImporter,
    engine: Engine,
    transport: Rc<Transport>,
    /// Answers of finished requests, waiting for the loop.
    answers: Rc<RefCell<VecDeque<(RequestId, Outcome)>>>,
    wake: Wake,
    /// Replaced once the settings (hence the first row number) are known.
    checkpoint: Checkpoint,
    /// The first row of the file (2 after a CSV header).
    first_row: u64,
    /// Valid rows skipped as done by an earlier run (counted by the importer).
    skipped: Rc<Cell<u64>>,
    /// Rows the endpoint refused in earlier runs (in `report.server_rejected`).
    rejected_by_server_earlier: u64,
    /// When the checkpoint was last handed out, and its rows done then.
    last_checkpoint: f64,
    checkpoint_rows_done: Option<u64>,
    report: Report,
    max_rejected: usize,
    /// Undelivered rows as ranges (merged at the end) and the first reason.
    undelivered: Vec<(u64, u64)>,
    delivered: u64,
    note: Option<String>,
    /// The importer is finished (or stopped); no more batches will come.
    input_done: bool,
    /// The run was cancelled or refused: nothing more is read.
    stopped: bool,
    last_progress: f64,
    pause: Option<PauseControl>,
    /// When the current pause began.
    paused_since: Option<f64>,
    /// Time spent in pauses that ended.
    paused_ms: f64,
}

impl Run {
    /// Reads until the settings are sniffed (or the file ends).
    async fn prime(&mut self) -> JsResult<()> {
        while self.importer.settings().is_none() {
            match self.reader.next().await? {
                Some(chunk) => self.importer.push(&chunk)?,
                None => {
                    self.importer.finish()?;
                    self.input_done = true;
                }
            }
        }
        self.first_row = match self.importer.settings() {
            Some(s) if s.format == Format::Csv && s.has_header => 2,
            _ => 1,
        };
        Ok(())
    }

    /// A fresh checkpoint for this import, or the one resumed from if it
    /// belongs to this import (else nothing is sent).
    fn start_checkpoint(
        &mut self,
        resume: Option<Checkpoint>,
        fingerprint: String,
    ) -> Result<(), ResumeError> {
        self.checkpoint = match resume {
            Some(c) if !c.matches(&fingerprint) => return Err(ResumeError::OtherImport),
            Some(c) => {
                self.rejected_by_server_earlier = c.server_rejected.len() as u64;
                self.report.server_rejected = c.server_rejected.clone();
                c
            }
            None => {
                let mut c = Checkpoint::new(self.first_row);
                c.set_fingerprint(fingerprint);
                c
            }
        };
        Ok(())
    }

    async fn drive(
        &mut self,
        signal: Option<&AbortSignal>,
        on_progress: &mut impl FnMut(&Progress),
    ) {
        loop {
            if !self.stopped && signal.is_some_and(AbortSignal::aborted) {
                self.engine
                    .abort("aborted: the import was cancelled".to_string());
                self.stop_input(None);
            }
            let toggled = self.update_pause();
            let paused = self.paused_since.is_some();
            if !paused {
                self.feed().await;
                while let Some(t) = self.engine.poll_transmit(now_ms() as u64) {
                    self.start_request(t.id, t.body, t.timeout_ms);
                }
            }
            let answers: Vec<_> = self.answers.borrow_mut().drain(..).collect();
            let answered = !answers.is_empty();
            for (id, outcome) in answers {
                self.engine.handle_response(id, outcome, now_ms() as u64);
            }
            self.drain_events();
            if !paused {
                self.progress(on_progress, false);
            } else if toggled || answered || self.checkpoint_changed() {
                // Paused, little happens: say so at once when it does.
                if toggled || answered {
                    self.last_progress = f64::NEG_INFINITY;
                }
                self.progress(on_progress, false);
            }
            if self.engine.is_done() {
                break;
            }
            if !self.answers.borrow().is_empty() {
                continue;
            }
            if paused {
                // Only answers, a resume or a cancel move a paused run; the
                // tick keeps the engine's watchdog and JS's function heard.
                self.wake.wait(Some(PAUSED_TICK_MS)).await;
                self.engine.handle_timeout(now_ms() as u64);
                continue;
            }
            if self.engine.wants_batches() && !self.input_done {
                continue;
            }
            let timeout = self.engine.poll_timeout().map(|at| at as f64 - now_ms());
            self.wake.wait(timeout).await;
            self.engine.handle_timeout(now_ms() as u64);
        }
        self.update_pause();
    }

    /// Follows the pause control; returns whether the state changed. A
    /// stopped run is never paused (it only waits for answers). Resuming
    /// tells the engine, so the pause does not count towards giving up.
    fn update_pause(&mut self) -> bool {
        let wanted = !self.stopped && self.pause.as_ref().is_some_and(PauseControl::is_paused);
        match (self.paused_since, wanted) {
            (None, true) => {
                self.paused_since = Some(now_ms());
                true
            }
            (Some(since), false) => {
                let now = now_ms();
                self.engine.paused_between(since as u64, now as u64);
                self.paused_ms += (now - since).max(0.0);
                self.paused_since = None;
                true
            }
            _ => false,
        }
    }

    /// Milliseconds paused so far, the current pause included.
    fn paused_total_ms(&self) -> u64 {
        let current = self.paused_since.map_or(0.0, |since| now_ms() - since);
        (self.paused_ms + current.max(0.0)) as u64
    }

    /// Whether rows got done since the last checkpoint handed out.
    fn checkpoint_changed(&self) -> bool {
        self.checkpoint_rows_done != Some(self.checkpoint.rows_done(self.first_row))
    }

    /// Hands batches to the engine while it wants them, reading more of the
    /// file only when the importer has none ready.
    async fn feed(&mut self) {
        while self.engine.wants_batches() {
            if let Some(batch) = self.importer.pop_batch() {
                self.engine.push_batch(batch);
                continue;
            }
            self.take_rejects();
            if self.input_done {
                self.engine.finish_input();
                return;
            }
            let step = match self.reader.next().await {
                Ok(Some(chunk)) => self.importer.push(&chunk).map_err(JsApiError::from),
                Ok(None) => {
                    self.input_done = true;
                    self.importer.finish().map_err(JsApiError::from)
                }
                Err(e) => Err(e),
            };
            if let Err(e) = step {
                // The rows read so far still go out; the report says where
                // reading stopped.
                self.stop_input(Some(e.message));
            }
        }
    }

    /// Stops reading: every valid row read so far goes to the engine (which
    /// declares it undelivered if the run has stopped).
    fn stop_input(&mut self, error: Option<String>) {
        self.stopped = self.stopped || error.is_none();
        if error.is_some() && self.report.error.is_none() {
            self.report.error = error;
        }
        self.input_done = true;
        if let Some(importer) = self.importer.importer_mut() {
            importer.flush();
        }
        while let Some(batch) = self.importer.pop_batch() {
            self.engine.push_batch(batch);
        }
        self.take_rejects();
        self.engine.finish_input();
    }

    fn start_request(&self, id: RequestId, body: Vec<u8>, timeout_ms: u64) {
        let transport = Rc::clone(&self.transport);
        let answers = Rc::clone(&self.answers);
        let wake = self.wake.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = transport.post(&body, timeout_ms).await;
            answers.borrow_mut().push_back((id, outcome));
            wake.wake();
        });
    }

    fn take_rejects(&mut self) {
        while let Some(r) = self.importer.pop_reject() {
            // Done as far as the checkpoint goes: a resumed run rejects it again.
            self.checkpoint.mark_done(r.row);
            if self.report.rejected_rows.len() < self.max_rejected {
                self.report.rejected_rows.push(r);
            } else {
                self.report.rejected_rows_omitted += 1;
            }
        }
    }

    fn drain_events(&mut self) {
        while let Some(event) = self.engine.poll_event() {
            self.checkpoint.record(&event);
            match event {
                Event::Acknowledged { rows, .. } => self.delivered += rows.len() as u64,
                Event::Rejected { row, reason } => self.report.server_rejected.push((row, reason)),
                Event::Retrying {
                    seq,
                    attempt,
                    reason,
                    ..
                } => self.note = Some(format!("batch {seq}: {reason}; attempt {attempt} follows")),
                Event::Undelivered { rows, reason } => {
                    self.undelivered.extend(row_ranges(rows));
                    self.report
                        .reconciliation
                        .undelivered_reason
                        .get_or_insert(reason);
                }
                Event::Fatal { reason } => {
                    self.note = Some(reason);
                    if !self.stopped {
                        self.stop_input(None);
                    }
                }
            }
        }
    }

    fn progress(&mut self, on_progress: &mut impl FnMut(&Progress), last: bool) {
        let now = now_ms();
        if !last && now - self.last_progress < PROGRESS_EVERY_MS {
            return;
        }
        self.last_progress = now;
        let counts = self.importer.counts();
        let rows_done = self.checkpoint.rows_done(self.first_row);
        let changed = self.checkpoint_rows_done != Some(rows_done);
        let due = last || (changed && now - self.last_checkpoint >= CHECKPOINT_EVERY_MS);
        let checkpoint = due.then(|| {
            self.last_checkpoint = now;
            self.checkpoint_rows_done = Some(rows_done);
            self.checkpoint.to_json()
        });
        on_progress(&Progress {
            bytes_read: self.reader.offset() as u64,
            bytes_total: self.reader.size() as u64,
            rows: counts.rows,
            valid: counts.valid,
            rejected: counts.rejected,
            delivery: self.engine.stats().clone(),
            note: self.note.clone(),
            rows_done,
            skipped: self.skipped.get(),
            checkpoint,
            paused: self.paused_since.is_some(),
            paused_ms: self.paused_total_ms(),
        });
    }

    fn finish(mut self, on_progress: &mut impl FnMut(&Progress)) -> Report {
        self.drain_events();
        self.take_rejects();
        self.progress(on_progress, true);
        let summary = self.importer.summary();
        let tally = RunTally {
            rows: summary.rows,
            rejected_before_sending: summary.rejected,
            skipped_as_done: summary.previously_delivered,
            acknowledged: self.delivered,
            rejected_by_server: self.report.server_rejected.len() as u64,
            rejected_by_server_earlier: self.rejected_by_server_earlier,
            undelivered: std::mem::take(&mut self.undelivered),
            undelivered_reason: self.report.reconciliation.undelivered_reason.take(),
        };
        self.report.reconciliation = tally.reconcile();
        self.report.balanced = self.report.reconciliation.balanced();
        self.report.complete = !self.stopped && self.report.error.is_none();
        self.report.settings = self.importer.settings().cloned();
        self.report.delivery = self.engine.stats().clone();
        self.report.checkpoint = self.checkpoint.to_json();
        self.report.paused_ms = self.paused_total_ms();
        self.report.summary = summary;
        self.report
    }
}

/// Wakes the loop when the user cancels, and unhooks itself when dropped.
struct AbortListener {
    signal: AbortSignal,
    closure: Closure<dyn FnMut()>,
}

impl AbortListener {
    fn new(signal: &AbortSignal, wake: Wake) -> AbortListener {
        let closure = Closure::<dyn FnMut()>::new(move || wake.wake());
        // Adding a listener to an AbortSignal does not throw.
        let _ = signal.add_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
        AbortListener {
            signal: signal.clone(),
            closure,
        }
    }
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.closure.as_ref().unchecked_ref());
    }
}
