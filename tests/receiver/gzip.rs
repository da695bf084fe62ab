//! Gzip bodies: the bytes counted in `/stats`, and the two refusals a
//! client's gzip fallback must survive (`--refuse-gzip`, and a preflight
//! without `Content-Encoding`).

use std::io::Write as _;

use segment_backfill::cli::receive::ReceiverConfig;

use super::{batch, client, header, start, track, url, TestResult};

fn gzip(text: &str) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(text.as_bytes())?;
    encoder.finish()
}

#[tokio::test]
async fn stats_count_bytes_on_the_wire_and_decoded() -> TestResult {
    let receiver = start(ReceiverConfig::default()).await?;
    let json = batch((0..50).map(|i| track(&format!("w{i}"), "u")).collect());
    let packed = gzip(&json)?;
    let client = client()?;
    let response = client
        .post(url(&receiver, "/v1/batch"))
        .header("content-encoding", "gzip")
        .body(packed.clone())
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 200);
    let plain = batch(vec![track("p1", "u")]);
    let response = client
        .post(url(&receiver, "/v1/batch"))
        .body(plain.clone())
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 200);
    let stats = receiver.stats();
    assert_eq!(stats.wire_bytes, (packed.len() + plain.len()) as u64);
    assert_eq!(stats.body_bytes, (json.len() + plain.len()) as u64);
    assert_eq!(stats.gzip_requests, 1);
    // And in /stats, camelCase.
    let answer: serde_json::Value = serde_json::from_str(
        &client
            .get(url(&receiver, "/stats"))
            .send()
            .await?
            .text()
            .await?,
    )?;
    assert_eq!(answer["wireBytes"], stats.wire_bytes);
    assert_eq!(answer["bodyBytes"], stats.body_bytes);
    Ok(())
}

#[tokio::test]
async fn refuse_gzip_answers_415_and_keeps_nothing() -> TestResult {
    let receiver = start(ReceiverConfig {
        refuse_gzip: true,
        ..ReceiverConfig::default()
    })
    .await?;
    let json = batch(vec![track("r1", "u")]);
    let client = client()?;
    let response = client
        .post(url(&receiver, "/v1/batch"))
        .header("content-encoding", "gzip")
        .body(gzip(&json)?)
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 415);
    assert_eq!(receiver.stats().messages, 0);
    // The same batch uncompressed is taken.
    let response = client
        .post(url(&receiver, "/v1/batch"))
        .body(json)
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 200);
    let stats = receiver.stats();
    assert_eq!((stats.messages, stats.duplicates), (1, 0));
    assert_eq!(stats.by_status.get(&415), Some(&1));
    Ok(())
}

#[tokio::test]
async fn the_preflight_can_leave_content_encoding_out() -> TestResult {
    for allow in [true, false] {
        let receiver = start(ReceiverConfig {
            cors_content_encoding: allow,
            ..ReceiverConfig::default()
        })
        .await?;
        let response = client()?
            .request(reqwest::Method::OPTIONS, url(&receiver, "/v1/batch"))
            .header("origin", "http://localhost:5173")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-encoding")
            .send()
            .await?;
        let allowed = header(&response, "access-control-allow-headers")
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert_eq!(allowed.contains("content-encoding"), allow, "{allowed}");
        assert!(allowed.contains("content-type"), "{allowed}");
    }
    Ok(())
}
