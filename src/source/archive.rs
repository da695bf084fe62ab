//! Recognising Segment's own archives (its S3/GCS exports, warehouse dumps of
//! raw events): JSON records that carry fields only Segment sets when it
//! receives a message.
//!
//! Such a file must be *replayed*, not sent as it is: its `sentAt` would
//! re-date every event to the time it was first sent, and its `messageId`s
//! may still be in Segment's dedupe window (the import guide says to drop
//! `sent_at`, `message_id` and `project_id`). So an archive is replayed by
//! default, and the report says so; the mapping's `replay: false` (the CLI's
//! `--no-replay`) keeps the original ids.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::json::{JsonArraySplitter, NdjsonSplitter};
use super::sniff::Sample;
use super::{Format, Record, RecordData, RecordSink};

/// Fields a replay removes: a stale `sentAt` would re-date every event to
/// "now", old messageIds may still sit in Segment's dedupe window, and the
/// rest are set by Segment on receipt.
pub const REPLAY_DROPPED: [&str; 8] = [
    "sentAt",
    "sent_at",
    "messageId",
    "message_id",
    "projectId",
    "project_id",
    "receivedAt",
    "received_at",
];

/// Fields no sender sets: Segment adds them when it receives a message, so a
/// record carrying one was archived by Segment.
const SET_BY_SEGMENT: [&str; 4] = ["receivedAt", "received_at", "projectId", "project_id"];

/// Why a sample looks like one of Segment's archives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ArchiveSigns {
    /// Sampled records that carry a field only Segment sets.
    pub records: u64,
    /// JSON objects sampled.
    pub sampled: u64,
    /// Which of [`REPLAY_DROPPED`] the sampled records carry, in that order.
    pub fields: Vec<String>,
}

impl ArchiveSigns {
    /// "receivedAt, projectId in 98 of 100 sampled records".
    pub fn describe(&self) -> String {
        format!(
            "{} in {} of {} sampled records",
            self.fields.join(", "),
            self.records,
            self.sampled
        )
    }
}

/// Looks at the JSON records of a sample: an archive when at least half of
/// the objects carry `receivedAt` or `projectId` (or their snake_case forms).
/// `None` for CSV and for anything else.
pub(super) fn archive_signs(sample: &Sample) -> Option<ArchiveSigns> {
    let mut sink = Signs::default();
    match sample.settings.format {
        Format::Csv => return None,
        Format::Ndjson => {
            let mut s = NdjsonSplitter::new();
            s.push(sample.complete_lines(), &mut sink);
            if sample.complete {
                s.finish(&mut sink);
            }
        }
        Format::Json => {
            // Complete elements only; a broken array is the real run's to report.
            let _ = JsonArraySplitter::new().push(&sample.text, &mut sink);
        }
    }
    let archived = sink.sampled > 0 && sink.records * 2 >= sink.sampled;
    archived.then(|| ArchiveSigns {
        records: sink.records,
        sampled: sink.sampled,
        fields: REPLAY_DROPPED
            .iter()
            .zip(sink.seen)
            .filter(|(_, seen)| *seen)
            .map(|(f, _)| f.to_string())
            .collect(),
    })
}

#[derive(Default)]
struct Signs {
    sampled: u64,
    records: u64,
    /// Which of [`REPLAY_DROPPED`] were seen.
    seen: [bool; REPLAY_DROPPED.len()],
}

impl RecordSink for Signs {
    fn header(&mut self, _names: &[String]) {}

    fn record(&mut self, record: Record<'_>) {
        let RecordData::Json(bytes) = record.data else {
            return;
        };
        let Ok(object) = serde_json::from_slice::<Map<String, Value>>(bytes) else {
            return;
        };
        self.sampled += 1;
        if SET_BY_SEGMENT.iter().any(|f| object.contains_key(*f)) {
            self.records += 1;
        }
        for (seen, field) in self.seen.iter_mut().zip(REPLAY_DROPPED) {
            *seen |= object.contains_key(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceOptions;

    fn signs(text: &str) -> Option<ArchiveSigns> {
        let sample = Sample::read(text.as_bytes(), true, &SourceOptions::default()).ok()?;
        archive_signs(&sample)
    }

    #[test]
    fn segment_archives_are_recognised() {
        let line = r#"{"type":"track","event":"E","userId":"u","messageId":"m1","sentAt":"2020-01-01T00:00:01Z","receivedAt":"2020-01-01T00:00:02Z","projectId":"p"}"#;
        let s = signs(&format!("{line}\n{line}\n")).expect("an archive");
        assert_eq!((s.records, s.sampled), (2, 2));
        assert_eq!(s.fields, ["sentAt", "messageId", "projectId", "receivedAt"]);
        assert_eq!(
            s.describe(),
            "sentAt, messageId, projectId, receivedAt in 2 of 2 sampled records"
        );
        assert!(
            signs(&format!("[{line},{line}]")).is_some(),
            "JSON arrays too"
        );
    }

    #[test]
    fn own_message_ids_alone_do_not_make_an_archive() {
        // A sender's own NDJSON with its own ids: keep them.
        let line = r#"{"type":"track","event":"E","userId":"u","messageId":"m1"}"#;
        assert_eq!(signs(&format!("{line}\n{line}\n")), None);
        assert_eq!(signs("a,b\n1,2\n"), None, "CSV is never an archive");
        // One archived record among many is not an archive.
        let archived = r#"{"type":"track","userId":"u","event":"E","receivedAt":"x"}"#;
        assert_eq!(
            signs(&format!("{line}\n{line}\n{line}\n{archived}\n")),
            None
        );
    }
}
