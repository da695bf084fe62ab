//! `send` at the edges, one test per way it used to go silently wrong: the
//! real binary against the local receiver over real HTTP.
#![cfg(feature = "cli")]

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{run_json, send_cmd, temp_dir, write_orders, write_orders_with, Local, Order, BIN};
use segment_backfill::cli::receive::{ReceiverConfig, Redirect};
use serde_json::Value;

/// Waits until `done` holds (at most 60 s).
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "waited too long for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stop(child: &mut Child, signal: &str) {
    let _ = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status();
}

/// The messageIds in the receiver's out file, in order.
fn received_ids(out: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(out).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|m| m["messageId"].as_str().unwrap_or("<none>").to_string())
        .collect()
}

fn stderr_of(mut cmd: Command) -> (Option<i32>, String) {
    let out = cmd.output().expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Item 1: killed at 20,000 of 50,000 rows, then resumed to another endpoint
/// (or with another key, or an edited file): refused, nothing sent; started
/// over there, everything arrives; resumed where it was, the rest arrives.
#[test]
fn a_checkpoint_is_resumed_only_by_its_own_import() {
    let dir = temp_dir("identity");
    let (file, mapping) = write_orders(&dir, 50_000, None);
    let a = Local::start(ReceiverConfig::default());
    let b = Local::start(ReceiverConfig::default());
    let cp = dir.join("ck.json").to_string_lossy().to_string();
    let slow = [
        "--batch-messages",
        "500",
        "--rate",
        "8",
        "--concurrency",
        "2",
    ];
    let mut first = send_cmd(&file, &mapping, &a.url, &slow)
        .args(["--checkpoint", &cp])
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for("20,000 rows at A", || {
        a.stats().unique_message_ids >= 20_000
    });
    std::thread::sleep(Duration::from_millis(1_300)); // a checkpoint is written each second
    first.kill().expect("kill");
    let _ = first.wait();
    let at_a = a.stats().unique_message_ids;
    assert!(at_a < 50_000, "killed mid-send: {at_a}");

    // Another endpoint: refused, naming both, nothing sent.
    let (code, err) = stderr_of(send_cmd(
        &file,
        &mapping,
        &b.url,
        &["--checkpoint", &cp, "--resume"],
    ));
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("nothing was sent") && err.contains(&a.url) && err.contains(&b.url),
        "{err}"
    );
    assert!(err.contains("--restart"), "says how to start over: {err}");
    assert_eq!(b.stats().requests, 0);
    // Another write key: refused.
    let mut other_key = send_cmd(&file, &mapping, &a.url, &["--checkpoint", &cp, "--resume"]);
    other_key.env("SEGMENT_WRITE_KEY", "another-key");
    let (code, err) = stderr_of(other_key);
    assert_eq!(code, Some(1));
    assert!(err.contains("another source"), "{err}");
    // The file edited in rows the first run had done: refused.
    let text = std::fs::read_to_string(&file).expect("read");
    let edited = dir.join("edited.csv");
    std::fs::write(&edited, text.replacen("A-5000,", "A-5999,", 1)).expect("write");
    let requests = a.stats().requests;
    let (code, err) = stderr_of(send_cmd(
        &edited,
        &mapping,
        &a.url,
        &["--checkpoint", &cp, "--resume"],
    ));
    assert_eq!(code, Some(1));
    assert!(err.contains("changed since the checkpoint"), "{err}");
    assert_eq!(a.stats().requests, requests, "nothing sent");

    // Started over at B: all of it, counted as this run's.
    let cp_b = dir.join("ck-b.json").to_string_lossy().to_string();
    let (code, report) = run_json(send_cmd(&file, &mapping, &b.url, &["--checkpoint", &cp_b]));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["delivered"], 50_000);
    assert_eq!(b.stats().unique_message_ids, 50_000);
    // Resumed at A: the rest.
    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &a.url,
        &["--checkpoint", &cp, "--resume"],
    ));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["delivered"], 50_000);
    assert!(report["reconciliation"]["previouslyDelivered"].as_u64() > Some(15_000));
    assert_eq!(a.stats().unique_message_ids, 50_000);
    // --restart replaces a checkpoint; without --resume or --restart it is kept.
    let (code, err) = stderr_of(send_cmd(&file, &mapping, &a.url, &["--checkpoint", &cp]));
    assert_eq!(code, Some(1));
    assert!(
        err.contains("--resume") && err.contains("--restart"),
        "{err}"
    );
}

