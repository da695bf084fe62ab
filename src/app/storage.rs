//! What the app remembers in `localStorage`: the last mapping for a set of
//! columns (keyed by a hash of the headers), and the write key only when the
//! user ticks "remember". Never file contents.

use super::protocol::InspectionView;
use crate::mapping::Mapping;

const PREFIX: &str = "segment-backfill.mapping.";

fn key(headers: &[String]) -> String {
    let joined = headers.join("\u{1f}");
    format!(
        "{PREFIX}{:016x}",
        xxhash_rust::xxh3::xxh3_64(joined.as_bytes())
    )
}

fn storage() -> Option<web_sys::Storage> {
    // Storage can be disabled (private mode, policies): then nothing is remembered.
    web_sys::window()?.local_storage().ok()?
}

/// Whether this page can keep anything between visits: `localStorage` is
/// there and takes a write (a probe key, removed at once). It is off in
/// private modes, by policy, and in some browsers for a page opened from
/// disk (the single-file build): then mappings are not remembered and a
/// send cut by a reload cannot be resumed ([`super::resume`] uses it too).
pub fn usable() -> bool {
    const PROBE: &str = "segment-backfill.probe";
    storage().is_some_and(|s| s.set_item(PROBE, "1").is_ok() && s.remove_item(PROBE).is_ok())
}

/// Whether the page was opened from disk (`file:`), where storage is the
/// browser's choice.
pub fn opened_from_disk() -> bool {
    web_sys::window()
        .and_then(|w| w.location().protocol().ok())
        .is_some_and(|p| p == "file:")
}

/// The mapping to start from: the last one used with these columns, else
/// the suggestion; and a note saying which.
pub fn initial_mapping(view: &InspectionView) -> (Mapping, Option<String>) {
    let saved = storage()
        .and_then(|s| s.get_item(&key(&view.headers)).ok().flatten())
        .and_then(|text| Mapping::from_json(&text).ok());
    match saved {
        Some(m) => (
            m,
            Some("Restored the mapping you last used with these columns.".into()),
        ),
        None if view.archive.is_some() => (
            view.suggested.clone(),
            Some("Each record is one of Segment's own messages: replayed as it is.".into()),
        ),
        None => (
            view.suggested.clone(),
            Some("Suggested from the column names and the sampled rows: check each field.".into()),
        ),
    }
}

/// Remembers `mapping` for these columns (best effort).
pub fn remember(headers: &[String], mapping: &Mapping) {
    if let Some(s) = storage() {
        let _ = s.set_item(&key(headers), &mapping.to_json_pretty());
    }
}

const WRITE_KEY: &str = "segment-backfill.writeKey";

/// The write key, if the user asked this browser to remember it.
pub fn remembered_key() -> Option<String> {
    storage()?.get_item(WRITE_KEY).ok().flatten()
}

/// Keeps the write key (only when the user ticked "remember"), or forgets it.
pub fn remember_key(key: Option<&str>) {
    if let Some(s) = storage() {
        let _ = match key {
            Some(k) if !k.is_empty() => s.set_item(WRITE_KEY, k),
            _ => s.remove_item(WRITE_KEY),
        };
    }
}
