//! Missing-value tokens, a rule's `invalid` policy and number separators,
//! as a user sees them: the message sent, or the finding with its words.

use super::*;
use crate::mapping::Mapping;
use crate::source::Fields;
use serde_json::json;

const NOW: i64 = 1_800_000_000_000;

/// Builds one CSV row: the message bytes (or `None`) and the findings.
fn build(mapping: &str, cols: &[&str], cells: &[&str]) -> (Option<String>, Vec<Issue>) {
    let mapping = Mapping::from_json(mapping).expect("mapping");
    let cols: Vec<String> = cols.iter().map(|s| s.to_string()).collect();
    let mut b = MessageBuilder::for_columns(&mapping, &cols, NOW).expect("compiles");
    let mut data = Vec::new();
    let mut ends = Vec::new();
    for c in cells {
        data.extend_from_slice(c.as_bytes());
        ends.push(data.len());
    }
    let mut out = Vec::new();
    let mut issues = Vec::new();
    let built = b.build(
        7,
        Row::csv(Fields::new(&data, &ends)),
        &mut out,
        &mut issues,
    );
    let text = built.map(|_| String::from_utf8(out).expect("utf-8"));
    (text, issues)
}

fn message(mapping: &str, cols: &[&str], cells: &[&str]) -> serde_json::Value {
    let (text, issues) = build(mapping, cols, cells);
    let text = text.unwrap_or_else(|| panic!("rejected: {issues:?}"));
    serde_json::from_str(&text).expect("valid JSON")
}

fn codes(issues: &[Issue]) -> Vec<Code> {
    issues.iter().map(|i| i.code).collect()
}

const FLIGHTS: &str = r#"{
  "type": "track",
  "rules": [
    {"from": "tailnum", "to": "userId"},
    {"value": "Flight Departed", "to": "event"},
    {"from": "dep_delay", "to": "properties.dep_delay", "as": "number"}
  ],
  "rest": "properties"
}"#;

#[test]
fn a_missing_token_in_the_id_is_missing_identity_and_says_so() {
    let (sent, issues) = build(
        FLIGHTS,
        &["tailnum", "dep_delay", "carrier"],
        &[" NA", "2", "UA"],
    );
    assert_eq!(sent, None, "never sent as user \"NA\"");
    assert_eq!(codes(&issues), vec![Code::MissingIdentity]);
    assert_eq!(issues[0].column.as_deref(), Some("tailnum"));
    assert!(
        issues[0].message.ends_with(
            "; userId: the cell holds \"NA\", a missing-value token (see the mapping's missing list)"
        ),
        "{}",
        issues[0].message
    );
    // An empty id says nothing about tokens.
    let (_, issues) = build(
        FLIGHTS,
        &["tailnum", "dep_delay", "carrier"],
        &["", "2", "UA"],
    );
    assert!(
        !issues[0].message.contains("token"),
        "{}",
        issues[0].message
    );
}

#[test]
fn a_row_with_na_cells_is_sent_without_them_byte_for_byte() {
    let (sent, issues) = build(
        FLIGHTS,
        &["tailnum", "dep_delay", "carrier", "arr_delay"],
        &["N14228", "NA", "UA", "NULL"],
    );
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(
        sent.as_deref(),
        Some(
            r#"{"type":"track","userId":"N14228","event":"Flight Departed","properties":{"carrier":"UA"},"messageId":"5fd86ff2-b47d-886c-bb29-e9a0c8a5b00f"}"#
        )
    );
}

#[test]
fn a_property_token_follows_the_rules_empty_policy() {
    let cols = ["tailnum", "dep_delay"];
    let with = |empty: &str| {
        FLIGHTS.replace(
            r#""as": "number"}"#,
            &format!(r#""as": "number", "empty": "{empty}"}}"#),
        )
    };
    let m = message(&with("skip"), &cols, &["N1", "NA"]);
    assert_eq!(m.get("properties"), None);
    let m = message(&with("null"), &cols, &["N1", "NA"]);
    assert_eq!(m["properties"], json!({"dep_delay": null}));
    let m = message(&with("string"), &cols, &["N1", "N/A"]);
    assert_eq!(m["properties"], json!({"dep_delay": ""}));
    // A string rule too; a constant is never a missing value.
    let mapping = r#"{"type":"track","rules":[
        {"from":"u","to":"userId"},{"from":"e","to":"event"},
        {"from":"c","to":"properties.city","empty":"null"},
        {"value":"NA","to":"properties.region"}]}"#;
    let m = message(mapping, &["u", "e", "c"], &["1", "x", "#N/A"]);
    assert_eq!(m["properties"], json!({"city": null, "region": "NA"}));
}

