//! The write-key check's messages: what the page asks (the key, where the
//! send would go, where to ask) and what Segment's CDN said, read by the
//! core ([`crate::source_settings`]).

use serde::{Deserialize, Serialize};

use super::SendTarget;
use crate::source_settings::{check_base, SourceSettings};
use crate::target::Target;

/// A key check, for a send to `endpoint` of `target`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KeyQuery {
    pub write_key: String,
    /// The target's id ([`crate::target::Target::id`]).
    pub target: String,
    /// The batch endpoint the send would use (a source of the other
    /// region is refused).
    pub endpoint: String,
    /// Where to ask instead of Segment's CDN (tests, proxies).
    pub settings_url: Option<String>,
}

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyVerdict {
    /// Segment knows the key: its source's settings, and what they say.
    Known {
        settings: SourceSettings,
        said: String,
    },
    /// Segment does not know the key (its CDN answered 404).
    Unknown(String),
    /// The source is in the other Segment region than the endpoint.
    WrongRegion(String),
    /// No answer either way (network, CORS, another status): the user
    /// decides.
    Unsure(String),
    /// The check does not apply to this target (it refuses a bad key in
    /// its own answers).
    NotChecked,
}

/// The worker's answer to a key check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAnswer {
    /// What was asked (the page shows an answer only while the form still
    /// says the same).
    pub query: KeyQuery,
    pub verdict: KeyVerdict,
    /// The check ran at Start, before the send: a verdict other than
    /// `Known` means nothing was sent.
    pub at_start: bool,
}

impl SendTarget {
    /// The key check this send implies; `None` when it does not apply (a
    /// target that refuses a bad key itself, and no settings URL).
    pub fn key_query(&self) -> Option<KeyQuery> {
        let of =
            Target::from_id(&self.target).unwrap_or_else(|| Target::of_endpoint(&self.endpoint));
        check_base(of, &self.endpoint, self.settings_url.as_deref())?;
        Some(KeyQuery {
            write_key: self.write_key.clone(),
            target: self.target.clone(),
            endpoint: self.endpoint.clone(),
            settings_url: self.settings_url.clone(),
        })
    }
}
