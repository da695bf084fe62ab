//! What makes two runs the same import, part by part, so that a checkpoint
//! is never trusted for an import it does not belong to, and a refusal can
//! say which part differs.
//!
//! | part | what | why it matters |
//! | --- | --- | --- |
//! | `file` | xxh3-128 of the file's first 64 KiB (raw bytes); with several files, of `files` | another file's rows are not these rows (the rest of the file is checked as it is read again: [`super::content`]) |
//! | `files` | several files only: each one's name, size and head hash, in the order read | another set of files, another order, or a changed file: said by name |
//! | `reading` | the settings the file is read with (several files: the first one's; the others' follow from their heads, in `files`, and the same options) | another delimiter or header makes other rows |
//! | `mapping` | the mapping and the batch-level `integrations` | other messages |
//! | `ids` | the messageId scheme | a resumed run must re-send rows with the ids they had |
//! | `endpoint` | the batch URL | rows done at one endpoint are not done at another |
//! | `source` | the hash of the write key ([`SourceNamespace`]) | rows delivered to one source are not delivered to another |
//! | `fixes` | [`Fixes::digest`] of the edited rows (absent when none) | an edited row is another message |
//!
//! Each part is hashed on its own from a canonical form (serde JSON, never
//! `Debug`), so the CLI and the browser compute the same identity for the
//! same import. Nothing secret is kept: the key only as its 64-bit hash.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::batch::BatchOptions;
use crate::fileset::FileSet;
use crate::mapping::Mapping;
use crate::message::{IdScheme, SourceNamespace};
use crate::pipeline::Fixes;
use crate::source::Settings;

/// How much of the start of the file goes into the `file` part.
pub const IDENTITY_HEAD_BYTES: usize = 64 * 1024;

/// One import, as a checkpoint records it (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportIdentity {
    /// Hash of the first [`IDENTITY_HEAD_BYTES`] of the file.
    pub file: String,
    /// Hash of how the file is read.
    pub reading: String,
    /// Hash of the mapping and the batch-level `integrations`.
    pub mapping: String,
    /// The messageId scheme.
    pub ids: IdScheme,
    /// The batch endpoint, as resolved ([`crate::deliver::endpoint::resolve`]).
    pub endpoint: String,
    /// The destination source's namespace (16 hex digits).
    pub source: String,
    /// [`Fixes::digest`] of the edited rows; empty (and not written) when
    /// there are none, so checkpoints made before fixes existed still match.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fixes: String,
    /// The files of a multi-file import, in the order read (empty and not
    /// written for a single file).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileIdentity>,
}

/// One file of a multi-file import, as its identity records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileIdentity {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// [`crate::fileset::head_hash`] of its first 64 KiB.
    pub head: String,
}

/// A part of an [`ImportIdentity`], for saying which one differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentityPart {
    File,
    /// Another set of files (the mismatch's `theirs` says which file).
    Files,
    Reading,
    Mapping,
    Ids,
    Endpoint,
    Source,
    Fixes,
}

/// Why a checkpoint is not this import's, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub part: IdentityPart,
    /// The part as the checkpoint has it, when it can be shown (the
    /// endpoint, the id scheme).
    pub theirs: Option<String>,
    /// The part as this run has it, when it can be shown.
    pub ours: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (theirs, ours) = (
            self.theirs.as_deref().unwrap_or("?"),
            self.ours.as_deref().unwrap_or("?"),
        );
        match self.part {
            IdentityPart::File => {
                f.write_str("the checkpoint belongs to another file (the first 64 KiB differ)")
            }
            IdentityPart::Files => {
                write!(
                    f,
                    "the checkpoint belongs to another set of files: {theirs}"
                )
            }
            IdentityPart::Reading => f.write_str(
                "the file is read with other settings (format, encoding, delimiter or header row) \
                 than when the checkpoint was made",
            ),
            IdentityPart::Mapping => f.write_str(
                "the mapping (or its integrations) is not the one the checkpoint was made with",
            ),
            IdentityPart::Ids => write!(
                f,
                "the checkpoint's import derives messageIds with scheme {theirs}, this one with \
                 scheme {ours}"
            ),
            IdentityPart::Endpoint => write!(
                f,
                "the checkpoint's rows went to {theirs}, not to {ours}: rows done there are not \
                 done here"
            ),
            IdentityPart::Source => f.write_str(
                "the checkpoint belongs to another source (another write key): rows delivered \
                 there were not delivered to this one",
            ),
            IdentityPart::Fixes => f.write_str(
                "the fixes (edited rows) differ from those the checkpoint was made with: resume \
                 with the same edits, or start the import over",
            ),
        }
    }
}