#[test]
fn an_empty_or_custom_missing_list_changes_what_counts() {
    let cols = ["tailnum", "dep_delay", "carrier"];
    let off = FLIGHTS.replacen('{', r#"{"missing": [],"#, 1);
    let m = message(&off, &cols, &["NA", "3", "NA"]);
    assert_eq!(m["userId"], "NA", "the user asked for no tokens");
    assert_eq!(m["properties"]["carrier"], "NA");
    let (_, issues) = build(&off, &cols, &["N1", "NA", "UA"]);
    assert_eq!(codes(&issues), vec![Code::InvalidNumber]);
    let custom = FLIGHTS.replacen('{', r#"{"missing": ["?", "n/a"],"#, 1);
    let m = message(&custom, &cols, &["N1", "?", "n/a"]);
    assert_eq!(m.get("properties"), None);
    let m = message(&custom, &cols, &["NA", "1", "-"]);
    assert_eq!(m["userId"], "NA", "NA is not in the custom list");
    assert_eq!(m["properties"]["carrier"], "-");
}

#[test]
fn json_records_tokens_in_mapped_strings_only() {
    let mapping = Mapping::from_json(FLIGHTS).expect("mapping");
    let mut b = MessageBuilder::for_json(&mapping, NOW).expect("compiles");
    let record = json!({"tailnum": "N1", "dep_delay": "NA", "carrier": "NA", "gate": null});
    let mut out = Vec::new();
    let mut issues = Vec::new();
    let row = Row::Json(record.as_object().expect("object"));
    assert!(
        b.build(2, row, &mut out, &mut issues).is_some(),
        "{issues:?}"
    );
    let m: serde_json::Value = serde_json::from_slice(&out).expect("json");
    // The mapped "NA" is empty (skipped); the unmapped one is typed JSON, sent as it is.
    assert_eq!(m["properties"], json!({"carrier": "NA"}));
    let record = json!({"tailnum": "null", "dep_delay": 1});
    out.clear();
    issues.clear();
    let row = Row::Json(record.as_object().expect("object"));
    assert!(b.build(3, row, &mut out, &mut issues).is_none());
    assert!(issues[0].message.contains("holds \"null\""), "{issues:?}");
}

const PRICES: &str = r#"{"type":"track","rules":[
    {"from":"u","to":"userId"},{"value":"Bought","to":"event"},
    {"from":"p","to":"properties.price","as":"number"POLICY}]}"#;

