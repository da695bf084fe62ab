//! The checkpoint: out-of-order marking, merging, the watermark, the JSON
//! document, and feeding it from engine events.

use segment_backfill::deliver::Event;
use segment_backfill::message::IdScheme;
use segment_backfill::session::{Checkpoint, CheckpointError, ImportIdentity, VerifiedPrefix};

fn ranges(c: &Checkpoint) -> Vec<(u64, u64)> {
    c.done_above().collect()
}

#[test]
fn out_of_order_marks_merge_and_the_watermark_advances() {
    let mut c = Checkpoint::new(2);
    assert_eq!(c.watermark(), 2);
    assert!(!c.is_done(2));
    assert!(c.is_done(1), "rows before the first row count as done");

    c.mark_done(5);
    c.mark_done(7);
    assert_eq!(ranges(&c), vec![(5, 6), (7, 8)]);
    c.mark_done(6); // joins both neighbours
    assert_eq!(ranges(&c), vec![(5, 8)]);
    c.mark_done_range(10, 20);
    c.mark_done_range(15, 25); // overlaps
    c.mark_done_range(25, 26); // touches
    assert_eq!(ranges(&c), vec![(5, 8), (10, 26)]);
    c.mark_done_range(30, 30); // empty
    c.mark_done_range(40, 35); // backwards
    assert_eq!(ranges(&c), vec![(5, 8), (10, 26)]);
    assert!(c.is_done(7) && !c.is_done(8) && c.is_done(25) && !c.is_done(26));

    c.mark_done_range(2, 5); // reaches the first range: the watermark jumps past it
    assert_eq!(c.watermark(), 8);
    assert_eq!(ranges(&c), vec![(10, 26)]);
    c.mark_done_range(7, 11); // below the watermark and into the next range
    assert_eq!(c.watermark(), 26);
    assert_eq!(ranges(&c), vec![]);
    c.mark_done(3); // already done: nothing changes
    assert_eq!(c.watermark(), 26);
}

#[test]
fn one_range_swallows_many() {
    let mut c = Checkpoint::new(0);
    for row in (10..100).step_by(2) {
        c.mark_done(row);
    }
    assert_eq!(ranges(&c).len(), 45);
    c.mark_done_range(9, 101);
    assert_eq!(ranges(&c), vec![(9, 101)]);
    c.mark_done_range(0, 9);
    assert_eq!(c.watermark(), 101);
    c.mark_done(u64::MAX); // the last possible row does not overflow
    assert!(!c.is_done(u64::MAX - 1));
}

#[test]
fn nearly_in_order_completion_stays_tiny() {
    // Batches of 100 rows acknowledged in a shuffled window of 8.
    let mut c = Checkpoint::new(0);
    let mut order: Vec<u64> = (0..1_000).collect();
    for chunk in order.chunks_mut(8) {
        chunk.reverse();
    }
    let mut most = 0;
    for b in order {
        c.mark_done_range(b * 100, b * 100 + 100);
        most = most.max(ranges(&c).len());
    }
    assert!(most <= 7, "{most} ranges held at once");
    assert_eq!(c.watermark(), 100_000);
    assert_eq!(ranges(&c), vec![]);
}

#[test]
fn matches_a_brute_force_set() {
    // A seeded walk of random marks against a plain bitmap.
    let mut seed = 0x1234_5678_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..50 {
        let first = next() % 10;
        let mut c = Checkpoint::new(first);
        let mut done = vec![false; 300];
        for d in done.iter_mut().take(first as usize) {
            *d = true;
        }
        for _ in 0..60 {
            let a = next() % 300;
            let b = (a + next() % 12).min(300);
            c.mark_done_range(a, b);
            for d in &mut done[a as usize..b as usize] {
                *d = true;
            }
            let watermark = done.iter().position(|d| !d).unwrap_or(300) as u64;
            assert_eq!(c.watermark(), watermark);
            for (row, d) in done.iter().enumerate() {
                assert_eq!(c.is_done(row as u64), *d, "row {row}");
            }
            let r = ranges(&c);
            assert!(r.iter().all(|&(a, b)| a > watermark && a < b));
            assert!(r.windows(2).all(|w| w[0].1 < w[1].0), "merged: {r:?}");
        }
    }
}

fn import() -> ImportIdentity {
    ImportIdentity {
        file: "0f".repeat(16),
        reading: "1e".repeat(16),
        mapping: "2d".repeat(16),
        ids: IdScheme::V2,
        endpoint: "https://api.segment.io/v1/batch".into(),
        source: "cf7d3c0e9508758a".into(),
        fixes: String::new(),
        files: Vec::new(),
    }
}

