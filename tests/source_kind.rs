//! Files that are not text exports (images, workbooks, Parquet, archives,
//! binary data) are refused from their first bytes with what they are and
//! what to do, by the core and by every CLI command; text with a few odd
//! bytes is still text.

use std::io::Write;

use segment_backfill::source::{inspect, not_text, sniff, FileKind, SourceOptions};

/// Real files of other kinds in tests/fixtures/not-text/, text exports in
/// tests/fixtures/source/.
fn fixture(name: &str) -> Vec<u8> {
    let dir = if name.ends_with(".csv") || name.ends_with(".ndjson") {
        "source"
    } else {
        "not-text"
    };
    let path = format!("{}/tests/fixtures/{dir}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn refusal(bytes: &[u8]) -> String {
    let options = SourceOptions::default();
    let e = sniff(bytes, true, &options).expect_err("refused");
    let again = inspect(bytes, true, &options, 5).expect_err("inspect refuses too");
    assert_eq!(e, again);
    e.message
}

fn kind(bytes: &[u8]) -> Option<(FileKind, bool)> {
    not_text(bytes, true, &SourceOptions::default()).map(|n| (n.kind, n.gzipped))
}

#[test]
fn real_files_of_other_kinds_are_named() {
    let png = fixture("photo.png");
    assert_eq!(kind(&png), Some((FileKind::Png, false)));
    let m = refusal(&png);
    assert!(m.contains("a PNG image, not a data export"), "{m}");
    assert!(m.contains("CSV"), "{m}");

    let gz = fixture("photo.png.gz");
    assert_eq!(kind(&gz), Some((FileKind::Png, true)));
    assert!(refusal(&gz).contains("this gzip file holds a PNG image"));

    let xlsx = fixture("events.xlsx");
    assert_eq!(kind(&xlsx), Some((FileKind::Excel, false)));
    let m = refusal(&xlsx);
    assert!(m.contains("an Excel workbook"), "{m}");
    assert!(m.contains("read from the file itself"), "{m}");
    assert_eq!(kind(&gzip(&xlsx)), Some((FileKind::Excel, true)));
    assert!(refusal(&gzip(&xlsx)).contains("unpack it first"));

    let parquet = fixture("events.parquet");
    assert_eq!(kind(&parquet), Some((FileKind::Parquet, false)));
    assert!(refusal(&parquet).contains("Parquet"));
}

#[test]
fn signatures_are_recognised() {
    let cases: &[(&[u8], FileKind)] = &[
        (b"\xFF\xD8\xFF\xE0\0\x10JFIF", FileKind::Jpeg),
        (b"GIF89a\x01\0\x01\0", FileKind::Gif),
        (b"RIFF\x24\0\0\0WEBPVP8 ", FileKind::WebP),
        (b"BM\x36\0\0\0\0\0\0\0\x36\0\0\0", FileKind::Bmp),
        (b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", FileKind::Pdf),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", FileKind::OldOffice),
        (b"SQLite format 3\0\x10\0", FileKind::Sqlite),
        (b"ARROW1\0\0", FileKind::Arrow),
        (b"BZh91AY&SY", FileKind::Bzip2),
        (b"\xFD7zXZ\0\0\x04", FileKind::Xz),
        (b"\x28\xB5\x2F\xFD\x04\0", FileKind::Zstd),
        (b"7z\xBC\xAF\x27\x1C\0\x04", FileKind::SevenZip),
        (b"Rar!\x1A\x07\x01\0", FileKind::Rar),
    ];
    for (bytes, expected) in cases {
        assert_eq!(kind(bytes), Some((*expected, false)), "{expected:?}");
        assert_eq!(kind(&gzip(bytes)), Some((*expected, true)), "{expected:?}");
    }
    assert!(refusal(b"\xFD7zXZ\0\0\x04").contains("decompress it first"));
}

/// A ZIP's first entries say what it holds.
fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in entries {
        out.extend_from_slice(b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0");
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
    }
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 18]);
    out
}

/// Where `needle` occurs in `haystack` after the first `skip` times.
fn find_from(haystack: &[u8], needle: &[u8], skip: usize) -> usize {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .nth(skip)
        .map(|(i, _)| i)
        .expect("found")
}

