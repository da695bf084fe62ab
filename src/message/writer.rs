//! Writing one row's message: each leaf converted straight into the output
//! in the order of the message, the columns no rule names after them, and
//! the member keys written as fixed-size copies. [`super::MessageBuilder`]
//! plans the message once per file; this runs for every row.

use serde_json::Value;

use super::convert::{self, convert, Cell, ConvertError};
use super::{issue, CellSource, Leaf, Node, NodeKind, RestPlan, Row, Special};
use crate::mapping::{
    CallType, EmptyPolicy, InvalidPolicy, MissingTally, MissingTokens, ValueKind,
};
use crate::validate::{Code, Issue};

#[inline(always)] // it was, before `missing_note` used it too (this runs per cell)
pub(super) fn cell_of<'a>(source: &'a CellSource, input: Row<'a>) -> Result<Cell<'a>, String> {
    match (source, input) {
        (CellSource::Constant(Value::String(s)), _) => Ok(Cell::Text(s)),
        (CellSource::Constant(v), _) => Ok(Cell::Json(v)),
        (CellSource::Column(i), Row::CsvText(_, text)) => Ok(text.get(*i).map_or(Cell::Missing, Cell::Text)),
        (CellSource::Column(i), Row::Csv(fields)) => match fields.get(*i) {
            None => Ok(Cell::Missing),
            Some(bytes) => std::str::from_utf8(bytes).map(Cell::Text).map_err(|_| {
                "the cell is not valid UTF-8 text; is the file's encoding right? (try --encoding windows-1252)"
                    .to_string()
            }),
        },
        (CellSource::JsonPath(path), Row::Json(object)) => {
            let mut cur: Option<&Value> = None;
            for (n, key) in path.iter().enumerate() {
                cur = if n == 0 { object.get(key) } else { cur.and_then(|v| v.get(key)) };
            }
            Ok(cur.map_or(Cell::Missing, Cell::Json))
        }
        _ => Ok(Cell::Missing),
    }
}

/// `{"type":"…"`: how every message starts.
pub(super) fn write_type(out: &mut Vec<u8>, call_type: CallType) {
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(call_type.as_str().as_bytes());
    out.push(b'"');
}

/// What converting one row's leaves needs, and what it finds.
pub(super) struct LeafWriter<'b, 'r> {
    pub(super) leaves: &'b [Leaf],
    pub(super) special: Special,
    /// Where each leaf's value was written in the output.
    pub(super) spans: &'b mut [Option<(usize, usize)>],
    pub(super) event: &'b mut String,
    /// The leaf of each issue pushed, to put them back in rule order.
    pub(super) issue_leaves: &'b mut Vec<usize>,
    pub(super) rest: &'b RestPlan,
    /// Cell texts that count as empty (the mapping's `missing` list).
    pub(super) missing: &'b MissingTokens,
    /// The tokens read as empty, per column, for the report.
    pub(super) tally: &'b mut MissingTally,
    pub(super) input: Row<'r>,
    pub(super) row: u64,
    pub(super) issues: &'b mut Vec<Issue>,
    pub(super) ok: bool,
    pub(super) millis: Option<i64>,
    /// The first `rest` column whose cell is not text.
    pub(super) bad_rest: Option<String>,
}

impl LeafWriter<'_, '_> {
    /// Writes `nodes` (an object's members) onto `out`, each as
    /// `,"name":value`: every object's first comma becomes its `{` once the
    /// object is done (so no member has to know whether it comes first).
    pub(super) fn write_nodes(&mut self, nodes: &[Node], out: &mut Vec<u8>) {
        for node in nodes {
            let mark = out.len();
            node.key.write(out);
            match &node.kind {
                NodeKind::Leaf(i) => {
                    let start = out.len();
                    if self.convert_leaf(*i, out) {
                        self.spans[*i] = Some((start, out.len()));
                    } else {
                        out.truncate(mark); // empty, or refused
                    }
                }
                NodeKind::Object {
                    children,
                    rest: is_rest,
                } => {
                    let body = out.len();
                    self.write_nodes(children, out);
                    if *is_rest {
                        if let Err(column) =
                            write_rest(self.rest, self.missing, self.tally, self.input, out)
                        {
                            self.bad_rest.get_or_insert(column);
                        }
                    }
                    if out.len() == body {
                        out.truncate(mark); // nothing inside: leave the object out
                    } else {
                        out[body] = b'{'; // was the first member's comma
                        out.push(b'}');
                    }
                }
            }
        }
    }

