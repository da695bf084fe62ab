//! Where an import got to, so a re-run can skip what is done, and which
//! import that is.
//!
//! Rows are contiguous integers that become done out of order (validation
//! rejects at once, sent rows when the server acknowledges or rejects them),
//! so the checkpoint keeps a *watermark* (every row below it is done) plus
//! the merged ranges done above it. Rows finish nearly in order, so the map
//! stays a handful of ranges however long the file. Undelivered rows are not
//! done: a re-run sends them again, and deterministic messageIds make that
//! harmless if they had arrived after all.
//!
//! The checkpoint also records the import it belongs to
//! ([`ImportIdentity`]: file, reading, mapping, id scheme, endpoint and
//! source) and a verified prefix of the file ([`VerifiedPrefix`]), so a
//! resume of anything else is refused instead of skipping rows that were
//! never delivered.
//!
//! Pure data: the CLI writes the JSON atomically, the app keeps it in
//! `localStorage`; nothing here touches files.
//!
//! ```json
//! {"version":2,
//!  "import":{"file":"…","reading":"…","mapping":"…","ids":2,
//!            "endpoint":"https://api.segment.io/v1/batch","source":"cf7d3c0e9508758a"},
//!  "verified":{"bytes":1048576,"hash":"…"},
//!  "watermark":1200,"doneAbove":[[1300,1400]],
//!  "serverRejected":[{"row":17,"reason":"HTTP 400: …"}]}
//! ```
//! Ranges are half-open: `[1300,1400]` means rows 1300 to 1399. In an
//! import of several files rows are keys ([`crate::fileset::key`]); the keys
//! between two files (after the last row of one, up to the first record of
//! the next) are marked done as `gaps` (`"gaps":[[a,b]]`, written only then),
//! so the watermark runs on from file to file, and are not counted as rows.
//! Format 1
//! (segment-backfill 0.1) recorded a single fingerprint of a different
//! recipe; it is recognised and refused with its own message.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::content::VerifiedPrefix;
use super::identity::ImportIdentity;
use crate::deliver::Event;

/// The only format version written and read.
pub const CHECKPOINT_VERSION: u32 = 2;

/// The rows done so far, compactly (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "CheckpointFile", try_from = "CheckpointFile")]
pub struct Checkpoint {
    /// The import this checkpoint belongs to (unset until it is known).
    import: Option<ImportIdentity>,
    /// A prefix of the file whose rows are all done, by hash.
    verified: Option<VerifiedPrefix>,
    /// Every row below this is done.
    watermark: u64,
    /// Done ranges above the watermark, `start → end` (half-open), disjoint,
    /// not touching each other, every start above the watermark.
    done_above: BTreeMap<u64, u64>,
    /// Rows the server refused, with its reason, so a resumed run can still
    /// report them.
    pub server_rejected: Vec<(u64, String)>,
    /// Keys between two files, done but not rows (see the module docs).
    gaps: BTreeMap<u64, u64>,
}

impl Checkpoint {
    /// Nothing done yet; `first_row` is the first row of the input.
    pub fn new(first_row: u64) -> Checkpoint {
        Checkpoint {
            import: None,
            verified: None,
            watermark: first_row,
            done_above: BTreeMap::new(),
            server_rejected: Vec::new(),
            gaps: BTreeMap::new(),
        }
    }

    /// Marks keys `a..b` between two files done, as a gap that holds no row
    /// (idempotent: a resumed run marks the same gaps again).
    pub fn mark_gap(&mut self, a: u64, b: u64) {
        if a >= b {
            return;
        }
        let end = self.gaps.entry(a).or_insert(b);
        *end = (*end).max(b);
        self.mark_done_range(a, b);
    }

    /// Sets the import this belongs to.
    pub fn set_import(&mut self, import: ImportIdentity) {
        self.import = Some(import);
    }

    /// The import this belongs to, once known.
    pub fn import(&self) -> Option<&ImportIdentity> {
        self.import.as_ref()
    }

    /// Sets the verified prefix of the file.
    pub fn set_verified(&mut self, verified: Option<VerifiedPrefix>) {
        self.verified = verified;
    }

    /// The verified prefix of the file, if any.
    pub fn verified(&self) -> Option<&VerifiedPrefix> {
        self.verified.as_ref()
    }

    /// Marks one row done.
    pub fn mark_done(&mut self, row: u64) {
        self.mark_done_range(row, row.saturating_add(1));
    }

    /// Marks rows `a..b` (half-open) done. An empty range does nothing.
    pub fn mark_done_range(&mut self, a: u64, b: u64) {
        let mut start = a.max(self.watermark);
        let mut end = b;
        if start >= end {
            return;
        }
        // A range that starts before ours and reaches it: absorb it.
        if let Some((&s, &e)) = self.done_above.range(..=start).next_back() {
            if e >= start {
                start = s;
                end = end.max(e);
            }
        }
        // Ranges that start inside ours or right at its end: absorb them.
        let absorbed: Vec<u64> = self
            .done_above
            .range(start..=end)
            .map(|(&s, _)| s)
            .collect();
        for s in absorbed {
            if let Some(e) = self.done_above.remove(&s) {
                end = end.max(e);
            }
        }
        if start <= self.watermark {
            // Merged ranges never touch, so nothing above `end` can join.
            self.watermark = end;
        } else {
            self.done_above.insert(start, end);
        }
    }

    /// Whether `row` is done.
    pub fn is_done(&self, row: u64) -> bool {
        row < self.watermark
            || self
                .done_above
                .range(..=row)
                .next_back()
                .is_some_and(|(_, &end)| row < end)
    }

    /// Every row below this is done.
    pub fn watermark(&self) -> u64 {
        self.watermark
    }

