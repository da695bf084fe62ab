//! The reading chain (gunzip → decode → CSV / NDJSON / JSON array), each input
//! read whole, split in two at every byte, and byte by byte: all must agree.

use std::io::Write;

use segment_backfill::source::{
    Compression, Encoding, Format, OwnedData, RecordBuffer, RecordReader, Settings, SourceError,
};

fn settings(format: Format, delimiter: u8, has_header: bool) -> Settings {
    Settings {
        format,
        encoding: Encoding::Utf8,
        compression: Compression::None,
        bom: false,
        delimiter,
        has_header,
        first_row: 1,
    }
}

fn read_chunks<'a>(
    settings: &Settings,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Result<RecordBuffer, SourceError> {
    let mut reader = RecordReader::new(settings);
    let mut sink = RecordBuffer::default();
    let mut total = 0;
    for chunk in chunks {
        total += chunk.len() as u64;
        reader.push(chunk, &mut sink)?;
    }
    assert_eq!(reader.bytes_in(), total);
    reader.finish(&mut sink)?;
    Ok(sink)
}

/// Reads `input` whole, at every split and byte by byte; returns the
/// (common) result.
fn read_every_way(settings: &Settings, input: &[u8]) -> Result<RecordBuffer, SourceError> {
    let whole = read_chunks(settings, [input]);
    for at in 0..=input.len() {
        let split = read_chunks(settings, [&input[..at], &input[at..]]);
        assert_eq!(
            split,
            whole,
            "split at {at} of {:?}",
            String::from_utf8_lossy(input)
        );
    }
    let bytes = read_chunks(settings, input.chunks(1));
    assert_eq!(
        bytes,
        whole,
        "byte by byte: {:?}",
        String::from_utf8_lossy(input)
    );
    whole
}

type Row<'a> = (u64, u64, u64, &'a [&'a str]);

struct CsvCase<'a> {
    name: &'a str,
    input: &'a [u8],
    delimiter: u8,
    has_header: bool,
    header: Option<&'a [&'a str]>,
    records: &'a [Row<'a>],
}

