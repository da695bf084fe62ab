//! Checking that the rows a resumed run skips are the rows the earlier run
//! read: a running hash of the file's raw bytes, with snapshots taken as
//! reading goes.
//!
//! A checkpoint keeps the hash of a prefix of the file whose complete rows
//! are all below its watermark (so all done). A resumed run hashes the
//! bytes as it reads them again and compares at that length, before it can
//! send anything (rows below the watermark are skipped, so nothing is sent
//! before the comparison). An edited or replaced file is caught there,
//! instead of rows being skipped that were never delivered. Rows past the
//! prefix may change freely: they are sent (again) as they now read.

use std::collections::VecDeque;
use std::fmt;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

/// Snapshots kept at most; beyond, the spacing between them doubles (only
/// the granularity of the verified prefix suffers).
const MAX_SNAPSHOTS: usize = 4096;
/// Bytes hashed at least between two snapshots: a digest costs about as
/// much as hashing a kilobyte, and a shell may push a few bytes at a time.
const MIN_SNAPSHOT_BYTES: u64 = 4096;

/// The first `bytes` bytes of the file hash to `hash` (xxh3-128, 32 hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifiedPrefix {
    pub bytes: u64,
    pub hash: String,
}

/// The file is not the one the checkpoint was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentChanged {
    /// The length of the prefix that differs.
    pub bytes: u64,
    /// The file ended before the prefix did.
    pub shorter: Option<u64>,
}

impl fmt::Display for ContentChanged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.shorter {
            Some(size) => write!(
                f,
                "the file is shorter ({size} bytes) than the part the earlier run read \
                 ({} bytes): it is not the same file",
                self.bytes
            ),
            None => write!(
                f,
                "the file changed since the checkpoint was made: its first {} bytes are not \
                 the ones the earlier run read, so the rows it skipped cannot be trusted",
                self.bytes
            ),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Snapshot {
    bytes: u64,
    /// Every row below this was read completely from the first `bytes`.
    next_row: u64,
    hash: u128,
}

/// The running hash of one run (see the module docs).
pub(crate) struct ContentTracker {
    hasher: Xxh3,
    bytes: u64,
    snapshots: VecDeque<Snapshot>,
    /// Bytes at least between two snapshots kept (0 until the cap is hit).
    min_gap: u64,
    /// The earlier run's prefix: to compare while unverified, then kept as
    /// a prefix this run may hand on.
    inherited: Option<(u64, u128)>,
    verified: bool,
}

impl std::fmt::Debug for ContentTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContentTracker")
            .field("bytes", &self.bytes)
            .field("verified", &self.verified)
            .finish_non_exhaustive()
    }
}

impl ContentTracker {
    /// A tracker for a run that resumes from `expect` (or starts afresh).
    pub fn new(expect: Option<&VerifiedPrefix>) -> Result<ContentTracker, String> {
        let inherited = match expect {
            Some(p) => Some((
                p.bytes,
                u128::from_str_radix(&p.hash, 16)
                    .map_err(|_| format!("the verified prefix hash {:?} is not hex", p.hash))?,
            )),
            None => None,
        };
        Ok(ContentTracker {
            hasher: Xxh3::new(),
            bytes: 0,
            snapshots: VecDeque::new(),
            min_gap: 0,
            verified: inherited.is_none_or(|(n, _)| n == 0),
            inherited,
        })
    }

    /// Whether the bytes the earlier run read have all been read again
    /// and matched (always true for a fresh run).
    pub fn is_verified(&self) -> bool {
        self.verified
    }

