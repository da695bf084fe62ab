//! Converting one cell into the JSON text of a value, per the rule's `as`.

use serde_json::Value;

use crate::mapping::ValueKind;
use crate::text::trim;
use crate::time::{parse_timestamp, TimeError, TimeSpec, TimeWarning};
use crate::validate::Code;

/// A cell as it comes from the input.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// Text from a CSV field (or a string constant).
    Text(&'a str),
    /// A value from a JSON record (or a non-string constant).
    Json(&'a Value),
    /// The JSON record has no such field.
    Missing,
}

impl<'a> Cell<'a> {
    /// The cell's text, when it is text (a CSV field, a JSON string).
    pub fn text(&self) -> Option<&'a str> {
        match *self {
            Cell::Text(t) => Some(t),
            Cell::Json(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// Whether the cell counts as empty (`""`, null, missing; for the non-string
    /// kinds, white space only too).
    pub fn is_empty(&self, kind: ValueKind) -> bool {
        match self {
            Cell::Text(t) => t.is_empty() || (kind != ValueKind::String && trim(t).is_empty()),
            Cell::Json(Value::Null) | Cell::Missing => true,
            Cell::Json(Value::String(s)) => {
                s.is_empty() || (kind != ValueKind::String && s.trim().is_empty())
            }
            Cell::Json(_) => false,
        }
    }
}

/// What went wrong converting a cell.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertError {
    pub code: Code,
    pub message: String,
}

/// A converted value: nothing to add but, for timestamps, the instant and any warning.
#[derive(Debug, Default)]
pub struct Converted {
    pub millis: Option<i64>,
    pub warning: Option<String>,
}

/// Writes the JSON text of `cell` converted to `kind` onto `out`.
pub fn convert(
    cell: Cell<'_>,
    kind: ValueKind,
    time: Option<&TimeSpec>,
    out: &mut Vec<u8>,
) -> Result<Converted, ConvertError> {
    match kind {
        ValueKind::String => {
            match cell {
                Cell::Text(t) => write_str(out, t),
                Cell::Json(Value::String(s)) => write_str(out, s),
                Cell::Json(v) => write_str(out, &v.to_string()),
                Cell::Missing => out.extend_from_slice(b"null"),
            }
            Ok(Converted::default())
        }
        ValueKind::Number => {
            match cell {
                Cell::Json(Value::Number(n)) => write_display(out, n),
                _ => write_number(out, trim(&text_of(&cell)))
                    .map_err(|m| err(Code::InvalidNumber, m))?,
            }
            Ok(Converted::default())
        }
        ValueKind::Integer => {
            match cell {
                Cell::Json(Value::Number(n)) if n.is_i64() || n.is_u64() => write_display(out, n),
                _ => {
                    let t = text_of(&cell);
                    let t = trim(&t);
                    let n: i64 = t.parse().map_err(|_| {
                        err(Code::InvalidInteger, format!("{t:?} is not a whole number"))
                    })?;
                    // The text itself when it is how the number prints (the
                    // usual case: no `+`, no leading zeros, not `-0`).
                    let digits = t.strip_prefix('-').unwrap_or(t);
                    if digits.starts_with(|c: char| c.is_ascii_digit())
                        && (!digits.starts_with('0') || t == "0")
                    {
                        out.extend_from_slice(t.as_bytes());
                    } else {
                        write_display(out, &n);
                    }
                }
            }
            Ok(Converted::default())
        }
        ValueKind::Boolean => {
            let b = match cell {
                Cell::Json(Value::Bool(b)) => *b,
                _ => {
                    let t = text_of(&cell);
                    parse_bool(t.trim()).ok_or_else(|| {
                        err(
                            Code::InvalidBoolean,
                            format!("{:?} is not a boolean (true/false, yes/no, 1/0)", t.trim()),
                        )
                    })?
                }
            };
            out.extend_from_slice(if b { b"true" } else { b"false" });
            Ok(Converted::default())
        }
        ValueKind::Json => {
            let value: Value = match cell {
                Cell::Text(t) => serde_json::from_str(t)
                    .map_err(|e| err(Code::InvalidJson, format!("not valid JSON: {e}")))?,
                Cell::Json(Value::String(s)) => {
                    serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
                }
                Cell::Json(v) => v.clone(),
                Cell::Missing => Value::Null,
            };
            // OK because serializing a Value into a Vec cannot fail.
            serde_json::to_writer(&mut *out, &value).unwrap_or_default();
            Ok(Converted::default())
        }
        ValueKind::Timestamp => {
            let text = text_of(&cell);
            let default_spec = TimeSpec::default();
            let parsed =
                parse_timestamp(&text, time.unwrap_or(&default_spec)).map_err(|e| match e {
                    TimeError::Invalid(m) => err(Code::InvalidTimestamp, m),
                    TimeError::Ambiguous(m) => err(Code::AmbiguousDate, m),
                })?;
            let iso = parsed
                .iso
                .unwrap_or_else(|| crate::time::format_iso_millis(parsed.millis));
            out.push(b'"');
            out.extend_from_slice(&iso);
            out.push(b'"');
            Ok(Converted {
                millis: Some(parsed.millis),
                warning: parsed.warning.map(|TimeWarning::AmbiguousLocalTime(m)| m),
            })
        }
    }
}

/// Writes a number's text without a temporary `String` (this runs per row).
fn write_display(out: &mut Vec<u8>, n: &impl std::fmt::Display) {
    use std::io::Write;
    // OK because writing into a Vec cannot fail.
    let _ = write!(out, "{n}");
}

fn err(code: Code, message: String) -> ConvertError {
    ConvertError { code, message }
}

pub(super) fn text_of<'a>(cell: &Cell<'a>) -> std::borrow::Cow<'a, str> {
    match *cell {
        Cell::Text(t) => t.into(),
        Cell::Json(Value::String(s)) => s.as_str().into(),
        Cell::Json(v) => v.to_string().into(),
        Cell::Missing => "".into(),
    }
}

