//! Parquet → canonical NDJSON, a row group at a time.
//!
//! The footer is read and checked first (a file cut short is named as such),
//! with every codec the column chunks use. Then each row group's column
//! chunks are read from the file in one piece, handed to parquet's arrow
//! reader in batches of [`BATCH_ROWS`] rows, and each batch is written as
//! NDJSON lines ([`encode`]). Memory follows a row group (its compressed
//! bytes, plus one decoded batch), never the file.
//!
//! parquet's readers take a [`ChunkReader`], which must be `Send + Sync`;
//! the file is a `Box<dyn ReadSeek>` (a `Blob` in a worker is neither), so
//! the row group's bytes are read here and served from memory.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use ::parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use ::parquet::errors::ParquetError;
use ::parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use ::parquet::file::reader::{ChunkReader, Length};
use arrow_array::RecordBatch;
use bytes::{Buf, Bytes};

use super::{ReadSeek, TableInfo, TableKind, CHUNK_BYTES};
use crate::source::SourceError;

mod codecs;
mod encode;
mod zoned;

/// Rows decoded at a time: a few thousand keeps a batch's columns small
/// whatever the row group's size.
const BATCH_ROWS: usize = 4096;

/// The most bytes of footer metadata read (a damaged length could ask for
/// the whole file). Real footers are kilobytes to a few megabytes.
const MAX_METADATA_BYTES: u64 = 64 * 1024 * 1024;

const MAGIC: &[u8; 4] = b"PAR1";
const CUT_SHORT: &str = "the file may be cut short (an interrupted download or copy)";

pub(super) struct ParquetRows {
    reader: Box<dyn ReadSeek>,
    file_len: u64,
    metadata: ArrowReaderMetadata,
    writer: encode::LineWriter,
    /// The next row group to open.
    next_group: usize,
    /// The row group being read, its first row and the rows handed out.
    current: Option<Group>,
    /// The row number of the next row group's first row.
    next_row: u64,
    /// An error met after some text of the chunk was written: handed out on
    /// the next call, once that text has been read.
    failed: Option<SourceError>,
    done: bool,
}

struct Group {
    index: usize,
    first_row: u64,
    rows: u64,
    written: u64,
    batches: ParquetRecordBatchReader,
}