/// Item 2: `null`, empty and blank messageIds are replaced by derived ids,
/// one per row, never the text "null".
#[test]
fn null_and_empty_message_ids_get_ids_of_their_own() {
    let dir = temp_dir("null-ids");
    let file = dir.join("events.ndjson");
    let mut text = String::new();
    for (i, id) in ["null", "\"\"", "\"  \"", "null", "\"mine-1\""]
        .iter()
        .enumerate()
    {
        text.push_str(&format!(
            r#"{{"type":"track","userId":"u{i}","event":"E","messageId":{id}}}"#
        ));
        text.push('\n');
    }
    std::fs::write(&file, text).expect("write");
    let out = dir.join("received.ndjson");
    let local = Local::start(ReceiverConfig {
        out: Some(out.clone()),
        ..ReceiverConfig::default()
    });
    let (code, report) = run_json({
        let mut c = Command::new(BIN);
        c.args([
            "send",
            &file.to_string_lossy(),
            "--endpoint",
            &local.url,
            "--json",
        ])
        .env("SEGMENT_WRITE_KEY", "k");
        c
    });
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["delivered"], 5);
    assert_eq!(
        report["summary"]["byCode"]["message_id_replaced"]["count"],
        4
    );
    let ids = received_ids(&out);
    assert_eq!(ids.len(), 5);
    assert!(
        ids.iter().all(|id| !id.trim().is_empty() && id != "null"),
        "{ids:?}"
    );
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 5, "{ids:?}");
    assert_eq!(ids[4], "mine-1", "a real id is kept");
}

/// Item 3: Segment's own archive replays by default (and says so), keeps
/// its ids with --no-replay, and never sends a message-level sentAt.
#[test]
fn segment_archives_are_replayed_unless_told_otherwise() {
    let dir = temp_dir("archive");
    let file = dir.join("archive.ndjson");
    let mut text = String::new();
    for i in 0..20 {
        text.push_str(&format!(
            r#"{{"type":"track","userId":"u{i}","event":"E","timestamp":"2019-05-02T18:33:59Z","sentAt":"2019-05-02T18:34:00Z","messageId":"old-{i}","projectId":"p1","receivedAt":"2019-05-02T18:34:01Z"}}"#
        ));
        text.push('\n');
    }
    std::fs::write(&file, text).expect("write");
    let f = file.to_string_lossy().to_string();
    let out = Command::new(BIN)
        .args(["inspect", &f])
        .output()
        .expect("inspect");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Segment's own archives") && said.contains("20 of 20"),
        "{said}"
    );
    let out = Command::new(BIN)
        .args(["check", &f])
        .output()
        .expect("check");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("it is replayed"), "{said}");

    for (flag, keeps_ids) in [(None, false), (Some("--no-replay"), true)] {
        let received = dir.join(format!("received-{keeps_ids}.ndjson"));
        let local = Local::start(ReceiverConfig {
            out: Some(received.clone()),
            ..ReceiverConfig::default()
        });
        let mut cmd = Command::new(BIN);
        cmd.args(["send", &f, "--endpoint", &local.url, "--json"])
            .args(flag)
            .env("SEGMENT_WRITE_KEY", "k");
        let (code, report) = run_json(cmd);
        assert_eq!(code, Some(0), "{report:#}");
        assert_eq!(report["summary"]["replay"], !keeps_ids);
        let lines = std::fs::read_to_string(&received).expect("received");
        for line in lines.lines() {
            let m: Value = serde_json::from_str(line).expect("json");
            assert!(
                m.get("sentAt").is_none(),
                "never a message-level sentAt: {line}"
            );
            assert_eq!(
                m["timestamp"], "2019-05-02T18:33:59.000Z",
                "history keeps its date"
            );
            let old = m["messageId"]
                .as_str()
                .unwrap_or_default()
                .starts_with("old-");
            assert_eq!(old, keeps_ids, "{line}");
            assert_eq!(m.get("projectId").is_some(), keeps_ids, "{line}");
        }
    }
}

