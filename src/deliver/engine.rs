//! The delivery state machine: batches in, requests out, answers in, row
//! outcomes out. No I/O, no clock, no threads: the caller passes `now_ms`.

use std::collections::{BTreeMap, VecDeque};

use super::config::EngineConfig;
use super::policy::{backoff_ms, classify, SplitMix64, Verdict};
use super::rate::Pacer;
use super::types::{DeliveryStats, Event, Outcome, RequestId, Transmit};
use crate::batch::Batch;

/// How long past its own timeout a request may stay unanswered before the
/// engine treats it as timed out itself. The driver is supposed to report
/// [`Outcome::Timeout`]; this only keeps a driver that forgets (a fetch with
/// no abort signal) from stalling the run forever.
pub const WATCHDOG_GRACE_MS: u64 = 10_000;

/// A batch waiting to be sent: new, a split half, or a retry on a timer.
#[derive(Debug)]
struct Pending {
    batch: Batch,
    /// Attempts made so far.
    attempts: u32,
    first_failure_ms: Option<u64>,
    last_error: Option<String>,
    /// Not to be sent before this instant.
    due_ms: u64,
}

/// A request handed out and not yet answered.
#[derive(Debug)]
struct InFlight {
    pending: Pending,
    /// When the engine stops waiting for the driver (see [`WATCHDOG_GRACE_MS`]).
    watchdog_ms: u64,
}

/// Why nothing new is sent any more.
#[derive(Debug)]
enum Stop {
    /// The run was cancelled; the reason as the caller words it (e.g.
    /// `cancelled (Ctrl-C)`), used as is for every row left undelivered.
    Aborted(String),
    /// The endpoint refused the run; the reason is the server's answer.
    Fatal(String),
}

impl Stop {
    fn reason(&self) -> &str {
        match self {
            Stop::Aborted(r) | Stop::Fatal(r) => r,
        }
    }
}

/// The sans-IO delivery engine.
///
/// It owns the batches until each row is settled, decides what to send and
/// when, and turns answers into [`Event`]s. The caller does the HTTP and tells
/// the time. Every row pushed ends in exactly one [`Event::Acknowledged`],
/// [`Event::Rejected`] or [`Event::Undelivered`], exactly once, whatever the
/// answers and whatever the call order.
///
/// # Call order
///
/// A driver loop (tokio in the CLI, `fetch` in a browser worker, a fake in
/// tests) repeats:
///
/// 1. **Feed**: `while engine.wants_batches()` push the next batch with
///    [`push_batch`](Self::push_batch); at the end of the input call
///    [`finish_input`](Self::finish_input) once.
/// 2. **Send**: `while let Some(t) = engine.poll_transmit(now)` start an HTTP
///    request with `t.body`, giving up after `t.timeout_ms`.
/// 3. **Answer**: when a request ends, call
///    [`handle_response`](Self::handle_response) with its id and the
///    [`Outcome`] (answers may come in any order).
/// 4. **Report**: `while let Some(e) = engine.poll_event()` update the
///    progress, the report and the checkpoint.
/// 5. **Wait**: if [`is_done`](Self::is_done), stop. Otherwise sleep until a
///    request ends or until [`poll_timeout`](Self::poll_timeout) (when it is
///    `Some`), call [`handle_timeout`](Self::handle_timeout) with the new
///    time, and go to 1.
///
/// [`abort`](Self::abort) may be called at any point (the user pressed
/// cancel); keep answering requests in flight and draining events until
/// `is_done()`.
///
/// ```
/// use segment_backfill::batch::{BatchOptions, Batcher};
/// use segment_backfill::deliver::{DeliveryEngine, EngineConfig, Event, Outcome};
///
/// let mut batcher = Batcher::new(BatchOptions { max_messages: 2, ..Default::default() });
/// for row in 1..=5 {
///     batcher.push(row, br#"{"type":"track","userId":"u1","event":"E"}"#);
/// }
/// batcher.flush();
///
/// let mut engine = DeliveryEngine::new(EngineConfig::default());
/// let mut now = 1_767_225_600_000; // the driver's clock
/// let mut delivered = 0;
/// while !engine.is_done() {
///     while engine.wants_batches() {
///         match batcher.pop() {
///             Some(batch) => engine.push_batch(batch),
///             None => { engine.finish_input(); break; }
///         }
///     }
///     while let Some(t) = engine.poll_transmit(now) {
///         // A real driver POSTs `t.body` here; this one answers 200 at once.
///         engine.handle_response(t.id, Outcome::status(200, r#"{"success":true}"#), now);
///     }
///     while let Some(event) = engine.poll_event() {
///         if let Event::Acknowledged { rows, .. } = event {
///             delivered += rows.len();
///         }
///     }
///     if let Some(at) = engine.poll_timeout() {
///         now = now.max(at); // a real driver sleeps until then
///         engine.handle_timeout(now);
///     }
/// }
/// assert_eq!(delivered, 5);
/// ```
///
/// Calls out of this order are safe: nothing panics, an answer for an id the
/// engine does not know (or already settled) is counted in
/// [`DeliveryStats::responses_ignored`] and otherwise ignored, and a batch
/// pushed after `finish_input` or after the run stopped is still accounted
/// for.
#[derive(Debug)]
pub struct DeliveryEngine {
    config: EngineConfig,
    /// Batches waiting to be sent, in row order (key: first row, then a
    /// counter). The first one whose timer is due goes next, so a retry or a
    /// split half goes before newer batches, while a batch backing off does
    /// not hold up the others.
    queue: BTreeMap<(u64, u64), Pending>,
    next_key: u64,
    in_flight: BTreeMap<RequestId, InFlight>,
    next_id: u64,
    events: VecDeque<Event>,
    pacer: Pacer,
    /// A 429/503 with Retry-After holds back every request, not only the
    /// batch that got it: the limit is the workspace's, not the batch's.
    paused_until_ms: u64,
    rng: SplitMix64,
    input_finished: bool,
    stop: Option<Stop>,
    stats: DeliveryStats,
}

