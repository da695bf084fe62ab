use super::*;
use crate::mapping::Mapping;
use serde_json::json;

const NOW: i64 = 1_800_000_000_000; // 2027-01-15

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Builds one CSV row; returns the message as JSON, or the issue codes.
fn run(
    mapping: &str,
    cols: &[&str],
    cells: &[&str],
) -> Result<(serde_json::Value, Vec<Issue>), Vec<Code>> {
    let mapping = Mapping::from_json(mapping).expect("mapping");
    let mut b = MessageBuilder::for_columns(&mapping, &headers(cols), NOW).expect("compiles");
    let mut data = Vec::new();
    let mut ends = Vec::new();
    for c in cells {
        data.extend_from_slice(c.as_bytes());
        ends.push(data.len());
    }
    let mut out = Vec::new();
    let mut issues = Vec::new();
    match b.build(
        2,
        Row::csv(Fields::new(&data, &ends)),
        &mut out,
        &mut issues,
    ) {
        Some(_) => Ok((serde_json::from_slice(&out).expect("valid JSON"), issues)),
        None => Err(issues.iter().map(|i| i.code).collect()),
    }
}

const ORDERS: &str = r#"{
  "type": "track",
  "rules": [
    {"from": "user_id", "to": "userId"},
    {"value": "Order Completed", "to": "event"},
    {"from": "created_at", "to": "timestamp", "as": "timestamp"},
    {"from": "price", "to": "properties.revenue", "as": "number"}
  ],
  "rest": "properties"
}"#;

#[test]
fn the_seed_mapping_builds_a_track_call() {
    let (m, issues) = run(
        ORDERS,
        &["user_id", "created_at", "price", "sku", "note"],
        &["007", "2024-03-01T10:00:00Z", "12.50", "A-1", ""],
    )
    .expect("valid");
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(m["type"], "track");
    assert_eq!(m["userId"], "007");
    assert_eq!(m["event"], "Order Completed");
    assert_eq!(m["timestamp"], "2024-03-01T10:00:00.000Z");
    assert_eq!(
        m["properties"],
        json!({"revenue": 12.50, "sku": "A-1"}),
        "empty note sets nothing"
    );
    let id = m["messageId"].as_str().expect("messageId");
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "8");
}

