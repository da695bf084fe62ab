//! The JavaScript API (the npm package `segment-backfill`) and the browser
//! driver, over the same core as the CLI and the app.
//!
//! Thin by design: every decision (sniffing, mapping, validation, batching,
//! retries) is the core's; this layer converts values, reads Blobs, calls
//! `fetch` and keeps time. Errors thrown to JS are `Error`s with a stable
//! `code` ([`error::codes`]); TypeScript types come from the Rust types
//! (tsify), so nothing is written twice. What JS passes where the types
//! cannot check it (a Blob, bytes, option keys) is checked in [`args`].
//! The package's JS entry (`src/js/entry/`) wraps this layer's glue: the
//! `not_initialized` and `freed` checks, `init()`, the error class.
//!
//! # For JS
//!
//! `inspect`, `suggestMapping`, `new Importer(...)` and `importFile(...)`;
//! for several files as one import, `importFiles(...)` and `checkFiles(...)`
//! ([`files`], [`check`]): see `docs/js-api.md`.
//!
//! # For Rust (the app's worker)
//!
//! The Send step calls the same driver as `importFile`:
//!
//! ```ignore
//! use segment_backfill::js::driver::{send_file, PauseControl, SendOptions};
//! use segment_backfill::js::options::SendSettings;
//!
//! let pause = PauseControl::new();
//! let options = SendOptions {
//!     settings: SendSettings {
//!         endpoint: "https://api.segment.io/v1/batch".into(),
//!         write_key,
//!         ..Default::default()
//!     },
//!     signal: Some(abort_controller.signal()), // cancel: controller.abort()
//!     pause: Some(pause.clone()),              // pause.pause(), pause.resume()
//! };
//! let report = send_file(file, Some(mapping), options, |p| post_progress(p)).await?;
//! assert!(report.balanced);
//! ```
//!
//! [`driver::send_file`] reads the `Blob` in slices ([`blob`]) into the
//! core's [`crate::session::SendSession`] (the same as the CLI's), performs
//! its requests with `fetch` ([`fetch`]) and resolves with its
//! [`driver::Report`]: the reconciliation (`rows = delivered + rejected +
//! undelivered`), the summary, the delivery counts, the rejected rows and a
//! checkpoint. Its errors are [`error::JsApiError`] (code + message; it
//! converts into a thrown JS `Error`).

//!
//! The tables module (feature `tables-js`, [`crate::source::table::js`])
//! has only [`error`] of this layer: it throws the same coded errors, which
//! the app's worker reads.

#[cfg(feature = "js")]
pub mod api;
#[cfg(feature = "js")]
pub mod args;
#[cfg(feature = "js")]
pub mod blob;
#[cfg(all(feature = "js", not(feature = "app")))]
pub mod check;
#[cfg(feature = "js")]
pub mod counter;
#[cfg(feature = "js")]
pub mod driver;
pub mod error;
#[cfg(feature = "js")]
pub mod fetch;
#[cfg(all(feature = "js", not(feature = "app")))]
pub mod files;
#[cfg(all(feature = "js", not(feature = "app")))]
pub mod hints;
#[cfg(feature = "js")]
pub mod importer;
#[cfg(feature = "js")]
pub mod key_check;
#[cfg(feature = "js")]
pub mod options;
#[cfg(all(feature = "js", not(feature = "app")))]
pub mod table;
#[cfg(feature = "js")]
pub mod time;
