//! `TimeSpec::new`, and reading with a format.

use super::*;

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
