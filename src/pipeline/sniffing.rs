//! An [`Importer`] that guesses the file's settings from its own first bytes.
//!
//! The CLI reads a sample before it makes the importer; a caller that only
//! has a stream of chunks (the JS `Importer`, a worker) cannot. This type
//! buffers the first `sample_bytes` (or everything, if the input ends
//! sooner), runs [`sniff`](crate::source::sniff) on them with the user's
//! overrides, makes the real [`Importer`] and feeds it the buffer. From then
//! on chunks pass straight through, so memory stays flat.

use crate::batch::Batch;
use crate::mapping::Mapping;
use crate::pipeline::{Counts, ImportError, ImportOptions, Importer, RejectedRow, Summary};
use crate::source::{sniff_import, Settings, SourceError, SourceOptions};

/// How much is buffered for sniffing by default: enough lines for the
/// delimiter and header guesses, little enough to answer early.
pub const DEFAULT_SAMPLE_BYTES: usize = 64 * 1024;

/// An importer that sniffs its settings from the first bytes pushed.
#[derive(Debug)]
pub struct SniffingImporter {
    state: State,
    sample_bytes: usize,
    /// Given before the importer exists; handed to it before the sample.
    skip: Option<SkipRows>,
}

/// The rows a resumed run skips ([`Importer::skip_rows`]).
struct SkipRows(Box<dyn Fn(u64) -> bool>);

impl std::fmt::Debug for SkipRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SkipRows")
    }
}

#[derive(Debug)]
enum State {
    /// Still collecting the sample; nothing is parsed yet.
    Sampling {
        sample: Vec<u8>,
        mapping: Option<Mapping>,
        source: SourceOptions,
        options: Box<ImportOptions>,
    },
    Running(Box<Importer>, Settings),
    /// Sniffing or making the importer failed; every later call says so.
    Failed(ImportError),
}

impl SniffingImporter {
    /// A new import. The mapping is checked now (what can be checked without
    /// the file), so a bad mapping fails before any byte is read.
    /// `sample_bytes` of 0 means [`DEFAULT_SAMPLE_BYTES`].
    pub fn new(
        mapping: Option<Mapping>,
        source: SourceOptions,
        options: ImportOptions,
        sample_bytes: usize,
    ) -> Result<SniffingImporter, ImportError> {
        if let Some(m) = &mapping {
            m.check().map_err(ImportError::Mapping)?;
        }
        let sample_bytes = if sample_bytes == 0 {
            DEFAULT_SAMPLE_BYTES
        } else {
            sample_bytes
        };
        Ok(SniffingImporter {
            state: State::Sampling {
                sample: Vec::new(),
                mapping,
                source,
                options: Box::new(options),
            },
            sample_bytes,
            skip: None,
        })
    }

    /// Rows for which `done(row)` is true are read and checked but not
    /// batched (see [`Importer::skip_rows`]); works before and after sniffing.
    pub fn skip_rows(&mut self, done: Box<dyn Fn(u64) -> bool>) {
        match &mut self.state {
            State::Running(importer, _) => importer.skip_rows(done),
            _ => self.skip = Some(SkipRows(done)),
        }
    }