/// Writes a JSON string literal.
#[inline]
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    // Most cells need no escaping: copy them in one go (inlined: this runs
    // for most cells of every row), and leave the rest to serde_json.
    if !needs_escape(s.as_bytes()) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
    write_escaped(out, s);
}

/// A string with quotes, backslashes or control characters.
#[cold]
#[inline(never)]
fn write_escaped(out: &mut Vec<u8>, s: &str) {
    // OK because writing a &str into a Vec cannot fail.
    serde_json::to_writer(out, s).unwrap_or_default();
}

/// Whether a JSON string needs escapes: any byte below 0x20, `"` or `\\`.
/// Eight bytes at a time (this runs for most cells of every row): with
/// `LO = 0x0101…01` and `HI = 0x8080…80`, `(w - n·LO) & !w & HI` is non-zero
/// exactly when some byte of `w` is below `n` (for `n ≤ 0x80`), and a byte
/// equal to `c` is a zero byte of `w ^ c·LO`.
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    const LO: u64 = u64::from_ne_bytes([1; 8]);
    const HI: u64 = LO << 7;
    let below = |w: u64, n: u8| w.wrapping_sub(LO * n as u64) & !w & HI;
    let special = |w: u64| {
        below(w, 0x20) | below(w ^ (LO * b'"' as u64), 1) | below(w ^ (LO * b'\\' as u64), 1) != 0
    };
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    for word in words {
        // Always 8 bytes (`chunks_exact`): one load, no copy.
        match <[u8; 8]>::try_from(word) {
            Ok(w) if special(u64::from_ne_bytes(w)) => return true,
            _ => {}
        }
    }
    if tail.is_empty() {
        return false;
    }
    // The last 1..7 bytes as one more word, without a loop (short cells are
    // common: codes, countries, flags) and without copying them into a word
    // on the stack (the load would stall on the copy's stores): the word
    // overlapping the previous one; else two overlapping halves of 4 bytes;
    // else the first, middle and last bytes, which are all of 1..3 bytes.
    let n = bytes.len();
    let word = match (
        bytes.last_chunk::<8>(),
        bytes.first_chunk::<4>(),
        bytes.last_chunk::<4>(),
    ) {
        (Some(end), _, _) => u64::from_ne_bytes(*end),
        (None, Some(lo), Some(hi)) => {
            u64::from(u32::from_ne_bytes(*lo)) | u64::from(u32::from_ne_bytes(*hi)) << 32
        }
        _ => {
            const PAD: u64 = u64::from_ne_bytes([b'a'; 8]);
            let b = |i: usize| u64::from(bytes[i]);
            (PAD << 24) | b(0) | b(n / 2) << 8 | b(n - 1) << 16
        }
    };
    special(word)
}

/// Writes a number: the text itself when it already is a JSON number (so
/// `12.50` stays `12.50`), otherwise the parsed value (`+5` → `5`, `.5` → `0.5`).
fn write_number(out: &mut Vec<u8>, t: &str) -> Result<(), String> {
    // A JSON number without an exponent is finite below 309 digits: no need
    // to parse it (this runs for every number cell).
    if t.len() < 300 && !t.bytes().any(|b| b | 0x20 == b'e') && is_json_number(t) {
        out.extend_from_slice(t.as_bytes());
        return Ok(());
    }
    let n: f64 = t.parse().map_err(|_| format!("{t:?} is not a number"))?;
    if !n.is_finite() {
        return Err(format!("{t:?} is not a finite number"));
    }
    if is_json_number(t) {
        out.extend_from_slice(t.as_bytes());
    } else {
        // OK because a finite f64 always serializes.
        serde_json::to_writer(out, &n).unwrap_or_default();
    }
    Ok(())
}

