//! The whole send path, randomized, on virtual time: random files (valid,
//! invalid and duplicate rows; explicit, null and empty messageIds; rows
//! the endpoint refuses), random endpoint behaviour (429 with Retry-After,
//! 5xx, dropped connections, timeouts, answers lost after the batch was
//! kept, 400 and 413 on poisoned messages, redirects, wrong keys), random
//! interruptions (the process dies at any step and restarts from the last
//! checkpoint it saved; pause; cancel), resumes to the same or another
//! endpoint, and edited files.
//!
//! After every run that reports, the report is checked against what the
//! fake endpoints kept:
//! - the rows it calls delivered are exactly rows that reached that
//!   endpoint, and every row that reached it is delivered or undelivered
//!   (never "rejected");
//! - `rows = delivered + rejected + undelivered`, no row in two of those;
//! - a row reaches an endpoint more than once only as a re-send with the
//!   same messageId, and no two rows share a derived id;
//! - a checkpoint of another endpoint, and a file edited where the earlier
//!   run had read, are refused before anything is sent.
//!
//! `SESSION_SCENARIOS` sets how many scenarios run (default 2,000, under a
//! minute in a debug build; `make soak` runs far more in release),
//! `SESSION_SEED` runs the one a failure names.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use segment_backfill::deliver::{EngineConfig, Outcome, RequestId, SplitMix64, Transmit};
use segment_backfill::mapping::Mapping;
use segment_backfill::message::SourceNamespace;
use segment_backfill::session::{
    Checkpoint, IdentityPart, SendSession, SessionError, SessionEvent, SessionReport, SessionSetup,
};

const T0: u64 = 1_767_225_600_000;
const ENDPOINTS: [&str; 2] = [
    "http://127.0.0.1:8787/v1/batch",
    "https://api.segment.io/v1/batch",
];
const POISON: &str = "POISON";

// ------------------------------------------------------------ randomness ---

struct Rng(SplitMix64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.0.next() % n
        }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

// ------------------------------------------------------------------ files ---

/// A generated file and what is true of each row.
#[derive(Clone)]
struct File {
    bytes: Vec<u8>,
    mapping: Option<Mapping>,
    /// Data row numbers as the session counts them (CSV: from 2).
    rows: Vec<u64>,
    /// Rows that must be rejected before sending.
    invalid: BTreeSet<u64>,
    /// Rows the endpoint refuses (400/413).
    poisoned: BTreeSet<u64>,
    /// Rows with an explicit messageId in the file (the user's, may repeat).
    explicit_id: BTreeSet<u64>,
    /// Byte offset where each row starts.
    offsets: BTreeMap<u64, usize>,
}

impl File {
    fn empty() -> File {
        File {
            bytes: Vec::new(),
            mapping: None,
            rows: Vec::new(),
            invalid: BTreeSet::new(),
            poisoned: BTreeSet::new(),
            explicit_id: BTreeSet::new(),
            offsets: BTreeMap::new(),
        }
    }
}

fn padding(rng: &mut Rng, len: u64) -> String {
    (0..len)
        .map(|_| char::from(b'a' + rng.below(26) as u8))
        .collect()
}

