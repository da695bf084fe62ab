//! Parquet files read as canonical NDJSON (src/source/table/parquet/): the
//! fixtures of tests/tables/make_parquet.py, one per codec, against the
//! NDJSON they must read as; the types; damaged files.
#![cfg(feature = "tables")]

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;

use segment_backfill::mapping::Mapping;
use segment_backfill::pipeline::{ImportOptions, Importer};
use segment_backfill::source::table::{TableKind, TableStream};
use segment_backfill::source::{sniff_import, SourceError, SourceOptions};
use serde_json::{json, Value};

const CODECS: [(&str, &str); 6] = [
    ("none", "UNCOMPRESSED"),
    ("snappy", "SNAPPY"),
    ("gzip", "GZIP"),
    ("lz4", "LZ4_RAW"),
    ("zstd", "ZSTD"),
    ("brotli", "BROTLI"),
];

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/fixtures/tables")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!("{}: {e}: run make fixtures-tables", path.display());
    })
}

fn mapping() -> Mapping {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tables/events.mapping.json");
    Mapping::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn open(bytes: Vec<u8>) -> Result<TableStream, SourceError> {
    TableStream::open(TableKind::Parquet, Box::new(Cursor::new(bytes)), None)
}

/// The whole canonical text, or the first error.
fn text(stream: &mut TableStream) -> Result<Vec<u8>, SourceError> {
    let mut all = Vec::new();
    while let Some(chunk) = stream.next_chunk()? {
        assert!(!chunk.is_empty(), "a chunk is never empty");
        all.extend(chunk);
    }
    Ok(all)
}

/// Every message's JSON (messageIds included) of `chunks` read with
/// `options`, as the CLI and the worker read them: sniff the first chunk,
/// then push every chunk into the importer. No row may be rejected.
fn import(
    mapping: Mapping,
    options: &SourceOptions,
    chunks: impl IntoIterator<Item = Vec<u8>>,
) -> Vec<String> {
    let mut chunks = chunks.into_iter().peekable();
    let first = chunks.peek().cloned().unwrap_or_default();
    let sniffed = sniff_import(&first, false, options).unwrap();
    let options = ImportOptions {
        now_ms: 1_800_000_000_000,
        ..ImportOptions::default()
    };
    let mut importer = Importer::new(Some(mapping), &sniffed.settings, options).unwrap();
    let mut messages = Vec::new();
    let mut drain = |importer: &mut Importer| {
        while let Some(batch) = importer.pop_batch() {
            for i in 0..batch.len() {
                let m = batch.message(i).unwrap();
                messages.push(String::from_utf8(m.to_vec()).unwrap());
            }
        }
        if let Some(r) = importer.pop_reject() {
            panic!("row {} rejected: {:?}", r.row, r.issues);
        }
    };
    for chunk in chunks {
        importer.push(&chunk).unwrap();
        drain(&mut importer);
    }
    importer.finish().unwrap();
    drain(&mut importer);
    messages
}

/// A Parquet file's messages through [`TableStream`].
fn import_parquet(mapping: Mapping, bytes: Vec<u8>) -> Vec<String> {
    let mut stream = open(bytes).unwrap();
    let options = stream.source_options(&SourceOptions::default());
    let mut chunks = Vec::new();
    while let Some(chunk) = stream.next_chunk().unwrap() {
        chunks.push(chunk);
    }
    import(mapping, &options, chunks)
}

fn readable_codecs() -> impl Iterator<Item = (&'static str, &'static str)> {
    CODECS
        .into_iter()
        .filter(|(file, _)| *file != "zstd" || cfg!(feature = "tables-zstd"))
}

#[test]
fn every_codec_reads_as_the_canonical_ndjson_byte_for_byte() {
    let want = fixture("events.ndjson");
    for (file, codec) in readable_codecs() {
        let mut stream = open(fixture(&format!("events-{file}.parquet"))).unwrap();
        let info = stream.info().clone();
        assert_eq!(info.kind, TableKind::Parquet);
        assert_eq!(info.rows, Some(1000), "{file}");
        assert_eq!(info.row_groups, Some(4), "{file}");
        assert_eq!(info.codecs, vec![codec.to_string()], "{file}");
        assert_eq!(info.first_row, 1);
        let got = text(&mut stream).unwrap();
        if got != want {
            let line = got
                .split(|&b| b == b'\n')
                .zip(want.split(|&b| b == b'\n'))
                .position(|(a, b)| a != b);
            panic!("{file}: the text differs from events.ndjson at line {line:?}");
        }
    }
}

#[test]
fn every_codec_gives_exactly_the_messages_of_the_ndjson() {
    let ndjson = fixture("events.ndjson");
    let pieces = ndjson.chunks(64 * 1024).map(<[u8]>::to_vec);
    let want = import(mapping(), &SourceOptions::default(), pieces);
    assert_eq!(want.len(), 1000);
    // Row 2, written out: the decimal as a number with its digits, the
    // city by its dot path, the list as an array, the id derived.
    let row2: Value = serde_json::from_str(&want[1]).unwrap();
    assert_eq!(row2["timestamp"], "2024-03-01T01:00:07.123Z");
    assert_eq!(row2["properties"]["amount"].to_string(), "12345.67");
    assert_eq!(row2["properties"]["city"], "São Paulo");
    assert_eq!(row2["properties"]["tags"], json!(["t1"]));
    assert!(row2["messageId"].as_str().is_some_and(|id| id.len() == 36));
    // Past 2^53, exactly.
    assert!(
        want[500].contains(r#""quantity":9007199254740993"#),
        "{}",
        want[500]
    );
    for (file, _) in readable_codecs() {
        let got = import_parquet(mapping(), fixture(&format!("events-{file}.parquet")));
        assert_eq!(got.len(), want.len(), "{file}");
        for (row, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "{file}, row {}", row + 1);
        }
    }
}

#[test]
fn zstd_reads_in_a_build_with_its_codec() {
    let opened = open(fixture("events-zstd.parquet"));
    if cfg!(feature = "tables-zstd") {
        assert_eq!(opened.unwrap().info().codecs, ["ZSTD"]);
    } else {
        // The refusal itself is tested in src/source/table/parquet/codecs.rs.
        let e = opened.unwrap_err();
        assert!(e.message.contains("compressed with ZSTD"), "{e}");
    }
}

/// The first line of the snappy file's canonical text.
fn first_rows() -> Vec<Value> {
    let mut stream = open(fixture("events-snappy.parquet")).unwrap();
    let text = text(&mut stream).unwrap();
    text.split(|&b| b == b'\n')
        .take(2)
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect()
}

#[test]
fn timestamps_dates_and_decimals_come_out_as_the_contract_says() {
    let rows = first_rows();
    let row2 = &rows[1];
    // With a zone: ISO 8601 with `Z` for UTC, as many digits as the unit.
    assert_eq!(row2["ts_ms"], "2024-03-01T01:00:07.123Z");
    assert_eq!(row2["ts_us"], "2024-03-01T01:00:07.123456Z");
    assert_eq!(row2["ts_ns"], "2024-03-01T01:00:07.123456789Z");
    // Another zone: its local time and offset.
    assert_eq!(row2["ts_ny"], "2024-02-29T20:00:07.123-05:00");
    // No zone: no offset, the mapping's timezone applies.
    assert_eq!(row2["naive"], "2024-03-01T01:00:07.123456");
    // A whole second: no fraction.
    assert_eq!(rows[0]["ts_ns"], "2024-03-01T00:00:00Z");
    assert_eq!(row2["day"], "2024-03-01");
    assert_eq!(row2["amount"], "12345.67");
    assert_eq!(rows[0]["amount"], "0.00");
    // The null score of row 8 is left out; row 1's is there.
    assert_eq!(rows[0]["score"], 0.25);
    assert_eq!(
        row2["address"],
        json!({"city": "São Paulo", "zip": "07919"})
    );
}

#[test]
fn every_timestamp_column_maps_to_the_same_instant() {
    let instant = |from: &str, zone: Option<&str>| {
        let mut rule = json!({"from": from, "to": "timestamp", "as": "timestamp"});
        if let Some(zone) = zone {
            rule["timezone"] = json!(zone);
        }
        let m = json!({"type": "track", "rules": [
            {"from": "user_id", "to": "userId"}, {"from": "event", "to": "event"}, rule]});
        let m = Mapping::from_json(&m.to_string()).unwrap();
        let messages = import_parquet(m, fixture("events-snappy.parquet"));
        let row2: Value = serde_json::from_str(&messages[1]).unwrap();
        row2["timestamp"].as_str().unwrap().to_string()
    };
    for from in ["ts_ms", "ts_us", "ts_ns", "ts_ny", "naive"] {
        assert_eq!(instant(from, None), "2024-03-01T01:00:07.123Z", "{from}");
    }
    // A zone names the naive column's local time (EST, UTC-5) and nothing
    // else: the zoned columns carry their own.
    assert_eq!(
        instant("naive", Some("America/New_York")),
        "2024-03-01T06:00:07.123Z"
    );
    assert_eq!(
        instant("ts_ny", Some("Asia/Tokyo")),
        "2024-03-01T01:00:07.123Z"
    );
    assert_eq!(instant("day", None), "2024-03-01T00:00:00.000Z");
}

#[test]
fn row_groups_are_read_in_order() {
    let mut stream = open(fixture("events-gzip.parquet")).unwrap();
    assert_eq!(stream.info().row_groups, Some(4));
    let text = text(&mut stream).unwrap();
    let quantities: Vec<u64> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            serde_json::from_slice::<Value>(l).unwrap()["quantity"]
                .as_u64()
                .unwrap()
        })
        .collect();
    let want: Vec<u64> = (0..1000)
        .map(|i| if i == 500 { (1 << 53) + 1 } else { i })
        .collect();
    assert_eq!(quantities, want);
}

