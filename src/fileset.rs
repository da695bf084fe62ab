//! Several files as one import: their names, sizes and order, and the row
//! keys that tell rows of different files apart.
//!
//! Rows are numbered within each file (a CSV header is row 1 of its file).
//! Wherever the core keys rows across the whole import (the batcher, the
//! checkpoint's ranges, the session's accounting, the summary's examples)
//! it uses a *key* that packs the file's index and the row:
//! `key = (index << 40) | row`. File 0's keys are its row numbers, so a
//! single-file import keys rows exactly as before. Every report translates
//! keys back with [`FileSet::locate`] ("orders-2024-03.csv row 1,204").
//!
//! The order files are read in is deterministic: natural order of their
//! names ("orders-2" before "orders-10"), except a folder of Segment's own
//! archive (`segment-logs/<source-id>/<day>/<epoch-ms>.<id>.gz`), which is
//! replayed in time order: by the day folder's number, then the timestamp
//! the file name starts with, compared as numbers, not as strings.
//!
//! In an import of several files each file's messageIds also depend on its
//! name ([`FileSet::id_name`], relative to the import's root), so adding,
//! removing or reordering files never changes another file's ids.

use std::cmp::Ordering;

use serde::Serialize;

/// Bits of a key that hold the row within its file.
pub const ROW_BITS: u32 = 40;
/// The largest row number a file may have (about 10^12).
pub const MAX_ROW: u64 = (1 << ROW_BITS) - 1;
/// The most files one import may have (keys stay below 2^63).
pub const MAX_FILES: usize = 1 << 23;

/// The key of `row` of the file at `index` (see the module docs).
#[inline]
pub fn key(index: usize, row: u64) -> u64 {
    ((index as u64) << ROW_BITS) | (row & MAX_ROW)
}

/// The file index and the row a key packs.
#[inline]
pub fn split(key: u64) -> (usize, u64) {
    ((key >> ROW_BITS) as usize, key & MAX_ROW)
}

/// One file of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilePart {
    /// The name relative to the import's root, `/`-separated (what the
    /// reports show and, with several files, what the ids depend on).
    pub name: String,
    /// The size in bytes, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// [`head_hash`] of its first bytes, when the shell read them before
    /// the import (part of a multi-file import's identity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
}

impl FilePart {
    /// A file known by its name and size.
    pub fn new(name: impl Into<String>, size: Option<u64>) -> FilePart {
        FilePart {
            name: name.into(),
            size,
            head: None,
        }
    }
}

/// How much of the start of each file goes into its head hash.
pub const HEAD_BYTES: usize = 64 * 1024;

/// xxh3-128 of the first [`HEAD_BYTES`] of `bytes`, as 32 hex digits (the
/// recipe of a single file's identity: the same bytes hash the same).
pub fn head_hash(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(HEAD_BYTES)];
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(head))
}

/// The order the files are read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FileOrder {
    /// One file.
    Single,
    /// Natural order of the names.
    Natural,
    /// A Segment archive folder: by day folder, then the file's timestamp.
    ArchiveTime,
}

impl FileOrder {
    /// In words, for the reports.
    pub fn describe(self) -> &'static str {
        match self {
            FileOrder::Single => "one file",
            FileOrder::Natural => "natural order of the names (orders-2 before orders-10)",
            FileOrder::ArchiveTime => {
                "time order of a Segment archive (the day folder, then the timestamp each file \
                 name starts with)"
            }
        }
    }
}

/// The files of one import, in the order they are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSet {
    files: Vec<FilePart>,
    order: FileOrder,
}

/// Where a key points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located<'a> {
    pub index: usize,
    /// The file's name; `None` in a single-file import (reports say "row N"
    /// there, as they always have).
    pub file: Option<&'a str>,
    pub row: u64,
}

impl std::fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let row = crate::report::group_digits(&self.row.to_string());
        match self.file {
            Some(name) => write!(f, "{name} row {row}"),
            None => write!(f, "row {row}"),
        }
    }
}

impl FileSet {
    /// A single-file import: keys are row numbers, ids do not depend on the name.
    pub fn single(name: impl Into<String>, size: Option<u64>) -> FileSet {
        FileSet {
            files: vec![FilePart::new(name, size)],
            order: FileOrder::Single,
        }
    }

