//! RFC 2822 (`Tue, 1 Jul 2003 10:52:37 +0200`) via jiff, and the general
//! path's last resort: the message for a value that is no timestamp at all.

use jiff::fmt::rfc2822;

use super::model::{ParsedTime, TimeError};
use super::resolve::finish;
use super::scan::{invalid, q};

/// RFC 2822 via jiff, or the catch-all "not a timestamp" message.
pub(super) fn parse_rfc2822(t: &str) -> Result<ParsedTime, TimeError> {
    match rfc2822::parse(t) {
        Ok(zoned) => finish(t, zoned.timestamp(), None),
        Err(e) => {
            Err(invalid(if meant_as_rfc2822(t) {
                format!("{} is not a valid RFC 2822 date such as \"Tue, 1 Jul 2003 10:52:37 +0200\" ({e})", q(t))
            } else {
                format!(
                    "{} is not a recognised timestamp: expected e.g. 2024-01-02T03:04:05Z, \
                     2024-01-02 03:04, 01/02/2024, 1704164645 (epoch seconds) or \
                     Tue, 1 Jul 2003 10:52:37 +0200",
                    q(t)
                )
            }))
        }
    }
}

/// Starts with a weekday, or a day number and a month name: jiff's reason
/// why it is not RFC 2822 will help more than a list of forms.
fn meant_as_rfc2822(t: &str) -> bool {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    const MONTHS3: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let starts = |b: &[u8], words: &[&str]| {
        b.get(..3)
            .is_some_and(|b| words.iter().any(|w| b.eq_ignore_ascii_case(w.as_bytes())))
    };
    let b = t.as_bytes();
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    starts(b, &DAYS)
        || ((1..=2).contains(&lead)
            && b.get(lead) == Some(&b' ')
            && b.get(lead + 1..).is_some_and(|rest| starts(rest, &MONTHS3)))
}
