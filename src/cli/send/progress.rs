//! The progress line on a terminal: rows delivered (the bar), bytes on the
//! wire and the compression ratio, messages per second and an ETA, both from
//! the recent delivery rate.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, HumanDuration, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::http::WireCounts;
use crate::cli::human::count;
use crate::session::pace::{self, DeliveryRate};
use crate::session::SessionProgress;

/// A bar over the rows delivered, with the rest as text; silent when stderr
/// is not a terminal or output is JSON.
pub struct ProgressLine {
    bar: Option<ProgressBar>,
    started: Instant,
    rate: Mutex<DeliveryRate>,
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
            rate: Mutex::new(DeliveryRate::default()),
        }
    }

    pub fn update(&self, p: &SessionProgress, wire: &WireCounts) {
        let Some(bar) = &self.bar else { return };
        let total = pace::estimated_rows(p);
        bar.set_length(total);
        bar.set_position(p.delivered.min(total));
        let now_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let rates = self
            .rate
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .sample(now_ms, p);
        let eta = match rates.and_then(|r| pace::eta_secs(p, r.rows_per_s)) {
            Some(secs) => format!("ETA {}", HumanDuration(Duration::from_secs_f64(secs))),
            None => "ETA …".to_string(),
        };
        let msgs_per_s = rates.map(|r| r.messages_per_s);
        let approx = if pace::rows_are_estimated(p) { "~" } else { "" };
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

/// "1.2 MiB on the wire (gzip: 5.1× smaller than the 6.1 MiB of JSON)".
pub fn wire_line(wire_bytes: u64, json_bytes: u64) -> String {
    match pace::compression_ratio(wire_bytes, json_bytes) {
        Some(ratio) => format!(
            "{} on the wire ({ratio:.1}× smaller than the {} of JSON)",
            HumanBytes(wire_bytes),
            HumanBytes(json_bytes)
        ),
        None => format!("{} on the wire", HumanBytes(wire_bytes)),
    }
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
}
