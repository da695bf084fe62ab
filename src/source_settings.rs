//! What Segment's CDN says of a source, before anything is sent (issue 15's
//! core; the shells do the one `GET`).
//!
//! The API answers 200 to a mistyped write key and drops the data. Segment's
//! CDN knows better: `GET <base>/<writeKey>/settings` answers the source's
//! settings for a key it knows and 404 ("Invalid path or write key
//! provided.") for one it does not; analytics.js finds a bad key that way,
//! and EU workspaces use the same CDN. The settings also say where the
//! source sends (`integrations["Segment.io"].apiHost`: the region) and
//! which destinations it has: the keys of `integrations` (device mode) and
//! `integrations["Segment.io"].unbundledIntegrations` (cloud mode), the
//! exact names the `integrations` object of a message must use.
//!
//! Here, without I/O: the URL to ask, what an answer means
//! ([`KeyCheck`]), the region of an endpoint and of a source, and how a
//! destination name typed by the user matches the source's.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::target::Target;

/// Where the settings are asked by default (`<base>/<writeKey>/settings`).
pub const DEFAULT_SETTINGS_BASE: &str = "https://cdn.segment.com/v1/projects";

/// The most bytes of a settings answer read (real ones are a few KB to a
/// few hundred KB: one entry per destination).
pub const MAX_SETTINGS_BYTES: usize = 4 * 1024 * 1024;

pub use crate::deliver::endpoint::Region;

/// The URL of the settings of the source of `write_key`, under `base`
/// ([`DEFAULT_SETTINGS_BASE`] unless a test or a proxy says otherwise).
/// The key is percent-encoded: it is the user's text, put in a path.
pub fn settings_url(base: &str, write_key: &str) -> String {
    let mut key = String::with_capacity(write_key.len());
    for b in write_key.trim().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            key.push(char::from(b));
        } else {
            key.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{}/{key}/settings", base.trim_end_matches('/'))
}

/// What a source's settings say (serde: the app's worker hands them to
/// the page).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SourceSettings {
    /// `integrations["Segment.io"].apiHost`, as given.
    pub api_host: Option<String>,
    /// Destinations in device mode: the keys of `integrations` but
    /// `Segment.io`, in the answer's order.
    pub device_mode: Vec<String>,
    /// Destinations in cloud mode: `unbundledIntegrations`.
    pub cloud_mode: Vec<String>,
    /// The answer had no `unbundledIntegrations` list: the source's cloud
    /// destinations may not all be named.
    pub may_be_incomplete: bool,
}

