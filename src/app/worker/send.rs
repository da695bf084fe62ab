//! Sending: the JS layer's driver ([`crate::js::driver::send_file`]) does
//! the reading, batching, fetches, retries, resuming and reconciliation;
//! this file only forwards its progress and checkpoints to the page (which
//! keeps them: the worker has no `localStorage`), turns Cancel into an
//! abort and Pause/Unpause into the driver's [`PauseControl`], and writes
//! the rejected rows of the report as CSV for the page's download.

use std::cell::Cell;
use std::rc::Rc;

use futures::channel::mpsc::unbounded;
use futures::{select, FutureExt, SinkExt, StreamExt};
use js_sys::ArrayBuffer;
use wasm_bindgen::JsValue;
use web_sys::{AbortController, Blob, BlobPropertyBag};

use super::files::preflight;
use super::reader::{ByteSlices, SLICE_BYTES};
use super::source::{is_table, table_measure};
use super::tables::Table;
use super::Scope;
use crate::app::protocol::{
    Failure, FileData, FileReportView, Input, KeyAnswer, KeyVerdict, Measure, Request, Response,
    RowAt, SendCheckpoint, SendProgress, SendReport, SendTarget,
};
use crate::fileset::FileSet;
use crate::js::driver::{self, send_input, OpenFile, PauseControl, SendInput, SendOptions};
use crate::js::error::{codes, JsApiError};
use crate::js::options::{Auth, SendSettings};
use crate::mapping::Mapping;
use crate::pipeline::RejectedRow;
use crate::report::RejectsCsv;
use crate::source::table::canonical_options;
use crate::source::{Settings, SourceOptions};

/// Rows the endpoint refused that the report lists (all of them are counted).
const MAX_SERVER_REJECTED: usize = 10_000;

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
    pub input: Input,
    pub mapping: Mapping,
    pub target: SendTarget,
    /// The checkpoint of a stopped send of this import.
    pub resume: Option<String>,
    /// Rows edited in the fix grid, sent in their place (one file only).
    pub fixes: crate::pipeline::Fixes,
}

/// What the driver reads, opened: the input, what measures its reading,
/// how its reading is set, and with several files the set (rows are named
/// by file), each file's columns (the rejects CSV) and the file being read.
struct Opened {
    input: SendInput,
    measure: Measure,
    reading: SourceOptions,
    files: Option<OpenedFiles>,
}

struct OpenedFiles {
    set: FileSet,
    columns: (Vec<String>, Vec<Vec<String>>),
    /// The index of the file being read (the driver opens them in turn).
    current: Rc<Cell<usize>>,
}

/// Why the driver did not start, and whether the checkpoint was the cause.
struct NotStarted {
    message: String,
    checkpoint: bool,
}

