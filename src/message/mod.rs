//! Building one Segment message from one record, as JSON bytes.
//!
//! A [`MessageBuilder`] is a mapping compiled against a file's columns: every
//! rule becomes a leaf of a small tree of JSON objects known in advance, so a
//! row is written straight into the output buffer with no intermediate
//! `serde_json::Value` (that keeps the pipeline near the parser's speed).
//! JSON records without a mapping go through [`passthrough`] instead.
//!
//! messageIds are deterministic unless a column is mapped to `messageId`
//! ([`id`] says exactly what they depend on): the same file with the same
//! mapping to the same source gives the same ids on every run, on every
//! platform; a corrected mapping gives new ids (the corrected events are not
//! dropped as repeats), and two identical rows at different positions stay
//! two events.

mod convert;
pub mod id;
pub mod passthrough;
mod separators;
mod writer;

pub use convert::{convert, Cell, ConvertError};
pub use id::{IdScheme, MessageIds, SourceNamespace};
pub use separators::Separators;

use serde_json::{Map, Value};

use crate::mapping::{
    CallType, EmptyPolicy, InvalidPolicy, Mapping, MappingError, MissingSeen, MissingTally,
    MissingTokens, ValueKind, STRING_FIELDS,
};
use crate::source::{Fields, TextFields};
use crate::target::{Limits, SEGMENT_LIMITS};
use crate::time::TimeSpec;
use crate::validate::{required_fields, Code, Issue, Present};
use writer::{write_type, LeafWriter, MemberKey};

/// One input record, ready to be mapped.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    Csv(Fields<'a>),
    /// A CSV record already validated as UTF-8 (see [`Row::csv`]).
    CsvText(Fields<'a>, TextFields<'a>),
    Json(&'a Map<String, Value>),
}

impl<'a> Row<'a> {
    /// A CSV record, its text validated once for all its fields.
    pub fn csv(fields: Fields<'a>) -> Row<'a> {
        match fields.text() {
            Some(text) => Row::CsvText(fields, text),
            None => Row::Csv(fields),
        }
    }
}

/// What the caller learns about a message that was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Built {
    pub call_type: CallType,
    /// The message's timestamp, when one is mapped and set.
    pub millis: Option<i64>,
}

#[derive(Debug, Clone)]
enum CellSource {
    Column(usize),
    JsonPath(Vec<String>),
    Constant(Value),
}

#[derive(Debug, Clone)]
struct Leaf {
    source: CellSource,
    /// The column name (or `value`) for issues.
    label: String,
    /// The message path, for issues about fields.
    to: String,
    kind: ValueKind,
    empty: EmptyPolicy,
    /// What a cell that cannot be converted does.
    invalid: InvalidPolicy,
    /// A number rule's `decimal`/`thousands`, when it names any.
    separators: Option<Separators>,
    time: Option<TimeSpec>,
}

#[derive(Debug, Clone)]
struct Node {
    /// `,"name":`, escaped once at compile time.
    key: MemberKey,
    name: String,
    kind: NodeKind,
}

#[derive(Debug, Clone)]
enum NodeKind {
    Leaf(usize),
    Object { children: Vec<Node>, rest: bool },
}

/// Which leaf feeds each field that Segment checks.
#[derive(Debug, Clone, Copy, Default)]
struct Special {
    user_id: Option<usize>,
    anonymous_id: Option<usize>,
    event: Option<usize>,
    group_id: Option<usize>,
    previous_id: Option<usize>,
    message_id: Option<usize>,
    timestamp: Option<usize>,
}

/// Columns that no rule names, for `rest`.
#[derive(Debug, Clone)]
enum RestPlan {
    None,
    /// CSV: (column index, `,"header":`, header).
    Columns(Vec<(usize, MemberKey, String)>),
    /// JSON: every top-level key except these.
    JsonExcept(Vec<String>),
}

/// A mapping compiled for one input; builds one message per row.
#[derive(Debug, Clone)]
pub struct MessageBuilder {
    fixed_type: Option<CallType>,
    type_leaf: Option<usize>,
    leaves: Vec<Leaf>,
    root: Vec<Node>,
    rest: RestPlan,
    special: Special,
    missing: MissingTokens,
    /// The tokens read as empty so far ([`MessageBuilder::missing_seen`]).
    tally: MissingTally,
    notes: Vec<String>,
    now_ms: i64,
    ids: MessageIds,
    /// The target's limits (message size, messageId).
    limits: Limits,
    // Per-row scratch, reused so the steady state allocates nothing.
    scratch: Vec<u8>,
    spans: Vec<Option<(usize, usize)>>,
    event: String,
    issue_leaves: Vec<usize>,
}

