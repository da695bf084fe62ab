//! Sends that stopped (a closed or reloaded tab, a cancel, a refusal) and
//! can be resumed: what the page keeps of them in `localStorage`, and how it
//! finds the one that fits the file and mapping open now.
//!
//! The worker hands the page the send's checkpoint about once a second
//! ([`SendCheckpoint`]); the page keeps it under a key made from the file
//! (name, size, last modified), how it is read, the mapping and the
//! endpoint. What is stored is the checkpoint (row numbers and the
//! endpoint's refusals, no data; of several files, also their names, sizes
//! and head hashes, which is how a changed file is named), a hash of the
//! file and mapping, the endpoint, counts and a date: never the file's
//! contents, never the write key. The one exception: the rows edited in the fix grid, which the send
//! cannot resume without (they are part of the import). A send that ends
//! with every row accounted for forgets its entry.

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;

use super::protocol::SendCheckpoint;
use super::state::{Picked, PickedFile};
use crate::mapping::Mapping;
use crate::pipeline::Fixes;
use crate::source::{Settings, SourceOptions};

const PREFIX: &str = "segment-backfill.resume.";
/// Entries not touched for this long are dropped when another is saved.
const KEEP_FOR_MS: f64 = 30.0 * 24.0 * 3600.0 * 1000.0;

/// One send, as this browser remembers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedRun {
    /// Hash of the file, the way it is read and the mapping ([`import_id`]).
    pub import: String,
    /// Where the rows went.
    pub endpoint: String,
    /// The target's id (its limits, how it takes the key); none in entries
    /// kept before targets (their endpoint says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Rows finished for good (delivered, rejected, refused).
    pub rows_done: f64,
    /// Rows in the file, when a check counted them (0: unknown).
    pub rows_total: f64,
    /// Rows delivered by the run(s) the current one resumed.
    #[serde(default)]
    pub delivered_earlier: f64,
    /// When the checkpoint was kept, in ms since the epoch.
    pub saved_at: f64,
    /// The driver's checkpoint document (empty until the first one comes).
    pub checkpoint: String,
    /// The rows edited in the fix grid that the send carries.
    #[serde(default, skip_serializing_if = "Fixes::is_empty")]
    pub fixes: Fixes,
}

impl SavedRun {
    /// A send about to start (nothing done yet).
    pub fn new(import: String, endpoint: String, rows_total: f64) -> SavedRun {
        SavedRun {
            import,
            endpoint,
            target: None,
            rows_done: 0.0,
            rows_total,
            delivered_earlier: 0.0,
            saved_at: js_sys::Date::now(),
            checkpoint: String::new(),
            fixes: Fixes::default(),
        }
    }

    /// This run with a newer checkpoint, stamped now.
    pub fn with(&self, cp: SendCheckpoint) -> SavedRun {
        SavedRun {
            rows_done: cp.rows_done,
            delivered_earlier: cp.delivered_earlier,
            saved_at: js_sys::Date::now(),
            checkpoint: cp.checkpoint,
            ..self.clone()
        }
    }

    fn key(&self) -> String {
        key(&self.import, &self.endpoint)
    }
}

fn key(import: &str, endpoint: &str) -> String {
    let joined = format!("{import}\u{1f}{endpoint}");
    format!(
        "{PREFIX}{:016x}",
        xxhash_rust::xxh3::xxh3_64(joined.as_bytes())
    )
}

