//! format_iso_millis, days_since_epoch and the supported range.

use jiff::tz::Offset;

use super::*;
use crate::time::{days_since_epoch, MAX_MS, MIN_MS};

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
        parse_timestamp(t, spec).map(|p| p.iso.map(|i| String::from_utf8_lossy(&i).into_owned()))
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
