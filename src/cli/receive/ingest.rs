//! Segment's rules for a parsed body: what makes the whole request a 400,
//! and which messages are silently dropped after a 200.

use serde_json::{Map, Value};

use super::store::Accepted;
use super::ReceiverConfig;

/// The call types Segment knows.
const CALL_TYPES: [&str; 6] = ["track", "identify", "page", "screen", "group", "alias"];

/// Which kind of route received the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// `{"batch": [...], ...}` on `/v1/batch`, `/v1/import`, `/v1/b`.
    Batch,
    /// One message on `/v1/<type>`; its `type` defaults to the path's.
    Single(&'static str),
}

/// A body that passed every check.
pub(super) struct Checked {
    /// Messages to keep, in order.
    pub accepted: Vec<Accepted>,
    /// Messages answered 200 but not kept.
    pub dropped: u64,
}

/// The top-level `writeKey` of a body, if any.
pub(super) fn body_write_key(body: &Value) -> Option<&str> {
    body.get("writeKey").and_then(Value::as_str)
}

/// Applies the limits (any failure rejects the whole request, nothing is
/// kept) and sorts messages into accepted and dropped.
pub(super) fn check(body: Value, shape: Shape, config: &ReceiverConfig) -> Result<Checked, String> {
    let Value::Object(mut body) = body else {
        return Err("the body must be a JSON object".to_string());
    };
    let messages = match shape {
        Shape::Batch => match body.remove("batch") {
            Some(Value::Array(messages)) => messages,
            Some(_) => return Err("\"batch\" must be an array".to_string()),
            None => return Err("missing \"batch\" array".to_string()),
        },
        Shape::Single(call_type) => {
            // The key is auth, not data: keep it out of the out file.
            body.remove("writeKey");
            body.entry("type")
                .or_insert_with(|| Value::String(call_type.to_string()));
            vec![Value::Object(body)]
        }
    };
    let max_messages = config.limits.max_messages;
    if messages.len() > max_messages {
        return Err(format!(
            "{} messages in one batch, over the limit of {max_messages}",
            messages.len()
        ));
    }
    let mut checked = Checked {
        accepted: Vec::with_capacity(messages.len()),
        dropped: 0,
    };
    for (index, message) in messages.into_iter().enumerate() {
        let Value::Object(message) = message else {
            return Err(format!("message {index} is not a JSON object"));
        };
        let line = serde_json::to_vec(&message)
            .map_err(|e| format!("message {index} cannot be serialized: {e}"))?;
        if line.len() > config.limits.max_message_bytes {
            return Err(format!(
                "message {index} is {} bytes, over the {}-byte limit",
                line.len(),
                config.limits.max_message_bytes
            ));
        }
        if let Some(id) = message.get("messageId").and_then(Value::as_str) {
            if let Some((_, why)) = config.limits.message_id_problem(id) {
                return Err(format!("message {index}: {why}"));
            }
        }
        if let Some(marker) = config.poison_marker.as_deref() {
            if !marker.is_empty() && contains(&line, marker.as_bytes()) {
                return Err(format!("message {index} contains the poison marker"));
            }
        }
        if drop_reason(&message).is_some() {
            checked.dropped += 1;
            continue;
        }
        let message_id = message
            .get("messageId")
            .and_then(Value::as_str)
            .map(str::to_string);
        checked.accepted.push(Accepted { line, message_id });
    }
    Ok(checked)
}

/// Why Segment would drop this message after answering 200, if it would.
pub(super) fn drop_reason(message: &Map<String, Value>) -> Option<&'static str> {
    let text = |key: &str| {
        message
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let not_object = |key: &str| message.get(key).is_some_and(|v| !v.is_object());
    let call_type = message.get("type").and_then(Value::as_str);
    let Some(call_type) = call_type.filter(|t| CALL_TYPES.contains(t)) else {
        return Some("missing or unknown type");
    };
    match call_type {
        "alias" if !(text("previousId") && text("userId")) => {
            Some("alias without previousId and userId")
        }
        "alias" => None,
        _ if !(text("userId") || text("anonymousId")) => Some("neither userId nor anonymousId"),
        "track" if !text("event") => Some("track without event"),
        "group" if !text("groupId") => Some("group without groupId"),
        "track" | "page" | "screen" if not_object("properties") => {
            Some("properties is not an object")
        }
        "identify" | "group" if not_object("traits") => Some("traits is not an object"),
        _ => None,
    }
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reason(message: Value) -> Option<&'static str> {
        match message {
            Value::Object(map) => drop_reason(&map),
            _ => Some("not an object"),
        }
    }

    #[test]
    fn drops_what_segment_drops() {
        assert_eq!(
            reason(json!({"type": "track", "userId": "u", "event": "E"})),
            None
        );
        assert!(reason(json!({"type": "track", "userId": "u"})).is_some());
        assert!(reason(json!({"type": "track", "event": "E"})).is_some());
        assert!(reason(json!({"type": "identify", "userId": 5})).is_some());
        assert_eq!(
            reason(json!({"type": "identify", "anonymousId": "a"})),
            None
        );
        assert!(reason(json!({"type": "alias", "userId": "u"})).is_some());
        assert_eq!(
            reason(json!({"type": "alias", "userId": "u", "previousId": "p"})),
            None
        );
        assert!(reason(json!({"type": "group", "userId": "u"})).is_some());
        assert!(reason(json!({"type": "page", "userId": "u", "properties": []})).is_some());
        assert!(reason(json!({"userId": "u"})).is_some());
        assert!(reason(json!({"type": "bogus", "userId": "u"})).is_some());
    }

    #[test]
    fn single_calls_get_their_type_and_lose_the_key() -> Result<(), String> {
        let body = json!({"userId": "u", "event": "E", "writeKey": "k"});
        let checked = check(body, Shape::Single("track"), &ReceiverConfig::default())?;
        assert_eq!(checked.accepted.len(), 1);
        let line = String::from_utf8_lossy(&checked.accepted[0].line).to_string();
        assert!(line.contains("\"type\":\"track\""));
        assert!(!line.contains("writeKey"));
        Ok(())
    }

    #[test]
    fn rejects_oversize_and_poison() {
        let config = ReceiverConfig {
            limits: crate::target::Limits {
                max_message_bytes: 50,
                ..crate::target::SEGMENT_LIMITS
            },
            poison_marker: Some("POISON".to_string()),
            ..ReceiverConfig::default()
        };
        let big = json!({"batch": [{"type": "track", "userId": "u", "event": "x".repeat(60)}]});
        assert!(check(big, Shape::Batch, &config).is_err());
        let poison = json!({"batch": [{"type": "track", "userId": "u", "event": "POISON"}]});
        assert!(check(poison, Shape::Batch, &config).is_err());
        assert!(check(json!({"batch": {}}), Shape::Batch, &config).is_err());
        assert!(check(json!([]), Shape::Batch, &config).is_err());
    }
}
