//! Step 1: pick or drop a file; see how it reads; override a guess.

use wasm_bindgen_test::wasm_bindgen_test;

use super::{bytes_of, disabled, picked, value, Page, ORDERS};
use crate::app::protocol::Request;
use crate::app::state::{State, Step};
use crate::source::{Encoding, SourceOptions};

/// The one Inspect request among `requests`, with its bytes.
async fn inspected(requests: &[Request]) -> (Vec<u8>, SourceOptions) {
    match requests {
        [Request::Inspect { file, options }] => (bytes_of(file).await, options.clone()),
        other => panic!("expected one Inspect request, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_picked_file_is_inspected_and_shown_as_sniffed() {
    let mut page = Page::open(State::default()).await;
    let next = page.button("Map →");
    assert!(disabled(&next), "Map before any file");
    assert!(page.text().contains("Pick a file first."));

    page.pick_file(&page.find("#file-input"), "orders.csv", ORDERS.as_bytes())
        .await;
    assert!(
        page.text().contains("Reading orders.csv …"),
        "{}",
        page.text()
    );
    let (bytes, options) = inspected(&page.serve().await).await;
    assert_eq!(bytes, ORDERS.as_bytes(), "the worker gets the file itself");
    assert_eq!(options, SourceOptions::default(), "nothing overridden yet");

    assert_eq!(page.find("#file-h").text_content().unwrap(), "orders.csv");
    assert!(
        page.text().contains(&format!(
            "{} bytes · delimited text, semicolon, UTF-8, first row is the header",
            ORDERS.len()
        )),
        "{}",
        page.text()
    );
    assert_eq!(
        page.texts(".grid th"),
        ["user_id", "event", "created_at", "price", "plan"]
    );
    assert_eq!(
        page.texts(".grid tbody tr:first-child td"),
        [
            "u1",
            "Order Completed",
            "2024-01-02T03:04:05Z",
            "9.99",
            "pro"
        ]
    );
    assert_eq!(page.all(".grid tbody tr").len(), 2);
    // Every override starts at "as guessed".
    for label in ["Format", "Delimiter", "Encoding", "Header row"] {
        let select = page.labelled(label, "select");
        assert_eq!(value(&select), "", "{label}");
    }
    assert!(!disabled(&page.button("Map →")), "Map once the file reads");
    assert!(!page.has(".missing-seen"), "no token in this file, no line");
}

#[wasm_bindgen_test]
async fn missing_value_tokens_seen_are_named_per_column() {
    let mut page = Page::open(State::default()).await;
    let flights = "tailnum,dep_delay,carrier\nN1,NA,UA\nNA,NA,AA\nN3,4,NULL\n";
    page.pick_file(&page.find("#file-input"), "flights.csv", flights.as_bytes())
        .await;
    page.serve().await;
    assert_eq!(
        page.texts(".missing-seen"),
        ["Missing-value tokens in the sample: tailnum NA ×1 · dep_delay NA ×2 · carrier NULL ×1. \
          They are sent as empty cells (an id of NA is a missing id), unless the mapping's \
          missing list says otherwise."]
    );

    // JSON records sent as they are keep their values: the page says so.
    let events = "{\"userId\":\"NA\",\"event\":\"x\"}\n";
    page.pick_file(
        &page.find("#file-input"),
        "events.ndjson",
        events.as_bytes(),
    )
    .await;
    page.serve().await;
    let line = page.texts(".missing-seen").concat();
    assert!(
        line.starts_with("Missing-value tokens in the sample: userId NA ×1. In mapped fields")
            && line.ends_with("records sent as they are keep them."),
        "{line}"
    );
}

#[wasm_bindgen_test]
async fn an_override_rereads_the_file_and_updates_the_grid() {
    let mut page = Page::open(picked("orders.csv", ORDERS.as_bytes(), Step::File)).await;
    assert_eq!(page.texts(".grid th").len(), 5);

    // Comma instead of the sniffed semicolon: one column per line.
    page.choose(&page.labelled("Delimiter", "select"), ",")
        .await;
    assert!(page.text().contains("Reading orders.csv …"));
    let (_, options) = inspected(&page.serve().await).await;
    assert_eq!(
        options,
        SourceOptions {
            delimiter: Some(b','),
            ..SourceOptions::default()
        }
    );
    assert_eq!(page.state().options, options, "the override is kept");
    assert!(page.text().contains("delimited text, comma, UTF-8"));
    assert_eq!(
        page.texts(".grid th"),
        ["user_id;event;created_at;price;plan"]
    );
    assert_eq!(value(&page.labelled("Delimiter", "select")), ",");

    // No header row on top of it: the header becomes the first row.
    page.choose(&page.labelled("Header row", "select"), "no")
        .await;
    let (_, options) = inspected(&page.serve().await).await;
    assert_eq!(
        (options.delimiter, options.has_header),
        (Some(b','), Some(false)),
        "both overrides sent"
    );
    assert!(page.text().contains("no header row"));
    assert_eq!(page.texts(".grid th"), ["column_1"]);
    assert_eq!(
        page.texts(".grid tbody tr:first-child td"),
        ["user_id;event;created_at;price;plan"]
    );
    assert_eq!(page.all(".grid tbody tr").len(), 3);

    // The delimiter back to the guess; the header override stays.
    page.choose(&page.labelled("Delimiter", "select"), "").await;
    let (_, options) = inspected(&page.serve().await).await;
    assert_eq!((options.delimiter, options.has_header), (None, Some(false)));
    assert_eq!(
        page.texts(".grid th"),
        ["column_1", "column_2", "column_3", "column_4", "column_5"]
    );
}

#[wasm_bindgen_test]
async fn an_encoding_override_changes_what_the_grid_shows() {
    let text = "name;city\nZoë;Köln\n";
    let mut page = Page::open(picked("people.csv", text.as_bytes(), Step::File)).await;
    assert!(page.text().contains("UTF-8"));
    assert_eq!(page.texts(".grid td"), ["Zoë", "Köln"]);

    page.choose(&page.labelled("Encoding", "select"), "cp1252")
        .await;
    let (_, options) = inspected(&page.serve().await).await;
    assert_eq!(options.encoding, Some(Encoding::Windows1252));
    assert!(page.text().contains("Windows-1252"), "{}", page.text());
    // UTF-8 bytes read as Windows-1252: what a wrong guess looks like.
    assert_eq!(page.texts(".grid td"), ["ZoÃ«", "KÃ¶ln"]);
}

#[wasm_bindgen_test]
async fn a_dropped_ndjson_file_hides_the_csv_only_settings() {
    let mut page = Page::open(State::default()).await;
    let ndjson = "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"A\"}\n";
    page.drop_on(
        &page.find("section.drop"),
        Some(("events.ndjson", ndjson.as_bytes())),
    )
    .await;
    let (bytes, _) = inspected(&page.serve().await).await;
    assert_eq!(bytes, ndjson.as_bytes());
    assert!(
        page.text()
            .contains("NDJSON (one JSON object per line), UTF-8"),
        "{}",
        page.text()
    );
    assert!(page.has_label("Format") && page.has_label("Encoding"));
    assert!(!page.has_label("Delimiter"), "no delimiter for JSON");
    assert!(!page.has_label("Header row"), "no header row for JSON");
}

#[wasm_bindgen_test]
async fn dropping_something_that_is_not_a_file_says_what_to_do() {
    let mut page = Page::open(State::default()).await;
    page.drop_on(&page.find("section.drop"), None).await;
    let banner = page.find("[role=alert]").text_content().unwrap();
    assert!(
        banner.contains("What was dropped is not a file"),
        "{banner}"
    );
    assert!(
        banner.contains("What to do: Drag the files or the folder themselves"),
        "{banner}"
    );
    assert!(page.sent().is_empty(), "nothing to inspect");

    page.click(&page.button("Dismiss")).await;
    assert!(!page.has("[role=alert]"));
}

#[wasm_bindgen_test]
async fn a_file_that_is_not_text_is_named_and_not_mapped() {
    // After a good file, so nothing of it lingers.
    let mut page = Page::open(picked("orders.csv", ORDERS.as_bytes(), Step::File)).await;
    let png = include_bytes!("../../../tests/fixtures/not-text/photo.png");
    page.pick_file(&page.find("#file-input"), "photo.png", png)
        .await;
    page.serve().await;
    let text = page.text();
    assert!(
        text.contains("This file is a PNG image, not a data export"),
        "{text}"
    );
    assert!(text.contains("CSV UTF-8"), "{text}");
    assert!(!page.has(".grid"), "no preview of garbage");
    assert!(!text.contains("Windows-1252"), "{text}");
    assert!(disabled(&page.button("Map →")), "nothing to map");

    // A workbook is read (tables.rs), but not inside gzip.
    let xlsx = include_bytes!("../../../tests/fixtures/not-text/events.xlsx");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, xlsx).expect("gzip in memory");
    let gzipped = gz.finish().expect("gzip in memory");
    page.pick_file(&page.find("#file-input"), "events.xlsx.gz", &gzipped)
        .await;
    page.serve().await;
    let text = page.text();
    assert!(
        text.contains("This gzip file holds an Excel workbook"),
        "{text}"
    );
    assert!(text.contains("unpack it first"), "{text}");
    assert!(disabled(&page.button("Map →")));
}
