//! Suggesting a mapping from a file's headers (and, when given, sample rows).
//!
//! Deterministic: the same headers and samples always give the same mapping.
//! A header matches a field when it is equal to one of the field's aliases
//! after lower-casing and dropping everything but letters and digits, so
//! `User ID`, `user_id`, `userId` and `USERID` all match `userid`.

use super::{CallType, Mapping, Rule, ValueKind};
use crate::time::{detect_date_order, looks_like_timestamp};

/// Aliases in order of preference, first match wins.
const USER_ID: &[&str] = &[
    "userid",
    "uid",
    "user",
    "customerid",
    "memberid",
    "distinctid",
    "externalid",
    "accountuserid",
];
const ANONYMOUS_ID: &[&str] = &[
    "anonymousid",
    "anonid",
    "anonymoususerid",
    "deviceid",
    "visitorid",
    "cookieid",
];
const EVENT: &[&str] = &["event", "eventname", "action", "activity", "eventaction"];
const TIMESTAMP: &[&str] = &[
    "timestamp",
    "originaltimestamp",
    "occurredat",
    "eventtime",
    "eventtimestamp",
    "eventdate",
    "createdat",
    "datetime",
    "time",
    "date",
    "ts",
    "createdon",
    "created",
];
const MESSAGE_ID: &[&str] = &["messageid", "eventid"];
const GROUP_ID: &[&str] = &[
    "groupid",
    "accountid",
    "companyid",
    "organizationid",
    "organisationid",
    "orgid",
    "teamid",
];
const PREVIOUS_ID: &[&str] = &["previousid", "previoususerid", "oldid", "olduserid"];
const PAGE_NAME: &[&str] = &["name", "pagename", "screenname"];
const CATEGORY: &[&str] = &["category", "pagecategory"];
const CALL_TYPE: &[&str] = &["type", "calltype", "messagetype"];

/// Reserved identify/group traits: (alias, trait name).
const TRAITS: &[(&str, &str)] = &[
    ("email", "email"),
    ("emailaddress", "email"),
    ("firstname", "firstName"),
    ("lastname", "lastName"),
    ("name", "name"),
    ("fullname", "name"),
    ("phone", "phone"),
    ("phonenumber", "phone"),
    ("address", "address"),
    ("age", "age"),
    ("avatar", "avatar"),
    ("birthday", "birthday"),
    ("company", "company"),
    ("description", "description"),
    ("gender", "gender"),
    ("title", "title"),
    ("username", "username"),
    ("website", "website"),
    ("employees", "employees"),
    ("industry", "industry"),
    ("plan", "plan"),
];
/// Reserved page properties.
const PAGE_PROPERTIES: &[(&str, &str)] = &[
    ("url", "url"),
    ("pageurl", "url"),
    ("path", "path"),
    ("pagepath", "path"),
    ("referrer", "referrer"),
    ("title", "title"),
    ("pagetitle", "title"),
    ("search", "search"),
    ("keywords", "keywords"),
];
/// Reserved track properties that Segment's destinations read as numbers.
const NUMBER_PROPERTIES: &[(&str, &str)] = &[
    ("revenue", "revenue"),
    ("value", "value"),
    ("price", "price"),
    ("amount", "amount"),
    ("total", "total"),
    ("quantity", "quantity"),
];
const CONTEXT: &[(&str, &str)] = &[
    ("ip", "ip"),
    ("ipaddress", "ip"),
    ("useragent", "userAgent"),
    ("locale", "locale"),
    ("timezone", "timezone"),
];

/// Suggests a mapping for what [`crate::source::inspect`] saw: for one of
/// Segment's own archives, none but `replay: true` (each record is a message
/// to replay, and saying so in the mapping keeps every step showing what the
/// send does); else [`suggest_mapping`] from the columns and sample rows.
pub fn suggest_for(found: &crate::source::Inspection) -> Mapping {
    match found.archive {
        Some(_) => Mapping {
            replay: Some(true),
            ..Mapping::default()
        },
        None => suggest_mapping(&found.headers, &found.rows),
    }
}

