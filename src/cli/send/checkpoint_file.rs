//! The checkpoint on disk: written atomically (temp file + rename) so a run
//! killed at any instant leaves either the old or the new checkpoint, never a
//! torn one. Which import a checkpoint belongs to is the session's to check.

use std::path::{Path, PathBuf};

use crate::session::Checkpoint;

/// What to do with a checkpoint file that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse to touch it (the default: it may be another run's).
    Keep,
    /// Resume the import it belongs to.
    Resume,
    /// Start this import over, replacing it.
    Replace,
}

/// Where the checkpoint lives.
pub struct CheckpointFile {
    path: PathBuf,
}

impl CheckpointFile {
    /// Opens the checkpoint file: returns it, and the checkpoint to resume
    /// from when asked to and there is one.
    pub fn open(
        path: &Path,
        existing: Existing,
    ) -> Result<(CheckpointFile, Option<Checkpoint>), String> {
        let shown = path.display();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("{shown}: cannot read: {e}")),
        };
        let resume = match (text, existing) {
            (Some(_), Existing::Keep) => {
                return Err(format!(
                    "{shown} already holds a checkpoint: add --resume to continue that import, or \
                     --restart to start this one over (replacing it)"
                ))
            }
            (Some(text), Existing::Resume) => {
                Some(Checkpoint::from_json(&text).map_err(|e| format!("{shown}: {e}"))?)
            }
            (None, Existing::Resume) => {
                return Err(format!(
                    "{shown}: no checkpoint to resume from (the file does not exist)"
                ))
            }
            (_, _) => None,
        };
        Ok((
            CheckpointFile {
                path: path.to_path_buf(),
            },
            resume,
        ))
    }

    /// Writes a checkpoint document atomically.
    pub fn save(&self, json: &str) -> Result<(), String> {
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, json)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| format!("{}: cannot write the checkpoint: {e}", self.path.display()))
    }
}
