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

use base64::Engine as _;
use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, RequestInit, Response};

use super::error::{codes, describe, JsApiError, JsResult};
use super::options::Auth;
use super::time::now_ms;
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
    pub fn new(endpoint: &str, write_key: &str, auth: Auth) -> JsResult<Transport> {
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
        })
    }

    /// The endpoint, for messages.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Posts one body and reports how it ended. Never fails: every failure
    /// is an [`Outcome`] the engine knows what to do with.
    pub async fn post(&self, body: &[u8], timeout_ms: u64) -> Outcome {
        let init = match self.request(body, timeout_ms) {
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

    fn request(&self, body: &[u8], timeout_ms: u64) -> Result<RequestInit, JsValue> {
        let headers = Headers::new()?;
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
        Outcome::NetworkError(format!(
            "no answer from {} ({}). Check that the address is right and reachable, that the \
             network is up, and, in a browser, that the endpoint allows requests from this \
             page's origin (CORS)",
            self.endpoint,
            describe(error)
        ))
    }
}

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