/// Identifies an import in this browser: the file (name, size, last
/// modified), how it is read and the mapping. Not the contents: the worker
/// checks those against the checkpoint before anything is sent.
pub fn import_id(
    file: &Picked,
    sheet: Option<&str>,
    settings: &Settings,
    mapping: &Mapping,
) -> String {
    let (name, size, modified) = file.first().map_or((String::new(), 0.0, 0.0), known);
    let s = settings;
    let text = format!(
        "{}\u{1f}{}\u{1f}{modified}\u{1f}{}.{}.{}.{}.{}\u{1f}{}{}",
        name,
        size,
        s.format as u8,
        s.encoding as u8,
        s.compression as u8,
        s.delimiter,
        u8::from(s.has_header),
        mapping.to_json_pretty(),
        // A workbook's other sheet is another import (text files keep the
        // ids they always had).
        match (sheet, s.first_row) {
            (None, 1) => String::new(),
            (sheet, row) => format!("\u{1f}{}\u{1f}{row}", sheet.unwrap_or_default()),
        }
    );
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// Identifies an import of several files in this browser: every file
/// (name, size, last modified) in the order read, the overrides they are
/// all read with, how the first one reads and the mapping. Picking the
/// same files again finds it; another set of files (one added, removed,
/// renamed or changed) is another import. The worker checks each file's
/// head against the checkpoint before anything is sent.
pub fn set_import_id(
    files: &Picked,
    options: &SourceOptions,
    settings: &Settings,
    mapping: &Mapping,
) -> String {
    let each: Vec<String> = files
        .files
        .iter()
        .map(|f| {
            let (name, size, modified) = known(f);
            format!("{name}\u{1f}{size}\u{1f}{modified}")
        })
        .collect();
    // (Fields written out, not serialized: the page links no serializer
    // for these types.)
    let o = options;
    let code = |v: Option<u8>| v.map_or(String::new(), |v| v.to_string());
    let overrides = format!(
        "{}.{}.{}.{}.{}.{}.{}",
        code(o.format.map(|f| f as u8)),
        code(o.encoding.map(|e| e as u8)),
        code(o.compression.map(|c| c as u8)),
        code(o.delimiter),
        code(o.has_header.map(u8::from)),
        o.sheet.as_deref().unwrap_or_default(),
        o.first_row.map_or(String::new(), |r| r.to_string()),
    );
    let s = settings;
    let first = format!(
        "{}.{}.{}.{}.{}.{}",
        s.format as u8,
        s.encoding as u8,
        s.compression as u8,
        s.delimiter,
        u8::from(s.has_header),
        s.first_row
    );
    let text = format!(
        "files\u{1e}{}\u{1e}{overrides}\u{1e}{first}\u{1e}{}",
        each.join("\u{1e}"),
        mapping.to_json_pretty(),
    );
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// A file's name, size and last modification, as the browser knows them.
fn known(file: &PickedFile) -> (String, f64, f64) {
    let modified = file
        .blob
        .dyn_ref::<web_sys::File>()
        .map_or(0.0, web_sys::File::last_modified);
    (file.name.clone(), file.size, modified)
}

fn storage() -> Option<web_sys::Storage> {
    // Storage can be disabled (private mode, policies): then nothing is kept.
    web_sys::window()?.local_storage().ok()?
}

/// Every entry kept, with its key (unreadable ones are skipped).
fn entries(s: &web_sys::Storage) -> Vec<(String, Option<SavedRun>)> {
    let n = s.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(PREFIX))
        .map(|k| {
            let run = s
                .get_item(&k)
                .ok()
                .flatten()
                .and_then(|text| serde_json::from_str(&text).ok());
            (k, run)
        })
        .collect()
}

/// Keeps `run` (best effort: a full or disabled storage keeps nothing), and
/// drops entries nobody came back to for a month.
pub fn save(run: &SavedRun) {
    let Some(s) = storage() else { return };
    if let Ok(text) = serde_json::to_string(run) {
        let _ = s.set_item(&run.key(), &text);
    }
    for (k, old) in entries(&s) {
        if old.is_none_or(|o| run.saved_at - o.saved_at > KEEP_FOR_MS) {
            let _ = s.remove_item(&k);
        }
    }
}

/// The most recent stopped send of this import, to any endpoint.
pub fn find(import: &str) -> Option<SavedRun> {
    let s = storage()?;
    entries(&s)
        .into_iter()
        .filter_map(|(_, run)| run)
        .filter(|r| r.import == import && !r.checkpoint.is_empty())
        .max_by(|a, b| a.saved_at.total_cmp(&b.saved_at))
}

/// Forgets this send (to its endpoint only).
pub fn forget_run(run: &SavedRun) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&run.key());
    }
}

/// Forgets every stopped send of this import.
pub fn forget(import: &str) {
    let Some(s) = storage() else { return };
    for (k, run) in entries(&s) {
        if run.is_some_and(|r| r.import == import) {
            let _ = s.remove_item(&k);
        }
    }
}

/// `Mon 23 Nov 2026 at 06:12`, in the browser's time zone.
pub fn when(ms: f64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let d = js_sys::Date::new(&ms.into());
    format!(
        "{} {} {} {} at {:02}:{:02}",
        DAYS[d.get_day() as usize % 7],
        d.get_date(),
        MONTHS[d.get_month() as usize % 12],
        d.get_full_year(),
        d.get_hours(),
        d.get_minutes()
    )
}
