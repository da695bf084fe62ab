//! Workbooks and Parquet files through the CLI: the same messages as the
//! equivalent CSV / NDJSON file, rows named as the spreadsheet numbers them,
//! and every valid row delivered once. The fixtures are written by
//! `make fixtures-tables` (tests/tables/make_*.py) with XlsxWriter, odfpy,
//! xlwt and pyarrow.

mod common;

use std::path::{Path, PathBuf};

use common::{json, run, run_json, send_cmd, temp_dir, Local};
use segment_backfill::cli::receive::ReceiverConfig;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/fixtures/tables")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run `make fixtures-tables`",
        path.display()
    );
    path
}

fn mapping(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tables")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Every message `batches` writes for `file`, in order, with the batch's
/// `sentAt` fixed so two runs compare equal.
fn messages(file: &Path, mapping: &str, extra: &[&str]) -> Vec<Value> {
    let dir = temp_dir(&format!(
        "tables-{}",
        file.file_name().unwrap_or_default().to_string_lossy()
    ));
    let out = dir.join("out");
    let mut args = vec![
        "batches".to_string(),
        s(file),
        "--mapping".into(),
        mapping.into(),
        "--out".into(),
        s(&out),
        "--sent-at".into(),
        "2026-01-01T00:00:00Z".into(),
        "--id-namespace".into(),
        "00000000000000aa".into(),
        "--json".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    json(&args);
    let mut bodies: Vec<PathBuf> = std::fs::read_dir(&out)
        .expect("out dir")
        .map(|e| e.expect("entry").path())
        .collect();
    bodies.sort();
    bodies
        .iter()
        .flat_map(|p| {
            let body: Value =
                serde_json::from_slice(&std::fs::read(p).expect("body")).expect("JSON body");
            body["batch"].as_array().cloned().unwrap_or_default()
        })
        .collect()
}

/// The message without its messageId: the sheet numbers its rows from the
/// header on row 3, the equivalent CSV from row 1, and ids depend on rows.
fn without_id(m: &Value) -> Value {
    let mut m = m.clone();
    if let Some(o) = m.as_object_mut() {
        o.remove("messageId");
    }
    m
}

#[test]
fn each_workbook_format_sends_what_the_equivalent_csv_sends() {
    let orders = mapping("orders.mapping.json");
    let csv = messages(&fixture("orders.csv"), &orders, &[]);
    assert!(csv.len() > 10, "{} messages", csv.len());
    let xlsx = messages(&fixture("orders.xlsx"), &orders, &[]);
    assert_eq!(xlsx.len(), csv.len());
    for (a, b) in xlsx.iter().zip(&csv) {
        assert_eq!(without_id(a), without_id(b));
    }
    // The id of the sheet's first data row (row 4), pinned: it must never change.
    assert_eq!(xlsx[0]["messageId"], "cc719cd4-cfdc-8c2c-ac4b-798aba7600da");
    // The same sheet saved by other programs numbers its rows the same way:
    // the same messages, ids included.
    for book in ["orders.ods", "orders.xls"] {
        assert_eq!(messages(&fixture(book), &orders, &[]), xlsx, "{book}");
    }
}

#[test]
fn each_parquet_codec_sends_what_the_equivalent_ndjson_sends() {
    let events = mapping("events.mapping.json");
    let ndjson = messages(&fixture("events.ndjson"), &events, &[]);
    assert!(ndjson.len() > 100, "{} messages", ndjson.len());
    for codec in ["none", "snappy", "gzip", "lz4", "zstd", "brotli"] {
        let file = fixture(&format!("events-{codec}.parquet"));
        let got = messages(&file, &events, &[]);
        assert_eq!(got, ndjson, "{codec}");
    }
}

#[test]
fn inspect_says_what_the_workbook_holds_and_which_sheet_is_read() {
    let book = fixture("orders.xlsx");
    let (code, out, err) = run(&["inspect", &s(&book)]);
    assert_eq!(code, 0, "{err}");
    let first = out.lines().next().unwrap_or_default();
    assert!(first.contains("Excel workbook"), "{first}");
    assert!(first.contains("sheet \"Orders\""), "{first}");
    assert!(first.contains("Cover (empty)"), "{first}");
    assert!(first.contains("header on row 3"), "{first}");

    let report = json(&["inspect", &s(&book), "--json"]);
    assert_eq!(report["table"]["kind"], "xlsx");
    assert_eq!(report["table"]["sheet"], "Orders");
    assert_eq!(report["settings"]["firstRow"], 3);
    let names: Vec<&str> = report["table"]["sheets"]
        .as_array()
        .expect("sheets")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["Cover", "Orders", "Refunds"]);

    let refunds = json(&["inspect", &s(&book), "--sheet", "Refunds", "--json"]);
    assert_eq!(refunds["table"]["sheet"], "Refunds");
}

#[test]
fn a_wrong_sheet_or_text_option_or_stdin_is_refused_with_the_reason() {
    let book = fixture("orders.xlsx");
    let (code, _, err) = run(&["inspect", &s(&book), "--sheet", "Ordres"]);
    assert_ne!(code, 0);
    assert!(err.contains("Ordres"), "{err}");
    assert!(err.contains("Refunds"), "the sheets are listed: {err}");

    let orders = mapping("orders.mapping.json");
    let (code, _, err) = run(&["check", &s(&book), "--mapping", &orders, "--delimiter", ";"]);
    assert_ne!(code, 0);
    assert!(err.contains("--delimiter applies to text files"), "{err}");

    let out = std::process::Command::new(common::BIN)
        .args(["inspect", "-"])
        .stdin(std::fs::File::open(&book).expect("book"))
        .output()
        .expect("runs");
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("give its path"), "{err}");
}