const CSV_CASES: &[CsvCase] = &[
    CsvCase {
        name: "basic",
        input: b"id,name\n1,Ann\n2,Bob\n",
        delimiter: b',',
        has_header: true,
        header: Some(&["id", "name"]),
        records: &[(2, 2, 8, &["1", "Ann"]), (3, 3, 14, &["2", "Bob"])],
    },
    CsvCase {
        name: "quotes and escaped quotes",
        input: b"a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n",
        delimiter: b',',
        has_header: true,
        header: Some(&["a", "b"]),
        records: &[(2, 2, 4, &["x,y", "he said \"hi\""])],
    },
    CsvCase {
        name: "newline in quotes",
        input: b"a,b\n\"l1\nl2\",z\n3,4\n",
        delimiter: b',',
        has_header: true,
        header: Some(&["a", "b"]),
        records: &[(2, 2, 4, &["l1\nl2", "z"]), (3, 4, 14, &["3", "4"])],
    },
    CsvCase {
        name: "CRLF inside quotes and as terminator",
        input: b"a\n\"x\r\ny\",z\r\nq\n",
        delimiter: b',',
        has_header: false,
        header: None,
        records: &[
            (1, 1, 0, &["a"]),
            (2, 2, 2, &["x\r\ny", "z"]),
            (3, 4, 12, &["q"]),
        ],
    },
    CsvCase {
        name: "CRLF, no trailing newline",
        input: b"a,b\r\n1,2\r\n3,4",
        delimiter: b',',
        has_header: true,
        header: Some(&["a", "b"]),
        records: &[(2, 2, 5, &["1", "2"]), (3, 3, 10, &["3", "4"])],
    },
    CsvCase {
        name: "CR only",
        input: b"a,b\r1,2\r3,4\r",
        delimiter: b',',
        has_header: true,
        header: Some(&["a", "b"]),
        records: &[(2, 2, 4, &["1", "2"]), (3, 3, 8, &["3", "4"])],
    },
    CsvCase {
        name: "UTF-8 BOM",
        input: b"\xEF\xBB\xBFid,x\n1,2\n",
        delimiter: b',',
        has_header: true,
        header: Some(&["id", "x"]),
        records: &[(2, 2, 5, &["1", "2"])],
    },
    CsvCase {
        name: "blank lines are not records",
        input: b"\na,b\n\n1,2\n\r\n\n3,4\n\n",
        delimiter: b',',
        has_header: true,
        header: Some(&["a", "b"]),
        records: &[(2, 4, 6, &["1", "2"]), (3, 7, 13, &["3", "4"])],
    },
    CsvCase {
        name: "empty fields",
        input: b"a,b,c\n,,\n1,,\n\"\"\n",
        delimiter: b',',
        has_header: true,
        header: Some(&["a", "b", "c"]),
        records: &[
            (2, 2, 6, &["", "", ""]),
            (3, 3, 9, &["1", "", ""]),
            (4, 4, 13, &[""]),
        ],
    },
    CsvCase {
        name: "duplicate and blank header names",
        input: b"id,id,\n1,2,3\n",
        delimiter: b',',
        has_header: true,
        header: Some(&["id", "id_2", "column_3"]),
        records: &[(2, 2, 7, &["1", "2", "3"])],
    },
    CsvCase {
        name: "ragged rows kept as they are",
        input: b"a,b\n1\n1,2,3\n",
        delimiter: b',',
        has_header: true,
        header: Some(&["a", "b"]),
        records: &[(2, 2, 4, &["1"]), (3, 3, 6, &["1", "2", "3"])],
    },
    CsvCase {
        name: "multi-byte UTF-8",
        input: "名前,città\n日本,€\n".as_bytes(),
        delimiter: b',',
        has_header: true,
        header: Some(&["名前", "città"]),
        records: &[(2, 2, 14, &["日本", "€"])],
    },
    CsvCase {
        name: "semicolon",
        input: b"a;b\n1;2,5\n",
        delimiter: b';',
        has_header: true,
        header: Some(&["a", "b"]),
        records: &[(2, 2, 4, &["1", "2,5"])],
    },
    CsvCase {
        name: "tab",
        input: b"a\tb\n1\t2 3\n",
        delimiter: b'\t',
        has_header: true,
        header: Some(&["a", "b"]),
        records: &[(2, 2, 4, &["1", "2 3"])],
    },
    CsvCase {
        name: "pipe, quoted pipe",
        input: b"a|b\n\"x|y\"|2\n",
        delimiter: b'|',
        has_header: true,
        header: Some(&["a", "b"]),
        records: &[(2, 2, 4, &["x|y", "2"])],
    },
    CsvCase {
        name: "no header",
        input: b"1,2\n3,\"4\"",
        delimiter: b',',
        has_header: false,
        header: None,
        records: &[(1, 1, 0, &["1", "2"]), (2, 2, 4, &["3", "4"])],
    },
    CsvCase {
        name: "empty input",
        input: b"",
        delimiter: b',',
        has_header: true,
        header: None,
        records: &[],
    },
    CsvCase {
        name: "only blank lines",
        input: b"\r\n\n\r",
        delimiter: b',',
        has_header: false,
        header: None,
        records: &[],
    },
    CsvCase {
        name: "header only, no newline",
        input: b"a,b",
        delimiter: b',',
        has_header: true,
        header: Some(&["a", "b"]),
        records: &[],
    },
];

fn csv_fields(data: &OwnedData) -> Vec<String> {
    match data {
        OwnedData::Csv(fields) => fields
            .iter()
            .map(|f| String::from_utf8(f.clone()).unwrap())
            .collect(),
        other => panic!("expected CSV fields, got {other:?}"),
    }
}

