//! Step 2: the suggested mapping, edits, the loud timestamp warning and the
//! live preview built by the worker's own code.

use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use super::{picked, picked_again, value, Downloads, Page, ORDERS};
use crate::app::protocol::Request;
use crate::app::state::Step;
use crate::mapping::{CallType, InvalidPolicy, Mapping, Rule};
use crate::time::DateOrder;

const NO_TIMESTAMP: &str = "No timestamp is mapped.";

async fn map_page() -> Page {
    Page::open(picked("orders.csv", ORDERS.as_bytes(), Step::Map)).await
}

/// The messages the preview shows, parsed.
fn preview(page: &Page) -> Vec<Value> {
    page.texts(".messages pre")
        .iter()
        .map(|t| serde_json::from_str(t).expect("the preview is JSON"))
        .collect()
}

/// The mapping of the last Preview request among `requests`.
fn previewed(requests: &[Request]) -> Mapping {
    requests
        .iter()
        .rev()
        .find_map(|r| match r {
            Request::Preview { mapping, .. } => Some(mapping.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Preview request in {requests:?}"))
}

fn rule<'a>(m: &'a Mapping, to: &str) -> Option<&'a Rule> {
    m.rules.iter().find(|r| r.to == to)
}

#[wasm_bindgen_test]
async fn suggested_columns_are_preselected_and_previewed() {
    let mut page = map_page().await;
    assert!(page
        .text()
        .contains("Suggested from the column names and the sampled rows: check each field."));
    assert_eq!(value(&page.labelled("Call type", "select")), "track");
    assert_eq!(value(&page.find("#field-userId")), "user_id");
    assert_eq!(value(&page.find("#field-event")), "event");
    assert_eq!(value(&page.find("#field-timestamp")), "created_at");
    assert_eq!(value(&page.find("#field-anonymousId")), "", "not set");
    assert_eq!(value(&page.find("#field-messageId")), "", "derived");
    assert!(!page.text().contains(NO_TIMESTAMP), "a timestamp is mapped");
    // The columns no field uses, with where they go and as what.
    assert_eq!(page.texts("table.columns tbody th"), ["price", "plan"]);
    assert_eq!(value(&page.labelled_by("price: type")), "number");
    assert_eq!(value(&page.labelled_by("plan: goes to")), "properties");
    assert!(
        page.text().contains("Building…"),
        "until the worker answers"
    );

    let sent = page.serve().await;
    assert_eq!(
        previewed(&sent),
        page.state().mapping,
        "previews this mapping"
    );
    let messages = preview(&page);
    assert_eq!(messages.len(), 2);
    let first = &messages[0];
    assert_eq!(first["type"], "track");
    assert_eq!(first["userId"], "u1");
    assert_eq!(first["event"], "Order Completed");
    assert_eq!(first["timestamp"], "2024-01-02T03:04:05.000Z");
    assert_eq!(first["properties"], json!({"price": 9.99, "plan": "pro"}));
    assert_eq!(messages[1]["properties"]["price"], 19.5);
    assert!(first["messageId"].as_str().is_some_and(|id| id.len() == 36));
}

#[wasm_bindgen_test]
async fn no_timestamp_gives_a_loud_warning() {
    let mut page = map_page().await;
    page.serve().await;
    page.choose(&page.find("#field-timestamp"), "").await;
    assert!(!page.state().mapping.maps_timestamp());
    let alerts = page.texts("[role=alert]");
    assert!(
        alerts.iter().any(|a| a.starts_with(NO_TIMESTAMP)
            && a.contains("Segment will date every event at the moment it arrives")),
        "{alerts:?}"
    );
    // The column is free again: it goes to properties, as text.
    assert_eq!(
        page.texts("table.columns tbody th"),
        ["created_at", "price", "plan"]
    );
    let sent = page.serve().await;
    assert!(rule(&previewed(&sent), "timestamp").is_none());
    let first = &preview(&page)[0];
    assert!(first.get("timestamp").is_none(), "{first}");
    assert_eq!(first["properties"]["created_at"], "2024-01-02T03:04:05Z");

    page.choose(&page.find("#field-timestamp"), "created_at")
        .await;
    assert!(!page.text().contains(NO_TIMESTAMP));
    assert!(page.has("#ts-order"), "the timestamp's reading options");
}

#[wasm_bindgen_test]
async fn a_constant_event_name_shows_in_the_preview() {
    let mut page = map_page().await;
    page.serve().await;
    page.choose(&page.find("#field-event"), "\u{0}const").await;
    let constant = page.labelled_by("Event name for every row");
    page.type_text(&constant, "Order Placed").await;

    let m = page.state().mapping;
    let r = rule(&m, "event").expect("an event rule");
    assert_eq!(
        (r.from.as_deref(), r.value.clone()),
        (None, Some(json!("Order Placed")))
    );
    let sent = page.serve().await;
    assert_eq!(previewed(&sent), m);
    for message in preview(&page) {
        assert_eq!(message["event"], "Order Placed");
        // The event column, no longer a field, goes to properties.
        assert_eq!(message["properties"]["event"], "Order Completed");
    }
}

#[wasm_bindgen_test]
async fn other_columns_can_be_renamed_retyped_moved_and_ignored() {
    let mut page = map_page().await;
    page.serve().await;

    page.enter_text(&page.labelled_by("plan: name in properties"), "tier")
        .await;
    page.choose(&page.labelled_by("price: type"), "text").await;
    page.serve().await;
    let first = &preview(&page)[0];
    assert_eq!(first["properties"], json!({"price": "9.99", "tier": "pro"}));

    page.choose(&page.labelled_by("plan: goes to"), "context")
        .await;
    page.serve().await;
    assert_eq!(preview(&page)[0]["context"]["tier"], "pro");

    page.choose(&page.labelled_by("price: goes to"), "ignore")
        .await;
    assert!(
        !page.has("[aria-label='price: type']"),
        "no type for an ignored column"
    );
    page.serve().await;
    let first = &preview(&page)[0];
    assert!(first.get("properties").is_none(), "{first}");
    assert!(rule(&page.state().mapping, "properties.price").is_none());
}

#[wasm_bindgen_test]
async fn another_call_type_offers_its_fields_and_moves_properties_to_traits() {
    let mut page = map_page().await;
    page.serve().await;
    page.choose(&page.labelled("Call type", "select"), "identify")
        .await;
    assert_eq!(page.state().mapping.call_type, Some(CallType::Identify));
    assert!(!page.has("#field-event"), "identify has no event");
    assert!(page.has("#field-userId"));
    page.serve().await;
    let first = &preview(&page)[0];
    assert_eq!(first["type"], "identify");
    assert_eq!(first["traits"]["plan"], "pro");
    assert!(first.get("event").is_none());

    page.choose(&page.labelled("Call type", "select"), "group")
        .await;
    assert!(page.has("#field-groupId"));
    let required = page.find("#field-groupId").closest("tr").unwrap().unwrap();
    assert_eq!(required.class_name(), "missing", "required, not set");
    assert!(page
        .text()
        .contains("Required: rows without it are rejected."));
    page.serve().await;
    // Rows count as the file's lines do: the header is row 1.
    assert_eq!(
        page.texts(".banner.warn li"),
        [
            "row 2: groupId: a group call needs a groupId",
            "row 3: groupId: a group call needs a groupId"
        ]
    );
}

#[wasm_bindgen_test]
async fn the_mapping_saves_and_loads_as_json() {
    let mut page = map_page().await;
    page.serve().await;
    let downloads = Downloads::capture();
    page.click(&page.button("Save mapping")).await;
    let saved = downloads.list();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].0, "mapping.json");
    let text = downloads.text(&saved[0].1).await;
    assert_eq!(Mapping::from_json(&text).unwrap(), page.state().mapping);

    let page_view = json!({
        "type": "page",
        "rules": [
            {"from": "user_id", "to": "userId"},
            {"value": "Pricing", "to": "name"},
        ],
        "rest": "ignore",
    });
    page.pick_file(
        &page.find("#mapping-input"),
        "page-views.json",
        page_view.to_string().as_bytes(),
    )
    .await;
    page.until("the loaded mapping", |p| {
        p.text().contains("Loaded page-views.json.")
    })
    .await;
    assert_eq!(value(&page.labelled("Call type", "select")), "page");
    assert_eq!(
        value(&page.labelled_by("Page name for every row")),
        "Pricing"
    );
    assert!(page.text().contains(NO_TIMESTAMP));
    page.serve().await;
    let first = &preview(&page)[0];
    assert_eq!(
        (&first["type"], &first["name"]),
        (&json!("page"), &json!("Pricing"))
    );

    // A file that is not a mapping: what is wrong and what to do.
    page.pick_file(
        &page.find("#mapping-input"),
        "bad.json",
        br#"{"form": "x"}"#,
    )
    .await;
    page.until("the error", |p| p.has(".banner.error")).await;
    let banner = page.find(".banner.error").text_content().unwrap();
    assert!(banner.contains("Bad.json:"), "{banner}");
    assert!(banner.contains("What to do: Fix the file"), "{banner}");
    assert_eq!(value(&page.labelled("Call type", "select")), "page", "kept");
}

