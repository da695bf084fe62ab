//! Batches: complete, request-ready bodies for `POST /v1/batch`.
//!
//! A batch body is built once, as bytes, in the exact shape Segment takes:
//!
//! ```text
//! {"batch":[{msg},{msg},...],"context":{"library":{...}},"integrations":{...},"sentAt":"2026-01-01T00:00:00.000Z"}
//! ```
//!
//! `sentAt` must be the time of *sending* (Segment re-dates every event by
//! `receivedAt - (sentAt - timestamp)`), so the body keeps a fixed-width
//! 24-byte slot for it at a known offset and [`Batch::set_sent_at`] overwrites it
//! in place on every attempt: no re-serialization, no copy.
//!
//! The batch remembers where each message sits in the body and which input row
//! it came from, so the delivery engine can split it to isolate a message the
//! server refuses, and the checkpoint can name rows.

use std::collections::VecDeque;

use crate::time::format_iso_millis;

/// Segment's documented limit for one batch request body.
pub const SEGMENT_MAX_BODY_BYTES: usize = 500_000;
/// Where we cut a batch by default: the official libraries keep a margin too
/// (analytics-python cuts at 475,000 B, analytics-node at 480 KB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 475_000;
/// Segment's limit on messages per batch (more is answered 200, then dropped).
pub const MAX_BATCH_MESSAGES: usize = 2_500;
/// Segment's limit on one serialized message.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024;

/// Width of an ISO-8601 UTC timestamp with milliseconds: `2026-01-01T00:00:00.000Z`.
const SENT_AT_WIDTH: usize = 24;
const BATCH_HEAD: &[u8] = b"{\"batch\":[";
/// Room for the comma before a message that goes past the limit.
const SEPARATOR_SLACK: usize = 16;

/// Where one message sits inside a batch body, and which input row it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageSpan {
    pub row: u64,
    start: u32,
    end: u32,
}

/// One complete request body plus what is needed to account for its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    seq: u64,
    body: Vec<u8>,
    spans: Vec<MessageSpan>,
    /// The offset of the `]` that closes the message array: the tail (context,
    /// integrations, sentAt) runs from here to the end.
    tail_start: usize,
}

impl Batch {
    /// The batch's number within the run, from 1, in the order batches were made.
    /// Halves of a split batch keep their parent's number.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// How many messages the batch holds.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the batch holds no message (never true for a batch the [`Batcher`] made).
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The input rows of the messages, in body order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.spans.iter().map(|s| s.row)
    }

    /// The first and last input rows (rows increase within a batch).
    pub fn row_range(&self) -> Option<(u64, u64)> {
        Some((self.spans.first()?.row, self.spans.last()?.row))
    }

    /// The complete request body, with whatever `sentAt` was last set.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as a string (it is always valid UTF-8 JSON).
    pub fn body_str(&self) -> &str {
        // OK because the body is assembled only from UTF-8 JSON written by this crate.
        std::str::from_utf8(&self.body).unwrap_or_default()
    }

    /// Writes `sentAt` (milliseconds since the Unix epoch, UTC) into the body.
    /// Call it right before every attempt to send.
    pub fn set_sent_at(&mut self, now_ms: i64) {
        let at = self.body.len() - 2 - SENT_AT_WIDTH; // before `"}`
        self.body[at..at + SENT_AT_WIDTH].copy_from_slice(&format_iso_millis(now_ms));
    }

    /// The serialized JSON of message `i`.
    pub fn message(&self, i: usize) -> Option<&[u8]> {
        let s = self.spans.get(i)?;
        Some(&self.body[s.start as usize..s.end as usize])
    }

    /// Splits the batch into two halves with the same tail (context,
    /// integrations, sentAt), for isolating a message the server refuses.
    /// `None` when the batch holds one message or none.
    pub fn split(&self) -> Option<(Batch, Batch)> {
        if self.spans.len() < 2 {
            return None;
        }
        let mid = self.spans.len() / 2;
        Some((
            self.subset(&self.spans[..mid]),
            self.subset(&self.spans[mid..]),
        ))
    }

    fn subset(&self, spans: &[MessageSpan]) -> Batch {
        let tail = &self.body[self.tail_start..];
        let size: usize = spans.iter().map(|s| (s.end - s.start) as usize + 1).sum();
        let mut body = Vec::with_capacity(BATCH_HEAD.len() + size + tail.len());
        body.extend_from_slice(BATCH_HEAD);
        let mut out = Vec::with_capacity(spans.len());
        for (i, s) in spans.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            let start = body.len();
            body.extend_from_slice(&self.body[s.start as usize..s.end as usize]);
            out.push(MessageSpan {
                row: s.row,
                start: start as u32,
                end: body.len() as u32,
            });
        }
        let tail_start = body.len();
        body.extend_from_slice(tail);
        Batch {
            seq: self.seq,
            body,
            spans: out,
            tail_start,
        }
    }
}

