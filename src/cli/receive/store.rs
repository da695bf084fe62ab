//! Statistics and the NDJSON out file, kept under one lock so the file and
//! the counters always agree.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufWriter, Write};
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
    out: Option<BufWriter<File>>,
}

impl Store {
    /// Creates (truncating) the out file, if any.
    pub(super) fn open(out: Option<&Path>) -> io::Result<Store> {
        let out = match out {
            Some(path) => Some(BufWriter::new(File::create(path)?)),
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

    /// Counts one injected fault.
    pub(super) fn count_fault(&self) {
        lock(&self.inner).stats.faults_injected += 1;
    }

    /// Writes the accepted messages and counts them and the dropped ones.
    /// On a write error nothing is counted, so the caller can answer 500 and
    /// the client retry.
    pub(super) fn record(&self, accepted: &[Accepted], dropped: u64) -> io::Result<()> {
        let mut inner = lock(&self.inner);
        if let Some(out) = inner.out.as_mut() {
            for message in accepted {
                out.write_all(&message.line)?;
                out.write_all(b"\n")?;
            }
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

    /// Pushes buffered lines to the file so readers see them.
    pub(super) fn flush(&self) -> io::Result<()> {
        match lock(&self.inner).out.as_mut() {
            Some(out) => out.flush(),
            None => Ok(()),
        }
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
}
