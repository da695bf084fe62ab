//! Validation findings as plain data.
//!
//! Segment answers 200 to almost anything and drops bad messages later, so every
//! rule it applies at ingest is checked here, before sending. A finding is data
//! for the report and the UI, never a Rust `Err`: the import goes on.

use serde::Serialize;

/// What is wrong with a row (an error rejects the row; a warning does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Code {
    // --- errors: the row is rejected ---
    /// Neither `userId` nor `anonymousId` is set.
    MissingIdentity,
    /// A `track` call without an `event` name.
    MissingEvent,
    /// A `group` call without a `groupId`.
    MissingGroupId,
    /// An `alias` call without `previousId` (or without `userId`).
    MissingPreviousId,
    /// The call type is not one of track, identify, page, screen, group, alias.
    InvalidType,
    /// A cell that should be a number is not.
    InvalidNumber,
    /// A cell that should be an integer is not.
    InvalidInteger,
    /// A cell that should be a boolean is not.
    InvalidBoolean,
    /// A cell that should hold JSON does not.
    InvalidJson,
    /// A field that must be an object (`properties`, `traits`, `context`) is not.
    NotAnObject,
    /// A timestamp that cannot be read.
    InvalidTimestamp,
    /// A slash date that reads both as day/month and month/day.
    AmbiguousDate,
    /// `messageId` longer than 100 characters.
    MessageIdTooLong,
    /// A `messageId` that is not a string or a number (true, an object...).
    InvalidMessageId,
    /// The serialized message is over 32 KB.
    MessageTooLarge,
    /// A CSV row with more or fewer fields than the header.
    WrongFieldCount,
    /// A CSV row (or workbook row) whose every cell is empty: a spacer row,
    /// or the `,,,` lines a spreadsheet's CSV export leaves.
    EmptyRow,
    /// Bytes that are not valid text in the file's encoding.
    InvalidText,
    /// A JSON line or element that is not valid JSON.
    InvalidJsonRecord,
    /// A record over [`MAX_RECORD_BYTES`](crate::source::MAX_RECORD_BYTES)
    /// (or [`MAX_FIELDS`](crate::source::MAX_FIELDS) fields): not kept.
    RecordTooLarge,
    /// A CSV quote that never closes: the rest of the file was one field.
    UnterminatedQuote,
    /// The API refused the message (HTTP 400/413 on the message alone).
    RejectedByApi,
    // --- warnings: the row is sent ---
    /// A timestamp before 1970-01-01 (Segment may not ingest it).
    /// Serialized as the CLI names it (`snake_case` would make it
    /// `timestamp_before1970`).
    #[serde(rename = "timestamp_before_1970")]
    TimestampBefore1970,
    /// A timestamp later than the time of the run.
    TimestampInFuture,
    /// A local time that falls in a daylight-saving gap or overlap.
    AmbiguousLocalTime,
    /// A `messageId` that is `null` or empty: a derived id is sent instead
    /// (sent as it is, every such row would share one id and Segment would
    /// keep only one of them).
    MessageIdReplaced,
    /// A message-level `sentAt` that is not sent: the batch's `sentAt` is
    /// stamped at each attempt, and an old one would re-date the event.
    SentAtDropped,
    /// A cell that cannot be converted, left out of the message as its
    /// rule's `"invalid": "drop"` asks.
    ValueDropped,
    /// A cell that cannot be converted, sent as a JSON string as its rule's
    /// `"invalid": "text"` asks.
    ValueKeptAsText,
}

impl Code {
    /// Whether the row is still sent.
    pub fn is_warning(self) -> bool {
        matches!(
            self,
            Code::TimestampBefore1970
                | Code::TimestampInFuture
                | Code::AmbiguousLocalTime
                | Code::MessageIdReplaced
                | Code::SentAtDropped
                | Code::ValueDropped
                | Code::ValueKeptAsText
        )
    }

    /// The stable snake_case name used in reports, JSON and the JS API.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MissingIdentity => "missing_identity",
            Code::MissingEvent => "missing_event",
            Code::MissingGroupId => "missing_group_id",
            Code::MissingPreviousId => "missing_previous_id",
            Code::InvalidType => "invalid_type",
            Code::InvalidNumber => "invalid_number",
            Code::InvalidInteger => "invalid_integer",
            Code::InvalidBoolean => "invalid_boolean",
            Code::InvalidJson => "invalid_json",
            Code::NotAnObject => "not_an_object",
            Code::InvalidTimestamp => "invalid_timestamp",
            Code::AmbiguousDate => "ambiguous_date",
            Code::MessageIdTooLong => "message_id_too_long",
            Code::InvalidMessageId => "invalid_message_id",
            Code::MessageTooLarge => "message_too_large",
            Code::WrongFieldCount => "wrong_field_count",
            Code::EmptyRow => "empty_row",
            Code::InvalidText => "invalid_text",
            Code::InvalidJsonRecord => "invalid_json_record",
            Code::RecordTooLarge => "record_too_large",
            Code::UnterminatedQuote => "unterminated_quote",
            Code::RejectedByApi => "rejected_by_api",
            Code::TimestampBefore1970 => "timestamp_before_1970",
            Code::TimestampInFuture => "timestamp_in_future",
            Code::AmbiguousLocalTime => "ambiguous_local_time",
            Code::MessageIdReplaced => "message_id_replaced",
            Code::SentAtDropped => "sent_at_dropped",
            Code::ValueDropped => "value_dropped",
            Code::ValueKeptAsText => "value_kept_as_text",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding about one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
pub struct Issue {
    /// The row (record number in the file, the header being row 1).
    pub row: u64,
    /// The column (header name) or message field concerned, when there is one.
    pub column: Option<String>,
    pub code: Code,
    /// A sentence a person can act on.
    pub message: String,
}

use crate::mapping::CallType;
use crate::source::{Oversize, OversizeKind, MAX_FIELDS, MAX_RECORD_BYTES};

/// The finding for a record the reader did not keep (too large, or a quote
/// that never closes).
pub fn oversize_issue(row: u64, oversize: Oversize) -> Issue {
    let Oversize {
        bytes,
        kind,
        quote_line,
    } = oversize;
    let hint = match quote_line {
        Some(line) => format!(" — a quote opened on line {line} may never close"),
        None => String::new(),
    };
    let (code, message) = match kind {
        OversizeKind::Bytes => (
            Code::RecordTooLarge,
            format!(
                "the record is {bytes} bytes, over the {} MiB limit (Segment takes at most \
                 32 KB per message){hint}",
                MAX_RECORD_BYTES >> 20
            ),
        ),
        OversizeKind::Fields => (
            Code::RecordTooLarge,
            format!(
                "the record has more than {MAX_FIELDS} fields, the limit ({bytes} bytes){hint}"
            ),
        ),
        OversizeKind::UnterminatedQuote => (
            Code::UnterminatedQuote,
            format!(
                "a quote opened on line {} never closes: the rest of the file ({bytes} bytes) \
                 was read as one field",
                quote_line.unwrap_or_default()
            ),
        ),
    };
    Issue {
        row,
        column: None,
        code,
        message,
    }
}

/// Which of the fields Segment checks at ingest a message has (each a
/// non-empty string).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Present {
    pub user_id: bool,
    pub anonymous_id: bool,
    pub event: bool,
    pub group_id: bool,
    pub previous_id: bool,
}

