//! Remembering the last mapping for a set of columns, in `localStorage`.
//!
//! Only the mapping is stored (column names and rules), keyed by a hash of
//! the headers: never file contents, never a write key.

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
        None => (
            view.suggested.clone(),
            Some("Suggested from the column names: check each field.".into()),
        ),
    }
}

/// Remembers `mapping` for these columns (best effort).
pub fn remember(headers: &[String], mapping: &Mapping) {
    if let Some(s) = storage() {
        let _ = s.set_item(&key(headers), &mapping.to_json_pretty());
    }
}
