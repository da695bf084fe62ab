//! Sending: the JS layer's driver ([`crate::js::driver::send_file`]) does
//! the reading, batching, fetches, retries, resuming and reconciliation;
//! this file only forwards its progress and checkpoints to the page (which
//! keeps them: the worker has no `localStorage`) and turns Cancel into an
//! abort.

use futures::channel::mpsc::unbounded;
use futures::{select, FutureExt, SinkExt, StreamExt};
use web_sys::{AbortController, Blob};

use super::Scope;
use crate::app::protocol::{
    Failure, Request, Response, SendCheckpoint, SendProgress, SendReport, SendTarget,
};
use crate::js::driver::{self, send_file, SendOptions};
use crate::js::error::codes;
use crate::js::options::{Auth, SendSettings};
use crate::mapping::Mapping;
use crate::source::Settings;

/// What happened while waiting.
enum Event {
    Finished(Box<Result<driver::Report, NotStarted>>),
    Progress(Option<Tick>),
    Request(Option<Request>),
}

/// One progress call of the driver, as the page gets it.
struct Tick {
    progress: SendProgress,
    checkpoint: Option<SendCheckpoint>,
}

/// One send, as the page asked for it.
pub struct Job {
    pub file: Blob,
    pub settings: Settings,
    pub mapping: Mapping,
    pub target: SendTarget,
    /// The checkpoint of a stopped send of this import.
    pub resume: Option<String>,
}

/// Why the driver did not start, and whether the checkpoint was the cause.
struct NotStarted {
    message: String,
    checkpoint: bool,
}

/// Runs a send to the end (or until cancelled); returns the answer for the
/// page. A request other than Cancel that arrives meanwhile goes to `pending`.
pub async fn run(scope: &mut Scope, pending: &mut Option<Request>, job: Job) -> Response {
    let Job {
        file,
        settings,
        mapping,
        target,
        resume,
    } = job;
    let started = js_sys::Date::now();
    let Ok(controller) = AbortController::new() else {
        return Response::Failed(Failure::new(
            "this browser cannot cancel requests (no AbortController)",
            "Use a current Chrome, Edge, Firefox or Safari.",
        ));
    };
    let mut settings = send_settings(&settings, target);
    settings.resume_from = resume;
    let options = SendOptions {
        settings,
        signal: Some(controller.signal()),
    };
    let (tx, mut progress) = unbounded::<Tick>();
    let on_progress = move |p: &driver::Progress| {
        let checkpoint = p.checkpoint.clone().map(|checkpoint| SendCheckpoint {
            checkpoint,
            rows_done: p.rows_done as f64,
            // (Rows the endpoint refused earlier are among the skipped: few.)
            delivered_earlier: p.skipped as f64,
        });
        let progress = SendProgress {
            bytes: p.bytes_read as f64,
            total: p.bytes_total as f64,
            rows: p.rows as f64,
            rejected: p.rejected as f64,
            delivered: p.delivery.messages_acknowledged as f64,
            retries: p.delivery.retries as f64,
            in_flight: p.delivery.in_flight as f64,
            note: p.note.clone(),
            elapsed_ms: js_sys::Date::now() - started,
        };
        let _ = tx.unbounded_send(Tick {
            progress,
            checkpoint,
        });
    };
    let sending = send_file(file, Some(mapping), options, on_progress)
        .map(|r| {
            r.map_err(|e| NotStarted {
                checkpoint: [codes::INVALID_CHECKPOINT, codes::CHECKPOINT_MISMATCH]
                    .contains(&e.code),
                message: e.message,
            })
        })
        .fuse();
    futures::pin_mut!(sending);
    let mut last_sent = 0.0;
    loop {
        let event = select! {
            r = sending => Event::Finished(Box::new(r)),
            p = progress.next() => Event::Progress(p),
            q = scope.next() => Event::Request(q),
        };
        match event {
            Event::Finished(done) => match *done {
                Ok(report) => {
                    // The last checkpoint first, so the page keeps (or, when
                    // every row is accounted for, forgets) the final state.
                    let _ = scope
                        .send(Response::SendCheckpoint(final_checkpoint(&report)))
                        .await;
                    return Response::Sent(summarize(&report, js_sys::Date::now() - started));
                }
                Err(e) if e.checkpoint => {
                    return Response::Failed(Failure::new(
                        format!("nothing was sent: {}", e.message),
                        "Choose Start over to send the whole file (rows already delivered are dropped by Segment as duplicates).",
                    ))
                }
                Err(e) => {
                    return Response::Failed(Failure::new(
                        format!("nothing was sent: {}", e.message),
                        "Check the endpoint and the write key, then start again.",
                    ))
                }
            },
            Event::Progress(Some(tick)) => {
                // Every checkpoint goes to the page: it is what a reload resumes from.
                if let Some(cp) = tick.checkpoint {
                    if scope.send(Response::SendCheckpoint(cp)).await.is_err() {
                        controller.abort();
                    }
                }
                // The driver already paces itself; this keeps the page at ~10/s.
                let now = js_sys::Date::now();
                if now - last_sent >= 100.0 {
                    last_sent = now;
                    if scope
                        .send(Response::SendProgress(tick.progress))
                        .await
                        .is_err()
                    {
                        controller.abort();
                    }
                }
            }
            Event::Progress(None) => {}
            Event::Request(None | Some(Request::Cancel)) => controller.abort(),
            Event::Request(Some(other)) => *pending = Some(other),
        }
    }
}

fn send_settings(s: &Settings, target: SendTarget) -> SendSettings {
    SendSettings {
        endpoint: target.endpoint,
        write_key: target.write_key,
        concurrency: Some(target.concurrency.clamp(1, 32)),
        auth: Some(if target.basic_auth {
            Auth::Basic
        } else {
            Auth::Body
        }),
        integrations: target.integrations,
        // Read the file exactly as the File step showed it.
        delimiter: Some((s.delimiter as char).to_string()),
        encoding: Some(s.encoding),
        format: Some(s.format),
        compression: Some(s.compression),
        has_header: Some(s.has_header),
        ..SendSettings::default()
    }
}

/// The checkpoint at the end of a run: rows done are the delivered and the
/// rejected ones (rows never read are not done).
fn final_checkpoint(r: &driver::Report) -> SendCheckpoint {
    let rec = &r.reconciliation;
    SendCheckpoint {
        checkpoint: r.checkpoint.clone(),
        rows_done: (rec.delivered + rec.rejected) as f64,
        delivered_earlier: rec.previously_delivered as f64,
    }
}

fn summarize(r: &driver::Report, elapsed_ms: f64) -> SendReport {
    let rec = &r.reconciliation;
    SendReport {
        rows: rec.rows as f64,
        delivered: rec.delivered as f64,
        rejected: rec.rejected as f64,
        rejected_by_server: rec.rejected_by_server as f64,
        undelivered: rec.undelivered as f64,
        undelivered_rows: rec
            .undelivered_rows
            .iter()
            .map(|(a, b)| (*a as f64, *b as f64))
            .collect(),
        undelivered_reason: rec.undelivered_reason.clone(),
        balanced: r.balanced,
        complete: r.complete,
        error: r.error.clone(),
        server_rejected: r
            .server_rejected
            .iter()
            .take(20)
            .map(|(row, why)| (*row as f64, why.clone()))
            .collect(),
        requests: r.delivery.requests as f64,
        retries: r.delivery.retries as f64,
        elapsed_ms,
    }
}
