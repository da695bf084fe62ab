use super::*;
use crate::batch::Batch;
use crate::mapping::Mapping;
use crate::message::{IdScheme, MessageIds, SourceNamespace};
use crate::pipeline::{ImportError, ImportOptions, Importer, RejectedRow, Summary};
use crate::source::{sniff, SourceOptions};

const NOW: i64 = 1_800_000_000_000;
const MAPPING: &str = r#"{"type":"track","rules":[
  {"from":"user_id","to":"userId"},
  {"value":"Order Completed","to":"event"},
  {"from":"created_at","to":"timestamp","as":"timestamp"},
  {"from":"price","to":"properties.revenue","as":"number"}]}"#;
const CSV: &str = "user_id,created_at,price\n\
u1,2024-01-01T10:00:00Z,12.50\n\
u2,2024-01-02T10:00:00Z,oops\n\
,2024-01-03T10:00:00Z,3\n\
u4,2024-01-04T10:00:00Z,4\n";

fn columns() -> Vec<String> {
    ["user_id", "created_at", "price"]
        .map(String::from)
        .to_vec()
}

fn cells(c: &[&str]) -> Vec<String> {
    c.iter().map(|s| s.to_string()).collect()
}

struct Run {
    summary: Summary,
    batches: Vec<Batch>,
    rejects: Vec<RejectedRow>,
}

fn run(input: &str, mapping: &str, fixes: Fixes) -> Result<Run, ImportError> {
    let settings =
        sniff(input.as_bytes(), true, &SourceOptions::default()).map_err(ImportError::Source)?;
    let options = ImportOptions {
        now_ms: NOW,
        keep_reject_cells: true,
        ids: MessageIds::new(IdScheme::V2, SourceNamespace::of_write_key("k")),
        fixes,
        ..ImportOptions::default()
    };
    let mut imp = Importer::new(Mapping::from_json(mapping).ok(), &settings, options)?;
    imp.push(input.as_bytes())?;
    imp.finish()?;
    Ok(Run {
        summary: imp.summary(),
        batches: std::iter::from_fn(|| imp.pop_batch()).collect(),
        rejects: std::iter::from_fn(|| imp.pop_reject()).collect(),
    })
}