/// How batches are cut and what goes around the messages.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Close a batch before its body would exceed this many bytes.
    pub max_body_bytes: usize,
    /// Close a batch at this many messages.
    pub max_messages: usize,
    /// The batch-level `integrations` object (`{"All": false, "Vero": true}`).
    pub integrations: Option<serde_json::Map<String, serde_json::Value>>,
    /// Put `"writeKey"` in the body (for `text/plain` sends without an
    /// `Authorization` header). Leave `None` for batches written to disk.
    pub write_key: Option<String>,
    /// What the target takes: `max_body_bytes` and `max_messages` are
    /// clamped to it, and messages are checked against it.
    pub limits: crate::target::Limits,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_messages: MAX_BATCH_MESSAGES,
            integrations: None,
            write_key: None,
            limits: crate::target::SEGMENT_LIMITS,
        }
    }
}

impl BatchOptions {
    /// Cuts batches where `limits` say (their default cut and count), and
    /// checks messages against them.
    pub fn with_limits(mut self, limits: crate::target::Limits) -> BatchOptions {
        self.max_body_bytes = limits.cut_body_bytes;
        self.max_messages = limits.max_messages;
        self.limits = limits;
        self
    }
}

/// Packs messages into batches as they come.
///
/// Push messages with [`Batcher::push`], take finished batches with
/// [`Batcher::pop`], and call [`Batcher::flush`] at the end of the input.
#[derive(Debug)]
pub struct Batcher {
    max_body_bytes: usize,
    max_messages: usize,
    max_message_bytes: usize,
    /// Everything after the message array, ending in a placeholder sentAt.
    tail: Vec<u8>,
    body: Vec<u8>,
    spans: Vec<MessageSpan>,
    /// Where the open message starts in `body`, while one is open.
    open_message: Option<usize>,
    next_seq: u64,
    ready: VecDeque<Batch>,
}

impl Batcher {
    pub fn new(options: BatchOptions) -> Batcher {
        let tail = batch_tail(&options);
        Batcher {
            max_body_bytes: options.max_body_bytes.min(options.limits.max_body_bytes),
            max_messages: options.max_messages.clamp(1, options.limits.max_messages),
            max_message_bytes: options.limits.max_message_bytes,
            tail,
            body: Vec::new(),
            spans: Vec::new(),
            open_message: None,
            next_seq: 1,
            ready: VecDeque::new(),
        }
    }

    /// Adds one serialized message (a JSON object, within the target's limit)
    /// from input row `row`. Rows must come in increasing order.
    pub fn push(&mut self, row: u64, message: &[u8]) {
        self.open_message().extend_from_slice(message);
        self.close_message(row);
    }

    /// Starts a message in place: returns the body being filled, for the
    /// message to be appended to it (the pipeline builds each message there,
    /// so it is written once). Follow with [`Batcher::close_message`] or
    /// [`Batcher::discard_message`]; pushing bytes is all the caller may do.
    pub fn open_message(&mut self) -> &mut Vec<u8> {
        if self.spans.len() >= self.max_messages {
            self.flush();
        }
        if self.spans.is_empty() {
            self.body.clear();
            // The whole body at once, plus room for one message past the
            // limit (see `close_message`): growing it by doubling copies it
            // ~15 times.
            self.body
                .reserve(self.max_body_bytes + self.max_message_bytes + SEPARATOR_SLACK);
            self.body.extend_from_slice(BATCH_HEAD);
        } else {
            self.body.push(b',');
        }
        self.open_message = Some(self.body.len());
        &mut self.body
    }

