//! Property tests: malformed input (corrupt or truncated gzip, unbalanced
//! quotes, NUL bytes, invalid UTF-8, UTF-16 with lone surrogates cut at odd
//! places, random bytes) never panics; reading ends in records or a clean
//! `SourceError`; and through the whole pipeline every row read ends as a
//! batch message or a rejected row.
//!
//! The limits themselves (records over 1 MiB) are tested at every split in
//! the parsers' unit tests, and their memory bound in `source_bounds.rs`.

use std::collections::BTreeSet;
use std::io::Write;

use proptest::prelude::*;
use segment_backfill::mapping::Mapping;
use segment_backfill::pipeline::{ImportOptions, Importer};
use segment_backfill::source::decode::decode_all;
use segment_backfill::source::{
    Compression, Decoder, Encoding, Format, OversizeKind, RecordBuffer, RecordReader, Settings,
    SourceError, MAX_RECORD_BYTES,
};
use segment_backfill::validate::Code;

fn settings(format: Format, encoding: Encoding, compression: Compression) -> Settings {
    Settings {
        format,
        encoding,
        compression,
        bom: false,
        delimiter: b',',
        has_header: format == Format::Csv,
        first_row: 1,
    }
}

/// Reads `data` cut at `cuts` (offsets, in any order, clamped).
fn read(settings: &Settings, data: &[u8], cuts: &[usize]) -> Result<RecordBuffer, SourceError> {
    let mut reader = RecordReader::new(settings);
    let mut sink = RecordBuffer::default();
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(data.len())).collect();
    cuts.sort_unstable();
    let mut start = 0;
    for cut in cuts.into_iter().chain([data.len()]) {
        reader.push(&data[start..cut], &mut sink)?;
        start = cut;
    }
    reader.finish(&mut sink)?;
    Ok(sink)
}

/// Rows are numbered 1, 2, 3... (2, 3... after a CSV header) with no gap.
fn rows_are_consecutive(sink: &RecordBuffer) -> bool {
    let first = if sink.header.is_some() { 2 } else { 1 };
    sink.records
        .iter()
        .zip(first..)
        .all(|(r, want)| r.row == want)
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// CSV text with quotes, line breaks and delimiters in random places.
fn messy_csv() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![
            &b"a"[..],
            b"1",
            b",",
            b"\"",
            b"\"\"",
            b"\n",
            b"\r\n",
            b"\r",
            b"\0",
            b"\xff",
            b"\xc3",
            b"\xc3\xa9",
            b" ",
        ]),
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

fn cuts() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..400, 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn messy_csv_reads_the_same_in_any_chunks(data in messy_csv(), cuts in cuts()) {
        let s = settings(Format::Csv, Encoding::Utf8, Compression::None);
        let whole = read(&s, &data, &[]).unwrap();
        prop_assert!(rows_are_consecutive(&whole));
        prop_assert_eq!(read(&s, &data, &cuts).unwrap(), whole.clone());
        // Only a quote that never closes drops a record's fields.
        for r in &whole.records {
            if let Some(o) = r.oversize() {
                prop_assert_eq!(o.kind, OversizeKind::UnterminatedQuote);
                prop_assert!(o.quote_line.is_some_and(|l| l >= r.line));
            }
        }
    }

    #[test]
    fn corrupt_or_truncated_gzip_is_a_clean_error(
        data in messy_csv(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 0..4),
        cuts in cuts(),
    ) {
        let s = settings(Format::Csv, Encoding::Utf8, Compression::Gzip);
        let plain = settings(Format::Csv, Encoding::Utf8, Compression::None);
        let good = gz(&data);
        prop_assert_eq!(read(&s, &good, &cuts).unwrap(), read(&plain, &data, &[]).unwrap());
        let mut bad = good[..cut.index(good.len() + 1)].to_vec();
        for (at, x) in &flips {
            if !bad.is_empty() {
                let i = at.index(bad.len());
                bad[i] ^= x;
            }
        }
        match read(&s, &bad, &cuts) {
            Ok(sink) => prop_assert!(rows_are_consecutive(&sink)),
            Err(e) => prop_assert!(e.message.starts_with("gzip:"), "{}", e),
        }
    }

    #[test]
    fn utf16_with_lone_surrogates_in_odd_chunks(
        units in prop::collection::vec(
            prop_oneof![0u16..0x80, 0xD800u16..0xE000, any::<u16>()], 0..80),
        odd_byte in proptest::option::of(any::<u8>()),
        big_endian in any::<bool>(),
        cuts in cuts(),
    ) {
        let (encoding, order): (_, fn(u16) -> [u8; 2]) = if big_endian {
            (Encoding::Utf16be, u16::to_be_bytes)
        } else {
            (Encoding::Utf16le, u16::to_le_bytes)
        };
        let mut bytes: Vec<u8> = units.iter().flat_map(|&u| order(u)).collect();
        bytes.extend(odd_byte);
        let whole = decode_all(encoding, &bytes);
        prop_assert!(std::str::from_utf8(&whole).is_ok());
        // Pushed in pieces of odd sizes: the same text.
        let mut d = Decoder::new(encoding);
        let mut out = Vec::new();
        let mut rest = &bytes[..];
        for &c in &cuts {
            let (piece, tail) = rest.split_at((c % 7).min(rest.len()));
            d.push(piece, &mut out);
            rest = tail;
        }
        d.push(rest, &mut out);
        d.finish(&mut out);
        prop_assert_eq!(out, whole);
        // And through the CSV reader.
        let s = settings(Format::Csv, encoding, Compression::None);
        let sink = read(&s, &bytes, &cuts).unwrap();
        prop_assert!(rows_are_consecutive(&sink));
    }

    #[test]
    fn random_bytes_into_the_json_splitters(
        data in prop::collection::vec(
            prop_oneof![
                prop::sample::select(b"[]{}\",:\\ \n\r0a".to_vec()),
                any::<u8>(),
            ],
            0..120,
        ),
        cuts in cuts(),
    ) {
        let ndjson = settings(Format::Ndjson, Encoding::Utf8, Compression::None);
        let whole = read(&ndjson, &data, &[]).unwrap();
        prop_assert_eq!(read(&ndjson, &data, &cuts).unwrap(), whole);

        let json = settings(Format::Json, Encoding::Utf8, Compression::None);
        let whole = read(&json, &data, &[]);
        prop_assert_eq!(read(&json, &data, &cuts), whole.clone());
        if let Ok(sink) = whole {
            prop_assert!(rows_are_consecutive(&sink));
        }
    }
}

