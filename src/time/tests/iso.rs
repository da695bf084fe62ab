//! ISO-8601 / RFC 3339, and local times in the spec's zone (daylight saving).

use jiff::tz::{self, Offset};

use super::*;
use crate::time::TimeWarning;

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
