//! Injected faults and delays: what a client's retry loop meets.

use super::*;

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
