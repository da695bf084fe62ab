//! Timestamps: reading the many forms history comes in, writing ISO-8601 UTC.
//!
//! A wrong timestamp silently re-dates a user's history, so this module prefers
//! a clear error to a guess: a slash date that reads as both 3 April and March 4
//! is [`TimeError::Ambiguous`] until the column's [`DateOrder`] is set, and a
//! local time that falls in a daylight-saving gap or fold parses with a
//! [`TimeWarning`] saying which reading was taken.
//!
//! Design:
//! - [`parse_timestamp`] first tries a hand-written, allocation-free fast path
//!   for the shapes that make up nearly every row of machine-written files
//!   (`2024-01-02T03:04:05.678Z`, `…+02:00`, and `2024-01-02 03:04:05` when the
//!   column's zone is a fixed offset such as UTC). Anything else, and anything
//!   the fast path is unsure of, goes to the general path, which scans the text
//!   into fields and leaves calendars, offsets and time zones to `jiff`. Tests
//!   check that both paths agree.
//! - Sub-millisecond digits are truncated (floored on the time line), never
//!   rounded up: `…:59.9999Z` stays in the same second, as the writer meant.
//! - Instants are milliseconds since the Unix epoch; only the years 0000–9999
//!   are accepted because only those can be written as ISO-8601 without an
//!   extended year (and jiff stops at 9999-12-30T22:00Z).

use std::fmt;

use jiff::civil::{Date, DateTime, Time};
use jiff::fmt::{rfc2822, strtime};
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::Timestamp;

/// 0000-01-01T00:00:00.000Z in milliseconds since the Unix epoch.
const MIN_MS: i64 = -62_167_219_200_000;
/// 9999-12-30T22:00:00.999Z in milliseconds since the Unix epoch: jiff's
/// latest instant (it keeps room for any offset on its last civil day), so
/// the fast path stops where jiff does and both paths agree.
const MAX_MS: i64 = 253_402_207_200_999;
const MS_PER_DAY: i64 = 86_400_000;

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
    format: Option<String>,
    /// The zone of values that carry no offset.
    timezone: TimeZone,
    /// How to read slash dates whose day and month could be swapped.
    date_order: Option<DateOrder>,
    /// The zone's offset when it has never changed (UTC, `Etc/GMT+5`), so the
    /// fast path can read offset-less values without a zone lookup.
    fixed: Option<Offset>,
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
    /// [`detect_date_order`]).
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

