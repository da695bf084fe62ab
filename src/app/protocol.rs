//! The messages between the page and the worker, and how they cross.
//!
//! The page sends a [`Request`]; the worker answers with one or more
//! [`Response`]s. The worker is stateless between requests: each request
//! carries the file handle (a `Blob`, cloned by the browser without copying
//! its bytes; or the bytes themselves where the worker cannot read it:
//! [`FileData`]), the settings and the mapping it needs. Only small, whole
//! results cross back — a summary, a few preview messages, and `Blob`s for
//! downloads — never one object per row.

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use web_sys::Blob;

use crate::mapping::Mapping;
use crate::pipeline::{Fixes, RowFix};
use crate::source::table::TableInfo;
use crate::source::{ArchiveSigns, MissingSeen, Settings, SourceOptions};

mod file_data;
mod files;
mod key;
pub use file_data::FileData;
pub use files::{
    FileColumns, FileCountsView, FileReportView, FilesView, NamedFile, PartView, RowAt,
};
pub use key::{KeyAnswer, KeyQuery, KeyVerdict};

/// What a check or a send reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Input {
    /// One file, read exactly as the File step showed it.
    One {
        file: FileData,
        /// The workbook sheet the File step read (`None`: not a workbook).
        #[serde(default)]
        sheet: Option<String>,
        settings: Settings,
    },
    /// Several files as one import, in the order they are read
    /// ([`crate::fileset::FileSet::ordered`]): each sniffed on its own with
    /// the user's overrides, as the CLI reads several files.
    Files {
        files: Vec<NamedFile>,
        options: SourceOptions,
    },
}

/// What the page asks the worker to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    /// Sniff the first bytes and preview the first rows; suggest a mapping.
    Inspect {
        file: FileData,
        options: SourceOptions,
    },
    /// Several files: sniff each one's first bytes (how it reads, its
    /// columns), then preview the first one with rows and suggest a mapping
    /// from it. Answered with [`Response::InspectedFiles`].
    InspectFiles {
        files: Vec<NamedFile>,
        options: SourceOptions,
    },
    /// Build the first messages of the file with this mapping.
    Preview {
        file: FileData,
        /// The workbook sheet the File step read (`None`: not a workbook).
        #[serde(default)]
        sheet: Option<String>,
        settings: Settings,
        mapping: Mapping,
        /// Several files: every file's columns, which the mapping must
        /// find in each CSV file (the preview's error names the file that
        /// lacks one). Empty for one file.
        #[serde(default)]
        columns: Vec<FileColumns>,
    },
    /// Read every row: validate, batch, count; send nothing.
    Check {
        input: Input,
        mapping: Mapping,
        /// Keep every batch body for a dry-run download.
        keep_batches: bool,
        /// The destination's id namespace (16 hex digits, a hash of the
        /// write key the Send step holds), so the downloaded batches carry
        /// the messageIds a send there will; `None`: no destination yet.
        id_namespace: Option<String>,
        /// Rows edited in the fix grid, standing in for the file's (one
        /// file only).
        #[serde(default)]
        fixes: Fixes,
        /// The target whose limits rows are checked against (a
        /// [`crate::target::Target`] id; the Send form's choice).
        #[serde(default)]
        target: String,
    },
    /// Ask Segment's CDN whether it knows a write key: answered with
    /// [`Response::KeyChecked`].
    CheckKey(KeyQuery),
    /// Check single rows (edited in the fix grid) with the mapping, as the
    /// check would: answered with [`Response::RowsChecked`].
    CheckRows {
        settings: Settings,
        headers: Vec<String>,
        mapping: Mapping,
        rows: Vec<RowFix>,
    },
    /// Send every row to an endpoint (the JS layer's fetch driver).
    Send {
        input: Input,
        mapping: Mapping,
        target: SendTarget,
        /// The checkpoint of a stopped send of this same import, to continue
        /// it: rows it has done are not sent again.
        resume: Option<String>,
        /// Rows edited in the fix grid, sent in their place (one file only).
        #[serde(default)]
        fixes: Fixes,
    },
    /// Whether the worker can read a `Blob` the page hands it (a tiny one):
    /// asked once, first, by a page opened from disk. Answered with
    /// [`Response::ProbedRead`]; if not, the page hands it bytes
    /// ([`FileData::Bytes`]) instead.
    ProbeRead {
        #[serde(with = "serde_wasm_bindgen::preserve")]
        blob: Blob,
    },
    /// Stop the running check or send.
    Cancel,
    /// Pause the running send: no new request, no more reading; requests
    /// already out finish. (Not to be confused with `Send { resume }`, which
    /// continues a send stopped by a closed tab.)
    Pause,
    /// Let the paused send go on where it stopped.
    Unpause,
}

