//! Step 4: the destination form (masked key, endpoint rules, advanced
//! settings), the buttons at each stage, progress and the reconciliation.

use serde_json::json;
use wasm_bindgen_test::wasm_bindgen_test;

use super::check_step::{done, report};
use super::{after, blob, disabled, picked, value, Downloads, Page, ORDERS};
use crate::app::protocol::{Input, Request, Response, RowAt, SendProgress, SendReport, SendTarget};
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
    assert_eq!(
        options,
        [
            "segment-us",
            "segment-eu",
            "rudderstack",
            "jitsu",
            "hightouch",
            "local",
            "custom"
        ]
    );
    assert_eq!(value(&page.find("#send-preset")), "segment-us");
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
        // The core's rule and words (as the CLI's and the package's), naming
        // the address.
        refused(
            &mut page,
            bad,
            "What to do: Use https://… (plain http only for 127.0.0.1, localhost or [::1]).",
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
            input: Input::One { settings, .. },
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
                    target: "custom".into(),
                    key_check: true,
                    settings_url: None,
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
    page.choose(&page.find("#send-preset"), "segment-eu").await;
    assert!(!disabled(&page.button("Start sending")));
    assert!(!page.has_button("Cancel"), "nothing to cancel yet");
    assert!(!page.has_button("Pause"), "nothing to pause yet");
    page.click(&page.button("Start sending")).await;
    assert_eq!(
        sent_target(&page.sent()).endpoint,
        "https://events.eu1.segmentapis.com/v1/batch"
    );

    // Sending: Pause and Cancel; the form and the other steps are locked.
    assert!(page.text().contains("Starting…"));
    assert!(!page.has_button("Start sending"));
    assert!(!disabled(&page.button("Pause")));
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
        messages_per_s: Some(2_000.0),
        eta_s: Some(6.0),
        wire_bytes: 1_000_000.0,
        json_bytes: 5_100_000.0,
        ..SendProgress::default()
    }))
    .await;
    assert!(
        page.text().contains(
            "8,000 of 19,967 rows delivered (40%) · 50% read · 2,000 messages/s · 3 in flight · 2 retries · 500 KB of 1.0 MB · about 6 s left"
        ),
        "{}",
        page.text()
    );
    // Bytes on the wire and the gzip ratio.
    assert_eq!(
        page.texts("#send-wire"),
        ["1.0 MB on the wire, 5.1× smaller than the 5.1 MB of JSON (gzip)"]
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
        server_rejected: vec![(RowAt::row(42.0), "message is too large".into())],
        requests: 10.0,
        retries: 2.0,
        elapsed_ms: 12_000.0,
        ..SendReport::default()
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
    assert!(!page.has_button("Pause"));
    assert!(!page.has_button("Cancel"));
    assert!(!disabled(&page.find("#send-key")));
    assert!(!disabled(&page.button("1File")));
    // Sending again asks first; "no" keeps the result.
    page.click(&page.button("Send again")).await;
    assert!(page.sent().is_empty(), "nothing sent before the answer");
    assert!(page
        .find("#confirm-again")
        .text_content()
        .unwrap_or_default()
        .starts_with("Send the whole file again?"));
    assert_eq!(focused_text().as_deref(), Some("Yes, send again"));
    page.click(&page.button("No, keep this result")).await;
    assert!(!page.has("#confirm-again"));
    assert!(page.sent().is_empty());
    assert!(matches!(page.state().send, SendState::Done(_)));
    page.click(&page.button("Send again")).await;
    page.click(&page.button("Yes, send again")).await;
    assert!(!page.has("#confirm-again"));
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
        undelivered_rows: vec![rows(5.0, 8.0), rows(12.0, 12.0)],
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

/// The progress lines of the Send step.
fn progress_text(page: &Page) -> String {
    page.texts(".progress p").join(" | ")
}

fn focused_text() -> Option<String> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .and_then(|e| e.text_content())
}

fn focused_id() -> Option<String> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .map(|e| e.id())
}