#[test]
fn a_truncated_file_is_refused_as_cut_short() {
    let whole = fixture("events-snappy.parquet");
    for keep in [whole.len() - 1, whole.len() * 2 / 3, 100, 11] {
        let e = open(whole[..keep].to_vec()).unwrap_err();
        assert!(e.message.contains("cut short"), "{keep} bytes: {e}");
        assert_eq!(e.row, None);
    }
    let e = open(whole[..whole.len() * 2 / 3].to_vec()).unwrap_err();
    assert!(
        e.message
            .starts_with("the end of this Parquet file is missing"),
        "{e}"
    );
}

#[test]
fn a_file_that_is_not_parquet_is_refused() {
    let e = open(b"user_id,event\nu1,Signed Up\n".to_vec()).unwrap_err();
    assert_eq!(
        e.message,
        "this is not a Parquet file (it does not start with PAR1)"
    );
    // Parquet's magic on both ends, garbage between.
    let mut fake = b"PAR1".to_vec();
    fake.extend(b"not a footer at all, just text".repeat(3));
    fake.extend(40u32.to_le_bytes());
    fake.extend(b"PAR1");
    let e = open(fake).unwrap_err();
    assert!(
        e.message.starts_with("the Parquet footer is damaged ("),
        "{e}"
    );
}

