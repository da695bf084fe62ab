//! Re-checking single rows edited in the fix grid, with the mapping, as the
//! full check judges them ([`RowChecker`] runs the importer's own code).

use crate::app::protocol::{Failure, RowStatus};
use crate::mapping::Mapping;
use crate::pipeline::{ImportOptions, RowChecker, RowFix};
use crate::source::Settings;

/// The status of each row, in the order asked.
pub fn check(
    settings: &Settings,
    headers: &[String],
    mapping: Mapping,
    rows: &[RowFix],
) -> Result<Vec<RowStatus>, Failure> {
    let options = ImportOptions {
        now_ms: js_sys::Date::now() as i64,
        ..ImportOptions::default()
    };
    let mut checker = RowChecker::new(Some(mapping), settings, headers, options).map_err(|e| {
        Failure::new(
            format!("the edited rows cannot be checked: {e}"),
            "Go back to Map and fix the mapping, then run the check again.",
        )
    })?;
    Ok(rows
        .iter()
        .map(|r| {
            let c = checker.check(r.row, &r.cells);
            RowStatus::new(c.row, c.valid, &c.issues)
        })
        .collect())
}
