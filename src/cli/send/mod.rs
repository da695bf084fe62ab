//! `segment-backfill send FILE --mapping M.json --write-key KEY`
//!
//! The shell of a [`SendSession`]: it reads the file, performs the session's
//! requests with reqwest on tokio, keeps the checkpoint and the rejects file
//! on disk and runs the clock. Everything that decides where a row ended
//! (identity, resume, retries, the tally) is the session's, shared with the
//! browser. Whatever stops the run (the end of the file, Ctrl-C, SIGTERM, a
//! refusal, a file that breaks, a disk that fills up), it waits for the
//! requests in flight, saves the last checkpoint and prints the
//! reconciliation: `rows = delivered + rejected + undelivered`.

mod checkpoint_file;
mod http;
mod key_check;
mod progress;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use super::check::RejectsSink;
use super::files::{Inputs, Step};
use super::human;
use super::input::{self, CommonArgs, IdArgs, Input};
use super::Outcome;
use crate::deliver::EngineConfig;
use crate::fileset::FileSet;
use crate::message::SourceNamespace;
use crate::pipeline::Summary;
use crate::report::Reconciliation;
use crate::session::{
    Destination, FileReport, SendSession, SessionEvent, SessionReport, SessionSetup, StopReason,
};
use crate::target::Target;
use checkpoint_file::{CheckpointFile, Existing};
use http::{Auth, Compress, Region, Transport};
use progress::ProgressLine;

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The file (`-` for standard input), or several: paths, folders (read recursively), quoted globs ('exports/orders-*.csv'), sent as one import with one checkpoint. Each file's messageIds then depend on its name relative to the folder, so a file added later never changes the others' ids.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    ids: IdArgs,
    /// The batch endpoint; default: the --target's own (Segment's for --region, Hightouch's); RudderStack and Jitsu need yours.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// Segment region of the write key (a key sent to the wrong region is dropped); the same as --target segment-us or segment-eu.
    #[arg(long, value_enum)]
    region: Option<Region>,
    /// The source's write key (or set SEGMENT_WRITE_KEY). Never printed or written to disk.
    #[arg(
        long,
        env = "SEGMENT_WRITE_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    write_key: String,
    /// basic: Authorization header; body: writeKey in the JSON body.
    #[arg(long, value_enum, default_value_t = Auth::Basic)]
    auth: Auth,
    /// Gzip request bodies: auto (unless the endpoint refuses gzip, then uncompressed for the rest of the run), gzip (always) or none. Segment's size limits apply to the JSON before compression.
    #[arg(long, value_enum, default_value_t = Compress::Auto)]
    compress: Compress,
    /// Requests in flight at once.
    #[arg(long, default_value_t = EngineConfig::default().max_in_flight, value_name = "N")]
    concurrency: usize,
    /// At most this many requests per second.
    #[arg(long, value_name = "N")]
    rate: Option<f64>,
    /// Keep a checkpoint in this file so a stopped run can continue with --resume.
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<PathBuf>,
    /// Continue the import --checkpoint belongs to: rows already delivered are not sent again. Refused if the checkpoint is another import's (file or set of files, mapping, endpoint, write key).
    #[arg(long, requires = "checkpoint", conflicts_with = "restart")]
    resume: bool,
    /// Start over, replacing what --checkpoint holds.
    #[arg(long, requires = "checkpoint")]
    restart: bool,
    /// Write rejected rows (invalid, or refused by the API) to this CSV file.
    #[arg(long, value_name = "R.csv")]
    rejects: Option<PathBuf>,
    /// Give up on a batch that keeps failing for this many seconds.
    #[arg(long, default_value_t = 6 * 3600, value_name = "SECS")]
    give_up_after: u64,
    /// Abort a request after this many seconds without an answer.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    timeout: u64,
    /// Send without first asking Segment's CDN whether it knows the write key (Segment answers 200 to a wrong key and drops the data; the check runs for Segment's own endpoints).
    #[arg(long)]
    no_key_check: bool,
    /// Where the write-key check asks for the source's settings (`<URL>/<key>/settings`); default Segment's CDN. Given, the check runs whatever the endpoint.
    #[arg(long, value_name = "URL")]
    settings_url: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    file: &'a str,
    endpoint: &'a str,
    /// The same figures as `reconciliation`, at the top level for scripts.
    rows: u64,
    delivered: u64,
    rejected: u64,
    undelivered: u64,
    balanced: bool,
    /// Whether the whole file was read and nothing stopped the send.
    complete: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped: Option<&'a StopReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    reconciliation: &'a Reconciliation,
    /// Several files: each one's share, in the order read.
    #[serde(skip_serializing_if = "<[FileReport]>::is_empty")]
    files: &'a [FileReport],
    #[serde(skip_serializing_if = "Option::is_none")]
    order: Option<crate::fileset::FileOrder>,
    destination: Option<&'a Destination>,
    summary: &'a Summary,
    delivery: &'a crate::deliver::DeliveryStats,
    wire: &'a Wire,
    seconds: f64,
}