    /// Converts leaf `i` of this row onto `out`. False when it writes
    /// nothing: an empty cell (or a missing-value token) that sets nothing,
    /// or a cell that cannot be converted (then with an issue: the row is
    /// rejected, or the value dropped with a warning, per the rule).
    pub(super) fn convert_leaf(&mut self, i: usize, out: &mut Vec<u8>) -> bool {
        let leaf = &self.leaves[i];
        // The usual leaf first: a non-empty text cell written as a string
        // (the token test is one length check and one table lookup for most
        // cells).
        if let (ValueKind::String, CellSource::Column(c), Row::CsvText(_, text)) =
            (leaf.kind, &leaf.source, self.input)
        {
            if let Some(t) = text
                .get(*c)
                .filter(|t| !t.is_empty() && !self.missing.is_missing(t))
            {
                convert::write_str(out, t);
                if Some(i) == self.special.event {
                    self.event.push_str(t);
                }
                return true;
            }
        }
        let cell = match cell_of(&leaf.source, self.input) {
            Ok(c) => c,
            Err(message) => {
                self.refuse(i, Code::InvalidText, message);
                return false;
            }
        };
        // Constants are never missing values: the mapping wrote them.
        let text = match leaf.source {
            CellSource::Constant(_) => None,
            _ => cell.text(),
        };
        let missing = self.missing;
        let token = match cell.is_empty(leaf.kind) {
            true => None,
            false => text.and_then(|t| missing.token_of(t)),
        };
        if let Some(token) = token {
            self.tally.add(&leaf.label, token);
        }
        if token.is_some() || cell.is_empty(leaf.kind) {
            match leaf.empty {
                EmptyPolicy::Skip => return false,
                EmptyPolicy::Null => out.extend_from_slice(b"null"),
                EmptyPolicy::String => out.extend_from_slice(b"\"\""),
            }
            return true;
        }
        // Locale-written numbers (`1.234,50`) are read as plain ones first.
        let plain;
        let read = match (leaf.separators, text) {
            (Some(seps), Some(t)) => match seps.plain(t, leaf.kind) {
                Ok(p) => {
                    plain = p;
                    Cell::Text(&plain)
                }
                Err(e) => return self.invalid(i, cell, e, out),
            },
            _ => cell,
        };
        let start = out.len();
        match convert(read, leaf.kind, leaf.time.as_ref(), out) {
            Ok(done) => {
                if Some(i) == self.special.timestamp {
                    self.millis = done.millis;
                }
                if Some(i) == self.special.event {
                    // The name as is, when the cell is text written as text
                    // (else read back from the JSON once the row is done).
                    if let (Cell::Text(t), ValueKind::String) = (cell, leaf.kind) {
                        self.event.push_str(t);
                    }
                }
                if let Some(w) = done.warning {
                    self.issue_leaves.push(i);
                    self.issues
                        .push(issue(self.row, &leaf.label, Code::AmbiguousLocalTime, w));
                }
                true
            }
            Err(e) => {
                out.truncate(start);
                self.invalid(i, cell, e, out)
            }
        }
    }

