//! Component tests of the four steps, in headless Chromium
//! (`make test-app-components`).
//!
//! Each test renders the app's page ([`super::page`], what `App` renders)
//! into an element of its own, from a given [`State`] and with a stand-in
//! worker: the test receives every [`Request`] the step sends, answers
//! Inspect and Preview with the worker's own code over the file's bytes
//! ([`Page::serve`]), and plays the rest (check and send progress, results)
//! as the worker would. It acts as a user does (picks a file, changes a
//! select, types, clicks) and asserts what the page shows and what the step
//! sent.

mod bytes_mode;
mod check_step;
mod file_step;
mod files;
mod fix_grid;
mod key_check;
mod map_step;
mod resume;
mod send_step;
mod tables;

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc::{unbounded, UnboundedReceiver};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, DataTransfer, DragEvent, DragEventInit, Element, Event, EventInit, HtmlButtonElement,
    HtmlElement, HtmlInputElement, HtmlSelectElement, InputEvent, InputEventInit,
};
use yew::prelude::*;

use super::protocol::{Failure, FileData, FilesView, NamedFile, Request, Response};
use super::state::{Action, Picked, State, Step};
use super::worker::files::{part_view, FirstWithRows};
use super::worker::inspect;
use super::{Ctx, WorkerHandle};
use crate::fileset::{FilePart, FileSet};
use crate::pipeline::sniff_part;
use crate::source::SourceOptions;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// A small semicolon-separated export: header row, two orders.
pub const ORDERS: &str = "user_id;event;created_at;price;plan\n\
    u1;Order Completed;2024-01-02T03:04:05Z;9.99;pro\n\
    u2;Order Completed;2024-01-03T10:00:00Z;19.50;free\n";

/// Where the harness leaves the reducer's handle after each render.
#[derive(Clone, Default)]
struct Probe(Rc<RefCell<Option<UseReducerHandle<State>>>>);

impl PartialEq for Probe {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
struct HarnessProps {
    init: Rc<State>,
    worker: WorkerHandle,
    probe: Probe,
}

/// `App` with a given first state and a stand-in worker.
#[component]
fn Harness(props: &HarnessProps) -> Html {
    let init = props.init.clone();
    let state = use_reducer(move || (*init).clone());
    *props.probe.0.borrow_mut() = Some(state.clone());
    super::page(Ctx {
        state,
        worker: props.worker.clone(),
    })
}

/// The rendered page of one test; removed from the document when dropped.
pub struct Page {
    root: Element,
    app: Option<yew::AppHandle<Harness>>,
    probe: Probe,
    requests: UnboundedReceiver<Request>,
}

impl Drop for Page {
    fn drop(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.root.remove();
    }
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

impl Page {
    /// Renders the page from `state`.
    pub async fn open(state: State) -> Page {
        let root = document().create_element("div").expect("div");
        document()
            .body()
            .expect("body")
            .append_child(&root)
            .expect("append");
        let (tx, requests) = unbounded();
        let probe = Probe::default();
        let props = HarnessProps {
            init: Rc::new(state),
            worker: WorkerHandle(tx),
            probe: probe.clone(),
        };
        let app = yew::Renderer::<Harness>::with_root_and_props(root.clone(), props).render();
        let page = Page {
            root,
            app: Some(app),
            probe,
            requests,
        };
        page.settle().await;
        page
    }

    /// Lets tasks run (a file read, a fetch), then renders what changed.
    pub async fn settle(&self) {
        yew::scheduler::flush().await;
        gloo_timers::future::TimeoutFuture::new(0).await;
        yew::scheduler::flush().await;
    }

    /// Waits (up to two seconds) until `done` holds of the page.
    pub async fn until(&self, what: &str, done: impl Fn(&Page) -> bool) {
        for _ in 0..100 {
            if done(self) {
                return;
            }
            gloo_timers::future::TimeoutFuture::new(20).await;
            yew::scheduler::flush().await;
        }
        panic!(
            "timed out waiting for {what}; the page says: {}",
            self.text()
        );
    }

    /// The app's state now.
    pub fn state(&self) -> State {
        let handle = self.probe.0.borrow();
        (**handle.as_ref().expect("rendered")).clone()
    }

    /// Dispatches an action as the worker or the page would.
    pub async fn dispatch(&self, action: Action) {
        let handle = self.probe.0.borrow().clone().expect("rendered");
        handle.dispatch(action);
        self.settle().await;
    }

