//! Where every row of the whole file ended once a run is over, the earlier
//! runs it resumed included.
//!
//! A resumed run reads the whole file again. Rows the checkpoint has done
//! are skipped ([`crate::pipeline::Importer::skip_rows`]): a valid one counts
//! as delivered earlier (or as refused by the API, when the checkpoint names
//! it so), an invalid one is rejected again exactly as before. Rows that were
//! in flight when the earlier run stopped are not done, so they are sent
//! again; their deterministic messageIds make that harmless. So
//! `rows = delivered + rejected + undelivered` holds for the whole file, and
//! no row is counted twice.

use crate::report::Reconciliation;

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
    use crate::session::Checkpoint;

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
            let cp = Checkpoint::from_json(&cp.to_json()).expect("reads back");

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
