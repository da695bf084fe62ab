//! What a send session tells its shell: why it would not start
//! ([`SessionError`]), why it stopped early ([`StopReason`]), where it stands
//! ([`SessionProgress`]) and how it ended ([`SessionReport`]).

use std::fmt;

use serde::Serialize;

use super::checkpoint::CheckpointError;
use super::content::ContentChanged;
use super::identity::Mismatch;
use crate::deliver::DeliveryStats;
use crate::mapping::MappingError;
use crate::message::IdScheme;
use crate::pipeline::{RejectedRow, Summary};
use crate::report::Reconciliation;
use crate::source::{Settings, SourceError};

/// Why a session refused to go on before it sent anything. Once a batch
/// has been handed to the delivery engine, problems are reported in the
/// [`SessionReport`] instead, with every row accounted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// The mapping does not fit the file.
    Mapping(MappingError),
    /// The file cannot be read (its start, or before anything was sent).
    Source(SourceError),
    /// The checkpoint to resume from cannot be used at all.
    Checkpoint(CheckpointError),
    /// The checkpoint belongs to another import.
    OtherImport(Mismatch),
    /// The file is not the one the checkpoint was made from.
    FileChanged(ContentChanged),
}

impl SessionError {
    /// A stable code for programs (the JS package's error `code`).
    pub fn code(&self) -> &'static str {
        match self {
            SessionError::Mapping(_) => "invalid_mapping",
            SessionError::Source(_) => "source_error",
            SessionError::Checkpoint(_) => "invalid_checkpoint",
            SessionError::OtherImport(_) => "checkpoint_mismatch",
            SessionError::FileChanged(_) => "file_changed",
        }
    }

    /// Whether the checkpoint is the cause (starting over would help).
    pub fn is_about_the_checkpoint(&self) -> bool {
        matches!(
            self,
            SessionError::Checkpoint(_)
                | SessionError::OtherImport(_)
                | SessionError::FileChanged(_)
        )
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Mapping(e) => write!(f, "{e}"),
            SessionError::Source(e) => write!(f, "{e}"),
            SessionError::Checkpoint(e) => write!(f, "cannot resume: {e}"),
            SessionError::OtherImport(m) => write!(f, "cannot resume: {m}"),
            SessionError::FileChanged(c) => write!(f, "cannot resume: {c}"),
        }
    }
}

impl std::error::Error for SessionError {}

/// Why a session stopped sending before the end of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum StopReason {
    /// Someone stopped it (`by`: "Ctrl-C", "SIGTERM", "the user"...).
    Cancelled { by: String },
    /// The endpoint refuses the import (a wrong key, a wrong URL, a redirect).
    Refused {
        #[cfg_attr(feature = "js", tsify(optional))]
        status: Option<u16>,
        reason: String,
    },
    /// The shell could not go on (the checkpoint or the rejects cannot be
    /// written, a callback failed).
    Failed { reason: String },
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Cancelled { by } => write!(f, "cancelled ({by})"),
            StopReason::Refused { reason, .. } => {
                write!(f, "the endpoint refused the import: {reason}")
            }
            StopReason::Failed { reason } => write!(f, "stopped: {reason}"),
        }
    }
}

/// Where a session stands, cheap enough for every progress tick.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SessionProgress {
    /// Bytes of the file read so far.
    pub bytes_read: u64,
    /// The file's size in bytes, when known.
    #[cfg_attr(feature = "js", tsify(optional))]
    pub bytes_total: Option<u64>,
    /// Rows read so far.
    pub rows: u64,
    /// Rows that became a message.
    pub valid: u64,
    /// Rows rejected before sending.
    pub rejected: u64,
    /// Rows delivered: acknowledged in this run, or by a run it resumed.
    pub delivered: u64,
    /// Rows finished for good: delivered, rejected, or refused by the endpoint.
    pub rows_done: u64,
    /// Valid rows skipped because the checkpoint resumed from had them done.
    pub skipped: u64,
    /// Requests, acknowledgements, retries, what is in flight.
    pub delivery: DeliveryStats,
    /// The latest retry or failure, in words.
    #[cfg_attr(feature = "js", tsify(optional))]
    pub note: Option<String>,
    /// Sending is paused (requests in flight may still be finishing).
    pub paused: bool,
    /// Milliseconds spent paused so far.
    pub paused_ms: u64,
}

