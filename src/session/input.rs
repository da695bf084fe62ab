//! The file's bytes into the session: pushed in slices (each checked
//! against the import's identity and, when resuming, against the bytes the
//! checkpoint covered), the end of the file, and a failure to read on.
//! (The step from one file of several to the next is in [`super::files`].)

use super::{Checkpoint, SendSession, SessionError};
use crate::pipeline::ImportError;

/// Input goes to the importer in slices of at most this many bytes, so the
/// running hash has a snapshot at least this often.
const SNAPSHOT_BYTES: usize = 64 * 1024;

/// Where reading stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Input {
    Reading,
    /// The file was read to the end.
    Finished,
    /// Reading stopped early (a cancel, a refusal, a broken file).
    Stopped,
}

impl SendSession {
    /// Whether the session wants the next bytes of the file now. False
    /// while the engine has enough batches (backpressure: memory stays
    /// flat), while paused, and once reading is over.
    pub fn wants_input(&self) -> bool {
        self.input == Input::Reading
            && self.refused.is_none()
            && self.paused_since.is_none()
            && (!self.gate_open() || (self.engine.wants_batches() && !self.importer.has_batches()))
    }

    /// The next bytes of the file (any size). `Err` only while nothing has
    /// been sent: a bad mapping, a file that cannot be read from its start,
    /// or a checkpoint that turns out to be another import's. Bytes after
    /// the end of reading are ignored.
    pub fn push_input(&mut self, bytes: &[u8], now_ms: u64) -> Result<(), SessionError> {
        if let Some(e) = &self.refused {
            return Err(e.clone());
        }
        if self.input != Input::Reading {
            return Ok(());
        }
        // In slices, so the running hash has a snapshot at least every
        // SNAPSHOT_BYTES (the verified prefix of a checkpoint gets that close
        // to its watermark, however large the shell's chunks).
        for slice in bytes.chunks(SNAPSHOT_BYTES) {
            self.bytes_in += slice.len() as u64;
            self.identity.push_head(slice);
            // Another file is told as such before its bytes are compared.
            self.check_identity(now_ms)?;
            self.check_head(false, now_ms)?;
            if let Err(changed) = self.content.push(slice) {
                return self.refuse(SessionError::FileChanged(changed), now_ms);
            }
            if let Err(e) = self.importer.push(slice) {
                return self.input_failed(e, now_ms);
            }
            self.content.snapshot(self.importer.next_row(), false);
        }
        self.after_input(now_ms)
    }

    /// The file ended.
    pub fn finish_input(&mut self, now_ms: u64) -> Result<(), SessionError> {
        if let Some(e) = &self.refused {
            return Err(e.clone());
        }
        if self.input != Input::Reading {
            return Ok(());
        }
        self.identity.end_of_file();
        self.check_identity(now_ms)?;
        self.check_head(true, now_ms)?;
        if let Err(changed) = self.content.end_of_file() {
            return self.refuse(SessionError::FileChanged(changed), now_ms);
        }
        if let Err(e) = self.importer.finish() {
            return self.input_failed(e, now_ms);
        }
        self.content.snapshot(self.importer.next_row(), true);
        self.input = Input::Finished;
        self.after_input(now_ms)
    }

    /// The shell could not read further (an I/O error): like a file that
    /// ends in a broken record. `Err` while nothing has been sent.
    pub fn fail_input(&mut self, why: String, now_ms: u64) -> Result<(), SessionError> {
        if self.input != Input::Reading {
            return Ok(());
        }
        self.input_failed(
            ImportError::Source(crate::source::SourceError {
                row: None,
                message: why,
            }),
            now_ms,
        )
    }

    pub(super) fn after_input(&mut self, now_ms: u64) -> Result<(), SessionError> {
        if self.identity.reading.is_none() {
            if let Some(settings) = self.importer.settings().cloned() {
                self.identity.set_reading(&settings);
                self.first_row = self.first_key(settings.first_data_row());
                if self.theirs.is_none() {
                    self.checkpoint = Checkpoint::new(self.first_row);
                }
            }
        }
        self.check_identity(now_ms)?;
        self.mark_gaps();
        if self.checkpoint.import().is_none() {
            if let Some(identity) = self.identity.complete() {
                self.checkpoint.set_import(identity);
            }
        }
        self.take_rejects();
        self.feed();
        self.maybe_checkpoint(now_ms);
        Ok(())
    }

    /// Refuses a checkpoint whose import differs in a part known by now.
    pub(super) fn check_identity(&mut self, now_ms: u64) -> Result<(), SessionError> {
        match self.theirs.as_ref().and_then(|t| self.identity.mismatch(t)) {
            Some(m) => self.refuse(SessionError::OtherImport(m), now_ms),
            None => Ok(()),
        }
    }

    /// Nothing more is read: every valid row read goes to the engine (which
    /// sends it, or declares it undelivered when the run has stopped).
    pub(super) fn stop_reading(&mut self) {
        if self.input == Input::Reading {
            self.input = Input::Stopped;
        }
        self.importer.flush();
        self.take_rejects();
        self.feed();
    }

    /// A failure of the input: a refusal while nothing was sent, else the
    /// report's `error` with the rows read so far still delivered.
    pub(super) fn input_failed(&mut self, e: ImportError, now_ms: u64) -> Result<(), SessionError> {
        if !self.handed_over {
            return self.refuse(import_refusal(e), now_ms);
        }
        self.input_error = Some(match self.files.current_name(self.importer.file_index()) {
            Some(name) => format!("{name}: {e}"),
            None => e.to_string(),
        });
        self.stop_reading();
        self.maybe_checkpoint(now_ms);
        Ok(())
    }
}

/// A failure of the importer as a refusal to start.
pub(super) fn import_refusal(e: ImportError) -> SessionError {
    match e {
        ImportError::Mapping(m) => SessionError::Mapping(m),
        ImportError::Source(s) => SessionError::Source(s),
        ImportError::Finished => SessionError::Source(crate::source::SourceError {
            row: None,
            message: "the input was already finished".into(),
        }),
        ImportError::Fixes(message) => {
            SessionError::Source(crate::source::SourceError { row: None, message })
        }
    }
}
