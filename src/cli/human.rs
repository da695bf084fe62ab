//! What the CLI prints for people.

use std::fmt::Write as _;

use crate::fileset::FileSet;
use crate::pipeline::Summary;
use crate::report::{grouped, several_reasons, Reconciliation};

/// `1234567` → `1,234,567`.
pub fn count(n: u64) -> String {
    grouped(n)
}

/// `1536` → `1.5 KB` (decimal units, as Segment states its limits).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// The body of `check`'s report.
/// Why a file read to the end gives nothing to send, when it does (no row,
/// or every row rejected), for stderr; `None` when a row is valid or an
/// earlier run delivered some.
pub fn nothing_valid(name: &str, s: &Summary) -> Option<String> {
    if s.valid > 0 || s.previously_delivered > 0 {
        return None;
    }
    Some(if s.rows == 0 && s.files.len() > 1 {
        format!(
            "{name}: nothing to send: none of the files has data rows (only headers, or nothing)"
        )
    } else if s.rows == 0 {
        format!("{name}: nothing to send: the file has no data rows (only a header, or nothing)")
    } else {
        let rows = match s.rows {
            1 => "the one row was rejected".to_string(),
            n => format!("all {} rows were rejected", count(n)),
        };
        format!("{name}: nothing to send: {rows}")
    })
}

pub fn summary(
    name: &str,
    settings_line: &str,
    s: &Summary,
    rejects_file: Option<&str>,
    files: Option<&FileSet>,
) -> String {
    let mut o = String::new();
    // JSON records have no columns to count.
    let columns = match s.headers.len() {
        0 => String::new(),
        1 => ", 1 column".to_string(),
        n => format!(", {n} columns"),
    };
    let _ = writeln!(o, "{name}: {settings_line}{columns}");
    let w = count(s.rows).len().max(5);
    let _ = writeln!(o, "  rows read    {:>w$}", count(s.rows));
    let _ = writeln!(o, "  valid        {:>w$}", count(s.valid));
    let rejected_note = match (s.rejected, rejects_file) {
        (0, _) => String::new(),
        (_, Some(f)) => format!("   (written to {f})"),
        (_, None) => "   (--rejects FILE writes them out)".to_string(),
    };
    let _ = writeln!(o, "  rejected     {:>w$}{rejected_note}", count(s.rejected));
    if s.with_warnings > 0 {
        let _ = writeln!(
            o,
            "  warnings     {:>w$}   (sent, but worth a look)",
            count(s.with_warnings)
        );
    }
    if s.fixed > 0 {
        let _ = writeln!(
            o,
            "  fixed        {:>w$}   (valid thanks to an edit, counted in valid)",
            count(s.fixed)
        );
    }
    if s.previously_delivered > 0 {
        let _ = writeln!(
            o,
            "  already sent {:>w$}   (delivered by an earlier run)",
            count(s.previously_delivered)
        );
    }
    let (errors, warnings): (Vec<_>, Vec<_>) = s.by_code.iter().partition(|(_, t)| !t.warning);
    for (title, group) in [("Rejected rows by reason", errors), ("Warnings", warnings)] {
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(o, "\n{title}:");
        let warning = group.first().is_some_and(|(_, t)| t.warning);
        for (code, t) in group {
            // Rows, as the totals above count rows; findings when a row has
            // several of one code (two number columns).
            let _ = write!(o, "  {:<24} {:>9}", code.as_str(), count(t.rows));
            if t.count > t.rows {
                let _ = write!(o, " ({} findings)", count(t.count));
            }
            if let Some(e) = t.examples.first() {
                let col = e
                    .column
                    .as_deref()
                    .map(|c| format!(", {c}"))
                    .unwrap_or_default();
                match files {
                    Some(set) => {
                        let _ = write!(o, "   e.g. {}{col}: {}", set.locate(e.row), e.message);
                    }
                    None => {
                        let _ = write!(o, "   e.g. row {}{col}: {}", e.row, e.message);
                    }
                }
            }
            o.push('\n');
        }
        let (several, total, what) = if warning {
            (
                s.warned_several_reasons,
                s.with_warnings,
                "rows with warnings",
            )
        } else {
            (s.rejected_several_reasons, s.rejected, "rejected rows")
        };
        if several > 0 {
            let _ = writeln!(o, "  {}", several_reasons(several, total, what));
        }
    }
    if !s.missing_values.is_empty() {
        let _ = writeln!(
            o,
            "\nMissing-value tokens read as empty (the mapping's \"missing\" list):\n  {}",
            crate::report::missing_values(&s.missing_values)
        );
    }
    o.push('\n');
    if let (Some(a), Some(b)) = (&s.first_timestamp, &s.last_timestamp) {
        let days = match s.events_per_day.len() {
            1 => "1 day".to_string(),
            n => format!("{} days", count(n as u64)),
        };
        let _ = writeln!(o, "Timestamps: {a} … {b} ({days} with events)");
    }
    if s.without_timestamp > 0 {
        let _ = writeln!(
            o,
            "Without timestamp: {} messages will be dated when Segment receives them",
            count(s.without_timestamp)
        );
    }
    if !s.top_events.is_empty() {
        let top: Vec<String> = s
            .top_events
            .iter()
            .take(5)
            .map(|(e, n)| format!("{e} ({})", count(*n)))
            .collect();
        let _ = writeln!(o, "Top events: {}", top.join(", "));
    }
    if !s.types.is_empty() {
        let types: Vec<String> = s
            .types
            .iter()
            .map(|(t, n)| format!("{t} {}", count(*n)))
            .collect();
        let _ = writeln!(o, "Calls: {}", types.join(", "));
    }
    if s.batches > 0 {
        let _ = writeln!(
            o,
            "Batches: {} requests, {} messages, {}",
            count(s.batches),
            count(s.messages),
            bytes(s.bytes)
        );
    }
    for n in &s.notes {
        let _ = writeln!(o, "Note: {n}");
    }
    o
}

