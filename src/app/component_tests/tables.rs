//! Step 1 with a workbook or a Parquet file: what the File step says of it,
//! the sheet picker, and the sheet carried by every later request.

use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::HtmlOptionElement;

use super::{after, disabled, forget_everything, one_file, Page};
use crate::app::protocol::{CheckProgress, Measure, Request, Response};
use crate::app::resume::import_id;
use crate::app::state::{Action, State, Step};
use crate::app::worker::inspect;
use crate::source::table::{canonical_options, SheetInfo, TableInfo, TableKind};
use crate::source::SourceOptions;

/// The canonical text of the "Orders" sheet (its header on sheet row 3).
const ORDERS_TEXT: &str = "order_id,user_id,created_at,event,price\n\
O1,u1,2024-03-02T10:30:00,Order Completed,10.5\n\
O2,u2,2024-03-03T10:30:00,Order Completed,11.5\n";

fn workbook(sheets: &[(&str, bool)], sheet: &str) -> TableInfo {
    TableInfo {
        kind: TableKind::Xlsx,
        sheets: sheets
            .iter()
            .map(|(name, empty)| SheetInfo {
                name: name.to_string(),
                empty: *empty,
            })
            .collect(),
        sheet: Some(sheet.into()),
        first_row: 3,
        rows: None,
        row_groups: None,
        codecs: vec![],
        notes: vec!["formulas are read as their cached values".into()],
    }
}

fn parquet() -> TableInfo {
    TableInfo {
        kind: TableKind::Parquet,
        sheets: vec![],
        sheet: None,
        first_row: 1,
        rows: Some(1000),
        row_groups: Some(4),
        codecs: vec!["SNAPPY".into()],
        notes: vec![],
    }
}

/// The page at `step` with `name` picked and read as the worker reads a
/// table: its canonical `text` with the canonical settings.
fn picked_table(name: &str, text: &str, info: TableInfo, step: Step) -> State {
    forget_everything();
    let options = canonical_options(&info, &SourceOptions::default());
    let mut view = inspect::view(text.as_bytes(), true, &options).expect("inspectable");
    view.table = Some(info);
    after(
        State::default(),
        [
            Action::Picked(one_file(name, 7480.0, b"PK\x03\x04 a workbook")),
            Action::Worker(Response::Inspected(view)),
            Action::GoTo(step),
        ],
    )
}

