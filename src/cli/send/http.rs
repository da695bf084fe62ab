//! The native transport: one `POST` per engine [`Transmit`], answered as an
//! engine [`Outcome`].

use std::time::Duration;

use crate::deliver::{Outcome, Transmit};

/// How the write key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Auth {
    /// `Authorization: Basic base64(KEY:)`, `Content-Type: application/json`.
    Basic,
    /// `"writeKey"` in the body, `Content-Type: text/plain` (what analytics.js does).
    Body,
}

/// Sends batch bodies to one endpoint.
#[derive(Clone)]
pub struct Transport {
    client: reqwest::Client,
    endpoint: reqwest::Url,
    auth: Auth,
    write_key: String,
}

impl Transport {
    pub fn new(endpoint: reqwest::Url, auth: Auth, write_key: String) -> Result<Transport, String> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("segment-backfill/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        Ok(Transport {
            client,
            endpoint,
            auth,
            write_key,
        })
    }

    /// Performs one request; never fails, every failure is an [`Outcome`].
    pub async fn send(&self, t: Transmit) -> Outcome {
        let mut req = self
            .client
            .post(self.endpoint.clone())
            .timeout(Duration::from_millis(t.timeout_ms.max(1)))
            .body(t.body);
        req = match self.auth {
            Auth::Basic => req
                .basic_auth(&self.write_key, Some(""))
                .header("Content-Type", "application/json"),
            Auth::Body => req.header("Content-Type", "text/plain"),
        };
        match req.send().await {
            Ok(resp) => {
                let code = resp.status().as_u16();
                let retry_after_ms = seconds_header(&resp, "retry-after")
                    .or_else(|| seconds_header(&resp, "x-ratelimit-reset"))
                    .map(|s| s.saturating_mul(1000));
                let body = match resp.text().await {
                    Ok(b) => b.chars().take(2_000).collect(),
                    Err(_) => String::new(),
                };
                Outcome::Status {
                    code,
                    retry_after_ms,
                    body,
                }
            }
            Err(e) if e.is_timeout() => Outcome::Timeout,
            Err(e) => Outcome::NetworkError(error_chain(&e)),
        }
    }
}

fn seconds_header(resp: &reqwest::Response, name: &str) -> Option<u64> {
    let v = resp.headers().get(name)?.to_str().ok()?.trim();
    v.parse::<u64>().ok().or_else(|| {
        v.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f.ceil() as u64)
    })
}

/// "error sending request: connection refused" instead of only the outer layer.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// The endpoint a user means: a region preset, or a URL checked for sense.
pub fn endpoint(url: Option<&str>, region: Region) -> Result<reqwest::Url, String> {
    let text = url.unwrap_or(match region {
        Region::Us => "https://api.segment.io/v1/batch",
        Region::Eu => "https://events.eu1.segmentapis.com/v1/batch",
    });
    let mut parsed =
        reqwest::Url::parse(text).map_err(|e| format!("--endpoint {text:?} is not a URL: {e}"))?;
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        "http" => {
            return Err(format!(
                "--endpoint {text}: plain http is only allowed to this machine (127.0.0.1, localhost); use https"
            ))
        }
        other => return Err(format!("--endpoint {text}: {other}:// is not http or https")),
    }
    if parsed.path() == "/" || parsed.path().is_empty() {
        parsed.set_path("/v1/batch");
    }
    Ok(parsed)
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Segment's regions (a write key belongs to one; the wrong region drops data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Region {
    #[default]
    Us,
    Eu,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            endpoint(None, Region::Us)
                .map(|u| u.to_string())
                .ok()
                .as_deref(),
            Some("https://api.segment.io/v1/batch")
        );
        assert_eq!(
            endpoint(None, Region::Eu)
                .map(|u| u.to_string())
                .ok()
                .as_deref(),
            Some("https://events.eu1.segmentapis.com/v1/batch")
        );
        assert_eq!(
            endpoint(Some("http://127.0.0.1:8787"), Region::Us)
                .map(|u| u.to_string())
                .ok()
                .as_deref(),
            Some("http://127.0.0.1:8787/v1/batch")
        );
        assert!(endpoint(Some("http://localhost:9/v1/import"), Region::Us).is_ok());
        assert!(endpoint(Some("http://example.com/v1/batch"), Region::Us)
            .unwrap_err()
            .contains("only allowed"));
        assert!(endpoint(Some("ftp://x"), Region::Us).is_err());
        assert!(endpoint(Some("not a url"), Region::Us).is_err());
    }
}
