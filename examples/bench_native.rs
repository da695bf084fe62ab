//! `make bench-native`: bare parsing vs the full pipeline (parse → map →
//! validate → batch JSON), on a generated ~100 MB CSV, in one run.
//!
//! The file is made in memory from a fixed seed so every run measures the same
//! bytes. Each measurement is the median of 5 passes.

use std::time::Instant;

use segment_backfill::batch::BatchOptions;
use segment_backfill::deliver::compress::gzip_body;
use segment_backfill::mapping::Mapping;
use segment_backfill::message::{IdScheme, MessageIds, SourceNamespace};
use segment_backfill::pipeline::{ImportOptions, Importer};
use segment_backfill::source::{sniff, Record, RecordReader, RecordSink, Settings, SourceOptions};

const ROWS: usize = 1_000_000;
const CHUNK: usize = 1 << 20;
const PASSES: usize = 5;

const MAPPING: &str = r#"{
  "type": "track",
  "rules": [
    {"from": "user_id", "to": "userId"},
    {"from": "event", "to": "event"},
    {"from": "created_at", "to": "timestamp"},
    {"from": "price", "to": "properties.revenue", "as": "number"},
    {"from": "quantity", "to": "properties.quantity", "as": "integer"}
  ],
  "rest": "properties"
}"#;

/// A deterministic CSV: ids, quoted text with commas and newlines, unicode,
/// numbers, timestamps in two forms.
fn generate() -> Vec<u8> {
    let mut s: u64 = 0x5eed;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let events = [
        "Order Completed",
        "Product Viewed",
        "Signed Up",
        "Cart Viewed",
        "Checkout Started",
    ];
    let notes = [
        "plain",
        "\"with, comma\"",
        "\"two\nlines\"",
        "naïve café ✓",
        "\"said \"\"hi\"\"\"",
    ];
    let mut out = Vec::with_capacity(ROWS * 110);
    out.extend_from_slice(
        b"order_id,user_id,event,created_at,price,quantity,currency,note,updated_at,country\n",
    );
    for i in 0..ROWS {
        let r = next();
        let day = 1 + r % 28;
        let month = 1 + (r >> 8) % 12;
        let line = format!(
            "ORD-{i:08},user-{:06},{},2024-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z,{}.{:02},{},EUR,{},2024-{month:02}-{day:02} 10:00:00,DE\n",
            r % 200_000,
            events[(r >> 16) as usize % events.len()],
            (r >> 20) % 24,
            (r >> 25) % 60,
            (r >> 31) % 60,
            (r >> 37) % 1000,
            (r >> 40) % 1000,
            (r >> 50) % 100,
            1 + (r >> 44) % 9,
            notes[(r >> 52) as usize % notes.len()],
        );
        out.extend_from_slice(line.as_bytes());
    }
    out
}

struct Count(u64);

impl RecordSink for Count {
    fn header(&mut self, _names: &[String]) {}
    fn record(&mut self, _record: Record<'_>) {
        self.0 += 1;
    }
}

