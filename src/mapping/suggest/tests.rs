//! Suggestions as a user would check them: literal expected mappings.

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

/// Rows of a CSV text (no quoting in these samples), header first.
fn table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect());
    let headers = lines.next().unwrap_or_default();
    (headers, lines.collect())
}

fn expect(json: &str) -> Mapping {
    Mapping::from_json(json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

const FLIGHTS: &str = "\
year,month,day,dep_time,sched_dep_time,dep_delay,arr_time,sched_arr_time,arr_delay,carrier,flight,tailnum,origin,dest,air_time,distance,hour,minute,time_hour
2013,1,1,517,515,2,830,819,11,UA,1545,N14228,EWR,IAH,227,1400,5,15,2013-01-01 05:00:00
2013,1,1,533,529,4,850,830,20,UA,1714,N24211,LGA,IAH,227,1416,5,29,2013-01-01 05:00:00
2013,1,1,542,540,2,923,850,33,AA,1141,N619AA,JFK,MIA,160,1089,5,40,2013-01-01 05:00:00
2013,1,1,544,545,-1,1004,1022,-18,B6,725,N804JB,JFK,BQN,183,1576,5,45,2013-01-01 05:00:00
2013,1,1,NA,1630,NA,NA,1815,NA,EV,4308,N18120,EWR,RDU,NA,416,16,30,2013-01-01 16:00:00
2013,1,2,2130,2130,0,2317,2319,-2,UA,1228,,EWR,SAN,326,2425,21,30,2013-01-02 21:00:00";

#[test]
fn flights_get_their_time_and_their_numbers() {
    let (headers, rows) = table(FLIGHTS);
    let m = suggest_mapping(&headers, &rows);
    // time_hour is a date and time in every row; dep_time (517) is not a
    // time; flight (a flight number) and the codes stay text.
    let number = |c: &str| format!(r#"{{"from":"{c}","to":"properties.{c}","as":"number"}}"#);
    let numbers: Vec<String> = [
        "year",
        "month",
        "day",
        "dep_time",
        "sched_dep_time",
        "dep_delay",
        "arr_time",
        "sched_arr_time",
        "arr_delay",
        "air_time",
        "distance",
        "hour",
        "minute",
    ]
    .iter()
    .map(|c| number(c))
    .collect();
    assert_eq!(
        m,
        expect(&format!(
            r#"{{"type":"track","rules":[
                {{"from":"time_hour","to":"timestamp","as":"timestamp"}},
                {}],"rest":"properties"}}"#,
            numbers.join(",")
        ))
    );
    assert!(m.check().is_ok());
}

#[test]
fn clickstream_timestamps_with_milliseconds() {
    let (headers, rows) = table(
        "user_id,event,timestamp\n\
         219483890,catalog,2019-11-01 00:01:50.541\n\
         219483890,product1,2019-11-01 00:01:52.023\n\
         964964743,catalog,2019-11-01 01:28:17.360",
    );
    assert_eq!(
        suggest_mapping(&headers, &rows),
        expect(
            r#"{"type":"track","rules":[
                {"from":"user_id","to":"userId"},
                {"from":"event","to":"event"},
                {"from":"timestamp","to":"timestamp","as":"timestamp"}
            ],"rest":"properties"}"#
        )
    );
}

#[test]
fn semicolon_files_get_decimal_commas() {
    let found = crate::source::inspect(
        "user_id;event;price;qty;total;note\n\
         u1;Order Completed;3,50;2;1.234,50;ok\n\
         u2;Order Completed;12;1;89,90;NA\n\
         u3;Order Completed;0,99;10;12,00;\n"
            .as_bytes(),
        true,
        &crate::source::SourceOptions::default(),
        20,
    )
    .expect("inspects");
    assert_eq!(found.settings.delimiter, b';');
    assert_eq!(
        suggest_for(&found),
        expect(
            r#"{"type":"track","rules":[
                {"from":"user_id","to":"userId"},
                {"from":"event","to":"event"},
                {"from":"price","to":"properties.price","as":"number","decimal":","},
                {"from":"total","to":"properties.total","as":"number","decimal":",","thousands":"."},
                {"from":"qty","to":"properties.qty","as":"number"}
            ],"rest":"properties"}"#
        )
    );
    // The same cells with an unknown delimiter: a comma may be anything.
    let m = suggest_mapping(&found.headers, &found.rows);
    assert_eq!(to_of(&m, "price"), None, "{m:?}");
    assert_eq!(to_of(&m, "total"), None);
}

