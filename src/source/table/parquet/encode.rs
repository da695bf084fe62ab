//! Arrow record batches → canonical NDJSON lines, through arrow-json.
//!
//! arrow-json writes most types as they should read; this module decides the
//! rest, so that no value is silently changed:
//!
//! - decimals: JSON *strings* of their exact digits (`"1234.50"`): as JSON
//!   numbers the pipeline would read them as doubles, which have ~16
//!   significant digits. `as: number` sends such a string as a number with
//!   those digits, `as: integer` reads `"42"`;
//! - floats: NaN and infinities as the strings `"NaN"`, `"Infinity"`,
//!   `"-Infinity"` (arrow-json writes `null`, which would drop the value
//!   unseen). A mapped `"NaN"` is a missing value by the mapping's default
//!   list; `as: number` rejects an infinity with the reason;
//! - binary columns: their UTF-8 text (older writers store strings as
//!   binary); a value that is not UTF-8 stops reading with the row and
//!   column, since no JSON form of it would mean anything to Segment;
//! - durations: ISO 8601 (`PT90.5S`, `-PT3S`), exact at every unit;
//! - timestamps with a time zone: by [`super::zoned`] through jiff (arrow
//!   would need chrono-tz for named zones); beyond the years ±9999 they stop
//!   reading with the row and column;
//! - other dates, times and timestamps out of the range chrono writes
//!   (beyond ±262,000 years) stop reading with the row and column
//!   (arrow-json would write its error text as the value);
//! - intervals, and maps whose keys are not strings: the file is refused
//!   when it is opened, naming the column and its type.

use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::temporal_conversions::{as_datetime, as_time, date32_to_datetime};
use arrow_array::types::*;
use arrow_array::{Array, ArrowPrimitiveType, RecordBatch, StructArray};
use arrow_json::writer::{make_encoder, Encoder, EncoderFactory, EncoderOptions, NullableEncoder};
use arrow_schema::{ArrowError, DataType, Field, FieldRef, Fields, Schema, TimeUnit};

/// Writes record batches as NDJSON; remembers the first value that cannot
/// be written, which [`LineWriter::write`] turns into an error at its row.
#[derive(Debug)]
pub(super) struct LineWriter {
    options: EncoderOptions,
    problem: Problem,
}

/// The first value of a batch that could not be written, in words.
type Problem = Arc<Mutex<Option<String>>>;

impl LineWriter {
    pub fn new() -> LineWriter {
        let problem = Problem::default();
        let factory = Faithful {
            problem: problem.clone(),
        };
        LineWriter {
            options: EncoderOptions::default().with_encoder_factory(Arc::new(factory)),
            problem,
        }
    }

    /// Appends one line per row of `batch` to `out`. On a value that cannot
    /// be written: `Err((index of its row in the batch, what is wrong))`,
    /// with the rows before it written.
    pub fn write(&self, batch: &RecordBatch, out: &mut Vec<u8>) -> Result<(), (usize, String)> {
        let array = StructArray::from(batch.clone());
        let field: FieldRef = Arc::new(Field::new_struct(
            "",
            batch.schema().fields().clone(),
            false,
        ));
        let mut encoder =
            make_encoder(&field, &array, &self.options).map_err(|e| (0, e.to_string()))?;
        for row in 0..batch.num_rows() {
            let start = out.len();
            encoder.encode(row, out);
            if let Some(problem) = take(&self.problem) {
                out.truncate(start);
                return Err((row, problem));
            }
            out.push(b'\n');
        }
        Ok(())
    }
}

fn take(problem: &Problem) -> Option<String> {
    problem.lock().unwrap_or_else(|e| e.into_inner()).take()
}

fn report(problem: &Problem, message: String) {
    let mut slot = problem.lock().unwrap_or_else(|e| e.into_inner());
    slot.get_or_insert(message);
}

/// The column types refused when the file is opened, with the reason, in
/// the schema's order: `column (type): why`.
pub(super) fn refused_columns(schema: &Schema) -> Vec<String> {
    let mut refused = Vec::new();
    walk(schema.fields(), "", &mut |path, data_type| {
        let why = match data_type {
            DataType::Interval(_) => Some(
                "intervals (months, days and time together) have no JSON form Segment reads: \
                 write the column as a number of seconds or as text first",
            ),
            DataType::Map(entries, _) => match entries.data_type() {
                DataType::Struct(kv)
                    if kv.first().is_some_and(|k| {
                        matches!(
                            k.data_type(),
                            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                        )
                    }) =>
                {
                    None
                }
                _ => Some("a map whose keys are not text cannot be a JSON object"),
            },
            DataType::Union(_, _) => Some("unions are not read"),
            _ => None,
        };
        if let Some(why) = why {
            refused.push(format!("{path} ({data_type}): {why}"));
        }
    });
    refused
}

