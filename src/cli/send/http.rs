//! The native transport: one `POST` per session [`Transmit`], answered as
//! an engine [`Outcome`].
//!
//! - Redirects are never followed: reqwest would re-POST the batch (and,
//!   with body auth, the key) to wherever a 307/308 points. A 3xx is an
//!   [`Outcome::Redirected`] naming the `Location`, which the engine treats
//!   as a refusal.
//! - Loopback never goes through a proxy (`HTTP_PROXY` set for the rest of
//!   the machine must not see the local receiver's traffic); a remote
//!   endpoint honours `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` and `NO_PROXY`,
//!   as corporate networks need.
//! - At most [`MAX_ANSWER_BYTES`] of an answer are read: a misbehaving
//!   endpoint cannot grow memory.

use std::time::Duration;

use crate::deliver::endpoint::is_loopback_authority;
use crate::deliver::{Outcome, Transmit};

/// How much of a response body is read (it only explains a refusal).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

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
    /// A transport to `endpoint` (already resolved by the core's rules).
    pub fn new(endpoint: &str, auth: Auth, write_key: String) -> Result<Transport, String> {
        let endpoint = reqwest::Url::parse(endpoint)
            .map_err(|e| format!("the endpoint {endpoint:?} is not a URL: {e}"))?;
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("segment-backfill/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none());
        if is_loopback(&endpoint) {
            builder = builder.no_proxy();
        }
        let client = builder
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
            Ok(resp) if resp.status().is_redirection() => Outcome::Redirected {
                status: Some(resp.status().as_u16()),
                location: resp
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .map(str::to_string),
            },
            Ok(resp) => {
                let code = resp.status().as_u16();
                let retry_after_ms = seconds_header(&resp, "retry-after")
                    .or_else(|| seconds_header(&resp, "x-ratelimit-reset"))
                    .map(|s| s.saturating_mul(1000));
                Outcome::Status {
                    code,
                    retry_after_ms,
                    body: bounded_text(resp).await,
                }
            }
            Err(e) if e.is_timeout() => Outcome::Timeout,
            Err(e) => Outcome::NetworkError(error_chain(&e)),
        }
    }
}

/// The first [`MAX_ANSWER_BYTES`] of an answer, as text.
async fn bounded_text(mut resp: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < MAX_ANSWER_BYTES {
        match resp.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(MAX_ANSWER_BYTES);
    String::from_utf8_lossy(&body).into_owned()
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let authority = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => return false,
    };
    is_loopback_authority(&authority)
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

/// Segment's regions, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Region {
    #[default]
    Us,
    Eu,
}

impl From<Region> for crate::deliver::endpoint::Region {
    fn from(r: Region) -> Self {
        match r {
            Region::Us => crate::deliver::endpoint::Region::Us,
            Region::Eu => crate::deliver::endpoint::Region::Eu,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_the_core_rule() {
        for (url, yes) in [
            ("http://127.0.0.1:8787/v1/batch", true),
            ("http://localhost/v1/batch", true),
            ("http://[::1]:9/v1/batch", true),
            ("https://api.segment.io/v1/batch", false),
            ("http://127.0.0.2/v1/batch", false),
        ] {
            let parsed = reqwest::Url::parse(url).expect("url");
            assert_eq!(is_loopback(&parsed), yes, "{url}");
        }
    }
}
