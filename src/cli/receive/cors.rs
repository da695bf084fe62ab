//! CORS headers, so the browser app can post straight to the receiver and
//! read every answer, errors and injected faults included (a retry loop needs
//! the status and `Retry-After` of a 429).

use hyper::header::{
    HeaderMap, HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, VARY,
};
use hyper::StatusCode;

use super::routes::{empty, Reply};

/// Adds the headers every answer needs. The origin is echoed when given
/// (that also works for credentialed requests); `*` otherwise.
pub(super) fn decorate(headers: &mut HeaderMap, origin: Option<&HeaderValue>) {
    match origin {
        Some(origin) => {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            // Caches must not hand one origin's answer to another.
            headers.append(VARY, HeaderValue::from_static("Origin"));
        }
        None => {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        }
    }
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Retry-After, X-RateLimit-Reset"),
    );
}

/// The answer to an OPTIONS preflight, on any path; `Content-Encoding` is
/// allowed only with `content_encoding` (a browser then may send gzip).
pub(super) fn preflight(content_encoding: bool) -> Reply {
    let mut reply = empty(StatusCode::NO_CONTENT);
    let headers = reply.headers_mut();
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, GET, OPTIONS"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(if content_encoding {
            "Authorization, Content-Type, Content-Encoding"
        } else {
            "Authorization, Content-Type"
        }),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    reply
}
