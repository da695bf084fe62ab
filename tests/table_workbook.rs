//! Workbooks read as canonical CSV (src/source/table/workbook.rs), through
//! the same path as an import: `TableStream` → `sniff_import` of the first
//! chunk with the stream's options → `Importer`.
//!
//! The fixtures are written by tests/tables/make_workbooks.py (`make
//! fixtures-tables`) with XlsxWriter, odfpy and xlwt; orders.csv is the text
//! each workbook's "Orders" sheet must read as.
#![cfg(feature = "tables")]

use std::fs::File;
use std::io::{Cursor, Write};

use std::path::PathBuf;
use zip::write::SimpleFileOptions;

use segment_backfill::mapping::Mapping;
use segment_backfill::pipeline::{ImportOptions, Importer};
use segment_backfill::source::table::{TableInfo, TableKind, TableStream};
use segment_backfill::source::{sniff_import, SourceError, SourceOptions};

fn fixture(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/fixtures/tables")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run make fixtures-tables",
        path.display()
    );
    path
}

fn mapping() -> Mapping {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tables/orders.mapping.json"),
    )
    .unwrap();
    Mapping::from_json(&text).unwrap()
}

fn open(kind: TableKind, name: &str, sheet: Option<&str>) -> Result<TableStream, SourceError> {
    TableStream::open(kind, Box::new(File::open(fixture(name)).unwrap()), sheet)
}

fn open_bytes(kind: TableKind, bytes: Vec<u8>) -> Result<TableStream, SourceError> {
    TableStream::open(kind, Box::new(Cursor::new(bytes)), None)
}

/// Every chunk of the canonical text.
fn chunks(stream: &mut TableStream) -> Vec<Vec<u8>> {
    let mut chunks = Vec::new();
    while let Some(chunk) = stream.next_chunk().unwrap() {
        chunks.push(chunk);
    }
    chunks
}

/// What an import of some text makes: the JSON of every message, and each
/// rejected row as `row code: reason`.
#[derive(Debug, PartialEq)]
struct Outcome {
    messages: Vec<String>,
    rejects: Vec<String>,
}

fn import(chunks: &[Vec<u8>], options: &SourceOptions) -> Outcome {
    let first = chunks.first().map_or(&[][..], |c| c.as_slice());
    let sniffed = sniff_import(first, chunks.len() <= 1, options).unwrap();
    let mut importer = Importer::new(
        Some(mapping()),
        &sniffed.settings,
        ImportOptions {
            now_ms: 1_800_000_000_000,
            archive: sniffed.archive,
            ..ImportOptions::default()
        },
    )
    .unwrap();
    let mut outcome = Outcome {
        messages: Vec::new(),
        rejects: Vec::new(),
    };
    let mut drain = |importer: &mut Importer| {
        while let Some(batch) = importer.pop_batch() {
            for i in 0..batch.len() {
                let message = batch.message(i).unwrap();
                outcome
                    .messages
                    .push(String::from_utf8(message.to_vec()).unwrap());
            }
        }
        while let Some(reject) = importer.pop_reject() {
            let code = reject.code().map(|c| c.as_str()).unwrap_or("-");
            outcome
                .rejects
                .push(format!("{} {code}: {}", reject.row, reject.reason()));
        }
    };
    for chunk in chunks {
        importer.push(chunk).unwrap();
        drain(&mut importer);
    }
    importer.finish().unwrap();
    drain(&mut importer);
    outcome
}

/// A workbook's sheet imported as the app and the CLI import it.
fn import_sheet(kind: TableKind, name: &str, sheet: Option<&str>) -> (TableInfo, Vec<u8>, Outcome) {
    let mut stream = open(kind, name, sheet).unwrap();
    let options = stream.source_options(&SourceOptions::default());
    let info = stream.info().clone();
    let chunks = chunks(&mut stream);
    let outcome = import(&chunks, &options);
    (info, chunks.concat(), outcome)
}

/// orders.csv imported as the text of a sheet whose header is on row 3.
fn import_csv() -> Outcome {
    let text = std::fs::read(fixture("orders.csv")).unwrap();
    let options = SourceOptions {
        first_row: Some(3),
        ..SourceOptions::default()
    };
    import(&[text], &options)
}

const SHEETS: &str = r#"[{"name":"Cover","empty":true},{"name":"Orders","empty":false},{"name":"Refunds","empty":false}]"#;

