//! Step 4: the destination form (masked key, endpoint rules, advanced
//! settings), the buttons at each stage, progress and the reconciliation.

use serde_json::json;
use wasm_bindgen_test::wasm_bindgen_test;

use super::check_step::{done, report};
use super::{after, disabled, picked, value, Page, ORDERS};
use crate::app::protocol::{Request, Response, SendProgress, SendReport, SendTarget};
use crate::app::state::{Action, SendState, State, Step};

const KEY_STORAGE: &str = "segment-backfill.writeKey";

/// The Send step after a check that found 19,967 valid and 33 rejected rows.
fn checked() -> State {
    after(
        picked("orders.csv", ORDERS.as_bytes(), Step::Check),
        [
            Action::CheckStarted,
            Action::Worker(Response::Checked(done(report(), None))),
            Action::GoTo(Step::Send),
        ],
    )
}

fn stored_key() -> Option<String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(KEY_STORAGE).ok().flatten())
}

/// The one Send request among `requests`.
fn sent_target(requests: &[Request]) -> SendTarget {
    match requests {
        [Request::Send { target, .. }] => target.clone(),
        other => panic!("expected one Send request, got {other:?}"),
    }
}

/// Presses Start and expects a refusal naming `problem`; nothing is sent.
async fn refused(page: &mut Page, problem: &str, hint: &str) {
    page.click(&page.button("Start sending")).await;
    assert!(page.sent().is_empty(), "nothing sent ({problem})");
    assert_eq!(page.state().send, SendState::Idle);
    let banner = page.find("[role=alert]").text_content().unwrap();
    assert!(banner.contains(problem), "{banner}");
    assert!(banner.contains(hint), "{banner}");
    page.click(&page.button("Dismiss")).await;
}

#[wasm_bindgen_test]
async fn the_write_key_is_masked_and_plain_http_is_for_this_machine_only() {
    let mut page = Page::open(checked()).await;
    assert!(
        page.text()
            .contains("19,967 messages will be sent; 33 rejected rows will not (see Check)."),
        "{}",
        page.text()
    );

    let key = page.find("#send-key");
    assert_eq!(key.get_attribute("type").as_deref(), Some("password"));
    page.type_text(&key, "wk_secret").await;
    assert_eq!(page.state().send_form.write_key, "wk_secret");
    assert_eq!(key.get_attribute("type").as_deref(), Some("password"));
    page.click(&page.button("Show")).await;
    assert_eq!(key.get_attribute("type").as_deref(), Some("text"));
    assert_eq!(
        page.button("Hide").get_attribute("aria-pressed").as_deref(),
        Some("true")
    );
    page.click(&page.button("Hide")).await;
    assert_eq!(key.get_attribute("type").as_deref(), Some("password"));

    // The presets; this page runs on 127.0.0.1, so the local receiver too.
    let options: Vec<String> = page.all("#send-preset option").iter().map(value).collect();
    assert_eq!(options, ["us", "eu", "local", "custom"]);
    assert_eq!(value(&page.find("#send-preset")), "us");
    assert!(
        !page.has("#send-endpoint"),
        "a URL only for a custom endpoint"
    );
    page.choose(&page.find("#send-preset"), "custom").await;
    let url = page.find("#send-endpoint");
    for bad in [
        "http://example.com/v1/batch",
        "http://localhost.example.com/v1/batch",
        "http://127.0.0.1.example.com/v1/batch",
        "ftp://127.0.0.1/v1/batch",
        "api.segment.io/v1/batch",
        "http://[::1].example.com/v1/batch",
    ] {
        page.type_text(&url, bad).await;
        refused(
            &mut page,
            &format!("The endpoint \"{bad}\" is not an https:// address"),
            "What to do: Use https://… (plain http only for 127.0.0.1 or localhost).",
        )
        .await;
    }
    for good in [
        "https://example.com/v1/batch",
        "http://localhost:8787/v1/batch",
        "http://127.0.0.1/v1/batch",
        "http://[::1]:8787/v1/batch",
    ] {
        let mut page = Page::open(checked()).await;
        page.type_text(&page.find("#send-key"), "wk_secret").await;
        page.choose(&page.find("#send-preset"), "custom").await;
        page.type_text(&page.find("#send-endpoint"), good).await;
        page.click(&page.button("Start sending")).await;
        assert_eq!(sent_target(&page.sent()).endpoint, good);
    }
}

