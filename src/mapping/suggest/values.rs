//! What a column's sampled values say about its type: numbers (and their
//! separators), booleans, and how time-like a column is.
//!
//! Every reading here is over the column's values (empty cells and
//! missing-value tokens left out), all of them but for a few outliers: at
//! most one value in fifty that does not fit (`last tuesday` among 200 ISO
//! times, `n/a` among prices) does not make a column text. The check then
//! rejects those rows with their reason, where the user sees them and can
//! fix them or choose what a bad value does; sending the whole column as
//! text would have sent every number as a string without a word. More
//! outliers than that keep the column as text, which sends each value
//! exactly as it was written.

use crate::time::{looks_like_timestamp, DateOrder};

/// How a column's numbers are written, when every value is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NumberFormat {
    /// `Some(',')` for `3,50`; `None` for the default `.`.
    pub decimal: Option<char>,
    /// `Some('.')` for `1.234,50`.
    pub thousands: Option<char>,
}

const PLAIN: NumberFormat = NumberFormat {
    decimal: None,
    thousands: None,
};

/// The one way every value reads as a number, if there is exactly one.
///
/// `comma_decimals`: the file's delimiter is not a comma, so a comma in a
/// cell may be a decimal comma (`3,50`, `1.234,50`). Values that could be
/// read two ways give no reading: `1,234` (a decimal comma or a thousands
/// separator?) unless another value settles it, and, where decimal commas
/// are possible, a column whose every dotted value is `1.234` (a thousands
/// dot?). Leading zeros (`02134`) and more than 15 significant digits keep
/// a column as text: sent as numbers, they would lose digits.
pub(super) fn number_format(values: &[&str], comma_decimals: bool) -> Option<NumberFormat> {
    let shapes: Vec<Shape> = values.iter().filter_map(|v| Shape::of(v)).collect();
    if shapes.is_empty() || !few_outliers(values.len(), shapes.len()) {
        return None;
    }
    let has_comma = shapes.iter().any(|s| s.commas > 0);
    if !has_comma {
        if !shapes.iter().all(|s| s.dots <= 1) {
            // `1.234.567`: thousands dots, or not a number.
            let grouped = shapes.iter().all(|s| s.dots == 0 || s.dot_grouped());
            return (comma_decimals && grouped).then_some(NumberFormat {
                decimal: Some(','),
                thousands: Some('.'),
            });
        }
        let dotted: Vec<&Shape> = shapes.iter().filter(|s| s.dots == 1).collect();
        if comma_decimals && !dotted.is_empty() && dotted.iter().all(|s| s.dot_grouped()) {
            return None;
        }
        return Some(PLAIN);
    }
    if !comma_decimals {
        return None;
    }
    // A comma decimal: at most one comma, after any thousands dots.
    if !shapes
        .iter()
        .all(|s| s.comma_after_dots && (s.dots == 0 || s.dot_grouped()))
    {
        return None;
    }
    let settled = shapes
        .iter()
        .any(|s| s.dots > 0 && s.comma.is_some() || s.comma.is_some_and(|n| n != 3));
    settled.then_some(NumberFormat {
        decimal: Some(','),
        thousands: shapes.iter().any(|s| s.dots > 0).then_some('.'),
    })
}

/// The separators of one number-like value.
struct Shape {
    /// Dots in the value.
    dots: usize,
    /// Commas in the value.
    commas: usize,
    /// Digits after the comma, when there is exactly one.
    comma: Option<usize>,
    /// At most one comma, and no dot after it.
    comma_after_dots: bool,
    /// Digit groups between separators, in order.
    groups: Vec<usize>,
    /// The first digit is a zero (`0.125` has no thousands dot).
    starts_zero: bool,
}

