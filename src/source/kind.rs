//! Recognising files that are not text: images, PDFs, office files,
//! Parquet, databases, other compressions, and plain binary.
//!
//! Read as text, such a file is a page of garbage in the preview and a
//! column or two of nonsense; worse, a mapping can be made over it. So the
//! first bytes are checked for the signatures of the formats people pick by
//! mistake, also inside gzip, and a file that decodes to mostly control
//! characters is binary whatever it is. The message names what the file is
//! and what to do instead.

/// A file that is not a text export, by what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Png,
    Jpeg,
    Gif,
    WebP,
    Bmp,
    Tiff,
    Pdf,
    /// An Excel workbook (.xlsx, .xlsm, .xlsb).
    Excel,
    /// A Word document (.docx).
    Word,
    /// A PowerPoint deck (.pptx).
    PowerPoint,
    /// An OpenDocument spreadsheet (.ods).
    OdsSheet,
    /// Another OpenDocument file (text, presentation...).
    OpenDocument,
    /// A ZIP archive of something else.
    Zip,
    /// An OLE2 compound file: an old Excel (.xls) or Word (.doc) file.
    OldOffice,
    Parquet,
    /// Arrow IPC or Feather.
    Arrow,
    Sqlite,
    Bzip2,
    Xz,
    Zstd,
    SevenZip,
    Rar,
    /// No known signature, but mostly control characters.
    Binary,
}

/// What a sample turned out to be, when it is not text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotText {
    pub kind: FileKind,
    /// The file is gzip-compressed and `kind` is what is inside.
    pub gzipped: bool,
}

const SAVE_AS_CSV: &str =
    "export the data as CSV or JSON lines (Excel: File → Save as → CSV UTF-8)";

impl FileKind {
    /// What the file is, as in "this file is …".
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Png => "a PNG image",
            FileKind::Jpeg => "a JPEG image",
            FileKind::Gif => "a GIF image",
            FileKind::WebP => "a WebP image",
            FileKind::Bmp => "a BMP image",
            FileKind::Tiff => "a TIFF image",
            FileKind::Pdf => "a PDF document",
            FileKind::Excel => "an Excel workbook",
            FileKind::Word => "a Word document",
            FileKind::PowerPoint => "a PowerPoint presentation",
            FileKind::OdsSheet => "an OpenDocument spreadsheet",
            FileKind::OpenDocument => "an OpenDocument file",
            FileKind::Zip => "a ZIP archive",
            FileKind::OldOffice => "an old-style Office file (.xls or .doc)",
            FileKind::Parquet => "a Parquet file",
            FileKind::Arrow => "an Arrow/Feather file",
            FileKind::Sqlite => "an SQLite database",
            FileKind::Bzip2 => "bzip2-compressed",
            FileKind::Xz => "xz-compressed",
            FileKind::Zstd => "zstd-compressed",
            FileKind::SevenZip => "a 7-Zip archive",
            FileKind::Rar => "a RAR archive",
            FileKind::Binary => "binary data, not text",
        }
    }

    /// What to do instead, for the file itself or (`gzipped`) inside gzip.
    pub fn advice(self, gzipped: bool) -> &'static str {
        match self {
            FileKind::Excel | FileKind::OdsSheet | FileKind::OldOffice | FileKind::Parquet
                if gzipped =>
            {
                "unpack it first (gunzip): workbooks and Parquet files are read as they are, \
                 not inside gzip"
            }
            FileKind::Excel | FileKind::OdsSheet | FileKind::OldOffice => {
                "a workbook is read from the file itself (the command line with its path, the \
                 app, or the package's importFile and inspectFile), not from a stream of text; \
                 or save the sheet as CSV UTF-8 (File → Save as → CSV UTF-8)"
            }
            FileKind::Parquet => {
                "a Parquet file is read from the file itself (the command line with its path, \
                 the app, or the package's importFile and inspectFile), not from a stream of text"
            }
            FileKind::Arrow => {
                "reading Arrow is not supported: write the table as Parquet or CSV (for example \
                 with DuckDB: COPY t TO 'out.parquet')"
            }
            FileKind::Sqlite => {
                "export the table as CSV (sqlite3: .mode csv, .headers on, .output out.csv, \
                 SELECT * FROM t)"
            }
            FileKind::Zip | FileKind::SevenZip | FileKind::Rar => {
                "unpack it and pick the export inside"
            }
            FileKind::Bzip2 | FileKind::Xz | FileKind::Zstd => {
                "decompress it first (gzip is read directly, other compressions are not)"
            }
            _ => SAVE_AS_CSV,
        }
    }
}

impl NotText {
    /// The sentence shown to the user: what the file is and what to do.
    pub fn message(&self) -> String {
        let kind = self.kind;
        let what = match (kind, self.gzipped) {
            (FileKind::Bzip2 | FileKind::Xz | FileKind::Zstd, _) => {
                format!("this file is {}", kind.describe())
            }
            (FileKind::Binary, false) => "this file is binary data, not text".to_string(),
            (FileKind::Binary, true) => "this gzip file holds binary data, not text".to_string(),
            (_, false) => format!("this file is {}, not a data export", kind.describe()),
            (_, true) => format!(
                "this gzip file holds {}, not a data export",
                kind.describe()
            ),
        };
        format!("{what}: {}", kind.advice(self.gzipped))
    }
}

