//! Where a run got to, so a re-run can skip what is done.
//!
//! Rows are contiguous integers that become done out of order (validation
//! rejects at once, sent rows when the server acknowledges or rejects them),
//! so the checkpoint keeps a *watermark* (every row below it is done) plus
//! the merged ranges done above it. Rows finish nearly in order, so the map
//! stays a handful of ranges however long the file. Undelivered rows are not
//! done: a re-run sends them again, and deterministic messageIds make that
//! harmless if they had arrived after all.
//!
//! Pure data: the CLI writes the JSON atomically; nothing here touches files.
//!
//! ```json
//! {"version":1,"fingerprint":"…","watermark":1200,"doneAbove":[[1300,1400]],
//!  "serverRejected":[{"row":17,"reason":"HTTP 400: …"}]}
//! ```
//! Ranges are half-open: `[1300,1400]` means rows 1300 to 1399.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::types::Event;

/// The only format version written and read.
pub const CHECKPOINT_VERSION: u32 = 1;

/// The rows done so far, compactly (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "CheckpointFile", try_from = "CheckpointFile")]
pub struct Checkpoint {
    /// Identifies the input and mapping this checkpoint belongs to.
    fingerprint: String,
    /// Every row below this is done.
    watermark: u64,
    /// Done ranges above the watermark, `start → end` (half-open), disjoint,
    /// not touching each other, every start above the watermark.
    done_above: BTreeMap<u64, u64>,
    /// Rows the server refused, with its reason, so a resumed run can still
    /// report them.
    pub server_rejected: Vec<(u64, String)>,
}

impl Checkpoint {
    /// Nothing done yet; `first_row` is the first row of the input.
    pub fn new(first_row: u64) -> Checkpoint {
        Checkpoint {
            fingerprint: String::new(),
            watermark: first_row,
            done_above: BTreeMap::new(),
            server_rejected: Vec::new(),
        }
    }

    /// Sets the identity of the input (file and mapping) this belongs to.
    pub fn set_fingerprint(&mut self, fingerprint: impl Into<String>) {
        self.fingerprint = fingerprint.into();
    }

    /// The identity set with [`set_fingerprint`](Self::set_fingerprint).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Whether this checkpoint belongs to the input with this fingerprint
    /// (resuming someone else's checkpoint would skip the wrong rows).
    pub fn matches(&self, fingerprint: &str) -> bool {
        self.fingerprint == fingerprint
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
        self.watermark.saturating_sub(first_row) + above
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
        serde_json::from_str(json).map_err(|e| CheckpointError(e.to_string()))
    }
}

/// A checkpoint document that cannot be read: not JSON, not this shape, or
/// another version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointError(String);

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unreadable checkpoint: {}", self.0)
    }
}

impl std::error::Error for CheckpointError {}

/// The on-disk shape, kept apart so the in-memory map can stay a map and a
/// hand-edited file is normalised on the way in.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CheckpointFile {
    version: u32,
    fingerprint: String,
    watermark: u64,
    done_above: Vec<(u64, u64)>,
    server_rejected: Vec<RejectedRow>,
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
            fingerprint: c.fingerprint,
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
        c.fingerprint = f.fingerprint;
        // Re-marking merges overlapping or unsorted ranges from an edited file.
        for (a, b) in f.done_above {
            c.mark_done_range(a, b);
        }
        c.server_rejected = f
            .server_rejected
            .into_iter()
            .map(|r| (r.row, r.reason))
            .collect();
        Ok(c)
    }
}