/// Suggests a mapping for a file with these headers; `samples` (rows of cells
/// in header order, may be empty) refine it: a `type` column whose cells are
/// call types, number columns, the day/month order of slash dates.
pub fn suggest_mapping(headers: &[String], samples: &[Vec<String>]) -> Mapping {
    let keys: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    let mut used = vec![false; headers.len()];
    let column_values = |i: usize| {
        samples
            .iter()
            .filter_map(move |r| r.get(i))
            .map(String::as_str)
    };

    let find = |aliases: &[&str], used: &[bool]| -> Option<usize> {
        aliases.iter().find_map(|a| {
            keys.iter()
                .enumerate()
                .position(|(i, k)| !used[i] && k == a)
        })
    };

    let type_column = find(CALL_TYPE, &used).filter(|&i| {
        let mut values = column_values(i).filter(|v| !v.trim().is_empty()).peekable();
        values.peek().is_some() && values.all(|v| CallType::parse(v).is_some())
    });
    let event = find(EVENT, &used);
    let group_id = find(GROUP_ID, &used);
    let previous_id = find(PREVIOUS_ID, &used);
    let has = |table: &[(&str, &str)]| table.iter().any(|(a, _)| keys.iter().any(|k| k == a));
    let call_type = if previous_id.is_some() {
        CallType::Alias
    } else if event.is_some() {
        CallType::Track
    } else if group_id.is_some() {
        CallType::Group
    } else if keys
        .iter()
        .any(|k| k == "url" || k == "pageurl" || k == "path" || k == "pagepath")
    {
        CallType::Page
    } else if has(TRAITS) {
        CallType::Identify
    } else {
        CallType::Track
    };

    let mut rules = Vec::new();
    let take =
        |i: usize, to: &str, kind: Option<ValueKind>, used: &mut [bool], rules: &mut Vec<Rule>| {
            used[i] = true;
            rules.push(Rule {
                from: Some(headers[i].clone()),
                to: to.to_string(),
                kind,
                ..Rule::default()
            });
        };

    if let Some(i) = type_column {
        take(i, "type", None, &mut used, &mut rules);
    }
    let user_id = find(USER_ID, &used).or_else(|| {
        (call_type == CallType::Identify)
            .then(|| find(&["id"], &used))
            .flatten()
    });
    if let Some(i) = user_id {
        take(i, "userId", None, &mut used, &mut rules);
    }
    if let Some(i) = find(ANONYMOUS_ID, &used) {
        take(i, "anonymousId", None, &mut used, &mut rules);
    }
    if call_type == CallType::Alias {
        if let Some(i) = find(PREVIOUS_ID, &used) {
            take(i, "previousId", None, &mut used, &mut rules);
        }
    }
    if matches!(call_type, CallType::Track) || type_column.is_some() {
        if let Some(i) = find(EVENT, &used) {
            take(i, "event", None, &mut used, &mut rules);
        }
    }
    if call_type == CallType::Group || type_column.is_some() {
        if let Some(i) = find(GROUP_ID, &used) {
            take(i, "groupId", None, &mut used, &mut rules);
        }
    }
    if let Some(i) = find(TIMESTAMP, &used).filter(|&i| {
        // A column named like a time but holding something else is not suggested.
        let mut values = column_values(i).filter(|v| !v.trim().is_empty()).peekable();
        values.peek().is_none() || values.all(looks_like_timestamp)
    }) {
        used[i] = true;
        rules.push(Rule {
            from: Some(headers[i].clone()),
            to: "timestamp".into(),
            kind: Some(ValueKind::Timestamp),
            date_order: detect_date_order(column_values(i)),
            ..Rule::default()
        });
    }
    if let Some(i) = find(MESSAGE_ID, &used) {
        take(i, "messageId", None, &mut used, &mut rules);
    }
    if matches!(call_type, CallType::Page | CallType::Screen) {
        if let Some(i) = find(PAGE_NAME, &used) {
            take(i, "name", None, &mut used, &mut rules);
        }
        if let Some(i) = find(CATEGORY, &used) {
            take(i, "category", None, &mut used, &mut rules);
        }
    }

    let mut by_table =
        |table: &[(&str, &str)], prefix: &str, numeric: bool, used: &mut Vec<bool>| {
            for (alias, field) in table {
                let Some(i) = find(&[alias], used) else {
                    continue;
                };
                let to = format!("{prefix}.{field}");
                if rules.iter().any(|r| r.to == to) {
                    continue;
                }
                let kind = numeric.then_some(ValueKind::Number);
                if numeric && !column_values(i).all(|v| v.trim().is_empty() || is_plain_number(v)) {
                    continue;
                }
                take(i, &to, kind, used, &mut rules);
            }
        };
    match call_type {
        CallType::Identify | CallType::Group => by_table(TRAITS, "traits", false, &mut used),
        CallType::Page | CallType::Screen => {
            by_table(PAGE_PROPERTIES, "properties", false, &mut used)
        }
        CallType::Track => by_table(NUMBER_PROPERTIES, "properties", true, &mut used),
        CallType::Alias => {}
    }
    by_table(CONTEXT, "context", false, &mut used);

    Mapping {
        call_type: if type_column.is_some() {
            None
        } else {
            Some(call_type)
        },
        rules,
        rest: call_type.default_rest(),
        integrations: None,
        replay: None,
        missing: None,
    }
}

