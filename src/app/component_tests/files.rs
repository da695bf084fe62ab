//! Several files as one import: picked or dropped together, or a folder;
//! the File step's list (order, names, sizes, how each reads, what a folder
//! left out); the Map step's preview naming a file that lacks a column;
//! the Check and Send steps' per-file breakdown and rows named by file; and
//! the resume offer of the same set of files.

use wasm_bindgen_test::wasm_bindgen_test;

use super::check_step::{done, report};
use super::{after, disabled, files_view, forget_everything, Downloads, Page};
use crate::app::protocol::{
    CheckProgress, FileCountsView, FileReportView, Input, Measure, Request, Response, RowAt,
    SendReport,
};
use crate::app::resume::{self, SavedRun};
use crate::app::state::{
    current_import, Action, CheckState, Picked, PickedFile, Resume, State, Step,
};
use crate::fileset::FileOrder;
use crate::source::SourceOptions;

/// Three months of orders, each with its own delimiter; March has a row
/// without a user.
const JAN: &str = "order_id,user_id,event,created_at\nA1,u1,Order Completed,2024-01-02T10:00:00Z\nA2,u2,Order Completed,2024-01-03T10:00:00Z\n";
const FEB: &str = "order_id;user_id;event;created_at\nB1;u3;Order Completed;2024-02-02T10:00:00Z\n";
const MAR: &str = "order_id\tuser_id\tevent\tcreated_at\nC1\t\tOrder Completed\t2024-03-02T10:00:00Z\nC2\tu5\tOrder Completed\t2024-03-03T10:00:00Z\n";

/// The files as a user would pick them (out of order, as a file manager may).
fn months() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("orders-10.csv", MAR.as_bytes()),
        ("orders-2.csv", FEB.as_bytes()),
        ("orders-1.csv", JAN.as_bytes()),
    ]
}

/// Each body row of `table`: its cells' texts.
fn cells(page: &Page, table: &str) -> Vec<Vec<String>> {
    page.all(&format!("{table} tbody tr"))
        .iter()
        .map(|tr| {
            let list = tr.children();
            (0..list.length())
                .filter_map(|i| list.item(i))
                .map(|c| super::squash(&c.text_content().unwrap_or_default()))
                .collect()
        })
        .collect()
}

