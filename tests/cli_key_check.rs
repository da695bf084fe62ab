//! `send` asks Segment's CDN about the write key before the first batch:
//! against a stand-in for the CDN (200 with a settings document for the
//! keys it knows, 404 for the others), an unknown key stops the send with
//! nothing sent, a source of the other region is refused, a CDN that does
//! not answer stops it too unless told to send anyway, and a known key
//! sends, naming the source's destinations.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use common::{send_cmd, temp_dir, write_orders, Local};
use segment_backfill::cli::receive::ReceiverConfig;

/// A stand-in for Segment's CDN on a free port: `GET /cdn/us-key/settings`
/// and `/cdn/eu-key/settings` answer a settings document for a source in
/// that region; any other path 404, as the CDN does. Returns its base URL.
fn cdn() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}/cdn", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // The rest of the request head.
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = line.split_whitespace().nth(1).unwrap_or("");
            let host = match path {
                "/cdn/us-key/settings" => Some("api.segment.io/v1"),
                "/cdn/eu-key/settings" => Some("events.eu1.segmentapis.com/v1"),
                _ => None,
            };
            let (status, body) = match host {
                Some(host) => (
                    "200 OK",
                    serde_json::json!({"integrations": {
                        "Google Analytics 4 Web": {},
                        "Segment.io": {"apiHost": host, "unbundledIntegrations": ["Amplitude", "Webhooks"]}
                    }})
                    .to_string(),
                ),
                None => ("404 Not Found", "Invalid path or write key provided.".to_string()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

/// `send` of 20 valid orders with `key`; `name` keeps each call's files apart.
fn send(name: &str, key: &str, endpoint: &str, extra: &[&str]) -> (i32, String) {
    let dir = temp_dir(&format!("key-check-{name}"));
    let (file, mapping) = write_orders(&dir, 20, None);
    let out = send_cmd(&file, &mapping, endpoint, extra)
        .env("SEGMENT_WRITE_KEY", key)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_unknown_key_stops_the_send_before_anything_is_sent() {
    let (cdn, local) = (cdn(), Local::start(ReceiverConfig::default()));
    let (code, err) = send("unknown", "typo-key", &local.url, &["--settings-url", &cdn]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("Segment does not know this write key"),
        "{err}"
    );
    assert!(err.contains("Nothing was sent"), "{err}");
    assert_eq!(local.stats().messages, 0);
}

#[test]
fn a_known_key_sends_and_names_the_sources_destinations() {
    let (cdn, local) = (cdn(), Local::start(ReceiverConfig::default()));
    let (code, err) = send("known", "us-key", &local.url, &["--settings-url", &cdn]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "write key checked with Segment: its source has 3 destinations (Amplitude, \
             Webhooks, Google Analytics 4 Web)"
        ),
        "{err}"
    );
    assert_eq!(local.stats().messages, 20);
}

#[test]
fn a_source_of_the_other_region_is_refused() {
    let cdn = cdn();
    // Refused before any request to the API host: nothing leaves.
    let (code, err) = send(
        "region",
        "eu-key",
        "https://api.segment.io/v1/batch",
        &["--settings-url", &cdn],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("this write key's source is in the EU region"),
        "{err}"
    );
    assert!(
        err.contains("Choose the EU endpoint (nothing was sent)"),
        "{err}"
    );
}

#[test]
fn a_cdn_that_does_not_answer_stops_the_send_unless_told_to_send_anyway() {
    let local = Local::start(ReceiverConfig::default());
    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let nowhere = format!("http://{}/cdn", closed.local_addr().expect("addr"));
    drop(closed);
    let (code, err) = send(
        "no-cdn",
        "us-key",
        &local.url,
        &["--settings-url", &nowhere],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the write key could not be checked"), "{err}");
    assert!(
        err.contains("--no-key-check sends without checking the key"),
        "{err}"
    );
    assert!(!err.contains("us-key"), "the key is never printed: {err}");
    assert_eq!(local.stats().messages, 0);
    let (code, err) = send(
        "no-cdn-anyway",
        "us-key",
        &local.url,
        &["--settings-url", &nowhere, "--no-key-check"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(local.stats().messages, 20);
}
