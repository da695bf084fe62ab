//! A local Segment-compatible receiver: real HTTP on loopback.
//!
//! It lets people try the tool without a Segment account and gives every
//! end-to-end test (CLI sends, browser sends) a target that behaves like
//! `api.segment.io`: the same routes, the same limits and answers, the same
//! silent drops after a 200, plus CORS for browsers and optional fault
//! injection (429, 500, 503, dropped connections, slow answers) to exercise
//! retries.
//!
//! Every accepted batch is in the out file (handed to the OS) before it is
//! answered 200: a test or script can read the file as soon as its send
//! ends, and a receiver killed at any point loses nothing it acknowledged.
//! If the write fails, the answer is 500, nothing is counted, and the client
//! retries. The CLI ([`run`]) stops cleanly on Ctrl-C and, on unix, SIGTERM.
//!
//! Layout, one job per file:
//! - [`server`]: accept loop, a task per connection, graceful shutdown.
//! - [`routes`]: routing and the request flow of an ingest call.
//! - [`auth`] and [`cors`]: write-key checks and browser headers.
//! - [`body`] and [`ingest`]: reading the body within limits, then the
//!   Segment validation rules.
//! - [`faults`]: seeded fault injection.
//! - [`redirect`]: redirect mode.
//! - [`store`]: statistics and the NDJSON out file.
//! - [`super::signals`]: what stops it (shared with `send`).
//!
//! Test aids:
//! - [`ReceiverConfig::poison_marker`] makes any batch containing a given
//!   string answer 400, the way Segment rejects a batch with a bad message,
//!   so tests can reach the "rejected by the API" path on demand.
//! - [`ReceiverConfig::redirect`] (`--redirect-to URL`, `--redirect-status
//!   N`) answers every ingest POST with a redirect (307 by default; 301, 302,
//!   303 and 308 too) and a `Location`, plus the usual CORS headers, and
//!   keeps nothing; the request counts in `/stats` by its status. For
//!   testing how a client follows (or refuses) a moved endpoint.
//! - [`ReceiverConfig::refuse_gzip`] (`--refuse-gzip`) answers 415 to
//!   compressed bodies; [`ReceiverConfig::cors_content_encoding`]
//!   (`--cors-no-content-encoding` turns it off) leaves `Content-Encoding`
//!   out of the preflight's allowed headers. Both paths of a client's gzip
//!   fallback, from the command line and from a browser.

mod auth;
mod body;
mod cors;
mod faults;
mod ingest;
mod redirect;
mod routes;
mod server;
mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use redirect::Redirect;
pub use store::ReceiverStats;

/// How the receiver behaves. Build it with `..Default::default()` so new
/// fields do not break callers.
#[derive(Clone, Debug)]
pub struct ReceiverConfig {
    /// `Some`: require this write key (401 otherwise, as RudderStack does).
    /// `None`: accept any key or none, as Segment does.
    pub write_key: Option<String>,
    /// NDJSON file receiving every accepted message, one JSON object a line,
    /// as received. Created (or truncated) at start so it matches this run's
    /// statistics.
    pub out: Option<PathBuf>,
    /// Probability, 0.0..=1.0, that an ingest request gets an injected fault.
    pub fail_rate: f64,
    /// Seed of the fault PRNG: the same seed and request order give the same
    /// faults.
    pub seed: u64,
    /// Which service the receiver stands in for: how it takes the key
    /// (RudderStack, Jitsu and Hightouch take it only in a header) and how
    /// it answers a body over the limit (RudderStack: 413; others: 400).
    pub target: crate::target::Target,
    /// What it takes: the body after gzip decoding, messages per batch, one
    /// message, messageIds (a messageId the target would change is refused
    /// here, where the real service changes it silently: a test sees it).
    pub limits: crate::target::Limits,
    /// Test aid: a batch with a message whose JSON contains this string is
    /// answered 400 as a whole and nothing of it is recorded, like Segment
    /// rejecting a batch because of one bad message.
    pub poison_marker: Option<String>,
    /// Every ingest request is processed at once but answered this much
    /// later (zero: at once), as a slow API would; injected faults come on
    /// top.
    pub delay: Duration,
    /// Test aid for clients: answer every ingest POST with this redirect,
    /// before any other check, and keep nothing (see [`Redirect`]).
    pub redirect: Option<Redirect>,
    /// Test aid: answer 415 to any body with a `Content-Encoding` (other
    /// than identity) and keep nothing of it, as an endpoint that does not
    /// decode gzip.
    pub refuse_gzip: bool,
    /// Whether the CORS preflight allows the `Content-Encoding` header
    /// (false: a browser refuses to send a gzip body, before sending it).
    pub cors_content_encoding: bool,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        ReceiverConfig {
            write_key: None,
            out: None,
            fail_rate: 0.0,
            seed: 0,
            target: crate::target::Target::SegmentUs,
            limits: crate::target::SEGMENT_LIMITS,
            poison_marker: None,
            delay: Duration::ZERO,
            redirect: None,
            refuse_gzip: false,
            cors_content_encoding: true,
        }
    }
}

