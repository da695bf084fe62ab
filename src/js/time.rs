//! The clock and timers of the JS layer: `Date.now()` and `setTimeout`,
//! which exist alike in windows, workers and Node.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Wakes a sleeping driver loop: a request ended, the user cancelled. A
/// wake that comes while nobody waits is kept, so it is never lost.
#[derive(Clone, Default)]
pub struct Wake {
    inner: Rc<WakeInner>,
}

#[derive(Default)]
struct WakeInner {
    resolve: RefCell<Option<Function>>,
    pending: Cell<bool>,
}

impl Wake {
    /// Wakes the waiter now, or the next one to wait.
    pub fn wake(&self) {
        match self.inner.resolve.borrow_mut().take() {
            Some(resolve) => {
                // Calling a Promise's resolve function does not throw.
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
            None => self.inner.pending.set(true),
        }
    }

    /// Waits for a wake, or `timeout_ms` (when given) whichever comes first.
    pub async fn wait(&self, timeout_ms: Option<f64>) {
        if self.inner.pending.replace(false) {
            return;
        }
        let mut timer = None;
        let promise = Promise::new(&mut |resolve, _reject| {
            if let Some(ms) = timeout_ms {
                timer = Some(set_timeout(&resolve, ms.max(0.0)));
            }
            *self.inner.resolve.borrow_mut() = Some(resolve);
        });
        // The promise never rejects.
        let _ = JsFuture::from(promise).await;
        if let Some(t) = timer {
            clear_timeout(&t);
        }
        self.inner.resolve.borrow_mut().take();
        self.inner.pending.set(false);
    }
}
