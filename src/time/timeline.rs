//! Events over time with the gaps shown: every day (or week, month, year)
//! between the first and the last, counted, zero where nothing happened.
//!
//! A chart of only the days that have events draws a two-month hole as if
//! it were not there. The bucket grows with the range so a chart stays
//! readable: days up to [`MAX_DAYS`], then weeks (from Monday), months, and
//! years for ranges over [`MAX_MONTHS`] months.

use serde::Serialize;

use super::calendar::{civil_from_days, days_from_civil, real_date};

/// Ranges of at most this many days are shown by day.
pub const MAX_DAYS: i64 = 120;
/// ... of at most this many weeks (about two years) by week.
pub const MAX_WEEKS: i64 = 105;
/// ... of at most this many months by month; longer ones by year.
pub const MAX_MONTHS: i64 = 120;

/// The span of one point of a [`Timeline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    Day,
    /// Monday to Sunday.
    Week,
    Month,
    Year,
}

impl Bucket {
    /// "day", "week"...: as in "events per week".
    pub fn name(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
            Bucket::Year => "year",
        }
    }
}

/// One bucket: when it starts and how many events it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelinePoint {
    /// The first day of the bucket, `YYYY-MM-DD`.
    pub start: String,
    /// The bucket as a person reads it: `2024-03-05`, `week of 2024-03-04`,
    /// `2024-03`, `2024`.
    pub label: String,
    pub count: u64,
}

/// Every bucket from the first event's to the last's, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline {
    pub bucket: Bucket,
    pub points: Vec<TimelinePoint>,
}

impl Timeline {
    /// Buckets that hold no event (the gaps).
    pub fn empty_points(&self) -> usize {
        self.points.iter().filter(|p| p.count == 0).count()
    }

    /// The most events in one bucket (0 for no events).
    pub fn max(&self) -> u64 {
        self.points.iter().map(|p| p.count).max().unwrap_or(0)
    }
}

