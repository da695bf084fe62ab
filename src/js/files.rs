//! Several files as one import: `importFiles(files, mapping, options)`,
//! and what it shares with `checkFiles` ([`super::check`]).
//!
//! `files` is an array of `File`s (named by their `webkitRelativePath` when
//! picked as a folder, relative to that folder, else by their `name`) or of
//! `{name, file}` objects (a Blob and its name: Node, or names of the
//! caller's choosing). The core puts them in order
//! ([`FileSet::ordered`]: natural order of the names, a Segment archive
//! folder in time order). Before anything is read for real each file is
//! opened and sniffed ([`sniff_part`]): its size and head hash go into the
//! set (the import's identity, so a checkpoint of another set of files is
//! refused), and a CSV lacking a column the mapping needs is refused,
//! naming the file, before any request. A workbook or Parquet file among
//! them is read through the tables module as its canonical text, with its
//! own settings. Then the send is the driver's ([`SendInput::Files`]).

use std::collections::HashMap;
use std::rc::Rc;

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Blob;

use super::blob::read_head;
use super::driver::{js_send_options, send_for_js, transport_for, OpenFile, SendInput};
use super::error::{codes, JsApiError, JsResult};
use super::options::mapping_from_js;
use super::table::Table;
use crate::fileset::{head_hash, names_from_root, FilePart, FileSet, HEAD_BYTES};
use crate::mapping::Mapping;
use crate::pipeline::{sniff_part, PartSniff, DEFAULT_SAMPLE_BYTES};
use crate::source::table::TableKind;
use crate::source::{self, SourceOptions};

#[wasm_bindgen(typescript_custom_section)]
const TS_FILES: &'static str = r#"
/**
 * One file of several: a `File` (named by its `webkitRelativePath` when
 * picked as a folder, relative to that folder; else by its `name`), or a
 * Blob with the name to give it.
 */
export type FileEntry = File | { name: string; file: Blob };

/** The order files of several are read in. */
export type FileOrder = "single" | "natural" | "archiveTime";

/** A finding about a row of one file of several: `row` is the row within `file`. */
export interface FileIssue extends Issue {
  file: string;
}

/** A rejected row of one file of several: `row` is the row within `file`. */
export interface FileRejectedRow extends Omit<RejectedRow, "issues"> {
  file: string;
  issues: FileIssue[];
}

/** A finding code's tally, its examples named by file and row. */
export interface FileCodeTally extends Omit<CodeTally, "examples"> {
  examples: FileIssue[];
}

/** The summary of several files: examples named by file and row, each file's counts. */
export interface FilesSummary extends Omit<Summary, "byCode" | "files"> {
  byCode: Partial<Record<Code, FileCodeTally>>;
  files: FileCounts[];
}

/** Rows `from` to `to` (inclusive) of `file`. */
export interface FileRange {
  file: string;
  from: number;
  to: number;
}

/** A row the endpoint refused, with its answer. */
export interface FileServerRejected {
  file: string;
  row: number;
  reason: string;
}

/**
 * What `importFiles` resolves with: a `Report` whose rows are named by
 * file and row, with each file's share (`files`, in the order read) and
 * the `order` the files were read in.
 */
export interface FilesReport
  extends Omit<SessionReport, "summary" | "rejectedRows" | "undeliveredRows" | "serverRejected" | "files"> {
  order: FileOrder;
  files: FileReport[];
  summary: FilesSummary;
  rejectedRows: FileRejectedRow[];
  undeliveredRows: FileRange[];
  serverRejected: FileServerRejected[];
}

/** One file's share of a check, and how it is read. */
export interface FileCheck extends FileCounts {
  /** The settings it is read with; absent for an empty file. */
  settings?: Settings;
  /** Its columns (CSV: the header; JSON: the keys of its first records). */
  headers: string[];
  /** A workbook or Parquet file: what it holds and the sheet read. */
  table?: TableInfo;
}

/** What `checkFiles` resolves with: the summary of every file, nothing sent. */
export interface FilesCheck extends Omit<FilesSummary, "files"> {
  order: FileOrder;
  files: FileCheck[];
  /** Rows that would not be sent (the first `maxRejectedRows`), with every reason. */
  rejectedRows: FileRejectedRow[];
  /** Rejected rows left out of `rejectedRows` (the counts are complete). */
  rejectedRowsOmitted: number;
}
"#;

