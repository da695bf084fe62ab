use super::*;
use crate::source::{sniff, SourceOptions};
use crate::validate::Code;
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
            skipped: 2,
            fixed: 0,
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

/// Golden: fixed rows and a mapping give exactly these messages and ids,
/// for both schemes. A change of key order, number or timestamp formatting,
/// or of the id formula fails here before it changes ids users have sent.
#[test]
fn golden_messages_and_ids() {
    let mapping = r#"{
      "type": "track",
      "rules": [
        {"from": "user", "to": "userId"},
        {"from": "what", "to": "event"},
        {"from": "at", "to": "timestamp", "as": "timestamp"},
        {"from": "price", "to": "properties.revenue", "as": "number"},
        {"from": "qty", "to": "properties.quantity", "as": "integer"},
        {"from": "gift", "to": "properties.gift", "as": "boolean"},
        {"from": "email", "to": "context.traits.email"}
      ],
      "rest": "properties"
    }"#;
    let csv = "user,what,at,price,qty,gift,email,sku\n\
               u1,Order Completed,2024-01-02 03:04:05,12.50,3,yes,a@example.com,SKU-1\n\
               u1,Order Completed,2024-01-02 03:04:05,12.50,3,yes,a@example.com,SKU-1\n\
               u2,Refunded,1700000000,1e3,0,no,,SKU-2\n";
    let settings = sniff(csv.as_bytes(), true, &SourceOptions::default()).expect("sniffs");
    let ids_for = |ids: MessageIds| {
        let options = ImportOptions {
            now_ms: NOW,
            ids,
            ..ImportOptions::default()
        };
        let m = Mapping::from_json(mapping).expect("mapping");
        let mut imp = Importer::new(Some(m), &settings, options).expect("importer");
        imp.push(csv.as_bytes()).expect("push");
        imp.finish().expect("finish");
        let batch = imp.pop_batch().expect("a batch");
        (0..batch.len())
            .map(|i| String::from_utf8_lossy(batch.message(i).unwrap_or_default()).into_owned())
            .collect::<Vec<String>>()
    };
    use crate::message::{IdScheme, SourceNamespace};
    let v2 = ids_for(MessageIds::new(
        IdScheme::V2,
        SourceNamespace::of_write_key("golden-key"),
    ));
    let v1 = ids_for(MessageIds::new(IdScheme::V1, SourceNamespace::NONE));
    let strip = |m: &str| {
        m.split(",\"messageId\"")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        strip(&v2[0]),
        r#"{"type":"track","userId":"u1","event":"Order Completed","timestamp":"2024-01-02T03:04:05.000Z","properties":{"revenue":12.50,"quantity":3,"gift":true,"sku":"SKU-1"},"context":{"traits":{"email":"a@example.com"}}"#
    );
    assert_eq!(
        strip(&v2[2]),
        r#"{"type":"track","userId":"u2","event":"Refunded","timestamp":"2023-11-14T22:13:20.000Z","properties":{"revenue":1e3,"quantity":0,"gift":false,"sku":"SKU-2"}"#
    );
    let id = |m: &str| {
        serde_json::from_str::<serde_json::Value>(m).expect("json")["messageId"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let v2: Vec<String> = v2.iter().map(|m| id(m)).collect();
    let v1: Vec<String> = v1.iter().map(|m| id(m)).collect();
    // (Computed apart with Python's xxhash from the bytes above and the
    // formulas in message::id.) Rows 2 and 3 are the same row twice: two
    // events, two ids.
    assert_eq!(
        v2,
        [
            "e24bc775-a593-84db-9da6-36260985435f",
            "4ad70c19-33f9-8f56-8465-720dac61c926",
            "db1aaa7c-ccac-8aac-933e-ace28ec9f5fc"
        ],
        "scheme 2"
    );
    assert_eq!(
        v1,
        [
            "7cbb14bc-fc4c-8bf3-846f-d28e23cd9348",
            "9959762a-d0e5-80d1-a175-8ae25af9c650",
            "21208d98-c5e0-8a36-9da8-cfc1e3edcc92"
        ],
        "scheme 1"
    );
}

/// Golden, for JSON records sent as they are (their id is hashed over the
/// message up to and including `,"messageId":`, pinned since 0.1).
#[test]
fn golden_passthrough_ids() {
    use crate::message::{IdScheme, SourceNamespace};
    let ndjson = "{\"type\":\"identify\",\"userId\":\"u9\",\"traits\":{\"plan\":\"pro\"},\"messageId\":null}\n";
    let settings = sniff(ndjson.as_bytes(), true, &SourceOptions::default()).expect("sniffs");
    let options = ImportOptions {
        now_ms: NOW,
        ids: MessageIds::new(IdScheme::V2, SourceNamespace::of_write_key("golden-key")),
        ..ImportOptions::default()
    };
    let mut imp = Importer::new(None, &settings, options).expect("importer");
    imp.push(ndjson.as_bytes()).expect("push");
    imp.finish().expect("finish");
    let batch = imp.pop_batch().expect("a batch");
    let message = String::from_utf8_lossy(batch.message(0).unwrap_or_default()).into_owned();
    // (Computed apart with Python's xxhash over the bytes up to the id.)
    assert_eq!(
        message,
        r#"{"traits":{"plan":"pro"},"type":"identify","userId":"u9","messageId":"c7933840-acdf-8fee-81b6-15e312a39e5a"}"#
    );
}

/// A header that cannot be read (a quote that never closes in it) is said
/// as such, at row 1, not as a column the mapping cannot find.
#[test]
fn an_unreadable_header_is_named_as_such() {
    let csv = "user_id,\"created_at,price\nu1,2024-01-01,1\n";
    let settings = Settings {
        format: Format::Csv,
        encoding: crate::source::Encoding::Utf8,
        compression: crate::source::Compression::None,
        bom: false,
        delimiter: b',',
        has_header: true,
        first_row: 1,
    };
    let mapping = Mapping::from_json(MAPPING).expect("mapping");
    let mut imp =
        Importer::new(Some(mapping), &settings, ImportOptions::default()).expect("importer");
    let r = imp.push(csv.as_bytes()).and_then(|()| imp.finish());
    let e = r.expect_err("no header, no import");
    assert!(
        matches!(e, ImportError::Source(SourceError { row: Some(1), .. })),
        "{e}"
    );
    assert!(
        e.to_string().contains("the header row cannot be read")
            && e.to_string().contains("never closes"),
        "{e}"
    );
}

#[test]
fn per_code_rows_and_rows_with_several_reasons_add_up_exactly() {
    let mapping = r#"{"type":"track","rules":[
        {"from":"u","to":"userId"},{"value":"E","to":"event"},
        {"from":"a","to":"properties.a","as":"number"},
        {"from":"b","to":"properties.b","as":"number"},
        {"from":"c","to":"properties.c","as":"integer","invalid":"drop"},
        {"from":"t","to":"timestamp"}]}"#;
    let csv = "u,a,b,c,t\n\
        NA,x,1,1,2024-01-01\n\
        u2,x,y,1,2024-01-01\n\
        u3,1,1,z,2024-01-01\n\
        NA,1,1,z,2024-01-01\n\
        u5,1,1,z,1960-01-01\n\
        u6,1,1,1,2024-01-01\n";
    let r = run(csv.as_bytes(), Some(mapping), 7).expect("runs");
    let s = &r.summary;
    assert_eq!((s.rows, s.valid, s.rejected, s.with_warnings), (6, 3, 3, 2));
    let tally = |c: Code| s.by_code.get(&c).map(|t| (t.rows, t.count));
    // Row 2: missing id + bad a; row 3: bad a and bad b (one code, two
    // findings); row 5: missing id (its dropped c is not counted: not sent).
    assert_eq!(tally(Code::MissingIdentity), Some((2, 2)));
    assert_eq!(tally(Code::InvalidNumber), Some((2, 3)));
    assert_eq!(s.rejected_several_reasons, 1);
    // Rows 4 and 6 are sent without c; row 6 also dated before 1970.
    assert_eq!(tally(Code::ValueDropped), Some((2, 2)));
    assert_eq!(tally(Code::TimestampBefore1970), Some((1, 1)));
    assert_eq!(s.warned_several_reasons, 1);
    assert_eq!(
        crate::report::several_reasons(s.rejected_several_reasons, s.rejected, "rejected rows"),
        "1 row has more than one reason; each is listed under every reason, so the counts add \
         up to more than the 3 rejected rows"
    );
    // The rejects file still carries every finding of a rejected row.
    assert_eq!(r.rejects[2].issues.len(), 2, "{:?}", r.rejects[2]);
}

