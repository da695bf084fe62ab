//! What the user picked in the File step: one file, read exactly as
//! always, or several files (or a folder) as one import, in the order the
//! core reads them.

use std::collections::HashMap;

use web_sys::Blob;

use super::protocol::{NamedFile, Request};
use crate::fileset::{FileOrder, FilePart, FileSet};
use crate::source::SourceOptions;

/// A file the user picked (or the bundled sample).
#[derive(Debug, Clone, PartialEq)]
pub struct PickedFile {
    /// Its name; of several files, relative to the import's root
    /// ([`crate::fileset::names_from_root`]).
    pub name: String,
    pub size: f64,
    pub blob: Blob,
}

/// What the user picked: one file, read exactly as always, or several
/// files (or a folder) as one import.
#[derive(Debug, Clone, PartialEq)]
pub struct Picked {
    /// The files in the order they are read
    /// ([`crate::fileset::FileSet::ordered`]).
    pub files: Vec<PickedFile>,
    /// Several files as one import: their messageIds depend on their names.
    /// (A folder holding one data file is one too, as in the CLI: adding a
    /// file to it later changes no id.)
    pub several: bool,
    /// Files of a folder left out, each with why: `notes.md (not a data
    /// file)`.
    pub skipped: Vec<String>,
    pub order: FileOrder,
    /// The folder picked or dropped, when the files are named within it.
    pub folder: Option<String>,
}

impl Picked {
    /// One file.
    pub fn one(name: impl Into<String>, blob: Blob) -> Picked {
        Picked {
            files: vec![PickedFile {
                name: name.into(),
                size: blob.size(),
                blob,
            }],
            several: false,
            skipped: Vec::new(),
            order: FileOrder::Single,
            folder: None,
        }
    }

    /// Several files as one import, put in the order they are read
    /// (refused: none, or a name twice); `folder`: the folder picked, whose
    /// files they are.
    pub fn several(
        files: Vec<PickedFile>,
        skipped: Vec<String>,
        folder: Option<String>,
    ) -> Result<Picked, String> {
        let parts = files
            .iter()
            .map(|f| FilePart::new(f.name.clone(), Some(f.size as u64)))
            .collect();
        let set = FileSet::ordered(parts)?;
        let mut by_name: HashMap<String, PickedFile> =
            files.into_iter().map(|f| (f.name.clone(), f)).collect();
        let files = set
            .files()
            .iter()
            .filter_map(|f| by_name.remove(&f.name))
            .collect();
        Ok(Picked {
            files,
            several: true,
            skipped,
            order: set.order(),
            folder,
        })
    }

    /// The first file (the only one, for one file).
    pub fn first(&self) -> Option<&PickedFile> {
        self.files.first()
    }

    /// The file named `name`.
    pub fn named(&self, name: &str) -> Option<&PickedFile> {
        self.files.iter().find(|f| f.name == name)
    }

    /// `orders.csv`, `3 files` or `12 files in exports`.
    pub fn title(&self) -> String {
        match (self.several, self.files.as_slice()) {
            (false, [one]) => one.name.clone(),
            (_, files) => {
                let n = super::widgets::plural(files.len() as f64, "file", "files");
                match &self.folder {
                    Some(folder) => format!("{n} in {folder}"),
                    None => n,
                }
            }
        }
    }

    /// Bytes in all.
    pub fn size(&self) -> f64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// The files as the worker takes them.
    pub fn named_files(&self) -> Vec<NamedFile> {
        self.files
            .iter()
            .map(|f| NamedFile {
                name: f.name.clone(),
                data: f.blob.clone().into(),
            })
            .collect()
    }

    /// What asks the worker to read it with `options`.
    pub fn inspect(&self, options: SourceOptions) -> Option<Request> {
        Some(if self.several {
            Request::InspectFiles {
                files: self.named_files(),
                options,
            }
        } else {
            Request::Inspect {
                file: self.first()?.blob.clone().into(),
                options,
            }
        })
    }
}