#[test]
fn message_ids_are_deterministic_and_row_sensitive() {
    let mapping = Mapping::from_json(ORDERS).expect("mapping");
    let cols = headers(&["user_id", "created_at", "price"]);
    let data = b"12024-01-01T00:00:00Z9";
    let ends = [1, 21, 22];
    let id = |row: u64| {
        let mut b = MessageBuilder::for_columns(&mapping, &cols, NOW).expect("compiles");
        let mut out = Vec::new();
        b.build(
            row,
            Row::csv(Fields::new(data, &ends)),
            &mut out,
            &mut Vec::new(),
        )
        .expect("valid");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
        v["messageId"].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(id(5), id(5));
    assert_ne!(id(5), id(6));
}

#[test]
fn mapped_message_id_is_used_and_checked() {
    let m = r#"{"type":"identify","rules":[{"from":"id","to":"userId"},{"from":"mid","to":"messageId"}]}"#;
    let (v, _) = run(m, &["id", "mid"], &["u1", "abc"]).expect("valid");
    assert_eq!(v["messageId"], "abc");
    let long = "x".repeat(101);
    assert_eq!(
        run(m, &["id", "mid"], &["u1", &long]).err(),
        Some(vec![Code::MessageIdTooLong])
    );
    // An empty mapped id falls back to the derived one.
    let (v, _) = run(m, &["id", "mid"], &["u1", ""]).expect("valid");
    assert_eq!(v["messageId"].as_str().map(str::len), Some(36));
}

#[test]
fn required_fields_per_type() {
    assert_eq!(
        run(
            ORDERS,
            &["user_id", "created_at", "price"],
            &["", "2024-01-01", "1"]
        )
        .err(),
        Some(vec![Code::MissingIdentity])
    );
    let no_event =
        r#"{"type":"track","rules":[{"from":"u","to":"userId"},{"from":"e","to":"event"}]}"#;
    assert_eq!(
        run(no_event, &["u", "e"], &["1", ""]).err(),
        Some(vec![Code::MissingEvent])
    );
    let group =
        r#"{"type":"group","rules":[{"from":"u","to":"userId"},{"from":"g","to":"groupId"}]}"#;
    assert_eq!(
        run(group, &["u", "g"], &["1", ""]).err(),
        Some(vec![Code::MissingGroupId])
    );
    assert!(run(group, &["u", "g"], &["1", "acme"]).is_ok());
    let alias =
        r#"{"type":"alias","rules":[{"from":"u","to":"userId"},{"from":"p","to":"previousId"}]}"#;
    assert_eq!(
        run(alias, &["u", "p"], &["1", ""]).err(),
        Some(vec![Code::MissingPreviousId])
    );
    let (v, _) = run(alias, &["u", "p"], &["1", "anon-9"]).expect("valid");
    assert_eq!(v["previousId"], "anon-9");
}

#[test]
fn type_from_a_column() {
    let m = r#"{"rules":[{"from":"t","to":"type"},{"from":"u","to":"userId"},{"from":"e","to":"event"}]}"#;
    let (v, _) = run(m, &["t", "u", "e"], &["Identify", "1", ""]).expect("identify needs no event");
    assert_eq!(v["type"], "identify");
    assert_eq!(
        run(m, &["t", "u", "e"], &["track", "1", ""]).err(),
        Some(vec![Code::MissingEvent])
    );
    assert_eq!(
        run(m, &["t", "u", "e"], &["purchase", "1", "x"]).err(),
        Some(vec![Code::InvalidType])
    );
}

#[test]
fn conversions_and_empty_policies() {
    let m = r#"{"type":"identify","rules":[
        {"from":"u","to":"userId"},
        {"from":"n","to":"traits.age","as":"integer"},
        {"from":"b","to":"traits.vip","as":"boolean"},
        {"from":"j","to":"traits.tags","as":"json"},
        {"from":"x","to":"traits.nickname","empty":"null"},
        {"from":"y","to":"traits.note","empty":"string"},
        {"value":42,"to":"context.app.build"}
    ]}"#;
    let cols = ["u", "n", "b", "j", "x", "y"];
    let (v, _) = run(m, &cols, &["1", "33", "yes", "[\"a\"]", "", ""]).expect("valid");
    assert_eq!(
        v["traits"],
        json!({"age": 33, "vip": true, "tags": ["a"], "nickname": null, "note": ""})
    );
    assert_eq!(v["context"], json!({"app": {"build": 42}}));
    let errs = run(m, &cols, &["1", "3.5", "maybe", "{", "", ""]).expect_err("rejected");
    assert_eq!(
        errs,
        vec![
            Code::InvalidInteger,
            Code::InvalidBoolean,
            Code::InvalidJson
        ]
    );
}

#[test]
fn timestamps_warn_and_reject() {
    let (_, issues) = run(
        ORDERS,
        &["user_id", "created_at", "price"],
        &["1", "1965-05-01", "1"],
    )
    .expect("sent");
    assert_eq!(
        issues.iter().map(|i| i.code).collect::<Vec<_>>(),
        vec![Code::TimestampBefore1970]
    );
    let (_, issues) = run(
        ORDERS,
        &["user_id", "created_at", "price"],
        &["1", "2099-01-01", "1"],
    )
    .expect("sent");
    assert_eq!(issues[0].code, Code::TimestampInFuture);
    assert_eq!(
        run(
            ORDERS,
            &["user_id", "created_at", "price"],
            &["1", "yesterday", "1"]
        )
        .err(),
        Some(vec![Code::InvalidTimestamp])
    );
    assert_eq!(
        run(
            ORDERS,
            &["user_id", "created_at", "price"],
            &["1", "03/04/2024", "1"]
        )
        .err(),
        Some(vec![Code::AmbiguousDate])
    );
    let dmy = ORDERS.replace(
        r#""as": "timestamp""#,
        r#""as": "timestamp", "dateOrder": "dmy""#,
    );
    let (v, _) = run(
        &dmy,
        &["user_id", "created_at", "price"],
        &["1", "03/04/2024", "1"],
    )
    .expect("decided");
    assert_eq!(v["timestamp"], "2024-04-03T00:00:00.000Z");
    let berlin = ORDERS.replace(
        r#""as": "timestamp""#,
        r#""as": "timestamp", "timezone": "Europe/Berlin""#,
    );
    let (v, _) = run(
        &berlin,
        &["user_id", "created_at", "price"],
        &["1", "2024-07-01 12:00", "1"],
    )
    .expect("ok");
    assert_eq!(v["timestamp"], "2024-07-01T10:00:00.000Z");
}