impl ParquetRows {
    pub fn open(mut reader: Box<dyn ReadSeek>) -> Result<(ParquetRows, TableInfo), SourceError> {
        let (metadata, file_len) = read_metadata(&mut reader)?;
        let codecs = codecs::codecs(&metadata);
        if let Some(why) = codecs
            .iter()
            .find_map(|c| codecs::refusal(*c, codecs::ZSTD_BUILT))
        {
            return Err(error(why));
        }
        let metadata = ArrowReaderMetadata::try_new(Arc::new(metadata), ArrowReaderOptions::new())
            .map_err(|e| error(format!("the Parquet file's columns cannot be read: {e}")))?;
        let schema = metadata.schema().clone();
        let refused = encode::refused_columns(&schema);
        if !refused.is_empty() {
            return Err(error(format!(
                "this Parquet file has columns that cannot be read as JSON: {}",
                refused.join("; ")
            )));
        }
        let writer = encode::LineWriter::new();
        // Every column's encoder, built once on no rows: a type arrow-json
        // refuses is refused now rather than at the first row.
        writer
            .write(&RecordBatch::new_empty(schema.clone()), &mut Vec::new())
            .map_err(|(_, e)| {
                error(format!(
                    "this Parquet file has columns that cannot be read as JSON: {e}"
                ))
            })?;
        let md = metadata.metadata();
        let info = TableInfo {
            kind: TableKind::Parquet,
            sheets: Vec::new(),
            sheet: None,
            first_row: 1,
            rows: u64::try_from(md.file_metadata().num_rows()).ok(),
            row_groups: Some(md.num_row_groups() as u64),
            codecs: codecs
                .iter()
                .map(|c| codecs::name(*c).to_string())
                .collect(),
            notes: encode::notes(&schema),
        };
        let rows = ParquetRows {
            reader,
            file_len,
            metadata,
            writer,
            next_group: 0,
            current: None,
            next_row: 1,
            failed: None,
            done: false,
        };
        Ok((rows, info))
    }

    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, SourceError> {
        if let Some(e) = self.failed.take() {
            self.done = true;
            return Err(e);
        }
        if self.done {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(CHUNK_BYTES + CHUNK_BYTES / 4);
        while out.len() < CHUNK_BYTES {
            let batch = match self.next_batch() {
                Ok(Some(batch)) => batch,
                Ok(None) => {
                    self.done = true;
                    break;
                }
                Err(e) => return self.fail(out, e),
            };
            let Some(group) = self.current.as_mut() else {
                break;
            };
            let first = group.first_row + group.written;
            group.written += batch.num_rows() as u64;
            if let Err((index, why)) = self.writer.write(&batch, &mut out) {
                let e = SourceError {
                    row: Some(first + index as u64),
                    message: why,
                };
                return self.fail(out, e);
            }
        }
        Ok((!out.is_empty()).then_some(out))
    }

    /// Hands out the text written before an error, then the error.
    fn fail(&mut self, out: Vec<u8>, e: SourceError) -> Result<Option<Vec<u8>>, SourceError> {
        if out.is_empty() {
            self.done = true;
            Err(e)
        } else {
            self.failed = Some(e);
            Ok(Some(out))
        }
    }

    /// The next batch of rows, opening the next row group when one ends.
    fn next_batch(&mut self) -> Result<Option<RecordBatch>, SourceError> {
        loop {
            if let Some(group) = &mut self.current {
                match group.batches.next() {
                    Some(Ok(batch)) if batch.num_rows() == 0 => continue,
                    Some(Ok(batch)) => return Ok(Some(batch)),
                    Some(Err(e)) => return Err(self.damaged(&e.to_string())),
                    None if group.written != group.rows => {
                        let why = format!(
                            "its metadata says {} rows, its pages hold {}",
                            group.rows, group.written
                        );
                        return Err(self.damaged(&why));
                    }
                    None => self.current = None,
                }
            }
            let md = self.metadata.metadata().clone();
            let Some(group) = md.row_groups().get(self.next_group) else {
                return Ok(None);
            };
            let index = self.next_group;
            let rows = u64::try_from(group.num_rows()).unwrap_or(0);
            let first_row = self.next_row;
            self.next_group += 1;
            self.next_row += rows;
            self.current = Some(Group {
                index,
                first_row,
                rows,
                written: 0,
                batches: self.open_group(index, first_row, rows)?,
            });
        }
    }

    /// Reads row group `index`'s column chunks and starts decoding them.
    fn open_group(
        &mut self,
        index: usize,
        first_row: u64,
        rows: u64,
    ) -> Result<ParquetRecordBatchReader, SourceError> {
        let md = self.metadata.metadata();
        let describe = || describe_group(index, md.num_row_groups(), first_row, rows);
        let mut ranges: Vec<(u64, u64)> = md
            .row_group(index)
            .columns()
            .iter()
            .map(chunk_range)
            .collect();
        ranges.sort_unstable();
        // Adjacent or overlapping chunks are read as one piece (writers put a
        // row group's chunks one after the other).
        let mut pieces: Vec<(u64, u64)> = Vec::new();
        for (start, end) in ranges {
            match pieces.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => pieces.push((start, end)),
            }
        }
        let mut parts = Vec::with_capacity(pieces.len());
        for (start, end) in pieces {
            let bytes =
                read_range(&mut self.reader, start, end - start).map_err(|e| SourceError {
                    row: Some(first_row),
                    message: format!("{} cannot be read: {e}: {CUT_SHORT}", describe()),
                })?;
            parts.push(Part {
                start,
                bytes: Bytes::from(bytes),
            });
        }
        let chunks = RowGroupBytes {
            file_len: self.file_len,
            parts: Arc::new(parts),
        };
        ParquetRecordBatchReaderBuilder::new_with_metadata(chunks, self.metadata.clone())
            .with_row_groups(vec![index])
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| SourceError {
                row: Some(first_row),
                message: format!("{} cannot be read: {e}: the file is damaged", describe()),
            })
    }

    /// The error for a row group whose pages cannot be decoded.
    fn damaged(&self, why: &str) -> SourceError {
        let md = self.metadata.metadata();
        match &self.current {
            Some(g) => SourceError {
                row: Some(g.first_row),
                message: format!(
                    "{} cannot be read: {why}: the file is damaged",
                    describe_group(g.index, md.num_row_groups(), g.first_row, g.rows)
                ),
            },
            None => error(format!("the Parquet file cannot be read: {why}")),
        }
    }
}

fn describe_group(index: usize, groups: usize, first_row: u64, rows: u64) -> String {
    let last = first_row + rows.saturating_sub(1);
    format!(
        "row group {} of {groups} (rows {}–{})",
        index + 1,
        crate::report::group_digits(&first_row.to_string()),
        crate::report::group_digits(&last.to_string())
    )
}

fn error(message: String) -> SourceError {
    SourceError { row: None, message }
}