/// The files of an import, checked before anything is read for real.
pub(super) struct Prepared {
    /// In the order read, each file's size and head hash filled in.
    pub set: FileSet,
    /// The files, in the set's order.
    pub blobs: Vec<Blob>,
    /// How each file is read, in the set's order.
    pub parts: Vec<PartSniff>,
}

/// Reads `files`, puts them in order and preflights each one (see the
/// module docs). Throws `invalid_options` for what is not a list of named
/// files (or names one twice), `invalid_mapping` for a mapping that does not
/// fit a file (naming it), and the reading errors of a file that cannot be
/// opened (naming it).
pub(super) async fn prepare(
    files: &JsValue,
    user: &SourceOptions,
    mapping: Option<&Mapping>,
) -> JsResult<Prepared> {
    if let Some(m) = mapping {
        m.check()
            .map_err(|e| JsApiError::new(codes::INVALID_MAPPING, e.to_string()))?;
    }
    let entries = named_files(files)?;
    let listed = entries
        .iter()
        .map(|(name, blob)| FilePart::new(name.clone(), Some(blob.size() as u64)))
        .collect();
    let set = FileSet::ordered(listed).map_err(|e| JsApiError::new(codes::INVALID_OPTIONS, e))?;
    let mut by_name: HashMap<String, Blob> = entries.into_iter().collect();
    let mut found = Vec::with_capacity(set.len());
    let mut blobs = Vec::with_capacity(set.len());
    let mut parts = Vec::with_capacity(set.len());
    for listed in set.files() {
        let name = &listed.name;
        let blob = by_name
            .remove(name)
            .ok_or_else(|| JsApiError::new(codes::INTERNAL, format!("{name} was not given")))?;
        let (part, sniffed) = preflight(name, &blob, user, mapping)
            .await
            .map_err(|e| e.in_file(name))?;
        found.push(part);
        blobs.push(blob);
        parts.push(sniffed);
    }
    // The same names: the same order.
    let set = FileSet::ordered(found).map_err(|e| JsApiError::new(codes::INTERNAL, e))?;
    Ok(Prepared { set, blobs, parts })
}

/// The files JS gave, each with its name (see the module docs).
fn named_files(files: &JsValue) -> JsResult<Vec<(String, Blob)>> {
    let invalid = |m: String| JsApiError::new(codes::INVALID_OPTIONS, m);
    let Some(array) = files.dyn_ref::<js_sys::Array>() else {
        return Err(invalid(
            "files must be an array of Files (or of { name, file } objects)".into(),
        ));
    };
    let text = |v: &JsValue, field: &str| {
        js_sys::Reflect::get(v, &field.into())
            .ok()
            .and_then(|s| s.as_string())
            .filter(|s| !s.is_empty())
    };
    let mut named = Vec::with_capacity(array.length() as usize);
    let mut all_in_folder = true;
    for (i, item) in array.iter().enumerate() {
        let (name, blob, in_folder) = if let Some(blob) = item.dyn_ref::<Blob>() {
            let relative = text(&item, "webkitRelativePath");
            let in_folder = relative.is_some();
            let name = relative.or_else(|| text(&item, "name")).ok_or_else(|| {
                invalid(format!(
                    "file {} is a Blob without a name: pass {{ name, file }}",
                    i + 1
                ))
            })?;
            (name, blob.clone(), in_folder)
        } else {
            let blob = js_sys::Reflect::get(&item, &"file".into())
                .ok()
                .and_then(|f| f.dyn_into::<Blob>().ok());
            match (text(&item, "name"), blob) {
                (Some(name), Some(blob)) => (name, blob, false),
                _ => {
                    return Err(invalid(format!(
                        "file {} is neither a File nor {{ name, file }} with a name and a Blob",
                        i + 1
                    )))
                }
            }
        };
        all_in_folder &= in_folder;
        named.push((name, blob));
    }
    if all_in_folder {
        let paths: Vec<String> = named.iter().map(|(n, _)| n.clone()).collect();
        for ((name, _), short) in named.iter_mut().zip(names_from_root(&paths)) {
            *name = short;
        }
    }
    Ok(named)
}

