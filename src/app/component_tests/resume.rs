//! Resuming a stopped send: the offer when the same file and mapping come
//! back, Resume (the Send step continues from the kept checkpoint) and
//! Start over, and what the page keeps in `localStorage` as a send goes.

use wasm_bindgen_test::wasm_bindgen_test;

use super::check_step::{done, report};
use super::{after, forget_everything, picked_again, Page, ORDERS};
use crate::app::protocol::{Request, Response, RowAt, SendCheckpoint, SendReport};
use crate::app::resume::{self, SavedRun};
use crate::app::state::{current_import, Action, Resume, State, Step};
use crate::mapping::Mapping;

const LOCAL: &str = "http://localhost:8787/v1/batch";

/// What `localStorage` holds about stopped sends.
fn kept() -> Vec<SavedRun> {
    let s = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage");
    (0..s.length().unwrap_or(0))
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with("segment-backfill.resume."))
        .filter_map(|k| s.get_item(&k).ok().flatten())
        .map(|text| serde_json::from_str(&text).expect("a saved run"))
        .collect()
}

/// A browser that kept a send of ORDERS (as `step` shows it) stopped at one
/// of its two rows; the state after the file is opened again.
fn reopened(step: Step) -> State {
    forget_everything();
    let state = picked_again("orders.csv", ORDERS.as_bytes(), step);
    let import = current_import(&state).expect("a file and a mapping");
    resume::save(&SavedRun {
        rows_done: 1.0,
        saved_at: js_sys::Date::now() - 60_000.0,
        checkpoint: "{\"the\":\"checkpoint\"}".into(),
        ..SavedRun::new(import, LOCAL.into(), 2.0)
    });
    picked_again("orders.csv", ORDERS.as_bytes(), step)
}

#[wasm_bindgen_test]
async fn nothing_is_offered_for_a_file_never_sent() {
    forget_everything();
    let page = Page::open(picked_again("orders.csv", ORDERS.as_bytes(), Step::File)).await;
    assert_eq!(page.state().resume, Resume::None);
    assert!(!page.has("section.resume"));
}

#[wasm_bindgen_test]
async fn the_offer_resumes_from_the_kept_checkpoint_and_a_finished_send_forgets_it() {
    let mut page = Page::open(reopened(Step::File)).await;
    let offer = page
        .find("section.resume")
        .text_content()
        .unwrap_or_default();
    assert!(
        offer.contains("An import of this file stopped at 1 of 2 rows on "),
        "{offer}"
    );
    assert!(offer.contains(LOCAL), "{offer}");
    assert!(page.has_button("Start over"));

    // Resume: the Send step, although nothing was checked in this session,
    // with the endpoint the stopped send used.
    page.click(&page.button("Resume")).await;
    let state = page.state();
    assert_eq!(state.step, Step::Send);
    assert!(matches!(state.resume, Resume::Chosen(_)));
    assert_eq!(state.send_form.preset, "custom");
    assert_eq!(state.send_form.custom_endpoint, LOCAL);
    assert!(
        !page.has("section.resume"),
        "the offer gave way to the note"
    );
    assert!(
        page.text().contains("Resuming: 1 of 2 rows were done on"),
        "{}",
        page.text()
    );
    page.type_text(&page.find("#send-key"), "wk_secret").await;
    page.click(&page.button("Resume sending")).await;
    match page.sent().as_slice() {
        [Request::Send { target, resume, .. }] => {
            assert_eq!(target.endpoint, LOCAL);
            assert_eq!(resume.as_deref(), Some("{\"the\":\"checkpoint\"}"));
        }
        other => panic!("expected one Send request, got {other:?}"),
    }

    // The worker's checkpoints are kept as they come...
    page.answer(Response::SendCheckpoint(SendCheckpoint {
        checkpoint: "{\"newer\":1}".into(),
        rows_done: 2.0,
        delivered_earlier: 1.0,
    }))
    .await;
    let now = kept();
    assert_eq!(now.len(), 1);
    assert_eq!((now[0].rows_done, now[0].rows_total), (2.0, 2.0));
    assert_eq!(now[0].checkpoint, "{\"newer\":1}");
    assert!(!serde_json::to_string(&now[0])
        .unwrap_or_default()
        .contains("wk_secret"));

    // ...and forgotten once every row is accounted for.
    page.answer(Response::Sent(SendReport {
        rows: 2.0,
        delivered: 2.0,
        balanced: true,
        complete: true,
        ..SendReport::default()
    }))
    .await;
    assert!(kept().is_empty());
    assert_eq!(page.state().resume, Resume::None);
    assert!(page.text().contains("delivered (1 before it stopped)"));
}

#[wasm_bindgen_test]
async fn start_over_forgets_the_stopped_send() {
    let page = Page::open(reopened(Step::Map)).await;
    assert!(page.has("section.resume"), "offered on every step");
    page.click(&page.button("Start over")).await;
    assert!(!page.has("section.resume"));
    assert_eq!(page.state().resume, Resume::None);
    assert!(kept().is_empty());
}

#[wasm_bindgen_test]
async fn another_mapping_is_another_import() {
    let page = Page::open(reopened(Step::Map)).await;
    let other = Mapping {
        integrations: serde_json::json!({"All": false}).as_object().cloned(),
        ..page.state().mapping
    };
    let original = page.state().mapping;
    page.dispatch(Action::SetMapping(other, None)).await;
    assert_eq!(page.state().resume, Resume::None, "nothing to resume");
    assert!(!page.has("section.resume"));
    page.dispatch(Action::SetMapping(original, None)).await;
    assert!(
        page.has("section.resume"),
        "offered again with the same mapping"
    );
}