/// Where and how to send. The write key crosses to the worker only.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SendTarget {
    pub endpoint: String,
    pub write_key: String,
    pub concurrency: u32,
    /// Send the key in an `Authorization: Basic` header (RudderStack needs
    /// it) instead of in the body (no Authorization header, Segment's browser way; gzip bodies still need a preflight for Content-Encoding).
    pub basic_auth: bool,
    /// The batch-level `integrations` object, when given.
    pub integrations: Option<serde_json::Map<String, serde_json::Value>>,
    /// The target's id ([`crate::target::Target`]): its limits, how it
    /// takes the key, whether the key is checked with Segment.
    pub target: String,
    /// Check the write key before the first batch (where the check
    /// applies); `false` when this form's key was checked already, or the
    /// user chose to send without the check.
    pub key_check: bool,
    /// Where the key check asks instead of Segment's CDN.
    pub settings_url: Option<String>,
}

/// How far a send has come.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SendProgress {
    pub bytes: f64,
    pub total: f64,
    pub rows: f64,
    /// What `bytes`/`total` or `rows` measure the reading by.
    #[serde(default)]
    pub measure: Measure,
    pub rejected: f64,
    /// Messages the endpoint acknowledged.
    pub delivered: f64,
    pub retries: f64,
    pub in_flight: f64,
    /// The latest retry or failure, in words.
    pub note: Option<String>,
    pub elapsed_ms: f64,
    /// The send is paused (`in_flight` requests may still be finishing).
    pub paused: bool,
    /// Of `elapsed_ms`, the time spent paused.
    pub paused_ms: f64,
    /// Time since a message was last acknowledged (since the start, or the
    /// end of a pause, when none was since).
    #[serde(default)]
    pub since_delivery_ms: f64,
    /// Messages acknowledged per second over the last seconds
    /// ([`crate::session::pace`]); none before there is a rate.
    #[serde(default)]
    pub messages_per_s: Option<f64>,
    /// Seconds left at the recent rate, when there is one.
    #[serde(default)]
    pub eta_s: Option<f64>,
    /// Request bodies on the wire, and their JSON before compression.
    #[serde(default)]
    pub wire_bytes: f64,
    #[serde(default)]
    pub json_bytes: f64,
    /// Several files: the one being read (from 1) and how many there are.
    #[serde(default)]
    pub file: Option<(f64, f64)>,
}

/// What the page keeps of a running send so it can be resumed after the
/// tab closes (about once a second, and once more before [`SendReport`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SendCheckpoint {
    /// The driver's checkpoint document: row numbers, no data.
    pub checkpoint: String,
    /// Rows finished for good, earlier runs included.
    pub rows_done: f64,
    /// Rows delivered by the earlier run(s) this one resumed.
    pub delivered_earlier: f64,
}

/// Where every row of a send went.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SendReport {
    pub rows: f64,
    pub delivered: f64,
    /// Of `delivered`, rows the stopped send this one resumed had delivered.
    pub previously_delivered: f64,
    pub rejected: f64,
    pub rejected_by_server: f64,
    /// Of `delivered`, rows that were valid thanks to an edit in the app.
    #[serde(default)]
    pub fixed: f64,
    pub undelivered: f64,
    /// Undelivered rows as inclusive ranges.
    pub undelivered_rows: Vec<(RowAt, RowAt)>,
    pub undelivered_reason: Option<String>,
    /// `rows = delivered + rejected + undelivered`.
    pub balanced: bool,
    /// The whole file was read.
    pub complete: bool,
    pub error: Option<String>,
    /// `(row, answer)` of the rows the endpoint refused (the first 10,000).
    pub server_rejected: Vec<(RowAt, String)>,
    pub requests: f64,
    pub retries: f64,
    pub elapsed_ms: f64,
    /// Of `elapsed_ms`, the time spent paused.
    pub paused_ms: f64,
    /// When the send started and ended (ms since the epoch).
    pub started_ms: f64,
    pub finished_ms: f64,
    /// The endpoint's host (and port): where the rows went.
    pub endpoint_host: String,
    /// `row,line,code,reason,<columns>` of every row rejected before
    /// sending and every row the endpoint refused, in row order (a `Blob`;
    /// `undefined` if it could not be made).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub rejects: JsValue,
    /// The rejects file holds only the first rows rejected before sending.
    pub rejects_truncated: bool,
    /// Several files: where each file's rows went, in the order read
    /// (empty for one file).
    #[serde(default)]
    pub files: Vec<FileReportView>,
}

