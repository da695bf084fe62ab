//! Tests of the mapping: reading it, checking it, and what it lacks.

use super::*;

const SEED: &str = r#"{
  "type": "track",
  "rules": [
    {"from": "user_id", "to": "userId"},
    {"value": "Order Completed", "to": "event"},
    {"from": "created_at", "to": "timestamp", "as": "timestamp"},
    {"from": "price", "to": "properties.revenue", "as": "number"}
  ],
  "rest": "properties",
  "integrations": {"All": false, "Vero": true, "Google Analytics": false}
}"#;

#[test]
fn reads_the_documented_format() {
    let m = Mapping::from_json(SEED).expect("valid");
    assert_eq!(m.call_type, Some(CallType::Track));
    assert_eq!(m.rules.len(), 4);
    assert_eq!(m.rules[3].kind(), ValueKind::Number);
    assert_eq!(m.rules[2].kind(), ValueKind::Timestamp);
    assert_eq!(m.rest, Rest::Properties);
    assert_eq!(m.integrations.as_ref().map(|i| i.len()), Some(3));
    let again = Mapping::from_json(&m.to_json_pretty()).expect("round trip");
    assert_eq!(again, m);
}

#[test]
fn refuses_mistakes_with_a_reason() {
    let cases = [
        (
            r#"{"type":"track","rules":[{"form":"a","to":"userId"}]}"#,
            "unknown field `form`",
        ),
        (
            r#"{"type":"track","rules":[{"to":"userId"}]}"#,
            "needs \"from\"",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","value":"b","to":"userId"}]}"#,
            "not both",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","to":"userId","as":"number"}]}"#,
            "must be a string",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","to":"timestamp","as":"string"}]}"#,
            "as\": \"timestamp",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","to":"properties"},{"from":"b","to":"properties.x"}]}"#,
            "already written",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","to":"properties..x"}]}"#,
            "dot path",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","to":"sentAt"}]}"#,
            "send time",
        ),
        (r#"{"type":"tracks"}"#, "unknown variant"),
        (
            r#"{"rules":[{"from":"a","to":"userId"}]}"#,
            "needs a \"type\"",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","to":"properties.x","timezone":"Europe/Berlin"}]}"#,
            "apply only",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","to":"timestamp","invalid":"drop"}]}"#,
            "always rejects",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","to":"properties.x","invalid":"text"}]}"#,
            "applies to number",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","to":"properties.x","decimal":","}]}"#,
            "apply only to",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","to":"properties.x","as":"number","decimal":";"}]}"#,
            "decimal separator",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","to":"properties.x","as":"number","thousands":"."}]}"#,
            "must differ",
        ),
        (
            r#"{"type":"track","rules":[{"from":"a","to":"properties.x","as":"number","decimal":",,"}]}"#,
            "expected a character",
        ),
    ];
    for (json, want) in cases {
        let err = Mapping::from_json(json).expect_err(json).0;
        assert!(err.contains(want), "{json}: {err}");
    }
}

#[test]
fn missing_tokens_default_replace_and_turn_off() {
    let m = Mapping::from_json(r#"{"type":"track"}"#).expect("ok");
    assert!(m.missing_tokens().is_missing("NA"));
    let m = Mapping::from_json(r#"{"type":"track","missing":["?"]}"#).expect("ok");
    assert!(m.missing_tokens().is_missing("?") && !m.missing_tokens().is_missing("NA"));
    let m = Mapping::from_json(r#"{"type":"track","missing":[]}"#).expect("ok");
    assert!(!m.missing_tokens().is_missing("NA"));
    let m = Mapping::from_json(
        r#"{"type":"track","rules":[{"from":"p","to":"properties.p","as":"number","decimal":",","thousands":".","invalid":"drop"}]}"#,
    )
    .expect("ok");
    assert_eq!(m.rules[0].decimal, Some(','));
    assert_eq!(m.rules[0].invalid, Some(InvalidPolicy::Drop));
    assert_eq!(
        Mapping::from_json(&m.to_json_pretty()).expect("round trip"),
        m
    );
}

#[test]
fn type_may_come_from_a_rule() {
    let m = Mapping::from_json(r#"{"rules":[{"from":"kind","to":"type"}]}"#).expect("ok");
    assert_eq!(m.call_type, None);
    assert_eq!(CallType::parse(" Identify "), Some(CallType::Identify));
    assert_eq!(CallType::parse("tracks"), None);
}

#[test]
fn unwritten_required_fields_are_named_before_any_row_is_read() {
    let gaps = |json: &str| -> Vec<(&str, &str)> {
        let m = Mapping::from_json(json).unwrap();
        m.unwritten_required()
            .iter()
            .map(|(c, f, _)| (c.as_str(), *f))
            .collect()
    };
    let rule = |to: &str| format!(r#"{{"from": "c", "to": "{to}"}}"#);
    let of = |t: &str, tos: &[&str]| {
        let rules: Vec<String> = tos.iter().map(|to| rule(to)).collect();
        format!(r#"{{"type": "{t}", "rules": [{}]}}"#, rules.join(","))
    };
    assert_eq!(
        gaps(&of("track", &["timestamp"])),
        [("missing_identity", "userId"), ("missing_event", "event")]
    );
    assert_eq!(gaps(&of("track", &["anonymousId", "event"])), []);
    assert_eq!(
        gaps(&of("identify", &["traits.email"])),
        [("missing_identity", "userId")]
    );
    assert_eq!(
        gaps(&of("group", &["userId"])),
        [("missing_group_id", "groupId")]
    );
    assert_eq!(
        gaps(&of("alias", &["anonymousId"])),
        [
            ("missing_previous_id", "previousId"),
            ("missing_identity", "userId")
        ]
    );
    // The type from the data: each row its own, nothing to say up front.
    assert_eq!(gaps(r#"{"rules": [{"from": "t", "to": "type"}]}"#), []);
}
