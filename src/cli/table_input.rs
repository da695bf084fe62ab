//! Opening a workbook or a Parquet file as the CLI's input: the file is read
//! by position through [`TableStream`], and the rest of the CLI reads the
//! canonical text it hands out as if it were the file.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::source::table::{checked_options, TableInfo, TableKind, TableStream};
use crate::source::SourceOptions;

/// The canonical text of a table, as a [`Read`].
pub struct TableRead {
    stream: TableStream,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for TableRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.stream.next_chunk() {
                Ok(Some(chunk)) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Ok(None) => return Ok(0),
                Err(e) => return Err(std::io::Error::other(e.to_string())),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Opens `path` as a table of `kind` at `sheet`.
pub fn open(
    path: &Path,
    name: &str,
    kind: TableKind,
    sheet: Option<&str>,
) -> Result<(TableRead, TableInfo), String> {
    let file = File::open(path).map_err(|e| format!("{name}: cannot open: {e}"))?;
    // Workbooks are read by small seeks and reads (a ZIP's entries):
    // buffered, or each one is a system call.
    let reader = std::io::BufReader::with_capacity(64 * 1024, file);
    let stream =
        TableStream::open(kind, Box::new(reader), sheet).map_err(|e| format!("{name}: {e}"))?;
    let info = stream.info().clone();
    Ok((
        TableRead {
            stream,
            chunk: Vec::new(),
            at: 0,
        },
        info,
    ))
}

/// The options the canonical text is read with; `--delimiter`,
/// `--encoding` and `--format` are refused for such a file.
pub fn options(info: &TableInfo, user: &SourceOptions) -> Result<SourceOptions, String> {
    checked_options(info, user, "--")
}
