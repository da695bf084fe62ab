//! The end of a send: where every row went (with each file's share when
//! several files are one import), and the reconciliation and rejected rows
//! to download.

use std::rc::Rc;

use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use super::protocol::{FileReportView, RowAt, SendReport};
use super::state::{Action, Picked};
use super::widgets::{count, duration, plural, tile};
use super::{download, Ctx};

/// Rows the endpoint refused that the page lists (the JSON has them all).
const REFUSED_SHOWN: usize = 20;

/// `earlier`: of `r.delivered`, the rows the stopped send had delivered.
pub fn reconciliation(ctx: &Rc<Ctx>, r: &Rc<SendReport>, earlier: f64) -> Html {
    let ranges = r
        .undelivered_rows
        .iter()
        .take(20)
        .map(|(a, b)| RowAt::range(a, b))
        .collect::<Vec<_>>()
        .join(", ");
    let on_json = {
        let ctx = ctx.clone();
        let r = r.clone();
        Callback::from(move |_| {
            let text = reconciliation_json(&r, ctx.state.file.as_ref());
            if let Err(f) = download::text(&text, "reconciliation.json", "application/json") {
                ctx.dispatch(Action::Fail(f));
            }
        })
    };
    let rejects = r.rejects.dyn_ref::<web_sys::Blob>().cloned();
    let on_rejects = {
        let ctx = ctx.clone();
        let rejects = rejects.clone();
        Callback::from(move |_| {
            let Some(b) = &rejects else { return };
            if let Err(f) = download::blob(b, "rejected-rows.csv") {
                ctx.dispatch(Action::Fail(f));
            }
        })
    };
    let refused_more = r.rejected_by_server - REFUSED_SHOWN.min(r.server_rejected.len()) as f64;
    let delivered = if earlier > 0.0 {
        format!("delivered ({} before it stopped)", count(earlier))
    } else {
        "delivered".to_string()
    };
    let rejected = format!("rejected ({} by the endpoint)", count(r.rejected_by_server));
    let bad = |n: f64| if n > 0.0 { "bad" } else { "" };
    html! {
        <div class="reconciliation">
            <h3>{ if r.undelivered == 0.0 && r.complete { "Done: every row is accounted for" } else { "Stopped: some rows were not delivered" } }</h3>
            <div class="tiles">
                { tile("rows read", r.rows, "", "sent-rows") }
                { tile(&delivered, r.delivered, "ok", "sent-delivered") }
                { tile(&rejected, r.rejected, bad(r.rejected), "sent-rejected") }
                { tile("not delivered", r.undelivered, bad(r.undelivered), "sent-undelivered") }
            </div>
            if r.fixed > 0.0 {
                <p id="sent-fixed">{ format!("Fixed in the app: {} (sent under their own row numbers; counted once, in delivered).", count(r.fixed)) }</p>
            }
            <p class="muted">{ format!("rows = delivered + rejected + not delivered: {}. {}, {}, {}{}.",
                if r.balanced { "balanced" } else { "NOT balanced — please report this" },
                plural(r.requests, "request", "requests"), plural(r.retries, "retry", "retries"),
                duration(r.elapsed_ms / 1000.0),
                if r.paused_ms >= 1000.0 { format!(" ({} of it paused)", duration(r.paused_ms / 1000.0)) } else { String::new() }) }</p>
            { file_reports(&r.files) }
            <div class="row downloads">
                <button type="button" class="secondary" id="download-reconciliation" onclick={on_json}>
                    { "Download reconciliation (JSON)" }
                </button>
                <button type="button" class="secondary" id="download-send-rejects" onclick={on_rejects}
                    disabled={r.rejected == 0.0 || rejects.is_none()}>
                    { format!("Download rejected rows ({}, CSV)", count(r.rejected)) }
                </button>
            </div>
            if r.rejects_truncated {
                <p class="note">{ "The rejected-rows file holds the first 10,000 rows rejected before sending, and every row the endpoint refused; the counts are complete." }</p>
            }
            if r.undelivered > 0.0 {
                <div class="banner warn" role="alert">
                    <p><strong>{ format!("{} rows were not delivered", count(r.undelivered)) }</strong>
                        { r.undelivered_reason.as_ref().map(|w| format!(": {w}")).unwrap_or_default() }</p>
                    <p>{ format!("Rows {ranges}. Sending again is safe: each row keeps its messageId, so rows already delivered are dropped as duplicates.") }</p>
                </div>
            }
            if let Some(e) = &r.error { <div class="banner error" role="alert"><p>{ e }</p></div> }
            if !r.server_rejected.is_empty() {
                <h3>{ "Refused by the endpoint" }</h3>
                <ul>{ for r.server_rejected.iter().take(REFUSED_SHOWN).map(|(at, why)| html! { <li>{ format!("{}: {why}", at.label()) }</li> }) }</ul>
                if refused_more > 0.0 {
                    <p class="muted">{ format!("and {} more: see the reconciliation and the rejected rows.", count(refused_more)) }</p>
                }
            }
        </div>
    }
}

