//! The retry table and the backoff: what an answer means for a batch, and how
//! long to wait before trying again. Pure functions, so the table can be read
//! (and tested) in one place.

use super::types::Outcome;

/// How much of a server body goes into a reason: enough to read Segment's
/// explanation, not enough to flood a report.
const MAX_BODY_CHARS: usize = 300;

/// What an answer means for the batch that was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// 2xx: every message in the body is delivered.
    Delivered,
    /// 400/413: something in the body is refused. Split it, or reject the
    /// single message with this reason.
    Refused(String),
    /// Worth another try: network trouble, timeouts, 408, 429, most 5xx.
    /// `retry_after_ms` is set only when the server said how long to wait
    /// (429 and 503) and the wait is not zero.
    Retry {
        reason: String,
        retry_after_ms: Option<u64>,
        throttled: bool,
    },
    /// The endpoint will refuse everything: stop the run. `status` is the
    /// HTTP status, when there was one.
    Fatal { status: Option<u16>, reason: String },
}

/// Sorts an answer into the retry table (see the module docs of `deliver`).
pub(crate) fn classify(outcome: &Outcome, timeout_ms: u64) -> Verdict {
    match outcome {
        Outcome::NetworkError(e) => Verdict::Retry {
            reason: format!("network error: {}", trim(e)),
            retry_after_ms: None,
            throttled: false,
        },
        Outcome::Timeout => Verdict::Retry {
            reason: format!("no answer within {timeout_ms} ms"),
            retry_after_ms: None,
            throttled: false,
        },
        // Following a redirect would POST the batch (and with body auth the
        // key) to wherever it points: refuse, and say where that was.
        Outcome::Redirected { status, location } => Verdict::Fatal {
            status: *status,
            reason: format!(
                "{} the endpoint redirects {}; redirects are not followed, so no batch and no \
                 key goes anywhere but the endpoint given: if that address is the right one, \
                 use it as the endpoint",
                status.map_or("HTTP 3xx:".to_string(), |s| format!("HTTP {s}:")),
                location.as_deref().map_or(
                    "elsewhere (the browser does not say where)".to_string(),
                    |l| format!("to {}", trim(l))
                ),
            ),
        },
        Outcome::Status {
            code,
            retry_after_ms,
            body,
        } => {
            let reason = status_reason(*code, body);
            match *code {
                200..=299 => Verdict::Delivered,
                400 | 413 => Verdict::Refused(reason),
                408 | 429 | 500 | 502..=504 | 506..=510 | 512..=599 => Verdict::Retry {
                    reason,
                    // Retry-After is honoured where the server uses it to say
                    // "later" (429, 503). Zero would let a misbehaving server
                    // make us spin, so it falls back to the backoff.
                    retry_after_ms: match code {
                        429 | 503 => retry_after_ms.filter(|ms| *ms > 0),
                        _ => None,
                    },
                    throttled: *code == 429,
                },
                // 401/403/404/405/410, other 4xx, 501/505/511, and anything a
                // client should never see as a final answer (1xx, 3xx, ≥ 600):
                // repeating the request cannot help, and sending the rest of
                // the file to the same place would fail the same way.
                _ => Verdict::Fatal {
                    status: Some(*code),
                    reason,
                },
            }
        }
    }
}

/// `HTTP 400: <the server's body, trimmed>`; a JSON body with a `message`
/// (Segment's `{"success":false,"message":"…","code":"…"}`) is put in words;
/// a refused key or access says so first.
fn status_reason(code: u16, body: &str) -> String {
    let body = trim(&body_in_words(body));
    match code {
        401 => format!(
            "the endpoint refused the write key (HTTP 401){}; check the key (Segment: the \
             source's Settings → API Keys) and the region",
            if body.is_empty() {
                String::new()
            } else {
                format!(": {body}")
            }
        ),
        403 => {
            format!(
            "the endpoint refused access (HTTP 403){}; check the write key and that the source \
             is enabled",
            if body.is_empty() { String::new() } else { format!(": {body}") }
        )
        }
        _ if body.is_empty() => format!("HTTP {code}"),
        _ => format!("HTTP {code}: {body}"),
    }
}

/// A JSON object's `message` (with its `code` when that adds something),
/// else the body as it is.
fn body_in_words(body: &str) -> String {
    let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(body) else {
        return body.to_string();
    };
    let text = |k: &str| o.get(k).and_then(|v| v.as_str()).map(str::trim);
    match (text("message").filter(|m| !m.is_empty()), text("code")) {
        (Some(m), Some(c)) if !c.is_empty() && !m.contains(c) => format!("{m} ({c})"),
        (Some(m), _) => m.to_string(),
        (None, Some(c)) if !c.is_empty() => c.to_string(),
        _ => body.to_string(),
    }
}