impl MessageBuilder {
    /// Compiles `mapping` for a CSV file with these (unique) column names.
    /// `now_ms` is the time of the run, for "timestamp in the future" warnings.
    pub fn for_columns(
        mapping: &Mapping,
        headers: &[String],
        now_ms: i64,
    ) -> Result<MessageBuilder, MappingError> {
        let find = |name: &str| -> Result<usize, MappingError> {
            headers.iter().position(|h| h == name).ok_or_else(|| {
                let close: Vec<&str> = headers
                    .iter()
                    .filter(|h| h.eq_ignore_ascii_case(name) || h.trim() == name.trim())
                    .map(String::as_str)
                    .collect();
                let hint = if close.is_empty() {
                    format!("the file's columns are: {}", quoted_list(headers))
                } else {
                    format!("did you mean {}?", quoted_list(&close))
                };
                MappingError(format!(
                    "the mapping reads column {name:?}, which is not in the file; {hint}"
                ))
            })
        };
        let mut sources = Vec::with_capacity(mapping.rules.len());
        for rule in &mapping.rules {
            sources.push(match (&rule.from, &rule.value) {
                (Some(col), _) => CellSource::Column(find(col)?),
                (None, Some(v)) => CellSource::Constant(v.clone()),
                (None, None) => {
                    return Err(MappingError(format!(
                        "the rule for {} has no source",
                        rule.to
                    )))
                }
            });
        }
        let mut b = MessageBuilder::compile(mapping, sources, now_ms)?;
        if let Some(field) = mapping.rest.field() {
            let named: Vec<&str> = mapping
                .rules
                .iter()
                .filter_map(|r| r.from.as_deref())
                .collect();
            let taken = b.rule_keys_in(field);
            let mut columns = Vec::new();
            for (i, h) in headers.iter().enumerate() {
                if named.contains(&h.as_str()) {
                    continue;
                }
                if taken.contains(h) {
                    b.notes.push(format!(
                        "column {h:?} is not sent: {field}.{h} is already set by a rule"
                    ));
                    continue;
                }
                columns.push((i, MemberKey::new(h), h.clone()));
            }
            b.rest = RestPlan::Columns(columns);
        }
        Ok(b)
    }

    /// Compiles `mapping` for JSON records: `from` is a dot path into each object.
    pub fn for_json(mapping: &Mapping, now_ms: i64) -> Result<MessageBuilder, MappingError> {
        let sources = mapping
            .rules
            .iter()
            .map(|rule| match (&rule.from, &rule.value) {
                (Some(path), _) => {
                    CellSource::JsonPath(path.split('.').map(str::to_string).collect())
                }
                (None, Some(v)) => CellSource::Constant(v.clone()),
                (None, None) => CellSource::Constant(Value::Null),
            })
            .collect();
        let mut b = MessageBuilder::compile(mapping, sources, now_ms)?;
        if let Some(field) = mapping.rest.field() {
            let mut except: Vec<String> = mapping
                .rules
                .iter()
                .filter_map(|r| r.from.as_deref())
                .map(|p| p.split('.').next().unwrap_or(p).to_string())
                .collect();
            except.extend(b.rule_keys_in(field));
            b.rest = RestPlan::JsonExcept(except);
        }
        Ok(b)
    }