/// What crossed the network.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    /// Request bodies as sent, retries and resends included.
    wire_bytes: u64,
    /// The same bodies as JSON, before compression.
    json_bytes: u64,
    /// Why the endpoint is taken to refuse gzip (`--compress auto` then
    /// sent uncompressed).
    #[serde(skip_serializing_if = "Option::is_none")]
    gzip_refused: Option<String>,
}

/// The target: `--target`, else `--region`'s Segment, else what the
/// `--endpoint` is (Segment's hosts, or another URL with Segment's limits).
fn target_of(args: &SendArgs) -> Result<Target, String> {
    let by_region = args.region.map(|r| match r {
        Region::Us => Target::SegmentUs,
        Region::Eu => Target::SegmentEu,
    });
    match (args.common.target, by_region) {
        (Some(Target::SegmentUs), Some(t)) => Ok(t),
        (Some(t), Some(r)) if t != r => Err(format!(
            "--region is Segment's; --target {t} goes to {}",
            t.name()
        )),
        (Some(t), _) => Ok(t),
        (None, Some(t)) => Ok(t),
        (None, None) => Ok(args
            .endpoint
            .as_deref()
            .map_or(Target::SegmentUs, Target::of_endpoint)),
    }
}

pub fn run(args: &SendArgs) -> Result<Outcome, String> {
    // Read once: a key pasted with a newline is the same key everywhere it
    // goes (the header or the body, and its hash in the ids).
    let key = args.write_key.trim();
    if key.is_empty() {
        return Err("the write key is empty (--write-key or SEGMENT_WRITE_KEY)".into());
    }
    let target = target_of(args)?;
    let endpoint = target
        .endpoint(args.endpoint.as_deref())
        .map_err(|e| format!("--endpoint: {e}"))?;
    target
        .check_auth(args.auth.into())
        .map_err(|e| format!("--auth body: {e}"))?;
    let transport = Transport::new(&endpoint, args.auth, key.to_string(), args.compress)?;
    if let Some(caution) = target.caution() {
        eprintln!("segment-backfill: {caution}");
    }
    let checked = key_check::run(
        key,
        target,
        &endpoint,
        args.settings_url.as_deref(),
        args.no_key_check,
    )?;
    if let Some(c) = &checked {
        eprintln!("segment-backfill: {}", c.said);
    }
    let (checkpoint, resume) = match &args.checkpoint {
        None => (None, None),
        Some(path) => {
            let existing = match (args.resume, args.restart) {
                (true, _) => Existing::Resume,
                (_, true) => Existing::Replace,
                _ => Existing::Keep,
            };
            let (file, resume) = CheckpointFile::open(path, existing)?;
            (Some(file), resume)
        }
    };
    let mut setup = SessionSetup::new(endpoint.clone(), SourceNamespace::of_write_key(key));
    setup.mapping = input::load_mapping(args.common.mapping.as_deref(), args.common.replay())?;
    setup.fixes = input::load_fixes(args.common.fixes.as_deref())?;
    let user = args.common.source.options()?;
    setup.source = user.clone();
    let (input, name, files, columns) = match super::files::expand(&args.files)? {
        None => {
            let input = Input::open(&args.files[0], user.sheet.as_deref())?;
            setup.source = input.options(&user)?;
            setup.size = input.size;
            let name = input.name.clone();
            (Inputs::one(input), name, None, None)
        }
        Some(mut set) => {
            super::multi::refuse_fixes(&args.common)?;
            let sniffed = super::files::preflight(&mut set, &setup.source, setup.mapping.as_ref())?;
            setup.size = set.set.files().iter().map(|f| f.size).sum();
            setup.files = Some(set.set.clone());
            if let Some(first) = sniffed.first() {
                setup.source = first.options.clone();
            }
            for s in &set.skipped {
                eprintln!("segment-backfill: skipped {s}");
            }
            let columns = crate::pipeline::all_columns(&sniffed);
            (
                Inputs::many(&set, &sniffed)?,
                set.title(),
                Some(set.set),
                Some(columns),
            )
        }
    };
    setup.id_scheme = args.ids.id_scheme;
    setup.batch = args.common.batch_options(target);
    if args.auth == Auth::Body {
        setup.batch.write_key = Some(key.to_string());
    }
    setup.engine = EngineConfig {
        max_in_flight: args.concurrency.max(1),
        max_requests_per_sec: args.rate,
        give_up_after_ms: args.give_up_after.saturating_mul(1000),
        request_timeout_ms: args.timeout.max(1).saturating_mul(1000),
        // Jitter differs per process, so parallel runs do not retry in step.
        seed: now_ms() ^ u64::from(std::process::id()).rotate_left(32),
        ..EngineConfig::default()
    };
    setup.resume = resume;
    setup.keep_reject_cells = args.rejects.is_some();
    setup.keep_rejected_rows = 0;
    let session = SendSession::new(setup, now_ms()).map_err(|e| refused(&name, &e))?;
    let rejects = RejectsSink::open_for(args.rejects.as_deref(), files.clone(), columns)?;
    let progress = ProgressLine::new(!args.common.json);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let shell = Shell {
        input,
        transport: transport.clone(),
        checkpoint,
        rejects,
        progress: &progress,
        told_refused: false,
    };
    let report = runtime.block_on(shell.drive(session))?;
    progress.finish();
    let counts = transport.counts();
    let wire = Wire {
        wire_bytes: counts.wire_bytes.load(Ordering::Relaxed),
        json_bytes: counts.json_bytes.load(Ordering::Relaxed),
        gzip_refused: transport.gzip_refused(),
    };
    print(
        args,
        (&name, files.as_ref()),
        &endpoint,
        &report,
        &wire,
        progress.elapsed_secs(),
    )?;
    let all_accounted =
        report.complete && report.reconciliation.undelivered == 0 && report.balanced;
    Ok(if !all_accounted {
        Outcome::Incomplete
    } else {
        super::check::finished(&name, &report.summary)
    })
}