    /// How many rows from `first_row` on are done (`first_row` is the first
    /// row of the input, as given to [`new`](Self::new)).
    pub fn rows_done(&self, first_row: u64) -> u64 {
        let above: u64 = self
            .done_above
            .iter()
            .map(|(&s, &e)| e - s.max(first_row).min(e))
            .sum();
        // Gaps are disjoint but for a shared start (kept as one), and done.
        let gaps: u64 = self
            .gaps
            .iter()
            .map(|(&s, &e)| e - s.max(first_row).min(e))
            .sum();
        (self.watermark.saturating_sub(first_row) + above).saturating_sub(gaps)
    }

    /// The done ranges above the watermark, `(start, end)` half-open, in order.
    pub fn done_above(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.done_above.iter().map(|(&s, &e)| (s, e))
    }

    /// Records a row the server refused: done, and remembered with its reason.
    pub fn mark_rejected(&mut self, row: u64, reason: impl Into<String>) {
        self.mark_done(row);
        self.server_rejected.push((row, reason.into()));
    }

    /// Applies an engine event: acknowledged rows are done, a server
    /// rejection is done and remembered, the rest changes nothing
    /// (undelivered rows must be sent again).
    pub fn record(&mut self, event: &Event) {
        match event {
            Event::Acknowledged { rows, .. } => {
                // Rows of a batch are consecutive more often than not: mark
                // runs, not rows.
                let mut run: Option<(u64, u64)> = None;
                for &row in rows {
                    run = match run {
                        Some((a, b)) if b == row => Some((a, b.saturating_add(1))),
                        Some((a, b)) => {
                            self.mark_done_range(a, b);
                            Some((row, row.saturating_add(1)))
                        }
                        None => Some((row, row.saturating_add(1))),
                    };
                }
                if let Some((a, b)) = run {
                    self.mark_done_range(a, b);
                }
            }
            Event::Rejected { row, reason } => self.mark_rejected(*row, reason.clone()),
            Event::Retrying { .. } | Event::Undelivered { .. } | Event::Fatal { .. } => {}
        }
    }

    /// The JSON document (see the module docs).
    pub fn to_json(&self) -> String {
        // OK because the file struct holds only strings and integers, which
        // always serialize.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a JSON document written by [`to_json`](Self::to_json).
    pub fn from_json(json: &str) -> Result<Checkpoint, CheckpointError> {
        #[derive(Deserialize)]
        struct Version {
            version: Option<u32>,
        }
        match serde_json::from_str::<Version>(json) {
            Ok(Version { version: Some(1) }) => return Err(CheckpointError::OlderFormat(1)),
            Ok(Version {
                version: Some(v @ 3..),
            }) => return Err(CheckpointError::NewerFormat(v)),
            _ => {}
        }
        serde_json::from_str(json).map_err(|e| CheckpointError::Unreadable(e.to_string()))
    }
}

/// A checkpoint document that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    /// Not JSON, or not a checkpoint.
    Unreadable(String),
    /// Written by an earlier version, which did not record enough to tell
    /// its import from another.
    OlderFormat(u32),
    /// Written by a later version of this tool.
    NewerFormat(u32),
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::Unreadable(e) => write!(f, "unreadable checkpoint: {e}"),
            CheckpointError::OlderFormat(v) => write!(
                f,
                "the checkpoint was written by an earlier version of segment-backfill (format \
                 {v}), which did not record the write key, the id scheme or the file's bytes it \
                 belongs to, so it cannot be checked: start the import over (rows sent before \
                 get the ids they had then with id scheme 1, and Segment drops the repeats)"
            ),
            CheckpointError::NewerFormat(v) => write!(
                f,
                "the checkpoint was written by a later version of segment-backfill (format {v}); \
                 this one reads format {CHECKPOINT_VERSION}"
            ),
        }
    }
}

impl std::error::Error for CheckpointError {}

/// The on-disk shape, kept apart so the in-memory map can stay a map and a
/// hand-edited file is normalised on the way in.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CheckpointFile {
    version: u32,
    import: Option<ImportIdentity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verified: Option<VerifiedPrefix>,
    watermark: u64,
    done_above: Vec<(u64, u64)>,
    server_rejected: Vec<RejectedRow>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    gaps: Vec<(u64, u64)>,
}

#[derive(Serialize, Deserialize)]
struct RejectedRow {
    row: u64,
    reason: String,
}

impl From<Checkpoint> for CheckpointFile {
    fn from(c: Checkpoint) -> CheckpointFile {
        CheckpointFile {
            version: CHECKPOINT_VERSION,
            done_above: c.done_above().collect(),
            gaps: c.gaps.iter().map(|(&a, &b)| (a, b)).collect(),
            import: c.import,
            verified: c.verified,
            watermark: c.watermark,
            server_rejected: c
                .server_rejected
                .into_iter()
                .map(|(row, reason)| RejectedRow { row, reason })
                .collect(),
        }
    }
}

impl TryFrom<CheckpointFile> for Checkpoint {
    type Error = String;

    fn try_from(f: CheckpointFile) -> Result<Checkpoint, String> {
        if f.version != CHECKPOINT_VERSION {
            return Err(format!(
                "version {} (this build reads version {CHECKPOINT_VERSION})",
                f.version
            ));
        }
        let mut c = Checkpoint::new(f.watermark);
        c.import = f.import;
        c.verified = f.verified;
        // Re-marking merges overlapping or unsorted ranges from an edited file.
        for (a, b) in f.done_above {
            c.mark_done_range(a, b);
        }
        for (a, b) in f.gaps {
            c.mark_gap(a, b);
        }
        c.server_rejected = f
            .server_rejected
            .into_iter()
            .map(|r| (r.row, r.reason))
            .collect();
        Ok(c)
    }
}