    /// A cell that cannot be converted, handled as its rule's `invalid`
    /// says: the row rejected, or the field left out or sent as text with a
    /// warning naming the value and the reason. True when a value was written.
    #[cold]
    #[inline(never)]
    fn invalid(&mut self, i: usize, cell: Cell<'_>, e: ConvertError, out: &mut Vec<u8>) -> bool {
        let leaf = &self.leaves[i];
        let (code, message, written) = match leaf.invalid {
            InvalidPolicy::Reject => {
                let message = format!("{} (for {})", e.message, leaf.to);
                self.refuse(i, e.code, message);
                return false;
            }
            InvalidPolicy::Drop => (
                Code::ValueDropped,
                format!(
                    "{}; {} is left out of this row's message (the rule's invalid: drop), \
                     the row is sent",
                    e.message, leaf.to
                ),
                false,
            ),
            InvalidPolicy::Text => {
                let text = convert::text_of(&cell);
                convert::write_str(out, &text);
                (
                    Code::ValueKeptAsText,
                    format!(
                        "{}; {} is sent as the text {:?} (the rule's invalid: text)",
                        e.message, leaf.to, text
                    ),
                    true,
                )
            }
        };
        self.issue_leaves.push(i);
        self.issues
            .push(issue(self.row, &leaf.label, code, message));
        written
    }

    fn refuse(&mut self, i: usize, code: Code, message: String) {
        self.issue_leaves.push(i);
        self.issues
            .push(issue(self.row, &self.leaves[i].label, code, message));
        self.ok = false;
    }
}

/// Writes the columns no rule names; `Err(column)` for a cell that is not
/// valid text (the row is then rejected, never sent garbled).
/// A missing-value token is left out, as an empty cell is; JSON records'
/// values are typed JSON and sent as they are.
fn write_rest(
    rest: &RestPlan,
    missing: &MissingTokens,
    tally: &mut MissingTally,
    input: Row<'_>,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    match (rest, input) {
        (RestPlan::Columns(columns), Row::CsvText(_, text)) => {
            for (i, key, name) in columns {
                match text.get(*i) {
                    Some(t) if !t.is_empty() => match missing.token_of(t) {
                        None => {
                            key.write(out);
                            convert::write_str(out, t);
                        }
                        Some(token) => tally.add(name, token),
                    },
                    _ => {}
                }
            }
        }
        (RestPlan::Columns(columns), Row::Csv(fields)) => {
            for (i, key, name) in columns {
                // Empty cells set nothing.
                match fields.get(*i) {
                    Some(b) if !b.is_empty() => {
                        let text = std::str::from_utf8(b).map_err(|_| name.clone())?;
                        match missing.token_of(text) {
                            None => {
                                key.write(out);
                                convert::write_str(out, text);
                            }
                            Some(token) => tally.add(name, token),
                        }
                    }
                    _ => {}
                }
            }
        }
        (RestPlan::JsonExcept(except), Row::Json(object)) => {
            for (k, v) in object {
                if v.is_null() || except.iter().any(|e| e == k) {
                    continue;
                }
                out.push(b',');
                convert::write_str(out, k);
                out.push(b':');
                // OK because serializing a Value into a Vec cannot fail.
                serde_json::to_writer(&mut *out, v).unwrap_or_default();
            }
        }
        _ => {}
    }
    Ok(())
}

/// `,"name":`, the start of an object member, escaped once at compile time.
///
/// Written for every member of every row: a short key is kept padded in a
/// fixed array, copied whole (a fixed-size copy, no `memcpy` call) and cut
/// back to its length.
#[derive(Debug, Clone)]
pub(super) struct MemberKey {
    padded: [u8; MemberKey::INLINE],
    len: usize,
    /// Keys longer than `INLINE`.
    long: Option<Box<[u8]>>,
}

impl MemberKey {
    const INLINE: usize = 32;

    pub(super) fn new(name: &str) -> MemberKey {
        let mut text = Vec::with_capacity(name.len() + 4);
        text.push(b',');
        convert::write_str(&mut text, name);
        text.push(b':');
        let mut padded = [0; MemberKey::INLINE];
        match padded.get_mut(..text.len()) {
            Some(head) => {
                head.copy_from_slice(&text);
                MemberKey {
                    padded,
                    len: text.len(),
                    long: None,
                }
            }
            None => MemberKey {
                padded,
                len: text.len(),
                long: Some(text.into_boxed_slice()),
            },
        }
    }

    #[inline]
    pub(super) fn write(&self, out: &mut Vec<u8>) {
        match &self.long {
            None => {
                let end = out.len() + self.len;
                out.extend_from_slice(&self.padded);
                out.truncate(end);
            }
            Some(text) => out.extend_from_slice(text),
        }
    }
}
