//! The accept loop: a task per connection (HTTP/1.1 with keep-alive),
//! graceful shutdown. There is nothing to flush: the store writes each
//! request's lines before it is answered.

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use super::faults::Faults;
use super::redirect;
use super::routes;
use super::store::Store;
use super::ReceiverConfig;

/// How long shutdown waits for in-flight requests (a slow fault takes 3 s).
const GRACE: Duration = Duration::from_secs(5);
/// Pause after a failed accept (e.g. out of file descriptors), so the loop
/// does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// What every connection shares.
pub(super) struct Shared {
    pub(super) config: ReceiverConfig,
    pub(super) store: Store,
    pub(super) faults: Faults,
    /// [`ReceiverConfig::redirect`], checked at start.
    pub(super) redirect: Option<redirect::Prepared>,
}

/// Serves until `stop` turns true (or its sender is gone), then waits up to
/// [`GRACE`] for open connections.
pub(super) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        if *stop.borrow() {
            break;
        }
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(connection(stream, Arc::clone(&shared), stop.clone()));
                }
                Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
            },
            // Reap finished connection tasks so the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            changed = stop.changed() => {
                if changed.is_err() {
                    break;
                }
            }
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}

/// Serves one connection until the client closes it, a fault drops it, or
/// shutdown finishes its in-flight request.
async fn connection(stream: TcpStream, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    // Small request/answer pairs: do not wait for Nagle. Failure is harmless.
    let _ = stream.set_nodelay(true);
    let abort = Arc::new(Notify::new());
    let service = {
        let abort = Arc::clone(&abort);
        service_fn(move |req| routes::handle(req, Arc::clone(&shared), Arc::clone(&abort)))
    };
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            // Errors here are the client's doing (reset, bad request line);
            // hyper has already answered what could be answered.
            _ = conn.as_mut() => return,
            // Returning drops the connection: the client sees it closed
            // without an answer.
            _ = abort.notified() => return,
            changed = stop.changed(), if !stopping => {
                // Also when the sender is gone: that means stop too.
                let _ = changed;
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
