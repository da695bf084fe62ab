//! The mapping: how a record becomes a Segment message.
//!
//! One JSON format shared by the CLI, the app and the JS API:
//!
//! ```json
//! {
//!   "type": "track",
//!   "rules": [
//!     {"from": "user_id", "to": "userId"},
//!     {"value": "Order Completed", "to": "event"},
//!     {"from": "created_at", "to": "timestamp", "as": "timestamp"},
//!     {"from": "price", "to": "properties.revenue", "as": "number"}
//!   ],
//!   "rest": "properties",
//!   "integrations": {"All": false, "Vero": true}
//! }
//! ```
//!
//! This module is the model only (serde types and checks that need no input);
//! [`crate::message`] compiles it against a file's columns and applies it.

mod missing;
mod suggest;

pub use missing::{MissingSeen, MissingTally, MissingTokens, DEFAULT_MISSING};
pub use suggest::{suggest_for, suggest_mapping, suggest_mapping_for};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::time::DateOrder;
use crate::validate::{required_fields, MissingField, Present};

/// Segment's call types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum CallType {
    Track,
    Identify,
    Page,
    Screen,
    Group,
    Alias,
}

impl CallType {
    pub const ALL: [CallType; 6] = [
        CallType::Track,
        CallType::Identify,
        CallType::Page,
        CallType::Screen,
        CallType::Group,
        CallType::Alias,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallType::Track => "track",
            CallType::Identify => "identify",
            CallType::Page => "page",
            CallType::Screen => "screen",
            CallType::Group => "group",
            CallType::Alias => "alias",
        }
    }

    /// Reads a type name as a user may write it in a cell (any case, spaces trimmed).
    pub fn parse(text: &str) -> Option<CallType> {
        let t = text.trim();
        CallType::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(t))
    }

    /// Where columns that no rule names go by default for this type.
    pub fn default_rest(self) -> Rest {
        match self {
            CallType::Track | CallType::Page | CallType::Screen => Rest::Properties,
            CallType::Identify | CallType::Group => Rest::Traits,
            CallType::Alias => Rest::Ignore,
        }
    }
}

/// How a cell is converted before it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum ValueKind {
    /// The text exactly as it is (leading zeros and long digit strings kept).
    #[default]
    String,
    /// A JSON number (`12.50`, `-3`, `1e3`).
    Number,
    /// A whole number.
    Integer,
    /// true/false/yes/no/1/0/t/f/y/n, any case.
    Boolean,
    /// The cell holds JSON (an object, an array, ...).
    Json,
    /// A point in time, written as ISO-8601 UTC with milliseconds.
    Timestamp,
}

/// What an empty cell does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum EmptyPolicy {
    /// Sets nothing: the field is left out of the message.
    #[default]
    Skip,
    /// Writes `null`.
    Null,
    /// Writes `""`.
    String,
}

/// What a cell that cannot be converted to the rule's type does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum InvalidPolicy {
    /// The row is rejected with the reason (the default; the only choice
    /// for the timestamp).
    #[default]
    Reject,
    /// The field is left out and the row is sent, with a warning.
    Drop,
    /// The cell is sent as text, with a warning.
    Text,
}

impl InvalidPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            InvalidPolicy::Reject => "reject",
            InvalidPolicy::Drop => "drop",
            InvalidPolicy::Text => "text",
        }
    }
}

/// Where columns that no rule names go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Rest {
    Properties,
    Traits,
    Context,
    #[default]
    Ignore,
}

impl Rest {
    /// The message field the rest goes into, if any.
    pub fn field(self) -> Option<&'static str> {
        match self {
            Rest::Properties => Some("properties"),
            Rest::Traits => Some("traits"),
            Rest::Context => Some("context"),
            Rest::Ignore => None,
        }
    }
}

/// One rule: a column or a constant, converted, written at a path.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    /// The column (header name; for JSON input a dot path into the object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// A constant instead of a column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "js", tsify(type = "unknown", optional))]
    pub value: Option<Value>,
    /// A dot path in the message: `userId`, `properties.order.id`, `context.ip`.
    pub to: String,
    /// The conversion; `timestamp` for `to: "timestamp"`, `string` otherwise.
    #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
    pub kind: Option<ValueKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<EmptyPolicy>,
    /// strftime format for `as: timestamp` (e.g. `%d.%m.%Y %H:%M`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// IANA zone for timestamps without an offset (default UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// `dmy` or `mdy` for slash dates such as `03/04/2024`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order: Option<DateOrder>,
    /// What a cell that cannot be converted does (default `reject`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<InvalidPolicy>,
    /// For `as: number` and `integer`: the decimal separator, `.` (default) or `,`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "js", tsify(type = "string", optional))]
    pub decimal: Option<char>,
    /// For `as: number` and `integer`: the thousands separator (`,` `.` space
    /// `'` `_`), accepted only between groups of three digits. None by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "js", tsify(type = "string", optional))]
    pub thousands: Option<char>,
}

