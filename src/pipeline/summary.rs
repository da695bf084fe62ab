//! What an import reports: the rejected rows, the tally per finding code,
//! the summary of the whole file, and the running counts.

use std::collections::BTreeMap;

use serde::Serialize;

use super::FileCounts;
use crate::validate::{Code, Issue};

/// A row that will not be sent, with every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct RejectedRow {
    pub row: u64,
    pub line: u64,
    /// The findings; at least one is an error.
    pub issues: Vec<Issue>,
    /// The original cells (a JSON record is one cell holding its text).
    pub cells: Vec<String>,
}

impl RejectedRow {
    /// A row the endpoint refused (400/413 on its message alone), with the
    /// endpoint's answer as the reason; it has no cells.
    pub fn refused_by_api(row: u64, reason: String) -> RejectedRow {
        RejectedRow {
            row,
            line: 0,
            issues: vec![Issue {
                row,
                column: None,
                code: Code::RejectedByApi,
                message: reason,
            }],
            cells: Vec::new(),
        }
    }

    /// The first error's code.
    pub fn code(&self) -> Option<Code> {
        self.issues
            .iter()
            .find(|i| !i.code.is_warning())
            .map(|i| i.code)
    }

    /// All errors as one sentence: `created_at: "nope" is not ... ; ...`.
    pub fn reason(&self) -> String {
        self.issues
            .iter()
            .filter(|i| !i.code.is_warning())
            .map(|i| match &i.column {
                Some(c) if !i.message.starts_with(c.as_str()) => format!("{c}: {}", i.message),
                _ => i.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One finding code: how often, and a few examples.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct CodeTally {
    pub warning: bool,
    /// Findings with this code (a row can have several: two number columns).
    pub count: u64,
    /// Rows with at least one finding with this code: rejected rows for an
    /// error, sent rows for a warning (a rejected row's warnings are not
    /// counted: it is not sent).
    pub rows: u64,
    pub examples: Vec<Issue>,
}

/// Everything known about the input so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Rows read (records, not counting a CSV header).
    pub rows: u64,
    /// Rows that became a message.
    pub valid: u64,
    /// Rows that will not be sent.
    pub rejected: u64,
    /// Valid rows with at least one warning.
    pub with_warnings: u64,
    /// Valid rows that a resumed run skips because they were delivered before.
    pub previously_delivered: u64,
    /// Valid rows that are valid thanks to a fix (counted in `valid` too; a
    /// fixed row still invalid is counted in `rejected` only).
    pub fixed: u64,
    /// Findings by code: only the codes seen.
    #[cfg_attr(feature = "js", tsify(type = "Partial<Record<Code, CodeTally>>"))]
    pub by_code: BTreeMap<Code, CodeTally>,
    /// Rejected rows with errors of more than one code: each is counted
    /// under every one of them, so the errors' `rows` add up to more than
    /// `rejected` by at least this many.
    pub rejected_several_reasons: u64,
    /// Sent rows with warnings of more than one code (likewise for
    /// `with_warnings`).
    pub warned_several_reasons: u64,
    /// Missing-value tokens (the mapping's `missing` list) read as empty in
    /// the rows read, per column, most frequent first: what the import
    /// turned into "no value" is said, not done silently.
    pub missing_values: Vec<crate::mapping::MissingSeen>,
    pub first_timestamp: Option<String>,
    pub last_timestamp: Option<String>,
    /// Valid messages that carry no timestamp (Segment dates them on arrival).
    pub without_timestamp: u64,
    /// Messages per UTC day, `YYYY-MM-DD` → count.
    pub events_per_day: BTreeMap<String, u64>,
    /// The most frequent event names, most frequent first (at most 20).
    pub top_events: Vec<(String, u64)>,
    /// Messages per call type.
    pub types: BTreeMap<String, u64>,
    pub batches: u64,
    pub messages: u64,
    /// Bytes of batch bodies made.
    pub bytes: u64,
    /// Raw input bytes read.
    pub bytes_read: u64,
    pub headers: Vec<String>,
    /// Mapping-level warnings (no timestamp mapped, a column shadowed, an
    /// archive replayed).
    pub notes: Vec<String>,
    /// JSON records are replayed: the fields Segment set are dropped and
    /// messageIds derived anew.
    pub replay: bool,
    /// In an import of several files, each file's counts, in the order read
    /// (empty for a single file).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "js", tsify(optional))]
    pub files: Vec<FileCounts>,
}

/// Rows read so far and where they went (see [`Importer::counts`](super::Importer::counts)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub rows: u64,
    pub valid: u64,
    pub rejected: u64,
    /// Valid rows skipped as delivered by an earlier run.
    pub skipped: u64,
    /// Valid rows that are valid thanks to a fix (also in `valid`).
    pub fixed: u64,
}