#[wasm_bindgen_test]
async fn the_last_mapping_is_remembered_for_the_same_columns() {
    let mut page = map_page().await;
    page.serve().await;
    page.choose(&page.find("#field-timestamp"), "").await;
    let edited = page.state().mapping;
    drop(page);

    // The same columns in another file: the edited mapping comes back.
    let again = picked_again("orders-2025.csv", ORDERS.as_bytes(), Step::Map);
    assert_eq!(again.mapping, edited);
    let page = Page::open(again).await;
    assert!(page
        .text()
        .contains("Restored the mapping you last used with these columns."));
    assert!(page.text().contains(NO_TIMESTAMP));
    drop(page);

    // Other columns: the suggestion.
    let other = picked_again("people.csv", b"email;name\na@example.com;Ann\n", Step::Map);
    assert_eq!(
        Some(other.mapping.clone()),
        other.inspection.as_ref().map(|v| v.suggested.clone())
    );
    let page = Page::open(other).await;
    assert!(page.text().contains("Suggested from the column names"));
}

/// One of Segment's own archives: replayed by default, said so, and the
/// user can keep the original ids (the preview follows).
#[wasm_bindgen_test]
async fn an_archive_is_replayed_unless_the_user_says_otherwise() {
    let line = r#"{"type":"track","userId":"u1","event":"E","timestamp":"2019-05-02T18:33:59Z","sentAt":"2019-05-02T18:34:00Z","messageId":"old-1","projectId":"p","receivedAt":"2019-05-02T18:34:01Z"}"#;
    let file = format!("{line}\n{line}\n");
    let mut page = Page::open(picked("archive.ndjson", file.as_bytes(), Step::Map)).await;
    assert!(page
        .text()
        .contains("looks like one of Segment's own archives"));
    assert!(page.text().contains("in 2 of 2 sampled records"));
    let replay: web_sys::HtmlInputElement = page.find("#replay").unchecked_into();
    assert!(replay.checked(), "on by default for an archive");
    assert_eq!(
        page.state().mapping.replay,
        Some(true),
        "said in the mapping"
    );
    page.serve().await;
    let first = &preview(&page)[0];
    assert_ne!(first["messageId"], "old-1", "a new id");
    assert!(first.get("projectId").is_none() && first.get("sentAt").is_none());

    page.click(&page.find("#replay")).await;
    assert_eq!(page.state().mapping.replay, Some(false));
    assert!(page.text().contains("Replay is off"));
    let sent = page.serve().await;
    assert_eq!(previewed(&sent).replay, Some(false));
    let first = &preview(&page)[0];
    assert_eq!(first["messageId"], "old-1", "the original id");
    assert!(
        first.get("sentAt").is_none(),
        "never a message-level sentAt"
    );
}

