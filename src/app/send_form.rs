//! The Send form read: which target and endpoint it names (the core's
//! [`Target`]s, plus the local receiver when the page runs from this
//! machine), the request the worker gets, and the write-key check it
//! implies.

use super::integrations_edit;
use super::protocol::{Failure, SendTarget};
use super::state::SendForm;
use crate::deliver::endpoint::{resolve, Region};
use crate::target::{KeyAuth, Target};

/// The id of the local receiver's choice (`make run`).
pub const LOCAL: &str = "local";
/// Where `make run` (and `segment-backfill receive`) listens.
pub const LOCAL_ENDPOINT: &str = "http://127.0.0.1:8787/v1/batch";

/// A choice of the form's Endpoint list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub id: &'static str,
    pub target: Target,
    pub label: &'static str,
    /// Its endpoint; `None`: the user types one.
    pub endpoint: Option<&'static str>,
}

impl Preset {
    const fn of(target: Target) -> Preset {
        Preset {
            id: target.id(),
            target,
            label: target.label(),
            endpoint: target.default_endpoint(),
        }
    }

    /// The local receiver: another URL with Segment's limits.
    pub const LOCAL: Preset = Preset {
        id: LOCAL,
        target: Target::Custom,
        label: "Local receiver (make run)",
        endpoint: Some(LOCAL_ENDPOINT),
    };
}

/// The choices, in order: every target, and the local receiver (before
/// "Another URL") when the page runs from this machine or the form has it.
pub fn presets(local: bool, current: &str) -> Vec<Preset> {
    let mut all: Vec<Preset> = Target::ALL.into_iter().map(Preset::of).collect();
    if local || preset_id(current) == LOCAL {
        all.insert(all.len() - 1, Preset::LOCAL);
    }
    all
}

/// An id of the form as it is now: the choices of earlier versions (`us`,
/// `eu`) are Segment's targets.
pub fn preset_id(id: &str) -> &str {
    match id {
        "us" => Target::SegmentUs.id(),
        "eu" => Target::SegmentEu.id(),
        other => other,
    }
}

/// The choice the form names (Segment US when it names none).
pub fn preset(form: &SendForm) -> Preset {
    let id = preset_id(&form.preset);
    if id == LOCAL {
        return Preset::LOCAL;
    }
    Target::from_id(id).map_or(Preset::of(Target::SegmentUs), Preset::of)
}

/// The endpoint as the form gives it (the choice's, or the typed URL).
pub fn endpoint(form: &SendForm) -> String {
    preset(form)
        .endpoint
        .map_or_else(|| form.custom_endpoint.trim().to_string(), str::to_string)
}

/// `form` sending to `url` (of `target`, when known): the choice with that
/// endpoint, else a target that takes a typed URL.
pub fn with_endpoint(form: &SendForm, url: &str, target: Option<&str>) -> SendForm {
    let target = target.and_then(Target::from_id);
    let own = presets(true, &form.preset)
        .into_iter()
        .find(|p| p.endpoint == Some(url) && target.is_none_or(|t| t == p.target));
    match own {
        Some(p) => SendForm {
            preset: p.id.into(),
            ..form.clone()
        },
        None => SendForm {
            preset: target
                .filter(|t| t.default_endpoint().is_none())
                .unwrap_or(Target::Custom)
                .id()
                .into(),
            custom_endpoint: url.into(),
            ..form.clone()
        },
    }
}

/// Where the key check asks instead of Segment's CDN, when the form says
/// (https, or plain http only on this machine: the key is in the URL).
pub fn settings_base(form: &SendForm) -> Result<Option<String>, Failure> {
    let base = form.settings_url.trim();
    if base.is_empty() {
        return Ok(None);
    }
    resolve(Some(base), Region::Us).map_err(|e| {
        Failure::new(
            format!("the settings URL: {e}"),
            "Leave it empty to ask Segment's CDN, or give https://… (plain http only for \
             127.0.0.1, localhost or [::1]).",
        )
    })?;
    Ok(Some(base.trim_end_matches('/').to_string()))
}

/// The send the form describes, or what is wrong with it. The endpoint is
/// checked by the core's rule (the one the worker's driver and the CLI
/// apply): https, or plain http only to 127.0.0.1, localhost or [::1].
pub fn send_target(form: &SendForm) -> Result<SendTarget, Failure> {
    let preset = preset(form);
    let typed = endpoint(form);
    let hint = "Use https://… (plain http only for 127.0.0.1, localhost or [::1]).";
    if typed.is_empty() {
        let what = match preset.target.endpoint_hint() {
            "" => hint.to_string(),
            h => format!("Give {h}."),
        };
        return Err(Failure::new("no endpoint", what));
    }
    let endpoint =
        resolve(Some(&typed), Region::Us).map_err(|e| Failure::new(e.to_string(), hint))?;
    if form.write_key.trim().is_empty() {
        return Err(Failure::new(
            "no write key",
            "Copy the write key from your source's settings (in Segment: Settings → API Keys).",
        ));
    }
    let integrations = match form.integrations.trim() {
        "" => None,
        text => Some(integrations_edit::parse(text).ok_or_else(|| {
            Failure::new(
                "the integrations are not a JSON object",
                "Write them like {\"All\": false, \"Amplitude\": true}, or leave the box empty.",
            )
        })?),
    };
    Ok(SendTarget {
        endpoint,
        write_key: form.write_key.trim().to_string(),
        concurrency: form.concurrency,
        // A target that takes the key only in the header gets it there.
        basic_auth: form.basic_auth || !preset.target.auths().contains(&KeyAuth::Body),
        integrations,
        target: preset.target.id().to_string(),
        key_check: true,
        settings_url: settings_base(form)?,
    })
}