/// The JSON number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn parse_bool(t: &str) -> Option<bool> {
    const TRUE: [&str; 5] = ["true", "yes", "1", "t", "y"];
    const FALSE: [&str; 5] = ["false", "no", "0", "f", "n"];
    if TRUE.iter().any(|w| w.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if FALSE.iter().any(|w| w.eq_ignore_ascii_case(t)) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(text: &str, kind: ValueKind) -> Result<String, ConvertError> {
        let mut out = Vec::new();
        convert(Cell::Text(text), kind, None, &mut out)
            .map(|_| String::from_utf8(out).unwrap_or_default())
    }

    #[test]
    fn string_escaping_matches_serde_json() {
        for t in [
            "plain",
            "naïve ✓",
            "q\"uote",
            "back\\slash",
            "tab\there",
            "\u{1}",
            "",
            "line\nbreak",
        ] {
            let mut out = Vec::new();
            write_str(&mut out, t);
            assert_eq!(out, serde_json::to_vec(t).unwrap_or_default(), "{t:?}");
        }
    }

    #[test]
    fn escapes_are_found_at_every_position_of_a_word() {
        for len in 0..20 {
            let plain = "a".repeat(len);
            assert!(!needs_escape(plain.as_bytes()), "{len}");
            assert!(!needs_escape("é✓~\u{7f} !#[]".as_bytes()));
            for at in 0..len {
                for bad in [b'"', b'\\', b'\n', 0, 0x1f] {
                    let mut b = plain.clone().into_bytes();
                    b[at] = bad;
                    assert!(needs_escape(&b), "{bad:#x} at {at} of {len}");
                }
                // Neighbours of the special bytes are not special.
                for fine in [b' ', b'!', b'#', b'[', b']', 0x80, 0xff] {
                    let mut b = plain.clone().into_bytes();
                    b[at] = fine;
                    assert!(!needs_escape(&b), "{fine:#x} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn strings_are_kept_exactly() {
        assert_eq!(
            conv("007", ValueKind::String).ok().as_deref(),
            Some("\"007\"")
        );
        assert_eq!(
            conv("12345678901234567890", ValueKind::String)
                .ok()
                .as_deref(),
            Some("\"12345678901234567890\"")
        );
        assert_eq!(
            conv("say \"hi\"\n", ValueKind::String).ok().as_deref(),
            Some(r#""say \"hi\"\n""#)
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            conv("12.50", ValueKind::Number).ok().as_deref(),
            Some("12.50")
        );
        assert_eq!(conv(" -3 ", ValueKind::Number).ok().as_deref(), Some("-3"));
        assert_eq!(conv("+5", ValueKind::Number).ok().as_deref(), Some("5.0"));
        assert_eq!(conv(".5", ValueKind::Number).ok().as_deref(), Some("0.5"));
        assert_eq!(conv("1e3", ValueKind::Number).ok().as_deref(), Some("1e3"));
        for bad in ["1,5", "abc", "1e999", "NaN", "inf"] {
            assert_eq!(
                conv(bad, ValueKind::Number).map_err(|e| e.code),
                Err(Code::InvalidNumber),
                "{bad}"
            );
        }
        assert_eq!(conv("42", ValueKind::Integer).ok().as_deref(), Some("42"));
        for (t, want) in [
            ("0", "0"),
            ("-0", "0"),
            ("+7", "7"),
            ("007", "7"),
            ("-12", "-12"),
        ] {
            assert_eq!(
                conv(t, ValueKind::Integer).ok().as_deref(),
                Some(want),
                "{t}"
            );
        }
        assert_eq!(
            conv("99999999999999999999", ValueKind::Integer).map_err(|e| e.code),
            Err(Code::InvalidInteger)
        );
        let long = format!("1{}.5", "0".repeat(400));
        assert_eq!(
            conv(&long, ValueKind::Number).map_err(|e| e.code),
            Err(Code::InvalidNumber),
            "not finite as a double"
        );
        assert_eq!(
            conv("4.2", ValueKind::Integer).map_err(|e| e.code),
            Err(Code::InvalidInteger)
        );
    }

    #[test]
    fn booleans_and_json() {
        for (t, want) in [
            ("TRUE", "true"),
            ("yes", "true"),
            ("1", "true"),
            ("No", "false"),
            ("0", "false"),
        ] {
            assert_eq!(
                conv(t, ValueKind::Boolean).ok().as_deref(),
                Some(want),
                "{t}"
            );
        }
        assert_eq!(
            conv("maybe", ValueKind::Boolean).map_err(|e| e.code),
            Err(Code::InvalidBoolean)
        );
        assert_eq!(
            conv(r#"{"a": [1, 2]}"#, ValueKind::Json).ok().as_deref(),
            Some(r#"{"a":[1,2]}"#)
        );
        assert_eq!(
            conv("{oops", ValueKind::Json).map_err(|e| e.code),
            Err(Code::InvalidJson)
        );
    }

    #[test]
    fn json_cells() {
        let v = serde_json::json!(12.5);
        let mut out = Vec::new();
        assert!(convert(Cell::Json(&v), ValueKind::String, None, &mut out).is_ok());
        assert_eq!(out, b"\"12.5\"");
        out.clear();
        assert!(convert(Cell::Json(&v), ValueKind::Number, None, &mut out).is_ok());
        assert_eq!(out, b"12.5");
        assert!(Cell::Json(&Value::Null).is_empty(ValueKind::String));
        assert!(Cell::Text("  ").is_empty(ValueKind::Number));
        assert!(!Cell::Text("  ").is_empty(ValueKind::String));
    }
}
