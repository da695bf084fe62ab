//! Sending several files as one import to the local receiver: every valid
//! row once, messageIds that a file added later does not change, a resume
//! that re-sends nothing delivered and refuses another set of files, and a
//! Segment archive folder replayed in time order.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{run_json, send_cmd, temp_dir, Local, MAPPING};
use segment_backfill::cli::receive::ReceiverConfig;
use serde_json::Value;

/// `rows` orders named `{prefix}-{i}`, with `delimiter`; every 10th row has
/// no user (rejected).
fn month(dir: &Path, name: &str, prefix: &str, delimiter: char, rows: usize) -> PathBuf {
    let d = delimiter.to_string();
    let mut text = ["order_id", "user_id", "event", "created_at", "price"].join(&d) + "\n";
    for i in 1..=rows {
        let user = if i % 10 == 0 {
            String::new()
        } else {
            format!("u{i}")
        };
        let cells = [
            format!("{prefix}-{i}"),
            user,
            "Order Completed".into(),
            format!("2024-03-{:02}T10:{:02}:00Z", 1 + i % 28, i % 60),
            "7".into(),
        ];
        text.push_str(&(cells.join(&d) + "\n"));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

fn three_months(name: &str, rows: usize) -> (PathBuf, PathBuf) {
    let dir = temp_dir(name);
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).expect("dir");
    month(&exports, "orders-1.csv", "A", ',', rows);
    month(&exports, "orders-2.csv", "B", ';', rows);
    month(&exports, "orders-3.csv", "C", '\t', rows);
    let mapping = dir.join("mapping.json");
    std::fs::write(&mapping, MAPPING).expect("mapping");
    (exports, mapping)
}

/// order_id → messageId of every message the receiver wrote out.
fn ids_by_order(out: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(out)
        .expect("receiver output")
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|m| {
            (
                m["properties"]["order_id"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                m["messageId"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn three_files_arrive_once_and_a_fourth_changes_none_of_their_ids() {
    let (exports, mapping) = three_months("ids", 50);
    let first_out = exports.parent().expect("dir").join("first.ndjson");
    let local = Local::start(ReceiverConfig {
        out: Some(first_out.clone()),
        ..ReceiverConfig::default()
    });
    let (code, report) = run_json(send_cmd(&exports, &mapping, &local.url, &[]));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["rows"], 150);
    assert_eq!(report["delivered"], 135);
    assert_eq!(report["rejected"], 15);
    let files = report["files"].as_array().expect("files");
    for (f, name) in files
        .iter()
        .zip(["orders-1.csv", "orders-2.csv", "orders-3.csv"])
    {
        assert_eq!(f["file"], name);
        assert_eq!(
            (f["rows"].as_u64(), f["delivered"].as_u64()),
            (Some(50), Some(45))
        );
        assert_eq!(
            (f["rejected"].as_u64(), f["undelivered"].as_u64()),
            (Some(5), Some(0))
        );
    }
    let stats = local.stats();
    assert_eq!((stats.unique_message_ids, stats.duplicates), (135, 0));
    let first = ids_by_order(&first_out);
    assert_eq!(first.len(), 135, "every valid row once, by order id");
    assert!(first.contains_key("B-1") && !first.contains_key("B-10"));
    drop(local);

    // A new month: the earlier months keep their ids, so Segment drops them
    // as repeats instead of storing them twice.
    month(&exports, "orders-4.csv", "D", ',', 50);
    let second_out = exports.parent().expect("dir").join("second.ndjson");
    let local = Local::start(ReceiverConfig {
        out: Some(second_out.clone()),
        ..ReceiverConfig::default()
    });
    let (code, report) = run_json(send_cmd(&exports, &mapping, &local.url, &[]));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["delivered"], 180);
    let second = ids_by_order(&second_out);
    for (order, id) in &first {
        assert_eq!(second.get(order), Some(id), "{order} kept its messageId");
    }
    assert_eq!(second.len(), 180);
}

#[test]
fn an_interrupted_send_resumes_without_resending_and_refuses_another_set() {
    let (exports, mapping) = three_months("resume", 2_000);
    let checkpoint = exports.parent().expect("dir").join("checkpoint.json");
    let cp = checkpoint.to_string_lossy().to_string();
    let local = Local::start(ReceiverConfig::default());
    let slow = [
        "--batch-messages",
        "100",
        "--rate",
        "10",
        "--concurrency",
        "1",
        "--checkpoint",
        &cp,
    ];
    let child = send_cmd(&exports, &mapping, &local.url, &slow)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Stop it (as Ctrl-C would) once it is into the second file.
    let started = Instant::now();
    while local.stats().unique_message_ids < 2_500 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(stopped.success());
    let out = child.wait_with_output().expect("waits");
    assert_eq!(out.status.code(), Some(3), "stopped with rows undelivered");
    let first: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let delivered_first = local.stats().unique_message_ids;
    assert!((2_500..5_400).contains(&delivered_first), "{first:#}");
    assert_eq!(first["delivered"].as_u64(), Some(delivered_first));

    // Another set of files: refused, naming the file, nothing sent.
    let extra = month(&exports, "orders-4.csv", "D", ',', 10);
    let (code, refused) = {
        let out = send_cmd(
            &exports,
            &mapping,
            &local.url,
            &["--checkpoint", &cp, "--resume"],
        )
        .output()
        .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(1), "{refused}");
    assert!(
        refused.contains("another set of files: orders-4.csv is new"),
        "{refused}"
    );
    assert_eq!(local.stats().unique_message_ids, delivered_first);
    std::fs::remove_file(extra).expect("remove");

    // The same set: only the rest is sent, nothing twice.
    let (code, report) = run_json(send_cmd(
        &exports,
        &mapping,
        &local.url,
        &["--checkpoint", &cp, "--resume"],
    ));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["rows"], 6_000);
    assert_eq!(report["delivered"], 5_400);
    assert_eq!(
        report["reconciliation"]["previouslyDelivered"].as_u64(),
        Some(delivered_first)
    );
    let stats = local.stats();
    assert_eq!(stats.unique_message_ids, 5_400, "{stats:?}");
    assert_eq!(stats.duplicates, 0, "nothing delivered was sent again");
    let per_file: Vec<u64> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["delivered"].as_u64())
        .collect();
    assert_eq!(per_file, [1_800, 1_800, 1_800]);
}

/// One hour of an archive: gzipped NDJSON, full messages as Segment kept them.
fn archive_hour(dir: &Path, day: &str, file: &str, events: &[(&str, &str)]) {
    let folder = dir.join(day);
    std::fs::create_dir_all(&folder).expect("dir");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for (event, at) in events {
        let line = serde_json::json!({
            "type": "track", "event": event, "userId": "u1", "timestamp": at,
            "messageId": format!("original-{event}"), "sentAt": at, "receivedAt": at,
            "projectId": "p1", "version": 2,
        });
        writeln!(gz, "{line}").expect("gzip");
    }
    std::fs::write(folder.join(file), gz.finish().expect("gzip")).expect("write");
}

#[test]
fn a_segment_archive_folder_replays_in_time_order() {
    let dir = temp_dir("archive");
    let source = dir.join("segment-logs").join("Ab12Cd");
    // Written latest first; the day folder 999999999999 (2001) sorts after
    // the 2018 ones as text, but comes first in time.
    archive_hour(
        &source,
        "1517529600000",
        "1517533200000.c3.gz",
        &[("E5", "2018-02-02T01:00:00Z")],
    );
    archive_hour(
        &source,
        "1517443200000",
        "1517500800000.b2.gz",
        &[
            ("E3", "2018-02-01T16:00:00Z"),
            ("E4", "2018-02-01T16:30:00Z"),
        ],
    );
    archive_hour(
        &source,
        "1517443200000",
        "1517446800000.a1.gz",
        &[("E2", "2018-02-01T01:00:00Z")],
    );
    archive_hour(
        &source,
        "999999999999",
        "999999999999.z9.gz",
        &[("E1", "2001-09-09T01:46:39Z")],
    );
    let out = dir.join("received.ndjson");
    let local = Local::start(ReceiverConfig {
        out: Some(out.clone()),
        ..ReceiverConfig::default()
    });
    let mut cmd = std::process::Command::new(common::BIN);
    cmd.args([
        "send",
        &dir.join("segment-logs").to_string_lossy(),
        "--endpoint",
        &local.url,
        "--concurrency",
        "1",
        "--batch-messages",
        "1",
        "--json",
    ])
    .env("SEGMENT_WRITE_KEY", "test-key")
    .stdin(Stdio::null());
    let (code, report) = run_json(cmd);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["order"], "archiveTime");
    let names: Vec<&str> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Ab12Cd/999999999999/999999999999.z9.gz",
            "Ab12Cd/1517443200000/1517446800000.a1.gz",
            "Ab12Cd/1517443200000/1517500800000.b2.gz",
            "Ab12Cd/1517529600000/1517533200000.c3.gz",
        ]
    );
    let received: Vec<Value> = std::fs::read_to_string(&out)
        .expect("out")
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let events: Vec<&str> = received
        .iter()
        .filter_map(|m| m["event"].as_str())
        .collect();
    assert_eq!(events, ["E1", "E2", "E3", "E4", "E5"]);
    assert!(
        received.iter().all(|m| !m["messageId"]
            .as_str()
            .unwrap_or("original")
            .starts_with("original")),
        "replayed: the archive's messageIds are derived anew"
    );
}
