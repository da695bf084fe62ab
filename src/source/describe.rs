//! How a file is read, in words, as the CLI's reports and the package's
//! element say it: `CSV (comma-separated), UTF-8, header row`, or `Excel
//! workbook, sheet "Orders", header on row 3`.

use super::table::TableInfo;
use super::{Compression, Encoding, Format, Settings};

/// How a file with these settings (and, for a workbook or Parquet file,
/// what the tables module said of it) is read.
pub fn describe_reading(settings: &Settings, table: Option<&TableInfo>) -> String {
    match table {
        Some(info) => self::table(info, settings),
        None => text(settings),
    }
}

/// A text file's reading: `CSV (comma-separated), UTF-8, header row`.
fn text(s: &Settings) -> String {
    let mut parts = Vec::new();
    parts.push(match s.format {
        Format::Csv => match s.delimiter {
            b',' => "CSV (comma-separated)".to_string(),
            b';' => "CSV (semicolon-separated)".to_string(),
            b'\t' => "TSV (tab-separated)".to_string(),
            b'|' => "CSV (pipe-separated)".to_string(),
            d => format!("CSV ({:?}-separated)", d as char),
        },
        Format::Ndjson => "NDJSON (one JSON object per line)".to_string(),
        Format::Json => "JSON array".to_string(),
    });
    if s.compression == Compression::Gzip {
        parts.push("gzip".into());
    }
    parts.push(
        match s.encoding {
            Encoding::Utf8 if s.bom => "UTF-8 with BOM",
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16le => "UTF-16 LE",
            Encoding::Utf16be => "UTF-16 BE",
            Encoding::Windows1252 => "Windows-1252",
        }
        .to_string(),
    );
    if s.format == Format::Csv {
        parts.push(if s.has_header {
            "header row".into()
        } else {
            "no header row".into()
        });
    }
    parts.join(", ")
}

/// A workbook's or Parquet file's: `Excel workbook, sheet "Orders" (sheets:
/// Orders, Refunds), header on row 3`, `Parquet file, 1,000 rows, 4 row
/// groups, SNAPPY`.
fn table(info: &TableInfo, settings: &Settings) -> String {
    let mut parts = vec![capitalised(info.kind.describe())];
    if let Some(sheet) = &info.sheet {
        let of = if info.sheets.len() > 1 {
            format!(
                " (sheets: {})",
                info.sheets
                    .iter()
                    .map(|s| if s.empty {
                        format!("{} (empty)", s.name)
                    } else {
                        s.name.clone()
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };
        parts.push(format!("sheet {sheet:?}{of}"));
        parts.push(if settings.has_header {
            format!("header on row {}", settings.first_row)
        } else {
            format!("no header row, data from row {}", settings.first_row)
        });
    }
    if let Some(rows) = info.rows {
        parts.push(format!(
            "{} rows",
            crate::report::group_digits(&rows.to_string())
        ));
    }
    if let Some(groups) = info.row_groups {
        parts.push(format!(
            "{} row group{}",
            crate::report::group_digits(&groups.to_string()),
            if groups == 1 { "" } else { "s" }
        ));
    }
    if !info.codecs.is_empty() {
        parts.push(info.codecs.join(", "));
    }
    parts.join(", ")
}

/// "an Excel workbook" → "Excel workbook".
fn capitalised(described: &str) -> String {
    let bare = described
        .strip_prefix("an ")
        .or_else(|| described.strip_prefix("a "))
        .unwrap_or(described);
    let mut chars = bare.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