    fn compile(
        mapping: &Mapping,
        sources: Vec<CellSource>,
        now_ms: i64,
    ) -> Result<MessageBuilder, MappingError> {
        mapping.check()?;
        let mut leaves = Vec::new();
        let mut root: Vec<Node> = Vec::new();
        let mut special = Special::default();
        let mut type_leaf = None;
        for (rule, source) in mapping.rules.iter().zip(sources) {
            // A constant such as `"value": 42` or `true` keeps its JSON type
            // unless the rule asks for a conversion.
            let kind = match (&source, rule.kind) {
                (CellSource::Constant(v), None)
                    if !v.is_string() && !STRING_FIELDS.contains(&rule.to.as_str()) =>
                {
                    ValueKind::Json
                }
                _ => rule.kind(),
            };
            let time = if kind == ValueKind::Timestamp {
                Some(
                    TimeSpec::new(
                        rule.format.as_deref(),
                        rule.timezone.as_deref(),
                        rule.date_order,
                    )
                    .map_err(|e| MappingError(format!("the rule for {}: {e}", rule.to)))?,
                )
            } else {
                None
            };
            let idx = leaves.len();
            leaves.push(Leaf {
                source,
                label: rule.from.clone().unwrap_or_else(|| "value".into()),
                to: rule.to.clone(),
                kind,
                empty: rule.empty.unwrap_or_default(),
                invalid: rule.invalid.unwrap_or_default(),
                separators: Separators::of(rule.decimal, rule.thousands),
                time,
            });
            let slot = match rule.to.as_str() {
                "type" => {
                    type_leaf = Some(idx);
                    continue;
                }
                "userId" => &mut special.user_id,
                "anonymousId" => &mut special.anonymous_id,
                "event" => &mut special.event,
                "groupId" => &mut special.group_id,
                "previousId" => &mut special.previous_id,
                "messageId" => &mut special.message_id,
                "timestamp" => &mut special.timestamp,
                _ => &mut None,
            };
            *slot = Some(idx);
            insert_path(&mut root, &rule.to, idx);
        }
        if let Some(field) = mapping.rest.field() {
            match root.iter_mut().find(|n| n.name == field) {
                Some(Node {
                    kind: NodeKind::Object { rest, .. },
                    ..
                }) => *rest = true,
                Some(_) => {
                    return Err(MappingError(format!(
                        "rest goes to {field}, but a rule writes {field} as a single value"
                    )))
                }
                None => root.push(Node {
                    key: MemberKey::new(field),
                    name: field.to_string(),
                    kind: NodeKind::Object {
                        children: Vec::new(),
                        rest: true,
                    },
                }),
            }
        }
        let mut notes = Vec::new();
        if special.timestamp.is_none() {
            notes.push(
                "no column is mapped to timestamp: every event will be dated when Segment receives it, \
                 not when it happened"
                    .to_string(),
            );
        }
        let n = leaves.len();
        Ok(MessageBuilder {
            fixed_type: mapping.call_type,
            type_leaf,
            leaves,
            root,
            rest: RestPlan::None,
            special,
            missing: mapping.missing_tokens(),
            tally: MissingTally::default(),
            notes,
            now_ms,
            ids: MessageIds::default(),
            limits: SEGMENT_LIMITS,
            scratch: Vec::with_capacity(1024),
            spans: vec![None; n],
            event: String::new(),
            issue_leaves: Vec::new(),
        })
    }

    /// Derives messageIds with `ids` (default: scheme 2 with no source).
    pub fn with_ids(mut self, ids: MessageIds) -> MessageBuilder {
        self.ids = ids;
        self
    }

    /// Changes the ids of the messages built from now on (the next file of
    /// a multi-file import).
    pub fn set_ids(&mut self, ids: MessageIds) {
        self.ids = ids;
    }

    /// Checks messages against the target's `limits` (default: Segment's).
    pub fn with_limits(mut self, limits: Limits) -> MessageBuilder {
        self.limits = limits;
        self
    }

    /// Mapping-level warnings (no timestamp mapped, a column shadowed by a rule).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The event name of the last message built (for the top-events summary).
    pub fn last_event(&self) -> Option<&str> {
        (!self.event.is_empty()).then_some(self.event.as_str())
    }

    /// Names of the keys rules write directly inside top-level object `field`.
    fn rule_keys_in(&self, field: &str) -> Vec<String> {
        match self.root.iter().find(|n| n.name == field) {
            Some(Node {
                kind: NodeKind::Object { children, .. },
                ..
            }) => children.iter().map(|c| c.name.clone()).collect(),
            _ => Vec::new(),
        }
    }

    /// The missing-value tokens read as empty so far, per column (in
    /// mapped cells and in the columns `rest` takes), most frequent first.
    pub fn missing_seen(&self) -> Vec<MissingSeen> {
        self.tally.seen()
    }

