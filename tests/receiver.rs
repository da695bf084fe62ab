//! End-to-end tests of the local receiver over real loopback HTTP.
#![cfg(feature = "cli")]

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
    let out = out_path("valid");
    let receiver = start(ReceiverConfig {
        out: Some(out.clone()),
        ..ReceiverConfig::default()
    })
    .await?;
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
async fn an_answered_batch_is_already_in_the_out_file() -> TestResult {
    let out = out_path("on-disk");
    let receiver = start(ReceiverConfig {
        out: Some(out.clone()),
        ..ReceiverConfig::default()
    })
    .await?;
    let client = client()?;
    let mut sent = Vec::new();
    for b in 0..5 {
        let messages: Vec<Value> = (0..50)
            .map(|m| track(&format!("disk-{b}-{m}"), "u"))
            .collect();
        let (status, _) = post(
            &client,
            &url(&receiver, "/v1/import"),
            batch(messages.clone()),
        )
        .await?;
        assert_eq!(status, 200);
        sent.extend(messages);
        // Read at once, no sleep: the answer came after the write.
        assert_eq!(read_lines(&out)?, sent, "after batch {b}");
    }
    receiver.shutdown().await;
    Ok(())
}

/// A write that fails is answered 500 (the client retries) and counts
/// nothing. `/dev/full` fails every write with ENOSPC, as a full disk would.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_failed_write_is_answered_500_and_counts_nothing() -> TestResult {
    let receiver = start(ReceiverConfig {
        out: Some(PathBuf::from("/dev/full")),
        ..ReceiverConfig::default()
    })
    .await?;
    let (status, answer) = post(
        &client()?,
        &url(&receiver, "/v1/batch"),
        batch(vec![track("full-1", "u"), track("full-2", "u")]),
    )
    .await?;
    assert_eq!(status, 500);
    assert_eq!(answer["success"], json!(false));
    let stats = receiver.stats();
    receiver.shutdown().await;
    assert_eq!((stats.requests, stats.messages), (1, 0));
    assert_eq!(stats.by_status.get(&500), Some(&1));
    Ok(())
}