    /// A worker's answer arrives.
    pub async fn answer(&self, response: Response) {
        self.dispatch(Action::Worker(response)).await;
    }

    /// Every request the page sent to the worker since the last call.
    pub fn sent(&mut self) -> Vec<Request> {
        let mut out = Vec::new();
        while let Ok(r) = self.requests.try_recv() {
            out.push(r);
        }
        out
    }

    /// Plays the worker for Inspect and Preview with its own code, until the
    /// page asks nothing more of them; returns every request it saw.
    pub async fn serve(&mut self) -> Vec<Request> {
        let mut seen = Vec::new();
        for _ in 0..5 {
            let batch = self.sent();
            if batch.is_empty() {
                break;
            }
            for r in &batch {
                let answer = match r {
                    Request::Inspect { file, options } => {
                        match inspect::view(&bytes_of(file).await, true, options) {
                            Ok(view) => Response::Inspected(view),
                            Err(f) => Response::Failed(f),
                        }
                    }
                    Request::InspectFiles { files, options } => {
                        match files_view(files, options).await {
                            Ok(view) => Response::InspectedFiles(view),
                            Err(f) => Response::Failed(f),
                        }
                    }
                    Request::Preview {
                        file,
                        settings,
                        mapping,
                        columns,
                        ..
                    } => {
                        let mut view = inspect::preview_sample(
                            bytes_of(file).await,
                            true,
                            settings,
                            mapping.clone(),
                        );
                        view.error = view.error.or(inspect::columns_error(columns, mapping));
                        Response::Previewed(view)
                    }
                    _ => continue,
                };
                self.answer(answer).await;
            }
            seen.extend(batch);
        }
        seen
    }

    /// The page's text, whitespace collapsed.
    pub fn text(&self) -> String {
        squash(&self.root.text_content().unwrap_or_default())
    }

    pub fn find(&self, selector: &str) -> Element {
        self.root
            .query_selector(selector)
            .expect("a valid selector")
            .unwrap_or_else(|| panic!("no {selector} on the page: {}", self.text()))
    }

    pub fn has(&self, selector: &str) -> bool {
        self.root
            .query_selector(selector)
            .expect("a valid selector")
            .is_some()
    }

    pub fn all(&self, selector: &str) -> Vec<Element> {
        let list = self
            .root
            .query_selector_all(selector)
            .expect("a valid selector");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<Element>().ok())
            .collect()
    }

    /// The texts of every element matching `selector`.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        self.all(selector)
            .iter()
            .map(|e| squash(&e.text_content().unwrap_or_default()))
            .collect()
    }

    /// The button whose text starts with `label`.
    pub fn button(&self, label: &str) -> HtmlButtonElement {
        self.all("button")
            .into_iter()
            .find(|b| squash(&b.text_content().unwrap_or_default()).starts_with(label))
            .unwrap_or_else(|| panic!("no button {label:?}; buttons: {:?}", self.texts("button")))
            .unchecked_into()
    }

    pub fn has_button(&self, label: &str) -> bool {
        self.texts("button").iter().any(|t| t.starts_with(label))
    }

    /// The `tag` control inside the label whose text starts with `label`.
    pub fn labelled(&self, label: &str, tag: &str) -> Element {
        self.all("label")
            .into_iter()
            .filter(|l| squash(&l.text_content().unwrap_or_default()).starts_with(label))
            .find_map(|l| l.query_selector(tag).ok().flatten())
            .unwrap_or_else(|| panic!("no {tag} labelled {label:?}: {}", self.text()))
    }

    /// The element whose `aria-label` is `label`.
    pub fn labelled_by(&self, label: &str) -> Element {
        self.find(&format!("[aria-label={label:?}]"))
    }

    pub fn has_label(&self, label: &str) -> bool {
        self.texts("label").iter().any(|t| t.starts_with(label))
    }

    /// Chooses the option with `value` in a select, as a user does.
    pub async fn choose(&self, select: &Element, value: &str) {
        let s: &HtmlSelectElement = select.unchecked_ref();
        s.set_value(value);
        assert_eq!(s.value(), value, "the select has no option {value:?}");
        fire(select, "change");
        self.settle().await;
    }

    /// Types `text` into an input or textarea (an `input` event).
    pub async fn type_text(&self, field: &Element, text: &str) {
        set_value(field, text);
        let init = InputEventInit::new();
        init.set_bubbles(true);
        let e = InputEvent::new_with_event_init_dict("input", &init).expect("input event");
        field.dispatch_event(&e).expect("dispatch");
        self.settle().await;
    }

