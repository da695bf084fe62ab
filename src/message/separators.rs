//! Numbers written the way a locale writes them (`1.234,50`, `1 234,5`,
//! `3,50`), read with a rule's `decimal` and `thousands` separators into
//! plain ones before they are converted.

use super::convert::ConvertError;
use crate::mapping::ValueKind;
use crate::text::trim;
use crate::validate::Code;

/// A number rule's separators (`decimal`, `thousands`), for cells written
/// the way a locale writes numbers (`1.234,50`, `1 234,5`, `3,50`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separators {
    pub decimal: char,
    pub thousands: Option<char>,
}

impl Separators {
    /// The separators a rule names, if it names any (else the cell is read
    /// as before, with no extra work).
    pub fn of(decimal: Option<char>, thousands: Option<char>) -> Option<Separators> {
        (decimal.is_some() || thousands.is_some()).then(|| Separators {
            decimal: decimal.unwrap_or('.'),
            thousands,
        })
    }

    /// `text` as a plain number (`1234.50`), or why it is not one. Strict,
    /// so that nothing is misread: the thousands separator only between
    /// groups of exactly three digits (`1.5` with `.` for thousands is
    /// refused, never read as 15), a digit before the decimal separator, at
    /// least one after it.
    pub fn plain(&self, text: &str, kind: ValueKind) -> Result<String, ConvertError> {
        let t = trim(text);
        let code = if kind == ValueKind::Integer {
            Code::InvalidInteger
        } else {
            Code::InvalidNumber
        };
        let fail = |why: String| {
            let mut seps = format!("decimal separator {:?}", self.decimal);
            if let Some(k) = self.thousands {
                seps.push_str(&format!(", thousands separator {k:?}"));
            }
            ConvertError {
                code,
                message: format!("{t:?} is not a number with the rule's {seps}: {why}"),
            }
        };
        let mut out = String::with_capacity(t.len());
        let mut chars = t.chars().peekable();
        if let Some(&c) = chars.peek().filter(|c| matches!(c, '-' | '+')) {
            if c == '-' {
                out.push('-');
            }
            chars.next();
        }
        // The whole part, in groups when the thousands separator appears.
        let mut group = 0usize; // digits in the current group
        let mut groups = 0usize; // separators seen
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() {
                out.push(c);
                group += 1;
            } else if Some(c) == self.thousands {
                if group == 0 || (groups == 0 && group > 3) || (groups > 0 && group != 3) {
                    return Err(fail(format!(
                        "the thousands separator {c:?} stands only between groups of three digits"
                    )));
                }
                groups += 1;
                group = 0;
            } else {
                break;
            }
            chars.next();
        }
        if groups > 0 && group != 3 {
            return Err(fail(format!(
                "the thousands separator {:?} stands only between groups of three digits",
                self.thousands.unwrap_or_default()
            )));
        }
        if group == 0 {
            return Err(fail("no digit before the decimal separator".into()));
        }
        if chars.peek() == Some(&self.decimal) {
            chars.next();
            if kind == ValueKind::Integer {
                return Err(fail("a whole number has no decimal part".into()));
            }
            out.push('.');
            let mut digits = 0;
            while let Some(c) = chars.peek().copied().filter(char::is_ascii_digit) {
                out.push(c);
                digits += 1;
                chars.next();
            }
            if digits == 0 {
                return Err(fail("no digit after the decimal separator".into()));
            }
        }
        if kind == ValueKind::Number && matches!(chars.peek(), Some('e' | 'E')) {
            // An exponent, as in the default reading (`1,5e3`).
            out.extend(chars.next());
            out.extend(chars.next_if(|c| matches!(c, '+' | '-')));
            let start = out.len();
            out.extend(std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)));
            if out.len() == start {
                return Err(fail("no digit in the exponent".into()));
            }
        }
        match chars.next() {
            None => Ok(out),
            Some(c) if c == self.decimal => Err(fail("a second decimal separator".into())),
            Some(c) if Some(c) == self.thousands => Err(fail(format!(
                "the thousands separator {c:?} after the decimal part"
            ))),
            Some(c @ ('.' | ',' | '\'' | '_')) => Err(fail(format!(
                "{c:?} is neither the decimal nor the thousands separator"
            ))),
            Some(c) => Err(fail(format!("{c:?} is not part of a number"))),
        }
    }
}