#[wasm_bindgen_test]
async fn missing_values_are_shown_and_saved_only_when_not_the_default() {
    let mut page = map_page().await;
    page.serve().await;
    let field = page.find("#missing");
    assert_eq!(
        value(&field),
        "NA, N/A, #N/A, null, NULL, None, nan, NaN, (null), undefined, -",
        "the default list, shown"
    );
    assert_eq!(page.state().mapping.missing, None);
    assert!(!page.has_button("Default list"));

    page.enter_text(&field, " NA , ?, NA,, n/a ").await;
    assert_eq!(
        page.state().mapping.missing,
        Some(vec!["NA".into(), "?".into(), "n/a".into()]),
        "trimmed, without repeats or empty tokens"
    );
    assert_eq!(value(&page.find("#missing")), "NA, ?, n/a");

    // Cleared: no token at all, which the preview is built with.
    page.enter_text(&page.find("#missing"), "").await;
    assert_eq!(page.state().mapping.missing, Some(vec![]));
    let sent = page.serve().await;
    assert_eq!(previewed(&sent).missing, Some(vec![]));

    page.click(&page.button("Default list")).await;
    assert_eq!(page.state().mapping.missing, None);
    // Typing the default list by hand is the default too.
    page.enter_text(
        &page.find("#missing"),
        "NA, N/A, #N/A, null, NULL, None, nan, NaN, (null), undefined, -",
    )
    .await;
    assert_eq!(page.state().mapping.missing, None);
}