/// Runs a send to the end (or until cancelled); returns the answer for the
/// page. Cancel, Pause and Unpause act on it; another request that arrives
/// meanwhile goes to `pending`.
pub async fn run(scope: &mut Scope, pending: &mut Option<Request>, job: Job) -> Response {
    let Job {
        input,
        mapping,
        target,
        resume,
        fixes,
    } = job;
    let started = js_sys::Date::now();
    // The write key first: nothing is read or sent for a key Segment does
    // not know, a source of the other region, or no answer (the page asks
    // whether to send anyway, and sends again with `key_check` off).
    if target.key_check {
        if let Some(query) = target.key_query() {
            let verdict = super::key::check(&query).await;
            let known = matches!(verdict, KeyVerdict::Known { .. } | KeyVerdict::NotChecked);
            let answer = KeyAnswer {
                query,
                verdict,
                at_start: true,
            };
            if !known {
                return Response::KeyChecked(answer);
            }
            let _ = scope.send(Response::KeyChecked(answer)).await;
        }
    }
    let several = matches!(input, Input::Files { .. });
    if several && !fixes.is_empty() {
        return Response::Failed(super::files::no_fixes());
    }
    let Opened {
        input,
        measure,
        reading,
        files,
    } = match open(input, &mapping).await {
        Ok(opened) => opened,
        Err(f) => return Response::Failed(f),
    };
    let Ok(controller) = AbortController::new() else {
        return Response::Failed(Failure::new(
            "this browser cannot cancel requests (no AbortController)",
            "Use a current Chrome, Edge, Firefox or Safari.",
        ));
    };
    let host = endpoint_host(&target.endpoint);
    let mut settings = send_settings(&reading, target);
    settings.resume_from = resume;
    settings.fixes = (!fixes.is_empty()).then(|| fixes.into());
    let pause = PauseControl::new();
    let options = SendOptions {
        settings,
        signal: Some(controller.signal()),
        pause: Some(pause.clone()),
    };
    let (tx, mut progress) = unbounded::<Tick>();
    // When the count of acknowledged messages last moved (a pause restarts
    // the clock: nothing is expected while paused).
    let mut acked = 0u64;
    let mut moved_at = started;
    let mut rate = crate::session::pace::DeliveryRate::default();
    let file_of = files
        .as_ref()
        .map(|f| (Rc::clone(&f.current), f.set.len() as f64));
    let on_progress = move |p: &driver::ImportProgress| {
        let now = js_sys::Date::now();
        if p.session.delivery.messages_acknowledged != acked || p.session.paused {
            acked = p.session.delivery.messages_acknowledged;
            moved_at = now;
        }
        let checkpoint = p.checkpoint.clone().map(|checkpoint| SendCheckpoint {
            checkpoint,
            rows_done: p.session.rows_done as f64,
            // (Rows the endpoint refused earlier are among the skipped: few.)
            delivered_earlier: p.session.skipped as f64,
        });
        let s = &p.session;
        let rates = rate.sample(now - started, s);
        // A table's text is not the file: its bytes say nothing of how far.
        let bytes = match measure {
            Measure::Bytes => (s.bytes_read as f64, s.bytes_total.unwrap_or(0) as f64),
            _ => (0.0, 0.0),
        };
        let progress = SendProgress {
            bytes: bytes.0,
            total: bytes.1,
            measure,
            rows: s.rows as f64,
            rejected: s.rejected as f64,
            // This run's: the page adds the rows delivered before a resume.
            delivered: s.delivery.messages_acknowledged as f64,
            retries: s.delivery.retries as f64,
            in_flight: s.delivery.in_flight as f64,
            // A problem first; else that the endpoint took no gzip.
            note: s.note.clone().or_else(|| {
                p.gzip_refused
                    .as_ref()
                    .map(|why| format!("sending uncompressed: the endpoint refuses gzip ({why})"))
            }),
            elapsed_ms: now - started,
            paused: s.paused,
            paused_ms: s.paused_ms as f64,
            since_delivery_ms: now - moved_at,
            messages_per_s: rates.map(|r| r.messages_per_s),
            eta_s: rates.and_then(|r| crate::session::pace::eta_secs(s, r.rows_per_s)),
            wire_bytes: p.wire_bytes as f64,
            json_bytes: p.json_bytes as f64,
            file: file_of.as_ref().map(|(at, n)| ((at.get() + 1) as f64, *n)),
        };
        let _ = tx.unbounded_send(Tick {
            progress,
            checkpoint,
        });
    };
    let sending = send_input(input, Some(mapping), options, on_progress)
        .map(|r| {
            r.map_err(|e| NotStarted {
                checkpoint: [
                    codes::INVALID_CHECKPOINT,
                    codes::CHECKPOINT_MISMATCH,
                    codes::FILE_CHANGED,
                ]
                .contains(&e.code),
                message: e.message,
            })
        })
        .fuse();
    futures::pin_mut!(sending);
    let mut last_sent = 0.0;
    let mut last_paused = false;
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
                    // (None: the send stopped before anything could be sent.)
                    if let Some(cp) = final_checkpoint(&report) {
                        let _ = scope.send(Response::SendCheckpoint(cp)).await;
                    }
                    return Response::Sent(summarize(&report, started, host, files.as_ref()));
                }
                Err(e) if e.checkpoint => {
                    let what = if several {
                        "every file"
                    } else {
                        "the whole file"
                    };
                    return Response::Failed(Failure::new(
                        format!("nothing was sent: {}", e.message),
                        format!("Choose Start over to send {what} (rows already delivered are dropped by Segment as duplicates)."),
                    ));
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
                // The driver already paces itself; this keeps the page at
                // ~10/s. While paused ticks are few and each tells something
                // (the pause itself, a request in flight ending): all go.
                let now = js_sys::Date::now();
                let paused = tick.progress.paused;
                if now - last_sent >= 100.0 || paused || paused != last_paused {
                    last_sent = now;
                    last_paused = paused;
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
            Event::Request(Some(Request::Pause)) => pause.pause(),
            Event::Request(Some(Request::Unpause)) => pause.resume(),
            Event::Request(Some(other)) => *pending = Some(other),
        }
    }
}

