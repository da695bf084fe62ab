//! Memory stays bounded whatever the input: a 64 MiB quoted field that never
//! closes, a 64 MiB NDJSON line, a 64 MiB JSON-array element and a gzip bomb
//! (200 MiB of zeros, ~200 KB compressed) each go through the reader while a
//! counting global allocator records the peak of live heap bytes.
//!
//! The bound asserted is [`BOUND`] = 16 MiB above what was live before each
//! case (the 1 MiB chunk being pushed is allocated before). Measured: about
//! 1–1.5 MiB in every case: a record's buffer stops at 1 MiB
//! (`MAX_RECORD_BYTES`), and gzip output is handed on in pieces of tens of
//! KiB. Before the limits, the first case grew a 64 MiB buffer and the bomb a
//! 200 MiB one.
//!
//! One test function runs every case in turn: tests in one binary run on
//! parallel threads, and another test's allocations would count here.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use segment_backfill::mapping::Mapping;
use segment_backfill::pipeline::{ImportOptions, Importer};
use segment_backfill::source::{
    Compression, Encoding, Format, OversizeKind, Record, RecordData, RecordReader, RecordSink,
    Settings,
};
use segment_backfill::validate::Code;

/// The most the reader may hold at once above what was live before.
const BOUND: usize = 16 << 20;
/// The size of the oversized records.
const BIG: usize = 64 << 20;
/// Bytes pushed at a time, as the CLI and the worker do.
const CHUNK: usize = 1 << 20;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let live = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is passed to `System` unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns the peak of live bytes above those live before.
fn peak_during(f: impl FnOnce()) -> usize {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed).saturating_sub(before)
}

/// Keeps only what a test looks at: each record's row and kind.
#[derive(Default)]
struct Kinds(Vec<(u64, Option<OversizeKind>)>);

impl RecordSink for Kinds {
    fn header(&mut self, _names: &[String]) {}

    fn record(&mut self, record: Record<'_>) {
        let kind = match record.data {
            RecordData::Oversize(o) => Some(o.kind),
            _ => None,
        };
        self.0.push((record.row, kind));
    }
}

fn settings(format: Format, compression: Compression) -> Settings {
    Settings {
        format,
        encoding: Encoding::Utf8,
        compression,
        bom: false,
        delimiter: b',',
        has_header: format == Format::Csv,
        first_row: 1,
    }
}

/// Pushes `head`, then `BIG` bytes of `fill` in `CHUNK`s, then `tail`,
/// through a reader; returns the records' rows and kinds, and the peak.
fn read_big(settings: &Settings, head: &[u8], fill: u8, tail: &[u8]) -> (Kinds, usize) {
    let chunk = vec![fill; CHUNK];
    let mut sink = Kinds::default();
    let peak = peak_during(|| {
        let mut reader = RecordReader::new(settings);
        reader.push(head, &mut sink).unwrap();
        for _ in 0..BIG / CHUNK {
            reader.push(&chunk, &mut sink).unwrap();
        }
        reader.push(tail, &mut sink).unwrap();
        reader.finish(&mut sink).unwrap();
    });
    (sink, peak)
}

/// 200 MiB of zeros as gzip, compressed from a reused buffer (the zeros are
/// never all in memory).
fn gzip_bomb() -> Vec<u8> {
    let zeros = vec![0u8; CHUNK];
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(b"h\n").unwrap();
    for _ in 0..200 {
        e.write_all(&zeros).unwrap();
    }
    e.write_all(b"\n1\n").unwrap();
    e.finish().unwrap()
}

#[test]
fn memory_stays_bounded_on_hostile_input() {
    let mut peaks = Vec::new();

    // A quote that never closes: the rest of the file is one field.
    let csv = settings(Format::Csv, Compression::None);
    let (kinds, peak) = read_big(&csv, b"h,i\n1,2\n3,\"", b'x', b"\n4,5\n");
    assert_eq!(
        kinds.0,
        [(2, None), (3, Some(OversizeKind::UnterminatedQuote))]
    );
    peaks.push(("CSV, unterminated quote", peak));

    // A quoted field that does close, 64 MiB later: reading goes on.
    let (kinds, peak) = read_big(&csv, b"h,i\n\"", b'x', b"\",1\n2,3\n");
    assert_eq!(kinds.0, [(2, Some(OversizeKind::Bytes)), (3, None)]);
    peaks.push(("CSV, 64 MiB quoted field", peak));

    let ndjson = settings(Format::Ndjson, Compression::None);
    let (kinds, peak) = read_big(&ndjson, b"{}\n\"", b'x', b"\"\n{}\n");
    assert_eq!(
        kinds.0,
        [(1, None), (2, Some(OversizeKind::Bytes)), (3, None)]
    );
    peaks.push(("NDJSON, 64 MiB line", peak));

    let json = settings(Format::Json, Compression::None);
    let (kinds, peak) = read_big(&json, b"[{},\"", b'x', b"\",{}]");
    assert_eq!(
        kinds.0,
        [(1, None), (2, Some(OversizeKind::Bytes)), (3, None)]
    );
    peaks.push(("JSON array, 64 MiB element", peak));

    // A gzip bomb, pushed in 1 MiB chunks (it is ~200 KB: one push).
    let bomb = gzip_bomb();
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
    let gzip = settings(Format::Csv, Compression::Gzip);
    let mut sink = Kinds::default();
    let peak = peak_during(|| {
        let mut reader = RecordReader::new(&gzip);
        for chunk in bomb.chunks(CHUNK) {
            reader.push(chunk, &mut sink).unwrap();
        }
        reader.finish(&mut sink).unwrap();
    });
    assert_eq!(sink.0, [(2, Some(OversizeKind::Bytes)), (3, None)]);
    peaks.push(("gzip bomb, 200 MiB of zeros", peak));

    // The whole pipeline, rejected row included, on the open quote.
    let mapping =
        Mapping::from_json(r#"{"type":"identify","rules":[{"from":"h","to":"userId"}]}"#).unwrap();
    let chunk = vec![b'x'; CHUNK];
    let mut rejected = Vec::new();
    let peak = peak_during(|| {
        let options = ImportOptions {
            keep_reject_cells: true,
            ..ImportOptions::default()
        };
        let mut imp = Importer::new(Some(mapping), &csv, options).unwrap();
        imp.push(b"h,i\nu1,2\nu3,\"").unwrap();
        for _ in 0..BIG / CHUNK {
            imp.push(&chunk).unwrap();
        }
        imp.finish().unwrap();
        while imp.pop_batch().is_some() {}
        while let Some(r) = imp.pop_reject() {
            rejected.push((r.row, r.code()));
        }
    });
    assert_eq!(rejected, [(3, Some(Code::UnterminatedQuote))]);
    peaks.push(("importer, unterminated quote", peak));

    for (case, peak) in &peaks {
        println!("{case}: peak {:.2} MiB", *peak as f64 / (1 << 20) as f64);
    }
    for (case, peak) in peaks {
        assert!(peak < BOUND, "{case}: peak of {peak} bytes");
    }
}