    /// Ends the message appended since [`Batcher::open_message`], from input
    /// row `row`. When it does not fit, the batch is closed without it and
    /// the message starts the next one.
    pub fn close_message(&mut self, row: u64) {
        let Some(start) = self.open_message.take() else {
            return; // nothing open
        };
        let would_be = self.body.len() + self.tail.len();
        if !self.spans.is_empty() && would_be > self.max_body_bytes {
            // Once per batch: move the message over to a new body.
            let message = self.body.split_off(start);
            self.body.truncate(start - 1); // its comma
            self.flush();
            self.open_message().extend_from_slice(&message);
            return self.close_message(row);
        }
        self.spans.push(MessageSpan {
            row,
            start: start as u32,
            end: self.body.len() as u32,
        });
    }

    /// Takes back the message opened with [`Batcher::open_message`], if one
    /// is open (a rejected row, or one delivered before a resume).
    pub fn discard_message(&mut self) {
        let Some(start) = self.open_message.take() else {
            return;
        };
        // Its separator too: the comma, or the head of a batch still empty.
        self.body
            .truncate(if self.spans.is_empty() { 0 } else { start - 1 });
    }

    /// Closes the batch being filled, if it has any message.
    pub fn flush(&mut self) {
        if self.spans.is_empty() {
            return;
        }
        let tail_start = self.body.len();
        let mut body = std::mem::take(&mut self.body);
        body.extend_from_slice(&self.tail);
        let spans = std::mem::take(&mut self.spans);
        self.ready.push_back(Batch {
            seq: self.next_seq,
            body,
            spans,
            tail_start,
        });
        self.next_seq += 1;
    }

    /// Whether a finished batch is waiting to be popped.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// The next finished batch, oldest first.
    pub fn pop(&mut self) -> Option<Batch> {
        self.ready.pop_front()
    }

    /// How many finished batches wait to be taken.
    pub fn ready_len(&self) -> usize {
        self.ready.len()
    }

    /// How many batches have been closed so far.
    pub fn batches_made(&self) -> u64 {
        self.next_seq - 1
    }
}

/// `],"context":{...},"integrations":{...},"writeKey":"...","sentAt":"<24 bytes>"}`
fn batch_tail(options: &BatchOptions) -> Vec<u8> {
    let mut t = Vec::with_capacity(160);
    t.extend_from_slice(b"],\"context\":{\"library\":{\"name\":");
    write_json_str(&mut t, crate::LIBRARY_NAME);
    t.extend_from_slice(b",\"version\":");
    write_json_str(&mut t, crate::LIBRARY_VERSION);
    t.extend_from_slice(b"}}");
    if let Some(integrations) = &options.integrations {
        t.extend_from_slice(b",\"integrations\":");
        // OK because serializing a Map of JSON values into a Vec cannot fail.
        serde_json::to_writer(&mut t, integrations).unwrap_or_default();
    }
    if let Some(key) = &options.write_key {
        t.extend_from_slice(b",\"writeKey\":");
        write_json_str(&mut t, key);
    }
    t.extend_from_slice(b",\"sentAt\":\"");
    t.extend_from_slice(&format_iso_millis(0));
    t.extend_from_slice(b"\"}");
    t
}

