//! Step 3: the full check runs on entry, shows progress, can be cancelled,
//! and ends in a report with the downloads.

use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use super::{after, blob, disabled, picked, Downloads, Page, ORDERS};
use crate::app::protocol::{
    CheckDone, CheckProgress, CheckReport, Finding, Input, Request, Response, RowAt,
};
use crate::app::state::{Action, CheckState, SendForm, Step};
use crate::message::SourceNamespace;

const REJECTS: &str = "row,line,code,reason,user_id,event\n\
    998,998,missing_identity,\"user_id: neither userId nor anonymousId is set\",,Order Completed\n";
const BATCHES: &str = "{\"batch\":[]}\n";

/// A report as the worker sends it for a 20,000-row file.
pub fn report() -> CheckReport {
    CheckReport {
        rows: 20_000.0,
        valid: 19_967.0,
        rejected: 33.0,
        fixed: 0.0,
        with_warnings: 2.0,
        without_timestamp: 0.0,
        first_timestamp: Some("2024-01-01T00:00:00.000Z".into()),
        last_timestamp: Some("2024-01-03T23:00:00.000Z".into()),
        per_day: vec![
            ("2024-01-01".into(), 5_000.0),
            ("2024-01-02".into(), 10_000.0),
            ("2024-01-03".into(), 4_967.0),
        ],
        top_events: vec![
            ("Order Completed".into(), 19_000.0),
            ("Order Refunded".into(), 967.0),
        ],
        findings: vec![
            Finding {
                code: "missing_identity".into(),
                warning: false,
                count: 20.0,
                rows: 20.0,
                examples: vec![(
                    RowAt::row(998.0),
                    "user_id: neither userId nor anonymousId is set".into(),
                )],
            },
            Finding {
                code: "invalid_number".into(),
                warning: false,
                // Two rows also lack an id; one row has two bad numbers.
                count: 16.0,
                rows: 15.0,
                examples: vec![(RowAt::row(1_500.0), "price: \"n/a\" is not a number".into())],
            },
            Finding {
                code: "future_timestamp".into(),
                warning: true,
                count: 2.0,
                rows: 2.0,
                examples: vec![(RowAt::row(7.0), "created_at: in the future".into())],
            },
        ],
        rejected_several_reasons: 2.0,
        warned_several_reasons: 0.0,
        missing_values: vec![
            crate::mapping::MissingSeen {
                column: "price".into(),
                token: "NA".into(),
                count: 1_204,
            },
            crate::mapping::MissingSeen {
                column: "user_id".into(),
                token: "NULL".into(),
                count: 20,
            },
        ],
        notes: vec![],
        batches: 10.0,
        bytes: 4_600_000.0,
        elapsed_ms: 2_500.0,
        rejects_truncated: false,
        files: Vec::new(),
        target: "segment-us".into(),
    }
}

pub fn done(report: CheckReport, batches: Option<&str>) -> CheckDone {
    CheckDone {
        report,
        rejects: blob(REJECTS.as_bytes()),
        batches: batches.map_or(JsValue::UNDEFINED, |b| blob(b.as_bytes()).into()),
        id_namespace: None,
        grid: Vec::new(),
        grid_omitted: 0.0,
    }
}

/// The Check step as it opens: the check starts at once.
async fn check_page() -> Page {
    let mut page = Page::open(picked("orders.csv", ORDERS.as_bytes(), Step::Check)).await;
    let state = page.state();
    match page.sent().as_slice() {
        [Request::Check {
            input: Input::One { settings, .. },
            mapping,
            keep_batches,
            ..
        }] => {
            assert_eq!(
                Some(settings),
                state.inspection.as_ref().map(|v| &v.settings)
            );
            assert_eq!(mapping, &state.mapping, "checks the mapping of step 2");
            assert!(keep_batches, "a small file keeps its batches");
        }
        other => panic!("expected one Check request, got {other:?}"),
    }
    page
}

