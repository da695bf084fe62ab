//! The fast path against the general path and jiff; properties.

use jiff::tz::{Offset, TimeZone};
use proptest::prelude::*;

use super::*;
use crate::time::epoch::yyyymmdd;
use crate::time::fast::fast_path;
use crate::time::parse::parse_general;
use crate::time::{detect_date_order, looks_like_timestamp, MAX_MS, MIN_MS, MS_PER_DAY};

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
