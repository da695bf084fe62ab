//! Suggesting a mapping from a file's headers and sample rows.
//!
//! Deterministic: the same headers and samples always give the same mapping.
//! A header matches a field when it is equal to one of the field's aliases
//! after lower-casing and dropping everything but letters and digits, so
//! `User ID`, `user_id`, `userId` and `USERID` all match `userid`.
//! The values (`values`) then say which column is the timestamp when no
//! name does, and which columns are numbers or true/false rather than text.

mod values;

use super::{CallType, Mapping, MissingTokens, Rule, ValueKind};

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
/// send does); else [`suggest_mapping`] from the columns and every sampled
/// record (up to [`crate::source::SUGGESTION_ROWS`], not only the preview's
/// rows), knowing the file's format and delimiter.
pub fn suggest_for(found: &crate::source::Inspection) -> Mapping {
    match found.archive {
        Some(_) => Mapping {
            replay: Some(true),
            ..Mapping::default()
        },
        None => {
            let rows = if found.sampled.is_empty() {
                &found.rows
            } else {
                &found.sampled
            };
            suggest_mapping_for(&found.headers, rows, &found.settings)
        }
    }
}

/// [`suggest_mapping`] for a file read with these settings: CSV cells are
/// typed from their values (JSON values keep their own), and a delimiter
/// other than a comma lets `3,50` read as a decimal comma.
pub fn suggest_mapping_for(
    headers: &[String],
    samples: &[Vec<String>],
    settings: &crate::source::Settings,
) -> Mapping {
    let csv = settings.format == crate::source::Format::Csv;
    let cells = Cells {
        text: csv,
        comma_decimals: csv && settings.delimiter != b',',
    };
    suggest(headers, samples, cells)
}

/// Suggests a mapping for a file with these headers; `samples` (rows of cells
/// in header order, may be empty) refine it: a `type` column whose cells are
/// call types, the timestamp column and its day/month order, number and
/// true/false columns. The cells are read as CSV text whose delimiter is
/// unknown, so no decimal comma is suggested ([`suggest_mapping_for`] knows it).
pub fn suggest_mapping(headers: &[String], samples: &[Vec<String>]) -> Mapping {
    let cells = Cells {
        text: true,
        comma_decimals: false,
    };
    suggest(headers, samples, cells)
}

/// What the sampled cells are.
#[derive(Clone, Copy)]
struct Cells {
    /// Text from a CSV file: without a rule, every value is sent as a
    /// string, so number and true/false columns get one. (JSON values keep
    /// their own types.)
    text: bool,
    /// The delimiter is not a comma, so `3,50` may be a decimal comma.
    comma_decimals: bool,
}