/// Item 4: ids depend on the destination source; a dry run given the key
/// (or the namespace a send reports) writes the ids a send sends.
#[test]
fn message_ids_depend_on_the_source_and_dry_runs_can_match_them() {
    let dir = temp_dir("ids");
    let (file, mapping) = write_orders(&dir, 300, None);
    let mut ids = Vec::new();
    let mut namespaces = Vec::new();
    for key in ["staging-key", "production-key"] {
        let out = dir.join(format!("{key}.ndjson"));
        let local = Local::start(ReceiverConfig {
            out: Some(out.clone()),
            ..ReceiverConfig::default()
        });
        let mut cmd = send_cmd(&file, &mapping, &local.url, &[]);
        cmd.env("SEGMENT_WRITE_KEY", key);
        let (code, report) = run_json(cmd);
        assert_eq!(code, Some(0), "{report:#}");
        assert_eq!(report["destination"]["idScheme"], 2);
        namespaces.push(
            report["destination"]["idNamespace"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        ids.push(received_ids(&out).into_iter().collect::<BTreeSet<_>>());
    }
    assert_eq!(ids[0].len(), 300);
    assert!(
        ids[0].is_disjoint(&ids[1]),
        "a staging import cannot make production's duplicates"
    );

    let batch_ids = |extra: &[&str], key: Option<&str>| {
        let out = dir.join(format!("batches-{}", extra.join("-")));
        let mut cmd = Command::new(BIN);
        cmd.args([
            "batches",
            &file.to_string_lossy(),
            "--mapping",
            &mapping.to_string_lossy(),
        ])
        .args(["--out", &out.to_string_lossy()])
        .args(extra)
        .stdout(Stdio::null())
        .env_remove("SEGMENT_WRITE_KEY");
        if let Some(k) = key {
            cmd.env("SEGMENT_WRITE_KEY", k);
        }
        let status = cmd.status().expect("batches");
        assert!(status.success());
        let mut found = BTreeSet::new();
        for entry in std::fs::read_dir(&out).expect("out").flatten() {
            let body: Value =
                serde_json::from_slice(&std::fs::read(entry.path()).unwrap_or_default())
                    .unwrap_or_default();
            for m in body["batch"].as_array().into_iter().flatten() {
                found.insert(m["messageId"].as_str().unwrap_or_default().to_string());
            }
        }
        found
    };
    assert_eq!(batch_ids(&["--write-key", "staging-key"], None), ids[0]);
    assert_eq!(batch_ids(&[], Some("production-key")), ids[1]);
    assert_eq!(batch_ids(&["--id-namespace", &namespaces[0]], None), ids[0]);
    let none = batch_ids(&[], None);
    assert!(none.is_disjoint(&ids[0]) && none.is_disjoint(&ids[1]));
    // Scheme 1, for imports made before: the ids do not depend on the key.
    assert_eq!(
        batch_ids(&["--id-scheme", "1", "--write-key", "a"], None),
        batch_ids(&["--id-scheme", "1", "--write-key", "b"], None)
    );
}

/// Item 6: a 3xx is a refusal naming where it pointed, never followed.
#[test]
fn a_redirect_is_refused_and_nothing_goes_where_it_points() {
    let dir = temp_dir("redirect");
    let (file, mapping) = write_orders(&dir, 500, None);
    let target = Local::start(ReceiverConfig::default());
    let redirecting = Local::start(ReceiverConfig {
        redirect: Some(Redirect {
            status: 308,
            location: target.url.clone(),
        }),
        ..ReceiverConfig::default()
    });
    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &redirecting.url,
        &["--auth", "body"],
    ));
    assert_eq!(code, Some(3), "{report:#}");
    assert_eq!(report["balanced"], true);
    assert_eq!(report["delivered"], 0);
    assert_eq!(report["stopped"]["kind"], "refused");
    assert_eq!(report["stopped"]["status"], 308);
    let reason = report["stopped"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains(&target.url), "{reason}");
    assert_eq!(
        target.stats().requests,
        0,
        "the batch and the key went nowhere else"
    );
}