/// Each file's counts in a multi-file `check` or `batches`, with the
/// settings each was read with, and the order used.
pub fn file_counts(
    set: &FileSet,
    counts: &[crate::pipeline::FileCounts],
    read_with: &[crate::pipeline::PartSniff],
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "\nFiles ({}), read in {}:",
        set.len(),
        set.order().describe()
    );
    let wide = counts
        .iter()
        .map(|c| c.file.len())
        .max()
        .unwrap_or(4)
        .min(48);
    let flagged = |i: usize| counts.get(i).is_some_and(|c| c.rejected > 0 || c.empty);
    let (shown, left) = files_shown(counts.len(), flagged, "with every row valid");
    for i in shown {
        let Some(c) = counts.get(i) else { continue };
        let how = match read_with.get(i) {
            Some(crate::pipeline::PartSniff {
                settings: Some(s),
                table,
                ..
            }) => crate::source::describe_reading(s, table.as_ref()),
            _ => "empty: no rows".into(),
        };
        let _ = writeln!(
            o,
            "  {:<wide$}  rows {:>7}  valid {:>7}  rejected {:>7}   {how}",
            c.file,
            count(c.rows),
            count(c.valid),
            count(c.rejected),
        );
    }
    o.push_str(&left);
    o
}

/// Files listed one per line before the list is cut short (a year of a
/// Segment archive is 8,760 hourly files).
const FILES_LISTED: usize = 30;

