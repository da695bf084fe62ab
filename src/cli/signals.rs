//! The signals that stop the CLI's long-running commands (`receive`,
//! `send`): Ctrl-C (SIGINT) and, on unix, SIGTERM, which `kill`, systemd and
//! container runtimes send. Both lead to the same graceful stop (requests in
//! flight finish, the last state is saved and reported); without a handler
//! SIGTERM would end the process on the spot and with a failure status.

/// Listens for the stop signals from the moment it is made.
pub struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Installs the handlers (within a tokio runtime). Call it before saying
    /// the receiver is up: a signal sent right after the banner must find
    /// them, not the default action.
    pub fn listen() -> Result<StopSignals, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let listen = |kind: SignalKind, name: &str| {
                signal(kind).map_err(|e| format!("cannot listen for {name}: {e}"))
            };
            Ok(StopSignals {
                interrupt: listen(SignalKind::interrupt(), "Ctrl-C")?,
                terminate: listen(SignalKind::terminate(), "SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(StopSignals {})
        }
    }

    /// Waits for the first stop signal; returns its name.
    pub async fn recv(&mut self) -> Result<&'static str, String> {
        #[cfg(unix)]
        {
            // `None` would mean the runtime's signal driver is gone: no
            // signal can come any more, so stopping is the only way out.
            tokio::select! {
                _ = self.interrupt.recv() => Ok("Ctrl-C"),
                _ = self.terminate.recv() => Ok("SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        {
            // Elsewhere tokio installs the Ctrl-C handler on the first poll.
            tokio::signal::ctrl_c()
                .await
                .map(|()| "Ctrl-C")
                .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))
        }
    }
}
