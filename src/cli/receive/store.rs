//! Statistics and the NDJSON out file, kept under one lock so the file and
//! the counters always agree.
//!
//! Every request's accepted lines reach the file (the OS, not a buffer of
//! ours) before the request is answered: whoever reads the file right after
//! a 200 (a test, a script after `send` ends) finds the batch there, and a
//! receiver killed at any moment has lost nothing it acknowledged. The lines
//! are gathered in one buffer and written with one call, so the cost is one
//! write per request, not per message, and a failed write is taken back, so
//! a 500 leaves neither a torn batch nor lines that were never counted.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;

use super::lock;

/// A snapshot of what the receiver has seen. Only ingest calls (POST on the
/// `/v1/...` routes) count; preflights, `/stats` and `/` do not.
#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ReceiverStats {
    /// Ingest requests received, whatever their outcome.
    pub requests: u64,
    /// Messages accepted and written (the lines of the out file); always
    /// `unique_message_ids + duplicates`.
    pub messages: u64,
    /// Accepted messages whose `messageId` had not been seen before; a message
    /// without a `messageId` counts here every time.
    pub unique_message_ids: u64,
    /// Accepted messages whose `messageId` had been seen before.
    pub duplicates: u64,
    /// Messages in a batch answered 200 but not kept, as Segment silently
    /// drops them (no userId/anonymousId, track without event, ...).
    pub dropped: u64,
    /// Count of ingest answers by HTTP status (dropped connections have none).
    pub by_status: BTreeMap<u16, u64>,
    /// Requests that got an injected fault (including slow answers).
    pub faults_injected: u64,
    /// Bytes of request bodies as received, of the ingest requests that got
    /// no injected fault and were read in full.
    pub wire_bytes: u64,
    /// The same bodies after gzip decoding (equal to `wire_bytes` when
    /// nothing came compressed; bodies that failed to decode count none).
    pub body_bytes: u64,
    /// Of those requests, the ones that came with a `Content-Encoding`.
    pub gzip_requests: u64,
}

/// One message ready to be kept: its JSON line and its `messageId`.
pub(super) struct Accepted {
    /// The message serialized as compact JSON, without the newline.
    pub line: Vec<u8>,
    /// The string `messageId`, if the message has one.
    pub message_id: Option<String>,
}

/// Everything mutable the receiver keeps.
pub(super) struct Store {
    inner: Mutex<Inner>,
}

struct Inner {
    stats: ReceiverStats,
    seen: HashSet<String>,
    out: Option<OutFile>,
}

/// The out file and what it holds.
struct OutFile {
    file: File,
    /// Bytes of whole, counted batches: where the file ends after a success,
    /// and where a failed write is cut back to.
    len: u64,
    /// One request's lines, reused from request to request.
    buf: Vec<u8>,
}

impl OutFile {
    /// Writes the lines of one request with one call, or none of them.
    fn append(&mut self, accepted: &[Accepted]) -> io::Result<()> {
        if accepted.is_empty() {
            return Ok(());
        }
        self.buf.clear();
        for message in accepted {
            self.buf.extend_from_slice(&message.line);
            self.buf.push(b'\n');
        }
        // Straight to the file, not through a BufWriter: after a failed
        // write a BufWriter may still hold part of the batch and write it
        // with a later one, uncounted.
        if let Err(e) = self.file.write_all(&self.buf) {
            // Part of the batch may have reached the file: cut it off so the
            // file keeps matching the statistics and the client's retry does
            // not leave the first attempt's head behind.
            let undo = self
                .file
                .set_len(self.len)
                .and_then(|()| self.file.seek(SeekFrom::Start(self.len)));
            return Err(match undo {
                Ok(_) => e,
                Err(undo) => io::Error::new(
                    e.kind(),
                    format!("{e} (and the partly written batch could not be removed: {undo})"),
                ),
            });
        }
        self.len += self.buf.len() as u64;
        Ok(())
    }
}

