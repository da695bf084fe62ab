//! The plain data that crosses between the [`DeliveryEngine`](super::DeliveryEngine) and its
//! driver: requests out ([`Transmit`]), answers in ([`Outcome`]), what happened
//! to rows ([`Event`]) and running counts ([`DeliveryStats`]).

use serde::Serialize;

/// Names one request the engine handed out, so its answer can be matched.
///
/// The number is public so a binding (JS, a log line) can carry it as a plain
/// integer; an id the engine never issued, or one already answered, is simply
/// ignored by [`DeliveryEngine::handle_response`](super::DeliveryEngine::handle_response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RequestId(pub u64);

/// One HTTP request to perform: `POST` the body to the batch endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Pass it back with the answer.
    pub id: RequestId,
    /// The complete request body, with a fresh `sentAt` (the instant of this attempt).
    pub body: Vec<u8>,
    /// How many messages the body holds.
    pub messages: usize,
    /// The input rows of those messages, in body order.
    pub rows: Vec<u64>,
    /// 1 for the first attempt at this batch, 2 for the first retry, and so on.
    /// (The halves of a split batch start again at 1.)
    pub attempt: u32,
    /// The batch's number within the run (halves keep their parent's).
    pub seq: u64,
    /// Abort the request and report [`Outcome::Timeout`] after this long.
    pub timeout_ms: u64,
}

/// How a request ended, as the driver saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered.
    Status {
        /// The HTTP status code.
        code: u16,
        /// `Retry-After` (or `X-RateLimit-Reset`), already converted to
        /// milliseconds from now by the driver.
        retry_after_ms: Option<u64>,
        /// The response body (it explains a 400).
        body: String,
    },
    /// No answer: connection refused or reset, DNS, TLS, a CORS refusal in a browser…
    NetworkError(String),
    /// A 3xx answer (redirects are never followed: the body would be
    /// re-posted elsewhere). `status` and `location` when the driver can
    /// see them (a browser's `redirect: "manual"` hides both).
    Redirected {
        status: Option<u16>,
        location: Option<String>,
    },
    /// The driver gave up waiting after [`Transmit::timeout_ms`].
    Timeout,
}

impl Outcome {
    /// A status answer with no `Retry-After`.
    pub fn status(code: u16, body: impl Into<String>) -> Outcome {
        Outcome::Status {
            code,
            retry_after_ms: None,
            body: body.into(),
        }
    }
}

/// What happened, in order. Every row pushed ends in exactly one
/// [`Event::Acknowledged`], [`Event::Rejected`] or [`Event::Undelivered`],
/// exactly once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Event {
    /// The server accepted these rows (2xx).
    Acknowledged { seq: u64, rows: Vec<u64> },
    /// The server refused this single message (400 or 413); `reason` holds the
    /// status and the server's words.
    Rejected { row: u64, reason: String },
    /// A request for batch `seq` failed; attempt number `attempt` will be made
    /// at (or after) `at_ms`.
    Retrying {
        seq: u64,
        attempt: u32,
        at_ms: u64,
        reason: String,
    },
    /// These rows were not delivered: the engine gave up (time, attempts), the
    /// run was aborted, or the endpoint refused everything.
    Undelivered { rows: Vec<u64>, reason: String },
    /// The endpoint refuses the whole run (401, 403, 404, a redirect…).
    /// Emitted at most once; nothing new is sent afterwards. `status` is the
    /// HTTP status, when there was one.
    Fatal { status: Option<u16>, reason: String },
}

/// Running counts, cheap to read at any time (for a progress bar or a report).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryStats {
    /// Batches given to [`DeliveryEngine::push_batch`](super::DeliveryEngine::push_batch).
    pub batches_pushed: u64,
    /// Messages in those batches.
    pub messages_pushed: u64,
    /// Batches (halves of split batches included) sent at least once.
    pub batches_sent: u64,
    /// Batches (or halves) the server accepted.
    pub batches_acknowledged: u64,
    /// Requests handed out, retries included.
    pub requests: u64,
    /// Requests that were retries of an earlier attempt.
    pub retries: u64,
    /// Batches split in two after a 400/413.
    pub splits: u64,
    /// 429 answers.
    pub throttled: u64,
    /// Messages the server accepted.
    pub messages_acknowledged: u64,
    /// Messages the server refused (400/413 on the message alone).
    pub messages_rejected: u64,
    /// Messages given up on.
    pub messages_undelivered: u64,
    /// Answers for unknown or already settled requests (ignored).
    pub responses_ignored: u64,
    /// Requests waiting for an answer right now.
    pub in_flight: usize,
    /// Batches waiting to be sent (new, split halves, or retries on a timer).
    pub queued: usize,
    /// Request body bytes handed out, retries included.
    pub bytes_sent: u64,
}

impl DeliveryStats {
    /// Messages in a final state (acknowledged, rejected or undelivered).
    pub fn messages_settled(&self) -> u64 {
        self.messages_acknowledged + self.messages_rejected + self.messages_undelivered
    }
}
