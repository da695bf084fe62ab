//! The browser's shell of a send: Blob → [`SendSession`] → `fetch`, and
//! the report at the end. `importFile` in JS, [`send_file`] in Rust (the
//! app's worker).
//!
//! Everything that decides where a row ended (sniffing, identity, resume,
//! retries, the tally) is the core session's, shared with the CLI. This
//! loop only does the browser's I/O: it reads the next Blob slice when the
//! session wants bytes (the backpressure that keeps memory flat), starts a
//! `fetch` for each transmit, hands answers back, keeps the clock, offers
//! the session's checkpoints in the progress calls, and sleeps until an
//! answer, the session's next timer, a pause change or a cancel.
//!
//! **Resuming.** With `resume_from` (a checkpoint an earlier run handed out
//! in its progress or report), the session refuses it unless it belongs to
//! this import (file, reading, mapping, id scheme, endpoint, write key) and
//! the bytes it covered read the same; rows it has done are checked but not
//! sent, and the report counts them as delivered earlier.
//!
//! **Pausing.** With a [`PauseControl`] (or `paused` in JS), a paused run
//! starts no request and reads no more of the file; requests already out
//! finish and count. The time paused does not count towards giving a
//! failing batch up.

mod control;
mod input;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use serde::Serialize;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;
use web_sys::{AbortSignal, Blob};

use super::args::{blob_arg, kind_of};
use super::error::{codes, describe, JsApiError, JsResult};
use super::fetch::Transport;
use super::options::{
    from_js_allowing, mapping_from_js, settings_keys, target_from, Auth, SendSettings,
    SEND_CALLBACK_KEYS,
};
use super::time::{now_ms, Wake};
use crate::deliver::{EngineConfig, Outcome, RequestId};
use crate::fileset::FileSet;
use crate::mapping::Mapping;
use crate::message::SourceNamespace;
use crate::session::{
    Checkpoint, SendSession, SessionEvent, SessionProgress, SessionReport, SessionSetup,
    DEFAULT_KEEP_REJECTED_ROWS,
};
use crate::source::SourceOptions;
use crate::target::{KeyAuth, Target};
use control::AbortListener;
pub use control::PauseControl;
pub(super) use input::Input;
use input::Parts;

/// The least time between two progress calls.
const PROGRESS_EVERY_MS: f64 = 100.0;
/// How often a paused run looks at the clock (the engine's watchdog) and at
/// a JS `paused` function. A [`PauseControl`] wakes it at once.
const PAUSED_TICK_MS: f64 = 250.0;
/// What a cancel through the abort signal is reported as.
const CANCELLED_BY: &str = "the abort signal";

/// How a run ended: the session's report (`rows = delivered + rejected +
/// undelivered`, the summary, the delivery counts, the rejected rows and a
/// checkpoint).
pub type Report = SessionReport;

