//! Seeded fault injection, so retry logic can be tested reproducibly without
//! a `rand` dependency.

use crate::deliver::SplitMix64;
use std::sync::Mutex;
use std::time::Duration;

use super::lock;

/// A misbehaviour chosen for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fault {
    /// 429 with `Retry-After: 1` and `X-RateLimit-Reset: 1`.
    RateLimited,
    /// 500.
    ServerError,
    /// 503.
    Unavailable,
    /// Close the connection without answering.
    DropConnection,
    /// Wait this long, then process the request normally.
    Slow(Duration),
}

/// Decides per request whether to inject a fault.
pub(super) struct Faults {
    rate: f64,
    rng: Mutex<SplitMix64>,
}

impl Faults {
    /// `rate` is clamped to 0.0..=1.0 (NaN means never).
    pub(super) fn new(rate: f64, seed: u64) -> Faults {
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        Faults {
            rate,
            rng: Mutex::new(SplitMix64::new(seed)),
        }
    }

    /// Rolls for one request. Every request takes the same three numbers in
    /// one lock, so the sequence of outcomes depends only on the seed and the
    /// order in which requests arrive; with concurrent clients the counts of
    /// each outcome over N requests are still reproducible.
    pub(super) fn draw(&self) -> Option<Fault> {
        if self.rate <= 0.0 {
            return None;
        }
        let (roll, kind, extra) = {
            let mut rng = lock(&self.rng);
            (rng.next(), rng.next(), rng.next())
        };
        // 53 random bits give a uniform float in [0, 1); a rate of 1.0 always hits.
        let unit = (roll >> 11) as f64 / (1u64 << 53) as f64;
        if unit >= self.rate {
            return None;
        }
        Some(match kind % 5 {
            0 => Fault::RateLimited,
            1 => Fault::ServerError,
            2 => Fault::Unavailable,
            3 => Fault::DropConnection,
            _ => Fault::Slow(Duration::from_millis(2_000 + extra % 1_001)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_bounds_and_reproducibility() {
        let never = Faults::new(0.0, 1);
        assert!((0..1000).all(|_| never.draw().is_none()));
        let always = Faults::new(1.0, 1);
        assert!((0..1000).all(|_| always.draw().is_some()));
        let a = Faults::new(0.3, 42);
        let b = Faults::new(0.3, 42);
        let first: Vec<_> = (0..1000).map(|_| a.draw()).collect();
        let second: Vec<_> = (0..1000).map(|_| b.draw()).collect();
        assert_eq!(first, second);
        let hits = first.iter().filter(|f| f.is_some()).count();
        assert!((200..400).contains(&hits), "{hits} faults out of 1000");
        for fault in first.into_iter().flatten() {
            if let Fault::Slow(d) = fault {
                assert!((2_000..=3_000).contains(&d.as_millis()));
            }
        }
    }
}
