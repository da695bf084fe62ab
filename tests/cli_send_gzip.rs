//! `send --compress`: gzip bodies by default, and the fallback when the
//! endpoint refuses them. Every row still ends delivered exactly once, and
//! the report's bytes are the receiver's.
#![cfg(feature = "cli")]

use segment_backfill::cli::receive::ReceiverConfig;

mod common;

use common::{run_json, send_cmd, temp_dir, write_orders, Local};

const ROWS: u64 = 20_000;

/// The report's `wire` figures equal what the receiver counted (which
/// decodes no body it refuses: those count on the wire only).
fn assert_wire_matches(report: &serde_json::Value, local: &Local) {
    let stats = local.stats();
    assert_eq!(report["wire"]["wireBytes"], stats.wire_bytes, "{report:#}");
    if stats.by_status.contains_key(&415) {
        assert!(report["wire"]["jsonBytes"].as_u64() > Some(stats.body_bytes));
    } else {
        assert_eq!(report["wire"]["jsonBytes"], stats.body_bytes, "{report:#}");
    }
}

#[test]
fn bodies_are_gzipped_by_default() {
    let dir = temp_dir("gzip-default");
    let (file, mapping) = write_orders(&dir, ROWS as usize, None);
    let local = Local::start(ReceiverConfig::default());
    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &local.url,
        &["--batch-messages", "500"],
    ));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["delivered"], ROWS);
    let stats = local.stats();
    assert_eq!(stats.unique_message_ids, ROWS, "{stats:?}");
    assert_eq!(stats.duplicates, 0);
    assert_eq!(stats.gzip_requests, stats.requests, "{stats:?}");
    assert!(
        stats.wire_bytes * 3 < stats.body_bytes,
        "gzip takes well over two thirds off: {stats:?}"
    );
    assert_wire_matches(&report, &local);
    assert!(report["wire"].get("gzipRefused").is_none());
}

#[test]
fn none_sends_plain_json() {
    let dir = temp_dir("gzip-none");
    let (file, mapping) = write_orders(&dir, 2_000, None);
    let local = Local::start(ReceiverConfig::default());
    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &local.url,
        &["--compress", "none"],
    ));
    assert_eq!(code, Some(0), "{report:#}");
    let stats = local.stats();
    assert_eq!(stats.gzip_requests, 0);
    assert_eq!(stats.wire_bytes, stats.body_bytes);
    assert_wire_matches(&report, &local);
}

#[test]
fn auto_falls_back_once_refused_and_loses_or_duplicates_nothing() {
    let dir = temp_dir("gzip-refused");
    let (file, mapping) = write_orders(&dir, ROWS as usize, None);
    let local = Local::start(ReceiverConfig {
        refuse_gzip: true,
        ..ReceiverConfig::default()
    });
    let out = send_cmd(
        &file,
        &mapping,
        &local.url,
        &["--batch-messages", "500", "--concurrency", "4"],
    )
    .output()
    .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{report:#}\n{stderr}");
    assert_eq!(report["delivered"], ROWS);
    assert_eq!(report["undelivered"], 0);
    let stats = local.stats();
    assert_eq!(
        (stats.unique_message_ids, stats.duplicates),
        (ROWS, 0),
        "{stats:?}"
    );
    // Only the requests in flight before the first refusal came back gzipped.
    let refused = stats.by_status.get(&415).copied().unwrap_or(0);
    assert!((1..=4).contains(&refused), "{stats:?}");
    assert_eq!(stats.gzip_requests, refused);
    // The engine saw no failure: the resends are not retries.
    assert_eq!(report["delivery"]["retries"], 0, "{report:#}");
    assert!(
        report["wire"]["gzipRefused"]
            .as_str()
            .is_some_and(|why| why.contains("415")),
        "{report:#}"
    );
    assert!(stderr.contains("refuses gzip"), "{stderr}");
    assert_wire_matches(&report, &local);
}

#[test]
fn forced_gzip_against_a_refusal_names_every_row_undelivered() {
    let dir = temp_dir("gzip-forced");
    let (file, mapping) = write_orders(&dir, 1_000, None);
    let local = Local::start(ReceiverConfig {
        refuse_gzip: true,
        ..ReceiverConfig::default()
    });
    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &local.url,
        &["--compress", "gzip"],
    ));
    assert_ne!(code, Some(0));
    assert_eq!(report["delivered"], 0);
    assert_eq!(report["undelivered"], 1_000);
    assert_eq!(report["balanced"], true);
    assert_eq!(local.stats().messages, 0);
}

#[test]
fn a_bad_message_is_still_rejected_alone_and_gzip_is_kept() {
    let dir = temp_dir("gzip-poison");
    let (file, mapping) = write_orders(&dir, 5_000, Some(1));
    let local = Local::start(ReceiverConfig {
        poison_marker: Some("POISON".into()),
        ..ReceiverConfig::default()
    });
    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &local.url,
        &["--batch-messages", "100", "--concurrency", "1"],
    ));
    assert!(code.is_some(), "{report:#}");
    assert_eq!(report["delivered"], 4_999, "{report:#}");
    assert_eq!(report["rejected"], 1);
    let stats = local.stats();
    assert_eq!((stats.unique_message_ids, stats.duplicates), (4_999, 0));
    // The first batch's 400 was tried plain once (gzip not yet proven); it
    // failed too, so gzip was not blamed.
    assert!(report["wire"].get("gzipRefused").is_none(), "{report:#}");
    assert!(stats.gzip_requests > stats.requests / 2, "{stats:?}");
}