/// Where rows went and how they were made: what ids depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    /// The batch endpoint.
    pub endpoint: String,
    /// The messageId scheme (1 or 2).
    #[cfg_attr(feature = "js", tsify(type = "1 | 2"))]
    pub id_scheme: IdScheme,
    /// The source's id namespace (16 hex digits, a hash of the write key):
    /// give it to a dry run (`batches --id-namespace`, the package's
    /// `idNamespace`) to get the ids this send sent.
    pub id_namespace: String,
}

/// How a session ended: where every row went, and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct SessionReport {
    /// `rows = delivered + rejected + undelivered`, with the undelivered ranges.
    #[serde(flatten)]
    pub reconciliation: Reconciliation,
    /// Whether every row is accounted for (always true unless there is a bug).
    pub balanced: bool,
    /// Whether the whole file was read and nothing stopped the send.
    pub complete: bool,
    /// Why sending stopped early, when it did.
    #[cfg_attr(feature = "js", tsify(optional))]
    pub stopped: Option<StopReason>,
    /// Why reading stopped before the end of the file, when it did.
    #[cfg_attr(feature = "js", tsify(optional))]
    pub error: Option<String>,
    /// The settings the file was read with.
    #[cfg_attr(feature = "js", tsify(optional))]
    pub settings: Option<Settings>,
    /// Counts and findings of the import.
    pub summary: Summary,
    /// Requests, retries, splits, bytes.
    pub delivery: DeliveryStats,
    /// Rows rejected before sending (the first ones, up to the limit set).
    pub rejected_rows: Vec<RejectedRow>,
    /// Rows rejected before sending but left out of `rejected_rows`.
    pub rejected_rows_omitted: u64,
    /// Rows the endpoint refused, with its answer (earlier runs' included).
    pub server_rejected: Vec<(u64, String)>,
    /// The checkpoint document at the end: resume from it if rows remain.
    /// `None` when the run stopped before it knew which import it is (it
    /// sent nothing then, so there is nothing to resume: start again).
    #[cfg_attr(feature = "js", tsify(optional))]
    pub checkpoint: Option<String>,
    /// Milliseconds the run spent paused.
    pub paused_ms: u64,
    /// Where the rows went and which ids they carry.
    #[cfg_attr(feature = "js", tsify(optional))]
    pub destination: Option<Destination>,
    /// In an import of several files, where each file's rows went, in the
    /// order read (empty for one file). Row numbers in the report are keys
    /// ([`crate::fileset::key`]): [`crate::fileset::FileSet::locate`] names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "js", tsify(optional))]
    pub files: Vec<FileReport>,
}

/// One file's share of a multi-file send: `rows = delivered + rejected +
/// undelivered` holds for it too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct FileReport {
    pub file: String,
    pub rows: u64,
    pub valid: u64,
    pub rejected: u64,
    pub delivered: u64,
    pub undelivered: u64,
    /// Of `delivered`, those delivered by an earlier run (resumed).
    pub previously_delivered: u64,
    /// The file had no byte.
    pub empty: bool,
}

/// What the session hands its shell besides transmits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// A row that will not be delivered, with its reasons: rejected before
    /// sending (with its cells), or refused by the endpoint, in this run or
    /// in the run resumed (code `rejected_by_api`).
    Rejected(RejectedRow),
    /// A request failed; the batch is tried again at `at_ms`.
    Retrying {
        seq: u64,
        attempt: u32,
        at_ms: u64,
        reason: String,
    },
    /// The checkpoint changed (at most once per `checkpoint_every_ms`):
    /// keep this document to resume from if the process dies.
    Checkpoint(String),
}
