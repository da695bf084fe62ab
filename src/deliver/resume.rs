//! Resuming a run from its checkpoint, the same way wherever it runs: which
//! checkpoint belongs to this import, and where every row of the whole file
//! ended once the resumed run is over, the earlier runs included.
//!
//! A resumed run reads the whole file again. Rows the checkpoint has done
//! are skipped ([`crate::pipeline::Importer::skip_rows`]): a valid one counts
//! as delivered earlier (or as refused by the API, when the checkpoint names
//! it so), an invalid one is rejected again exactly as before. Rows that were
//! in flight when the earlier run stopped are not done, so they are sent
//! again; their deterministic messageIds make that harmless. So
//! `rows = delivered + rejected + undelivered` holds for the whole file, and
//! no row is counted twice.

use std::fmt;

use super::checkpoint::{Checkpoint, CheckpointError};
use crate::report::Reconciliation;

/// How much of the start of the file goes into the fingerprint.
pub const IDENTITY_HEAD_BYTES: usize = 64 * 1024;

/// What makes two runs the same import: a checkpoint of one may be resumed
/// by the other only if all of it is equal.
#[derive(Debug, Clone, Copy)]
pub struct ImportIdentity<'a> {
    /// The file's size in bytes.
    pub size: u64,
    /// Its first [`IDENTITY_HEAD_BYTES`] bytes (all of it if shorter).
    pub head: &'a [u8],
    /// The mapping's JSON text (empty: no mapping).
    pub mapping_json: &'a str,
    /// How the file is read (format, delimiter, encoding, header...), as text.
    pub settings: &'a str,
    /// Where the rows go: rows done for one endpoint are not done for another.
    pub endpoint: &'a str,
}

impl ImportIdentity<'_> {
    /// A stable 128-bit hash of the identity, as 32 hex digits.
    pub fn fingerprint(&self) -> String {
        use xxhash_rust::xxh3::Xxh3;
        let mut h = Xxh3::new();
        h.update(b"segment-backfill import v1");
        h.update(&self.size.to_le_bytes());
        let head = &self.head[..self.head.len().min(IDENTITY_HEAD_BYTES)];
        // Each part is length-prefixed, so no two identities hash the same
        // bytes by shifting text from one part to the next.
        for part in [
            head,
            self.mapping_json.as_bytes(),
            self.settings.as_bytes(),
            self.endpoint.as_bytes(),
        ] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part);
        }
        format!("{:032x}", h.digest128())
    }
}

/// Why a checkpoint cannot be resumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeError {
    /// Not a checkpoint document, or of another format version.
    Unreadable(CheckpointError),
    /// The checkpoint of another file, mapping, way of reading or endpoint:
    /// applying it would skip rows that were never delivered.
    OtherImport,
}

impl fmt::Display for ResumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResumeError::Unreadable(e) => write!(f, "cannot resume: {e}"),
            ResumeError::OtherImport => f.write_str(
                "cannot resume: the checkpoint belongs to another file, mapping or endpoint \
                 (resume with the same file, mapping and endpoint, or start over without it)",
            ),
        }
    }
}

impl std::error::Error for ResumeError {}

/// Reads the checkpoint to resume from, refusing one that belongs to
/// another import (`fingerprint` is this import's).
pub fn resume_checkpoint(json: &str, fingerprint: &str) -> Result<Checkpoint, ResumeError> {
    let checkpoint = Checkpoint::from_json(json).map_err(ResumeError::Unreadable)?;
    if checkpoint.matches(fingerprint) {
        Ok(checkpoint)
    } else {
        Err(ResumeError::OtherImport)
    }
}

/// Where the rows went, as one run saw them; [`RunTally::reconcile`] turns
/// it into the reconciliation of the whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunTally {
    /// Rows read (the whole file when it was read to the end).
    pub rows: u64,
    /// Rows rejected before sending, in this run (earlier runs rejected the
    /// same rows, and this run rejected them again).
    pub rejected_before_sending: u64,
    /// Valid rows skipped because the checkpoint had them done.
    pub skipped_as_done: u64,
    /// Rows the API acknowledged in this run.
    pub acknowledged: u64,
    /// Rows the API refused, in this run and in the earlier ones.
    pub rejected_by_server: u64,
    /// Of `rejected_by_server`, those refused in an earlier run (they are
    /// among `skipped_as_done`).
    pub rejected_by_server_earlier: u64,
    /// Rows not delivered, as inclusive ranges in any order.
    pub undelivered: Vec<(u64, u64)>,
    /// Why, when rows were not delivered.
    pub undelivered_reason: Option<String>,
}

