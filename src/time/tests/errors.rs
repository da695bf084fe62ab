//! Errors, and what looks like a timestamp.

use super::*;
use crate::time::{looks_like_timestamp, TimeWarning};

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
