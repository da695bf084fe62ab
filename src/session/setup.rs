//! What a send session is given: the mapping, how to read the file, where
//! to send and for which source, pacing, and the checkpoint to resume from;
//! and the defaults every shell shares.

use super::Checkpoint;
use crate::batch::BatchOptions;
use crate::deliver::EngineConfig;
use crate::mapping::Mapping;
use crate::message::{IdScheme, SourceNamespace};
use crate::pipeline::Fixes;
use crate::source::SourceOptions;

/// Bytes read from the file per push, in every shell.
pub const DEFAULT_CHUNK_BYTES: usize = 1024 * 1024;
/// How often a changed checkpoint is handed out.
pub const DEFAULT_CHECKPOINT_EVERY_MS: u64 = 1000;
/// Rejected rows kept in the report (all are counted, and all go out as
/// [`super::SessionEvent::Rejected`]).
pub const DEFAULT_KEEP_REJECTED_ROWS: usize = 10_000;

/// Everything a session needs besides the file's bytes.
#[derive(Debug, Clone)]
pub struct SessionSetup {
    /// The mapping; `None` only for JSON records that are messages already.
    pub mapping: Option<Mapping>,
    /// Edited rows that stand in for the file's (part of the import's
    /// identity).
    pub fixes: Fixes,
    /// What the user set about reading the file (the rest is sniffed).
    pub source: SourceOptions,
    /// Bytes buffered to sniff the settings (0: the default, 64 KiB).
    pub sample_bytes: usize,
    /// The batch endpoint, resolved ([`crate::deliver::endpoint::resolve`]).
    pub endpoint: String,
    /// The destination source: [`SourceNamespace::of_write_key`].
    pub source_namespace: SourceNamespace,
    /// The messageId scheme asked for; `None`: the checkpoint's when
    /// resuming, else the default (2).
    pub id_scheme: Option<IdScheme>,
    /// Batch size, integrations, the key in the body (body auth).
    pub batch: BatchOptions,
    /// Concurrency, rate, retries, timeouts, the jitter seed.
    pub engine: EngineConfig,
    /// The checkpoint of an earlier run of this import, to resume from.
    pub resume: Option<Checkpoint>,
    /// Keep the cells of rejected rows (for the rejects CSV).
    pub keep_reject_cells: bool,
    /// Rejected rows kept in the report.
    pub keep_rejected_rows: usize,
    /// The file's size, when known (for progress).
    pub size: Option<u64>,
    /// How often a changed checkpoint is handed out.
    pub checkpoint_every_ms: u64,
    /// Several files as one import, their heads read by the shell
    /// ([`crate::fileset::FilePart::head`]); `None`: one file, as always.
    /// The shell pushes the files' bytes one after the other and calls
    /// [`super::SendSession::next_file`] between two.
    pub files: Option<crate::fileset::FileSet>,
}

impl SessionSetup {
    /// A setup with the defaults, to `endpoint` for the source `namespace`.
    pub fn new(endpoint: impl Into<String>, namespace: SourceNamespace) -> SessionSetup {
        SessionSetup {
            mapping: None,
            fixes: Fixes::default(),
            source: SourceOptions::default(),
            sample_bytes: 0,
            endpoint: endpoint.into(),
            source_namespace: namespace,
            id_scheme: None,
            batch: BatchOptions::default(),
            engine: EngineConfig::default(),
            resume: None,
            keep_reject_cells: true,
            keep_rejected_rows: DEFAULT_KEEP_REJECTED_ROWS,
            size: None,
            checkpoint_every_ms: DEFAULT_CHECKPOINT_EVERY_MS,
            files: None,
        }
    }
}