/// The median, or NaN when nothing was measured.
fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| !x.is_nan());
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    // BENCH_FILE and BENCH_MAPPING measure another file (e.g. the browser
    // benchmark's bench/data/*.csv with bench/mapping.json) instead.
    let data = match std::env::var("BENCH_FILE") {
        Ok(path) => match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) => return eprintln!("{path}: {e}"),
        },
        Err(_) => generate(),
    };
    let mapping_text = match std::env::var("BENCH_MAPPING") {
        Ok(path) => match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => return eprintln!("{path}: {e}"),
        },
        Err(_) => MAPPING.to_string(),
    };
    let mb = data.len() as f64 / 1e6;
    let settings = match sniff(
        &data[..CHUNK.min(data.len())],
        false,
        &SourceOptions::default(),
    ) {
        Ok(s) => s,
        Err(e) => return eprintln!("sniff failed: {e}"),
    };
    let mapping = match Mapping::from_json(&mapping_text) {
        Ok(m) => m,
        Err(e) => return eprintln!("mapping: {e}"),
    };
    println!(
        "input: {mb:.1} MB, chunks of {} KiB, median of {PASSES} passes",
        CHUNK / 1024
    );

    // The passes alternate, parse then pipeline, so that a machine getting
    // busier or quieter during the run weighs on both alike.
    // BENCH_ONLY=pipeline or =parse runs only those passes (for profiling).
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let (mut parse, mut full) = (Vec::new(), Vec::new());
    let (mut records, mut out) = (0, Output::default());
    for _ in 0..PASSES {
        if only != "pipeline" {
            let t = Instant::now();
            records = match parse_pass(&data, &settings) {
                Ok(n) => n,
                Err(e) => return eprintln!("parse: {e}"),
            };
            parse.push(mb / t.elapsed().as_secs_f64());
        }
        if only != "parse" {
            let t = Instant::now();
            out = match pipeline_pass(&data, &settings, &mapping) {
                Ok(o) => o,
                Err(e) => return eprintln!("pipeline: {e}"),
            };
            full.push(mb / t.elapsed().as_secs_f64());
        }
    }

    let (p, f) = (median(parse), median(full));
    println!("bare parse (decode + CSV records): {p:>7.0} MB/s  ({records} records)");
    println!(
        "full pipeline (parse → map → validate → batch JSON): {f:>7.0} MB/s  ({} messages, {:.0} MB of request bodies)",
        out.messages,
        out.bytes as f64 / 1e6
    );
    println!("pipeline / parse: {:.3} (target ≥ 1/3)", f / p);
    gzip_levels(&out.sample);
}

/// Decode and read every record, doing nothing with them.
fn parse_pass(data: &[u8], settings: &Settings) -> Result<u64, String> {
    let mut reader = RecordReader::new(settings);
    let mut sink = Count(0);
    for chunk in data.chunks(CHUNK) {
        reader.push(chunk, &mut sink).map_err(|e| e.to_string())?;
    }
    reader.finish(&mut sink).map_err(|e| e.to_string())?;
    Ok(sink.0)
}

#[derive(Default)]
struct Output {
    messages: u64,
    bytes: u64,
    /// The first ~10 MB of request bodies, to measure gzip levels on.
    sample: Vec<Vec<u8>>,
}

/// Gzip levels 1–6 on real request bodies: input MB/s on one core and the
/// wire/JSON ratio (the choice of `deliver::compress::GZIP_LEVEL`).
fn gzip_levels(bodies: &[Vec<u8>]) {
    let total: usize = bodies.iter().map(Vec::len).sum();
    let mb = total as f64 / 1e6;
    println!(
        "gzip on {} request bodies ({mb:.1} MB of JSON), median of {PASSES}:",
        bodies.len()
    );
    for level in 1..=6 {
        let mut speeds = Vec::new();
        let mut wire = 0;
        for _ in 0..PASSES {
            let t = Instant::now();
            wire = bodies
                .iter()
                .map(|b| gzip_body(b, level).len())
                .sum::<usize>();
            speeds.push(mb / t.elapsed().as_secs_f64());
        }
        println!(
            "  level {level}: {:>5.0} MB/s in, ratio {:.3}",
            median(speeds),
            wire as f64 / total as f64
        );
    }
}

/// The whole import: every batch body made and stamped, as a sender would.
fn pipeline_pass(data: &[u8], settings: &Settings, mapping: &Mapping) -> Result<Output, String> {
    let options = ImportOptions {
        batch: BatchOptions::default(),
        now_ms: 1_800_000_000_000,
        keep_reject_cells: false,
        // As `send` derives them: scheme 2 with a source namespace.
        ids: MessageIds::new(IdScheme::V2, SourceNamespace::of_write_key("bench-key")),
        ..ImportOptions::default()
    };
    let mut imp =
        Importer::new(Some(mapping.clone()), settings, options).map_err(|e| e.to_string())?;
    let mut out = Output::default();
    let mut drain = |imp: &mut Importer| {
        while let Some(mut b) = imp.pop_batch() {
            b.set_sent_at(1_800_000_000_000);
            out.bytes += b.body().len() as u64;
            if out.bytes < 10_000_000 {
                out.sample.push(b.body().to_vec());
            }
            out.messages += b.len() as u64;
        }
        while imp.pop_reject().is_some() {}
    };
    for chunk in data.chunks(CHUNK) {
        imp.push(chunk).map_err(|e| e.to_string())?;
        drain(&mut imp);
    }
    imp.finish().map_err(|e| e.to_string())?;
    drain(&mut imp);
    Ok(out)
}
