//! Where batches (and the write key) may go: Segment's regions, or a URL
//! checked for sense. One rule for the CLI, the JS package and the app's
//! Send form, so none of them accepts what another refuses.
//!
//! The key travels in every request, so it must not cross a network in
//! clear text: `https://` anywhere, plain `http://` only to this machine
//! (the local receiver, a proxy under test).

use std::fmt;

/// Segment's regions (a write key belongs to one; the wrong region drops
/// the data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    #[default]
    Us,
    Eu,
}

impl Region {
    /// The region's batch endpoint.
    pub const fn endpoint(self) -> &'static str {
        match self {
            Region::Us => "https://api.segment.io/v1/batch",
            Region::Eu => "https://events.eu1.segmentapis.com/v1/batch",
        }
    }

    /// In words, for the messages.
    pub fn describe(self) -> &'static str {
        match self {
            Region::Us => "the US region (api.segment.io)",
            Region::Eu => "the EU region (events.eu1.segmentapis.com)",
        }
    }

    /// The region of a Segment API host (`api.segment.io/v1`, a batch URL);
    /// `None` for any other host (a proxy, RudderStack, the local receiver).
    pub fn of_host(url_or_host: &str) -> Option<Region> {
        let rest = url_or_host
            .split_once("://")
            .map_or(url_or_host, |(_, rest)| rest);
        let host = rest.split(['/', ':', '?', '#']).next().unwrap_or("");
        match host.to_ascii_lowercase().as_str() {
            "api.segment.io" => Some(Region::Us),
            "events.eu1.segmentapis.com" => Some(Region::Eu),
            _ => None,
        }
    }
}

/// Why an endpoint is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointError {
    /// Not an http(s) URL with a host, or one with credentials in it.
    Invalid(String),
    /// Plain `http://` to another machine: the key would cross the network
    /// in clear text.
    Insecure(String),
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::Invalid(m) | EndpointError::Insecure(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for EndpointError {}

/// The endpoint a user means: `url` checked and normalised (scheme and host
/// in lower case, no fragment, `/v1/batch` when it has no path), or the
/// region's when there is none.
pub fn resolve(url: Option<&str>, region: Region) -> Result<String, EndpointError> {
    let text = match url.map(str::trim) {
        Some(u) if !u.is_empty() => u,
        _ => return Ok(region.endpoint().to_string()),
    };
    let (scheme, rest) = text.split_once("://").ok_or_else(|| {
        EndpointError::Invalid(format!(
            "the endpoint must be an https:// URL such as {}, not {text:?}",
            Region::Us.endpoint()
        ))
    })?;
    let scheme = scheme.to_ascii_lowercase();
    let secure = match scheme.as_str() {
        "https" => true,
        "http" => false,
        _ => {
            return Err(EndpointError::Invalid(format!(
                "the endpoint {text}: {scheme}:// is not http or https"
            )))
        }
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split);
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(EndpointError::Invalid(format!(
            "the endpoint {text:?} has no host (or carries credentials or spaces in it)"
        )));
    }
    let authority = authority.to_ascii_lowercase();
    if !secure && !is_loopback_authority(&authority) {
        return Err(EndpointError::Insecure(format!(
            "refusing to send the write key over plain http to {text}: use https://, or \
             http:// only for 127.0.0.1, localhost or [::1]"
        )));
    }
    let tail = match tail {
        "" | "/" => "/v1/batch",
        t if t.starts_with('?') => return Ok(format!("{scheme}://{authority}/v1/batch{t}")),
        t => t,
    };
    Ok(format!("{scheme}://{authority}{tail}"))
}

/// Whether the authority of a URL (`host[:port]`, as written after
/// `http://`) names this machine: exactly 127.0.0.1, localhost (any case) or
/// [::1], with at most a port after it (not `localhost.example.com`, not
/// `[::1].example.com`).
pub fn is_loopback_authority(authority: &str) -> bool {
    let split = if authority.starts_with('[') {
        authority.find(']').map(|end| authority.split_at(end + 1))
    } else {
        Some(authority.split_at(authority.find(':').unwrap_or(authority.len())))
    };
    let Some((host, port)) = split else {
        return false;
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok && (host == "127.0.0.1" || host == "[::1]" || host.eq_ignore_ascii_case("localhost"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_resolve_to_one_spelling() {
        let ok = |url: Option<&str>, region| resolve(url, region).unwrap_or_else(|e| e.to_string());
        assert_eq!(ok(None, Region::Us), "https://api.segment.io/v1/batch");
        assert_eq!(
            ok(Some(" "), Region::Eu),
            "https://events.eu1.segmentapis.com/v1/batch"
        );
        assert_eq!(
            ok(Some("http://127.0.0.1:8787"), Region::Us),
            "http://127.0.0.1:8787/v1/batch"
        );
        assert_eq!(
            ok(Some("HTTP://LocalHost:9/"), Region::Us),
            "http://localhost:9/v1/batch"
        );
        assert_eq!(
            ok(Some("https://Proxy.Example/seg/v1/import#x"), Region::Us),
            "https://proxy.example/seg/v1/import"
        );
        assert_eq!(
            ok(Some("https://h?x=1"), Region::Us),
            "https://h/v1/batch?x=1"
        );
        for (bad, insecure) in [
            ("http://example.com/v1/batch", true),
            ("http://127.0.0.2/v1/batch", true),
            ("http://localhost.example.com/", true),
            ("ftp://x", false),
            ("not a url", false),
            ("https://user:pw@h/v1/batch", false),
            ("https:///v1/batch", false),
        ] {
            let e = resolve(Some(bad), Region::Us).expect_err(bad);
            assert_eq!(
                matches!(e, EndpointError::Insecure(_)),
                insecure,
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn only_this_machine_with_at_most_a_port() {
        for yes in [
            "127.0.0.1",
            "localhost",
            "LocalHost:8787",
            "[::1]",
            "[::1]:80",
            "127.0.0.1:1",
        ] {
            assert!(is_loopback_authority(yes), "{yes}");
        }
        for no in [
            "",
            "example.com",
            "localhost.example.com",
            "127.0.0.1.example.com:8787",
            "[::1].example.com",
            "[::1]x:80",
            "localhost:",
            "localhost:80x",
            "[::1",
            "10.0.0.1",
        ] {
            assert!(!is_loopback_authority(no), "{no}");
        }
    }
}
