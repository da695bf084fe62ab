//! A preview of a file from its first bytes: the sniffed settings, the
//! column names and the first rows as strings, for the UI and the CLI.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::archive::{archive_signs, ArchiveSigns};
use super::csv::CsvParser;
use super::json::{JsonArraySplitter, NdjsonSplitter};
use super::sniff::Sample;
use super::{Format, Record, RecordData, RecordSink, Settings, SourceError, SourceOptions};

/// What [`inspect`] saw in a sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    pub settings: Settings,
    /// Column names: the CSV header (or `column_1`...), or for JSON the
    /// top-level keys of the sampled objects in first-seen order.
    pub headers: Vec<String>,
    /// The first rows, one string per column (missing values are `""`).
    pub rows: Vec<Vec<String>>,
    /// Records read from the sample (may be more than `rows`).
    pub rows_sampled: usize,
    /// Why the records look like one of Segment's own archives, when they
    /// do: such a file is replayed unless the mapping says `replay: false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "js", tsify(optional))]
    pub archive: Option<ArchiveSigns>,
}

/// Sniffs `sample` like [`super::sniff`] and previews its first `max_rows`
/// records.
pub fn inspect(
    sample: &[u8],
    is_complete: bool,
    options: &SourceOptions,
    max_rows: usize,
) -> Result<Inspection, SourceError> {
    let sample = Sample::read(sample, is_complete, options)?;
    let settings = sample.settings.clone();
    let (headers, rows, rows_sampled) = match settings.format {
        Format::Csv => csv_preview(&sample, max_rows),
        Format::Ndjson | Format::Json => json_preview(&sample, max_rows)?,
    };
    Ok(Inspection {
        archive: archive_signs(&sample),
        settings,
        headers,
        rows,
        rows_sampled,
    })
}

type Preview = (Vec<String>, Vec<Vec<String>>, usize);

#[derive(Default)]
struct CsvRows {
    header: Option<Vec<String>>,
    rows: Vec<Vec<String>>,
    max_rows: usize,
    sampled: usize,
}

impl RecordSink for CsvRows {
    fn header(&mut self, names: &[String]) {
        self.header = Some(names.to_vec());
    }

    fn record(&mut self, record: Record<'_>) {
        self.sampled += 1;
        if let (RecordData::Csv(fields), true) = (record.data, self.rows.len() < self.max_rows) {
            self.rows.push(
                fields
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            );
        }
    }
}

fn csv_preview(sample: &Sample, max_rows: usize) -> Preview {
    let mut sink = CsvRows {
        max_rows,
        ..CsvRows::default()
    };
    let mut parser = CsvParser::new(sample.settings.delimiter, sample.settings.has_header);
    parser.push(sample.complete_lines(), &mut sink);
    parser.finish(&mut sink);
    let headers = sink.header.unwrap_or_else(|| {
        let width = sink.rows.iter().map(Vec::len).max().unwrap_or(0);
        (1..=width).map(|i| format!("column_{i}")).collect()
    });
    (headers, sink.rows, sink.sampled)
}

#[derive(Default)]
struct JsonValues {
    keys: Vec<String>,
    objects: Vec<Vec<(String, Value)>>,
    max_rows: usize,
    sampled: usize,
}

impl RecordSink for JsonValues {
    fn header(&mut self, _names: &[String]) {}

    fn record(&mut self, record: Record<'_>) {
        self.sampled += 1;
        let RecordData::Json(bytes) = record.data else {
            return;
        };
        // Values that are not objects, or not valid JSON, add no columns;
        // the real run reports them.
        let Ok(Ordered(fields)) = serde_json::from_slice::<Ordered>(bytes) else {
            return;
        };
        for (key, _) in &fields {
            if !self.keys.contains(key) {
                self.keys.push(key.clone());
            }
        }
        if self.objects.len() < self.max_rows {
            self.objects.push(fields);
        }
    }
}

fn json_preview(sample: &Sample, max_rows: usize) -> Result<Preview, SourceError> {
    let mut sink = JsonValues {
        max_rows,
        ..JsonValues::default()
    };
    if sample.settings.format == Format::Ndjson {
        let mut splitter = NdjsonSplitter::new();
        splitter.push(sample.complete_lines(), &mut sink);
        splitter.finish(&mut sink);
    } else {
        // The splitter hands out complete elements only, so a cut sample
        // needs no trimming; only a complete one must close its array.
        let mut splitter = JsonArraySplitter::new();
        splitter.push(&sample.text, &mut sink)?;
        if sample.complete {
            splitter.finish(&mut sink)?;
        }
    }
    let rows = sink
        .objects
        .iter()
        .map(|fields| {
            sink.keys
                .iter()
                .map(|key| {
                    fields
                        .iter()
                        .find(|(k, _)| k == key)
                        .map_or_else(String::new, |(_, v)| cell(v))
                })
                .collect()
        })
        .collect();
    Ok((sink.keys, rows, sink.sampled))
}

fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A JSON object's top-level members in document order (serde_json's `Map`
/// sorts keys unless its `preserve_order` feature is on).
struct Ordered(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor;
        impl<'de> Visitor<'de> for OrderedVisitor {
            type Value = Ordered;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut fields: Vec<(String, Value)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    // A repeated key: the last one wins, as in serde_json.
                    match fields.iter_mut().find(|(k, _)| *k == key) {
                        Some(field) => field.1 = value,
                        None => fields.push((key, value)),
                    }
                }
                Ok(Ordered(fields))
            }
        }
        deserializer.deserialize_map(OrderedVisitor)
    }
}