fn csv_file(rng: &mut Rng) -> File {
    // A quarter of the files are past the 64 KiB head, so a resume checks
    // their content by the verified prefix (few rows, long ones: the cost of
    // a scenario is per row).
    let big = rng.chance(25);
    let n = if big {
        300 + rng.below(300)
    } else {
        rng.below(150)
    };
    let pad_len = if big {
        230 + rng.below(100)
    } else {
        rng.below(20)
    };
    let with_ids = rng.chance(40);
    let mut text = String::from("user,event,n,id,pad\n");
    let mut f = File::empty();
    let mut lines: Vec<(String, bool, bool, bool)> = Vec::new();
    for i in 0..n {
        let row = i + 2;
        f.offsets.insert(row, text.len());
        f.rows.push(row);
        let line = if !lines.is_empty() && rng.chance(5) {
            // A duplicate of an earlier row, byte for byte.
            lines[rng.below(lines.len() as u64) as usize].clone()
        } else {
            let invalid_user = rng.chance(4);
            let invalid_n = rng.chance(3);
            let poison = rng.chance(2);
            let id = if with_ids && rng.chance(70) {
                format!("id-{}", rng.below(1_000_000))
            } else {
                String::new()
            };
            let user = if invalid_user {
                String::new()
            } else {
                format!("u{}", rng.below(50))
            };
            let n_cell = if invalid_n {
                "x".to_string()
            } else {
                i.to_string()
            };
            let pad = if poison {
                POISON.to_string()
            } else {
                padding(rng, pad_len)
            };
            let line = format!("{user},E{},{n_cell},{id},{pad}\n", rng.below(3));
            (line, invalid_user || invalid_n, poison, !id.is_empty())
        };
        let (l, invalid, poison, explicit) = &line;
        text.push_str(l);
        if *invalid {
            f.invalid.insert(row);
        } else if *poison {
            f.poisoned.insert(row);
        }
        if *explicit {
            f.explicit_id.insert(row);
        }
        lines.push(line);
    }
    let id_rule = if with_ids {
        r#",{"from":"id","to":"messageId"}"#
    } else {
        ""
    };
    f.mapping = Mapping::from_json(&format!(
        r#"{{"type":"track","rules":[{{"from":"user","to":"userId"}},{{"from":"event","to":"event"}},{{"from":"n","to":"properties.n","as":"integer"}},{{"from":"pad","to":"properties.pad"}}{id_rule}]}}"#
    ))
    .ok();
    f.bytes = text.into_bytes();
    f
}

fn ndjson_file(rng: &mut Rng) -> File {
    let n = rng.below(120);
    let archive = rng.chance(20);
    let mut text = String::new();
    let mut f = File::empty();
    for i in 0..n {
        let row = i + 1;
        f.offsets.insert(row, text.len());
        f.rows.push(row);
        let mut o = serde_json::Map::new();
        o.insert("type".into(), "track".into());
        o.insert("event".into(), format!("E{}", rng.below(3)).into());
        if rng.chance(5) {
            f.invalid.insert(row);
        } else {
            o.insert("userId".into(), format!("u{}", rng.below(40)).into());
        }
        let poison = !f.invalid.contains(&row) && rng.chance(2);
        if poison {
            f.poisoned.insert(row);
        }
        let pad = if poison {
            POISON.to_string()
        } else {
            padding(rng, 8)
        };
        o.insert("properties".into(), serde_json::json!({"n": i, "pad": pad}));
        match rng.below(5) {
            0 => {
                o.insert("messageId".into(), serde_json::Value::Null);
            }
            1 => {
                o.insert("messageId".into(), "".into());
            }
            2 if !archive => {
                o.insert(
                    "messageId".into(),
                    format!("m-{}", rng.below(1_000_000)).into(),
                );
                f.explicit_id.insert(row);
            }
            _ => {}
        }
        if rng.chance(20) {
            o.insert("sentAt".into(), "2020-01-01T00:00:00Z".into());
        }
        if archive {
            o.insert("receivedAt".into(), "2020-01-01T00:00:01Z".into());
            o.insert("messageId".into(), format!("old-{i}").into());
        }
        text.push_str(&serde_json::Value::Object(o).to_string());
        text.push('\n');
    }
    f.bytes = text.into_bytes();
    f
}

// --------------------------------------------------------------- endpoint ---

/// What one fake endpoint kept: row → the messageIds it received for it.
#[derive(Default, Clone)]
struct Kept(BTreeMap<u64, Vec<String>>);

/// How an endpoint behaves in one run.
#[derive(Clone, Copy)]
struct Behaviour {
    /// Percent of requests that fail in some transient way.
    fault: u64,
    /// Every answer is a refusal (a wrong key) or a redirect.
    refuse: Option<Outcome401>,
}

#[derive(Clone, Copy)]
enum Outcome401 {
    Unauthorized,
    Redirect,
}

/// An answer on its way back to the shell.
struct Pending {
    at: u64,
    id: RequestId,
    outcome: Outcome,
}

