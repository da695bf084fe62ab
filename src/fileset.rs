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

use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
        let order = if files.iter().all(|f| archive_time(&f.name).is_some()) {
            FileOrder::ArchiveTime
        } else {
            FileOrder::Natural
        };
        // One sort for both orders (each `sort_by` is a copy of the sort in
        // the browser's wasm).
        let by_time = order == FileOrder::ArchiveTime;
        files.sort_by(|a, b| {
            let time = if by_time {
                archive_time(&a.name).cmp(&archive_time(&b.name))
            } else {
                Ordering::Equal
            };
            time.then_with(|| natural(&a.name, &b.name))
        });
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

/// Extensions of files that are clearly not data: left out of a folder or
/// a glob, and said (the CLI's folders and globs, the app's picked or
/// dropped folders).
const NOT_DATA: &[&str] = &[
    "md", "pdf", "png", "jpg", "jpeg", "gif", "svg", "webp", "html", "htm", "doc", "docx", "ppt",
    "pptx", "exe", "dll", "so", "dylib", "py", "rs", "sh", "js", "css", "log", "lock", "zip", "7z",
    "rar", "tar", "bak", "tmp", "swp",
];

/// Why a file found in a folder (or a glob) is left out of the import, if
/// it is: `hidden` (a part of its name starts with a dot: `.DS_Store`,
/// `.git/...`) or `not a data file` (its extension is one of a document,
/// an image, code...). `name` is relative to the folder, `/`-separated.
/// Files given one by one are never skipped: the user meant them.
pub fn skip_reason(name: &str) -> Option<&'static str> {
    if name.split('/').any(|part| part.starts_with('.')) {
        return Some("hidden");
    }
    let file = name.rsplit('/').next().unwrap_or(name);
    let ext = file
        .rsplit_once('.')
        .filter(|(stem, _)| !stem.is_empty())
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    NOT_DATA
        .contains(&ext.as_str())
        .then_some("not a data file")
}

/// The names of files picked together in a browser (paths as the browser
/// gives them, `/`-separated, from where they were picked or dropped),
/// relative to the import's root as the CLI makes it: a folder picked or
/// dropped alone is the root, so `exports/orders-1.csv` is named
/// `orders-1.csv`, as `segment-backfill send exports/` names it (and gets
/// the same messageIds); files picked one by one, or several folders and
/// files dropped together, keep their paths.
pub fn names_from_root(paths: &[String]) -> Vec<String> {
    let first = |p: &str| p.split_once('/').map(|(top, _)| top.to_string());
    let top = paths.first().and_then(|p| first(p));
    // (A path that is only a folder, `exports/`, would leave an empty name.)
    let inside = |p: &str| p.split_once('/').is_some_and(|(_, rest)| !rest.is_empty());
    let one_folder = top.is_some() && paths.iter().all(|p| first(p) == top && inside(p));
    paths
        .iter()
        .map(|p| match (one_folder, p.split_once('/')) {
            (true, Some((_, rest))) => rest.to_string(),
            _ => p.clone(),
        })
        .collect()
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
            names_from_root(&paths.iter().map(|p| p.to_string()).collect::<Vec<_>>())
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

    #[test]
    fn hidden_and_clearly_not_data_files_are_skipped() {
        assert_eq!(skip_reason(".DS_Store"), Some("hidden"));
        assert_eq!(skip_reason("2024/.git/config"), Some("hidden"));
        assert_eq!(skip_reason("notes/README.md"), Some("not a data file"));
        assert_eq!(skip_reason("logo.PNG"), Some("not a data file"));
        assert_eq!(skip_reason("orders-1.csv"), None);
        assert_eq!(skip_reason("src/1517443200000/1517446800000.a1.gz"), None);
        assert_eq!(skip_reason("Makefile"), None, "no extension: maybe data");
        assert_eq!(skip_reason("book.xlsx"), None);
    }

    #[test]
    fn a_folder_picked_alone_is_the_root_as_on_the_command_line() {
        let names = |paths: &[&str]| {
            names_from_root(&paths.iter().map(|p| p.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(
            names(&["exports/orders-1.csv", "exports/2024/orders-2.csv"]),
            ["orders-1.csv", "2024/orders-2.csv"]
        );
        assert_eq!(
            names(&["exports/a.csv", "more/b.csv"]),
            ["exports/a.csv", "more/b.csv"],
            "two folders: named from where they were dropped"
        );
        assert_eq!(
            names(&["a.csv", "exports/b.csv"]),
            ["a.csv", "exports/b.csv"]
        );
        assert_eq!(names(&["a.csv", "b.csv"]), ["a.csv", "b.csv"]);
        assert_eq!(names(&["exports/a.csv"]), ["a.csv"]);
    }
}