impl Store {
    /// Creates (truncating) the out file, if any.
    pub(super) fn open(out: Option<&Path>) -> io::Result<Store> {
        let out = match out {
            Some(path) => Some(OutFile {
                file: File::create(path)?,
                len: 0,
                buf: Vec::new(),
            }),
            None => None,
        };
        Ok(Store {
            inner: Mutex::new(Inner {
                stats: ReceiverStats::default(),
                seen: HashSet::new(),
                out,
            }),
        })
    }

    /// Counts one ingest request.
    pub(super) fn count_request(&self) {
        lock(&self.inner).stats.requests += 1;
    }

    /// Counts one ingest answer.
    pub(super) fn count_status(&self, status: u16) {
        *lock(&self.inner).stats.by_status.entry(status).or_insert(0) += 1;
    }

    /// Counts one request body: `wire` bytes received, `decoded` after
    /// undoing its `Content-Encoding` (when that worked).
    pub(super) fn count_body(&self, wire: usize, decoded: Option<usize>, gzip: bool) {
        let stats = &mut lock(&self.inner).stats;
        stats.wire_bytes += wire as u64;
        stats.body_bytes += decoded.unwrap_or(0) as u64;
        stats.gzip_requests += u64::from(gzip);
    }

    /// Counts one injected fault.
    pub(super) fn count_fault(&self) {
        lock(&self.inner).stats.faults_injected += 1;
    }

    /// Writes the accepted messages to the out file (handed to the OS when
    /// this returns) and counts them and the dropped ones. On a write error
    /// nothing is written or counted, so the caller can answer 500 and the
    /// client retry.
    pub(super) fn record(&self, accepted: &[Accepted], dropped: u64) -> io::Result<()> {
        let mut inner = lock(&self.inner);
        if let Some(out) = inner.out.as_mut() {
            // A write to the page cache under the lock, as before: short
            // enough not to need a blocking thread, and it keeps concurrent
            // batches whole and in the order they are counted.
            out.append(accepted)?;
        }
        let Inner { stats, seen, .. } = &mut *inner;
        stats.dropped += dropped;
        for message in accepted {
            stats.messages += 1;
            match &message.message_id {
                Some(id) if !seen.insert(id.clone()) => stats.duplicates += 1,
                _ => stats.unique_message_ids += 1,
            }
        }
        Ok(())
    }

    /// A copy of the statistics.
    pub(super) fn snapshot(&self) -> ReceiverStats {
        lock(&self.inner).stats.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(id: Option<&str>) -> Accepted {
        Accepted {
            line: b"{}".to_vec(),
            message_id: id.map(str::to_string),
        }
    }

    #[test]
    fn counts_duplicates_and_id_less_messages() -> io::Result<()> {
        let store = Store::open(None)?;
        let batch = [accepted(Some("a")), accepted(Some("a")), accepted(None)];
        store.record(&batch, 2)?;
        store.record(&[accepted(None)], 0)?;
        let stats = store.snapshot();
        assert_eq!(stats.messages, 4);
        assert_eq!(stats.unique_message_ids, 3);
        assert_eq!(stats.duplicates, 1);
        assert_eq!(stats.dropped, 2);
        Ok(())
    }

    #[test]
    fn lines_are_in_the_file_when_record_returns() -> io::Result<()> {
        let path = std::env::temp_dir().join(format!(
            "segment-backfill-store-{}.ndjson",
            std::process::id()
        ));
        let store = Store::open(Some(&path))?;
        store.record(&[accepted(Some("a")), accepted(None)], 0)?;
        let first = std::fs::read(&path)?;
        store.record(&[], 1)?;
        store.record(&[accepted(Some("b"))], 0)?;
        let second = std::fs::read(&path)?;
        std::fs::remove_file(&path)?;
        assert_eq!(first, b"{}\n{}\n");
        assert_eq!(second, b"{}\n{}\n{}\n");
        Ok(())
    }

    /// `/dev/full` fails every write with ENOSPC, as a full disk would.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_write_counts_nothing() -> io::Result<()> {
        let store = Store::open(Some(Path::new("/dev/full")))?;
        assert!(store.record(&[accepted(Some("a"))], 3).is_err());
        assert_eq!(store.snapshot(), ReceiverStats::default());
        Ok(())
    }
}
