//! The one kind of request the driver makes: `POST` a batch body with
//! `fetch`, turned into the engine's [`Outcome`].
//!
//! Works wherever `fetch` is global (windows, workers, Node 18+). A request
//! is abandoned after the engine's timeout with `AbortSignal.timeout`. A
//! rejected `fetch` (a `TypeError`: CORS refusal, DNS, connection refused,
//! offline) becomes [`Outcome::NetworkError`] with words a person can act
//! on. The write key is only ever put in the request, never in a message.
//!
//! Redirects are not followed (`redirect: "manual"`): a 307/308 would make
//! the browser re-POST the batch (and a body-auth key) to wherever it
//! points. The browser hides such an answer's status and `Location`
//! ("opaqueredirect"); it becomes [`Outcome::Redirected`], a refusal. At
//! most [`MAX_ANSWER_CHARS`] of an answer are kept.
//!
//! Bodies are gzipped by the wasm core (flate2, level [`GZIP_LEVEL`]) as
//! [`crate::deliver::compress`] decides. `Content-Encoding` is not a
//! CORS-safelisted header: the request needs a preflight that allows it, and
//! a refusal there rejects the `fetch` before any body is sent. So under
//! `auto`, until the endpoint has taken one gzip body, a rejected `fetch` (a
//! 415, a 400) is tried once more uncompressed, and a success then makes the
//! rest of the run uncompressed.

use std::cell::{Cell, RefCell};

use base64::Engine as _;
use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, RequestInit, Response};

use super::error::{codes, describe, origin_is_null, JsApiError, JsResult};
use super::options::Auth;
use super::time::now_ms;
use crate::deliver::compress::{gzip_body, Compression, EncodingChoice, Verdict, GZIP_LEVEL};
use crate::deliver::endpoint::{resolve, Region};
use crate::deliver::Outcome;

/// How much of an answer is kept (it only explains a refusal).
pub const MAX_ANSWER_CHARS: usize = 64 * 1024;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_init(url: &str, init: &RequestInit) -> Promise;
}

