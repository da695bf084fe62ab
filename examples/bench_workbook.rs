//! `make bench-workbook`: reads a workbook's first sheet with data through
//! `TableStream` and prints the file size, the canonical text size, the peak
//! memory of the process (VmHWM) and the time.
//!
//! Usage: bench_workbook FILE [SHEET]

use std::fs::File;
use std::io::Read;
use std::time::Instant;

use segment_backfill::source::table::{TableKind, TableStream};

/// The peak resident memory of this process, from /proc (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: bench_workbook FILE [SHEET]")?;
    let sheet = args.next();
    let size = std::fs::metadata(&path)?.len();
    let mut head = Vec::new();
    File::open(&path)?.take(64 * 1024).read_to_end(&mut head)?;
    let kind = TableKind::of(&head).ok_or("not a workbook")?;
    let before = peak_rss_kib().unwrap_or(0);

    let start = Instant::now();
    let mut stream = TableStream::open(kind, Box::new(File::open(&path)?), sheet.as_deref())?;
    let opened = start.elapsed();
    let mut text = 0usize;
    let mut chunks = 0usize;
    while let Some(chunk) = stream.next_chunk()? {
        text += chunk.len();
        chunks += 1;
    }
    let elapsed = start.elapsed();
    let peak = peak_rss_kib().unwrap_or(0);

    println!(
        "file:            {path} ({} bytes, {:.1} MB)",
        size,
        size as f64 / 1e6
    );
    println!("sheet:           {:?}", stream.info().sheet);
    println!(
        "canonical text:  {text} bytes ({:.1} MB) in {chunks} chunks",
        text as f64 / 1e6
    );
    println!(
        "peak RSS:        {:.1} MiB (before opening: {:.1} MiB)",
        peak as f64 / 1024.0,
        before as f64 / 1024.0
    );
    println!(
        "time:            {:.2} s (open, both passes and the text: {:.2} s)",
        elapsed.as_secs_f64(),
        opened.as_secs_f64()
    );
    Ok(())
}