/// Notes on how some columns are written: decimals as strings, binary as
/// text, timestamps without a zone.
pub(super) fn notes(schema: &Schema) -> Vec<String> {
    let (mut decimals, mut binary, mut naive) = (Vec::new(), Vec::new(), Vec::new());
    walk(
        schema.fields(),
        "",
        &mut |path, data_type| match data_type {
            DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..) => decimals.push(path.to_string()),
            DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::FixedSizeBinary(_) => binary.push(path.to_string()),
            DataType::Timestamp(_, None) => naive.push(path.to_string()),
            _ => {}
        },
    );
    let mut notes = Vec::new();
    if !decimals.is_empty() {
        notes.push(format!(
            "decimal columns ({}) are read as text of their exact digits: \"as\": \"number\" \
             sends them as numbers with those digits",
            decimals.join(", ")
        ));
    }
    if !binary.is_empty() {
        notes.push(format!(
            "binary columns ({}) are read as UTF-8 text; a value that is not text stops the \
             import at its row",
            binary.join(", ")
        ));
    }
    if !naive.is_empty() {
        notes.push(format!(
            "timestamps without a time zone ({}) are read as local times: a timestamp rule's \
             \"timezone\" applies (default UTC)",
            naive.join(", ")
        ));
    }
    notes
}

/// Calls `visit(dot path, type)` for every field, nested ones included.
fn walk(fields: &Fields, prefix: &str, visit: &mut dyn FnMut(&str, &DataType)) {
    for field in fields {
        let path = if prefix.is_empty() {
            field.name().clone()
        } else {
            format!("{prefix}.{}", field.name())
        };
        visit(&path, field.data_type());
        match field.data_type() {
            DataType::Struct(children) => walk(children, &path, visit),
            DataType::List(item)
            | DataType::LargeList(item)
            | DataType::ListView(item)
            | DataType::LargeListView(item)
            | DataType::FixedSizeList(item, _) => walk(
                &Fields::from(vec![item.clone()]),
                &format!("{path}[]"),
                visit,
            ),
            DataType::Map(entries, _) => walk(&Fields::from(vec![entries.clone()]), &path, visit),
            _ => {}
        }
    }
}

/// The encoders that differ from arrow-json's (see the module docs).
#[derive(Debug)]
struct Faithful {
    problem: Problem,
}

impl EncoderFactory for Faithful {
    fn make_default_encoder<'a>(
        &self,
        field: &'a FieldRef,
        array: &'a dyn Array,
        _options: &'a EncoderOptions,
    ) -> Result<Option<NullableEncoder<'a>>, ArrowError> {
        let nulls = array.nulls().cloned();
        let problem = self.problem.clone();
        let name = field.name().as_str();
        let encoder: Box<dyn Encoder + 'a> = match array.data_type() {
            DataType::Float16 | DataType::Float32 | DataType::Float64 => {
                let value: Box<dyn Fn(usize) -> f64 + 'a> = match array.data_type() {
                    DataType::Float16 => {
                        let a = array.as_primitive::<Float16Type>();
                        Box::new(move |i| a.value(i).to_f64())
                    }
                    DataType::Float32 => {
                        let a = array.as_primitive::<Float32Type>();
                        Box::new(move |i| f64::from(a.value(i)))
                    }
                    _ => {
                        let a = array.as_primitive::<Float64Type>();
                        Box::new(move |i| a.value(i))
                    }
                };
                Box::new(FloatEncoder {
                    inner: make_encoder(field, array, plain_options())?,
                    value,
                })
            }
            DataType::Decimal32(_, scale) => decimal(array.as_primitive::<Decimal32Type>(), *scale),
            DataType::Decimal64(_, scale) => decimal(array.as_primitive::<Decimal64Type>(), *scale),
            DataType::Decimal128(_, scale) => {
                decimal(array.as_primitive::<Decimal128Type>(), *scale)
            }
            DataType::Decimal256(_, scale) => {
                decimal(array.as_primitive::<Decimal256Type>(), *scale)
            }
            DataType::Binary => text(array.as_binary::<i32>(), name, problem),
            DataType::LargeBinary => text(array.as_binary::<i64>(), name, problem),
            DataType::BinaryView => text(array.as_binary_view(), name, problem),
            DataType::FixedSizeBinary(_) => text(array.as_fixed_size_binary(), name, problem),
            DataType::Duration(unit) => Box::new(DurationEncoder {
                value: duration_values(array, *unit),
                digits: match unit {
                    TimeUnit::Second => 0,
                    TimeUnit::Millisecond => 3,
                    TimeUnit::Microsecond => 6,
                    TimeUnit::Nanosecond => 9,
                },
            }),
            DataType::Timestamp(unit, Some(tz)) => {
                let zone = super::zoned::zone_of(tz).map_err(|why| {
                    ArrowError::InvalidArgumentError(format!(
                        "{name} ({}): {why}",
                        field.data_type()
                    ))
                })?;
                Box::new(ZonedEncoder {
                    value: timestamp_values(array, *unit),
                    unit: *unit,
                    zone,
                    name: name.to_string(),
                    problem,
                })
            }
            DataType::Timestamp(..)
            | DataType::Date32
            | DataType::Date64
            | DataType::Time32(_)
            | DataType::Time64(_) => {
                // arrow-json's own encoder, once each value is known to be a
                // date it can write.
                let inner = make_encoder(field, array, plain_options())?;
                Box::new(TemporalEncoder {
                    inner,
                    array,
                    name: name.to_string(),
                    problem,
                })
            }
            _ => return Ok(None),
        };
        Ok(Some(NullableEncoder::new(encoder, nulls)))
    }
}