    /// Feeds the next bytes of the file (any size).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), ImportError> {
        match &mut self.state {
            State::Sampling { sample, .. } => {
                sample.extend_from_slice(chunk);
                if sample.len() >= self.sample_bytes {
                    self.start(false)?;
                }
                Ok(())
            }
            State::Running(importer, _) => importer.push(chunk),
            State::Failed(e) => Err(e.clone()),
        }
    }

    /// Ends the input (sniffing a short file whole first).
    pub fn finish(&mut self) -> Result<(), ImportError> {
        if let State::Sampling { .. } = self.state {
            self.start(true)?;
        }
        match &mut self.state {
            State::Running(importer, _) => importer.finish(),
            State::Failed(e) => Err(e.clone()),
            // OK because `start` always leaves Running or Failed.
            State::Sampling { .. } => Err(ImportError::Finished),
        }
    }

    /// Sniffs the sample, makes the importer and feeds it the sample.
    fn start(&mut self, complete: bool) -> Result<(), ImportError> {
        let placeholder = State::Failed(ImportError::Finished);
        let State::Sampling {
            sample,
            mapping,
            source,
            options,
        } = std::mem::replace(&mut self.state, placeholder)
        else {
            return Ok(());
        };
        // Sniff the first `sample_bytes` only: a first push of megabytes would
        // otherwise be sniffed whole (for each candidate delimiter).
        let sniffed = &sample[..sample.len().min(self.sample_bytes)];
        let complete = complete && sniffed.len() == sample.len();
        let made = make(sniffed, complete, mapping, &source, *options);
        match made {
            Ok((mut importer, settings)) => {
                if let Some(skip) = self.skip.take() {
                    importer.skip_rows(skip.0);
                }
                self.state = State::Running(Box::new(importer), settings);
                self.push(&sample)
            }
            Err(e) => {
                self.state = State::Failed(e.clone());
                Err(e)
            }
        }
    }

    /// The settings the file is read with, once sniffed.
    pub fn settings(&self) -> Option<&Settings> {
        match &self.state {
            State::Running(_, settings) => Some(settings),
            _ => None,
        }
    }

    /// The importer, once the settings are known.
    pub fn importer(&self) -> Option<&Importer> {
        match &self.state {
            State::Running(importer, _) => Some(importer),
            _ => None,
        }
    }

    /// The importer, once the settings are known.
    pub fn importer_mut(&mut self) -> Option<&mut Importer> {
        match &mut self.state {
            State::Running(importer, _) => Some(importer),
            _ => None,
        }
    }

    /// Closes the batch being filled without ending the input (see
    /// [`Importer::flush`]); nothing to do while sampling.
    pub fn flush(&mut self) {
        if let Some(importer) = self.importer_mut() {
            importer.flush();
        }
    }

    /// The row number the next record will get (1 while sampling).
    pub fn next_row(&self) -> u64 {
        self.importer().map_or(1, Importer::next_row)
    }

    /// Whether a finished batch is waiting.
    pub fn has_batches(&self) -> bool {
        self.importer().is_some_and(Importer::has_batches)
    }

    /// The column names (CSV) once the header has been read.
    pub fn headers(&self) -> &[String] {
        self.importer().map_or(&[], Importer::headers)
    }

    /// Raw bytes parsed so far (buffered sample bytes not included).
    pub fn bytes_read(&self) -> u64 {
        self.importer().map_or(0, Importer::bytes_read)
    }

    /// The next finished batch.
    pub fn pop_batch(&mut self) -> Option<Batch> {
        self.importer_mut()?.pop_batch()
    }

    /// The next rejected row.
    pub fn pop_reject(&mut self) -> Option<RejectedRow> {
        self.importer_mut()?.pop_reject()
    }

    /// The summary so far (empty while sampling; bytes buffered are not
    /// counted as read until they are parsed).
    pub fn summary(&self) -> Summary {
        self.importer().map(Importer::summary).unwrap_or_default()
    }

    /// The running counts (zero while sampling), for progress ticks.
    pub fn counts(&self) -> Counts {
        self.importer().map(Importer::counts).unwrap_or_default()
    }
}