/// `(row, message)` of every message sent.
fn sent(batches: &[Batch]) -> Vec<(u64, serde_json::Value)> {
    batches
        .iter()
        .flat_map(|b| {
            let rows: Vec<u64> = b.rows().collect();
            let v: serde_json::Value = serde_json::from_slice(b.body()).expect("json body");
            let msgs = v["batch"].as_array().cloned().unwrap_or_default();
            rows.into_iter().zip(msgs).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn a_fixed_row_is_sent_under_its_own_row_and_counted_once() {
    let mut fixes = Fixes::new(columns());
    fixes
        .insert(3, cells(&["u2", "2024-01-02T10:00:00Z", "7.5"]))
        .expect("fix");
    let r = run(CSV, MAPPING, fixes).expect("runs");
    let s = &r.summary;
    assert_eq!((s.rows, s.valid, s.rejected, s.fixed), (4, 3, 1, 1));
    assert_eq!(
        s.rows,
        s.valid + s.rejected,
        "the reconciliation still holds"
    );
    let sent = sent(&r.batches);
    let rows: Vec<u64> = sent.iter().map(|(r, _)| *r).collect();
    assert_eq!(rows, [2, 3, 5]);
    assert_eq!(sent[1].1["properties"]["revenue"], 7.5);
    // Its id is the fixed message's, pinned: changing it changes ids sent.
    assert_eq!(
        sent[1].1["messageId"], "14708a0c-45a1-89f4-a4af-4ef10755edfd",
        "{}",
        sent[1].1
    );
    assert_eq!(r.rejects.len(), 1);
    assert_eq!(r.rejects[0].row, 4);
}

#[test]
fn a_fix_still_invalid_is_rejected_with_its_new_reasons_and_cells() {
    let mut fixes = Fixes::new(columns());
    fixes
        .insert(3, cells(&["u2", "not a date", "7.5"]))
        .expect("fix");
    let r = run(CSV, MAPPING, fixes).expect("runs");
    let s = &r.summary;
    assert_eq!((s.rows, s.valid, s.rejected, s.fixed), (4, 2, 2, 0));
    let row3 = r
        .rejects
        .iter()
        .find(|x| x.row == 3)
        .expect("row 3 rejected");
    assert_eq!(row3.cells, cells(&["u2", "not a date", "7.5"]));
    let reason = row3.reason();
    assert!(
        reason.contains("created_at") && !reason.contains("oops"),
        "{reason}"
    );
}

#[test]
fn fixes_for_other_columns_or_rows_the_file_lacks_are_refused() {
    let mut other = Fixes::new(cells(&["user", "created_at", "price"]));
    other
        .insert(3, cells(&["u", "2024-01-01", "1"]))
        .expect("fix");
    let e = run(CSV, MAPPING, other).err().expect("refused");
    assert!(
        matches!(&e, ImportError::Fixes(m) if m.contains("\"user\"") && m.contains("\"user_id\"")),
        "{e}"
    );

    let mut beyond = Fixes::new(columns());
    beyond
        .insert(9, cells(&["u9", "2024-01-01", "1"]))
        .expect("fix");
    let e = run(CSV, MAPPING, beyond).err().expect("refused");
    assert!(
        matches!(&e, ImportError::Fixes(m) if m.contains("rows 9") && m.contains("last row is 5")),
        "{e}"
    );

    let mut header = Fixes::new(columns());
    header
        .insert(1, cells(&["u", "2024-01-01", "1"]))
        .expect("fix");
    let e = run(CSV, MAPPING, header).err().expect("refused");
    assert!(
        matches!(&e, ImportError::Fixes(m) if m.contains("header")),
        "{e}"
    );

    let mut narrow = Fixes::new(columns());
    assert!(
        narrow.insert(3, cells(&["u"])).is_err(),
        "a row of the wrong width"
    );
    assert!(narrow.insert(0, cells(&["a", "b", "c"])).is_err(), "row 0");
}

#[test]
fn the_edits_csv_reads_back_exactly() {
    let mut fixes = Fixes::new(columns());
    let tricky = cells(&["-5", "=SUM(A1)", "a, \"quoted\"\nline"]);
    fixes.insert(4, tricky.clone()).expect("fix");
    fixes.insert(3, cells(&["u2", "", ""])).expect("fix");
    let csv = fixes.to_csv();
    let text = String::from_utf8(csv.clone()).expect("utf-8");
    assert!(
        text.starts_with("row,user_id,created_at,price\n3,u2,,\n4,-5,=SUM(A1),"),
        "{text}"
    );
    let back = Fixes::from_csv(&csv).expect("reads back");
    assert_eq!(back, fixes);
    assert_eq!(back.cells(4), Some(tricky));
    assert_eq!(back.digest(), fixes.digest());

    for (bad, says) in [
        ("user_id,row\n", "first column must be \"row\""),
        ("row,user_id\nx,u\n", "\"x\" is not a row number"),
        ("row,user_id\n0,u\n", "\"0\" is not a row number"),
        ("row,user_id\n3,u\n3,v\n", "row 3 is fixed twice"),
        ("row,user_id\n3,u,extra\n", "line 2 has 3 cells"),
        ("", "empty"),
    ] {
        let e = Fixes::from_csv(bad.as_bytes()).expect_err(bad);
        assert!(e.contains(says), "{bad:?}: {e}");
    }
}

#[test]
fn the_digest_is_empty_without_fixes_and_tells_edits_apart() {
    assert_eq!(Fixes::default().digest(), "");
    assert_eq!(Fixes::new(columns()).digest(), "");
    let mut a = Fixes::new(columns());
    a.insert(3, cells(&["u2", "", "1"])).expect("fix");
    let mut b = a.clone();
    b.insert(3, cells(&["u2", "", "2"])).expect("fix");
    let mut c = Fixes::new(columns());
    c.insert(4, cells(&["u2", "", "1"])).expect("fix");
    assert_eq!(a.digest().len(), 32);
    assert!(a.digest() != b.digest() && a.digest() != c.digest());
    // Serialized as plain data, read back the same.
    let json = serde_json::to_string(&a).expect("json");
    assert_eq!(
        json,
        r#"{"columns":["user_id","created_at","price"],"rows":[{"row":3,"cells":["u2","","1"]}]}"#
    );
    assert_eq!(serde_json::from_str::<Fixes>(&json).expect("back"), a);
    let wide = r#"{"columns":["a"],"rows":[{"row":3,"cells":["x","y"]}]}"#;
    assert!(serde_json::from_str::<Fixes>(wide).is_err());
}

#[test]
fn a_row_checker_judges_one_row_as_the_import_would() {
    let settings = sniff(CSV.as_bytes(), true, &SourceOptions::default()).expect("sniff");
    let options = ImportOptions {
        now_ms: NOW,
        ..ImportOptions::default()
    };
    let mapping = Mapping::from_json(MAPPING).ok();
    let mut checker = RowChecker::new(mapping, &settings, &columns(), options).expect("checker");
    let bad = checker.check(3, &cells(&["u2", "2024-01-02T10:00:00Z", "oops"]));
    assert!(!bad.valid);
    assert_eq!(bad.issues[0].column.as_deref(), Some("price"));
    assert_eq!(bad.issues[0].row, 3);
    let good = checker.check(3, &cells(&["u2", "2024-01-02T10:00:00Z", "1"]));
    assert!(good.valid && good.issues.is_empty(), "{good:?}");
    let short = checker.check(4, &cells(&["u2"]));
    assert!(
        !short.valid && short.issues[0].message.contains("1 fields"),
        "{short:?}"
    );
}

#[test]
fn a_json_record_is_fixed_by_its_text() {
    let input = "{\"userId\":\"a\",\"type\":\"track\",\"event\":\"E\"}\n{broken\n";
    let mut fixes = Fixes::new(vec![JSON_RECORD_COLUMN.to_string()]);
    fixes
        .insert(
            2,
            vec![r#"{"userId":"b","type":"track","event":"E"}"#.into()],
        )
        .expect("fix");
    let r = run(input, "null", fixes).expect("runs");
    assert_eq!(
        (r.summary.valid, r.summary.rejected, r.summary.fixed),
        (2, 0, 1)
    );
    assert_eq!(sent(&r.batches)[1].1["userId"], "b");
    let mut csv_like = Fixes::new(columns());
    csv_like.insert(2, cells(&["a", "b", "c"])).expect("fix");
    assert!(matches!(
        run(input, "null", csv_like),
        Err(ImportError::Fixes(_))
    ));
}

#[test]
fn fixes_are_bounded_and_a_row_is_fixed_once() {
    let mut fixes = Fixes::new(vec!["a".into()]);
    for row in 2..2 + MAX_FIXED_ROWS as u64 {
        fixes
            .insert(row, vec![row.to_string()])
            .expect("within the bound");
    }
    let e = fixes
        .insert(5 + MAX_FIXED_ROWS as u64, vec!["x".into()])
        .expect_err("one too many");
    assert!(e.contains("10000 rows"), "{e}");
    // Replacing a row already fixed is no new row.
    fixes.insert(2, vec!["again".into()]).expect("replace");
    assert_eq!(fixes.cells(2), Some(vec!["again".to_string()]));
    assert_eq!(fixes.len(), MAX_FIXED_ROWS);
    fixes.remove(2);
    assert!(!fixes.contains(2) && fixes.len() == MAX_FIXED_ROWS - 1);

    let twice = r#"{"columns":["a"],"rows":[{"row":3,"cells":["x"]},{"row":3,"cells":["y"]}]}"#;
    let e = serde_json::from_str::<Fixes>(twice).expect_err("twice");
    assert!(e.to_string().contains("row 3 is fixed twice"), "{e}");
    let unknown = r#"{"columns":["a"],"rows":[],"extra":1}"#;
    assert!(serde_json::from_str::<Fixes>(unknown).is_err());
}
