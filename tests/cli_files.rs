//! Several files as one import: `check`, `batches` and `inspect` over
//! several paths, a folder and a glob; rows named by file and row; refusals
//! before anything is read.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{json, run, temp_dir, MAPPING};

const HEADER: [&str; 5] = ["order_id", "user_id", "event", "created_at", "price"];

/// A CSV of orders with `delimiter`; a row whose user is empty is invalid.
fn orders(dir: &Path, name: &str, delimiter: char, rows: &[(&str, &str)]) -> PathBuf {
    let d = delimiter.to_string();
    let mut text = HEADER.join(&d) + "\n";
    for (i, (id, user)) in rows.iter().enumerate() {
        let line = [
            *id,
            user,
            "Order Completed",
            &format!("2024-03-{:02}T10:00:00Z", i + 1),
            "12",
        ]
        .join(&d);
        text.push_str(&line);
        text.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// exports/: three months with three delimiters (the 10th sorts last), an
/// empty one, a README and a hidden file.
fn exports(name: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(name);
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).expect("dir");
    orders(
        &exports,
        "orders-2024-2.csv",
        ';',
        &[("B-1", "u1"), ("B-2", "")],
    );
    orders(&exports, "orders-2024-10.csv", '\t', &[("J-1", "u2")]);
    orders(
        &exports,
        "orders-2024-1.csv",
        ',',
        &[("A-1", "u3"), ("A-2", "u4"), ("A-3", "")],
    );
    std::fs::write(exports.join("orders-2024-11.csv"), "").expect("empty");
    std::fs::write(exports.join("README.md"), "# exports\n").expect("readme");
    std::fs::write(exports.join(".orders-2024-12.csv.swp"), "junk").expect("hidden");
    let mapping = dir.join("mapping.json");
    std::fs::write(&mapping, MAPPING).expect("mapping");
    (exports, mapping)
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn a_folder_is_one_import_with_each_file_counted_and_named() {
    let (exports, mapping) = exports("folder");
    let rejects = exports.parent().expect("parent").join("rejects.csv");
    // A named pipe would block a reader: it is skipped, and said.
    let fifo = std::process::Command::new("mkfifo")
        .arg(exports.join("live.csv"))
        .status()
        .expect("mkfifo");
    assert!(fifo.success());
    let (code, out, err) = run(&[
        "check",
        &s(&exports),
        "--mapping",
        &s(&mapping),
        "--rejects",
        &s(&rejects),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("4 files: one import, read in natural order"),
        "{out}"
    );
    assert!(out.contains("rows read        6"), "{out}");
    assert!(out.contains("valid            4"), "{out}");
    assert!(out.contains("rejected         2"), "{out}");
    // The first example of a reason names the file and the row.
    assert!(
        out.contains("e.g. orders-2024-1.csv row 4, user_id:"),
        "{out}"
    );
    // Natural order: 1, 2, 10, 11; each read with its own delimiter.
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("  orders-")).collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("  orders-2024-1.csv ") && lines[0].contains("comma-separated"));
    assert!(lines[1].starts_with("  orders-2024-2.csv ") && lines[1].contains("semicolon"));
    assert!(lines[2].starts_with("  orders-2024-10.csv ") && lines[2].contains("tab-separated"));
    assert!(lines[3].starts_with("  orders-2024-11.csv ") && lines[3].contains("empty"));
    assert!(
        out.contains("Note: orders-2024-11.csv is empty: it has no rows"),
        "{out}"
    );
    assert!(out.contains("README.md (not a data file)"), "{out}");
    assert!(out.contains(".orders-2024-12.csv.swp (hidden)"), "{out}");
    assert!(out.contains("live.csv (not a regular file)"), "{out}");
    // The rejects CSV says which file each row is from.
    let csv = std::fs::read_to_string(&rejects).expect("rejects");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "file,row,line,code,reason,order_id,user_id,event,created_at,price"
    );
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(
        rows[1].starts_with("orders-2024-1.csv,4,4,missing_identity,"),
        "{csv}"
    );
    assert!(
        rows[2].starts_with("orders-2024-2.csv,3,3,missing_identity,"),
        "{csv}"
    );
}

#[test]
fn the_json_summary_has_each_file_and_rows_within_their_file() {
    let (exports, mapping) = exports("json");
    let v = json(&["check", &s(&exports), "--mapping", &s(&mapping), "--json"]);
    assert_eq!(v["order"], "natural");
    assert_eq!(v["rows"], 6);
    let files = v["files"].as_array().expect("files");
    let names: Vec<&str> = files.iter().filter_map(|f| f["file"].as_str()).collect();
    assert_eq!(
        names,
        [
            "orders-2024-1.csv",
            "orders-2024-2.csv",
            "orders-2024-10.csv",
            "orders-2024-11.csv"
        ]
    );
    let counts: Vec<(u64, u64, u64)> = files
        .iter()
        .map(|f| {
            let n = |k: &str| f[k].as_u64().unwrap_or(99);
            (n("rows"), n("valid"), n("rejected"))
        })
        .collect();
    assert_eq!(counts, [(3, 2, 1), (2, 1, 1), (1, 1, 0), (0, 0, 0)]);
    assert_eq!(files[3]["empty"], true);
    assert_eq!(files[1]["settings"]["delimiter"], ";");
    let example = &v["byCode"]["missing_identity"]["examples"][0];
    assert_eq!(example["file"], "orders-2024-1.csv");
    assert_eq!(example["row"], 4);
    assert_eq!(v["skipped"].as_array().map(Vec::len), Some(2));
}