impl RunTally {
    /// `rows = delivered + rejected + undelivered` over the whole file: rows
    /// skipped as done count as delivered earlier, except those the API
    /// refused earlier, which count as rejected.
    pub fn reconcile(self) -> Reconciliation {
        let previously_delivered = self
            .skipped_as_done
            .saturating_sub(self.rejected_by_server_earlier);
        let undelivered_rows = merge_ranges(self.undelivered);
        Reconciliation {
            rows: self.rows,
            delivered: self.acknowledged + previously_delivered,
            previously_delivered,
            rejected: self.rejected_before_sending + self.rejected_by_server,
            rejected_by_server: self.rejected_by_server,
            undelivered: undelivered_rows.iter().map(|(a, b)| b - a + 1).sum(),
            undelivered_rows,
            undelivered_reason: self.undelivered_reason,
        }
    }
}

/// Sorts inclusive ranges and merges those that overlap or touch.
pub fn merge_ranges(mut ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    ranges.retain(|(a, b)| a <= b);
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match merged.last_mut() {
            Some((_, end)) if end.saturating_add(1) >= a => *end = (*end).max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliver::Event;

    fn identity<'a>(head: &'a [u8], mapping: &'a str, endpoint: &'a str) -> ImportIdentity<'a> {
        ImportIdentity {
            size: 1000,
            head,
            mapping_json: mapping,
            settings: "csv , utf-8 header",
            endpoint,
        }
    }

    #[test]
    fn the_fingerprint_changes_with_every_part() {
        let base = identity(b"a,b\n1,2\n", "{}", "https://x/v1/batch");
        let fp = base.fingerprint();
        assert_eq!(fp.len(), 32);
        assert_eq!(fp, base.fingerprint(), "stable");
        let others = [
            ImportIdentity { size: 999, ..base },
            identity(b"a,b\n1,3\n", "{}", "https://x/v1/batch"),
            identity(b"a,b\n1,2\n", "{\"type\":\"track\"}", "https://x/v1/batch"),
            ImportIdentity {
                settings: "csv ; utf-8 header",
                ..base
            },
            identity(b"a,b\n1,2\n", "{}", "https://y/v1/batch"),
        ];
        for other in others {
            assert_ne!(other.fingerprint(), fp, "{other:?}");
        }
        // Moving text from one part to the next is another identity.
        assert_ne!(
            identity(b"ab", "c", "e").fingerprint(),
            identity(b"a", "bc", "e").fingerprint()
        );
    }

    #[test]
    fn only_the_head_of_the_file_counts() {
        let long = vec![b'x'; IDENTITY_HEAD_BYTES + 10];
        let mut other = long.clone();
        other[IDENTITY_HEAD_BYTES + 5] = b'y';
        assert_eq!(
            identity(&long, "{}", "e").fingerprint(),
            identity(&other, "{}", "e").fingerprint()
        );
    }

    #[test]
    fn a_checkpoint_of_another_import_is_refused() {
        let mut cp = Checkpoint::new(2);
        cp.set_fingerprint("mine");
        cp.mark_done_range(2, 100);
        let json = cp.to_json();
        assert_eq!(resume_checkpoint(&json, "mine"), Ok(cp));
        assert_eq!(
            resume_checkpoint(&json, "theirs"),
            Err(ResumeError::OtherImport)
        );
        assert!(ResumeError::OtherImport
            .to_string()
            .contains("another file, mapping or endpoint"));
        let unreadable = resume_checkpoint("{\"version\":1}", "mine");
        assert!(matches!(unreadable, Err(ResumeError::Unreadable(_))));
        assert!(resume_checkpoint("not json", "mine")
            .unwrap_err()
            .to_string()
            .starts_with("cannot resume: unreadable checkpoint"));
    }

    #[test]
    fn a_fresh_run_reconciles_as_it_counted() {
        let r = RunTally {
            rows: 100,
            rejected_before_sending: 3,
            acknowledged: 90,
            rejected_by_server: 1,
            undelivered: vec![(50, 52), (90, 92), (53, 55)],
            undelivered_reason: Some("cancelled".into()),
            ..RunTally::default()
        }
        .reconcile();
        assert_eq!(r.delivered, 90);
        assert_eq!(r.previously_delivered, 0);
        assert_eq!(r.rejected, 4);
        assert_eq!(r.undelivered, 9);
        assert_eq!(r.undelivered_rows, vec![(50, 55), (90, 92)]);
        assert!(
            !r.balanced(),
            "100 != 90 + 4 + 9: the tally above is made up"
        );
    }

    /// Two runs over rows 2..=101 (a CSV with a header): the first stops
    /// with rows in flight, the second resumes from its checkpoint. Whatever
    /// the point of the stop, the second run's reconciliation covers the
    /// whole file and counts each row once.
    #[test]
    fn a_resumed_run_covers_the_whole_file_once() {
        let rows: Vec<u64> = (2..=101).collect();
        let invalid = |row: u64| row % 10 == 0; // rejected before sending
        let refused = 33; // the API answers 400 for this one
        for stop_after in [0, 1, 17, 50, 99, 100] {
            // Run 1: rows become done in order up to `stop_after` valid rows;
            // the next four are in flight when the tab closes.
            let mut cp = Checkpoint::new(2);
            cp.set_fingerprint("f");
            let valid: Vec<u64> = rows.iter().copied().filter(|r| !invalid(*r)).collect();
            for &row in rows.iter().filter(|r| invalid(**r)) {
                cp.mark_done(row);
            }
            let acked: Vec<u64> = valid.iter().copied().take(stop_after).collect();
            for &row in &acked {
                if row == refused {
                    cp.record(&Event::Rejected {
                        row,
                        reason: "HTTP 400: bad".into(),
                    });
                } else {
                    cp.record(&Event::Acknowledged {
                        seq: 0,
                        rows: vec![row],
                    });
                }
            }
            let cp = resume_checkpoint(&cp.to_json(), "f").expect("same import");

            // Run 2 reads everything, skips what is done, sends the rest.
            let mut tally = RunTally {
                rows: rows.len() as u64,
                rejected_by_server: cp.server_rejected.len() as u64,
                rejected_by_server_earlier: cp.server_rejected.len() as u64,
                ..RunTally::default()
            };
            let mut sent = Vec::new();
            for &row in &rows {
                if invalid(row) {
                    tally.rejected_before_sending += 1;
                } else if cp.is_done(row) {
                    tally.skipped_as_done += 1;
                } else if row == refused {
                    tally.rejected_by_server += 1;
                } else {
                    tally.acknowledged += 1;
                    sent.push(row);
                }
            }
            let r = tally.reconcile();
            assert!(r.balanced(), "stop after {stop_after}: {r:?}");
            assert_eq!(r.rows, 100);
            assert_eq!(r.rejected, 10 + 1, "stop after {stop_after}");
            assert_eq!(r.rejected_by_server, 1);
            assert_eq!(r.delivered, 100 - 11, "stop after {stop_after}");
            let refused_earlier = acked.contains(&refused);
            assert_eq!(
                r.previously_delivered,
                acked.len() as u64 - u64::from(refused_earlier)
            );
            // Nothing acknowledged earlier is sent again.
            assert!(sent.iter().all(|row| !acked.contains(row)));
        }
    }

    #[test]
    fn ranges_merge_when_they_touch_or_overlap() {
        assert_eq!(
            merge_ranges(vec![(10, 12), (1, 3), (4, 4), (11, 20), (30, 30), (5, 2)]),
            vec![(1, 4), (10, 20), (30, 30)]
        );
        assert_eq!(
            merge_ranges(vec![(0, u64::MAX), (3, 4)]),
            vec![(0, u64::MAX)]
        );
        assert!(merge_ranges(Vec::new()).is_empty());
    }
}
