//! The whole input chain: gunzip? → decode → CSV | NDJSON | JSON array.
//!
//! Call order: [`RecordReader::push`] for each chunk, then
//! [`RecordReader::finish`] once. Pushing after `finish` is an error.

use super::csv::CsvParser;
use super::decode::Decoder;
use super::gzip::Gunzip;
use super::json::{JsonArraySplitter, NdjsonSplitter};
use super::{Compression, Format, RecordSink, Settings, SourceError};

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

/// Reads a file pushed in chunks of any size and hands out its records.
#[derive(Debug)]
pub struct RecordReader {
    gunzip: Option<Gunzip>,
    decoder: Decoder,
    parser: Parser,
    /// Decompressed bytes, reused between pushes.
    plain: Vec<u8>,
    /// Decoded text, reused between pushes.
    text: Vec<u8>,
    bytes_in: u64,
    finished: bool,
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
            decoder: Decoder::new(settings.encoding),
            parser,
            plain: Vec::new(),
            text: Vec::new(),
            bytes_in: 0,
            finished: false,
        }
    }

    /// Raw bytes pushed so far (before decompression), for progress.
    pub fn bytes_in(&self) -> u64 {
        self.bytes_in
    }

    /// The row number the next record will get: every row below it has
    /// been handed out from the bytes pushed so far.
    pub fn next_row(&self) -> u64 {
        self.parser.next_row()
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
        let mut plain = std::mem::take(&mut self.plain);
        let result = self.push_plain(chunk, &mut plain, sink);
        plain.clear();
        self.plain = plain;
        result
    }

    /// Ends the file: hands out the last record and checks nothing is cut off.
    pub fn finish<S: RecordSink>(&mut self, sink: &mut S) -> Result<(), SourceError> {
        if std::mem::replace(&mut self.finished, true) {
            return Err(SourceError {
                row: None,
                message: "finish called twice".into(),
            });
        }
        let mut plain = std::mem::take(&mut self.plain);
        if let Some(gunzip) = &mut self.gunzip {
            let row = self.parser.next_row();
            gunzip.finish(&mut plain).map_err(|e| at_row(e, row))?;
        }
        self.decode_and_parse(&plain, sink)?;
        self.text.clear();
        self.decoder.finish(&mut self.text);
        self.parser.push(&self.text, sink)?;
        self.parser.finish(sink)
    }

    fn push_plain<S: RecordSink>(
        &mut self,
        chunk: &[u8],
        plain: &mut Vec<u8>,
        sink: &mut S,
    ) -> Result<(), SourceError> {
        match &mut self.gunzip {
            Some(gunzip) => {
                let row = self.parser.next_row();
                gunzip.push(chunk, plain).map_err(|e| at_row(e, row))?;
                self.decode_and_parse(plain, sink)
            }
            None => self.decode_and_parse(chunk, sink),
        }
    }

    fn decode_and_parse<S: RecordSink>(
        &mut self,
        bytes: &[u8],
        sink: &mut S,
    ) -> Result<(), SourceError> {
        if self.decoder.is_passthrough() {
            // Plain UTF-8: no copy.
            return self.parser.push(bytes, sink);
        }
        self.text.clear();
        self.decoder.push(bytes, &mut self.text);
        self.parser.push(&self.text, sink)
    }
}

fn at_row(mut e: SourceError, row: u64) -> SourceError {
    e.row = e.row.or(Some(row));
    e
}
