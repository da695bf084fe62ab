//! `segment-backfill inspect FILE`

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::human;
use super::input::{Input, SourceArgs};
use super::Outcome;
use crate::mapping::{suggest_for, Mapping};
use crate::source::table::TableInfo;
use crate::source::{inspect, ArchiveSigns, Format, MissingSeen, Settings};

const SAMPLE_ROWS: usize = 20;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    file: &'a str,
    /// What a workbook or Parquet file holds (sheets, row groups...).
    #[serde(skip_serializing_if = "Option::is_none")]
    table: Option<&'a TableInfo>,
    settings: &'a Settings,
    headers: &'a [String],
    sample_rows: &'a [Vec<String>],
    suggested_mapping: &'a Mapping,
    /// Present when the records look like one of Segment's own archives.
    #[serde(skip_serializing_if = "Option::is_none")]
    segment_archive: Option<&'a ArchiveSigns>,
    /// Missing-value tokens of the default list seen in the sample.
    missing_values: &'a [MissingSeen],
}

pub fn run(
    files: &[PathBuf],
    source: &SourceArgs,
    write_mapping: Option<&Path>,
    json: bool,
) -> Result<Outcome, String> {
    match super::files::expand(files)? {
        None => run_one(&files[0], source, write_mapping, json),
        Some(set) => run_many(set, source, write_mapping, json),
    }
}

/// One file, as it has always been shown.
fn run_one(
    file: &Path,
    source: &SourceArgs,
    write_mapping: Option<&Path>,
    json: bool,
) -> Result<Outcome, String> {
    let user = source.options()?;
    let input = Input::open(file, user.sheet.as_deref())?;
    if input.sample.is_empty() {
        return Err(format!("{}: the file is empty", input.name));
    }
    let found = inspect(
        &input.sample,
        input.complete,
        &input.options(&user)?,
        SAMPLE_ROWS,
    )
    .map_err(|e| format!("{}: {e}", input.name))?;
    let mapping = suggest_for(&found);
    if let Some(path) = write_mapping {
        std::fs::write(path, mapping.to_json_pretty() + "\n")
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    }
    if json {
        let report = Report {
            file: &input.name,
            table: input.table.as_ref(),
            settings: &found.settings,
            headers: &found.headers,
            sample_rows: &found.rows,
            suggested_mapping: &mapping,
            segment_archive: found.archive.as_ref(),
            missing_values: &found.missing,
        };
        outln!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
        return Ok(Outcome::Done);
    }
    let size = input
        .size
        .map(|s| format!(", {}", human::bytes(s)))
        .unwrap_or_default();
    outln!("{}: {}{size}", input.name, input.describe(&found.settings));
    for note in input.table.iter().flat_map(|t| &t.notes) {
        outln!("  {note}");
    }
    outln!("\nColumns ({}):", found.headers.len());
    for (i, h) in found.headers.iter().enumerate() {
        let examples: Vec<String> = found
            .rows
            .iter()
            .filter_map(|r| r.get(i))
            .filter(|v| !v.is_empty())
            .take(3)
            .map(|v| shorten(v, 24))
            .collect();
        outln!("  {:<24} {}", shorten(h, 24), examples.join(" | "));
    }
    if !found.missing.is_empty() {
        let fate = if found.settings.format == Format::Csv {
            "sent as empty cells unless the mapping's \"missing\" says otherwise"
        } else {
            "empty in mapped fields unless the mapping's \"missing\" says otherwise; \
             records sent as they are keep them"
        };
        outln!("\nMissing-value tokens in the sample (the default list; {fate}):");
        outln!("  {}", crate::report::missing_values(&found.missing));
    }
    if let Some(signs) = &found.archive {
        outln!(
            "\nThis looks like one of Segment's own archives ({}).\n\
             It is replayed (with or without a mapping): sentAt, messageId, projectId and \
             receivedAt are dropped\nand messageIds derived anew, as Segment's import guide asks \
             (--no-replay, or \"replay\": false, keeps the original messageIds).",
            signs.describe()
        );
    }
    outln!("\nSuggested mapping:\n{}", mapping.to_json_pretty());
    match write_mapping {
        Some(p) => outln!("\nWritten to {}. Edit it, then: segment-backfill check {} --mapping {}", p.display(), input.name, p.display()),
        None => outln!(
            "\nSave it with --write-mapping mapping.json, edit it, then: segment-backfill check {} --mapping mapping.json",
            input.name
        ),
    }
    if !mapping.maps_timestamp() && !found.headers.is_empty() {
        outln!("Warning: no column looks like the event time; without one every event is dated when Segment receives it.");
    }
    Ok(Outcome::Done)
}

fn shorten(s: &str, max: usize) -> String {
    let s = s.replace(['\n', '\r'], " ");
    if s.chars().count() <= max {
        s
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

/// One file's line in a multi-file inspect.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileSeen {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    /// `None`: the file is empty.
    settings: Option<Settings>,
    headers: Vec<String>,
    /// A workbook or Parquet file: what the tables reader says of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    table: Option<crate::source::table::TableInfo>,
}

/// Several files: how each is read and its columns, in the order they are
/// imported; the mapping suggested from the first file that has rows.
fn run_many(
    set: super::files::InputSet,
    source: &SourceArgs,
    write_mapping: Option<&Path>,
    json: bool,
) -> Result<Outcome, String> {
    let options = source.options()?;
    let mut seen = Vec::new();
    let mut mapping = None;
    for (part, path) in set.set.files().iter().zip(&set.paths) {
        let input = Input::open(path, options.sheet.as_deref())?;
        let reading = input.options(&options)?;
        let mut line = FileSeen {
            file: part.name.clone(),
            size: input.size,
            settings: None,
            headers: Vec::new(),
            table: input.table.clone(),
        };
        if !input.sample.is_empty() {
            let found = inspect(&input.sample, input.complete, &reading, SAMPLE_ROWS)
                .map_err(|e| format!("{}: {e}", part.name))?;
            if mapping.is_none() {
                mapping = Some(suggest_for(&found));
            }
            line.settings = Some(found.settings);
            line.headers = found.headers;
        }
        seen.push(line);
    }
    let mapping = mapping.ok_or("every file is empty")?;
    if let Some(path) = write_mapping {
        std::fs::write(path, mapping.to_json_pretty() + "\n")
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    }
    if json {
        let v = serde_json::json!({
            "files": seen,
            "order": set.set.order(),
            "skipped": set.skipped,
            "suggestedMapping": mapping,
        });
        outln!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        );
        return Ok(Outcome::Done);
    }
    outln!(
        "{}, read as one import in {}:",
        set.title(),
        set.set.order().describe()
    );
    for f in &seen {
        let size = f
            .size
            .map(|s| format!(", {}", human::bytes(s)))
            .unwrap_or_default();
        match &f.settings {
            Some(s) => {
                let how = crate::source::describe_reading(s, f.table.as_ref());
                outln!("  {}: {how}{size}", f.file);
                outln!("    columns: {}", f.headers.join(", "));
            }
            None => outln!("  {}: empty{size}", f.file),
        }
    }
    for s in &set.skipped {
        outln!("  skipped: {s}");
    }
    outln!(
        "\nSuggested mapping (from the first file with rows):\n{}",
        mapping.to_json_pretty()
    );
    if let Some(p) = write_mapping {
        outln!("\nWritten to {}.", p.display());
    }
    Ok(Outcome::Done)
}
