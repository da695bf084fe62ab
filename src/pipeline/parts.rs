//! Several files read as parts of one import ([`crate::fileset`]).
//!
//! [`Importer::begin_part`] ends the file being read and starts the next
//! one with its own [`RecordReader`], settings and header; the batcher, the
//! summary and the tallies go on. Rows are numbered within each file and
//! keyed `key(index, row)` from the reader on, so the batcher, the rejected
//! rows and the summary's examples say which file a row came from. Each
//! file's counts are the difference of the running counts at its start and
//! its end: nothing more is counted per row.

use serde::Serialize;

use super::{ImportError, Importer, RecordMapper, Stage};
use crate::mapping::{MappingError, MissingSeen};
use crate::message::passthrough::Passthrough;
use crate::message::MessageBuilder;
use crate::source::{Format, RecordReader, Settings};

/// One file's share of a multi-file import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct FileCounts {
    /// The file's name ([`crate::fileset::FilePart::name`]).
    pub file: String,
    pub rows: u64,
    pub valid: u64,
    pub rejected: u64,
    /// Valid rows skipped as delivered by an earlier run.
    pub skipped: u64,
    /// Raw bytes read from it.
    pub bytes: u64,
    /// The file had no text at all: no byte, or a compressed stream of
    /// nothing, or only blank lines.
    pub empty: bool,
}

/// The running counts when a file started.
#[derive(Debug, Clone, Default)]
pub(super) struct PartStart {
    file: String,
    rows: u64,
    valid: u64,
    rejected: u64,
    skipped: u64,
    /// Set once the file is over: its counts are final.
    done: Option<FileCounts>,
}

impl PartStart {
    /// Whether the file is over.
    pub(super) fn is_done(&self) -> bool {
        self.done.is_some()
    }
}

impl Importer {
    /// Starts file `index` (named `name`) of a multi-file import, read with
    /// `settings`: the file being read is ended first (its last record read,
    /// as [`Importer::finish`] would, without closing the batch). `id_name`
    /// is what the file's messageIds depend on ([`crate::fileset::FileSet::id_name`]).
    /// Call it for the first file too, before pushing its bytes. A file whose
    /// header lacks a column the mapping needs fails here (CSV: with its
    /// first bytes), naming the column.
    pub fn begin_part(
        &mut self,
        index: usize,
        name: &str,
        id_name: Option<&str>,
        settings: &Settings,
    ) -> Result<(), ImportError> {
        self.end_part()?;
        if index > 0 && !self.stage.fixes.is_empty() {
            return Err(ImportError::Fixes(
                "edited rows (fixes) apply to an import of one file only".into(),
            ));
        }
        let stage = &mut self.stage;
        // A sheet's rows keep their numbers (a header on row 3: data from 4).
        let first = settings.first_data_row();
        if stage.part_end > 0 {
            // The keys after the last file's rows up to this file's first
            // record hold no row.
            stage
                .gaps
                .push((stage.part_end, crate::fileset::key(index, first)));
        }
        stage.part = index;
        stage.parts.push(PartStart {
            file: name.to_string(),
            rows: stage.summary.rows,
            valid: stage.summary.valid,
            rejected: stage.summary.rejected,
            skipped: stage.summary.previously_delivered,
            done: None,
        });
        let ids = stage.base_ids.for_file(id_name);
        stage.ids = ids;
        let json = settings.format != Format::Csv;
        stage.json = json;
        stage.expects_header = !json && settings.has_header;
        stage.keep_missing();
        let passthrough = json && stage.mapping.as_ref().is_none_or(|m| m.rules.is_empty());
        stage.mapper = match &stage.mapping {
            _ if passthrough => RecordMapper::Passthrough(
                Passthrough::new(stage.replay, stage.now_ms)
                    .with_ids(ids)
                    .with_limits(stage.limits),
            ),
            Some(m) if json => {
                let b = MessageBuilder::for_json(m, stage.now_ms)
                    .map_err(ImportError::Mapping)?
                    .with_ids(ids)
                    .with_limits(stage.limits);
                stage.note_all(b.notes());
                RecordMapper::Mapped(Box::new(b))
            }
            Some(m) if !m.rules.is_empty() => RecordMapper::Pending,
            _ => {
                return Err(ImportError::Mapping(MappingError(
                    "a CSV file needs a mapping with at least userId or anonymousId mapped".into(),
                )))
            }
        };
        self.reader = RecordReader::new(settings);
        Ok(())
    }

