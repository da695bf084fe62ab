//! Where an import goes: Segment (US or EU), or one of the services that
//! take Segment's HTTP API (RudderStack, Jitsu, Hightouch Events), or a URL
//! of the user's own. Each has its own limits and its own way of taking
//! (and refusing) a write key; batching and validation follow the target's
//! limits, so what one target takes is never cut to another's.
//!
//! One table for the CLI (`--target`), the package (`target`), the app's
//! Send form and the local receiver (`receive --target`, which enforces
//! the same limits on what it is sent).
//!
//! What each service documents, and where it is assumed:
//!
//! | target | body | messages | one message | messageId | auth |
//! | --- | --- | --- | --- | --- | --- |
//! | Segment | 500 KB | 2,500 | 32 KB | ≤ 100 characters | Basic, or `writeKey` in the body |
//! | RudderStack | 4 MB | (none documented) | 32 KB | (as Segment) | Basic only |
//! | Jitsu | (as Segment) | (as Segment) | (as Segment) | sanitised, cut to 64 | Basic |
//! | Hightouch Events | (as Segment) | (as Segment) | (as Segment) | (as Segment) | Basic |
//!
//! "As Segment" means the service documents no limit of its own and takes
//! what Segment's libraries send, so Segment's limit is kept: the safe side.

use std::fmt;

use crate::batch::{
    DEFAULT_MAX_BODY_BYTES, MAX_BATCH_MESSAGES, MAX_MESSAGE_BYTES, SEGMENT_MAX_BODY_BYTES,
};
use crate::deliver::endpoint::{self, EndpointError, Region};
use crate::validate::Code;

/// Where an import goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Target {
    /// Segment's US region (`api.segment.io`).
    #[default]
    SegmentUs,
    /// Segment's EU region (`events.eu1.segmentapis.com`).
    SegmentEu,
    /// A RudderStack data plane (`<data plane URL>/v1/batch`).
    RudderStack,
    /// A Jitsu ingest host.
    Jitsu,
    /// Hightouch Events (`us-east-1.hightouch-events.com`).
    Hightouch,
    /// Any other endpoint that takes Segment's HTTP API (a proxy, the local
    /// receiver): Segment's limits, both ways of sending the key.
    Custom,
}

/// How the write key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAuth {
    /// `Authorization: Basic base64(KEY:)`.
    Basic,
    /// `"writeKey"` in the JSON body (what analytics.js does).
    Body,
}

/// What a target takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Whose limits these are, for the reasons ("Segment takes at most …").
    pub service: &'static str,
    /// The largest request body the target takes, as JSON (before gzip).
    pub max_body_bytes: usize,
    /// Where batches are cut by default: under `max_body_bytes`, with the
    /// margin Segment's own libraries keep.
    pub cut_body_bytes: usize,
    /// The most messages in one batch.
    pub max_messages: usize,
    /// The largest message, serialized.
    pub max_message_bytes: usize,
    /// The longest messageId, in characters.
    pub max_message_id_chars: usize,
    /// Whether only letters, digits, `-` and `_` survive in a messageId
    /// unchanged (Jitsu sanitises ids): any other character is refused, as
    /// a changed id could merge two rows or defeat a re-run's dedupe.
    pub plain_message_ids: bool,
}

/// Segment's limits: the default, and what every target without limits of
/// its own keeps.
pub const SEGMENT_LIMITS: Limits = Limits {
    service: "Segment",
    max_body_bytes: SEGMENT_MAX_BODY_BYTES,
    cut_body_bytes: DEFAULT_MAX_BODY_BYTES,
    max_messages: MAX_BATCH_MESSAGES,
    max_message_bytes: MAX_MESSAGE_BYTES,
    max_message_id_chars: crate::validate::MAX_MESSAGE_ID_CHARS,
    plain_message_ids: false,
};

impl Default for Limits {
    fn default() -> Self {
        SEGMENT_LIMITS
    }
}