/// Where and how batches are posted.
pub struct Transport {
    endpoint: String,
    /// `Basic …` when the key goes in a header; `None` when it is in the body.
    authorization: Option<String>,
    encoding: RefCell<EncodingChoice>,
    /// Bytes of request bodies that were answered, resends included.
    wire_bytes: Cell<u64>,
    /// The same bodies as JSON, before compression.
    json_bytes: Cell<u64>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Transport")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport to `endpoint` (checked: https, or http on loopback).
    /// With [`Auth::Body`] the key must be in the batch bodies already
    /// (`BatchOptions::write_key`).
    pub fn new(
        endpoint: &str,
        write_key: &str,
        auth: Auth,
        compression: Compression,
    ) -> JsResult<Transport> {
        if endpoint.trim().is_empty() {
            return Err(JsApiError::new(
                codes::INVALID_ENDPOINT,
                format!(
                    "the endpoint is required, e.g. {} (or {} for the EU)",
                    Region::Us.endpoint(),
                    Region::Eu.endpoint()
                ),
            ));
        }
        let endpoint = resolve(Some(endpoint), Region::Us)?;
        let authorization = match auth {
            Auth::Basic => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{write_key}:"))
            )),
            Auth::Body => None,
        };
        Ok(Transport {
            endpoint,
            authorization,
            encoding: RefCell::new(EncodingChoice::new(compression)),
            wire_bytes: Cell::new(0),
            json_bytes: Cell::new(0),
        })
    }

    /// Bytes sent so far: (on the wire, as JSON).
    pub fn bytes(&self) -> (u64, u64) {
        (self.wire_bytes.get(), self.json_bytes.get())
    }

    /// Why the endpoint is taken to refuse gzip, once it is.
    pub fn gzip_refused(&self) -> Option<String> {
        self.encoding.borrow().refused().map(str::to_string)
    }

    /// Posts one body (twice when the endpoint refuses gzip: the same body
    /// uncompressed, within the same timeout) and reports how it ended.
    /// Never fails: every failure is an [`Outcome`].
    pub async fn post(&self, body: &[u8], timeout_ms: u64) -> Outcome {
        let compress = self.encoding.borrow().compress();
        if !compress {
            return self.post_once(body, body.len(), false, timeout_ms).await;
        }
        let deadline = now_ms() + timeout_ms as f64;
        let packed = gzip_body(body, GZIP_LEVEL);
        let first = self.post_once(&packed, body.len(), true, timeout_ms).await;
        let verdict = self.encoding.borrow_mut().after(true, &first, true);
        if verdict == Verdict::Keep {
            return first;
        }
        let left = deadline - now_ms();
        if left < 1.0 {
            return Outcome::Timeout;
        }
        let plain = self.post_once(body, body.len(), false, left as u64).await;
        self.encoding.borrow_mut().after_plain(&first, &plain);
        plain
    }

    /// The endpoint, for messages.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// One `POST` of `body` (gzip of `json_len` bytes of JSON when `gzip`).
    async fn post_once(
        &self,
        body: &[u8],
        json_len: usize,
        gzip: bool,
        timeout_ms: u64,
    ) -> Outcome {
        let init = match self.request(body, gzip, timeout_ms) {
            Ok(init) => init,
            Err(e) => {
                return Outcome::NetworkError(format!("cannot build the request: {}", describe(&e)))
            }
        };
        let answer = JsFuture::from(fetch_with_init(&self.endpoint, &init)).await;
        let response: Response = match answer.and_then(|r| r.dyn_into::<Response>()) {
            Ok(r) => r,
            Err(e) => return self.failure(&e),
        };
        // Counted once answered: a body refused at the preflight never left.
        self.wire_bytes
            .set(self.wire_bytes.get() + body.len() as u64);
        self.json_bytes.set(self.json_bytes.get() + json_len as u64);
        if response.type_() == web_sys::ResponseType::Opaqueredirect
            || (300..400).contains(&response.status())
        {
            let location = response.headers().get("location").ok().flatten();
            let status = response.status();
            return Outcome::Redirected {
                status: (status != 0).then_some(status),
                location,
            };
        }
        let header = |name: &str| response.headers().get(name).ok().flatten();
        let retry_after_ms = retry_after_ms(
            header("retry-after").as_deref(),
            header("x-ratelimit-reset").as_deref(),
            now_ms(),
        );
        let code = response.status();
        let mut body = match response.text() {
            Ok(p) => JsFuture::from(p)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        if let Some((cut, _)) = body.char_indices().nth(MAX_ANSWER_CHARS) {
            body.truncate(cut);
        }
        Outcome::Status {
            code,
            retry_after_ms,
            body,
        }
    }

    fn request(&self, body: &[u8], gzip: bool, timeout_ms: u64) -> Result<RequestInit, JsValue> {
        let headers = Headers::new()?;
        if gzip {
            // (Not CORS-safelisted: this makes even a text/plain post preflighted.)
            headers.set("Content-Encoding", "gzip")?;
        }
        match &self.authorization {
            Some(auth) => {
                headers.set("Content-Type", "application/json")?;
                headers.set("Authorization", auth)?;
            }
            // text/plain and no Authorization: a CORS "simple request", no preflight.
            None => headers.set("Content-Type", "text/plain")?,
        }
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_redirect(web_sys::RequestRedirect::Manual);
        init.set_headers(&headers);
        init.set_body(&Uint8Array::from(body));
        let signal = AbortSignal::timeout_with_u32(timeout_ms.min(u32::MAX as u64) as u32);
        init.set_signal(Some(&signal));
        Ok(init)
    }

    /// A rejected `fetch`: the timeout fired, or there was no answer at all.
    fn failure(&self, error: &JsValue) -> Outcome {
        let name = Reflect::get(error, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        if name == "TimeoutError" || name == "AbortError" {
            return Outcome::Timeout;
        }
        // Said first when the origin is `null`: a reason is cut at 300
        // characters where it is shown.
        let advice = if origin_is_null() {
            NULL_ORIGIN_ADVICE
        } else {
            "Check that the address is right and reachable, that the network is up, and, in a \
             browser, that the endpoint allows requests from this page's origin (CORS)"
        };
        Outcome::NetworkError(format!(
            "no answer from {} ({}). {advice}",
            self.endpoint,
            describe(error)
        ))
    }
}

/// What a rejected `fetch` from a page whose origin is `null` most likely
/// means.
const NULL_ORIGIN_ADVICE: &str = "This page was opened from disk, so its origin is `null`, which \
    some endpoints refuse: serve the page from a web server (`make serve-app` in the project) or \
    use the hosted page. Else check the address and the network";

/// `Retry-After` (seconds, or an HTTP date) or else `X-RateLimit-Reset`
/// (seconds from now; a value that looks like an epoch time in seconds is
/// read as one) in milliseconds from `now`.
pub fn retry_after_ms(retry_after: Option<&str>, reset: Option<&str>, now: f64) -> Option<u64> {
    let seconds = |text: &str| -> Option<f64> {
        let v: f64 = text.trim().parse().ok()?;
        (v.is_finite() && v >= 0.0).then_some(v)
    };
    if let Some(text) = retry_after {
        if let Some(s) = seconds(text) {
            return Some((s * 1000.0) as u64);
        }
        let at = js_sys::Date::parse(text.trim());
        if at.is_finite() {
            return Some((at - now).max(0.0) as u64);
        }
    }
    let s = seconds(reset?)?;
    // An epoch time (seconds) rather than a delay.
    if s > 1_000_000_000.0 {
        return Some((s * 1000.0 - now).max(0.0) as u64);
    }
    Some((s * 1000.0) as u64)
}
