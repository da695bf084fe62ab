//! Timestamps with a time zone → ISO 8601 with their offset, through jiff
//! (the zone database the mappings use; arrow would need chrono-tz for
//! named zones).
//!
//! `2024-03-01T01:00:07.123Z` for UTC (any zero offset is `Z`),
//! `2024-02-29T20:00:07.123-05:00` for America/New_York: the local time in
//! the column's zone, with as many fractional digits as the value needs (0,
//! 3, 6 or 9), as arrow writes them.

use std::io::Write;

use arrow_schema::TimeUnit;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

/// The zone a column's time zone names: an IANA name (`America/New_York`,
/// `UTC`) or an offset (`+05:30`, `-0800`, `+01`).
pub(super) fn zone_of(name: &str) -> Result<TimeZone, String> {
    let name = name.trim();
    if let Some(sign) = name.strip_prefix(['+', '-']).map(|_| name.as_bytes()[0]) {
        let digits: String = name[1..].chars().filter(|c| *c != ':').collect();
        let bad = || format!("the time zone {name:?} is not an offset such as +05:30");
        if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
            return Err(bad());
        }
        let hours: i32 = digits[..2].parse().map_err(|_| bad())?;
        let minutes: i32 = match digits.get(2..) {
            Some(m) if !m.is_empty() => m.parse().map_err(|_| bad())?,
            _ => 0,
        };
        let seconds = (hours * 3600 + minutes * 60) * if sign == b'-' { -1 } else { 1 };
        return Offset::from_seconds(seconds)
            .map(TimeZone::fixed)
            .map_err(|_| bad());
    }
    crate::time::TimeSpec::new(None, Some(name), None).map(|spec| spec.timezone().clone())
}

/// Writes the timestamp `value` (in `unit` since the epoch) as a JSON
/// string in `zone`; `Err` with the reason when it is outside the years
/// jiff can write (-9999 to 9999).
pub(super) fn write(
    value: i64,
    unit: TimeUnit,
    zone: &TimeZone,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let per: i128 = match unit {
        TimeUnit::Second => 1_000_000_000,
        TimeUnit::Millisecond => 1_000_000,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Nanosecond => 1,
    };
    let instant = Timestamp::from_nanosecond(i128::from(value) * per)
        .map_err(|_| "it is beyond the years -9999 to 9999".to_string())?;
    let offset = zone.to_offset(instant);
    let local = offset.to_datetime(instant);
    // OK because writing into a Vec cannot fail.
    let _ = write!(
        out,
        "\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    );
    let nanos = local.subsec_nanosecond();
    let _ = match nanos {
        0 => Ok(()),
        n if n % 1_000_000 == 0 => write!(out, ".{:03}", n / 1_000_000),
        n if n % 1_000 == 0 => write!(out, ".{:06}", n / 1_000),
        n => write!(out, ".{n:09}"),
    };
    let seconds = offset.seconds();
    if seconds == 0 {
        out.extend_from_slice(b"Z\"");
    } else {
        let sign = if seconds < 0 { '-' } else { '+' };
        let abs = seconds.unsigned_abs();
        let _ = write!(out, "{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60);
        if abs % 60 != 0 {
            // Local mean times before standard zones (1883 in New York).
            let _ = write!(out, ":{:02}", abs % 60);
        }
        out.push(b'"');
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: i64, unit: TimeUnit, zone: &str) -> String {
        let mut out = Vec::new();
        write(value, unit, &zone_of(zone).unwrap(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn zones_by_name_and_by_offset() {
        let ms = 1_709_254_807_123; // 2024-03-01T01:00:07.123Z
        assert_eq!(
            text(ms, TimeUnit::Millisecond, "UTC"),
            "\"2024-03-01T01:00:07.123Z\""
        );
        assert_eq!(
            text(ms, TimeUnit::Millisecond, "+00:00"),
            "\"2024-03-01T01:00:07.123Z\""
        );
        assert_eq!(
            text(ms, TimeUnit::Millisecond, "America/New_York"),
            "\"2024-02-29T20:00:07.123-05:00\""
        );
        assert_eq!(
            text(ms, TimeUnit::Millisecond, "+0530"),
            "\"2024-03-01T06:30:07.123+05:30\""
        );
        assert_eq!(
            text(-1, TimeUnit::Second, "UTC"),
            "\"1969-12-31T23:59:59Z\""
        );
        assert_eq!(
            text(1_500, TimeUnit::Microsecond, "-01"),
            "\"1969-12-31T23:00:00.001500-01:00\""
        );
        assert!(zone_of("Mars/Olympus").is_err());
        assert!(zone_of("+5").is_err());
    }

    #[test]
    fn beyond_the_years_jiff_writes_is_an_error_not_a_value() {
        let zone = zone_of("UTC").unwrap();
        let mut out = Vec::new();
        assert!(write(i64::MAX, TimeUnit::Second, &zone, &mut out).is_err());
        assert!(write(i64::MIN, TimeUnit::Millisecond, &zone, &mut out).is_err());
    }
}