/// A stand-in proxy: records the first line of every connection, answers
/// nothing useful.
fn proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut line = String::new();
            let mut reader = std::io::BufReader::new(&stream);
            let _ = reader.read_line(&mut line);
            if let Ok(mut seen) = log.lock() {
                seen.push(line.trim().to_string());
            }
            let _ = (&stream).write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        }
    });
    (url, seen)
}

/// Item 6: loopback never goes through a proxy; a remote endpoint honours
/// the standard variables.
#[test]
fn proxies_are_used_for_remote_endpoints_only() {
    let dir = temp_dir("proxy");
    let (file, mapping) = write_orders(&dir, 200, None);
    let (proxy_url, seen) = proxy();
    let local = Local::start(ReceiverConfig::default());
    let mut cmd = send_cmd(&file, &mapping, &local.url, &[]);
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "all_proxy",
    ] {
        cmd.env(var, &proxy_url);
    }
    let (code, report) = run_json(cmd);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(local.stats().unique_message_ids, 200);
    assert!(
        seen.lock().map(|s| s.is_empty()).unwrap_or(false),
        "loopback went through the proxy"
    );

    let mut cmd = send_cmd(
        &file,
        &mapping,
        "https://api.segment.io/v1/batch",
        // (The key check would ask Segment's CDN first, through the proxy too.)
        &["--give-up-after", "1", "--timeout", "3", "--no-key-check"],
    );
    cmd.env("HTTPS_PROXY", &proxy_url).env_remove("NO_PROXY");
    let (code, report) = run_json(cmd);
    assert_eq!(code, Some(3), "{report:#}");
    assert_eq!(report["delivered"], 0);
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert!(
        seen.iter()
            .any(|l| l.starts_with("CONNECT api.segment.io:443")),
        "the remote endpoint went through the proxy: {seen:?}"
    );
}

/// Item 7: stopped by SIGTERM mid-send, it says why once, waits, saves its
/// checkpoint and reports; the resume keeps the endpoint's earlier refusals
/// in the rejects file.
#[test]
fn a_stopped_send_keeps_its_state_and_its_refusals() {
    let dir = temp_dir("sigterm");
    let (file, mapping) = write_orders(&dir, 3_000, Some(30));
    let local = Local::start(ReceiverConfig {
        poison_marker: Some("POISON".into()),
        ..ReceiverConfig::default()
    });
    let cp = dir.join("ck.json").to_string_lossy().to_string();
    let rejects = dir.join("rejects.csv");
    let r = rejects.to_string_lossy().to_string();
    let mut child = send_cmd(
        &file,
        &mapping,
        &local.url,
        &[
            "--batch-messages",
            "20",
            "--rate",
            "10",
            "--concurrency",
            "1",
            "--checkpoint",
            &cp,
            "--rejects",
            &r,
        ],
    )
    .stdout(Stdio::piped())
    .spawn()
    .expect("spawn");
    wait_for("the refusal", || local.stats().by_status.contains_key(&400));
    std::thread::sleep(Duration::from_millis(1_300));
    stop(&mut child, "-TERM");
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .map(|mut s| s.read_to_string(&mut stdout));
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(3));
    let report: Value = serde_json::from_str(&stdout).expect("a report, even when stopped");
    assert_eq!(report["balanced"], true, "{report:#}");
    assert_eq!(
        report["stopped"],
        serde_json::json!({"kind": "cancelled", "by": "SIGTERM"})
    );
    let reason = report["reconciliation"]["undeliveredReason"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(reason.matches("cancelled").count(), 1, "{reason}");
    assert!(!reason.contains("aborted"), "{reason}");
    assert!(std::fs::read_to_string(&rejects)
        .unwrap_or_default()
        .contains("rejected_by_api"));

    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &local.url,
        &["--checkpoint", &cp, "--resume", "--rejects", &r],
    ));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["delivered"], 2_999);
    assert_eq!(report["reconciliation"]["rejectedByServer"], 1);
    let text = std::fs::read_to_string(&rejects).expect("rejects");
    assert!(
        text.lines()
            .any(|l| l.starts_with("31,") && l.contains("rejected_by_api")),
        "the earlier run's refusal is still in the rejects file:\n{text}"
    );
    assert_eq!(local.stats().unique_message_ids, 2_999);
}