/// The reconciliation file the user downloads, fields in reading order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReconciliationFile<'a> {
    generated_by: &'static str,
    file: Option<FileInfo<'a>>,
    /// Several files: each one's share, in the order read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    files: Vec<FileShare<'a>>,
    endpoint_host: &'a str,
    started_at: Option<String>,
    finished_at: Option<String>,
    seconds: f64,
    paused_seconds: f64,
    complete: bool,
    balanced: bool,
    /// `rows = delivered + rejected + undelivered`, in figures.
    equation: String,
    rows: u64,
    delivered: u64,
    previously_delivered: u64,
    rejected: u64,
    rejected_before_sending: u64,
    rejected_by_server: u64,
    /// Of `delivered`, rows valid thanks to an edit in the app.
    fixed_in_the_app: u64,
    undelivered: u64,
    /// `[from, to]` of one file; of several, `{file, from, to}` (rows
    /// within the file; `toFile` when a range ends in the next one).
    undelivered_rows: Vec<serde_json::Value>,
    undelivered_reason: Option<&'a str>,
    error: Option<&'a str>,
    server_rejected: Vec<Refused<'a>>,
    requests: u64,
    retries: u64,
}

#[derive(Serialize)]
struct FileInfo<'a> {
    name: &'a str,
    bytes: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileShare<'a> {
    name: &'a str,
    bytes: u64,
    rows: u64,
    delivered: u64,
    previously_delivered: u64,
    rejected: u64,
    undelivered: u64,
}

#[derive(Serialize)]
struct Refused<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    row: u64,
    reason: &'a str,
}

/// The reconciliation as the JSON file the user downloads: where every row
/// went, when, and to which host. Never the write key (the report has none).
pub(super) fn reconciliation_json(r: &SendReport, file: Option<&Picked>) -> String {
    // Counts cross from the worker as f64; they are whole numbers.
    let n = |x: f64| x as u64;
    let iso = |ms: f64| {
        (ms > 0.0)
            .then(|| js_sys::Date::new(&JsValue::from_f64(ms)).to_iso_string())
            .and_then(|s| s.as_string())
    };
    let secs = |ms: f64| (ms / 100.0).round() / 10.0;
    let report = ReconciliationFile {
        generated_by: concat!("segment-backfill ", env!("CARGO_PKG_VERSION")),
        file: file
            .filter(|f| !f.several)
            .and_then(Picked::first)
            .map(|f| FileInfo {
                name: &f.name,
                bytes: n(f.size),
            }),
        files: r
            .files
            .iter()
            .map(|f| FileShare {
                name: &f.file,
                bytes: n(file.and_then(|p| p.named(&f.file)).map_or(0.0, |p| p.size)),
                rows: n(f.rows),
                delivered: n(f.delivered),
                previously_delivered: n(f.previously_delivered),
                rejected: n(f.rejected),
                undelivered: n(f.undelivered),
            })
            .collect(),
        endpoint_host: &r.endpoint_host,
        started_at: iso(r.started_ms),
        finished_at: iso(r.finished_ms),
        seconds: secs(r.elapsed_ms),
        paused_seconds: secs(r.paused_ms),
        complete: r.complete,
        balanced: r.balanced,
        equation: format!(
            "{} = {} + {} + {}",
            n(r.rows),
            n(r.delivered),
            n(r.rejected),
            n(r.undelivered)
        ),
        rows: n(r.rows),
        delivered: n(r.delivered),
        previously_delivered: n(r.previously_delivered),
        rejected: n(r.rejected),
        rejected_before_sending: n(r.rejected - r.rejected_by_server),
        rejected_by_server: n(r.rejected_by_server),
        fixed_in_the_app: n(r.fixed),
        undelivered: n(r.undelivered),
        undelivered_rows: r
            .undelivered_rows
            .iter()
            .map(|(a, b)| match (&a.file, &b.file) {
                (None, _) => serde_json::json!([n(a.row), n(b.row)]),
                (Some(file), to) => {
                    let mut range =
                        serde_json::json!({"file": file, "from": n(a.row), "to": n(b.row)});
                    if to.as_ref() != Some(file) {
                        range["toFile"] = to.clone().into();
                    }
                    range
                }
            })
            .collect(),
        undelivered_reason: r.undelivered_reason.as_deref(),
        error: r.error.as_deref(),
        server_rejected: r
            .server_rejected
            .iter()
            .map(|(at, reason)| Refused {
                file: at.file.as_deref(),
                row: n(at.row),
                reason,
            })
            .collect(),
        requests: n(r.requests),
        retries: n(r.retries),
    };
    // Strings and numbers only: it always serializes.
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

/// Several files: where each file's rows went, in the order read.
fn file_reports(files: &[FileReportView]) -> Html {
    if files.is_empty() {
        return html! {};
    }
    html! {
        <>
            <h3 id="sent-files-h">{ "Each file" }</h3>
            <div class="grid-wrap" tabindex="0" role="region" aria-labelledby="sent-files-h">
                <table class="files" id="sent-files">
                    <thead><tr>
                        <th scope="col">{ "File" }</th>
                        <th scope="col" class="num">{ "Rows" }</th>
                        <th scope="col" class="num">{ "Delivered" }</th>
                        <th scope="col" class="num">{ "Rejected" }</th>
                        <th scope="col" class="num">{ "Not delivered" }</th>
                    </tr></thead>
                    <tbody>
                        { for files.iter().map(|f| html! {
                            <tr class={classes!((f.undelivered > 0.0).then_some("bad"))}>
                                <th scope="row" class="name">{ &f.file }
                                    if f.empty { <span class="muted">{ " (empty)" }</span> }
                                </th>
                                <td class="num" data-label="rows">{ count(f.rows) }</td>
                                <td class="num" data-label="delivered">{ count(f.delivered) }
                                    if f.previously_delivered > 0.0 {
                                        <span class="muted">{ format!(" ({} before)", count(f.previously_delivered)) }</span>
                                    }
                                </td>
                                <td class="num" data-label="rejected">{ count(f.rejected) }</td>
                                <td class="num" data-label="not delivered">{ count(f.undelivered) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </>
    }
}
