//! Workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods; calamine) → canonical CSV.
//!
//! The sheet is read once, cell by cell: each row's cells are written as
//! CSV fields while the table is found (the header row, under a title row or
//! empty rows; the columns and the last row with data); then the rows are
//! laid out as the table's records in one buffer, handed out in pieces of
//! about [`CHUNK_BYTES`] that end after a record. Excel 2007+
//! sheets are streamed from their XML, so memory follows the text, not the
//! sheet's claimed dimensions; .xls and .ods sheets are held by calamine as
//! a grid while they are read (see the limits in docs/).
//!
//! Bounds against hostile files: no part of a zip-based workbook may
//! declare more than [`MAX_PART_BYTES`] (the zip reader refuses to inflate a
//! part past what it declares, so a zip bomb stops there); an .ods sheet may
//! not make calamine build more than [`grid::MAX_GRID_CELLS`] cells; a
//! table may not span more than [`text::MAX_FIELDS`] fields, nor its text
//! pass [`text::MAX_TEXT_BYTES`].

mod grid;
mod text;

use std::io::{Seek, SeekFrom};

use calamine::{Data, DataRef, Ods, Reader, SheetType, Xls, Xlsb, Xlsx};

use super::{ReadSeek, SheetInfo, TableInfo, TableKind, CHUNK_BYTES};
use crate::source::SourceError;
use text::{Layout, SheetCsv, SheetWriter, Value};

/// The most a part of a zip-based workbook (a sheet's XML, the shared
/// strings) may declare, uncompressed.
const MAX_PART_BYTES: u64 = 512 * 1024 * 1024;

/// A sheet's canonical CSV, handed out in pieces.
pub(super) struct SheetText {
    text: Vec<u8>,
    /// Where each piece ends.
    cuts: std::vec::IntoIter<usize>,
    at: usize,
}

type R = Box<dyn ReadSeek>;

enum Book {
    Xlsx(Xlsx<R>),
    Xlsb(Xlsb<R>),
    Xls(Xls<R>),
    Ods(Ods<R>),
}

fn error(message: String) -> SourceError {
    SourceError { row: None, message }
}

/// "damaged" messages: what the file looks like, what went wrong, what to do.
fn damaged(kind: TableKind, e: impl std::fmt::Display) -> SourceError {
    error(format!(
        "this file looks like {} but cannot be read ({e}): it may be damaged or cut short; \
         open it in a spreadsheet program and save it again, or export the sheet as CSV",
        kind.describe()
    ))
}

