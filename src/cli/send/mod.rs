//! `segment-backfill send FILE --mapping M.json --write-key KEY`
//!
//! Reads the file through the importer, hands batches to the sans-IO delivery
//! engine, performs its requests with reqwest on tokio, and keeps a checkpoint
//! so a killed run resumes where it stopped. At the end every row is
//! accounted for: `rows = delivered + rejected + undelivered`.

mod checkpoint_file;
mod http;
mod progress;

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use super::check::RejectsSink;
use super::human;
use super::input::{self, CommonArgs, Input};
use super::Outcome;
use crate::batch::BatchOptions;
use crate::deliver::{DeliveryStats, Engine, EngineConfig, Event};
use crate::pipeline::{ImportOptions, Importer, RejectedRow, Summary};
use crate::report::{row_ranges, Reconciliation};
use crate::source::Format;
use crate::validate::{Code, Issue};
use checkpoint_file::CheckpointFile;
use http::{Auth, Region, Transport};
use progress::Progress;

/// How often the checkpoint is written while sending.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The file (`-` for standard input).
    file: PathBuf,
    #[command(flatten)]
    common: CommonArgs,
    /// The batch endpoint; default: Segment's for --region.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// Segment region of the write key (a key sent to the wrong region is dropped).
    #[arg(long, value_enum, default_value_t = Region::Us)]
    region: Region,
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
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    concurrency: usize,
    /// At most this many requests per second.
    #[arg(long, value_name = "N")]
    rate: Option<f64>,
    /// Keep a checkpoint in this file so a stopped run can continue with --resume.
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<PathBuf>,
    /// Continue from --checkpoint: rows already delivered are not sent again.
    #[arg(long, requires = "checkpoint")]
    resume: bool,
    /// Write rejected rows (invalid, or refused by the API) to this CSV file.
    #[arg(long, value_name = "R.csv")]
    rejects: Option<PathBuf>,
    /// Give up on a batch that keeps failing for this many seconds.
    #[arg(long, default_value_t = 6 * 3600, value_name = "SECS")]
    give_up_after: u64,
    /// Abort a request after this many seconds without an answer.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    timeout: u64,
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
    /// Whether the whole file was read (false after Ctrl-C or a fatal answer).
    complete: bool,
    reconciliation: &'a Reconciliation,
    summary: &'a Summary,
    delivery: &'a DeliveryStats,
    seconds: f64,
}

