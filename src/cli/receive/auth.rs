//! Write-key checks: HTTP Basic (key as user name, empty password) or
//! `"writeKey"` at the top level of the body, as Segment accepts both.
//! Keys never reach logs or answers.

use base64::Engine as _;
use hyper::header::{HeaderMap, AUTHORIZATION};

/// The key from an `Authorization: Basic ...` header. `None` when there is
/// no such header; `Some("")` when the header is there but unusable, so a
/// required key fails on it rather than falling back to the body.
pub(super) fn header_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?;
    let Ok(value) = value.to_str() else {
        return Some(String::new());
    };
    let value = value.trim();
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Some(String::new());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Some(String::new());
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return Some(String::new());
    };
    let Ok(decoded) = String::from_utf8(decoded) else {
        return Some(String::new());
    };
    // "KEY:" is the documented form; a bare "KEY" is tolerated.
    let user = decoded
        .split_once(':')
        .map_or(decoded.as_str(), |(user, _)| user);
    Some(user.to_string())
}

/// Compares without an early exit, so timing does not reveal how much of a
/// guessed key was right (cheap to do, even on loopback).
pub(super) fn same_key(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, byte) in a.iter().enumerate() {
        diff |= usize::from(byte ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(value: &'static str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(AUTHORIZATION, HeaderValue::from_static(value));
        map
    }

    #[test]
    fn reads_basic_auth() {
        // "KEY:" and "KEY" in base64.
        assert_eq!(
            header_key(&headers("Basic S0VZOg==")).as_deref(),
            Some("KEY")
        );
        assert_eq!(header_key(&headers("basic S0VZ")).as_deref(), Some("KEY"));
        assert_eq!(header_key(&headers("Bearer KEY")).as_deref(), Some(""));
        assert_eq!(header_key(&headers("Basic !!!")).as_deref(), Some(""));
        assert_eq!(header_key(&HeaderMap::new()), None);
    }

    #[test]
    fn compares_keys() {
        assert!(same_key("abc", "abc"));
        assert!(!same_key("abc", "abd"));
        assert!(!same_key("abc", "ab"));
        assert!(!same_key("abc", "abcd"));
        assert!(!same_key("abc", ""));
    }
}
