//! The request-rate limit: evenly spaced sends (a token bucket that holds one
//! token, also known as GCRA with no burst).
//!
//! Why no burst: a bucket of `r` tokens lets `2r` requests into one second
//! (a full bucket plus a second of refill), and Segment's limit is stated per
//! second. Spacing sends `1000 / r` ms apart keeps any one-second window at
//! `⌈r⌉` requests or fewer, and costs nothing when `r` is far above what a
//! few connections can do anyway.

/// Less than one millisecond: see [`Pacer::record`].
const ROUNDING_SLACK_MS: f64 = 0.999;

/// When the next request may go.
#[derive(Debug, Clone)]
pub(crate) struct Pacer {
    /// Milliseconds between two sends; `None` when unlimited.
    interval_ms: Option<f64>,
    /// The earliest instant of the next send (fractional ms, so rates that do
    /// not divide 1000 do not drift).
    next_ms: f64,
}

impl Pacer {
    /// A limit of `rate` requests per second. `None`, zero, a negative number
    /// or NaN means no limit (a limit of zero would stop the run for good).
    pub(crate) fn new(rate: Option<f64>) -> Pacer {
        Pacer {
            interval_ms: rate
                .filter(|r| r.is_finite() && *r > 0.0)
                .map(|r| 1000.0 / r),
            next_ms: 0.0,
        }
    }

    /// Whether a request may go at `now_ms`.
    pub(crate) fn allows(&self, now_ms: u64) -> bool {
        self.interval_ms.is_none() || now_ms as f64 >= self.next_ms
    }

    /// The instant the next request may go, when a limit applies.
    pub(crate) fn ready_at(&self) -> Option<u64> {
        // `as` saturates for floats, so a huge interval cannot wrap.
        self.interval_ms.map(|_| self.next_ms.ceil() as u64)
    }

    /// Counts a request sent at `now_ms`.
    ///
    /// Sends happen on whole milliseconds while the schedule is fractional, so
    /// a send is counted as if it left up to [`ROUNDING_SLACK_MS`] earlier than
    /// `now_ms`: otherwise every rounding up would push the whole schedule
    /// back (600/s would become 500/s). Any `n` consecutive sends still span
    /// more than `(n - 1) · interval - 1` ms, so no whole-millisecond window of
    /// one second holds more than `⌈r⌉` of them.
    pub(crate) fn record(&mut self, now_ms: u64) {
        if let Some(interval) = self.interval_ms {
            self.next_ms = self.next_ms.max(now_ms as f64 - ROUNDING_SLACK_MS) + interval;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_requests_evenly() {
        let mut p = Pacer::new(Some(3.0));
        let mut sent = Vec::new();
        for now in 0..3_000u64 {
            if p.allows(now) {
                p.record(now);
                sent.push(now);
            }
        }
        assert_eq!(sent, vec![0, 334, 667, 1000, 1334, 1667, 2000, 2334, 2667]);
        assert_eq!(p.ready_at(), Some(3000));
    }

    #[test]
    fn no_drift_from_rounding_and_never_above_the_rate() {
        for rate in [1.0, 7.0, 600.0, 999.0, 1000.0, 2500.0] {
            let mut p = Pacer::new(Some(rate));
            let mut sent = Vec::new();
            for now in 0..5_000u64 {
                while p.allows(now) {
                    p.record(now);
                    sent.push(now);
                }
            }
            let limit = rate.ceil() as usize;
            for (i, &start) in sent.iter().enumerate() {
                let in_window = sent[i..].iter().take_while(|&&t| t < start + 1000).count();
                assert!(in_window <= limit, "{rate}/s: {in_window} from {start}");
            }
            // At most about one millisecond's worth lost to rounding.
            let expected = rate * 4.999 - 1.0;
            assert!(
                sent.len() as f64 >= expected,
                "{rate}/s: only {}",
                sent.len()
            );
        }
    }

    #[test]
    fn nonsense_rates_mean_unlimited() {
        for rate in [
            None,
            Some(0.0),
            Some(-1.0),
            Some(f64::NAN),
            Some(f64::INFINITY),
        ] {
            let mut p = Pacer::new(rate);
            p.record(5);
            assert!(p.allows(5));
            assert_eq!(p.ready_at(), None);
        }
    }
}