/// Which of `n` files the text lists: all of them up to [`FILES_LISTED`];
/// beyond, the first ones and every `flagged` one (rejected or
/// undelivered rows, empty: never left unsaid), up to [`FILES_LISTED`]
/// more. Also the line that says how many are not listed, if any (`plain`
/// says what the unflagged ones are).
fn files_shown(n: usize, flagged: impl Fn(usize) -> bool, plain: &str) -> (Vec<usize>, String) {
    if n <= FILES_LISTED {
        return ((0..n).collect(), String::new());
    }
    let first = FILES_LISTED / 3;
    let mut shown: Vec<usize> = (0..first).collect();
    let marked: Vec<usize> = (first..n).filter(|&i| flagged(i)).collect();
    shown.extend(marked.iter().take(FILES_LISTED));
    let marked_left = marked.len().saturating_sub(FILES_LISTED);
    let plain_left = n - shown.len() - marked_left;
    let mut left = format!("  … {} more files", count(plain_left as u64));
    if plain_left > 0 {
        left = format!("{left} {plain}");
    }
    if marked_left > 0 {
        left = format!(
            "{left}, and {} more with rejected or undelivered rows or empty",
            count(marked_left as u64)
        );
    }
    left.push_str(" (--json lists every file)\n");
    (shown, left)
}

/// Each file's share of a multi-file `send`.
pub fn file_reports(set: &FileSet, files: &[crate::session::FileReport]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "\nFiles ({}), read in {}:",
        set.len(),
        set.order().describe()
    );
    let wide = files
        .iter()
        .map(|c| c.file.len())
        .max()
        .unwrap_or(4)
        .min(48);
    let flagged = |i: usize| {
        files
            .get(i)
            .is_some_and(|f| f.rejected > 0 || f.undelivered > 0 || f.empty)
    };
    let (shown, left) = files_shown(files.len(), flagged, "with every row delivered");
    for f in shown.into_iter().filter_map(|i| files.get(i)) {
        let empty = if f.empty { "   (empty)" } else { "" };
        let _ = writeln!(
            o,
            "  {:<wide$}  rows {:>7}  valid {:>7}  rejected {:>7}  delivered {:>7}  undelivered {:>7}{empty}",
            f.file,
            count(f.rows),
            count(f.valid),
            count(f.rejected),
            count(f.delivered),
            count(f.undelivered),
        );
    }
    o.push_str(&left);
    o
}

/// The end of `send`: where every row went (rows named by file in a
/// multi-file import).
pub fn reconciliation(r: &Reconciliation, files: Option<&FileSet>) -> String {
    let mut o = String::new();
    let w = count(r.rows).len().max(5);
    let _ = writeln!(o, "  rows read    {:>w$}", count(r.rows));
    let prev = if r.previously_delivered > 0 {
        format!("   ({} in an earlier run)", count(r.previously_delivered))
    } else {
        String::new()
    };
    let _ = writeln!(o, "  delivered    {:>w$}{prev}", count(r.delivered));
    let by_server = if r.rejected_by_server > 0 {
        format!("   ({} refused by the API)", count(r.rejected_by_server))
    } else {
        String::new()
    };
    let _ = writeln!(o, "  rejected     {:>w$}{by_server}", count(r.rejected));
    let _ = writeln!(o, "  undelivered  {:>w$}", count(r.undelivered));
    if r.balanced() {
        let _ = writeln!(
            o,
            "  every row accounted for: {} = {} + {} + {}",
            count(r.rows),
            count(r.delivered),
            count(r.rejected),
            count(r.undelivered)
        );
    } else {
        let _ = writeln!(
            o,
            "  MISMATCH: rows read ≠ delivered + rejected + undelivered (please report this)"
        );
    }
    if r.undelivered > 0 {
        let ranges: Vec<String> = r
            .undelivered_rows
            .iter()
            .take(10)
            .map(|(a, b)| match files {
                Some(set) if a == b => set.locate(*a).to_string(),
                Some(set) => format!("{}-{}", set.locate(*a), count(set.locate(*b).row)),
                None if a == b => a.to_string(),
                None => format!("{a}-{b}"),
            })
            .collect();
        let more = if r.undelivered_rows.len() > 10 {
            ", ..."
        } else {
            ""
        };
        let _ = writeln!(o, "  undelivered rows: {}{more}", ranges.join(", "));
        if let Some(why) = &r.undelivered_reason {
            let _ = writeln!(o, "  why: {why}");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(100), "100");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(475_000), "475.0 KB");
        assert_eq!(bytes(1_500_000_000), "1.5 GB");
    }
}
