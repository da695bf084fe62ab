//! The session driven as a shell would, on virtual time, against a fake
//! endpoint that keeps what it accepts. (tests/session_random.rs throws
//! random files, faults and interruptions at it; these are the cases each
//! item of the design is about.)

use std::collections::BTreeMap;

use super::*;
use crate::deliver::Outcome;
use crate::mapping::Mapping;
use crate::message::SourceNamespace;

const T0: u64 = 1_767_225_600_000;
const A: &str = "http://127.0.0.1:8787/v1/batch";
const B: &str = "http://127.0.0.1:9999/v1/batch";
const MAPPING: &str = r#"{"type":"track","rules":[{"from":"user","to":"userId"},{"from":"what","to":"event"},{"from":"n","to":"properties.n","as":"integer"}]}"#;

/// `rows` data rows; row `bad` (1-based data row) has no user.
fn csv(rows: usize, bad: &[usize]) -> Vec<u8> {
    let mut s = String::from("user,what,n\n");
    for i in 1..=rows {
        let user = if bad.contains(&i) {
            String::new()
        } else {
            format!("u{}", i % 7)
        };
        s.push_str(&format!("{user},Event {},{i}\n", i % 3));
    }
    s.into_bytes()
}

fn setup(endpoint: &str, key: &str) -> SessionSetup {
    let mut s = SessionSetup::new(endpoint, SourceNamespace::of_write_key(key));
    s.mapping = Mapping::from_json(MAPPING).ok();
    s.batch.max_messages = 10;
    s.sample_bytes = 256;
    s
}

/// What the fake endpoint kept: row → messageIds received.
#[derive(Default)]
struct Endpoint {
    got: BTreeMap<u64, Vec<String>>,
    requests: usize,
}

impl Endpoint {
    fn keep(&mut self, t: &Transmit) {
        let body: serde_json::Value = serde_json::from_slice(&t.body).unwrap_or_default();
        let ids = body["batch"].as_array().cloned().unwrap_or_default();
        for (row, m) in t.rows.iter().zip(ids) {
            let id = m["messageId"].as_str().unwrap_or_default().to_string();
            self.got.entry(*row).or_default().push(id);
        }
    }
}

/// The fake endpoint's answer to the n-th request: `None` keeps and acks.
type Answer = Box<dyn FnMut(usize, &Transmit) -> Option<Outcome>>;

/// How a run goes.
struct Run {
    chunk: usize,
    /// Answer for the n-th request (0-based): `None` keeps and acks.
    answer: Answer,
    /// Stop (as a dying process: no finish) after this many acks.
    die_after_acks: Option<usize>,
}

impl Default for Run {
    fn default() -> Self {
        Run {
            chunk: 64,
            answer: Box::new(|_, _| None),
            die_after_acks: None,
        }
    }
}

/// What a run left: its report (None if it died), the last checkpoint
/// handed out, and the events.
struct Ran {
    report: Option<SessionReport>,
    checkpoint: Option<String>,
    rejected: Vec<RejectedRow>,
}

fn run(
    mut s: SendSession,
    data: &[u8],
    end: &mut Endpoint,
    mut how: Run,
) -> Result<Ran, SessionError> {
    let mut now = T0;
    let mut at = 0;
    let mut acks = 0;
    let mut ran = Ran {
        report: None,
        checkpoint: None,
        rejected: Vec::new(),
    };
    for _ in 0..100_000 {
        while s.wants_input() {
            if at < data.len() {
                let next = (at + how.chunk).min(data.len());
                s.push_input(&data[at..next], now)?;
                at = next;
            } else {
                s.finish_input(now)?;
            }
        }
        while let Some(t) = s.poll_transmit(now) {
            let n = end.requests;
            end.requests += 1;
            let outcome = match (how.answer)(n, &t) {
                Some(o) => o,
                None => {
                    end.keep(&t);
                    acks += 1;
                    Outcome::status(200, "{}")
                }
            };
            // Answers take a while: checkpoints come as they would.
            now += 100;
            s.handle_response(t.id, outcome, now);
        }
        while let Some(e) = s.poll_event() {
            match e {
                SessionEvent::Checkpoint(c) => ran.checkpoint = Some(c),
                SessionEvent::Rejected(r) => ran.rejected.push(r),
                SessionEvent::Retrying { .. } => {}
            }
        }
        if how.die_after_acks.is_some_and(|n| acks >= n) {
            return Ok(ran);
        }
        if s.is_done() {
            ran.report = Some(s.finish(now));
            return Ok(ran);
        }
        now = s.poll_timeout().unwrap_or(now + 1000).max(now + 1);
        s.handle_timeout(now);
    }
    panic!("the session never finished");
}

