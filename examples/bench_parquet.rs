//! Peak memory and time of reading a Parquet file through `TableStream`,
//! alone or into the import pipeline (`make bench-parquet`).
//!
//!     cargo run --release --features tables --example bench_parquet -- FILE [MAPPING]
//!
//! Prints the file's size, its first row group's size (compressed and
//! uncompressed), the rows and text read, the time, and the process's peak
//! resident memory (VmHWM, Linux).

use std::error::Error;
use std::fs::File;
use std::time::Instant;

use segment_backfill::mapping::Mapping;
use segment_backfill::pipeline::{ImportOptions, Importer};
use segment_backfill::report::group_digits;
use segment_backfill::source::table::{TableKind, TableStream};
use segment_backfill::source::{sniff_import, SourceOptions};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        return Err("usage: bench_parquet FILE [MAPPING]".into());
    };
    let mapping = match args.get(1) {
        Some(m) => Some(Mapping::from_json(&std::fs::read_to_string(m)?)?),
        None => None,
    };
    let size = std::fs::metadata(path)?.len();
    let (compressed, uncompressed) = first_group_size(path)?;
    let start = Instant::now();
    let mut stream = TableStream::open(TableKind::Parquet, Box::new(File::open(path)?), None)?;
    let info = stream.info().clone();
    let options = stream.source_options(&SourceOptions::default());
    let (mut text, mut lines, mut messages, mut rejected) = (0u64, 0u64, 0u64, 0u64);
    let mut importer: Option<Importer> = None;
    while let Some(chunk) = stream.next_chunk()? {
        text += chunk.len() as u64;
        lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        let Some(mapping) = &mapping else { continue };
        if importer.is_none() {
            let sniffed = sniff_import(&chunk, false, &options)?;
            let opts = ImportOptions::default();
            importer = Some(Importer::new(
                Some(mapping.clone()),
                &sniffed.settings,
                opts,
            )?);
        }
        if let Some(imp) = importer.as_mut() {
            imp.push(&chunk)?;
            drain(imp, &mut messages, &mut rejected);
        }
    }
    if let Some(imp) = importer.as_mut() {
        imp.finish()?;
        drain(imp, &mut messages, &mut rejected);
    }
    let secs = start.elapsed().as_secs_f64();
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "file              {:.1} MB, {} rows in {} row groups ({})",
        mb(size),
        group_digits(&info.rows.unwrap_or(0).to_string()),
        info.row_groups.unwrap_or(0),
        info.codecs.join(", ")
    );
    println!(
        "row group         {:.1} MB compressed, {:.1} MB uncompressed",
        mb(compressed),
        mb(uncompressed)
    );
    println!(
        "read              {} rows, {:.1} MB of NDJSON",
        group_digits(&lines.to_string()),
        mb(text)
    );
    if mapping.is_some() {
        println!(
            "pipeline          {} messages, {rejected} rejected",
            group_digits(&messages.to_string())
        );
    }
    println!(
        "time              {secs:.2} s ({:.0} rows/s)",
        lines as f64 / secs
    );
    println!(
        "peak RSS (VmHWM)  {}",
        peak_rss().unwrap_or_else(|| "unknown (not Linux)".into())
    );
    Ok(())
}

fn drain(imp: &mut Importer, messages: &mut u64, rejected: &mut u64) {
    while let Some(b) = imp.pop_batch() {
        *messages += b.len() as u64;
    }
    while imp.pop_reject().is_some() {
        *rejected += 1;
    }
}

/// The first row group's compressed and uncompressed bytes.
fn first_group_size(path: &str) -> Result<(u64, u64), Box<dyn Error>> {
    let meta = parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(&File::open(path)?)?;
    let Some(group) = meta.row_groups().first() else {
        return Ok((0, 0));
    };
    Ok((
        group.compressed_size().max(0) as u64,
        group.total_byte_size().max(0) as u64,
    ))
}

fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MB", kb / 1e3))
}