/// Trims whitespace and cuts at [`MAX_BODY_CHARS`] characters (on a char
/// boundary, marking the cut).
fn trim(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(MAX_BODY_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// The exponential backoff before attempt `failed + 1`, with jitter.
///
/// The ceiling is `base · 2^(failed-1)`, capped at `max`; the wait is drawn
/// uniformly from `[ceiling/2, ceiling]` ("equal jitter"): retries from many
/// batches spread out, yet the delay still grows, which "full jitter" from
/// zero would not guarantee.
pub(crate) fn backoff_ms(failed: u32, base: u64, max: u64, rng: &mut SplitMix64) -> u64 {
    let factor = 1u64
        .checked_shl(failed.saturating_sub(1))
        .unwrap_or(u64::MAX);
    let ceiling = base.saturating_mul(factor).min(max);
    let half = ceiling / 2;
    // `ceiling - half + 1` is at least 1, so the modulo is safe.
    half + rng.next() % (ceiling - half + 1)
}

/// A tiny deterministic PRNG (Vigna's splitmix64), for the engine's jitter,
/// the receiver's injected faults and the tests' fault models: seeded, so a
/// run repeats exactly. Not for anything secret.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    #[allow(clippy::should_implement_trait)] // not an Iterator: it never ends
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(code: u16) -> Verdict {
        classify(
            &Outcome::Status {
                code,
                retry_after_ms: Some(7_000),
                body: " nope \n".into(),
            },
            30_000,
        )
    }

    #[test]
    fn refusals_are_put_in_words() {
        let fatal = |code: u16, body: &str| match classify(
            &Outcome::Status {
                code,
                retry_after_ms: None,
                body: body.into(),
            },
            30_000,
        ) {
            Verdict::Fatal { reason, .. } => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            fatal(
                401,
                r#"{"success":false,"message":"Invalid write key","code":"invalid_write_key"}"#
            ),
            "the endpoint refused the write key (HTTP 401): Invalid write key \
             (invalid_write_key); check the key (Segment: the source's Settings → API Keys) \
             and the region"
        );
        assert!(fatal(401, "").starts_with("the endpoint refused the write key (HTTP 401); "));
        assert!(fatal(403, r#"{"message":"source disabled"}"#)
            .starts_with("the endpoint refused access (HTTP 403): source disabled;"));
        // Not a JSON object, or no message: the body as it came.
        assert_eq!(fatal(404, r#"["x"]"#), r#"HTTP 404: ["x"]"#);
        assert_eq!(fatal(404, r#"{"error":"x"}"#), r#"HTTP 404: {"error":"x"}"#);
        assert_eq!(
            fatal(422, r#"{"message":"bad","code":"bad"}"#),
            "HTTP 422: bad"
        );
    }

    #[test]
    fn the_retry_table() {
        for code in [200, 201, 204, 299] {
            assert_eq!(verdict(code), Verdict::Delivered, "{code}");
        }
        for code in [400, 413] {
            assert_eq!(
                verdict(code),
                Verdict::Refused(format!("HTTP {code}: nope"))
            );
        }
        for code in [408, 500, 502, 504, 599] {
            assert!(
                matches!(
                    verdict(code),
                    Verdict::Retry {
                        retry_after_ms: None,
                        ..
                    }
                ),
                "{code}"
            );
        }
        for code in [429, 503] {
            assert!(
                matches!(
                    verdict(code),
                    Verdict::Retry {
                        retry_after_ms: Some(7_000),
                        ..
                    }
                ),
                "{code}"
            );
        }
        for code in [
            0, 100, 301, 304, 401, 403, 404, 405, 410, 418, 422, 501, 505, 511, 600,
        ] {
            assert!(matches!(verdict(code), Verdict::Fatal { .. }), "{code}");
        }
        assert!(matches!(
            classify(&Outcome::Timeout, 5),
            Verdict::Retry { .. }
        ));
        assert!(matches!(
            classify(&Outcome::NetworkError("reset".into()), 5),
            Verdict::Retry { .. }
        ));
    }

    #[test]
    fn zero_retry_after_falls_back_to_backoff() {
        let v = classify(
            &Outcome::Status {
                code: 429,
                retry_after_ms: Some(0),
                body: String::new(),
            },
            1,
        );
        assert_eq!(
            v,
            Verdict::Retry {
                reason: "HTTP 429".into(),
                retry_after_ms: None,
                throttled: true
            }
        );
    }

    #[test]
    fn long_bodies_are_cut_on_a_char_boundary() {
        let body = "é".repeat(1_000);
        let Verdict::Refused(r) = classify(&Outcome::status(400, body), 1) else {
            panic!("400 is refused");
        };
        assert_eq!(r.chars().count(), "HTTP 400: ".len() + 300 + 1);
    }

    #[test]
    fn backoff_grows_within_jitter_and_caps() {
        let mut rng = SplitMix64::new(1);
        for failed in 1..=40u32 {
            let ceiling = 500u64
                .saturating_mul(1u64.checked_shl(failed - 1).unwrap_or(u64::MAX))
                .min(60_000);
            for _ in 0..50 {
                let d = backoff_ms(failed, 500, 60_000, &mut rng);
                assert!(d >= ceiling / 2 && d <= ceiling, "{failed}: {d}");
            }
        }
        assert!(backoff_ms(u32::MAX, u64::MAX, u64::MAX, &mut rng) >= u64::MAX / 2);
        assert_eq!(backoff_ms(3, 0, 0, &mut rng), 0);
    }
}