#[test]
fn a_comma_file_never_reads_decimal_commas() {
    let found = crate::source::inspect(
        b"user_id,event,amount\nu1,A,\"3,50\"\nu2,B,\"1,234\"\n",
        true,
        &crate::source::SourceOptions::default(),
        20,
    )
    .expect("inspects");
    assert_eq!(to_of(&suggest_for(&found), "amount"), None);
}

#[test]
fn the_most_time_like_column_is_the_timestamp() {
    // Named `date` but a day only; `logged` has the time of day.
    let (headers, rows) = table(
        "user_id,event,date,logged,updated\n\
         1,A,2024-01-02,2024-01-02 10:00:00,2024-01-05T10:00:00Z\n\
         2,B,2024-01-03,2024-01-03 11:30:00,2024-01-05T11:00:00Z",
    );
    let m = suggest_mapping(&headers, &rows);
    let ts = m.rules.iter().find(|r| r.to == "timestamp");
    // Both have times; `updated` says its zone, so it wins over `logged`.
    assert_eq!(ts.and_then(|r| r.from.as_deref()), Some("updated"));

    // A name beats a zone between columns with dates and times.
    let (headers, rows) = table(
        "user_id,event,created_at,updated_at\n\
         1,A,2024-01-02 10:00:00,2024-01-05T10:00:00Z",
    );
    let m = suggest_mapping(&headers, &rows);
    assert_eq!(to_of(&m, "created_at").as_deref(), Some("timestamp"));

    // Days alone and epoch numbers are taken only from a column named so.
    let (headers, rows) = table("user_id,event,signup_day,ref\n1,A,2024-01-02,1700000000");
    let m = suggest_mapping(&headers, &rows);
    assert!(!m.maps_timestamp(), "{m:?}");
    let (headers, rows) = table("user_id,event,ts\n1,A,1700000000");
    let m = suggest_mapping(&headers, &rows);
    assert_eq!(to_of(&m, "ts").as_deref(), Some("timestamp"));
    // A named epoch column is as time-like as a date and time.
    let (headers, rows) = table("user_id,event,logged,ts\n1,A,2024-01-02 10:00:00,1700000000");
    let m = suggest_mapping(&headers, &rows);
    assert_eq!(to_of(&m, "ts").as_deref(), Some("timestamp"));
    assert_eq!(to_of(&m, "logged"), None, "left to the rest, as text");

    // A spreadsheet writes a date-time at midnight as a date: the column is
    // still date-times. A column of mostly days is not.
    let (headers, rows) = table(
        "user_id,event,ordered,born\n\
         1,A,2024-03-03T10:30:00,1990-01-02\n\
         2,B,2024-03-04,1991-02-03\n\
         3,C,2024-03-04T17:43:00,1992-03-04T08:00:00",
    );
    let m = suggest_mapping(&headers, &rows);
    assert_eq!(to_of(&m, "ordered").as_deref(), Some("timestamp"));
    assert_eq!(to_of(&m, "born"), None);

    // Named like a time, holding something else: not suggested, and left
    // as text (`soon` is not a number either).
    let (headers, rows) = table("user_id,event,time\n1,A,517\n2,B,soon");
    let m = suggest_mapping(&headers, &rows);
    assert!(!m.maps_timestamp(), "{m:?}");
}

#[test]
fn missing_tokens_do_not_decide_a_column() {
    let (headers, rows) = table(
        "user_id,event,when,score,vip\n\
         1,A,NA,NA,null\n\
         2,B,2024-01-02T03:04:05Z,-,yes\n\
         3,C,,7.5,NO",
    );
    assert_eq!(
        suggest_mapping(&headers, &rows),
        expect(
            r#"{"type":"track","rules":[
                {"from":"user_id","to":"userId"},
                {"from":"event","to":"event"},
                {"from":"when","to":"timestamp","as":"timestamp"},
                {"from":"score","to":"properties.score","as":"number"},
                {"from":"vip","to":"properties.vip","as":"boolean"}
            ],"rest":"properties"}"#
        )
    );
}