/// The fake endpoint's handling of one request: what it keeps, and what the
/// shell will hear when.
fn serve(
    t: &Transmit,
    file: &File,
    behaviour: Behaviour,
    kept: &mut Kept,
    now: u64,
    rng: &mut Rng,
) -> Pending {
    let latency = 1 + rng.below(3_000);
    let answer = |outcome: Outcome, at: u64| Pending {
        at,
        id: t.id,
        outcome,
    };
    if let Some(r) = behaviour.refuse {
        let outcome = match r {
            Outcome401::Unauthorized => Outcome::status(401, "invalid write key"),
            Outcome401::Redirect => Outcome::Redirected {
                status: Some(308),
                location: Some("https://elsewhere.example/v1/batch".into()),
            },
        };
        return answer(outcome, now + latency);
    }
    if t.rows.iter().any(|r| file.poisoned.contains(r)) {
        let code = if rng.chance(50) { 400 } else { 413 };
        return answer(Outcome::status(code, "refused"), now + latency);
    }
    let keep = |kept: &mut Kept| {
        let body: serde_json::Value = serde_json::from_slice(&t.body).unwrap_or_default();
        let messages = body["batch"].as_array().cloned().unwrap_or_default();
        assert_eq!(messages.len(), t.rows.len(), "one message per row");
        for (row, m) in t.rows.iter().zip(messages) {
            let id = m["messageId"].as_str().unwrap_or("<none>").to_string();
            kept.0.entry(*row).or_default().push(id);
        }
    };
    if !rng.chance(behaviour.fault) {
        keep(kept);
        return answer(Outcome::status(200, "{}"), now + latency);
    }
    match rng.below(7) {
        // Kept, but the answer never comes back.
        0 => {
            keep(kept);
            answer(
                Outcome::NetworkError("connection reset".into()),
                now + latency,
            )
        }
        1 => {
            keep(kept);
            answer(Outcome::Timeout, now + t.timeout_ms)
        }
        2 => answer(
            Outcome::Status {
                code: 429,
                retry_after_ms: Some(1_000 + rng.below(5_000)),
                body: "slow down".into(),
            },
            now + latency,
        ),
        3 => answer(Outcome::status(500, "oops"), now + latency),
        4 => answer(Outcome::status(503, "unavailable"), now + latency),
        5 => answer(
            Outcome::NetworkError("connection refused".into()),
            now + latency,
        ),
        _ => answer(Outcome::Timeout, now + t.timeout_ms),
    }
}

// ---------------------------------------------------------------- a run ---

/// How one run ended.
enum Ran {
    /// Refused before anything was sent (checked by the caller).
    Refused(SessionError),
    /// The process died; the last checkpoint it saved.
    Died(Option<String>),
    /// It reported; the rejected rows it named.
    Reported(Box<SessionReport>, BTreeSet<u64>),
}

struct RunPlan {
    endpoint: usize,
    resume: Option<String>,
    behaviour: Behaviour,
    /// Die at this step (`None`: never).
    die_at: Option<u64>,
    cancel_at: Option<u64>,
    pause_at: Option<u64>,
    chunk: usize,
    max_messages: usize,
    engine: EngineConfig,
}

