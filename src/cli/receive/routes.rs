//! Routing, and the flow of one ingest request: redirect mode, fault roll,
//! body, auth, validation, recording (on disk before the answer).

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE, ORIGIN, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::Notify;

use super::body;
use super::cors;
use super::faults::Fault;
use super::ingest::{self, Shape};
use super::server::Shared;
use super::{auth, ReceiverConfig};
use crate::target::{KeyAuth, Target};

/// Every answer the receiver gives.
pub(super) type Reply = Response<Full<Bytes>>;

/// What `GET /` says.
const INDEX_TEXT: &str = "segment-backfill local receiver: a Segment-compatible test target.\n\
POST /v1/batch, /v1/import, /v1/b (batch) or /v1/track, /v1/identify, /v1/page, \
/v1/screen, /v1/group, /v1/alias (one message).\n\
GET /stats for counts as JSON.\n";

/// What a path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Ingest(Shape),
    Stats,
    Index,
    NotFound,
}

fn route_of(path: &str) -> Route {
    // Tolerate a trailing slash, as HTTP clients built by string joining add one.
    let path = match path.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => path,
    };
    match path {
        "/" => Route::Index,
        "/stats" => Route::Stats,
        "/v1/batch" | "/v1/import" | "/v1/b" => Route::Ingest(Shape::Batch),
        "/v1/track" => Route::Ingest(Shape::Single("track")),
        "/v1/identify" => Route::Ingest(Shape::Single("identify")),
        "/v1/page" => Route::Ingest(Shape::Single("page")),
        "/v1/screen" => Route::Ingest(Shape::Single("screen")),
        "/v1/group" => Route::Ingest(Shape::Single("group")),
        "/v1/alias" => Route::Ingest(Shape::Single("alias")),
        _ => Route::NotFound,
    }
}

/// The service: answers one request and adds the CORS headers to every
/// answer, whatever produced it. `abort` tells the connection task to drop
/// the connection (the "dropped connection" fault).
pub(super) async fn handle(
    req: Request<Incoming>,
    shared: Arc<Shared>,
    abort: Arc<Notify>,
) -> Result<Reply, Infallible> {
    let origin = req.headers().get(ORIGIN).cloned();
    let mut reply = dispatch(req, &shared, &abort).await;
    cors::decorate(reply.headers_mut(), origin.as_ref());
    Ok(reply)
}

async fn dispatch(req: Request<Incoming>, shared: &Shared, abort: &Notify) -> Reply {
    if req.method() == Method::OPTIONS {
        return cors::preflight(shared.config.cors_content_encoding);
    }
    let route = route_of(req.uri().path());
    let get = req.method() == Method::GET || req.method() == Method::HEAD;
    match route {
        Route::NotFound => fail(StatusCode::NOT_FOUND, "no such route"),
        Route::Index if get => text(StatusCode::OK, INDEX_TEXT),
        // Serialized straight from the struct to keep its field order.
        Route::Stats if get => match serde_json::to_string(&shared.store.snapshot()) {
            Ok(stats) => json_text(StatusCode::OK, stats),
            Err(e) => fail(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        Route::Index | Route::Stats => not_allowed("GET, OPTIONS"),
        Route::Ingest(shape) if req.method() == Method::POST => {
            ingest(req, shape, shared, abort).await
        }
        Route::Ingest(_) => not_allowed("POST, OPTIONS"),
    }
}

/// One ingest call, counted in the statistics.
async fn ingest(req: Request<Incoming>, shape: Shape, shared: &Shared, abort: &Notify) -> Reply {
    shared.store.count_request();
    if let Some(redirect) = &shared.redirect {
        let (parts, incoming) = req.into_parts();
        // Read and thrown away, so the client gets the answer rather than a
        // reset caused by unread input; nothing of it is kept.
        let _ = body::read(
            incoming,
            &parts.headers,
            shared.config.limits.max_body_bytes,
        )
        .await;
        let reply = redirect.reply();
        shared.store.count_status(reply.status().as_u16());
        return reply;
    }
    // Roll first, so the fault sequence follows request arrival only.
    let fault = shared.faults.draw();
    let (parts, incoming) = req.into_parts();
    let limit = shared.config.limits.max_body_bytes;
    // Read (or drain) the body even for faults, so a fault answer reaches the
    // client instead of a reset caused by unread input.
    let raw = body::read(incoming, &parts.headers, limit).await;
    if let Some(fault) = fault {
        shared.store.count_fault();
        let reply = match fault {
            Fault::DropConnection => {
                abort.notify_one();
                // The connection task drops this future with the connection.
                return std::future::pending().await;
            }
            Fault::RateLimited => {
                let mut reply = fail(
                    StatusCode::TOO_MANY_REQUESTS,
                    "injected fault: rate limited",
                );
                reply
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from_static("1"));
                reply
                    .headers_mut()
                    .insert("x-ratelimit-reset", HeaderValue::from_static("1"));
                Some(reply)
            }
            Fault::ServerError => Some(fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                "injected fault: internal error",
            )),
            Fault::Unavailable => Some(fail(
                StatusCode::SERVICE_UNAVAILABLE,
                "injected fault: unavailable",
            )),
            Fault::Slow(delay) => {
                tokio::time::sleep(delay).await;
                None
            }
        };
        if let Some(reply) = reply {
            shared.store.count_status(reply.status().as_u16());
            return reply;
        }
    }
    let reply = accept(&parts.headers, raw, shape, shared);
    shared.store.count_status(reply.status().as_u16());
    // Processed at once, answered late: a client that goes away meanwhile
    // has delivered the batch without knowing it, as with a slow API.
    if !shared.config.delay.is_zero() {
        tokio::time::sleep(shared.config.delay).await;
    }
    reply
}

