//! Plain numbers: epoch times whose unit is chosen by magnitude, and
//! 8-digit `YYYYMMDD` dates.

use super::calendar::real_date;
use super::dates::civil_date;
use super::model::{ParsedTime, TimeError, TimeSpec};
use super::resolve::{out_of_range, resolve};
use super::{MAX_MS, MIN_MS};

/// `[+-]?\d+(\.\d+)?`
pub(super) fn is_number(b: &[u8]) -> bool {
    let b = match b.first() {
        Some(b'+' | b'-') => &b[1..],
        _ => b,
    };
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    match &b[int..] {
        [] => int > 0,
        [b'.', frac @ ..] => int > 0 && !frac.is_empty() && frac.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// `YYYYMMDD` with a year 1900–2100 that is a real date: `Some` with the
/// result (midnight in the spec's zone), `None` when it is not such a date.
pub(super) fn yyyymmdd(t: &str, spec: &TimeSpec) -> Option<Result<ParsedTime, TimeError>> {
    if t.len() != 8 || !t.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = t.parse().ok()?;
    let (year, month, day) = (n / 10_000, n / 100 % 100, n % 100);
    if !(1900..=2100).contains(&year) || !real_date(year, month, day) {
        return None;
    }
    let date = civil_date(t, year, month, day, None).ok()?;
    Some(resolve(t, date, None, None, spec))
}

/// An epoch number whose unit is chosen by magnitude (see
/// [`parse_timestamp`](super::parse_timestamp)), or an 8-digit `YYYYMMDD` date.
pub(super) fn parse_number(t: &str, spec: &TimeSpec) -> Result<ParsedTime, TimeError> {
    if let Some(date) = yyyymmdd(t, spec) {
        return date;
    }
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (int_text, frac_text) = body.split_once('.').unwrap_or((body, ""));
    let int_text = int_text.trim_start_matches('0');
    // 10^20 ns is past 5138; 21+ digits can only be out of range, and the
    // limit keeps the arithmetic below far from overflowing i128.
    if int_text.len() > 20 {
        return Err(out_of_range(t, "too large for an epoch time"));
    }
    let int: i128 = int_text
        .bytes()
        .fold(0, |v, c| v * 10 + i128::from(c - b'0'));
    // The fraction as billionths of the unit; digits past nine only matter
    // for flooring a negative value.
    let mut frac: i128 = 0;
    for c in frac_text.bytes().chain(std::iter::repeat(b'0')).take(9) {
        frac = frac * 10 + i128::from(c - b'0');
    }
    let sticky = frac_text.bytes().skip(9).any(|c| c != b'0');
    let (unit, per_ms): (&str, i128) = match int {
        i if i < 100_000_000_000 => ("seconds", 1_000_000),
        i if i < 100_000_000_000_000 => ("milliseconds", 1_000_000_000),
        i if i < 100_000_000_000_000_000 => ("microseconds", 1_000_000_000_000),
        _ => ("nanoseconds", 1_000_000_000_000_000),
    };
    let mut x = int * 1_000_000_000 + frac;
    if negative {
        x = -x - i128::from(sticky);
    }
    let ms = x.div_euclid(per_ms);
    match i64::try_from(ms) {
        Ok(ms) if (MIN_MS..=MAX_MS).contains(&ms) => Ok(ParsedTime {
            millis: ms,
            warning: None,
            iso: None,
        }),
        _ => Err(out_of_range(
            t,
            &format!("read as epoch {unit}, by its size"),
        )),
    }
}