#[test]
fn the_summary_says_which_tokens_were_read_as_empty() {
    let mapping = r#"{"type":"track","rules":[
        {"from":"u","to":"userId"},{"value":"E","to":"event"},
        {"from":"d","to":"properties.d","as":"number"}],
        "rest":"properties"}"#;
    // `note` goes to properties through `rest`; a constant is never a token.
    let csv = "u,d,note\n\
        NA,1,x\n\
        u2,NA,NULL\n\
        u3, NA ,-\n\
        u4,2,ok\n";
    let r = run(csv.as_bytes(), Some(mapping), 5).expect("runs");
    let seen: Vec<(String, String, u64)> = r
        .summary
        .missing_values
        .iter()
        .map(|m| (m.column.clone(), m.token.clone(), m.count))
        .collect();
    assert_eq!(
        seen,
        [
            ("d".to_string(), "NA".to_string(), 2),
            ("note".to_string(), "-".to_string(), 1),
            ("note".to_string(), "NULL".to_string(), 1),
            ("u".to_string(), "NA".to_string(), 1),
        ]
    );
    assert_eq!((r.summary.valid, r.summary.rejected), (3, 1));
    // Turned off, nothing is read as empty and nothing is said.
    let off = mapping.replace("\"rest\"", "\"missing\":[],\"rest\"");
    let r = run(csv.as_bytes(), Some(&off), 5).expect("runs");
    assert!(r.summary.missing_values.is_empty());
}