/// `segment-backfill receive` as people run it, in a child process that a
/// failed test does not leave behind.
#[cfg(unix)]
struct ChildReceiver {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`, as its banner names it.
    url: String,
    /// The rest of its stderr, read to the end by a thread.
    stderr: Option<std::thread::JoinHandle<Vec<String>>>,
}

#[cfg(unix)]
impl ChildReceiver {
    /// Starts it on a free port, with `out` as its out file.
    fn start(out: &std::path::Path) -> Result<ChildReceiver, Box<dyn Error>> {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_segment-backfill"))
            .args(["receive", "--listen", "127.0.0.1:0", "--out"])
            .arg(out)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let mut command = ChildReceiver {
            child,
            url: String::new(),
            stderr: None,
        };
        let mut lines = std::io::BufReader::new(stderr).lines();
        let banner = lines.next().ok_or("the receiver printed nothing")??;
        command.url = banner
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .ok_or_else(|| format!("no address in {banner:?}"))?
            .to_string();
        command.stderr = Some(std::thread::spawn(move || {
            lines.map_while(Result::ok).collect()
        }));
        Ok(command)
    }

    /// Waits up to `limit` for the process to end; its status and stderr.
    async fn exit(
        &mut self,
        limit: Duration,
    ) -> Result<(std::process::ExitStatus, Vec<String>), Box<dyn Error>> {
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait()? {
                break status;
            }
            if started.elapsed() > limit {
                return Err(format!("still running after {limit:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let stderr = match self.stderr.take() {
            Some(reader) => reader.join().map_err(|_| "the stderr reader panicked")?,
            None => Vec::new(),
        };
        Ok((status, stderr))
    }
}

#[cfg(unix)]
impl Drop for ChildReceiver {
    fn drop(&mut self) {
        // Already gone when the test passed; errors say just that.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_command_stops_cleanly_on_sigterm_and_ctrl_c() -> TestResult {
    for signal in ["TERM", "INT"] {
        let out = out_path(&format!("signal-{signal}"));
        let mut command = ChildReceiver::start(&out)?;
        let client = client()?;
        let mut sent = Vec::new();
        for b in 0..4 {
            let messages: Vec<Value> = (0..250)
                .map(|m| track(&format!("{signal}-{b}-{m}"), "u"))
                .collect();
            let target = format!("{}/v1/batch", command.url);
            let (status, _) = post(&client, &target, batch(messages.clone())).await?;
            assert_eq!(status, 200);
            sent.extend(messages);
        }
        let pid = command.child.id().to_string();
        let kill = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(&pid)
            .status()?;
        assert!(kill.success(), "kill -{signal} {pid}");
        let (status, stderr) = command.exit(Duration::from_secs(10)).await?;
        assert_eq!(status.code(), Some(0), "SIG{signal}: {stderr:?}");
        assert!(
            stderr
                .iter()
                .any(|line| line.starts_with("receiver stopped: 4 requests")),
            "SIG{signal}: {stderr:?}"
        );
        assert_eq!(read_lines(&out)?, sent, "SIG{signal}");
    }
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
    let out = out_path("oversize-message");
    let receiver = start(ReceiverConfig {
        out: Some(out.clone()),
        ..ReceiverConfig::default()
    })
    .await?;
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
    let out = out_path("dropped");
    let receiver = start(ReceiverConfig {
        out: Some(out.clone()),
        ..ReceiverConfig::default()
    })
    .await?;
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
    post(
        &client,
        &url(&receiver, "/v1/batch"),
        batch(vec![track("s1", "u")]),
    )
    .await?;
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
               "dropped": 0, "byStatus": {"200": 1, "400": 1}, "faultsInjected": 0})
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

/// Posts `count` one-message batches at once; returns the statuses (None for
/// a dropped connection) and the final statistics.
async fn fire(
    config: ReceiverConfig,
    count: usize,
) -> Result<(Vec<Option<reqwest::Response>>, ReceiverStats), Box<dyn Error>> {
    let receiver = start(config).await?;
    let client = client()?;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let request = client
            .post(url(&receiver, "/v1/batch"))
            .header("origin", "http://localhost:5173")
            .body(batch(vec![track(&format!("f{i}"), "u")]));
        tasks.spawn(async move { request.send().await.ok() });
    }
    let mut responses = Vec::new();
    while let Some(response) = tasks.join_next().await {
        responses.push(response?);
    }
    let stats = receiver.stats();
    receiver.shutdown().await;
    Ok((responses, stats))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_rate_one_gives_only_faults() -> TestResult {
    let config = ReceiverConfig {
        fail_rate: 1.0,
        seed: 7,
        ..ReceiverConfig::default()
    };
    let (responses, stats) = fire(config, 30).await?;
    assert_eq!(stats.requests, 30);
    assert_eq!(stats.faults_injected, 30);
    let mut rate_limited = 0;
    let mut slow_successes = 0;
    for response in responses.iter().flatten() {
        let status = response.status().as_u16();
        assert!(matches!(status, 200 | 429 | 500 | 503), "{status}");
        assert_eq!(
            header(response, "access-control-allow-origin"),
            Some("http://localhost:5173")
        );
        assert!(header(response, "access-control-expose-headers").is_some());
        if status == 429 {
            rate_limited += 1;
            assert_eq!(header(response, "retry-after"), Some("1"));
            assert!(header(response, "x-ratelimit-reset").is_some());
        }
        if status == 200 {
            slow_successes += 1;
        }
    }
    let dropped = responses.iter().filter(|r| r.is_none()).count() as u64;
    assert!(
        rate_limited > 0 && dropped > 0 && slow_successes > 0,
        "{stats:?}"
    );
    // Only the slow fault lets messages through.
    assert_eq!(stats.messages, slow_successes);
    let answered: u64 = stats.by_status.values().sum();
    assert_eq!(answered + dropped, 30);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_rate_is_respected_and_reproducible() -> TestResult {
    let config = ReceiverConfig {
        fail_rate: 0.3,
        seed: 2026,
        ..ReceiverConfig::default()
    };
    let (first_responses, first) = fire(config.clone(), 200).await?;
    assert_eq!(first.requests, 200);
    assert!((30..=90).contains(&first.faults_injected), "{first:?}");
    let (second_responses, second) = fire(config, 200).await?;
    // Concurrent arrival may reorder who gets which fault, not how many.
    assert_eq!(first.faults_injected, second.faults_injected);
    assert_eq!(first.by_status, second.by_status);
    let dropped = |r: &[Option<reqwest::Response>]| r.iter().filter(|r| r.is_none()).count();
    assert_eq!(dropped(&first_responses), dropped(&second_responses));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_clients_all_succeed() -> TestResult {
    let out = out_path("concurrent");
    let receiver = start(ReceiverConfig {
        out: Some(out.clone()),
        ..ReceiverConfig::default()
    })
    .await?;
    let target = url(&receiver, "/v1/batch");
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..50 {
        // One client each: separate connections, each reused for its batches.
        let client = client()?;
        let target = target.clone();
        tasks.spawn(async move {
            let mut statuses = Vec::new();
            for b in 0..3 {
                let messages = (0..10)
                    .map(|m| track(&format!("c{c}-b{b}-m{m}"), "u"))
                    .collect();
                let response = client.post(&target).body(batch(messages)).send().await;
                statuses.push(response.map(|r| r.status().as_u16()).ok());
            }
            statuses
        });
    }
    while let Some(statuses) = tasks.join_next().await {
        assert!(statuses?.iter().all(|s| *s == Some(200)));
    }
    let stats = receiver.stats();
    assert_eq!(
        (stats.requests, stats.messages, stats.unique_message_ids),
        (150, 1_500, 1_500)
    );
    // Every answered batch is in the file, whole: its ten lines together.
    let lines = read_lines(&out)?;
    assert_eq!(lines.len(), 1_500);
    for chunk in lines.chunks(10) {
        let id = |m: &Value| m["messageId"].as_str().unwrap_or_default().to_string();
        let batch_of = |m: &Value| id(m).rsplit_once("-m").map(|(b, _)| b.to_string());
        for (m, message) in chunk.iter().enumerate() {
            assert_eq!(batch_of(message), batch_of(&chunk[0]), "{chunk:?}");
            assert!(id(message).ends_with(&format!("-m{m}")), "{chunk:?}");
        }
    }
    receiver.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_delay_slows_every_ingest_answer_but_not_stats() -> TestResult {
    let receiver = start(ReceiverConfig {
        delay: Duration::from_millis(300),
        ..ReceiverConfig::default()
    })
    .await?;
    let client = client()?;
    let started = std::time::Instant::now();
    let (status, _) = post(
        &client,
        &url(&receiver, "/v1/batch"),
        batch(vec![track("d1", "u")]),
    )
    .await?;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    // Processed before the answer: a client that gave up has still delivered.
    let slow = client
        .post(url(&receiver, "/v1/batch"))
        .timeout(Duration::from_millis(100))
        .body(batch(vec![track("d2", "u")]))
        .send()
        .await;
    assert!(slow.is_err(), "answered within 100 ms: {slow:?}");
    for _ in 0..50 {
        if receiver.stats().messages == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(receiver.stats().messages, 2);
    let started = std::time::Instant::now();
    let stats = client.get(url(&receiver, "/stats")).send().await?;
    assert_eq!(stats.status().as_u16(), 200);
    assert!(started.elapsed() < Duration::from_millis(300));
    receiver.shutdown().await;
    Ok(())
}

fn redirect_to(status: u16, location: &str) -> ReceiverConfig {
    ReceiverConfig {
        redirect: Some(Redirect {
            status,
            location: location.to_string(),
        }),
        ..ReceiverConfig::default()
    }
}

#[tokio::test]
async fn redirect_mode_answers_with_location_and_keeps_nothing() -> TestResult {
    let out = out_path("redirect");
    let receiver = start(ReceiverConfig {
        out: Some(out.clone()),
        ..redirect_to(307, "http://127.0.0.1:9/v1/batch")
    })
    .await?;
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()?;
    for path in ["/v1/batch", "/v1/track"] {
        let response = client
            .post(url(&receiver, path))
            .header("origin", "http://localhost:5173")
            .body(batch(vec![track("r1", "u")]))
            .send()
            .await?;
        assert_eq!(response.status().as_u16(), 307, "{path}");
        assert_eq!(
            header(&response, "location"),
            Some("http://127.0.0.1:9/v1/batch")
        );
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            Some("http://localhost:5173")
        );
    }
    // Only ingest calls are redirected.
    let stats = client.get(url(&receiver, "/stats")).send().await?;
    assert_eq!(stats.status().as_u16(), 200);
    let stats = receiver.stats();
    receiver.shutdown().await;
    assert_eq!((stats.requests, stats.messages), (2, 0));
    assert_eq!(stats.by_status.get(&307), Some(&2));
    assert!(read_lines(&out)?.is_empty());

    let receiver = start(redirect_to(308, "/v1/import")).await?;
    let response = client
        .post(url(&receiver, "/v1/batch"))
        .body(batch(vec![track("r2", "u")]))
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 308);
    assert_eq!(header(&response, "location"), Some("/v1/import"));
    Ok(())
}

#[tokio::test]
async fn a_client_that_follows_a_307_delivers_at_the_new_location() -> TestResult {
    let out = out_path("redirect-target");
    let target = start(ReceiverConfig {
        out: Some(out.clone()),
        ..ReceiverConfig::default()
    })
    .await?;
    let moved = start(redirect_to(307, &url(&target, "/v1/batch"))).await?;
    let messages = vec![track("f1", "u"), track("f2", "u")];
    // reqwest follows redirects by default; a 307 repeats the POST and body.
    let (status, _) = post(
        &client()?,
        &url(&moved, "/v1/batch"),
        batch(messages.clone()),
    )
    .await?;
    assert_eq!(status, 200);
    assert_eq!(moved.stats().by_status.get(&307), Some(&1));
    assert_eq!(moved.stats().messages, 0);
    assert_eq!(read_lines(&out)?, messages);
    moved.shutdown().await;
    target.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_invalid_redirect_is_refused_at_start() -> TestResult {
    for config in [
        redirect_to(200, "http://127.0.0.1:9/"),
        redirect_to(304, "http://127.0.0.1:9/"),
        redirect_to(307, ""),
        redirect_to(307, "http://a b/"),
    ] {
        match Receiver::start("127.0.0.1:0".parse()?, config.clone()).await {
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}"),
            Ok(_) => panic!("started with {:?}", config.redirect),
        }
    }
    Ok(())
}
