//! Validation findings as plain data.
//!
//! Segment answers 200 to almost anything and drops bad messages later, so every
//! rule it applies at ingest is checked here, before sending. A finding is data
//! for the report and the UI, never a Rust `Err`: the import goes on.

use serde::Serialize;

/// What is wrong with a row (an error rejects the row; a warning does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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
    /// The serialized message is over 32 KB.
    MessageTooLarge,
    /// A CSV row with more or fewer fields than the header.
    WrongFieldCount,
    /// Bytes that are not valid text in the file's encoding.
    InvalidText,
    /// A JSON line or element that is not valid JSON.
    InvalidJsonRecord,
    // --- warnings: the row is sent ---
    /// A timestamp before 1970-01-01 (Segment may not ingest it).
    TimestampBefore1970,
    /// A timestamp later than the time of the run.
    TimestampInFuture,
    /// A local time that falls in a daylight-saving gap or overlap.
    AmbiguousLocalTime,
}

impl Code {
    /// Whether the row is still sent.
    pub fn is_warning(self) -> bool {
        matches!(
            self,
            Code::TimestampBefore1970 | Code::TimestampInFuture | Code::AmbiguousLocalTime
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
            Code::MessageTooLarge => "message_too_large",
            Code::WrongFieldCount => "wrong_field_count",
            Code::InvalidText => "invalid_text",
            Code::InvalidJsonRecord => "invalid_json_record",
            Code::TimestampBefore1970 => "timestamp_before_1970",
            Code::TimestampInFuture => "timestamp_in_future",
            Code::AmbiguousLocalTime => "ambiguous_local_time",
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
pub struct Issue {
    /// The row (record number in the file, the header being row 1).
    pub row: u64,
    /// The column (header name) or message field concerned, when there is one.
    pub column: Option<String>,
    pub code: Code,
    /// A sentence a person can act on.
    pub message: String,
}