/// What the worker answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Response {
    Inspected(InspectionView),
    /// The answer to [`Request::InspectFiles`].
    InspectedFiles(FilesView),
    Previewed(PreviewView),
    CheckProgress(CheckProgress),
    Checked(CheckDone),
    /// The answer to [`Request::CheckRows`], in the same order.
    RowsChecked(Vec<RowStatus>),
    SendProgress(SendProgress),
    SendCheckpoint(SendCheckpoint),
    Sent(SendReport),
    /// A write-key check's answer (the button's, or at Start: then a stop
    /// means nothing was sent).
    KeyChecked(KeyAnswer),
    Cancelled,
    /// A failure that stopped the request, with what to do about it.
    Failed(Failure),
    /// The answer to [`Request::ProbeRead`]: whether the Blob could be read.
    ProbedRead(bool),
}

/// The preview of a file (a copy of [`crate::source::Inspection`] that can
/// also be read back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionView {
    pub settings: Settings,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The sample is the whole file.
    pub complete: bool,
    /// What [`crate::mapping::suggest_for`] makes of the sample.
    pub suggested: Mapping,
    /// Why the records look like one of Segment's own archives, if they do.
    #[serde(default)]
    pub archive: Option<ArchiveSigns>,
    /// Missing-value tokens of the default list seen in the sample.
    #[serde(default)]
    pub missing: Vec<MissingSeen>,
    /// A workbook or Parquet file: what the tables module says of it (the
    /// rows above are its canonical text's).
    #[serde(default)]
    pub table: Option<TableInfo>,
}

impl InspectionView {
    /// The sheet read, for the requests that read the file again.
    pub fn sheet(&self) -> Option<String> {
        self.table.as_ref().and_then(|t| t.sheet.clone())
    }
}

/// The first messages exactly as they would be sent, and the first problems.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PreviewView {
    /// Pretty-printed message JSON.
    pub messages: Vec<String>,
    /// `row N: reason` for the first rejected rows of the sample.
    pub problems: Vec<String>,
    /// The mapping cannot be applied to this file (a missing column...).
    pub error: Option<String>,
    /// Mapping-level notes (no timestamp mapped, a column shadowed).
    pub notes: Vec<String>,
}

/// What says how far the reading of a file has come.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Measure {
    /// A text export: its bytes read, of its size.
    #[default]
    Bytes,
    /// A workbook or Parquet file (whose bytes say nothing of how far its
    /// rows are): the rows read, of the rows the file says it has.
    Rows(f64),
    /// A table that does not say how many rows it has: no percentage.
    Unknown,
}

impl Measure {
    /// The part read in percent, when there is one to say.
    pub fn percent(self, bytes: f64, total: f64, rows: f64) -> Option<f64> {
        let (done, of) = match self {
            Measure::Bytes => (bytes, total),
            Measure::Rows(of) => (rows, of),
            Measure::Unknown => return None,
        };
        Some(super::widgets::percent(done, of))
    }
}

/// How far a check has come.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct CheckProgress {
    pub bytes: f64,
    pub total: f64,
    pub rows: f64,
    /// What `bytes`/`total` or `rows` measure the reading by.
    #[serde(default)]
    pub measure: Measure,
    /// Milliseconds since the check started.
    pub elapsed_ms: f64,
    /// Several files: the one being read (from 1) and how many there are.
    #[serde(default)]
    pub file: Option<(f64, f64)>,
}

/// One finding code with its count and examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: String,
    pub warning: bool,
    /// Findings with this code.
    pub count: f64,
    /// Rows with this code (rejected rows for an error, sent rows for a
    /// warning): what the page shows.
    #[serde(default)]
    pub rows: f64,
    /// `(row, message)` of the first occurrences.
    pub examples: Vec<(RowAt, String)>,
}

