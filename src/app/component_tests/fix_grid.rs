//! The fix grid after Check: bad cells marked with their reasons, an edit
//! re-checked at once, find and replace in a column, "only rows with
//! errors", the edits downloaded as CSV and sent with the import.

use wasm_bindgen_test::wasm_bindgen_test;

use super::check_step::{done, report};
use super::{after, disabled, picked, value, Downloads, Page};
use crate::app::protocol::{CellIssue, CheckReport, GridRow, Request, Response, RowStatus};
use crate::app::state::{Action, Step};
use crate::pipeline::RowFix;

const CSV: &str = "user_id,event,price\n\
    u1,Order Completed,9.99\n\
    ,Order Completed,5\n\
    u3,Order Completed,NA\n\
    u4,Order Completed,NA\n";

fn issue(column: &str, code: &str, message: &str) -> CellIssue {
    CellIssue {
        column: Some(column.into()),
        code: code.into(),
        message: message.into(),
        warning: false,
    }
}

fn status(row: u64, issues: Vec<CellIssue>) -> RowStatus {
    RowStatus {
        row: row as f64,
        valid: issues.is_empty(),
        issues,
    }
}

fn cells(c: &[&str]) -> Vec<String> {
    c.iter().map(|s| s.to_string()).collect()
}

fn nan(row: u64) -> GridRow {
    GridRow {
        cells: cells(&[&format!("u{}", row - 1), "Order Completed", "NA"]),
        status: status(
            row,
            vec![issue(
                "price",
                "invalid_number",
                "price: \"NA\" is not a number",
            )],
        ),
    }
}

/// The check found rows 3, 4 and 5 bad.
async fn grid_page() -> Page {
    let checked = CheckReport {
        rows: 4.0,
        valid: 1.0,
        rejected: 3.0,
        ..report()
    };
    let mut d = done(checked, None);
    d.grid = vec![
        GridRow {
            cells: cells(&["", "Order Completed", "5"]),
            status: status(
                3,
                vec![CellIssue {
                    column: None,
                    code: "missing_identity".into(),
                    message: "neither userId nor anonymousId is set".into(),
                    warning: false,
                }],
            ),
        },
        nan(4),
        nan(5),
    ];
    let state = after(
        picked("orders.csv", CSV.as_bytes(), Step::Check),
        [Action::CheckStarted, Action::Worker(Response::Checked(d))],
    );
    let mut page = Page::open(state).await;
    page.sent();
    page
}

