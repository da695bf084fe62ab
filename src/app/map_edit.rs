//! Edits the Map step makes to a [`Mapping`], as pure functions.
//!
//! The page shows a mapping as "Segment fields" (top-level targets such as
//! `userId`) and "other columns" (each going to properties, traits or
//! context, or ignored). A mapping may send unnamed columns to its `rest`;
//! the first time the user edits a column, [`materialize`] turns the rest
//! into one explicit rule per column so each can be changed on its own.
//! (Exercised by the end-to-end test, tests/e2e/app.test.mjs: the page's
//! edited mapping must give the CLI's counts.)

use crate::mapping::{CallType, InvalidPolicy, Mapping, Rest, Rule, ValueKind, DEFAULT_MISSING};
use crate::time::DateOrder;

/// A Segment field: its path, label, and whether the call type needs it.
pub struct Field {
    pub to: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub help: &'static str,
}

const fn f(to: &'static str, label: &'static str, required: bool, help: &'static str) -> Field {
    Field {
        to,
        label,
        required,
        help,
    }
}

const USER_ID: Field = f(
    "userId",
    "User ID",
    false,
    "Your id for the person. userId or anonymousId is required.",
);
const ANON_ID: Field = f(
    "anonymousId",
    "Anonymous ID",
    false,
    "A device or cookie id, when there is no user id.",
);
const TIMESTAMP: Field = f(
    "timestamp",
    "Timestamp",
    false,
    "When it happened. Without it, Segment dates every event on arrival.",
);
const MESSAGE_ID: Field = f(
    "messageId",
    "Message ID",
    false,
    "Leave empty: a stable id is derived from each row, so re-runs never duplicate.",
);

/// The fields offered for a call type (`None`: the type comes from a column).
pub fn fields(call: Option<CallType>) -> Vec<Field> {
    let mut out = vec![USER_ID, ANON_ID];
    match call {
        Some(CallType::Track) => out.push(f(
            "event",
            "Event name",
            true,
            "Required for track: a column, or one name for every row.",
        )),
        Some(CallType::Page) => {
            out.push(f("name", "Page name", false, ""));
            out.push(f("category", "Category", false, ""));
        }
        Some(CallType::Screen) => out.push(f("name", "Screen name", false, "")),
        Some(CallType::Group) => out.push(f("groupId", "Group ID", true, "Required for group.")),
        Some(CallType::Alias) => {
            // OK because out[0] is USER_ID, pushed first above.
            out[0].required = true;
            out.push(f(
                "previousId",
                "Previous ID",
                true,
                "The id the user had before.",
            ));
        }
        Some(CallType::Identify) => {}
        None => {
            out.push(f(
                "type",
                "Call type",
                true,
                "A column holding track, identify, page…",
            ));
            out.push(f("event", "Event name", false, ""));
            out.push(f("groupId", "Group ID", false, ""));
            out.push(f("previousId", "Previous ID", false, ""));
            out.push(f("name", "Name", false, ""));
        }
    }
    out.push(TIMESTAMP);
    out.push(MESSAGE_ID);
    out
}

/// A rule writes a Segment field (not inside properties/traits/context).
pub fn is_field_rule(r: &Rule) -> bool {
    !r.to.contains('.')
}

/// Where one "other" column goes, and how its values are read.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnTarget {
    pub dest: Rest,
    pub name: String,
    pub kind: ValueKind,
    /// What a value that cannot be read as `kind` does (not for text).
    pub invalid: InvalidPolicy,
    /// The decimal and thousands separators of a number or integer.
    pub decimal: Option<char>,
    pub thousands: Option<char>,
}

/// The columns no field rule uses.
pub fn other_columns<'a>(m: &Mapping, headers: &'a [String]) -> Vec<&'a String> {
    headers
        .iter()
        .filter(|h| {
            !m.rules
                .iter()
                .any(|r| is_field_rule(r) && r.from.as_deref() == Some(h.as_str()))
        })
        .collect()
}

/// Where a column goes now.
pub fn column_target(m: &Mapping, column: &str) -> ColumnTarget {
    let explicit = m
        .rules
        .iter()
        .find(|r| !is_field_rule(r) && r.from.as_deref() == Some(column));
    match explicit {
        Some(r) => {
            let (top, rest) = r.to.split_once('.').unwrap_or((r.to.as_str(), ""));
            let dest = match top {
                "traits" => Rest::Traits,
                "context" => Rest::Context,
                _ => Rest::Properties,
            };
            ColumnTarget {
                dest,
                name: rest.to_string(),
                kind: r.kind(),
                invalid: r.invalid.unwrap_or_default(),
                decimal: r.decimal,
                thousands: r.thousands,
            }
        }
        None => ColumnTarget {
            dest: m.rest,
            name: column.to_string(),
            kind: ValueKind::String,
            invalid: InvalidPolicy::Reject,
            decimal: None,
            thousands: None,
        },
    }
}

/// Turns the rest into explicit rules (see the module docs).
pub fn materialize(m: &mut Mapping, headers: &[String]) {
    if let Some(field) = m.rest.field() {
        for h in headers {
            if !m
                .rules
                .iter()
                .any(|r| r.from.as_deref() == Some(h.as_str()))
            {
                m.rules.push(Rule {
                    from: Some(h.clone()),
                    to: format!("{field}.{h}"),
                    ..Rule::default()
                });
            }
        }
    }
    m.rest = Rest::Ignore;
}