/// Opens one file and sniffs its first bytes: its size (a text file's; a
/// table's text has none known) and head hash, and how it is read.
async fn preflight(
    name: &str,
    blob: &Blob,
    user: &SourceOptions,
    mapping: Option<&Mapping>,
) -> JsResult<(FilePart, PartSniff)> {
    let head = read_head(blob, HEAD_BYTES.max(DEFAULT_SAMPLE_BYTES)).await?;
    let (sample, complete, options, size, table) = if TableKind::of(&head).is_some() {
        let mut table = Table::open(blob, user.sheet.as_deref()).await?;
        let options = table.options(user)?;
        let (sample, complete) = table.sample(DEFAULT_SAMPLE_BYTES)?;
        let info = table.info().clone();
        (sample, complete, options, None, Some(info))
    } else {
        let complete = head.len() as f64 >= blob.size();
        let size = Some(blob.size() as u64);
        (head, complete, user.clone(), size, None)
    };
    let mut sniffed = sniff_part(name, &sample, complete, options.clone(), mapping)
        .map_err(|message| refusal(&sample, complete, &options, message))?;
    sniffed.table = table;
    let part = FilePart {
        name: name.to_string(),
        size,
        head: Some(head_hash(&sample)),
    };
    Ok((part, sniffed))
}

/// The code of a file's refusal by [`sniff_part`]: not a text file, a
/// mapping that does not fit it, or text that cannot be read.
fn refusal(sample: &[u8], complete: bool, options: &SourceOptions, message: String) -> JsApiError {
    let code = if source::not_text(sample, complete, options).is_some() {
        codes::UNSUPPORTED_FILE
    } else if source::inspect(sample, complete, options, 0).is_ok() {
        codes::INVALID_MAPPING
    } else {
        codes::SOURCE_ERROR
    };
    JsApiError::new(code, message)
}

/// `fixes` name rows of one file: refused with several.
pub(super) fn refuse_fixes(given: bool) -> JsResult<()> {
    if given {
        return Err(JsApiError::new(
            codes::INVALID_FIXES,
            "fixes apply to an import of one file (importFile), not several",
        ));
    }
    Ok(())
}

/// A JSON report as a plain JS object (maps as objects, `null` as `undefined`).
pub(super) fn to_js(value: &impl Serialize) -> JsResult<JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value
        .serialize(&serializer)
        .map_err(|e| JsApiError::new(codes::INTERNAL, e.to_string()))
}

/// Imports several files as one import and sends them: `importFile` for a
/// set of files (see the module docs). The options are `importFile`'s
/// (`fixes` excepted); the report names rows by file and row.
#[wasm_bindgen(js_name = importFiles, unchecked_return_type = "FilesReport")]
pub async fn import_files(
    #[wasm_bindgen(unchecked_param_type = "FileEntry[]")] files: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Mapping | string | null")] mapping: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ImportFileOptions")] options: JsValue,
) -> JsResult<JsValue> {
    let mapping = mapping_from_js(&mapping)?;
    let (options, callback) = js_send_options(options, "importFiles options")?;
    refuse_fixes(options.settings.fixes.is_some())?;
    // The destination is checked before any file is opened.
    transport_for(&options.settings)?;
    let user = options.settings.source_options()?;
    let Prepared { set, blobs, .. } = prepare(&files, &user, mapping.as_ref()).await?;
    let blobs = Rc::new(blobs);
    let open: OpenFile = Box::new(move |index| {
        let blob = blobs.get(index).cloned();
        Box::pin(async move {
            blob.map(SendInput::Blob).ok_or_else(|| {
                JsApiError::new(codes::INTERNAL, format!("file {index} is not in the set"))
            })
        })
    });
    let input = SendInput::Files {
        set: set.clone(),
        open,
    };
    let report = send_for_js(input, mapping, options, callback).await?;
    let located = crate::located::send_report(&report, &set)
        .map_err(|e| JsApiError::new(codes::INTERNAL, e.to_string()))?;
    to_js(&located)
}