/// The identity of the run being made, filled in as it becomes known: the
/// mapping, ids, endpoint and source at once, the reading settings once
/// sniffed, the file part once its head has been read.
#[derive(Clone)]
pub(crate) struct PendingIdentity {
    pub mapping: String,
    pub ids: IdScheme,
    pub endpoint: String,
    pub source: String,
    pub fixes: String,
    pub reading: Option<String>,
    pub file: Option<String>,
    /// The files of a multi-file import (empty for one file).
    pub files: Vec<FileIdentity>,
    /// The file being read, of `files`.
    index: usize,
    /// Streaming hash of the head read so far.
    head: xxhash_rust::xxh3::Xxh3,
    head_len: usize,
}

impl fmt::Debug for PendingIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingIdentity")
            .field("endpoint", &self.endpoint)
            .field("reading", &self.reading)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl PendingIdentity {
    pub fn new(
        mapping: Option<&Mapping>,
        batch: &BatchOptions,
        ids: IdScheme,
        endpoint: &str,
        source: SourceNamespace,
        fixes: &Fixes,
    ) -> PendingIdentity {
        // The integrations that win: the batch options', else the mapping's
        // (as the importer picks them).
        let integrations = batch
            .integrations
            .as_ref()
            .or(mapping.and_then(|m| m.integrations.as_ref()));
        let mapping_json = mapping
            .map(|m| serde_json::to_string(m).unwrap_or_default())
            .unwrap_or_default();
        let integrations_json = integrations
            .map(|i| serde_json::to_string(i).unwrap_or_default())
            .unwrap_or_default();
        PendingIdentity {
            mapping: hash_parts(&[mapping_json.as_bytes(), integrations_json.as_bytes()]),
            ids,
            endpoint: endpoint.to_string(),
            source: source.to_string(),
            fixes: fixes.digest(),
            reading: None,
            file: None,
            files: Vec::new(),
            index: 0,
            head: xxhash_rust::xxh3::Xxh3::new(),
            head_len: 0,
        }
    }

    /// Hashes the part of `bytes` that falls in the head; the bytes are the
    /// file's, in order.
    pub fn push_head(&mut self, bytes: &[u8]) {
        let room = IDENTITY_HEAD_BYTES - self.head_len;
        let take = room.min(bytes.len());
        self.head.update(&bytes[..take]);
        self.head_len += take;
        if self.head_len == IDENTITY_HEAD_BYTES {
            self.seal_head();
        }
    }

    /// The file ended: a file shorter than the head is its own head.
    pub fn end_of_file(&mut self) {
        self.seal_head();
    }

    fn seal_head(&mut self) {
        if self.files.is_empty() && self.file.is_none() {
            self.file = Some(format!("{:032x}", self.head.digest128()));
        }
    }

    /// A multi-file import: the files are known at once (their heads read by
    /// the shell); each one's head is checked again as it is read
    /// ([`PendingIdentity::file_changed`]). Files without a head hash are
    /// refused.
    pub fn set_files(&mut self, set: &FileSet) -> Result<(), String> {
        self.files = set
            .files()
            .iter()
            .map(|f| {
                Ok(FileIdentity {
                    name: f.name.clone(),
                    size: f.size,
                    head: f
                        .head
                        .clone()
                        .ok_or_else(|| format!("{}: its head hash is not given", f.name))?,
                })
            })
            .collect::<Result<_, String>>()?;
        let json = serde_json::to_string(&self.files).unwrap_or_default();
        self.file = Some(hash_parts(&[json.as_bytes()]));
        Ok(())
    }

    /// The next file of several begins: its head is hashed anew.
    pub fn next_file(&mut self) {
        self.index += 1;
        self.head = xxhash_rust::xxh3::Xxh3::new();
        self.head_len = 0;
    }

    /// In a multi-file import, the file being read if its head is not the
    /// one listed (it changed since): its name. Call when its head is
    /// complete (64 KiB read, or its end).
    pub fn file_changed(&self, complete: bool) -> Option<&str> {
        let f = self.files.get(self.index)?;
        if !(complete || self.head_len == IDENTITY_HEAD_BYTES) {
            return None;
        }
        (format!("{:032x}", self.head.digest128()) != f.head).then_some(f.name.as_str())
    }

    /// The settings are known.
    pub fn set_reading(&mut self, settings: &Settings) {
        let json = serde_json::to_string(&ReadingHashed::of(settings)).unwrap_or_default();
        self.reading = Some(hash_parts(&[json.as_bytes()]));
    }

    /// The whole identity, once every part is known.
    pub fn complete(&self) -> Option<ImportIdentity> {
        Some(ImportIdentity {
            file: self.file.clone()?,
            reading: self.reading.clone()?,
            mapping: self.mapping.clone(),
            ids: self.ids,
            endpoint: self.endpoint.clone(),
            source: self.source.clone(),
            fixes: self.fixes.clone(),
            files: self.files.clone(),
        })
    }

    /// The first part known so far that differs from `theirs`.
    pub fn mismatch(&self, theirs: &ImportIdentity) -> Option<Mismatch> {
        let shown = |part, a: &str, b: &str| Mismatch {
            part,
            theirs: Some(a.to_string()),
            ours: Some(b.to_string()),
        };
        let hidden = |part| Mismatch {
            part,
            theirs: None,
            ours: None,
        };
        if theirs.endpoint != self.endpoint {
            return Some(shown(
                IdentityPart::Endpoint,
                &theirs.endpoint,
                &self.endpoint,
            ));
        }
        if theirs.source != self.source {
            return Some(hidden(IdentityPart::Source));
        }
        if theirs.ids != self.ids {
            return Some(shown(
                IdentityPart::Ids,
                &theirs.ids.to_string(),
                &self.ids.to_string(),
            ));
        }
        if theirs.mapping != self.mapping {
            return Some(hidden(IdentityPart::Mapping));
        }
        if theirs.fixes != self.fixes {
            return Some(hidden(IdentityPart::Fixes));
        }
        if let Some(m) = files_mismatch(&theirs.files, &self.files) {
            return Some(m);
        }
        if self.file.as_ref().is_some_and(|f| *f != theirs.file) {
            return Some(hidden(IdentityPart::File));
        }
        if self.reading.as_ref().is_some_and(|r| *r != theirs.reading) {
            return Some(hidden(IdentityPart::Reading));
        }
        None
    }
}

