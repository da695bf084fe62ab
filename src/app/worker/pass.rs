//! One pass of the core's importer over what a check reads: one file with
//! the settings the File step showed ([`Importer`], as always), or several
//! files as one import ([`SniffingImporter::for_files`]: each file sniffed
//! on its own, rows keyed by file and row).

use super::files::Preflight;
use super::reader::SLICE_BYTES;
use super::source::FileSource;
use crate::app::protocol::{Failure, FileData};
use crate::batch::Batch;
use crate::fileset::FileSet;
use crate::mapping::Mapping;
use crate::pipeline::{
    Counts, ImportError, ImportOptions, Importer, RejectedRow, SniffingImporter, Summary,
    DEFAULT_SAMPLE_BYTES,
};
use crate::source::{Settings, SourceOptions};

/// The importer of a check.
pub enum Pass {
    // (Both boxed: the importers are large, and differ in size.)
    One(Box<Importer>),
    Files {
        importer: Box<SniffingImporter>,
        set: FileSet,
    },
}

/// What a check reads, one file after the other.
pub struct Files {
    /// Each file and the options it is read with (a table's sheet among
    /// them); one file: it and its sheet.
    files: Vec<(FileData, SourceOptions)>,
    next: usize,
}

impl Files {
    /// One file, read at `sheet`.
    pub fn one(file: FileData, sheet: Option<String>) -> Files {
        let options = SourceOptions {
            sheet,
            ..SourceOptions::default()
        };
        Files {
            files: vec![(file, options)],
            next: 0,
        }
    }

    /// Every file of a preflight, in the order read.
    pub fn of(checked: &Preflight) -> Files {
        let files = checked
            .data
            .iter()
            .cloned()
            .zip(checked.parts.iter().map(|p| p.options.clone()))
            .collect();
        Files { files, next: 0 }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Opens the next file: its index, its source and the options it is
    /// read with; `None` after the last one.
    pub async fn open_next(
        &mut self,
    ) -> Result<Option<(usize, FileSource, SourceOptions)>, Failure> {
        let Some((file, options)) = self.files.get(self.next).cloned() else {
            return Ok(None);
        };
        let index = self.next;
        self.next += 1;
        let source = FileSource::open(file, options.sheet.as_deref(), SLICE_BYTES).await?;
        Ok(Some((index, source, options)))
    }
}

impl Pass {
    /// One file, read with `settings`.
    pub fn one(
        mapping: Mapping,
        settings: &Settings,
        options: ImportOptions,
    ) -> Result<Pass, ImportError> {
        Importer::new(Some(mapping), settings, options).map(|i| Pass::One(Box::new(i)))
    }

    /// The files of `checked`, as one import.
    pub fn files(
        mapping: Mapping,
        checked: &Preflight,
        options: ImportOptions,
    ) -> Result<Pass, ImportError> {
        let first = checked
            .parts
            .first()
            .map(|p| p.options.clone())
            .unwrap_or_default();
        let importer = SniffingImporter::for_files(
            Some(mapping),
            first,
            options,
            DEFAULT_SAMPLE_BYTES,
            checked.set.clone(),
        )?;
        Ok(Pass::Files {
            importer: Box::new(importer),
            set: checked.set.clone(),
        })
    }

    /// The files, when there are several.
    pub fn set(&self) -> Option<&FileSet> {
        match self {
            Pass::One(_) => None,
            Pass::Files { set, .. } => Some(set),
        }
    }

    pub fn push(&mut self, bytes: &[u8]) -> Result<(), ImportError> {
        match self {
            Pass::One(i) => i.push(bytes),
            Pass::Files { importer, .. } => importer.push(bytes),
        }
    }

    /// The file being read ended; the next bytes are the next file's, read
    /// with `options`.
    pub fn next_file(&mut self, options: SourceOptions) -> Result<(), ImportError> {
        match self {
            // (One file has no next.)
            Pass::One(_) => Ok(()),
            Pass::Files { importer, .. } => importer.next_file_reading(options),
        }
    }

    pub fn finish(&mut self) -> Result<(), ImportError> {
        match self {
            Pass::One(i) => i.finish(),
            Pass::Files { importer, .. } => importer.finish(),
        }
    }

    pub fn pop_batch(&mut self) -> Option<Batch> {
        match self {
            Pass::One(i) => i.pop_batch(),
            Pass::Files { importer, .. } => importer.pop_batch(),
        }
    }

    pub fn pop_reject(&mut self) -> Option<RejectedRow> {
        match self {
            Pass::One(i) => i.pop_reject(),
            Pass::Files { importer, .. } => importer.pop_reject(),
        }
    }

    /// The columns of the file being read.
    pub fn headers(&self) -> &[String] {
        match self {
            Pass::One(i) => i.headers(),
            Pass::Files { importer, .. } => importer.headers(),
        }
    }

    pub fn counts(&self) -> Counts {
        match self {
            Pass::One(i) => i.counts(),
            Pass::Files { importer, .. } => importer.counts(),
        }
    }

    pub fn summary(&self) -> Summary {
        match self {
            Pass::One(i) => i.summary(),
            Pass::Files { importer, .. } => importer.summary(),
        }
    }
}
