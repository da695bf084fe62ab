//! The whole input chain: gunzip? → decode → CSV | NDJSON | JSON array.
//!
//! Call order: [`RecordReader::push`] for each chunk, then
//! [`RecordReader::finish`] once. Pushing after `finish` is an error.

use super::csv::CsvParser;
use super::decode::Decoder;
use super::gzip::Gunzip;
use super::json::{JsonArraySplitter, NdjsonSplitter};
use super::{Compression, Format, Record, RecordSink, Settings, SourceError};

#[derive(Debug)]
enum Parser {
    // Boxed: csv-core's tables make it far bigger than the JSON splitters.
    Csv(Box<CsvParser>),
    Ndjson(NdjsonSplitter),
    Json(JsonArraySplitter),
}

impl Parser {
    fn push<S: RecordSink>(&mut self, text: &[u8], sink: &mut S) -> Result<(), SourceError> {
        match self {
            Parser::Csv(p) => p.push(text, sink),
            Parser::Ndjson(p) => p.push(text, sink),
            Parser::Json(p) => p.push(text, sink)?,
        }
        Ok(())
    }

    fn finish<S: RecordSink>(&mut self, sink: &mut S) -> Result<(), SourceError> {
        match self {
            Parser::Csv(p) => p.finish(sink),
            Parser::Ndjson(p) => p.finish(sink),
            Parser::Json(p) => p.finish(sink)?,
        }
        Ok(())
    }

    fn next_row(&self) -> u64 {
        match self {
            Parser::Csv(p) => p.next_row(),
            Parser::Ndjson(p) => p.next_row(),
            Parser::Json(p) => p.next_row(),
        }
    }
}

/// Decoding and parsing: everything after gunzip.
#[derive(Debug)]
struct TextStage {
    decoder: Decoder,
    parser: Parser,
    /// Decoded text, reused between pushes.
    text: Vec<u8>,
}

impl TextStage {
    fn push<S: RecordSink>(&mut self, bytes: &[u8], sink: &mut S) -> Result<(), SourceError> {
        if self.decoder.is_passthrough() {
            // Plain UTF-8: no copy.
            return self.parser.push(bytes, sink);
        }
        self.text.clear();
        self.decoder.push(bytes, &mut self.text);
        self.parser.push(&self.text, sink)
    }

    fn finish<S: RecordSink>(&mut self, sink: &mut S) -> Result<(), SourceError> {
        self.text.clear();
        self.decoder.finish(&mut self.text);
        self.parser.push(&self.text, sink)?;
        self.parser.finish(sink)
    }
}

/// Reads a file pushed in chunks of any size and hands out its records.
///
/// Memory does not depend on the input: a chunk is decoded and parsed as it
/// comes (gzip output in pieces of tens of KiB), and a record over
/// [`MAX_RECORD_BYTES`](super::MAX_RECORD_BYTES) is not kept.
#[derive(Debug)]
pub struct RecordReader {
    gunzip: Option<Gunzip>,
    stage: TextStage,
    bytes_in: u64,
    finished: bool,
    /// Added to every row number: `first_row - 1` ([`Settings::first_row`]).
    row_offset: u64,
}

/// Renumbers the records of a file whose first record is not row 1.
struct Offset<'a, S> {
    sink: &'a mut S,
    by: u64,
}

impl<S: RecordSink> RecordSink for Offset<'_, S> {
    fn header(&mut self, names: &[String]) {
        self.sink.header(names);
    }

    fn record(&mut self, mut record: Record<'_>) {
        record.row += self.by;
        self.sink.record(record);
    }
}

impl RecordReader {
    /// A reader for a file with these settings.
    pub fn new(settings: &Settings) -> RecordReader {
        let parser = match settings.format {
            Format::Csv => Parser::Csv(Box::new(CsvParser::new(
                settings.delimiter,
                settings.has_header,
            ))),
            Format::Ndjson => Parser::Ndjson(NdjsonSplitter::new()),
            Format::Json => Parser::Json(JsonArraySplitter::new()),
        };
        RecordReader {
            gunzip: (settings.compression == Compression::Gzip).then(Gunzip::new),
            stage: TextStage {
                decoder: Decoder::new(settings.encoding),
                parser,
                text: Vec::new(),
            },
            bytes_in: 0,
            finished: false,
            row_offset: settings.first_row.saturating_sub(1),
        }
    }

    /// Raw bytes pushed so far (before decompression), for progress.
    pub fn bytes_in(&self) -> u64 {
        self.bytes_in
    }

    /// The row number the next record will get: every row below it has
    /// been handed out from the bytes pushed so far.
    pub fn next_row(&self) -> u64 {
        self.stage.parser.next_row() + self.row_offset
    }

    /// Reads the next chunk of the file.
    pub fn push<S: RecordSink>(&mut self, chunk: &[u8], sink: &mut S) -> Result<(), SourceError> {
        if self.finished {
            return Err(SourceError {
                row: None,
                message: "push after finish: the reader has already reached the end".into(),
            });
        }
        self.bytes_in += chunk.len() as u64;
        let by = self.row_offset;
        let sink = &mut Offset { sink, by };
        let stage = &mut self.stage;
        match &mut self.gunzip {
            Some(gunzip) => gunzip
                .push_with(chunk, |plain| stage.push(plain, sink))
                .map_err(|e| at_row(e, stage.parser.next_row())),
            None => stage.push(chunk, sink),
        }
        .map_err(|e| shift(e, by))
    }

    /// Ends the file: hands out the last record and checks nothing is cut off.
    pub fn finish<S: RecordSink>(&mut self, sink: &mut S) -> Result<(), SourceError> {
        if std::mem::replace(&mut self.finished, true) {
            return Err(SourceError {
                row: None,
                message: "finish called twice".into(),
            });
        }
        let by = self.row_offset;
        let sink = &mut Offset { sink, by };
        let stage = &mut self.stage;
        if let Some(gunzip) = &mut self.gunzip {
            gunzip
                .finish_with(|plain| stage.push(plain, sink))
                .map_err(|e| shift(at_row(e, stage.parser.next_row()), by))?;
        }
        stage.finish(sink).map_err(|e| shift(e, by))
    }
}

/// A gzip error names the row being read when it happened; an error from
/// the parser already names its own.
fn at_row(mut e: SourceError, row: u64) -> SourceError {
    e.row = e.row.or(Some(row));
    e
}

/// An error's row in the file's own numbering ([`Settings::first_row`]).
fn shift(mut e: SourceError, by: u64) -> SourceError {
    e.row = e.row.map(|row| row + by);
    e
}
