//! Property test: random CSV written by the `csv` crate, pushed in random
//! chunks, reads to the same records as the `csv` crate reading it whole.

use proptest::prelude::*;
use segment_backfill::source::{
    Compression, Encoding, Format, RecordBuffer, RecordReader, Settings,
};

fn write_csv(rows: &[Vec<String>], delimiter: u8, crlf: bool) -> Vec<u8> {
    let terminator = if crlf {
        csv::Terminator::CRLF
    } else {
        csv::Terminator::Any(b'\n')
    };
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(terminator)
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        w.write_record(row).unwrap();
    }
    w.into_inner().unwrap()
}

fn read_with_csv_crate(data: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(data);
    r.byte_records()
        .map(|rec| rec.unwrap().iter().map(<[u8]>::to_vec).collect())
        .collect()
}

fn read_in_chunks(data: &[u8], delimiter: u8, cuts: &[usize]) -> Vec<Vec<Vec<u8>>> {
    let settings = Settings {
        format: Format::Csv,
        encoding: Encoding::Utf8,
        compression: Compression::None,
        bom: false,
        delimiter,
        has_header: false,
        first_row: 1,
    };
    let mut reader = RecordReader::new(&settings);
    let mut sink = RecordBuffer::default();
    let mut rest = data;
    for &cut in cuts {
        let (chunk, tail) = rest.split_at(cut.min(rest.len()));
        reader.push(chunk, &mut sink).unwrap();
        rest = tail;
    }
    reader.push(rest, &mut sink).unwrap();
    reader.finish(&mut sink).unwrap();
    let rows: Vec<u64> = sink.records.iter().map(|r| r.row).collect();
    assert_eq!(rows, (1..=rows.len() as u64).collect::<Vec<_>>());
    sink.records
        .into_iter()
        .map(|r| r.fields().unwrap().to_vec())
        .collect()
}

fn field() -> impl Strategy<Value = String> {
    // No U+FEFF: the `csv` crate strips it at the very start of its input.
    "[a-z0-9 é€𝄞,;\t|\"\n\r]{0,8}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_chunks_read_like_the_csv_crate(
        rows in prop::collection::vec(prop::collection::vec(field(), 1..6), 0..12),
        delimiter in prop::sample::select(vec![b',', b';', b'\t', b'|']),
        crlf in any::<bool>(),
        cuts in prop::collection::vec(0usize..40, 0..12),
    ) {
        let data = write_csv(&rows, delimiter, crlf);
        let want = read_with_csv_crate(&data, delimiter);
        prop_assert_eq!(read_in_chunks(&data, delimiter, &cuts), want.clone());
        let bytes = vec![1; data.len()];
        prop_assert_eq!(read_in_chunks(&data, delimiter, &bytes), want);
    }
}