    /// Appends the message for one row to `out` (in the pipeline, the batch
    /// body being filled: no second copy). Findings go to `issues` (warnings
    /// included); `None` means the row is rejected, `issues` holds at least
    /// one error and `out` is left as it was.
    ///
    /// Every leaf is converted straight into `out`, in the order of the
    /// message (no second copy); findings are put back in rule order after.
    pub fn build(
        &mut self,
        row: u64,
        input: Row<'_>,
        out: &mut Vec<u8>,
        issues: &mut Vec<Issue>,
    ) -> Option<Built> {
        let base = out.len();
        self.scratch.clear();
        self.event.clear();
        self.spans.fill(None);
        self.issue_leaves.clear();
        let first_issue = issues.len();

        // A per-row call type is converted on its own: it comes first in the
        // message, and only its text matters.
        let mut writer = LeafWriter {
            leaves: &self.leaves,
            special: self.special,
            spans: &mut self.spans,
            event: &mut self.event,
            issue_leaves: &mut self.issue_leaves,
            rest: &self.rest,
            missing: &self.missing,
            tally: &mut self.tally,
            input,
            row,
            issues,
            ok: true,
            millis: None,
            bad_rest: None,
        };
        let type_span = self.type_leaf.and_then(|i| {
            let start = self.scratch.len();
            let written = writer.convert_leaf(i, &mut self.scratch);
            written.then_some((start, self.scratch.len()))
        });
        if self.type_leaf.is_none() {
            let call_type = self.fixed_type.unwrap_or(CallType::Track);
            write_type(out, call_type);
        }
        writer.write_nodes(&self.root, out);
        let LeafWriter {
            ok,
            millis,
            bad_rest,
            ..
        } = writer;
        let mut ok = ok;
        if self.issue_leaves.len() > 1 {
            // Findings in rule order, as the mapping lists them.
            let mut found: Vec<(usize, Issue)> = self
                .issue_leaves
                .iter()
                .copied()
                .zip(issues.drain(first_issue..))
                .collect();
            found.sort_by_key(|(leaf, _)| *leaf);
            issues.extend(found.into_iter().map(|(_, issue)| issue));
        }

        let call_type = match self.type_leaf {
            Some(i) => {
                let text = type_span.and_then(|(s, e)| json_string_text(&self.scratch[s..e]));
                match text.as_deref().and_then(CallType::parse) {
                    Some(t) => t,
                    None => {
                        let leaf = &self.leaves[i];
                        issues.push(issue(
                            row,
                            &leaf.label,
                            Code::InvalidType,
                            format!(
                                "{:?} is not a call type (track, identify, page, screen, group, alias)",
                                text.as_deref().unwrap_or_default()
                            ),
                        ));
                        out.truncate(base);
                        return None;
                    }
                }
            }
            None => self.fixed_type.unwrap_or(CallType::Track),
        };

        let present = Present {
            user_id: self.has_text(out, self.special.user_id),
            anonymous_id: self.has_text(out, self.special.anonymous_id),
            event: self.has_text(out, self.special.event),
            group_id: self.has_text(out, self.special.group_id),
            previous_id: self.has_text(out, self.special.previous_id),
        };
        for (code, field, message) in required_fields(call_type, present) {
            let label = self.label_for(field);
            let mut message = message.to_string();
            let fields: &[&str] = match code {
                Code::MissingIdentity if call_type != CallType::Alias => &["userId", "anonymousId"],
                _ => &[field],
            };
            for f in fields {
                if let Some(note) = self.missing_note(input, f) {
                    message.push_str("; ");
                    message.push_str(&note);
                }
            }
            issues.push(issue(row, &label, code, message));
            ok = false;
        }
        if let Some(i) = self.special.message_id {
            if let Some(id) = self.span_text(out, i) {
                if let Some((code, why)) = self.limits.message_id_problem(&id) {
                    issues.push(issue(row, &self.leaves[i].label, code, why));
                    ok = false;
                }
            }
        }
        if !ok {
            out.truncate(base);
            return None;
        }
        if let Some(column) = bad_rest {
            issues.push(issue(
                row,
                &column,
                Code::InvalidText,
                "the cell is not valid UTF-8 text; is the file's encoding right? (try --encoding windows-1252)"
                    .to_string(),
            ));
            out.truncate(base);
            return None;
        }
        if let Some(ms) = millis {
            // `millis` is set only by the timestamp leaf; borrow its label (no
            // per-row allocation: this runs for every row).
            let label = self
                .special
                .timestamp
                .map_or("timestamp", |i| self.leaves[i].label.as_str());
            timestamp_warnings(row, ms, self.now_ms, label, issues);
        }
        if let (Some(i), true) = (self.special.event, self.event.is_empty()) {
            if let Some((s, e)) = self.spans[i] {
                if let Some(text) = json_string_text(&out[s..e]) {
                    self.event.push_str(&text);
                }
            }
        }
        // Before the type goes in front: that moves every span.
        let has_message_id = self.has_text(out, self.special.message_id);
        if self.type_leaf.is_some() {
            // The type was known only now: put it in front.
            let mut head = Vec::with_capacity(24);
            write_type(&mut head, call_type);
            out.splice(base..base, head);
        }
        if !has_message_id {
            let id = self.ids.derive(row, &out[base..]);
            out.extend_from_slice(b",\"messageId\":\"");
            out.extend_from_slice(&id);
            out.push(b'"');
        }
        out.push(b'}');
        within_size_limit(row, base, out, issues, &self.limits)
            .then_some(Built { call_type, millis })
    }