impl Rule {
    /// The conversion this rule applies.
    pub fn kind(&self) -> ValueKind {
        self.kind.unwrap_or(if self.to == "timestamp" {
            ValueKind::Timestamp
        } else {
            ValueKind::String
        })
    }
}

/// A whole mapping file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Mapping {
    /// The call type of every message, unless a rule writes `type`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub call_type: Option<CallType>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Where columns no rule names go (default: ignored).
    #[serde(default)]
    pub rest: Rest,
    /// The batch-level `integrations` object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "js", tsify(type = "Record<string, unknown>", optional))]
    pub integrations: Option<Map<String, Value>>,
    /// For JSON records sent as they are: `true` drops `sentAt`,
    /// `messageId`, `projectId` and `receivedAt` (and their snake_case forms)
    /// before re-sending, as Segment's import guide asks for its own
    /// archives; `false` keeps them (except `sentAt`, never sent as it is).
    /// Unset: replay when the file looks like one of Segment's archives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "js", tsify(optional))]
    pub replay: Option<bool>,
    /// Cell texts that mean "no value" (trimmed, compared exactly); such a
    /// cell counts as empty. Unset: [`DEFAULT_MISSING`]; `[]`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "js", tsify(optional))]
    pub missing: Option<Vec<String>>,
}

/// A mapping that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError(pub String);

impl std::fmt::Display for MappingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MappingError {}

/// Message fields that Segment requires to be strings.
pub const STRING_FIELDS: [&str; 9] = [
    "type",
    "userId",
    "anonymousId",
    "event",
    "groupId",
    "previousId",
    "messageId",
    "name",
    "category",
];

/// The decimal separators a number rule may name.
pub const DECIMAL_SEPARATORS: [char; 2] = ['.', ','];
/// The thousands separators a number rule may name (a no-break space and a
/// narrow no-break space are what French and Swiss exports write).
pub const THOUSANDS_SEPARATORS: [char; 7] = [',', '.', ' ', '\'', '_', '\u{a0}', '\u{202f}'];

/// Fields set by Segment or by the batch, which a mapping must not write.
const FORBIDDEN_FIELDS: [&str; 4] = ["sentAt", "receivedAt", "originalTimestamp", "batch"];

impl Mapping {
    /// Reads a mapping from its JSON text, with a message that names the problem.
    pub fn from_json(text: &str) -> Result<Mapping, MappingError> {
        let mapping: Mapping = serde_json::from_str(text)
            .map_err(|e| MappingError(format!("the mapping is not valid: {e}")))?;
        mapping.check()?;
        Ok(mapping)
    }