    /// Types `text` into a field and leaves it (a `change` event).
    pub async fn enter_text(&self, field: &Element, text: &str) {
        set_value(field, text);
        fire(field, "change");
        self.settle().await;
    }

    pub async fn click(&self, element: &Element) {
        element.unchecked_ref::<HtmlElement>().click();
        self.settle().await;
    }

    /// Picks a file in a file input, as the browser's file chooser does.
    pub async fn pick_file(&self, input: &Element, name: &str, bytes: &[u8]) {
        let input: &HtmlInputElement = input.unchecked_ref();
        input.set_files(Some(&file_list(name, bytes)));
        fire(input, "change");
        self.settle().await;
    }

    /// Picks several files in a file input (`paths`: each file's
    /// `webkitRelativePath`, as a folder picker gives them; empty for a
    /// plain file input).
    pub async fn pick_files(&self, input: &Element, files: &[(&str, &[u8])], paths: &[&str]) {
        let transfer = DataTransfer::new().expect("DataTransfer");
        for (name, bytes) in files {
            transfer
                .items()
                .add_with_file(&file(name, bytes))
                .expect("add file");
        }
        let input: &HtmlInputElement = input.unchecked_ref();
        input.set_files(Some(&transfer.files().expect("files")));
        // A constructed File has no path of its own: each gets the one a
        // folder picker gives.
        let list = input.files().expect("files");
        let define = js_sys::Function::new_with_args(
            "f, p",
            "Object.defineProperty(f, 'webkitRelativePath', { value: p })",
        );
        for (i, path) in paths.iter().enumerate() {
            let f = list.get(i as u32).expect("a file");
            define
                .call2(&wasm_bindgen::JsValue::NULL, &f, &(*path).into())
                .expect("define the path");
        }
        fire(input, "change");
        self.settle().await;
    }

    /// Drops a file (or, with `None`, something that is not a file) on an
    /// element.
    pub async fn drop_on(&self, target: &Element, what: Option<(&str, &[u8])>) {
        let files: Vec<(&str, &[u8])> = what.into_iter().collect();
        self.drop_files(target, &files).await;
    }

    /// Drops files (none: something that is not a file) on an element.
    pub async fn drop_files(&self, target: &Element, files: &[(&str, &[u8])]) {
        let init = DragEventInit::new();
        init.set_bubbles(true);
        init.set_cancelable(true);
        if !files.is_empty() {
            let transfer = DataTransfer::new().expect("DataTransfer");
            for (name, bytes) in files {
                transfer
                    .items()
                    .add_with_file(&file(name, bytes))
                    .expect("add file");
            }
            init.set_data_transfer(Some(&transfer));
        }
        let e = DragEvent::new_with_event_init_dict("drop", &init).expect("drop event");
        target.dispatch_event(&e).expect("dispatch");
        self.settle().await;
    }
}

/// What the worker answers to [`Request::InspectFiles`], made with its own
/// code from the files' whole bytes (in the page's thread, where the
/// worker's synchronous reads are not available).
pub async fn files_view(
    files: &[NamedFile],
    options: &SourceOptions,
) -> Result<FilesView, Failure> {
    let names = files
        .iter()
        .map(|f| FilePart::new(f.name.clone(), None))
        .collect();
    let set = FileSet::ordered(names).map_err(|e| Failure::new(e, ""))?;
    let mut first = FirstWithRows::default();
    let mut parts = Vec::new();
    for (i, f) in set.files().iter().enumerate() {
        let file = &files.iter().find(|n| n.name == f.name).expect("named").data;
        let bytes = bytes_of(file).await;
        let part = sniff_part(&f.name, &bytes, true, options.clone(), None)
            .map_err(|e| Failure::new(e, ""))?;
        first.see(i, &f.name, &bytes, true, &part);
        parts.push(part_view(&f.name, bytes.len() as f64, &part));
    }
    first.view(parts, set.order())
}