#[wasm_bindgen_test]
async fn a_typed_column_says_what_an_unreadable_value_does() {
    let mut page = map_page().await;
    page.serve().await;
    let policy = "price: if a value cannot be read";
    assert_eq!(value(&page.labelled_by(policy)), "reject");
    assert!(
        !page.has("[aria-label='plan: if a value cannot be read']"),
        "text is never unreadable"
    );
    assert!(
        !page.has("[aria-label='created_at: if a value cannot be read']"),
        "a timestamp that cannot be read always rejects its row"
    );

    page.choose(&page.labelled_by(policy), "drop").await;
    assert_eq!(price(&page).invalid, Some(InvalidPolicy::Drop));
    assert!(page.text().contains("If unreadable: leave the field out"));
    page.choose(&page.labelled_by(policy), "text").await;
    assert_eq!(price(&page).invalid, Some(InvalidPolicy::Text));
    let sent = page.serve().await;
    assert_eq!(
        rule(&previewed(&sent), "properties.price").and_then(|r| r.invalid),
        Some(InvalidPolicy::Text)
    );
    page.choose(&page.labelled_by(policy), "reject").await;
    assert_eq!(price(&page).invalid, None, "the default is not written");

    // A policy does not outlive its type.
    page.choose(&page.labelled_by(policy), "drop").await;
    page.choose(&page.labelled_by("price: type"), "text").await;
    assert_eq!(price(&page).invalid, None);
    assert!(!page.has("[aria-label='price: if a value cannot be read']"));
    page.choose(&page.labelled_by("price: type"), "true/false")
        .await;
    assert_eq!(value(&page.labelled_by(policy)), "reject");
    assert!(
        !page.has("[aria-label='price: decimal separator']"),
        "separators are for numbers"
    );
}

#[wasm_bindgen_test]
async fn number_columns_take_decimal_and_thousands_separators() {
    let mut page = map_page().await;
    page.serve().await;
    assert_eq!(
        value(&page.labelled_by("price: decimal separator")),
        "point"
    );
    assert_eq!(
        value(&page.labelled_by("price: thousands separator")),
        "none"
    );

    page.choose(&page.labelled_by("price: decimal separator"), "comma")
        .await;
    page.choose(&page.labelled_by("price: thousands separator"), "space")
        .await;
    assert_eq!(
        (price(&page).decimal, price(&page).thousands),
        (Some(','), Some(' '))
    );
    let summary = page.find("details.rule-options summary");
    assert_eq!(
        summary.text_content().unwrap_or_default(),
        "If unreadable: reject the row · decimal comma · thousands: space"
    );
    let sent = page.serve().await;
    let previewed = previewed(&sent);
    let r = rule(&previewed, "properties.price");
    assert_eq!(
        r.map(|r| (r.decimal, r.thousands)),
        Some((Some(','), Some(' ')))
    );

    // Integers keep them; a point is the default and is not written.
    page.choose(&page.labelled_by("price: type"), "integer")
        .await;
    assert_eq!(price(&page).thousands, Some(' '));
    page.choose(&page.labelled_by("price: decimal separator"), "point")
        .await;
    page.choose(&page.labelled_by("price: thousands separator"), "none")
        .await;
    assert_eq!((price(&page).decimal, price(&page).thousands), (None, None));

    // The same separator twice: the mapping says what is wrong.
    page.choose(&page.labelled_by("price: thousands separator"), "point")
        .await;
    let problem = page
        .find(".banner.error")
        .text_content()
        .unwrap_or_default();
    assert!(
        problem.contains("the decimal and thousands separators must differ"),
        "{problem}"
    );
}

#[wasm_bindgen_test]
async fn an_undecided_date_order_is_asked_in_the_controls_words() {
    let file = "user_id;event;date\nu1;A;03/04/2024\nu2;B;05/06/2024\n";
    let page = Page::open(picked("dates.csv", file.as_bytes(), Step::Map)).await;
    assert_eq!(value(&page.find("#field-timestamp")), "date");
    assert_eq!(value(&page.find("#ts-order")), "");
    let ask = page
        .find("#ts-order-ask")
        .text_content()
        .unwrap_or_default();
    assert!(
        ask.starts_with("Is 03/04/2024 day first or month first? The sampled rows do not say."),
        "{ask}"
    );
    let options = page.texts("#ts-order option");
    assert!(
        options.iter().any(|o| o.starts_with("day first")),
        "{options:?}"
    );
    assert!(options.iter().any(|o| o.starts_with("month first")));

    page.choose(&page.find("#ts-order"), "dmy").await;
    assert_eq!(
        rule(&page.state().mapping, "timestamp").and_then(|r| r.date_order),
        Some(DateOrder::DayFirst)
    );
    assert!(!page.has("#ts-order-ask"), "answered");
    drop(page);

    // One row of the sample settles it: nothing to ask.
    let file = "user_id;event;date\nu1;A;01.02.2024\nu2;B;15.02.2024\n";
    let page = Page::open(picked("dates-2.csv", file.as_bytes(), Step::Map)).await;
    assert_eq!(value(&page.find("#ts-order")), "dmy");
    assert!(!page.has("#ts-order-ask"));
}

/// The rule for the orders' price column.
fn price(page: &Page) -> Rule {
    rule_of(page, "properties.price")
}

fn rule_of(page: &Page, to: &str) -> Rule {
    rule(&page.state().mapping, to)
        .cloned()
        .unwrap_or_else(|| panic!("no rule writes {to}"))
}
