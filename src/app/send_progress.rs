//! The Send step while sending: the bar (rows delivered), the counts, the
//! pause states, and a stall said loudly.

use yew::prelude::*;

use super::protocol::{Measure, SendProgress};
use super::widgets::{bytes, count, duration, percent, plural, progress_starting};

/// Nothing acknowledged for this long, with requests failing or waiting:
/// the page says the endpoint is not taking the rows.
pub const STALL_MS: f64 = 60_000.0;

/// Where a send stands, for [`progress`].
pub struct Sending<'a> {
    pub progress: &'a SendProgress,
    /// Rows delivered by the stopped send this one resumes.
    pub earlier: f64,
    /// The user paused (the worker confirms with `progress.paused`).
    pub pausing: bool,
    /// Valid rows the check found, when it ran: the bar's whole.
    pub valid: Option<f64>,
}

pub fn progress(s: &Sending<'_>) -> Html {
    let p = s.progress;
    if p.elapsed_ms == 0.0 && !s.pausing {
        // Nothing heard from the worker yet.
        return progress_starting("Send progress");
    }
    // How much of the file is read: its bytes, or a table's rows (none when
    // the table does not say how many it has).
    let read_pct = p.measure.percent(p.bytes, p.total, p.rows);
    let read = match read_pct {
        Some(pct) => format!("{pct:.0}% read"),
        None => format!("{} read", plural(p.rows, "row", "rows")),
    };
    let done = p.delivered + s.earlier;
    // The bar counts rows delivered; without a check, the file read.
    let (bar, delivered) = match s.valid.filter(|v| *v > 0.0) {
        Some(valid) => {
            let pct = percent(done, valid);
            (
                Some(pct),
                format!(
                    "{} of {} rows delivered ({pct:.0}%) · {read}",
                    count(done),
                    count(valid)
                ),
            )
        }
        None => (
            read_pct,
            format!("{read} · {} delivered", count(p.delivered)),
        ),
    };
    let label = if s.valid.is_some() {
        "Send progress: rows delivered"
    } else {
        "Send progress: file read"
    };
    let of = match p.measure {
        Measure::Bytes => format!(" · {} of {}", bytes(p.bytes), bytes(p.total)),
        Measure::Rows(total) => format!(" · {} of {} rows read", count(p.rows), count(total)),
        Measure::Unknown => String::new(),
    };
    let file = p.file.map_or(String::new(), |(at, n)| {
        format!(" · file {} of {}", count(at), count(n))
    });
    let tail = format!(
        "{} in flight · {} retries{of}{file}",
        count(p.in_flight),
        count(p.retries),
    );
    let skipped = (s.earlier > 0.0).then(|| {
        format!(
            " · {} delivered before it stopped, skipped",
            count(s.earlier)
        )
    });
    let bar = match bar {
        Some(pct) => html! {
            <progress max="100" value={format!("{pct:.1}")} aria-label={label}></progress>
        },
        // No value: a busy bar, not a share.
        None => html! { <progress aria-label={label}></progress> },
    };
    let status = match (s.pausing, p.paused) {
        (true, true) if p.in_flight == 0.0 => Some(
            "Paused. Nothing is sent and the file is not read until you resume; Cancel ends the send here.".to_string(),
        ),
        (true, true) => Some(format!(
            "Pausing: waiting for the answers to {} in flight…",
            plural(p.in_flight, "request", "requests")
        )),
        (true, false) => Some("Pausing…".to_string()),
        (false, true) => Some("Resuming…".to_string()),
        (false, false) => None,
    };
    if let Some(status) = status {
        return html! {
            <div class="progress paused">
                { bar }
                <p class="status" role="status">{ status }</p>
                <p>{ format!("{delivered} · {tail}") }{ skipped.unwrap_or_default() }</p>
                if let Some(n) = &p.note { <p class="note">{ n }</p> }
            </div>
        };
    }
    // The rate and the ETA are over the last seconds (the worker measures
    // them with the core's session::pace, as the CLI does).
    let rate = p.messages_per_s.map_or("… messages/s".to_string(), |r| {
        format!("{} messages/s", count(r))
    });
    html! {
        <div class="progress">
            { stall(p) }
            { bar }
            <p>
                { format!("{delivered} · {rate} · {tail}") }
                if let Some(eta) = p.eta_s { { format!(" · about {} left", duration(eta)) } }
                { skipped.unwrap_or_default() }
            </p>
            <p class="wire" id="send-wire">{ wire(p) }</p>
            if !stalled(p) {
                if let Some(n) = &p.note { <p class="note">{ n }</p> }
            }
        </div>
    }
}

/// "1.2 MB on the wire, 5.1× smaller than the 6.1 MB of JSON (gzip)".
fn wire(p: &SendProgress) -> String {
    let (wire, json) = (p.wire_bytes as u64, p.json_bytes as u64);
    match crate::session::pace::compression_ratio(wire, json) {
        Some(ratio) => format!(
            "{} on the wire, {ratio:.1}× smaller than the {} of JSON (gzip)",
            bytes(p.wire_bytes),
            bytes(p.json_bytes)
        ),
        None => format!("{} on the wire", bytes(p.wire_bytes)),
    }
}

/// Nothing delivered for [`STALL_MS`] while requests fail or hang.
fn stalled(p: &SendProgress) -> bool {
    !p.paused
        && p.since_delivery_ms >= STALL_MS
        && (p.note.is_some() || p.in_flight > 0.0 || p.retries > 0.0)
}

/// The stall, said where it cannot be missed, with the last problem.
fn stall(p: &SendProgress) -> Html {
    if !stalled(p) {
        return html! {};
    }
    let minutes = (p.since_delivery_ms / 60_000.0).floor();
    html! {
        <div class="banner error stall" role="alert" id="send-stalled">
            <p><strong>{ format!(
                "Nothing delivered for {}: the endpoint is unreachable or refusing the rows.",
                plural(minutes, "minute", "minutes")
            ) }</strong></p>
            if let Some(n) = &p.note { <p>{ format!("Last problem: {n}.") }</p> }
            <p>{ "Check the network and the endpoint. The send keeps retrying; Cancel stops it here, and every row not delivered is listed and can be sent later." }</p>
        </div>
    }
}