#[test]
fn issues_name_row_and_column() {
    let mapping = Mapping::from_json(ORDERS).expect("mapping");
    let mut b =
        MessageBuilder::for_columns(&mapping, &headers(&["user_id", "created_at", "price"]), NOW)
            .expect("compiles");
    let mut issues = Vec::new();
    let data = b"1nope12";
    let built = b.build(
        17,
        Row::Csv(Fields::new(data, &[1, 5, 7])),
        &mut Vec::new(),
        &mut issues,
    );
    assert!(built.is_none());
    assert_eq!(issues[0].row, 17);
    assert_eq!(issues[0].column.as_deref(), Some("created_at"));
    assert!(issues[0].message.contains("nope"), "{}", issues[0].message);
}

#[test]
fn unknown_columns_and_notes() {
    let mapping = Mapping::from_json(ORDERS).expect("mapping");
    let err =
        MessageBuilder::for_columns(&mapping, &headers(&["User_Id", "created_at", "price"]), NOW)
            .expect_err("missing column");
    assert!(err.0.contains("did you mean \"User_Id\""), "{err}");

    let m = Mapping::from_json(
        r#"{"type":"track","rules":[{"from":"u","to":"userId"},{"from":"e","to":"event"},{"from":"p","to":"properties.revenue","as":"number"}],"rest":"properties"}"#,
    )
    .expect("mapping");
    let b = MessageBuilder::for_columns(&m, &headers(&["u", "e", "p", "revenue"]), NOW)
        .expect("compiles");
    assert!(b
        .notes()
        .iter()
        .any(|n| n.contains("no column is mapped to timestamp")));
    assert!(b
        .notes()
        .iter()
        .any(|n| n.contains("\"revenue\" is not sent")));
}

#[test]
fn invalid_utf8_cell_is_rejected_not_garbled() {
    let mapping = Mapping::from_json(ORDERS).expect("mapping");
    let mut b =
        MessageBuilder::for_columns(&mapping, &headers(&["user_id", "created_at", "price"]), NOW)
            .expect("compiles");
    let data = b"\xe9t\xe92024-01-011";
    let mut issues = Vec::new();
    assert!(b
        .build(
            3,
            Row::Csv(Fields::new(data, &[3, 13, 14])),
            &mut Vec::new(),
            &mut issues
        )
        .is_none());
    assert_eq!(issues[0].code, Code::InvalidText);
}

#[test]
fn oversize_message_is_rejected() {
    let m = r#"{"type":"track","rules":[{"from":"u","to":"userId"},{"value":"E","to":"event"}],"rest":"properties"}"#;
    let big = "x".repeat(40_000);
    assert_eq!(
        run(m, &["u", "blob"], &["1", &big]).err(),
        Some(vec![Code::MessageTooLarge])
    );
}

#[test]
fn json_records_with_a_mapping() {
    let m = Mapping::from_json(
        r#"{"type":"track","rules":[{"from":"user.id","to":"userId"},{"from":"name","to":"event"},{"from":"at","to":"timestamp"}],"rest":"properties"}"#,
    )
    .expect("mapping");
    let mut b = MessageBuilder::for_json(&m, NOW).expect("compiles");
    let obj =
        json!({"user": {"id": 7}, "name": "Signed Up", "at": 1700000000, "plan": "pro", "n": 3});
    let mut out = Vec::new();
    let built = b.build(
        1,
        Row::Json(obj.as_object().expect("object")),
        &mut out,
        &mut Vec::new(),
    );
    assert!(built.is_some());
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(v["userId"], "7");
    assert_eq!(v["timestamp"], "2023-11-14T22:13:20.000Z");
    assert_eq!(v["properties"], json!({"plan": "pro", "n": 3}));
}

#[test]
fn passthrough_and_replay() {
    let line = json!({
        "type": "track", "userId": "u1", "event": "Viewed", "timestamp": "2019-05-02T18:33:59.5+02:00",
        "sentAt": "2019-05-02T18:34:00Z", "messageId": "old-id", "projectId": "p", "receivedAt": "2019-05-02T18:34:01Z",
        "properties": {"a": 1}
    });
    let mut p = passthrough::Passthrough::new(true, NOW);
    let mut out = Vec::new();
    let built = p.build(
        4,
        line.as_object().cloned().unwrap_or_default(),
        &mut out,
        &mut Vec::new(),
    );
    assert!(built.is_some());
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(
        v["timestamp"], "2019-05-02T16:33:59.500Z",
        "kept, normalised to UTC"
    );
    for gone in ["sentAt", "projectId", "receivedAt"] {
        assert!(v.get(gone).is_none(), "{gone} removed");
    }
    assert_ne!(v["messageId"], "old-id");
    assert_eq!(p.last_event(), Some("Viewed"));

    let mut keep = passthrough::Passthrough::new(false, NOW);
    out.clear();
    keep.build(
        4,
        line.as_object().cloned().unwrap_or_default(),
        &mut out,
        &mut Vec::new(),
    );
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(v["messageId"], "old-id");

    let mut issues = Vec::new();
    let bad = json!({"type": "track", "userId": "u", "event": "E", "properties": [1]});
    assert!(keep
        .build(
            9,
            bad.as_object().cloned().unwrap_or_default(),
            &mut out,
            &mut issues
        )
        .is_none());
    assert_eq!(issues[0].code, Code::NotAnObject);
    issues.clear();
    let bad = json!({"type": "trak", "userId": "u"});
    assert!(keep
        .build(
            9,
            bad.as_object().cloned().unwrap_or_default(),
            &mut out,
            &mut issues
        )
        .is_none());
    assert_eq!(issues[0].code, Code::InvalidType);
    let v: serde_json::Value =
        serde_json::from_slice(&out).expect("rejections leave out as it was");
    assert_eq!(v["messageId"], "old-id");
}

