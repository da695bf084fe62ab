//! The write-key check in the browser and Node: one `GET` of the source's
//! settings from Segment's CDN ([`crate::source_settings`] says what the
//! answer means), before `importFile` sends anything, and on its own as
//! `checkWriteKey` (the app's "Check key" button).
//!
//! A rejected `fetch` (offline, DNS, a CORS refusal) is a
//! `key_check_failed`, never a pass: the caller decides whether to send
//! anyway (`keyCheck: false`). The key is put in the URL's path, so it goes
//! to the settings host only (Segment's CDN over https unless `settingsUrl`
//! says otherwise), and is never in a message.

use js_sys::{Promise, Reflect};
use serde::Serialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestInit, Response};

use super::error::{codes, JsApiError, JsResult};
use super::options::{from_js, target_from};
use crate::source_settings::{
    check_base, settings_url, KeyCheck, KeyKnown, KeyStop, MAX_SETTINGS_BYTES,
};
use crate::target::Target;

/// How long the CDN may take to answer.
const TIMEOUT_MS: u32 = 15_000;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_get(url: &str, init: &RequestInit) -> Promise;
}

/// What Segment's CDN said of a write key it knows.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct KeyCheckResult {
    /// Every destination of the source, by its exact name (cloud mode first).
    pub destinations: Vec<String>,
    /// The region the source sends to, when the answer says.
    #[tsify(optional, type = "\"us\" | \"eu\"")]
    pub region: Option<&'static str>,
    /// `integrations["Segment.io"].apiHost`, as given.
    #[tsify(optional)]
    pub api_host: Option<String>,
    /// The answer did not list the cloud-mode destinations: there may be
    /// more than `destinations`.
    pub may_be_incomplete: bool,
    /// What the answer tells, in a sentence.
    pub said: String,
}

impl From<KeyKnown> for KeyCheckResult {
    fn from(k: KeyKnown) -> Self {
        KeyCheckResult {
            destinations: k
                .settings
                .destinations()
                .into_iter()
                .map(str::to_string)
                .collect(),
            region: k.settings.region().map(|r| match r {
                crate::deliver::endpoint::Region::Us => "us",
                crate::deliver::endpoint::Region::Eu => "eu",
            }),
            api_host: k.settings.api_host.clone(),
            may_be_incomplete: k.settings.may_be_incomplete,
            said: k.said,
        }
    }
}

impl From<KeyStop> for JsApiError {
    fn from(stop: KeyStop) -> Self {
        let code = match stop {
            KeyStop::Unknown(_) => codes::UNKNOWN_WRITE_KEY,
            KeyStop::WrongRegion(_) => codes::WRONG_REGION,
            KeyStop::Unsure(_) => codes::KEY_CHECK_FAILED,
        };
        // As the CLI says it (`--no-key-check` there): the way to send
        // anyway where sending anyway can be right.
        let hint = match stop {
            KeyStop::Unknown(_) => {
                " (some source types are reported to answer 404 for a valid key: keyCheck: \
                 false sends anyway)"
            }
            KeyStop::WrongRegion(_) => "",
            KeyStop::Unsure(_) => ": keyCheck: false sends without checking the key",
        };
        JsApiError::new(code, format!("{}; nothing was sent{hint}", stop.reason()))
    }
}

/// Checks `key` for a send to `endpoint` of `target`; `Ok(None)` when the
/// check does not apply (not Segment, no `settingsUrl`).
pub async fn check(
    key: &str,
    target: Target,
    endpoint: &str,
    settings_base: Option<&str>,
) -> Result<Option<KeyKnown>, KeyStop> {
    let Some(base) = check_base(target, endpoint, settings_base) else {
        return Ok(None);
    };
    let check = match get(&settings_url(&base, key)).await {
        Ok((status, body)) => KeyCheck::from_answer(status, &body),
        Err(e) => KeyCheck::Unsure(format!("the write key could not be checked: {e}")),
    };
    check.verdict(endpoint).map(Some)
}

/// One `GET`: the status and at most [`MAX_SETTINGS_BYTES`] of the body.
/// A redirect is followed (a CDN may move).
async fn get(url: &str) -> Result<(u16, Vec<u8>), String> {
    let host = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split('/').next())
        .unwrap_or("")
        .to_string();
    let init = RequestInit::new();
    init.set_method("GET");
    // No cookies go to another origin: fetch's default ("same-origin").
    init.set_signal(Some(&AbortSignal::timeout_with_u32(TIMEOUT_MS)));
    let answer = JsFuture::from(fetch_get(url, &init)).await.map_err(|e| {
        let why = Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        format!(
            "{host} did not answer ({why}; offline, blocked, or the browser refused it under \
             CORS)"
        )
    })?;
    let answer: Response = answer
        .dyn_into()
        .map_err(|_| "fetch did not give a Response".to_string())?;
    let status = answer.status();
    let buffer = JsFuture::from(answer.array_buffer().map_err(|_| "unreadable answer")?)
        .await
        .map_err(|_| format!("{host}'s answer could not be read"))?;
    let bytes = js_sys::Uint8Array::new(&buffer);
    let len = (bytes.length() as usize).min(MAX_SETTINGS_BYTES);
    Ok((status, bytes.subarray(0, len as u32).to_vec()))
}

/// The options of `checkWriteKey`.
#[derive(Debug, Clone, Default, serde::Deserialize, Tsify)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CheckWriteKeyOptions {
    /// Where the import will go (default: `endpoint`'s, else `"segment-us"`).
    #[tsify(optional, type = "Target")]
    pub target: Option<String>,
    /// The endpoint the import will go to: a source of the other region is
    /// refused (`wrong_region`).
    #[tsify(optional)]
    pub endpoint: Option<String>,
    /// Where to ask (default: `https://cdn.segment.com/v1/projects`).
    #[tsify(optional)]
    pub settings_url: Option<String>,
}

/// `checkWriteKey(writeKey, options)`: asks Segment's CDN about the key,
/// as `importFile` does before sending. Resolves with what the source's
/// settings say (its destinations, its region); throws
/// `unknown_write_key`, `wrong_region` or `key_check_failed`; resolves
/// with `null` for a target whose key Segment does not hold (RudderStack,
/// Jitsu, Hightouch, another URL) unless `settingsUrl` is given.
#[wasm_bindgen(js_name = checkWriteKey, unchecked_return_type = "KeyCheckResult | null")]
pub async fn check_write_key(
    write_key: String,
    #[wasm_bindgen(unchecked_optional_param_type = "CheckWriteKeyOptions")] options: Option<
        JsValue,
    >,
) -> JsResult<JsValue> {
    let o: CheckWriteKeyOptions = from_js(options.unwrap_or_default(), "checkWriteKey options")?;
    let key = write_key.trim();
    if key.is_empty() {
        return Err(JsApiError::new(
            codes::INVALID_OPTIONS,
            "the write key is empty",
        ));
    }
    let target = target_from(o.target.as_deref(), o.endpoint.as_deref())?;
    let endpoint = target.endpoint(o.endpoint.as_deref())?;
    match check(key, target, &endpoint, o.settings_url.as_deref()).await? {
        Some(known) => Ok(KeyCheckResult::from(known).into_ts()?.into()),
        None => Ok(JsValue::NULL),
    }
}
