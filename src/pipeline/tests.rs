use super::*;
use crate::source::{sniff, SourceOptions};
use serde_json::json;

const NOW: i64 = 1_800_000_000_000;

const MAPPING: &str = r#"{
  "type": "track",
  "rules": [
    {"from": "user_id", "to": "userId"},
    {"value": "Order Completed", "to": "event"},
    {"from": "created_at", "to": "timestamp", "as": "timestamp"},
    {"from": "price", "to": "properties.revenue", "as": "number"}
  ],
  "rest": "properties",
  "integrations": {"All": false, "Vero": true}
}"#;

const CSV: &str = "user_id,created_at,price,sku\n\
u1,2024-01-01T10:00:00Z,12.50,A\n\
u2,2024-01-02T10:00:00Z,oops,B\n\
,2024-01-03T10:00:00Z,3,C\n\
u4,2024-01-03T11:00:00Z,4,\"D, with comma\"\n\
u5,2024-01-04T10:00:00Z,5\n\
u6,1960-01-01,6,F\n";

#[derive(Debug)]
struct Run {
    summary: Summary,
    batches: Vec<Batch>,
    rejects: Vec<RejectedRow>,
}

fn run(input: &[u8], mapping: Option<&str>, chunk: usize) -> Result<Run, ImportError> {
    let settings = sniff(input, true, &SourceOptions::default()).map_err(ImportError::Source)?;
    let mapping = mapping.map(|m| Mapping::from_json(m).expect("mapping"));
    let options = ImportOptions {
        now_ms: NOW,
        keep_reject_cells: true,
        ..ImportOptions::default()
    };
    let mut imp = Importer::new(mapping, &settings, options)?;
    let mut batches = Vec::new();
    let mut rejects = Vec::new();
    for part in input.chunks(chunk.max(1)) {
        imp.push(part)?;
        batches.extend(std::iter::from_fn(|| imp.pop_batch()));
        rejects.extend(std::iter::from_fn(|| imp.pop_reject()));
    }
    imp.finish()?;
    batches.extend(std::iter::from_fn(|| imp.pop_batch()));
    rejects.extend(std::iter::from_fn(|| imp.pop_reject()));
    Ok(Run {
        summary: imp.summary(),
        batches,
        rejects,
    })
}

fn messages(batches: &[Batch]) -> Vec<serde_json::Value> {
    batches
        .iter()
        .flat_map(|b| {
            let v: serde_json::Value = serde_json::from_slice(b.body()).expect("json body");
            v["batch"].as_array().cloned().unwrap_or_default()
        })
        .collect()
}

#[test]
fn every_row_is_accounted_for_at_every_chunk_size() {
    let whole = run(CSV.as_bytes(), Some(MAPPING), CSV.len()).expect("runs");
    let s = &whole.summary;
    assert_eq!((s.rows, s.valid, s.rejected), (6, 3, 3));
    assert_eq!(s.messages, 3);
    assert_eq!(
        whole
            .rejects
            .iter()
            .map(|r| (r.row, r.code()))
            .collect::<Vec<_>>(),
        vec![
            (3, Some(Code::InvalidNumber)),
            (4, Some(Code::MissingIdentity)),
            (6, Some(Code::WrongFieldCount)),
        ]
    );
    assert_eq!(
        whole.rejects[2].cells,
        vec!["u5", "2024-01-04T10:00:00Z", "5"]
    );
    assert!(
        whole.rejects[0]
            .reason()
            .contains("\"oops\" is not a number"),
        "{}",
        whole.rejects[0].reason()
    );
    for chunk in [1, 2, 3, 7, 64] {
        let r = run(CSV.as_bytes(), Some(MAPPING), chunk).expect("runs");
        assert_eq!(r.summary.rows, whole.summary.rows, "chunk {chunk}");
        assert_eq!(
            messages(&r.batches),
            messages(&whole.batches),
            "chunk {chunk}"
        );
        assert_eq!(r.rejects, whole.rejects, "chunk {chunk}");
    }
}