#[test]
fn csv_cases_in_every_mode() {
    for case in CSV_CASES {
        let s = settings(Format::Csv, case.delimiter, case.has_header);
        let got = read_every_way(&s, case.input).unwrap();
        let want_header = case
            .header
            .map(|h| h.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(got.header, want_header, "{}", case.name);
        let got: Vec<(u64, u64, u64, Vec<String>)> = got
            .records
            .iter()
            .map(|r| (r.row, r.line, r.offset, csv_fields(&r.data)))
            .collect();
        let want: Vec<(u64, u64, u64, Vec<String>)> = case
            .records
            .iter()
            .map(|(row, line, offset, fields)| {
                let fields = fields.iter().map(|s| s.to_string()).collect();
                (*row, *line, *offset, fields)
            })
            .collect();
        assert_eq!(got, want, "{}", case.name);
    }
}

const TEXT: &str = "id,név,note\n1,Zoë,\"a, “quoted” €\"\n2,𝄞,\"two\nlines\"\n";

fn encoded(encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => [b"\xEF\xBB\xBF".as_slice(), TEXT.as_bytes()].concat(),
        Encoding::Utf16le => [0xFEFF]
            .into_iter()
            .chain(TEXT.encode_utf16())
            .flat_map(u16::to_le_bytes)
            .collect(),
        Encoding::Utf16be => [0xFEFF]
            .into_iter()
            .chain(TEXT.encode_utf16())
            .flat_map(u16::to_be_bytes)
            .collect(),
        Encoding::Windows1252 => unreachable!("the text has characters outside Windows-1252"),
    }
}

#[test]
fn every_encoding_reads_the_same() {
    let plain = read_every_way(&settings(Format::Csv, b',', true), TEXT.as_bytes()).unwrap();
    assert_eq!(plain.records.len(), 2);
    for encoding in [Encoding::Utf8, Encoding::Utf16le, Encoding::Utf16be] {
        let s = Settings {
            encoding,
            bom: true,
            ..settings(Format::Csv, b',', true)
        };
        let got = read_every_way(&s, &encoded(encoding)).unwrap();
        assert_eq!(got, plain, "{encoding:?}");
    }
}

#[test]
fn windows_1252() {
    let s = Settings {
        encoding: Encoding::Windows1252,
        ..settings(Format::Csv, b';', true)
    };
    let got = read_every_way(&s, b"name;price\nCaf\xE9;\x805\n\x93q\x94;\x99\n").unwrap();
    let fields: Vec<Vec<String>> = got.records.iter().map(|r| csv_fields(&r.data)).collect();
    assert_eq!(fields, [["Café", "€5"], ["“q”", "™"]]);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzip_single_and_multi_member() {
    let text = b"id,name\n1,Ann\n2,\"B\nob\"\n3,Cy";
    let plain_settings = settings(Format::Csv, b',', true);
    let plain = read_chunks(&plain_settings, [text.as_slice()]).unwrap();
    let gz_settings = Settings {
        compression: Compression::Gzip,
        ..plain_settings
    };
    assert_eq!(read_every_way(&gz_settings, &gzip(text)).unwrap(), plain);
    // Two members, cut in the middle of a quoted field.
    let two = [gzip(&text[..17]), gzip(&text[17..])].concat();
    assert_eq!(read_every_way(&gz_settings, &two).unwrap(), plain);
}

#[test]
fn gzip_corrupt_or_truncated_is_an_error() {
    let s = Settings {
        compression: Compression::Gzip,
        ..settings(Format::Csv, b',', true)
    };
    let good = gzip(b"id,name\n1,Ann\n2,Bob\n");
    // Not gzip at all.
    let err = read_chunks(&s, [b"id,name\n1,Ann\n".as_slice()]).unwrap_err();
    assert!(err.message.starts_with("gzip:"), "{err}");
    // A flipped byte anywhere, a cut anywhere: an error or (for header bytes
    // that do not matter, like the mtime) the right records; never a panic.
    let plain = read_chunks(
        &settings(Format::Csv, b',', true),
        [b"id,name\n1,Ann\n2,Bob\n".as_slice()],
    )
    .unwrap();
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x55;
        if let Ok(got) = read_chunks(&s, bad.chunks(3)) {
            assert_eq!(got, plain, "flipped byte {i}");
        }
        assert!(
            read_chunks(&s, [&good[..i]]).is_err() || i == 0,
            "cut at {i}"
        );
    }
}

