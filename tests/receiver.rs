//! End-to-end tests of the local receiver over real loopback HTTP.
//!
//! This file holds the helpers and Segment's rules (routes, auth, limits,
//! drops, CORS); the rest, by subject, in tests/receiver/.
#![cfg(feature = "cli")]

// A test crate's root looks for modules beside it, hence the paths.
#[path = "receiver/faults.rs"]
mod faults;
#[path = "receiver/gzip.rs"]
mod gzip;
#[path = "receiver/out_file.rs"]
mod out_file;
#[path = "receiver/redirect.rs"]
mod redirect;
#[cfg(unix)]
#[path = "receiver/stopping.rs"]
mod stopping;

use std::error::Error;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use segment_backfill::cli::receive::{Receiver, ReceiverConfig, ReceiverStats, Redirect};
use serde_json::{json, Value};

type TestResult = Result<(), Box<dyn Error>>;

/// A receiver on a free loopback port.
async fn start(config: ReceiverConfig) -> Result<Receiver, Box<dyn Error>> {
    Ok(Receiver::start("127.0.0.1:0".parse()?, config).await?)
}

/// A receiver writing to a fresh out file named after `name`.
async fn start_writing(name: &str) -> Result<(Receiver, PathBuf), Box<dyn Error>> {
    let out = out_path(name);
    let receiver = start(ReceiverConfig {
        out: Some(out.clone()),
        ..ReceiverConfig::default()
    })
    .await?;
    Ok((receiver, out))
}

/// A plain HTTP client that ignores any proxy settings of the environment.
fn client() -> Result<reqwest::Client, Box<dyn Error>> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()?)
}

fn url(receiver: &Receiver, path: &str) -> String {
    format!("http://{}{}", receiver.local_addr(), path)
}

/// A fresh out-file path for one test.
fn out_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("receiver-{name}.ndjson"))
}

fn read_lines(path: &PathBuf) -> Result<Vec<Value>, Box<dyn Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = Vec::new();
    for line in text.lines() {
        lines.push(serde_json::from_str(line)?);
    }
    Ok(lines)
}

fn track(id: &str, user: &str) -> Value {
    json!({"type": "track", "userId": user, "event": "Order Completed",
           "messageId": id, "timestamp": "2020-01-01T00:00:00Z",
           "properties": {"revenue": 10}})
}

fn batch(messages: Vec<Value>) -> String {
    json!({"batch": messages, "sentAt": "2026-01-01T00:00:00.000Z",
           "context": {"library": {"name": "test", "version": "0"}}})
    .to_string()
}

/// `Authorization: Basic base64("KEY:")`.
fn basic(key: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    body: impl Into<reqwest::Body>,
) -> Result<(u16, Value), Box<dyn Error>> {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    let status = response.status().as_u16();
    let body = serde_json::from_str(&response.text().await?)?;
    Ok((status, body))
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn valid_batch_is_answered_and_written() -> TestResult {
    let (receiver, out) = start_writing("valid").await?;
    let messages = vec![track("m1", "u1"), track("m2", "u2"), track("m3", "u3")];
    let (status, body) = post(
        &client()?,
        &url(&receiver, "/v1/batch"),
        batch(messages.clone()),
    )
    .await?;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"success": true}));
    let stats = receiver.stats();
    receiver.shutdown().await;
    assert_eq!(read_lines(&out)?, messages);
    assert_eq!(
        (stats.requests, stats.messages, stats.unique_message_ids),
        (1, 3, 3)
    );
    assert_eq!(stats.by_status.get(&200), Some(&1));
    Ok(())
}

#[tokio::test]
async fn write_key_is_required_when_configured() -> TestResult {
    let receiver = start(ReceiverConfig {
        write_key: Some("right-key".to_string()),
        ..ReceiverConfig::default()
    })
    .await?;
    let client = client()?;
    let target = url(&receiver, "/v1/batch");
    let body = batch(vec![track("k1", "u")]);
    let with_key_in_body =
        |key: &str| json!({"batch": [track("k2", "u")], "writeKey": key}).to_string();

    // No key at all.
    let (status, answer) = post(&client, &target, body.clone()).await?;
    assert_eq!(status, 401);
    assert_eq!(answer["success"], json!(false));
    assert!(answer["message"].is_string());

    // Basic auth, wrong then right.
    let wrong = client
        .post(&target)
        .header("authorization", basic("wrong-key"))
        .body(body.clone())
        .send()
        .await?;
    assert_eq!(wrong.status().as_u16(), 401);
    let text = wrong.text().await?;
    assert!(
        !text.contains("wrong-key") && !text.contains("right-key"),
        "{text}"
    );
    let right = client
        .post(&target)
        .header("authorization", basic("right-key"))
        .body(body.clone())
        .send()
        .await?;
    assert_eq!(right.status().as_u16(), 200);

    // Key in the body, as the browser library sends it (text/plain, no preflight).
    for (key, expected) in [("wrong-key", 401), ("right-key", 200)] {
        let response = client
            .post(&target)
            .header("content-type", "text/plain")
            .body(with_key_in_body(key))
            .send()
            .await?;
        assert_eq!(response.status().as_u16(), expected, "key {key}");
    }
    let stats = receiver.stats();
    assert_eq!(stats.messages, 2);
    assert_eq!(stats.by_status.get(&401), Some(&3));
    Ok(())
}