    /// Hashes the next bytes of the file, comparing at the inherited
    /// prefix's end when it falls within them.
    pub fn push(&mut self, mut bytes: &[u8]) -> Result<(), ContentChanged> {
        if let (false, Some((n, want))) = (self.verified, self.inherited) {
            let until = n - self.bytes; // > 0 while unverified
            if (bytes.len() as u64) >= until {
                let (head, rest) = bytes.split_at(until as usize);
                self.hasher.update(head);
                self.bytes = n;
                if self.hasher.digest128() != want {
                    return Err(ContentChanged {
                        bytes: n,
                        shorter: None,
                    });
                }
                self.verified = true;
                bytes = rest;
            }
        }
        self.hasher.update(bytes);
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// The file ended: it must not end inside the inherited prefix.
    pub fn end_of_file(&self) -> Result<(), ContentChanged> {
        match (self.verified, self.inherited) {
            (false, Some((n, _))) => Err(ContentChanged {
                bytes: n,
                shorter: Some(self.bytes),
            }),
            _ => Ok(()),
        }
    }

    /// Notes that every row below `next_row` has been read from the bytes
    /// hashed so far (taken at most every [`MIN_SNAPSHOT_BYTES`], or when
    /// `last`: the end of the file).
    pub fn snapshot(&mut self, next_row: u64, last: bool) {
        let since = self.bytes - self.snapshots.back().map_or(0, |s| s.bytes);
        if !last && since < MIN_SNAPSHOT_BYTES {
            return;
        }
        let snap = Snapshot {
            bytes: self.bytes,
            next_row,
            hash: self.hasher.digest128(),
        };
        let n = self.snapshots.len();
        let close = n >= 2 && snap.bytes - self.snapshots[n - 2].bytes < self.min_gap;
        match self.snapshots.back_mut() {
            // The same rows read, or too close to the one before: the longer
            // prefix is the better one.
            Some(last) if last.next_row == next_row || close => *last = snap,
            _ => self.snapshots.push_back(snap),
        }
        if self.snapshots.len() > MAX_SNAPSHOTS {
            // Keep the first, the last, and the others at least twice as far
            // apart as before: the whole file stays covered evenly.
            self.min_gap = (self.min_gap * 2).max(1);
            let last = self.snapshots.pop_back();
            let mut kept: VecDeque<Snapshot> = VecDeque::with_capacity(MAX_SNAPSHOTS / 2 + 1);
            for s in self.snapshots.drain(..) {
                if kept
                    .back()
                    .is_none_or(|k| s.bytes - k.bytes >= self.min_gap)
                {
                    kept.push_back(s);
                }
            }
            kept.extend(last);
            self.snapshots = kept;
        }
    }

    /// The longest prefix known whose complete rows are all below
    /// `watermark` (all done), for the checkpoint; snapshots older than it
    /// are forgotten.
    pub fn prefix_for(&mut self, watermark: u64) -> Option<VerifiedPrefix> {
        let found = self.snapshots.iter().rposition(|s| s.next_row <= watermark);
        if let Some(i) = found {
            self.snapshots.drain(..i);
        }
        let ours = found
            .and_then(|_| self.snapshots.front())
            .map(|s| (s.bytes, s.hash));
        let best = match (ours, self.inherited) {
            (Some(a), Some(b)) => Some(if a.0 >= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        best.filter(|(bytes, _)| *bytes > 0)
            .map(|(bytes, hash)| VerifiedPrefix {
                bytes,
                hash: format!("{hash:032x}"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh run over `data` in `chunk`-byte pushes, one snapshot per push
    /// with row `i + 1` complete after push `i`.
    fn fresh(data: &[u8], chunk: usize, watermark: u64) -> Option<VerifiedPrefix> {
        let mut t = ContentTracker::new(None).ok()?;
        for (i, c) in data.chunks(chunk).enumerate() {
            t.push(c).ok()?;
            t.snapshot(i as u64 + 2, true);
        }
        t.prefix_for(watermark)
    }

    #[test]
    fn the_prefix_covers_only_rows_below_the_watermark() {
        let data = vec![7u8; 1000];
        let p = fresh(&data, 100, 5).expect("a prefix");
        // After push 4 (400 bytes) rows below 5 are complete.
        assert_eq!(p.bytes, 400);
        assert_eq!(
            fresh(&data, 100, 1),
            None,
            "nothing done: nothing to verify"
        );
    }

    #[test]
    fn a_resumed_run_verifies_the_same_bytes_and_catches_edits() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 253) as u8).collect();
        let prefix = fresh(&data, 333, 9).expect("prefix");
        for chunk in [1, 7, 333, 4096, 5000] {
            let mut t = ContentTracker::new(Some(&prefix)).expect("tracker");
            assert!(!t.is_verified());
            for c in data.chunks(chunk) {
                t.push(c).expect("same bytes");
            }
            assert!(t.is_verified(), "chunk {chunk}");
            // It hands the inherited prefix on until it has a longer one.
            assert_eq!(t.prefix_for(0), Some(prefix.clone()));
        }
        let mut edited = data.clone();
        edited[(prefix.bytes - 1) as usize] ^= 1;
        let mut t = ContentTracker::new(Some(&prefix)).expect("tracker");
        let err = edited.chunks(100).try_for_each(|c| t.push(c)).unwrap_err();
        assert_eq!(err.bytes, prefix.bytes);
        assert!(err.to_string().contains("changed since the checkpoint"));
        // A byte past the prefix may change: those rows are sent again.
        let mut later = data.clone();
        later[prefix.bytes as usize] ^= 1;
        let mut t = ContentTracker::new(Some(&prefix)).expect("tracker");
        assert!(later.chunks(100).try_for_each(|c| t.push(c)).is_ok());
        // A file that ends inside the prefix is another file.
        let mut t = ContentTracker::new(Some(&prefix)).expect("tracker");
        t.push(&data[..10]).expect("so far the same");
        assert_eq!(t.end_of_file().unwrap_err().shorter, Some(10));
    }

    #[test]
    fn snapshots_stay_bounded() {
        let mut t = ContentTracker::new(None).expect("tracker");
        for row in 0..100_000u64 {
            t.push(b"x").expect("push");
            t.snapshot(row + 2, true);
        }
        assert!(t.snapshots.len() <= MAX_SNAPSHOTS);
        let p = t.prefix_for(50_000).expect("prefix");
        assert!(p.bytes <= 49_999 && p.bytes > 49_000, "{}", p.bytes);
    }
}