#[wasm_bindgen(typescript_custom_section)]
const TS_IMPORT_FILE_OPTIONS: &'static str = r#"
/** Options of `importFile`: the settings plus a progress callback and a cancel signal. */
export interface ImportFileOptions extends SendSettings {
  /** Called at most every 100 ms while the import runs, and once at the end. */
  onProgress?: (progress: ImportProgress) => void;
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

#[wasm_bindgen(typescript_custom_section)]
const TS_REPORT: &'static str = r#"
/** What `importFile` resolves with (see `SessionReport`). */
export type Report = SessionReport;
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

/// Where a run stands (handed to the progress callback).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(hashmap_as_object)]
pub struct ImportProgress {
    #[serde(flatten)]
    pub session: SessionProgress,
    /// The checkpoint document, about once a second when it changed and in
    /// the last call: keep it, and pass it as `resumeFrom` to continue this
    /// import if it stops (a closed tab, a crash) instead of starting over.
    #[tsify(optional)]
    pub checkpoint: Option<String>,
    /// Bytes of request bodies sent (compressed or not), resends included.
    pub wire_bytes: u64,
    /// The same bodies as JSON, before compression.
    pub json_bytes: u64,
    /// Why the endpoint is taken to refuse gzip (the rest of the run is sent
    /// uncompressed; nothing lost or sent twice).
    #[tsify(optional)]
    pub gzip_refused: Option<String>,
    /// The rows the file says it has, when it says (a Parquet file's
    /// metadata): with `rows`, the share read. A workbook or Parquet file
    /// has no `bytesTotal`, since its text is made as it is read.
    #[tsify(optional)]
    pub rows_total: Option<u64>,
}

/// What a send reads.
pub enum SendInput {
    /// A file: text read in slices, or (the package) a workbook or Parquet
    /// file read through the tables module.
    Blob(Blob),
    /// Text handed out a piece at a time (the app's worker hands a
    /// workbook's or Parquet file's canonical text from the tables module),
    /// read with `source` instead of the options' reading settings. Its size
    /// is not known; `rows_total` is the rows the file says it has.
    Chunks {
        next: Box<dyn FnMut() -> JsResult<Option<Vec<u8>>>>,
        source: SourceOptions,
        rows_total: Option<u64>,
    },
    /// Several files as one import: `set` (in its order, each file's head
    /// hash filled in by the shell's preflight, [`crate::pipeline::sniff_part`]),
    /// each file opened by `open(index)` when its turn comes, as a `Blob`
    /// or as `Chunks`.
    Files { set: FileSet, open: OpenFile },
}

/// Opens file `index` of a [`SendInput::Files`].
pub type OpenFile = Box<dyn FnMut(usize) -> Pin<Box<dyn Future<Output = JsResult<SendInput>>>>>;

impl std::fmt::Debug for SendInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendInput::Blob(b) => f.debug_tuple("Blob").field(b).finish(),
            SendInput::Chunks { source, .. } => f
                .debug_struct("Chunks")
                .field("source", source)
                .finish_non_exhaustive(),
            SendInput::Files { set, .. } => f
                .debug_struct("Files")
                .field("set", set)
                .finish_non_exhaustive(),
        }
    }
}

/// Imports `file` and sends it: the whole job. JS: `importFile`.
///
/// Fails (before sending anything) on a bad mapping, bad options, an
/// endpoint that is not https (or http on loopback), a checkpoint of
/// another import or of a changed file, or a file that cannot be read from
/// its start. Once sending started, it resolves with a [`Report`] whatever
/// happens: failures are rows named undelivered.
pub async fn send_file(
    file: Blob,
    mapping: Option<Mapping>,
    options: SendOptions,
    on_progress: impl FnMut(&ImportProgress),
) -> JsResult<Report> {
    send_input(SendInput::Blob(file), mapping, options, on_progress).await
}

/// [`send_file`] for any [`SendInput`].
pub async fn send_input(
    input: SendInput,
    mapping: Option<Mapping>,
    options: SendOptions,
    mut on_progress: impl FnMut(&ImportProgress),
) -> JsResult<Report> {
    let (report, _) = send_reporting(input, mapping, options, |p| {
        on_progress(p);
        Ok(())
    })
    .await?;
    Ok(report)
}

/// A send for JS (`importFile`, `importFiles`): progress goes to
/// `callback`. A callback (or `paused`) that throws stops the run as
/// failed, the report's `stopped.reason` saying what it threw; one that
/// throws on the last call, after the run ended, rejects with
/// `callback_failed`.
pub(super) async fn send_for_js(
    input: SendInput,
    mapping: Option<Mapping>,
    options: SendOptions,
    callback: Option<js_sys::Function>,
) -> JsResult<Report> {
    // A callback that threw is not called again (the run is stopping).
    let mut threw = false;
    let (report, last) = send_reporting(input, mapping, options, |p| {
        if threw {
            return Ok(());
        }
        let called = call_progress(callback.as_ref(), p);
        threw = called.is_err();
        called
    })
    .await?;
    match last {
        Ok(()) => Ok(report),
        Err(threw) => {
            let r = &report.reconciliation;
            Err(JsApiError::new(
                codes::CALLBACK_FAILED,
                format!(
                    "{threw} (on its last call, after the import ended: {} of {} rows delivered, \
                 {} rejected, {} undelivered)",
                    r.delivered, r.rows, r.rejected, r.undelivered
                ),
            ))
        }
    }
}

