//! The messages' parts for several files as one import: the files the
//! page hands over, how each one reads, rows named by file, and each file's
//! share of a check or a send.

use super::{FileData, InspectionView};
use crate::fileset::{FileOrder, FileSet};
use crate::source::table::TableInfo;
use crate::source::{Format, Settings};
use serde::{Deserialize, Serialize};

/// A file of several, as the page hands it to the worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NamedFile {
    /// Its name relative to the import's root (what the reports say and,
    /// with several files, what its messageIds depend on).
    pub name: String,
    pub data: FileData,
}

/// One file's columns, for the Map step's preview of several files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileColumns {
    pub name: String,
    pub format: Format,
    pub headers: Vec<String>,
}

/// What the worker found of several files ([`super::Request::InspectFiles`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilesView {
    /// Every file, in the order read.
    pub parts: Vec<PartView>,
    pub order: FileOrder,
    /// The index in `parts` of the first file with rows: the preview, the
    /// columns and the suggested mapping are its.
    pub first: usize,
    /// That file's preview.
    pub view: InspectionView,
}

impl FilesView {
    /// Every file's columns, for the Map step's preview.
    pub fn columns(&self) -> Vec<FileColumns> {
        self.parts
            .iter()
            .filter_map(|p| {
                Some(FileColumns {
                    name: p.name.clone(),
                    format: p.settings.as_ref()?.format,
                    headers: p.headers.clone(),
                })
            })
            .collect()
    }
}

/// One file of several, as its first bytes say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartView {
    pub name: String,
    /// Its size in bytes.
    pub size: f64,
    /// The settings sniffed; `None`: the file is empty.
    pub settings: Option<Settings>,
    /// Its columns (CSV: the header; JSON: the sampled records' keys).
    pub headers: Vec<String>,
    /// A workbook or Parquet file: what the tables module says of it.
    #[serde(default)]
    pub table: Option<TableInfo>,
}

/// A row as the reports name it: `row 1,204`, or, in an import of several
/// files, `orders-2024-03.csv row 1,204`. (The worker translates the core's
/// keys: a key of a late file is beyond what a JavaScript number holds
/// exactly.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowAt {
    /// The file, in an import of several files.
    #[serde(default)]
    pub file: Option<String>,
    /// The row within its file.
    pub row: f64,
}

impl RowAt {
    /// A row of a single-file import.
    pub fn row(row: f64) -> RowAt {
        RowAt { file: None, row }
    }

    /// The row a key of the core stands for (`set`: several files).
    pub fn of(set: Option<&FileSet>, key: u64) -> RowAt {
        match set {
            Some(set) => {
                let at = set.locate(key);
                RowAt {
                    file: at.file.map(str::to_string),
                    row: at.row as f64,
                }
            }
            None => RowAt::row(key as f64),
        }
    }

    /// `row 1,204` or `orders.csv row 1,204`.
    pub fn label(&self) -> String {
        let row = crate::report::group_digits(&(self.row as u64).to_string());
        match &self.file {
            Some(file) => format!("{file} row {row}"),
            None => format!("row {row}"),
        }
    }

    /// A range: `5–8`, `orders.csv rows 5–8`, or across two files
    /// `a.csv row 90 – b.csv row 3`.
    pub fn range(from: &RowAt, to: &RowAt) -> String {
        let n = |r: &RowAt| crate::report::group_digits(&(r.row as u64).to_string());
        if from == to {
            return match &from.file {
                Some(_) => from.label(),
                None => n(from),
            };
        }
        match (&from.file, &to.file) {
            (None, None) => format!("{}–{}", n(from), n(to)),
            (Some(a), Some(b)) if a == b => format!("{a} rows {}–{}", n(from), n(to)),
            _ => format!("{} – {}", from.label(), to.label()),
        }
    }
}

/// One file's share of a check of several files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileCountsView {
    pub file: String,
    pub rows: f64,
    pub valid: f64,
    pub rejected: f64,
    /// The file had no byte.
    pub empty: bool,
}

/// One file's share of a send of several files: `rows = delivered +
/// rejected + undelivered` holds for it too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileReportView {
    pub file: String,
    pub rows: f64,
    pub valid: f64,
    pub rejected: f64,
    pub delivered: f64,
    pub undelivered: f64,
    /// Of `delivered`, those an earlier run delivered (resumed).
    pub previously_delivered: f64,
    pub empty: bool,
}