impl Shape {
    /// Digits and `.`/`,` only, an optional leading `-`, a digit on both
    /// sides of every separator, no leading zero, at most 15 digits.
    fn of(text: &str) -> Option<Shape> {
        let t = text.trim();
        let body = t.strip_prefix('-').unwrap_or(t);
        let mut groups = vec![0usize];
        let (mut dots, mut commas, mut comma_after_dots) = (0, 0, true);
        for c in body.chars() {
            match c {
                '0'..='9' => *groups.last_mut()? += 1,
                '.' | ',' => {
                    if *groups.last()? == 0 {
                        return None;
                    }
                    if c == '.' {
                        dots += 1;
                        comma_after_dots &= commas == 0;
                    } else {
                        commas += 1;
                    }
                    groups.push(0);
                }
                _ => return None,
            }
        }
        let digits: usize = groups.iter().sum();
        let first = *groups.first()?;
        if *groups.last()? == 0 || digits > 15 || (first > 1 && body.starts_with('0')) {
            return None;
        }
        comma_after_dots &= commas <= 1;
        let comma = (commas == 1)
            .then(|| body.rsplit(',').next().map(str::len))
            .flatten();
        Some(Shape {
            dots,
            commas,
            comma,
            comma_after_dots,
            groups,
            starts_zero: body.starts_with('0'),
        })
    }

    /// The dots group thousands: `1.234`, `12.345.678`, `1.234,5`.
    fn dot_grouped(&self) -> bool {
        let int_groups = self.dots + 1;
        let Some((first, rest)) = self.groups[..int_groups.min(self.groups.len())].split_first()
        else {
            return false;
        };
        !self.starts_zero
            && (1..=3).contains(first)
            && !rest.is_empty()
            && rest.iter().all(|&g| g == 3)
    }
}

/// Every value is true/false or yes/no, in any case (a column of 1 and 0
/// is a number column: nothing says those are flags).
pub(super) fn is_boolean(values: &[&str]) -> bool {
    let flags = values
        .iter()
        .filter(|v| {
            ["true", "false", "yes", "no"]
                .iter()
                .any(|b| v.trim().eq_ignore_ascii_case(b))
        })
        .count();
    flags > 0 && few_outliers(values.len(), flags)
}

/// Whether `fitting` of `all` values is all of them but for a few
/// outliers: at most one in fifty (none in a sample under fifty values).
pub(super) fn few_outliers(all: usize, fitting: usize) -> bool {
    all - fitting.min(all) <= all / 50
}

/// How much of a point in time a column's values give: the least of its
/// values that are times (see [`TimeLike`]); `None` when more than a few
/// of them are not times.
pub(super) fn time_like(values: &[&str]) -> Option<TimeLike> {
    let likes: Vec<TimeLike> = values.iter().filter_map(|v| time_like_value(v)).collect();
    if !few_outliers(values.len(), likes.len()) {
        return None;
    }
    // Dates among mostly dates with times are date-times at midnight, as
    // spreadsheets and some exports write them (`2024-03-04` beside
    // `2024-03-04T10:30:00`): when most have a time, the column is a
    // date-time column.
    let with_time = likes.iter().filter(|&&l| l == TimeLike::DateTime).count();
    let dated = likes
        .iter()
        .all(|&l| matches!(l, TimeLike::Date | TimeLike::DateTime));
    if dated && with_time * 2 > likes.len() {
        return Some(TimeLike::DateTime);
    }
    likes.into_iter().min()
}

/// How much of a point in time a value gives, ordered from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum TimeLike {
    /// A day (`2024-01-02`, `03/04/2024`, `20240102`): when it happened is
    /// known to the day only, and birthdays and sign-up dates look alike.
    Date,
    /// An epoch number: a whole instant, but a column of 10-digit numbers
    /// may as well hold ids, so only a column named like a timestamp is
    /// taken as one.
    Epoch,
    /// A date and a time of day (`2013-01-01 05:00:00`).
    DateTime,
}

fn time_like_value(value: &str) -> Option<TimeLike> {
    let t = value.trim();
    if !looks_like_timestamp(t) {
        return None;
    }
    Some(if t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        if t.len() == 8 && !t.contains('.') {
            TimeLike::Date
        } else {
            TimeLike::Epoch
        }
    } else if t.contains(':') {
        TimeLike::DateTime
    } else {
        TimeLike::Date
    })
}

/// Whether every value that has a time of day says its offset or zone
/// (`…Z`, `…+02:00`, `… UTC`): a tie-break between equally time-like
/// columns, the one that cannot be misread in another zone first.
pub(super) fn has_zone(values: &[&str]) -> bool {
    let zoned = values
        .iter()
        .filter(|v| {
            let t = v.trim();
            let Some((_, clock)) = t.split_once(':') else {
                return false;
            };
            let upper = clock.to_ascii_uppercase();
            clock.contains(['+', '-'])
                || upper.ends_with('Z')
                || upper.ends_with("UTC")
                || upper.ends_with("GMT")
        })
        .count();
    zoned > 0 && few_outliers(values.len(), zoned)
}

