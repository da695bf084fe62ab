//! The checkpoint on disk: written atomically (temp file + rename) so a run
//! killed at any instant leaves either the old or the new checkpoint, never a
//! torn one.

use std::path::{Path, PathBuf};

use crate::deliver::Checkpoint;

/// A checkpoint and the file it lives in.
pub struct CheckpointFile {
    pub checkpoint: Checkpoint,
    path: PathBuf,
    /// Rows the API refused in earlier runs (already done in the checkpoint).
    pub previously_rejected: u64,
}

impl CheckpointFile {
    /// Opens the checkpoint for this input: a fresh one, or with `resume` the
    /// saved one, which must belong to the same file and mapping.
    pub fn open(
        path: &Path,
        resume: bool,
        fingerprint: &str,
        first_row: u64,
    ) -> Result<CheckpointFile, String> {
        let shown = path.display();
        let existing = match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("{shown}: cannot read: {e}")),
        };
        let checkpoint = match (existing, resume) {
            (Some(_), false) => {
                return Err(format!(
                    "{shown} already holds a checkpoint: add --resume to continue that run, or delete the file to start over"
                ))
            }
            (Some(text), true) => {
                let cp = Checkpoint::from_json(&text).map_err(|e| format!("{shown}: not a checkpoint: {e}"))?;
                if !cp.matches(fingerprint) {
                    return Err(format!(
                        "{shown} belongs to another file or mapping; delete it to start over with this one"
                    ));
                }
                cp
            }
            (None, _) => {
                let mut cp = Checkpoint::new(first_row);
                cp.set_fingerprint(fingerprint);
                cp
            }
        };
        let previously_rejected = checkpoint.server_rejected.len() as u64;
        Ok(CheckpointFile {
            checkpoint,
            path: path.to_path_buf(),
            previously_rejected,
        })
    }

    /// Writes the checkpoint atomically.
    pub fn save(&self) -> Result<(), String> {
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, self.checkpoint.to_json())
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| format!("{}: cannot write the checkpoint: {e}", self.path.display()))
    }
}

/// Identifies an input and the way it is read and mapped: the same file with
/// the same mapping and options gets the same fingerprint.
pub fn fingerprint(size: Option<u64>, sample: &[u8], mapping_json: &str, options: &str) -> String {
    use xxhash_rust::xxh3::Xxh3;
    let mut h = Xxh3::new();
    h.update(&size.unwrap_or(u64::MAX).to_le_bytes());
    h.update(&(sample.len() as u64).to_le_bytes());
    h.update(sample);
    h.update(mapping_json.as_bytes());
    h.update(b"\0");
    h.update(options.as_bytes());
    format!("{:032x}", h.digest128())
}
