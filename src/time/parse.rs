//! The entry points, and which reader takes a value: the fast path first,
//! then the general path by the value's shape (see the module docs of
//! [`super`]).

use super::calendar::real_date;
use super::dates::{parse_basic, parse_year_first, parse_year_last, year_last_parts};
use super::epoch::{is_number, parse_number, yyyymmdd};
use super::fast::fast_path;
use super::model::{DateOrder, ParsedTime, TimeError, TimeSpec};
use super::rfc2822::parse_rfc2822;
use super::strftime::parse_with_format;

/// Reads one timestamp (surrounding white space ignored) as milliseconds since
/// the Unix epoch.
///
/// Without a format in `spec`, these forms are accepted:
/// - ISO-8601 / RFC 3339: `2024-01-02T03:04:05Z`, `T` or a space, seconds
///   optional, a fraction of any length (`.` or `,`), offsets `Z`, `+02:00`,
///   `+0200`, `+02` or a trailing ` UTC`/` GMT`; basic forms `20240102T030405Z`.
///   Month and day may have one digit, and `/` or `.` may separate a
///   year-first date (`2024/01/02`).
/// - A date alone (`2024-01-02`) is midnight in the spec's zone; a date and
///   time without an offset is local time in the spec's zone (UTC by default),
///   with a [`TimeWarning`](super::TimeWarning) in a daylight-saving gap or
///   fold.
/// - Year-last dates `03/04/2024`, `3-4-2024`, `03.04.2024`, with an optional
///   time `HH:MM[:SS[.fff]]`, optional AM/PM and optional offset. When both
///   the day-first and month-first readings are real and different dates, the
///   spec's [`DateOrder`] decides, and without one the value is
///   [`TimeError::Ambiguous`]; when only one reading is a real date, it is
///   taken. Two-digit years are refused.
/// - Epoch numbers (optional sign and fraction), the unit chosen by magnitude:
///   below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds,
///   else nanoseconds. So milliseconds before 1973-03-03 read as seconds, and
///   a bare `2024` is 2,024 seconds after 1970 (a column that might hold
///   such values wants a format).
///   Exception: exactly 8 digits that form a real `YYYYMMDD` date with a year
///   from 1900 to 2100 are that date (ISO basic form), so `20240102` is
///   2 January 2024 rather than 20,240,102 seconds after 1970.
/// - RFC 2822: `Tue, 1 Jul 2003 10:52:37 +0200`.
///
/// With a format in `spec`, only that format is read; values it leaves without
/// an offset are read in the spec's zone.
///
/// A leap second (`:60`) is read as `:59`, as jiff does. The instant must lie
/// between 0000-01-01T00:00:00Z (the first that ISO-8601 writes without an
/// extended year) and 9999-12-30T22:00:00Z (jiff's last).
pub fn parse_timestamp(text: &str, spec: &TimeSpec) -> Result<ParsedTime, TimeError> {
    let t = crate::text::trim(text);
    if t.is_empty() {
        return Err(TimeError::Invalid(
            "an empty value is not a timestamp".to_owned(),
        ));
    }
    if let Some(f) = &spec.format {
        return parse_with_format(t, f, spec);
    }
    if let Some((millis, iso)) = fast_path(t.as_bytes(), spec.fixed) {
        return Ok(ParsedTime {
            millis,
            warning: None,
            iso,
        });
    }
    parse_general(t, spec)
}

/// From sample values of a column, which slash-date order they prove: a value
/// that is a real date only day-first (`13/01/2024`) proves day-first, one that
/// is a real date only month-first (`01/13/2024`) proves month-first. `None`
/// when no value decides, or when values prove both (the column is mixed or
/// not dates, and a person must decide).
pub fn detect_date_order<'a>(samples: impl IntoIterator<Item = &'a str>) -> Option<DateOrder> {
    let (mut day_first, mut month_first) = (false, false);
    for sample in samples {
        let Some((a, b, year)) = year_last_parts(sample.trim()) else {
            continue;
        };
        match (real_date(year, b, a), real_date(year, a, b)) {
            (true, false) => day_first = true,
            (false, true) => month_first = true,
            _ => {}
        }
        if day_first && month_first {
            return None;
        }
    }
    match (day_first, month_first) {
        (true, false) => Some(DateOrder::DayFirst),
        (false, true) => Some(DateOrder::MonthFirst),
        _ => None,
    }
}

/// A sample value that reads as two different dates (`03/04/2024`) when
/// the samples do not decide the order ([`detect_date_order`] is `None`):
/// the example to show when asking a person which order the column uses.
pub fn undecided_date_example<'a>(
    samples: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<&'a str> {
    if detect_date_order(samples.clone()).is_some() {
        return None;
    }
    samples.into_iter().map(str::trim).find(|s| {
        year_last_parts(s)
            .is_some_and(|(a, b, year)| a != b && real_date(year, b, a) && real_date(year, a, b))
    })
}

/// Whether a value looks like a timestamp at all (for mapping suggestions):
/// any form [`parse_timestamp`] accepts parses, ambiguous slash dates included.
///
/// Plain numbers are held to more: every integer is a valid epoch time, so
/// only a `YYYYMMDD` date or an unsigned epoch number with at least 9 integer
/// digits that lands between 1970 and 2100 counts; otherwise ages, counts and
/// prices would all look like timestamps.
pub fn looks_like_timestamp(text: &str) -> bool {
    let t = text.trim();
    let spec = TimeSpec::default();
    if is_number(t.as_bytes()) {
        if let Some(Ok(_)) = yyyymmdd(t, &spec) {
            return true;
        }
        let int_digits = t.bytes().take_while(u8::is_ascii_digit).count();
        const YEAR_2100_MS: i64 = 4_102_444_800_000;
        return int_digits >= 9
            && matches!(parse_number(t, &spec), Ok(p) if (0..YEAR_2100_MS).contains(&p.millis));
    }
    matches!(
        parse_timestamp(t, &spec),
        Ok(_) | Err(TimeError::Ambiguous(_))
    )
}

pub(super) fn parse_general(t: &str, spec: &TimeSpec) -> Result<ParsedTime, TimeError> {
    let b = t.as_bytes();
    if is_number(b) {
        return parse_number(t, spec);
    }
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    match (lead, b.get(lead)) {
        (4, Some(b'-' | b'/' | b'.')) => parse_year_first(t, spec),
        (8, Some(b'T' | b't')) => parse_basic(t, spec),
        (1 | 2, Some(b'/' | b'-' | b'.')) => parse_year_last(t, spec),
        _ => parse_rfc2822(t),
    }
}