/// Opens what the page asked to send: one file read exactly as the File
/// step showed it, or several files, each checked first ([`preflight`]: a
/// CSV lacking a mapped column is refused before anything is sent) and
/// opened by the driver in turn.
async fn open(input: Input, mapping: &Mapping) -> Result<Opened, Failure> {
    match input {
        Input::One {
            file,
            sheet,
            settings,
        } => {
            let (input, measure) = open_one(file, sheet.as_deref(), &settings).await?;
            Ok(Opened {
                input,
                measure,
                reading: exactly(&settings),
                files: None,
            })
        }
        Input::Files { files, options } => {
            let checked = Box::pin(preflight(
                files,
                &options,
                Some(mapping),
                &mut |_, _, _, _, _| {},
            ))
            .await?;
            // Bytes measure the whole set when every file is text.
            let measure = if checked.set.files().iter().all(|f| f.size.is_some()) {
                Measure::Bytes
            } else {
                Measure::Unknown
            };
            let current = Rc::new(Cell::new(0));
            let files = OpenedFiles {
                set: checked.set.clone(),
                columns: checked.columns(),
                current: Rc::clone(&current),
            };
            let parts: Vec<(FileData, SourceOptions)> = checked
                .data
                .into_iter()
                .zip(checked.parts.into_iter().map(|p| p.options))
                .collect();
            let open: OpenFile = Box::new(move |index| {
                current.set(index);
                let part = parts.get(index).cloned();
                Box::pin(async move {
                    let Some((file, reading)) = part else {
                        return Err(JsApiError::new(codes::READ_ERROR, "no such file"));
                    };
                    open_part(file, reading)
                        .await
                        .map_err(|f| JsApiError::new(codes::READ_ERROR, f.message))
                })
            });
            Ok(Opened {
                input: SendInput::Files {
                    set: checked.set,
                    open,
                },
                measure,
                reading: options,
                files: Some(files),
            })
        }
    }
}

/// What the driver reads of one file: its own bytes, or a table's
/// canonical text (read with the same settings as the File step:
/// [`canonical_options`]).
async fn open_one(
    file: FileData,
    sheet: Option<&str>,
    settings: &Settings,
) -> Result<(SendInput, Measure), Failure> {
    if !is_table(&file)? {
        return Ok(match file {
            FileData::Blob(blob) => (SendInput::Blob(blob), Measure::Bytes),
            // Chunks have no size the driver knows: counted in rows.
            FileData::Bytes(bytes) => (byte_chunks(&bytes, exactly(settings)), Measure::Unknown),
        });
    }
    let mut table = Table::open(&file, sheet).await?;
    let info = table.info().clone();
    let measure = table_measure(&info);
    let user = crate::source::SourceOptions {
        has_header: Some(settings.has_header),
        ..Default::default()
    };
    let next = move || {
        table
            .next_chunk()
            .map_err(|f| JsApiError::new(codes::READ_ERROR, f.message))
    };
    let input = SendInput::Chunks {
        next: Box::new(next),
        source: canonical_options(&info, &user),
        rows_total: info.rows,
    };
    Ok((input, measure))
}

/// A file of several, when its turn comes: its bytes (read with the
/// user's overrides, as every text file of the set), or a table's
/// canonical text read with the options the preflight found.
async fn open_part(file: FileData, reading: SourceOptions) -> Result<SendInput, Failure> {
    if !is_table(&file)? {
        return Ok(match file {
            FileData::Blob(blob) => SendInput::Blob(blob),
            FileData::Bytes(bytes) => byte_chunks(&bytes, reading),
        });
    }
    let mut table = Table::open(&file, reading.sheet.as_deref()).await?;
    let rows_total = table.info().rows;
    let next = move || {
        table
            .next_chunk()
            .map_err(|f| JsApiError::new(codes::READ_ERROR, f.message))
    };
    Ok(SendInput::Chunks {
        next: Box::new(next),
        source: reading,
        rows_total,
    })
}

/// Text the page read ([`FileData::Bytes`]), handed to the driver in
/// slices and read with `source`.
fn byte_chunks(bytes: &ArrayBuffer, source: SourceOptions) -> SendInput {
    let mut slices = ByteSlices::new(bytes, SLICE_BYTES);
    SendInput::Chunks {
        next: Box::new(move || Ok(slices.next())),
        source,
        rows_total: None,
    }
}

/// The settings the File step showed, as overrides: one file is read
/// exactly so.
fn exactly(s: &Settings) -> SourceOptions {
    SourceOptions {
        format: Some(s.format),
        encoding: Some(s.encoding),
        compression: Some(s.compression),
        delimiter: Some(s.delimiter),
        has_header: Some(s.has_header),
        ..SourceOptions::default()
    }
}