pub fn run(args: &SendArgs) -> Result<Outcome, String> {
    if args.write_key.trim().is_empty() {
        return Err("the write key is empty (--write-key or SEGMENT_WRITE_KEY)".into());
    }
    let endpoint = http::endpoint(args.endpoint.as_deref(), args.region)?;
    let batch = BatchOptions {
        write_key: (args.auth == Auth::Body).then(|| args.write_key.clone()),
        ..BatchOptions::default()
    };
    let options = ImportOptions {
        batch,
        now_ms: input::now_ms(),
        keep_reject_cells: args.rejects.is_some(),
        ..ImportOptions::default()
    };
    let (input, settings, mapping, mut importer) = input::start(&args.file, &args.common, options)?;

    let mut checkpoint = match &args.checkpoint {
        None => None,
        Some(path) => {
            let mapping_json = mapping
                .as_ref()
                .map(|m| m.to_json_pretty())
                .unwrap_or_default();
            let fp = checkpoint_file::fingerprint(
                input.size,
                &input.sample,
                &mapping_json,
                &format!("{settings:?}"),
            );
            let first_row = if settings.format == Format::Csv && settings.has_header {
                2
            } else {
                1
            };
            let file = CheckpointFile::open(path, args.resume, &fp, first_row)?;
            if args.resume {
                let done = file.checkpoint.clone();
                importer.skip_rows(Box::new(move |row| done.is_done(row)));
            }
            Some(file)
        }
    };

    let engine = Engine::new(EngineConfig {
        max_in_flight: args.concurrency.max(1),
        max_requests_per_sec: args.rate,
        give_up_after_ms: args.give_up_after.saturating_mul(1000),
        request_timeout_ms: args.timeout.max(1).saturating_mul(1000),
        seed: input::now_ms() as u64,
        ..EngineConfig::default()
    });
    let transport = Transport::new(endpoint.clone(), args.auth, args.write_key.clone())?;
    let progress = Progress::new(input.size, !args.common.json);
    let name = input.name.clone();
    let mut rejects = RejectsSink::open(args.rejects.as_deref())?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let run = runtime.block_on(drive(Drive {
        input,
        importer: &mut importer,
        engine,
        transport,
        checkpoint: checkpoint.as_mut(),
        rejects: &mut rejects,
        progress: &progress,
    }))?;
    progress.finish();
    rejects.close()?;

    let summary = importer.summary();
    let previously_rejected = checkpoint.as_ref().map_or(0, |c| c.previously_rejected);
    let reconciliation = Reconciliation {
        rows: summary.rows,
        delivered: run.acknowledged
            + summary
                .previously_delivered
                .saturating_sub(previously_rejected),
        previously_delivered: summary
            .previously_delivered
            .saturating_sub(previously_rejected),
        rejected: summary.rejected + run.rejected_by_api + previously_rejected,
        rejected_by_server: run.rejected_by_api + previously_rejected,
        undelivered: run.undelivered.len() as u64,
        undelivered_rows: row_ranges(sorted(run.undelivered)),
        undelivered_reason: run.undelivered_reason.clone(),
    };
    let done_ok = reconciliation.undelivered == 0 && run.complete && reconciliation.balanced();
    if args.common.json {
        let report = JsonReport {
            file: &name,
            endpoint: endpoint.as_str(),
            rows: reconciliation.rows,
            delivered: reconciliation.delivered,
            rejected: reconciliation.rejected,
            undelivered: reconciliation.undelivered,
            balanced: reconciliation.balanced(),
            complete: run.complete,
            reconciliation: &reconciliation,
            summary: &summary,
            delivery: &run.stats,
            seconds: progress.elapsed_secs(),
        };
        outln!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        let secs = progress.elapsed_secs();
        outln!(
            "{name} → {endpoint}: {} messages acknowledged in {secs:.1} s ({:.0}/s), {} requests, {} retries",
            human::count(run.acknowledged),
            run.acknowledged as f64 / secs.max(0.001),
            human::count(run.stats.requests),
            human::count(run.stats.retries)
        );
        out!("{}", human::reconciliation(&reconciliation));
        if !run.complete {
            outln!("  the file was not read to the end: run again with --resume to send the rest");
        }
        if let Some(fatal) = &run.fatal {
            outln!("  stopped: {fatal}");
        }
        if summary.rejected > 0 && args.rejects.is_none() {
            outln!("  (--rejects FILE writes the rejected rows out with their reasons)");
        }
    }
    Ok(if done_ok {
        Outcome::Done
    } else {
        Outcome::Incomplete
    })
}

fn sorted(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v
}

struct Drive<'a> {
    input: Input,
    importer: &'a mut Importer,
    engine: Engine,
    transport: Transport,
    checkpoint: Option<&'a mut CheckpointFile>,
    rejects: &'a mut RejectsSink,
    progress: &'a Progress,
}

/// What the delivery loop saw.
struct RunResult {
    acknowledged: u64,
    rejected_by_api: u64,
    undelivered: Vec<u64>,
    undelivered_reason: Option<String>,
    fatal: Option<String>,
    complete: bool,
    stats: DeliveryStats,
}