/// Which file differs between two sets (a single file on either side is
/// left to the `file` part).
fn files_mismatch(theirs: &[FileIdentity], ours: &[FileIdentity]) -> Option<Mismatch> {
    if theirs.is_empty() && ours.is_empty() {
        return None;
    }
    let bytes = |f: &FileIdentity| match f.size {
        Some(n) => format!(
            "{} ({} bytes)",
            f.name,
            crate::report::group_digits(&n.to_string())
        ),
        None => f.name.clone(),
    };
    let why = if theirs.is_empty() || ours.is_empty() {
        format!(
            "it was made for {}, this run reads {}",
            count_files(theirs.len()),
            count_files(ours.len())
        )
    } else {
        let n = theirs.len().max(ours.len());
        let at = (0..n).find(|&i| theirs.get(i) != ours.get(i))?;
        match (theirs.get(at), ours.get(at)) {
            (Some(t), Some(o)) if t.name != o.name => format!(
                "file {} is {} in the checkpoint, {} here",
                at + 1,
                t.name,
                o.name
            ),
            (Some(t), Some(o)) if t.size != o.size => {
                format!("{} was {}, it is {} now", t.name, bytes(t), bytes(o))
            }
            (Some(t), Some(_)) => format!(
                "{}: its first 64 KiB are not the ones the checkpoint was made with",
                t.name
            ),
            (Some(t), None) => format!("{} is in the checkpoint, not in this run", t.name),
            (None, Some(o)) => format!("{} is new: the checkpoint has no such file", o.name),
            (None, None) => return None,
        }
    };
    Some(Mismatch {
        part: IdentityPart::Files,
        theirs: Some(why),
        ours: None,
    })
}