fn run(
    file: &File,
    plan: &RunPlan,
    kept: &mut [Kept; 2],
    saved: &mut Option<String>,
    rng: &mut Rng,
) -> Ran {
    let mut setup = SessionSetup::new(
        ENDPOINTS[plan.endpoint],
        SourceNamespace::of_write_key(&format!("key-{}", plan.endpoint)),
    );
    setup.mapping = file.mapping.clone();
    setup.sample_bytes = 1024;
    setup.batch.max_messages = plan.max_messages;
    setup.engine = plan.engine.clone();
    setup.resume = match plan.resume.as_deref().map(Checkpoint::from_json) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => return Ran::Refused(SessionError::Checkpoint(e)),
        None => None,
    };
    let mut now = T0;
    let mut s = match SendSession::new(setup, now) {
        Ok(s) => s,
        Err(e) => return Ran::Refused(e),
    };
    let mut at = 0usize;
    let mut pending: Vec<Pending> = Vec::new();
    let mut rejected = BTreeSet::new();
    let mut step = 0u64;
    let mut paused_until = None;
    loop {
        step += 1;
        assert!(step < 1_000_000, "the run never ended");
        if plan.die_at == Some(step) {
            return Ran::Died(saved.clone());
        }
        if plan.cancel_at == Some(step) {
            s.cancel("the test", now);
        }
        if plan.pause_at == Some(step) {
            s.pause(now);
            paused_until = Some(now + rng.below(20_000));
        }
        if paused_until.is_some_and(|until| now >= until) {
            s.unpause(now);
            paused_until = None;
        }
        while s.wants_input() {
            let step = if at < file.bytes.len() {
                let next = (at + plan.chunk).min(file.bytes.len());
                let r = s.push_input(&file.bytes[at..next], now);
                at = next;
                r
            } else {
                s.finish_input(now)
            };
            if let Err(e) = step {
                assert!(pending.is_empty(), "refused with requests out: {e}");
                return Ran::Refused(e);
            }
        }
        while let Some(t) = s.poll_transmit(now) {
            if paused_until.is_some() {
                panic!("a request went out while paused");
            }
            let p = serve(&t, file, plan.behaviour, &mut kept[plan.endpoint], now, rng);
            pending.push(p);
        }
        while let Some(e) = s.poll_event() {
            match e {
                SessionEvent::Checkpoint(json) => *saved = Some(json),
                SessionEvent::Rejected(r) => {
                    assert!(rejected.insert(r.row), "row {} rejected twice", r.row);
                }
                SessionEvent::Retrying { .. } => {}
            }
        }
        if s.is_done() && pending.is_empty() {
            let report = s.finish(now);
            if report.checkpoint.is_some() {
                saved.clone_from(&report.checkpoint);
            }
            return Ran::Reported(Box::new(report), rejected);
        }
        // The next thing to happen: an answer, a timer, the end of a pause.
        let next_answer = pending.iter().map(|p| p.at).min();
        let next = [next_answer, s.poll_timeout(), paused_until]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + 1_000)
            .max(now);
        now = next;
        let (due, later): (Vec<Pending>, Vec<Pending>) =
            pending.into_iter().partition(|p| p.at <= now);
        pending = later;
        for p in due {
            s.handle_response(p.id, p.outcome, now);
        }
        s.handle_timeout(now);
        now += 1;
    }
}

// ------------------------------------------------------------- checking ---

/// The invariants of one report against what the endpoint kept.
fn check_report(
    file: &File,
    report: &SessionReport,
    rejected: &BTreeSet<u64>,
    kept: &Kept,
) -> Result<(), String> {
    let r = &report.reconciliation;
    if !report.balanced || r.rows != r.delivered + r.rejected + r.undelivered {
        return Err(format!("unbalanced: {r:?}"));
    }
    let read: Vec<u64> = file.rows.iter().copied().take(r.rows as usize).collect();
    if report.complete && r.rows as usize != file.rows.len() {
        return Err(format!(
            "complete, but {} of {} rows read",
            r.rows,
            file.rows.len()
        ));
    }
    let undelivered: BTreeSet<u64> = r
        .undelivered_rows
        .iter()
        .flat_map(|&(a, b)| a..=b)
        .collect();
    if undelivered.len() as u64 != r.undelivered {
        return Err("undelivered ranges do not add up".into());
    }
    if rejected.len() as u64 != r.rejected {
        return Err(format!(
            "{} rejected rows named, {} counted",
            rejected.len(),
            r.rejected
        ));
    }
    if let Some(row) = rejected.intersection(&undelivered).next() {
        return Err(format!("row {row} both rejected and undelivered"));
    }
    let delivered: BTreeSet<u64> = read
        .iter()
        .copied()
        .filter(|row| !rejected.contains(row) && !undelivered.contains(row))
        .collect();
    if delivered.len() as u64 != r.delivered {
        return Err(format!(
            "{} rows left for delivered, {} counted",
            delivered.len(),
            r.delivered
        ));
    }
    for row in &delivered {
        if !kept.0.contains_key(row) {
            return Err(format!(
                "row {row} called delivered, never reached the endpoint"
            ));
        }
    }
    for row in kept.0.keys() {
        if rejected.contains(row) {
            return Err(format!(
                "row {row} reached the endpoint, yet called rejected"
            ));
        }
    }
    for row in rejected {
        let expected = file.invalid.contains(row) || file.poisoned.contains(row);
        if !expected {
            return Err(format!("row {row} rejected for no reason"));
        }
    }
    if report.complete {
        for row in &file.invalid {
            if !rejected.contains(row) {
                return Err(format!("invalid row {row} not rejected"));
            }
        }
    }
    Ok(())
}