impl SheetText {
    pub fn open(
        kind: TableKind,
        reader: R,
        sheet: Option<&str>,
    ) -> Result<(SheetText, TableInfo), SourceError> {
        let mut book = Book::open(kind, reader)?;
        let mut sheets = Vec::new();
        for (name, typ) in book.sheet_names() {
            let empty = typ == SheetType::ChartSheet || !book.has_value(&name)?;
            sheets.push(SheetInfo { name, empty });
        }
        let list = || {
            sheets
                .iter()
                .map(|s| match s.empty {
                    true => format!("\"{}\" (empty)", s.name),
                    false => format!("\"{}\"", s.name),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let name = match sheet {
            Some(name) => match sheets.iter().find(|s| s.name == name) {
                Some(s) if s.empty => {
                    return Err(error(format!(
                        "sheet \"{name}\" has no data; the workbook's sheets are {}",
                        list()
                    )))
                }
                Some(s) => s.name.clone(),
                None => {
                    return Err(error(format!(
                        "the workbook has no sheet \"{name}\"; its sheets are {}",
                        list()
                    )))
                }
            },
            None => match sheets.iter().find(|s| !s.empty) {
                Some(s) => s.name.clone(),
                None if sheets.is_empty() => {
                    return Err(error("the workbook has no sheets".into()))
                }
                None => {
                    return Err(error(format!(
                        "the workbook has no data: every sheet is empty ({})",
                        list()
                    )))
                }
            },
        };

        let is_1904 = book.is_1904();
        let mut writer = SheetWriter::default();
        book.each_cell(&name, &mut |row, col, value| {
            writer.cell(row, col, value).map(|()| true)
        })?;
        drop(book);
        // OK as an error: the sheet had a value when it was listed.
        let SheetCsv { layout, text, cuts } = writer
            .finish(CHUNK_BYTES)?
            .ok_or_else(|| error(format!("sheet \"{name}\" has no data")))?;
        let mut notes = layout_notes(&name, &layout);
        if is_1904 {
            notes.push(
                "the workbook uses the 1904 date system (Excel for Mac): its dates are read as such"
                    .into(),
            );
        }
        // Said of every sheet: knowing whether one holds a formula would
        // take a second pass over its XML (calamine reads formulas apart).
        notes.push(
            "any formula is read as its cached value (as last calculated by the program that \
             saved the file)"
                .into(),
        );
        let info = TableInfo {
            kind,
            sheets,
            sheet: Some(name),
            first_row: u64::from(layout.header) + 1,
            rows: None,
            row_groups: None,
            codecs: Vec::new(),
            notes,
        };
        Ok((
            SheetText {
                text,
                cuts: cuts.into_iter(),
                at: 0,
            },
            info,
        ))
    }

    pub fn next_chunk(&mut self) -> Option<Vec<u8>> {
        let end = self.cuts.next()?;
        let chunk = self.text.get(self.at..end)?.to_vec();
        self.at = end;
        Some(chunk)
    }
}

/// What was skipped above the header, in a user's words.
fn layout_notes(sheet: &str, layout: &Layout) -> Vec<String> {
    let header = layout.header + 1;
    if header == 1 {
        return Vec::new();
    }
    let empty = |from: u32, to: u32| match to.checked_sub(from) {
        None => None,
        Some(0) => Some(format!("empty row {from}")),
        Some(_) => Some(format!("empty rows {from}–{to}")),
    };
    let skipped: Vec<String> = match &layout.title {
        Some((row, title)) => [
            empty(1, *row),
            Some(format!("row {} (a title: \"{}\")", row + 1, short(title))),
            empty(row + 2, header - 1),
        ]
        .into_iter()
        .flatten()
        .collect(),
        None => empty(1, header - 1).into_iter().collect(),
    };
    vec![format!(
        "sheet \"{sheet}\": the header is row {header}; {} above it {} skipped",
        skipped.join(" and "),
        if skipped.len() == 1 && !skipped[0].starts_with("empty rows") {
            "is"
        } else {
            "are"
        }
    )]
}

/// A title as a note quotes it: one line, at most 60 characters.
fn short(title: &str) -> String {
    let line = title.replace(['\n', '\r'], " ");
    match line.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

impl Book {
    fn open(kind: TableKind, mut reader: R) -> Result<Book, SourceError> {
        let rewind = |reader: &mut R| {
            reader
                .seek(SeekFrom::Start(0))
                .map_err(|e| error(format!("the file could not be read: {e}")))
        };
        match kind {
            TableKind::Xls => {
                // A file the scan cannot read is left to calamine to name.
                if let Err(e) = check_grid(kind, &mut reader) {
                    if !e.message.starts_with("this file looks like") {
                        return Err(e);
                    }
                }
                rewind(&mut reader)?;
                let book = Xls::new(reader).map_err(|e| match e {
                    // calamine's CfbError is private: its text names the missing stream.
                    calamine::XlsError::Cfb(e) if e.to_string().contains("Workbook stream") => {
                        error(
                            "this Office file holds no workbook: it may be a Word or PowerPoint \
                         document (.doc, .ppt), or a workbook protected by a password; save the \
                         sheet from Excel as .xlsx or CSV and import that"
                                .into(),
                        )
                    }
                    calamine::XlsError::Password => error(
                        "the workbook is protected by a password: remove the password in Excel, \
                         or save the sheet as CSV, and import that"
                            .into(),
                    ),
                    e => damaged(kind, e),
                })?;
                Ok(Book::Xls(book))
            }
            TableKind::Ods => {
                check_zip(kind, &mut reader)?;
                rewind(&mut reader)?;
                check_grid(kind, &mut reader)?;
                rewind(&mut reader)?;
                Ok(Book::Ods(Ods::new(reader).map_err(|e| damaged(kind, e))?))
            }
            TableKind::Xlsx | TableKind::Parquet => {
                let binary = check_zip(kind, &mut reader)?;
                rewind(&mut reader)?;
                if binary {
                    Ok(Book::Xlsb(Xlsb::new(reader).map_err(|e| damaged(kind, e))?))
                } else {
                    Ok(Book::Xlsx(Xlsx::new(reader).map_err(|e| damaged(kind, e))?))
                }
            }
        }
    }

    fn sheet_names(&self) -> Vec<(String, SheetType)> {
        let meta = match self {
            Book::Xlsx(b) => b.sheets_metadata(),
            Book::Xlsb(b) => b.sheets_metadata(),
            Book::Xls(b) => b.sheets_metadata(),
            Book::Ods(b) => b.sheets_metadata(),
        };
        meta.iter().map(|s| (s.name.clone(), s.typ)).collect()
    }

    fn is_1904(&self) -> bool {
        match self {
            Book::Xlsx(b) => b.has_1904_epoch(),
            Book::Xlsb(b) => b.has_1904_epoch(),
            Book::Xls(b) => b.has_1904_epoch(),
            Book::Ods(_) => false,
        }
    }

    /// Whether the sheet has a cell with a value (read up to the first).
    fn has_value(&mut self, sheet: &str) -> Result<bool, SourceError> {
        let mut found = false;
        self.each_cell(sheet, &mut |_, _, value| {
            found = value.has_value();
            Ok(!found)
        })?;
        Ok(found)
    }

    /// Calls `visit` with every cell of `sheet` in row-major order (0-based
    /// row and column), until it returns `false`.
    fn each_cell(
        &mut self,
        sheet: &str,
        visit: &mut dyn FnMut(u32, u32, Value<'_>) -> Result<bool, SourceError>,
    ) -> Result<(), SourceError> {
        let bad = |e: &dyn std::fmt::Display| {
            error(format!(
                "sheet \"{sheet}\" cannot be read ({e}): the workbook may be damaged; open it in \
                 a spreadsheet program and save it again, or export the sheet as CSV"
            ))
        };
        match self {
            Book::Xlsx(b) => {
                let mut cells = match b.worksheet_cells_reader(sheet) {
                    Ok(cells) => cells,
                    // A chart or dialog sheet: no cells.
                    Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(()),
                    Err(e) => return Err(bad(&e)),
                };
                while let Some(cell) = cells.next_cell().map_err(|e| bad(&e))? {
                    let (row, col) = cell.get_position();
                    if !visit(row, col, Value::from(cell.get_value()))? {
                        break;
                    }
                }
            }
            Book::Xlsb(b) => {
                let mut cells = b.worksheet_cells_reader(sheet).map_err(|e| bad(&e))?;
                while let Some(cell) = cells.next_cell().map_err(|e| bad(&e))? {
                    let (row, col) = cell.get_position();
                    let value: &DataRef<'_> = cell.get_value();
                    if !visit(row, col, Value::from(value))? {
                        break;
                    }
                }
            }
            Book::Xls(b) => visit_range(b.worksheet_range(sheet).map_err(|e| bad(&e))?, visit)?,
            Book::Ods(b) => visit_range(b.worksheet_range(sheet).map_err(|e| bad(&e))?, visit)?,
        }
        Ok(())
    }
}

fn visit_range(
    range: calamine::Range<Data>,
    visit: &mut dyn FnMut(u32, u32, Value<'_>) -> Result<bool, SourceError>,
) -> Result<(), SourceError> {
    let (row0, col0) = range.start().unwrap_or((0, 0));
    for (row, col, value) in range.used_cells() {
        // Positions in a range fit in u32: they come from u32 ones.
        let (row, col) = (row0 + row as u32, col0 + col as u32);
        if !visit(row, col, Value::from(value))? {
            break;
        }
    }
    Ok(())
}

/// Refuses an .ods or .xls file a sheet of which would make calamine build
/// more than [`grid::MAX_GRID_CELLS`] cells.
fn check_grid(kind: TableKind, reader: &mut R) -> Result<(), SourceError> {
    let grid = match kind {
        TableKind::Xls => grid::xls(&mut *reader),
        _ => {
            let mut zip = zip::ZipArchive::new(&mut *reader).map_err(|e| damaged(kind, e))?;
            grid::ods(&mut zip)
        }
    };
    match grid.map_err(|e| damaged(kind, e))? {
        Some(grid) if grid.cells() > grid::MAX_GRID_CELLS => {
            let sheet = match grid.sheet.as_str() {
                "" => "a sheet".to_string(),
                name => format!("sheet \"{name}\""),
            };
            Err(error(format!(
                "{sheet} of this workbook spans {} rows × {} columns, more than the {} cells \
                 read from a sheet of {}: delete what lies outside the table, or save the sheet \
                 as CSV and import that",
                grid.rows,
                grid.cols,
                grid::MAX_GRID_CELLS,
                kind.describe()
            )))
        }
        _ => Ok(()),
    }
}

/// Checks a zip-based workbook's parts against [`MAX_PART_BYTES`]; says
/// whether it is an Excel binary workbook (.xlsb).
fn check_zip(kind: TableKind, reader: &mut R) -> Result<bool, SourceError> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| damaged(kind, e))?;
    let mut binary = false;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|e| damaged(kind, e))?;
        let name = part.name().map_err(|e| damaged(kind, e))?;
        if part.size() > MAX_PART_BYTES {
            return Err(error(format!(
                "{} inside this workbook would take {} MiB unpacked, more than the {} MiB read \
                 from one part of a workbook: save the sheet as CSV and import that",
                name,
                part.size() >> 20,
                MAX_PART_BYTES >> 20
            )));
        }
        binary |= name.eq_ignore_ascii_case("xl/workbook.bin");
    }
    Ok(binary)
}