/// The send, with a progress callback that may fail (the run then stops);
/// returns the report and what the last progress call gave.
async fn send_reporting(
    input: SendInput,
    mapping: Option<Mapping>,
    options: SendOptions,
    mut on_progress: impl FnMut(&ImportProgress) -> Result<(), String>,
) -> JsResult<(Report, Result<(), String>)> {
    let s = options.settings;
    let target = target_from(s.target.as_deref(), Some(&s.endpoint))?;
    let auth = auth_for(&s, target);
    let transport = transport_for(&s)?;
    let key = s.write_key.trim();
    if s.key_check != Some(false) {
        super::key_check::check(key, target, transport.endpoint(), s.settings_url.as_deref())
            .await?;
    }
    let resume = s
        .resume_from
        .as_deref()
        .map(Checkpoint::from_json)
        .transpose()
        .map_err(|e| JsApiError::from(crate::session::SessionError::Checkpoint(e)))?;
    let mut setup = SessionSetup::new(transport.endpoint(), SourceNamespace::of_write_key(key));
    setup.mapping = mapping;
    let user = s.source_options()?;
    let chunk_bytes = s.chunk_bytes.unwrap_or(0) as usize;
    let (input, source, files) = match input {
        SendInput::Files { set, mut open } => {
            if set.is_empty() {
                return Err(JsApiError::new(codes::INVALID_OPTIONS, "no file to import"));
            }
            let first = open(0).await?;
            let (input, source) = Input::of(first, user.clone(), chunk_bytes).await?;
            setup.files = Some(set.clone());
            let files = Parts {
                len: set.len(),
                names: set.files().iter().map(|f| f.name.clone()).collect(),
                index: 0,
                open,
            };
            (input, source, Some(files))
        }
        one => {
            let (input, source) = Input::of(one, user.clone(), chunk_bytes).await?;
            (input, source, None)
        }
    };
    setup.source = source;
    setup.sample_bytes = s.sample_bytes.unwrap_or(0) as usize;
    setup.id_scheme = s.id_scheme()?;
    setup.fixes = super::options::fixes_from(s.fixes.clone())?;
    setup.batch = crate::batch::BatchOptions::default().with_limits(target.limits());
    setup.batch.integrations = s.integrations.clone();
    if auth == Auth::Body {
        setup.batch.write_key = Some(key.to_string());
    }
    let mut engine = EngineConfig {
        max_in_flight: s
            .concurrency
            .map_or(EngineConfig::default().max_in_flight, |n| n as usize),
        max_requests_per_sec: s.rate_per_second,
        max_attempts: s.max_attempts,
        // Each tab draws its own jitter, so tabs retrying a struggling
        // endpoint do not back off in lockstep.
        seed: (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64 ^ now_ms() as u64,
        ..EngineConfig::default()
    };
    if let Some(t) = s.timeout_ms {
        engine.request_timeout_ms = u64::from(t);
    }
    setup.engine = engine;
    setup.resume = resume;
    setup.keep_rejected_rows = s
        .max_rejected_rows
        .map_or(DEFAULT_KEEP_REJECTED_ROWS, |n| n as usize);
    setup.size = match &setup.files {
        // The files' sizes, when each is text (a table's text has none).
        Some(set) => set.files().iter().map(|f| f.size).sum(),
        None => input.size(),
    };
    let session = SendSession::new(setup, now_ms() as u64)?;
    let mut run = Run {
        rows_total: files.is_none().then(|| input.rows_total()).flatten(),
        reader: input,
        files,
        user,
        chunk_bytes,
        session,
        transport: Rc::new(transport),
        answers: Rc::new(RefCell::new(VecDeque::new())),
        wake: Wake::default(),
        checkpoint: None,
        last_progress: f64::NEG_INFINITY,
        pause: options.pause.clone(),
        was_paused: false,
    };
    let _listener = options
        .signal
        .as_ref()
        .map(|signal| AbortListener::new(signal, run.wake.clone()));
    if let Some(pause) = &options.pause {
        pause.attach(Some(run.wake.clone()));
    }
    let outcome = run.drive(options.signal.as_ref(), &mut on_progress).await;
    if let Some(pause) = &options.pause {
        pause.attach(None);
    }
    outcome?;
    Ok(run.finish(&mut on_progress))
}

/// The transport of a send, its destination checked: a write key, and an
/// endpoint that is https (or http on loopback). Nothing is sent.
pub(super) fn transport_for(s: &SendSettings) -> JsResult<Transport> {
    // Read once: a key pasted with a newline is the same key everywhere it
    // goes (the header or the body, and its hash in the ids).
    let key = s.write_key.trim();
    if key.is_empty() {
        return Err(JsApiError::new(
            codes::INVALID_OPTIONS,
            "writeKey is empty: Segment would answer 200 and drop every message",
        ));
    }
    let target = target_from(s.target.as_deref(), Some(&s.endpoint))?;
    let endpoint = target.endpoint(Some(&s.endpoint))?;
    let auth = auth_for(s, target);
    target
        .check_auth(auth.into())
        .map_err(|e| JsApiError::new(codes::INVALID_OPTIONS, format!("auth: \"body\": {e}")))?;
    Transport::new(&endpoint, key, auth, s.compress.unwrap_or_default().into())
}

/// `auth`, else the target's default: the body (no CORS preflight) where
/// the target takes it, else the Authorization header.
fn auth_for(s: &SendSettings, target: Target) -> Auth {
    s.auth
        .unwrap_or(if target.auths().contains(&KeyAuth::Body) {
            Auth::Body
        } else {
            Auth::Basic
        })
}

/// `importFile(file, mapping, options)`: see [`send_file`].
#[wasm_bindgen(js_name = importFile)]
pub async fn import_file(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Mapping | string | null")] mapping: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ImportFileOptions")] options: JsValue,
) -> JsResult<Ts<Report>> {
    let file = blob_arg(file, "importFile's file")?;
    let mapping = mapping_from_js(&mapping)?;
    let (options, callback) = js_send_options(options, "importFile options")?;
    let report = send_for_js(SendInput::Blob(file), mapping, options, callback).await?;
    Ok(report.into_ts()?)
}