fn prices(policy: &str) -> String {
    PRICES.replace("POLICY", &format!(r#","invalid":"{policy}""#))
}

#[test]
fn invalid_reject_drop_and_text() {
    let cols = ["u", "p"];
    let (sent, issues) = build(&prices("reject"), &cols, &["1", "12,50"]);
    assert_eq!((sent, codes(&issues)), (None, vec![Code::InvalidNumber]));

    let (sent, issues) = build(&prices("drop"), &cols, &["1", "12,50"]);
    let sent = sent.expect("sent");
    assert!(
        sent.starts_with(r#"{"type":"track","userId":"1","event":"Bought","messageId":""#),
        "{sent}"
    );
    assert_eq!(codes(&issues), vec![Code::ValueDropped]);
    assert!(Code::ValueDropped.is_warning());
    assert_eq!(issues[0].column.as_deref(), Some("p"));
    assert_eq!(
        issues[0].message,
        "\"12,50\" is not a number; properties.price is left out of this row's message \
         (the rule's invalid: drop), the row is sent"
    );

    let (sent, issues) = build(&prices("text"), &cols, &["1", " 12,50"]);
    let sent = sent.expect("sent");
    assert!(
        sent.starts_with(
            r#"{"type":"track","userId":"1","event":"Bought","properties":{"price":" 12,50"},"messageId":""#
        ),
        "{sent}"
    );
    assert_eq!(codes(&issues), vec![Code::ValueKeptAsText]);
    assert!(issues[0].message.contains("sent as the text \" 12,50\""));
    // A value that converts is written as usual under either policy.
    assert_eq!(
        message(&prices("text"), &cols, &["1", "3.5"])["properties"]["price"],
        3.5
    );
}

#[test]
fn a_dropped_value_does_not_hide_another_reason() {
    let mapping = r#"{"type":"track","rules":[
        {"from":"u","to":"userId"},{"value":"Bought","to":"event"},
        {"from":"p","to":"properties.price","as":"number","invalid":"drop"},
        {"from":"q","to":"properties.quantity","as":"integer"}]}"#;
    let (sent, issues) = build(mapping, &["u", "p", "q"], &["1", "x", "y"]);
    assert_eq!(sent, None);
    assert_eq!(
        codes(&issues),
        vec![Code::ValueDropped, Code::InvalidInteger]
    );
}

fn number(
    decimal: Option<char>,
    thousands: Option<char>,
    kind: &str,
    cell: &str,
) -> Result<String, String> {
    let mut rule = format!(r#"{{"from":"p","to":"properties.n","as":"{kind}""#);
    if let Some(d) = decimal {
        rule.push_str(&format!(r#","decimal":"{d}""#));
    }
    if let Some(t) = thousands {
        rule.push_str(&format!(r#","thousands":"{t}""#));
    }
    let mapping = format!(
        r#"{{"type":"identify","rules":[{{"from":"u","to":"userId"}},{rule}}}],"missing":[]}}"#
    );
    match build(&mapping, &["u", "p"], &["1", cell]) {
        (Some(text), _) => {
            let m: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            // The number's text exactly as sent.
            let start = text.find("\"n\":").map(|i| i + 4).unwrap_or(0);
            let end = text[start..].find('}').map_or(text.len(), |e| start + e);
            assert!(m["properties"]["n"].is_number(), "{text}");
            Ok(text[start..end].to_string())
        }
        (None, issues) => Err(format!("{}: {}", issues[0].code, issues[0].message)),
    }
}

#[test]
fn decimal_comma_and_thousands_groups() {
    let ok = |d, t, kind, cell: &str, want: &str| {
        assert_eq!(number(d, t, kind, cell).as_deref(), Ok(want), "{cell:?}");
    };
    ok(Some(','), None, "number", "3,50", "3.50");
    ok(Some(','), None, "number", "-0,5", "-0.5");
    ok(Some(','), None, "number", "12", "12");
    ok(Some(','), Some('.'), "number", "1.234,50", "1234.50");
    ok(Some(','), Some('.'), "number", "12.345.678", "12345678");
    ok(Some(','), Some(' '), "number", " 1 234,5 ", "1234.5");
    ok(
        Some(','),
        Some('\u{a0}'),
        "number",
        "1\u{a0}234,5",
        "1234.5",
    );
    ok(None, Some(','), "number", "1,234.5", "1234.5");
    ok(None, Some('\''), "integer", "1'000'000", "1000000");
    ok(None, Some('_'), "integer", "-1_000", "-1000");
    ok(Some(','), None, "number", "1,5e3", "1.5e3");

    let refused = |d, t, kind, cell: &str, code: &str, why: &str| {
        let e = number(d, t, kind, cell).expect_err(cell);
        assert!(e.starts_with(code) && e.contains(why), "{cell:?}: {e}");
    };
    let groups = "stands only between groups of three digits";
    refused(
        Some(','),
        Some('.'),
        "number",
        "1.5",
        "invalid_number",
        groups,
    );
    refused(
        None,
        Some(','),
        "number",
        "1,2345",
        "invalid_number",
        groups,
    );
    refused(
        None,
        Some(','),
        "number",
        "12345,678",
        "invalid_number",
        groups,
    );
    refused(None, Some(','), "number", "1,23", "invalid_number", groups);
    refused(
        Some(','),
        None,
        "number",
        ",5",
        "invalid_number",
        "no digit before",
    );
    refused(
        Some(','),
        None,
        "number",
        "1,,5",
        "invalid_number",
        "no digit after",
    );
    refused(
        Some(','),
        None,
        "number",
        "1,5,3",
        "invalid_number",
        "second decimal",
    );
    refused(
        Some(','),
        None,
        "number",
        "1.5",
        "invalid_number",
        "neither the decimal",
    );
    refused(
        Some(','),
        Some('.'),
        "number",
        "1,234.5",
        "invalid_number",
        "after the decimal",
    );
    refused(
        Some(','),
        None,
        "number",
        "3,50 €",
        "invalid_number",
        "not part of a number",
    );
    refused(
        Some(','),
        Some('.'),
        "integer",
        "1.234,5",
        "invalid_integer",
        "no decimal part",
    );
    refused(
        None,
        Some(','),
        "integer",
        "1,,000",
        "invalid_integer",
        groups,
    );
    // The message quotes the cell and the rule's separators.
    let e = number(Some(','), Some('.'), "number", "1.5").expect_err("1.5");
    assert!(
        e.contains("\"1.5\" is not a number with the rule's decimal separator ',', thousands separator '.'"),
        "{e}"
    );
    // Without separators, nothing changes: "1,5" is refused as before.
    refused(
        None,
        None,
        "number",
        "1,5",
        "invalid_number",
        "\"1,5\" is not a number",
    );
}

#[test]
fn separators_never_panic_lose_or_invent_a_digit() {
    // Every string of up to 5 characters over an alphabet of digits,
    // separators, signs and a multi-byte space, under every setting.
    let alphabet = ['1', '0', '.', ',', ' ', '\u{a0}', '-', 'e', '\''];
    let settings = [
        Separators::of(Some(','), None),
        Separators::of(Some(','), Some('.')),
        Separators::of(Some('.'), Some(',')),
        Separators::of(Some(','), Some('\u{a0}')),
        Separators::of(None, Some('\'')),
    ];
    let mut texts = vec![String::new()];
    for _ in 0..5 {
        let longer: Vec<String> = texts
            .iter()
            .filter(|t| t.chars().count() == texts.last().map_or(0, |l| l.chars().count()))
            .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
            .collect();
        texts.extend(longer);
    }
    let digits = |t: &str| t.chars().filter(char::is_ascii_digit).collect::<String>();
    for seps in settings.into_iter().flatten() {
        for t in &texts {
            for kind in [ValueKind::Number, ValueKind::Integer] {
                if let Ok(plain) = seps.plain(t, kind) {
                    assert_eq!(digits(&plain), digits(t), "{t:?} {seps:?}");
                    assert!(plain.parse::<f64>().is_ok(), "{t:?} → {plain:?}");
                    assert!(!plain.contains([',', ' ', '\'', '\u{a0}']), "{plain:?}");
                }
            }
        }
    }
}
