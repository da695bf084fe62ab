//! Slash dates and their day/month order.

use super::*;
use crate::time::{detect_date_order, undecided_date_example};

#[test]
fn slash_dates_ambiguous_unless_decided() {
    match err_in("03/04/2024", &TimeSpec::default()) {
        TimeError::Ambiguous(m) => {
            assert_eq!(
                m,
                "\"03/04/2024\" could be 3 April or March 4; set dateOrder to \"dmy\" (day first) or \"mdy\" (month first) for this column"
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

#[test]
fn one_deciding_row_settles_a_column() {
    // Only the last of many rows can be read one way only.
    let mut column = vec!["01.02.2024 10:00"; 19];
    column.push("15.02.2024 10:00");
    assert_eq!(
        detect_date_order(column.iter().copied()),
        Some(DateOrder::DayFirst)
    );
    assert_eq!(undecided_date_example(column.iter().copied()), None);
    column.pop();
    assert_eq!(detect_date_order(column.iter().copied()), None);
    assert_eq!(
        undecided_date_example(column.iter().copied()),
        Some("01.02.2024 10:00")
    );
    // The same day and month, or no slash date: nothing to ask.
    assert_eq!(undecided_date_example(["05/05/2024", "2024-01-02"]), None);
    // Rows that prove both orders: a person must decide, shown the first
    // value that reads both ways.
    assert_eq!(
        undecided_date_example(["13/04/2024", "04/13/2024", " 03/04/2024 "]),
        Some("03/04/2024")
    );
}