/// Reads the options object of `importFile` (and `importFiles`): the
/// settings, the signal, `paused`, and the `onProgress` callback.
pub(super) fn js_send_options(
    options: JsValue,
    what: &str,
) -> JsResult<(SendOptions, Option<js_sys::Function>)> {
    if options.is_undefined() || options.is_null() {
        return Err(JsApiError::new(
            codes::INVALID_OPTIONS,
            format!("{what} are needed: at least the writeKey"),
        ));
    }
    let get = |name: &str| -> Option<JsValue> {
        let value = js_sys::Reflect::get(&options, &name.into()).unwrap_or_default();
        (!value.is_undefined()).then_some(value)
    };
    let function = |name: &str| -> JsResult<Option<js_sys::Function>> {
        get(name)
            .map(|v| {
                v.dyn_into::<js_sys::Function>().map_err(|v| {
                    JsApiError::new(
                        codes::INVALID_OPTIONS,
                        format!("{what}: {name} must be a function, not {}", kind_of(&v)),
                    )
                })
            })
            .transpose()
    };
    let callback = function("onProgress")?;
    let pause = function("paused")?.map(PauseControl::asking);
    let signal = get("signal")
        .map(|s| {
            s.dyn_into::<AbortSignal>().map_err(|s| {
                JsApiError::new(
                    codes::INVALID_OPTIONS,
                    format!("{what}: signal must be an AbortSignal, not {}", kind_of(&s)),
                )
            })
        })
        .transpose()?;
    let also: Vec<&str> = [SEND_CALLBACK_KEYS, settings_keys()].concat();
    let settings: SendSettings = from_js_allowing(options, what, &also)?;
    let options = SendOptions {
        settings,
        signal,
        pause,
    };
    Ok((options, callback))
}

