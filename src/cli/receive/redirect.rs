//! Redirect mode, for testing clients: every ingest POST is answered with a
//! 3xx and a `Location`, and nothing is kept. It plays an endpoint that moved
//! (a new region, a proxy in front), so a client's handling of redirects can
//! be checked: does it follow, does a 307/308 repeat the POST with its body,
//! does it give up rather than loop.

use hyper::header::{HeaderValue, LOCATION};
use hyper::{StatusCode, Uri};

use super::routes::{fail, Reply};

/// Where and how [`ReceiverConfig::redirect`](super::ReceiverConfig::redirect)
/// sends ingest requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// One of [`Redirect::STATUSES`]. With 307 and 308 a client repeats the
    /// POST, body included, at the new location; with 301 and 302 most
    /// clients, and with 303 all, follow with a GET and no body.
    pub status: u16,
    /// The `Location` header: an absolute URL, or a path on this receiver.
    pub location: String,
}

impl Redirect {
    /// The redirect statuses accepted: those a client may meet in the wild.
    pub const STATUSES: [u16; 5] = [301, 302, 303, 307, 308];
    /// The default: temporary, and the client keeps its method and body.
    pub const DEFAULT_STATUS: u16 = 307;

    /// Checks the status and the location; the error is a sentence naming
    /// what is wrong.
    pub fn check(&self) -> Result<(), String> {
        self.prepare().map(|_| ())
    }

    /// The status and header, checked once so that no request can fail on
    /// them.
    pub(super) fn prepare(&self) -> Result<Prepared, String> {
        let status = StatusCode::from_u16(self.status)
            .ok()
            .filter(|_| Redirect::STATUSES.contains(&self.status))
            .ok_or_else(|| {
                format!(
                    "redirect status {} is not one of 301, 302, 303, 307 or 308",
                    self.status
                )
            })?;
        let valid = !self.location.is_empty() && self.location.parse::<Uri>().is_ok();
        let header = HeaderValue::from_str(&self.location)
            .ok()
            .filter(|_| valid)
            .ok_or_else(|| {
                format!(
                    "redirect location {:?} is not a valid URL (e.g. http://127.0.0.1:8788/v1/batch)",
                    self.location
                )
            })?;
        Ok(Prepared {
            status,
            location: header,
            message: format!("redirected to {}", self.location),
        })
    }
}

/// A checked [`Redirect`], ready to answer with.
pub(super) struct Prepared {
    status: StatusCode,
    location: HeaderValue,
    /// The body's message, which names the location.
    message: String,
}

impl Prepared {
    /// The answer to every ingest request: the status, `Location`, and the
    /// usual JSON body for clients that log it (the CORS headers are added
    /// to every answer by the router, so a browser may follow it: the Fetch
    /// standard checks CORS on each redirect too).
    pub(super) fn reply(&self) -> Reply {
        let mut reply = fail(self.status, &self.message);
        reply.headers_mut().insert(LOCATION, self.location.clone());
        reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redirect(status: u16, location: &str) -> Redirect {
        Redirect {
            status,
            location: location.to_string(),
        }
    }

    #[test]
    fn only_redirect_statuses_and_urls_are_accepted() {
        for status in Redirect::STATUSES {
            assert_eq!(
                redirect(status, "http://127.0.0.1:1/v1/batch").check(),
                Ok(())
            );
        }
        assert!(redirect(307, "/v1/import").check().is_ok());
        for status in [200, 300, 304, 305, 306, 309, 400, 999] {
            let e = redirect(status, "http://x/").check().unwrap_err();
            assert!(e.contains(&status.to_string()), "{e}");
        }
        for location in ["", "  ", "http://a b/", "http://x/\n"] {
            let e = redirect(307, location).check().unwrap_err();
            assert!(e.contains("not a valid URL"), "{location:?}: {e}");
        }
    }

    #[test]
    fn the_reply_carries_status_and_location() {
        let reply = redirect(308, "http://127.0.0.1:1/v1/batch")
            .prepare()
            .map(|p| p.reply());
        let reply = reply.unwrap();
        assert_eq!(reply.status().as_u16(), 308);
        assert_eq!(
            reply.headers().get(LOCATION).map(HeaderValue::as_bytes),
            Some(&b"http://127.0.0.1:1/v1/batch"[..])
        );
    }
}
