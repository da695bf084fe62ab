//! A first look at an .ods or .xls file, before calamine opens it.
//!
//! calamine builds every sheet of these as a grid of cells when it opens the
//! file, from the first to the last cell (32 bytes a cell, more while it is
//! built). A few kilobytes can ask for billions: an .ods through its repeat
//! counts (`table:number-columns-repeated`, `table:number-rows-repeated`),
//! an .xls through two cells at opposite corners. These scans measure the
//! grid each sheet would take without building it.

use std::io::{BufReader, Read, Seek};

use quick_xml::events::{BytesStart, Event};

/// The most cells a sheet's grid may take: calamine keeps up to 56 bytes a
/// cell while it builds one, so about 560 MB.
pub(super) const MAX_GRID_CELLS: u64 = 10_000_000;
/// What calamine caps rows and columns at.
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;

/// The largest grid a sheet of the file takes: the sheet's name (when
/// known) and its rows and columns.
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

/// Scans an .ods file's content.xml; `Ok(None)` when the file has none
/// (calamine then says what is wrong).
pub(super) fn ods<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<Option<Grid>, String> {
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

/// Scans an .xls file's BIFF records (the compound file's Workbook stream);
/// `Ok(None)` when it has none (calamine then says what is wrong).
pub(super) fn xls<R: Read + Seek>(reader: R) -> Result<Option<Grid>, String> {
    let mut file = cfb::CompoundFile::open(reader).map_err(|e| e.to_string())?;
    let stream = ["/Workbook", "/Book"]
        .into_iter()
        .find(|name| file.is_stream(name));
    let Some(stream) = stream else {
        return Ok(None);
    };
    let mut biff = BufReader::new(file.open_stream(stream).map_err(|e| e.to_string())?);
    let mut largest = Grid::default();
    // The cells' bounds (first row, last row, first column, last column) in
    // each substream open (a sheet, a chart inside it...).
    let mut open: Vec<Option<(u16, u16, u16, u16)>> = Vec::new();
    let mut record = Vec::new();
    loop {
        let mut header = [0u8; 4];
        match biff.read_exact(&mut header) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e.to_string()),
        }
        let typ = u16::from_le_bytes([header[0], header[1]]);
        let len = usize::from(u16::from_le_bytes([header[2], header[3]]));
        record.resize(len, 0);
        if biff.read_exact(&mut record).is_err() {
            break;
        }
        let u16_at = |at: usize| {
            record
                .get(at..at + 2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
        };
        let cells = match typ {
            0x0809 => {
                open.push(None);
                continue;
            }
            0x000A => {
                if let Some(Some((r0, r1, c0, c1))) = open.pop() {
                    let grid = Grid {
                        sheet: String::new(),
                        rows: u64::from(r1 - r0) + 1,
                        cols: u64::from(c1 - c0) + 1,
                    };
                    if grid.cells() > largest.cells() {
                        largest = grid;
                    }
                }
                continue;
            }
            // Number, Label, RString, BoolErr, Rk, LabelSst, Formula: one cell.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                u16_at(0).zip(u16_at(2)).map(|(r, c)| (r, c, c))
            }
            // MulRk: a run of cells, its last column in its last two bytes.
            0x00BD => u16_at(0)
                .zip(u16_at(2))
                .zip(len.checked_sub(2).and_then(u16_at))
                .map(|((r, c0), c1)| (r, c0.min(c1), c0.max(c1))),
            _ => None,
        };
        if let (Some((r, c0, c1)), Some(bounds)) = (cells, open.last_mut()) {
            *bounds = Some(match *bounds {
                None => (r, r, c0, c1),
                Some((a, b, c, d)) => (a.min(r), b.max(r), c.min(c0), d.max(c1)),
            });
        }
    }
    Ok(Some(largest))
}