#[wasm_bindgen_test]
async fn a_send_that_stops_can_be_resumed_at_once() {
    forget_everything();
    let state = after(
        picked_again("orders.csv", ORDERS.as_bytes(), Step::Check),
        [
            Action::CheckStarted,
            Action::Worker(Response::Checked(done(report(), None))),
            Action::GoTo(Step::Send),
        ],
    );
    let mut page = Page::open(state).await;
    page.type_text(&page.find("#send-key"), "wk_secret").await;
    page.click(&page.button("Start sending")).await;
    assert!(matches!(
        page.sent().as_slice(),
        [Request::Send { resume: None, .. }]
    ));
    page.answer(Response::SendCheckpoint(SendCheckpoint {
        checkpoint: "{\"cut\":1}".into(),
        rows_done: 5_000.0,
        delivered_earlier: 0.0,
    }))
    .await;
    page.answer(Response::Sent(SendReport {
        rows: 8_000.0,
        delivered: 5_000.0,
        undelivered: 3_000.0,
        undelivered_rows: vec![(RowAt::row(5_002.0), RowAt::row(8_001.0))],
        undelivered_reason: Some("aborted: the import was cancelled".into()),
        balanced: true,
        ..SendReport::default()
    }))
    .await;
    assert!(matches!(page.state().resume, Resume::Chosen(_)));
    assert!(
        page.text()
            .contains("Resuming: 5,000 of 20,000 rows were done on"),
        "{}",
        page.text()
    );
    page.click(&page.button("Resume sending")).await;
    assert!(matches!(
        page.sent().as_slice(),
        [Request::Send { resume: Some(cp), .. }] if cp == "{\"cut\":1}"
    ));
}

#[wasm_bindgen_test]
async fn another_endpoint_starts_from_the_first_row_and_keeps_the_stopped_send() {
    let mut page = Page::open(reopened(Step::File)).await;
    page.click(&page.button("Resume")).await;
    page.choose(&page.find("#send-preset"), "segment-eu").await;
    assert!(
        page.text()
            .contains("another endpoint starts from the first row"),
        "{}",
        page.text()
    );
    page.type_text(&page.find("#send-key"), "wk_secret").await;
    page.click(&page.button("Start sending")).await;
    match page.sent().as_slice() {
        [Request::Send { target, resume, .. }] => {
            assert_eq!(
                target.endpoint,
                "https://events.eu1.segmentapis.com/v1/batch"
            );
            assert_eq!(resume, &None);
        }
        other => panic!("expected one Send request, got {other:?}"),
    }
    page.answer(Response::Sent(SendReport {
        rows: 2.0,
        delivered: 2.0,
        balanced: true,
        complete: true,
        ..SendReport::default()
    }))
    .await;
    let left: Vec<String> = kept().into_iter().map(|r| r.endpoint).collect();
    assert_eq!(
        left,
        [LOCAL],
        "the stopped send to the other endpoint is kept"
    );
    assert!(matches!(page.state().resume, Resume::Offered(_)));
}

/// A send with rows fixed in the grid keeps the edits with its checkpoint;
/// after a reload (no edits in the page) the resumed send carries them.
#[wasm_bindgen_test]
async fn the_edits_are_kept_with_the_send_and_resumed_after_a_reload() {
    use crate::pipeline::{Fixes, RowFix};
    forget_everything();
    let edited = after(
        picked_again("orders.csv", ORDERS.as_bytes(), Step::Send),
        [Action::EditRows(vec![RowFix {
            row: 3,
            cells: [
                "u2",
                "Order Completed",
                "2024-01-03T10:00:00Z",
                "20",
                "free",
            ]
            .map(String::from)
            .to_vec(),
        }])],
    );
    let fixes: Fixes = edited.fixes.clone();
    assert_eq!(fixes.len(), 1);
    let mut page = Page::open(edited).await;
    page.choose(&page.find("#send-preset"), "custom").await;
    page.type_text(&page.find("#send-endpoint"), LOCAL).await;
    page.type_text(&page.find("#send-key"), "wk_secret").await;
    page.click(&page.button("Start sending")).await;
    match page.sent().as_slice() {
        [Request::Send { fixes: sent, .. }] => assert_eq!(sent, &fixes),
        other => panic!("expected one Send request, got {other:?}"),
    }
    page.answer(Response::SendCheckpoint(SendCheckpoint {
        checkpoint: "{\"cp\":1}".into(),
        rows_done: 1.0,
        delivered_earlier: 0.0,
    }))
    .await;
    assert_eq!(kept()[0].fixes, fixes, "kept with the checkpoint");
    drop(page);

    // A reload: the same file, no edits in the page; Resume sends the kept ones.
    let mut page = Page::open(picked_again("orders.csv", ORDERS.as_bytes(), Step::File)).await;
    assert!(page.state().fixes.is_empty());
    page.click(&page.button("Resume")).await;
    page.type_text(&page.find("#send-key"), "wk_secret").await;
    page.click(&page.button("Resume sending")).await;
    match page.sent().as_slice() {
        [Request::Send {
            fixes: sent,
            resume,
            ..
        }] => {
            assert_eq!(sent, &fixes);
            assert_eq!(resume.as_deref(), Some("{\"cp\":1}"));
        }
        other => panic!("expected one Send request, got {other:?}"),
    }
}
