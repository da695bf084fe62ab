//! Sniffing and inspecting samples, on small real-looking files in
//! tests/fixtures/source/, then reading them with what was sniffed.

use std::io::Write;

use segment_backfill::source::{
    inspect, sniff, Compression, Encoding, Format, RecordBuffer, RecordReader, Settings,
    SourceOptions,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/source/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn csv(encoding: Encoding, bom: bool, delimiter: u8, has_header: bool) -> Settings {
    Settings {
        format: Format::Csv,
        encoding,
        compression: Compression::None,
        bom,
        delimiter,
        has_header,
        first_row: 1,
    }
}

fn json(format: Format) -> Settings {
    Settings {
        format,
        encoding: Encoding::Utf8,
        compression: Compression::None,
        bom: false,
        delimiter: b',',
        has_header: false,
        first_row: 1,
    }
}

fn read(settings: &Settings, data: &[u8]) -> RecordBuffer {
    let mut reader = RecordReader::new(settings);
    let mut sink = RecordBuffer::default();
    for chunk in data.chunks(7) {
        reader.push(chunk, &mut sink).unwrap();
    }
    reader.finish(&mut sink).unwrap();
    sink
}

fn field(sink: &RecordBuffer, record: usize, field: usize) -> String {
    let bytes = &sink.records[record].fields().unwrap()[field];
    String::from_utf8(bytes.clone()).unwrap()
}

const NONE: SourceOptions = SourceOptions {
    format: None,
    encoding: None,
    compression: None,
    delimiter: None,
    has_header: None,
    sheet: None,
    first_row: None,
};

#[test]
fn fixtures_sniff_and_read() {
    let cases: [(&str, Settings, usize); 8] = [
        ("orders.csv", csv(Encoding::Utf8, false, b',', true), 5),
        (
            "semicolon-excel.csv",
            csv(Encoding::Windows1252, false, b';', true),
            3,
        ),
        ("tab.tsv", csv(Encoding::Utf8, false, b'\t', true), 3),
        ("pipe.psv", csv(Encoding::Utf8, false, b'|', true), 2),
        ("utf16le.csv", csv(Encoding::Utf16le, true, b',', true), 3),
        ("no-header.csv", csv(Encoding::Utf8, false, b',', false), 3),
        ("events.ndjson", json(Format::Ndjson), 3),
        ("events.json", json(Format::Json), 3),
    ];
    for (name, want, records) in cases {
        let data = fixture(name);
        let got = sniff(&data, true, &NONE).unwrap();
        assert_eq!(got, want, "{name}");
        assert_eq!(read(&got, &data).records.len(), records, "{name}");
    }
}

#[test]
fn fixtures_decode_right() {
    let data = fixture("semicolon-excel.csv");
    let sink = read(&sniff(&data, true, &NONE).unwrap(), &data);
    let header = sink.header.clone().unwrap();
    assert_eq!(header, ["Kunde", "Straße", "Ort", "Betrag", "Datum"]);
    assert_eq!(field(&sink, 1, 0), "Café Zoë");
    assert_eq!(field(&sink, 2, 0), "Smith; Sons");
    assert_eq!(field(&sink, 0, 3), "1.234,50 €");

    let data = fixture("utf16le.csv");
    let sink = read(&sniff(&data, true, &NONE).unwrap(), &data);
    assert_eq!(field(&sink, 2, 1), "Łukasz");
    assert_eq!(field(&sink, 1, 2), "São Paulo");
}

#[test]
fn partial_samples_sniff_like_the_whole_file() {
    let data = fixture("orders.csv");
    let whole = sniff(&data, true, &NONE).unwrap();
    // Cut anywhere after the second line (even inside "chloé" or a quoted
    // newline): same guess.
    let second_line = data.iter().position(|&b| b == b'\n').unwrap() + 60;
    for cut in second_line..data.len() {
        assert_eq!(
            sniff(&data[..cut], false, &NONE).unwrap(),
            whole,
            "cut {cut}"
        );
    }
    let data = fixture("semicolon-excel.csv");
    let whole = sniff(&data, true, &NONE).unwrap();
    assert_eq!(sniff(&data[..100], false, &NONE).unwrap(), whole);
}

#[test]
fn utf8_char_cut_at_the_end_of_the_sample() {
    let text = "name,city\nZoë,Zürich\nJosé,Kraków".as_bytes();
    let cut = text.len() - 1; // inside the "ó"
    let got = sniff(&text[..cut], false, &NONE).unwrap();
    assert_eq!(got.encoding, Encoding::Utf8);
    // A lone Latin-1 byte in a complete file is not UTF-8.
    let got = sniff(b"name,city\nZo\xEB,Paris\n", true, &NONE).unwrap();
    assert_eq!(got.encoding, Encoding::Windows1252);
}

#[test]
fn encodings_by_bom() {
    let text = "id,name\n1,Zoë\n";
    let utf8 = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let be: Vec<u8> = [0xFEFF]
        .into_iter()
        .chain(text.encode_utf16())
        .flat_map(u16::to_be_bytes)
        .collect();
    let got = sniff(&utf8, true, &NONE).unwrap();
    assert_eq!((got.encoding, got.bom), (Encoding::Utf8, true));
    let got = sniff(&be, true, &NONE).unwrap();
    assert_eq!((got.encoding, got.bom), (Encoding::Utf16be, true));
    assert_eq!(read(&got, &be).records.len(), 1);
}

#[test]
fn utf16_without_bom_needs_the_encoding_set() {
    let le: Vec<u8> = "id,name\n1,Ann\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let err = sniff(&le, true, &NONE).unwrap_err();
    assert!(err.message.contains("UTF-16"), "{err}");
    let options = SourceOptions {
        encoding: Some(Encoding::Utf16le),
        ..NONE
    };
    let got = sniff(&le, true, &options).unwrap();
    assert_eq!(got, csv(Encoding::Utf16le, false, b',', true));
}

#[test]
fn gzip_samples() {
    let data = fixture("orders.csv");
    let want = Settings {
        compression: Compression::Gzip,
        ..sniff(&data, true, &NONE).unwrap()
    };
    let gz = gzip(&data);
    assert_eq!(sniff(&gz, true, &NONE).unwrap(), want);
    assert_eq!(sniff(&gz, false, &NONE).unwrap(), want);
    assert_eq!(
        read(&want, &gz),
        read(&sniff(&data, true, &NONE).unwrap(), &data)
    );
    // Truncated anywhere: fine as a partial sample, never a panic; an error
    // only if it claims to be the whole file.
    for cut in 2..gz.len() {
        let partial = sniff(&gz[..cut], false, &NONE).unwrap();
        assert_eq!(partial.compression, Compression::Gzip);
        assert!(sniff(&gz[..cut], true, &NONE).is_err(), "cut {cut}");
    }
    // A gzipped NDJSON file.
    let got = sniff(&gzip(&fixture("events.ndjson")), true, &NONE).unwrap();
    assert_eq!(
        (got.format, got.compression),
        (Format::Ndjson, Compression::Gzip)
    );
}

#[test]
fn overrides_win() {
    let data = fixture("orders.csv");
    let options = SourceOptions {
        format: Some(Format::Csv),
        encoding: Some(Encoding::Windows1252),
        compression: Some(Compression::None),
        delimiter: Some(b';'),
        has_header: Some(false),
        sheet: None,
        first_row: None,
    };
    let got = sniff(&data, true, &options).unwrap();
    assert_eq!(got, csv(Encoding::Windows1252, false, b';', false));
    let options = SourceOptions {
        format: Some(Format::Ndjson),
        ..NONE
    };
    assert_eq!(sniff(&data, true, &options).unwrap().format, Format::Ndjson);
    let options = SourceOptions {
        has_header: Some(true),
        ..NONE
    };
    let got = sniff(&fixture("no-header.csv"), true, &options).unwrap();
    assert!(got.has_header);
}

#[test]
fn delimiters_without_header() {
    let cases: [(&[u8], u8); 4] = [
        (b"1,2.5,x\n2,3.5,y\n", b','),
        (b"1;2,5;x\n2;3,5;y\n", b';'),
        (b"1\t2,5\tx\n2\t3,5\ty\n", b'\t'),
        (b"1|\"a|b\"|2024-01-01\n2|c|2024-01-02\n", b'|'),
    ];
    for (data, delimiter) in cases {
        let got = sniff(data, true, &NONE).unwrap();
        assert_eq!(
            (got.delimiter, got.has_header),
            (delimiter, false),
            "{data:?}"
        );
    }
    // One column: no delimiter splits it, so the default.
    let got = sniff(b"email\na@b.co\nc@d.co\n", true, &NONE).unwrap();
    assert_eq!((got.delimiter, got.has_header), (b',', true));
}

#[test]
fn empty_sample_gives_defaults() {
    assert_eq!(
        sniff(b"", true, &NONE).unwrap(),
        csv(Encoding::Utf8, false, b',', true)
    );
}

#[test]
fn inspect_csv() {
    let data = fixture("orders.csv");
    let got = inspect(&data, true, &NONE, 2).unwrap();
    assert_eq!(
        got.headers,
        [
            "order_id",
            "customer_email",
            "placed_at",
            "total",
            "currency",
            "items",
            "note"
        ]
    );
    assert_eq!(got.rows.len(), 2);
    assert_eq!(got.rows[1][6], "gift wrap, please");
    assert_eq!(got.rows_sampled, 5);
    let json = serde_json::to_value(&got).unwrap();
    assert_eq!(json["rowsSampled"], 5);
    assert_eq!(json["settings"]["hasHeader"], true);
    assert_eq!(json["settings"]["encoding"], "utf-8");

    let got = inspect(&fixture("no-header.csv"), true, &NONE, 10).unwrap();
    assert_eq!(got.headers, ["column_1", "column_2", "column_3"]);
    assert_eq!(got.rows[0], ["1001", "59.90", "2024-03-01"]);
    assert_eq!(got.rows_sampled, 3);
}

#[test]
fn inspect_ndjson_keys_in_first_seen_order() {
    let got = inspect(&fixture("events.ndjson"), true, &NONE, 10).unwrap();
    assert_eq!(
        got.headers,
        [
            "type",
            "userId",
            "event",
            "timestamp",
            "properties",
            "traits"
        ]
    );
    assert_eq!(got.rows_sampled, 3);
    assert_eq!(got.rows[0][4], r#"{"currency":"EUR","total":59.9}"#);
    assert_eq!(got.rows[1][2], "");
    assert_eq!(
        got.rows[1][5],
        r#"{"email":"bob@example.com","plan":"pro"}"#
    );
}

#[test]
fn inspect_json_array_partial_and_truncated() {
    let data = fixture("events.json");
    let got = inspect(&data, true, &NONE, 10).unwrap();
    assert_eq!(
        got.headers,
        [
            "userId",
            "event",
            "timestamp",
            "properties",
            "anonymousId",
            "name"
        ]
    );
    assert_eq!(got.rows[1][4], "null");
    assert_eq!(got.rows[2][5], "Pricing");
    // A sample cut inside the third element: two rows, no error.
    let cut = data.len() - 40;
    let got = inspect(&data[..cut], false, &NONE, 10).unwrap();
    assert_eq!(got.rows.len(), 2);
    assert_eq!(got.rows_sampled, 2);
    // The same bytes claimed to be the whole file: the array is not closed.
    assert!(inspect(&data[..cut], true, &NONE, 10).is_err());
}