/// Where row group `group`'s first column chunk lies.
fn chunk_of(bytes: &[u8], group: usize) -> (usize, usize) {
    let meta = parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(&bytes::Bytes::copy_from_slice(bytes))
        .unwrap();
    let column = meta.row_group(group).column(0);
    let start = column
        .dictionary_page_offset()
        .unwrap_or(column.data_page_offset()) as usize;
    (start, column.compressed_size() as usize)
}

#[test]
fn a_flipped_byte_in_a_page_names_the_row_group_and_the_rows_before_are_read() {
    let mut bytes = fixture("events-snappy.parquet");
    let (start, len) = chunk_of(&bytes, 1);
    bytes[start + len - 10] ^= 0x5a;
    let mut stream = open(bytes).unwrap();
    // The rows of the first row group come first, whole...
    let first = stream.next_chunk().unwrap().unwrap();
    assert_eq!(first.iter().filter(|&&b| b == b'\n').count(), 250);
    // ...then the error, at the row where the damaged group starts.
    let e = stream.next_chunk().unwrap_err();
    assert_eq!(e.row, Some(251));
    assert!(
        e.message
            .starts_with("row group 2 of 4 (rows 251–500) cannot be read: "),
        "{e}"
    );
    assert!(e.message.ends_with("the file is damaged"), "{e}");
    assert!(
        stream.next_chunk().unwrap().is_none(),
        "reading stops there"
    );
}

#[test]
fn damage_anywhere_is_an_error_or_a_read_never_a_panic() {
    for file in ["events-none.parquet", "events-lz4.parquet"] {
        let whole = fixture(file);
        // The footer's metadata densely (every 29th byte), the pages sparsely.
        let tail = whole.len() - 8;
        let meta_len = u32::from_le_bytes(whole[tail..tail + 4].try_into().unwrap()) as usize;
        let footer = (tail - meta_len..whole.len()).step_by(29);
        for at in (0..whole.len()).step_by(2003).chain(footer) {
            let mut bytes = whole.clone();
            bytes[at] ^= 0xff;
            if let Ok(mut stream) = open(bytes) {
                // Either the text or an error with a message: no panic.
                if let Err(e) = text(&mut stream) {
                    assert!(!e.message.is_empty());
                }
            }
        }
    }
}

// --- types beyond the fixture: written here with parquet's own writer ---

mod odd_types {
    use super::*;
    use arrow_array::{
        ArrayRef, BinaryArray, Decimal256Array, DurationMillisecondArray, Float32Array,
        Float64Array, IntervalYearMonthArray, RecordBatch, UInt64Array,
    };
    use arrow_schema::{Field, Schema};
    use parquet::arrow::ArrowWriter;

    /// arrow's 256-bit integer (arrow-buffer's, not a dependency of ours).
    type I256 = <arrow_array::types::Decimal256Type as arrow_array::ArrowPrimitiveType>::Native;

