//! Writing: ISO-8601 UTC with milliseconds, and whole days since the epoch.

use super::calendar::civil_from_days;
use super::MS_PER_DAY;

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