/// The day/month order the values prove (see [`crate::time::detect_date_order`]).
pub(super) fn date_order(values: &[&str]) -> Option<DateOrder> {
    crate::time::detect_date_order(values.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nf(decimal: Option<char>, thousands: Option<char>) -> Option<NumberFormat> {
        Some(NumberFormat { decimal, thousands })
    }

    #[test]
    fn numbers_with_a_point() {
        for col in [&["0", "12.50", "-3", "1000000"][..], &["517"], &["-0.5"]] {
            assert_eq!(number_format(col, false), Some(PLAIN), "{col:?}");
            assert_eq!(number_format(col, true), Some(PLAIN), "{col:?}");
        }
        for col in [
            &["02134"][..],
            &["1234567890123456"],
            &["1,5"],
            &["abc"],
            &["1e5"],
            &["NaN"],
            &["12", "x"],
            &["1."],
            &[".5"],
            &["1..2"],
            &["+3"],
            &["- 3"],
            &["3 €"],
            &[],
        ] {
            assert_eq!(number_format(col, false), None, "{col:?}");
        }
        assert_eq!(number_format(&["0.125", "3"], true), Some(PLAIN));
    }

    #[test]
    fn decimal_commas_only_where_the_delimiter_is_not_a_comma() {
        assert_eq!(number_format(&["3,50", "12"], true), nf(Some(','), None));
        assert_eq!(
            number_format(&["1.234,50", "89,90", "7"], true),
            nf(Some(','), Some('.'))
        );
        assert_eq!(number_format(&["3,50"], false), None);
        // Thousands dots without a comma anywhere, next to a decimal comma.
        assert_eq!(
            number_format(&["1.234.567", "2.000", "7"], true),
            nf(Some(','), Some('.'))
        );
    }

    #[test]
    fn two_readings_give_none() {
        // 1,234: one and a bit, or one thousand two hundred?
        assert_eq!(number_format(&["1,234", "5,678"], true), None);
        assert_eq!(
            number_format(&["1,234", "5,6"], true),
            nf(Some(','), None),
            "5,6 settles it"
        );
        // 1.500 in a semicolon file: one and a half, or fifteen hundred?
        assert_eq!(number_format(&["1.500", "2.250"], true), None);
        assert_eq!(number_format(&["1.500", "2.25"], true), Some(PLAIN));
        assert_eq!(number_format(&["1.500", "2.250"], false), Some(PLAIN));
        // A comma then a dot, two commas, a misplaced group.
        for col in [
            &["1,234.5"][..],
            &["1,2,3"],
            &["12.34,5"],
            &["1.2345,6"],
            &["0.123,4"],
        ] {
            assert_eq!(number_format(col, true), None, "{col:?}");
        }
    }

    #[test]
    fn booleans() {
        assert!(is_boolean(&["true", "FALSE", "Yes", " no "]));
        assert!(!is_boolean(&["1", "0"]));
        assert!(!is_boolean(&["yes", "maybe"]));
        assert!(!is_boolean(&[]));
    }

    #[test]
    fn how_time_like() {
        assert_eq!(
            time_like(&["2013-01-01 05:00:00", "2013-01-01T06:00:00Z"]),
            Some(TimeLike::DateTime)
        );
        assert_eq!(
            time_like(&["2013-01-01 05:00:00", "2013-01-02"]),
            Some(TimeLike::Date)
        );
        assert_eq!(time_like(&["1700000000"]), Some(TimeLike::Epoch));
        assert_eq!(time_like(&["20240102"]), Some(TimeLike::Date));
        for small in ["517", "2013", "1", "12.5"] {
            assert_eq!(time_like(&[small]), None, "{small}");
        }
        assert_eq!(time_like(&["2024-01-02", "soon"]), None);
        assert!(has_zone(&[
            "2024-01-02T03:04:05Z",
            "2024-01-02 03:04 +0200"
        ]));
        assert!(has_zone(&["Tue, 1 Jul 2003 10:52:37 GMT"]));
        assert!(!has_zone(&["2024-01-02T03:04:05Z", "2024-01-02 03:04:05"]));
        assert!(!has_zone(&["2024-01-02"]));
    }
}