#[test]
fn zip_archives_are_looked_into() {
    let ods = zip(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", b"<x/>"),
    ]);
    assert_eq!(kind(&ods), Some((FileKind::OdsSheet, false)));
    // Repacked by other tools, the mimetype may come deflated (method 8)
    // and after other entries.
    let mut deflated = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflated
        .write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    let mut repacked = zip(&[
        ("Configurations2/", b""),
        ("mimetype", &deflated.finish().unwrap()),
    ]);
    let second = find_from(&repacked, b"PK\x03\x04", 1);
    repacked[second + 8] = 8;
    assert_eq!(kind(&repacked), Some((FileKind::OdsSheet, false)));
    let docx = zip(&[
        ("[Content_Types].xml", b"<x/>"),
        ("word/document.xml", b"<x/>"),
    ]);
    assert_eq!(kind(&docx), Some((FileKind::Word, false)));
    let plain = zip(&[("export/events.csv", b"userId,event\nu1,Signed Up\n")]);
    assert_eq!(kind(&plain), Some((FileKind::Zip, false)));
    assert!(refusal(&plain).contains("unpack it and pick the export inside"));
    // A cut or broken ZIP is still a ZIP, and nothing panics on it.
    for cut in 0..plain.len() {
        let _ = kind(&plain[..cut]);
    }
}

#[test]
fn binary_without_a_signature_is_binary() {
    // Deterministic noise, as compressed or encrypted data looks.
    let mut x: u32 = 0x1234_5678;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    assert_eq!(kind(&noise), Some((FileKind::Binary, false)));
    assert!(refusal(&noise).contains("binary data, not text"));
    assert_eq!(kind(&gzip(&noise)), Some((FileKind::Binary, true)));
}

#[test]
fn text_with_odd_bytes_is_still_text() {
    for name in [
        "semicolon-excel.csv",
        "utf16le.csv",
        "orders.csv",
        "events.ndjson",
    ] {
        let bytes = fixture(name);
        assert_eq!(kind(&bytes), None, "{name}");
        assert!(
            sniff(&bytes, true, &SourceOptions::default()).is_ok(),
            "{name}"
        );
    }
    // A Windows-1252 export with a stray NUL, a form feed and an undefined byte.
    let mut odd = b"name;city\n".to_vec();
    for i in 0..50 {
        odd.extend_from_slice(b"Ren\xE9 ");
        odd.extend_from_slice(i.to_string().as_bytes());
        odd.extend_from_slice(b";K\xF6ln\n");
    }
    odd.extend_from_slice(b"x\0y;\x0c\x81\n");
    assert_eq!(kind(&odd), None);
    // Text that starts like a signature but is not one.
    for text in [
        &b"BMW,Munich\nAudi,Ingolstadt\n"[..],
        b"PAR,1\n2,3\n",
        b"GIF,x\n",
    ] {
        assert_eq!(kind(text), None, "{}", String::from_utf8_lossy(text));
    }
}

/// Every command stops on such a file before reading or sending anything,
/// and names the file, what it is and what to do.
#[cfg(feature = "cli")]
#[test]
fn every_command_refuses_them() {
    use std::process::{Command, Stdio};
    let bin = env!("CARGO_BIN_EXE_segment-backfill");
    let root = env!("CARGO_MANIFEST_DIR");
    let mapping = format!("{root}/tests/fixtures/cli/signups.mapping.json");
    let out = std::env::temp_dir().join(format!("sb-kind-{}", std::process::id()));
    let out = out.to_string_lossy().into_owned();
    // Workbooks and Parquet files are read (tests/cli_tables.rs), but not
    // inside gzip.
    let dir = std::env::temp_dir().join(format!("sb-kind-gz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["events.xlsx", "events.parquet"] {
        std::fs::write(dir.join(format!("{name}.gz")), gzip(&fixture(name))).unwrap();
    }
    for (name, says) in [
        ("photo.png", "this file is a PNG image, not a data export"),
        ("photo.png.gz", "this gzip file holds a PNG image"),
        ("events.xlsx.gz", "this gzip file holds an Excel workbook"),
        ("events.parquet.gz", "unpack it first"),
    ] {
        let file = if name.starts_with("events") {
            dir.join(name).to_string_lossy().into_owned()
        } else {
            format!("{root}/tests/fixtures/not-text/{name}")
        };
        let commands: [Vec<&str>; 4] = [
            vec!["inspect", &file],
            vec!["check", &file, "--mapping", &mapping],
            vec!["batches", &file, "--mapping", &mapping, "--out", &out],
            // Nothing listens there: the refusal comes before any request.
            vec![
                "send",
                &file,
                "--mapping",
                &mapping,
                "--endpoint",
                "http://127.0.0.1:9",
            ],
        ];
        for args in commands {
            let run = Command::new(bin)
                .args(&args)
                .env("SEGMENT_WRITE_KEY", "test-key")
                .stdin(Stdio::null())
                .output()
                .expect("runs");
            let err = String::from_utf8_lossy(&run.stderr);
            assert_ne!(run.status.code(), Some(0), "{args:?}");
            assert!(err.contains(name) && err.contains(says), "{args:?}: {err}");
            assert!(run.stdout.is_empty(), "{args:?}");
        }
        let written = std::fs::read_dir(&out).map_or(0, |d| d.count());
        assert_eq!(written, 0, "no batch written of {name}");
    }
    let _ = std::fs::remove_dir_all(&out);
}
