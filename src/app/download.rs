//! Saving a `Blob` or text as a file the user downloads.

use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

use super::protocol::Failure;

/// Offers `blob` as a download named `name`.
pub fn blob(blob: &Blob, name: &str) -> Result<(), Failure> {
    let fail = |e: wasm_bindgen::JsValue| {
        Failure::new(
            format!("the download could not start: {e:?}"),
            "Allow downloads for this page in the browser settings and try again.",
        )
    };
    let url = Url::create_object_url_with_blob(blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| Failure::new("no document", "Reload the page."))?;
    let a: HtmlAnchorElement = document
        .create_element("a")
        .map_err(fail)?
        .dyn_into()
        .map_err(|_| Failure::new("no anchor element", "Reload the page."))?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // Revoking at once can cancel the download in some browsers; a minute later is safe.
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Offers `text` as a download named `name`.
pub fn text(text: &str, name: &str, kind: &str) -> Result<(), Failure> {
    let parts = js_sys::Array::of1(&text.into());
    let bag = BlobPropertyBag::new();
    bag.set_type(kind);
    let b = Blob::new_with_str_sequence_and_options(&parts, &bag).map_err(|e| {
        Failure::new(
            format!("the download could not be prepared: {e:?}"),
            "Try again.",
        )
    })?;
    blob(&b, name)
}
