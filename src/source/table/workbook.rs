//! Workbooks (calamine) → canonical CSV. PLACEHOLDER: being written.

use super::{ReadSeek, TableInfo, TableKind};
use crate::source::SourceError;

pub(super) struct SheetText;

impl SheetText {
    pub fn open(
        _kind: TableKind,
        _reader: Box<dyn ReadSeek>,
        _sheet: Option<&str>,
    ) -> Result<(SheetText, TableInfo), SourceError> {
        Err(SourceError {
            row: None,
            message: "workbooks are not read yet".into(),
        })
    }

    pub fn next_chunk(&mut self) -> Option<Vec<u8>> {
        None
    }
}