#[test]
fn identifiers_and_codes_stay_text() {
    let (headers, rows) = table(
        "user_id,event,order_id,orderId,zip,flightNo,number_of_items,phone,paid,ones\n\
         1,A,1001,1001,2134,77,3,5550100,12.5,1\n\
         2,B,1002,1002,2135,78,4,5550101,3,0",
    );
    let m = suggest_mapping(&headers, &rows);
    let kinds: Vec<(&str, ValueKind)> = m
        .rules
        .iter()
        .filter(|r| r.to.starts_with("properties."))
        .map(|r| (r.from.as_deref().unwrap_or(""), r.kind()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("number_of_items", ValueKind::Number),
            ("paid", ValueKind::Number),
            ("ones", ValueKind::Number),
        ]
    );
}

#[test]
fn traits_are_typed_from_their_values() {
    let (headers, rows) = table(
        "id,email,age,phone,vip,employees\n\
         7,a@b.co,34,5550100,yes,12\n\
         8,c@d.co,abc,5550101,no,",
    );
    assert_eq!(
        suggest_mapping(&headers, &rows),
        expect(
            r#"{"type":"identify","rules":[
                {"from":"id","to":"userId"},
                {"from":"email","to":"traits.email"},
                {"from":"phone","to":"traits.phone"},
                {"from":"age","to":"traits.age"},
                {"from":"employees","to":"traits.employees","as":"number"},
                {"from":"vip","to":"traits.vip","as":"boolean"}
            ],"rest":"traits"}"#
        )
    );
}

#[test]
fn json_values_keep_their_own_types() {
    let found = crate::source::inspect(
        b"{\"userId\":\"u1\",\"event\":\"A\",\"n\":3,\"at\":\"2024-01-02T03:04:05Z\"}\n",
        true,
        &crate::source::SourceOptions::default(),
        20,
    )
    .expect("inspects");
    assert_eq!(
        suggest_for(&found),
        expect(
            r#"{"type":"track","rules":[
                {"from":"userId","to":"userId"},
                {"from":"event","to":"event"},
                {"from":"at","to":"timestamp","as":"timestamp"}
            ],"rest":"properties"}"#
        )
    );
}

#[test]
fn day_first_is_decided_from_the_whole_sample() {
    let (headers, rows) = table(
        "user_id,event,datum\n\
         1,A,01.02.2024 10:00\n\
         2,B,03.02.2024 11:00\n\
         3,C,15.02.2024 12:00",
    );
    let m = suggest_mapping(&headers, &rows);
    let ts = m.rules.iter().find(|r| r.to == "timestamp");
    assert_eq!(ts.and_then(|r| r.from.as_deref()), Some("datum"));
    assert_eq!(
        ts.and_then(|r| r.date_order),
        Some(crate::time::DateOrder::DayFirst)
    );
    // Nothing decides: no order, and the app asks.
    let (headers, rows) = table("user_id,event,datum\n1,A,01.02.2024 10:00");
    let m = suggest_mapping(&headers, &rows);
    let ts = m.rules.iter().find(|r| r.to == "timestamp");
    assert_eq!(ts.and_then(|r| r.from.as_deref()), Some("datum"));
    assert_eq!(ts.and_then(|r| r.date_order), None);
}

#[test]
fn header_words() {
    assert_eq!(words("flightNo"), ["flight", "no"]);
    assert_eq!(words("Order ID"), ["order", "id"]);
    assert_eq!(words("__x__"), ["x"]);
    assert!(words("").is_empty());
    assert!(is_identifier("customerid") && is_identifier("IATA code"));
    assert!(!is_identifier("paid") && !is_identifier("number_of_items"));
}

