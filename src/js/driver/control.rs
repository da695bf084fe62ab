//! Pause and cancel of a running send: the [`PauseControl`] a caller holds
//! (or JS's `paused` option), and the listener that wakes the run's loop
//! when the abort signal fires.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use crate::js::error::describe;
use crate::js::time::Wake;

/// Pauses and resumes a running [`super::send_file`]; clones share the state.
///
/// While paused, no request starts and the file is not read further;
/// requests already out finish and are counted. Resuming goes on where the
/// run stopped. A cancel (the abort signal) works while paused.
#[derive(Clone, Default)]
pub struct PauseControl {
    inner: Rc<PauseInner>,
}

#[derive(Default)]
struct PauseInner {
    paused: Cell<bool>,
    /// JS's `paused` option, asked instead of `paused` when set.
    ask: Option<js_sys::Function>,
    /// What `ask` threw, for the run to stop with.
    threw: RefCell<Option<String>>,
    /// `ask` threw: it is not asked again.
    gave_up: Cell<bool>,
    /// The running driver's loop, woken when the state changes.
    wake: RefCell<Option<Wake>>,
}

impl std::fmt::Debug for PauseControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not is_paused(): that asks JS's `paused`, which may throw and
        // stop the run; a Debug print must not.
        f.debug_struct("PauseControl")
            .field("paused", &self.inner.paused.get())
            .field("asks_js", &self.inner.ask.is_some())
            .finish()
    }
}

impl PauseControl {
    /// A control that is not paused.
    pub fn new() -> PauseControl {
        PauseControl::default()
    }

    /// A control that asks `paused()` (JS's option); anything but `true`
    /// means not paused, and a call that throws stops the run (failed,
    /// the report saying what it threw).
    pub(super) fn asking(paused: js_sys::Function) -> PauseControl {
        PauseControl {
            inner: Rc::new(PauseInner {
                ask: Some(paused),
                ..PauseInner::default()
            }),
        }
    }

    /// Holds back every new request from now on.
    pub fn pause(&self) {
        self.set(true);
    }

    /// Lets the run go on.
    pub fn resume(&self) {
        self.set(false);
    }

    /// Whether new requests are held back now.
    pub fn is_paused(&self) -> bool {
        match &self.inner.ask {
            Some(_) if self.inner.gave_up.get() => false,
            Some(f) => match f.call0(&JsValue::UNDEFINED) {
                Ok(v) => v.as_bool() == Some(true),
                Err(e) => {
                    self.inner.gave_up.set(true);
                    *self.inner.threw.borrow_mut() =
                        Some(format!("{} threw: {}", thrower(&e), describe(&e)));
                    false
                }
            },
            None => self.inner.paused.get(),
        }
    }

    fn set(&self, paused: bool) {
        if self.inner.paused.replace(paused) != paused {
            if let Some(wake) = self.inner.wake.borrow().as_ref() {
                wake.wake();
            }
        }
    }

    /// What JS's `paused` threw, once.
    pub(super) fn take_thrown(&self) -> Option<String> {
        self.inner.threw.borrow_mut().take()
    }

    pub(super) fn attach(&self, wake: Option<Wake>) {
        *self.inner.wake.borrow_mut() = wake;
    }
}

/// Which callback threw `error` from `paused`: `paused` itself, unless the
/// package's worker (worker.js) stops the run for the page's `onProgress`
/// this way (its `paused` stands in for both, asked before each request),
/// marking the error with `callback`.
fn thrower(error: &JsValue) -> String {
    js_sys::Reflect::get(error, &"callback".into())
        .ok()
        .and_then(|c| c.as_string())
        .filter(|c| c == "onProgress")
        .unwrap_or_else(|| "paused".into())
}

/// Wakes the loop when the user cancels, and unhooks itself when dropped.
pub(super) struct AbortListener {
    signal: AbortSignal,
    closure: Closure<dyn FnMut()>,
}

impl AbortListener {
    pub(super) fn new(signal: &AbortSignal, wake: Wake) -> AbortListener {
        let closure = Closure::<dyn FnMut()>::new(move || wake.wake());
        // Adding a listener to an AbortSignal does not throw.
        let _ = signal.add_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
        AbortListener {
            signal: signal.clone(),
            closure,
        }
    }
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.closure.as_ref().unchecked_ref());
    }
}