impl DeliveryEngine {
    /// An engine with nothing to send yet.
    pub fn new(config: EngineConfig) -> DeliveryEngine {
        let config = config.sanitized();
        DeliveryEngine {
            pacer: Pacer::new(config.max_requests_per_sec),
            rng: SplitMix64::new(config.seed),
            config,
            queue: BTreeMap::new(),
            next_key: 0,
            in_flight: BTreeMap::new(),
            next_id: 1,
            events: VecDeque::new(),
            paused_until_ms: 0,
            input_finished: false,
            stop: None,
            stats: DeliveryStats::default(),
        }
    }

    /// The configuration in use (after zero values were made usable).
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Backpressure: whether the engine wants another batch now. False once
    /// `queue_target` batches wait (retries included, so a failing server
    /// stops the input from piling up) or once the run stopped.
    pub fn wants_batches(&self) -> bool {
        self.stop.is_none() && self.queue.len() < self.config.queue_target
    }

    /// Queues a batch for sending. After an abort or a fatal answer, its rows
    /// are declared undelivered at once, so none is ever lost. An empty batch
    /// is ignored (it has no row to account for).
    pub fn push_batch(&mut self, batch: Batch) {
        if batch.is_empty() {
            return;
        }
        self.stats.batches_pushed += 1;
        self.stats.messages_pushed += batch.len() as u64;
        if let Some(stop) = &self.stop {
            let reason = stop.reason().to_string();
            self.undeliver(&batch, reason);
            return;
        }
        self.enqueue(Pending {
            batch,
            attempts: 0,
            first_failure_ms: None,
            last_error: None,
            due_ms: 0,
        });
    }

    /// Says no more batches will come, so [`is_done`](Self::is_done) can
    /// become true.
    pub fn finish_input(&mut self) {
        self.input_finished = true;
    }

    /// The next request to perform, if one may go at `now_ms`: fewer than
    /// `max_in_flight` are out, the rate limit and any Retry-After pause
    /// allow it, and a batch is due. Call it until it returns `None`.
    ///
    /// Each attempt gets a fresh `sentAt` (`now_ms`) in its body: Segment
    /// dates events by `receivedAt - (sentAt - timestamp)`, so a stale
    /// `sentAt` on a retry would shift every event by the retry delay.
    pub fn poll_transmit(&mut self, now_ms: u64) -> Option<Transmit> {
        if self.stop.is_some()
            || self.in_flight.len() >= self.config.max_in_flight
            || now_ms < self.paused_until_ms
            || !self.pacer.allows(now_ms)
        {
            return None;
        }
        let key = self
            .queue
            .iter()
            .find(|(_, p)| p.due_ms <= now_ms)
            .map(|(k, _)| *k)?;
        let mut pending = self.queue.remove(&key)?;
        pending.attempts = pending.attempts.saturating_add(1);
        // `set_sent_at` takes i64; no real clock reaches the clamp.
        pending
            .batch
            .set_sent_at(i64::try_from(now_ms).unwrap_or(i64::MAX));
        let id = RequestId(self.next_id);
        self.next_id += 1;
        let transmit = Transmit {
            id,
            body: pending.batch.body().to_vec(),
            messages: pending.batch.len(),
            rows: pending.batch.rows().collect(),
            attempt: pending.attempts,
            seq: pending.batch.seq(),
            timeout_ms: self.config.request_timeout_ms,
        };
        self.pacer.record(now_ms);
        self.stats.requests += 1;
        self.stats.bytes_sent += transmit.body.len() as u64;
        if pending.attempts == 1 {
            self.stats.batches_sent += 1;
        } else {
            self.stats.retries += 1;
        }
        let watchdog_ms = now_ms
            .saturating_add(self.config.request_timeout_ms)
            .saturating_add(WATCHDOG_GRACE_MS);
        self.in_flight.insert(
            id,
            InFlight {
                pending,
                watchdog_ms,
            },
        );
        self.refresh_gauges();
        Some(transmit)
    }