impl Limits {
    /// Why `id` would not arrive as sent, if it would not: the row's
    /// rejection.
    pub fn message_id_problem(&self, id: &str) -> Option<(Code, String)> {
        let target = self.service;
        let chars = id.chars().count();
        if chars > self.max_message_id_chars {
            return Some((
                Code::MessageIdTooLong,
                format!(
                    "messageId is {chars} characters; {target} takes at most {}",
                    self.max_message_id_chars
                ),
            ));
        }
        if self.plain_message_ids {
            if let Some(c) = id
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
            {
                return Some((
                    Code::InvalidMessageId,
                    format!(
                        "messageId {id:?} has {c:?}, which {target} changes (it keeps letters, \
                     digits, - and _): a changed id could merge two rows or defeat a re-run's \
                     dedupe; map another column or let the tool derive ids"
                    ),
                ));
            }
        }
        None
    }
}

/// RudderStack's gateway takes bodies up to 4,000 KB.
const RUDDERSTACK_MAX_BODY_BYTES: usize = 4_000 * 1024;

impl Target {
    /// Every target, in the order the app lists them.
    pub const ALL: [Target; 6] = [
        Target::SegmentUs,
        Target::SegmentEu,
        Target::RudderStack,
        Target::Jitsu,
        Target::Hightouch,
        Target::Custom,
    ];