impl SourceSettings {
    /// Reads a settings document. `Err` when it is not one (not JSON, no
    /// `integrations` object): a proxy's page, not Segment's answer.
    pub fn parse(body: &[u8]) -> Result<SourceSettings, String> {
        let doc: Value = serde_json::from_slice(body)
            .map_err(|e| format!("the settings answer is not JSON ({e})"))?;
        let integrations = doc
            .get("integrations")
            .and_then(Value::as_object)
            .ok_or("the settings answer has no \"integrations\" object")?;
        let segment = integrations.get("Segment.io");
        let api_host = segment
            .and_then(|s| s.get("apiHost"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let unbundled = segment
            .and_then(|s| s.get("unbundledIntegrations"))
            .and_then(Value::as_array);
        let cloud_mode = unbundled
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Ok(SourceSettings {
            api_host,
            device_mode: integrations
                .keys()
                .filter(|k| k.as_str() != "Segment.io")
                .cloned()
                .collect(),
            cloud_mode,
            may_be_incomplete: unbundled.is_none(),
        })
    }

    /// The region the source sends to, when its API host says.
    pub fn region(&self) -> Option<Region> {
        self.api_host.as_deref().and_then(Region::of_host)
    }

    /// Every destination name the source has, each once: cloud mode first.
    pub fn destinations(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for n in self.cloud_mode.iter().chain(&self.device_mode) {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
        names
    }

    /// How a name typed in an `integrations` object matches the source's
    /// destinations (`All` is Segment's own switch, always known).
    pub fn match_destination(&self, name: &str) -> NameMatch {
        if name == "All" {
            return NameMatch::Exact;
        }
        let names = self.destinations();
        if names.contains(&name) {
            return NameMatch::Exact;
        }
        match names.iter().find(|n| n.eq_ignore_ascii_case(name)) {
            Some(n) => NameMatch::CaseOnly(n.to_string()),
            None => NameMatch::Unknown,
        }
    }

    /// Why sending to `endpoint` would lose the data: the source is in one
    /// region and the endpoint is the other's (Segment drops such data).
    /// `None` when they agree or either is not known.
    pub fn region_mismatch(&self, endpoint: &str) -> Option<String> {
        let (source, target) = (self.region()?, Region::of_host(endpoint)?);
        (source != target).then(|| {
            format!(
                "this write key's source is in {}, and the endpoint is in {}: Segment drops \
                 data sent to the wrong region. Choose the {} endpoint",
                source.describe(),
                target.describe(),
                match source {
                    Region::Us => "US",
                    Region::Eu => "EU",
                }
            )
        })
    }
}

/// How a destination name matches the source's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameMatch {
    Exact,
    /// Only the case differs: the name the source uses. Segment matches
    /// names exactly, so the typed one would be ignored.
    CaseOnly(String),
    /// No destination of the source has this name.
    Unknown,
}

/// What the CDN's answer to a write key means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCheck {
    /// Segment knows the key: its source's settings.
    Known(SourceSettings),
    /// Segment does not know the key (404): nothing may be sent until the
    /// user checks it, or says to send anyway.
    Unknown(String),
    /// No answer that says either way (a network or CORS failure, another
    /// status, a body that is not settings): the user decides; never a
    /// silent pass.
    Unsure(String),
}

impl KeyCheck {
    /// Reads the CDN's answer (`status` and its body).
    pub fn from_answer(status: u16, body: &[u8]) -> KeyCheck {
        match status {
            200 => match SourceSettings::parse(&body[..body.len().min(MAX_SETTINGS_BYTES)]) {
                Ok(s) => KeyCheck::Known(s),
                Err(e) => KeyCheck::Unsure(format!("{e}: is the settings URL Segment's CDN?")),
            },
            404 => KeyCheck::Unknown(
                "Segment does not know this write key (its CDN answered 404): check that it is \
                 the write key of the source you mean (Connections → Sources → the source → \
                 Settings → API Keys), copied whole"
                    .into(),
            ),
            other => KeyCheck::Unsure(format!(
                "the write key could not be checked: Segment's CDN answered HTTP {other}"
            )),
        }
    }
}

/// Where to ask about the write key before sending to `endpoint` of
/// `target`: `settings_base` when given (a proxy, a test), Segment's CDN
/// for Segment (a Segment target, or an endpoint on Segment's hosts);
/// `None` when the check does not apply (other services refuse a bad key
/// in their own answers).
pub fn check_base(target: Target, endpoint: &str, settings_base: Option<&str>) -> Option<String> {
    match settings_base.map(str::trim).filter(|b| !b.is_empty()) {
        Some(base) => Some(base.to_string()),
        None if target.checks_key_with_segment() || Region::of_host(endpoint).is_some() => {
            Some(DEFAULT_SETTINGS_BASE.to_string())
        }
        None => None,
    }
}

/// A key Segment knows, for a send to an endpoint of the source's region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyKnown {
    pub settings: SourceSettings,
    /// What the answer tells, in a sentence: the destinations.
    pub said: String,
}

/// Why a key check stops a send before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStop {
    /// Segment does not know the key (404).
    Unknown(String),
    /// The source is in the other region than the endpoint.
    WrongRegion(String),
    /// No answer either way (network, CORS, another status): the user may
    /// send anyway, saying so.
    Unsure(String),
}

impl KeyStop {
    /// The stable code of the stop (the package's error codes).
    pub const fn code(&self) -> &'static str {
        match self {
            KeyStop::Unknown(_) => "unknown_write_key",
            KeyStop::WrongRegion(_) => "wrong_region",
            KeyStop::Unsure(_) => "key_check_failed",
        }
    }

    /// Why, in words.
    pub fn reason(&self) -> &str {
        match self {
            KeyStop::Unknown(m) | KeyStop::WrongRegion(m) | KeyStop::Unsure(m) => m,
        }
    }
}

impl KeyCheck {
    /// What this check means for a send to `endpoint`.
    pub fn verdict(self, endpoint: &str) -> Result<KeyKnown, KeyStop> {
        match self {
            KeyCheck::Known(settings) => {
                if let Some(why) = settings.region_mismatch(endpoint) {
                    return Err(KeyStop::WrongRegion(why));
                }
                let said = settings.describe();
                Ok(KeyKnown { settings, said })
            }
            KeyCheck::Unknown(why) => Err(KeyStop::Unknown(why)),
            KeyCheck::Unsure(why) => Err(KeyStop::Unsure(why)),
        }
    }
}

