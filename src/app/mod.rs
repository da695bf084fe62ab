//! The browser app: a Yew single-page importer that runs on the user's machine.
//!
//! ```text
//! page (this module)                       worker (worker/)
//!   State + Action (state.rs)  ──Request──▶  reads the File in slices,
//!   one component per step     ◀─Response──  runs the core, streams progress
//! ```
//! The page only renders; it never holds the file's bytes, except where the
//! worker cannot read them (WebKit, opened from disk: [`bytes_mode`]).

mod bytes_mode;
mod check_step;
mod download;
mod file_list;
mod file_pick;
mod file_step;
mod fix_grid;
mod integrations_edit;
mod key_check;
mod map_columns;
mod map_edit;
mod map_step;
mod picked;
mod protocol;
mod resume;
mod resume_offer;
mod send_form;
mod send_progress;
mod send_report;
mod send_step;
mod state;
mod storage;
mod widgets;
pub mod worker;

#[cfg(all(test, target_arch = "wasm32"))]
mod component_tests;

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc::{unbounded, UnboundedSender};
use futures::channel::oneshot;
use futures::{SinkExt, StreamExt};
use gloo_worker::Spawnable;
use yew::prelude::*;

use protocol::{Failure, JsCodec, Request, Response};
use state::{Action, State, Step};

/// Where Trunk puts the worker's loader (relative, so any sub-path works).
const WORKER_LOADER: &str = "./worker_loader.js";

/// The global the single-file build (mk/single-html.mjs) sets to a `blob:`
/// URL of the worker's whole code: that page has no file beside it.
const WORKER_URL_GLOBAL: &str = "segmentBackfillWorkerUrl";

/// Where the worker starts: the single file's `blob:` URL, else the loader.
fn worker_url() -> String {
    js_sys::Reflect::get(&js_sys::global(), &WORKER_URL_GLOBAL.into())
        .ok()
        .and_then(|url| url.as_string())
        .unwrap_or_else(|| WORKER_LOADER.to_string())
}

/// Starts the app (called by `src/bin/app.rs`).
pub fn start() {
    yew::Renderer::<App>::new().render();
}

/// The page's handle on the worker: requests go into a queue that a task
/// forwards to the worker, so components never wait.
#[derive(Clone)]
pub struct WorkerHandle(UnboundedSender<Request>);

impl PartialEq for WorkerHandle {
    fn eq(&self, other: &Self) -> bool {
        self.0.same_receiver(&other.0)
    }
}

impl WorkerHandle {
    /// Sends a request; if the worker has gone, the page says so.
    pub fn send(&self, request: Request) {
        let _ = self.0.unbounded_send(request);
    }

    fn spawn(dispatch: UseReducerDispatcher<State>) -> WorkerHandle {
        let bridge = protocol::ImporterProxy::spawner()
            .encoding::<JsCodec>()
            .spawn_with_loader(&worker_url());
        let (mut to_worker, mut from_worker) = bridge.split();
        let (tx, mut rx) = unbounded::<Request>();
        // A page opened from disk asks the worker first whether it can read
        // the page's Blobs ([`bytes_mode`]); the answer comes back here.
        let (probed, answer) = oneshot::channel::<bool>();
        let probed = Rc::new(RefCell::new(Some(probed)));
        let to_page = dispatch.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut read_in_page = false;
            if crate::js::error::origin_is_null() {
                match bytes_mode::probe() {
                    Ok(probe) => {
                        if to_worker.send(probe).await.is_err() {
                            return;
                        }
                        read_in_page = !answer.await.unwrap_or(true);
                    }
                    Err(f) => to_page.dispatch(Action::Fail(f)),
                }
            }
            while let Some(request) = rx.next().await {
                let request = if read_in_page {
                    match bytes_mode::read_files(request).await {
                        Ok(r) => r,
                        // Answered as the worker would: the step waiting
                        // for it shows why.
                        Err(f) => {
                            to_page.dispatch(Action::Worker(Response::Failed(f)));
                            continue;
                        }
                    }
                } else {
                    request
                };
                if to_worker.send(request).await.is_err() {
                    break;
                }
            }
        });
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(response) = from_worker.next().await {
                if let Response::ProbedRead(readable) = response {
                    if let Some(probed) = probed.borrow_mut().take() {
                        let _ = probed.send(readable);
                    }
                    continue;
                }
                dispatch.dispatch(Action::Worker(response));
            }
            dispatch.dispatch(Action::Fail(Failure::new(
                "the background worker stopped",
                "Reload the page; your mapping is remembered for these columns.",
            )));
        });
        WorkerHandle(tx)
    }
}

/// What every step gets from the context.
#[derive(Clone, PartialEq)]
pub struct Ctx {
    pub state: UseReducerHandle<State>,
    pub worker: WorkerHandle,
}

impl Ctx {
    pub fn dispatch(&self, action: Action) {
        self.state.dispatch(action);
    }
}

#[component]
fn App() -> Html {
    let state = use_reducer(State::default);
    let worker = {
        let dispatch = state.dispatcher();
        use_memo((), move |_| WorkerHandle::spawn(dispatch))
    };
    page(Ctx {
        state,
        worker: (*worker).clone(),
    })
}

/// The page for a state and a worker (the component tests render it with a
/// stand-in worker).
fn page(ctx: Ctx) -> Html {
    let step = ctx.state.step;
    let body = match ctx.state.step {
        Step::File => html! { <file_step::FileStep /> },
        Step::Map => html! { <map_step::MapStep /> },
        Step::Check => html! { <check_step::CheckStep /> },
        Step::Send => html! { <send_step::SendStep /> },
    };
    html! {
        <ContextProvider<Rc<Ctx>> context={Rc::new(ctx)}>
            <header class="top">
                <h1>{ "Segment backfill" }</h1>
                <p class="tagline">{ "Import historical CSV or NDJSON into Segment: one file, several, or a folder. Nothing leaves this computer until you press Send." }</p>
                <widgets::Stepper />
            </header>
            <main id="main">
                <widgets::StepFocus {step} />
                <widgets::StorageNotice />
                <widgets::ErrorBanner />
                <resume_offer::ResumeOffer />
                { body }
            </main>
        </ContextProvider<Rc<Ctx>>>
    }
}

/// The shared context (every step is rendered inside the provider).
#[hook]
pub fn use_ctx() -> Rc<Ctx> {
    // OK because App renders every component inside the provider.
    use_context::<Rc<Ctx>>().expect("rendered inside App")
}