#[wasm_bindgen_test]
async fn pause_resume_and_cancel_while_paused() {
    let mut page = Page::open(checked()).await;
    page.type_text(&page.find("#send-key"), "wk_secret").await;
    page.click(&page.button("Start sending")).await;
    sent_target(&page.sent());
    let running = SendProgress {
        bytes: 500_000.0,
        total: 1_000_000.0,
        rows: 10_000.0,
        delivered: 8_000.0,
        in_flight: 2.0,
        elapsed_ms: 4_000.0,
        ..SendProgress::default()
    };
    page.answer(Response::SendProgress(running.clone())).await;

    // Pause: the worker is told; the same button (keeping the keyboard's
    // focus) now resumes; Cancel stays.
    let toggle = page.button("Pause");
    toggle.focus().unwrap();
    page.click(&toggle).await;
    assert!(matches!(page.sent().as_slice(), [Request::Pause]));
    assert!(page.state().send_paused);
    assert_eq!(page.button("Resume").id(), "pause-send");
    assert_eq!(focused_id().as_deref(), Some("pause-send"));
    assert!(!disabled(&page.button("Cancel")));
    assert!(!page.has_button("Pause"));
    assert!(
        progress_text(&page).starts_with("Pausing…"),
        "{}",
        progress_text(&page)
    );

    // The worker confirms; the requests in flight finish, then it is paused.
    let paused = SendProgress {
        paused: true,
        elapsed_ms: 4_500.0,
        ..running.clone()
    };
    page.answer(Response::SendProgress(paused.clone())).await;
    assert_eq!(
        progress_text(&page),
        "Pausing: waiting for the answers to 2 requests in flight… | \
         8,000 of 19,967 rows delivered (40%) · 50% read · 2 in flight · 0 retries · 500 KB of 1.0 MB"
    );
    page.answer(Response::SendProgress(SendProgress {
        delivered: 9_000.0,
        in_flight: 0.0,
        elapsed_ms: 60_000.0,
        paused_ms: 55_000.0,
        ..paused.clone()
    }))
    .await;
    assert_eq!(
        progress_text(&page),
        "Paused. Nothing is sent and the file is not read until you resume; \
         Cancel ends the send here. | \
         9,000 of 19,967 rows delivered (45%) · 50% read · 0 in flight · 0 retries · 500 KB of 1.0 MB"
    );
    assert_eq!(
        page.find(".progress [role=status]").text_content().as_deref(),
        Some("Paused. Nothing is sent and the file is not read until you resume; Cancel ends the send here.")
    );

    // Resume: the worker is told; until it confirms, the page says so.
    page.click(&page.button("Resume")).await;
    assert!(matches!(page.sent().as_slice(), [Request::Unpause]));
    assert!(!page.state().send_paused);
    assert_eq!(page.button("Pause").id(), "pause-send");
    assert_eq!(focused_id().as_deref(), Some("pause-send"));
    assert!(progress_text(&page).starts_with("Resuming…"));
    // Going again: the rate the worker measured since the pause (the
    // core's window starts again after one: session::pace's tests).
    page.answer(Response::SendProgress(SendProgress {
        delivered: 15_000.0,
        in_flight: 2.0,
        elapsed_ms: 60_000.0,
        paused_ms: 55_000.0,
        messages_per_s: Some(3_000.0),
        ..running.clone()
    }))
    .await;
    assert!(
        progress_text(&page).starts_with(
            "15,000 of 19,967 rows delivered (75%) · 50% read · 3,000 messages/s · 2 in flight"
        ),
        "{}",
        progress_text(&page)
    );

    // Paused again, then cancelled while paused.
    page.click(&page.button("Pause")).await;
    page.answer(Response::SendProgress(SendProgress {
        in_flight: 0.0,
        paused: true,
        ..running.clone()
    }))
    .await;
    page.click(&page.button("Cancel")).await;
    assert!(matches!(
        page.sent().as_slice(),
        [Request::Pause, Request::Cancel]
    ));
    page.answer(Response::Sent(SendReport {
        rows: 20_000.0,
        delivered: 9_000.0,
        rejected: 33.0,
        undelivered: 10_967.0,
        undelivered_rows: vec![rows(9_002.0, 20_001.0)],
        undelivered_reason: Some("aborted: the import was cancelled".into()),
        balanced: true,
        complete: false,
        paused_ms: 55_000.0,
        elapsed_ms: 61_000.0,
        requests: 4.0,
        ..SendReport::default()
    }))
    .await;
    assert!(!page.state().send_paused, "a new send starts unpaused");
    assert!(!page.has_button("Pause") && !page.has_button("Cancel"));
    assert!(page.text().contains(
        "rows = delivered + rejected + not delivered: balanced. 4 requests, 0 retries, 1 min 01 s (55 s of it paused)."
    ), "{}", page.text());
    // Pause or resume with nothing running changes nothing.
    page.dispatch(Action::SetSendPaused(true)).await;
    assert!(!page.state().send_paused);
}

/// Rows `a` to `b` of a single-file import.
fn rows(a: f64, b: f64) -> (RowAt, RowAt) {
    (RowAt::row(a), RowAt::row(b))
}

