//! Sending: the JS layer's driver ([`crate::js::driver::send_file`]) does
//! the reading, batching, fetches, retries and reconciliation; this file
//! only forwards its progress to the page and turns Cancel into an abort.

use futures::channel::mpsc::unbounded;
use futures::{select, FutureExt, SinkExt, StreamExt};
use web_sys::{AbortController, Blob};

use super::Scope;
use crate::app::protocol::{Failure, Request, Response, SendProgress, SendReport, SendTarget};
use crate::js::driver::{self, send_file, SendOptions};
use crate::js::options::{Auth, SendSettings};
use crate::mapping::Mapping;
use crate::source::Settings;

/// What happened while waiting.
enum Event {
    Finished(Box<Result<driver::Report, String>>),
    Progress(Option<SendProgress>),
    Request(Option<Request>),
}

/// Runs a send to the end (or until cancelled); returns the answer for the
/// page. A request other than Cancel that arrives meanwhile goes to `pending`.
pub async fn run(
    scope: &mut Scope,
    pending: &mut Option<Request>,
    file: Blob,
    settings: &Settings,
    mapping: Mapping,
    target: SendTarget,
) -> Response {
    let started = js_sys::Date::now();
    let Ok(controller) = AbortController::new() else {
        return Response::Failed(Failure::new(
            "this browser cannot cancel requests (no AbortController)",
            "Use a current Chrome, Edge, Firefox or Safari.",
        ));
    };
    let options = SendOptions {
        settings: send_settings(settings, target),
        signal: Some(controller.signal()),
    };
    let (tx, mut progress) = unbounded::<SendProgress>();
    let on_progress = move |p: &driver::Progress| {
        let _ = tx.unbounded_send(SendProgress {
            bytes: p.bytes_read as f64,
            total: p.bytes_total as f64,
            rows: p.rows as f64,
            rejected: p.rejected as f64,
            delivered: p.delivery.messages_acknowledged as f64,
            retries: p.delivery.retries as f64,
            in_flight: p.delivery.in_flight as f64,
            note: p.note.clone(),
            elapsed_ms: js_sys::Date::now() - started,
        });
    };
    let sending = send_file(file, Some(mapping), options, on_progress)
        .map(|r| r.map_err(|e| e.to_string()))
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
                    return Response::Sent(summarize(&report, js_sys::Date::now() - started))
                }
                Err(e) => {
                    return Response::Failed(Failure::new(
                        format!("nothing was sent: {e}"),
                        "Check the endpoint and the write key, then start again.",
                    ))
                }
            },
            Event::Progress(Some(p)) => {
                // The driver already paces itself; this keeps the page at ~10/s.
                let now = js_sys::Date::now();
                if now - last_sent >= 100.0 {
                    last_sent = now;
                    if scope.send(Response::SendProgress(p)).await.is_err() {
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