/// Ids at an endpoint: re-sends of a row carry its id, no two rows share a
/// derived id, no id is "null" or empty.
fn check_ids(file: &File, kept: &Kept, edited: &BTreeSet<u64>) -> Result<(), String> {
    let mut owner: HashMap<&str, u64> = HashMap::new();
    for (row, ids) in &kept.0 {
        if ids
            .iter()
            .any(|id| id.is_empty() || id == "null" || id == "<none>")
        {
            return Err(format!("row {row} sent with messageId {ids:?}"));
        }
        if !edited.contains(row) && ids.windows(2).any(|w| w[0] != w[1]) {
            return Err(format!("row {row} sent with different ids: {ids:?}"));
        }
        if file.explicit_id.contains(row) {
            continue;
        }
        for id in ids {
            if let Some(other) = owner.insert(id, *row) {
                if other != *row {
                    return Err(format!("rows {other} and {row} share the id {id}"));
                }
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------- scenarios ---

fn engine(rng: &mut Rng) -> EngineConfig {
    EngineConfig {
        max_in_flight: 1 + rng.below(4) as usize,
        give_up_after_ms: if rng.chance(20) {
            20_000 + rng.below(60_000)
        } else {
            6 * 3_600_000
        },
        max_attempts: rng.chance(20).then(|| 2 + rng.below(4) as u32),
        request_timeout_ms: 5_000 + rng.below(25_000),
        seed: rng.below(u64::MAX),
        ..EngineConfig::default()
    }
}

fn scenario(seed: u64) -> Result<(), String> {
    let mut rng = Rng(SplitMix64::new(seed));
    let original = if rng.chance(65) {
        csv_file(&mut rng)
    } else {
        ndjson_file(&mut rng)
    };
    let mut file = original.clone();
    let mut kept = [Kept::default(), Kept::default()];
    let mut saved: [Option<String>; 2] = [None, None];
    let mut edited: BTreeSet<u64> = BTreeSet::new();
    let endpoint = rng.below(2) as usize;
    let mut resume = None;
    for attempt in 0..8 {
        let last = attempt == 7;
        let mut plan = RunPlan {
            endpoint,
            resume: resume.take(),
            behaviour: Behaviour {
                fault: rng.below(40),
                refuse: match (last, rng.below(20)) {
                    (false, 0) => Some(Outcome401::Unauthorized),
                    (false, 1) => Some(Outcome401::Redirect),
                    _ => None,
                },
            },
            die_at: (!last && rng.chance(40)).then(|| 1 + rng.below(60)),
            cancel_at: (!last && rng.chance(10)).then(|| 1 + rng.below(60)),
            pause_at: rng.chance(15).then(|| 1 + rng.below(40)),
            chunk: [1, 7, 64, 1000, 4096, 1 << 20][rng.below(6) as usize],
            max_messages: 1 + rng.below(25) as usize,
            engine: engine(&mut rng),
        };
        if last {
            // The last run must be able to finish.
            plan.engine.give_up_after_ms = 6 * 3_600_000;
            plan.engine.max_attempts = None;
        }

        // A resume to the other endpoint is refused before anything is sent.
        if let (Some(cp), true) = (&plan.resume, rng.chance(15)) {
            let other = 1 - endpoint;
            let wrong = RunPlan {
                endpoint: other,
                resume: Some(cp.clone()),
                ..plan_copy(&plan)
            };
            let before = kept[other].0.len();
            match run(&file, &wrong, &mut kept, &mut saved[other], &mut rng) {
                Ran::Refused(SessionError::OtherImport(m)) if m.part == IdentityPart::Endpoint => {}
                Ran::Refused(e) => return Err(format!("another endpoint refused oddly: {e}")),
                _ => return Err("a checkpoint was resumed at another endpoint".into()),
            }
            if kept[other].0.len() != before {
                return Err("sent before refusing".into());
            }
        }

        // An edit of the file between runs: refused where the earlier run
        // had read it, taken as it now reads beyond.
        if plan.resume.is_some() && !file.rows.is_empty() && rng.chance(15) {
            let row = file.rows[rng.below(file.rows.len() as u64) as usize];
            let at = file.offsets[&row];
            let mut changed = file.clone();
            // Upper-case a letter of the row (a user id or the padding):
            // still valid, other content.
            let end = changed.bytes[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(changed.bytes.len(), |p| at + p);
            if let Some(i) = (at..end).find(|&i| changed.bytes[i] == b'u') {
                changed.bytes[i] = b'U';
                let verified = plan
                    .resume
                    .as_deref()
                    .and_then(|c| Checkpoint::from_json(c).ok())
                    .and_then(|c| c.verified().map(|v| v.bytes as usize))
                    .unwrap_or(0);
                let in_head = i < 64 * 1024;
                let before = kept[endpoint].0.len();
                let mut probe_saved = saved[endpoint].clone();
                let outcome = run(
                    &changed,
                    &plan_copy(&plan),
                    &mut kept,
                    &mut probe_saved,
                    &mut rng,
                );
                // Within the head it is another file; within the verified
                // prefix a changed one (whichever check sees it first).
                let caught = |refusal: &str| -> Result<(), String> {
                    if !in_head && i >= verified {
                        return Err(format!(
                            "an edit at byte {i} refused as {refusal} (verified {verified})"
                        ));
                    }
                    Ok(())
                };
                match outcome {
                    Ran::Refused(SessionError::OtherImport(m)) if m.part == IdentityPart::File => {
                        if !in_head {
                            return Err(format!("an edit at byte {i} taken for another file"));
                        }
                        if kept[endpoint].0.len() != before {
                            return Err("sent before refusing".into());
                        }
                    }
                    Ran::Refused(SessionError::FileChanged(_)) => {
                        caught("a changed file")?;
                        if i >= verified {
                            return Err(format!("byte {i} is past the verified {verified}"));
                        }
                        if kept[endpoint].0.len() != before {
                            return Err("sent before refusing".into());
                        }
                    }
                    Ran::Refused(e) => return Err(format!("an edit refused oddly: {e}")),
                    other => {
                        if in_head || i < verified {
                            return Err(format!(
                                "an edit at byte {i} (verified {verified}) was not caught"
                            ));
                        }
                        // Taken: the edited row may now carry another id.
                        edited.insert(row);
                        file = changed;
                        saved[endpoint] = probe_saved;
                        match other {
                            Ran::Reported(report, rejected) => {
                                check_report(&file, &report, &rejected, &kept[endpoint])?;
                                if report.complete && report.reconciliation.undelivered == 0 {
                                    return check_ids(&file, &kept[endpoint], &edited);
                                }
                                resume = saved[endpoint].clone();
                            }
                            _ => resume = saved[endpoint].clone(),
                        }
                        continue;
                    }
                }
            }
        }

        match run(&file, &plan, &mut kept, &mut saved[endpoint], &mut rng) {
            Ran::Refused(e) => {
                // Only a file with no rows at all may be refused here (an
                // empty file, or nothing to sniff).
                if !file.rows.is_empty() && !file.bytes.is_empty() {
                    return Err(format!("refused: {e}"));
                }
                return Ok(());
            }
            Ran::Died(cp) => resume = cp,
            Ran::Reported(report, rejected) => {
                check_report(&file, &report, &rejected, &kept[endpoint])?;
                check_ids(&file, &kept[endpoint], &edited)?;
                if report.complete && report.reconciliation.undelivered == 0 {
                    return Ok(());
                }
                resume = saved[endpoint].clone();
            }
        }
    }
    Err("no run finished the import".into())
}

fn plan_copy(p: &RunPlan) -> RunPlan {
    RunPlan {
        endpoint: p.endpoint,
        resume: p.resume.clone(),
        behaviour: p.behaviour,
        die_at: None,
        cancel_at: None,
        pause_at: None,
        chunk: p.chunk,
        max_messages: p.max_messages,
        engine: p.engine.clone(),
    }
}

#[test]
fn random_scenarios_lose_and_misreport_nothing() {
    if let Some(seed) = std::env::var("SESSION_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        if let Err(e) = scenario(seed) {
            panic!("seed {seed}: {e}");
        }
        return;
    }
    let n: u64 = std::env::var("SESSION_SCENARIOS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let base = std::env::var("SESSION_BASE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5e55_1011u64);
    for i in 0..n {
        let seed = base.wrapping_add(i);
        if let Err(e) = scenario(seed) {
            panic!(
                "scenario failed: {e}\n  reproduce with: SESSION_SEED={seed} cargo test --features cli --test session_random"
            );
        }
    }
}
