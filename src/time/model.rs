//! The model: how to read a column ([`TimeSpec`], [`DateOrder`]) and what
//! reading one value gives ([`ParsedTime`], [`TimeWarning`], [`TimeError`]).

use std::fmt;

use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

use super::strftime::check_format;

/// Which part of a `03/04/2024`-style date is the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
pub enum DateOrder {
    /// `DD/MM/YYYY` (most of the world), written `"dmy"` in a mapping.
    #[serde(rename = "dmy")]
    DayFirst,
    /// `MM/DD/YYYY` (the United States), written `"mdy"` in a mapping.
    #[serde(rename = "mdy")]
    MonthFirst,
}

impl fmt::Display for DateOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateOrder::DayFirst => "day-first (dmy)",
            DateOrder::MonthFirst => "month-first (mdy)",
        })
    }
}

/// How to read one column's timestamps (from a mapping rule).
///
/// Built with [`TimeSpec::new`], which checks the zone name and the format up
/// front so that a typo is reported once, not once per row. The default reads
/// every accepted form, with local times in UTC and no day/month order.
#[derive(Debug, Clone)]
pub struct TimeSpec {
    /// A strftime format (jiff's `strtime`); when set, it is the only form read.
    pub(super) format: Option<String>,
    /// The zone of values that carry no offset.
    pub(super) timezone: TimeZone,
    /// How to read slash dates whose day and month could be swapped.
    pub(super) date_order: Option<DateOrder>,
    /// The zone's offset when it has never changed (UTC, `Etc/GMT+5`), so the
    /// fast path can read offset-less values without a zone lookup.
    pub(super) fixed: Option<Offset>,
}

impl Default for TimeSpec {
    fn default() -> TimeSpec {
        TimeSpec {
            format: None,
            timezone: TimeZone::UTC,
            date_order: None,
            fixed: Some(Offset::UTC),
        }
    }
}

impl TimeSpec {
    /// Builds a spec from a mapping rule's `format` (strftime, as jiff's
    /// `strtime` reads it), `timezone` (an IANA name such as `Europe/Berlin`;
    /// UTC when absent) and `dateOrder`.
    ///
    /// Errors (as a sentence) for an unknown IANA zone name or an invalid
    /// format string. A format is invalid when jiff rejects it, or when text it
    /// writes cannot be read back into at least a date (e.g. `%H:%M` alone, or
    /// `%Z`, whose abbreviations jiff cannot parse).
    pub fn new(
        format: Option<&str>,
        timezone: Option<&str>,
        date_order: Option<DateOrder>,
    ) -> Result<TimeSpec, String> {
        let timezone = match timezone.map(str::trim) {
            None | Some("") => TimeZone::UTC,
            Some(name) => TimeZone::get(name).map_err(|e| {
                format!(
                    "unknown time zone {name:?}: expected an IANA name such as \
                     \"Europe/Berlin\", \"America/New_York\" or \"UTC\" ({e})"
                )
            })?,
        };
        if let Some(f) = format {
            check_format(f, &timezone)?;
        }
        let fixed = fixed_offset(&timezone);
        Ok(TimeSpec {
            format: format.map(str::to_owned),
            timezone,
            date_order,
            fixed,
        })
    }

    /// The same spec with another day/month order (e.g. one found by
    /// [`detect_date_order`](super::detect_date_order)).
    pub fn with_date_order(mut self, date_order: Option<DateOrder>) -> TimeSpec {
        self.date_order = date_order;
        self
    }

    /// The strftime format, if one was given.
    pub fn format(&self) -> Option<&str> {
        self.format.as_deref()
    }

    /// The zone that values without an offset are read in.
    pub fn timezone(&self) -> &TimeZone {
        &self.timezone
    }

    /// The day/month order for ambiguous slash dates, if one was given.
    pub fn date_order(&self) -> Option<DateOrder> {
        self.date_order
    }
}

/// The offset of a zone that never had a transition, if it is one.
fn fixed_offset(tz: &TimeZone) -> Option<Offset> {
    if let Ok(offset) = tz.to_fixed_offset() {
        return Some(offset);
    }
    // `TimeZone::get("UTC")` is a TZif zone, not jiff's built-in UTC; it is
    // fixed all the same when it has no transitions at all.
    if tz.following(Timestamp::MIN).next().is_none() {
        return Some(tz.to_offset(Timestamp::UNIX_EPOCH));
    }
    None
}

/// A parsed timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTime {
    /// Milliseconds since 1970-01-01T00:00:00Z, sub-millisecond digits truncated.
    pub millis: i64,
    /// Set when the value parsed but a reading had to be chosen.
    pub warning: Option<TimeWarning>,
    /// What [`format_iso_millis`](super::format_iso_millis) writes for
    /// `millis`, when the parser could write it from the digits it read (the
    /// usual shapes at offset zero: `…Z`, `+00:00`, or no offset in a UTC
    /// column); the text of every row is then not re-derived from `millis`.
    pub iso: Option<[u8; 24]>,
}

/// Something the caller should tell the person, although the value parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeWarning {
    /// A local time in a daylight-saving gap (it never happened) or fold (it
    /// happened twice); the sentence names the value, the zone and the reading
    /// taken (jiff's "compatible" choice, as most software does).
    AmbiguousLocalTime(String),
}

impl TimeWarning {
    /// The sentence for a person.
    pub fn message(&self) -> &str {
        match self {
            TimeWarning::AmbiguousLocalTime(m) => m,
        }
    }
}

impl fmt::Display for TimeWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// Why a value is not a timestamp. The strings are sentences for a person that
/// name the value and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// Not a timestamp in any accepted form, or not a real date or time.
    Invalid(String),
    /// A slash date that reads as two different dates; the column needs a
    /// `dateOrder`.
    Ambiguous(String),
}

impl TimeError {
    /// The sentence for a person.
    pub fn message(&self) -> &str {
        match self {
            TimeError::Invalid(m) | TimeError::Ambiguous(m) => m,
        }
    }
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for TimeError {}