/// The loop: read while the engine wants batches, start its requests, feed
/// it their answers, sleep until its next timer; Ctrl-C aborts cleanly.
async fn drive(d: Drive<'_>) -> Result<RunResult, String> {
    let Drive {
        mut input,
        importer,
        mut engine,
        transport,
        mut checkpoint,
        rejects,
        progress,
    } = d;
    let mut result = RunResult {
        acknowledged: 0,
        rejected_by_api: 0,
        undelivered: Vec::new(),
        undelivered_reason: None,
        fatal: None,
        complete: false,
        stats: DeliveryStats::default(),
    };
    let mut buf = Vec::new();
    let mut input_done = false;
    let mut stopping = false;
    let mut engine_input_closed = false;
    let mut tasks = tokio::task::JoinSet::new();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut last_save = std::time::Instant::now();
    let name = input.name.clone();
    let import_err = |e: crate::pipeline::ImportError| format!("{name}: {e}");

    loop {
        // Read only as far as the engine wants: memory stays flat.
        while !stopping && !engine_input_closed && engine.wants_batches() {
            if let Some(batch) = importer.pop_batch() {
                engine.push_batch(batch);
            } else if input_done {
                engine.finish_input();
                engine_input_closed = true;
            } else if input.next_chunk(&mut buf)? {
                importer.push(&buf).map_err(import_err)?;
            } else {
                importer.finish().map_err(import_err)?;
                input_done = true;
            }
            drain_rejects(importer, rejects, checkpoint.as_deref_mut())?;
        }

        let now = input::now_ms() as u64;
        while let Some(t) = engine.poll_transmit(now) {
            let transport = transport.clone();
            tasks.spawn(async move {
                let id = t.id;
                (id, transport.send(t).await)
            });
        }

        while let Some(event) = engine.poll_event() {
            if let Some(cp) = checkpoint.as_deref_mut() {
                cp.checkpoint.record(&event);
            }
            match event {
                Event::Acknowledged { rows, .. } => result.acknowledged += rows.len() as u64,
                Event::Rejected { row, reason } => {
                    result.rejected_by_api += 1;
                    rejects.write(&RejectedRow {
                        row,
                        line: 0,
                        issues: vec![Issue {
                            row,
                            column: None,
                            code: Code::RejectedByApi,
                            message: reason,
                        }],
                        cells: Vec::new(),
                    })?;
                }
                Event::Undelivered { rows, reason } => {
                    result.undelivered.extend(rows);
                    result.undelivered_reason.get_or_insert(reason);
                }
                Event::Fatal { reason } => {
                    result.fatal = Some(reason);
                    stopping = true;
                }
                Event::Retrying { .. } => {}
            }
        }
        progress.update(
            importer.bytes_read(),
            engine.stats(),
            engine.stats().retries,
        );
        if let Some(cp) = checkpoint.as_deref() {
            if last_save.elapsed() >= CHECKPOINT_EVERY {
                cp.save()?;
                last_save = std::time::Instant::now();
            }
        }

        if stopping && !engine_input_closed {
            // Nothing more is read; what was read but not handed over is undelivered.
            importer.flush();
            let reason = result
                .fatal
                .clone()
                .unwrap_or_else(|| "cancelled (Ctrl-C)".to_string());
            while let Some(batch) = importer.pop_batch() {
                result.undelivered.extend(batch.rows());
            }
            result.undelivered_reason.get_or_insert(reason);
            drain_rejects(importer, rejects, checkpoint.as_deref_mut())?;
            engine.finish_input();
            engine_input_closed = true;
        }
        if engine_input_closed && engine.is_done() && tasks.is_empty() {
            break;
        }

        let wait_ms = engine
            .poll_timeout()
            .map_or(1000, |t| t.saturating_sub(input::now_ms() as u64))
            .min(1000);
        tokio::select! {
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                // A task that panicked loses its answer; the engine's watchdog
                // then treats that request as timed out and retries it.
                if let Ok((id, outcome)) = joined {
                    engine.handle_response(id, outcome, input::now_ms() as u64);
                }
            }
            _ = tokio::time::sleep(Duration::from_millis(wait_ms)) => {
                engine.handle_timeout(input::now_ms() as u64);
            }
            _ = &mut ctrl_c, if !stopping => {
                stopping = true;
                engine.abort("cancelled (Ctrl-C)".to_string());
            }
        }
    }
    if let Some(cp) = checkpoint.as_deref() {
        cp.save()?;
    }
    result.complete = input_done && result.fatal.is_none() && !stopping;
    result.stats = engine.stats().clone();
    Ok(result)
}

/// Writes rejected rows out; they are done as far as the checkpoint goes.
fn drain_rejects(
    importer: &mut Importer,
    rejects: &mut RejectsSink,
    mut checkpoint: Option<&mut CheckpointFile>,
) -> Result<(), String> {
    while let Some(r) = importer.pop_reject() {
        if let Some(cp) = checkpoint.as_deref_mut() {
            cp.checkpoint.mark_done(r.row);
        }
        rejects.set_columns(importer.headers());
        rejects.write(&r)?;
    }
    Ok(())
}
