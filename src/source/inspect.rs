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
use crate::mapping::{MissingSeen, MissingTokens};

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
    /// Missing-value tokens (`NA`, `NULL`...) seen in the sampled records,
    /// per column, in column order. Read with the default list
    /// ([`crate::mapping::DEFAULT_MISSING`]): there is no mapping yet. For
    /// JSON, string values only (a mapped one counts as empty; an unmapped
    /// one is sent as it is).
    pub missing: Vec<MissingSeen>,
    /// Up to [`SUGGESTION_ROWS`] records of the sample as cells (the
    /// preview's rows first): what the mapping suggestion reads, so a type
    /// or a date order is decided from the whole sample, not from the
    /// preview alone. Not serialized: it is the preview's rows and more.
    #[serde(skip)]
    pub sampled: Vec<Vec<String>>,
}

/// How many sampled records the suggestion reads at most (the sample's
/// size bounds them too).
pub const SUGGESTION_ROWS: usize = 2_000;

/// Counts of (column index, token index).
#[derive(Default)]
struct MissingCounts(Vec<(usize, usize, u64)>);

impl MissingCounts {
    fn add(&mut self, tokens: &MissingTokens, column: usize, text: &str) {
        let Some(token) = tokens.token_of(text) else {
            return;
        };
        let t = tokens.tokens().iter().position(|k| k == token).unwrap_or(0);
        match self.0.iter_mut().find(|(c, k, _)| (*c, *k) == (column, t)) {
            Some(entry) => entry.2 += 1,
            None => self.0.push((column, t, 1)),
        }
    }

    fn seen(mut self, tokens: &MissingTokens, headers: &[String]) -> Vec<MissingSeen> {
        self.0.sort_unstable();
        self.0
            .into_iter()
            .filter_map(|(c, t, count)| {
                Some(MissingSeen {
                    column: headers.get(c)?.clone(),
                    token: tokens.tokens().get(t)?.clone(),
                    count,
                })
            })
            .collect()
    }
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
    let tokens = MissingTokens::default();
    let kept = max_rows.max(SUGGESTION_ROWS);
    let (headers, sampled, rows_sampled, missing) = match settings.format {
        Format::Csv => csv_preview(&sample, kept, &tokens),
        Format::Ndjson | Format::Json => json_preview(&sample, kept, &tokens)?,
    };
    let rows = sampled.iter().take(max_rows).cloned().collect();
    let missing = missing.seen(&tokens, &headers);
    Ok(Inspection {
        archive: archive_signs(&sample),
        settings,
        headers,
        rows,
        rows_sampled,
        missing,
        sampled,
    })
}

type Preview = (Vec<String>, Vec<Vec<String>>, usize, MissingCounts);

struct CsvRows<'t> {
    header: Option<Vec<String>>,
    rows: Vec<Vec<String>>,
    max_rows: usize,
    sampled: usize,
    tokens: &'t MissingTokens,
    missing: MissingCounts,
}

impl RecordSink for CsvRows<'_> {
    fn header(&mut self, names: &[String]) {
        self.header = Some(names.to_vec());
    }

    fn record(&mut self, record: Record<'_>) {
        self.sampled += 1;
        if let RecordData::Csv(fields) = record.data {
            for (i, f) in fields.iter().enumerate() {
                if let Ok(text) = std::str::from_utf8(f) {
                    self.missing.add(self.tokens, i, text);
                }
            }
        }
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

fn csv_preview(sample: &Sample, max_rows: usize, tokens: &MissingTokens) -> Preview {
    let mut sink = CsvRows {
        header: None,
        rows: Vec::new(),
        max_rows,
        sampled: 0,
        tokens,
        missing: MissingCounts::default(),
    };
    let mut parser = CsvParser::new(sample.settings.delimiter, sample.settings.has_header);
    parser.push(sample.complete_lines(), &mut sink);
    parser.finish(&mut sink);
    let headers = sink.header.unwrap_or_else(|| {
        let width = sink.rows.iter().map(Vec::len).max().unwrap_or(0);
        (1..=width).map(|i| format!("column_{i}")).collect()
    });
    (headers, sink.rows, sink.sampled, sink.missing)
}

struct JsonValues<'t> {
    keys: Vec<String>,
    objects: Vec<Vec<(String, Value)>>,
    max_rows: usize,
    sampled: usize,
    tokens: &'t MissingTokens,
    missing: MissingCounts,
}

impl RecordSink for JsonValues<'_> {
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
        for (key, value) in &fields {
            let column = match self.keys.iter().position(|k| k == key) {
                Some(c) => c,
                None => {
                    self.keys.push(key.clone());
                    self.keys.len() - 1
                }
            };
            if let Value::String(text) = value {
                self.missing.add(self.tokens, column, text);
            }
        }
        if self.objects.len() < self.max_rows {
            self.objects.push(fields);
        }
    }
}

fn json_preview(
    sample: &Sample,
    max_rows: usize,
    tokens: &MissingTokens,
) -> Result<Preview, SourceError> {
    let mut sink = JsonValues {
        keys: Vec::new(),
        objects: Vec::new(),
        max_rows,
        sampled: 0,
        tokens,
        missing: MissingCounts::default(),
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
    Ok((sink.keys, rows, sink.sampled, sink.missing))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(text: &str) -> Vec<(String, String, u64)> {
        let found = inspect(text.as_bytes(), true, &SourceOptions::default(), 2).expect("reads");
        found
            .missing
            .into_iter()
            .map(|m| (m.column, m.token, m.count))
            .collect()
    }

    #[test]
    fn missing_tokens_are_counted_per_column_over_the_whole_sample() {
        let csv = "id,dep_delay,tailnum,note\n1,NA,N1,\n2,3,NA,-\n3,NA,N2,NA \n4,NULL,N3,None\n";
        let s = |c: &str, t: &str, n| (c.to_string(), t.to_string(), n);
        assert_eq!(
            seen(csv),
            vec![
                s("dep_delay", "NA", 2),
                s("dep_delay", "NULL", 1),
                s("tailnum", "NA", 1),
                s("note", "NA", 1),
                s("note", "None", 1),
                s("note", "-", 1),
            ],
            "rows past the 2 previewed count too; the empty cell is not a token"
        );
        let ndjson = "{\"a\":\"NA\",\"b\":null,\"c\":1}\n{\"a\":\"x\",\"c\":\"null\"}\n";
        assert_eq!(
            seen(ndjson),
            vec![s("a", "NA", 1), s("c", "null", 1)],
            "JSON null is not a token; the string \"null\" is"
        );
        assert!(seen("a,b\nNorth America,na\n").is_empty());
    }
}