/// Item 7: the rejects file is never ragged, whatever comes first: here the
/// API refuses row 6 long before row 4,901 is read and rejected.
#[test]
fn the_rejects_file_keeps_its_columns_whatever_comes_first() {
    let dir = temp_dir("ragged");
    let (file, mapping) = write_orders_with(&dir, 5_000, |i| Order {
        user: if i == 4_900 {
            String::new()
        } else {
            format!("u{i}")
        },
        sku: if i == 5 { "POISON" } else { "sku" }.into(),
    });
    let local = Local::start(ReceiverConfig {
        poison_marker: Some("POISON".into()),
        ..ReceiverConfig::default()
    });
    let rejects = dir.join("rejects.csv");
    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &local.url,
        &[
            "--batch-messages",
            "50",
            "--concurrency",
            "1",
            "--rejects",
            &rejects.to_string_lossy(),
        ],
    ));
    assert_eq!(code, Some(0), "{report:#}");
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(&rejects)
        .expect("open");
    let header = rdr.headers().expect("header").clone();
    assert_eq!(
        header.len(),
        4 + 6,
        "row,line,code,reason + the file's columns"
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("same width")).collect();
    let codes: Vec<&str> = rows.iter().map(|r| &r[2]).collect();
    assert_eq!(codes, ["rejected_by_api", "missing_identity"], "{rows:?}");
    assert_eq!(
        &rows[1][4], "A-4900",
        "the cells of a row rejected before sending"
    );
}

/// Item 7: a file that cannot be written mid-send stops the run cleanly: it
/// waits, reports, and keeps a checkpoint to resume from.
#[test]
fn an_unwritable_rejects_file_stops_the_send_but_loses_nothing() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let dir = temp_dir("full");
    // Every other row is invalid, so rejected rows keep coming.
    let (file, mapping) = write_orders_with(&dir, 4_000, |i| Order {
        user: if i % 2 == 0 {
            String::new()
        } else {
            format!("u{i}")
        },
        sku: "sku".into(),
    });
    let local = Local::start(ReceiverConfig::default());
    let cp = dir.join("ck.json").to_string_lossy().to_string();
    let out = send_cmd(
        &file,
        &mapping,
        &local.url,
        &[
            "--checkpoint",
            &cp,
            "--rejects",
            "/dev/full",
            "--batch-messages",
            "20",
        ],
    )
    .output()
    .expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("a report");
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert_eq!(report["balanced"], true);
    assert_eq!(report["stopped"]["kind"], "failed", "{report:#}");
    assert_eq!(
        report["delivered"].as_u64(),
        Some(local.stats().unique_message_ids)
    );
    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &local.url,
        &["--checkpoint", &cp, "--resume"],
    ));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["delivered"], 2_000);
    assert_eq!(report["rejected"], 2_000);
    assert_eq!(local.stats().unique_message_ids, 2_000);
}

/// Item 8: an unterminated quote is reported at the row where it opened.
#[test]
fn an_unterminated_quote_is_reported_where_it_opens() {
    let dir = temp_dir("quote");
    let file = dir.join("orders.csv");
    let mut text = String::from("order_id,user_id,event,created_at,price,sku\n");
    text.push_str("A-1,u1,Order Completed,2024-03-01T10:00:00Z,1.50,sku\n");
    text.push_str("A-2,u2,\"Order Completed,2024-03-01T10:00:00Z,1.50,sku\n");
    for i in 3..50 {
        text.push_str(&format!(
            "A-{i},u{i},Order Completed,2024-03-01T10:00:00Z,1.50,sku\n"
        ));
    }
    std::fs::write(&file, text).expect("write");
    let mapping = dir.join("mapping.json");
    std::fs::write(&mapping, common::MAPPING).expect("mapping");
    let out = Command::new(BIN)
        .args([
            "check",
            &file.to_string_lossy(),
            "--mapping",
            &mapping.to_string_lossy(),
        ])
        .output()
        .expect("check");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("unterminated_quote") && said.contains("row 3"),
        "{said}"
    );
}