fn check_orders(kind: TableKind, name: &str) {
    let (info, text, outcome) = import_sheet(kind, name, None);
    assert_eq!(info.kind, kind);
    assert_eq!(serde_json::to_string(&info.sheets).unwrap(), SHEETS);
    assert_eq!(info.sheet.as_deref(), Some("Orders"));
    assert_eq!(info.first_row, 3);
    assert_eq!(
        info.notes[0],
        "sheet \"Orders\": the header is row 3; row 1 (a title: \"Orders export\") and empty \
         row 2 above it are skipped"
    );
    let csv = std::fs::read_to_string(fixture("orders.csv")).unwrap();
    assert_eq!(String::from_utf8(text).unwrap(), csv, "{name}");

    let want = import_csv();
    assert_eq!(outcome, want, "{name}");
    // Rows are the sheet's: 50 orders on rows 4–54 with an empty row 20.
    assert_eq!(outcome.messages.len(), 49);
    assert_eq!(
        outcome.rejects,
        [
            "20 empty_row: every cell of the row is empty",
            "27 invalid_number: total: \"#DIV/0!\" is not a number (for properties.total)",
        ]
    );
    assert!(
        outcome.messages[0].contains(r#""timestamp":"2024-03-01T10:30:00.000Z""#),
        "{}",
        outcome.messages[0]
    );
}

#[test]
fn an_xlsx_sheet_reads_as_its_csv_and_makes_the_same_messages() {
    check_orders(TableKind::Xlsx, "orders.xlsx");
}

#[test]
fn an_ods_sheet_reads_as_its_csv_and_makes_the_same_messages() {
    check_orders(TableKind::Ods, "orders.ods");
}

#[test]
fn an_xls_sheet_reads_as_its_csv_and_makes_the_same_messages() {
    check_orders(TableKind::Xls, "orders.xls");
}

#[test]
fn the_1904_date_system_gives_the_same_dates() {
    let (info, text, _) = import_sheet(TableKind::Xlsx, "orders-1904.xlsx", None);
    let csv = std::fs::read_to_string(fixture("orders.csv")).unwrap();
    assert_eq!(String::from_utf8(text).unwrap(), csv);
    assert!(
        info.notes.iter().any(|n| n.contains("1904 date system")),
        "{:?}",
        info.notes
    );
}

#[test]
fn a_named_sheet_is_read() {
    for (kind, name) in [
        (TableKind::Xlsx, "orders.xlsx"),
        (TableKind::Ods, "orders.ods"),
        (TableKind::Xls, "orders.xls"),
    ] {
        let mut stream = open(kind, name, Some("Refunds")).unwrap();
        assert_eq!(stream.info().first_row, 1);
        assert_eq!(stream.info().sheet.as_deref(), Some("Refunds"));
        let text = String::from_utf8(chunks(&mut stream).concat()).unwrap();
        assert_eq!(
            text,
            "refund_id,order_id,amount,refunded_at\n\
             R-1,ORD-1003,6,2024-04-02\n\
             R-2,ORD-1005,7,2024-04-03\n\
             R-3,ORD-1007,8,2024-04-04\n\
             R-4,ORD-1009,9,2024-04-05\n\
             R-5,ORD-1011,10,2024-04-06\n",
            "{name}"
        );
    }
}

#[test]
fn an_unknown_sheet_is_refused_with_the_sheets_there_are() {
    for (kind, name) in [
        (TableKind::Xlsx, "orders.xlsx"),
        (TableKind::Ods, "orders.ods"),
        (TableKind::Xls, "orders.xls"),
    ] {
        let e = open(kind, name, Some("Sales")).unwrap_err();
        assert_eq!(
            e.message,
            "the workbook has no sheet \"Sales\"; its sheets are \"Cover\" (empty), \"Orders\", \
             \"Refunds\"",
            "{name}"
        );
        let e = open(kind, name, Some("Cover")).unwrap_err();
        assert_eq!(
            e.message,
            "sheet \"Cover\" has no data; the workbook's sheets are \"Cover\" (empty), \
             \"Orders\", \"Refunds\"",
            "{name}"
        );
    }
}

// --- hostile and damaged files ---------------------------------------------

/// A minimal .xlsx: one sheet "Data" with `sheet_xml` inside its sheetData,
/// `dimension` as its claimed size, and the shared strings `shared`.
fn xlsx(dimension: &str, sheet_data: &str, shared: &[&str]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut part = |name: &str, text: &str| {
        zip.start_file(name, SimpleFileOptions::default()).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    };
    part(
        "[Content_Types].xml",
        r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
    );
    part(
        "_rels/.rels",
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    part(
        "xl/workbook.xml",
        r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    );
    part(
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
    );
    let strings: String = shared
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    part(
        "xl/sharedStrings.xml",
        &format!(
            r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>"#
        ),
    );
    part(
        "xl/worksheets/sheet1.xml",
        &format!(
            r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>"#
        ),
    );
    zip.finish().unwrap().into_inner()
}

/// Sets the uncompressed size a zip declares for `name`, in its local and
/// central headers, as a crafted file would.
fn declare_size(mut zip: Vec<u8>, name: &str, size: u32) -> Vec<u8> {
    let le16 = |b: &[u8], at: usize| usize::from(u16::from_le_bytes([b[at], b[at + 1]]));
    let mut patched = 0;
    for at in 0..zip.len().saturating_sub(46) {
        let (size_at, name_len_at, name_at) = match &zip[at..at + 4] {
            b"PK\x03\x04" => (at + 22, at + 26, at + 30),
            b"PK\x01\x02" => (at + 24, at + 28, at + 46),
            _ => continue,
        };
        let len = le16(&zip, name_len_at);
        if zip.get(name_at..name_at + len) == Some(name.as_bytes()) {
            zip[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "{name} is in the zip");
    zip
}

fn refused(kind: TableKind, bytes: Vec<u8>) -> String {
    open_bytes(kind, bytes).unwrap_err().message
}

fn text_of(kind: TableKind, bytes: Vec<u8>) -> String {
    let mut stream = open_bytes(kind, bytes).unwrap();
    String::from_utf8(chunks(&mut stream).concat()).unwrap()
}

#[test]
fn a_sheet_that_claims_every_cell_is_read_by_the_cells_it_has() {
    let cells = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2"><v>7</v></c></row>"#;
    let book = xlsx("A1:XFD1048576", cells, &["id", "name"]);
    assert_eq!(text_of(TableKind::Xlsx, book), "id,name\n7,\n");
}

#[test]
fn cells_far_apart_are_refused_at_once() {
    let cells = r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>"#;
    let e = refused(TableKind::Xlsx, xlsx("A1:XFD1048576", cells, &[]));
    assert!(
        e.starts_with("the sheet's table spans 1048576 rows × 16384 columns"),
        "{e}"
    );
}

#[test]
fn a_part_declaring_gigabytes_is_refused_before_it_is_unpacked() {
    let book = xlsx("A1", r#"<row r="1"><c r="A1"><v>1</v></c></row>"#, &["a"]);
    let sheet = declare_size(book.clone(), "xl/worksheets/sheet1.xml", 0xFFFF_0000);
    assert_eq!(
        refused(TableKind::Xlsx, sheet),
        "xl/worksheets/sheet1.xml inside this workbook would take 4095 MiB unpacked, more than \
         the 512 MiB read from one part of a workbook: save the sheet as CSV and import that"
    );
    let strings = declare_size(book, "xl/sharedStrings.xml", 0xFFFF_0000);
    assert!(
        refused(TableKind::Xlsx, strings).starts_with("xl/sharedStrings.xml inside this workbook"),
    );
}

#[test]
fn a_part_that_unpacks_past_what_it_declares_stops_there() {
    // 64 MiB of XML that deflates to a few hundred KiB, declaring 1 KiB:
    // the zip reader stops at the declared size, so reading ends in an
    // error rather than in 64 MiB (or, for a real bomb, gigabytes).
    let padding = " ".repeat(64 << 20);
    let cells = format!(r#"<row r="1"><c r="A1"><v>1</v></c></row>{padding}"#);
    let book = declare_size(xlsx("A1", &cells, &[]), "xl/worksheets/sheet1.xml", 1024);
    let e = refused(TableKind::Xlsx, book);
    assert!(
        e.starts_with("sheet \"Data\" cannot be read (") && e.contains("save it again"),
        "{e}"
    );
    let strings = format!("a</t></si>{padding}<si><t>b");
    let book = declare_size(xlsx("A1", "", &[&strings]), "xl/sharedStrings.xml", 1024);
    let e = refused(TableKind::Xlsx, book);
    assert!(
        e.starts_with("this file looks like an Excel workbook but cannot be read ("),
        "{e}"
    );
}

#[test]
fn a_workbook_without_data_says_so() {
    let e = refused(TableKind::Xlsx, xlsx("A1", "", &[]));
    assert_eq!(
        e,
        "the workbook has no data: every sheet is empty (\"Data\" (empty))"
    );
}

#[test]
fn an_office_file_that_is_not_a_workbook_is_named() {
    // orders.xls with its Workbook stream renamed: what a Word .doc is to the reader.
    let mut doc = std::fs::read(fixture("orders.xls")).unwrap();
    let name: Vec<u8> = "Workbook"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let other: Vec<u8> = "Document"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let at = doc.windows(name.len()).position(|w| w == name).unwrap();
    doc[at..at + other.len()].copy_from_slice(&other);
    assert_eq!(
        refused(TableKind::Xls, doc),
        "this Office file holds no workbook: it may be a Word or PowerPoint document (.doc, \
         .ppt), or a workbook protected by a password; save the sheet from Excel as .xlsx or \
         CSV and import that"
    );
}

#[test]
fn a_truncated_workbook_is_called_damaged() {
    for (kind, name, what) in [
        (TableKind::Xlsx, "orders.xlsx", "an Excel workbook"),
        (TableKind::Ods, "orders.ods", "an OpenDocument spreadsheet"),
        (TableKind::Xls, "orders.xls", "an Excel 97–2003 workbook"),
    ] {
        let mut bytes = std::fs::read(fixture(name)).unwrap();
        bytes.truncate(bytes.len() / 2);
        let e = refused(kind, bytes);
        assert!(
            e.starts_with(&format!("this file looks like {what} but cannot be read (")),
            "{name}: {e}"
        );
        assert!(
            e.ends_with(
                "it may be damaged or cut short; open it in a spreadsheet program \
             and save it again, or export the sheet as CSV"
            ),
            "{name}: {e}"
        );
    }
}