#[test]
fn odd_headers_and_short_rows_give_a_usable_mapping() {
    let headers = h(&["event", "", "a.b", "n", "n", "Kunden-Nr", "größe"]);
    let rows = vec![
        row(&["A", "1", "2", "3", "4", "5", "6"]),
        row(&["B", "1"]),
        row(&[]),
        row(&["C", "1", "2", "3", "4", "5", &"9".repeat(100_000)]),
    ];
    let m = suggest_mapping(&headers, &rows);
    assert!(m.check().is_ok(), "{m:?}");
    // An empty name or one with a dot cannot be written as a path like the
    // rest writes it; a repeated name once; a customer number is a label;
    // 100,000 digits are not a number.
    let typed: Vec<(&str, &str)> = m
        .rules
        .iter()
        .filter(|r| r.to.starts_with("properties."))
        .map(|r| (r.from.as_deref().unwrap_or(""), r.to.as_str()))
        .collect();
    assert_eq!(typed, [("n", "properties.n")]);
}

#[test]
fn the_whole_sample_decides_not_the_preview() {
    // The first 50 rows read both ways and hold numbers only; row 51
    // settles day-first, and two later labels (more than one in fifty)
    // make `score` text.
    let mut text = String::from("user_id,event,when,score\n");
    for i in 0..50 {
        text.push_str(&format!("u{i},Seen,03.04.2024 10:{:02},{i}\n", i % 60));
    }
    text.push_str("u50,Seen,15.04.2024 10:00,unknown\n");
    text.push_str("u51,Seen,16.04.2024 10:00,later\n");
    let found = crate::source::inspect(
        text.as_bytes(),
        true,
        &crate::source::SourceOptions::default(),
        20,
    )
    .expect("inspects");
    assert_eq!(found.rows.len(), 20, "the preview stays short");
    assert_eq!(found.sampled.len(), 52);
    let m = suggest_for(&found);
    let when = m
        .rules
        .iter()
        .find(|r| r.to == "timestamp")
        .expect("a timestamp");
    assert_eq!(
        when.date_order,
        Some(crate::time::DateOrder::DayFirst),
        "{m:?}"
    );
    assert_eq!(
        to_of(&m, "score"),
        None,
        "a column with text stays text: {m:?}"
    );
}

#[test]
fn one_outlier_in_fifty_does_not_make_a_column_text() {
    // As in the app's sample file: 200 orders, one `last tuesday` among the
    // times and one `n/a` among the prices. The check rejects those two
    // rows with their reason; the other 198 get a timestamp and numbers.
    let mut text = String::from("order_id,user_id,created_at,event,price\n");
    for i in 0..200 {
        let when = if i == 87 {
            "last tuesday".to_string()
        } else {
            format!("2024-03-{:02}T10:00:00Z", i % 28 + 1)
        };
        let price = if i == 150 {
            "n/a".to_string()
        } else {
            format!("{}.50", i + 1)
        };
        text.push_str(&format!("A-{i},u{i},{when},Order Completed,{price}\n"));
    }
    let found = crate::source::inspect(
        text.as_bytes(),
        true,
        &crate::source::SourceOptions::default(),
        20,
    )
    .expect("inspects");
    let m = suggest_for(&found);
    assert_eq!(
        to_of(&m, "created_at").as_deref(),
        Some("timestamp"),
        "{m:?}"
    );
    let price = m
        .rules
        .iter()
        .find(|r| r.from.as_deref() == Some("price"))
        .expect("price");
    assert_eq!(
        (price.to.as_str(), price.kind),
        ("properties.price", Some(ValueKind::Number))
    );
    // Five outliers in 200 are too many: the column stays text.
    let text = text
        .replacen(",1.50\n", ",one\n", 1)
        .replacen(",2.50\n", ",two\n", 1)
        .replacen(",3.50\n", ",three\n", 1)
        .replacen(",4.50\n", ",four\n", 1);
    let found = crate::source::inspect(
        text.as_bytes(),
        true,
        &crate::source::SourceOptions::default(),
        20,
    )
    .expect("inspects");
    assert_eq!(to_of(&suggest_for(&found), "price"), None);
}