const MAPPING: &str = r#"{
  "type": "track",
  "rules": [
    {"from": "user_id", "to": "userId"},
    {"value": "Thing Happened", "to": "event"},
    {"from": "at", "to": "timestamp", "as": "timestamp"},
    {"from": "n", "to": "properties.n", "as": "number"}
  ],
  "rest": "properties"
}"#;

/// Runs `data` through the importer in chunks; returns (rows in batches,
/// rejected rows with their code, rows counted by the summary).
fn import(settings: &Settings, data: &[u8], chunk: usize) -> (Vec<u64>, Vec<(u64, Code)>, u64) {
    let mapping = Mapping::from_json(MAPPING).unwrap();
    let options = ImportOptions {
        now_ms: 1_800_000_000_000,
        ..ImportOptions::default()
    };
    let mut imp = Importer::new(Some(mapping), settings, options).unwrap();
    let (mut sent, mut rejected) = (Vec::new(), Vec::new());
    let mut drain = |imp: &mut Importer| {
        while let Some(b) = imp.pop_batch() {
            sent.extend(b.rows());
        }
        while let Some(r) = imp.pop_reject() {
            rejected.push((r.row, r.code().unwrap_or(Code::InvalidText)));
        }
    };
    for part in data.chunks(chunk.max(1)) {
        imp.push(part).unwrap();
        drain(&mut imp);
    }
    imp.finish().unwrap();
    drain(&mut imp);
    let s = imp.summary();
    assert_eq!(s.rows, s.valid + s.rejected);
    assert_eq!(sent.len() as u64, s.valid);
    assert_eq!(rejected.len() as u64, s.rejected);
    (sent, rejected, s.rows)
}

/// Every row read is in exactly one place, and the rows are 2..=N+1.
fn all_rows_accounted(sent: &[u64], rejected: &[(u64, Code)], rows: u64) -> bool {
    let all: BTreeSet<u64> = sent
        .iter()
        .copied()
        .chain(rejected.iter().map(|r| r.0))
        .collect();
    all.len() == sent.len() + rejected.len() && all.into_iter().eq(2..rows + 2)
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9 ]{0,6}",
        "[a-z\",\n\r\0é]{0,6}",
        Just("2024-01-01T00:00:00Z".to_string()),
        Just("12.5".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_cells_through_the_pipeline_all_rows_accounted(
        rows in prop::collection::vec(prop::collection::vec(cell(), 1..6), 0..12),
        quote_cells in any::<bool>(),
        chunk in 1usize..64,
    ) {
        let mut data = b"user_id,at,n,extra\n".to_vec();
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| if quote_cells { format!("\"{}\"", c.replace('"', "\"\"")) } else { c.clone() })
                .collect();
            data.extend(cells.join(",").as_bytes());
            data.push(b'\n');
        }
        let s = settings(Format::Csv, Encoding::Utf8, Compression::None);
        let (sent, rejected, n) = import(&s, &data, chunk);
        prop_assert!(all_rows_accounted(&sent, &rejected, n));
        prop_assert_eq!(import(&s, &data, data.len()), (sent, rejected, n));
    }
}

#[test]
fn oversize_records_and_an_open_quote_are_rejected_rows() {
    let big = "x".repeat(MAX_RECORD_BYTES + 1);
    let data = format!(
        "user_id,at,n,extra\n\
         u1,2024-01-01T00:00:00Z,1,a\n\
         u2,2024-01-01T00:00:00Z,2,{big}\n\
         u3,2024-01-01T00:00:00Z,3,c\n\
         u4,2024-01-01T00:00:00Z,4,\"open\n\
         u5,2024-01-01T00:00:00Z,5,e\n"
    );
    let s = settings(Format::Csv, Encoding::Utf8, Compression::None);
    for chunk in [4096, 1 << 20, data.len()] {
        let (sent, rejected, rows) = import(&s, data.as_bytes(), chunk);
        assert_eq!(sent, [2, 4]);
        assert_eq!(
            rejected,
            [(3, Code::RecordTooLarge), (5, Code::UnterminatedQuote)]
        );
        assert!(all_rows_accounted(&sent, &rejected, rows));
    }
    let message = r#"{"type":"track","userId":"a","event":"e"}"#;
    let ndjson = format!("{message}\n\"{big}\"\n{message}\n");
    let s = settings(Format::Ndjson, Encoding::Utf8, Compression::None);
    let mut imp = Importer::new(None, &s, ImportOptions::default()).unwrap();
    imp.push(ndjson.as_bytes()).unwrap();
    imp.finish().unwrap();
    let reject = imp.pop_reject().unwrap();
    assert_eq!((reject.row, reject.code()), (2, Some(Code::RecordTooLarge)));
    assert!(
        reject.reason().contains("over the 1 MiB limit"),
        "{}",
        reject.reason()
    );
    let s = imp.summary();
    assert_eq!((s.rows, s.valid, s.rejected), (3, 2, 1));
}
