//! One import's send, with no I/O: bytes and answers in; requests,
//! checkpoints, rejected rows and the report out; `now` passed in.
//!
//! [`SendSession`] owns everything an import's accounting needs: the
//! importer (sniffing, mapping, validation, batches), the delivery engine,
//! the checkpoint, the import's identity, the rejected rows and the final
//! tally. The CLI, the JS package and the app's worker drive it the same way
//! and keep only their I/O (reading the file, HTTP, storage, the clock), so
//! the rules that decide whether a row was delivered live in one place.
//!
//! # Call order
//!
//! ```text
//! let mut s = SendSession::new(setup, now)?;     // refuses a checkpoint of another import
//! loop {
//!     while s.wants_input() {                     // backpressure: read only as fast as sending goes
//!         match read(chunk) {
//!             Some(bytes) => s.push_input(bytes, now)?,   // Err only before anything was sent
//!             None => s.finish_input(now)?,
//!         }                                      // a read error: s.fail_input(why, now)?
//!     }
//!     while let Some(t) = s.poll_transmit(now) { http.post(t) }  // t.body, t.timeout_ms
//!     while let Some(e) = s.poll_event() { .. }   // Rejected(row), Retrying, Checkpoint(json)
//!     if s.is_done() { break }
//!     wait for an answer (s.handle_response(id, outcome, now)), or until
//!     s.poll_timeout() (s.handle_timeout(now)), or a cancel (s.cancel(by, now))
//! }
//! let report = s.finish(now);                     // the reconciliation of the whole file
//! ```
//!
//! `pause`/`unpause` and `cancel` may come at any point. Once a batch has
//! been handed to the engine nothing is an `Err` any more: a file that
//! cannot be read further, a refusal of the endpoint, a cancel all end in a
//! report that names every row read as delivered, rejected or undelivered.
//!
//! # Resuming
//!
//! With a checkpoint ([`SessionSetup::resume`]) the session first checks
//! that it belongs to this import ([`identity`]): the endpoint, the source
//! (write key), the id scheme and the mapping at once, the way the file is
//! read once sniffed, and the file's first 64 KiB once read. Rows the
//! checkpoint has done are read and checked but not sent, and the bytes they
//! came from are compared with the earlier run's ([`content`]) before
//! anything is sent. A checkpoint of anything else is refused, never
//! half-applied. The resumed run keeps the checkpoint's id scheme, so rows
//! that were in flight are sent again with the ids they had.
//!
//! # Several files
//!
//! With [`SessionSetup::files`] the session is one import of several files
//! ([`crate::fileset`]): the shell pushes them one after the other and calls
//! [`SendSession::next_file`] between two. Rows are keys (file, row) in the
//! checkpoint and the report; the identity covers the set (names, sizes,
//! heads, in order) and says which file differs; each file's head is checked
//! again as it is read, and the verified prefix runs over all of them in
//! order; the report has each file's share ([`SessionReport::files`]).

mod accounting;
mod checkpoint;
mod content;
mod files;
mod identity;
mod input;
pub mod pace;
mod report;
mod setup;
mod tally;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

pub use checkpoint::{Checkpoint, CheckpointError, CHECKPOINT_VERSION};
pub use content::{ContentChanged, VerifiedPrefix};
pub use files::FileReport;
pub use identity::{FileIdentity, IdentityPart, ImportIdentity, Mismatch, IDENTITY_HEAD_BYTES};
pub use report::{
    Destination, SessionError, SessionEvent, SessionProgress, SessionReport, StopReason,
};
pub use setup::{
    SessionSetup, DEFAULT_CHECKPOINT_EVERY_MS, DEFAULT_CHUNK_BYTES, DEFAULT_KEEP_REJECTED_ROWS,
};
pub use tally::{merge_ranges, RunTally};

use accounting::EarlierRefusals;

use content::ContentTracker;
use identity::PendingIdentity;
use input::{import_refusal, Input};

use crate::deliver::{DeliveryEngine, Outcome, RequestId, Transmit};
use crate::message::{IdScheme, MessageIds};
use crate::pipeline::{ImportOptions, RejectedRow, SniffingImporter};