#[tokio::test]
async fn any_key_is_accepted_without_a_configured_key() -> TestResult {
    let receiver = start(ReceiverConfig::default()).await?;
    let response = client()?
        .post(url(&receiver, "/v1/batch"))
        .header("authorization", basic("whatever"))
        .body(batch(vec![track("a1", "u")]))
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 200);
    Ok(())
}

#[tokio::test]
async fn preflight_allows_browser_posts() -> TestResult {
    let receiver = start(ReceiverConfig::default()).await?;
    let client = client()?;
    for path in ["/v1/batch", "/v1/track", "/anything"] {
        let response = client
            .request(reqwest::Method::OPTIONS, url(&receiver, path))
            .header("origin", "http://localhost:5173")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await?;
        assert_eq!(response.status().as_u16(), 204, "{path}");
        let origin = header(&response, "access-control-allow-origin");
        assert!(
            matches!(origin, Some("*" | "http://localhost:5173")),
            "{origin:?}"
        );
        assert_eq!(
            header(&response, "access-control-allow-methods"),
            Some("POST, GET, OPTIONS")
        );
        let allowed = header(&response, "access-control-allow-headers")
            .unwrap_or_default()
            .to_ascii_lowercase();
        for needed in ["authorization", "content-type", "content-encoding"] {
            assert!(allowed.contains(needed), "{allowed}");
        }
        assert!(header(&response, "access-control-max-age").is_some());
    }
    Ok(())
}