    /// The target's id in options and on the command line.
    pub const fn id(self) -> &'static str {
        match self {
            Target::SegmentUs => "segment-us",
            Target::SegmentEu => "segment-eu",
            Target::RudderStack => "rudderstack",
            Target::Jitsu => "jitsu",
            Target::Hightouch => "hightouch",
            Target::Custom => "custom",
        }
    }

    /// The target an id names (`segment` is Segment's US region).
    pub fn from_id(id: &str) -> Option<Target> {
        let id = id.trim().to_ascii_lowercase();
        match id.as_str() {
            "segment" => Some(Target::SegmentUs),
            _ => Target::ALL.into_iter().find(|t| t.id() == id),
        }
    }

    /// The ids, for an error message.
    pub fn ids() -> String {
        Target::ALL.map(Target::id).join(", ")
    }

    /// The service's name, as a person says it.
    pub const fn name(self) -> &'static str {
        match self {
            Target::SegmentUs | Target::SegmentEu => "Segment",
            Target::RudderStack => "RudderStack",
            Target::Jitsu => "Jitsu",
            Target::Hightouch => "Hightouch Events",
            Target::Custom => "the endpoint",
        }
    }

    /// The label of a choice in the app.
    pub const fn label(self) -> &'static str {
        match self {
            Target::SegmentUs => "Segment (US)",
            Target::SegmentEu => "Segment (EU)",
            Target::RudderStack => "RudderStack",
            Target::Jitsu => "Jitsu",
            Target::Hightouch => "Hightouch Events",
            Target::Custom => "Another URL",
        }
    }

    /// The endpoint when none is given, if the target has one for everyone.
    pub const fn default_endpoint(self) -> Option<&'static str> {
        match self {
            Target::SegmentUs => Some(Region::Us.endpoint()),
            Target::SegmentEu => Some(Region::Eu.endpoint()),
            Target::Hightouch => Some("https://us-east-1.hightouch-events.com/v1/batch"),
            Target::RudderStack | Target::Jitsu | Target::Custom => None,
        }
    }

    /// What to type when the target has no endpoint of its own.
    pub const fn endpoint_hint(self) -> &'static str {
        match self {
            Target::RudderStack => {
                "your data plane URL, e.g. https://yourcompanyxyz.dataplane.rudderstack.com"
            }
            Target::Jitsu => "your Jitsu ingest URL, e.g. https://yourid.d.jitsu.com",
            Target::Custom => "a URL that takes Segment's /v1/batch, e.g. http://127.0.0.1:8787",
            _ => "",
        }
    }

    /// The Segment region, for Segment's targets.
    pub const fn region(self) -> Option<Region> {
        match self {
            Target::SegmentUs => Some(Region::Us),
            Target::SegmentEu => Some(Region::Eu),
            _ => None,
        }
    }

    /// The endpoint batches go to: `url` checked and normalised (a path-less
    /// URL gets `/v1/batch`), or the target's own. A target without one of
    /// its own needs `url`.
    pub fn endpoint(self, url: Option<&str>) -> Result<String, EndpointError> {
        let given = url.map(str::trim).filter(|u| !u.is_empty());
        match (given, self.default_endpoint()) {
            (Some(u), _) => endpoint::resolve(Some(u), Region::Us),
            (None, Some(own)) => Ok(own.to_string()),
            (None, None) => Err(EndpointError::Invalid(format!(
                "{} needs an endpoint: {}",
                self.label(),
                self.endpoint_hint()
            ))),
        }
    }

    /// What the target takes.
    pub const fn limits(self) -> Limits {
        match self {
            Target::RudderStack => Limits {
                service: "RudderStack",
                max_body_bytes: RUDDERSTACK_MAX_BODY_BYTES,
                // The same 95% margin as Segment's default cut.
                cut_body_bytes: RUDDERSTACK_MAX_BODY_BYTES / 20 * 19,
                // No count limit is documented: the body limit decides.
                max_messages: 20_000,
                ..SEGMENT_LIMITS
            },
            Target::Jitsu => Limits {
                service: "Jitsu",
                max_message_id_chars: 64,
                plain_message_ids: true,
                ..SEGMENT_LIMITS
            },
            Target::Hightouch => Limits {
                service: "Hightouch Events",
                ..SEGMENT_LIMITS
            },
            Target::SegmentUs | Target::SegmentEu | Target::Custom => SEGMENT_LIMITS,
        }
    }

    /// How the key may travel (the first is the default).
    pub const fn auths(self) -> &'static [KeyAuth] {
        match self {
            Target::SegmentUs | Target::SegmentEu | Target::Custom => {
                &[KeyAuth::Basic, KeyAuth::Body]
            }
            Target::RudderStack | Target::Jitsu | Target::Hightouch => &[KeyAuth::Basic],
        }
    }

    /// Refuses a way of sending the key that the target does not take.
    pub fn check_auth(self, auth: KeyAuth) -> Result<(), String> {
        if self.auths().contains(&auth) {
            Ok(())
        } else {
            Err(format!(
                "{} takes the write key only in an Authorization header (auth: basic), not in \
                 the body",
                self.name()
            ))
        }
    }

    /// Whether the key is checked with Segment's CDN before sending
    /// ([`crate::source_settings`]); the other targets refuse a bad key in
    /// their own answers.
    pub const fn checks_key_with_segment(self) -> bool {
        matches!(self, Target::SegmentUs | Target::SegmentEu)
    }

    /// How the target tells a wrong write key.
    pub const fn bad_key(self) -> &'static str {
        match self {
            Target::SegmentUs | Target::SegmentEu => {
                "Segment answers 200 to a write key it does not know and drops the data, so the \
                 key is checked with Segment's CDN before the first batch"
            }
            Target::RudderStack => {
                "RudderStack answers 401 (Invalid write key): the send stops at its first batch \
                 and every row is named undelivered"
            }
            Target::Jitsu | Target::Hightouch | Target::Custom => {
                "a wrong key is answered with an error status (401 or 403): the send stops at \
                 its first batch and every row is named undelivered"
            }
        }
    }

    /// What else to know before sending to the target.
    pub const fn caution(self) -> Option<&'static str> {
        match self {
            Target::Hightouch => Some(
                "Hightouch's own client library drops queued events older than 7 days because, \
                 its source says, the events API rejects them: send a small slice of old history \
                 first and check that it arrived",
            ),
            Target::Jitsu => Some(
                "Jitsu sanitises messageIds and cuts them to 64 characters: a mapped messageId \
                 it would change is refused with its row (derived ids always fit)",
            ),
            _ => None,
        }
    }

    /// The target an endpoint URL most likely is, when nothing says which:
    /// Segment's hosts are Segment, anything else is [`Target::Custom`].
    pub fn of_endpoint(url: &str) -> Target {
        match Region::of_host(url) {
            Some(Region::Us) => Target::SegmentUs,
            Some(Region::Eu) => Target::SegmentEu,
            None => Target::Custom,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_segment_means_us() {
        for t in Target::ALL {
            assert_eq!(Target::from_id(t.id()), Some(t));
        }
        assert_eq!(Target::from_id(" Segment "), Some(Target::SegmentUs));
        assert_eq!(Target::from_id("mixpanel"), None);
        assert_eq!(
            Target::ids(),
            "segment-us, segment-eu, rudderstack, jitsu, hightouch, custom"
        );
    }

    #[test]
    fn endpoints_of_each_target() {
        let ep = |t: Target, u: Option<&str>| t.endpoint(u).unwrap_or_else(|e| format!("ERR {e}"));
        assert_eq!(
            ep(Target::SegmentUs, None),
            "https://api.segment.io/v1/batch"
        );
        assert_eq!(
            ep(Target::SegmentEu, Some(" ")),
            "https://events.eu1.segmentapis.com/v1/batch"
        );
        assert_eq!(
            ep(Target::Hightouch, None),
            "https://us-east-1.hightouch-events.com/v1/batch"
        );
        assert_eq!(
            ep(
                Target::RudderStack,
                Some("https://acme.dataplane.rudderstack.com")
            ),
            "https://acme.dataplane.rudderstack.com/v1/batch"
        );
        assert!(ep(Target::RudderStack, None).starts_with("ERR RudderStack needs an endpoint"));
        assert!(ep(Target::Jitsu, None).starts_with("ERR Jitsu needs an endpoint"));
        assert!(ep(Target::Custom, Some("http://example.com")).starts_with("ERR refusing"));
    }

    #[test]
    fn limits_follow_each_service() {
        assert_eq!(Target::SegmentUs.limits(), SEGMENT_LIMITS);
        assert_eq!(SEGMENT_LIMITS.max_body_bytes, 500_000);
        let rudder = Target::RudderStack.limits();
        assert_eq!(rudder.max_body_bytes, 4_096_000);
        assert_eq!(rudder.cut_body_bytes, 3_891_200);
        assert_eq!(rudder.max_message_bytes, 32 * 1024);
        let jitsu = Target::Jitsu.limits();
        assert_eq!(jitsu.max_message_id_chars, 64);
        // A derived id (UUID-shaped) always passes.
        assert_eq!(
            jitsu.message_id_problem("0f5c1d2e-3a4b-8c6d-9e7f-0a1b2c3d4e5f"),
            None
        );
        let long = "a".repeat(65);
        assert_eq!(
            jitsu.message_id_problem(&long),
            Some((
                Code::MessageIdTooLong,
                "messageId is 65 characters; Jitsu takes at most 64".to_string()
            ))
        );
        assert!(jitsu
            .message_id_problem("order#1")
            .is_some_and(|(c, m)| c == Code::InvalidMessageId && m.contains("'#'")));
        assert_eq!(SEGMENT_LIMITS.message_id_problem("order#1"), None);
        assert!(SEGMENT_LIMITS
            .message_id_problem(&"a".repeat(101))
            .is_some());
    }

    #[test]
    fn auth_modes_per_target() {
        assert!(Target::SegmentEu.check_auth(KeyAuth::Body).is_ok());
        assert!(Target::Custom.check_auth(KeyAuth::Body).is_ok());
        for t in [Target::RudderStack, Target::Jitsu, Target::Hightouch] {
            assert!(t.check_auth(KeyAuth::Basic).is_ok());
            assert!(t.check_auth(KeyAuth::Body).is_err(), "{t}");
        }
        assert!(Target::SegmentUs.checks_key_with_segment());
        assert!(!Target::RudderStack.checks_key_with_segment());
        assert_eq!(
            Target::of_endpoint("https://events.eu1.segmentapis.com/v1/batch"),
            Target::SegmentEu
        );
        assert_eq!(
            Target::of_endpoint("http://127.0.0.1:8787/v1/batch"),
            Target::Custom
        );
    }
}