/// The default options, for arrow-json's own encoders inside ours (they
/// borrow their options for the batch's lifetime).
fn plain_options() -> &'static EncoderOptions {
    static PLAIN: std::sync::OnceLock<EncoderOptions> = std::sync::OnceLock::new();
    PLAIN.get_or_init(EncoderOptions::default)
}

/// arrow-json's encoder for finite values; NaN and infinities as strings.
struct FloatEncoder<'a> {
    inner: NullableEncoder<'a>,
    value: Box<dyn Fn(usize) -> f64 + 'a>,
}

impl Encoder for FloatEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        let v = (self.value)(idx);
        if v.is_nan() {
            out.extend_from_slice(b"\"NaN\"");
        } else if v == f64::INFINITY {
            out.extend_from_slice(b"\"Infinity\"");
        } else if v == f64::NEG_INFINITY {
            out.extend_from_slice(b"\"-Infinity\"");
        } else {
            self.inner.encode(idx, out);
        }
    }
}

fn decimal<'a, T: DecimalType>(
    array: &'a arrow_array::PrimitiveArray<T>,
    scale: i8,
) -> Box<dyn Encoder + 'a> {
    Box::new(DecimalEncoder { array, scale })
}

struct DecimalEncoder<'a, T: DecimalType> {
    array: &'a arrow_array::PrimitiveArray<T>,
    scale: i8,
}

impl<T: DecimalType> Encoder for DecimalEncoder<'_, T> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        // Digits, a sign and a point: nothing to escape.
        out.push(b'"');
        let text = T::format_decimal(self.array.value(idx), T::MAX_PRECISION, self.scale);
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    }
}

fn text<'a, A>(array: A, name: &str, problem: Problem) -> Box<dyn Encoder + 'a>
where
    A: arrow_array::ArrayAccessor<Item = &'a [u8]> + 'a,
{
    Box::new(TextEncoder {
        array,
        name: name.to_string(),
        problem,
    })
}

struct TextEncoder<A> {
    array: A,
    name: String,
    problem: Problem,
}

impl<'a, A: arrow_array::ArrayAccessor<Item = &'a [u8]>> Encoder for TextEncoder<A> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        let bytes = self.array.value(idx);
        match std::str::from_utf8(bytes) {
            // OK because writing a &str into a Vec cannot fail.
            Ok(s) => serde_json::to_writer(&mut *out, s).unwrap_or_default(),
            Err(_) => {
                out.extend_from_slice(b"null");
                report(
                    &self.problem,
                    format!(
                        "column {}: a binary value of {} bytes is not text (UTF-8), and binary \
                         data cannot be sent to Segment: drop or convert the column first",
                        self.name,
                        bytes.len()
                    ),
                );
            }
        }
    }
}

fn duration_values<'a>(array: &'a dyn Array, unit: TimeUnit) -> Box<dyn Fn(usize) -> i64 + 'a> {
    match unit {
        TimeUnit::Second => {
            let a = array.as_primitive::<DurationSecondType>();
            Box::new(move |i| a.value(i))
        }
        TimeUnit::Millisecond => {
            let a = array.as_primitive::<DurationMillisecondType>();
            Box::new(move |i| a.value(i))
        }
        TimeUnit::Microsecond => {
            let a = array.as_primitive::<DurationMicrosecondType>();
            Box::new(move |i| a.value(i))
        }
        TimeUnit::Nanosecond => {
            let a = array.as_primitive::<DurationNanosecondType>();
            Box::new(move |i| a.value(i))
        }
    }
}

