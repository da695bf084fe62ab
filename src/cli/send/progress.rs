//! The progress line on a terminal: rows delivered (the bar), bytes on the
//! wire and the compression ratio, messages per second and an ETA, both from
//! the recent delivery rate.

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, HumanDuration, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::http::WireCounts;
use crate::cli::human::count;
use crate::session::SessionProgress;

/// The rate is measured over about this long, so the ETA follows the
/// network as it is now, not as it was at the start.
const RATE_WINDOW: Duration = Duration::from_secs(10);
/// One sample per this long: the window holds at most ~40.
const SAMPLE_EVERY: Duration = Duration::from_millis(250);

/// A bar over the rows delivered, with the rest as text; silent when stderr
/// is not a terminal or output is JSON.
pub struct ProgressLine {
    bar: Option<ProgressBar>,
    started: Instant,
    /// (when, rows finished, messages acknowledged), oldest first.
    samples: Mutex<VecDeque<(Instant, u64, u64)>>,
}

impl ProgressLine {
    pub fn new(enabled: bool) -> ProgressLine {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
            let style = ProgressStyle::with_template("{bar:30.cyan/blue} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        ProgressLine {
            bar,
            started: Instant::now(),
            samples: Mutex::new(VecDeque::new()),
        }
    }

    pub fn update(&self, p: &SessionProgress, wire: &WireCounts) {
        let Some(bar) = &self.bar else { return };
        let total = estimated_rows(p);
        bar.set_length(total);
        bar.set_position(p.delivered.min(total));
        let (done_per_s, msgs_per_s) = self.rates(p.rows_done, p.delivery.messages_acknowledged);
        let eta = match done_per_s {
            Some(r) if r > 0.0 => {
                let left = total.saturating_sub(p.rows_done) as f64;
                format!("ETA {}", HumanDuration(Duration::from_secs_f64(left / r)))
            }
            _ => "ETA …".to_string(),
        };
        let approx = if p.bytes_total.is_some_and(|t| p.bytes_read < t) {
            "~"
        } else {
            ""
        };
        let mut msg = format!(
            "{} / {approx}{} rows delivered · {} · {:.0} msg/s · {eta}",
            count(p.delivered),
            count(total),
            wire_line(
                wire.wire_bytes.load(Ordering::Relaxed),
                wire.json_bytes.load(Ordering::Relaxed)
            ),
            msgs_per_s.unwrap_or(0.0),
        );
        let stats = &p.delivery;
        let troubles = [
            (p.rejected + stats.messages_rejected, "rejected"),
            (stats.messages_undelivered, "undelivered"),
            (stats.retries, "retries"),
        ];
        for (n, what) in troubles {
            if n > 0 {
                msg.push_str(&format!(" · {what} {}", count(n)));
            }
        }
        bar.set_message(msg);
    }

    /// A line above the bar (or on stderr when there is none).
    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(format!("segment-backfill: {text}")),
            None => eprintln!("segment-backfill: {text}"),
        }
    }

    /// Rows finished and messages acknowledged per second over the recent
    /// window; none until there is half a second to measure.
    fn rates(&self, rows_done: u64, acked: u64) -> (Option<f64>, Option<f64>) {
        let now = Instant::now();
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if samples
            .back()
            .is_none_or(|(t, ..)| now.duration_since(*t) >= SAMPLE_EVERY)
        {
            samples.push_back((now, rows_done, acked));
        }
        while samples
            .front()
            .is_some_and(|(t, ..)| now.duration_since(*t) > RATE_WINDOW)
            && samples.len() > 2
        {
            samples.pop_front();
        }
        let Some(&(t0, done0, acked0)) = samples.front() else {
            return (None, None);
        };
        let secs = now.duration_since(t0).as_secs_f64();
        if secs < 0.5 {
            return (None, None);
        }
        (
            Some(rows_done.saturating_sub(done0) as f64 / secs),
            Some(acked.saturating_sub(acked0) as f64 / secs),
        )
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Seconds since the run started.
    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// The rows the file holds: those read, scaled up by the share of the file
/// not read yet (a guess until the end, exact after it).
fn estimated_rows(p: &SessionProgress) -> u64 {
    match p.bytes_total {
        Some(total) if p.bytes_read > 0 && p.bytes_read < total => {
            let scaled = p.rows as f64 * total as f64 / p.bytes_read as f64;
            (scaled as u64).max(p.rows)
        }
        _ => p.rows,
    }
}

/// "1.2 MiB on the wire (gzip: 5.1× smaller than the 6.1 MiB of JSON)".
pub fn wire_line(wire_bytes: u64, json_bytes: u64) -> String {
    // Under 5% saved (nothing compressed, or only the few bodies an endpoint
    // refused before the fallback) is not worth a ratio.
    if wire_bytes == 0 || json_bytes < wire_bytes.saturating_add(wire_bytes / 20) {
        return format!("{} on the wire", HumanBytes(wire_bytes));
    }
    format!(
        "{} on the wire ({:.1}× smaller than the {} of JSON)",
        HumanBytes(wire_bytes),
        json_bytes as f64 / wire_bytes as f64,
        HumanBytes(json_bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_line_names_the_ratio_only_when_compressed() {
        assert_eq!(wire_line(0, 0), "0 B on the wire");
        assert_eq!(wire_line(2048, 2048), "2.00 KiB on the wire");
        assert_eq!(wire_line(2048, 2100), "2.00 KiB on the wire");
        assert_eq!(
            wire_line(1024, 5120),
            "1.00 KiB on the wire (5.0× smaller than the 5.00 KiB of JSON)"
        );
    }

    #[test]
    fn rows_are_extrapolated_from_the_bytes_read() {
        let mut p = SessionProgress {
            bytes_read: 250,
            bytes_total: Some(1000),
            rows: 10,
            ..SessionProgress::default()
        };
        assert_eq!(estimated_rows(&p), 40);
        p.bytes_read = 1000;
        assert_eq!(estimated_rows(&p), 10);
        p.bytes_total = None;
        assert_eq!(estimated_rows(&p), 10);
    }
}
