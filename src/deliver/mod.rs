//! Delivery: getting every batch to the API, or saying exactly which rows did
//! not get there and why.
//!
//! # Design
//!
//! [`DeliveryEngine`] is sans-IO, in the manner of quinn-proto's `Connection`: it
//! performs no I/O, reads no clock and starts no thread. The caller feeds it
//! batches, asks it for requests to perform ([`DeliveryEngine::poll_transmit`]),
//! reports each answer ([`DeliveryEngine::handle_response`]), sleeps until
//! [`DeliveryEngine::poll_timeout`] and reads [`Event`]s. Time is a `now_ms: u64`
//! argument. So the CLI (tokio + reqwest), the browser worker (`fetch`) and
//! the tests (a fake server on virtual time, with injected faults) drive the
//! same code. The call order is spelled out on [`DeliveryEngine`].
//!
//! The invariant everything else serves: **every row pushed ends in exactly
//! one of [`Event::Acknowledged`], [`Event::Rejected`] or
//! [`Event::Undelivered`], exactly once.** The send session
//! ([`crate::session`]) turns those events into a checkpoint and a report.
//!
//! # What each answer does
//!
//! | answer | what happens |
//! | --- | --- |
//! | 2xx | the batch's rows are `Acknowledged` |
//! | 400, 413, batch of ≥ 2 | split in two (`Batch::split`); both halves go before newer batches. One bad message among `n` costs about `2·log2(n)` extra requests |
//! | 400, 413, one message | that row is `Rejected` with `HTTP 400: <server body, ≤ 300 chars>` |
//! | network error, timeout, 408, 5xx except 501/505/511 | retried after the backoff |
//! | 429, 503 with `Retry-After` | retried after `Retry-After` (capped at `retry_after_cap_ms`); until then no request at all is sent, since the limit is the workspace's |
//! | 429, 503 without it (or with 0) | retried after the backoff |
//! | 401, 403, 404, 405, 410, other 4xx, 501, 505, 511, 1xx, ≥ 600 | `Fatal` once; nothing new is sent; answers in flight still count; every other row ends `Undelivered` with that reason |
//! | 3xx ([`Outcome::Redirected`]) | the same: redirects are never followed (the body, and with body auth the key, would be re-posted elsewhere); the reason names where it pointed |
//!
//! **Backoff**: after the `k`-th failed attempt the ceiling is
//! `backoff_base_ms · 2^(k-1)`, capped at `backoff_max_ms` (500 ms … 60 s by
//! default, as analytics-node), and the wait is drawn uniformly from
//! `[ceiling/2, ceiling]` with a seeded splitmix64: spread out, yet still
//! growing.
//!
//! **Giving up**: a failure that arrives `give_up_after_ms` (6 h) or more after
//! the batch's first failure, or that ends attempt number `max_attempts`,
//! turns the batch's rows `Undelivered` with the last error as the reason.
//!
//! **Order**: waiting batches are kept in row order and the first whose timer
//! is due goes next: a due retry or a split half goes before newer batches,
//! while a batch that is backing off does not hold the others up.
//!
//! **Rate**: `max_requests_per_sec` spaces requests evenly (at most `⌈r⌉` in
//! any second); `max_in_flight` bounds concurrency; `queue_target` bounds the
//! batches held (retries included), which is the backpressure on the input.
//!
//! **Abort**: nothing new is sent, waiting batches are `Undelivered` at once,
//! answers in flight still settle their rows.

pub mod compress;
mod config;
pub mod endpoint;
mod engine;
mod policy;
mod rate;
mod types;

pub use config::{EngineConfig, DEFAULT_GIVE_UP_AFTER_MS};
pub use engine::{DeliveryEngine, WATCHDOG_GRACE_MS};
pub use policy::SplitMix64;
pub use types::{DeliveryStats, Event, Outcome, RequestId, Transmit};
