//! Inspect and preview: both read only the first bytes of the file (of its
//! canonical text, for a workbook or Parquet file).

use super::source::FileSource;
use crate::app::protocol::{Failure, FileColumns, FileData, InspectionView, PreviewView};
use crate::mapping::{suggest_for, Mapping};
use crate::pipeline::{columns_fit, ImportOptions, Importer};
use crate::source::{gunzip_sample, inspect, not_text, Compression, Settings, SourceOptions};

/// Bytes read to guess the settings (as the CLI's `inspect`).
const SAMPLE_BYTES: f64 = 256.0 * 1024.0;
/// Rows shown in the File step's grid and used for suggestions.
const SAMPLE_ROWS: usize = 20;
/// Messages shown in the Map step's preview.
const PREVIEW_MESSAGES: usize = 3;
/// Rejected sample rows named in the preview.
const PREVIEW_PROBLEMS: usize = 5;

/// Bytes of the file (or its canonical text) the preview reads.
const PREVIEW_BYTES: f64 = 64.0 * 1024.0;

/// Sniffs the file's first bytes and suggests a mapping. A workbook is read
/// at `options.sheet` (or its first sheet with data).
pub async fn run(file: FileData, options: &SourceOptions) -> Result<InspectionView, Failure> {
    let mut source = FileSource::open(file, options.sheet.as_deref(), SAMPLE_BYTES).await?;
    let (sample, complete) = source.head(SAMPLE_BYTES).await?;
    if sample.is_empty() {
        return Err(match source.table() {
            Some(_) => Failure::new(
                "the sheet has no rows",
                "Pick another sheet, or check that this one has a header row and data.",
            ),
            None => Failure::new(
                "the file is empty",
                "Pick the export file itself, not an empty placeholder.",
            ),
        });
    }
    let mut found = view(&sample, complete, &source.options(options))?;
    found.table = source.table().cloned();
    Ok(found)
}

/// What [`run`] makes of the file's first bytes (`complete`: they are the
/// whole file).
pub fn view(
    sample: &[u8],
    complete: bool,
    options: &SourceOptions,
) -> Result<InspectionView, Failure> {
    let found = inspect(sample, complete, options, SAMPLE_ROWS).map_err(|e| {
        // A file that is not text: say what it is, not how to read it.
        match not_text(sample, complete, options) {
            Some(_) => Failure::new(e.to_string(), "Pick the data export itself."),
            None => Failure::new(
                format!("the file cannot be read: {e}"),
                "Check the format, encoding and delimiter overrides below, or pick another file.",
            ),
        }
    })?;
    let suggested = suggest_for(&found);
    Ok(InspectionView {
        settings: found.settings,
        headers: found.headers,
        rows: found.rows,
        complete,
        suggested,
        archive: found.archive,
        missing: found.missing,
        table: None,
    })
}

/// Builds the first messages with `mapping`, exactly as the check would.
pub async fn preview(
    file: FileData,
    sheet: Option<&str>,
    settings: &Settings,
    mapping: Mapping,
) -> Result<PreviewView, Failure> {
    let mut source = FileSource::open(file, sheet, PREVIEW_BYTES).await?;
    let (raw, complete) = source.head(PREVIEW_BYTES).await?;
    Ok(preview_sample(raw, complete, settings, mapping))
}

/// What [`preview`] makes of the file's first bytes (`complete`: they are the
/// whole file).
pub fn preview_sample(
    raw: Vec<u8>,
    complete: bool,
    settings: &Settings,
    mapping: Mapping,
) -> PreviewView {
    // A gzip sample is unpacked here so it can be cut at a line like any
    // other (at most a few MB of text, however well it packs).
    let mut settings = settings.clone();
    let mut sample = raw;
    let mut complete = complete;
    if settings.compression == Compression::Gzip {
        let (text, whole) = gunzip_sample(&sample, complete).unwrap_or_default();
        complete = complete && whole;
        settings.compression = Compression::None;
        sample = text;
    }
    // Only whole lines: a record cut at the sample's end is not an error.
    let usable = if complete {
        &sample[..]
    } else {
        match sample.iter().rposition(|&b| b == b'\n') {
            Some(end) => &sample[..=end],
            None => &sample[..],
        }
    };
    let options = ImportOptions {
        now_ms: js_sys::Date::now() as i64,
        keep_reject_cells: false,
        ..Default::default()
    };
    let mut out = PreviewView::default();
    let mut importer = match Importer::new(Some(mapping), &settings, options) {
        Ok(i) => i,
        Err(e) => {
            out.error = Some(e.to_string());
            return out;
        }
    };
    if let Err(e) = importer.push(usable).and_then(|()| importer.finish()) {
        out.error = Some(e.to_string());
    }
    while let Some(batch) = importer.pop_batch() {
        for i in 0..batch.len() {
            if out.messages.len() >= PREVIEW_MESSAGES {
                break;
            }
            if let Some(bytes) = batch.message(i) {
                out.messages.push(pretty(bytes));
            }
        }
    }
    while let Some(r) = importer.pop_reject() {
        if out.problems.len() < PREVIEW_PROBLEMS {
            out.problems.push(format!("row {}: {}", r.row, r.reason()));
        }
    }
    out.notes = importer.summary().notes;
    out
}

/// Several files: the first file whose columns lack one the mapping needs,
/// named (what the check and the send would refuse before reading).
pub fn columns_error(columns: &[FileColumns], mapping: &Mapping) -> Option<String> {
    columns
        .iter()
        .find_map(|c| columns_fit(&c.name, c.format, &c.headers, Some(mapping)).err())
}

fn pretty(bytes: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned())
}