/// `(label, disabled, selected)` of each option of the sheet picker.
fn sheet_options(page: &Page) -> Vec<(String, bool, bool)> {
    page.all("#sheet option")
        .into_iter()
        .map(|o| {
            let o: HtmlOptionElement = o.unchecked_into();
            (o.text(), o.disabled(), o.selected())
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_workbook_is_named_with_its_sheet_and_header_row_and_its_sheets_offered() {
    let sheets = [("Cover", true), ("Orders", false), ("Refunds", false)];
    let page = Page::open(picked_table(
        "orders.xlsx",
        ORDERS_TEXT,
        workbook(&sheets, "Orders"),
        Step::File,
    ))
    .await;
    assert_eq!(
        page.texts("#file-kind"),
        ["7 KB · Excel workbook · sheet Orders · header on row 3"]
    );
    assert_eq!(
        page.texts(".table-notes li"),
        ["formulas are read as their cached values"]
    );
    assert_eq!(
        sheet_options(&page),
        [
            ("Cover (empty)".to_string(), true, false),
            ("Orders".to_string(), false, true),
            ("Refunds".to_string(), false, false),
        ],
        "the empty sheet is marked and cannot be chosen; the one read is selected"
    );
    // The text is ours: only the header row is the user's to say.
    assert!(page.has_label("Header row"));
    for label in ["Format", "Delimiter", "Encoding"] {
        assert!(!page.has_label(label), "no {label} override for a workbook");
    }
    assert_eq!(page.texts(".grid th")[0], "order_id");
    assert!(!disabled(&page.button("Map →")));
}

#[wasm_bindgen_test]
async fn another_sheet_is_read_again_and_every_later_request_names_the_sheet() {
    let sheets = [("Cover", true), ("Orders", false), ("Refunds", false)];
    let mut page = Page::open(picked_table(
        "orders.xlsx",
        ORDERS_TEXT,
        workbook(&sheets, "Orders"),
        Step::File,
    ))
    .await;
    page.sent();
    page.choose(&page.find("#sheet"), "Refunds").await;
    assert!(page.text().contains("Reading orders.xlsx …"));
    match page.sent().as_slice() {
        [Request::Inspect { options, .. }] => assert_eq!(
            options,
            &SourceOptions {
                sheet: Some("Refunds".into()),
                ..SourceOptions::default()
            }
        ),
        other => panic!("expected one Inspect request, got {other:?}"),
    }
    assert_eq!(page.state().options.sheet.as_deref(), Some("Refunds"));

    // The worker read Refunds: the Map step's preview asks for that sheet.
    let refunds = "refund_id,order_id,amount\nR1,O3,4.5\n";
    let info = workbook(&sheets, "Refunds");
    let mut view = inspect::view(
        refunds.as_bytes(),
        true,
        &canonical_options(&info, &SourceOptions::default()),
    )
    .expect("inspectable");
    view.table = Some(info);
    page.answer(Response::Inspected(view)).await;
    assert_eq!(
        page.texts("#file-kind"),
        ["7 KB · Excel workbook · sheet Refunds · header on row 3"]
    );
    page.click(&page.button("Map →")).await;
    let previews: Vec<_> = page
        .sent()
        .into_iter()
        .filter_map(|r| match r {
            Request::Preview { sheet, .. } => Some(sheet),
            _ => None,
        })
        .collect();
    assert!(!previews.is_empty(), "the Map step previews");
    assert!(
        previews.iter().all(|s| s.as_deref() == Some("Refunds")),
        "{previews:?}"
    );
}

#[wasm_bindgen_test]
async fn a_workbook_with_one_sheet_has_no_picker() {
    let page = Page::open(picked_table(
        "orders.xlsx",
        ORDERS_TEXT,
        workbook(&[("Orders", false)], "Orders"),
        Step::File,
    ))
    .await;
    assert!(!page.has("#sheet"));
    assert!(page.texts("#file-kind")[0].contains("sheet Orders"));
}

#[wasm_bindgen_test]
async fn a_parquet_file_says_its_rows_row_groups_and_codecs_and_has_no_overrides() {
    let text = "{\"userId\":\"u1\",\"event\":\"Signed Up\"}\n";
    let page = Page::open(picked_table("events.parquet", text, parquet(), Step::File)).await;
    assert_eq!(
        page.texts("#file-kind"),
        ["7 KB · Parquet file · 1,000 rows in 4 row groups · SNAPPY"]
    );
    assert!(!page.has("#sheet"));
    assert!(!page.has(".overrides"), "nothing to read differently");
}

#[wasm_bindgen_test]
async fn a_tables_check_progress_counts_rows_never_bytes() {
    let page = Page::open(picked_table(
        "events.parquet",
        "{\"userId\":\"u1\",\"event\":\"Signed Up\"}\n",
        parquet(),
        Step::Check,
    ))
    .await;
    // Parquet says how many rows it has: the share is of rows.
    page.answer(Response::CheckProgress(CheckProgress {
        rows: 500.0,
        elapsed_ms: 1_000.0,
        measure: Measure::Rows(1000.0),
        ..CheckProgress::default()
    }))
    .await;
    assert_eq!(
        page.texts(".progress p"),
        ["50% · 500 rows of 1,000 · 500 rows/s · about 1 s left"]
    );
    // A sheet that does not say: no percentage, a busy bar.
    page.answer(Response::CheckProgress(CheckProgress {
        rows: 500.0,
        elapsed_ms: 1_000.0,
        measure: Measure::Unknown,
        ..CheckProgress::default()
    }))
    .await;
    assert_eq!(
        page.texts(".progress p"),
        ["500 rows · 500 rows/s · the total is known at the end"]
    );
    assert!(!page.find(".progress progress").has_attribute("value"));
}

#[wasm_bindgen_test]
fn another_sheet_is_another_import_to_resume() {
    let file = one_file("orders.xlsx", 7480.0, b"PK\x03\x04 a workbook");
    let info = workbook(&[("Orders", false), ("Refunds", false)], "Orders");
    let settings = inspect::view(
        ORDERS_TEXT.as_bytes(),
        true,
        &canonical_options(&info, &SourceOptions::default()),
    )
    .expect("inspectable")
    .settings;
    let mapping = crate::mapping::Mapping::default();
    let id = |sheet| import_id(&file, sheet, &settings, &mapping);
    assert_eq!(id(Some("Orders")), id(Some("Orders")), "a reload finds it");
    assert_ne!(id(Some("Orders")), id(Some("Refunds")));
    assert_ne!(id(Some("Orders")), id(None));
}