/// The result of a full check. Counts are `f64` because they cross to
/// JavaScript as numbers (exact up to 2^53 rows).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CheckReport {
    pub rows: f64,
    pub valid: f64,
    pub rejected: f64,
    /// Of `valid`, rows valid thanks to an edit in the fix grid.
    #[serde(default)]
    pub fixed: f64,
    pub with_warnings: f64,
    pub without_timestamp: f64,
    pub first_timestamp: Option<String>,
    pub last_timestamp: Option<String>,
    pub per_day: Vec<(String, f64)>,
    pub top_events: Vec<(String, f64)>,
    pub findings: Vec<Finding>,
    /// Rejected rows (sent rows) with more than one code among their errors
    /// (warnings): the rows under the codes add up to more by this many.
    #[serde(default)]
    pub rejected_several_reasons: f64,
    #[serde(default)]
    pub warned_several_reasons: f64,
    /// Missing-value tokens read as empty, per column.
    #[serde(default)]
    pub missing_values: Vec<MissingSeen>,
    pub notes: Vec<String>,
    pub batches: f64,
    pub bytes: f64,
    pub elapsed_ms: f64,
    /// The rejects file was cut short to keep memory bounded.
    pub rejects_truncated: bool,
    /// Several files: each file's counts, in the order read (empty for one
    /// file).
    #[serde(default)]
    pub files: Vec<FileCountsView>,
    /// The target whose limits the rows were checked against (its id).
    #[serde(default)]
    pub target: String,
}

/// A finished check: the report and the downloads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckDone {
    pub report: CheckReport,
    /// `row,line,code,reason,<columns>` for every rejected row.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub rejects: Blob,
    /// One request body per line (dry run); `undefined` when not kept.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub batches: JsValue,
    /// The id namespace the batches' messageIds were derived with.
    #[serde(default)]
    pub id_namespace: Option<String>,
    /// The rows the fix grid shows: the first rejected rows (at most
    /// [`crate::pipeline::MAX_FIXED_ROWS`]) and every edited row, in row
    /// order.
    #[serde(default)]
    pub grid: Vec<GridRow>,
    /// Rejected rows left out of `grid` (beyond the bound).
    #[serde(default)]
    pub grid_omitted: f64,
}

/// One finding of a row, for the fix grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellIssue {
    /// The column it is about; `None`: the whole row.
    pub column: Option<String>,
    pub code: String,
    pub message: String,
    pub warning: bool,
}

/// Whether a row would be sent, and why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowStatus {
    pub row: f64,
    pub valid: bool,
    pub issues: Vec<CellIssue>,
}

impl RowStatus {
    /// From the core's findings.
    pub fn new(row: u64, valid: bool, issues: &[crate::validate::Issue]) -> RowStatus {
        RowStatus {
            row: row as f64,
            valid,
            issues: issues
                .iter()
                .map(|i| CellIssue {
                    column: i.column.clone(),
                    code: i.code.as_str().to_string(),
                    message: i.message.clone(),
                    warning: i.code.is_warning(),
                })
                .collect(),
        }
    }
}

/// A row of the fix grid as the check left it: its cells (the edited ones
/// for an edited row) and its status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridRow {
    pub cells: Vec<String>,
    pub status: RowStatus,
}

/// A failure shown in the page: what happened and what to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub message: String,
    pub hint: String,
}

impl Failure {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// Messages cross as JavaScript values (serde-wasm-bindgen), so `Blob`s
/// marked `preserve` travel by structured clone instead of being copied
/// into bytes, which the default bincode codec would need.
#[derive(Debug)]
pub struct JsCodec;

impl gloo_worker::Codec for JsCodec {
    fn encode<I: Serialize>(input: I) -> JsValue {
        // Maps as plain objects keep the messages readable in devtools.
        let ser = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
        // OK because Request/Response hold only strings, numbers, plain
        // enums and preserved JS values, which always serialize.
        input.serialize(&ser).unwrap_or(JsValue::UNDEFINED)
    }

    fn decode<O: for<'de> Deserialize<'de>>(input: JsValue) -> O {
        // OK because both ends are built from this crate in the same build:
        // a message that does not read back is a programming error, not input.
        serde_wasm_bindgen::from_value(input).expect("worker message of this build")
    }
}

/// The page's name for the worker's reactor. The page needs only the
/// message types to talk to it; naming the real reactor
/// ([`super::worker::ImportWorker`]) would link the whole import pipeline into
/// the page's wasm. Both sides speak the same [`Request`]/[`Response`].
#[gloo_worker::reactor::reactor(ImporterProxy)]
pub async fn importer_proxy(_scope: gloo_worker::reactor::ReactorScope<Request, Response>) {}