/// One import's send (see the module docs).
pub struct SendSession {
    importer: SniffingImporter,
    engine: DeliveryEngine,
    identity: PendingIdentity,
    /// The identity of the checkpoint resumed from, to compare with.
    theirs: Option<ImportIdentity>,
    content: ContentTracker,
    /// This run's (its first row is set once the settings are known), or
    /// the one resumed from when `theirs` is set.
    checkpoint: Checkpoint,
    first_row: u64,
    earlier: Rc<RefCell<EarlierRefusals>>,
    earlier_refused_read: u64,
    server_rejected: Vec<(u64, String)>,
    refused_now: u64,
    events: VecDeque<SessionEvent>,
    acknowledged: u64,
    undelivered: Vec<(u64, u64)>,
    undelivered_reason: Option<String>,
    rejected_rows: Vec<RejectedRow>,
    rejected_rows_omitted: u64,
    keep_rejected_rows: usize,
    input: Input,
    /// Why reading stopped before the end of the file.
    input_error: Option<String>,
    stop: Option<StopReason>,
    /// The refusal that ended this session before it sent anything.
    refused: Option<SessionError>,
    /// A batch went to the engine: from now on nothing is an `Err`.
    handed_over: bool,
    note: Option<String>,
    paused_since: Option<u64>,
    paused_ms: u64,
    checkpoint_every_ms: u64,
    last_checkpoint_at: Option<u64>,
    last_checkpoint_rows: Option<u64>,
    size: Option<u64>,
    bytes_in: u64,
    ids: MessageIds,
    /// The files of a multi-file import and their tallies.
    files: files::FileTallies,
}

impl std::fmt::Debug for SendSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendSession")
            .field("input", &self.input)
            .field("stop", &self.stop)
            .field("handed_over", &self.handed_over)
            .finish_non_exhaustive()
    }
}

impl SendSession {
    /// A session about to read the file. Refuses a bad mapping and a
    /// checkpoint that cannot be this import's (what can be told before
    /// reading: endpoint, source, id scheme, mapping).
    pub fn new(setup: SessionSetup, now_ms: u64) -> Result<SendSession, SessionError> {
        if let Some(m) = &setup.mapping {
            m.check().map_err(SessionError::Mapping)?;
        }
        let theirs = match &setup.resume {
            None => None,
            Some(cp) => Some(cp.import().cloned().ok_or_else(|| {
                SessionError::Checkpoint(CheckpointError::Unreadable(
                    "it does not say which import it belongs to".into(),
                ))
            })?),
        };
        let scheme = match (setup.id_scheme, &theirs) {
            (Some(asked), Some(t)) if asked != t.ids => {
                return Err(SessionError::OtherImport(Mismatch {
                    part: IdentityPart::Ids,
                    theirs: Some(t.ids.to_string()),
                    ours: Some(asked.to_string()),
                }))
            }
            (Some(asked), _) => asked,
            (None, Some(t)) => t.ids,
            (None, None) => IdScheme::default(),
        };
        let ids = MessageIds::new(scheme, setup.source_namespace);
        let mut identity = PendingIdentity::new(
            setup.mapping.as_ref(),
            &setup.batch,
            scheme,
            &setup.endpoint,
            setup.source_namespace,
            &setup.fixes,
        );
        let set = setup.files.filter(crate::fileset::FileSet::is_multi);
        if let Some(set) = &set {
            identity.set_files(set).map_err(|message| {
                SessionError::Source(crate::source::SourceError { row: None, message })
            })?;
        }
        if let Some(m) = theirs.as_ref().and_then(|t| identity.mismatch(t)) {
            return Err(SessionError::OtherImport(m));
        }
        let content = ContentTracker::new(setup.resume.as_ref().and_then(|c| c.verified()))
            .map_err(|e| SessionError::Checkpoint(CheckpointError::Unreadable(e)))?;
        let options = ImportOptions {
            batch: setup.batch.clone(),
            now_ms: i64::try_from(now_ms).unwrap_or(i64::MAX),
            keep_reject_cells: setup.keep_reject_cells,
            ids,
            archive: None,
            fixes: setup.fixes,
        };
        let mut importer = match &set {
            None => SniffingImporter::new(setup.mapping, setup.source, options, setup.sample_bytes),
            Some(set) => SniffingImporter::for_files(
                setup.mapping,
                setup.source,
                options,
                setup.sample_bytes,
                set.clone(),
            ),
        }
        .map_err(import_refusal)?;
        let earlier = Rc::new(RefCell::new(EarlierRefusals::default()));
        let checkpoint = match setup.resume {
            Some(cp) => {
                earlier.borrow_mut().waiting = cp.server_rejected.iter().cloned().collect();
                let done = cp.clone();
                let log = Rc::clone(&earlier);
                importer.skip_rows(Box::new(move |row| {
                    let skip = done.is_done(row);
                    if skip {
                        let mut log = log.borrow_mut();
                        if let Some(reason) = log.waiting.remove(&row) {
                            log.read.push((row, reason));
                        }
                    }
                    skip
                }));
                cp
            }
            None => Checkpoint::new(1),
        };
        Ok(SendSession {
            importer,
            engine: DeliveryEngine::new(setup.engine),
            identity,
            theirs,
            content,
            checkpoint,
            first_row: 1,
            earlier,
            earlier_refused_read: 0,
            server_rejected: Vec::new(),
            refused_now: 0,
            events: VecDeque::new(),
            acknowledged: 0,
            undelivered: Vec::new(),
            undelivered_reason: None,
            rejected_rows: Vec::new(),
            rejected_rows_omitted: 0,
            keep_rejected_rows: setup.keep_rejected_rows,
            input: Input::Reading,
            input_error: None,
            stop: None,
            refused: None,
            handed_over: false,
            note: None,
            paused_since: None,
            paused_ms: 0,
            checkpoint_every_ms: setup.checkpoint_every_ms,
            last_checkpoint_at: None,
            last_checkpoint_rows: None,
            size: setup.size,
            bytes_in: 0,
            ids,
            files: files::FileTallies::new(set),
        })
    }

