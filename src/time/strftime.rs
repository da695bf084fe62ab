//! A column's own strftime format (jiff's `strtime`): checked once when the
//! [`TimeSpec`] is built, then the only form its values are read in.

use jiff::civil::DateTime;
use jiff::fmt::strtime;
use jiff::tz::TimeZone;

use super::model::{ParsedTime, TimeError, TimeSpec};
use super::resolve::{finish, local};
use super::scan::{invalid, q};

/// Rejects a format that jiff cannot write, or whose output it cannot read
/// back into a date: better one error when the mapping is loaded than one per
/// row.
pub(super) fn check_format(f: &str, tz: &TimeZone) -> Result<(), String> {
    if f.trim().is_empty() {
        return Err(format!(
            "the time format {f:?} is empty: leave it out, or give a strftime format \
             such as \"%d.%m.%Y %H:%M\""
        ));
    }
    let sample = DateTime::constant(2024, 3, 15, 13, 45, 30, 123_456_789)
        .to_zoned(tz.clone())
        .map_err(|e| format!("time format {f:?} cannot be checked: {e}"))?;
    let text = strtime::format(f, &sample)
        .map_err(|e| format!("time format {f:?} is not a valid strftime format: {e}"))?;
    let tm = strtime::parse(f, &text).map_err(|e| {
        format!("time format {f:?} cannot be used for reading: it writes {text:?} but cannot read that back ({e})")
    })?;
    if tm.timestamp().is_none() {
        tm.to_date().map_err(|e| {
            format!(
                "time format {f:?} does not give a full date: it needs a year, a month and \
                 a day (e.g. %Y-%m-%d) or %s ({e})"
            )
        })?;
    }
    Ok(())
}

/// The column's strftime format, and nothing else.
pub(super) fn parse_with_format(
    t: &str,
    f: &str,
    spec: &TimeSpec,
) -> Result<ParsedTime, TimeError> {
    let tm = strtime::parse(f, t)
        .map_err(|e| invalid(format!("{} does not match the format {f:?} ({e})", q(t))))?;
    let bad = |e: jiff::Error| {
        invalid(format!(
            "{} is not a valid time in the format {f:?} ({e})",
            q(t)
        ))
    };
    if tm.iana_time_zone().is_some() {
        let zoned = tm.to_zoned().map_err(bad)?;
        return finish(t, zoned.timestamp(), None);
    }
    if tm.timestamp().is_some() || tm.offset().is_some() {
        return finish(t, tm.to_timestamp().map_err(bad)?, None);
    }
    local(t, tm.to_datetime().map_err(bad)?, &spec.timezone)
}