/// Auth, decoding, validation and recording of a fully read body.
fn accept(
    headers: &hyper::HeaderMap,
    raw: Result<Vec<u8>, body::BodyError>,
    shape: Shape,
    shared: &Shared,
) -> Reply {
    let config: &ReceiverConfig = &shared.config;
    let limit = config.limits.max_body_bytes;
    let header_key = auth::header_key(headers);
    // A header key is checked before parsing: no need to parse for a stranger.
    if let (Some(expected), Some(given)) = (config.write_key.as_deref(), header_key.as_deref()) {
        if !auth::same_key(expected, given) {
            return unauthorized();
        }
    }
    let encoded = headers
        .get(hyper::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty() && !v.trim().eq_ignore_ascii_case("identity"));
    if let Ok(raw) = &raw {
        if config.refuse_gzip && encoded {
            shared.store.count_body(raw.len(), None, true);
            return fail(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "this receiver refuses compressed bodies (--refuse-gzip): send Content-Encoding: identity",
            );
        }
    }
    let wire = raw.as_ref().map_or(0, Vec::len);
    let decoded = raw.and_then(|raw| body::decode(headers, raw, limit));
    shared
        .store
        .count_body(wire, decoded.as_ref().ok().map(Vec::len), encoded);
    let bytes = match decoded {
        Ok(bytes) => bytes,
        Err(body::BodyError::UnsupportedEncoding(e)) => {
            return fail(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &body::BodyError::UnsupportedEncoding(e).message(limit),
            )
        }
        Err(e @ body::BodyError::TooLarge) if config.target == Target::RudderStack => {
            return fail(StatusCode::PAYLOAD_TOO_LARGE, &e.message(limit))
        }
        Err(e) => return fail(StatusCode::BAD_REQUEST, &e.message(limit)),
    };
    // Content-Type is not checked: browsers send text/plain to avoid a
    // preflight, libraries send application/json.
    let parsed: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(e) => return fail(StatusCode::BAD_REQUEST, &format!("invalid JSON: {e}")),
    };
    if let (Some(expected), None) = (config.write_key.as_deref(), header_key.as_deref()) {
        // RudderStack, Jitsu and Hightouch take the key in a header only.
        let body_auth = config.target.auths().contains(&KeyAuth::Body);
        let given = ingest::body_write_key(&parsed)
            .filter(|_| body_auth)
            .unwrap_or("");
        if !auth::same_key(expected, given) {
            return unauthorized();
        }
    }
    let checked = match ingest::check(parsed, shape, config) {
        Ok(checked) => checked,
        Err(message) => return fail(StatusCode::BAD_REQUEST, &message),
    };
    match shared.store.record(&checked.accepted, checked.dropped) {
        Ok(()) => json_reply(StatusCode::OK, &json!({"success": true})),
        Err(e) => fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("receiver could not write its out file: {e}"),
        ),
    }
}

fn unauthorized() -> Reply {
    // Never echo either key.
    fail(
        StatusCode::UNAUTHORIZED,
        "missing or invalid write key (Basic auth or \"writeKey\" in the body)",
    )
}

fn not_allowed(allow: &'static str) -> Reply {
    let mut reply = fail(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    reply
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    reply
}

/// `{"success":false,"message":...}` with the given status.
pub(super) fn fail(status: StatusCode, message: &str) -> Reply {
    json_reply(status, &json!({"success": false, "message": message}))
}

fn json_reply(status: StatusCode, value: &Value) -> Reply {
    json_text(status, value.to_string())
}

fn json_text(status: StatusCode, json: String) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::from(json)));
    *reply.status_mut() = status;
    reply
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    reply
}

fn text(status: StatusCode, body: &'static str) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *reply.status_mut() = status;
    reply.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    reply
}

/// An answer without a body.
pub(super) fn empty(status: StatusCode) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::new()));
    *reply.status_mut() = status;
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route_of("/v1/batch"), Route::Ingest(Shape::Batch));
        assert_eq!(route_of("/v1/b/"), Route::Ingest(Shape::Batch));
        assert_eq!(route_of("/v1/alias"), Route::Ingest(Shape::Single("alias")));
        assert_eq!(route_of("/"), Route::Index);
        assert_eq!(route_of("/stats"), Route::Stats);
        assert_eq!(route_of("/v2/batch"), Route::NotFound);
    }
}
