//! The delivery engine on virtual time, against a fake server with scripted
//! and seeded-random faults.
//!
//! Every scenario runs through [`Sim`], which plays the driver's part exactly
//! as the engine's docs describe and checks, on every request: `max_in_flight`
//! is never exceeded, no request goes before a retry timer or a Retry-After
//! pause, the body carries a fresh `sentAt` (now), and the body's messages are
//! the batch's. At the end [`Sim::finals`] checks the invariant: every row in
//! exactly one final state, exactly once.

use std::collections::{BTreeMap, HashMap, VecDeque};

use segment_backfill::batch::{Batch, BatchOptions, Batcher};
use segment_backfill::deliver::{
    DeliveryEngine, EngineConfig, Event, Outcome, RequestId, SplitMix64, Transmit,
    WATCHDOG_GRACE_MS,
};
use serde_json::Value;

/// 2026-01-01T00:00:00.000Z: virtual time starts at a real-looking instant so
/// the `sentAt` check reads a real date.
const T0: u64 = 1_767_225_600_000;

// ---------------------------------------------------------------- input ---

/// Batches of `per_batch` messages for rows `first..first + n`; rows in
/// `poisoned` carry the marker the fake server refuses.
fn batches(first: u64, n: u64, per_batch: usize, poisoned: &[u64]) -> VecDeque<Batch> {
    let mut b = Batcher::new(BatchOptions {
        max_messages: per_batch,
        ..Default::default()
    });
    for row in first..first + n {
        let poison = if poisoned.contains(&row) {
            r#","poison":true"#
        } else {
            ""
        };
        let msg = format!(
            r#"{{"type":"track","userId":"u{row}","event":"E","properties":{{"row":{row}{poison}}}}}"#
        );
        b.push(row, msg.as_bytes());
    }
    b.flush();
    std::iter::from_fn(|| b.pop()).collect()
}

// --------------------------------------------------------- fake server ---

/// What the fake server sees of one request.
#[derive(Debug, Clone)]
struct Req {
    seq: u64,
    attempt: u32,
    rows: Vec<u64>,
    poisoned: bool,
    /// Requests answered so far, this one excluded.
    index: usize,
}

/// The fake server's answer: an outcome after a latency, or silence.
struct Reply {
    outcome: Option<Outcome>,
    latency_ms: u64,
}

fn reply(outcome: Outcome, latency_ms: u64) -> Reply {
    Reply {
        outcome: Some(outcome),
        latency_ms,
    }
}