/// A duration as ISO 8601 seconds: `PT90S`, `PT1.500S`, `-PT0.000001S`.
struct DurationEncoder<'a> {
    value: Box<dyn Fn(usize) -> i64 + 'a>,
    digits: u32,
}

impl Encoder for DurationEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        use std::io::Write;
        let v = (self.value)(idx);
        let per = 10u64.pow(self.digits);
        let magnitude = v.unsigned_abs();
        let sign = if v < 0 { "-" } else { "" };
        let (secs, frac) = (magnitude / per, magnitude % per);
        // OK because writing into a Vec cannot fail.
        let _ = if self.digits == 0 || frac == 0 {
            write!(out, "\"{sign}PT{secs}S\"")
        } else {
            let width = self.digits as usize;
            write!(out, "\"{sign}PT{secs}.{frac:0width$}S\"")
        };
    }
}

fn timestamp_values<'a>(array: &'a dyn Array, unit: TimeUnit) -> Box<dyn Fn(usize) -> i64 + 'a> {
    match unit {
        TimeUnit::Second => {
            let a = array.as_primitive::<TimestampSecondType>();
            Box::new(move |i| a.value(i))
        }
        TimeUnit::Millisecond => {
            let a = array.as_primitive::<TimestampMillisecondType>();
            Box::new(move |i| a.value(i))
        }
        TimeUnit::Microsecond => {
            let a = array.as_primitive::<TimestampMicrosecondType>();
            Box::new(move |i| a.value(i))
        }
        TimeUnit::Nanosecond => {
            let a = array.as_primitive::<TimestampNanosecondType>();
            Box::new(move |i| a.value(i))
        }
    }
}

/// A timestamp with a time zone, written by [`super::zoned`].
struct ZonedEncoder<'a> {
    value: Box<dyn Fn(usize) -> i64 + 'a>,
    unit: TimeUnit,
    zone: jiff::tz::TimeZone,
    name: String,
    problem: Problem,
}

impl Encoder for ZonedEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        let v = (self.value)(idx);
        if let Err(why) = super::zoned::write(v, self.unit, &self.zone, out) {
            out.extend_from_slice(b"null");
            report(
                &self.problem,
                format!(
                    "column {}: the timestamp {v} ({:?} since 1970) cannot be written: {why}: \
                     the file is damaged or the column is not what its type says",
                    self.name, self.unit
                ),
            );
        }
    }
}

/// arrow-json's encoder for a date, time or timestamp, after checking that
/// the value is a date it can write.
struct TemporalEncoder<'a> {
    inner: NullableEncoder<'a>,
    array: &'a dyn Array,
    name: String,
    problem: Problem,
}

impl Encoder for TemporalEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        if let Some(raw) = out_of_range(self.array, idx) {
            out.extend_from_slice(b"null");
            report(
                &self.problem,
                format!(
                    "column {} ({}): the value {raw} is not a date that can be written (beyond \
                     the years ±262,000): the file is damaged or the column is not what its \
                     type says",
                    self.name,
                    self.array.data_type()
                ),
            );
        } else {
            self.inner.encode(idx, out);
        }
    }
}

/// The raw value, when it is out of the range of dates chrono can write.
fn out_of_range(array: &dyn Array, idx: usize) -> Option<i64> {
    fn check<T: ArrowPrimitiveType>(array: &dyn Array, idx: usize, time: bool) -> Option<i64>
    where
        T::Native: Into<i64>,
    {
        let v: i64 = array.as_primitive::<T>().value(idx).into();
        let ok = if time {
            as_time::<T>(v).is_some()
        } else {
            as_datetime::<T>(v).is_some()
        };
        (!ok).then_some(v)
    }
    use DataType::*;
    match array.data_type() {
        Timestamp(TimeUnit::Second, _) => check::<TimestampSecondType>(array, idx, false),
        Timestamp(TimeUnit::Millisecond, _) => check::<TimestampMillisecondType>(array, idx, false),
        Timestamp(TimeUnit::Microsecond, _) => check::<TimestampMicrosecondType>(array, idx, false),
        Timestamp(TimeUnit::Nanosecond, _) => check::<TimestampNanosecondType>(array, idx, false),
        Date32 => {
            let v = array.as_primitive::<Date32Type>().value(idx);
            date32_to_datetime(v).is_none().then_some(i64::from(v))
        }
        Date64 => check::<Date64Type>(array, idx, false),
        Time32(TimeUnit::Second) => check::<Time32SecondType>(array, idx, true),
        Time32(_) => check::<Time32MillisecondType>(array, idx, true),
        Time64(TimeUnit::Microsecond) => check::<Time64MicrosecondType>(array, idx, true),
        Time64(_) => check::<Time64NanosecondType>(array, idx, true),
        _ => None,
    }
}
