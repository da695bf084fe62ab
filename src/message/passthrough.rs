//! JSON records sent as they are (NDJSON or JSON arrays without a mapping):
//! each object already is a Segment message. They are checked by the same
//! rules as mapped rows, their timestamp is normalised to ISO-8601 UTC with
//! milliseconds, and in replay mode the fields that must not be re-sent from a
//! Segment archive are dropped.
//!
//! In every mode a message-level `sentAt` is dropped (the batch's is stamped
//! at each attempt; an old one would re-date the event), and a `messageId`
//! that is `null` or empty is replaced by a derived one (sent as it is, every
//! such row would share one id and Segment would keep one of them). Both are
//! counted as warnings, so nothing changes without a word.

use serde_json::{Map, Value};

use super::{issue, timestamp_warnings, within_size_limit, Built, MessageIds};
use crate::mapping::CallType;
use crate::source::REPLAY_DROPPED;
use crate::target::{Limits, SEGMENT_LIMITS};
use crate::time::{format_iso_millis, parse_timestamp, TimeError, TimeSpec};
use crate::validate::{required_fields, Code, Issue, Present};

/// Checks and normalises JSON records that are messages already.
#[derive(Debug, Clone)]
pub struct Passthrough {
    replay: bool,
    now_ms: i64,
    ids: MessageIds,
    /// The target's limits (message size, messageId).
    limits: Limits,
    event: String,
}

impl Passthrough {
    pub fn new(replay: bool, now_ms: i64) -> Passthrough {
        Passthrough {
            replay,
            now_ms,
            ids: MessageIds::default(),
            limits: SEGMENT_LIMITS,
            event: String::new(),
        }
    }

    /// Derives messageIds with `ids` (default: scheme 2 with no source).
    pub fn with_ids(mut self, ids: MessageIds) -> Passthrough {
        self.ids = ids;
        self
    }

    /// Checks messages against the target's `limits` (default: Segment's).
    pub fn with_limits(mut self, limits: Limits) -> Passthrough {
        self.limits = limits;
        self
    }

    /// Changes the ids of the messages built from now on (the next file of
    /// a multi-file import).
    pub fn set_ids(&mut self, ids: MessageIds) {
        self.ids = ids;
    }

    /// The event name of the last message built.
    pub fn last_event(&self) -> Option<&str> {
        (!self.event.is_empty()).then_some(self.event.as_str())
    }

    /// Appends the message for one record to `out`; see
    /// [`super::MessageBuilder::build`].
    pub fn build(
        &mut self,
        row: u64,
        mut object: Map<String, Value>,
        out: &mut Vec<u8>,
        issues: &mut Vec<Issue>,
    ) -> Option<Built> {
        let base = out.len();
        self.event.clear();
        if self.replay {
            for key in REPLAY_DROPPED {
                object.remove(key);
            }
        }
        for key in ["sentAt", "sent_at"] {
            if let Some(old) = object.remove(key) {
                issues.push(issue(
                    row,
                    key,
                    Code::SentAtDropped,
                    format!(
                        "{key} {old} is not sent: the batch's sentAt is set when it is sent, \
                         so Segment keeps the event's own timestamp"
                    ),
                ));
            }
        }
        // Segment takes the key from the request, never from a message.
        object.remove("writeKey");
        let mut ok = true;
        let call_type = match object
            .get("type")
            .and_then(Value::as_str)
            .and_then(CallType::parse)
        {
            Some(t) => t,
            None => {
                let shown = object
                    .get("type")
                    .map_or("nothing".to_string(), Value::to_string);
                issues.push(issue(
                    row,
                    "type",
                    Code::InvalidType,
                    format!(
                        "type is {shown}; it must be track, identify, page, screen, group or alias"
                    ),
                ));
                return None;
            }
        };
        object.insert("type".into(), Value::String(call_type.as_str().into()));
        let text = |k: &str| {
            object
                .get(k)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
        };
        let present = Present {
            user_id: text("userId"),
            anonymous_id: text("anonymousId"),
            event: text("event"),
            group_id: text("groupId"),
            previous_id: text("previousId"),
        };
        for (code, field, message) in required_fields(call_type, present) {
            issues.push(issue(row, field, code, message.to_string()));
            ok = false;
        }
        for field in ["properties", "traits", "context", "integrations"] {
            if let Some(v) = object.get(field) {
                if !v.is_object() {
                    issues.push(issue(
                        row,
                        field,
                        Code::NotAnObject,
                        format!("{field} must be an object, not {v}"),
                    ));
                    ok = false;
                }
            }
        }
        let mut millis = None;
        if let Some(ts) = object.get("timestamp") {
            let text = match ts {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => other.to_string(),
            };
            match parse_timestamp(&text, &TimeSpec::default()) {
                Ok(parsed) => millis = Some(parsed.millis),
                Err(TimeError::Invalid(m) | TimeError::Ambiguous(m)) => {
                    issues.push(issue(row, "timestamp", Code::InvalidTimestamp, m));
                    ok = false;
                }
            }
        }
        let message_id = match object.remove("messageId") {
            None => None,
            Some(Value::String(id)) if id.trim().is_empty() => {
                issues.push(issue(
                    row,
                    "messageId",
                    Code::MessageIdReplaced,
                    format!(
                        "messageId is {}; a derived id is sent instead",
                        if id.is_empty() { "empty" } else { "blank" }
                    ),
                ));
                None
            }
            Some(Value::Null) => {
                issues.push(issue(
                    row,
                    "messageId",
                    Code::MessageIdReplaced,
                    "messageId is null; a derived id is sent instead".to_string(),
                ));
                None
            }
            Some(Value::String(id)) => Some(id),
            // A numeric id is an id: sent as its text.
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(other) => {
                let kind = match other {
                    Value::Bool(_) => "a boolean",
                    Value::Array(_) => "an array",
                    _ => "an object",
                };
                issues.push(issue(
                    row,
                    "messageId",
                    Code::InvalidMessageId,
                    format!("messageId is {kind} ({other}); it must be a string"),
                ));
                ok = false;
                None
            }
        };
        if let Some((code, why)) = message_id
            .as_deref()
            .and_then(|id| self.limits.message_id_problem(id))
        {
            issues.push(issue(row, "messageId", code, why));
            ok = false;
        }
        if !ok {
            return None;
        }
        if let Some(ms) = millis {
            object.insert(
                "timestamp".into(),
                Value::String(String::from_utf8_lossy(&format_iso_millis(ms)).into_owned()),
            );
            timestamp_warnings(row, ms, self.now_ms, "timestamp", issues);
        }
        if let Some(e) = object.get("event").and_then(Value::as_str) {
            self.event.push_str(e);
        }
        // OK because serializing a Map of Values into a Vec cannot fail.
        serde_json::to_writer(&mut *out, &object).unwrap_or_default();
        out.pop(); // the closing brace; the messageId goes last
        out.extend_from_slice(b",\"messageId\":");
        match message_id {
            Some(id) => super::convert::write_str(out, &id),
            None => {
                let id = self.ids.derive(row, &out[base..]);
                out.push(b'"');
                out.extend_from_slice(&id);
                out.push(b'"');
            }
        }
        out.push(b'}');
        within_size_limit(row, base, out, issues, &self.limits)
            .then_some(Built { call_type, millis })
    }
}