/// Builds one JSON record through a passthrough (not a replay); the
/// message, or `None`, and the finding codes.
fn pass(record: serde_json::Value, row: u64) -> (Option<serde_json::Value>, Vec<Code>) {
    let mut p = passthrough::Passthrough::new(false, NOW);
    let mut out = Vec::new();
    let mut issues = Vec::new();
    let built = p.build(
        row,
        record.as_object().cloned().unwrap_or_default(),
        &mut out,
        &mut issues,
    );
    let codes = issues.iter().map(|i| i.code).collect();
    (built.and_then(|_| serde_json::from_slice(&out).ok()), codes)
}

#[test]
fn null_and_empty_message_ids_are_replaced_never_shared() {
    let base = json!({"type": "track", "userId": "u", "event": "E"});
    let with_id = |id: serde_json::Value| {
        let mut r = base.clone();
        r["messageId"] = id;
        r
    };
    let mut ids = Vec::new();
    for (row, id) in [
        (1, json!(null)),
        (2, json!(null)),
        (3, json!("")),
        (4, json!("   ")),
    ] {
        let (v, codes) = pass(with_id(id.clone()), row);
        let v = v.expect("sent");
        let sent = v["messageId"].as_str().unwrap_or_default().to_string();
        assert_eq!(sent.len(), 36, "{id}: a derived id, not {sent:?}");
        assert_eq!(codes, vec![Code::MessageIdReplaced], "{id}: said, counted");
        ids.push(sent);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "no two rows share an id");
    // A number is an id; anything else is not.
    let (v, codes) = pass(with_id(json!(1234)), 5);
    assert_eq!(v.expect("sent")["messageId"], "1234");
    assert!(codes.is_empty());
    for bad in [json!(true), json!({"id": 1}), json!([1])] {
        let (v, codes) = pass(with_id(bad.clone()), 6);
        assert!(v.is_none(), "{bad}");
        assert_eq!(codes, vec![Code::InvalidMessageId], "{bad}");
    }
}

#[test]
fn a_message_level_sent_at_is_never_sent() {
    let record = json!({"type": "track", "userId": "u", "event": "E",
        "timestamp": "2020-01-01T00:00:00Z", "sentAt": "2020-01-01T00:00:05Z",
        "sent_at": "2020-01-01T00:00:05Z", "messageId": "keep-me"});
    let (v, codes) = pass(record, 3);
    let v = v.expect("sent");
    assert!(v.get("sentAt").is_none() && v.get("sent_at").is_none());
    assert_eq!(v["messageId"], "keep-me", "not a replay: the id stays");
    assert_eq!(codes, vec![Code::SentAtDropped, Code::SentAtDropped]);
}

