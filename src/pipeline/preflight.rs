//! Before a multi-file import reads anything for real, every shell (the
//! CLI, the app's worker, the package) opens each file and sniffs its first
//! bytes here: how it will be read, its columns, and whether the mapping
//! finds its columns in it. A file lacking a column the mapping needs is
//! refused then, naming the file and the column, before any row is sent.

use serde::Serialize;

use crate::mapping::Mapping;
use crate::message::MessageBuilder;
use crate::source::table::TableInfo;
use crate::source::{Format, Settings, SourceOptions};

/// One file of several, as its first bytes say.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartSniff {
    /// What it is read with: the user's options for a text file, the
    /// canonical ones for a workbook or Parquet file.
    pub options: SourceOptions,
    /// The settings sniffed; `None` for an empty file.
    pub settings: Option<Settings>,
    /// Its columns (CSV: the header; JSON: the keys of the sampled records).
    pub headers: Vec<String>,
    /// A workbook or Parquet file: what the tables reader says of it (the
    /// shell that opened it sets it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<TableInfo>,
}

/// Sniffs file `name` from `sample` (its first bytes; `complete`: all of
/// them), read with `options`, and checks a CSV's header against the
/// mapping's columns. Empty files are not refused: the reports name them.
pub fn sniff_part(
    name: &str,
    sample: &[u8],
    complete: bool,
    options: SourceOptions,
    mapping: Option<&Mapping>,
) -> Result<PartSniff, String> {
    if crate::source::has_no_text(sample, complete, &options) {
        return Ok(PartSniff {
            options,
            settings: None,
            headers: Vec::new(),
            table: None,
        });
    }
    let seen = crate::source::inspect(sample, complete, &options, 0)
        .map_err(|e| format!("{name}: {e}"))?;
    columns_fit(name, seen.settings.format, &seen.headers, mapping)?;
    Ok(PartSniff {
        options,
        settings: Some(seen.settings),
        headers: seen.headers,
        table: None,
    })
}

/// Whether `mapping` finds the columns it needs in file `name`, read as
/// `format` with `headers`: a CSV lacking one is refused, naming the file
/// and the column (JSON records are not: a missing field is a row's
/// finding). What [`sniff_part`] checks, for a shell that knows a file's
/// columns already (the app's Map step, for every file of several).
pub fn columns_fit(
    name: &str,
    format: Format,
    headers: &[String],
    mapping: Option<&Mapping>,
) -> Result<(), String> {
    if let Some(m) = mapping.filter(|m| !m.rules.is_empty()) {
        if format == Format::Csv {
            MessageBuilder::for_columns(m, headers, 0)
                .map_err(|e| format!("{name}: {e} (nothing was read or sent)"))?;
        }
    }
    Ok(())
}

/// Every CSV file's columns, each once, in the order first seen (the
/// rejects CSV's header for several files; a JSON record is one cell), and
/// each file's own columns.
pub fn all_columns(parts: &[PartSniff]) -> (Vec<String>, Vec<Vec<String>>) {
    let csv_headers = |p: &PartSniff| match &p.settings {
        Some(s) if s.format == Format::Csv => p.headers.clone(),
        _ => Vec::new(),
    };
    let mut all: Vec<String> = Vec::new();
    for h in parts.iter().flat_map(csv_headers) {
        if !all.contains(&h) {
            all.push(h);
        }
    }
    (all, parts.iter().map(csv_headers).collect())
}