fn resume(mut setup: SessionSetup, checkpoint: &str) -> Result<SendSession, SessionError> {
    setup.resume = Some(Checkpoint::from_json(checkpoint).map_err(SessionError::Checkpoint)?);
    SendSession::new(setup, T0)
}

#[test]
fn a_whole_send_accounts_for_every_row() {
    let data = csv(95, &[4, 50]);
    let mut end = Endpoint::default();
    let s = SendSession::new(setup(A, "k"), T0).expect("starts");
    let ran = run(s, &data, &mut end, Run::default()).expect("runs");
    let r = ran.report.expect("finished");
    assert!(r.balanced && r.complete, "{r:?}");
    assert_eq!(
        (
            r.reconciliation.rows,
            r.reconciliation.delivered,
            r.reconciliation.rejected
        ),
        (95, 93, 2)
    );
    assert_eq!(end.got.len(), 93);
    assert!(end.got.values().all(|ids| ids.len() == 1));
    assert_eq!(
        ran.rejected.iter().map(|r| r.row).collect::<Vec<_>>(),
        vec![5, 51]
    );
    let d = r.destination.expect("destination");
    assert_eq!(d.id_scheme, IdScheme::V2);
    assert_eq!(
        d.id_namespace,
        SourceNamespace::of_write_key("k").to_string()
    );
    let cp =
        Checkpoint::from_json(r.checkpoint.as_deref().unwrap_or_default()).expect("checkpoint");
    assert_eq!(cp.rows_done(2), 95);
    assert!(cp.verified().is_some_and(|p| p.bytes > 0));
}

/// Item 1: killed at 20 of 50 batches, resumed to another endpoint: refused
/// before anything is sent. Resumed to the same one: only the rest goes.
#[test]
fn a_checkpoint_resumes_only_its_own_import() {
    let data = csv(500, &[]);
    let mut a = Endpoint::default();
    let s = SendSession::new(setup(A, "k"), T0).expect("starts");
    let how = Run {
        die_after_acks: Some(20),
        ..Run::default()
    };
    let ran = run(s, &data, &mut a, how).expect("runs");
    let cp = ran.checkpoint.expect("a checkpoint was handed out");
    let before = a.got.len();
    assert!(before >= 190, "{before}");

    // Another endpoint, another key, another id scheme: refused at once.
    let other = |e: SessionError| match e {
        SessionError::OtherImport(m) => m.part,
        e => panic!("{e}"),
    };
    assert_eq!(
        other(resume(setup(B, "k"), &cp).unwrap_err()),
        IdentityPart::Endpoint
    );
    assert_eq!(
        other(resume(setup(A, "k2"), &cp).unwrap_err()),
        IdentityPart::Source
    );
    let mut v1 = setup(A, "k");
    v1.id_scheme = Some(IdScheme::V1);
    assert_eq!(other(resume(v1, &cp).unwrap_err()), IdentityPart::Ids);
    let mut m = setup(A, "k");
    m.mapping = Mapping::from_json(&MAPPING.replace("properties.n", "properties.m")).ok();
    assert_eq!(other(resume(m, &cp).unwrap_err()), IdentityPart::Mapping);
    // Another way of reading: known once sniffed, still before any request.
    let mut b = Endpoint::default();
    let mut semi = setup(A, "k");
    semi.source.encoding = Some(crate::source::Encoding::Windows1252);
    let s = resume(semi, &cp).expect("cannot tell yet");
    let e = run(s, &data, &mut b, Run::default())
        .err()
        .expect("refused");
    assert_eq!(other(e), IdentityPart::Reading);
    assert_eq!(b.requests, 0);

    // The same import: the rest, and the whole file in the report.
    let s = resume(setup(A, "k"), &cp).expect("same import");
    let ran = run(s, &data, &mut a, Run::default()).expect("runs");
    let r = ran.report.expect("finished");
    assert!(r.balanced && r.complete);
    assert_eq!(r.reconciliation.delivered, 500);
    assert_eq!(
        r.reconciliation.previously_delivered as usize,
        before.min(500)
    );
    assert_eq!(a.got.len(), 500, "every row arrived");
    // Re-sent rows (those in flight at the kill) kept their ids.
    for ids in a.got.values() {
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    }
}