/// "nothing was sent: …" with what to do about it.
fn refused(name: &str, e: &crate::session::SessionError) -> String {
    // (Whether a restart re-sends rows with the ids they had depends on
    // what differs: not said here, so as not to promise it.)
    let hint = if e.is_about_the_checkpoint() {
        " (--restart starts this import over, replacing the checkpoint)"
    } else {
        ""
    };
    format!("{name}: nothing was sent: {e}{hint}")
}

/// The I/O around one session.
struct Shell<'a> {
    input: Inputs,
    transport: Transport,
    checkpoint: Option<CheckpointFile>,
    rejects: RejectsSink,
    progress: &'a ProgressLine,
    /// The gzip refusal was said.
    told_refused: bool,
}

impl Shell<'_> {
    /// The loop: read while the session wants bytes, start its requests,
    /// act on its events, feed it answers and time; stop on a signal.
    async fn drive(mut self, mut session: SendSession) -> Result<SessionReport, String> {
        let mut buf = Vec::new();
        let mut tasks = tokio::task::JoinSet::new();
        let mut signals = Signals::new()?;
        loop {
            while session.wants_input() {
                let now = now_ms();
                let name = self.input.name().to_string();
                let step = match self.input.next(&mut buf) {
                    Ok(Step::Bytes) => session.push_input(&buf, now),
                    Ok(Step::FileEnd(options)) => session.next_file_reading(options, now),
                    Ok(Step::End) => session.finish_input(now),
                    Err(e) => session.fail_input(e, now),
                };
                step.map_err(|e| refused(&name, &e))?;
            }
            let now = now_ms();
            while let Some(t) = session.poll_transmit(now) {
                let transport = self.transport.clone();
                tasks.spawn(async move {
                    let id = t.id;
                    (id, transport.send(t).await)
                });
            }
            while let Some(event) = session.poll_event() {
                if let Err(e) = self.act_on(event, &session) {
                    // Nothing more can be kept safely: stop, and still wait
                    // for what is in flight and report.
                    session.fail(e, now_ms());
                }
            }
            self.progress
                .update(&session.progress(now_ms()), self.transport.counts());
            if session.is_done() && tasks.is_empty() {
                break;
            }
            let wait_ms = session
                .poll_timeout()
                .map_or(1000, |t| t.saturating_sub(now_ms()))
                .min(1000);
            tokio::select! {
                Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                    // A task that panicked loses its answer; the engine's
                    // watchdog then treats that request as timed out.
                    if let Ok((id, outcome)) = joined {
                        session.handle_response(id, outcome, now_ms());
                    }
                    self.tell_refused();
                }
                _ = tokio::time::sleep(Duration::from_millis(wait_ms)) => {
                    session.handle_timeout(now_ms());
                }
                by = signals.next() => session.cancel(by, now_ms()),
            }
        }
        let headers = session.headers().to_vec();
        let report = session.finish(now_ms());
        let mut failures = Vec::new();
        if let (Some(file), Some(json)) = (&self.checkpoint, &report.checkpoint) {
            if let Err(e) = file.save(json) {
                failures.push(e);
            }
        }
        if let Err(e) = self.rejects.close(&headers) {
            failures.push(e);
        }
        if failures.is_empty() {
            Ok(report)
        } else {
            // The report still goes out; the exit status says it is incomplete.
            for f in &failures {
                eprintln!("segment-backfill: warning: {f}");
            }
            Ok(SessionReport {
                complete: false,
                ..report
            })
        }
    }

    /// Says once that the endpoint refused gzip and the rest goes uncompressed.
    fn tell_refused(&mut self) {
        if self.told_refused {
            return;
        }
        if let Some(why) = self.transport.gzip_refused() {
            self.told_refused = true;
            self.progress.note(&format!(
                "the endpoint refuses gzip ({why}): sending uncompressed from now on; nothing is lost or sent twice"
            ));
        }
    }

    fn act_on(&mut self, event: SessionEvent, session: &SendSession) -> Result<(), String> {
        match event {
            SessionEvent::Rejected(row) => self.rejects.write(&row, session.headers()),
            SessionEvent::Checkpoint(json) => match &self.checkpoint {
                Some(file) => file.save(&json),
                None => Ok(()),
            },
            SessionEvent::Retrying { .. } => Ok(()),
        }
    }
}