    // ------------------------------------------------------------- send ---

    /// The next request to perform, if one may go now.
    pub fn poll_transmit(&mut self, now_ms: u64) -> Option<Transmit> {
        if self.refused.is_some() || self.paused_since.is_some() {
            return None;
        }
        self.engine.poll_transmit(now_ms)
    }

    /// The answer to request `id` (in any order; unknown ids are ignored).
    pub fn handle_response(&mut self, id: RequestId, outcome: Outcome, now_ms: u64) {
        self.engine.handle_response(id, outcome, now_ms);
        self.after_delivery(now_ms);
    }

    /// The instant [`poll_timeout`](Self::poll_timeout) named (or any
    /// later one) has come.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        self.engine.handle_timeout(now_ms);
        self.after_delivery(now_ms);
    }

    /// When the session next has something to do without an answer: a
    /// retry or the rate limit, a request overdue, a checkpoint due.
    pub fn poll_timeout(&self) -> Option<u64> {
        let engine = if self.paused_since.is_some() {
            // Paused: only the watchdog of requests still out matters; a
            // resume wakes the shell by itself.
            self.engine
                .poll_timeout()
                .filter(|_| self.engine.stats().in_flight > 0)
        } else {
            self.engine.poll_timeout()
        };
        let checkpoint = self
            .checkpoint_pending()
            .then(|| self.last_checkpoint_at.unwrap_or(0) + self.checkpoint_every_ms);
        match (engine, checkpoint) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next thing the shell must act on, oldest first.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// True once reading is over, every batch has been handed to the engine
    /// and every request has ended (or the session refused to start).
    /// Drain [`poll_event`](Self::poll_event), then call
    /// [`finish`](Self::finish).
    pub fn is_done(&self) -> bool {
        self.refused.is_some()
            || (self.input != Input::Reading
                && !self.importer.has_batches()
                && self.engine.is_done())
    }

    // ---------------------------------------------------------- control ---

    /// Holds back every new request and stops reading; requests already out
    /// finish and count.
    pub fn pause(&mut self, now_ms: u64) {
        if self.paused_since.is_none() && self.stop.is_none() {
            self.paused_since = Some(now_ms);
        }
    }

    /// Goes on where [`pause`](Self::pause) stopped. The time paused does
    /// not count towards giving a failing batch up.
    pub fn unpause(&mut self, now_ms: u64) {
        if let Some(since) = self.paused_since.take() {
            self.engine.paused_between(since, now_ms);
            self.paused_ms += now_ms.saturating_sub(since);
        }
    }

    /// Whether sending is paused.
    pub fn is_paused(&self) -> bool {
        self.paused_since.is_some()
    }

    /// Stops the import: nothing new is read or sent, every row read and not
    /// delivered is named undelivered, requests out still settle their rows.
    /// `by` says who ("Ctrl-C", "the user"...).
    pub fn cancel(&mut self, by: &str, now_ms: u64) {
        self.stop_with(StopReason::Cancelled { by: by.to_string() }, now_ms);
    }

    /// Stops the import because the shell cannot go on (the checkpoint or
    /// the rejects cannot be written...); as [`cancel`](Self::cancel).
    pub fn fail(&mut self, reason: String, now_ms: u64) {
        self.stop_with(StopReason::Failed { reason }, now_ms);
    }

    // ----------------------------------------------------------- status ---

    /// Where the session stands.
    pub fn progress(&self, now_ms: u64) -> SessionProgress {
        let counts = self.importer.counts();
        let summary_skipped = counts.skipped;
        let refused_earlier = self.earlier.borrow().read.len() as u64 + self.earlier_refused_read;
        SessionProgress {
            bytes_read: self.bytes_in,
            bytes_total: self.size,
            rows: counts.rows,
            valid: counts.valid,
            rejected: counts.rejected,
            delivered: self.acknowledged + summary_skipped.saturating_sub(refused_earlier),
            rows_done: self.checkpoint.rows_done(self.first_row),
            skipped: summary_skipped,
            delivery: self.engine.stats().clone(),
            note: self.note.clone(),
            paused: self.paused_since.is_some(),
            paused_ms: self.paused_total(now_ms),
        }
    }

    /// The column names (CSV) once the header has been read: the columns of
    /// the rejects CSV.
    pub fn headers(&self) -> &[String] {
        self.importer.headers()
    }

    /// The settings the file is read with, once sniffed.
    pub fn settings(&self) -> Option<&crate::source::Settings> {
        self.importer.settings()
    }

    /// Where rows go and which ids they carry.
    pub fn destination(&self) -> Destination {
        Destination {
            endpoint: self.identity.endpoint.clone(),
            id_scheme: self.ids.scheme(),
            id_namespace: self.ids.namespace().to_string(),
        }
    }

    /// The checkpoint document now (what [`SessionEvent::Checkpoint`]
    /// carries).
    pub fn checkpoint_json(&mut self) -> String {
        let prefix = self.content.prefix_for(self.checkpoint.watermark());
        self.checkpoint.set_verified(prefix);
        self.checkpoint.to_json()
    }

    /// The report: the reconciliation of every row read, the earlier runs
    /// included. Call it once [`is_done`](Self::is_done) (earlier, it
    /// reports what is known, with rows still in flight counted nowhere).
    pub fn finish(mut self, now_ms: u64) -> SessionReport {
        self.take_rejects();
        let summary = self.importer.summary();
        let tally = RunTally {
            rows: summary.rows,
            rejected_before_sending: summary.rejected,
            skipped_as_done: summary.previously_delivered,
            acknowledged: self.acknowledged,
            rejected_by_server: self.refused_now + self.earlier_refused_read,
            rejected_by_server_earlier: self.earlier_refused_read,
            undelivered: std::mem::take(&mut self.undelivered),
            undelivered_reason: self.undelivered_reason.take(),
        };
        let reconciliation = tally.reconcile();
        let files = self.file_reports(&summary, &reconciliation);
        SessionReport {
            files,
            balanced: reconciliation.balanced(),
            reconciliation,
            complete: self.input == Input::Finished && self.stop.is_none(),
            stopped: self.stop.clone(),
            error: self.input_error.clone(),
            settings: self.importer.settings().cloned(),
            summary,
            delivery: self.engine.stats().clone(),
            rejected_rows: std::mem::take(&mut self.rejected_rows),
            rejected_rows_omitted: self.rejected_rows_omitted,
            server_rejected: std::mem::take(&mut self.server_rejected),
            checkpoint: self
                .checkpoint
                .import()
                .is_some()
                .then(|| self.checkpoint_json()),
            paused_ms: self.paused_total(now_ms),
            destination: Some(self.destination()),
        }
    }

    // --------------------------------------------------------- internal ---

    /// Batches may go to the engine only once the whole identity is known
    /// and, when resuming, the bytes read before are verified.
    fn gate_open(&self) -> bool {
        self.identity.file.is_some()
            && self.identity.reading.is_some()
            && self.content.is_verified()
    }

    fn after_delivery(&mut self, now_ms: u64) {
        self.drain_engine(now_ms);
        self.feed();
        self.maybe_checkpoint(now_ms);
    }

    /// Hands batches to the engine while it wants them (all of them once
    /// reading has stopped: the engine then settles each row).
    fn feed(&mut self) {
        if !self.gate_open() && self.input == Input::Reading {
            return;
        }
        // Once stopped, everything read goes to the engine, which settles it.
        let stopped = self.input == Input::Stopped || self.stop.is_some();
        while stopped || self.engine.wants_batches() {
            let Some(batch) = self.importer.pop_batch() else {
                break;
            };
            self.handed_over = true;
            self.engine.push_batch(batch);
        }
        if self.input != Input::Reading && !self.importer.has_batches() {
            self.engine.finish_input();
        }
    }

    /// Stops reading and sending (the first reason stays).
    fn stop_with(&mut self, reason: StopReason, now_ms: u64) {
        if self.stop.is_some() || self.refused.is_some() {
            return;
        }
        if !matches!(reason, StopReason::Refused { .. }) {
            self.engine.abort(reason.to_string());
        }
        self.stop = Some(reason);
        self.unpause(now_ms);
        self.stop_reading();
        self.drain_engine(now_ms);
        self.maybe_checkpoint(now_ms);
    }

    /// Ends the session before anything was sent.
    fn refuse(&mut self, e: SessionError, now_ms: u64) -> Result<(), SessionError> {
        if self.handed_over {
            // Cannot happen by construction (refusals come before the gate
            // opens), but if it did the rows must still end somewhere.
            self.fail(e.to_string(), now_ms);
            return Ok(());
        }
        self.engine.abort(e.to_string());
        self.refused = Some(e.clone());
        Err(e)
    }

    fn paused_total(&self, now_ms: u64) -> u64 {
        self.paused_ms
            + self
                .paused_since
                .map_or(0, |since| now_ms.saturating_sub(since))
    }
}

#[cfg(test)]
mod tests;
