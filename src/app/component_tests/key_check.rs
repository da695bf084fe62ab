//! Issue 15 on the Send step: the targets offered, the "Check key" button
//! and what it found, the stop at Start ("Send anyway?"), and the
//! integrations editor's ticks and flags.

use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::HtmlInputElement;

use super::check_step::{done, report};
use super::{after, picked, value, Page, ORDERS};
use crate::app::integrations_edit::{flags, set_all, set_tick, ticks, Tick};
use crate::app::protocol::{KeyAnswer, KeyQuery, KeyVerdict, Request, Response};
use crate::app::send_form::{preset, preset_id, presets, with_endpoint};
use crate::app::state::{Action, SendForm, SendState, State, Step};
use crate::source_settings::SourceSettings;
use crate::target::Target;

/// A settings answer as Segment's CDN gives it (trimmed): one device-mode
/// destination, two in cloud mode, the US API host.
const SETTINGS: &str = r#"{
  "integrations": {
    "Google Analytics 4 Web": {"measurementID": "G-X"},
    "Segment.io": {"apiKey": "k", "apiHost": "api.segment.io/v1",
                   "unbundledIntegrations": ["Amplitude", "Mixpanel"]}
  }
}"#;

fn settings() -> SourceSettings {
    SourceSettings::parse(SETTINGS.as_bytes()).expect("a settings document")
}

fn names(ticks: &[Tick]) -> Vec<(&str, bool)> {
    ticks.iter().map(|t| (t.name.as_str(), t.on)).collect()
}