#[test]
fn json_round_trip_in_the_documented_shape() {
    let mut c = Checkpoint::new(2);
    c.set_import(import());
    c.set_verified(Some(VerifiedPrefix {
        bytes: 65_536,
        hash: "3c".repeat(16),
    }));
    c.mark_done_range(2, 1_200);
    c.mark_done_range(1_300, 1_400);
    c.mark_rejected(1_250, "HTTP 400: {\"error\":\"bad \\\"event\\\"\"}");
    let json = c.to_json();
    let f = "0f".repeat(16);
    let r = "1e".repeat(16);
    let m = "2d".repeat(16);
    let h = "3c".repeat(16);
    assert_eq!(
        json,
        format!(
            r#"{{"version":2,"import":{{"file":"{f}","reading":"{r}","mapping":"{m}","ids":2,"endpoint":"https://api.segment.io/v1/batch","source":"cf7d3c0e9508758a"}},"verified":{{"bytes":65536,"hash":"{h}"}},"watermark":1200,"doneAbove":[[1250,1251],[1300,1400]],"serverRejected":[{{"row":1250,"reason":"HTTP 400: {{\"error\":\"bad \\\"event\\\"\"}}"}}]}}"#
        )
    );
    let back = Checkpoint::from_json(&json).expect("reads back");
    assert_eq!(back, c);
    assert_eq!(back.import(), Some(&import()));
    assert_eq!(
        back.server_rejected,
        vec![(
            1_250,
            "HTTP 400: {\"error\":\"bad \\\"event\\\"\"}".to_string()
        )]
    );
}

#[test]
fn a_hand_edited_file_is_normalised_and_bad_ones_are_refused() {
    let c = Checkpoint::from_json(
        r#"{"version":2,"import":null,"watermark":10,"doneAbove":[[30,40],[5,12],[35,50],[60,60]],"serverRejected":[]}"#,
    )
    .expect("reads");
    assert_eq!(c.watermark(), 12);
    assert_eq!(ranges(&c), vec![(30, 50)]);

    for bad in [
        "",
        "{}",
        "[1,2]",
        r#"{"version":2,"import":null,"watermark":-1,"doneAbove":[],"serverRejected":[]}"#,
        r#"{"version":2,"import":null,"watermark":0,"doneAbove":[[1]],"serverRejected":[]}"#,
        r#"{"version":2,"import":null,"watermark":0,"doneAbove":[],"serverRejected":[],"extra":1}"#,
        r#"{"version":2,"import":{"file":"x"},"watermark":0,"doneAbove":[],"serverRejected":[]}"#,
    ] {
        let err = Checkpoint::from_json(bad).expect_err(bad);
        assert!(
            err.to_string().starts_with("unreadable checkpoint: "),
            "{err}"
        );
    }
    let older = Checkpoint::from_json(
        r#"{"version":1,"fingerprint":"f","watermark":0,"doneAbove":[],"serverRejected":[]}"#,
    )
    .expect_err("version 1");
    assert_eq!(older, CheckpointError::OlderFormat(1));
    assert!(older.to_string().contains("earlier version"), "{older}");
    let newer = Checkpoint::from_json(r#"{"version":3}"#).expect_err("version 3");
    assert!(newer.to_string().contains("later version"), "{newer}");
}

#[test]
fn engine_events_feed_it() {
    let mut c = Checkpoint::new(0);
    c.mark_done_range(0, 3); // validation rejects are done at once
    for e in [
        Event::Acknowledged {
            seq: 2,
            rows: vec![20, 21, 22, 24, 25],
        },
        Event::Retrying {
            seq: 1,
            attempt: 2,
            at_ms: 5,
            reason: "HTTP 500".into(),
        },
        Event::Rejected {
            row: 23,
            reason: "HTTP 400: bad".into(),
        },
        Event::Undelivered {
            rows: vec![3, 4, 5],
            reason: "gave up".into(),
        },
        Event::Fatal {
            status: Some(401),
            reason: "HTTP 401".into(),
        },
        Event::Acknowledged {
            seq: 1,
            rows: vec![6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
        },
    ] {
        c.record(&e);
    }
    // Undelivered rows 3..6 hold the watermark: a re-run sends them again.
    assert_eq!(c.watermark(), 3);
    assert_eq!(ranges(&c), vec![(6, 26)]);
    assert_eq!(c.server_rejected, vec![(23, "HTTP 400: bad".to_string())]);
}

#[test]
fn rows_done_counts_the_watermark_and_the_ranges_above() {
    let mut c = Checkpoint::new(2);
    assert_eq!(c.rows_done(2), 0);
    c.mark_done_range(2, 12); // watermark 12: rows 2..=11
    c.mark_done_range(20, 25);
    c.mark_done(30);
    assert_eq!(c.rows_done(2), 10 + 5 + 1);
    // Asked from a later first row, rows before it do not count.
    assert_eq!(c.rows_done(22), 3 + 1);
    // The JSON round trip keeps the count.
    let back = Checkpoint::from_json(&c.to_json()).expect("reads back");
    assert_eq!(back.rows_done(2), 16);
}
