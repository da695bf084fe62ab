//! Which endpoints a write key may be sent to.
//!
//! The key travels in every request, so it must not cross a network in
//! clear text: `https://` anywhere, plain `http://` only to this machine
//! (the local receiver, a proxy under test).

use super::error::{codes, JsApiError, JsResult};
use crate::deliver::endpoint::is_loopback_authority;

/// Checks `endpoint` and returns it trimmed. Throws `invalid_endpoint` for
/// anything but an http(s) URL with a host, `insecure_endpoint` for plain
/// `http://` to a host other than 127.0.0.1, localhost or [::1].
pub fn check_endpoint(endpoint: &str) -> JsResult<String> {
    let url = endpoint.trim();
    let lower = url.to_ascii_lowercase();
    let (secure, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(JsApiError::new(
            codes::INVALID_ENDPOINT,
            format!("the endpoint must be an https:// URL such as https://api.segment.io/v1/batch, not {url:?}"),
        ));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return Err(JsApiError::new(
            codes::INVALID_ENDPOINT,
            format!("the endpoint {url:?} has no host (or carries credentials in the URL)"),
        ));
    }
    if !secure && !is_loopback_authority(authority) {
        return Err(JsApiError::new(
            codes::INSECURE_ENDPOINT,
            format!(
                "refusing to send the write key over plain http to {url}: use https://, \
                 or http:// only for 127.0.0.1, localhost or [::1]"
            ),
        ));
    }
    Ok(url.to_string())
}