#[wasm_bindgen_test]
fn the_ticks_are_the_sources_destinations_by_their_exact_names() {
    let s = settings();
    let (list, all) = ticks(&s, "").expect("empty text is no object");
    assert_eq!(
        names(&list),
        [
            ("Amplitude", true),
            ("Mixpanel", true),
            ("Google Analytics 4 Web", true)
        ]
    );
    assert!(all, "Segment sends to every destination unless told");

    // "All other destinations" off, then one tick: {"All": false, "Mixpanel": true}.
    let off = set_all("", false).expect("object");
    let one = set_tick(&off, "Mixpanel", true).expect("object");
    let object: serde_json::Value = serde_json::from_str(&one).expect("JSON");
    assert_eq!(object, serde_json::json!({"All": false, "Mixpanel": true}));
    let (list, all) = ticks(&s, &one).expect("object");
    assert!(!all);
    assert_eq!(
        names(&list),
        [
            ("Amplitude", false),
            ("Mixpanel", true),
            ("Google Analytics 4 Web", false)
        ]
    );
    // Unticking writes the entry away; with "All" on, an unticked name is false.
    assert_eq!(
        set_tick(&one, "Mixpanel", false).as_deref(),
        Some(r#"{"All":false}"#)
    );
    assert_eq!(
        set_tick("", "Amplitude", false).as_deref(),
        Some(r#"{"Amplitude":false}"#)
    );
    assert_eq!(set_all(r#"{"All":false}"#, true).as_deref(), Some(""));
    // Options of a destination are kept when it is ticked.
    let options = r#"{"All":false,"Amplitude":{"session_id":1}}"#;
    assert_eq!(
        set_tick(options, "Amplitude", true).as_deref(),
        Some(options)
    );
    // Not an object: no ticks, nothing rewritten.
    assert_eq!(ticks(&s, "[1]"), None);
    assert_eq!(set_tick("{oops", "Amplitude", true), None);
}

#[wasm_bindgen_test]
fn a_misspelled_and_a_case_only_name_are_flagged_not_rewritten() {
    let s = settings();
    // (In the object's order: sorted.)
    let text = r#"{"All": false, "amplitude": true, "Mixpanle": true, "Mixpanel": true}"#;
    assert_eq!(
        flags(&s, text),
        [
            "No destination of this source is called \"Mixpanle\": Segment ignores the entry",
            "\"amplitude\": did you mean \"Amplitude\"? Segment matches names exactly, so this \
             entry is ignored",
        ]
    );
    assert!(flags(&s, r#"{"All": false, "Mixpanel": true}"#).is_empty());
    // An answer without the cloud-mode list may not name them all.
    let bare = SourceSettings::parse(br#"{"integrations": {"Braze": {}}}"#).expect("settings");
    assert_eq!(
        flags(&bare, r#"{"Vero": true}"#),
        ["No destination in the list is called \"Vero\" (the list may be incomplete)"]
    );
}

#[wasm_bindgen_test]
fn the_targets_are_the_cores_and_old_choices_still_read() {
    let ids =
        |local, current| -> Vec<&str> { presets(local, current).iter().map(|p| p.id).collect() };
    assert_eq!(
        ids(false, "segment-us"),
        [
            "segment-us",
            "segment-eu",
            "rudderstack",
            "jitsu",
            "hightouch",
            "custom"
        ]
    );
    assert_eq!(ids(true, "segment-us")[5], "local");
    // The local receiver stays on offer to a form that has it.
    assert!(ids(false, "local").contains(&"local"));
    let labels: Vec<&str> = presets(false, "").iter().map(|p| p.label).collect();
    assert_eq!(labels, Target::ALL.map(Target::label));

    // Forms of earlier versions said "us", "eu", "local".
    assert_eq!(preset_id("us"), "segment-us");
    assert_eq!(preset_id("eu"), "segment-eu");
    let form = |id: &str| SendForm {
        preset: id.into(),
        ..SendForm::default()
    };
    assert_eq!(preset(&form("eu")).target, Target::SegmentEu);
    assert_eq!(
        preset(&form("local")).endpoint,
        Some("http://127.0.0.1:8787/v1/batch")
    );
    assert_eq!(preset(&form("nonsense")).target, Target::SegmentUs);

    // A resumed send comes back to its target.
    let base = SendForm::default();
    let eu = with_endpoint(&base, "https://events.eu1.segmentapis.com/v1/batch", None);
    assert_eq!(eu.preset, "segment-eu");
    let local = with_endpoint(&base, "http://127.0.0.1:8787/v1/batch", None);
    assert_eq!(local.preset, "local");
    let rudder = with_endpoint(
        &base,
        "https://a.dataplane.rudderstack.com/v1/batch",
        Some("rudderstack"),
    );
    assert_eq!(
        (rudder.preset.as_str(), rudder.custom_endpoint.as_str()),
        (
            "rudderstack",
            "https://a.dataplane.rudderstack.com/v1/batch"
        )
    );
    let other = with_endpoint(&base, "https://proxy.example.com/v1/batch", None);
    assert_eq!(other.preset, "custom");
}

/// The Send step after a check, the form set as `form` says.
fn send_step(form: SendForm) -> State {
    after(
        picked("orders.csv", ORDERS.as_bytes(), Step::Check),
        [
            Action::CheckStarted,
            Action::Worker(Response::Checked(done(report(), None))),
            Action::SetSendForm(form),
            Action::GoTo(Step::Send),
        ],
    )
}

fn query(target: &str, endpoint: &str, settings_url: Option<&str>) -> KeyQuery {
    KeyQuery {
        write_key: "wk_known".into(),
        target: target.into(),
        endpoint: endpoint.into(),
        settings_url: settings_url.map(str::to_string),
    }
}

#[wasm_bindgen_test]
async fn check_key_lists_the_destinations_and_offers_the_other_region() {
    let mut page = Page::open(send_step(SendForm {
        write_key: "wk_known".into(),
        ..SendForm::default()
    }))
    .await;
    assert!(
        page.text().contains(
            "The key goes only to Segment's CDN (cdn.segment.com) over https, to ask whether \
             Segment knows it."
        ),
        "{}",
        page.text()
    );
    page.click(&page.button("Check key")).await;
    let asked = query("segment-us", "https://api.segment.io/v1/batch", None);
    assert!(matches!(page.sent().as_slice(), [Request::CheckKey(q)] if q == &asked));
    assert!(page.has_button("Checking…"));

    // Known: what the answer says, and the ticks in the editor.
    let s = settings();
    let said = s.describe();
    page.answer(Response::KeyChecked(KeyAnswer {
        query: asked.clone(),
        verdict: KeyVerdict::Known { settings: s, said },
        at_start: false,
    }))
    .await;
    let result = page.find("#key-result").text_content().unwrap_or_default();
    assert!(
        result.contains("Write key checked with Segment: its source has 3 destinations (Amplitude, Mixpanel, Google Analytics 4 Web) and sends to"),
        "{result}"
    );
    assert_eq!(
        page.texts("#integrations-ticks label"),
        [
            "Amplitude",
            "Mixpanel",
            "Google Analytics 4 Web",
            "All other destinations (\"All\")"
        ]
    );
    // Ticking one with "All" off writes both into the text; a typo is flagged.
    page.click(&page.find("#integrations-all")).await;
    let mixpanel = page.labelled("Mixpanel", "input");
    page.click(&mixpanel).await;
    assert!(mixpanel.unchecked_ref::<HtmlInputElement>().checked());
    assert_eq!(
        page.state().send_form.integrations,
        r#"{"All":false,"Mixpanel":true}"#
    );
    page.type_text(
        &page.labelled("Integrations (JSON, optional)", "textarea"),
        r#"{"All":false,"mixpanel":true}"#,
    )
    .await;
    assert_eq!(
        page.texts("#integrations-flags li"),
        ["\"mixpanel\": did you mean \"Mixpanel\"? Segment matches names exactly, so this entry is ignored"]
    );
    // Checked already: Start does not ask again.
    page.type_text(
        &page.labelled("Integrations (JSON, optional)", "textarea"),
        "",
    )
    .await;
    page.click(&page.button("Start sending")).await;
    match page.sent().as_slice() {
        [Request::Send { target, .. }] => assert!(!target.key_check, "checked once is enough"),
        other => panic!("expected one Send request, got {other:?}"),
    }

    // A source in the EU: the answer offers the EU target, which checks again.
    let mut page = Page::open(send_step(SendForm {
        write_key: "wk_known".into(),
        ..SendForm::default()
    }))
    .await;
    page.click(&page.button("Check key")).await;
    page.sent();
    page.answer(Response::KeyChecked(KeyAnswer {
        query: asked,
        verdict: KeyVerdict::WrongRegion("this write key's source is in the EU region, and the endpoint is in the US region: Segment drops data sent to the wrong region. Choose the EU endpoint".into()),
        at_start: false,
    }))
    .await;
    assert!(page
        .find("#key-result")
        .text_content()
        .unwrap_or_default()
        .contains("Choose the EU endpoint."));
    page.click(&page.button("Switch to Segment (EU)")).await;
    assert_eq!(value(&page.find("#send-preset")), "segment-eu");
    let eu = query(
        "segment-eu",
        "https://events.eu1.segmentapis.com/v1/batch",
        None,
    );
    assert!(matches!(page.sent().as_slice(), [Request::CheckKey(q)] if q == &eu));
}

#[wasm_bindgen_test]
async fn at_start_an_unknown_key_stops_and_no_answer_asks_to_send_anyway() {
    let local = "http://127.0.0.1:8787/v1/batch";
    let cdn = "http://127.0.0.1:9/cdn";
    let mut page = Page::open(send_step(SendForm {
        preset: "custom".into(),
        custom_endpoint: local.into(),
        write_key: "wk_known".into(),
        settings_url: cdn.into(),
        ..SendForm::default()
    }))
    .await;
    // Another URL: no check of its own, but the settings URL asks for one.
    assert!(
        page.text()
            .contains("The key goes only to 127.0.0.1:9 (the settings URL under Advanced)"),
        "{}",
        page.text()
    );
    page.click(&page.button("Start sending")).await;
    let asked = query("custom", local, Some(cdn));
    match page.sent().as_slice() {
        [Request::Send { target, .. }] => {
            assert!(target.key_check);
            assert_eq!(target.key_query(), Some(asked.clone()));
        }
        other => panic!("expected one Send request, got {other:?}"),
    }
    page.answer(Response::KeyChecked(KeyAnswer {
        query: asked.clone(),
        verdict: KeyVerdict::Unknown(
            "Segment does not know this write key (its CDN answered 404)".into(),
        ),
        at_start: true,
    }))
    .await;
    assert_eq!(page.state().send, SendState::Idle);
    let stop = page.find("#key-stop").text_content().unwrap_or_default();
    assert!(
        stop.contains("Nothing was sent. Segment does not know this write key"),
        "{stop}"
    );
    assert!(!page.has_button("Yes, send without the check"));

    // No answer: asked; Yes sends without the check, No forgets the question.
    page.click(&page.button("Start sending")).await;
    page.sent();
    page.answer(Response::KeyChecked(KeyAnswer {
        query: asked.clone(),
        verdict: KeyVerdict::Unsure(
            "the write key could not be checked: 127.0.0.1:9 did not answer".into(),
        ),
        at_start: true,
    }))
    .await;
    assert!(page
        .find("#key-stop")
        .text_content()
        .unwrap_or_default()
        .starts_with("Send anyway?"));
    page.click(&page.button("No")).await;
    assert!(!page.has("#key-stop"));
    page.click(&page.button("Start sending")).await;
    page.sent();
    page.answer(Response::KeyChecked(KeyAnswer {
        query: asked,
        verdict: KeyVerdict::Unsure("the write key could not be checked".into()),
        at_start: true,
    }))
    .await;
    page.click(&page.button("Yes, send without the check"))
        .await;
    match page.sent().as_slice() {
        [Request::Send { target, .. }] => assert!(!target.key_check),
        other => panic!("expected one Send request, got {other:?}"),
    }
    assert!(matches!(page.state().send, SendState::Running(_)));
}

#[wasm_bindgen_test]
async fn other_targets_say_how_they_refuse_a_bad_key_and_take_it_in_the_header() {
    let mut page = Page::open(send_step(SendForm {
        write_key: "wk".into(),
        ..SendForm::default()
    }))
    .await;
    page.choose(&page.find("#send-preset"), "jitsu").await;
    assert!(
        !page.has_button("Check key"),
        "Jitsu refuses a bad key itself"
    );
    assert_eq!(
        page.find("#send-endpoint")
            .get_attribute("placeholder")
            .as_deref(),
        Some(Target::Jitsu.endpoint_hint())
    );
    let note = page.find("#target-note").text_content().unwrap_or_default();
    assert!(
        note.starts_with("A wrong key is answered with an error status"),
        "{note}"
    );
    assert!(note.contains("Jitsu sanitises messageIds"), "{note}");
    // The check used Segment's limits: Jitsu's differ.
    assert!(page.has("#limits-note"));
    assert!(
        !page.has_label("The write key travels"),
        "Jitsu takes the key in the header only"
    );
    page.type_text(&page.find("#send-endpoint"), "https://x.d.jitsu.com")
        .await;
    page.click(&page.button("Start sending")).await;
    match page.sent().as_slice() {
        [Request::Send { target, .. }] => {
            assert_eq!(target.target, "jitsu");
            assert!(target.basic_auth);
            assert_eq!(target.endpoint, "https://x.d.jitsu.com/v1/batch");
            assert_eq!(target.key_query(), None);
        }
        other => panic!("expected one Send request, got {other:?}"),
    }
    // Hightouch: its own endpoint, no URL field; its caution.
    let mut page = Page::open(send_step(SendForm::default())).await;
    page.choose(&page.find("#send-preset"), "hightouch").await;
    assert!(!page.has("#send-endpoint"));
    assert!(page
        .find("#target-note")
        .text_content()
        .unwrap_or_default()
        .contains("older than 7 days"));
    // Same limits as Segment's: no note to check again.
    assert!(!page.has("#limits-note"));
    page.sent();
}