fn ok() -> Outcome {
    Outcome::status(200, r#"{"success":true}"#)
}

fn with_retry_after(code: u16, ms: u64) -> Outcome {
    Outcome::Status {
        code,
        retry_after_ms: Some(ms),
        body: "slow down".into(),
    }
}

/// The server everyone would like: 200, except 400 for a poisoned body.
fn honest(r: &Req) -> Reply {
    if r.poisoned {
        reply(
            Outcome::status(400, r#"{"success":false,"error":"invalid message"}"#),
            40,
        )
    } else {
        reply(ok(), 40)
    }
}

/// The fault models' dice: the crate's own seeded splitmix64.
struct Rng(SplitMix64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(SplitMix64::new(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.next()
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

// --------------------------------------------------------------- driver ---

/// One request as the driver performed it.
#[derive(Debug, Clone)]
struct Sent {
    at: u64,
    seq: u64,
    attempt: u32,
    rows: Vec<u64>,
}

/// The final state of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Final {
    Acknowledged,
    Rejected(String),
    Undelivered(String),
}

type Server = Box<dyn FnMut(&Req) -> Reply>;

struct Sim {
    engine: DeliveryEngine,
    max_in_flight: usize,
    input: VecDeque<Batch>,
    input_finished: bool,
    now: u64,
    server: Server,
    /// Answers on their way: (arrival, order, id, outcome).
    replies: Vec<(u64, u64, RequestId, Outcome)>,
    reply_order: u64,
    /// Requests whose answer never comes, with the instant the engine's
    /// watchdog stops counting them as in flight.
    silent: Vec<(RequestId, u64)>,
    sent: Vec<Sent>,
    events: Vec<(u64, Event)>,
    /// Announced retry timers by (seq, attempt): the attempt may not go
    /// before one of them. (Halves of a split share their parent's seq.)
    retry_timers: HashMap<(u64, u32), Vec<u64>>,
    /// No request at all before this instant (a Retry-After pause).
    paused_until: u64,
    retry_after_cap_ms: u64,
    /// Abort when this many requests have been sent.
    abort_after: Option<usize>,
    aborted_at: Option<u64>,
    fatal_at: Option<u64>,
}

impl Sim {
    fn new(config: EngineConfig, input: VecDeque<Batch>, server: Server) -> Sim {
        Sim {
            max_in_flight: config.max_in_flight,
            retry_after_cap_ms: config.retry_after_cap_ms,
            engine: DeliveryEngine::new(config),
            input,
            input_finished: false,
            now: T0,
            server,
            replies: Vec::new(),
            reply_order: 0,
            silent: Vec::new(),
            sent: Vec::new(),
            events: Vec::new(),
            retry_timers: HashMap::new(),
            paused_until: 0,
            abort_after: None,
            aborted_at: None,
            fatal_at: None,
        }
    }

    /// Runs the driver loop of the engine's docs until `is_done()`.
    fn run(&mut self) -> &mut Sim {
        let mut idle_spins = 0;
        loop {
            // 1. Feed.
            while self.engine.wants_batches() {
                match self.input.pop_front() {
                    Some(b) => self.engine.push_batch(b),
                    None => break,
                }
            }
            if self.input.is_empty() && !self.input_finished {
                self.engine.finish_input();
                self.input_finished = true;
            }
            // 2. Send.
            while let Some(t) = self.engine.poll_transmit(self.now) {
                self.on_transmit(t);
                if self.abort_after == Some(self.sent.len()) {
                    self.engine.abort("user pressed cancel".into());
                    self.aborted_at = Some(self.now);
                }
            }
            // 4. Report.
            self.drain_events();
            // 5. Wait.
            if self.engine.is_done() {
                break;
            }
            let next_reply = self.replies.iter().map(|r| r.0).min();
            let next = match (next_reply, self.engine.poll_timeout()) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => a.or(b).unwrap_or_else(|| {
                    panic!("stalled at {}: nothing in flight, nothing timed", self.now)
                }),
            };
            if next <= self.now {
                idle_spins += 1;
                assert!(idle_spins < 10_000, "busy loop at {}", self.now);
            } else {
                idle_spins = 0;
            }
            self.now = self.now.max(next);
            // 3. Answer, in arrival order (so out of send order).
            self.replies.sort_by_key(|r| (r.0, r.1));
            while self.replies.first().is_some_and(|r| r.0 <= self.now) {
                let (_, _, id, outcome) = self.replies.remove(0);
                if let Outcome::Status {
                    code: 429 | 503,
                    retry_after_ms: Some(ms),
                    ..
                } = outcome
                {
                    if ms > 0 {
                        let until = self.now + ms.min(self.retry_after_cap_ms);
                        self.paused_until = self.paused_until.max(until);
                    }
                }
                self.engine.handle_response(id, outcome, self.now);
                self.drain_events();
            }
            self.engine.handle_timeout(self.now);
        }
        // After an abort the rest of the input may still be pushed: it must
        // come back as undelivered, not vanish.
        while let Some(b) = self.input.pop_front() {
            self.engine.push_batch(b);
        }
        self.drain_events();
        self
    }

    fn on_transmit(&mut self, t: Transmit) {
        assert!(self.aborted_at.is_none(), "sent after abort: {t:?}");
        assert!(self.fatal_at.is_none(), "sent after a fatal answer");
        let now = self.now;
        let outstanding =
            self.replies.len() + self.silent.iter().filter(|(_, until)| *until > now).count();
        assert!(
            outstanding < self.max_in_flight,
            "more than {} in flight",
            self.max_in_flight
        );
        assert!(now >= self.paused_until, "sent during a Retry-After pause");
        if t.attempt > 1 {
            let timers = self
                .retry_timers
                .get_mut(&(t.seq, t.attempt))
                .expect("a retry was announced by a Retrying event");
            let (i, &due) = timers
                .iter()
                .enumerate()
                .min_by_key(|(_, due)| **due)
                .expect("a timer for this attempt");
            assert!(
                now >= due,
                "batch {} sent at {now} before its timer {due}",
                t.seq
            );
            timers.swap_remove(i);
        }
        let body: Value = serde_json::from_slice(&t.body).expect("the body is JSON");
        let sent_at = body["sentAt"].as_str().expect("sentAt is a string");
        assert_eq!(
            parse_iso_millis(sent_at),
            self.now,
            "stale sentAt {sent_at}"
        );
        let msgs = body["batch"].as_array().expect("batch array");
        assert_eq!(msgs.len(), t.messages);
        let rows: Vec<u64> = msgs
            .iter()
            .map(|m| m["properties"]["row"].as_u64().expect("row"))
            .collect();
        let poisoned = msgs.iter().any(|m| m["properties"]["poison"] == true);
        let req = Req {
            seq: t.seq,
            attempt: t.attempt,
            rows: rows.clone(),
            poisoned,
            index: self.sent.len(),
        };
        let sent = Sent {
            at: self.now,
            seq: t.seq,
            attempt: t.attempt,
            rows,
        };
        self.sent.push(sent);
        let Reply {
            outcome,
            latency_ms,
        } = (self.server)(&req);
        match outcome {
            Some(o) => {
                // A real driver aborts at `timeout_ms` and reports Timeout.
                let (at, o) = if latency_ms > t.timeout_ms {
                    (self.now + t.timeout_ms, Outcome::Timeout)
                } else {
                    (self.now + latency_ms, o)
                };
                self.replies.push((at, self.reply_order, t.id, o));
                self.reply_order += 1;
            }
            None => self
                .silent
                .push((t.id, self.now + t.timeout_ms + WATCHDOG_GRACE_MS)),
        }
    }

    fn drain_events(&mut self) {
        while let Some(e) = self.engine.poll_event() {
            match &e {
                Event::Retrying {
                    seq,
                    attempt,
                    at_ms,
                    ..
                } => {
                    assert!(*at_ms >= self.now, "a retry timer in the past");
                    self.retry_timers
                        .entry((*seq, *attempt))
                        .or_default()
                        .push(*at_ms);
                }
                Event::Fatal { .. } => {
                    assert!(self.fatal_at.is_none(), "two Fatal events");
                    self.fatal_at = Some(self.now);
                }
                _ => {}
            }
            self.events.push((self.now, e));
        }
        assert!(self.engine.stats().in_flight <= self.max_in_flight.max(1));
    }

    /// Every row's final state; panics if a row has none or more than one.
    fn finals(&self, rows: impl IntoIterator<Item = u64>) -> BTreeMap<u64, Final> {
        let mut finals = BTreeMap::new();
        let mut put = |row: u64, f: Final| {
            if let Some(old) = finals.insert(row, f.clone()) {
                panic!("row {row} settled twice: {old:?} then {f:?}");
            }
        };
        for (_, e) in &self.events {
            match e {
                Event::Acknowledged { rows, .. } => {
                    rows.iter().for_each(|&r| put(r, Final::Acknowledged))
                }
                Event::Rejected { row, reason } => put(*row, Final::Rejected(reason.clone())),
                Event::Undelivered { rows, reason } => rows
                    .iter()
                    .for_each(|&r| put(r, Final::Undelivered(reason.clone()))),
                Event::Retrying { .. } | Event::Fatal { .. } => {}
            }
        }
        let expected: Vec<u64> = rows.into_iter().collect();
        let got: Vec<u64> = finals.keys().copied().collect();
        assert_eq!(got, expected, "rows lost or invented");
        let s = self.engine.stats();
        assert_eq!(s.messages_settled(), expected.len() as u64);
        assert_eq!(s.messages_pushed, expected.len() as u64);
        assert_eq!(s.in_flight, 0);
        assert_eq!(s.queued, 0);
        finals
    }

    fn retrying(&self) -> Vec<(u64, u64, u32, u64, String)> {
        self.events
            .iter()
            .filter_map(|(now, e)| match e {
                Event::Retrying {
                    seq,
                    attempt,
                    at_ms,
                    reason,
                } => Some((*now, *seq, *attempt, *at_ms, reason.clone())),
                _ => None,
            })
            .collect()
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` to ms since the epoch (Hinnant's days_from_civil).
fn parse_iso_millis(s: &str) -> u64 {
    let b = s.as_bytes();
    assert_eq!(b.len(), 24, "{s}");
    let n = |a: usize, z: usize| -> i64 { s[a..z].parse().expect("digits") };
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = days * 86_400_000
        + n(11, 13) * 3_600_000
        + n(14, 16) * 60_000
        + n(17, 19) * 1000
        + n(20, 23);
    ms as u64
}

fn config() -> EngineConfig {
    EngineConfig {
        seed: 7,
        ..Default::default()
    }
}

fn count(finals: &BTreeMap<u64, Final>, pred: impl Fn(&Final) -> bool) -> usize {
    finals.values().filter(|f| pred(f)).count()
}

// ---------------------------------------------------------------- tests ---

#[test]
fn all_acknowledged_on_a_healthy_server() {
    let mut sim = Sim::new(config(), batches(2, 1_000, 50, &[]), Box::new(honest));
    sim.run();
    let finals = sim.finals(2..1_002);
    assert!(finals.values().all(|f| *f == Final::Acknowledged));
    let s = sim.engine.stats();
    assert_eq!(s.requests, 20);
    assert_eq!(s.batches_sent, 20);
    assert_eq!(s.retries, 0);
    assert_eq!(s.batches_acknowledged, 20);
    // Four at a time, 40 ms each.
    assert_eq!(sim.now - T0, 5 * 40);
}

#[test]
fn backoff_grows_with_jitter_and_is_capped() {
    let cfg = EngineConfig {
        backoff_base_ms: 500,
        backoff_max_ms: 8_000,
        ..config()
    };
    // Batch 1 fails ten times with 500, then succeeds; the rest are fine.
    let server = Box::new(|r: &Req| {
        if r.seq == 1 && r.attempt <= 10 {
            reply(Outcome::status(500, "boom"), 10)
        } else {
            reply(ok(), 10)
        }
    });
    let mut sim = Sim::new(cfg, batches(0, 100, 10, &[]), server);
    sim.run();
    let finals = sim.finals(0..100);
    assert!(finals.values().all(|f| *f == Final::Acknowledged));
    let retrying = sim.retrying();
    assert_eq!(retrying.len(), 10);
    for (k, (failed_at, seq, attempt, at_ms, reason)) in retrying.iter().enumerate() {
        let failed = k as u64 + 1;
        assert_eq!(*seq, 1);
        assert_eq!(*attempt as u64, failed + 1);
        assert_eq!(reason, "HTTP 500: boom");
        let ceiling = (500 * (1u64 << (failed - 1))).min(8_000);
        let wait = at_ms - failed_at;
        assert!(
            wait >= ceiling / 2 && wait <= ceiling,
            "failure {failed}: waited {wait}, ceiling {ceiling}"
        );
    }
    // Each attempt went exactly when its timer was due (nothing else blocked it).
    let attempts: Vec<&Sent> = sim.sent.iter().filter(|s| s.seq == 1).collect();
    assert_eq!(attempts.len(), 11);
    for (a, r) in attempts[1..].iter().zip(&retrying) {
        assert_eq!(a.at, r.3);
    }
    // The capped waits really are capped, and jitter spreads them.
    let capped: Vec<u64> = retrying[5..].iter().map(|r| r.3 - r.0).collect();
    assert!(capped.iter().all(|w| (4_000..=8_000).contains(w)));
    assert!(
        capped.windows(2).any(|w| w[0] != w[1]),
        "no jitter: {capped:?}"
    );
    assert_eq!(sim.engine.stats().retries, 10);
}

#[test]
fn retry_after_is_honoured_capped_and_pauses_everything() {
    for (code, retry_after, expected_wait) in [
        (429, 7_000, 7_000),
        (503, 2_500, 2_500),
        (429, 3_600_000, 300_000),
    ] {
        let server = Box::new(move |r: &Req| {
            if r.seq == 2 && r.attempt == 1 {
                reply(with_retry_after(code, retry_after), 20)
            } else {
                reply(ok(), 20)
            }
        });
        let mut sim = Sim::new(config(), batches(0, 200, 10, &[]), server);
        sim.run();
        let finals = sim.finals(0..200);
        assert!(finals.values().all(|f| *f == Final::Acknowledged));
        let retrying = sim.retrying();
        assert_eq!(retrying.len(), 1, "{code}");
        let (failed_at, seq, attempt, at_ms, reason) = &retrying[0];
        assert_eq!((*seq, *attempt), (2, 2));
        assert_eq!(at_ms - failed_at, expected_wait, "{code} {retry_after}");
        assert!(reason.starts_with(&format!("HTTP {code}")));
        // The whole engine waited: nothing was sent between the answer and
        // the end of the pause, and the retry went first when it ended.
        let after: Vec<&Sent> = sim.sent.iter().filter(|s| s.at > *failed_at).collect();
        assert!(
            after.iter().all(|s| s.at >= *at_ms),
            "{code}: sent during the pause"
        );
        assert_eq!(after.first().map(|s| (s.seq, s.attempt)), Some((2, 2)));
        assert_eq!(sim.engine.stats().throttled, u64::from(code == 429));
    }
}

#[test]
fn transient_failures_are_retried() {
    let faults: Vec<fn() -> Outcome> = vec![
        || Outcome::NetworkError("connection reset by peer".into()),
        || Outcome::Timeout,
        || Outcome::status(408, "request timeout"),
        || Outcome::status(500, ""),
        || Outcome::status(502, "bad gateway"),
        || Outcome::status(503, "unavailable"),
        || Outcome::status(504, "gateway timeout"),
        || Outcome::status(429, "too many"),
    ];
    for fault in faults {
        let server = Box::new(move |r: &Req| {
            if r.attempt <= 2 {
                reply(fault(), 30)
            } else {
                reply(ok(), 30)
            }
        });
        let mut sim = Sim::new(config(), batches(0, 60, 20, &[]), server);
        sim.run();
        let finals = sim.finals(0..60);
        assert!(
            finals.values().all(|f| *f == Final::Acknowledged),
            "{:?}",
            fault()
        );
        assert_eq!(sim.engine.stats().requests, 9);
        assert_eq!(sim.engine.stats().retries, 6);
    }
}

#[test]
fn a_real_timeout_is_reported_after_timeout_ms_and_retried() {
    let cfg = EngineConfig {
        request_timeout_ms: 5_000,
        ..config()
    };
    let server = Box::new(|r: &Req| {
        let latency = if r.attempt == 1 { 60_000 } else { 10 };
        reply(ok(), latency)
    });
    let mut sim = Sim::new(cfg, batches(0, 10, 10, &[]), server);
    sim.run();
    assert!(sim
        .finals(0..10)
        .values()
        .all(|f| *f == Final::Acknowledged));
    let r = sim.retrying();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0 - T0, 5_000);
    assert_eq!(r[0].4, "no answer within 5000 ms");
}

#[test]
fn due_retries_go_before_new_batches() {
    let cfg = EngineConfig {
        max_in_flight: 1,
        backoff_base_ms: 1_000,
        ..config()
    };
    let server = Box::new(|r: &Req| {
        if r.seq == 1 && r.attempt == 1 {
            reply(Outcome::status(500, ""), 100)
        } else {
            reply(ok(), 100)
        }
    });
    let mut sim = Sim::new(cfg, batches(0, 300, 10, &[]), server);
    sim.run();
    sim.finals(0..300);
    let due = sim.retrying()[0].3;
    let first_after_due = sim
        .sent
        .iter()
        .find(|s| s.at >= due)
        .expect("something was sent after the timer");
    assert_eq!((first_after_due.seq, first_after_due.attempt), (1, 2));
    // Meanwhile the others did not wait for batch 1.
    assert!(sim.sent.iter().any(|s| s.seq > 1 && s.at < due));
}

#[test]
fn max_in_flight_is_never_exceeded_with_answers_out_of_order() {
    for max_in_flight in [1, 2, 4, 9] {
        let mut rng = Rng::new(max_in_flight as u64);
        let server = Box::new(move |r: &Req| {
            let mut rep = honest(r);
            rep.latency_ms = 1 + rng.below(500);
            rep
        });
        let cfg = EngineConfig {
            max_in_flight,
            ..config()
        };
        let mut sim = Sim::new(cfg, batches(0, 2_000, 7, &[]), server);
        sim.run(); // `on_transmit` asserts the bound on every request
        assert!(sim
            .finals(0..2_000)
            .values()
            .all(|f| *f == Final::Acknowledged));
        // Answers really did overtake each other.
        let order: Vec<u64> = sim
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::Acknowledged { seq, .. } => Some(*seq),
                _ => None,
            })
            .collect();
        if max_in_flight > 1 {
            assert!(order.windows(2).any(|w| w[0] > w[1]));
        }
    }
}

#[test]
fn the_rate_limit_holds_in_every_virtual_second() {
    for rate in [1.0, 5.0, 12.0, 100.0] {
        let cfg = EngineConfig {
            max_requests_per_sec: Some(rate),
            max_in_flight: 8,
            ..config()
        };
        let n = (rate * 10.0) as u64;
        let mut sim = Sim::new(cfg, batches(0, n, 1, &[]), Box::new(honest));
        sim.run();
        sim.finals(0..n);
        let mut per_second: BTreeMap<u64, usize> = BTreeMap::new();
        for s in &sim.sent {
            *per_second.entry((s.at - T0) / 1000).or_default() += 1;
        }
        let limit = rate.ceil() as usize;
        assert!(
            per_second.values().all(|&c| c <= limit),
            "{rate}: {per_second:?}"
        );
        // And sliding windows too, not only aligned seconds.
        for (i, s) in sim.sent.iter().enumerate() {
            let within = sim.sent[i..]
                .iter()
                .take_while(|t| t.at < s.at + 1000)
                .count();
            assert!(
                within <= limit,
                "{rate}/s: {within} in the second from {}",
                s.at
            );
        }
        // Not slower than the limit requires either.
        let span = sim.sent.last().map_or(0, |s| s.at - T0);
        assert!(
            span <= (n as f64 / rate * 1000.0) as u64,
            "{rate}/s took {span} ms"
        );
    }
}

#[test]
fn every_attempt_carries_a_fresh_sent_at() {
    // `on_transmit` checks sentAt == now on every request; make sure there
    // are retries with time passing between them.
    let server = Box::new(|r: &Req| {
        if r.attempt < 4 {
            reply(Outcome::NetworkError("refused".into()), 5)
        } else {
            reply(ok(), 5)
        }
    });
    let mut sim = Sim::new(config(), batches(0, 30, 10, &[]), server);
    sim.run();
    sim.finals(0..30);
    let times: Vec<u64> = sim
        .sent
        .iter()
        .filter(|s| s.seq == 1)
        .map(|s| s.at)
        .collect();
    assert_eq!(times.len(), 4);
    assert!(times.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn one_poisoned_message_in_2500_costs_about_log2_requests() {
    let poisoned = 1_234;
    let mut sim = Sim::new(
        config(),
        batches(0, 2_500, 2_500, &[poisoned]),
        Box::new(honest),
    );
    sim.run();
    let finals = sim.finals(0..2_500);
    assert_eq!(count(&finals, |f| *f == Final::Acknowledged), 2_499);
    match &finals[&poisoned] {
        Final::Rejected(reason) => {
            assert_eq!(
                reason,
                r#"HTTP 400: {"success":false,"error":"invalid message"}"#
            )
        }
        other => panic!("{other:?}"),
    }
    // Each level of halving costs two requests: 1 + 2·⌈log2 2500⌉ at most.
    let requests = sim.engine.stats().requests;
    assert!(
        (1 + 2 * 11..=1 + 2 * 12).contains(&requests),
        "{requests} requests"
    );
    assert_eq!(sim.engine.stats().messages_rejected, 1);
    assert_eq!(sim.engine.stats().retries, 0);
}

#[test]
fn the_split_isolates_exactly_the_poisoned_messages() {
    let poisoned = [0, 1, 57, 58, 499, 500, 777, 999];
    for per_batch in [1, 3, 64, 1_000] {
        let mut sim = Sim::new(
            config(),
            batches(0, 1_000, per_batch, &poisoned),
            Box::new(honest),
        );
        sim.run();
        let finals = sim.finals(0..1_000);
        for (row, f) in &finals {
            if poisoned.contains(row) {
                assert!(
                    matches!(f, Final::Rejected(r) if r.starts_with("HTTP 400: ")),
                    "{row}"
                );
            } else {
                assert_eq!(*f, Final::Acknowledged, "row {row}, {per_batch} per batch");
            }
        }
    }
}

#[test]
fn a_413_splits_too() {
    // The server refuses any body of more than 100 messages as too large.
    let server = Box::new(|r: &Req| {
        if r.rows.len() > 100 {
            reply(Outcome::status(413, "Payload Too Large"), 10)
        } else {
            reply(ok(), 10)
        }
    });
    let mut sim = Sim::new(config(), batches(0, 1_000, 1_000, &[]), server);
    sim.run();
    assert!(sim
        .finals(0..1_000)
        .values()
        .all(|f| *f == Final::Acknowledged));
    assert!(sim.sent.iter().filter(|s| s.rows.len() <= 100).count() >= 10);
}

#[test]
fn rows_are_undelivered_after_the_give_up_time() {
    let cfg = EngineConfig {
        give_up_after_ms: 60_000,
        backoff_max_ms: 10_000,
        ..config()
    };
    let server = Box::new(|r: &Req| {
        if r.seq == 3 {
            reply(Outcome::status(500, "down"), 100)
        } else {
            reply(ok(), 100)
        }
    });
    let mut sim = Sim::new(cfg, batches(0, 100, 10, &[]), server);
    sim.run();
    let finals = sim.finals(0..100);
    for (row, f) in &finals {
        if (20..30).contains(row) {
            match f {
                Final::Undelivered(r) => {
                    assert!(r.starts_with("gave up after "), "{r}");
                    assert!(r.ends_with("last error: HTTP 500: down"), "{r}");
                }
                other => panic!("row {row}: {other:?}"),
            }
        } else {
            assert_eq!(*f, Final::Acknowledged);
        }
    }
    let attempts: Vec<&Sent> = sim.sent.iter().filter(|s| s.seq == 3).collect();
    let first_failure = attempts[0].at + 100;
    let last_failure = attempts.last().map(|s| s.at + 100).unwrap_or(0);
    assert!(last_failure - first_failure >= 60_000);
    // It did not give up a whole backoff later than needed.
    assert!(last_failure - first_failure < 60_000 + 10_000 + 100);
}

#[test]
fn rows_are_undelivered_after_max_attempts() {
    let cfg = EngineConfig {
        max_attempts: Some(3),
        ..config()
    };
    let server = Box::new(|r: &Req| {
        if r.rows.contains(&5) {
            reply(Outcome::Timeout, 10)
        } else {
            reply(ok(), 10)
        }
    });
    let mut sim = Sim::new(cfg, batches(0, 50, 10, &[]), server);
    sim.run();
    let finals = sim.finals(0..50);
    assert_eq!(
        finals[&5],
        Final::Undelivered(format!(
            "gave up after 3 attempts; last error: no answer within {} ms",
            config().request_timeout_ms
        ))
    );
    assert_eq!(count(&finals, |f| matches!(f, Final::Undelivered(_))), 10);
    assert_eq!(sim.sent.iter().filter(|s| s.seq == 1).count(), 3);
}

#[test]
fn a_fatal_answer_stops_sending_and_settles_everything() {
    for code in [401, 403, 404, 405, 410, 422, 501, 505, 511, 301] {
        // The third request gets the fatal answer, late; others in flight
        // succeed (two of them before it, one after).
        let server = Box::new(move |r: &Req| match r.index {
            2 => reply(Outcome::status(code, "  Unauthorized\n"), 500),
            3 => reply(ok(), 900),
            _ => reply(ok(), 100),
        });
        let mut sim = Sim::new(config(), batches(0, 500, 10, &[]), server);
        sim.run(); // `on_transmit` asserts nothing goes after the Fatal event
        let finals = sim.finals(0..500);
        let fatal: Vec<&Event> = sim
            .events
            .iter()
            .map(|(_, e)| e)
            .filter(|e| matches!(e, Event::Fatal { .. }))
            .collect();
        // A refused key or access is said in words (see deliver::policy).
        let reason = match code {
            401 => "the endpoint refused the write key (HTTP 401): Unauthorized; check the key \
                    (Segment: the source's Settings → API Keys) and the region"
                .to_string(),
            403 => "the endpoint refused access (HTTP 403): Unauthorized; check the write key \
                    and that the source is enabled"
                .to_string(),
            _ => format!("HTTP {code}: Unauthorized"),
        };
        assert_eq!(
            fatal,
            vec![&Event::Fatal {
                status: Some(code),
                reason: reason.clone()
            }]
        );
        let acked = count(&finals, |f| *f == Final::Acknowledged);
        let undelivered = count(&finals, |f| *f == Final::Undelivered(reason.clone()));
        assert_eq!(acked + undelivered, 500, "{code}");
        // Batches 1, 2 and 4 (in flight when the answer came) plus the
        // batches sent while the fatal answer was on its way.
        assert!(acked >= 30, "{code}: {acked}");
        for row in 20..30 {
            assert_eq!(finals[&row], Final::Undelivered(reason.clone()));
        }
        for row in 30..40 {
            assert_eq!(
                finals[&row],
                Final::Acknowledged,
                "in flight, answered 200 after"
            );
        }
        assert!(sim.engine.is_done());
        assert!(!sim.engine.wants_batches());
    }
}

#[test]
fn abort_sends_nothing_new_and_settles_everything() {
    let mut rng = Rng::new(99);
    let server = Box::new(move |r: &Req| {
        let mut rep = if rng.below(3) == 0 {
            reply(Outcome::status(500, "flaky"), 0)
        } else {
            honest(r)
        };
        rep.latency_ms = 10 + rng.below(300);
        rep
    });
    let mut sim = Sim::new(config(), batches(0, 5_000, 10, &[42]), server);
    sim.abort_after = Some(40);
    sim.run(); // `on_transmit` asserts nothing goes after the abort
    let finals = sim.finals(0..5_000);
    let aborted = count(
        &finals,
        |f| matches!(f, Final::Undelivered(r) if r.starts_with("user pressed cancel")),
    );
    let acked = count(&finals, |f| *f == Final::Acknowledged);
    let rejected = count(&finals, |f| matches!(f, Final::Rejected(_)));
    assert_eq!(aborted + acked + rejected, 5_000);
    assert!(acked > 0 && aborted > 4_000, "{acked} {aborted}");
    // What was in flight at the abort settled from its answers.
    let aborted_at = sim.aborted_at.expect("aborted");
    let settled_after: usize = sim
        .events
        .iter()
        .filter(|(at, e)| *at > aborted_at && matches!(e, Event::Acknowledged { .. }))
        .count();
    assert!(settled_after > 0);
    // The input not yet taken was never pushed; nothing left in the engine.
    assert!(sim.engine.is_done());
}

#[test]
fn batches_pushed_after_a_stop_are_undelivered_not_lost() {
    let mut input = batches(0, 30, 10, &[]);
    let mut e = DeliveryEngine::new(config());
    e.push_batch(input.pop_front().expect("batch"));
    let t = e.poll_transmit(T0).expect("a request");
    e.abort("stop".into());
    assert!(!e.wants_batches());
    assert!(e.poll_transmit(T0).is_none());
    e.push_batch(input.pop_front().expect("batch"));
    assert!(!e.is_done(), "one still in flight");
    e.handle_response(t.id, ok(), T0 + 5);
    assert!(e.is_done());
    e.abort("again".into()); // harmless
    e.push_batch(input.pop_front().expect("batch"));
    let events: Vec<Event> = std::iter::from_fn(|| e.poll_event()).collect();
    assert_eq!(
        events,
        vec![
            Event::Undelivered {
                rows: (10..20).collect(),
                reason: "stop".into()
            },
            Event::Acknowledged {
                seq: 1,
                rows: (0..10).collect()
            },
            Event::Undelivered {
                rows: (20..30).collect(),
                reason: "stop".into()
            },
        ]
    );
}

#[test]
fn stale_and_unknown_answers_are_ignored() {
    let mut e = DeliveryEngine::new(config());
    for b in batches(0, 20, 10, &[]) {
        e.push_batch(b);
    }
    e.finish_input();
    let a = e.poll_transmit(T0).expect("first");
    let b = e.poll_transmit(T0).expect("second");
    e.handle_response(RequestId(9_999), ok(), T0 + 1);
    e.handle_response(a.id, ok(), T0 + 2);
    e.handle_response(a.id, ok(), T0 + 3); // a duplicate
    e.handle_response(a.id, Outcome::status(500, ""), T0 + 4); // a contradiction
    e.handle_response(b.id, Outcome::status(400, "bad"), T0 + 5); // splits batch 2
    e.handle_response(b.id, ok(), T0 + 6); // too late: b is settled
    let stats = e.stats().clone();
    assert_eq!(stats.responses_ignored, 4);
    assert_eq!(stats.messages_acknowledged, 10);
    assert_eq!(stats.splits, 1);
    // The two halves of batch 2 are still to be sent.
    let mut sent = 0;
    while let Some(t) = e.poll_transmit(T0 + 10) {
        e.handle_response(t.id, ok(), T0 + 11);
        sent += 1;
    }
    assert_eq!(sent, 2);
    assert!(e.is_done());
    assert_eq!(e.stats().messages_acknowledged, 20);
}

#[test]
fn a_driver_that_never_answers_is_timed_out_by_the_watchdog() {
    let cfg = EngineConfig {
        request_timeout_ms: 1_000,
        ..config()
    };
    let server = Box::new(|r: &Req| {
        if r.seq == 2 && r.attempt == 1 {
            Reply {
                outcome: None,
                latency_ms: 0,
            }
        } else {
            reply(ok(), 10)
        }
    });
    let mut sim = Sim::new(cfg, batches(0, 40, 10, &[]), server);
    sim.run();
    assert!(sim
        .finals(0..40)
        .values()
        .all(|f| *f == Final::Acknowledged));
    let r = sim.retrying();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0 - T0, 1_000 + WATCHDOG_GRACE_MS);
    // The answer the driver finally finds is ignored.
    let silent = sim.silent[0].0;
    sim.engine.handle_response(silent, ok(), sim.now + 1);
    assert_eq!(sim.engine.stats().responses_ignored, 1);
    assert_eq!(sim.engine.stats().messages_acknowledged, 40);
}

#[test]
fn misuse_does_not_panic() {
    let mut e = DeliveryEngine::new(EngineConfig {
        max_in_flight: 0,
        queue_target: 0,
        max_requests_per_sec: Some(f64::NAN),
        backoff_base_ms: u64::MAX,
        backoff_max_ms: 0,
        retry_after_cap_ms: u64::MAX,
        request_timeout_ms: u64::MAX,
        give_up_after_ms: u64::MAX,
        max_attempts: Some(0),
        seed: 0,
    });
    assert!(e.poll_transmit(0).is_none());
    assert_eq!(e.poll_timeout(), None);
    e.handle_timeout(u64::MAX);
    e.handle_response(RequestId(0), Outcome::Timeout, 0);
    assert!(
        e.wants_batches(),
        "0 in flight is read as 1, queue target 2"
    );
    assert!(!e.is_done());
    for b in batches(0, 20, 10, &[]) {
        e.push_batch(b);
    }
    // Time going backwards is tolerated.
    let t = e.poll_transmit(u64::MAX).expect("sends");
    assert!(e.poll_transmit(u64::MAX).is_none(), "one in flight at most");
    e.handle_response(
        t.id,
        Outcome::Status {
            code: 429,
            retry_after_ms: Some(u64::MAX),
            body: String::new(),
        },
        5,
    );
    e.handle_timeout(3);
    let t = e.poll_transmit(u64::MAX).expect("batch 2");
    e.handle_response(t.id, Outcome::status(200, ""), 0);
    e.finish_input();
    e.finish_input();
    let events: Vec<Event> = std::iter::from_fn(|| e.poll_event()).collect();
    assert!(
        matches!(&events[0], Event::Undelivered { reason, .. } if reason.starts_with("gave up after 1 attempts")),
        "{events:?}"
    );
    assert!(e.is_done());
}

/// A seeded fault model: 30% of requests fail in one of many ways, answers
/// arrive in random order, a few messages are poisoned.
fn chaos(seed: u64, fault_percent: u64) -> Server {
    let mut rng = Rng::new(seed);
    Box::new(move |r: &Req| {
        let latency = 1 + rng.below(2_000);
        if rng.below(100) < fault_percent {
            let outcome = match rng.below(8) {
                0 => Outcome::status(500, "internal"),
                1 => with_retry_after(503, 1 + rng.below(5_000)),
                2 => with_retry_after(429, rng.below(3_000)),
                3 => Outcome::status(429, ""),
                4 => Outcome::Timeout,
                5 => Outcome::NetworkError("reset".into()),
                6 => Outcome::status(408, ""),
                _ => Outcome::status(502, "<html>bad gateway</html>"),
            };
            return reply(outcome, latency);
        }
        let mut rep = honest(r);
        rep.latency_ms = latency;
        rep
    })
}

#[test]
fn soak_with_random_faults_loses_nothing() {
    for seed in 1..=6u64 {
        let mut pick = Rng::new(seed * 1_000);
        let poisoned: Vec<u64> = (0..12).map(|_| pick.below(6_000)).collect();
        let cfg = EngineConfig {
            seed,
            max_in_flight: 1 + (seed as usize % 5),
            max_requests_per_sec: if seed % 2 == 0 { Some(50.0) } else { None },
            ..config()
        };
        let mut sim = Sim::new(
            cfg,
            batches(0, 6_000, 1 + (seed as usize * 7) % 40, &poisoned),
            chaos(seed, 30),
        );
        sim.run();
        let finals = sim.finals(0..6_000);
        for (row, f) in &finals {
            if poisoned.contains(row) {
                assert!(
                    matches!(f, Final::Rejected(_)),
                    "seed {seed} row {row}: {f:?}"
                );
            } else {
                // Six hours is plenty to ride out 30% failures.
                assert_eq!(*f, Final::Acknowledged, "seed {seed} row {row}");
            }
        }
        assert!(sim.engine.stats().retries > 0);
    }
}

#[test]
fn soak_with_give_ups_and_aborts_still_accounts_for_every_row() {
    for seed in 10..=15u64 {
        let cfg = EngineConfig {
            seed,
            max_in_flight: 3,
            give_up_after_ms: 5_000,
            max_attempts: Some(4),
            ..config()
        };
        let mut pick = Rng::new(seed);
        let poisoned: Vec<u64> = (0..20).map(|_| pick.below(3_000)).collect();
        let mut sim = Sim::new(cfg, batches(0, 3_000, 25, &poisoned), chaos(seed, 60));
        if seed % 2 == 0 {
            sim.abort_after = Some(60);
        }
        sim.run();
        let finals = sim.finals(0..3_000);
        let undelivered = count(&finals, |f| matches!(f, Final::Undelivered(_)));
        assert!(
            undelivered > 0,
            "seed {seed}: the faults should cost something"
        );
        let s = sim.engine.stats();
        assert_eq!(s.messages_undelivered as usize, undelivered);
        for (row, f) in &finals {
            if let Final::Rejected(_) = f {
                assert!(poisoned.contains(row), "seed {seed}: row {row} rejected");
            }
        }
    }
}

#[test]
fn a_pause_does_not_count_towards_the_give_up_time() {
    let down = || Outcome::status(500, "down");
    let undelivered = |engine: &mut DeliveryEngine| {
        std::iter::from_fn(|| engine.poll_event())
            .filter_map(|e| match e {
                Event::Undelivered { reason, .. } => Some(reason),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    for told in [false, true] {
        let cfg = EngineConfig {
            give_up_after_ms: 60_000,
            backoff_max_ms: 1_000,
            ..config()
        };
        let mut engine = DeliveryEngine::new(cfg);
        batches(0, 10, 10, &[])
            .into_iter()
            .for_each(|b| engine.push_batch(b));
        engine.finish_input();
        // Failing for 30 s, then paused for an hour with a request in
        // flight, which fails a second into the pause.
        let t = engine.poll_transmit(T0).expect("first attempt");
        engine.handle_response(t.id, down(), T0);
        let paused_at = T0 + 30_000;
        let t = engine.poll_transmit(paused_at).expect("second attempt");
        engine.handle_response(t.id, down(), paused_at + 1_000);
        let resumed_at = paused_at + 3_600_000;
        if told {
            engine.paused_between(paused_at, resumed_at);
        }
        let t = engine.poll_transmit(resumed_at).expect("third attempt");
        engine.handle_response(t.id, down(), resumed_at + 100);
        if !told {
            // The driver did not say: an hour of pause looks like an hour of failing.
            let reasons = undelivered(&mut engine);
            assert_eq!(reasons.len(), 1, "{reasons:?}");
            assert!(reasons[0].starts_with("gave up after 3 attempts over 3630 s"));
            continue;
        }
        assert_eq!(undelivered(&mut engine), Vec::<String>::new());
        // The time failing outside the pause still counts: 30 s before it,
        // 30 s after it.
        let t = engine.poll_transmit(resumed_at + 30_000).expect("fourth");
        engine.handle_response(t.id, down(), resumed_at + 30_000);
        assert_eq!(
            undelivered(&mut engine),
            ["gave up after 4 attempts over 60 s; last error: HTTP 500: down"]
        );
        assert!(engine.is_done());
    }
}
