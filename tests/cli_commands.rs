//! `inspect`, `check` and `batches` as a user runs them: the real binary on
//! fixture files, reading both the `--json` summaries and the files written.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

use common::{json, run};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sb-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn inspect_sniffs_and_suggests() {
    let v = json(&[
        "inspect",
        &s(&fixture("source/semicolon-excel.csv")),
        "--json",
    ]);
    assert_eq!(v["settings"]["delimiter"], ";");
    assert_eq!(v["settings"]["encoding"], "windows-1252");
    assert!(v["headers"].as_array().is_some_and(|h| !h.is_empty()));
    assert!(v["suggestedMapping"]["rules"].is_array());

    let v = json(&["inspect", &s(&fixture("cli/signups.csv")), "--json"]);
    assert_eq!(v["suggestedMapping"]["type"], "identify");
    let dir = temp_dir("inspect");
    let m = dir.join("m.json");
    let (code, out, _) = run(&[
        "inspect",
        &s(&fixture("cli/signups.csv")),
        "--write-mapping",
        &s(&m),
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("Suggested mapping"), "{out}");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&m).expect("written")).expect("json");
    assert_eq!(written["type"], "identify");
}

#[test]
fn inspect_suggests_types_and_the_timestamp_from_the_values() {
    let dir = temp_dir("inspect-values");
    let file = dir.join("preise.csv");
    std::fs::write(
        &file,
        "user_id;event;logged;preis;menge;flight\n\
         u1;Kauf;2024-03-01 10:00:00;3,50;2;1545\n\
         u2;Kauf;2024-03-02 11:30:00;1.234,50;NA;1714\n",
    )
    .expect("written");
    let v = json(&["inspect", &s(&file), "--json"]);
    assert_eq!(
        v["suggestedMapping"],
        serde_json::json!({
            "type": "track",
            "rules": [
                {"from": "user_id", "to": "userId"},
                {"from": "event", "to": "event"},
                {"from": "logged", "to": "timestamp", "as": "timestamp"},
                {"from": "preis", "to": "properties.preis", "as": "number", "decimal": ",", "thousands": "."},
                {"from": "menge", "to": "properties.menge", "as": "number"}
            ],
            "rest": "properties"
        })
    );
}

