//! Several files as one import, in the worker: every file is opened and
//! sniffed before anything is read for real ([`preflight`], the core's
//! [`sniff_part`], as the CLI's `files::preflight`): its head hash and size
//! go into the [`FileSet`] (the import's identity), a workbook or Parquet
//! file gets its own reading options, and a CSV lacking a column the
//! mapping needs is refused, naming the file, before any row is read.

use std::collections::HashMap;

use super::inspect;
use super::source::FileSource;
use crate::app::protocol::{Failure, FileData, FilesView, InspectionView, NamedFile, PartView};
use crate::fileset::{head_hash, FileOrder, FilePart, FileSet};
use crate::mapping::Mapping;
use crate::pipeline::{sniff_part, PartSniff, DEFAULT_SAMPLE_BYTES};
use crate::source::SourceOptions;

/// The files of an import, checked and in the order read.
pub struct Preflight {
    /// Names, sizes and head hashes, in the order read.
    pub set: FileSet,
    /// Each file as the page handed it, in the same order.
    pub data: Vec<FileData>,
    /// How each file reads, in the same order.
    pub parts: Vec<PartSniff>,
}

impl Preflight {
    /// Every file's columns, each once, and each file's (the rejects CSV).
    pub fn columns(&self) -> (Vec<String>, Vec<Vec<String>>) {
        crate::pipeline::all_columns(&self.parts)
    }
}

/// What sees each file's first bytes during a preflight: its index in the
/// order read, its name, the bytes, whether they are all of it, and how it
/// reads.
pub type SeeFile<'a> = dyn FnMut(usize, &str, &[u8], bool, &PartSniff) + 'a;

/// Opens every file of `files` (read with `user`'s overrides; each
/// workbook at `user.sheet` or its first sheet with data) and sniffs its
/// first bytes, in the order they will be read; with a mapping, a CSV
/// without a column it needs is refused. `each` sees every file's index in
/// that order, its name and its first bytes (the Inspect's preview).
pub async fn preflight(
    mut files: Vec<NamedFile>,
    user: &SourceOptions,
    mapping: Option<&Mapping>,
    each: &mut SeeFile<'_>,
) -> Result<Preflight, Failure> {
    // The order depends on the names only: known before anything is read.
    let names = files
        .iter()
        .map(|f| FilePart::new(f.name.clone(), None))
        .collect();
    let order = FileSet::ordered(names).map_err(|e| Failure::new(e, "Pick the files again."))?;
    let mut by_name: HashMap<String, NamedFile> =
        files.drain(..).map(|f| (f.name.clone(), f)).collect();
    let files: Vec<NamedFile> = order
        .files()
        .iter()
        .filter_map(|f| by_name.remove(&f.name))
        .collect();
    let mut parts = Vec::with_capacity(files.len());
    let mut found = Vec::with_capacity(files.len());
    let mut data = Vec::with_capacity(files.len());
    for (i, file) in files.into_iter().enumerate() {
        let mut source =
            FileSource::open(file.data.clone(), user.sheet.as_deref(), SAMPLE_BYTES).await?;
        let (sample, complete) = source.head(SAMPLE_BYTES).await?;
        let mut sniffed = sniff_part(&file.name, &sample, complete, source.options(user), mapping)
            .map_err(refused)?;
        sniffed.table = source.table().cloned();
        each(i, &file.name, &sample, complete, &sniffed);
        parts.push(FilePart {
            name: file.name,
            // A table's text is read, not its bytes: no size to go by (as
            // in the CLI).
            size: sniffed.table.is_none().then(|| file.data.size() as u64),
            head: Some(head_hash(&sample)),
        });
        found.push(sniffed);
        data.push(file.data);
    }
    let set = FileSet::ordered(parts).map_err(|e| Failure::new(e, "Pick the files again."))?;
    Ok(Preflight {
        set,
        data,
        parts: found,
    })
}

/// Bytes of each file sniffed, as the CLI's preflight and the importer's
/// own sniffing (so what the File step says is what is read).
const SAMPLE_BYTES: f64 = DEFAULT_SAMPLE_BYTES as f64;

/// Edited rows name rows of one file: refused with several (as the CLI's
/// `--fixes`). The page offers no edits then; this is the worker's guard.
pub fn no_fixes() -> Failure {
    Failure::new(
        "rows edited in the app apply to an import of one file, not several",
        "Fix the rows in their files and pick the files again.",
    )
}

/// A file of several that cannot be read as data, or lacks a mapped column.
fn refused(message: String) -> Failure {
    Failure::new(
        message,
        "Leave that file out (pick the others), or check the overrides in step 1; the files are read with the same overrides.",
    )
}

/// [`crate::app::protocol::Request::InspectFiles`]: how each file reads,
/// and the preview and suggested mapping of the first one with rows.
pub async fn inspect(files: Vec<NamedFile>, user: &SourceOptions) -> Result<FilesView, Failure> {
    let mut first = FirstWithRows::default();
    let mut see = |i: usize, name: &str, sample: &[u8], complete: bool, part: &PartSniff| {
        first.see(i, name, sample, complete, part)
    };
    let checked = Box::pin(preflight(files, user, None, &mut see)).await?;
    let parts = checked
        .set
        .files()
        .iter()
        .zip(&checked.parts)
        .zip(&checked.data)
        .map(|((f, p), data)| part_view(&f.name, data.size(), p))
        .collect();
    first.view(parts, checked.set.order())
}

/// What the File step lists of a file.
pub fn part_view(name: &str, size: f64, part: &PartSniff) -> PartView {
    PartView {
        name: name.to_string(),
        size,
        settings: part.settings.clone(),
        headers: part.headers.clone(),
        table: part.table.clone(),
    }
}

/// Finds the first file with rows among files seen in the order read: its
/// preview is the set's.
#[derive(Default)]
pub struct FirstWithRows {
    found: Option<(usize, InspectionView)>,
    failed: Option<Failure>,
}

impl FirstWithRows {
    /// File `index` (in the order read), from its first bytes.
    pub fn see(
        &mut self,
        index: usize,
        name: &str,
        sample: &[u8],
        complete: bool,
        part: &PartSniff,
    ) {
        if self.found.is_some() || self.failed.is_some() || part.settings.is_none() {
            return;
        }
        match inspect::view(sample, complete, &part.options) {
            Ok(mut view) if !view.rows.is_empty() => {
                view.table = part.table.clone();
                self.found = Some((index, view));
            }
            Ok(_) => {}
            Err(f) => self.failed = Some(Failure::new(format!("{name}: {}", f.message), f.hint)),
        }
    }

    /// The view of the set: every file (`parts`, in the order read) and
    /// the preview of the first one with rows (refused: none has a row).
    pub fn view(self, parts: Vec<PartView>, order: FileOrder) -> Result<FilesView, Failure> {
        if let Some(f) = self.failed {
            return Err(f);
        }
        let Some((first, view)) = self.found else {
            return Err(Failure::new(
                "none of the files has a data row",
                "Pick the exports with the data in them.",
            ));
        };
        Ok(FilesView {
            parts,
            order,
            first,
            view,
        })
    }
}
