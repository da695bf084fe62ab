//! `send --target` and `check --target` against the local receiver standing
//! in for each service (`receive --target`, in-process here): RudderStack's
//! bigger batches arrive whole and under its 4 MB, and it refuses the key in
//! the body before anything is sent; Jitsu's messageId rules reject, with
//! their reasons, the rows whose id it would change, in `send` and `check`
//! alike; Hightouch takes Segment's batches with the key in the header.
//! Nothing here goes to the internet.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run, run_json, send_cmd, temp_dir, write_orders, Local};
use segment_backfill::cli::receive::ReceiverConfig;
use segment_backfill::target::Target;
use serde_json::Value;

/// Segment's largest body, which RudderStack's batches may pass.
const SEGMENT_BODY: u64 = 500_000;
/// RudderStack's largest body (4,000 KB).
const RUDDERSTACK_BODY: u64 = 4_000 * 1024;

/// A receiver standing in for `target`, requiring `key`, keeping what it
/// accepts in `out`.
fn stand_in(target: Target, key: &str, out: &Path) -> Local {
    Local::start(ReceiverConfig {
        target,
        limits: target.limits(),
        write_key: Some(key.to_string()),
        out: Some(out.to_path_buf()),
        ..ReceiverConfig::default()
    })
}

/// `send --json` with `key` as the write key.
fn send_as(file: &Path, mapping: &Path, url: &str, extra: &[&str], key: &str) -> Command {
    let mut cmd = send_cmd(file, mapping, url, extra);
    cmd.env("SEGMENT_WRITE_KEY", key);
    cmd
}

/// The messageIds the receiver kept, in order.
fn received_ids(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out)
        .expect("out file")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let m: Value = serde_json::from_str(l).expect("a JSON line");
            m["messageId"].as_str().expect("a messageId").to_string()
        })
        .collect()
}

/// Every answer 200, every row once.
fn assert_all_once(local: &Local, out: &Path, rows: u64) -> (u64, u64) {
    let stats = local.stats();
    assert_eq!(
        stats.by_status.keys().copied().collect::<Vec<_>>(),
        [200],
        "{stats:?}"
    );
    assert_eq!(stats.messages, rows, "{stats:?}");
    assert_eq!(stats.duplicates, 0);
    let ids = received_ids(out);
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len() as u64, rows);
    (stats.requests, stats.body_bytes)
}

#[test]
fn rudderstack_takes_batches_bigger_than_segments_none_over_4_mb() {
    let dir = temp_dir("target-rudderstack");
    let rows = 40_000;
    let (file, mapping) = write_orders(&dir, rows, None);
    let out = dir.join("rudder.ndjson");
    let local = stand_in(Target::RudderStack, "rs-key", &out);
    let (code, report) = run_json(send_as(
        &file,
        &mapping,
        &local.url,
        &["--target", "rudderstack"],
        "rs-key",
    ));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["delivered"], rows);
    let (requests, body) = assert_all_once(&local, &out, rows as u64);
    // The mean body over Segment's limit: some batch was; the receiver
    // answered none 413, so none was over RudderStack's.
    assert!(
        body / requests > SEGMENT_BODY,
        "{requests} requests, {body} B"
    );
    assert!(body / requests <= RUDDERSTACK_BODY);

    // The same file to a Segment stand-in: batches of at most 500 KB, many more.
    let segment_out = dir.join("segment.ndjson");
    let segment = stand_in(Target::SegmentUs, "seg-key", &segment_out);
    let (code, report) = run_json(send_as(
        &file,
        &mapping,
        &segment.url,
        &["--target", "custom"],
        "seg-key",
    ));
    assert_eq!(code, Some(0), "{report:#}");
    let (segment_requests, segment_body) = assert_all_once(&segment, &segment_out, rows as u64);
    assert!(segment_body / segment_requests <= SEGMENT_BODY);
    assert!(
        requests * 5 < segment_requests,
        "RudderStack {requests} requests, Segment's limits {segment_requests}"
    );
}

#[test]
fn rudderstack_refuses_the_key_in_the_body_before_sending() {
    let dir = temp_dir("target-rudderstack-body");
    let (file, mapping) = write_orders(&dir, 20, None);
    let out = dir.join("received.ndjson");
    let local = stand_in(Target::RudderStack, "rs-key", &out);
    let output = send_as(
        &file,
        &mapping,
        &local.url,
        &["--target", "rudderstack", "--auth", "body"],
        "rs-key",
    )
    .output()
    .expect("runs");
    let err = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains("RudderStack takes the write key only in an Authorization header"),
        "{err}"
    );
    assert!(!err.contains("rs-key"), "the key is never printed: {err}");
    assert_eq!(local.stats().requests, 0, "nothing sent");
}

/// A CSV whose `id` column is mapped to messageId: row 4 (data row 3) an id
/// of 65 characters, rows 8 and 12 ids with `#` and `.`, which Jitsu would
/// change; the others plain.
fn write_jitsu_ids(dir: &Path, rows: usize) -> (PathBuf, PathBuf) {
    let mut csv = String::from("id,user_id,event\n");
    for i in 1..=rows {
        let id = match i {
            3 => "a".repeat(65),
            7 => format!("order#{i}"),
            11 => "ok.dot".to_string(),
            _ => format!("order-{i}"),
        };
        csv.push_str(&format!("{id},u{i},Order Completed\n"));
    }
    let file = dir.join("ids.csv");
    std::fs::write(&file, csv).expect("write csv");
    let mapping = dir.join("ids.mapping.json");
    std::fs::write(
        &mapping,
        r#"{"type": "track", "rules": [
            {"from": "id", "to": "messageId"},
            {"from": "user_id", "to": "userId"},
            {"from": "event", "to": "event"}
        ]}"#,
    )
    .expect("write mapping");
    (file, mapping)
}

