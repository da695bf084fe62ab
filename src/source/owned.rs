//! Owned copies of records and a sink that keeps them: for tests, previews
//! and small inputs. The streaming path never needs these.

use super::{Oversize, Record, RecordData, RecordSink};

/// The owned form of [`RecordData`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedData {
    /// CSV fields, each as raw bytes.
    Csv(Vec<Vec<u8>>),
    /// The bytes of one JSON value.
    Json(Vec<u8>),
    /// A record that was not kept (see [`RecordData::Oversize`]).
    Oversize(Oversize),
}

/// The owned form of [`Record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedRecord {
    pub row: u64,
    pub line: u64,
    pub offset: u64,
    pub data: OwnedData,
}

impl OwnedRecord {
    /// The CSV fields, if this is a CSV record.
    pub fn fields(&self) -> Option<&[Vec<u8>]> {
        match &self.data {
            OwnedData::Csv(fields) => Some(fields),
            OwnedData::Json(_) | OwnedData::Oversize(_) => None,
        }
    }

    /// The JSON bytes, if this is a JSON record.
    pub fn json(&self) -> Option<&[u8]> {
        match &self.data {
            OwnedData::Json(bytes) => Some(bytes),
            OwnedData::Csv(_) | OwnedData::Oversize(_) => None,
        }
    }

    /// Why the record was not kept, if it was not.
    pub fn oversize(&self) -> Option<Oversize> {
        match self.data {
            OwnedData::Oversize(o) => Some(o),
            OwnedData::Csv(_) | OwnedData::Json(_) => None,
        }
    }
}

impl Record<'_> {
    /// Copies the record out of the parser's buffers.
    pub fn to_owned_record(&self) -> OwnedRecord {
        let data = match self.data {
            RecordData::Csv(fields) => OwnedData::Csv(fields.iter().map(<[u8]>::to_vec).collect()),
            RecordData::Json(bytes) => OwnedData::Json(bytes.to_vec()),
            RecordData::Oversize(o) => OwnedData::Oversize(o),
        };
        OwnedRecord {
            row: self.row,
            line: self.line,
            offset: self.offset,
            data,
        }
    }
}

/// A [`RecordSink`] that keeps everything it is given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordBuffer {
    /// The header names, when there was a header row.
    pub header: Option<Vec<String>>,
    pub records: Vec<OwnedRecord>,
}

impl RecordSink for RecordBuffer {
    fn header(&mut self, names: &[String]) {
        self.header = Some(names.to_vec());
    }

    fn record(&mut self, record: Record<'_>) {
        self.records.push(record.to_owned_record());
    }
}