    /// Takes the answer to request `id`. Answers may arrive in any order;
    /// one for an unknown or already answered id is ignored.
    pub fn handle_response(&mut self, id: RequestId, outcome: Outcome, now_ms: u64) {
        let Some(flight) = self.in_flight.remove(&id) else {
            self.stats.responses_ignored += 1;
            return;
        };
        let verdict = classify(&outcome, self.config.request_timeout_ms);
        self.settle(flight.pending, verdict, now_ms);
        self.refresh_gauges();
    }

    /// The earliest instant at which the engine has something to do without
    /// any answer arriving: a retry timer or the rate limit lets a request
    /// go, or a request has gone unanswered far too long. `None` when
    /// nothing waits on time (then only an answer, a batch or
    /// `finish_input` can move things). The instant may be in the past:
    /// then call [`poll_transmit`](Self::poll_transmit) right away.
    pub fn poll_timeout(&self) -> Option<u64> {
        let watchdog = self.in_flight.values().map(|f| f.watchdog_ms).min();
        let send = if self.stop.is_none() && self.in_flight.len() < self.config.max_in_flight {
            self.queue.values().map(|p| p.due_ms).min().map(|due| {
                due.max(self.paused_until_ms)
                    .max(self.pacer.ready_at().unwrap_or(0))
            })
        } else {
            None
        };
        match (watchdog, send) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Tells the engine the time moved on to `now_ms` (call it when the
    /// instant from [`poll_timeout`](Self::poll_timeout) is reached). Retry
    /// timers need no work here (`poll_transmit` checks them); requests
    /// unanswered past their watchdog are settled as timeouts, and a late
    /// answer to one of them is then ignored.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        let expired: Vec<RequestId> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.watchdog_ms <= now_ms)
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            if let Some(flight) = self.in_flight.remove(&id) {
                let verdict = Verdict::Retry {
                    reason: format!(
                        "no answer within {} ms (the driver never reported one)",
                        self.config
                            .request_timeout_ms
                            .saturating_add(WATCHDOG_GRACE_MS)
                    ),
                    retry_after_ms: None,
                    throttled: false,
                };
                self.settle(flight.pending, verdict, now_ms);
            }
        }
        self.refresh_gauges();
    }

    /// The next thing that happened, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Cancels the run: nothing new is sent, every batch waiting is declared
    /// undelivered now, and requests in flight settle as their answers come
    /// (a 2xx still counts as delivered). Only the first stop counts: after
    /// a fatal answer, the fatal reason stays.
    pub fn abort(&mut self, reason: String) {
        if self.stop.is_some() {
            return;
        }
        self.stop = Some(Stop::Aborted(reason));
        self.drain_queue();
    }

    /// Tells the engine that the driver held every request back from
    /// `from_ms` to `to_ms` because the user paused the run. That time does
    /// not count towards `give_up_after_ms`: the failing time of each batch
    /// waiting or in flight loses the part of the pause after its first
    /// failure, so a long pause does not make the next failure a give-up.
    /// Call it when the run resumes. (Retry timers that ran out during the
    /// pause are simply due; nothing else in the engine depends on it.)
    pub fn paused_between(&mut self, from_ms: u64, to_ms: u64) {
        let pendings = self
            .queue
            .values_mut()
            .chain(self.in_flight.values_mut().map(|f| &mut f.pending));
        for pending in pendings {
            if let Some(first) = pending.first_failure_ms.as_mut() {
                if *first < to_ms {
                    *first = first.saturating_add(to_ms - (*first).max(from_ms));
                }
            }
        }
    }

    /// True once the input is finished (or the run stopped) and no batch is
    /// waiting or in flight. Events may remain to be drained.
    pub fn is_done(&self) -> bool {
        (self.input_finished || self.stop.is_some())
            && self.queue.is_empty()
            && self.in_flight.is_empty()
    }

    /// Running counts.
    pub fn stats(&self) -> &DeliveryStats {
        &self.stats
    }

