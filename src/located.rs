//! Reports of several files name rows by file.
//!
//! Inside an import of several files the core keys rows across the whole
//! import ([`crate::fileset::key`]). The JSON the shells hand out (the CLI's
//! `--json`, the package's `importFiles` and `checkFiles`) names each row by
//! its file and its row within that file instead. Written once here, so the
//! CLI and the package say the same thing of the same rows.
//!
//! - an example or an issue: `{"row": key, ...}` → `{"file": "orders-2.csv", "row": 1204, ...}`
//! - a rejected row: the same, for the row and each of its issues
//! - ranges: `[[from, to], ...]` → `[{"file", "from", "to"}, ...]`
//! - rows the endpoint refused: `[[row, reason], ...]` → `[{"file", "row", "reason"}, ...]`

use serde_json::{json, Value};

use crate::fileset::FileSet;
use crate::pipeline::{PartSniff, Summary};
use crate::session::SessionReport;

/// On an object whose `row` is a key: sets `file` and the row within it.
pub fn locate_row(object: &mut Value, set: &FileSet) {
    let Some(fields) = object.as_object_mut() else {
        return;
    };
    if let Some(key) = fields.get("row").and_then(Value::as_u64) {
        let at = set.locate(key);
        fields.insert("file".into(), at.file.unwrap_or_default().into());
        fields.insert("row".into(), at.row.into());
    }
}

/// In a summary's JSON ([`Summary`]), the examples of every code.
pub fn locate_summary(summary: &mut Value, set: &FileSet) {
    let Some(codes) = summary.get_mut("byCode").and_then(Value::as_object_mut) else {
        return;
    };
    for tally in codes.values_mut() {
        if let Some(examples) = tally.get_mut("examples").and_then(Value::as_array_mut) {
            for e in examples {
                locate_row(e, set);
            }
        }
    }
}

/// In a rejected row's JSON ([`crate::pipeline::RejectedRow`]): its row and
/// each issue's.
pub fn locate_rejected(row: &mut Value, set: &FileSet) {
    if let Some(issues) = row.get_mut("issues").and_then(Value::as_array_mut) {
        for issue in issues {
            locate_row(issue, set);
        }
    }
    locate_row(row, set);
}

/// Inclusive ranges of keys as `{file, from, to}` (rows within the file; a
/// range never spans two files, whose keys are far apart).
pub fn ranges(ranges: &[(u64, u64)], set: &FileSet) -> Value {
    ranges
        .iter()
        .map(|&(a, b)| {
            let (from, to) = (set.locate(a), set.locate(b));
            json!({"file": from.file, "from": from.row, "to": to.row})
        })
        .collect()
}

/// Rows the endpoint refused, as `{file, row, reason}`.
pub fn server_rejected(rows: &[(u64, String)], set: &FileSet) -> Value {
    rows.iter()
        .map(|(key, reason)| {
            let at = set.locate(*key);
            json!({"file": at.file, "row": at.row, "reason": reason})
        })
        .collect()
}

/// A check of several files as JSON: the [`Summary`] with its examples
/// located, the `order` the files were read in, and each file's counts with
/// how it was read (`settings`, `headers`; a workbook's or Parquet file's
/// `table`), from
/// the preflight's `parts` (in the set's order).
pub fn check_summary(
    summary: &Summary,
    set: &FileSet,
    parts: &[PartSniff],
) -> Result<Value, serde_json::Error> {
    let mut v = serde_json::to_value(summary)?;
    locate_summary(&mut v, set);
    if let Some(fields) = v.as_object_mut() {
        fields.insert("order".into(), serde_json::to_value(set.order())?);
    }
    if let Some(files) = v.get_mut("files").and_then(Value::as_array_mut) {
        for (f, part) in files.iter_mut().zip(parts) {
            let Some(fields) = f.as_object_mut() else {
                continue;
            };
            fields.insert("settings".into(), serde_json::to_value(&part.settings)?);
            fields.insert("headers".into(), serde_json::to_value(&part.headers)?);
            if let Some(table) = &part.table {
                fields.insert("table".into(), serde_json::to_value(table)?);
            }
        }
    }
    Ok(v)
}

/// A send's [`SessionReport`] of several files as JSON, every row named by
/// file: the summary's examples, the rejected rows, the undelivered ranges
/// and the rows the endpoint refused; with the `order` the files were read in.
pub fn send_report(report: &SessionReport, set: &FileSet) -> Result<Value, serde_json::Error> {
    let mut v = serde_json::to_value(report)?;
    let order = serde_json::to_value(set.order())?;
    let Some(fields) = v.as_object_mut() else {
        return Ok(v);
    };
    if let Some(summary) = fields.get_mut("summary") {
        locate_summary(summary, set);
    }
    if let Some(rows) = fields.get_mut("rejectedRows").and_then(Value::as_array_mut) {
        for row in rows {
            locate_rejected(row, set);
        }
    }
    let undelivered = &report.reconciliation.undelivered_rows;
    fields.insert("undeliveredRows".into(), ranges(undelivered, set));
    fields.insert(
        "serverRejected".into(),
        server_rejected(&report.server_rejected, set),
    );
    fields.insert("order".into(), order);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fileset::{key, FilePart};
    use crate::pipeline::RejectedRow;
    use crate::validate::{Code, Issue};

    fn set() -> FileSet {
        FileSet::ordered(vec![
            FilePart::new("orders-2.csv", None),
            FilePart::new("orders-1.csv", None),
        ])
        .expect("a set")
    }

    #[test]
    fn rows_ranges_and_refusals_are_named_by_file() {
        let set = set();
        let issue = Issue {
            row: key(1, 1_204),
            column: Some("user_id".into()),
            code: Code::MissingIdentity,
            message: "no user".into(),
        };
        let mut rejected = serde_json::to_value(RejectedRow {
            row: key(1, 1_204),
            line: 1_204,
            issues: vec![issue],
            cells: vec![],
        })
        .expect("json");
        locate_rejected(&mut rejected, &set);
        assert_eq!(rejected["file"], "orders-2.csv");
        assert_eq!(rejected["row"], 1_204);
        assert_eq!(rejected["issues"][0]["file"], "orders-2.csv");
        assert_eq!(rejected["issues"][0]["row"], 1_204);
        assert_eq!(
            ranges(&[(key(0, 2), key(0, 9)), (key(1, 5), key(1, 5))], &set),
            json!([
                {"file": "orders-1.csv", "from": 2, "to": 9},
                {"file": "orders-2.csv", "from": 5, "to": 5},
            ])
        );
        assert_eq!(
            server_rejected(&[(key(1, 7), "HTTP 400".into())], &set),
            json!([{"file": "orders-2.csv", "row": 7, "reason": "HTTP 400"}])
        );
    }

    #[test]
    fn a_send_report_names_its_rows_and_its_order() {
        let set = set();
        let mut report = SessionReport::default();
        report.reconciliation.undelivered_rows = vec![(key(1, 3), key(1, 4))];
        report.server_rejected = vec![(key(0, 2), "HTTP 400".into())];
        let v = send_report(&report, &set).expect("json");
        assert_eq!(v["order"], "natural");
        assert_eq!(
            v["undeliveredRows"],
            json!([{"file": "orders-2.csv", "from": 3, "to": 4}])
        );
        assert_eq!(v["serverRejected"][0]["file"], "orders-1.csv");
        // Something that is not an object is left as it is.
        let mut odd = json!([1, 2]);
        locate_row(&mut odd, &set);
        locate_summary(&mut odd, &set);
        assert_eq!(odd, json!([1, 2]));
    }
}