#[test]
fn several_paths_and_a_glob_read_the_same_files() {
    let (exports, mapping) = exports("glob");
    let pattern = s(&exports.join("orders-2024-1*.csv"));
    let v = json(&["check", &pattern, "--mapping", &s(&mapping), "--json"]);
    let names: Vec<&str> = v["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "orders-2024-1.csv",
            "orders-2024-10.csv",
            "orders-2024-11.csv"
        ]
    );
    let paths = v.clone();
    let listed = json(&[
        "check",
        &s(&exports.join("orders-2024-10.csv")),
        &s(&exports.join("orders-2024-1.csv")),
        "--mapping",
        &s(&mapping),
        "--json",
    ]);
    assert_eq!(
        listed["files"][0]["file"], "orders-2024-1.csv",
        "natural order, not the order given"
    );
    assert_eq!(listed["rows"], 4);
    assert_eq!(paths["rows"], 4);
}

#[test]
fn a_file_lacking_a_mapped_column_is_refused_before_anything_is_read() {
    let (exports, mapping) = exports("missing-column");
    std::fs::write(
        exports.join("orders-2024-3.csv"),
        "order_id,user,event,created_at,price\nC-1,u9,Order Completed,2024-03-01T00:00:00Z,1\n",
    )
    .expect("write");
    let out_dir = exports.parent().expect("parent").join("bodies");
    let (code, out, err) = run(&[
        "batches",
        &s(&exports),
        "--mapping",
        &s(&mapping),
        "--out",
        &s(&out_dir),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("orders-2024-3.csv"), "{err}");
    assert!(err.contains("user_id"), "{err}");
    let written = std::fs::read_dir(&out_dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(written, 0, "no batch written before the refusal");
}

#[test]
fn a_single_file_reads_exactly_as_before() {
    let (exports, mapping) = exports("single");
    let file = exports.join("orders-2024-1.csv");
    let v = json(&["check", &s(&file), "--mapping", &s(&mapping), "--json"]);
    assert!(
        v.get("files").is_none(),
        "no per-file part for one file: {v:#}"
    );
    assert!(v.get("order").is_none());
    assert_eq!(v["file"], s(&file));
    assert_eq!(v["byCode"]["missing_identity"]["examples"][0]["row"], 4);
    let (_, out, _) = run(&["check", &s(&file), "--mapping", &s(&mapping)]);
    assert!(out.contains("e.g. row 4, user_id:"), "{out}");
    assert!(!out.contains("Files ("), "{out}");
}

#[test]
fn batches_of_several_files_carry_ids_that_depend_on_each_file() {
    let (exports, mapping) = exports("batches");
    let out_dir = exports.parent().expect("parent").join("bodies");
    let v = json(&[
        "batches",
        &s(&exports),
        "--mapping",
        &s(&mapping),
        "--out",
        &s(&out_dir),
        "--id-namespace",
        "cf7d3c0e9508758a",
        "--sent-at",
        "2024-04-01T00:00:00Z",
        "--json",
    ]);
    assert_eq!(v["messages"], 4);
    let body = std::fs::read_to_string(out_dir.join("batch-000001.json")).expect("body");
    let body: serde_json::Value = serde_json::from_str(&body).expect("json");
    let ids: Vec<(String, String)> = body["batch"]
        .as_array()
        .expect("batch")
        .iter()
        .map(|m| {
            (
                m["properties"]["order_id"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                m["messageId"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let orders: Vec<&str> = ids.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(orders, ["A-1", "A-2", "B-1", "J-1"], "in file order");
    let unique: std::collections::BTreeSet<&str> = ids.iter().map(|(_, i)| i.as_str()).collect();
    assert_eq!(unique.len(), 4);
}

#[test]
fn inspect_shows_each_file_and_suggests_one_mapping() {
    let (exports, _) = exports("inspect");
    let v = json(&["inspect", &s(&exports), "--json"]);
    let files = v["files"].as_array().expect("files");
    assert_eq!(files.len(), 4);
    assert_eq!(files[2]["file"], "orders-2024-10.csv");
    assert_eq!(files[2]["settings"]["delimiter"], "tab");
    assert!(
        files[3]["settings"].is_null(),
        "the empty file is named: {v:#}"
    );
    assert!(v["suggestedMapping"]["rules"].is_array());
}

#[test]
fn a_file_given_twice_is_refused_and_the_help_says_how_to_give_several() {
    let (exports, mapping) = exports("twice");
    let (code, _, err) = run(&[
        "check",
        &s(&exports),
        &s(&exports.join("orders-2024-1.csv")),
        "--mapping",
        &s(&mapping),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("orders-2024-1.csv is given twice"), "{err}");
    let (_, help, _) = run(&["send", "--help"]);
    assert!(
        help.contains("quoted globs ('exports/orders-*.csv')"),
        "{help}"
    );
    assert!(help.contains("depend on its name"), "{help}");
    let (_, help, _) = run(&["--help"]);
    assert!(help.contains("natural order of their names"), "{help}");
    assert!(help.contains("replayed in time order"), "{help}");
}

#[test]
fn rejected_rows_of_files_with_other_column_orders_land_under_their_columns() {
    let dir = temp_dir("columns");
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).expect("dir");
    std::fs::write(
        exports.join("a.csv"),
        "order_id,user_id,event,created_at,price\nA-1,,Order Completed,2024-03-01T00:00:00Z,1\n",
    )
    .expect("a");
    std::fs::write(
        exports.join("b.csv"),
        "user_id,order_id,event,created_at,price,coupon\n,B-1,Order Completed,2024-03-01T00:00:00Z,2,SPRING\n",
    )
    .expect("b");
    let mapping = dir.join("mapping.json");
    std::fs::write(&mapping, MAPPING).expect("mapping");
    let rejects = dir.join("rejects.csv");
    let (code, _, err) = run(&[
        "check",
        &s(&exports),
        "--mapping",
        &s(&mapping),
        "--rejects",
        &s(&rejects),
    ]);
    assert_eq!(code, 4, "{err}");
    let csv = std::fs::read_to_string(&rejects).expect("rejects");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "file,row,line,code,reason,order_id,user_id,event,created_at,price,coupon"
    );
    assert!(lines[1].starts_with("a.csv,2,2,missing_identity,"), "{csv}");
    assert!(
        lines[1].ends_with(",A-1,,Order Completed,2024-03-01T00:00:00Z,1,"),
        "{csv}"
    );
    assert!(
        lines[2].ends_with(",B-1,,Order Completed,2024-03-01T00:00:00Z,2,SPRING"),
        "{csv}"
    );
}

/// `hours` hourly files of an archive, one event each; the hour `broken`
/// has a second line that is not JSON, the hour `blank` is a gzip stream of
/// nothing (an hour without events).
fn archive_year(name: &str, hours: u64, broken: u64, blank: u64) -> PathBuf {
    let dir = temp_dir(name).join("Ab12Cd");
    let start = 1_704_067_200_000u64;
    for h in 0..hours {
        let at = start + h * 3_600_000;
        let day = dir.join((at - at % 86_400_000).to_string());
        std::fs::create_dir_all(&day).expect("dir");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        if h != blank {
            let line = serde_json::json!({
                "type": "track", "event": "Page Viewed", "userId": format!("u{h}"),
                "timestamp": "2024-01-01T00:00:00Z", "messageId": format!("m{h}"),
                "sentAt": "2024-01-01T00:00:00Z", "receivedAt": "2024-01-01T00:00:00Z",
            });
            writeln!(gz, "{line}").expect("gzip");
        }
        if h == broken {
            writeln!(gz, "{{\"type\": \"track\"").expect("gzip");
        }
        let file = day.join(format!("{at}.h{h}.gz"));
        std::fs::write(file, gz.finish().expect("gzip")).expect("write");
    }
    dir
}

#[test]
fn an_hour_without_events_is_named_empty_and_a_long_list_names_every_file_with_a_problem() {
    let dir = archive_year("archive-year", 48, 40, 44);
    let (code, out, err) = run(&["check", &s(&dir)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(1 day with events)"), "{out}");
    // The gzip stream of nothing is an empty file, not a CSV without a mapping.
    assert!(
        out.contains("1704225600000.h44.gz is empty: it has no rows"),
        "{out}"
    );
    // 48 files: the first 10 listed, then every file with a problem, then
    // how many more there are.
    let listed: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Files (48)"))
        .skip(1)
        .collect();
    assert_eq!(listed.len(), 13, "{out}");
    assert!(
        listed[10].contains(".h40.gz") && listed[10].contains("rejected       1"),
        "{out}"
    );
    assert!(
        listed[11].contains(".h44.gz") && listed[11].contains("empty: no rows"),
        "{out}"
    );
    assert_eq!(
        listed[12],
        "  … 36 more files with every row valid (--json lists every file)"
    );
    let v = json(&["check", &s(&dir), "--json"]);
    assert_eq!(
        (v["rows"].as_u64(), v["rejected"].as_u64()),
        (Some(48), Some(1))
    );
    assert_eq!(v["files"].as_array().map(Vec::len), Some(48));
    assert_eq!(v["files"][44]["empty"], true, "{v:#}");
}