/// A file edited where the earlier run had read is caught before anything
/// is sent; a file that is another file altogether too.
#[test]
fn an_edited_file_is_refused() {
    let data = csv(20_000, &[]);
    let mut a = Endpoint::default();
    let s = SendSession::new(setup(A, "k"), T0).expect("starts");
    let how = Run {
        chunk: 4096,
        die_after_acks: Some(700),
        ..Run::default()
    };
    let cp = run(s, &data, &mut a, how)
        .expect("runs")
        .checkpoint
        .expect("checkpoint");
    let verified = Checkpoint::from_json(&cp)
        .ok()
        .and_then(|c| c.verified().cloned());
    let verified = verified.expect("a verified prefix").bytes as usize;
    assert!(verified > 90_000, "{verified}");

    // One digit changed in row 5000: past the 64 KiB head, inside the prefix.
    let text = String::from_utf8(data.clone()).unwrap_or_default();
    let edited = text
        .replacen(",Event 2,5000\n", ",Event 2,5001\n", 1)
        .into_bytes();
    assert_ne!(edited, data);
    let requests = a.requests;
    let s = resume(setup(A, "k"), &cp).expect("same head");
    let e = run(s, &edited, &mut a, Run::default())
        .err()
        .expect("refused");
    assert!(matches!(e, SessionError::FileChanged(_)), "{e}");
    assert!(
        e.to_string().contains("changed since the checkpoint"),
        "{e}"
    );
    assert_eq!(a.requests, requests, "nothing sent");

    // Another file (its head differs).
    let other = csv(20_000, &[1]);
    let s = resume(setup(A, "k"), &cp).expect("cannot tell yet");
    let e = run(s, &other, &mut a, Run::default())
        .err()
        .expect("refused");
    assert!(
        matches!(
            e,
            SessionError::OtherImport(Mismatch {
                part: IdentityPart::File,
                ..
            })
        ),
        "{e}"
    );
    // A shorter file.
    let s = resume(setup(A, "k"), &cp).expect("cannot tell yet");
    let e = run(s, &data[..verified - 10], &mut a, Run::default())
        .err()
        .expect("refused");
    assert!(
        matches!(
            e,
            SessionError::FileChanged(ContentChanged {
                shorter: Some(_),
                ..
            })
        ),
        "{e}"
    );
    assert_eq!(a.requests, requests, "nothing sent");
}

#[test]
fn older_checkpoints_are_refused_with_their_own_message() {
    let v1 =
        r#"{"version":1,"fingerprint":"abc","watermark":100,"doneAbove":[],"serverRejected":[]}"#;
    let e = resume(setup(A, "k"), v1).unwrap_err();
    assert!(matches!(
        e,
        SessionError::Checkpoint(CheckpointError::OlderFormat(1))
    ));
    assert!(e.to_string().contains("earlier version"), "{e}");
    let e = resume(setup(A, "k"), "{}").unwrap_err();
    assert_eq!(e.code(), "invalid_checkpoint");
}

/// The scheme of the checkpoint goes on: a run started with scheme 1 is
/// resumed with scheme 1 without being asked.
#[test]
fn a_resumed_run_keeps_the_id_scheme_it_started_with() {
    let data = csv(200, &[]);
    let mut a = Endpoint::default();
    let mut v1 = setup(A, "k");
    v1.id_scheme = Some(IdScheme::V1);
    let s = SendSession::new(v1, T0).expect("starts");
    let how = Run {
        die_after_acks: Some(5),
        ..Run::default()
    };
    let cp = run(s, &data, &mut a, how)
        .expect("runs")
        .checkpoint
        .expect("checkpoint");
    let s = resume(setup(A, "k"), &cp).expect("resumes");
    assert_eq!(s.destination().id_scheme, IdScheme::V1);
    let r = run(s, &data, &mut a, Run::default())
        .expect("runs")
        .report
        .expect("done");
    assert!(r.balanced);
    for ids in a.got.values() {
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    }
}