fn count_files(n: usize) -> String {
    match n {
        0 | 1 => "one file".into(),
        n => format!("{n} files"),
    }
}

/// xxh3-128 of length-prefixed parts, as 32 hex digits (length prefixes: no
/// two lists of parts hash the same bytes by moving text from one to the next).
pub(crate) fn hash_parts(parts: &[&[u8]]) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in parts {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    format!("{:032x}", h.digest128())
}

/// The settings as the `reading` part hashes them: the JSON `Settings`
/// had when checkpoints were first written (the delimiter as its byte
/// value; `Settings` now writes it as text), so that a checkpoint of an
/// earlier version still resumes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReadingHashed<'a> {
    format: &'a crate::source::Format,
    encoding: &'a crate::source::Encoding,
    compression: &'a crate::source::Compression,
    bom: bool,
    delimiter: u8,
    has_header: bool,
    #[serde(skip_serializing_if = "is_one")]
    first_row: u64,
}

impl<'a> ReadingHashed<'a> {
    fn of(s: &'a Settings) -> Self {
        ReadingHashed {
            format: &s.format,
            encoding: &s.encoding,
            compression: &s.compression,
            bom: s.bom,
            delimiter: s.delimiter,
            has_header: s.has_header,
            first_row: s.first_row,
        }
    }
}