#[test]
fn summary_tells_what_a_person_checks() {
    let r = run(CSV.as_bytes(), Some(MAPPING), 4096).expect("runs");
    let s = r.summary;
    assert_eq!(s.headers, vec!["user_id", "created_at", "price", "sku"]);
    assert_eq!(
        s.first_timestamp.as_deref(),
        Some("1960-01-01T00:00:00.000Z")
    );
    assert_eq!(
        s.last_timestamp.as_deref(),
        Some("2024-01-03T11:00:00.000Z")
    );
    assert_eq!(s.with_warnings, 1);
    assert_eq!(
        s.by_code.get(&Code::TimestampBefore1970).map(|t| t.count),
        Some(1)
    );
    assert_eq!(
        s.by_code
            .get(&Code::WrongFieldCount)
            .map(|t| t.examples[0].row),
        Some(6)
    );
    assert_eq!(s.events_per_day.get("2024-01-03"), Some(&1));
    assert_eq!(s.top_events, vec![("Order Completed".to_string(), 3)]);
    assert_eq!(s.types.get("track"), Some(&3));
    assert!(s.notes.is_empty(), "{:?}", s.notes);
    let m = messages(&r.batches);
    assert_eq!(
        m[1]["properties"],
        json!({"revenue": 4, "sku": "D, with comma"})
    );
    let body: serde_json::Value = serde_json::from_slice(r.batches[0].body()).expect("json");
    assert_eq!(body["integrations"], json!({"All": false, "Vero": true}));
}

#[test]
fn same_input_same_ids_and_bodies() {
    let a = run(CSV.as_bytes(), Some(MAPPING), 5).expect("runs");
    let b = run(CSV.as_bytes(), Some(MAPPING), 4096).expect("runs");
    assert_eq!(
        a.batches
            .iter()
            .map(|b| b.body().to_vec())
            .collect::<Vec<_>>(),
        b.batches
            .iter()
            .map(|b| b.body().to_vec())
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_missing_column_stops_with_a_clear_error() {
    let csv = "uid,created_at,price\n1,2024-01-01,3\n";
    let err = run(csv.as_bytes(), Some(MAPPING), 3).expect_err("mapping does not fit");
    assert!(
        err.to_string()
            .contains("\"user_id\", which is not in the file"),
        "{err}"
    );
}

#[test]
fn csv_without_mapping_is_refused() {
    let err = run(CSV.as_bytes(), None, 64).expect_err("needs mapping");
    assert!(err.to_string().contains("needs a mapping"), "{err}");
}

#[test]
fn ndjson_passthrough_and_bad_lines() {
    let nd = concat!(
        r#"{"type":"track","userId":"a","event":"E","timestamp":"2024-05-01T00:00:00Z"}"#,
        "\n",
        "not json\n",
        "[1,2]\n",
        "\n",
        r#"{"type":"identify","anonymousId":"x","traits":{"email":"e@x.io"}}"#,
        "\n",
    );
    for chunk in [1, 9, 1000] {
        let r = run(nd.as_bytes(), None, chunk).expect("runs");
        assert_eq!(
            (r.summary.rows, r.summary.valid, r.summary.rejected),
            (4, 2, 2),
            "chunk {chunk}"
        );
        assert_eq!(r.rejects[0].code(), Some(Code::InvalidJsonRecord));
        assert_eq!(r.rejects[1].code(), Some(Code::NotAnObject));
        assert_eq!(r.rejects[0].cells, vec!["not json"]);
        assert_eq!(r.summary.without_timestamp, 1);
        let m = messages(&r.batches);
        assert_eq!(m[0]["timestamp"], "2024-05-01T00:00:00.000Z");
        assert_eq!(m[1]["traits"]["email"], "e@x.io");
    }
}

#[test]
fn resume_skips_done_rows_but_counts_them() {
    let settings = sniff(CSV.as_bytes(), true, &SourceOptions::default()).expect("sniff");
    let mapping = Mapping::from_json(MAPPING).ok();
    let mut imp = Importer::new(
        mapping,
        &settings,
        ImportOptions {
            now_ms: NOW,
            ..Default::default()
        },
    )
    .expect("new");
    imp.skip_rows(Box::new(|row| row <= 5));
    imp.push(CSV.as_bytes()).expect("push");
    imp.finish().expect("finish");
    let batches: Vec<Batch> = std::iter::from_fn(|| imp.pop_batch()).collect();
    let s = imp.summary();
    assert_eq!(
        (s.rows, s.valid, s.rejected, s.previously_delivered),
        (6, 3, 3, 2)
    );
    assert_eq!(
        imp.counts(),
        Counts {
            rows: 6,
            valid: 3,
            rejected: 3,
            skipped: 2
        }
    );
    assert_eq!(
        batches
            .iter()
            .flat_map(|b| b.rows().collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        vec![7]
    );
    assert_eq!(imp.push(b"x"), Err(ImportError::Finished));
}

#[test]
fn no_timestamp_mapping_is_noted() {
    let m = r#"{"type":"identify","rules":[{"from":"user_id","to":"userId"}]}"#;
    let r = run(CSV.as_bytes(), Some(m), 4096).expect("runs");
    assert!(r
        .summary
        .notes
        .iter()
        .any(|n| n.contains("dated when Segment receives it")));
    assert_eq!(r.summary.without_timestamp, r.summary.valid);
}