    fn parquet_of(columns: Vec<(&str, ArrayRef)>) -> Vec<u8> {
        let fields: Vec<Field> = columns
            .iter()
            .map(|(name, a)| Field::new(*name, a.data_type().clone(), true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(
            schema.clone(),
            columns.into_iter().map(|(_, a)| a).collect(),
        )
        .unwrap();
        let mut out = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut out, schema, None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        out
    }

    fn lines(bytes: Vec<u8>) -> Vec<String> {
        let text = text(&mut open(bytes).unwrap()).unwrap();
        String::from_utf8(text)
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    }

    #[test]
    fn floats_nan_and_infinities_are_named_not_dropped() {
        let f64s = Float64Array::from(vec![
            Some(1.5),
            Some(f64::NAN),
            Some(f64::INFINITY),
            Some(f64::NEG_INFINITY),
            None,
        ]);
        let f32s = Float32Array::from(vec![Some(0.1), Some(f32::NAN), None, None, None]);
        let got = lines(parquet_of(vec![
            ("x", Arc::new(f64s) as ArrayRef),
            ("y", Arc::new(f32s) as ArrayRef),
        ]));
        assert_eq!(
            got,
            [
                r#"{"x":1.5,"y":0.1}"#,
                r#"{"x":"NaN","y":"NaN"}"#,
                r#"{"x":"Infinity"}"#,
                r#"{"x":"-Infinity"}"#,
                r#"{}"#,
            ]
        );
    }

    #[test]
    fn big_integers_decimals_and_durations_are_exact() {
        let u = UInt64Array::from(vec![u64::MAX, 9_007_199_254_740_993]);
        let d = Decimal256Array::from(vec![
            I256::from_string("123456789012345678901234567890123456789").unwrap(),
            I256::from_i128(-5),
        ])
        .with_precision_and_scale(40, 4)
        .unwrap();
        let ms = DurationMillisecondArray::from(vec![90_500, -3]);
        let got = lines(parquet_of(vec![
            ("u", Arc::new(u) as ArrayRef),
            ("d", Arc::new(d) as ArrayRef),
            ("ms", Arc::new(ms) as ArrayRef),
        ]));
        assert_eq!(
            got,
            [
                r#"{"u":18446744073709551615,"d":"12345678901234567890123456789012345.6789","ms":"PT90.500S"}"#,
                r#"{"u":9007199254740993,"d":"-0.0005","ms":"-PT0.003S"}"#,
            ]
        );
    }

    #[test]
    fn binary_is_read_as_text_and_binary_that_is_not_text_stops_at_its_row() {
        let b = BinaryArray::from(vec![
            Some(&b"caf\xc3\xa9"[..]),
            Some(b"ok"),
            Some(b"\xff\x00"),
        ]);
        let mut stream = open(parquet_of(vec![("b", Arc::new(b) as ArrayRef)])).unwrap();
        assert!(
            stream
                .info()
                .notes
                .iter()
                .any(|n| n.starts_with("binary columns (b)")),
            "{:?}",
            stream.info().notes
        );
        let first = stream.next_chunk().unwrap().unwrap();
        assert_eq!(first, b"{\"b\":\"caf\xc3\xa9\"}\n{\"b\":\"ok\"}\n");
        let e = stream.next_chunk().unwrap_err();
        assert_eq!(e.row, Some(3));
        assert!(
            e.message
                .starts_with("column b: a binary value of 2 bytes is not text"),
            "{e}"
        );
    }

    #[test]
    fn maps_with_text_keys_are_objects() {
        use arrow_array::builder::{Int64Builder, MapBuilder, StringBuilder};
        let mut map = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new());
        map.keys().append_value("clicks");
        map.values().append_value(3);
        map.keys().append_value("views");
        map.values().append_value(12);
        map.append(true).unwrap();
        map.append(true).unwrap();
        let got = lines(parquet_of(vec![(
            "counts",
            Arc::new(map.finish()) as ArrayRef,
        )]));
        assert_eq!(
            got,
            [r#"{"counts":{"clicks":3,"views":12}}"#, r#"{"counts":{}}"#]
        );
    }

    #[test]
    fn intervals_are_refused_when_the_file_is_opened_naming_the_column() {
        let i = IntervalYearMonthArray::from(vec![14]);
        let bytes = parquet_of(vec![("every", Arc::new(i) as ArrayRef)]);
        let e = open(bytes).unwrap_err();
        assert!(
            e.message.starts_with(
                "this Parquet file has columns that cannot be read as JSON: every (Interval(YearMonth)): "
            ),
            "{e}"
        );
    }
}
