//! General path, first step: scan the text into fields, leaving calendars,
//! offsets and zones to jiff (see [`super::resolve`]).
//!
//! A byte cursor, the parts every written form shares (a time of day with
//! its fraction and AM/PM, a UTC offset), and the sentences that say where a
//! value stops making sense.

use super::model::TimeError;

/// The value quoted for a message, shortened so one bad cell cannot make a
/// megabyte of report.
pub(super) fn q(t: &str) -> String {
    const MAX: usize = 60;
    match t.char_indices().nth(MAX) {
        Some((at, _)) => format!("{:?}…", &t[..at]),
        None => format!("{t:?}"),
    }
}

pub(super) fn invalid(msg: String) -> TimeError {
    TimeError::Invalid(msg)
}

/// A time of day as written.
#[derive(Clone, Copy)]
pub(super) struct Clock {
    pub(super) hour: i64,
    pub(super) minute: i64,
    pub(super) second: i64,
    /// The first nine fraction digits as nanoseconds; later digits cannot
    /// change the truncated millisecond.
    pub(super) nanos: i64,
}

/// A byte cursor over trimmed text. It only ever steps over ASCII, so `i` is
/// always on a char boundary.
pub(super) struct Scan<'a> {
    pub(super) t: &'a str,
    pub(super) i: usize,
}

impl<'a> Scan<'a> {
    pub(super) fn new(t: &'a str) -> Scan<'a> {
        Scan { t, i: 0 }
    }
    pub(super) fn peek(&self) -> Option<u8> {
        self.t.as_bytes().get(self.i).copied()
    }
    pub(super) fn done(&self) -> bool {
        self.i >= self.t.len()
    }
    pub(super) fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.i += 1;
        }
        hit
    }
    pub(super) fn eat_any(&mut self, cs: &[u8]) -> Option<u8> {
        let c = self.peek().filter(|c| cs.contains(c))?;
        self.i += 1;
        Some(c)
    }
    /// Eats `word` ignoring ASCII case.
    pub(super) fn eat_word(&mut self, word: &str) -> bool {
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
    pub(super) fn digits(&mut self, min: usize, max: usize) -> Option<(i64, usize)> {
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
    pub(super) fn expected(&self, what: &str) -> TimeError {
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

/// After a date: nothing, or `T`/spaces, `H:MM[:SS[.f+]]`, optional AM/PM,
/// optional offset, then the end.
pub(super) fn time_and_offset(s: &mut Scan<'_>) -> Result<(Option<Clock>, Option<i32>), TimeError> {
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
pub(super) fn fraction(s: &mut Scan<'_>) -> Result<i64, TimeError> {
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
pub(super) fn zone(s: &mut Scan<'_>) -> Result<Option<i32>, TimeError> {
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

pub(super) fn check_clock(t: &str, mut c: Clock, pm: Option<bool>) -> Result<Clock, TimeError> {
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
