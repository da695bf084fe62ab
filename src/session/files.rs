//! A send of several files as one import ([`crate::fileset`]): the shell
//! pushes the files' bytes one after the other and calls
//! [`SendSession::next_file`] between two. The importer sniffs each file on
//! its own; rows are keys (file index, row). Here: the step from one file to
//! the next (its head checked against the one listed, the keys between two
//! files marked as a gap in the checkpoint), and each file's share of the
//! final reconciliation.

use super::{Input, SendSession, SessionError};
use crate::fileset::{key, split, FileSet};
use crate::report::Reconciliation;
use crate::source::SourceError;

pub use super::report::FileReport;

/// Where each file's rows went, as the session learns it.
#[derive(Debug, Default)]
pub(super) struct FileTallies {
    pub(super) set: Option<FileSet>,
    acknowledged: Vec<u64>,
    refused_now: Vec<u64>,
    refused_earlier: Vec<u64>,
}

impl FileTallies {
    pub(super) fn new(set: Option<FileSet>) -> FileTallies {
        let n = set.as_ref().map_or(0, FileSet::len);
        FileTallies {
            set,
            acknowledged: vec![0; n],
            refused_now: vec![0; n],
            refused_earlier: vec![0; n],
        }
    }

    /// Rows acknowledged (keys).
    pub(super) fn acknowledged(&mut self, rows: &[u64]) {
        if self.set.is_none() {
            return;
        }
        for &r in rows {
            if let Some(n) = self.acknowledged.get_mut(split(r).0) {
                *n += 1;
            }
        }
    }

    /// A row the endpoint refused, in this run or the one resumed.
    pub(super) fn refused(&mut self, row: u64, now: bool) {
        let list = if now {
            &mut self.refused_now
        } else {
            &mut self.refused_earlier
        };
        if let Some(n) = list.get_mut(split(row).0) {
            *n += 1;
        }
    }
}

impl SendSession {
    /// The file being read ended; the next bytes pushed are the next
    /// file's. `Err` only while nothing has been sent (as
    /// [`push_input`](Self::push_input)): the file ended in a broken
    /// record, its head is not the one listed, or this is a single-file
    /// import.
    pub fn next_file(&mut self, now_ms: u64) -> Result<(), SessionError> {
        if let Some(e) = &self.refused {
            return Err(e.clone());
        }
        if self.input != Input::Reading {
            return Ok(());
        }
        if self.files.set.is_none() {
            return self.refuse(source_error("next_file on an import of one file"), now_ms);
        }
        self.check_head(true, now_ms)?;
        if let Err(e) = self.importer.next_file() {
            return self.input_failed(e, now_ms);
        }
        self.identity.next_file();
        self.content.snapshot(self.importer.next_row(), false);
        self.after_input(now_ms)
    }

    /// Refuses (or stops, once sending began) a file of several whose head
    /// is not the one the shell listed: it changed since.
    pub(super) fn check_head(&mut self, complete: bool, now_ms: u64) -> Result<(), SessionError> {
        match self.identity.file_changed(complete) {
            Some(name) => {
                let e = source_error(&format!(
                    "{name} changed since the import began: its first 64 KiB are not the ones \
                     read when the files were listed"
                ));
                self.refuse(e, now_ms)
            }
            None => Ok(()),
        }
    }

    /// The keys between two files hold no row: gaps in the checkpoint, so
    /// its watermark runs on from file to file.
    pub(super) fn mark_gaps(&mut self) {
        for (from, to) in self.importer.take_gaps() {
            self.checkpoint.mark_gap(from, to);
        }
    }

    /// The row key the first record of the import has: `first_row` of its
    /// first file that is not empty (the one the importer was made for,
    /// whose part is still the importer's when its settings become known).
    pub(super) fn first_key(&self, first_row: u64) -> u64 {
        let part = self
            .importer
            .importer()
            .map_or(0, crate::pipeline::Importer::part);
        key(part, first_row)
    }

    /// Each file's share of `total` (empty for one file).
    pub(super) fn file_reports(
        &self,
        summary: &crate::pipeline::Summary,
        total: &Reconciliation,
    ) -> Vec<FileReport> {
        let Some(set) = &self.files.set else {
            return Vec::new();
        };
        let mut undelivered = vec![0u64; set.len()];
        for &(a, b) in &total.undelivered_rows {
            if let Some(n) = undelivered.get_mut(split(a).0) {
                *n += b - a + 1;
            }
        }
        summary
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let at = |v: &Vec<u64>| v.get(i).copied().unwrap_or(0);
                let earlier = f.skipped.saturating_sub(at(&self.files.refused_earlier));
                let refused = at(&self.files.refused_now) + at(&self.files.refused_earlier);
                FileReport {
                    file: f.file.clone(),
                    rows: f.rows,
                    valid: f.valid,
                    rejected: f.rejected + refused,
                    delivered: at(&self.files.acknowledged) + earlier,
                    undelivered: undelivered[i],
                    previously_delivered: earlier,
                    empty: f.empty,
                }
            })
            .collect()
    }
}

fn source_error(message: &str) -> SessionError {
    SessionError::Source(SourceError {
        row: None,
        message: message.to_string(),
    })
}