    /// Applies what an answer means to the batch that was sent.
    fn settle(&mut self, mut pending: Pending, verdict: Verdict, now_ms: u64) {
        match verdict {
            Verdict::Delivered => self.acknowledge(&pending.batch),
            Verdict::Refused(reason) => self.refused(pending.batch, reason, now_ms),
            Verdict::Fatal { status, reason } => {
                if self.stop.is_none() {
                    self.stop = Some(Stop::Fatal(reason.clone()));
                    self.events.push_back(Event::Fatal {
                        status,
                        reason: reason.clone(),
                    });
                    self.drain_queue();
                }
                self.undeliver(&pending.batch, reason);
            }
            Verdict::Retry {
                reason,
                retry_after_ms,
                throttled,
            } => {
                if throttled {
                    self.stats.throttled += 1;
                }
                if let Some(stop) = &self.stop {
                    let reason = format!("{}; last error: {reason}", stop.reason());
                    self.undeliver(&pending.batch, reason);
                    return;
                }
                // The server's "later" holds for every request, whether or
                // not this batch gets another try.
                let retry_after = retry_after_ms.map(|ms| ms.min(self.config.retry_after_cap_ms));
                if let Some(wait) = retry_after {
                    self.paused_until_ms = self.paused_until_ms.max(now_ms.saturating_add(wait));
                }
                let first = *pending.first_failure_ms.get_or_insert(now_ms);
                let failing_for = now_ms.saturating_sub(first);
                if failing_for >= self.config.give_up_after_ms {
                    let reason = format!(
                        "gave up after {} attempts over {} s; last error: {reason}",
                        pending.attempts,
                        failing_for / 1000
                    );
                    self.undeliver(&pending.batch, reason);
                    return;
                }
                if let Some(max) = self.config.max_attempts {
                    if pending.attempts >= max {
                        let reason = format!(
                            "gave up after {} attempts; last error: {reason}",
                            pending.attempts
                        );
                        self.undeliver(&pending.batch, reason);
                        return;
                    }
                }
                let delay = match retry_after {
                    Some(wait) => wait,
                    None => backoff_ms(
                        pending.attempts,
                        self.config.backoff_base_ms,
                        self.config.backoff_max_ms,
                        &mut self.rng,
                    ),
                };
                pending.due_ms = now_ms.saturating_add(delay);
                self.events.push_back(Event::Retrying {
                    seq: pending.batch.seq(),
                    attempt: pending.attempts.saturating_add(1),
                    at_ms: pending.due_ms,
                    reason: reason.clone(),
                });
                pending.last_error = Some(reason);
                self.enqueue(pending);
            }
        }
    }

    /// 400/413: split the batch to find the refused message(s), or reject the
    /// single message. The halves go first (their rows are older than any new
    /// batch) and start a fresh attempt count: a refusal is an answer, not a
    /// transient failure.
    fn refused(&mut self, batch: Batch, reason: String, now_ms: u64) {
        if batch.len() == 1 {
            for row in batch.rows() {
                self.stats.messages_rejected += 1;
                self.events.push_back(Event::Rejected {
                    row,
                    reason: reason.clone(),
                });
            }
            return;
        }
        if let Some(stop) = &self.stop {
            let reason = format!("{}; last error: {reason}", stop.reason());
            self.undeliver(&batch, reason);
            return;
        }
        match batch.split() {
            Some((left, right)) => {
                self.stats.splits += 1;
                for half in [left, right] {
                    self.enqueue(Pending {
                        batch: half,
                        attempts: 0,
                        first_failure_ms: None,
                        last_error: None,
                        due_ms: now_ms,
                    });
                }
            }
            // Unreachable for a batch of two or more, but if it ever
            // happened the rows must still end somewhere.
            None => self.undeliver(&batch, reason),
        }
    }

    fn enqueue(&mut self, pending: Pending) {
        let first_row = pending.batch.row_range().map_or(0, |(first, _)| first);
        self.queue.insert((first_row, self.next_key), pending);
        self.next_key += 1;
        self.refresh_gauges();
    }

    /// Declares every waiting batch undelivered (after an abort or a fatal answer).
    fn drain_queue(&mut self) {
        let reason = match &self.stop {
            Some(stop) => stop.reason().to_string(),
            None => return,
        };
        let queue = std::mem::take(&mut self.queue);
        for (_, pending) in queue {
            let reason = match &pending.last_error {
                Some(last) => format!("{reason}; last error: {last}"),
                None => reason.clone(),
            };
            self.undeliver(&pending.batch, reason);
        }
        self.refresh_gauges();
    }

    fn acknowledge(&mut self, batch: &Batch) {
        self.stats.batches_acknowledged += 1;
        self.stats.messages_acknowledged += batch.len() as u64;
        self.events.push_back(Event::Acknowledged {
            seq: batch.seq(),
            rows: batch.rows().collect(),
        });
    }

    fn undeliver(&mut self, batch: &Batch, reason: String) {
        self.stats.messages_undelivered += batch.len() as u64;
        self.events.push_back(Event::Undelivered {
            rows: batch.rows().collect(),
            reason,
        });
    }

    fn refresh_gauges(&mut self) {
        self.stats.in_flight = self.in_flight.len();
        self.stats.queued = self.queue.len();
    }
}