fn write_json_str(out: &mut Vec<u8>, s: &str) {
    // OK because writing a &str into a Vec cannot fail.
    serde_json::to_writer(out, s).unwrap_or_default();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn msg(i: usize, pad: usize) -> Vec<u8> {
        format!(
            r#"{{"type":"track","userId":"u{i}","event":"E","properties":{{"p":"{}"}}}}"#,
            "x".repeat(pad)
        )
        .into_bytes()
    }

    fn parse(b: &Batch) -> Value {
        serde_json::from_slice(b.body()).expect("batch body is JSON")
    }

    #[test]
    fn body_is_the_exact_request_shape() {
        let mut integrations = serde_json::Map::new();
        integrations.insert("All".into(), Value::Bool(false));
        integrations.insert("Vero".into(), Value::Bool(true));
        let mut b = Batcher::new(BatchOptions {
            integrations: Some(integrations),
            ..Default::default()
        });
        b.push(2, &msg(1, 0));
        b.push(3, &msg(2, 0));
        b.flush();
        let mut batch = b.pop().expect("one batch");
        batch.set_sent_at(1_767_225_600_123);
        let v = parse(&batch);
        assert_eq!(v["batch"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["sentAt"], "2026-01-01T00:00:00.123Z");
        assert_eq!(
            v["integrations"],
            serde_json::json!({"All": false, "Vero": true})
        );
        assert_eq!(v["context"]["library"]["name"], "segment-backfill");
        assert_eq!(batch.rows().collect::<Vec<_>>(), vec![2, 3]);
        assert!(v.get("writeKey").is_none());
    }

    #[test]
    fn cuts_by_size_and_count() {
        let mut b = Batcher::new(BatchOptions::default());
        for i in 0..10_000 {
            b.push(i as u64 + 2, &msg(i, 400));
        }
        b.flush();
        let mut total = 0;
        while let Some(batch) = b.pop() {
            assert!(
                batch.body().len() <= DEFAULT_MAX_BODY_BYTES,
                "{}",
                batch.body().len()
            );
            assert!(batch.len() <= MAX_BATCH_MESSAGES);
            total += parse(&batch)["batch"].as_array().map(Vec::len).unwrap_or(0);
        }
        assert_eq!(total, 10_000);

        let mut b = Batcher::new(BatchOptions::default());
        for i in 0..6_000 {
            b.push(i as u64, b"{}");
        }
        b.flush();
        let sizes: Vec<usize> = std::iter::from_fn(|| b.pop()).map(|b| b.len()).collect();
        assert_eq!(sizes, vec![2_500, 2_500, 1_000]);
    }

    #[test]
    fn messages_built_in_place_are_packed_like_a_greedy_cut() {
        // The pipeline writes each message straight into the body and takes
        // back the rows it rejects. The batches must be what cutting the kept
        // messages greedily gives, whatever falls on a batch boundary.
        let (max_body, max_messages) = (2_000, 7);
        let mut b = Batcher::new(BatchOptions {
            max_body_bytes: max_body,
            max_messages,
            ..Default::default()
        });
        let tail = batch_tail(&BatchOptions::default());
        let mut want: Vec<Vec<(u64, Vec<u8>)>> = vec![Vec::new()];
        for i in 0..400usize {
            let m = msg(i, i * 37 % 300);
            let keep = i % 3 != 1 && i % 11 != 0;
            if keep {
                let open = want.last_mut().expect("one open");
                let size = BATCH_HEAD.len()
                    + open.iter().map(|(_, m)| m.len() + 1).sum::<usize>()
                    + m.len()
                    + tail.len();
                if !open.is_empty() && (size > max_body || open.len() == max_messages) {
                    want.push(Vec::new());
                }
                want.last_mut()
                    .expect("one open")
                    .push((i as u64, m.clone()));
            }
            b.open_message().extend_from_slice(&m);
            if keep {
                b.close_message(i as u64);
            } else {
                b.discard_message();
            }
        }
        b.discard_message(); // nothing open: no effect
        b.flush();
        assert!(want.len() > 20, "the limits were exercised");
        for messages in want {
            let got = b.pop().expect("as many batches");
            let rows: Vec<u64> = messages.iter().map(|(r, _)| *r).collect();
            assert_eq!(got.rows().collect::<Vec<_>>(), rows);
            let mut body = BATCH_HEAD.to_vec();
            body.extend_from_slice(
                &messages
                    .iter()
                    .map(|(_, m)| m.clone())
                    .collect::<Vec<_>>()
                    .join(&b','),
            );
            body.extend_from_slice(&tail);
            assert_eq!(got.body(), &body[..]);
            assert!(got.body().len() <= max_body);
        }
        assert!(b.pop().is_none());
    }

    #[test]
    fn split_keeps_tail_and_rows() {
        let mut b = Batcher::new(BatchOptions {
            write_key: Some("k\"ey".into()),
            ..Default::default()
        });
        for i in 0..5 {
            b.push(10 + i, &msg(i as usize, 3));
        }
        b.flush();
        let batch = b.pop().expect("batch");
        let (l, r) = batch.split().expect("two halves");
        assert_eq!(l.rows().collect::<Vec<_>>(), vec![10, 11]);
        assert_eq!(r.rows().collect::<Vec<_>>(), vec![12, 13, 14]);
        for half in [&l, &r] {
            let v = parse(half);
            assert_eq!(v["writeKey"], "k\"ey");
            assert_eq!(v["batch"].as_array().map(Vec::len), Some(half.len()));
        }
        assert_eq!(r.message(0), batch.message(2));
        let (one, _) = l.split().expect("halves");
        assert!(one.split().is_none());
    }
}
