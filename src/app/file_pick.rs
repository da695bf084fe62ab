//! What a pick or a drop holds, as the File step takes it: one file (read
//! exactly as always), or several files or a folder as one import.
//!
//! Names are the files' paths from where they were picked or dropped,
//! relative to the import's root as the CLI makes it
//! ([`crate::fileset::names_from_root`]): a folder picked or dropped alone
//! is the root, so its files get the names, and the messageIds, that
//! `segment-backfill send <folder>` gives them. Files found in a folder
//! that are hidden or clearly not data are left out and listed
//! ([`crate::fileset::skip_reason`], the CLI's rule); files picked one by
//! one never are.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DataTransfer, File, FileList, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry,
};

use super::protocol::Failure;
use super::state::{Picked, PickedFile};
use crate::fileset::{names_from_root, skip_reason};

/// A file found, with its path from where it was picked or dropped.
pub struct Found {
    pub path: String,
    pub file: File,
    /// Found inside a folder (so it may be skipped), not given on its own.
    pub in_folder: bool,
}

/// The files of a file input: `folder` for a folder picker (each file's
/// `webkitRelativePath` is its path).
pub fn from_list(list: &FileList, folder: bool) -> Vec<Found> {
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|file| {
            let relative = Reflect::get(&file, &"webkitRelativePath".into())
                .ok()
                .and_then(|p| p.as_string())
                .filter(|p| folder && !p.is_empty());
            Found {
                path: relative.unwrap_or_else(|| file.name()),
                file,
                in_folder: folder,
            }
        })
        .collect()
}

/// What was dropped, taken while the drop event lasts (its items go away
/// after): each item as an entry that can be walked later, or as a plain
/// file where the browser gives no entries.
pub enum Dropped {
    Entries(Vec<FileSystemEntry>),
    Files(Vec<File>),
}

impl Dropped {
    /// The items of a drop (none: nothing that is a file was dropped).
    pub fn take(transfer: &DataTransfer) -> Dropped {
        let items = transfer.items();
        let mut entries = Vec::new();
        let mut files = Vec::new();
        for i in 0..items.length() {
            let Some(item) = items.get(i) else { continue };
            if item.kind() != "file" {
                continue;
            }
            match item.webkit_get_as_entry() {
                Ok(Some(entry)) => entries.push(entry),
                _ => files.extend(item.get_as_file().ok().flatten()),
            }
        }
        if entries.is_empty() {
            // (A browser without entries, or a drop made by a script.)
            if files.is_empty() {
                files = transfer
                    .files()
                    .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
                    .unwrap_or_default();
            }
            Dropped::Files(files)
        } else {
            Dropped::Entries(entries)
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Dropped::Entries(e) => e.is_empty(),
            Dropped::Files(f) => f.is_empty(),
        }
    }

    /// Every file dropped, folders walked.
    pub async fn files(self) -> Result<Vec<Found>, Failure> {
        match self {
            Dropped::Files(files) => Ok(files
                .into_iter()
                .map(|file| Found {
                    path: file.name(),
                    file,
                    in_folder: false,
                })
                .collect()),
            Dropped::Entries(entries) => {
                let mut found = Vec::new();
                for entry in entries {
                    walk(entry, false, &mut found).await?;
                }
                Ok(found)
            }
        }
    }
}

/// The files under `entry` (itself, if it is a file), with their paths.
async fn walk(
    entry: FileSystemEntry,
    in_folder: bool,
    found: &mut Vec<Found>,
) -> Result<(), Failure> {
    // Folders are walked with a list, not by recursion (an async fn cannot
    // call itself without boxing).
    let mut pending = vec![(entry, in_folder)];
    while let Some((entry, in_folder)) = pending.pop() {
        let path = entry.full_path().trim_start_matches('/').to_string();
        if entry.is_directory() {
            let dir: FileSystemDirectoryEntry = entry.unchecked_into();
            for child in read_folder(&dir).await? {
                pending.push((child, true));
            }
        } else if entry.is_file() {
            let file = file_of(entry.unchecked_ref()).await?;
            found.push(Found {
                path,
                file,
                in_folder,
            });
        }
    }
    Ok(())
}

/// Every entry of a folder (`readEntries` hands them out in batches until
/// it answers none).
async fn read_folder(dir: &FileSystemDirectoryEntry) -> Result<Vec<FileSystemEntry>, Failure> {
    let reader = dir.create_reader();
    let mut all = Vec::new();
    loop {
        let batch = callback_promise(|ok, fail| {
            if let Err(e) = reader.read_entries_with_callback_and_callback(ok, fail) {
                let _ = fail.call1(&JsValue::UNDEFINED, &e);
            }
        })
        .await
        .map_err(|e| unreadable(&dir.full_path(), &e))?;
        let batch: Array = batch.unchecked_into();
        if batch.length() == 0 {
            return Ok(all);
        }
        all.extend(batch.iter().map(|e| e.unchecked_into::<FileSystemEntry>()));
    }
}

async fn file_of(entry: &FileSystemFileEntry) -> Result<File, Failure> {
    callback_promise(|ok, fail| entry.file_with_callback_and_callback(ok, fail))
        .await
        .map(JsCast::unchecked_into)
        .map_err(|e| unreadable(&entry.full_path(), &e))
}

/// A promise settled by the success or error callback `start` hands on.
async fn callback_promise(start: impl FnOnce(&Function, &Function)) -> Result<JsValue, JsValue> {
    let mut start = Some(start);
    let promise = Promise::new(&mut |resolve, reject| {
        if let Some(start) = start.take() {
            start(&resolve, &reject);
        }
    });
    JsFuture::from(promise).await
}

fn unreadable(path: &str, e: &JsValue) -> Failure {
    Failure::new(
        format!(
            "{} could not be read: {}",
            path.trim_start_matches('/'),
            crate::js::error::describe(e)
        ),
        "Pick the files with Choose files… or Choose a folder… instead of dropping them.",
    )
}

/// What the user picked: one file given on its own is read exactly as
/// always; more files, or any folder, are one import (refused: nothing
/// left to read, or the same name twice).
pub fn picked(found: Vec<Found>) -> Result<Picked, Failure> {
    let folder = found.iter().any(|f| f.in_folder);
    if let [one] = found.as_slice() {
        if !folder {
            return Ok(Picked::one(one.path.clone(), one.file.clone().into()));
        }
    }
    let paths: Vec<String> = found.iter().map(|f| f.path.clone()).collect();
    let names = names_from_root(&paths);
    let root = match (paths.first(), names.first()) {
        (Some(p), Some(n)) if p != n => p.split('/').next().map(str::to_string),
        _ => None,
    };
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for (f, name) in found.into_iter().zip(names) {
        match skip_reason(&name).filter(|_| f.in_folder) {
            Some(why) => skipped.push(format!("{name} ({why})")),
            None => files.push(PickedFile {
                size: f.file.size(),
                blob: f.file.into(),
                name,
            }),
        }
    }
    if files.is_empty() {
        let why = if skipped.is_empty() {
            "the folder is empty".to_string()
        } else {
            format!("left out: {}", skipped.join(", "))
        };
        return Err(Failure::new(
            format!("no data file in what was picked ({why})"),
            "Pick the exports themselves: CSV, TSV, NDJSON or JSON files (gzipped or not), workbooks or Parquet files.",
        ));
    }
    Picked::several(files, skipped, root).map_err(|e| Failure::new(e, "Pick each file once."))
}