/// The one CheckRows request among `requests`: its rows.
fn rechecks(requests: &[Request]) -> Vec<RowFix> {
    match requests {
        [Request::CheckRows { rows, headers, .. }] => {
            assert_eq!(headers, &cells(&["user_id", "event", "price"]));
            rows.clone()
        }
        other => panic!("expected one CheckRows request, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn bad_cells_show_their_reasons_and_an_edit_is_rechecked_at_once() {
    let mut page = grid_page().await;
    assert_eq!(page.all(".fix-table tbody tr").len(), 3);
    // Each bad cell is marked, its reason visible and tied to the input.
    let price4 = page.labelled_by("price, row 4");
    assert_eq!(
        price4.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    let described = price4.get_attribute("aria-describedby").expect("described");
    let reason = page
        .find(&format!("#{described}"))
        .text_content()
        .unwrap_or_default();
    assert_eq!(reason, "price: \"NA\" is not a number");
    assert_eq!(page.all(".fix-table td.bad").len(), 2);
    // A reason about the whole row goes in its status.
    assert!(
        page.text()
            .contains("✗ neither userId nor anonymousId is set"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("Fixed in the app: 0"));

    // An edit: kept, sent to the worker for a re-check, shown as checking.
    let user3 = page.labelled_by("user_id, row 3");
    page.enter_text(&user3, "u2").await;
    let asked = rechecks(&page.sent());
    assert_eq!(
        asked,
        [RowFix {
            row: 3,
            cells: cells(&["u2", "Order Completed", "5"])
        }]
    );
    assert_eq!(
        page.state().fixes.cells(3),
        Some(cells(&["u2", "Order Completed", "5"]))
    );
    assert!(page.text().contains("checking…"));
    page.answer(Response::RowsChecked(vec![status(3, vec![])]))
        .await;
    assert!(
        page.text().contains("✓ fixed, will be sent"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("Fixed in the app: 1"));
    assert_eq!(
        page.find("#count-fixed").text_content().as_deref(),
        Some("1")
    );
    assert_eq!(
        page.find("#count-valid").text_content().as_deref(),
        Some("2")
    );
    assert_eq!(
        page.find("#count-rejected").text_content().as_deref(),
        Some("2")
    );

    // An edit that is still wrong shows the new reason.
    let price4 = page.labelled_by("price, row 4");
    page.enter_text(&price4, "ten").await;
    assert_eq!(rechecks(&page.sent())[0].cells[2], "ten");
    page.answer(Response::RowsChecked(vec![status(
        4,
        vec![issue(
            "price",
            "invalid_number",
            "price: \"ten\" is not a number",
        )],
    )]))
    .await;
    assert!(page.text().contains("price: \"ten\" is not a number"));
    assert!(
        page.text()
            .contains("Fixed in the app: 1 · 2 still with errors"),
        "{}",
        page.text()
    );
}

#[wasm_bindgen_test]
async fn find_and_replace_only_errors_and_the_edits_download() {
    let mut page = grid_page().await;
    let column = page.find("#fr-column");
    page.choose(&column, "2").await;
    assert_eq!(value(&page.find("#fr-find")), "NA", "NA is offered");
    page.click(&page.button("Replace all")).await;
    let asked = rechecks(&page.sent());
    assert_eq!(
        asked
            .iter()
            .map(|r| (r.row, r.cells[2].as_str()))
            .collect::<Vec<_>>(),
        [(4, ""), (5, "")]
    );
    assert!(
        page.text()
            .contains("Replaced 2 cells of price: \"NA\" → \"\""),
        "{}",
        page.text()
    );
    page.answer(Response::RowsChecked(vec![
        status(4, vec![]),
        status(5, vec![]),
    ]))
    .await;
    assert!(page.text().contains("Fixed in the app: 2"));

    // Nothing matches a second time.
    page.click(&page.button("Replace all")).await;
    assert!(page.sent().is_empty(), "nothing to re-check");
    assert!(page.text().contains("No cell of price is exactly \"NA\"."));

    // Only the row still bad.
    page.click(&page.find("#fix-only-errors")).await;
    assert_eq!(page.all(".fix-table tbody tr").len(), 1);
    assert!(page.has("[aria-label=\"user_id, row 3\"]"));
    page.click(&page.find("#fix-only-errors")).await;
    assert_eq!(page.all(".fix-table tbody tr").len(), 3);

    // The edits, as the CLI's --fixes reads them.
    let downloads = Downloads::capture();
    let button = page.button("Download edits (CSV, 2 rows)");
    assert!(!disabled(&button));
    page.click(&button).await;
    let got = downloads.list();
    assert_eq!(got[0].0, "edits.csv");
    assert_eq!(
        downloads.text(&got[0].1).await,
        "row,user_id,event,price\n4,u3,Order Completed,\n5,u4,Order Completed,\n"
    );

    // They go with the check run again and with the send.
    page.click(&page.button("Check again")).await;
    match page.sent().as_slice() {
        [Request::Check { fixes, .. }] => assert_eq!(fixes, &page.state().fixes),
        other => panic!("expected a Check request, got {other:?}"),
    }
}

/// A row with a field too many is shown, extra fields named, but not edited
/// here; a row with a field too few gets an empty cell to fill in.
#[wasm_bindgen_test]
async fn rows_of_the_wrong_width_are_shown_as_they_are() {
    let wrong = |row: u64, c: &[&str]| GridRow {
        cells: cells(c),
        status: RowStatus {
            row: row as f64,
            valid: false,
            issues: vec![CellIssue {
                column: None,
                code: "wrong_field_count".into(),
                message: format!("the row has {} fields, the header has 3", c.len()),
                warning: false,
            }],
        },
    };
    let mut d = done(
        CheckReport {
            rows: 4.0,
            valid: 2.0,
            rejected: 2.0,
            ..report()
        },
        None,
    );
    d.grid = vec![
        wrong(3, &["u2", "Order Completed", "5", "oops"]),
        wrong(4, &["u3", "Order Completed"]),
    ];
    let state = after(
        picked("orders.csv", CSV.as_bytes(), Step::Check),
        [Action::CheckStarted, Action::Worker(Response::Checked(d))],
    );
    let mut page = Page::open(state).await;
    page.sent();
    assert!(
        disabled(&page.labelled_by("price, row 3")),
        "not edited here"
    );
    assert!(
        page.text().contains("Extra fields: oops."),
        "{}",
        page.text()
    );
    // Find and replace leaves it alone too.
    page.choose(&page.find("#fr-column"), "2").await;
    page.type_text(&page.find("#fr-find"), "5").await;
    page.click(&page.button("Replace all")).await;
    assert!(page.sent().is_empty());
    // The short row: its missing cell is there to fill in.
    let price4 = page.labelled_by("price, row 4");
    assert_eq!(value(&price4), "");
    page.enter_text(&price4, "7").await;
    assert_eq!(
        rechecks(&page.sent()),
        [RowFix {
            row: 4,
            cells: cells(&["u3", "Order Completed", "7"])
        }]
    );
}

/// Past the bound an edit is refused, said, and never re-checked: no row
/// shows the status of cells that would not be sent.
#[wasm_bindgen_test]
async fn an_edit_past_the_bound_is_refused_and_not_rechecked() {
    let mut page = grid_page().await;
    let mut full = page.state().fixes.clone();
    if full.is_empty() {
        full = crate::pipeline::Fixes::new(cells(&["user_id", "event", "price"]));
    }
    for row in 100..100 + crate::pipeline::MAX_FIXED_ROWS as u64 {
        full.insert(row, cells(&["u", "E", "1"]))
            .expect("within the bound");
    }
    let rows: Vec<RowFix> = full
        .rows()
        .map(|row| RowFix {
            row,
            cells: full.cells(row).unwrap_or_default(),
        })
        .collect();
    page.dispatch(Action::EditRows(rows)).await;
    page.sent();
    page.enter_text(&page.labelled_by("user_id, row 3"), "u2")
        .await;
    assert!(page.sent().is_empty(), "not re-checked");
    assert!(!page.state().fixes.contains(3));
    let banner = page.find("[role=alert]").text_content().unwrap_or_default();
    assert!(
        banner.contains("edit was not kept: more than 10000 rows are fixed"),
        "{banner}"
    );
}

/// NDJSON: a record is one cell, its text, under "record".
#[wasm_bindgen_test]
async fn a_json_record_is_fixed_as_its_text() {
    const NDJSON: &str = "{\"type\":\"track\",\"userId\":\"a\",\"event\":\"E\"}\n{broken\n";
    let mut d = done(
        CheckReport {
            rows: 2.0,
            valid: 1.0,
            rejected: 1.0,
            ..report()
        },
        None,
    );
    d.grid = vec![GridRow {
        cells: cells(&["{broken"]),
        status: RowStatus {
            row: 2.0,
            valid: false,
            issues: vec![CellIssue {
                column: None,
                code: "invalid_json_record".into(),
                message: "not valid JSON: key must be a string".into(),
                warning: false,
            }],
        },
    }];
    let state = after(
        picked("events.ndjson", NDJSON.as_bytes(), Step::Check),
        [Action::CheckStarted, Action::Worker(Response::Checked(d))],
    );
    let mut page = Page::open(state).await;
    page.sent();
    assert!(page.text().contains("✗ not valid JSON"), "{}", page.text());
    let fixed = r#"{"type":"track","userId":"b","event":"E"}"#;
    page.enter_text(&page.labelled_by("record, row 2"), fixed)
        .await;
    match page.sent().as_slice() {
        [Request::CheckRows { rows, .. }] => {
            assert_eq!(
                rows,
                &[RowFix {
                    row: 2,
                    cells: cells(&[fixed])
                }]
            );
        }
        other => panic!("expected one CheckRows request, got {other:?}"),
    }
    assert_eq!(page.state().fixes.columns(), ["record".to_string()]);
}