/// Item 7: a cancel names its cause once ("cancelled (Ctrl-C)", not
/// "aborted: aborted: ...").
#[test]
fn a_cancel_says_so_once_and_loses_nothing() {
    // Past the 64 KiB head, so sending starts before the file is read.
    let data = csv(20_000, &[]);
    let mut a = Endpoint::default();
    let mut s = SendSession::new(setup(A, "k"), T0).expect("starts");
    let mut now = T0;
    let mut at = 0;
    // Read a part, send a few, then cancel with requests in flight.
    let mut out = Vec::new();
    while s.wants_input() {
        s.push_input(&data[at..at + 100], now).expect("push");
        at += 100;
    }
    assert!(at < data.len() / 2, "backpressure stopped reading at {at}");
    while let Some(t) = s.poll_transmit(now) {
        out.push(t);
    }
    assert!(!out.is_empty());
    s.cancel("Ctrl-C", now);
    assert!(s.poll_transmit(now).is_none());
    for t in out {
        a.keep(&t);
        now += 1;
        s.handle_response(t.id, Outcome::status(200, "{}"), now);
    }
    assert!(s.is_done());
    let r = s.finish(now);
    assert!(r.balanced && !r.complete);
    assert_eq!(
        r.stopped,
        Some(StopReason::Cancelled {
            by: "Ctrl-C".into()
        })
    );
    assert_eq!(r.reconciliation.delivered as usize, a.got.len());
    assert!(r.reconciliation.undelivered > 0);
    let reason = r.reconciliation.undelivered_reason.unwrap_or_default();
    assert_eq!(reason, "cancelled (Ctrl-C)");
}

#[test]
fn a_refusal_stops_the_send_and_names_every_row_undelivered() {
    let data = csv(300, &[]);
    let mut a = Endpoint::default();
    let s = SendSession::new(setup(A, "k"), T0).expect("starts");
    let how = Run {
        answer: Box::new(|n, _| (n >= 3).then(|| Outcome::status(401, "bad key"))),
        ..Run::default()
    };
    let r = run(s, &data, &mut a, how)
        .expect("runs")
        .report
        .expect("done");
    assert!(r.balanced && !r.complete);
    assert!(matches!(
        r.stopped,
        Some(StopReason::Refused {
            status: Some(401),
            ..
        })
    ));
    assert_eq!(r.reconciliation.delivered, 30);
    assert_eq!(a.got.len(), 30);
    assert_eq!(
        r.reconciliation.delivered + r.reconciliation.undelivered,
        r.reconciliation.rows
    );
}

/// Item 6: a redirect is a refusal that names where it pointed.
#[test]
fn a_redirect_is_a_refusal_naming_its_target() {
    let data = csv(50, &[]);
    let mut a = Endpoint::default();
    let s = SendSession::new(setup(A, "k"), T0).expect("starts");
    let how = Run {
        answer: Box::new(|_, _| {
            Some(Outcome::Redirected {
                status: Some(307),
                location: Some("https://evil.example/collect".into()),
            })
        }),
        ..Run::default()
    };
    let r = run(s, &data, &mut a, how)
        .expect("runs")
        .report
        .expect("done");
    assert_eq!(r.reconciliation.delivered, 0);
    assert!(r.balanced);
    let Some(StopReason::Refused { status, reason }) = r.stopped else {
        panic!("not refused")
    };
    assert_eq!(status, Some(307));
    assert!(reason.contains("https://evil.example/collect"), "{reason}");
}

/// Rows the endpoint refused in the run resumed are reported again (as
/// rejected rows, and in the counts), so nothing is lost on the way.
#[test]
fn refusals_of_an_earlier_run_are_carried_into_the_resumed_one() {
    let data = csv(200, &[10]);
    let poison = 33u64;
    let refuse = move |_: usize, t: &Transmit| {
        t.rows
            .contains(&poison)
            .then(|| Outcome::status(400, "bad message"))
    };
    let mut a = Endpoint::default();
    let s = SendSession::new(setup(A, "k"), T0).expect("starts");
    let how = Run {
        answer: Box::new(refuse),
        die_after_acks: Some(8),
        ..Run::default()
    };
    let ran = run(s, &data, &mut a, how).expect("runs");
    assert!(ran.rejected.iter().any(|r| r.row == poison));
    let cp = ran.checkpoint.expect("checkpoint");
    let s = resume(setup(A, "k"), &cp).expect("resumes");
    let ran = run(s, &data, &mut a, Run::default()).expect("runs");
    let r = ran.report.expect("done");
    assert!(r.balanced, "{:?}", r.reconciliation);
    assert_eq!(r.reconciliation.rejected, 2);
    assert_eq!(r.reconciliation.rejected_by_server, 1);
    assert_eq!(
        r.server_rejected,
        vec![(poison, "HTTP 400: bad message".to_string())]
    );
    let rows: Vec<u64> = ran.rejected.iter().map(|r| r.row).collect();
    assert_eq!(
        rows,
        vec![11, poison],
        "in row order, the earlier refusal included"
    );
    assert!(!a.got.contains_key(&poison));
}