/// A missing field: its code, the message field concerned and the reason.
pub type MissingField = (Code, &'static str, &'static str);

/// The rules Segment applies after answering 200: the findings that would make
/// it drop the message silently (at most two; none for almost every row, so
/// nothing is allocated).
pub fn required_fields(
    call_type: CallType,
    present: Present,
) -> impl Iterator<Item = MissingField> {
    let need = |missing: bool, finding: MissingField| missing.then_some(finding);
    let findings = match call_type {
        CallType::Alias => [
            need(
                !present.previous_id,
                (
                    Code::MissingPreviousId,
                    "previousId",
                    "an alias call needs a previousId (the old id)",
                ),
            ),
            need(
                !present.user_id,
                (
                    Code::MissingIdentity,
                    "userId",
                    "an alias call needs a userId (the new id)",
                ),
            ),
        ],
        _ => [
            need(
                !present.user_id && !present.anonymous_id,
                (
                    Code::MissingIdentity,
                    "userId",
                    "neither userId nor anonymousId is set: Segment drops such messages",
                ),
            ),
            match call_type {
                CallType::Track => need(
                    !present.event,
                    (
                        Code::MissingEvent,
                        "event",
                        "a track call needs an event name",
                    ),
                ),
                CallType::Group => need(
                    !present.group_id,
                    (
                        Code::MissingGroupId,
                        "groupId",
                        "a group call needs a groupId",
                    ),
                ),
                _ => None,
            },
        ],
    };
    findings.into_iter().flatten()
}

/// Segment's limit on `messageId`, in characters.
pub const MAX_MESSAGE_ID_CHARS: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_by_type() {
        let none = Present::default();
        let codes = |t, p| required_fields(t, p).map(|(c, _, _)| c).collect::<Vec<_>>();
        assert_eq!(
            codes(CallType::Track, none),
            vec![Code::MissingIdentity, Code::MissingEvent]
        );
        assert_eq!(
            codes(
                CallType::Identify,
                Present {
                    anonymous_id: true,
                    ..none
                }
            ),
            vec![]
        );
        assert_eq!(
            codes(
                CallType::Group,
                Present {
                    user_id: true,
                    ..none
                }
            ),
            vec![Code::MissingGroupId]
        );
        assert_eq!(
            codes(
                CallType::Alias,
                Present {
                    anonymous_id: true,
                    ..none
                }
            ),
            vec![Code::MissingPreviousId, Code::MissingIdentity]
        );
        assert_eq!(
            codes(
                CallType::Page,
                Present {
                    user_id: true,
                    ..none
                }
            ),
            vec![]
        );
        assert!(Code::TimestampInFuture.is_warning() && !Code::MissingEvent.is_warning());
    }

    #[test]
    fn oversize_findings_name_the_cause() {
        let issue = |kind, quote_line| {
            let o = Oversize {
                bytes: 2_000_000,
                kind,
                quote_line,
            };
            let i = oversize_issue(7, o);
            assert_eq!(i.row, 7);
            (i.code, i.message)
        };
        assert_eq!(
            issue(OversizeKind::Bytes, None),
            (
                Code::RecordTooLarge,
                "the record is 2000000 bytes, over the 1 MiB limit (Segment takes at most \
                 32 KB per message)"
                    .into()
            )
        );
        assert!(issue(OversizeKind::Bytes, Some(5))
            .1
            .ends_with("— a quote opened on line 5 may never close"));
        assert_eq!(issue(OversizeKind::Fields, None).0, Code::RecordTooLarge);
        assert_eq!(
            issue(OversizeKind::UnterminatedQuote, Some(5)),
            (
                Code::UnterminatedQuote,
                "a quote opened on line 5 never closes: the rest of the file (2000000 bytes) \
                 was read as one field"
                    .into()
            )
        );
        assert_eq!(Code::RecordTooLarge.as_str(), "record_too_large");
        assert_eq!(Code::UnterminatedQuote.as_str(), "unterminated_quote");
    }
}