/// A control's `value` (input, select, textarea).
pub fn value(e: &Element) -> String {
    js_sys::Reflect::get(e, &"value".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

fn set_value(field: &Element, text: &str) {
    js_sys::Reflect::set(field, &"value".into(), &text.into()).expect("set value");
}

/// Fires a bubbling event, as the browser does when a user changes a field.
fn fire(target: &Element, kind: &str) {
    let init = EventInit::new();
    init.set_bubbles(true);
    let e = Event::new_with_event_init_dict(kind, &init).expect("event");
    target.dispatch_event(&e).expect("dispatch");
}

pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn blob(bytes: &[u8]) -> Blob {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    Blob::new_with_u8_array_sequence(&parts).expect("blob")
}

fn file(name: &str, bytes: &[u8]) -> web_sys::File {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::File::new_with_u8_array_sequence(&parts, name).expect("file")
}

fn file_list(name: &str, bytes: &[u8]) -> web_sys::FileList {
    let transfer = DataTransfer::new().expect("DataTransfer");
    transfer
        .items()
        .add_with_file(&file(name, bytes))
        .expect("add file");
    transfer.files().expect("files")
}

/// A blob's bytes, read as the worker would (but asynchronously: this is
/// the page's thread).
pub async fn bytes_of(file: &FileData) -> Vec<u8> {
    let buffer = match file {
        FileData::Blob(blob) => JsFuture::from(blob.array_buffer())
            .await
            .expect("readable blob"),
        FileData::Bytes(bytes) => bytes.into(),
    };
    js_sys::Uint8Array::new(&buffer).to_vec()
}

/// What this browser remembers (mappings, a write key), forgotten.
pub fn forget_everything() {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage")
        .clear()
        .expect("clear localStorage");
}

/// The state after the user picked `bytes` as `name` in a browser that
/// remembers nothing, and the worker inspected it with the default
/// settings, on `step`.
pub fn picked(name: &str, bytes: &[u8], step: Step) -> State {
    forget_everything();
    picked_again(name, bytes, step)
}

/// [`picked`] in a browser that remembers what earlier tests left.
pub fn picked_again(name: &str, bytes: &[u8], step: Step) -> State {
    let view = inspect::view(bytes, true, &SourceOptions::default()).expect("inspectable");
    after(
        State::default(),
        [
            Action::Picked(Picked::one(name, blob(bytes))),
            Action::Worker(Response::Inspected(view)),
            Action::GoTo(step),
        ],
    )
}

/// One file picked, whose size the browser says is `size` (a test's
/// stand-in bytes can be fewer).
pub fn one_file(name: &str, size: f64, bytes: &[u8]) -> Picked {
    let mut picked = Picked::one(name, blob(bytes));
    if let Some(f) = picked.files.first_mut() {
        f.size = size;
    }
    picked
}

/// `state` after `actions`, through the app's reducer.
pub fn after(state: State, actions: impl IntoIterator<Item = Action>) -> State {
    let mut state = Rc::new(state);
    for action in actions {
        state = state.reduce(action);
    }
    (*state).clone()
}

/// Downloads the page starts: `HTMLAnchorElement.click` is replaced by one
/// that records the file name and the address instead of saving.
pub struct Downloads;

impl Downloads {
    pub fn capture() -> Downloads {
        js_sys::eval(
            "window.__downloads = [];\
             HTMLAnchorElement.prototype.click = function () {\
               window.__downloads.push([this.download, this.href]);\
             };",
        )
        .expect("patch anchors");
        Downloads
    }

    /// `(file name, address)` of each download so far.
    pub fn list(&self) -> Vec<(String, String)> {
        let all = js_sys::eval("window.__downloads").expect("downloads");
        js_sys::Array::from(&all)
            .iter()
            .map(|d| {
                let d = js_sys::Array::from(&d);
                (
                    d.get(0).as_string().unwrap_or_default(),
                    d.get(1).as_string().unwrap_or_default(),
                )
            })
            .collect()
    }

    /// What a download holds, read back from its (blob:) address.
    pub async fn text(&self, href: &str) -> String {
        let window = web_sys::window().expect("window");
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str(href))
            .await
            .expect("fetch the download")
            .unchecked_into();
        let text = JsFuture::from(response.text().expect("text"))
            .await
            .expect("body");
        text.as_string().unwrap_or_default()
    }
}

impl Drop for Downloads {
    fn drop(&mut self) {
        let _ = js_sys::eval("delete HTMLAnchorElement.prototype.click");
    }
}

/// Whether a user can use the control (`:disabled` also covers a control in
/// a disabled fieldset).
pub fn disabled(e: &Element) -> bool {
    e.matches(":disabled").expect("a valid selector")
}
