//! General path, last step: from a civil date, a time and an offset or a
//! zone to an instant, with a warning when a local time falls in a
//! daylight-saving gap or fold, and an error outside the supported years.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::Timestamp;

use super::format::format_iso_millis;
use super::model::{ParsedTime, TimeError, TimeSpec, TimeWarning};
use super::scan::{invalid, q, Clock};
use super::{MAX_MS, MIN_MS};

/// A date, an optional time (midnight when absent) and an optional offset
/// (the spec's zone when absent) to an instant.
pub(super) fn resolve(
    t: &str,
    date: Date,
    clock: Option<Clock>,
    offset: Option<i32>,
    spec: &TimeSpec,
) -> Result<ParsedTime, TimeError> {
    let time = match clock {
        None => Time::midnight(),
        // Checked by check_clock: hour ≤ 23, minute and second ≤ 59, nanos < 1e9.
        Some(c) => Time::new(c.hour as i8, c.minute as i8, c.second as i8, c.nanos as i32)
            .map_err(|e| invalid(format!("{} is not a valid time ({e})", q(t))))?,
    };
    let dt = date.to_datetime(time);
    match offset {
        Some(secs) => {
            let ts = Offset::from_seconds(secs)
                .and_then(|o| o.to_timestamp(dt))
                .map_err(|_| out_of_range(t, LATEST))?;
            finish(t, ts, None)
        }
        None => local(t, dt, &spec.timezone),
    }
}

/// A civil datetime in a zone, with a warning in a gap or fold.
pub(super) fn local(t: &str, dt: DateTime, tz: &TimeZone) -> Result<ParsedTime, TimeError> {
    let ambiguous = tz.to_ambiguous_timestamp(dt);
    let offsets = ambiguous.offset();
    let ts = ambiguous
        .compatible()
        .map_err(|_| out_of_range(t, LATEST))?;
    let zone = tz.iana_name().unwrap_or("the column's time zone");
    let utc = |ts: Timestamp| {
        let ms = floor_millis(ts);
        String::from_utf8_lossy(&format_iso_millis(ms)).into_owned()
    };
    let warning = match offsets {
        AmbiguousOffset::Unambiguous { .. } => None,
        // jiff's "compatible" reads a time in a gap with the offset before the
        // gap, i.e. as the same distance past the jump.
        AmbiguousOffset::Gap { before, after } => Some(format!(
            "{} does not exist in {zone}: clocks jumped from {} to {} there; read it with \
             offset {} as {}",
            q(t),
            offset_text(before),
            offset_text(after),
            offset_text(before),
            utc(ts)
        )),
        // … and a time in a fold as its first occurrence.
        AmbiguousOffset::Fold { before, after } => Some(format!(
            "{} happened twice in {zone}: clocks went back from {} to {} there; took the \
             first occurrence (offset {}), {}",
            q(t),
            offset_text(before),
            offset_text(after),
            offset_text(before),
            utc(ts)
        )),
    };
    let mut parsed = finish(t, ts, None)?;
    parsed.warning = warning.map(TimeWarning::AmbiguousLocalTime);
    Ok(parsed)
}

fn offset_text(o: Offset) -> String {
    let s = o.seconds();
    let sign = if s < 0 { '-' } else { '+' };
    let s = s.unsigned_abs();
    format!("{sign}{:02}:{:02}", s / 3600, s / 60 % 60)
}

/// Milliseconds since the epoch, rounding towards the past (truncating the
/// written sub-millisecond digits, also before 1970).
pub(super) fn floor_millis(ts: Timestamp) -> i64 {
    // jiff's range (years -9999..=9999) is far inside i64 milliseconds.
    ts.as_nanosecond().div_euclid(1_000_000) as i64
}

pub(super) fn finish(
    t: &str,
    ts: Timestamp,
    warning: Option<TimeWarning>,
) -> Result<ParsedTime, TimeError> {
    let millis = floor_millis(ts);
    if !(MIN_MS..=MAX_MS).contains(&millis) {
        return Err(out_of_range(
            t,
            "it is before year 0000 or after 9999 in UTC",
        ));
    }
    Ok(ParsedTime {
        millis,
        warning,
        iso: None,
    })
}

/// Why jiff cannot convert a valid civil datetime: only at the very end of
/// its range, as the earliest years have room to spare.
const LATEST: &str = "the latest instant that can be represented is 9999-12-30T22:00:00Z";

pub(super) fn out_of_range(t: &str, why: &str) -> TimeError {
    invalid(format!(
        "{} is outside the supported years 0000–9999 ({why})",
        q(t)
    ))
}