/// Rejects a format that jiff cannot write, or whose output it cannot read
/// back into a date: better one error when the mapping is loaded than one per
/// row.
fn check_format(f: &str, tz: &TimeZone) -> Result<(), String> {
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

/// A parsed timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTime {
    /// Milliseconds since 1970-01-01T00:00:00Z, sub-millisecond digits truncated.
    pub millis: i64,
    /// Set when the value parsed but a reading had to be chosen.
    pub warning: Option<TimeWarning>,
    /// What [`format_iso_millis`] writes for `millis`, when the parser could
    /// write it from the digits it read (the usual shapes at offset zero:
    /// `…Z`, `+00:00`, or no offset in a UTC column); the text of every row
    /// is then not re-derived from `millis`.
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
///   with a [`TimeWarning`] in a daylight-saving gap or fold.
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

/// Whole days since 1970-01-01 (UTC) of an instant, rounding towards the past
/// so that 1969-12-31T23:59:59.999Z is day -1.
pub fn days_since_epoch(millis: i64) -> i64 {
    millis.div_euclid(MS_PER_DAY)
}

/// Formats milliseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`
/// (always 24 bytes; years are clamped to 0000..=9999).
pub fn format_iso_millis(ms: i64) -> [u8; 24] {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (mut y, m, d) = civil_from_days(days);
    y = y.clamp(0, 9999);
    let (h, min, s, milli) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    let mut out = *b"0000-00-00T00:00:00.000Z";
    // Two digits at a time from a table: this runs for every timestamp cell.
    // Every value is in 0..100 here (the year in two halves).
    let put2 = |out: &mut [u8; 24], at: usize, v: i64| {
        out[at..at + 2].copy_from_slice(&DIGIT_PAIRS[v.rem_euclid(100) as usize]);
    };
    put2(&mut out, 0, y / 100);
    put2(&mut out, 2, y % 100);
    put2(&mut out, 5, m);
    put2(&mut out, 8, d);
    put2(&mut out, 11, h);
    put2(&mut out, 14, min);
    put2(&mut out, 17, s);
    out[20] = b'0' + (milli / 100) as u8;
    put2(&mut out, 21, milli % 100);
    out
}

/// "00", "01", … "99".
const DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

// ---------------------------------------------------------------------------
// Fast path: the common machine-written shapes, no allocation, no jiff.

/// Hinnant's civil-to-days, the inverse of [`civil_from_days`].
#[inline(always)]
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DD(T|t| )HH:MM:SS(.f+)?(Z|z|±HH:MM)?`, the offset-less form only
/// when the column's zone is fixed. Returns `None` for anything else or
/// anything doubtful (leap seconds, out of range) so the general path can
/// read it or explain what is wrong. At offset zero it also gives the ISO
/// text, put together from the digits read.
#[inline]
fn fast_path(b: &[u8], fixed: Option<Offset>) -> Option<(i64, Option<[u8; 24]>)> {
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    // A plain function, not a closure: the closure was not inlined, which
    // made seven calls per timestamp.
    let two = two_digits;
    let year = two(b, 0)? * 100 + two(b, 2)?;
    let (month, day) = (two(b, 5)?, two(b, 8)?);
    let (hour, minute, second) = (two(b, 11)?, two(b, 14)?, two(b, 17)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    let mut frac_ms = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            // Only the first three digits matter: truncation, not rounding.
            if i - start < 3 {
                frac_ms = frac_ms * 10 + i64::from(c - b'0');
            }
            i += 1;
        }
        match i - start {
            0 => return None,
            1 => frac_ms *= 100,
            2 => frac_ms *= 10,
            _ => {}
        }
    }
    let offset_s = match &b[i..] {
        [] => i64::from(fixed?.seconds()),
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digit = |c: u8| (c.is_ascii_digit()).then_some(i64::from(c - b'0'));
            let (oh, om) = (
                digit(*h1)? * 10 + digit(*h2)?,
                digit(*m1)? * 10 + digit(*m2)?,
            );
            if oh > 23 || om > 59 {
                return None;
            }
            let s = oh * 3600 + om * 60;
            if *sign == b'-' {
                -s
            } else {
                s
            }
        }
        _ => return None,
    };
    let secs =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset_s;
    let ms = secs * 1000 + frac_ms;
    if !(MIN_MS..=MAX_MS).contains(&ms) {
        return None;
    }
    let iso = (offset_s == 0).then(|| {
        // `YYYY-MM-DD`, `T`, `HH:MM:SS`, `.`, the first three fraction digits
        // padded with zeros, `Z`.
        let mut iso = *b"0000-00-00T00:00:00.000Z";
        iso[..10].copy_from_slice(&b[..10]);
        iso[11..19].copy_from_slice(&b[11..19]);
        iso[20..23].copy_from_slice(&DIGIT_TRIPLES[frac_ms as usize]);
        iso
    });
    Some((ms, iso))
}

/// The number written by the two ASCII digits at `b[i..i + 2]`.
#[inline(always)]
fn two_digits(b: &[u8], i: usize) -> Option<i64> {
    let (x, y) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
    (x < 10 && y < 10).then_some(i64::from(x) * 10 + i64::from(y))
}

/// "000", "001", … "999": milliseconds.
const DIGIT_TRIPLES: [[u8; 3]; 1000] = {
    let mut t = [[0u8; 3]; 1000];
    let mut i = 0;
    while i < 1000 {
        t[i] = [
            b'0' + (i / 100) as u8,
            b'0' + (i / 10 % 10) as u8,
            b'0' + (i % 10) as u8,
        ];
        i += 1;
    }
    t
};

// ---------------------------------------------------------------------------
// General path: scan into fields, let jiff do calendars and zones.

/// The value quoted for a message, shortened so one bad cell cannot make a
/// megabyte of report.
fn q(t: &str) -> String {
    const MAX: usize = 60;
    match t.char_indices().nth(MAX) {
        Some((at, _)) => format!("{:?}…", &t[..at]),
        None => format!("{t:?}"),
    }
}

fn invalid(msg: String) -> TimeError {
    TimeError::Invalid(msg)
}

/// A time of day as written.
#[derive(Clone, Copy)]
struct Clock {
    hour: i64,
    minute: i64,
    second: i64,
    /// The first nine fraction digits as nanoseconds; later digits cannot
    /// change the truncated millisecond.
    nanos: i64,
}

/// A byte cursor over trimmed text. It only ever steps over ASCII, so `i` is
/// always on a char boundary.
struct Scan<'a> {
    t: &'a str,
    i: usize,
}

impl<'a> Scan<'a> {
    fn new(t: &'a str) -> Scan<'a> {
        Scan { t, i: 0 }
    }
    fn peek(&self) -> Option<u8> {
        self.t.as_bytes().get(self.i).copied()
    }
    fn done(&self) -> bool {
        self.i >= self.t.len()
    }
    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.i += 1;
        }
        hit
    }
    fn eat_any(&mut self, cs: &[u8]) -> Option<u8> {
        let c = self.peek().filter(|c| cs.contains(c))?;
        self.i += 1;
        Some(c)
    }
    /// Eats `word` ignoring ASCII case.
    fn eat_word(&mut self, word: &str) -> bool {
        let hit = self
            .t
            .as_bytes()
            .get(self.i..self.i + word.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(word.as_bytes()));
        if hit {
            self.i += word.len();
        }
        hit
    }
    /// Reads `min..=max` digits; `None` (nothing consumed) if fewer than `min`.
    fn digits(&mut self, min: usize, max: usize) -> Option<(i64, usize)> {
        let b = self.t.as_bytes();
        let (mut v, mut n) = (0i64, 0);
        while n < max {
            match b.get(self.i + n) {
                Some(c) if c.is_ascii_digit() => v = v * 10 + i64::from(c - b'0'),
                _ => break,
            }
            n += 1;
        }
        if n < min {
            return None;
        }
        self.i += n;
        Some((v, n))
    }
    /// "expected X at character N, found "y"" for a syntax error here.
    fn expected(&self, what: &str) -> TimeError {
        let found = match self.t[self.i..].chars().next() {
            Some(c) => format!(
                "found {:?} at character {}",
                c.encode_utf8(&mut [0; 4]),
                self.t[..self.i].chars().count() + 1
            ),
            None => "but the value ends there".to_owned(),
        };
        invalid(format!(
            "{} is not a valid timestamp: expected {what}, {found}",
            q(self.t)
        ))
    }
}

fn parse_general(t: &str, spec: &TimeSpec) -> Result<ParsedTime, TimeError> {
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

/// `YYYY-MM-DD…`, also `/` or `.` as the separator.
fn parse_year_first(t: &str, spec: &TimeSpec) -> Result<ParsedTime, TimeError> {
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
/// see [`parse_number`]).
fn parse_basic(t: &str, spec: &TimeSpec) -> Result<ParsedTime, TimeError> {
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
fn parse_year_last(t: &str, spec: &TimeSpec) -> Result<ParsedTime, TimeError> {
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
                    "{} could be {} {} or {} {}; set dateOrder to \"dmy\" or \"mdy\" for \
                     this column",
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

/// After a date: nothing, or `T`/spaces, `H:MM[:SS[.f+]]`, optional AM/PM,
/// optional offset, then the end.
fn time_and_offset(s: &mut Scan<'_>) -> Result<(Option<Clock>, Option<i32>), TimeError> {
    if s.done() {
        return Ok((None, None));
    }
    if s.eat_any(b"Tt").is_none() {
        if !s.eat(b' ') {
            return Err(s.expected("\"T\" or a space before the time"));
        }
        while s.eat(b' ') {}
    }
    let (hour, _) = s.digits(1, 2).ok_or_else(|| s.expected("an hour"))?;
    if !s.eat(b':') {
        return Err(s.expected("\":\" after the hour"));
    }
    let (minute, _) = s
        .digits(2, 2)
        .ok_or_else(|| s.expected("2-digit minutes"))?;
    let mut clock = Clock {
        hour,
        minute,
        second: 0,
        nanos: 0,
    };
    if s.eat(b':') {
        clock.second = s
            .digits(2, 2)
            .ok_or_else(|| s.expected("2-digit seconds"))?
            .0;
        if s.eat_any(b".,").is_some() {
            clock.nanos = fraction(s)?;
        }
    }
    let before_space = s.i;
    s.eat(b' ');
    let pm = if s.eat_word("am") || s.eat_word("a.m.") {
        Some(false)
    } else if s.eat_word("pm") || s.eat_word("p.m.") {
        Some(true)
    } else {
        s.i = before_space;
        None
    };
    let before_space = s.i;
    s.eat(b' ');
    let offset = zone(s)?;
    if offset.is_none() {
        s.i = before_space;
    }
    if !s.done() {
        return Err(s.expected("the end of the value"));
    }
    Ok((Some(check_clock(s.t, clock, pm)?), offset))
}

/// Fraction digits (at least one) as nanoseconds, truncated after nine.
fn fraction(s: &mut Scan<'_>) -> Result<i64, TimeError> {
    let start = s.i;
    let mut nanos = 0;
    while let Some(c) = s.peek().filter(u8::is_ascii_digit) {
        if s.i - start < 9 {
            nanos = nanos * 10 + i64::from(c - b'0');
        }
        s.i += 1;
    }
    let n = s.i - start;
    if n == 0 {
        return Err(s.expected("digits after the decimal point"));
    }
    for _ in n..9 {
        nanos *= 10;
    }
    Ok(nanos)
}

/// An optional UTC offset: `Z`, `UTC`, `GMT`, `±HH`, `±HHMM`, `±HH:MM`, in
/// seconds east of UTC.
fn zone(s: &mut Scan<'_>) -> Result<Option<i32>, TimeError> {
    if s.eat_any(b"Zz").is_some() || s.eat_word("UTC") || s.eat_word("GMT") {
        return Ok(Some(0));
    }
    let Some(sign) = s.eat_any(b"+-") else {
        return Ok(None);
    };
    let at = s.i - 1;
    let (h, _) = s
        .digits(2, 2)
        .ok_or_else(|| s.expected("a 2-digit offset hour"))?;
    let colon = s.eat(b':');
    let m = match s.digits(2, 2) {
        Some((m, _)) => m,
        None if colon => return Err(s.expected("2-digit offset minutes")),
        None => 0,
    };
    if h > 23 || m > 59 {
        return Err(invalid(format!(
            "{} has an invalid UTC offset {:?} (expected -23:59 to +23:59)",
            q(s.t),
            &s.t[at..s.i]
        )));
    }
    let secs = (h * 3600 + m * 60) as i32;
    Ok(Some(if sign == b'-' { -secs } else { secs }))
}

fn check_clock(t: &str, mut c: Clock, pm: Option<bool>) -> Result<Clock, TimeError> {
    if let Some(pm) = pm {
        if !(1..=12).contains(&c.hour) {
            return Err(invalid(format!(
                "{} is not a valid time (hour {} with {}; expected 1–12)",
                q(t),
                c.hour,
                if pm { "PM" } else { "AM" }
            )));
        }
        c.hour = c.hour % 12 + if pm { 12 } else { 0 };
    }
    if c.hour > 23 {
        return Err(invalid(format!(
            "{} is not a valid time (hour {})",
            q(t),
            c.hour
        )));
    }
    if c.minute > 59 {
        return Err(invalid(format!(
            "{} is not a valid time (minute {})",
            q(t),
            c.minute
        )));
    }
    if c.second > 60 {
        return Err(invalid(format!(
            "{} is not a valid time (second {})",
            q(t),
            c.second
        )));
    }
    // A leap second cannot be represented; read it as the second before, as
    // jiff's own parsers do.
    c.second = c.second.min(59);
    Ok(c)
}

/// A real calendar date, or an error naming what is wrong; `order` says which
/// reading of a slash date this is, for the message.
fn civil_date(
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

/// A date, an optional time (midnight when absent) and an optional offset
/// (the spec's zone when absent) to an instant.
fn resolve(
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
fn local(t: &str, dt: DateTime, tz: &TimeZone) -> Result<ParsedTime, TimeError> {
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
fn floor_millis(ts: Timestamp) -> i64 {
    // jiff's range (years -9999..=9999) is far inside i64 milliseconds.
    ts.as_nanosecond().div_euclid(1_000_000) as i64
}

fn finish(t: &str, ts: Timestamp, warning: Option<TimeWarning>) -> Result<ParsedTime, TimeError> {
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

fn out_of_range(t: &str, why: &str) -> TimeError {
    invalid(format!(
        "{} is outside the supported years 0000–9999 ({why})",
        q(t)
    ))
}

/// `[+-]?\d+(\.\d+)?`
fn is_number(b: &[u8]) -> bool {
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
fn yyyymmdd(t: &str, spec: &TimeSpec) -> Option<Result<ParsedTime, TimeError>> {
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
/// [`parse_timestamp`]), or an 8-digit `YYYYMMDD` date.
fn parse_number(t: &str, spec: &TimeSpec) -> Result<ParsedTime, TimeError> {
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

/// RFC 2822 via jiff, or the catch-all "not a timestamp" message.
fn parse_rfc2822(t: &str) -> Result<ParsedTime, TimeError> {
    match rfc2822::parse(t) {
        Ok(zoned) => finish(t, zoned.timestamp(), None),
        Err(e) => {
            Err(invalid(if meant_as_rfc2822(t) {
                format!("{} is not a valid RFC 2822 date such as \"Tue, 1 Jul 2003 10:52:37 +0200\" ({e})", q(t))
            } else {
                format!(
                    "{} is not a recognised timestamp: expected e.g. 2024-01-02T03:04:05Z, \
                     2024-01-02 03:04, 01/02/2024, 1704164645 (epoch seconds) or \
                     Tue, 1 Jul 2003 10:52:37 +0200",
                    q(t)
                )
            }))
        }
    }
}

/// Starts with a weekday, or a day number and a month name: jiff's reason
/// why it is not RFC 2822 will help more than a list of forms.
fn meant_as_rfc2822(t: &str) -> bool {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    const MONTHS3: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let starts = |b: &[u8], words: &[&str]| {
        b.get(..3)
            .is_some_and(|b| words.iter().any(|w| b.eq_ignore_ascii_case(w.as_bytes())))
    };
    let b = t.as_bytes();
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    starts(b, &DAYS)
        || ((1..=2).contains(&lead)
            && b.get(lead) == Some(&b' ')
            && b.get(lead + 1..).is_some_and(|rest| starts(rest, &MONTHS3)))
}

/// The column's strftime format, and nothing else.
fn parse_with_format(t: &str, f: &str, spec: &TimeSpec) -> Result<ParsedTime, TimeError> {
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

/// `A?B?YYYY` at the start of a value (`?` one of `/ - .`, the same twice).
fn year_last_parts(t: &str) -> Option<(i64, i64, i64)> {
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

fn real_date(year: i64, month: i64, day: i64) -> bool {
    (0..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
}

// Native only: proptest does not build for wasm32-unknown-unknown.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use jiff::tz;
    use proptest::prelude::*;

    fn iso(ms: i64) -> String {
        String::from_utf8_lossy(&format_iso_millis(ms)).into_owned()
    }

    fn spec(tz: &str) -> TimeSpec {
        TimeSpec::new(None, Some(tz), None).unwrap()
    }

    fn order(o: DateOrder) -> TimeSpec {
        TimeSpec::default().with_date_order(Some(o))
    }

    /// Parses or fails the test with the error; returns ISO UTC.
    fn ok_in(t: &str, spec: &TimeSpec) -> String {
        match parse_timestamp(t, spec) {
            Ok(p) => iso(p.millis),
            Err(e) => panic!("{t:?} should parse: {e}"),
        }
    }

    fn ok(t: &str) -> String {
        ok_in(t, &TimeSpec::default())
    }

    fn err_in(t: &str, spec: &TimeSpec) -> TimeError {
        match parse_timestamp(t, spec) {
            Ok(p) => panic!("{t:?} should fail, got {}", iso(p.millis)),
            Err(e) => e,
        }
    }

    fn invalid_msg(t: &str) -> String {
        match err_in(t, &TimeSpec::default()) {
            TimeError::Invalid(m) => m,
            other => panic!("{t:?}: expected Invalid, got {other:?}"),
        }
    }

    fn jiff_ms(s: &str) -> i64 {
        floor_millis(s.parse::<Timestamp>().unwrap())
    }

    // --- format_iso_millis, days_since_epoch, limits --------------------

    #[test]
    fn formats_iso_millis() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso(-86_400_000), "1969-12-31T00:00:00.000Z");
        assert_eq!(
            iso(jiff_ms("2024-02-29T12:34:56.789Z")),
            "2024-02-29T12:34:56.789Z"
        );
        assert_eq!(
            iso(jiff_ms("2000-02-29T00:00:00Z")),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            iso(jiff_ms("1900-03-01T00:00:00Z")),
            "1900-03-01T00:00:00.000Z"
        );
        assert_eq!(iso(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        assert_eq!(iso(MAX_MS), "9999-12-30T22:00:00.999Z");
        assert_eq!(iso(MIN_MS), "0000-01-01T00:00:00.000Z");
        // Clamped, documented: never more than 4 year digits.
        assert_eq!(&iso(253_402_300_800_000)[..4], "9999");
        assert_eq!(&iso(MIN_MS - 1)[..4], "0000");
    }

    #[test]
    fn the_iso_text_is_put_together_at_offset_zero_only() {
        let utc = TimeSpec {
            fixed: Some(Offset::UTC),
            ..TimeSpec::default()
        };
        let iso_of = |t: &str, spec: &TimeSpec| {
            parse_timestamp(t, spec)
                .map(|p| p.iso.map(|i| String::from_utf8_lossy(&i).into_owned()))
        };
        let want = Some("2024-02-29T12:34:56.780Z".to_string());
        for t in [
            "2024-02-29T12:34:56.78Z",
            " 2024-02-29T12:34:56.780Z ",
            "2024-02-29T12:34:56.7801234Z",
            "2024-02-29t12:34:56.78z",
            "2024-02-29 12:34:56.78+00:00",
            "2024-02-29T12:34:56.78-00:00",
        ] {
            assert_eq!(iso_of(t, &TimeSpec::default()), Ok(want.clone()), "{t}");
        }
        assert_eq!(
            iso_of("2024-02-29 12:34:56", &utc),
            Ok(Some("2024-02-29T12:34:56.000Z".to_string())),
            "no offset in a UTC column"
        );
        for t in [
            "2024-02-29T12:34:56.78+01:00",
            "1709210096789",
            "29/02/2024",
        ] {
            let parsed = parse_timestamp(t, &utc);
            assert!(
                parsed.as_ref().is_ok_and(|p| p.iso.is_none()),
                "{t}: {parsed:?}"
            );
        }
        // Out of range or not a date: not accepted at all.
        assert!(iso_of("2023-02-29T12:34:56.789Z", &utc).is_err());
        assert!(iso_of("2024-02-29T12:34:60.000Z", &utc).map_or(true, |i| i.is_none()));
    }

    #[test]
    fn limits_match_jiff() {
        assert_eq!(MIN_MS, jiff_ms("0000-01-01T00:00:00Z"));
        assert_eq!(MAX_MS, floor_millis(Timestamp::MAX));
        assert_eq!(MIN_MS - 1, jiff_ms("-000001-12-31T23:59:59.999Z"));
    }

    #[test]
    fn days_since_epoch_floors() {
        assert_eq!(days_since_epoch(0), 0);
        assert_eq!(days_since_epoch(86_399_999), 0);
        assert_eq!(days_since_epoch(86_400_000), 1);
        assert_eq!(days_since_epoch(-1), -1);
        assert_eq!(days_since_epoch(-86_400_000), -1);
        assert_eq!(days_since_epoch(-86_400_001), -2);
        assert_eq!(days_since_epoch(jiff_ms("2024-01-02T23:59:59Z")), 19_724);
    }

    // --- ISO-8601 / RFC 3339 --------------------------------------------

    #[test]
    fn iso_forms() {
        for (input, want) in [
            ("2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000Z"),
            ("2024-01-02t03:04:05z", "2024-01-02T03:04:05.000Z"),
            ("2024-01-02 03:04:05Z", "2024-01-02T03:04:05.000Z"),
            ("  2024-01-02T03:04:05Z\t\n", "2024-01-02T03:04:05.000Z"),
            ("2024-01-02T03:04Z", "2024-01-02T03:04:00.000Z"),
            ("2024-01-02T03:04:05.6Z", "2024-01-02T03:04:05.600Z"),
            ("2024-01-02T03:04:05.67Z", "2024-01-02T03:04:05.670Z"),
            ("2024-01-02T03:04:05,678Z", "2024-01-02T03:04:05.678Z"),
            ("2024-01-02T03:04:05+02:00", "2024-01-02T01:04:05.000Z"),
            ("2024-01-02T03:04:05+0200", "2024-01-02T01:04:05.000Z"),
            ("2024-01-02T03:04:05+02", "2024-01-02T01:04:05.000Z"),
            ("2024-01-02T03:04:05-05:30", "2024-01-02T08:34:05.000Z"),
            ("2024-01-02T03:04:05-00:00", "2024-01-02T03:04:05.000Z"),
            ("2024-01-02 03:04:05 +0200", "2024-01-02T01:04:05.000Z"),
            ("2024-01-02 03:04:05 UTC", "2024-01-02T03:04:05.000Z"),
            ("2024-01-02 03:04:05+00", "2024-01-02T03:04:05.000Z"),
            ("2024-01-02T00:30:00+01:00", "2024-01-01T23:30:00.000Z"),
            ("2024-01-02", "2024-01-02T00:00:00.000Z"),
            ("2024-1-2", "2024-01-02T00:00:00.000Z"),
            ("2024/01/02", "2024-01-02T00:00:00.000Z"),
            ("2024.01.02 13:14", "2024-01-02T13:14:00.000Z"),
            ("2024-01-02 03:04", "2024-01-02T03:04:00.000Z"),
            ("2024-01-02 03:04:05", "2024-01-02T03:04:05.000Z"),
            ("2024-01-02T03:04:05", "2024-01-02T03:04:05.000Z"),
            ("2024-01-02 03:04:05.123456", "2024-01-02T03:04:05.123Z"),
            ("20240102T030405Z", "2024-01-02T03:04:05.000Z"),
            ("20240102T0304Z", "2024-01-02T03:04:00.000Z"),
            ("20240102T030405.5+0100", "2024-01-02T02:04:05.500Z"),
            ("20240102T030405", "2024-01-02T03:04:05.000Z"),
            ("20240102", "2024-01-02T00:00:00.000Z"),
            // A leap second reads as the second before it, as in jiff.
            ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.000Z"),
        ] {
            assert_eq!(ok(input), want, "{input:?}");
        }
    }

    #[test]
    fn fractions_truncate_never_round() {
        assert_eq!(ok("2024-01-02T03:04:05.9999Z"), "2024-01-02T03:04:05.999Z");
        assert_eq!(
            ok("2024-12-31T23:59:59.999999999999Z"),
            "2024-12-31T23:59:59.999Z"
        );
        assert_eq!(ok("2024-01-02T03:04:05.0001Z"), "2024-01-02T03:04:05.000Z");
        assert_eq!(
            ok("2024-01-02 03:04:05.9999 +01:00"),
            "2024-01-02T02:04:05.999Z"
        );
        // Before 1970 truncating the written digits is flooring on the line.
        let p = parse_timestamp("1969-12-31T23:59:59.9999Z", &TimeSpec::default()).unwrap();
        assert_eq!(p.millis, -1);
        assert_eq!(ok("1969-12-31 23:59:59.9999"), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn pre_1970_and_far_future_parse() {
        assert_eq!(ok("1900-01-01T00:00:00Z"), "1900-01-01T00:00:00.000Z");
        assert_eq!(ok("0001-01-01"), "0001-01-01T00:00:00.000Z");
        assert_eq!(ok("0000-01-01T00:00:00Z"), "0000-01-01T00:00:00.000Z");
        assert_eq!(ok("1850-06-15 12:00"), "1850-06-15T12:00:00.000Z");
        assert_eq!(ok("9999-12-30T22:00:00.999Z"), "9999-12-30T22:00:00.999Z");
        assert_eq!(ok("9999-12-31T00:00:00+02:00"), "9999-12-30T22:00:00.000Z");
        // jiff's limit: the last two hours of 9999 (UTC) cannot be represented.
        assert!(invalid_msg("9999-12-30T22:00:01Z").contains("0000–9999"));
        assert!(invalid_msg("9999-12-31").contains("0000–9999"));
        assert_eq!(ok("2999-01-01T00:00:00+14:00"), "2998-12-31T10:00:00.000Z");
        // …but not past what four year digits can hold, once in UTC.
        assert!(invalid_msg("9999-12-31T23:00:00-05:00").contains("0000–9999"));
        assert!(invalid_msg("0000-01-01T00:30:00+01:00").contains("0000–9999"));
    }

    #[test]
    fn local_time_in_the_spec_zone() {
        let berlin = spec("Europe/Berlin");
        assert_eq!(ok_in("2024-01-02", &berlin), "2024-01-01T23:00:00.000Z");
        assert_eq!(
            ok_in("2024-07-01 12:00", &berlin),
            "2024-07-01T10:00:00.000Z"
        );
        assert_eq!(
            ok_in("2024-07-01T12:00:00.5", &berlin),
            "2024-07-01T10:00:00.500Z"
        );
        // An explicit offset wins over the zone.
        assert_eq!(
            ok_in("2024-07-01T12:00:00Z", &berlin),
            "2024-07-01T12:00:00.000Z"
        );
        assert_eq!(
            ok_in("2024-07-01 12:00:00+01:00", &berlin),
            "2024-07-01T11:00:00.000Z"
        );
        let ny = spec("America/New_York");
        assert_eq!(ok_in("2024-01-15 09:30", &ny), "2024-01-15T14:30:00.000Z");
        assert_eq!(ok_in("2024-07-15 09:30", &ny), "2024-07-15T13:30:00.000Z");
        assert_eq!(ok_in("07/15/2024 9:30 AM", &ny), "2024-07-15T13:30:00.000Z");
        assert_eq!(ok_in("20240715", &ny), "2024-07-15T04:00:00.000Z");
        // A fixed-offset zone takes the fast path and agrees.
        let gmt5 = spec("Etc/GMT+5");
        assert_eq!(gmt5.fixed, Some(tz::offset(-5)));
        assert_eq!(
            ok_in("2024-01-02 03:04:05", &gmt5),
            "2024-01-02T08:04:05.000Z"
        );
        assert_eq!(spec("UTC").fixed, Some(Offset::UTC));
        assert_eq!(spec("Europe/Berlin").fixed, None);
        assert_eq!(TimeSpec::default().fixed, Some(Offset::UTC));
    }

    fn warned(t: &str, spec: &TimeSpec) -> (String, String) {
        let p = parse_timestamp(t, spec).unwrap();
        match p.warning {
            Some(TimeWarning::AmbiguousLocalTime(m)) => (iso(p.millis), m),
            None => panic!("{t:?} should warn"),
        }
    }

    #[test]
    fn dst_gap_and_fold_berlin() {
        let berlin = spec("Europe/Berlin");
        // 2024-03-31 02:00 → 03:00: 02:30 never happened; "compatible" reads
        // it with the offset before the jump (+01:00), i.e. 03:30 CEST.
        let (at, msg) = warned("2024-03-31 02:30", &berlin);
        assert_eq!(at, "2024-03-31T01:30:00.000Z");
        assert!(msg.contains("\"2024-03-31 02:30\""), "{msg}");
        assert!(msg.contains("Europe/Berlin"), "{msg}");
        assert!(msg.contains("+01:00") && msg.contains("+02:00"), "{msg}");
        assert!(msg.contains("2024-03-31T01:30:00.000Z"), "{msg}");
        // 2024-10-27 03:00 → 02:00: 02:30 happened twice; the first is CEST.
        let (at, msg) = warned("2024-10-27 02:30:00", &berlin);
        assert_eq!(at, "2024-10-27T00:30:00.000Z");
        assert!(msg.contains("twice") && msg.contains("first"), "{msg}");
        // Just outside: no warning.
        let p = parse_timestamp("2024-03-31 03:00", &berlin).unwrap();
        assert_eq!(
            (iso(p.millis).as_str(), p.warning),
            ("2024-03-31T01:00:00.000Z", None)
        );
        let p = parse_timestamp("2024-10-27 03:00", &berlin).unwrap();
        assert_eq!(
            (iso(p.millis).as_str(), p.warning),
            ("2024-10-27T02:00:00.000Z", None)
        );
        // With an offset there is nothing to choose.
        let p = parse_timestamp("2024-10-27 02:30:00+01:00", &berlin).unwrap();
        assert_eq!(
            (iso(p.millis).as_str(), p.warning),
            ("2024-10-27T01:30:00.000Z", None)
        );
    }

    #[test]
    fn dst_gap_and_fold_new_york() {
        let ny = spec("America/New_York");
        let (at, msg) = warned("2024-03-10 02:30", &ny);
        assert_eq!(at, "2024-03-10T07:30:00.000Z");
        assert!(
            msg.contains("America/New_York") && msg.contains("-05:00"),
            "{msg}"
        );
        let (at, msg) = warned(
            "11/03/2024 1:30 AM",
            &order(DateOrder::MonthFirst).with_zone(&ny),
        );
        assert_eq!(at, "2024-11-03T05:30:00.000Z");
        assert!(msg.contains("-04:00"), "{msg}");
        // With a format, too.
        let f = TimeSpec::new(Some("%Y%m%d %H%M"), Some("America/New_York"), None).unwrap();
        let (at, _) = warned("20241103 0130", &f);
        assert_eq!(at, "2024-11-03T05:30:00.000Z");
    }

    impl TimeSpec {
        fn with_zone(mut self, other: &TimeSpec) -> TimeSpec {
            self.timezone = other.timezone.clone();
            self.fixed = other.fixed;
            self
        }
    }

    // --- TimeSpec::new ---------------------------------------------------

    #[test]
    fn spec_errors_are_sentences() {
        let e = TimeSpec::new(None, Some("Europe/Berln"), None).unwrap_err();
        assert!(e.contains("\"Europe/Berln\"") && e.contains("IANA"), "{e}");
        let e = TimeSpec::new(None, Some("CEST+2"), None).unwrap_err();
        assert!(e.contains("unknown time zone"), "{e}");
        assert!(TimeSpec::new(None, Some(""), None).is_ok());
        assert!(TimeSpec::new(None, Some("Asia/Kolkata"), None).is_ok());
        for bad in ["", "%H:%M", "hello", "%Y-%m-%d %Z", "%Y-%m-%d %", "%Y-%m"] {
            let e = TimeSpec::new(Some(bad), None, None).unwrap_err();
            assert!(e.contains(&format!("{bad:?}")), "{bad:?}: {e}");
        }
        for good in [
            "%Y-%m-%d",
            "%d.%m.%Y %H:%M",
            "%s",
            "%Y-%m-%dT%H:%M:%S%.f%z",
            "%m/%d/%y %I:%M %p",
            "%F %T %Q",
        ] {
            let s = TimeSpec::new(Some(good), Some("Europe/Paris"), Some(DateOrder::DayFirst));
            assert!(s.is_ok(), "{good:?}: {:?}", s.err());
        }
        let s = TimeSpec::new(
            Some("%d.%m.%Y"),
            Some("Europe/Paris"),
            Some(DateOrder::DayFirst),
        )
        .unwrap();
        assert_eq!(s.format(), Some("%d.%m.%Y"));
        assert_eq!(s.timezone().iana_name(), Some("Europe/Paris"));
        assert_eq!(s.date_order(), Some(DateOrder::DayFirst));
    }

    #[test]
    fn date_order_serde_names() {
        assert_eq!(
            serde_json::to_string(&DateOrder::DayFirst).unwrap(),
            "\"dmy\""
        );
        assert_eq!(
            serde_json::to_string(&DateOrder::MonthFirst).unwrap(),
            "\"mdy\""
        );
        let o: DateOrder = serde_json::from_str("\"mdy\"").unwrap();
        assert_eq!(o, DateOrder::MonthFirst);
    }

    // --- formats ---------------------------------------------------------

    #[test]
    fn with_a_format_only_that_format() {
        let f = TimeSpec::new(Some("%d.%m.%Y %H:%M"), Some("Europe/Berlin"), None).unwrap();
        assert_eq!(ok_in("02.01.2024 10:00", &f), "2024-01-02T09:00:00.000Z");
        let e = err_in("2024-01-02T10:00:00Z", &f);
        assert!(
            matches!(&e, TimeError::Invalid(m) if m.contains("\"%d.%m.%Y %H:%M\"") && m.contains("2024-01-02T10:00:00Z")),
            "{e:?}"
        );
        let e = err_in("31.02.2024 10:00", &f);
        assert!(
            matches!(&e, TimeError::Invalid(m) if m.contains("31.02.2024")),
            "{e:?}"
        );
        let f = TimeSpec::new(Some("%Y-%m-%d %H:%M:%S%z"), Some("Europe/Berlin"), None).unwrap();
        assert_eq!(
            ok_in("2024-01-02 10:00:00+0500", &f),
            "2024-01-02T05:00:00.000Z"
        );
        let f = TimeSpec::new(Some("%s"), None, None).unwrap();
        assert_eq!(ok_in("1704164645", &f), "2024-01-02T03:04:05.000Z");
        let f = TimeSpec::new(Some("%m/%d/%y %I:%M %p"), None, None).unwrap();
        assert_eq!(ok_in("3/4/24 1:05 PM", &f), "2024-03-04T13:05:00.000Z");
        let f = TimeSpec::new(Some("%F %T %Q"), None, None).unwrap();
        assert_eq!(
            ok_in("2024-07-01 12:00:00 Europe/Berlin", &f),
            "2024-07-01T10:00:00.000Z"
        );
        let f = TimeSpec::new(Some("%Y-%m-%d %H:%M:%S%.f"), None, None).unwrap();
        assert_eq!(
            ok_in("2024-01-02 03:04:05.98765", &f),
            "2024-01-02T03:04:05.987Z"
        );
    }

    // --- slash dates -----------------------------------------------------

    #[test]
    fn slash_dates_ambiguous_unless_decided() {
        match err_in("03/04/2024", &TimeSpec::default()) {
            TimeError::Ambiguous(m) => {
                assert_eq!(
                    m,
                    "\"03/04/2024\" could be 3 April or March 4; set dateOrder to \"dmy\" or \"mdy\" for this column"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            err_in("3-4-2024 10:00", &TimeSpec::default()),
            TimeError::Ambiguous(_)
        ));
        // Only one reading is a date: take it.
        assert_eq!(ok("13/04/2024"), "2024-04-13T00:00:00.000Z");
        assert_eq!(ok("04/13/2024"), "2024-04-13T00:00:00.000Z");
        assert_eq!(ok("13-04-2024"), "2024-04-13T00:00:00.000Z");
        assert_eq!(ok("13.04.2024 08:15:30"), "2024-04-13T08:15:30.000Z");
        // Both readings the same date.
        assert_eq!(ok("04/04/2024"), "2024-04-04T00:00:00.000Z");
        // 29/02 exists only in leap years; the other reading never.
        assert_eq!(ok("29/02/2024"), "2024-02-29T00:00:00.000Z");
        let m = invalid_msg("29/02/2023");
        assert!(m.contains("either"), "{m}");
        let m = invalid_msg("31/31/2024");
        assert!(
            m.contains("\"31/31/2024\"") && m.contains("dmy") && m.contains("mdy"),
            "{m}"
        );
    }

    #[test]
    fn slash_dates_with_an_order() {
        let dmy = order(DateOrder::DayFirst);
        let mdy = order(DateOrder::MonthFirst);
        assert_eq!(ok_in("03/04/2024", &dmy), "2024-04-03T00:00:00.000Z");
        assert_eq!(ok_in("03/04/2024", &mdy), "2024-03-04T00:00:00.000Z");
        assert_eq!(ok_in("3/4/2024 1:05 PM", &mdy), "2024-03-04T13:05:00.000Z");
        assert_eq!(ok_in("3/4/2024 1:05pm", &mdy), "2024-03-04T13:05:00.000Z");
        assert_eq!(ok_in("3/4/2024 12:00 AM", &mdy), "2024-03-04T00:00:00.000Z");
        assert_eq!(
            ok_in("3/4/2024 12:30 p.m.", &mdy),
            "2024-03-04T12:30:00.000Z"
        );
        assert_eq!(
            ok_in("03/04/2024 23:59:58.123456", &dmy),
            "2024-04-03T23:59:58.123Z"
        );
        assert_eq!(
            ok_in("03/04/2024 10:00 +02:00", &dmy),
            "2024-04-03T08:00:00.000Z"
        );
        assert_eq!(ok_in("03/04/2024T10:00Z", &dmy), "2024-04-03T10:00:00.000Z");
        // A value that is no date in the given order says which order.
        match err_in("13/04/2024", &mdy) {
            TimeError::Invalid(m) => assert_eq!(
                m,
                "\"13/04/2024\" is not a valid month-first (mdy) date (month 13)"
            ),
            other => panic!("{other:?}"),
        }
        match err_in("04/31/2024", &mdy) {
            TimeError::Invalid(m) => assert!(
                m.contains("day 31") && m.contains("April 2024 has 30 days"),
                "{m}"
            ),
            other => panic!("{other:?}"),
        }
        assert!(invalid_msg("13/13/2024").contains("either"));
        let m = match err_in("3/4/2024 13:00 PM", &mdy) {
            TimeError::Invalid(m) => m,
            other => panic!("{other:?}"),
        };
        assert!(m.contains("hour 13"), "{m}");
    }

    #[test]
    fn two_digit_years_are_refused() {
        let m = invalid_msg("03/04/24");
        assert!(m.contains("two-digit year") && m.contains("%y"), "{m}");
        assert!(invalid_msg("03/04/24 10:00").contains("two-digit year"));
        assert!(invalid_msg("03/04/20245").contains("4-digit year"));
        assert!(invalid_msg("03/04/202").contains("4-digit year"));
    }

    #[test]
    fn detects_date_order() {
        assert_eq!(
            detect_date_order(["03/04/2024", "13/04/2024"]),
            Some(DateOrder::DayFirst)
        );
        assert_eq!(
            detect_date_order(["03/04/2024", "04/13/2024 10:00"]),
            Some(DateOrder::MonthFirst)
        );
        assert_eq!(
            detect_date_order(["31.12.2023", "01.02.2024"]),
            Some(DateOrder::DayFirst)
        );
        assert_eq!(detect_date_order(["03/04/2024", "05/06/2024"]), None);
        assert_eq!(detect_date_order(["13/04/2024", "04/13/2024"]), None);
        assert_eq!(detect_date_order(["2024-01-13", "hello", ""]), None);
        assert_eq!(detect_date_order(std::iter::empty::<&str>()), None);
        // Nonsense proves nothing.
        assert_eq!(detect_date_order(["13/13/2024", "31/02/2024"]), None);
        assert_eq!(
            detect_date_order(["13/13/2024", " 12/25/2024 "]),
            Some(DateOrder::MonthFirst)
        );
        let owned = ["25/12/2024".to_string()];
        assert_eq!(
            detect_date_order(owned.iter().map(String::as_str)),
            Some(DateOrder::DayFirst)
        );
    }

    // --- epoch numbers ---------------------------------------------------

    #[test]
    fn epoch_units_by_magnitude() {
        for (input, want) in [
            ("0", "1970-01-01T00:00:00.000Z"),
            ("1704164645", "2024-01-02T03:04:05.000Z"),
            ("+1704164645", "2024-01-02T03:04:05.000Z"),
            ("1704164645.123999", "2024-01-02T03:04:05.123Z"),
            ("1704164645123", "2024-01-02T03:04:05.123Z"),
            ("1704164645123.9", "2024-01-02T03:04:05.123Z"),
            ("1704164645123456", "2024-01-02T03:04:05.123Z"),
            ("1704164645123456789", "2024-01-02T03:04:05.123Z"),
            ("-86400", "1969-12-31T00:00:00.000Z"),
            ("-1.5", "1969-12-31T23:59:58.500Z"),
            ("-0.0001", "1969-12-31T23:59:59.999Z"),
            ("-1.0000000001", "1969-12-31T23:59:58.999Z"),
            ("12345678", "1970-05-23T21:21:18.000Z"),
            // Boundaries: the last seconds, the first milliseconds, …
            ("99999999999", "5138-11-16T09:46:39.000Z"),
            ("100000000000", "1973-03-03T09:46:40.000Z"),
            ("-99999999999", "-1199-02-15T14:13:21.000Z"),
            ("99999999999999", "5138-11-16T09:46:39.999Z"),
            ("100000000000000", "1973-03-03T09:46:40.000Z"),
            ("99999999999999999", "5138-11-16T09:46:39.999Z"),
            ("100000000000000000", "1973-03-03T09:46:40.000Z"),
            ("9223372036854775807", "2262-04-11T23:47:16.854Z"),
            ("000001704164645", "2024-01-02T03:04:05.000Z"),
        ] {
            if want.starts_with('-') {
                // Before year 0000: refused, naming the unit.
                let m = invalid_msg(input);
                assert!(m.contains("seconds") && m.contains("0000–9999"), "{m}");
                continue;
            }
            assert_eq!(ok(input), want, "{input:?}");
        }
        assert_eq!(ok("99999999999999999999"), "5138-11-16T09:46:39.999Z");
        for huge in [
            "999999999999999999999",
            "1000000000000000000000",
            "123456789012345678901234567890",
            "-100000000000000000000",
        ] {
            assert!(invalid_msg(huge).contains("0000–9999"), "{huge}");
        }
    }

    #[test]
    fn eight_digits_that_are_a_date() {
        assert_eq!(ok("20240102"), "2024-01-02T00:00:00.000Z");
        assert_eq!(ok("19700101"), "1970-01-01T00:00:00.000Z");
        assert_eq!(ok("19000101"), "1900-01-01T00:00:00.000Z");
        assert_eq!(ok("21001231"), "2100-12-31T00:00:00.000Z");
        assert_eq!(ok("20240229"), "2024-02-29T00:00:00.000Z");
        // Not a date, or outside 1900–2100: epoch seconds.
        assert_eq!(ok("20230229"), iso(20_230_229_000));
        assert_eq!(ok("20241301"), iso(20_241_301_000));
        assert_eq!(ok("18991231"), iso(18_991_231_000));
        assert_eq!(ok("21010101"), iso(21_010_101_000));
        // A sign or a fraction makes it a number.
        assert_eq!(ok("+20240102"), iso(20_240_102_000));
        // Any number is an epoch time, even one that looks like a year
        // (looks_like_timestamp is stricter, for suggestions).
        assert_eq!(ok("2024"), "1970-01-01T00:33:44.000Z");
        assert_eq!(ok("20240102.0"), iso(20_240_102_000));
    }

    // --- RFC 2822 --------------------------------------------------------

    #[test]
    fn rfc2822() {
        assert_eq!(
            ok("Tue, 1 Jul 2003 10:52:37 +0200"),
            "2003-07-01T08:52:37.000Z"
        );
        assert_eq!(ok("1 Jul 2003 10:52:37 +0200"), "2003-07-01T08:52:37.000Z");
        assert_eq!(
            ok("Tue, 01 Jul 2003 10:52:37 GMT"),
            "2003-07-01T10:52:37.000Z"
        );
        let m = invalid_msg("Wed, 1 Jul 2003 10:52:37 +0200");
        assert!(m.contains("RFC 2822"), "{m}");
        let m = invalid_msg("Tue, 32 Jul 2003 10:52:37 +0200");
        assert!(m.contains("RFC 2822") && m.contains("32 Jul"), "{m}");
        assert!(invalid_msg("32 Jul 2003 10:52:37 +0200").contains("RFC 2822"));
        // Other words get the list of accepted forms.
        let m = invalid_msg("hello");
        assert!(
            m.contains("not a recognised timestamp") && m.contains("2024-01-02T03:04:05Z"),
            "{m}"
        );
    }

    // --- errors ----------------------------------------------------------

    #[test]
    fn garbage_is_invalid_with_a_reason() {
        assert_eq!(
            invalid_msg("2024-13-01"),
            "\"2024-13-01\" is not a valid date (month 13)"
        );
        assert_eq!(
            invalid_msg("2024-00-01"),
            "\"2024-00-01\" is not a valid date (month 0)"
        );
        assert_eq!(
            invalid_msg("2023-02-29"),
            "\"2023-02-29\" is not a valid date (day 29; February 2023 has 28 days)"
        );
        assert!(invalid_msg("2024-04-31T10:00:00Z").contains("April 2024 has 30 days"));
        assert!(invalid_msg("2024-01-00").contains("day 0"));
        assert_eq!(
            invalid_msg("2024-01-02T24:00:00Z"),
            "\"2024-01-02T24:00:00Z\" is not a valid time (hour 24)"
        );
        assert!(invalid_msg("2024-01-02T10:60").contains("minute 60"));
        assert!(invalid_msg("2024-01-02T10:00:61Z").contains("second 61"));
        assert!(invalid_msg("2024-01-02T10:00:00+24:00").contains("offset \"+24:00\""));
        assert!(invalid_msg("2024-01-02T10:00:00+05:60").contains("offset"));
        let m = invalid_msg("2024-01-02T03:04:05Q");
        assert!(
            m.contains("\"Q\" at character 20") && m.contains("end of the value"),
            "{m}"
        );
        let m = invalid_msg("2024-01-02T03:04:05.Z");
        assert!(m.contains("digits after the decimal point"), "{m}");
        let m = invalid_msg("2024-01-02T3");
        assert!(
            m.contains("\":\" after the hour") && m.contains("ends there"),
            "{m}"
        );
        assert!(invalid_msg("2024-01-02T03:4").contains("2-digit minutes"));
        assert!(invalid_msg("2024-01/02").contains("\"-\" after the month"));
        assert!(invalid_msg("2024-01").contains("\"-\" after the month"));
        assert!(invalid_msg("2024-01-02Z").contains("before the time"));
        assert!(invalid_msg("2024-01-02T03:04:05+2").contains("offset hour"));
        assert!(invalid_msg("2024-01-02 03:04:05 PST").contains("end of the value"));
        for junk in [
            "hello",
            "n/a",
            "null",
            "-",
            ".",
            "1.",
            ".5",
            "1e9",
            "0x1F",
            "１７０４１６４６４５",
            "💥",
            "--1",
            "1..2",
            "T",
            "12:30",
        ] {
            let m = invalid_msg(junk);
            assert!(m.contains(&format!("{junk:?}")), "{junk:?}: {m}");
        }
        assert_eq!(invalid_msg(""), "an empty value is not a timestamp");
        assert_eq!(invalid_msg(" \t "), "an empty value is not a timestamp");
        // A long cell is shortened in the message.
        let long = "x".repeat(10_000);
        let m = invalid_msg(&long);
        assert!(m.len() < 400 && m.contains('…'), "{m}");
        let long = "é".repeat(100);
        assert!(invalid_msg(&long).contains('…'));
    }

    #[test]
    fn errors_display_their_message() {
        let e = err_in("2024-13-01", &TimeSpec::default());
        assert_eq!(e.to_string(), e.message());
        let w = TimeWarning::AmbiguousLocalTime("x".into());
        assert_eq!(w.to_string(), "x");
        assert_eq!(DateOrder::DayFirst.to_string(), "day-first (dmy)");
    }

    #[test]
    fn looks_like_timestamp_for_suggestions() {
        for yes in [
            "2024-01-02T03:04:05Z",
            "2024-01-02",
            " 2024-01-02 03:04 ",
            "03/04/2024",
            "13/04/2024 10:00",
            "1704164645",
            "1704164645123",
            "20240102",
            "Tue, 1 Jul 2003 10:52:37 +0200",
        ] {
            assert!(looks_like_timestamp(yes), "{yes:?}");
        }
        for no in [
            "",
            "42",
            "3.5",
            "-1704164645",
            "hello",
            "user@example.com",
            "5551234567",
            "12345678",
            "2024-13-01",
            "100",
        ] {
            assert!(!looks_like_timestamp(no), "{no:?}");
        }
    }

    // --- fast path against the general path and jiff --------------------

    #[test]
    fn fast_path_takes_the_common_shapes() {
        let utc = Some(Offset::UTC);
        for t in [
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05.123456Z",
            "2024-01-02T03:04:05+05:30",
            "2024-01-02T03:04:05.1-08:00",
            "2024-01-02 03:04:05",
            "2024-02-29 23:59:59.999",
            "0000-01-01T00:00:00Z",
            "9999-12-30T22:00:00.999999Z",
        ] {
            let fast = fast_path(t.as_bytes(), utc);
            assert!(fast.is_some(), "{t}");
            let slow = parse_general(t, &TimeSpec::default()).unwrap().millis;
            assert_eq!(fast.map(|(ms, _)| ms), Some(slow), "{t}");
            let iso = fast
                .and_then(|(_, iso)| iso)
                .map(|i| String::from_utf8_lossy(&i).into_owned());
            let offset_zero = !t[19..].contains(['+', '-']);
            assert_eq!(
                iso,
                offset_zero.then(|| String::from_utf8_lossy(&format_iso_millis(slow)).into_owned()),
                "{t}"
            );
        }
        for t in [
            "2024-01-02 03:04:05",      // no fixed zone given
            "2024-01-02T03:04:60Z",     // leap second
            "2023-02-29T03:04:05Z",     // not a date
            "2024-01-02T03:04:05.Z",    // empty fraction
            "2024-01-02T03:04:05+0530", // other offset spellings: general path
            "9999-12-31T23:59:59Z",     // out of jiff's range
        ] {
            assert_eq!(fast_path(t.as_bytes(), None), None, "{t}");
        }
    }

    /// Instants within the years 0001–9998, so any offset keeps them in range.
    fn instant() -> impl Strategy<Value = (i64, i32)> {
        (
            MIN_MS + 366 * MS_PER_DAY..MAX_MS - 366 * MS_PER_DAY,
            0..1_000_000i32,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn format_iso_millis_matches_jiff(ms in MIN_MS..=MAX_MS) {
            let want = Timestamp::from_millisecond(ms).unwrap().strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            prop_assert_eq!(iso(ms), want);
            let parsed = parse_timestamp(&iso(ms), &TimeSpec::default()).unwrap();
            prop_assert_eq!(parsed.millis, ms);
            prop_assert_eq!(parsed.iso.map(|i| String::from_utf8_lossy(&i).into_owned()), Some(iso(ms)), "put together from the digits");
        }

        /// Format a random instant with jiff in several shapes, parse with ours.
        #[test]
        fn reads_what_jiff_writes((ms, sub_ms_nanos) in instant(), off_min in -(23 * 60 + 59)..=(23 * 60 + 59), digits in 0usize..=12) {
            let ts = Timestamp::from_nanosecond(i128::from(ms) * 1_000_000 + i128::from(sub_ms_nanos)).unwrap();
            let offset = Offset::from_seconds(off_min * 60).unwrap();
            let zoned = ts.to_zoned(TimeZone::fixed(offset));
            // Extended, with `T`, fraction of 0–12 digits (beyond 9 padded), `±HH:MM`.
            let mut frac = zoned.strftime("%f").to_string();
            frac.truncate(digits.min(9));
            while frac.len() < digits { frac.push('7'); }
            let dot = if digits == 0 { "" } else { "." };
            let base = zoned.strftime("%Y-%m-%dT%H:%M:%S").to_string();
            let want = if digits == 0 { ms.div_euclid(1000) * 1000 } else {
                // Truncated to what was written.
                let kept = frac[..digits.min(3)].to_string() + &"000"[digits.min(3)..];
                ms.div_euclid(1000) * 1000 + kept.parse::<i64>().unwrap()
            };
            for text in [
                format!("{base}{dot}{frac}{}", zoned.strftime("%:z")),
                format!("{base}{dot}{frac}{}", zoned.strftime("%z")),
                format!("{} {}{dot}{frac}{}", zoned.strftime("%Y-%m-%d"), zoned.strftime("%H:%M:%S"), zoned.strftime("%:z")),
            ] {
                let got = parse_timestamp(&text, &TimeSpec::default());
                prop_assert_eq!(got.as_ref().map(|p| p.millis), Ok(want), "{}", text);
                if let Ok(Some(text_iso)) = got.as_ref().map(|p| p.iso) {
                    prop_assert_eq!(String::from_utf8_lossy(&text_iso).into_owned(), iso(want), "{}", text);
                }
                // The general path agrees with whatever the fast path did.
                prop_assert_eq!(parse_general(&text, &TimeSpec::default()).map(|p| p.millis), Ok(want), "{}", text);
                if digits <= 9 {
                    // And jiff itself reads it the same.
                    prop_assert_eq!(floor_millis(text.parse::<Timestamp>().unwrap()), want, "{}", text);
                }
            }
            // jiff's own RFC 3339 output, and UTC without an offset.
            prop_assert_eq!(parse_timestamp(&ts.to_string(), &TimeSpec::default()).unwrap().millis, ms);
            let naive = ts.strftime("%Y-%m-%d %H:%M:%S%.f").to_string();
            prop_assert_eq!(parse_timestamp(&naive, &TimeSpec::default()).unwrap().millis, ms);
            prop_assert_eq!(parse_general(&naive, &TimeSpec::default()).unwrap().millis, ms);
        }

        /// Local times in zones with DST: ours agrees with jiff's "compatible".
        #[test]
        fn local_times_agree_with_jiff(secs in -2_208_988_800i64..4_102_444_800, zone in 0usize..3) {
            let name = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"][zone];
            let tz = TimeZone::get(name).unwrap();
            let dt = Timestamp::from_second(secs).unwrap().to_zoned(TimeZone::UTC).datetime();
            let text = dt.strftime("%Y-%m-%d %H:%M:%S").to_string();
            let want = tz.to_ambiguous_timestamp(dt);
            let warns = want.is_ambiguous();
            let want = want.compatible().unwrap().as_millisecond();
            let got = parse_timestamp(&text, &spec(name)).unwrap();
            prop_assert_eq!(got.millis, want);
            prop_assert_eq!(got.warning.is_some(), warns);
        }

        /// Never a panic, whatever the text.
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,40}") {
            let _ = parse_timestamp(&text, &TimeSpec::default());
            let _ = parse_timestamp(&text, &order(DateOrder::DayFirst));
            let _ = looks_like_timestamp(&text);
            let _ = detect_date_order([text.as_str()]);
        }

        /// Timestamp-like noise reaches the deep paths; the fast path, when it
        /// answers, agrees with the general path.
        #[test]
        fn timestamp_like_text(text in "[0-9]{1,8}([-/.:T ]{1,2}[0-9]{1,4}){0,6}([.,][0-9]{0,12})?( ?(Z|[+-][0-9]{2}(:?[0-9]{2})?|[AP]M|UTC))?") {
            let berlin = spec("Europe/Berlin");
            for spec in [TimeSpec::default(), berlin, order(DateOrder::MonthFirst)] {
                let result = parse_timestamp(&text, &spec);
                if let Some((fast, iso)) = fast_path(text.trim().as_bytes(), spec.fixed) {
                    prop_assert_eq!(parse_general(text.trim(), &spec).map(|p| p.millis), Ok(fast));
                    if let Some(iso) = iso {
                        prop_assert_eq!(iso, format_iso_millis(fast), "{}", text);
                    }
                }
                if let Ok(p) = result {
                    prop_assert!((MIN_MS..=MAX_MS).contains(&p.millis));
                }
            }
        }

        #[test]
        fn epoch_numbers_agree_with_jiff(ms in MIN_MS / 1000 * 1000..=MAX_MS) {
            // Milliseconds from 1973-03-03 on (below that they read as seconds).
            if (100_000_000_000..100_000_000_000_000).contains(&ms) {
                prop_assert_eq!(parse_timestamp(&ms.to_string(), &TimeSpec::default()).unwrap().millis, ms);
            }
            let secs = ms.div_euclid(1000);
            prop_assume!(secs < 100_000_000_000);
            let text = format!("{secs}.{:03}", ms.rem_euclid(1000));
            if secs >= 0 {
                prop_assert_eq!(parse_timestamp(&text, &TimeSpec::default()).unwrap().millis, ms);
            }
            prop_assert_eq!(parse_timestamp(&secs.to_string(), &TimeSpec::default()).map(|p| p.millis).ok(),
                yyyymmdd(&secs.to_string(), &TimeSpec::default()).map(|r| r.unwrap().millis).or(Some(secs * 1000)));
        }
    }
}
