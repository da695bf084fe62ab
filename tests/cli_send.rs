//! The `send` command end to end: the real binary against the local receiver
//! over real HTTP, with injected faults, a kill and resume, and a message the
//! API refuses. Every row must end delivered, rejected with a reason, or
//! named as undelivered, and nothing may arrive twice uncounted.
#![cfg(feature = "cli")]

use std::process::Stdio;
use std::time::{Duration, Instant};

use segment_backfill::cli::receive::ReceiverConfig;

mod common;

use common::{run_json, send_cmd, temp_dir, write_orders, Local};

#[test]
fn one_hundred_thousand_rows_through_thirty_percent_faults() {
    let dir = temp_dir("faults");
    let (file, mapping) = write_orders(&dir, 100_000, None);
    let local = Local::start(ReceiverConfig {
        fail_rate: 0.3,
        seed: 42,
        out: Some(dir.join("received.ndjson")),
        ..ReceiverConfig::default()
    });
    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &local.url,
        &["--batch-messages", "500", "--concurrency", "8"],
    ));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["rows"], 100_000);
    assert_eq!(report["delivered"], 100_000);
    assert_eq!(report["rejected"], 0);
    assert_eq!(report["undelivered"], 0);
    assert_eq!(report["balanced"], true);
    let stats = local.stats();
    assert_eq!(stats.unique_message_ids, 100_000, "{stats:?}");
    assert!(stats.faults_injected > 0, "faults were injected: {stats:?}");
    assert!(report["delivery"]["retries"].as_u64().unwrap_or(0) > 0);
}

#[test]
fn killed_mid_send_then_resumed_delivers_every_row_once() {
    let dir = temp_dir("resume");
    let (file, mapping) = write_orders(&dir, 10_000, None);
    let local = Local::start(ReceiverConfig::default());
    let checkpoint = dir.join("checkpoint.json");
    let cp = checkpoint.to_string_lossy().to_string();
    let slow = [
        "--batch-messages",
        "100",
        "--rate",
        "20",
        "--concurrency",
        "2",
        "--checkpoint",
        &cp,
    ];

    let mut child = send_cmd(&file, &mapping, &local.url, &slow)
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    while local.stats().unique_message_ids < 2_000 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(1_200)); // let a checkpoint be written
    child.kill().expect("kill");
    let _ = child.wait();
    let after_kill = local.stats().unique_message_ids;
    assert!(
        after_kill > 0 && after_kill < 10_000,
        "killed mid-send: {after_kill} delivered"
    );

    // Without --resume an existing checkpoint is refused rather than overwritten.
    let out = send_cmd(&file, &mapping, &local.url, &["--checkpoint", &cp])
        .output()
        .expect("runs");
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--resume"));

    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &local.url,
        &["--checkpoint", &cp, "--resume"],
    ));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["rows"], 10_000);
    assert_eq!(report["delivered"], 10_000);
    assert_eq!(report["undelivered"], 0);
    assert!(
        report["reconciliation"]["previouslyDelivered"]
            .as_u64()
            .unwrap_or(0)
            > 0
    );
    let stats = local.stats();
    assert_eq!(
        stats.unique_message_ids, 10_000,
        "every row arrived: {stats:?}"
    );
    // Only what was delivered after the last checkpoint, or in flight at
    // the kill, may be sent twice (and Segment drops repeats by messageId):
    // at most one checkpoint interval at the rate (20 requests of 100 rows a
    // second, a checkpoint a second) plus the 2 requests in flight.
    let at_most =
        20 * 100 * (segment_backfill::session::DEFAULT_CHECKPOINT_EVERY_MS / 1000) + 2 * 100;
    assert!(
        stats.duplicates <= at_most,
        "re-sent at most the unacknowledged part ({at_most}): {stats:?}"
    );
}

#[test]
fn a_poisoned_message_is_isolated_and_reported() {
    let dir = temp_dir("poison");
    let (file, mapping) = write_orders(&dir, 5_000, Some(1_234));
    let local = Local::start(ReceiverConfig {
        poison_marker: Some("POISON".into()),
        ..ReceiverConfig::default()
    });
    let rejects = dir.join("rejects.csv");
    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &local.url,
        &["--rejects", &rejects.to_string_lossy()],
    ));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["delivered"], 4_999);
    assert_eq!(report["rejected"], 1);
    assert_eq!(report["reconciliation"]["rejectedByServer"], 1);
    assert_eq!(local.stats().unique_message_ids, 4_999);
    let text = std::fs::read_to_string(&rejects).expect("rejects written");
    // Data row 1,234 is file row 1,235 (the header is row 1).
    let line = text
        .lines()
        .find(|l| l.starts_with("1235,"))
        .unwrap_or_else(|| panic!("row reported: {text}"));
    assert!(
        line.contains("rejected_by_api") && line.contains("400"),
        "{line}"
    );
}

#[test]
fn a_wrong_write_key_stops_with_every_row_named() {
    let dir = temp_dir("fatal");
    let (file, mapping) = write_orders(&dir, 3_000, None);
    let local = Local::start(ReceiverConfig {
        write_key: Some("right".into()),
        ..ReceiverConfig::default()
    });
    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &local.url,
        &["--batch-messages", "200"],
    ));
    assert_eq!(code, Some(3), "non-zero when rows are undelivered");
    assert_eq!(report["delivered"], 0);
    assert_eq!(report["balanced"], true, "{report:#}");
    assert_eq!(
        report["undelivered"].as_u64().unwrap_or(0) + report["rejected"].as_u64().unwrap_or(0),
        report["rows"].as_u64().unwrap_or(0)
    );
    assert!(
        report["reconciliation"]["undeliveredReason"]
            .as_str()
            .unwrap_or("")
            .contains(
                "the endpoint refused the write key (HTTP 401): missing or invalid write key"
            ),
        "the receiver's JSON answer, in words: {report:#}"
    );
}