#[test]
fn push_after_finish_is_an_error() {
    let mut reader = RecordReader::new(&settings(Format::Csv, b',', true));
    let mut sink = RecordBuffer::default();
    reader.push(b"a\n1\n", &mut sink).unwrap();
    reader.finish(&mut sink).unwrap();
    assert!(reader.push(b"2\n", &mut sink).is_err());
    assert!(reader.finish(&mut sink).is_err());
}

fn json_records(got: &RecordBuffer) -> Vec<(u64, u64, u64, String)> {
    got.records
        .iter()
        .map(|r| {
            let json = String::from_utf8(r.json().unwrap().to_vec()).unwrap();
            (r.row, r.line, r.offset, json)
        })
        .collect()
}

fn owned(rows: &[(u64, u64, u64, &str)]) -> Vec<(u64, u64, u64, String)> {
    rows.iter()
        .map(|&(r, l, o, s)| (r, l, o, s.to_string()))
        .collect()
}

#[test]
fn ndjson_in_every_mode() {
    let s = settings(Format::Ndjson, b',', false);
    let input = b"{\"a\":1}\n\n  {\"b\":\"x\\ny\"} \r\n\t\r\n{\"c\":3}";
    let got = read_every_way(&s, input).unwrap();
    assert_eq!(got.header, None);
    let want = owned(&[
        (1, 1, 0, r#"{"a":1}"#),
        (3, 3, 11, r#"{"b":"x\ny"}"#),
        (5, 5, 29, r#"{"c":3}"#),
    ]);
    assert_eq!(json_records(&got), want);
    assert!(read_every_way(&s, b"\n\n").unwrap().records.is_empty());
    // A UTF-16 file with a BOM.
    let utf16: Vec<u8> = [0xFEFF]
        .into_iter()
        .chain("{\"é\":1}\r\n{}\n".encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    let s16 = Settings {
        encoding: Encoding::Utf16le,
        ..s
    };
    let got = read_every_way(&s16, &utf16).unwrap();
    assert_eq!(
        json_records(&got),
        owned(&[(1, 1, 0, "{\"é\":1}"), (2, 2, 10, "{}")])
    );
}

#[test]
fn json_array_in_every_mode() {
    let s = settings(Format::Json, b',', false);
    let input = b"\xEF\xBB\xBF[\n {\"a\":\"]\\\"\"},\r\n {\"b\":[1,{\"c\":2}]}\n]\n";
    let got = read_every_way(&s, input).unwrap();
    let want = owned(&[
        (1, 2, 3, r#"{"a":"]\""}"#),
        (2, 3, 18, r#"{"b":[1,{"c":2}]}"#),
    ]);
    assert_eq!(json_records(&got), want);
    assert!(read_every_way(&s, b" [ ] ").unwrap().records.is_empty());
}

#[test]
fn json_array_errors_in_every_mode() {
    let s = settings(Format::Json, b',', false);
    for input in [
        b"[{\"a\":1},{\"b\":".as_slice(),
        b"[{\"a\":1}",
        b"[{\"a\":1}] x",
        b"{\"a\":1}",
        b"",
        b"[\"]",
    ] {
        let err = read_every_way(&s, input).unwrap_err();
        assert!(err.row.is_some(), "{err}");
    }
}