/// A running receiver. Dropping it asks the server to stop (without waiting);
/// call [`Receiver::shutdown`] to wait for requests in flight.
pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<server::Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Binds and starts serving in the background on the current tokio
    /// runtime; returns once listening (connections made after this returns
    /// are accepted). An invalid [`ReceiverConfig::redirect`] is an
    /// `InvalidInput` error.
    pub async fn start(addr: SocketAddr, config: ReceiverConfig) -> std::io::Result<Receiver> {
        let redirect = match &config.redirect {
            Some(redirect) => Some(
                redirect
                    .prepare()
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
            ),
            None => None,
        };
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let store = store::Store::open(config.out.as_deref())?;
        let faults = faults::Faults::new(config.fail_rate, config.seed);
        let shared = Arc::new(server::Shared {
            config,
            store,
            faults,
            redirect,
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared), stopped));
        Ok(Receiver {
            addr,
            shared,
            stop,
            task: Some(task),
        })
    }

    /// The address actually bound (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A snapshot of the statistics so far.
    pub fn stats(&self) -> ReceiverStats {
        self.shared.store.snapshot()
    }

    /// Stops accepting and lets in-flight requests finish (for a few
    /// seconds at most). There is nothing to flush: every answered batch is
    /// already in the out file.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            // A join error means the server task panicked or was cancelled;
            // either way there is nothing left to wait for.
            let _ = task.await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // Without this a forgotten receiver would serve until the runtime ends.
        self.stop.send_replace(true);
    }
}

/// How often [`run`] prints a summary line when something happened.
const SUMMARY_EVERY: Duration = Duration::from_secs(5);

/// Blocking entry point for the CLI: builds a tokio runtime, serves until
/// Ctrl-C or SIGTERM, prints a summary line to stderr every few seconds when
/// requests arrived, and the final statistics at the end. Either signal
/// stops it the same graceful way, and the process then ends with success.
pub fn run(addr: SocketAddr, config: ReceiverConfig) -> Result<(), String> {
    if let Some(redirect) = &config.redirect {
        redirect.check()?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        let banner = describe(&config);
        // Before the banner: whoever starts us may signal as soon as it reads it.
        let mut signals = super::signals::StopSignals::listen()?;
        let receiver = Receiver::start(addr, config)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        eprintln!(
            "segment-backfill receiver listening on http://{} ({banner}); POST /v1/batch, GET /stats; Ctrl-C or SIGTERM to stop",
            receiver.local_addr()
        );
        let mut tick = tokio::time::interval(SUMMARY_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_requests = 0;
        let outcome = loop {
            tokio::select! {
                signal = signals.recv() => {
                    if let Ok(name) = signal {
                        eprintln!("receiver: {name}, finishing the requests in flight");
                    }
                    break signal.map(|_| ());
                }
                _ = tick.tick() => {
                    let stats = receiver.stats();
                    if stats.requests != last_requests {
                        last_requests = stats.requests;
                        eprintln!("receiver: {}", summary(&stats));
                    }
                }
            }
        };
        // Keep a handle on the statistics: shutdown consumes the receiver,
        // and the final numbers must include requests finished during it.
        let shared = Arc::clone(&receiver.shared);
        receiver.shutdown().await;
        let stats = shared.store.snapshot();
        eprintln!("receiver stopped: {}", summary(&stats));
        if let Ok(json) = serde_json::to_string(&stats) {
            eprintln!("{json}");
        }
        outcome
    })
}

/// What the banner says about the configuration; never the key itself.
fn describe(config: &ReceiverConfig) -> String {
    let mut parts = vec![if config.write_key.is_some() {
        "write key required".to_string()
    } else {
        "any write key".to_string()
    }];
    if config.target != crate::target::Target::SegmentUs {
        parts.push(format!(
            "standing in for {} (bodies up to {} bytes)",
            config.target.name(),
            config.limits.max_body_bytes
        ));
    }
    if let Some(out) = &config.out {
        parts.push(format!("writing {}", out.display()));
    }
    if config.fail_rate > 0.0 {
        parts.push(format!(
            "fault rate {} seed {}",
            config.fail_rate, config.seed
        ));
    }
    if config.poison_marker.is_some() {
        parts.push("poison marker set".to_string());
    }
    if !config.delay.is_zero() {
        parts.push(format!("answers {} ms late", config.delay.as_millis()));
    }
    if let Some(redirect) = &config.redirect {
        parts.push(format!(
            "redirecting every ingest POST with {} to {}, keeping nothing",
            redirect.status, redirect.location
        ));
    }
    parts.join(", ")
}

/// One line of statistics for humans.
fn summary(stats: &ReceiverStats) -> String {
    let statuses: Vec<String> = stats
        .by_status
        .iter()
        .map(|(status, n)| format!("{status}: {n}"))
        .collect();
    format!(
        "{} requests ({}), {} messages ({} unique ids, {} duplicates), {} dropped, {} faults injected; \
         bodies: {} bytes received, {} decoded, {} compressed requests",
        stats.requests,
        statuses.join(", "),
        stats.messages,
        stats.unique_message_ids,
        stats.duplicates,
        stats.dropped,
        stats.faults_injected,
        stats.wire_bytes,
        stats.body_bytes,
        stats.gzip_requests
    )
}

/// Locks a mutex even if a thread panicked while holding it: the data here
/// (counters, a PRNG, a buffered file) stays usable after such a panic, and
/// one bad request must not take the whole receiver down.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
