//! An [`Importer`] that guesses the file's settings from its own first bytes.
//!
//! The CLI reads a sample before it makes the importer; a caller that only
//! has a stream of chunks (the JS `Importer`, a worker) cannot. This type
//! buffers the first `sample_bytes` (or everything, if the input ends
//! sooner), runs [`sniff`](crate::source::sniff) on them with the user's
//! overrides, makes the real [`Importer`] and feeds it the buffer. From then
//! on chunks pass straight through, so memory stays flat.
//!
//! An import of several files ([`SniffingImporter::for_files`]) sniffs each
//! file on its own (each may have its own delimiter, encoding or
//! compression): [`SniffingImporter::next_file`] ends one file, and the next
//! bytes are the next file's sample.

use crate::batch::Batch;
use crate::fileset::FileSet;
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
    /// The files of a multi-file import (`None`: one file).
    files: Option<FileSet>,
    /// The file being read.
    index: usize,
    /// Files found empty before the importer existed.
    empty_before: Vec<usize>,
    /// What the user set about reading, for the next file's sniffing.
    source: SourceOptions,
    /// A later file of several failed: every later call says so, and the
    /// importer is kept, with the batches and counts of the files before.
    broken: Option<ImportError>,
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
        /// Boxed: the options are large and the state is moved once.
        options: Box<ImportOptions>,
    },
    Running(Box<Importer>, Settings),
    /// A later file of several: its sample is being collected.
    NextSampling {
        importer: Box<Importer>,
        settings: Settings,
        sample: Vec<u8>,
    },
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
                source: source.clone(),
                options: Box::new(options),
            },
            sample_bytes,
            skip: None,
            files: None,
            index: 0,
            empty_before: Vec::new(),
            source,
            broken: None,
        })
    }

    /// An import of the files of `files`, read one after the other (the
    /// bytes of the first one first; [`next_file`](Self::next_file) between
    /// two). A single-file set reads exactly as [`new`](Self::new).
    pub fn for_files(
        mapping: Option<Mapping>,
        source: SourceOptions,
        options: ImportOptions,
        sample_bytes: usize,
        files: FileSet,
    ) -> Result<SniffingImporter, ImportError> {
        let mut s = SniffingImporter::new(mapping, source, options, sample_bytes)?;
        s.files = files.is_multi().then_some(files);
        Ok(s)
    }

    /// The index of the file being read.
    pub fn file_index(&self) -> usize {
        self.index
    }

    /// The keys between two files that hold no row, found since the last
    /// call ([`Importer::take_gaps`]).
    pub fn take_gaps(&mut self) -> Vec<(u64, u64)> {
        self.importer_mut()
            .map(Importer::take_gaps)
            .unwrap_or_default()
    }

    /// Ends the file being read; the next bytes pushed are the next file's,
    /// sniffed with the options the import was made with.
    /// An error is the ended file's (its last record, or its sniffing).
    pub fn next_file(&mut self) -> Result<(), ImportError> {
        let options = self.source.clone();
        self.next_file_reading(options)
    }

    /// [`next_file`](Self::next_file), the next file sniffed with `options`:
    /// a workbook or Parquet file among text files is read as its canonical
    /// text ([`crate::source::table::canonical_options`]), each with its
    /// own settings.
    pub fn next_file_reading(&mut self, options: SourceOptions) -> Result<(), ImportError> {
        let Some(files) = &self.files else {
            return Err(ImportError::Source(SourceError {
                row: None,
                message: "next_file on an import of one file".into(),
            }));
        };
        if let Some(e) = &self.broken {
            return Err(e.clone());
        }
        if self.index + 1 >= files.len() {
            return Err(ImportError::Finished);
        }
        match &self.state {
            State::Sampling { .. } | State::NextSampling { .. } => self.start(true)?,
            State::Failed(e) => return Err(e.clone()),
            State::Running(..) => {}
        }
        self.index += 1;
        let placeholder = State::Failed(ImportError::Finished);
        match std::mem::replace(&mut self.state, placeholder) {
            State::Running(mut importer, settings) => {
                if let Err(e) = importer.end_part() {
                    self.state = State::Running(importer, settings);
                    self.broken = Some(e.clone());
                    return Err(e);
                }
                self.state = State::NextSampling {
                    importer,
                    settings,
                    sample: Vec::new(),
                };
            }
            // The first files were empty: still no importer.
            State::Sampling {
                sample,
                mapping,
                options: import,
                ..
            } => {
                self.state = State::Sampling {
                    sample,
                    mapping,
                    source: options.clone(),
                    options: import,
                }
            }
            other => self.state = other,
        }
        self.source = options;
        Ok(())
    }

    /// Rows for which `done(row)` is true are read and checked but not
    /// batched (see [`Importer::skip_rows`]); works before and after sniffing.
    pub fn skip_rows(&mut self, done: Box<dyn Fn(u64) -> bool>) {
        match &mut self.state {
            State::Running(importer, _) | State::NextSampling { importer, .. } => {
                importer.skip_rows(done)
            }
            _ => self.skip = Some(SkipRows(done)),
        }
    }

    /// Feeds the next bytes of the file (any size).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), ImportError> {
        if let Some(e) = &self.broken {
            return Err(e.clone());
        }
        match &mut self.state {
            State::Sampling { sample, .. } | State::NextSampling { sample, .. } => {
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
        if let Some(e) = &self.broken {
            return Err(e.clone());
        }
        if let State::Sampling { .. } | State::NextSampling { .. } = self.state {
            self.start(true)?;
        }
        match &mut self.state {
            // (Still sampling the next file: it was empty.)
            State::Running(importer, _) | State::NextSampling { importer, .. } => importer.finish(),
            State::Failed(e) => Err(e.clone()),
            // Every file of several was empty.
            State::Sampling { .. } => Err(ImportError::Source(SourceError {
                row: None,
                message: "every file is empty".into(),
            })),
        }
    }

    /// Sniffs the sample, makes the importer and feeds it the sample.
    fn start(&mut self, complete: bool) -> Result<(), ImportError> {
        if let State::NextSampling { .. } = self.state {
            return self.start_next(complete);
        }
        if complete && self.files.is_some() {
            if let State::Sampling { sample, source, .. } = &self.state {
                if crate::source::has_no_text(sample, true, source) {
                    // An empty file of several is named once the importer exists.
                    self.empty_before.push(self.index);
                    return Ok(());
                }
            }
        }
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
        let made = make(sniffed, complete, mapping, &source, *options)
            .and_then(|(importer, settings)| self.first_part(importer, settings));
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

    /// In a multi-file import, the first file read (after the empty ones
    /// before it, named as such) starts its part.
    fn first_part(
        &mut self,
        mut importer: Importer,
        settings: Settings,
    ) -> Result<(Importer, Settings), ImportError> {
        if let Some(files) = &self.files {
            for &i in &self.empty_before {
                importer.empty_part(i, &files.files()[i].name)?;
            }
            let name = &files.files()[self.index].name;
            importer.begin_part(self.index, name, files.id_name(self.index), &settings)?;
        }
        Ok((importer, settings))
    }

    /// Sniffs a later file's sample and starts its part.
    fn start_next(&mut self, complete: bool) -> Result<(), ImportError> {
        let placeholder = State::Failed(ImportError::Finished);
        let State::NextSampling {
            mut importer,
            settings: before,
            sample,
        } = std::mem::replace(&mut self.state, placeholder)
        else {
            return Ok(());
        };
        let Some(files) = &self.files else {
            return Ok(());
        };
        let name = files.files()[self.index].name.clone();
        let sniffed = &sample[..sample.len().min(self.sample_bytes)];
        let complete = complete && sniffed.len() == sample.len();
        if crate::source::has_no_text(sniffed, complete, &self.source) {
            let done = importer.empty_part(self.index, &name);
            self.state = State::NextSampling {
                importer,
                settings: before,
                sample,
            };
            return done;
        }
        let started = sniff_import(sniffed, complete, &self.source)
            .map_err(ImportError::Source)
            .and_then(|sniffed| {
                let id_name = files.id_name(self.index);
                importer
                    .begin_part(self.index, &name, id_name, &sniffed.settings)
                    .map(|()| sniffed.settings)
            });
        match started {
            Ok(settings) => {
                self.state = State::Running(importer, settings);
                self.push(&sample)
            }
            Err(e) => {
                self.state = State::Running(importer, before);
                self.broken = Some(e.clone());
                Err(e)
            }
        }
    }

    /// The settings the file is read with, once sniffed (in a multi-file
    /// import, the file being read, or the last one sniffed).
    pub fn settings(&self) -> Option<&Settings> {
        match &self.state {
            State::Running(_, settings) | State::NextSampling { settings, .. } => Some(settings),
            _ => None,
        }
    }

    /// The importer, once the settings are known.
    pub fn importer(&self) -> Option<&Importer> {
        match &self.state {
            State::Running(importer, _) | State::NextSampling { importer, .. } => Some(importer),
            _ => None,
        }
    }

    /// The importer, once the settings are known.
    pub fn importer_mut(&mut self) -> Option<&mut Importer> {
        match &mut self.state {
            State::Running(importer, _) | State::NextSampling { importer, .. } => Some(importer),
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