fn suggest(headers: &[String], samples: &[Vec<String>], cells: Cells) -> Mapping {
    let keys: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    let mut used = vec![false; headers.len()];
    let missing = MissingTokens::default();
    // Each column's values, trimmed, without empty cells and missing tokens.
    let values: Vec<Vec<&str>> = (0..headers.len())
        .map(|i| {
            samples
                .iter()
                .filter_map(|r| r.get(i))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty() && !missing.is_missing(v))
                .collect()
        })
        .collect();

    let find = |aliases: &[&str], used: &[bool]| -> Option<usize> {
        aliases.iter().find_map(|a| {
            keys.iter()
                .enumerate()
                .position(|(i, k)| !used[i] && k == a)
        })
    };

    let type_column = find(CALL_TYPE, &used).filter(|&i| {
        !values[i].is_empty() && values[i].iter().all(|v| CallType::parse(v).is_some())
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
    if let Some(i) = timestamp_column(&keys, &values, &used) {
        used[i] = true;
        rules.push(Rule {
            from: Some(headers[i].clone()),
            to: "timestamp".into(),
            kind: Some(ValueKind::Timestamp),
            date_order: values::date_order(&values[i]),
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

    // A column's type from its values (see `typed_rule`), for reserved
    // traits and for the columns left to the rest.
    let typed = |i: usize, to: String| typed_rule(&headers[i], to, &values[i], cells);
    let mut by_table = |table: &[(&str, &str)], prefix: &str, how: Typing, used: &mut Vec<bool>| {
        for (alias, field) in table {
            let Some(i) = find(&[alias], used) else {
                continue;
            };
            let to = format!("{prefix}.{field}");
            if rules.iter().any(|r| r.to == to) {
                continue;
            }
            let rule = match how {
                Typing::Text => Rule {
                    from: Some(headers[i].clone()),
                    to,
                    ..Rule::default()
                },
                Typing::FromValues => typed(i, to.clone()).unwrap_or(Rule {
                    from: Some(headers[i].clone()),
                    to,
                    ..Rule::default()
                }),
                // Destinations read these as numbers: an empty column too.
                Typing::Number if values[i].is_empty() => Rule {
                    from: Some(headers[i].clone()),
                    to,
                    kind: Some(ValueKind::Number),
                    ..Rule::default()
                },
                Typing::Number => {
                    let Some(f) = values::number_format(&values[i], cells.comma_decimals) else {
                        continue;
                    };
                    number_rule(&headers[i], to, f)
                }
            };
            used[i] = true;
            rules.push(rule);
        }
    };
    match call_type {
        CallType::Identify | CallType::Group => {
            by_table(TRAITS, "traits", Typing::FromValues, &mut used)
        }
        CallType::Page | CallType::Screen => {
            by_table(PAGE_PROPERTIES, "properties", Typing::Text, &mut used)
        }
        CallType::Track => by_table(NUMBER_PROPERTIES, "properties", Typing::Number, &mut used),
        CallType::Alias => {}
    }
    by_table(CONTEXT, "context", Typing::Text, &mut used);

    let rest = call_type.default_rest();
    if let Some(field) = rest.field() {
        for (i, header) in headers.iter().enumerate() {
            let to = format!("{field}.{header}");
            // A name with a dot would write a nested object, unlike the rest.
            if used[i] || header.trim().is_empty() || header.contains('.') {
                continue;
            }
            if rules.iter().any(|r| r.to == to) {
                continue;
            }
            if let Some(rule) = typed(i, to) {
                used[i] = true;
                rules.push(rule);
            }
        }
    }

    Mapping {
        call_type: if type_column.is_some() {
            None
        } else {
            Some(call_type)
        },
        rules,
        rest,
        integrations: None,
        replay: None,
        missing: None,
    }
}

/// How a reserved field of a table is typed.
#[derive(Clone, Copy)]
enum Typing {
    /// Always text (urls, ips).
    Text,
    /// A number when every value is one, else not suggested.
    Number,
    /// As the values say ([`typed_rule`]), else text.
    FromValues,
}

/// A rule writing column `header` at `to` with the type its values show,
/// when it is not text: `boolean` for true/false and yes/no, `number` for
/// numbers unless the name says the column is an identifier or a code
/// (`flight`, `zip`, `*_id`: a number there is a label, not a quantity).
/// None for text, for JSON values (they keep their own types) and for a
/// column without values.
fn typed_rule(header: &str, to: String, values: &[&str], cells: Cells) -> Option<Rule> {
    if !cells.text {
        return None;
    }
    if values::is_boolean(values) {
        return Some(Rule {
            from: Some(header.to_string()),
            to,
            kind: Some(ValueKind::Boolean),
            ..Rule::default()
        });
    }
    if is_identifier(header) {
        return None;
    }
    values::number_format(values, cells.comma_decimals).map(|f| number_rule(header, to, f))
}

fn number_rule(header: &str, to: String, f: values::NumberFormat) -> Rule {
    Rule {
        from: Some(header.to_string()),
        to,
        kind: Some(ValueKind::Number),
        decimal: f.decimal,
        thousands: f.thousands,
        ..Rule::default()
    }
}

/// The timestamp column: among the columns not yet used whose every value
/// reads as a time, the most time-like (a date and a time of day, or an
/// epoch number, over a date alone); between equals, the one named like a timestamp (earlier
/// aliases first), then the one whose values say their zone, then the first.
/// A column named like a timestamp may hold dates, epoch numbers or nothing
/// in the sample; any other column must hold dates with times, so that
/// birthdays, sign-up days and numeric ids are not taken for it. A column
/// named like a time whose values are not times is not suggested.
fn timestamp_column(keys: &[String], values: &[Vec<&str>], used: &[bool]) -> Option<usize> {
    let mut best: Option<(bool, usize, bool, usize)> = None;
    for (i, key) in keys.iter().enumerate() {
        if used[i] {
            continue;
        }
        let alias = TIMESTAMP.iter().position(|a| a == key);
        let like = if values[i].is_empty() {
            // Named, with nothing in the sample to contradict it.
            alias.map(|_| values::TimeLike::Date)
        } else {
            values::time_like(&values[i])
        };
        let Some(like) = like else { continue };
        if alias.is_none() && like != values::TimeLike::DateTime {
            continue;
        }
        let rank = (
            // An epoch number is a whole instant, as a date and time is.
            like != values::TimeLike::Date,
            TIMESTAMP.len() - alias.unwrap_or(TIMESTAMP.len()),
            values::has_zone(&values[i]),
            usize::MAX - i,
        );
        if best.is_none_or(|b| rank > b) {
            best = Some(rank);
        }
    }
    best.map(|(.., i)| usize::MAX - i)
}

/// Words of a header that make it an identifier or a code wherever they are
/// (`zip`, `iata_code`, `flight`), and ones that do as its last word only
/// (`flight_number`, but `number_of_items` is a count).
const IDENTIFIER_WORDS: &[&str] = &[
    "id",
    "ids",
    "uuid",
    "guid",
    "key",
    "code",
    "zip",
    "zipcode",
    "postal",
    "postcode",
    "plz",
    "phone",
    "tel",
    "telephone",
    "mobile",
    "fax",
    "sku",
    "ean",
    "upc",
    "gtin",
    "isbn",
    "iban",
    "ssn",
    "flight",
    "tailnum",
    "account",
    "ref",
    "reference",
];
const IDENTIFIER_LAST_WORDS: &[&str] = &["number", "num", "no", "nr"];
/// Words ending in "id" that are not "…id" ("orderid" is).
const NOT_ID: &[&str] = &[
    "paid", "valid", "invalid", "void", "avoid", "android", "fluid", "rapid", "solid", "hybrid",
    "liquid", "covid", "acid", "humid", "vivid", "squid",
];

/// Whether a column's name says its numbers are labels (see [`typed_rule`]).
fn is_identifier(header: &str) -> bool {
    let words = words(header);
    let Some(last) = words.last() else {
        return false;
    };
    words.iter().any(|w| IDENTIFIER_WORDS.contains(&w.as_str()))
        || IDENTIFIER_LAST_WORDS.contains(&last.as_str())
        || (last.len() > 2 && last.ends_with("id") && !NOT_ID.contains(&last.as_str()))
}

/// A header's words, lower case: split at anything but letters and digits
/// and where a lower-case letter meets an upper-case one (`flightNo`).
fn words(header: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev_lower = false;
    for c in header.chars() {
        if !c.is_alphanumeric() {
            prev_lower = false;
            if out.last().is_some_and(|w| !w.is_empty()) {
                out.push(String::new());
            }
            continue;
        }
        if out.is_empty() || (c.is_uppercase() && prev_lower) {
            out.push(String::new());
        }
        prev_lower = c.is_lowercase();
        if let Some(w) = out.last_mut() {
            w.extend(c.to_lowercase());
        }
    }
    out.retain(|w| !w.is_empty());
    out
}

/// Lower case, letters and digits only: `User ID` → `userid`.
fn normalize(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests;