/// A send that ended with rows of every kind, as the worker reports it.
fn ended() -> SendReport {
    SendReport {
        rows: 20_000.0,
        delivered: 19_960.0,
        previously_delivered: 5_000.0,
        rejected: 35.0,
        rejected_by_server: 2.0,
        fixed: 0.0,
        undelivered: 5.0,
        undelivered_rows: vec![rows(5.0, 8.0), rows(12.0, 12.0)],
        undelivered_reason: Some(
            "gave up after 9 attempts over 21600 s; last error: HTTP 500".into(),
        ),
        balanced: true,
        complete: true,
        error: None,
        server_rejected: vec![
            (RowAt::row(42.0), "HTTP 400: message is too large".into()),
            (RowAt::row(77.0), "HTTP 400: bad event".into()),
        ],
        requests: 12.0,
        retries: 3.0,
        elapsed_ms: 70_000.0,
        paused_ms: 60_000.0,
        started_ms: 1_767_225_600_000.0,
        finished_ms: 1_767_225_670_000.0,
        endpoint_host: "127.0.0.1:8787".into(),
        rejects: blob(
            b"row,line,code,reason,user_id\n42,0,rejected_by_api,HTTP 400: message is too large,\n",
        )
        .into(),
        rejects_truncated: false,
        files: Vec::new(),
    }
}

#[wasm_bindgen_test]
async fn the_reconciliation_and_the_rejected_rows_download() {
    let mut page = Page::open(checked()).await;
    page.type_text(&page.find("#send-key"), "wk_secret").await;
    page.click(&page.button("Start sending")).await;
    page.sent();
    page.answer(Response::Sent(ended())).await;
    let downloads = Downloads::capture();

    page.click(&page.button("Download reconciliation (JSON)"))
        .await;
    let rejects = page.button("Download rejected rows (35, CSV)");
    assert!(!disabled(&rejects));
    page.click(&rejects).await;
    let got = downloads.list();
    assert_eq!(
        got.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(),
        ["reconciliation.json", "rejected-rows.csv"]
    );
    let text = downloads.text(&got[0].1).await;
    assert!(!text.contains("wk_secret"), "never the write key");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json,
        json!({
            "generatedBy": concat!("segment-backfill ", env!("CARGO_PKG_VERSION")),
            "file": {"name": "orders.csv", "bytes": ORDERS.len()},
            "endpointHost": "127.0.0.1:8787",
            "startedAt": "2026-01-01T00:00:00.000Z",
            "finishedAt": "2026-01-01T00:01:10.000Z",
            "seconds": 70.0,
            "pausedSeconds": 60.0,
            "rows": 20_000,
            "delivered": 19_960,
            "previouslyDelivered": 5_000,
            "rejected": 35,
            "rejectedBeforeSending": 33,
            "rejectedByServer": 2,
            "fixedInTheApp": 0,
            "undelivered": 5,
            "balanced": true,
            "equation": "20000 = 19960 + 35 + 5",
            "complete": true,
            "error": null,
            "undeliveredRows": [[5, 8], [12, 12]],
            "undeliveredReason": "gave up after 9 attempts over 21600 s; last error: HTTP 500",
            "serverRejected": [
                {"row": 42, "reason": "HTTP 400: message is too large"},
                {"row": 77, "reason": "HTTP 400: bad event"},
            ],
            "requests": 12,
            "retries": 3,
        })
    );
    assert_eq!(
        downloads.text(&got[1].1).await,
        "row,line,code,reason,user_id\n42,0,rejected_by_api,HTTP 400: message is too large,\n"
    );
    assert!(
        page.text().contains("1 min 10 s (1 min 00 s of it paused)"),
        "{}",
        page.text()
    );
    assert!(!page
        .text()
        .contains("The rejected-rows file holds the first"));
}

#[wasm_bindgen_test]
async fn long_lists_stay_short_on_the_page() {
    let page = Page::open(checked()).await;
    page.dispatch(Action::SendStarted).await;
    let refused: Vec<(RowAt, String)> = (1..=25)
        .map(|r| (RowAt::row(r as f64), "HTTP 400: bad".into()))
        .collect();
    page.answer(Response::Sent(SendReport {
        rejected: 25.0,
        rejected_by_server: 25.0,
        server_rejected: refused,
        rejects: wasm_bindgen::JsValue::UNDEFINED,
        rejects_truncated: true,
        ..ended()
    }))
    .await;
    assert_eq!(page.texts(".reconciliation li").len(), 20);
    assert!(page
        .text()
        .contains("and 5 more: see the reconciliation and the rejected rows."));
    assert!(page
        .text()
        .contains("The rejected-rows file holds the first 10,000 rows rejected before sending"));
    // No file could be made: nothing to download.
    assert!(disabled(&page.button("Download rejected rows (25, CSV)")));
    // With nothing rejected there is nothing to download either.
    page.dispatch(Action::SendStarted).await;
    page.answer(Response::Sent(SendReport {
        rejected: 0.0,
        rejected_by_server: 0.0,
        server_rejected: vec![],
        ..ended()
    }))
    .await;
    assert!(disabled(&page.button("Download rejected rows (0, CSV)")));
    assert!(!disabled(&page.button("Download reconciliation (JSON)")));
}

