//! Parquet → canonical NDJSON, a row group at a time. PLACEHOLDER: being written.

use super::{ReadSeek, TableInfo};
use crate::source::SourceError;

pub(super) struct ParquetRows;

impl ParquetRows {
    pub fn open(_reader: Box<dyn ReadSeek>) -> Result<(ParquetRows, TableInfo), SourceError> {
        Err(SourceError {
            row: None,
            message: "Parquet is not read yet".into(),
        })
    }

    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, SourceError> {
        Ok(None)
    }
}