#[wasm_bindgen_test]
async fn start_sends_the_form_as_set() {
    let mut page = Page::open(checked()).await;
    refused(&mut page, "No write key", "What to do: Copy the write key").await;

    page.type_text(&page.find("#send-key"), "  wk_secret ")
        .await;
    page.choose(&page.find("#send-preset"), "custom").await;
    page.type_text(
        &page.find("#send-endpoint"),
        "http://localhost:8787/v1/batch",
    )
    .await;
    let integrations = page.labelled("Integrations (JSON, optional)", "textarea");
    page.type_text(&integrations, "{All: false}").await;
    refused(
        &mut page,
        "The integrations are not a JSON object",
        "{\"All\": false, \"Amplitude\": true}",
    )
    .await;
    page.type_text(&integrations, r#"{"All": false, "Vero": true}"#)
        .await;
    page.choose(&page.labelled("Requests at once", "select"), "8")
        .await;
    page.choose(&page.labelled("The write key travels", "select"), "basic")
        .await;

    page.click(&page.button("Start sending")).await;
    let state = page.state();
    match page.sent().as_slice() {
        [Request::Send {
            target,
            mapping,
            settings,
            ..
        }] => {
            assert_eq!(
                target,
                &SendTarget {
                    endpoint: "http://localhost:8787/v1/batch".into(),
                    write_key: "wk_secret".into(),
                    concurrency: 8,
                    basic_auth: true,
                    integrations: json!({"All": false, "Vero": true}).as_object().cloned(),
                }
            );
            assert_eq!(mapping, &state.mapping);
            assert_eq!(
                Some(settings),
                state.inspection.as_ref().map(|v| &v.settings)
            );
        }
        other => panic!("expected one Send request, got {other:?}"),
    }
    assert!(matches!(state.send, SendState::Running(_)));
    assert!(!page.has("[role=alert]"), "no error left over");
    assert_eq!(stored_key(), None, "the key is not remembered unasked");
}

#[wasm_bindgen_test]
async fn buttons_progress_and_the_reconciliation_at_each_stage() {
    let mut page = Page::open(checked()).await;
    page.type_text(&page.find("#send-key"), "wk_secret").await;
    page.choose(&page.find("#send-preset"), "eu").await;
    assert!(!disabled(&page.button("Start sending")));
    assert!(!page.has_button("Cancel"), "nothing to cancel yet");
    page.click(&page.button("Start sending")).await;
    assert_eq!(
        sent_target(&page.sent()).endpoint,
        "https://events.eu1.segmentapis.com/v1/batch"
    );

    // Sending: Cancel only; the form and the other steps are locked.
    assert!(page.text().contains("Starting…"));
    assert!(!page.has_button("Start sending"));
    assert!(!disabled(&page.button("Cancel")));
    assert!(disabled(&page.find("#send-key")));
    assert!(disabled(&page.find("#send-preset")));
    for step in ["1File", "2Map", "3Check"] {
        let b = page.button(step);
        assert!(disabled(&b), "{step}");
        assert_eq!(b.title(), "Sending: cancel it first.");
    }
    assert!(disabled(&page.button("← Check")));

    page.answer(Response::SendProgress(SendProgress {
        bytes: 500_000.0,
        total: 1_000_000.0,
        rows: 10_000.0,
        rejected: 0.0,
        delivered: 8_000.0,
        retries: 2.0,
        in_flight: 3.0,
        note: Some("retrying a batch after HTTP 503".into()),
        elapsed_ms: 4_000.0,
    }))
    .await;
    assert!(
        page.text().contains(
            "50% read · 8,000 delivered · 2,000 messages/s · 3 in flight · 2 retries · 500 KB of 1.0 MB · about 6 s left"
        ),
        "{}",
        page.text()
    );
    assert!(page.text().contains("retrying a batch after HTTP 503"));

    page.click(&page.button("Cancel")).await;
    assert!(matches!(page.sent().as_slice(), [Request::Cancel]));

    page.answer(Response::Sent(SendReport {
        rows: 20_000.0,
        delivered: 19_966.0,
        rejected: 34.0,
        rejected_by_server: 1.0,
        undelivered: 0.0,
        undelivered_rows: vec![],
        undelivered_reason: None,
        balanced: true,
        complete: true,
        error: None,
        server_rejected: vec![(42.0, "message is too large".into())],
        requests: 10.0,
        retries: 2.0,
        elapsed_ms: 12_000.0,
    }))
    .await;
    assert_eq!(
        page.texts(".reconciliation h3"),
        [
            "Done: every row is accounted for",
            "Refused by the endpoint"
        ]
    );
    let tile = |id: &str| page.find(id).text_content().unwrap();
    assert_eq!(
        [
            tile("#sent-rows"),
            tile("#sent-delivered"),
            tile("#sent-rejected"),
            tile("#sent-undelivered")
        ],
        ["20,000", "19,966", "34", "0"]
    );
    assert!(page.text().contains(
        "rows = delivered + rejected + not delivered: balanced. 10 requests, 2 retries, 12 s."
    ));
    assert!(page.text().contains("rejected (1 by the endpoint)"));
    assert_eq!(
        page.texts(".reconciliation li"),
        ["row 42: message is too large"]
    );

    // Done: the form and the steps are open again; another run is offered.
    assert!(!disabled(&page.find("#send-key")));
    assert!(!disabled(&page.button("1File")));
    page.click(&page.button("Send again")).await;
    assert_eq!(
        sent_target(&page.sent()).endpoint,
        "https://events.eu1.segmentapis.com/v1/batch"
    );
}

#[wasm_bindgen_test]
async fn rows_not_delivered_are_named() {
    let mut page = Page::open(checked()).await;
    page.type_text(&page.find("#send-key"), "wk_wrong").await;
    page.click(&page.button("Start sending")).await;
    page.sent();
    page.answer(Response::Sent(SendReport {
        rows: 20_000.0,
        delivered: 19_962.0,
        rejected: 33.0,
        undelivered: 5.0,
        undelivered_rows: vec![(5.0, 8.0), (12.0, 12.0)],
        undelivered_reason: Some("the endpoint answered 401: check the write key".into()),
        balanced: true,
        complete: false,
        requests: 3.0,
        elapsed_ms: 900.0,
        ..SendReport::default()
    }))
    .await;
    assert_eq!(
        page.texts(".reconciliation h3"),
        ["Stopped: some rows were not delivered"]
    );
    assert_eq!(page.find("#sent-undelivered").text_content().unwrap(), "5");
    let banner = page
        .find(".reconciliation [role=alert]")
        .text_content()
        .unwrap();
    assert!(
        banner
            .contains("5 rows were not delivered: the endpoint answered 401: check the write key"),
        "{banner}"
    );
    assert!(
        banner.contains("Rows 5–8, 12. Sending again is safe"),
        "{banner}"
    );
    assert!(page
        .text()
        .contains("balanced. 3 requests, 0 retries, under a second."));
}

#[wasm_bindgen_test]
async fn the_key_is_remembered_only_when_ticked() {
    let page = Page::open(checked()).await;
    let remember = page.labelled("Remember the write key", "input");
    page.click(&remember).await;
    assert!(page.state().send_form.remember_key);
    page.type_text(&page.find("#send-key"), "wk_keep").await;
    assert_eq!(stored_key(), None, "only once a send starts");
    page.click(&page.button("Start sending")).await;
    assert_eq!(stored_key().as_deref(), Some("wk_keep"));
    drop(page);

    // A new visit: the key and the tick come back.
    let state = checked();
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .unwrap()
        .set_item(KEY_STORAGE, "wk_keep")
        .unwrap();
    let page = Page::open(state).await;
    assert_eq!(value(&page.find("#send-key")), "wk_keep");
    let remember = page.labelled("Remember the write key", "input");
    assert!(page.state().send_form.remember_key);
    // Unticking forgets it at once.
    page.click(&remember).await;
    assert_eq!(stored_key(), None);
    assert!(!page.state().send_form.remember_key);
}