/// Where a column chunk's bytes lie (`start..end`), checked against the
/// file when the footer is read.
fn chunk_range(column: &::parquet::file::metadata::ColumnChunkMetaData) -> (u64, u64) {
    let start = column
        .dictionary_page_offset()
        .unwrap_or(column.data_page_offset());
    let start = u64::try_from(start).unwrap_or(0);
    let len = u64::try_from(column.compressed_size()).unwrap_or(0);
    (start, start.saturating_add(len))
}

fn read_range(reader: &mut Box<dyn ReadSeek>, start: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let len = usize::try_from(len)
        .map_err(|_| std::io::Error::other("the range is too large for this machine"))?;
    reader.seek(SeekFrom::Start(start))?;
    let mut bytes = vec![0; len];
    reader.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// Reads and checks the footer: the metadata, every column chunk within the
/// file.
fn read_metadata(reader: &mut Box<dyn ReadSeek>) -> Result<(ParquetMetaData, u64), SourceError> {
    let io = |e: std::io::Error| error(format!("the Parquet file cannot be read: {e}"));
    let file_len = reader.seek(SeekFrom::End(0)).map_err(io)?;
    if file_len < 12 {
        return Err(error(format!(
            "this file is too short to be a Parquet file ({file_len} bytes): {CUT_SHORT}"
        )));
    }
    let head = read_range(reader, 0, 4).map_err(io)?;
    if head != MAGIC {
        return Err(error(
            "this is not a Parquet file (it does not start with PAR1)".to_string(),
        ));
    }
    let tail = read_range(reader, file_len - 8, 8).map_err(io)?;
    match &tail[4..] {
        b"PAR1" => {}
        b"PARE" => {
            return Err(error(
                "this Parquet file is encrypted, which segment-backfill cannot read: export it \
                 without encryption"
                    .to_string(),
            ))
        }
        _ => {
            return Err(error(format!(
                "the end of this Parquet file is missing (its footer, which says what it holds, \
                 should end with PAR1): {CUT_SHORT}"
            )))
        }
    }
    let meta_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    let data_end = file_len - 8;
    if meta_len > data_end - 4 {
        return Err(error(format!(
            "the Parquet footer is damaged (it says its metadata takes {meta_len} bytes, the \
             file has {file_len}): {CUT_SHORT}"
        )));
    }
    if meta_len > MAX_METADATA_BYTES {
        return Err(error(format!(
            "the Parquet footer says its metadata takes {meta_len} bytes, more than the {} read \
             here: the file is damaged",
            MAX_METADATA_BYTES
        )));
    }
    let meta_start = data_end - meta_len;
    let bytes = read_range(reader, meta_start, meta_len).map_err(io)?;
    let metadata = ParquetMetaDataReader::decode_metadata(&bytes).map_err(|e| {
        error(format!(
            "the Parquet footer is damaged ({e}): {CUT_SHORT}, or it is not a Parquet file"
        ))
    })?;
    for (g, group) in metadata.row_groups().iter().enumerate() {
        let bad_rows = group.num_rows() < 0;
        for column in group.columns() {
            let start = column
                .dictionary_page_offset()
                .unwrap_or(column.data_page_offset());
            let len = column.compressed_size();
            let outside =
                start < 4 || len < 0 || (start as u64).saturating_add(len as u64) > meta_start;
            if outside || bad_rows {
                return Err(error(format!(
                    "the Parquet metadata is damaged: row group {}, column {}, lies outside the \
                     file's data: {CUT_SHORT}",
                    g + 1,
                    column.column_path()
                )));
            }
        }
    }
    Ok((metadata, file_len))
}

/// A row group's column chunks in memory, served to parquet's reader by
/// their offsets in the file.
#[derive(Clone)]
struct RowGroupBytes {
    file_len: u64,
    parts: Arc<Vec<Part>>,
}

struct Part {
    start: u64,
    bytes: Bytes,
}

impl RowGroupBytes {
    /// The bytes from `start` to the end of the piece that holds it.
    fn from(&self, start: u64) -> Result<Bytes, ParquetError> {
        self.parts
            .iter()
            .find(|p| start >= p.start && start - p.start <= p.bytes.len() as u64)
            .map(|p| p.bytes.slice((start - p.start) as usize..))
            .ok_or_else(|| {
                ParquetError::General(format!(
                    "offset {start} is outside the row group's column chunks"
                ))
            })
    }
}

impl Length for RowGroupBytes {
    fn len(&self) -> u64 {
        self.file_len
    }
}

impl ChunkReader for RowGroupBytes {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> Result<Self::T, ParquetError> {
        Ok(self.from(start)?.reader())
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<Bytes, ParquetError> {
        let rest = self.from(start)?;
        if length > rest.len() {
            return Err(ParquetError::EOF(format!(
                "{length} bytes at offset {start} run past the column chunk"
            )));
        }
        Ok(rest.slice(..length))
    }
}