    /// Several files as one import, put in order (see the module docs).
    /// Refuses no file, too many, and a name given twice. One file given
    /// this way (a folder holding one file) is still a multi-file import:
    /// its ids depend on its name, so adding a second file later does not
    /// change them.
    pub fn ordered(mut files: Vec<FilePart>) -> Result<FileSet, String> {
        if files.is_empty() {
            return Err("no file to import".into());
        }
        if files.len() > MAX_FILES {
            return Err(format!(
                "{} files: one import reads at most {MAX_FILES}",
                files.len()
            ));
        }
        let archive: Option<Vec<(u64, u64)>> =
            files.iter().map(|f| archive_time(&f.name)).collect();
        let order = match archive {
            Some(_) => {
                files.sort_by(|a, b| {
                    archive_time(&a.name)
                        .cmp(&archive_time(&b.name))
                        .then_with(|| natural(&a.name, &b.name))
                });
                FileOrder::ArchiveTime
            }
            None => {
                files.sort_by(|a, b| natural(&a.name, &b.name));
                FileOrder::Natural
            }
        };
        if let Some(w) = files.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(format!("{} is given twice", w[0].name));
        }
        Ok(FileSet { files, order })
    }

    /// Whether this import has several files (even if only one is listed:
    /// see [`FileSet::ordered`]).
    pub fn is_multi(&self) -> bool {
        self.order != FileOrder::Single
    }

    /// The files, in the order they are read.
    pub fn files(&self) -> &[FilePart] {
        &self.files
    }

    /// How many files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Always false: a file set has at least one file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The order used.
    pub fn order(&self) -> FileOrder {
        self.order
    }

    /// The name the ids of file `index` depend on: `None` in a single-file
    /// import (ids as they always were).
    pub fn id_name(&self, index: usize) -> Option<&str> {
        if self.is_multi() {
            self.files.get(index).map(|f| f.name.as_str())
        } else {
            None
        }
    }

    /// The file and row a key stands for.
    pub fn locate(&self, key: u64) -> Located<'_> {
        let (index, row) = split(key);
        let file = if self.is_multi() {
            Some(self.files.get(index).map_or("?", |f| f.name.as_str()))
        } else {
            None
        };
        Located { index, file, row }
    }
}

/// The names of files picked as a folder in a browser, from their relative
/// paths (a `File`'s `webkitRelativePath`, which starts with the picked
/// folder's own name): relative to that folder, the import's root, as the
/// CLI names the files of a folder it is given. So a folder has the same
/// names, and its rows the same messageIds, whether it is picked in a
/// browser, given to the CLI, or its files are picked one by one. Paths that
/// do not all start with the same folder are returned as they are.
pub fn in_picked_folder(paths: &[String]) -> Vec<String> {
    let folder = |p: &str| p.split_once('/').map(|(top, _)| top.to_string());
    let first = paths.first().and_then(|p| folder(p));
    let shared = first.filter(|top| {
        paths.iter().all(|p| {
            p.split_once('/')
                .is_some_and(|(t, rest)| t == top && !rest.is_empty())
        })
    });
    match shared {
        Some(top) => paths
            .iter()
            .map(|p| p[top.len() + 1..].to_string())
            .collect(),
        None => paths.to_vec(),
    }
}

/// Natural order of two names, then plain byte order (so that no two
/// different names compare equal).
fn natural(a: &str, b: &str) -> Ordering {
    natord::compare(a, b).then_with(|| a.cmp(b))
}

/// `(day, timestamp)` of a file in a Segment archive folder: its parent
/// folder is a number (the day, in ms since the epoch) and its name starts
/// with a number followed by a dot (the time it was written, in ms).
fn archive_time(name: &str) -> Option<(u64, u64)> {
    let mut parts = name.rsplit('/');
    let file = parts.next()?;
    let day = parts.next()?;
    let (stamp, _) = file.split_once('.')?;
    Some((number(day)?, number(stamp)?))
}

fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(name: &str) -> FilePart {
        FilePart::new(name, None)
    }

    fn names(set: &FileSet) -> Vec<&str> {
        set.files().iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn keys_pack_the_file_and_the_row() {
        assert_eq!(key(0, 1_204), 1_204, "file 0's keys are its rows");
        assert_eq!(key(1, 2), 1_099_511_627_778);
        assert_eq!(split(1_099_511_627_778), (1, 2));
        assert_eq!(split(key(MAX_FILES - 1, MAX_ROW)), (MAX_FILES - 1, MAX_ROW));
        assert!(key(MAX_FILES - 1, MAX_ROW) < 1 << 63);
    }

    #[test]
    fn names_are_in_natural_order() {
        let set = FileSet::ordered(vec![
            part("orders-10.csv"),
            part("orders-2.csv"),
            part("orders-1.csv"),
            part("b/orders-1.csv"),
        ])
        .expect("a set");
        assert_eq!(
            names(&set),
            [
                "b/orders-1.csv",
                "orders-1.csv",
                "orders-2.csv",
                "orders-10.csv"
            ]
        );
        assert_eq!(set.order(), FileOrder::Natural);
        assert_eq!(
            set.locate(key(3, 1_204)).to_string(),
            "orders-10.csv row 1,204"
        );
        assert_eq!(set.id_name(1), Some("orders-1.csv"));
    }

    #[test]
    fn an_archive_folder_is_in_time_order_not_string_order() {
        // Day 999999999999 (12 digits) sorts after 1000000000000 as a
        // string, but is earlier in time.
        let set = FileSet::ordered(vec![
            part("src/1000000000000/1000000003600.b.gz"),
            part("src/999999999999/999999999999.a.gz"),
            part("src/1000000000000/1000000000000.c.gz"),
            part("src/1000000000000/999999999999999.d.gz"),
        ])
        .expect("a set");
        assert_eq!(set.order(), FileOrder::ArchiveTime);
        assert_eq!(
            names(&set),
            [
                "src/999999999999/999999999999.a.gz",
                "src/1000000000000/1000000000000.c.gz",
                "src/1000000000000/1000000003600.b.gz",
                "src/1000000000000/999999999999999.d.gz",
            ]
        );
    }

    #[test]
    fn a_picked_folder_is_the_root_of_its_files_names() {
        let picked = |paths: &[&str]| {
            in_picked_folder(&paths.iter().map(|p| p.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(
            picked(&[
                "segment-logs/Ab12Cd/1517443200000/1517446800000.a1.gz",
                "segment-logs/Ab12Cd/999999999999/999999999999.z9.gz",
            ]),
            [
                "Ab12Cd/1517443200000/1517446800000.a1.gz",
                "Ab12Cd/999999999999/999999999999.z9.gz",
            ],
            "the names the CLI gives the files of segment-logs/"
        );
        assert_eq!(picked(&["exports/orders-1.csv"]), ["orders-1.csv"]);
        // Not one folder: kept as given.
        assert_eq!(
            picked(&["a/orders-1.csv", "b/orders-1.csv"]),
            ["a/orders-1.csv", "b/orders-1.csv"]
        );
        assert_eq!(
            picked(&["exports/orders-1.csv", "orders-2.csv"]),
            ["exports/orders-1.csv", "orders-2.csv"]
        );
        assert_eq!(picked(&["exports/"]), ["exports/"]);
        assert!(picked(&[]).is_empty());
    }

    #[test]
    fn a_single_file_reads_as_before_and_bad_sets_are_refused() {
        let one = FileSet::single("orders.csv", Some(10));
        assert!(!one.is_multi());
        assert_eq!(one.locate(1_204).to_string(), "row 1,204");
        assert_eq!(one.id_name(0), None);
        let folder_of_one = FileSet::ordered(vec![part("orders.csv")]).expect("a set");
        assert!(
            folder_of_one.is_multi(),
            "a folder of one file keeps its name in the ids"
        );
        assert!(FileSet::ordered(Vec::new()).is_err());
        let twice = FileSet::ordered(vec![part("a.csv"), part("a.csv")]);
        assert_eq!(twice.err().as_deref(), Some("a.csv is given twice"));
    }
}
