//! The engine's knobs, with the defaults the official libraries use where
//! there is one to copy (analytics-node: backoff 0.5–60 s, Retry-After capped
//! at 300 s).

/// How the [`DeliveryEngine`](super::DeliveryEngine) paces, retries and gives up.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// Requests waiting for an answer at once. Default 4. (0 is read as 1.)
    pub max_in_flight: usize,
    /// Requests per second, spread evenly; `None` (or a value ≤ 0) = unlimited.
    pub max_requests_per_sec: Option<f64>,
    /// How long a batch may keep failing, from its first failure, before its
    /// rows are declared undelivered. Default 6 hours.
    pub give_up_after_ms: u64,
    /// Optional cap on attempts per batch; `None` = only the time limit.
    pub max_attempts: Option<u32>,
    /// The first backoff ceiling. Default 500 ms.
    pub backoff_base_ms: u64,
    /// The largest backoff ceiling. Default 60 s.
    pub backoff_max_ms: u64,
    /// The longest `Retry-After` honoured. Default 300 s.
    pub retry_after_cap_ms: u64,
    /// Handed to the driver in each [`Transmit`](super::Transmit). Default 30 s.
    pub request_timeout_ms: u64,
    /// Batches the engine wants buffered (new, halves and retries waiting).
    /// 0, the default, means `2 * max_in_flight`, so raising `max_in_flight`
    /// alone (`..Default::default()`) keeps the buffer in proportion.
    pub queue_target: usize,
    /// Seed for the jitter, so a run (or a test) can be repeated exactly.
    pub seed: u64,
}

/// Six hours: long enough to ride out an incident, short enough that a run
/// started in the evening has an answer in the morning.
pub const DEFAULT_GIVE_UP_AFTER_MS: u64 = 6 * 60 * 60 * 1000;

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_in_flight: 4,
            max_requests_per_sec: None,
            give_up_after_ms: DEFAULT_GIVE_UP_AFTER_MS,
            max_attempts: None,
            backoff_base_ms: 500,
            backoff_max_ms: 60_000,
            retry_after_cap_ms: 300_000,
            request_timeout_ms: 30_000,
            queue_target: 0,
            seed: 0x5E6_3E47,
        }
    }
}

impl EngineConfig {
    /// The config with values that would stall the engine forever made usable
    /// (zero in flight would never send) and the automatic queue target filled in.
    pub(crate) fn sanitized(mut self) -> EngineConfig {
        self.max_in_flight = self.max_in_flight.max(1);
        if self.queue_target == 0 {
            self.queue_target = self.max_in_flight.saturating_mul(2);
        }
        self.backoff_max_ms = self.backoff_max_ms.max(self.backoff_base_ms);
        self
    }
}