    /// The mapping as pretty JSON (for saving).
    pub fn to_json_pretty(&self) -> String {
        // OK because a Mapping always serializes (plain data, string keys).
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks what can be checked without the input: each rule has exactly one
    /// source, a well-formed target path, a type fit for its target, no two
    /// rules write the same place.
    pub fn check(&self) -> Result<(), MappingError> {
        let mut seen: Vec<&str> = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let n = i + 1;
            let to = rule.to.as_str();
            if to.is_empty() || to.split('.').any(str::is_empty) {
                return Err(MappingError(format!(
                    "rule {n}: \"to\" must be a dot path such as properties.revenue, not {to:?}"
                )));
            }
            match (&rule.from, &rule.value) {
                (Some(_), Some(_)) => {
                    return Err(MappingError(format!(
                        "rule {n} ({to}): give either \"from\" or \"value\", not both"
                    )))
                }
                (None, None) => {
                    return Err(MappingError(format!(
                        "rule {n} ({to}): needs \"from\" (a column) or \"value\" (a constant)"
                    )))
                }
                _ => {}
            }
            let top = to.split('.').next().unwrap_or(to);
            if FORBIDDEN_FIELDS.contains(&top) {
                return Err(MappingError(format!(
                    "rule {n}: {to} is set by Segment or at send time and cannot be mapped"
                )));
            }
            let kind = rule.kind();
            if STRING_FIELDS.contains(&to) && kind != ValueKind::String {
                return Err(MappingError(format!(
                    "rule {n}: {to} must be a string (remove \"as\": \"{}\")",
                    kind_name(kind)
                )));
            }
            if to == "timestamp" && kind != ValueKind::Timestamp {
                return Err(MappingError(format!(
                    "rule {n}: timestamp must use \"as\": \"timestamp\""
                )));
            }
            if (rule.format.is_some() || rule.timezone.is_some() || rule.date_order.is_some())
                && kind != ValueKind::Timestamp
            {
                return Err(MappingError(format!(
                    "rule {n} ({to}): format, timezone and dateOrder apply only to \"as\": \"timestamp\""
                )));
            }
            let invalid = rule.invalid.unwrap_or_default();
            if invalid != InvalidPolicy::Reject {
                if to == "timestamp" {
                    return Err(MappingError(format!(
                        "rule {n}: a timestamp that cannot be read always rejects the row (\"invalid\": \"{}\" would send it dated on arrival)",
                        invalid.as_str()
                    )));
                }
                if kind == ValueKind::String {
                    return Err(MappingError(format!(
                        "rule {n} ({to}): \"invalid\" applies to number, integer, boolean, json and timestamp rules"
                    )));
                }
            }
            if rule.decimal.is_some() || rule.thousands.is_some() {
                if !matches!(kind, ValueKind::Number | ValueKind::Integer) {
                    return Err(MappingError(format!(
                        "rule {n} ({to}): decimal and thousands apply only to \"as\": \"number\" or \"integer\""
                    )));
                }
                if let Some(d) = rule.decimal.filter(|d| !DECIMAL_SEPARATORS.contains(d)) {
                    return Err(MappingError(format!(
                        "rule {n} ({to}): the decimal separator is \".\" or \",\", not {d:?}"
                    )));
                }
                if let Some(t) = rule.thousands.filter(|t| !THOUSANDS_SEPARATORS.contains(t)) {
                    return Err(MappingError(format!(
                        "rule {n} ({to}): the thousands separator is one of , . ' _ or a space, not {t:?}"
                    )));
                }
                if rule.thousands.is_some() && rule.thousands == Some(rule.decimal.unwrap_or('.')) {
                    return Err(MappingError(format!(
                        "rule {n} ({to}): the decimal and thousands separators must differ"
                    )));
                }
            }
            if to.contains('.') && STRING_FIELDS.contains(&top) || to.starts_with("timestamp.") {
                return Err(MappingError(format!(
                    "rule {n}: {top} is a plain value, it has no field {to}"
                )));
            }
            if let Some(prev) = seen.iter().find(|p| paths_clash(p, to)) {
                return Err(MappingError(format!(
                    "rule {n}: {to} is already written by the rule for {prev}"
                )));
            }
            seen.push(to);
        }
        // A mapping with no rules is allowed: for JSON input it only sets
        // `replay` or `integrations`.
        if !self.rules.is_empty()
            && self.call_type.is_none()
            && !self.rules.iter().any(|r| r.to == "type")
        {
            return Err(MappingError(
                "the mapping needs a \"type\" (track, identify, page, screen, group or alias) or a rule writing \"type\"".into(),
            ));
        }
        Ok(())
    }

    /// The missing-value tokens this mapping uses.
    pub fn missing_tokens(&self) -> MissingTokens {
        match &self.missing {
            Some(list) => MissingTokens::new(list.iter().map(String::as_str)),
            None => MissingTokens::default(),
        }
    }

    /// Whether some rule sets the timestamp (without one, events are dated on arrival).
    pub fn maps_timestamp(&self) -> bool {
        self.rules.iter().any(|r| r.to == "timestamp")
    }

    /// The fields the call type needs that no rule writes, each with its
    /// code and reason: every row would be rejected for them, so an editor
    /// says so before anything is read. Empty when the type comes from the
    /// data (a rule writes `type`; each row has its own) or none is missing.
    pub fn unwritten_required(&self) -> Vec<MissingField> {
        let Some(call_type) = self.call_type else {
            return Vec::new();
        };
        let writes = |field: &str| self.rules.iter().any(|r| r.to == field);
        if writes("type") {
            return Vec::new();
        }
        let present = Present {
            user_id: writes("userId"),
            anonymous_id: writes("anonymousId"),
            event: writes("event"),
            group_id: writes("groupId"),
            previous_id: writes("previousId"),
        };
        required_fields(call_type, present).collect()
    }
}

fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::String => "string",
        ValueKind::Number => "number",
        ValueKind::Integer => "integer",
        ValueKind::Boolean => "boolean",
        ValueKind::Json => "json",
        ValueKind::Timestamp => "timestamp",
    }
}

/// Two paths clash when they are equal or one is inside the other
/// (`properties` and `properties.x`).
fn paths_clash(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long == short || (long.starts_with(short) && long.as_bytes().get(short.len()) == Some(&b'.'))
}

#[cfg(test)]
mod tests;