/// The stop signals ([`super::signals::StopSignals`]) as the send loop
/// waits for them: the first one stops the run; later ones change nothing
/// (the run is already finishing its requests in flight).
struct Signals {
    stop: super::signals::StopSignals,
    stopping: bool,
}

impl Signals {
    fn new() -> Result<Signals, String> {
        Ok(Signals {
            stop: super::signals::StopSignals::listen()?,
            stopping: false,
        })
    }

    /// The first stop request's name; pending forever after it (or when no
    /// signal can come any more).
    async fn next(&mut self) -> &'static str {
        if !self.stopping {
            if let Ok(by) = self.stop.recv().await {
                self.stopping = true;
                return by;
            }
        }
        std::future::pending().await
    }
}

fn print(
    args: &SendArgs,
    (name, files): (&str, Option<&FileSet>),
    endpoint: &str,
    report: &SessionReport,
    wire: &Wire,
    secs: f64,
) -> Result<(), String> {
    let rec = &report.reconciliation;
    if args.common.json {
        let json = JsonReport {
            file: name,
            endpoint,
            rows: rec.rows,
            delivered: rec.delivered,
            rejected: rec.rejected,
            undelivered: rec.undelivered,
            balanced: report.balanced,
            complete: report.complete,
            stopped: report.stopped.as_ref(),
            error: report.error.as_deref(),
            reconciliation: rec,
            files: &report.files,
            order: files.map(FileSet::order),
            destination: report.destination.as_ref(),
            summary: &report.summary,
            delivery: &report.delivery,
            wire,
            seconds: secs,
        };
        let mut v = serde_json::to_value(&json).map_err(|e| e.to_string())?;
        if let Some(set) = files {
            crate::located::locate_summary(&mut v["summary"], set);
            let ranges = crate::located::ranges(&rec.undelivered_rows, set);
            v["undeliveredRows"] = ranges.clone();
            v["reconciliation"]["undeliveredRows"] = ranges;
        }
        outln!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let acked = report.delivery.messages_acknowledged;
    outln!(
        "{name} → {endpoint}: {} messages acknowledged in {secs:.1} s ({:.0}/s), {} requests, {} retries",
        human::count(acked),
        acked as f64 / secs.max(0.001),
        human::count(report.delivery.requests),
        human::count(report.delivery.retries)
    );
    outln!(
        "  {}",
        progress::wire_line(wire.wire_bytes, wire.json_bytes)
    );
    if let Some(why) = &wire.gzip_refused {
        outln!("  gzip refused by the endpoint ({why}): the rest was sent uncompressed");
    }
    for note in &report.summary.notes {
        outln!("  note: {note}");
    }
    out!("{}", human::reconciliation(rec, files));
    if let Some(set) = files {
        out!("{}", human::file_reports(set, &report.files));
    }
    if report.summary.fixed > 0 {
        outln!(
            "  of which fixed by --fixes: {} (sent under their own row numbers)",
            human::count(report.summary.fixed)
        );
    }
    if let Some(e) = &report.error {
        outln!("  the file could not be read to the end: {e}");
    }
    match &report.stopped {
        Some(reason) => outln!("  stopped: {reason}"),
        None if !report.complete => outln!("  the file was not read to the end"),
        None => {}
    }
    if !report.complete || rec.undelivered > 0 {
        match &args.checkpoint {
            Some(_) => outln!("  run the same command with --resume to send the rest"),
            None => outln!(
                "  (--checkpoint FILE keeps where a run got to, so --resume sends only the rest)"
            ),
        }
    }
    if report.summary.rejected > 0 && args.rejects.is_none() {
        outln!("  (--rejects FILE writes the rejected rows out with their reasons)");
    }
    Ok(())
}

/// Milliseconds since the Unix epoch, now.
fn now_ms() -> u64 {
    input::now_ms().max(0) as u64
}