/// A file that breaks after sending started: what was read is delivered,
/// the report says where reading stopped; before sending, it is a refusal.
#[test]
fn a_broken_file_stops_reading_not_accounting() {
    // Varied enough that its gzip is well past the 64 KiB head.
    let mut text = String::from("user,what,n\n");
    let mut x = 88172645463325252u64;
    for i in 0..40_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        text.push_str(&format!("u{x},Event {},{i}\n", x % 1000));
    }
    let mut data = text.into_bytes();
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = gz.write_all(&data);
    data = gz.finish().unwrap_or_default();
    let cut = data.len() - 20;
    let mut a = Endpoint::default();
    let s = SendSession::new(setup(A, "k"), T0).expect("starts");
    let how = Run {
        chunk: 4096,
        ..Run::default()
    };
    let r = run(s, &data[..cut], &mut a, how)
        .expect("runs")
        .report
        .expect("done");
    assert!(r.balanced, "{r:?}");
    assert!(!r.complete);
    assert!(
        r.error.as_deref().is_some_and(|e| e.contains("gzip")),
        "{:?}",
        r.error
    );
    assert_eq!(r.reconciliation.delivered as usize, a.got.len());
    assert!(r.reconciliation.rows > 30_000, "{}", r.reconciliation.rows);
    // Cut before the head was read: nothing is sent, and it says why.
    let s = SendSession::new(setup(A, "k"), T0).expect("starts");
    let e = run(s, &data[..30_000], &mut a, Run::default())
        .err()
        .expect("refused");
    assert!(matches!(e, SessionError::Source(_)), "{e}");
}

#[test]
fn pausing_holds_requests_and_reading() {
    let data = csv(100, &[]);
    let mut s = SendSession::new(setup(A, "k"), T0).expect("starts");
    s.pause(T0);
    assert!(!s.wants_input() && s.poll_transmit(T0).is_none());
    s.unpause(T0 + 5_000);
    assert!(s.wants_input());
    let mut a = Endpoint::default();
    let r = run(s, &data, &mut a, Run::default())
        .expect("runs")
        .report
        .expect("done");
    assert_eq!(r.paused_ms, 5_000);
    assert_eq!(r.reconciliation.delivered, 100);
}

/// Fixed rows go in the same send under their own rows, each once; a
/// checkpoint made with one set of edits is refused with another.
#[test]
fn fixes_are_sent_in_the_import_and_are_part_of_its_identity() {
    use crate::pipeline::Fixes;
    let data = csv(60, &[4, 50]);
    let columns = ["user", "what", "n"].map(String::from).to_vec();
    let mut fixes = Fixes::new(columns);
    // Data row 4 is row 5 (the header is row 1).
    let fix = |u: &str, n: &str| vec![u.to_string(), "Fixed".to_string(), n.to_string()];
    fixes.insert(5, fix("f4", "4")).expect("fix");
    fixes.insert(51, fix("f50", "50")).expect("fix");
    let mut with = setup(A, "k");
    with.fixes = fixes.clone();
    let mut end = Endpoint::default();
    let how = Run {
        die_after_acks: Some(2),
        ..Run::default()
    };
    let ran = run(
        SendSession::new(with.clone(), T0).expect("starts"),
        &data,
        &mut end,
        how,
    )
    .expect("runs");
    let cp = ran.checkpoint.expect("a checkpoint");

    // Without the edits, or with others: refused, saying the fixes differ.
    let mut other = fixes.clone();
    other.insert(51, fix("f50", "51")).expect("fix");
    for fixes in [Fixes::default(), other] {
        let mut s = setup(A, "k");
        s.fixes = fixes;
        match resume(s, &cp).unwrap_err() {
            SessionError::OtherImport(m) => {
                assert_eq!(m.part, IdentityPart::Fixes);
                assert!(m.to_string().contains("fixes"), "{m}");
            }
            e => panic!("{e}"),
        }
    }
    // With the same edits: the rest goes, and every row is there once.
    let ran = run(
        resume(with, &cp).expect("resumes"),
        &data,
        &mut end,
        Run::default(),
    )
    .expect("runs");
    let report = ran.report.expect("done");
    assert_eq!(end.got.len(), 60, "every row, fixed ones too");
    // Each with one messageId (a row in flight at the kill goes again, same id).
    assert!(
        end.got
            .values()
            .all(|ids| ids.windows(2).all(|w| w[0] == w[1])),
        "each once"
    );
    assert!(end.got.contains_key(&5) && end.got.contains_key(&51));
    assert_eq!(report.summary.fixed, 2);
    assert_eq!(report.summary.rejected, 0);
}
