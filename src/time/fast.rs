//! Fast path: the common machine-written shapes, no allocation, no jiff.
//!
//! Nearly every row of a machine-written file is `2024-01-02T03:04:05.678Z`
//! or a close cousin; reading those by hand keeps jiff's general machinery
//! off the hot path. Anything doubtful goes to the general path, and tests
//! check that both agree.

use jiff::tz::Offset;

use super::calendar::{days_from_civil, days_in_month};
use super::{MAX_MS, MIN_MS};

/// `YYYY-MM-DD(T|t| )HH:MM:SS(.f+)?(Z|z|±HH:MM)?`, the offset-less form only
/// when the column's zone is fixed. Returns `None` for anything else or
/// anything doubtful (leap seconds, out of range) so the general path can
/// read it or explain what is wrong. At offset zero it also gives the ISO
/// text, put together from the digits read.
#[inline]
pub(super) fn fast_path(b: &[u8], fixed: Option<Offset>) -> Option<(i64, Option<[u8; 24]>)> {
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
