//! A first look at an .ods file's content.xml, before calamine opens it.
//!
//! calamine builds every sheet of an .ods as a grid of cells when it opens
//! the file, expanding the repeat counts the XML holds
//! (`table:number-columns-repeated`, `table:number-rows-repeated`): a few
//! kilobytes can ask for billions of cells. This scan counts the grid each
//! sheet would take (its rows from the first to the last with a value, times
//! its widest row up to the last cell with a value) without building it.

use std::io::{BufReader, Read, Seek};

use quick_xml::events::{BytesStart, Event};

/// The most cells an .ods sheet's grid may take: calamine keeps about 56
/// bytes per cell while it builds one, so about 560 MB.
pub(super) const MAX_GRID_CELLS: u64 = 10_000_000;
/// What calamine caps rows and columns at.
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;

/// The largest grid a sheet of the file takes: the sheet's name and its
/// rows and columns.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Grid {
    pub sheet: String,
    pub rows: u64,
    pub cols: u64,
}

impl Grid {
    pub fn cells(&self) -> u64 {
        self.rows.saturating_mul(self.cols)
    }
}

/// One sheet being scanned.
#[derive(Default)]
struct Sheet {
    name: String,
    /// Rows seen so far (with repeats), and the row span with values.
    rows: u64,
    first: Option<u64>,
    last: u64,
    width: u64,
}

/// Scans content.xml; `Ok(None)` when the file has none (calamine then
/// says what is wrong).
pub(super) fn largest_grid<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
) -> Result<Option<Grid>, String> {
    let Ok(content) = zip.by_name("content.xml") else {
        return Ok(None);
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    let mut buf = Vec::new();
    let mut largest = Grid::default();
    let mut sheet = Sheet::default();
    // The row being read: its repeat count, its cells so far (with
    // repeats), and the columns up to its last cell with a value.
    let mut row: Option<(u64, u64, u64)> = None;
    loop {
        buf.clear();
        let event = xml.read_event_into(&mut buf).map_err(|e| e.to_string())?;
        let (start, closed) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                match e.name().as_ref() {
                    "table:table-row" => end_row(&mut sheet, row.take()),
                    "table:table" => {
                        let grid = Grid {
                            sheet: std::mem::take(&mut sheet.name),
                            rows: sheet.first.map_or(0, |f| sheet.last - f),
                            cols: sheet.width,
                        };
                        if grid.cells() > largest.cells() {
                            largest = grid;
                        }
                        sheet = Sheet::default();
                    }
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match start.name().as_ref() {
            "table:table" => sheet.name = attr(start, "table:name").unwrap_or_default(),
            "table:table-row" => {
                let repeats = count(start, "table:number-rows-repeated");
                row = Some((repeats, 0, 0));
                if closed {
                    end_row(&mut sheet, row.take());
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                if let Some((_, cols, width)) = &mut row {
                    let repeats = count(start, "table:number-columns-repeated");
                    *cols = (*cols + repeats).min(MAX_COLUMNS);
                    // A cell with a type or content has a value (as far as
                    // a bound needs: calamine may still find it empty).
                    if !closed
                        || start
                            .try_get_attribute("office:value-type")
                            .ok()
                            .flatten()
                            .is_some()
                    {
                        *width = *cols;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(Some(largest))
}

fn end_row(sheet: &mut Sheet, row: Option<(u64, u64, u64)>) {
    let Some((repeats, _, width)) = row else {
        return;
    };
    let start = sheet.rows;
    sheet.rows = (sheet.rows + repeats).min(MAX_ROWS);
    if width > 0 {
        sheet.first.get_or_insert(start);
        sheet.last = sheet.rows;
        sheet.width = sheet.width.max(width);
    }
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let a = e.try_get_attribute(name).ok().flatten()?;
    Some(a.value.into_owned())
}

/// A repeat count: 1 when absent or not a number (calamine then refuses
/// the file itself).
fn count(e: &BytesStart<'_>, name: &str) -> u64 {
    attr(e, name)
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}