impl SourceSettings {
    /// What the settings tell, in a sentence: the destinations, by name.
    pub fn describe(&self) -> String {
        let names = self.destinations();
        let mut said = format!(
            "write key checked with Segment: its source has {} destination{}",
            names.len(),
            if names.len() == 1 { "" } else { "s" }
        );
        if !names.is_empty() {
            said.push_str(&format!(" ({})", names.join(", ")));
        }
        if let Some(region) = self.region() {
            said.push_str(&format!(" and sends to {}", region.describe()));
        }
        if self.may_be_incomplete {
            said.push_str(
                "; the list may be incomplete (the answer names device-mode destinations only)",
            );
        }
        said
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of a real answer (trimmed): device-mode keys, Segment.io
    /// with its API host and its cloud-mode destinations.
    const EU_SOURCE: &str = r#"{
      "integrations": {
        "Google Analytics 4 Web": {"measurementID": "G-X"},
        "Segment.io": {
          "apiKey": "k", "apiHost": "events.eu1.segmentapis.com/v1",
          "unbundledIntegrations": ["Amplitude", "Mixpanel", "Webhooks"]
        }
      },
      "plan": {"track": {"__default": {"enabled": true}}}
    }"#;

    #[test]
    fn a_settings_answer_names_the_region_and_every_destination() {
        let s = SourceSettings::parse(EU_SOURCE.as_bytes()).expect("settings");
        assert_eq!(s.region(), Some(Region::Eu));
        assert_eq!(
            s.destinations(),
            [
                "Amplitude",
                "Mixpanel",
                "Webhooks",
                "Google Analytics 4 Web"
            ]
        );
        assert!(!s.may_be_incomplete);
        assert_eq!(s.match_destination("Mixpanel"), NameMatch::Exact);
        assert_eq!(s.match_destination("All"), NameMatch::Exact);
        assert_eq!(
            s.match_destination("mixpanel"),
            NameMatch::CaseOnly("Mixpanel".into())
        );
        assert_eq!(s.match_destination("Braze"), NameMatch::Unknown);
    }

    #[test]
    fn a_source_in_one_region_is_not_sent_to_the_other() {
        let s = SourceSettings::parse(EU_SOURCE.as_bytes()).expect("settings");
        let refused = s
            .region_mismatch("https://api.segment.io/v1/batch")
            .expect("a mismatch");
        assert!(refused.contains("the EU region"), "{refused}");
        assert!(refused.ends_with("Choose the EU endpoint"), "{refused}");
        assert_eq!(
            s.region_mismatch("https://events.eu1.segmentapis.com/v1/batch"),
            None
        );
        // Not Segment's host: nothing to compare.
        assert_eq!(s.region_mismatch("http://127.0.0.1:8787/v1/batch"), None);
    }

    #[test]
    fn answers_are_read_as_known_unknown_or_unsure_never_as_a_pass() {
        assert!(matches!(
            KeyCheck::from_answer(200, EU_SOURCE.as_bytes()),
            KeyCheck::Known(_)
        ));
        let KeyCheck::Unknown(why) =
            KeyCheck::from_answer(404, b"Invalid path or write key provided.")
        else {
            panic!("a 404 is an unknown key");
        };
        assert!(why.contains("does not know this write key"), "{why}");
        assert!(matches!(
            KeyCheck::from_answer(200, b"<html>proxy login</html>"),
            KeyCheck::Unsure(_)
        ));
        assert!(matches!(
            KeyCheck::from_answer(503, b""),
            KeyCheck::Unsure(_)
        ));
        // No cloud-mode list: the names may not all be there.
        let bare = SourceSettings::parse(br#"{"integrations": {}}"#).expect("settings");
        assert!(bare.may_be_incomplete);
        assert_eq!(bare.region(), None);
    }

    #[test]
    fn the_key_is_percent_encoded_into_the_url() {
        assert_eq!(
            settings_url(DEFAULT_SETTINGS_BASE, " AbC123xyz\n"),
            "https://cdn.segment.com/v1/projects/AbC123xyz/settings"
        );
        assert_eq!(
            settings_url("http://127.0.0.1:9/cdn/", "a/b?c"),
            "http://127.0.0.1:9/cdn/a%2Fb%3Fc/settings"
        );
    }
}
