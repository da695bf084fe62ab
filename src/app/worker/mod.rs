//! The Web Worker: every byte of the file is read and processed here, so the
//! page only renders. A reactor answers each [`Request`] with one or more
//! [`Response`]s; a check streams progress and can be cancelled.

mod check;
// The component tests build a set's view with it.
pub(super) mod files;
// The component tests (app::component_tests) build previews with it.
pub(super) mod inspect;
#[cfg(feature = "js")]
mod key;
mod pass;
mod reader;
mod rows;
#[cfg(feature = "js")]
mod send;
mod source;
mod tables;

use futures::{FutureExt, SinkExt, StreamExt};
use gloo_worker::reactor::{reactor, ReactorScope};
use gloo_worker::Registrable;

use crate::app::protocol::{CheckProgress, JsCodec, Request, Response};

type Scope = ReactorScope<Request, Response>;

/// Registers the worker (called by `src/bin/worker.rs`).
pub fn register() {
    ImportWorker::registrar().encoding::<JsCodec>().register();
}

/// The worker's reactor: one request at a time, in order.
#[reactor(ImportWorker)]
pub async fn importer(mut scope: Scope) {
    let mut pending: Option<Request> = None;
    loop {
        let request = match pending.take() {
            Some(r) => r,
            None => match scope.next().await {
                Some(r) => r,
                None => break, // the page has gone
            },
        };
        let answer = match request {
            Request::Inspect { file, options } => match inspect::run(file, &options).await {
                Ok(v) => Response::Inspected(v),
                Err(f) => Response::Failed(f),
            },
            Request::InspectFiles { files, options } => {
                match files::inspect(files, &options).await {
                    Ok(v) => Response::InspectedFiles(v),
                    Err(f) => Response::Failed(f),
                }
            }
            Request::Preview {
                file,
                sheet,
                settings,
                mapping,
                columns,
            } => {
                let misfit = inspect::columns_error(&columns, &mapping);
                match inspect::preview(file, sheet.as_deref(), &settings, mapping).await {
                    Ok(mut v) => {
                        v.error = v.error.or(misfit);
                        Response::Previewed(v)
                    }
                    Err(f) => Response::Failed(f),
                }
            }
            Request::Check {
                input,
                mapping,
                keep_batches,
                id_namespace,
                fixes,
                target,
            } => {
                let mut host = Host {
                    scope: &mut scope,
                    pending: &mut pending,
                    queued: Vec::new(),
                };
                let job = check::Job {
                    input,
                    mapping,
                    keep_batches,
                    id_namespace,
                    fixes,
                    target,
                };
                let outcome = check::run(job, &mut host).await;
                let queued = std::mem::take(&mut host.queued);
                for r in queued {
                    if scope.send(r).await.is_err() {
                        return;
                    }
                }
                match outcome {
                    Ok(check::Outcome::Done(done)) => Response::Checked(*done),
                    Ok(check::Outcome::Cancelled) => Response::Cancelled,
                    Err(f) => Response::Failed(f),
                }
            }
            Request::CheckRows {
                settings,
                headers,
                mapping,
                rows,
            } => match rows::check(&settings, &headers, mapping, &rows) {
                Ok(v) => Response::RowsChecked(v),
                Err(f) => Response::Failed(f),
            },
            #[cfg(feature = "js")]
            Request::CheckKey(query) => {
                let verdict = key::check(&query).await;
                Response::KeyChecked(crate::app::protocol::KeyAnswer {
                    query,
                    verdict,
                    at_start: false,
                })
            }
            #[cfg(not(feature = "js"))]
            Request::CheckKey(query) => Response::KeyChecked(crate::app::protocol::KeyAnswer {
                query,
                verdict: crate::app::protocol::KeyVerdict::Unsure(
                    "this build of the app cannot check a write key (no `js` feature)".into(),
                ),
                at_start: false,
            }),
            #[cfg(feature = "js")]
            Request::Send {
                input,
                mapping,
                target,
                resume,
                fixes,
            } => {
                let job = send::Job {
                    input,
                    mapping,
                    target,
                    resume,
                    fixes,
                };
                send::run(&mut scope, &mut pending, job).await
            }
            #[cfg(not(feature = "js"))]
            Request::Send { .. } => Response::Failed(crate::app::protocol::Failure::new(
                "this build of the app cannot send",
                "Build the worker with the `js` feature (index.html does), or send with the CLI.",
            )),
            Request::ProbeRead { blob } => Response::ProbedRead(reader::can_read(&blob)),
            // A Cancel, Pause or Unpause with nothing running: the check or
            // the send already ended.
            Request::Cancel | Request::Pause | Request::Unpause => continue,
        };
        if scope.send(answer).await.is_err() {
            break;
        }
    }
}

/// The check's view of the reactor: progress out, Cancel in.
struct Host<'a> {
    scope: &'a mut Scope,
    /// A request other than Cancel that arrived during the check, run next.
    pending: &'a mut Option<Request>,
    /// Progress waiting to be flushed at the next yield.
    queued: Vec<Response>,
}

impl check::Host for Host<'_> {
    fn progress(&mut self, p: CheckProgress) -> bool {
        // Only the newest progress matters.
        self.queued.clear();
        self.queued.push(Response::CheckProgress(p));
        true
    }

    async fn cancelled(&mut self) -> bool {
        for r in std::mem::take(&mut self.queued) {
            if self.scope.send(r).await.is_err() {
                return true;
            }
        }
        // A zero timeout lets queued postMessage events run.
        gloo_timers::future::TimeoutFuture::new(0).await;
        while let Some(next) = self.scope.next().now_or_never() {
            match next {
                None | Some(Request::Cancel) => return true,
                Some(other) => *self.pending = Some(other),
            }
        }
        false
    }
}