fn make(
    sample: &[u8],
    complete: bool,
    mapping: Option<Mapping>,
    source: &SourceOptions,
    options: ImportOptions,
) -> Result<(Importer, Settings), ImportError> {
    if sample.is_empty() {
        return Err(ImportError::Source(SourceError {
            row: None,
            message: "the file is empty".into(),
        }));
    }
    let sniffed = sniff_import(sample, complete, source).map_err(ImportError::Source)?;
    let options = ImportOptions {
        archive: sniffed.archive,
        ..options
    };
    let importer = Importer::new(mapping, &sniffed.settings, options)?;
    Ok((importer, sniffed.settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> Mapping {
        Mapping::from_json(
            r#"{"type":"track","rules":[{"from":"user","to":"userId"},{"from":"what","to":"event"}]}"#,
        )
        .unwrap_or_default()
    }

    fn bodies(imp: &mut SniffingImporter) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| imp.pop_batch())
            .map(|mut b| {
                b.set_sent_at(0);
                b.body().to_vec()
            })
            .collect()
    }

    #[test]
    fn same_batches_whatever_the_chunking() {
        let mut csv = String::from("user;what\n");
        for i in 0..300 {
            csv.push_str(&format!("u{i};Event {i}\n"));
        }
        let settings =
            crate::source::sniff(csv.as_bytes(), true, &SourceOptions::default()).expect("sniffs");
        let mut direct =
            Importer::new(Some(mapping()), &settings, ImportOptions::default()).expect("importer");
        direct.push(csv.as_bytes()).expect("push");
        direct.finish().expect("finish");
        let want: Vec<Vec<u8>> = std::iter::from_fn(|| direct.pop_batch())
            .map(|mut b| {
                b.set_sent_at(0);
                b.body().to_vec()
            })
            .collect();
        for (chunk, sample) in [(7, 100), (1000, 0), (csv.len(), 1 << 20)] {
            let mut imp = SniffingImporter::new(
                Some(mapping()),
                SourceOptions::default(),
                ImportOptions::default(),
                sample,
            )
            .expect("importer");
            let mut got = Vec::new();
            for c in csv.as_bytes().chunks(chunk) {
                imp.push(c).expect("push");
                got.extend(bodies(&mut imp));
            }
            imp.finish().expect("finish");
            got.extend(bodies(&mut imp));
            assert_eq!(got, want, "chunk {chunk}, sample {sample}");
            assert_eq!(imp.settings().map(|s| s.delimiter), Some(b';'));
            assert_eq!(imp.summary().rows, 300);
        }
    }

    #[test]
    fn rows_skipped_before_sniffing_are_not_batched() {
        let mut csv = String::from("user;what\n");
        for i in 0..10 {
            csv.push_str(&format!("u{i};Event {i}\n"));
        }
        let mut imp = SniffingImporter::new(
            Some(mapping()),
            SourceOptions::default(),
            ImportOptions::default(),
            1 << 20,
        )
        .expect("importer");
        // Rows 2..=6 (the header is row 1) were delivered by an earlier run.
        imp.skip_rows(Box::new(|row| row <= 6));
        imp.push(csv.as_bytes()).expect("push");
        imp.finish().expect("finish");
        let batches: Vec<Batch> = std::iter::from_fn(|| imp.pop_batch()).collect();
        let sent: Vec<u64> = batches.iter().flat_map(|b| b.rows()).collect();
        assert_eq!(sent, vec![7, 8, 9, 10, 11]);
        let s = imp.summary();
        assert_eq!((s.rows, s.valid, s.previously_delivered), (10, 10, 5));
    }

    #[test]
    fn empty_input_and_misuse_are_errors() {
        let mut imp = SniffingImporter::new(
            Some(mapping()),
            SourceOptions::default(),
            ImportOptions::default(),
            0,
        )
        .expect("importer");
        assert!(matches!(imp.finish(), Err(ImportError::Source(_))));
        assert!(imp.push(b"x").is_err());
        let bad = Mapping {
            rules: vec![crate::mapping::Rule {
                to: "userId".into(),
                ..Default::default()
            }],
            ..mapping()
        };
        assert!(matches!(
            SniffingImporter::new(
                Some(bad),
                SourceOptions::default(),
                ImportOptions::default(),
                0
            ),
            Err(ImportError::Mapping(_))
        ));
    }
}
