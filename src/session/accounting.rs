//! Where each row goes as the session learns it: rejected rows (the
//! importer's, the endpoint's, and those the run resumed had refused) out as
//! events in row order, the engine's events into the counts and the
//! checkpoint, and the checkpoint handed out when it changed.

use std::collections::{BTreeMap, VecDeque};

use super::{SendSession, SessionEvent, StopReason};
use crate::deliver::Event;
use crate::pipeline::RejectedRow;
use crate::report::row_ranges;

/// Rows of the resumed run that the endpoint refused earlier: reported
/// again as this run reads past them (the skip callback notes them).
#[derive(Debug, Default)]
pub(super) struct EarlierRefusals {
    pub(super) waiting: BTreeMap<u64, String>,
    pub(super) read: Vec<(u64, String)>,
}

impl SendSession {
    /// Moves the importer's rejected rows (and the earlier refusals read
    /// past) out as events, in row order.
    pub(super) fn take_rejects(&mut self) {
        let mut earlier: VecDeque<(u64, String)> =
            std::mem::take(&mut self.earlier.borrow_mut().read).into();
        self.earlier_refused_read += earlier.len() as u64;
        while let Some(r) = self.importer.pop_reject() {
            while earlier.front().is_some_and(|(row, _)| *row < r.row) {
                if let Some((row, reason)) = earlier.pop_front() {
                    self.refused_row(row, reason, false);
                }
            }
            // Done as far as the checkpoint goes: a resumed run rejects it again.
            self.checkpoint.mark_done(r.row);
            if self.rejected_rows.len() < self.keep_rejected_rows {
                self.rejected_rows.push(r.clone());
            } else {
                self.rejected_rows_omitted += 1;
            }
            self.events.push_back(SessionEvent::Rejected(r));
        }
        for (row, reason) in earlier {
            self.refused_row(row, reason, false);
        }
    }

    /// A row the endpoint refused, now or in the run resumed.
    fn refused_row(&mut self, row: u64, reason: String, now: bool) {
        if now {
            self.refused_now += 1;
        }
        self.files.refused(row, now);
        self.server_rejected.push((row, reason.clone()));
        self.events
            .push_back(SessionEvent::Rejected(RejectedRow::refused_by_api(
                row, reason,
            )));
    }

    pub(super) fn drain_engine(&mut self, now_ms: u64) {
        while let Some(event) = self.engine.poll_event() {
            self.checkpoint.record(&event);
            match event {
                Event::Acknowledged { rows, .. } => {
                    self.acknowledged += rows.len() as u64;
                    self.files.acknowledged(&rows);
                }
                Event::Rejected { row, reason } => self.refused_row(row, reason, true),
                Event::Retrying {
                    seq,
                    attempt,
                    at_ms,
                    reason,
                } => {
                    self.note = Some(format!("batch {seq}: {reason}; attempt {attempt} follows"));
                    self.events.push_back(SessionEvent::Retrying {
                        seq,
                        attempt,
                        at_ms,
                        reason,
                    });
                }
                Event::Undelivered { rows, reason } => {
                    let mut rows = rows;
                    rows.sort_unstable();
                    self.undelivered.extend(row_ranges(rows));
                    self.undelivered_reason.get_or_insert(reason);
                }
                Event::Fatal { status, reason } => {
                    self.note = Some(reason.clone());
                    self.stop_with(StopReason::Refused { status, reason }, now_ms);
                }
            }
        }
    }

    /// Whether the checkpoint changed since it was last handed out.
    pub(super) fn checkpoint_pending(&self) -> bool {
        self.checkpoint.import().is_some()
            && self.last_checkpoint_rows != Some(self.checkpoint.rows_done(self.first_row))
    }

    pub(super) fn maybe_checkpoint(&mut self, now_ms: u64) {
        let due = self
            .last_checkpoint_at
            .is_none_or(|at| now_ms >= at.saturating_add(self.checkpoint_every_ms));
        if due && self.checkpoint_pending() {
            self.last_checkpoint_at = Some(now_ms);
            self.last_checkpoint_rows = Some(self.checkpoint.rows_done(self.first_row));
            let json = self.checkpoint_json();
            self.events.push_back(SessionEvent::Checkpoint(json));
        }
    }
}