/// Sends `column` to `target` (or ignores it).
pub fn set_column(m: &mut Mapping, headers: &[String], column: &str, target: &ColumnTarget) {
    materialize(m, headers);
    let at = m
        .rules
        .iter()
        .position(|r| !is_field_rule(r) && r.from.as_deref() == Some(column));
    let name = if target.name.trim().is_empty() {
        column.to_string()
    } else {
        target.name.trim().to_string()
    };
    // Options that do not apply to the type are dropped, not kept hidden.
    let typed = target.kind != ValueKind::String;
    let number = matches!(target.kind, ValueKind::Number | ValueKind::Integer);
    let rule = target.dest.field().map(|field| Rule {
        from: Some(column.to_string()),
        to: format!("{field}.{name}"),
        kind: typed.then_some(target.kind),
        invalid: Some(target.invalid).filter(|&p| typed && p != InvalidPolicy::Reject),
        decimal: target.decimal.filter(|&c| number && c != '.'),
        thousands: target.thousands.filter(|_| number),
        ..Rule::default()
    });
    match (at, rule) {
        (Some(i), Some(rule)) => m.rules[i] = rule,
        (Some(i), None) => {
            m.rules.remove(i);
        }
        (None, Some(rule)) => m.rules.push(rule),
        (None, None) => {}
    }
}

/// What a field is set from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    None,
    Column(String),
    Constant(String),
}

pub fn field_source(m: &Mapping, to: &str) -> Source {
    match m.rules.iter().find(|r| r.to == to) {
        None => Source::None,
        Some(r) => match (&r.from, &r.value) {
            (Some(c), _) => Source::Column(c.clone()),
            (None, Some(serde_json::Value::String(s))) => Source::Constant(s.clone()),
            (None, Some(v)) => Source::Constant(v.to_string()),
            (None, None) => Source::None,
        },
    }
}

/// Sets a field from a column, a constant, or nothing. A column taken by a
/// field stops going to properties/traits.
pub fn set_field(m: &mut Mapping, to: &str, source: Source) {
    let kind = (to == "timestamp").then_some(ValueKind::Timestamp);
    let keep = m.rules.iter().find(|r| r.to == to).cloned();
    let rule = match source {
        Source::None => None,
        Source::Column(c) => {
            m.rules
                .retain(|r| is_field_rule(r) || r.from.as_deref() != Some(c.as_str()));
            Some(Rule {
                from: Some(c),
                to: to.to_string(),
                kind,
                // A timestamp keeps its format, zone and date order.
                format: keep.as_ref().and_then(|r| r.format.clone()),
                timezone: keep.as_ref().and_then(|r| r.timezone.clone()),
                date_order: keep.as_ref().and_then(|r| r.date_order),
                ..Rule::default()
            })
        }
        Source::Constant(v) => Some(Rule {
            value: Some(serde_json::Value::String(v)),
            to: to.to_string(),
            kind,
            ..Rule::default()
        }),
    };
    let old = m.rules.iter().position(|r| r.to == to);
    match (old, rule) {
        (Some(i), Some(r)) => m.rules[i] = r,
        (Some(i), None) => {
            m.rules.remove(i);
        }
        (None, Some(r)) => m.rules.push(r),
        (None, None) => {}
    }
}

/// Changes the call type: drops fields the new type has no use for and
/// moves properties to traits (or back) as Segment expects.
pub fn set_call_type(m: &mut Mapping, call: CallType) {
    let keep: Vec<&str> = fields(Some(call)).iter().map(|f| f.to).collect();
    m.rules
        .retain(|r| !is_field_rule(r) || keep.contains(&r.to.as_str()));
    let (from, to) = match call.default_rest() {
        Rest::Traits => ("properties.", "traits."),
        _ => ("traits.", "properties."),
    };
    for r in &mut m.rules {
        if let Some(tail) = r.to.strip_prefix(from) {
            r.to = format!("{to}{tail}");
        }
    }
    if m.rest != Rest::Ignore {
        m.rest = call.default_rest();
    }
    m.call_type = Some(call);
}

/// How the timestamp column is read: day/month order, zone, strftime format.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimeOptions {
    pub date_order: Option<DateOrder>,
    pub timezone: Option<String>,
    pub format: Option<String>,
}

/// The timestamp rule's reading options, when the timestamp is a column.
pub fn time_options(m: &Mapping) -> Option<TimeOptions> {
    let r = m
        .rules
        .iter()
        .find(|r| r.to == "timestamp" && r.from.is_some())?;
    Some(TimeOptions {
        date_order: r.date_order,
        timezone: r.timezone.clone(),
        format: r.format.clone(),
    })
}

/// Sets the timestamp rule's reading options (empty text means "not set").
pub fn set_time_options(m: &mut Mapping, o: TimeOptions) {
    let blank = |s: Option<String>| s.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if let Some(r) = m.rules.iter_mut().find(|r| r.to == "timestamp") {
        r.date_order = o.date_order;
        r.timezone = blank(o.timezone);
        r.format = blank(o.format);
    }
}

/// The missing-value tokens as the page shows them: comma-separated, the
/// default list when the mapping sets none.
pub fn missing_text(m: &Mapping) -> String {
    match &m.missing {
        Some(list) => list.join(", "),
        None => DEFAULT_MISSING.join(", "),
    }
}

/// Sets the missing-value tokens from comma-separated text (empty: none);
/// the default list is saved as no list, so the mapping stays short.
pub fn set_missing(m: &mut Mapping, text: &str) {
    let mut tokens: Vec<String> = Vec::new();
    for t in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !tokens.iter().any(|k| k == t) {
            tokens.push(t.to_string());
        }
    }
    m.missing = (tokens != DEFAULT_MISSING).then_some(tokens);
}