#[wasm_bindgen_test]
async fn a_stalled_send_says_so_and_the_bar_counts_rows_delivered() {
    let mut page = Page::open(checked()).await;
    page.type_text(&page.find("#send-key"), "wk_secret").await;
    page.click(&page.button("Start sending")).await;
    sent_target(&page.sent());
    // The whole file read, a quarter of the valid rows delivered: the bar
    // shows the rows.
    let going = SendProgress {
        bytes: 1_000_000.0,
        total: 1_000_000.0,
        rows: 20_000.0,
        rejected: 33.0,
        delivered: 5_000.0,
        retries: 3.0,
        in_flight: 4.0,
        note: Some("batch 12: network error (Failed to fetch); attempt 4 follows".into()),
        elapsed_ms: 30_000.0,
        since_delivery_ms: 20_000.0,
        ..SendProgress::default()
    };
    page.answer(Response::SendProgress(going.clone())).await;
    let bar = page.find("progress");
    assert_eq!(
        bar.get_attribute("aria-label").as_deref(),
        Some("Send progress: rows delivered")
    );
    assert_eq!(bar.get_attribute("value").as_deref(), Some("25.0"));
    assert!(progress_text(&page).starts_with("5,000 of 19,967 rows delivered (25%) · 100% read"));
    assert!(
        !page.has("#send-stalled"),
        "20 s without a delivery is no stall"
    );
    assert!(page.text().contains("attempt 4 follows"));

    // Four minutes without a delivery: said loudly, with the last problem.
    page.answer(Response::SendProgress(SendProgress {
        elapsed_ms: 250_000.0,
        since_delivery_ms: 245_000.0,
        ..going.clone()
    }))
    .await;
    let stall = page.find("#send-stalled");
    assert_eq!(stall.get_attribute("role").as_deref(), Some("alert"));
    let text = stall.text_content().unwrap_or_default();
    assert!(
        text.starts_with(
            "Nothing delivered for 4 minutes: the endpoint is unreachable or refusing the rows."
        ),
        "{text}"
    );
    assert!(text
        .contains("Last problem: batch 12: network error (Failed to fetch); attempt 4 follows."));
    assert!(
        !page.has(".progress .note"),
        "the problem is said once, in the banner"
    );

    // Deliveries again: the banner goes.
    page.answer(Response::SendProgress(SendProgress {
        delivered: 6_000.0,
        since_delivery_ms: 100.0,
        note: None,
        ..going
    }))
    .await;
    assert!(!page.has("#send-stalled"));
}

#[wasm_bindgen_test]
async fn leaving_the_page_asks_only_while_sending() {
    let leave = || {
        let event = web_sys::Event::new_with_event_init_dict("beforeunload", &{
            let init = web_sys::EventInit::new();
            init.set_cancelable(true);
            init
        })
        .unwrap();
        // `false`: a listener asked the browser to confirm leaving.
        web_sys::window().unwrap().dispatch_event(&event).unwrap()
    };
    let mut page = Page::open(checked()).await;
    assert!(leave(), "nothing to lose before sending");
    page.type_text(&page.find("#send-key"), "wk_secret").await;
    page.click(&page.button("Start sending")).await;
    sent_target(&page.sent());
    assert!(!leave(), "a running send is not left without asking");
    page.answer(Response::Sent(SendReport {
        rows: 20_000.0,
        delivered: 19_967.0,
        rejected: 33.0,
        balanced: true,
        complete: true,
        ..SendReport::default()
    }))
    .await;
    assert!(leave(), "the guard goes with the send");
}

#[wasm_bindgen_test]
async fn each_step_change_focuses_the_step_heading() {
    let page = Page::open(checked()).await;
    page.dispatch(Action::GoTo(Step::Check)).await;
    assert_eq!(focused_id().as_deref(), Some("check-h"));
    let heading = page.find("#check-h");
    assert_eq!(heading.get_attribute("tabindex").as_deref(), Some("-1"));
    page.click(&page.button("Send →")).await;
    assert_eq!(focused_id().as_deref(), Some("send-h"));
    page.click(&page.button("← Check")).await;
    assert_eq!(focused_id().as_deref(), Some("check-h"));
}