fn is_one(n: &u64) -> bool {
    *n == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Compression, Encoding, Format};

    fn settings(delimiter: u8) -> Settings {
        Settings {
            format: Format::Csv,
            encoding: Encoding::Utf8,
            compression: Compression::None,
            bom: false,
            delimiter,
            has_header: true,
            first_row: 1,
        }
    }

    fn pending(mapping: &str, endpoint: &str, key: &str) -> PendingIdentity {
        let m = Mapping::from_json(mapping).ok();
        PendingIdentity::new(
            m.as_ref(),
            &BatchOptions::default(),
            IdScheme::V2,
            endpoint,
            SourceNamespace::of_write_key(key),
            &Fixes::default(),
        )
    }

    const M: &str =
        r#"{"type":"track","rules":[{"from":"u","to":"userId"},{"value":"E","to":"event"}]}"#;

    fn full(p: &mut PendingIdentity, head: &[u8], delimiter: u8) -> ImportIdentity {
        p.push_head(head);
        p.end_of_file();
        p.set_reading(&settings(delimiter));
        p.complete().expect("complete")
    }

    #[test]
    fn reading_hashes_the_json_of_earlier_versions() {
        // What `serde_json::to_string(&settings)` gave before the delimiter
        // was written as text: checkpoints made then must still resume.
        let earlier = r#"{"format":"csv","encoding":"utf-8","compression":"none","bom":false,"delimiter":59,"hasHeader":true}"#;
        let mut p = pending(M, "https://a/v1/batch", "k");
        p.set_reading(&settings(b';'));
        assert_eq!(p.reading, Some(hash_parts(&[earlier.as_bytes()])));
    }

    #[test]
    fn every_part_is_told_apart() {
        let mine = full(&mut pending(M, "https://a/v1/batch", "k"), b"u\n1\n", b',');
        assert_eq!(
            mine,
            full(&mut pending(M, "https://a/v1/batch", "k"), b"u\n1\n", b','),
            "stable"
        );
        let check = |mut other: PendingIdentity, head: &[u8], delimiter: u8, part| {
            other.push_head(head);
            other.end_of_file();
            other.set_reading(&settings(delimiter));
            let found = other.mismatch(&mine).map(|m| m.part);
            assert_eq!(found, Some(part));
        };
        check(
            pending(M, "https://b/v1/batch", "k"),
            b"u\n1\n",
            b',',
            IdentityPart::Endpoint,
        );
        check(
            pending(M, "https://a/v1/batch", "k2"),
            b"u\n1\n",
            b',',
            IdentityPart::Source,
        );
        let other_mapping = M.replace("\"E\"", "\"F\"");
        check(
            pending(&other_mapping, "https://a/v1/batch", "k"),
            b"u\n1\n",
            b',',
            IdentityPart::Mapping,
        );
        check(
            pending(M, "https://a/v1/batch", "k"),
            b"u\n2\n",
            b',',
            IdentityPart::File,
        );
        check(
            pending(M, "https://a/v1/batch", "k"),
            b"u\n1\n",
            b';',
            IdentityPart::Reading,
        );
        let mut v1 = pending(M, "https://a/v1/batch", "k");
        v1.ids = IdScheme::V1;
        check(v1, b"u\n1\n", b',', IdentityPart::Ids);
    }

    #[test]
    fn the_head_is_the_first_64_kib_however_it_is_pushed() {
        let data: Vec<u8> = (0..IDENTITY_HEAD_BYTES + 999)
            .map(|i| (i % 251) as u8)
            .collect();
        let whole = {
            let mut p = pending(M, "e", "k");
            p.push_head(&data);
            p.file.clone()
        };
        let mut chunked = pending(M, "e", "k");
        for c in data.chunks(7_001) {
            chunked.push_head(c);
        }
        assert!(whole.is_some(), "sealed once 64 KiB were read");
        assert_eq!(whole, chunked.file);
        // What comes after the head does not count.
        let mut other = data.clone();
        other[IDENTITY_HEAD_BYTES + 5] ^= 1;
        let mut p = pending(M, "e", "k");
        p.push_head(&other);
        assert_eq!(p.file, whole);
    }

    #[test]
    fn messages_say_what_differs_and_show_no_secret() {
        let mine = full(&mut pending(M, "https://a/v1/batch", "k"), b"x", b',');
        let mut other = pending(M, "http://127.0.0.1:8787/v1/batch", "secret-key");
        other.push_head(b"x");
        let m = other.mismatch(&mine).expect("differs");
        let text = m.to_string();
        assert!(
            text.contains("https://a/v1/batch") && text.contains("127.0.0.1:8787"),
            "{text}"
        );
        let mut other = pending(M, "https://a/v1/batch", "secret-key");
        other.push_head(b"x");
        let text = other.mismatch(&mine).expect("differs").to_string();
        assert!(
            text.contains("another source") && !text.contains("secret"),
            "{text}"
        );
    }

    #[test]
    fn integrations_count_as_part_of_the_mapping() {
        let m = Mapping::from_json(M).ok();
        let plain = PendingIdentity::new(
            m.as_ref(),
            &BatchOptions::default(),
            IdScheme::V2,
            "e",
            SourceNamespace::NONE,
            &Fixes::default(),
        );
        let mut batch = BatchOptions::default();
        let mut integrations = serde_json::Map::new();
        integrations.insert("All".into(), false.into());
        batch.integrations = Some(integrations);
        let with = PendingIdentity::new(
            m.as_ref(),
            &batch,
            IdScheme::V2,
            "e",
            SourceNamespace::NONE,
            &Fixes::default(),
        );
        assert_ne!(plain.mapping, with.mapping);
    }
}