/// Hands `progress` to JS's `onProgress`, if any; `Err` says what it threw.
fn call_progress(
    callback: Option<&js_sys::Function>,
    progress: &ImportProgress,
) -> Result<(), String> {
    let Some(f) = callback else {
        return Ok(());
    };
    let p = progress
        .into_ts()
        .map_err(|e| format!("the progress could not be handed to onProgress: {e}"))?;
    f.call1(&JsValue::UNDEFINED, &p.js_value())
        .map(|_| ())
        .map_err(|e| format!("onProgress threw: {}", describe(&e)))
}

/// One run's state: the session and the browser's I/O around it.
struct Run {
    reader: Input,
    /// Several files: those after the one `reader` reads.
    files: Option<Parts>,
    /// The user's reading options and slice size, for each next file.
    user: SourceOptions,
    chunk_bytes: usize,
    /// The rows the file says it has, when known (Parquet).
    rows_total: Option<u64>,
    session: SendSession,
    transport: Rc<Transport>,
    /// Answers of finished requests, waiting for the loop.
    answers: Rc<RefCell<VecDeque<(RequestId, Outcome)>>>,
    wake: Wake,
    /// The newest checkpoint the session handed out, for the next progress call.
    checkpoint: Option<String>,
    last_progress: f64,
    pause: Option<PauseControl>,
    was_paused: bool,
}

impl Run {
    /// The loop; `Err` only when the session refused before sending.
    async fn drive(
        &mut self,
        signal: Option<&AbortSignal>,
        on_progress: &mut impl FnMut(&ImportProgress) -> Result<(), String>,
    ) -> JsResult<()> {
        loop {
            let now = now_ms() as u64;
            if signal.is_some_and(AbortSignal::aborted) {
                self.session.cancel(CANCELLED_BY, now);
            }
            let toggled = self.follow_pause(now);
            while self.session.wants_input() {
                match self.reader.next().await {
                    Ok(Some(chunk)) => self.session.push_input(&chunk, now_ms() as u64)?,
                    Ok(None) => match self.open_next_file().await {
                        Ok(Some(source)) => {
                            self.session.next_file_reading(source, now_ms() as u64)?
                        }
                        Ok(None) => self.session.finish_input(now_ms() as u64)?,
                        Err(e) => {
                            // The file that ended ends first (its errors are
                            // its own); the one that cannot be opened is then
                            // the one being read, and is named.
                            self.session.next_file(now_ms() as u64)?;
                            self.reading_failed(e)?
                        }
                    },
                    Err(e) => self.reading_failed(e)?,
                }
            }
            while let Some(t) = self.session.poll_transmit(now_ms() as u64) {
                self.start_request(t.id, t.body, t.timeout_ms);
            }
            let answers: Vec<_> = self.answers.borrow_mut().drain(..).collect();
            let answered = !answers.is_empty();
            for (id, outcome) in answers {
                self.session.handle_response(id, outcome, now_ms() as u64);
            }
            while let Some(event) = self.session.poll_event() {
                if let SessionEvent::Checkpoint(json) = event {
                    self.checkpoint = Some(json);
                }
            }
            // Paused, little happens: say so at once when it does.
            let urgent = toggled || (self.session.is_paused() && answered);
            self.progress(on_progress, urgent);
            if self.session.is_done() {
                return Ok(());
            }
            if !self.answers.borrow().is_empty() {
                continue;
            }
            let now = now_ms();
            let mut timeout = self.session.poll_timeout().map(|at| at as f64 - now);
            if self.session.is_paused() {
                // Only answers, a resume or a cancel move a paused run; the
                // tick keeps JS's `paused` function heard.
                timeout = Some(timeout.map_or(PAUSED_TICK_MS, |t| t.min(PAUSED_TICK_MS)));
            }
            self.wake.wait(timeout).await;
            self.session.handle_timeout(now_ms() as u64);
        }
    }

