//! # segment-backfill
//!
//! Import historical data (CSV, TSV, NDJSON, JSON arrays, gzipped or not) into
//! Segment's HTTP Import API without losing, duplicating or re-dating anything.
//!
//! The core is pure: bytes in, messages and batches out, time passed in as an
//! argument. The browser app, the JS package and the CLI are thin layers over it.
//!
//! ```text
//! bytes ─▶ source (gunzip, decode, sniff, parse) ─▶ mapping ─▶ message + validate
//!       ─▶ batch (≤ 475 KB, ≤ 2,500 msgs, deterministic messageIds)
//!       ─▶ session (one import's identity, checkpoint, rejects, tally) ─▶ deliver (sans-IO)
//! ```
//!
//! Every row ends in exactly one place: delivered, rejected with a reason, or
//! named as undelivered in the final report.

pub mod batch;
pub mod deliver;
pub mod fileset;
pub mod located;
pub mod mapping;
pub mod message;
pub mod nearest;
pub mod pipeline;
pub mod report;
pub mod session;
pub mod source;
pub mod source_settings;
pub mod target;
pub mod text;
pub mod time;
pub mod validate;

#[cfg(all(target_arch = "wasm32", feature = "app"))]
pub mod app;
#[cfg(all(target_arch = "wasm32", any(feature = "app", feature = "js")))]
pub mod blob_slices;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(all(
    target_arch = "wasm32",
    any(feature = "js", feature = "tables-js", feature = "app")
))]
pub mod js;

/// The library name and version sent in every batch's `context.library`.
pub const LIBRARY_NAME: &str = "segment-backfill";
/// See [`LIBRARY_NAME`].
pub const LIBRARY_VERSION: &str = env!("CARGO_PKG_VERSION");