#[test]
fn check_counts_every_row_and_writes_safe_rejects() {
    let dir = temp_dir("check");
    let rejects = dir.join("rejects.csv");
    let file = s(&fixture("cli/signups.csv"));
    let mapping = s(&fixture("cli/signups.mapping.json"));
    let v = json(&[
        "check",
        &file,
        "--mapping",
        &mapping,
        "--rejects",
        &s(&rejects),
        "--json",
    ]);
    assert_eq!(
        (
            v["rows"].as_u64(),
            v["valid"].as_u64(),
            v["rejected"].as_u64()
        ),
        (Some(7), Some(2), Some(5))
    );
    for code in [
        "ambiguous_date",
        "invalid_integer",
        "missing_identity",
        "invalid_boolean",
        "wrong_field_count",
    ] {
        assert_eq!(v["byCode"][code]["count"], 1, "{code}: {v:#}");
    }
    assert_eq!(v["firstTimestamp"], "2024-03-01T09:15:00.000Z");
    assert_eq!(v["lastTimestamp"], "2024-03-07T00:00:00.000Z");

    let text = std::fs::read_to_string(&rejects).expect("rejects written");
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = rdr.headers().expect("header").clone();
    assert_eq!(
        header.iter().take(4).collect::<Vec<_>>(),
        ["row", "line", "code", "reason"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().filter_map(Result::ok).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(&rows[0][0], "3");
    assert!(
        rows[0][3].contains("dateOrder"),
        "tells what to do: {}",
        &rows[0][3]
    );

    // For people: the same counts, in words.
    let (code, out, _) = run(&["check", &file, "--mapping", &mapping]);
    assert_eq!(code, 0);
    assert!(
        out.contains("rows read") && out.contains("ambiguous_date"),
        "{out}"
    );
}

#[test]
fn formulas_are_neutralised_in_rejects() {
    let dir = temp_dir("formula");
    let csv = dir.join("f.csv");
    // One valid row: a file with none is "nothing to send" (exit 4).
    std::fs::write(&csv, "user_id,amount\n=cmd|' /C calc'!A0,oops\nu2,3\n").expect("write");
    let m = dir.join("m.json");
    std::fs::write(&m, r#"{"type":"identify","rules":[{"from":"user_id","to":"userId"},{"from":"amount","to":"traits.amount","as":"number"}]}"#)
        .expect("write");
    let rejects = dir.join("r.csv");
    json(&[
        "check",
        &s(&csv),
        "--mapping",
        &s(&m),
        "--rejects",
        &s(&rejects),
        "--json",
    ]);
    let text = std::fs::read_to_string(&rejects).expect("rejects");
    assert!(
        text.contains("\"'=cmd|' /C calc'!A0\"") || text.contains("'=cmd|"),
        "{text}"
    );
    assert!(
        !text
            .lines()
            .skip(1)
            .any(|l| l.split(',').any(|c| c.starts_with('='))),
        "{text}"
    );
}

#[test]
fn batches_are_complete_request_bodies() {
    let dir = temp_dir("batches");
    let out = dir.join("out");
    let file = s(&fixture("cli/signups.csv"));
    let mapping = s(&fixture("cli/signups.mapping.json"));
    let v = json(&[
        "batches",
        &file,
        "--mapping",
        &mapping,
        "--out",
        &s(&out),
        "--sent-at",
        "2026-01-01T00:00:00Z",
        "--json",
    ]);
    assert_eq!(v["batches"], 1);
    assert_eq!(v["messages"], 2);
    let body: Value =
        serde_json::from_slice(&std::fs::read(out.join("batch-000001.json")).expect("batch file"))
            .expect("json");
    assert_eq!(body["sentAt"], "2026-01-01T00:00:00.000Z");
    assert_eq!(
        body["integrations"],
        serde_json::json!({"All": false, "Vero": true, "Google Analytics": false})
    );
    let msgs = body["batch"].as_array().cloned().unwrap_or_default();
    assert_eq!(msgs[0]["userId"], "u1");
    assert_eq!(msgs[0]["traits"]["vip"], true);
    assert_eq!(msgs[0]["traits"]["age"], 34);
    assert_eq!(msgs[1]["timestamp"], "2024-03-07T00:00:00.000Z");

    // Same input, same bytes: messageIds are deterministic.
    let again = dir.join("again");
    json(&[
        "batches",
        &file,
        "--mapping",
        &mapping,
        "--out",
        &s(&again),
        "--sent-at",
        "2026-01-01T00:00:00Z",
        "--json",
    ]);
    assert_eq!(
        std::fs::read(out.join("batch-000001.json")).ok(),
        std::fs::read(again.join("batch-000001.json")).ok()
    );
}

#[test]
fn archives_replay_gzipped_without_a_mapping() {
    let dir = temp_dir("replay");
    let gz = dir.join("archive.ndjson.gz");
    let plain = std::fs::read(fixture("cli/archive.ndjson")).expect("fixture");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, &plain).expect("gzip");
    std::fs::write(&gz, enc.finish().expect("gzip")).expect("write");
    let out = dir.join("out");
    let v = json(&["batches", &s(&gz), "--replay", "--out", &s(&out), "--json"]);
    assert_eq!(
        (
            v["rows"].as_u64(),
            v["valid"].as_u64(),
            v["rejected"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );
    let body: Value =
        serde_json::from_slice(&std::fs::read(out.join("batch-000001.json")).expect("batch"))
            .expect("json");
    for m in body["batch"].as_array().cloned().unwrap_or_default() {
        for gone in ["sentAt", "sent_at", "projectId", "receivedAt", "message_id"] {
            assert!(m.get(gone).is_none(), "{gone} dropped: {m}");
        }
        assert!(
            !m["messageId"].as_str().unwrap_or("old").starts_with("old"),
            "{m}"
        );
    }
    assert_eq!(body["batch"][0]["timestamp"], "2019-05-02T18:33:59.505Z");
}

#[test]
fn errors_are_one_line_and_name_the_file() {
    let (code, _, err) = run(&[
        "check",
        "/nonexistent/file.csv",
        "--mapping",
        &s(&fixture("cli/signups.mapping.json")),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("/nonexistent/file.csv") && err.lines().count() == 1,
        "{err}"
    );

    let dir = temp_dir("errors");
    let m = dir.join("m.json");
    std::fs::write(
        &m,
        r#"{"type":"track","rules":[{"from":"userid","to":"userId"}]}"#,
    )
    .expect("write");
    let (code, _, err) = run(&[
        "check",
        &s(&fixture("cli/signups.csv")),
        "--mapping",
        &s(&m),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("signups.csv") && err.contains("\"userid\", which is not in the file"),
        "{err}"
    );

    let (code, _, err) = run(&["check", &s(&fixture("cli/signups.csv"))]);
    assert_eq!(code, 1);
    assert!(err.contains("needs a mapping"), "{err}");
}