/// The timeline of per-day counts keyed `YYYY-MM-DD` (as
/// [`crate::pipeline::Summary::events_per_day`]), in any order. A key that
/// is not such a date is left out. `None` when there is no day at all.
pub fn timeline<'a>(per_day: impl IntoIterator<Item = (&'a str, u64)>) -> Option<Timeline> {
    let days: Vec<(i64, u64)> = per_day
        .into_iter()
        .filter_map(|(day, n)| Some((day_number(day)?, n)))
        .collect();
    let first = days.iter().map(|d| d.0).min()?;
    let last = days.iter().map(|d| d.0).max()?;
    let span_days = last - first + 1;
    let bucket = if span_days <= MAX_DAYS {
        Bucket::Day
    } else if span_days <= MAX_WEEKS * 7 {
        Bucket::Week
    } else if months_between(first, last) < MAX_MONTHS {
        Bucket::Month
    } else {
        Bucket::Year
    };
    let start = bucket_start(bucket, first);
    let end = bucket_start(bucket, last);
    let mut points = Vec::new();
    let mut at = start;
    while at <= end {
        points.push(TimelinePoint {
            start: date(at),
            label: label(bucket, at),
            count: 0,
        });
        at = next_start(bucket, at);
    }
    for (day, n) in days {
        let i = points.partition_point(|p| day_number(&p.start).is_some_and(|s| s <= day));
        if let Some(point) = i.checked_sub(1).and_then(|i| points.get_mut(i)) {
            point.count = point.count.saturating_add(n);
        }
    }
    Some(Timeline { bucket, points })
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
fn day_number(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    real_date(y, m, d).then(|| days_from_civil(y, m, d))
}

fn date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn months_between(first: i64, last: i64) -> i64 {
    let (y0, m0, _) = civil_from_days(first);
    let (y1, m1, _) = civil_from_days(last);
    (y1 - y0) * 12 + (m1 - m0)
}

fn bucket_start(bucket: Bucket, day: i64) -> i64 {
    let (y, m, _) = civil_from_days(day);
    match bucket {
        Bucket::Day => day,
        // 1970-01-01 was a Thursday: day 4 of the week counted from Monday 0.
        Bucket::Week => day - (day + 3).rem_euclid(7),
        Bucket::Month => days_from_civil(y, m, 1),
        Bucket::Year => days_from_civil(y, 1, 1),
    }
}

fn next_start(bucket: Bucket, start: i64) -> i64 {
    let (y, m, _) = civil_from_days(start);
    match bucket {
        Bucket::Day => start + 1,
        Bucket::Week => start + 7,
        Bucket::Month if m == 12 => days_from_civil(y + 1, 1, 1),
        Bucket::Month => days_from_civil(y, m + 1, 1),
        Bucket::Year => days_from_civil(y + 1, 1, 1),
    }
}

fn label(bucket: Bucket, start: i64) -> String {
    let (y, m, _) = civil_from_days(start);
    match bucket {
        Bucket::Day => date(start),
        Bucket::Week => format!("week of {}", date(start)),
        Bucket::Month => format!("{y:04}-{m:02}"),
        Bucket::Year => format!("{y:04}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(days: &[(&str, u64)]) -> Timeline {
        timeline(days.iter().copied()).expect("some days")
    }

    fn counts(t: &Timeline) -> Vec<u64> {
        t.points.iter().map(|p| p.count).collect()
    }

    #[test]
    fn nothing_to_chart() {
        assert_eq!(timeline(std::iter::empty()), None);
        assert_eq!(timeline([("yesterday", 3), ("2024-02-30", 1)]), None);
    }

    #[test]
    fn one_day() {
        let t = line(&[("2024-03-05", 7)]);
        assert_eq!(t.bucket, Bucket::Day);
        assert_eq!(t.points.len(), 1);
        assert_eq!(t.points[0].label, "2024-03-05");
        assert_eq!(t.max(), 7);
    }

    #[test]
    fn every_day_of_a_gap_is_there() {
        // Two months without events between two busy days.
        let t = line(&[("2024-03-01", 5), ("2024-01-01", 2)]);
        assert_eq!(t.bucket, Bucket::Day);
        assert_eq!(t.points.len(), 61, "Jan 1 to Mar 1 of a leap year");
        assert_eq!(t.points[0].start, "2024-01-01");
        assert_eq!(t.points[60].start, "2024-03-01");
        assert_eq!(t.points[59].start, "2024-02-29");
        assert_eq!(t.empty_points(), 59);
        assert_eq!(t.points.iter().map(|p| p.count).sum::<u64>(), 7);
    }

    #[test]
    fn longer_ranges_are_shown_by_week_from_monday() {
        let t = line(&[
            ("2024-01-03", 1), // a Wednesday
            ("2024-01-07", 2), // the Sunday of that week
            ("2024-01-08", 4), // the next Monday
            ("2024-09-30", 3),
        ]);
        assert_eq!(t.bucket, Bucket::Week);
        assert_eq!(t.points[0].start, "2024-01-01");
        assert_eq!(t.points[0].label, "week of 2024-01-01");
        assert_eq!(&counts(&t)[..3], &[3, 4, 0]);
        assert_eq!(
            t.points.last().map(|p| p.start.as_str()),
            Some("2024-09-30")
        );
        assert_eq!(t.points.iter().map(|p| p.count).sum::<u64>(), 10);
    }

    #[test]
    fn years_are_shown_by_month_then_by_year() {
        let t = line(&[("2020-12-31", 1), ("2023-02-01", 2)]);
        assert_eq!(t.bucket, Bucket::Month);
        assert_eq!(t.points.len(), 27);
        assert_eq!(t.points[0].label, "2020-12");
        assert_eq!(t.points[1].label, "2021-01");
        assert_eq!(counts(&t)[26], 2);

        let t = line(&[("1999-06-01", 1), ("2024-01-01", 2), ("2024-12-31", 3)]);
        assert_eq!(t.bucket, Bucket::Year);
        assert_eq!(t.points.len(), 26);
        assert_eq!(t.points[0].label, "1999");
        assert_eq!(counts(&t)[25], 5);
        assert!(t.points.len() <= 10_000, "bounded whatever the dates");
    }

    #[test]
    fn the_bucket_follows_the_span() {
        let span = |a: &str, b: &str| line(&[(a, 1), (b, 1)]).bucket;
        assert_eq!(span("2024-01-01", "2024-04-29"), Bucket::Day); // 120 days
        assert_eq!(span("2024-01-01", "2024-04-30"), Bucket::Week);
        assert_eq!(span("2024-01-01", "2025-12-28"), Bucket::Week);
        assert_eq!(span("2024-01-01", "2026-01-10"), Bucket::Month);
    }
}