    /// Records file `index` as empty (no byte): it is named in the counts
    /// and the notes, never skipped silently.
    pub fn empty_part(&mut self, index: usize, name: &str) -> Result<(), ImportError> {
        self.end_part()?;
        let stage = &mut self.stage;
        stage.part = index;
        stage.parts.push(PartStart {
            file: name.to_string(),
            done: Some(FileCounts {
                file: name.to_string(),
                empty: true,
                ..FileCounts::default()
            }),
            ..PartStart::default()
        });
        stage
            .summary
            .notes
            .push(format!("{name} is empty: it has no rows"));
        Ok(())
    }

    /// Ends the file being read: its last record is read and its counts are
    /// final. Does nothing before the first file or twice.
    pub fn end_part(&mut self) -> Result<(), ImportError> {
        if self.finished {
            return Err(ImportError::Finished);
        }
        if self.stage.parts.last().is_none_or(|p| p.done.is_some()) {
            return Ok(());
        }
        self.reader
            .finish(&mut self.stage)
            .map_err(ImportError::Source)?;
        self.stage.take_fatal()?;
        let bytes = self.reader.bytes_in();
        self.stage.part_end = crate::fileset::key(self.stage.part, self.reader.next_row());
        let counts = self.stage.file_counts(bytes).pop().unwrap_or_default();
        self.stage.bytes_before += bytes;
        if let Some(last) = self.stage.parts.last_mut() {
            last.done = Some(counts);
        }
        Ok(())
    }

    /// The index of the file being read (0 in a single-file import).
    pub fn part(&self) -> usize {
        self.stage.part
    }

    /// The key after the last row of the last file ended (0 before).
    pub fn part_end(&self) -> u64 {
        self.stage.part_end
    }

    /// The keys between two files that hold no row, `(from, to)` half-open,
    /// found since the last call (see [`crate::session::Checkpoint::mark_gap`]).
    pub fn take_gaps(&mut self) -> Vec<(u64, u64)> {
        std::mem::take(&mut self.stage.gaps)
    }

    /// The file being read, once it has begun and until it ends.
    pub fn live_part(&self) -> Option<usize> {
        self.reader_live().then_some(self.stage.part)
    }

    /// Whether the reader holds a file still being read (false between two
    /// files: the last one's reader is finished and counted).
    pub(super) fn reader_live(&self) -> bool {
        !self.stage.parts.last().is_some_and(PartStart::is_done)
    }
}

impl Stage {
    /// Each file's counts so far (`bytes_now`: the current reader's).
    pub(super) fn file_counts(&self, bytes_now: u64) -> Vec<FileCounts> {
        let s = &self.summary;
        self.parts
            .iter()
            .map(|p| match &p.done {
                Some(done) => done.clone(),
                None => FileCounts {
                    file: p.file.clone(),
                    rows: s.rows - p.rows,
                    valid: s.valid - p.valid,
                    rejected: s.rejected - p.rejected,
                    skipped: s.previously_delivered - p.skipped,
                    bytes: bytes_now,
                    empty: false,
                },
            })
            .collect()
    }

    /// The missing-value tokens seen in every file read so far.
    pub(super) fn missing_values(&self) -> Vec<MissingSeen> {
        let now = match &self.mapper {
            RecordMapper::Mapped(builder) => builder.missing_seen(),
            _ => Vec::new(),
        };
        if self.missing_before.is_empty() {
            return now; // one file: the builder's own order
        }
        let mut all = self.missing_before.clone();
        merge_missing(&mut all, now);
        all
    }

    /// Keeps the tokens the current builder saw before it is replaced.
    fn keep_missing(&mut self) {
        if let RecordMapper::Mapped(builder) = &self.mapper {
            let seen = builder.missing_seen();
            merge_missing(&mut self.missing_before, seen);
        }
    }

    /// Adds mapping notes not given yet (each file's builder has the same).
    pub(super) fn note_all(&mut self, notes: &[String]) {
        for n in notes {
            if !self.summary.notes.contains(n) {
                self.summary.notes.push(n.clone());
            }
        }
    }
}

/// Adds `more` to `all`, most frequent first.
fn merge_missing(all: &mut Vec<MissingSeen>, more: Vec<MissingSeen>) {
    for m in more {
        match all
            .iter_mut()
            .find(|a| a.column == m.column && a.token == m.token)
        {
            Some(a) => a.count += m.count,
            None => all.push(m),
        }
    }
    all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.column.cmp(&b.column)));
}

