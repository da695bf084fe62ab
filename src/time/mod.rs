//! Timestamps: reading the many forms history comes in, writing ISO-8601 UTC.
//!
//! A wrong timestamp silently re-dates a user's history, so this module prefers
//! a clear error to a guess: a slash date that reads as both 3 April and March 4
//! is [`TimeError::Ambiguous`] until the column's [`DateOrder`] is set, and a
//! local time that falls in a daylight-saving gap or fold parses with a
//! [`TimeWarning`] saying which reading was taken.
//!
//! Design:
//! - [`parse_timestamp`] first tries a hand-written, allocation-free fast path
//!   for the shapes that make up nearly every row of machine-written files
//!   (`2024-01-02T03:04:05.678Z`, `…+02:00`, and `2024-01-02 03:04:05` when the
//!   column's zone is a fixed offset such as UTC). Anything else, and anything
//!   the fast path is unsure of, goes to the general path, which scans the text
//!   into fields and leaves calendars, offsets and time zones to `jiff`. Tests
//!   check that both paths agree.
//! - Sub-millisecond digits are truncated (floored on the time line), never
//!   rounded up: `…:59.9999Z` stays in the same second, as the writer meant.
//! - Instants are milliseconds since the Unix epoch; only the years 0000–9999
//!   are accepted because only those can be written as ISO-8601 without an
//!   extended year (and jiff stops at 9999-12-30T22:00Z).
//!
//! Layout, one job per file (private modules):
//! - `model`: what a caller gives ([`TimeSpec`], [`DateOrder`]) and gets
//!   back ([`ParsedTime`], [`TimeWarning`], [`TimeError`]).
//! - `parse`: the entry points, and which reader takes a value.
//! - `fast`: the allocation-free path for the common ISO shapes.
//! - The general path: `scan` (a cursor, times of day, offsets) feeds the
//!   readers of each form, `dates` (year-first, ISO basic, slash dates),
//!   `epoch` (numbers by magnitude), `rfc2822` and `strftime` (a
//!   column's own format); `resolve` turns their fields into an instant,
//!   in an offset or an IANA zone.
//! - `format`: writing ISO-8601 UTC, and whole days.
//! - `calendar`: Gregorian day arithmetic on integers, shared by the fast
//!   path and the formatter.

mod calendar;
mod dates;
mod epoch;
mod fast;
mod format;
mod model;
mod parse;
mod resolve;
mod rfc2822;
mod scan;
mod strftime;
mod timeline;
// Native only: proptest does not build for wasm32-unknown-unknown.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use format::{days_since_epoch, format_iso_millis};
pub use model::{DateOrder, ParsedTime, TimeError, TimeSpec, TimeWarning};
pub use parse::{detect_date_order, looks_like_timestamp, parse_timestamp, undecided_date_example};
pub use timeline::{timeline, Bucket, Timeline, TimelinePoint};

/// 0000-01-01T00:00:00.000Z in milliseconds since the Unix epoch.
const MIN_MS: i64 = -62_167_219_200_000;
/// 9999-12-30T22:00:00.999Z in milliseconds since the Unix epoch: jiff's
/// latest instant (it keeps room for any offset on its last civil day), so
/// the fast path stops where jiff does and both paths agree.
const MAX_MS: i64 = 253_402_207_200_999;
const MS_PER_DAY: i64 = 86_400_000;
