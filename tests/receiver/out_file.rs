//! What the out file holds, and when: every answered batch, whole, before
//! the answer; nothing of a batch that could not be written.

use super::*;

#[tokio::test]
async fn an_answered_batch_is_already_in_the_out_file() -> TestResult {
    let (receiver, out) = start_writing("on-disk").await?;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_clients_all_succeed() -> TestResult {
    let (receiver, out) = start_writing("concurrent").await?;
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