fn send_settings(o: &SourceOptions, target: SendTarget) -> SendSettings {
    SendSettings {
        // The key was checked above, when the check applies and was asked.
        key_check: Some(false),
        target: Some(target.target),
        settings_url: target.settings_url,
        endpoint: target.endpoint,
        write_key: target.write_key,
        concurrency: Some(target.concurrency.clamp(1, 32)),
        auth: Some(if target.basic_auth {
            Auth::Basic
        } else {
            Auth::Body
        }),
        integrations: target.integrations,
        delimiter: o.delimiter.map(|d| (d as char).to_string()),
        encoding: o.encoding,
        format: o.format,
        compression: o.compression,
        has_header: o.has_header,
        ..SendSettings::default()
    }
}

/// The checkpoint at the end of a run: rows done are the delivered and the
/// rejected ones (rows never read are not done).
fn final_checkpoint(r: &driver::Report) -> Option<SendCheckpoint> {
    let rec = &r.reconciliation;
    Some(SendCheckpoint {
        checkpoint: r.checkpoint.clone()?,
        rows_done: (rec.delivered + rec.rejected) as f64,
        delivered_earlier: rec.previously_delivered as f64,
    })
}

fn summarize(
    r: &driver::Report,
    started: f64,
    endpoint_host: String,
    files: Option<&OpenedFiles>,
) -> SendReport {
    let rec = &r.reconciliation;
    let set = files.map(|f| &f.set);
    let finished = js_sys::Date::now();
    SendReport {
        rows: rec.rows as f64,
        delivered: rec.delivered as f64,
        previously_delivered: rec.previously_delivered as f64,
        rejected: rec.rejected as f64,
        rejected_by_server: rec.rejected_by_server as f64,
        fixed: r.summary.fixed as f64,
        undelivered: rec.undelivered as f64,
        undelivered_rows: rec
            .undelivered_rows
            .iter()
            .map(|(a, b)| (RowAt::of(set, *a), RowAt::of(set, *b)))
            .collect(),
        undelivered_reason: rec.undelivered_reason.clone(),
        balanced: r.balanced,
        complete: r.complete,
        error: r.error.clone(),
        server_rejected: r
            .server_rejected
            .iter()
            .take(MAX_SERVER_REJECTED)
            .map(|(row, why)| (RowAt::of(set, *row), why.clone()))
            .collect(),
        requests: r.delivery.requests as f64,
        retries: r.delivery.retries as f64,
        elapsed_ms: finished - started,
        paused_ms: r.paused_ms as f64,
        started_ms: started,
        finished_ms: finished,
        endpoint_host,
        rejects: rejects_csv(r, files),
        rejects_truncated: r.rejected_rows_omitted > 0,
        files: r
            .files
            .iter()
            .map(|f| FileReportView {
                file: f.file.clone(),
                rows: f.rows as f64,
                valid: f.valid as f64,
                rejected: f.rejected as f64,
                delivered: f.delivered as f64,
                undelivered: f.undelivered as f64,
                previously_delivered: f.previously_delivered as f64,
                empty: f.empty,
            })
            .collect(),
    }
}

/// `host[:port]` of the endpoint (never its path, query or credentials).
fn endpoint_host(endpoint: &str) -> String {
    web_sys::Url::new(endpoint.trim())
        .map(|u| u.host())
        .unwrap_or_default()
}

/// The rejected rows as the CLI's `--rejects` file: those rejected before
/// sending, with their cells, and those the endpoint refused
/// (`rejected_by_api`, its answer as the reason), in row order.
fn rejects_csv(r: &driver::Report, files: Option<&OpenedFiles>) -> JsValue {
    let refused: Vec<RejectedRow> = r
        .server_rejected
        .iter()
        .map(|(row, reason)| RejectedRow::refused_by_api(*row, reason.clone()))
        .collect();
    let mut rows: Vec<&RejectedRow> = r.rejected_rows.iter().chain(&refused).collect();
    rows.sort_by_key(|row| row.row);
    let (header, set) = match files {
        Some(f) => (f.columns.0.as_slice(), Some(f.set.clone())),
        None => (r.summary.headers.as_slice(), None),
    };
    let (mut writer, mut bytes) = RejectsCsv::for_files(header, set);
    for row in rows {
        // Several files: each row's cells under its own file's columns.
        match files {
            Some(f) => {
                let index = f.set.locate(row.row).index;
                let its = f.columns.1.get(index).map_or(&[][..], Vec::as_slice);
                writer.write_from(row, its, &mut bytes);
            }
            None => writer.write(row, &mut bytes),
        }
    }
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(&bytes[..]));
    let bag = BlobPropertyBag::new();
    bag.set_type("text/csv");
    Blob::new_with_u8_array_sequence_and_options(&parts, &bag)
        .map(JsValue::from)
        .unwrap_or(JsValue::UNDEFINED)
}