#[test]
fn rejected_rows_are_named_by_the_sheets_row_numbers() {
    let book = fixture("orders.xlsx");
    let orders = mapping("orders.mapping.json");
    let dir = temp_dir("tables-rejects");
    let rejects = dir.join("rejects.csv");
    let report = json(&[
        "check",
        &s(&book),
        "--mapping",
        &orders,
        "--rejects",
        &s(&rejects),
        "--json",
    ]);
    let csv_report = json(&[
        "check",
        &s(&fixture("orders.csv")),
        "--mapping",
        &orders,
        "--json",
    ]);
    for key in ["rows", "valid", "rejected"] {
        assert_eq!(report[key], csv_report[key], "{key}");
    }
    // The empty row inside the data is one reason, at the sheet's row.
    let empty = &report["byCode"]["empty_row"];
    assert_eq!(empty["rows"], 1, "{report:#}");
    let text = std::fs::read_to_string(&rejects).expect("rejects");
    assert!(text.contains("empty_row"), "{text}");
}

#[test]
fn a_workbook_is_sent_once_row_for_row() {
    let book = fixture("orders.xlsx");
    let orders = mapping("orders.mapping.json");
    let local = Local::start(ReceiverConfig::default());
    let (code, report) = run_json(send_cmd(&book, Path::new(&orders), &local.url, &[]));
    assert_eq!(code, Some(0), "{report:#}");
    let check = json(&["check", &s(&book), "--mapping", &orders, "--json"]);
    let valid = check["valid"].as_u64().expect("valid");
    let stats = local.stats();
    assert_eq!(stats.messages, valid, "{report:#}");
    assert_eq!(stats.unique_message_ids, valid);
}

/// A folder holding the same orders as CSV, .ods, .xls and .xlsx.
fn orders_folder(name: &str) -> PathBuf {
    let dir = temp_dir(name).join("orders");
    std::fs::create_dir_all(&dir).expect("dir");
    for file in ["orders.csv", "orders.ods", "orders.xls", "orders.xlsx"] {
        std::fs::copy(fixture(file), dir.join(file)).expect("copy");
    }
    dir
}

#[test]
fn workbooks_among_several_files_are_each_read_as_their_sheet() {
    let dir = orders_folder("tables-in-a-folder");
    let orders = mapping("orders.mapping.json");
    let one = json(&[
        "check",
        &s(&fixture("orders.csv")),
        "--mapping",
        &orders,
        "--json",
    ]);
    let all = json(&["check", &s(&dir), "--mapping", &orders, "--json"]);
    let files = all["files"].as_array().expect("files");
    let names: Vec<&str> = files.iter().filter_map(|f| f["file"].as_str()).collect();
    assert_eq!(
        names,
        ["orders.csv", "orders.ods", "orders.xls", "orders.xlsx"]
    );
    for f in files {
        assert_eq!(f["rows"], one["rows"], "{f:#}");
        assert_eq!(f["valid"], one["valid"], "{f:#}");
    }
    assert_eq!(files[3]["table"]["sheet"], "Orders", "{all:#}");
    assert_eq!(files[3]["settings"]["firstRow"], 3, "{all:#}");
    // Rows are named by each file's own numbering: the CSV's row 25 is the
    // sheets' row 27 (their header is on row 3, under a title).
    let examples = all["byCode"]["invalid_number"]["examples"]
        .as_array()
        .expect("examples");
    let named: Vec<String> = examples
        .iter()
        .map(|e| format!("{} {}", e["file"].as_str().unwrap_or(""), e["row"]))
        .collect();
    assert!(named.contains(&"orders.csv 25".to_string()), "{named:?}");
    assert!(named.contains(&"orders.ods 27".to_string()), "{named:?}");
    // A text setting is refused for the workbooks, naming the first one.
    let (code, _, err) = run(&["check", &s(&dir), "--mapping", &orders, "--delimiter", ","]);
    assert_eq!(code, 1);
    assert!(
        err.contains("orders.ods: --delimiter applies to text files"),
        "{err}"
    );
}

#[test]
fn workbooks_among_several_files_resume_without_sending_twice() {
    let dir = orders_folder("tables-folder-resume");
    let orders = mapping("orders.mapping.json");
    let checkpoint = dir.parent().expect("parent").join("checkpoint.json");
    let cp = s(&checkpoint);
    let local = Local::start(ReceiverConfig::default());
    let slow = [
        "--batch-messages",
        "10",
        "--rate",
        "4",
        "--concurrency",
        "1",
        "--checkpoint",
        &cp,
    ];
    let child = send_cmd(&dir, Path::new(&orders), &local.url, &slow)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Stop it once it is into the second file (a workbook).
    let started = std::time::Instant::now();
    while local.stats().unique_message_ids < 70
        && started.elapsed() < std::time::Duration::from_secs(60)
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("waits");
    assert_eq!(out.status.code(), Some(3), "stopped with rows undelivered");
    let first = local.stats().unique_message_ids;
    assert!((70..196).contains(&first), "{first}");

    let (code, report) = run_json(send_cmd(
        &dir,
        Path::new(&orders),
        &local.url,
        &["--checkpoint", &cp, "--resume"],
    ));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["delivered"], 196, "{report:#}");
    assert_eq!(
        report["reconciliation"]["previouslyDelivered"].as_u64(),
        Some(first)
    );
    let stats = local.stats();
    assert_eq!(stats.unique_message_ids, 196, "{stats:?}");
    assert_eq!(stats.duplicates, 0, "nothing delivered was sent again");
    let per_file: Vec<u64> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["delivered"].as_u64())
        .collect();
    assert_eq!(per_file, [49, 49, 49, 49]);
}