/// The (row, code, reason) of each row of a `--rejects` CSV.
fn rejects(path: &Path) -> Vec<(u64, String, String)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .expect("rejects written");
    reader
        .records()
        .map(|r| {
            let r = r.expect("a CSV record");
            (
                r[0].parse().expect("row"),
                r[2].to_string(),
                r[3].to_string(),
            )
        })
        .collect()
}

/// The (row, code) pairs of [`rejects`].
fn rows_and_codes(found: &[(u64, String, String)]) -> Vec<(u64, String)> {
    found.iter().map(|(r, c, _)| (*r, c.clone())).collect()
}

const JITSU_REJECTS: [(u64, &str); 3] = [
    (4, "message_id_too_long"),
    (8, "invalid_message_id"),
    (12, "invalid_message_id"),
];

#[test]
fn jitsu_rejects_ids_it_would_change_with_reasons_in_send_and_check() {
    let dir = temp_dir("target-jitsu");
    let (file, mapping) = write_jitsu_ids(&dir, 30);
    let out = dir.join("received.ndjson");
    let local = stand_in(Target::Jitsu, "j-key", &out);
    let sent_rejects = dir.join("send-rejects.csv");
    let sent_rejects_arg = sent_rejects.to_string_lossy().into_owned();
    let (code, report) = run_json(send_as(
        &file,
        &mapping,
        &local.url,
        &["--target", "jitsu", "--rejects", &sent_rejects_arg],
        "j-key",
    ));
    // 3: sent, some rows rejected.
    assert!(matches!(code, Some(0) | Some(3)), "{code:?} {report:#}");
    assert_eq!(report["rejected"], 3, "{report:#}");
    assert_eq!(report["delivered"], 27);
    let expected: Vec<(u64, String)> = JITSU_REJECTS
        .iter()
        .map(|(r, c)| (*r, c.to_string()))
        .collect();
    let sent = rejects(&sent_rejects);
    assert_eq!(rows_and_codes(&sent), expected);
    assert!(
        sent[0]
            .2
            .contains("messageId is 65 characters; Jitsu takes at most 64"),
        "{sent:?}"
    );
    assert!(sent[1].2.contains("'#', which Jitsu changes"), "{sent:?}");
    assert!(sent[2].2.contains("'.', which Jitsu changes"), "{sent:?}");
    // The receiver (which answers 400 to an id Jitsu would change) saw none.
    assert_all_once(&local, &out, 27);
    for id in received_ids(&out) {
        assert!(
            id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{id}"
        );
    }

    // `check --target jitsu` names the same rows with the same reasons.
    let checked = dir.join("check-rejects.csv");
    let (code, _, err) = run(&[
        "check",
        &file.to_string_lossy(),
        "--mapping",
        &mapping.to_string_lossy(),
        "--target",
        "jitsu",
        "--rejects",
        &checked.to_string_lossy(),
    ]);
    assert!(code == 0 || code == 3, "{code}: {err}");
    assert_eq!(rejects(&checked), sent);

    // For Segment the same ids are fine.
    let (_, out_text, err) = run(&[
        "check",
        &file.to_string_lossy(),
        "--mapping",
        &mapping.to_string_lossy(),
        "--json",
    ]);
    let segment: Value = serde_json::from_str(&out_text).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(segment["rejected"], 0, "{segment:#}");
}

#[test]
fn hightouch_takes_segments_batches_with_the_key_in_the_header() {
    let dir = temp_dir("target-hightouch");
    let rows = 3_000;
    let (file, mapping) = write_orders(&dir, rows, None);
    let out = dir.join("received.ndjson");
    let local = stand_in(Target::Hightouch, "h-key", &out);
    let (code, report) = run_json(send_as(
        &file,
        &mapping,
        &local.url,
        &["--target", "hightouch"],
        "h-key",
    ));
    assert_eq!(code, Some(0), "{report:#}");
    let (requests, body) = assert_all_once(&local, &out, rows as u64);
    assert!(requests > 1 && body / requests <= SEGMENT_BODY);

    // Without --endpoint the target's own is used. A file with no valid
    // row sends nothing (exit 4), so no request leaves this machine, and its
    // report names the endpoint the rows would have gone to.
    let none = dir.join("none.csv");
    std::fs::write(
        &none,
        "order_id,user_id,event,created_at,price,sku\nA-1,,E,2024-03-01T10:00:00Z,1,s\n",
    )
    .expect("write csv");
    let (code, report) = run_json(send_as(
        &none,
        &mapping,
        "",
        &["--target", "hightouch"],
        "h-key",
    ));
    assert_eq!(code, Some(4), "{report:#}");
    assert_eq!(
        report["destination"]["endpoint"],
        "https://us-east-1.hightouch-events.com/v1/batch"
    );
    assert_eq!(report["delivery"]["requests"], 0);
}

#[test]
fn rudderstack_and_jitsu_need_an_endpoint() {
    let dir = temp_dir("target-no-endpoint");
    let (file, mapping) = write_orders(&dir, 5, None);
    for target in ["rudderstack", "jitsu"] {
        let output = send_cmd(&file, &mapping, "", &["--target", target])
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&output.stderr);
        assert_ne!(output.status.code(), Some(0), "{err}");
        assert!(err.contains("needs an endpoint"), "{target}: {err}");
    }
}