#[wasm_bindgen_test]
async fn the_check_runs_on_entry_shows_progress_and_cancels() {
    let mut page = check_page().await;
    assert!(page.text().contains("Starting…"));
    assert!(matches!(page.state().check, CheckState::Running(_)));
    let keep = page.labelled("Keep the batches", "input");
    assert!(disabled(&keep), "no change while running");
    assert!(!page.has_button("Run the check"));
    let send = page.button("4Send");
    assert!(disabled(&send) && send.title() == "Run the check first.");

    page.answer(Response::CheckProgress(CheckProgress {
        bytes: 250_000.0,
        total: 1_000_000.0,
        rows: 5_000.0,
        elapsed_ms: 2_000.0,
        ..CheckProgress::default()
    }))
    .await;
    assert!(
        page.text()
            .contains("25% · 5,000 rows · 2,500 rows/s · 250 KB of 1.0 MB · about 6 s left"),
        "{}",
        page.text()
    );
    assert_eq!(
        page.find("progress").get_attribute("value").as_deref(),
        Some("25.0")
    );

    page.click(&page.button("Cancel")).await;
    assert!(matches!(page.sent().as_slice(), [Request::Cancel]));
    page.answer(Response::Cancelled).await;
    assert!(page.text().contains("Cancelled. Nothing was sent."));
    assert!(!disabled(&keep));

    // Without the batches this time, then again.
    page.click(&keep).await;
    assert!(!page.state().keep_batches);
    page.click(&page.button("Check again")).await;
    match page.sent().as_slice() {
        [Request::Check { keep_batches, .. }] => assert!(!keep_batches),
        other => panic!("expected a Check request, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn the_report_shows_counts_reasons_dates_and_events() {
    let page = check_page().await;
    page.answer(Response::Checked(done(report(), Some(BATCHES))))
        .await;

    let tile = |id: &str| page.find(id).text_content().unwrap();
    assert_eq!(tile("#count-rows"), "20,000");
    assert_eq!(tile("#count-valid"), "19,967");
    assert_eq!(tile("#count-rejected"), "33");
    assert_eq!(tile("#count-warnings"), "2");
    assert!(
        page.text().contains("20,000 rows read in 3 s"),
        "{}",
        page.text()
    );

    // Errors grouped by reason, open, with an example row; warnings apart.
    assert_eq!(
        page.texts("details.finding.error[open] summary"),
        [
            "missing_identity — 20 rows",
            "invalid_number — 15 rows (16 findings)"
        ]
    );
    // What became empty is said, with the counts.
    assert_eq!(
        page.texts("#missing-values"),
        ["Read as empty (missing-value tokens): price: NA ×1,204; user_id: NULL ×20"]
    );
    // The overlap is said, not left for the reader to find.
    assert_eq!(
        page.texts(".several-reasons"),
        [
            "2 rows have more than one reason; each is listed under every reason, so the counts \
          add up to more than the 33 rejected rows"
        ]
    );
    assert_eq!(
        page.texts("details.finding.error li"),
        [
            "row 998: user_id: neither userId nor anonymousId is set",
            "row 1,500: price: \"n/a\" is not a number"
        ]
    );
    assert_eq!(
        page.texts("details.finding.warn:not([open]) summary"),
        ["future_timestamp — 2 rows"]
    );
    assert_eq!(
        page.texts("h3"),
        [
            "Why rows are rejected",
            "Warnings (rows are still sent)",
            "When",
            "Top events"
        ]
    );

    // The time range and one bar per day, as high as its count.
    assert!(page
        .text()
        .contains("From 2024-01-01T00:00:00.000Z to 2024-01-03T23:00:00.000Z"));
    let svg = page.find("figure.chart svg");
    assert_eq!(
        svg.get_attribute("aria-label").as_deref(),
        Some("Events per day from 2024-01-01 to 2024-01-03, busiest day 10,000")
    );
    let bars = page.all("rect.bar");
    let heights: Vec<f64> = bars
        .iter()
        .map(|b| b.get_attribute("height").unwrap().parse().unwrap())
        .collect();
    assert_eq!(heights.len(), 3);
    assert_eq!(
        heights,
        [78.0, 156.0, 77.49],
        "the busiest day fills the chart"
    );
    assert_eq!(
        page.texts("rect.bar title"),
        [
            "2024-01-01: 5,000",
            "2024-01-02: 10,000",
            "2024-01-03: 4,967"
        ]
    );
    assert_eq!(
        page.texts("table.events td"),
        ["Order Completed", "19,000", "Order Refunded", "967"]
    );
    assert!(page
        .text()
        .contains("10 batches, 4.6 MB of request bodies."));
    assert!(!disabled(&page.button("Send →")), "on to sending");
}

#[wasm_bindgen_test]
async fn the_rejected_rows_and_the_batches_download() {
    let page = check_page().await;
    page.answer(Response::Checked(done(report(), Some(BATCHES))))
        .await;
    let downloads = Downloads::capture();

    let rejects = page.button("Download rejected rows (33)");
    assert!(!disabled(&rejects));
    page.click(&rejects).await;
    page.click(&page.button("Download 10 batches (NDJSON, one request body a line)"))
        .await;
    let got = downloads.list();
    assert_eq!(
        got.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(),
        ["rejected-rows.csv", "batches.ndjson"]
    );
    assert_eq!(downloads.text(&got[0].1).await, REJECTS);
    assert_eq!(downloads.text(&got[1].1).await, BATCHES);
}

#[wasm_bindgen_test]
async fn a_clean_file_without_timestamps() {
    let page = check_page().await;
    let clean = CheckReport {
        rejected: 0.0,
        valid: 20_000.0,
        with_warnings: 0.0,
        without_timestamp: 20_000.0,
        first_timestamp: None,
        last_timestamp: None,
        per_day: vec![],
        findings: vec![],
        ..report()
    };
    page.answer(Response::Checked(done(clean, None))).await;
    assert!(disabled(&page.button("Download rejected rows (0)")));
    assert!(!page.has_button("Download 10 batches"), "batches not kept");
    let alerts = page.texts("[role=alert]");
    assert!(
        alerts.iter().any(|a| a
            .starts_with("20,000 messages have no timestamp. Segment will date them on arrival.")),
        "{alerts:?}"
    );
    assert!(page.text().contains("No timestamps."));
    assert!(page.text().contains("No timestamps: nothing to chart."));
    assert!(!page.has("figure.chart"));
    assert!(!page.text().contains("Why rows are rejected"));
    assert!(page
        .find("#count-rejected")
        .closest(".tile.bad")
        .unwrap()
        .is_none());
}

/// The dry run's batches carry the ids a send to the key in Send will
/// carry: only the key's hash goes to the worker, and the page says which
/// ids the download has.
#[wasm_bindgen_test]
async fn the_dry_run_carries_the_ids_of_the_key_in_send() {
    let form = SendForm {
        write_key: "wk_secret".into(),
        ..SendForm::default()
    };
    let state = after(
        picked("orders.csv", ORDERS.as_bytes(), Step::Map),
        [Action::SetSendForm(form), Action::GoTo(Step::Check)],
    );
    let mut page = Page::open(state).await;
    let sent = page.sent();
    let expected = SourceNamespace::of_write_key("wk_secret").to_string();
    match sent.as_slice() {
        [Request::Check { id_namespace, .. }] => {
            assert_eq!(id_namespace.as_deref(), Some(expected.as_str()))
        }
        other => panic!("expected one Check request, got {other:?}"),
    }
    assert!(
        !format!("{sent:?}").contains("wk_secret"),
        "the key stays on the page"
    );
    let mut with_ids = done(report(), Some(BATCHES));
    with_ids.id_namespace = Some(expected);
    page.answer(Response::Checked(with_ids)).await;
    assert!(page
        .find("#batch-ids")
        .text_content()
        .unwrap_or_default()
        .contains("the source of the write key in Send"));
}

#[wasm_bindgen_test]
async fn without_a_key_the_dry_run_says_its_ids_belong_to_no_source() {
    let page = check_page().await;
    page.answer(Response::Checked(done(report(), Some(BATCHES))))
        .await;
    let note = page.find("#batch-ids").text_content().unwrap_or_default();
    assert!(note.contains("belong to no source yet"), "{note}");
}

#[wasm_bindgen_test]
async fn the_chart_shows_every_day_of_a_gap_and_names_its_bucket() {
    let page = check_page().await;
    // Two busy days two months apart: the 59 days between are drawn empty.
    let gap = CheckReport {
        per_day: vec![("2024-01-01".into(), 40.0), ("2024-03-01".into(), 60.0)],
        ..report()
    };
    page.answer(Response::Checked(done(gap, None))).await;
    assert_eq!(page.all("rect.bar").len(), 61);
    assert_eq!(page.all("rect.bar.none").len(), 59);
    assert_eq!(
        page.find("figure.chart svg")
            .get_attribute("aria-label")
            .as_deref(),
        Some(
            "Events per day from 2024-01-01 to 2024-03-01, busiest day 60, \
             59 days without events"
        )
    );
    assert_eq!(
        page.texts(".chart .axis span"),
        [
            "2024-01-01",
            "2024-01-16",
            "2024-01-31",
            "2024-02-15",
            "2024-03-01"
        ]
    );
    assert!(page
        .text()
        .contains("Events per day, 59 days without events"));

    // A year and a half: by week, named so.
    let page = check_page().await;
    let long = CheckReport {
        per_day: vec![("2023-01-02".into(), 7.0), ("2024-06-30".into(), 3.0)],
        ..report()
    };
    page.answer(Response::Checked(done(long, None))).await;
    assert_eq!(page.all("rect.bar").len(), 78);
    let axis = page.texts(".chart .axis span");
    assert_eq!(axis.first().map(String::as_str), Some("2023-01-02"));
    assert_eq!(axis.last().map(String::as_str), Some("2024-06-24"));
    assert!(page.text().contains("max 7 / week"), "{}", page.text());
    assert_eq!(
        page.texts("rect.bar title").first().map(String::as_str),
        Some("week of 2023-01-02: 7")
    );
}

#[wasm_bindgen_test]
async fn with_no_valid_row_send_is_not_offered() {
    // A header-only file: no row at all.
    let page = check_page().await;
    let empty = CheckReport {
        rows: 0.0,
        valid: 0.0,
        rejected: 0.0,
        with_warnings: 0.0,
        first_timestamp: None,
        last_timestamp: None,
        per_day: vec![],
        top_events: vec![],
        findings: vec![],
        batches: 0.0,
        bytes: 0.0,
        ..report()
    };
    page.answer(Response::Checked(done(empty, None))).await;
    assert_eq!(
        page.find("#nothing-to-send")
            .text_content()
            .unwrap_or_default(),
        "The file has no rows: nothing to send. Only a header (or nothing) was found. \
         Pick the export with the data in step 1."
    );
    assert!(disabled(&page.button("Send →")));
    assert!(page.text().contains("Nothing to send: no row is valid."));

    // Every row rejected.
    let page = check_page().await;
    let rejected = CheckReport {
        valid: 0.0,
        rejected: 20_000.0,
        with_warnings: 0.0,
        ..report()
    };
    page.answer(Response::Checked(done(rejected, None))).await;
    assert!(page
        .find("#nothing-to-send")
        .text_content()
        .unwrap_or_default()
        .starts_with("None of the 20,000 rows is valid: nothing to send."));
    assert!(disabled(&page.button("Send →")));

    // One valid row is enough.
    let page = check_page().await;
    page.answer(Response::Checked(done(report(), None))).await;
    assert!(!page.has("#nothing-to-send"));
    assert!(!disabled(&page.button("Send →")));
}