/// What a file's first bytes (decompressed) say it is, when they carry a
/// known signature. Text that is mostly control characters is found on the
/// decoded text ([`looks_binary`]).
pub(super) fn signature(b: &[u8]) -> Option<FileKind> {
    let starts = |magic: &[u8]| b.starts_with(magic);
    let kind = if starts(b"\x89PNG\r\n\x1a\n") {
        FileKind::Png
    } else if starts(b"\xFF\xD8\xFF") {
        FileKind::Jpeg
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        FileKind::Gif
    } else if starts(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        FileKind::WebP
    } else if starts(b"BM") && b.len() >= 14 && b[6..10] == [0; 4] {
        // "BM", the file size, then four reserved zero bytes: no text has them.
        FileKind::Bmp
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        FileKind::Tiff
    } else if starts(b"%PDF-") {
        FileKind::Pdf
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        zip_kind(b)
    } else if starts(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        FileKind::OldOffice
    } else if starts(b"PAR1") {
        FileKind::Parquet
    } else if starts(b"ARROW1") || starts(b"FEA1") {
        FileKind::Arrow
    } else if starts(b"SQLite format 3\0") {
        FileKind::Sqlite
    } else if starts(b"BZh") && b.get(3).is_some_and(|d| (b'1'..=b'9').contains(d)) {
        FileKind::Bzip2
    } else if starts(b"\xFD7zXZ\0") {
        FileKind::Xz
    } else if starts(b"\x28\xB5\x2F\xFD") {
        FileKind::Zstd
    } else if starts(b"7z\xBC\xAF\x27\x1C") {
        FileKind::SevenZip
    } else if starts(b"Rar!\x1A\x07") {
        FileKind::Rar
    } else {
        return None;
    };
    Some(kind)
}

/// The most local-file headers of a ZIP looked at (an .xlsx names its parts
/// within the first few).
const ZIP_ENTRIES: usize = 64;

/// What a ZIP archive holds, from the names of its first entries.
fn zip_kind(b: &[u8]) -> FileKind {
    let mut at = 0;
    for _ in 0..ZIP_ENTRIES {
        let Some(entry) = b.get(at..).and_then(|rest| find(rest, b"PK\x03\x04")) else {
            break;
        };
        let header = at + entry;
        let field = |o: usize| {
            b.get(header + o..header + o + 2)
                .map(|x| usize::from(u16::from_le_bytes([x[0], x[1]])))
        };
        let (Some(name_len), Some(extra_len)) = (field(26), field(28)) else {
            break;
        };
        let name_at = header + 30;
        let Some(name) = b.get(name_at..name_at + name_len) else {
            break;
        };
        if name == b"mimetype" {
            // Stored first and uncompressed, by the OpenDocument rules; files
            // repacked by other tools may deflate it (method 8).
            let data = name_at + name_len + extra_len;
            let raw = b.get(data..(data + 80).min(b.len())).unwrap_or_default();
            let inflated;
            let mime = if field(8) == Some(8) {
                inflated = inflate_head(raw);
                &inflated[..]
            } else {
                raw
            };
            return if mime.starts_with(b"application/vnd.oasis.opendocument.spreadsheet") {
                FileKind::OdsSheet
            } else {
                FileKind::OpenDocument
            };
        }
        if name.starts_with(b"xl/") {
            return FileKind::Excel;
        }
        if name.starts_with(b"word/") {
            return FileKind::Word;
        }
        if name.starts_with(b"ppt/") {
            return FileKind::PowerPoint;
        }
        at = name_at + name_len;
    }
    // Parts beyond the sample are not guessed at: a ZIP is a ZIP.
    FileKind::Zip
}

/// The first bytes a raw deflate stream gives (as many as come out of
/// `raw`, at most 80): enough for a ZIP entry's mimetype.
fn inflate_head(raw: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    // A stream cut short by the sample still gives its first bytes.
    let _ = flate2::read::DeflateDecoder::new(raw)
        .take(80)
        .read_to_end(&mut out);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Characters of decoded text looked at by [`looks_binary`].
const BINARY_WINDOW: usize = 16 * 1024;

/// Whether decoded text (UTF-8) is mostly not text: more than one character
/// in twenty a control character (tab, line breaks and form feed aside), an
/// undefined Windows-1252 byte or a replacement character. A text export
/// with a few odd bytes stays far below that; compressed or binary data,
/// read as Windows-1252, is around one in seven.
pub fn looks_binary(text: &[u8]) -> bool {
    let head = &text[..text.len().min(BINARY_WINDOW)];
    let head = String::from_utf8_lossy(head);
    let mut chars = 0usize;
    let mut odd = 0usize;
    for c in head.chars() {
        chars += 1;
        let control = matches!(c, '\0'..='\u{08}' | '\u{0E}'..='\u{1F}' | '\u{7F}'..='\u{9F}')
            || c == '\u{0B}'
            || c == '\u{FFFD}';
        odd += usize::from(control);
    }
    odd >= 4 && odd * 20 > chars
}
