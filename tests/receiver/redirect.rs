//! Redirect mode: every ingest POST answered with a 3xx and kept nowhere.

use super::*;

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
    let (target, out) = start_writing("redirect-target").await?;
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