#[cfg(test)]
mod tests {
    use crate::fileset::{key, FilePart, FileSet};
    use crate::mapping::Mapping;
    use crate::message::{IdScheme, MessageIds, SourceNamespace};
    use crate::pipeline::{ImportError, ImportOptions, SniffingImporter, Summary};
    use crate::source::SourceOptions;

    fn mapping() -> Mapping {
        Mapping::from_json(
            r#"{"type":"track","rules":[{"from":"user","to":"userId"},{"from":"what","to":"event"}]}"#,
        )
        .unwrap_or_default()
    }

    /// What [`import`] read.
    struct Read {
        rows: Vec<u64>,
        ids: Vec<String>,
        rejected: Vec<u64>,
        summary: Summary,
    }

    /// Reads `files` (name, bytes) as one import.
    fn import(files: &[(&str, &str)]) -> Result<Read, ImportError> {
        let set = FileSet::ordered(files.iter().map(|(n, _)| FilePart::new(*n, None)).collect())
            .expect("a set");
        let ids = MessageIds::new(IdScheme::V2, SourceNamespace::of_write_key("k"));
        let options = ImportOptions {
            ids,
            ..ImportOptions::default()
        };
        let mut imp = SniffingImporter::for_files(
            Some(mapping()),
            SourceOptions::default(),
            options,
            0,
            set.clone(),
        )?;
        for (i, part) in set.files().iter().enumerate() {
            if i > 0 {
                imp.next_file()?;
            }
            let bytes = files
                .iter()
                .find(|(n, _)| *n == part.name)
                .map_or("", |f| f.1);
            imp.push(bytes.as_bytes())?;
        }
        imp.finish()?;
        let (mut rows, mut msg_ids) = (Vec::new(), Vec::new());
        while let Some(b) = imp.pop_batch() {
            rows.extend(b.rows());
            let body: serde_json::Value = serde_json::from_slice(b.body()).unwrap_or_default();
            for m in body["batch"].as_array().into_iter().flatten() {
                msg_ids.push(m["messageId"].as_str().unwrap_or_default().to_string());
            }
        }
        let rejected = std::iter::from_fn(|| imp.pop_reject())
            .map(|r| r.row)
            .collect();
        Ok(Read {
            rows,
            ids: msg_ids,
            rejected,
            summary: imp.summary(),
        })
    }

    #[test]
    fn files_with_their_own_delimiters_are_parts_of_one_import() {
        let Read {
            rows,
            rejected,
            summary: s,
            ..
        } = import(&[
            ("a.csv", "user,what\nu1,Signed Up\n,Bad\n"),
            ("b.tsv", "user\twhat\nu2\tOrdered\nu3\tPaid\n"),
            ("c.csv", ""),
        ])
        .expect("imports");
        assert_eq!(rows, [2, key(1, 2), key(1, 3)]);
        assert_eq!(rejected, [3]);
        assert_eq!((s.rows, s.valid, s.rejected), (4, 3, 1));
        let counts: Vec<(&str, u64, u64, bool)> = s
            .files
            .iter()
            .map(|f| (f.file.as_str(), f.rows, f.rejected, f.empty))
            .collect();
        assert_eq!(
            counts,
            [
                ("a.csv", 2, 1, false),
                ("b.tsv", 2, 0, false),
                ("c.csv", 0, 0, true)
            ]
        );
        assert_eq!(s.bytes_read, 57);
        assert!(s
            .notes
            .contains(&"c.csv is empty: it has no rows".to_string()));
    }

    #[test]
    fn a_file_lacking_a_mapped_column_stops_the_import() {
        let e = import(&[
            ("a.csv", "user,what\nu1,x\n"),
            ("b.csv", "who,what\nu2,y\n"),
        ]);
        let Err(ImportError::Mapping(m)) = e else {
            panic!("expected a mapping error");
        };
        assert!(m.to_string().contains("user"), "{m}");
    }

    #[test]
    fn a_files_ids_do_not_depend_on_the_other_files() {
        let march = ("2024-03.csv", "user,what\nu1,Paid\nu2,Paid\n");
        let alone = import(&[march]).expect("imports").ids;
        let after = import(&[("2024-02.csv", "user,what\nu0,Paid\n"), march])
            .expect("imports")
            .ids;
        assert_eq!(alone.len(), 2);
        assert_eq!(
            alone,
            after[1..],
            "march keeps its ids with february before it"
        );
        let renamed = import(&[("2024-04.csv", march.1)]).expect("imports").ids;
        assert_ne!(alone, renamed, "another name, other ids");
    }
}