#[test]
fn messages_are_appended_and_rejections_take_nothing_away() {
    // The pipeline builds each message at the end of the batch body being
    // filled: what is there already must stay, and the message (its id
    // included) must not depend on it.
    let mapping = Mapping::from_json(ORDERS).expect("mapping");
    let cols = headers(&["user_id", "created_at", "price"]);
    let mut b = MessageBuilder::for_columns(&mapping, &cols, NOW).expect("compiles");
    let mut build = |out: &mut Vec<u8>, cells: &[&str]| build_cells(&mut b, 7, cells, out);
    let good = ["u1", "2024-01-01", "9.5"];
    let mut alone = Vec::new();
    assert!(build(&mut alone, &good).is_some());
    let mut after = b"{\"batch\":[".to_vec();
    assert!(build(&mut after, &good).is_some());
    assert_eq!(&after[..10], b"{\"batch\":[");
    assert_eq!(&after[10..], &alone[..], "same message, same id");

    for bad in [
        ["u1", "not a date", "1"],
        ["", "2024-01-01", "1"],
        ["u1", "2024-01-01", "x"],
    ] {
        let before = after.clone();
        assert!(build(&mut after, &bad).is_none(), "{bad:?} is rejected");
        assert_eq!(after, before, "{bad:?} leaves the body as it was");
    }

    // A call type from a column goes in front of the message, not of the body.
    let typed = Mapping::from_json(
        r#"{"rules":[{"from":"t","to":"type"},{"from":"u","to":"userId"},{"from":"e","to":"event"}]}"#,
    )
    .expect("mapping");
    let mut b =
        MessageBuilder::for_columns(&typed, &headers(&["t", "u", "e"]), NOW).expect("compiles");
    let mut out = b"[".to_vec();
    assert!(build_cells(&mut b, 3, &["identify", "u1", "E"], &mut out).is_some());
    let v: serde_json::Value = serde_json::from_slice(&out[1..]).expect("json");
    assert_eq!(v["type"], "identify");
    assert_eq!(v["userId"], "u1");
}

#[test]
fn a_mapped_message_id_is_kept_when_the_type_comes_from_a_column() {
    // The type is put in front once the row is done; the mapped messageId
    // must still be seen (and no second, derived one added).
    let m = Mapping::from_json(
        r#"{"rules":[{"from":"t","to":"type"},{"from":"u","to":"userId"},{"from":"id","to":"messageId"}]}"#,
    )
    .expect("mapping");
    let mut b =
        MessageBuilder::for_columns(&m, &headers(&["t", "u", "id"]), NOW).expect("compiles");
    let mut out = Vec::new();
    assert!(build_cells(&mut b, 3, &["identify", "u1", "order-77"], &mut out).is_some());
    let text = String::from_utf8_lossy(&out).into_owned();
    assert_eq!(text.matches("\"messageId\"").count(), 1, "{text}");
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(v["messageId"], "order-77");
}

#[test]
fn invalid_text_in_a_rest_column_rejects_the_row() {
    let m = Mapping::from_json(
        r#"{"type":"identify","rules":[{"from":"u","to":"userId"}],"rest":"traits"}"#,
    )
    .expect("mapping");
    let mut b = MessageBuilder::for_columns(&m, &headers(&["u", "city"]), NOW).expect("compiles");
    let data = b"1M\xfcnchen";
    let mut issues = Vec::new();
    assert!(b
        .build(
            5,
            Row::Csv(Fields::new(data, &[1, 8])),
            &mut Vec::new(),
            &mut issues
        )
        .is_none());
    assert_eq!(issues[0].code, Code::InvalidText);
    assert_eq!(issues[0].column.as_deref(), Some("city"));
}

#[test]
fn a_character_split_by_a_delimiter_is_invalid_text_not_an_empty_cell() {
    // `\xc3,\xa9`: each cell holds half of "é". Laid end to end the two
    // halves are valid UTF-8, but neither cell is: the row must be rejected,
    // never sent with the cells left out.
    for rest in ["traits", "ignore"] {
        let m = Mapping::from_json(&format!(
            r#"{{"type":"identify","rules":[{{"from":"u","to":"userId"}},{{"from":"a","to":"traits.a"}}],"rest":"{rest}"}}"#
        ))
        .expect("mapping");
        let mut b =
            MessageBuilder::for_columns(&m, &headers(&["u", "a", "b"]), NOW).expect("compiles");
        let data = b"1\xc3\xa9";
        let mut issues = Vec::new();
        let row = Row::csv(Fields::new(data, &[1, 2, 3]));
        assert!(matches!(row, Row::Csv(_)), "not taken as text");
        assert!(b.build(5, row, &mut Vec::new(), &mut issues).is_none());
        assert_eq!(issues[0].code, Code::InvalidText, "{rest}");
        assert_eq!(issues[0].column.as_deref(), Some("a"));
    }
}

/// Builds the message of a CSV row with these cells onto `out`.
fn build_cells(
    b: &mut MessageBuilder,
    row: u64,
    cells: &[&str],
    out: &mut Vec<u8>,
) -> Option<Built> {
    let (mut data, mut ends) = (Vec::new(), Vec::new());
    for c in cells {
        data.extend_from_slice(c.as_bytes());
        ends.push(data.len());
    }
    b.build(
        row,
        Row::csv(Fields::new(&data, &ends)),
        out,
        &mut Vec::new(),
    )
}