    /// The text of a converted string leaf (unescaped), if set.
    fn span_text<'o>(&self, out: &'o [u8], i: usize) -> Option<std::borrow::Cow<'o, str>> {
        let (s, e) = self.spans.get(i).copied().flatten()?;
        json_string_text(&out[s..e])
    }

    /// Whether a leaf holds a non-empty string.
    fn has_text(&self, out: &[u8], leaf: Option<usize>) -> bool {
        leaf.and_then(|i| self.spans[i])
            .is_some_and(|(s, e)| e - s > 2 && out[s] == b'"')
    }

    /// Why a required field is unset when its cell holds a missing-value
    /// token (`userId: the cell holds "NA", ...`): a row rejected for a
    /// missing id whose cell is not empty would puzzle its reader. Runs only
    /// for rows rejected so.
    fn missing_note(&self, input: Row<'_>, field: &str) -> Option<String> {
        let leaf = self
            .leaves
            .iter()
            .find(|l| l.to == field && !matches!(l.source, CellSource::Constant(_)))?;
        let cell = writer::cell_of(&leaf.source, input).ok()?;
        let token = self.missing.token_of(cell.text()?)?;
        Some(format!(
            "{field}: the cell holds {token:?}, a missing-value token (see the mapping's missing list)"
        ))
    }

    fn label_for(&self, field: &str) -> String {
        self.leaves
            .iter()
            .find(|l| l.to == field)
            .map(|l| l.label.clone())
            .unwrap_or_else(|| field.to_string())
    }
}

/// The text of a JSON string literal; borrowed when it has no escapes (the
/// usual case, so reading an event name allocates nothing).
fn json_string_text(literal: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    let inner = literal.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if inner.contains(&b'\\') {
        serde_json::from_slice::<String>(literal)
            .ok()
            .map(Into::into)
    } else {
        std::str::from_utf8(inner).ok().map(Into::into)
    }
}

/// Segment's 32 KB limit on one message (the one written onto `out` from
/// `base`): an oversize message is taken off `out` and the row rejected.
pub(crate) fn within_size_limit(
    row: u64,
    base: usize,
    out: &mut Vec<u8>,
    issues: &mut Vec<Issue>,
    limits: &Limits,
) -> bool {
    let len = out.len() - base;
    let max = limits.max_message_bytes;
    if len <= max {
        return true;
    }
    issues.push(issue(
        row,
        "",
        Code::MessageTooLarge,
        format!(
            "the message is {len} bytes; {} takes at most {max}",
            limits.service
        ),
    ));
    out.truncate(base);
    false
}

/// Adds the before-1970 and in-the-future warnings for a message timestamp.
pub(crate) fn timestamp_warnings(
    row: u64,
    ms: i64,
    now_ms: i64,
    label: &str,
    issues: &mut Vec<Issue>,
) {
    let iso = || String::from_utf8_lossy(&crate::time::format_iso_millis(ms)).into_owned();
    if ms < 0 {
        issues.push(issue(
            row,
            label,
            Code::TimestampBefore1970,
            format!("{} is before 1970: Segment may not ingest it", iso()),
        ));
    } else if ms > now_ms {
        issues.push(issue(
            row,
            label,
            Code::TimestampInFuture,
            format!("{} is in the future", iso()),
        ));
    }
}

pub(crate) fn issue(row: u64, column: &str, code: Code, message: String) -> Issue {
    Issue {
        row,
        column: (!column.is_empty()).then(|| column.to_string()),
        code,
        message,
    }
}

fn insert_path(nodes: &mut Vec<Node>, path: &str, leaf: usize) {
    let (head, tail) = match path.split_once('.') {
        Some((h, t)) => (h, Some(t)),
        None => (path, None),
    };
    match tail {
        None => nodes.push(Node {
            key: MemberKey::new(head),
            name: head.to_string(),
            kind: NodeKind::Leaf(leaf),
        }),
        Some(tail) => {
            let pos = match nodes
                .iter()
                .position(|n| n.name == head && matches!(n.kind, NodeKind::Object { .. }))
            {
                Some(p) => p,
                None => {
                    nodes.push(Node {
                        key: MemberKey::new(head),
                        name: head.to_string(),
                        kind: NodeKind::Object {
                            children: Vec::new(),
                            rest: false,
                        },
                    });
                    nodes.len() - 1
                }
            };
            if let NodeKind::Object { children, .. } = &mut nodes[pos].kind {
                insert_path(children, tail, leaf);
            }
        }
    }
}

fn quoted_list<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(20)
        .map(|n| format!("{:?}", n.as_ref()))
        .collect();
    let more = names.len().saturating_sub(20);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod values_tests;