    /// The file being read cannot be read further: the session ends the
    /// reading (once sending began, the report's `error` names the file).
    /// Before anything was sent it refuses: a file of several is named in
    /// the error thrown, which keeps its code.
    fn reading_failed(&mut self, e: JsApiError) -> JsResult<()> {
        let now = now_ms() as u64;
        let Some(files) = &self.files else {
            return Ok(self.session.fail_input(e.message, now)?);
        };
        let name = files.names.get(files.index).cloned();
        match self.session.fail_input(e.message.clone(), now) {
            Ok(()) => Ok(()),
            Err(_) => Err(match name {
                Some(name) => e.in_file(&name),
                None => e,
            }),
        }
    }

    /// At the end of a file of several, opens the next one and returns the
    /// settings to read it with; `None` after the last file (or one file).
    async fn open_next_file(&mut self) -> JsResult<Option<SourceOptions>> {
        let Some(files) = &mut self.files else {
            return Ok(None);
        };
        if files.index + 1 >= files.len {
            return Ok(None);
        }
        files.index += 1;
        let next = (files.open)(files.index).await?;
        let (input, source) = Input::of(next, self.user.clone(), self.chunk_bytes).await?;
        self.reader = input;
        Ok(Some(source))
    }

    /// Follows the pause control; returns whether the state changed.
    fn follow_pause(&mut self, now: u64) -> bool {
        let wanted = self.pause.as_ref().is_some_and(PauseControl::is_paused);
        match (self.session.is_paused(), wanted) {
            (false, true) => self.session.pause(now),
            (true, false) => self.session.unpause(now),
            _ => {}
        }
        if let Some(threw) = self.pause.as_ref().and_then(PauseControl::take_thrown) {
            self.session.fail(threw, now);
        }
        let paused = self.session.is_paused();
        let toggled = paused != self.was_paused;
        self.was_paused = paused;
        toggled
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

    /// Calls back at most every 100 ms, at once when `urgent` or when a new
    /// checkpoint waits.
    /// A callback that throws stops the run (failed, saying what it threw).
    fn progress(
        &mut self,
        on_progress: &mut impl FnMut(&ImportProgress) -> Result<(), String>,
        urgent: bool,
    ) {
        let now = now_ms();
        let due =
            urgent || self.checkpoint.is_some() || now - self.last_progress >= PROGRESS_EVERY_MS;
        if !due {
            return;
        }
        self.last_progress = now;
        let checkpoint = self.checkpoint.take();
        let session = self.session.progress(now as u64);
        let called = on_progress(&progress_of(
            session,
            checkpoint,
            &self.transport,
            self.rows_total,
        ));
        if let Err(threw) = called {
            self.session.fail(threw, now as u64);
        }
    }

    /// The report, and what the last progress call gave.
    fn finish(
        self,
        on_progress: &mut impl FnMut(&ImportProgress) -> Result<(), String>,
    ) -> (Report, Result<(), String>) {
        let now = now_ms() as u64;
        let progress = self.session.progress(now);
        let report = self.session.finish(now);
        let last = on_progress(&progress_of(
            progress,
            report.checkpoint.clone(),
            &self.transport,
            self.rows_total,
        ));
        (report, last)
    }
}

/// A progress call: the session's, and the transport's bytes and gzip state.
fn progress_of(
    session: SessionProgress,
    checkpoint: Option<String>,
    transport: &Transport,
    rows_total: Option<u64>,
) -> ImportProgress {
    let (wire_bytes, json_bytes) = transport.bytes();
    ImportProgress {
        session,
        checkpoint,
        wire_bytes,
        json_bytes,
        gzip_refused: transport.gzip_refused(),
        rows_total,
    }
}