/// Lower case, letters and digits only: `User ID` → `userid`.
fn normalize(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A number that survives being sent as a JSON number: no leading zeros
/// (zip codes, ids), no more than 15 significant digits.
fn is_plain_number(text: &str) -> bool {
    let t = text.trim();
    let digits = t.trim_start_matches('-');
    let int_part = digits.split('.').next().unwrap_or("");
    if int_part.is_empty() || (int_part.len() > 1 && int_part.starts_with('0')) {
        return false;
    }
    digits.chars().filter(char::is_ascii_digit).count() <= 15
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
        && t.parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Rest;

    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn row(cells: &[&str]) -> Vec<String> {
        h(cells)
    }

    fn to_of(m: &Mapping, from: &str) -> Option<String> {
        m.rules
            .iter()
            .find(|r| r.from.as_deref() == Some(from))
            .map(|r| r.to.clone())
    }

    #[test]
    fn orders_export_becomes_track() {
        let headers = h(&[
            "Order ID",
            "User_Id",
            "Event Name",
            "created_at",
            "price",
            "zip",
        ]);
        let samples = vec![row(&[
            "A-1",
            "42",
            "Order Completed",
            "2024-01-02 10:00:00",
            "12.50",
            "02134",
        ])];
        let m = suggest_mapping(&headers, &samples);
        assert_eq!(m.call_type, Some(CallType::Track));
        assert_eq!(to_of(&m, "User_Id").as_deref(), Some("userId"));
        assert_eq!(to_of(&m, "Event Name").as_deref(), Some("event"));
        assert_eq!(to_of(&m, "created_at").as_deref(), Some("timestamp"));
        assert_eq!(to_of(&m, "price").as_deref(), Some("properties.price"));
        assert_eq!(to_of(&m, "zip"), None, "left to rest, as a string");
        assert_eq!(m.rest, Rest::Properties);
        assert!(m.check().is_ok());
    }

    #[test]
    fn users_export_becomes_identify_with_traits() {
        let headers = h(&[
            "id",
            "Email",
            "First Name",
            "last_name",
            "signup_date",
            "plan",
        ]);
        let samples = vec![
            row(&["7", "a@b.co", "Ada", "L", "03/04/2024", "pro"]),
            row(&["8", "c@d.co", "Bo", "M", "25/12/2023", "free"]),
        ];
        let m = suggest_mapping(&headers, &samples);
        assert_eq!(m.call_type, Some(CallType::Identify));
        assert_eq!(to_of(&m, "id").as_deref(), Some("userId"));
        assert_eq!(to_of(&m, "Email").as_deref(), Some("traits.email"));
        assert_eq!(to_of(&m, "First Name").as_deref(), Some("traits.firstName"));
        assert_eq!(m.rest, Rest::Traits);
        // signup_date is not a timestamp alias: it stays a trait via rest.
        assert_eq!(to_of(&m, "signup_date"), None);
    }

    #[test]
    fn slash_dates_get_a_decided_order() {
        let headers = h(&["user_id", "event", "date"]);
        let samples = vec![
            row(&["1", "A", "03/04/2024"]),
            row(&["2", "B", "25/12/2023"]),
        ];
        let m = suggest_mapping(&headers, &samples);
        let ts = m
            .rules
            .iter()
            .find(|r| r.to == "timestamp")
            .expect("timestamp rule");
        assert_eq!(ts.date_order, Some(crate::time::DateOrder::DayFirst));
    }

    #[test]
    fn page_group_alias_and_type_column() {
        let m = suggest_mapping(&h(&["anonymous_id", "url", "title", "ts"]), &[]);
        assert_eq!(m.call_type, Some(CallType::Page));
        assert_eq!(to_of(&m, "url").as_deref(), Some("properties.url"));
        assert_eq!(to_of(&m, "anonymous_id").as_deref(), Some("anonymousId"));

        let m = suggest_mapping(&h(&["user_id", "company_id", "name"]), &[]);
        assert_eq!(m.call_type, Some(CallType::Group));
        assert_eq!(to_of(&m, "company_id").as_deref(), Some("groupId"));
        assert_eq!(to_of(&m, "name").as_deref(), Some("traits.name"));

        let m = suggest_mapping(&h(&["previous_id", "user_id"]), &[]);
        assert_eq!(m.call_type, Some(CallType::Alias));
        assert_eq!(to_of(&m, "previous_id").as_deref(), Some("previousId"));

        let m = suggest_mapping(
            &h(&["type", "userId", "event"]),
            &[row(&["track", "1", "A"]), row(&["Identify", "2", ""])],
        );
        assert_eq!(m.call_type, None);
        assert_eq!(to_of(&m, "type").as_deref(), Some("type"));
        assert!(m.check().is_ok());
    }

    #[test]
    fn deterministic() {
        let headers = h(&["ip", "user agent", "uid", "action", "time", "revenue"]);
        let a = suggest_mapping(&headers, &[]);
        let b = suggest_mapping(&headers, &[]);
        assert_eq!(a, b);
        assert_eq!(to_of(&a, "uid").as_deref(), Some("userId"));
        assert_eq!(to_of(&a, "action").as_deref(), Some("event"));
        assert_eq!(to_of(&a, "ip").as_deref(), Some("context.ip"));
        assert_eq!(
            to_of(&a, "user agent").as_deref(),
            Some("context.userAgent")
        );
    }

    #[test]
    fn plain_numbers() {
        for ok in ["0", "12.50", "-3", "1000000"] {
            assert!(is_plain_number(ok), "{ok}");
        }
        for no in [
            "02134",
            "1234567890123456789",
            "1,5",
            "abc",
            "",
            "1e5",
            "NaN",
        ] {
            assert!(!is_plain_number(no), "{no}");
        }
    }
}