/// The one request among `requests`, which must be an InspectFiles: its
/// files' names, in the order sent.
fn inspected_names(requests: &[Request]) -> Vec<String> {
    match requests {
        [Request::InspectFiles { files, options }, ..] => {
            assert_eq!(options, &SourceOptions::default());
            files.iter().map(|f| f.name.clone()).collect()
        }
        other => panic!("expected an InspectFiles request, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn several_files_picked_are_one_import_in_natural_order() {
    forget_everything();
    let mut page = Page::open(State::default()).await;
    let input = page.find("#file-input");
    assert!(
        input.has_attribute("multiple"),
        "the chooser takes several files"
    );
    page.pick_files(&input, &months(), &[]).await;
    assert!(page.text().contains("Reading 3 files …"), "{}", page.text());
    let seen = page.serve().await;
    assert_eq!(
        inspected_names(&seen),
        ["orders-1.csv", "orders-2.csv", "orders-10.csv"],
        "orders-2 before orders-10"
    );

    assert_eq!(page.find("#file-h").text_content().unwrap(), "3 files");
    let kind = page.texts("#file-kind");
    assert_eq!(
        kind,
        [format!(
            "{} bytes in all · one import: one mapping, one check, one send · read in the natural order of the names (orders-2 before orders-10)",
            JAN.len() + FEB.len() + MAR.len()
        )]
    );
    let header = ", UTF-8, first row is the header";
    let row = |n: &str, name: &str, size: usize, delimiter: &str| {
        vec![
            n.to_string(),
            name.to_string(),
            format!("{size} bytes"),
            format!("delimited text, {delimiter}{header}"),
        ]
    };
    assert_eq!(
        cells(&page, "#file-list"),
        [
            row("1", "orders-1.csv", JAN.len(), "comma"),
            row("2", "orders-2.csv", FEB.len(), "semicolon"),
            row("3", "orders-10.csv", MAR.len(), "tab"),
        ]
    );
    assert_eq!(page.all("#file-list tr.previewed").len(), 1);
    assert!(
        page.text()
            .contains("The first rows below, and the mapping suggested, are from orders-1.csv."),
        "{}",
        page.text()
    );
    assert_eq!(
        page.texts(".grid th"),
        ["order_id", "user_id", "event", "created_at"]
    );
    assert_eq!(page.texts(".grid tbody tr:first-child td")[0], "A1");
    assert!(!page.has("#sheet"), "no sheet picker for several files");
    assert!(!disabled(&page.button("Map →")));

    // The check reads every file, in that order, with the user's overrides.
    let state = after(page.state(), [Action::GoTo(Step::Check)]);
    let picked = state.file.as_ref().expect("picked");
    assert!(picked.several);
    assert_eq!(picked.order, FileOrder::Natural);
    match crate::app::state::input(&state) {
        Some(Input::Files { files, options }) => {
            let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(names, ["orders-1.csv", "orders-2.csv", "orders-10.csv"]);
            assert_eq!(options, SourceOptions::default());
        }
        other => panic!("expected the files, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn one_file_picked_is_read_exactly_as_always() {
    forget_everything();
    let mut page = Page::open(State::default()).await;
    page.pick_files(
        &page.find("#file-input"),
        &[("orders-1.csv", JAN.as_bytes())],
        &[],
    )
    .await;
    match page.serve().await.as_slice() {
        [Request::Inspect { .. }, ..] => {}
        other => panic!("one file is inspected alone, got {other:?}"),
    }
    assert_eq!(page.find("#file-h").text_content().unwrap(), "orders-1.csv");
    assert!(!page.has("#file-list"));
    let state = page.state();
    assert!(!state.file.as_ref().expect("picked").several);
    assert!(matches!(
        crate::app::state::input(&state),
        Some(Input::One { .. })
    ));
}

#[wasm_bindgen_test]
async fn files_dropped_together_are_one_import() {
    forget_everything();
    let mut page = Page::open(State::default()).await;
    page.drop_files(&page.find("section.drop"), &months()).await;
    // (A dropped file is read after the drop event: give it a turn.)
    page.until("the files picked", |p| p.state().file.is_some())
        .await;
    let seen = page.serve().await;
    assert_eq!(
        inspected_names(&seen),
        ["orders-1.csv", "orders-2.csv", "orders-10.csv"]
    );
    assert_eq!(page.find("#file-h").text_content().unwrap(), "3 files");
    assert_eq!(page.all("#file-list tbody tr").len(), 3);
}

#[wasm_bindgen_test]
async fn a_folder_is_the_root_and_leaves_out_hidden_and_non_data_files() {
    forget_everything();
    let mut page = Page::open(State::default()).await;
    // This browser picks folders: the button is there.
    let folder = page.find("#folder-input");
    assert!(folder.has_attribute("webkitdirectory"));
    let files: Vec<(&str, &[u8])> = vec![
        ("orders-1.csv", JAN.as_bytes()),
        (".DS_Store", b"\x00\x00\x00\x01Bud1"),
        ("README.md", b"# exports\n"),
        ("orders-2.csv", FEB.as_bytes()),
    ];
    let paths = [
        "exports/orders-1.csv",
        "exports/.DS_Store",
        "exports/README.md",
        "exports/2024/orders-2.csv",
    ];
    page.pick_files(&folder, &files, &paths).await;
    let seen = page.serve().await;
    assert_eq!(
        inspected_names(&seen),
        ["2024/orders-2.csv", "orders-1.csv"],
        "named within the folder picked, as `segment-backfill send exports/` names them"
    );
    assert_eq!(
        page.find("#file-h").text_content().unwrap(),
        "2 files in exports"
    );
    assert_eq!(
        page.texts("#skipped-files summary"),
        ["2 files left out of the folder (hidden, or not data)"]
    );
    assert_eq!(
        page.texts("#skipped-files li"),
        [".DS_Store (hidden)", "README.md (not a data file)"]
    );
    assert!(page.state().file.as_ref().is_some_and(|f| f.several));
}

#[wasm_bindgen_test]
async fn a_folder_of_nothing_to_read_is_refused_saying_what_was_left_out() {
    forget_everything();
    let mut page = Page::open(State::default()).await;
    page.pick_files(
        &page.find("#folder-input"),
        &[("notes.md", b"# notes\n"), (".hidden", b"x")],
        &["docs/notes.md", "docs/.hidden"],
    )
    .await;
    assert!(page.sent().is_empty(), "nothing to inspect");
    let alert = page.find("[role=alert]").text_content().unwrap();
    assert!(
        alert.contains("No data file in what was picked (left out: notes.md (not a data file), .hidden (hidden))"),
        "{alert}"
    );
}

/// The state after `files` were picked together and inspected (by the
/// worker's own code), on `step`.
async fn several(files: &[(&str, &[u8])], step: Step) -> State {
    forget_everything();
    let picked = Picked::several(
        files
            .iter()
            .map(|(name, bytes)| PickedFile {
                name: name.to_string(),
                size: bytes.len() as f64,
                blob: super::blob(bytes),
            })
            .collect(),
        Vec::new(),
        None,
    )
    .expect("a set");
    let view = files_view(&picked.named_files(), &SourceOptions::default())
        .await
        .expect("inspectable");
    after(
        State::default(),
        [
            Action::Picked(picked),
            Action::Worker(Response::InspectedFiles(view)),
            Action::GoTo(step),
        ],
    )
}

#[wasm_bindgen_test]
async fn the_preview_names_a_file_lacking_a_mapped_column() {
    // February's export names its user column otherwise.
    let feb = FEB.replace("user_id", "customer");
    let state = several(
        &[
            ("orders-1.csv", JAN.as_bytes()),
            ("orders-2.csv", feb.as_bytes()),
        ],
        Step::Map,
    )
    .await;
    let mut page = Page::open(state).await;
    page.serve().await;
    let preview = page.state().preview.expect("a preview");
    let error = preview.error.clone().expect("an error");
    assert!(error.starts_with("orders-2.csv: "), "{error}");
    assert!(error.contains("user_id"), "{error}");
    assert!(page.text().contains("orders-2.csv: "), "{}", page.text());
    let check = page.button("3Check");
    assert!(
        disabled(&check),
        "nothing checked or sent while a file lacks a column"
    );
}

#[wasm_bindgen_test]
async fn the_check_names_rows_by_file_and_shows_each_file() {
    let state = several(
        &[
            ("orders-1.csv", JAN.as_bytes()),
            ("orders-2.csv", FEB.as_bytes()),
            ("orders-3.csv", MAR.as_bytes()),
        ],
        Step::Check,
    )
    .await;
    let mut page = Page::open(state).await;
    match page.sent().as_slice() {
        [Request::Check {
            input: Input::Files { files, .. },
            fixes,
            ..
        }] => {
            assert_eq!(files.len(), 3);
            assert!(fixes.is_empty());
        }
        other => panic!("expected one Check of the files, got {other:?}"),
    }
    assert_eq!(
        page.find("#check-h").text_content().unwrap(),
        "Check every file"
    );
    page.answer(Response::CheckProgress(CheckProgress {
        bytes: 100.0,
        total: 400.0,
        rows: 3.0,
        elapsed_ms: 1_000.0,
        measure: Measure::Bytes,
        file: Some((2.0, 3.0)),
    }))
    .await;
    assert!(
        page.text()
            .contains("25% · 3 rows · file 2 of 3 · 3 rows/s · 100 bytes of 400 bytes"),
        "{}",
        page.text()
    );

    let mut r = report();
    r.rows = 5.0;
    r.valid = 4.0;
    r.rejected = 1.0;
    r.findings.truncate(1);
    r.findings[0].rows = 1.0;
    r.findings[0].count = 1.0;
    r.findings[0].examples = vec![(
        RowAt {
            file: Some("orders-3.csv".into()),
            row: 2.0,
        },
        "user_id: neither userId nor anonymousId is set".into(),
    )];
    r.rejected_several_reasons = 0.0;
    let share = |file: &str, rows: f64, rejected: f64| FileCountsView {
        file: file.into(),
        rows,
        valid: rows - rejected,
        rejected,
        empty: false,
    };
    r.files = vec![
        share("orders-1.csv", 2.0, 0.0),
        share("orders-2.csv", 1.0, 0.0),
        share("orders-3.csv", 2.0, 1.0),
    ];
    page.answer(Response::Checked(done(r, None))).await;
    assert!(matches!(page.state().check, CheckState::Done(_)));
    assert_eq!(
        page.texts("details.finding.error li"),
        ["orders-3.csv row 2: user_id: neither userId nor anonymousId is set"]
    );
    assert_eq!(
        cells(&page, "#check-files"),
        [
            ["orders-1.csv", "2", "2", "0"],
            ["orders-2.csv", "1", "1", "0"],
            ["orders-3.csv", "2", "1", "1"]
        ]
    );
    assert!(
        !page.has(".fix-table"),
        "no edits offered for rows of several files"
    );
    assert!(
        page.texts("#no-fixes")[0]
            .starts_with("Rejected rows of several files are not edited here"),
        "{}",
        page.text()
    );
}

/// A send of three files, the third cut short.
fn sent_files() -> SendReport {
    let share =
        |file: &str, rows: f64, delivered: f64, rejected: f64, undelivered: f64| FileReportView {
            file: file.into(),
            rows,
            valid: rows - rejected,
            rejected,
            delivered,
            undelivered,
            previously_delivered: 0.0,
            empty: false,
        };
    let at = |file: &str, row: f64| RowAt {
        file: Some(file.into()),
        row,
    };
    SendReport {
        rows: 5.0,
        delivered: 3.0,
        rejected: 1.0,
        undelivered: 1.0,
        undelivered_rows: vec![(at("orders-3.csv", 3.0), at("orders-3.csv", 3.0))],
        undelivered_reason: Some("cancelled".into()),
        balanced: true,
        complete: false,
        rejects: super::blob(b"file,row,line,code,reason,order_id,user_id,event,created_at\n")
            .into(),
        files: vec![
            share("orders-1.csv", 2.0, 2.0, 0.0, 0.0),
            share("orders-2.csv", 1.0, 1.0, 0.0, 0.0),
            share("orders-3.csv", 2.0, 0.0, 1.0, 1.0),
        ],
        ..SendReport::default()
    }
}

#[wasm_bindgen_test]
async fn the_send_shows_where_each_files_rows_went() {
    let mut state = several(
        &[
            ("orders-1.csv", JAN.as_bytes()),
            ("orders-2.csv", FEB.as_bytes()),
            ("orders-3.csv", MAR.as_bytes()),
        ],
        Step::Check,
    )
    .await;
    state = after(
        state,
        [
            Action::CheckStarted,
            Action::Worker(Response::Checked(done(report(), None))),
            Action::GoTo(Step::Send),
            Action::SendStarted,
            Action::Worker(Response::Sent(sent_files())),
        ],
    );
    let downloads = Downloads::capture();
    let page = Page::open(state).await;
    assert_eq!(
        cells(&page, "#sent-files"),
        [
            ["orders-1.csv", "2", "2", "0", "0"],
            ["orders-2.csv", "1", "1", "0", "0"],
            ["orders-3.csv", "2", "0", "1", "1"]
        ]
    );
    assert_eq!(
        page.all("#sent-files tr.bad").len(),
        1,
        "the file with rows not delivered stands out"
    );
    assert!(
        page.text()
            .contains("Rows orders-3.csv row 3. Sending again is safe"),
        "{}",
        page.text()
    );

    page.click(&page.find("#download-reconciliation")).await;
    let got = downloads.list();
    let json: serde_json::Value =
        serde_json::from_str(&downloads.text(&got[0].1).await).expect("json");
    assert_eq!(
        json["file"],
        serde_json::Value::Null,
        "several files, not one"
    );
    assert_eq!(json["files"][2]["name"], "orders-3.csv");
    assert_eq!(json["files"][2]["bytes"], MAR.len());
    assert_eq!(json["files"][2]["undelivered"], 1);
    assert_eq!(
        json["undeliveredRows"],
        serde_json::json!([{"file": "orders-3.csv", "from": 3, "to": 3}])
    );
}

#[wasm_bindgen_test]
async fn the_same_files_again_offer_their_stopped_send_and_another_set_does_not() {
    let files: Vec<(&str, &[u8])> = vec![
        ("orders-1.csv", JAN.as_bytes()),
        ("orders-2.csv", FEB.as_bytes()),
    ];
    let state = several(&files, Step::File).await;
    let import = current_import(&state).expect("an import");
    resume::save(&SavedRun {
        rows_done: 2.0,
        saved_at: js_sys::Date::now() - 60_000.0,
        checkpoint: "{\"cp\":1}".into(),
        ..SavedRun::new(import.clone(), "http://localhost:8787/v1/batch".into(), 3.0)
    });
    // The same files picked again (the same File objects: same names,
    // sizes and dates).
    let picked = state.file.clone().expect("picked");
    let view = state.files.as_deref().cloned().expect("the files' view");
    let again = after(
        State::default(),
        [
            Action::Picked(picked.clone()),
            Action::Worker(Response::InspectedFiles(view.clone())),
        ],
    );
    assert_eq!(
        current_import(&again).as_ref(),
        Some(&import),
        "the same files, the same import"
    );
    assert!(matches!(again.resume, Resume::Offered(_)));
    let page = Page::open(again).await;
    let offer = page
        .find("section.resume")
        .text_content()
        .unwrap_or_default();
    assert!(
        offer.contains("An import of these files stopped at 2 of 3 rows on "),
        "{offer}"
    );
    drop(page);

    // One file fewer: another import, nothing offered.
    let mut fewer = picked.clone();
    fewer.files.truncate(1);
    let other = after(
        State::default(),
        [
            Action::Picked(fewer),
            Action::Worker(Response::InspectedFiles(view)),
        ],
    );
    assert_ne!(current_import(&other), Some(import));
    assert_eq!(other.resume, Resume::None);
}
