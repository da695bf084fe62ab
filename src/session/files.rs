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

    /// In a multi-file import, the name of file `index` (for errors).
    pub(super) fn current_name(&self, index: usize) -> Option<&str> {
        let set = self.set.as_ref()?;
        set.files().get(index).map(|f| f.name.as_str())
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
        self.step_file(None, now_ms)
    }

    /// [`next_file`](Self::next_file), the next file read with `options`
    /// (a workbook or Parquet file among text files: its canonical
    /// options, [`crate::source::table::checked_options`]).
    pub fn next_file_reading(
        &mut self,
        options: crate::source::SourceOptions,
        now_ms: u64,
    ) -> Result<(), SessionError> {
        self.step_file(Some(options), now_ms)
    }

    fn step_file(
        &mut self,
        options: Option<crate::source::SourceOptions>,
        now_ms: u64,
    ) -> Result<(), SessionError> {
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
        let stepped = match options {
            Some(options) => self.importer.next_file_reading(options),
            None => self.importer.next_file(),
        };
        if let Err(e) = stepped {
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::{Checkpoint, SessionEvent, SessionReport, SessionSetup};
    use super::*;
    use crate::deliver::Outcome;
    use crate::fileset::{head_hash, FilePart};
    use crate::mapping::Mapping;
    use crate::message::SourceNamespace;

    const T0: u64 = 1_767_225_600_000;
    const URL: &str = "http://127.0.0.1:8787/v1/batch";

    /// A CSV of `rows` rows with `delimiter`; row `bad` (data row) has no user.
    fn csv(rows: usize, delimiter: char, bad: usize) -> Vec<u8> {
        let mut s = format!("user{delimiter}what\n");
        for i in 1..=rows {
            let user = if i == bad {
                String::new()
            } else {
                format!("u{i}")
            };
            s.push_str(&format!("{user}{delimiter}Event {i}\n"));
        }
        s.into_bytes()
    }

    fn setup(files: &[(&str, &[u8])]) -> SessionSetup {
        let mut s = SessionSetup::new(URL, SourceNamespace::of_write_key("k"));
        s.mapping = Mapping::from_json(
            r#"{"type":"track","rules":[{"from":"user","to":"userId"},{"from":"what","to":"event"}]}"#,
        )
        .ok();
        s.batch.max_messages = 10;
        let parts = files
            .iter()
            .map(|(name, bytes)| FilePart {
                head: Some(head_hash(bytes)),
                ..FilePart::new(*name, Some(bytes.len() as u64))
            })
            .collect();
        s.files = FileSet::ordered(parts).ok();
        s
    }

    /// What [`drive`] saw: the report (if the run finished) and the last
    /// checkpoint handed out.
    struct Drove {
        report: Option<SessionReport>,
        checkpoint: Option<String>,
    }

    /// Drives a session over `files` in order; acks every request, keeping
    /// row key → ids; stops as a dying process after `die_after` acks.
    fn drive(
        mut s: SendSession,
        files: &[&[u8]],
        got: &mut BTreeMap<u64, Vec<String>>,
        die_after: Option<usize>,
    ) -> Result<Drove, SessionError> {
        let (mut now, mut file, mut at, mut acks) = (T0, 0, 0, 0);
        let mut checkpoint = None;
        for _ in 0..100_000 {
            while s.wants_input() {
                let data = files[file];
                if at < data.len() {
                    let next = (at + 50).min(data.len());
                    s.push_input(&data[at..next], now)?;
                    at = next;
                } else if file + 1 < files.len() {
                    s.next_file(now)?;
                    (file, at) = (file + 1, 0);
                } else {
                    s.finish_input(now)?;
                }
            }
            while let Some(t) = s.poll_transmit(now) {
                let body: serde_json::Value = serde_json::from_slice(&t.body).unwrap_or_default();
                let ids = body["batch"].as_array().cloned().unwrap_or_default();
                for (row, m) in t.rows.iter().zip(ids) {
                    let id = m["messageId"].as_str().unwrap_or_default().to_string();
                    got.entry(*row).or_default().push(id);
                }
                acks += 1;
                now += 100;
                s.handle_response(t.id, Outcome::status(200, "{}"), now);
            }
            while let Some(e) = s.poll_event() {
                if let SessionEvent::Checkpoint(c) = e {
                    checkpoint = Some(c);
                }
            }
            if die_after.is_some_and(|n| acks >= n) {
                return Ok(Drove {
                    report: None,
                    checkpoint,
                });
            }
            if s.is_done() {
                let report = Some(s.finish(now));
                return Ok(Drove { report, checkpoint });
            }
            now = s.poll_timeout().unwrap_or(now + 1000).max(now + 1);
            s.handle_timeout(now);
        }
        panic!("the session never finished");
    }

    #[test]
    fn a_resumed_send_of_three_files_skips_what_its_checkpoint_has_done() {
        let (a, b, c) = (csv(60, ',', 5), csv(70, ';', 0), csv(40, '\t', 40));
        let files: [(&str, &[u8]); 3] = [("a.csv", &a), ("b.csv", &b), ("c.csv", &c)];
        let bytes = [&a[..], &b[..], &c[..]];
        let mut first = BTreeMap::new();
        let s = SendSession::new(setup(&files), T0).expect("starts");
        let died = drive(s, &bytes, &mut first, Some(9)).expect("runs");
        let cp = died.checkpoint.expect("a checkpoint was handed out");
        let done = Checkpoint::from_json(&cp).expect("reads");
        assert!(
            first.keys().any(|&k| split(k).0 == 1),
            "died in the second file"
        );
        // Every real row, by key: the checkpoint counts those done, and the
        // keys between files (gaps) not at all.
        let real: Vec<u64> = (2..62)
            .chain((2..72).map(|r| key(1, r)))
            .chain((2..42).map(|r| key(2, r)))
            .collect();
        let done_real = real.iter().filter(|&&k| done.is_done(k)).count() as u64;
        assert!(done_real > 60, "{done_real}");
        assert_eq!(done.rows_done(2), done_real, "gaps are not rows");

        let mut again = setup(&files);
        again.resume = Some(done.clone());
        let s = SendSession::new(again, T0).expect("resumes");
        let mut second = BTreeMap::new();
        let report = drive(s, &bytes, &mut second, None)
            .expect("runs")
            .report
            .expect("finished");
        assert!(
            second.keys().all(|&k| !done.is_done(k)),
            "nothing done is sent again"
        );
        for (k, ids) in &second {
            if let Some(before) = first.get(k) {
                assert_eq!(before[0], ids[0], "a row sent again keeps its id");
            }
        }
        let all: std::collections::BTreeSet<u64> =
            first.keys().chain(second.keys()).copied().collect();
        assert_eq!(all.len(), 59 + 70 + 39);
        let r = &report.reconciliation;
        assert!(report.balanced && report.complete);
        assert_eq!((r.rows, r.delivered, r.rejected), (170, 168, 2));
        let shares: Vec<(&str, u64, u64, u64)> = report
            .files
            .iter()
            .map(|f| (f.file.as_str(), f.rows, f.delivered, f.rejected))
            .collect();
        assert_eq!(
            shares,
            [
                ("a.csv", 60, 59, 1),
                ("b.csv", 70, 70, 0),
                ("c.csv", 40, 39, 1)
            ]
        );
        let end = Checkpoint::from_json(report.checkpoint.as_deref().unwrap_or_default())
            .expect("checkpoint");
        assert_eq!(
            end.rows_done(2),
            170,
            "every row done, the gaps not counted"
        );
    }

    #[test]
    fn a_broken_later_file_ends_the_send_with_its_name_and_every_row_counted() {
        let a = csv(60, ',', 0);
        let broken = b"\x1f\x8b\x08\x00garbage that is not deflate".to_vec();
        let files: [(&str, &[u8]); 2] = [("a.csv", &a), ("b.csv.gz", &broken)];
        let s = SendSession::new(setup(&files), T0).expect("starts");
        let mut got = BTreeMap::new();
        let report = drive(s, &[&a, &broken], &mut got, None)
            .expect("runs")
            .report
            .expect("finished");
        let error = report.error.clone().unwrap_or_default();
        assert!(error.starts_with("b.csv.gz: "), "{error}");
        assert!(
            report.balanced && !report.complete,
            "{:?} {:?}",
            report.reconciliation,
            report.complete
        );
        assert_eq!(report.reconciliation.delivered, 60);
        assert_eq!(got.len(), 60);
    }

    #[test]
    fn a_file_that_changed_since_it_was_listed_is_refused() {
        let (a, b) = (csv(5, ',', 0), csv(5, ',', 0));
        let mut setup = setup(&[("a.csv", &a), ("b.csv", &b)]);
        let mut edited = b.clone();
        edited[20] = b'X';
        let s = SendSession::new(setup.clone(), T0).expect("starts");
        let mut got = BTreeMap::new();
        let e = drive(s, &[&a, &edited], &mut got, None)
            .err()
            .expect("refused");
        assert!(e.to_string().contains("b.csv changed since"), "{e}");
        assert!(got.is_empty(), "nothing sent");
        setup.files = None;
        assert!(
            SendSession::new(setup, T0).is_ok(),
            "without a file set: one file"
        );
    }
}
