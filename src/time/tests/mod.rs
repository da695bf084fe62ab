//! The time module's tests, one file per part (native only: proptest does
//! not build for wasm32-unknown-unknown). The helpers here parse or fail with
//! the value in the message.

mod epoch;
mod errors;
mod format;
mod iso;
mod properties;
mod rfc2822;
mod slash;
mod spec;

use jiff::Timestamp;

use super::resolve::floor_millis;
use super::{format_iso_millis, parse_timestamp, DateOrder, TimeError, TimeSpec};

fn iso(ms: i64) -> String {
    String::from_utf8_lossy(&format_iso_millis(ms)).into_owned()
}

fn spec(tz: &str) -> TimeSpec {
    TimeSpec::new(None, Some(tz), None).unwrap()
}

fn order(o: DateOrder) -> TimeSpec {
    TimeSpec::default().with_date_order(Some(o))
}

/// Parses or fails the test with the error; returns ISO UTC.
fn ok_in(t: &str, spec: &TimeSpec) -> String {
    match parse_timestamp(t, spec) {
        Ok(p) => iso(p.millis),
        Err(e) => panic!("{t:?} should parse: {e}"),
    }
}

fn ok(t: &str) -> String {
    ok_in(t, &TimeSpec::default())
}

fn err_in(t: &str, spec: &TimeSpec) -> TimeError {
    match parse_timestamp(t, spec) {
        Ok(p) => panic!("{t:?} should fail, got {}", iso(p.millis)),
        Err(e) => e,
    }
}

fn invalid_msg(t: &str) -> String {
    match err_in(t, &TimeSpec::default()) {
        TimeError::Invalid(m) => m,
        other => panic!("{t:?}: expected Invalid, got {other:?}"),
    }
}

fn jiff_ms(s: &str) -> i64 {
    floor_millis(s.parse::<Timestamp>().unwrap())
}