#[tokio::test]
async fn error_answers_carry_cors_headers() -> TestResult {
    let receiver = start(ReceiverConfig::default()).await?;
    let client = client()?;
    let invalid = client
        .post(url(&receiver, "/v1/batch"))
        .header("origin", "http://localhost:5173")
        .body("{not json")
        .send()
        .await?;
    assert_eq!(invalid.status().as_u16(), 400);
    assert_eq!(
        header(&invalid, "access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    assert_eq!(
        header(&invalid, "access-control-expose-headers"),
        Some("Retry-After, X-RateLimit-Reset")
    );
    let answer: Value = serde_json::from_str(&invalid.text().await?)?;
    assert_eq!(answer["success"], json!(false));

    let missing = client
        .post(url(&receiver, "/v2/nothing"))
        .body("{}")
        .send()
        .await?;
    assert_eq!(missing.status().as_u16(), 404);
    assert_eq!(header(&missing, "access-control-allow-origin"), Some("*"));
    Ok(())
}

#[tokio::test]
async fn oversize_body_is_400() -> TestResult {
    let receiver = start(ReceiverConfig::default()).await?;
    // Many small valid messages: only the body size is wrong.
    let messages: Vec<Value> = (0..2_400)
        .map(|i| {
            json!({"type": "track", "userId": "u", "event": "E", "messageId": format!("big-{i}"),
                   "properties": {"pad": "x".repeat(200)}})
        })
        .collect();
    let body = batch(messages);
    assert!(body.len() > 500_000);
    let (status, answer) = post(&client()?, &url(&receiver, "/v1/batch"), body).await?;
    assert_eq!(status, 400);
    assert_eq!(answer["success"], json!(false));
    assert_eq!(receiver.stats().messages, 0);
    Ok(())
}

#[tokio::test]
async fn oversize_message_rejects_the_batch() -> TestResult {
    let (receiver, out) = start_writing("oversize-message").await?;
    let mut big = track("big", "u");
    big["properties"]["blob"] = json!("x".repeat(33 * 1024));
    let (status, _) = post(
        &client()?,
        &url(&receiver, "/v1/batch"),
        batch(vec![track("small", "u"), big]),
    )
    .await?;
    assert_eq!(status, 400);
    receiver.shutdown().await;
    assert!(read_lines(&out)?.is_empty());
    Ok(())
}

#[tokio::test]
async fn too_many_messages_is_400() -> TestResult {
    let receiver = start(ReceiverConfig::default()).await?;
    let messages = (0..2_501)
        .map(|i| json!({"type": "identify", "userId": format!("u{i}")}))
        .collect();
    let (status, _) = post(&client()?, &url(&receiver, "/v1/batch"), batch(messages)).await?;
    assert_eq!(status, 400);
    let messages = (0..2_500)
        .map(|i| json!({"type": "identify", "userId": format!("u{i}")}))
        .collect();
    let (status, _) = post(&client()?, &url(&receiver, "/v1/batch"), batch(messages)).await?;
    assert_eq!(status, 200);
    Ok(())
}

#[tokio::test]
async fn messages_without_identity_are_dropped_silently() -> TestResult {
    let (receiver, out) = start_writing("dropped").await?;
    let messages = vec![
        track("keep", "u"),
        json!({"type": "track", "event": "No One", "messageId": "d1"}),
        json!({"type": "track", "userId": "u", "messageId": "d2"}),
        json!({"type": "alias", "userId": "u", "messageId": "d3"}),
        json!({"type": "identify", "userId": 42, "messageId": "d4"}),
    ];
    let (status, answer) = post(&client()?, &url(&receiver, "/v1/batch"), batch(messages)).await?;
    assert_eq!((status, answer), (200, json!({"success": true})));
    let stats = receiver.stats();
    receiver.shutdown().await;
    assert_eq!((stats.messages, stats.dropped), (1, 4));
    assert_eq!(read_lines(&out)?, vec![track("keep", "u")]);
    Ok(())
}

#[tokio::test]
async fn duplicate_message_ids_are_counted() -> TestResult {
    let receiver = start(ReceiverConfig::default()).await?;
    let client = client()?;
    let target = url(&receiver, "/v1/batch");
    let no_id = json!({"type": "identify", "anonymousId": "a"});
    for _ in 0..2 {
        let body = batch(vec![
            track("dup-1", "u"),
            track("dup-2", "u"),
            no_id.clone(),
        ]);
        assert_eq!(post(&client, &target, body).await?.0, 200);
    }
    let stats = receiver.stats();
    assert_eq!(stats.messages, 6);
    assert_eq!(stats.unique_message_ids, 4); // 2 ids + 2 id-less messages
    assert_eq!(stats.duplicates, 2);
    Ok(())
}

#[tokio::test]
async fn stats_route_serves_json() -> TestResult {
    let receiver = start(ReceiverConfig::default()).await?;
    let client = client()?;
    let body = batch(vec![track("s1", "u")]);
    let bytes = body.len() + "nope".len();
    post(&client, &url(&receiver, "/v1/batch"), body).await?;
    post(&client, &url(&receiver, "/v1/batch"), "nope")
        .await
        .ok();
    let response = client.get(url(&receiver, "/stats")).send().await?;
    assert_eq!(response.status().as_u16(), 200);
    assert!(header(&response, "access-control-allow-origin").is_some());
    let stats: Value = serde_json::from_str(&response.text().await?)?;
    assert_eq!(
        stats,
        json!({"requests": 2, "messages": 1, "uniqueMessageIds": 1, "duplicates": 0,
               "dropped": 0, "byStatus": {"200": 1, "400": 1}, "faultsInjected": 0,
               "wireBytes": bytes, "bodyBytes": bytes, "gzipRequests": 0})
    );
    let index = client.get(url(&receiver, "/")).send().await?;
    assert_eq!(index.status().as_u16(), 200);
    assert!(index.text().await?.contains("receiver"));
    let wrong_method = client.get(url(&receiver, "/v1/batch")).send().await?;
    assert_eq!(wrong_method.status().as_u16(), 405);
    Ok(())
}

#[tokio::test]
async fn poison_marker_rejects_the_whole_batch() -> TestResult {
    let receiver = start(ReceiverConfig {
        poison_marker: Some("__POISON__".to_string()),
        ..ReceiverConfig::default()
    })
    .await?;
    let mut poisoned = track("p2", "u");
    poisoned["properties"]["note"] = json!("__POISON__");
    let (status, _) = post(
        &client()?,
        &url(&receiver, "/v1/batch"),
        batch(vec![track("p1", "u"), poisoned]),
    )
    .await?;
    assert_eq!(status, 400);
    assert_eq!(receiver.stats().messages, 0);
    Ok(())
}

#[tokio::test]
async fn single_call_routes_take_one_message() -> TestResult {
    let out = out_path("single");
    let receiver = start(ReceiverConfig {
        out: Some(out.clone()),
        write_key: Some("k".to_string()),
        ..ReceiverConfig::default()
    })
    .await?;
    let client = client()?;
    let body = json!({"userId": "u", "event": "Signed Up", "messageId": "t1", "writeKey": "k"});
    let (status, _) = post(&client, &url(&receiver, "/v1/track"), body.to_string()).await?;
    assert_eq!(status, 200);
    let body = json!({"userId": "u", "traits": {"email": "a@b.c"}, "writeKey": "k"});
    let (status, _) = post(&client, &url(&receiver, "/v1/identify"), body.to_string()).await?;
    assert_eq!(status, 200);
    receiver.shutdown().await;
    let lines = read_lines(&out)?;
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["type"], json!("track"));
    assert_eq!(lines[0]["event"], json!("Signed Up"));
    assert_eq!(lines[1]["type"], json!("identify"));
    assert!(lines.iter().all(|line| line.get("writeKey").is_none()));
    Ok(())
}

#[tokio::test]
async fn gzip_bodies_are_accepted() -> TestResult {
    let receiver = start(ReceiverConfig::default()).await?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(batch(vec![track("g1", "u"), track("g2", "u")]).as_bytes())?;
    let response = client()?
        .post(url(&receiver, "/v1/batch"))
        .header("content-encoding", "gzip")
        .body(encoder.finish()?)
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(receiver.stats().messages, 2);
    Ok(())
}
