//! How fast a send goes and how long it has left, for every progress line
//! (the CLI's, the app's): the rows the file holds (extrapolated from the
//! share read), the delivery rate over a recent window, an ETA from it, and
//! the compression ratio worth naming. Sans-IO like the rest of the session:
//! the time is passed in, in milliseconds.

use std::collections::VecDeque;

use super::SessionProgress;

/// The rate is measured over about this long, so the ETA follows the
/// network as it is now, not as it was at the start.
pub const RATE_WINDOW_MS: f64 = 10_000.0;
/// One sample per this long: the window holds at most ~40.
const SAMPLE_EVERY_MS: f64 = 250.0;
/// No rate before there is this long to measure.
const MIN_SPAN_MS: f64 = 500.0;

/// The delivery rate over the last [`RATE_WINDOW_MS`].
#[derive(Debug, Clone, Default)]
pub struct DeliveryRate {
    /// (when, rows finished, messages acknowledged), oldest first.
    samples: VecDeque<(f64, u64, u64)>,
}

/// Rows finished and messages acknowledged per second.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rates {
    pub rows_per_s: f64,
    pub messages_per_s: f64,
}

impl DeliveryRate {
    /// Takes a reading at `now_ms`; the rates over the window, none until
    /// there is half a second to measure. While paused, nothing is expected
    /// to move: the window starts again after the pause.
    pub fn sample(&mut self, now_ms: f64, p: &SessionProgress) -> Option<Rates> {
        if p.paused {
            self.samples.clear();
            return None;
        }
        let (done, acked) = (p.rows_done, p.delivery.messages_acknowledged);
        if self
            .samples
            .back()
            .is_none_or(|(t, ..)| now_ms - t >= SAMPLE_EVERY_MS)
        {
            self.samples.push_back((now_ms, done, acked));
        }
        while self
            .samples
            .front()
            .is_some_and(|(t, ..)| now_ms - t > RATE_WINDOW_MS)
            && self.samples.len() > 2
        {
            self.samples.pop_front();
        }
        let &(t0, done0, acked0) = self.samples.front()?;
        let secs = (now_ms - t0) / 1000.0;
        (now_ms - t0 >= MIN_SPAN_MS).then(|| Rates {
            rows_per_s: done.saturating_sub(done0) as f64 / secs,
            messages_per_s: acked.saturating_sub(acked0) as f64 / secs,
        })
    }
}

/// The rows the file holds: those read, scaled up by the share of the file
/// not read yet (a guess until the end, exact after it).
pub fn estimated_rows(p: &SessionProgress) -> u64 {
    match p.bytes_total {
        Some(total) if p.bytes_read > 0 && p.bytes_read < total => {
            let scaled = p.rows as f64 * total as f64 / p.bytes_read as f64;
            (scaled as u64).max(p.rows)
        }
        _ => p.rows,
    }
}

/// Whether the row count of [`estimated_rows`] is still a guess.
pub fn rows_are_estimated(p: &SessionProgress) -> bool {
    p.bytes_total.is_some_and(|t| p.bytes_read < t)
}

/// Seconds left at `rows_per_s` for the rows not finished yet; none before
/// there is a rate, or when it is under a second.
pub fn eta_secs(p: &SessionProgress, rows_per_s: f64) -> Option<f64> {
    if rows_per_s <= 0.0 {
        return None;
    }
    let left = estimated_rows(p).saturating_sub(p.rows_done) as f64;
    Some(left / rows_per_s).filter(|s| s.is_finite() && *s >= 1.0)
}

/// How many times smaller the bodies on the wire are than their JSON, when
/// that is worth saying (5% or more saved: not when nothing was compressed,
/// or only the few bodies an endpoint refused before the fallback).
pub fn compression_ratio(wire_bytes: u64, json_bytes: u64) -> Option<f64> {
    (wire_bytes > 0 && json_bytes >= wire_bytes.saturating_add(wire_bytes / 20))
        .then(|| json_bytes as f64 / wire_bytes as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rows_done: u64, acked: u64) -> SessionProgress {
        let mut p = SessionProgress {
            rows_done,
            ..SessionProgress::default()
        };
        p.delivery.messages_acknowledged = acked;
        p
    }

    #[test]
    fn the_rate_is_over_the_recent_window() {
        let mut r = DeliveryRate::default();
        assert_eq!(r.sample(0.0, &at(0, 0)), None);
        assert_eq!(r.sample(250.0, &at(100, 100)), None, "half a second first");
        let rates = r.sample(1_000.0, &at(1_000, 900)).expect("a rate");
        assert_eq!((rates.rows_per_s, rates.messages_per_s), (1_000.0, 900.0));
        // A slow minute later, the early burst is out of the window.
        let mut now = 1_000.0;
        let mut done = 1_000;
        while now < 61_000.0 {
            now += 250.0;
            done += 25;
            r.sample(now, &at(done, done));
        }
        let rates = r
            .sample(now + 250.0, &at(done + 25, done + 25))
            .expect("a rate");
        assert!((rates.rows_per_s - 100.0).abs() < 5.0, "{rates:?}");
        // A pause starts the window again.
        let mut paused = at(done, done);
        paused.paused = true;
        assert_eq!(r.sample(now + 500.0, &paused), None);
        assert_eq!(r.sample(now + 750.0, &at(done, done)), None);
    }

    #[test]
    fn rows_are_extrapolated_and_the_eta_follows() {
        let mut p = SessionProgress {
            bytes_read: 250,
            bytes_total: Some(1000),
            rows: 10,
            rows_done: 4,
            ..SessionProgress::default()
        };
        assert_eq!(estimated_rows(&p), 40);
        assert!(rows_are_estimated(&p));
        assert_eq!(eta_secs(&p, 2.0), Some(18.0));
        assert_eq!(eta_secs(&p, 0.0), None);
        assert_eq!(eta_secs(&p, 1_000.0), None, "under a second");
        p.bytes_read = 1000;
        assert_eq!(estimated_rows(&p), 10);
        assert!(!rows_are_estimated(&p));
        p.bytes_total = None;
        assert_eq!(estimated_rows(&p), 10);
    }

    #[test]
    fn a_ratio_only_when_compressed() {
        assert_eq!(compression_ratio(0, 0), None);
        assert_eq!(compression_ratio(2048, 2048), None);
        assert_eq!(compression_ratio(2048, 2100), None);
        assert_eq!(compression_ratio(1024, 5120), Some(5.0));
    }
}
