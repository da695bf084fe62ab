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
//! - Bodies are gzipped as [`crate::deliver::compress`] decides, off the
//!   async threads (`spawn_blocking`): a 475 KB body costs ~1.5 ms of one
//!   core, which must not hold up the answers of the other requests. A
//!   refusal under `auto` sends the same body again uncompressed, within the
//!   request's own timeout, and the engine sees only that second answer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::deliver::compress::{gzip_body, Compression, EncodingChoice, Verdict, GZIP_LEVEL};
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

/// `--compress`, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Compress {
    /// Gzip unless the endpoint refuses it (then uncompressed for the rest of the run).
    #[default]
    Auto,
    /// Always gzip.
    Gzip,
    /// Never compress.
    None,
}

impl From<Compress> for Compression {
    fn from(c: Compress) -> Self {
        match c {
            Compress::Auto => Compression::Auto,
            Compress::Gzip => Compression::Gzip,
            Compress::None => Compression::None,
        }
    }
}

/// What went over the wire: the bodies of the requests that were answered
/// (resends included).
#[derive(Debug, Default)]
pub struct WireCounts {
    /// Request bodies as sent (compressed or not).
    pub wire_bytes: AtomicU64,
    /// The same bodies as JSON, before compression.
    pub json_bytes: AtomicU64,
}

/// Sends batch bodies to one endpoint.
#[derive(Clone)]
pub struct Transport {
    client: reqwest::Client,
    endpoint: reqwest::Url,
    auth: Auth,
    write_key: String,
    encoding: Arc<Mutex<EncodingChoice>>,
    counts: Arc<WireCounts>,
}

impl Transport {
    /// A transport to `endpoint` (already resolved by the core's rules).
    pub fn new(
        endpoint: &str,
        auth: Auth,
        write_key: String,
        compress: Compress,
    ) -> Result<Transport, String> {
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
            encoding: Arc::new(Mutex::new(EncodingChoice::new(compress.into()))),
            counts: Arc::default(),
        })
    }

    /// The bytes counted so far.
    pub fn counts(&self) -> &WireCounts {
        &self.counts
    }

    /// Why the endpoint is taken to refuse gzip, once it is.
    pub fn gzip_refused(&self) -> Option<String> {
        self.encoding().refused().map(str::to_string)
    }

    fn encoding(&self) -> std::sync::MutexGuard<'_, EncodingChoice> {
        // The choice is plain data: a panic elsewhere cannot leave it half-made.
        self.encoding.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Performs one request (two when an endpoint refuses gzip); never
    /// fails, every failure is an [`Outcome`].
    pub async fn send(&self, t: Transmit) -> Outcome {
        let deadline = Instant::now() + Duration::from_millis(t.timeout_ms.max(1));
        let json = t.body;
        if !self.encoding().compress() {
            let len = json.len() as u64;
            return self.post(json, len, false, deadline).await;
        }
        let (json, packed) = match tokio::task::spawn_blocking(move || {
            let packed = gzip_body(&json, GZIP_LEVEL);
            (json, packed)
        })
        .await
        {
            Ok(both) => both,
            // Only a panic in flate2 lands here; the engine keeps its own
            // copy of the batch and retries it as after any network error.
            Err(e) => return Outcome::NetworkError(format!("gzip failed: {e}")),
        };
        let json_len = json.len() as u64;
        let first = self.post(packed, json_len, true, deadline).await;
        let verdict = self.encoding().after(true, &first, false);
        match verdict {
            Verdict::Keep => first,
            Verdict::ResendPlain => {
                let plain = self.post(json, json_len, false, deadline).await;
                self.encoding().after_plain(&first, &plain);
                plain
            }
        }
    }

    /// One `POST` of `body`, gzip of `json_len` bytes of JSON when `gzip`.
    async fn post(&self, body: Vec<u8>, json_len: u64, gzip: bool, deadline: Instant) -> Outcome {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Outcome::Timeout;
        }
        let wire_len = body.len() as u64;
        let mut req = self
            .client
            .post(self.endpoint.clone())
            .timeout(left)
            .body(body);
        if gzip {
            req = req.header("Content-Encoding", "gzip");
        }
        req = match self.auth {
            Auth::Basic => req
                .basic_auth(&self.write_key, Some(""))
                .header("Content-Type", "application/json"),
            Auth::Body => req.header("Content-Type", "text/plain"),
        };
        let sent = req.send().await;
        if sent.is_ok() {
            // Counted once answered (as the receiver counts what it read).
            self.counts
                .wire_bytes
                .fetch_add(wire_len, Ordering::Relaxed);
            self.counts
                .json_bytes
                .fetch_add(json_len, Ordering::Relaxed);
        }
        match sent {
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

impl From<Auth> for crate::target::KeyAuth {
    fn from(a: Auth) -> Self {
        match a {
            Auth::Basic => crate::target::KeyAuth::Basic,
            Auth::Body => crate::target::KeyAuth::Body,
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
