//! Dates written as text: year-first (`2024-01-02`, `2024/1/2`), ISO basic
//! (`20240102T0304Z`) and year-last slash dates (`03/04/2024`), whose
//! day/month order the column's [`DateOrder`] decides when both readings are
//! real dates.

use jiff::civil::Date;

use super::model::{DateOrder, ParsedTime, TimeError, TimeSpec};
use super::resolve::resolve;
use super::scan::{check_clock, fraction, invalid, q, time_and_offset, zone, Clock, Scan};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `YYYY-MM-DD…`, also `/` or `.` as the separator.
pub(super) fn parse_year_first(t: &str, spec: &TimeSpec) -> Result<ParsedTime, TimeError> {
    let mut s = Scan::new(t);
    let (year, _) = s.digits(4, 4).ok_or_else(|| s.expected("a 4-digit year"))?;
    let sep = s
        .eat_any(b"-/.")
        .ok_or_else(|| s.expected("\"-\" after the year"))?;
    let (month, _) = s.digits(1, 2).ok_or_else(|| s.expected("a month (1–12)"))?;
    if !s.eat(sep) {
        return Err(s.expected(&format!("\"{}\" after the month", char::from(sep))));
    }
    let (day, _) = s.digits(1, 2).ok_or_else(|| s.expected("a day (1–31)"))?;
    let (clock, offset) = time_and_offset(&mut s)?;
    let date = civil_date(t, year, month, day, None)?;
    resolve(t, date, clock, offset, spec)
}

/// ISO basic `YYYYMMDDTHHMM[SS[.fff]][Z|±HH[MM]]` (a date alone is a number,
/// see [`parse_number`](super::epoch::parse_number)).
pub(super) fn parse_basic(t: &str, spec: &TimeSpec) -> Result<ParsedTime, TimeError> {
    let mut s = Scan::new(t);
    let (ymd, _) = s
        .digits(8, 8)
        .ok_or_else(|| s.expected("a date YYYYMMDD"))?;
    if s.eat_any(b"Tt").is_none() {
        return Err(s.expected("\"T\""));
    }
    let (hour, _) = s.digits(2, 2).ok_or_else(|| s.expected("an hour HH"))?;
    let (minute, _) = s.digits(2, 2).ok_or_else(|| s.expected("minutes MM"))?;
    let mut clock = Clock {
        hour,
        minute,
        second: 0,
        nanos: 0,
    };
    if let Some((second, _)) = s.digits(2, 2) {
        clock.second = second;
        if s.eat_any(b".,").is_some() {
            clock.nanos = fraction(&mut s)?;
        }
    }
    let offset = zone(&mut s)?;
    if !s.done() {
        return Err(s.expected("the end of the value"));
    }
    let clock = check_clock(t, clock, None)?;
    let date = civil_date(t, ymd / 10_000, ymd / 100 % 100, ymd % 100, None)?;
    resolve(t, date, Some(clock), offset, spec)
}

/// `DD/MM/YYYY` or `MM/DD/YYYY` (also `-` or `.`), optional time, AM/PM and
/// offset; the spec's [`DateOrder`] decides when both readings are dates.
pub(super) fn parse_year_last(t: &str, spec: &TimeSpec) -> Result<ParsedTime, TimeError> {
    let mut s = Scan::new(t);
    let (a, _) = s.digits(1, 2).ok_or_else(|| s.expected("a day or month"))?;
    let sep = s.eat_any(b"/-.").ok_or_else(|| s.expected("\"/\""))?;
    let (b, _) = s.digits(1, 2).ok_or_else(|| s.expected("a day or month"))?;
    if !s.eat(sep) {
        return Err(s.expected(&format!("\"{}\" after the day or month", char::from(sep))));
    }
    let year_at = s.i;
    let (year, n) = s.digits(1, 4).ok_or_else(|| s.expected("a 4-digit year"))?;
    if n != 4 || s.peek().is_some_and(|c| c.is_ascii_digit()) {
        if n == 2 && !s.peek().is_some_and(|c| c.is_ascii_digit()) {
            return Err(invalid(format!(
                "{} has a two-digit year: write the year in full (e.g. 2024), or set a \
                 format such as \"%d/%m/%y\" for this column",
                q(t)
            )));
        }
        s.i = year_at;
        return Err(s.expected("a 4-digit year"));
    }
    let (clock, offset) = time_and_offset(&mut s)?;
    let (day_first, month_first) = (
        civil_date(t, year, b, a, Some(DateOrder::DayFirst)),
        civil_date(t, year, a, b, Some(DateOrder::MonthFirst)),
    );
    let date = match spec.date_order {
        Some(DateOrder::DayFirst) => day_first?,
        Some(DateOrder::MonthFirst) => month_first?,
        None => match (day_first, month_first) {
            (Ok(d), Ok(m)) if d == m => d,
            (Ok(d), Ok(m)) => {
                return Err(TimeError::Ambiguous(format!(
                    "{} could be {} {} or {} {}; set dateOrder to \"dmy\" (day first) or \"mdy\" \
                     (month first) for this column",
                    q(t),
                    d.day(),
                    month_name(d.month()),
                    month_name(m.month()),
                    m.day()
                )))
            }
            (Ok(d), Err(_)) => d,
            (Err(_), Ok(m)) => m,
            (Err(_), Err(_)) => {
                return Err(invalid(format!(
                    "{} is not a valid date in either day-first (dmy) or month-first (mdy) \
                     order",
                    q(t)
                )))
            }
        },
    };
    resolve(t, date, clock, offset, spec)
}

fn month_name(m: i8) -> &'static str {
    usize::try_from(m - 1)
        .ok()
        .and_then(|i| MONTHS.get(i))
        .copied()
        .unwrap_or("?")
}

/// A real calendar date, or an error naming what is wrong; `order` says which
/// reading of a slash date this is, for the message.
pub(super) fn civil_date(
    t: &str,
    year: i64,
    month: i64,
    day: i64,
    order: Option<DateOrder>,
) -> Result<Date, TimeError> {
    let what = match order {
        Some(order) => format!("a valid {order} date"),
        None => "a valid date".to_owned(),
    };
    if !(1..=12).contains(&month) {
        return Err(invalid(format!("{} is not {what} (month {month})", q(t))));
    }
    // Year ≤ 9999 and month ≤ 12 from the scanners, day ≤ 99: the casts hold.
    let first = Date::new(year as i16, month as i8, 1)
        .map_err(|e| invalid(format!("{} is not {what} ({e})", q(t))))?;
    let days = i64::from(first.days_in_month());
    if !(1..=days).contains(&day) {
        return Err(invalid(format!(
            "{} is not {what} (day {day}; {} {year} has {days} days)",
            q(t),
            month_name(month as i8)
        )));
    }
    Date::new(year as i16, month as i8, day as i8)
        .map_err(|e| invalid(format!("{} is not {what} ({e})", q(t))))
}

/// `A?B?YYYY` at the start of a value (`?` one of `/ - .`, the same twice).
pub(super) fn year_last_parts(t: &str) -> Option<(i64, i64, i64)> {
    let mut s = Scan::new(t);
    let (a, _) = s.digits(1, 2)?;
    let sep = s.eat_any(b"/-.")?;
    let (b, _) = s.digits(1, 2)?;
    if !s.eat(sep) {
        return None;
    }
    let (year, _) = s.digits(4, 4)?;
    if s.peek().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((a, b, year))
}
