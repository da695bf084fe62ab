//! Where the worker cannot read the files the page hands it, the page reads
//! them and hands it their bytes. WebKit (Safari, GNOME Web) gives the
//! worker of a page opened from disk `NotReadableError` for any Blob — the
//! picked file, a slice, a copy made in the page, even one the worker made
//! itself — while the page reads them fine. A page opened from disk asks
//! the worker once, first ([`Request::ProbeRead`]); if it cannot read, every
//! file a request carries crosses as an `ArrayBuffer` ([`FileData::Bytes`]),
//! which the single file's boot script transfers (mk/single-html.mjs: not
//! copied). The whole file is in memory then, so a request's files are
//! refused past [`MAX_BYTES`], naming them and what to do.

use js_sys::ArrayBuffer;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File};

use super::protocol::{Failure, FileData, Input, NamedFile, Request};
use super::widgets::bytes;
use crate::js::error::describe;

/// The most a request's files may hold in bytes mode: 512 MB.
pub const MAX_BYTES: f64 = 512e6;

/// The tiny Blob the page asks the worker to read.
pub fn probe() -> Result<Request, Failure> {
    let parts = js_sys::Array::of1(&"probe".into());
    Blob::new_with_str_sequence(&parts)
        .map(|blob| Request::ProbeRead { blob })
        .map_err(|e| {
            Failure::new(
                format!("the page could not make a Blob: {}", describe(&e)),
                "Reload the page.",
            )
        })
}

/// `request` with every file it carries read into bytes; refused when they
/// are more than [`MAX_BYTES`] together.
pub async fn read_files(mut request: Request) -> Result<Request, Failure> {
    let mut files = files_of(&mut request);
    let sizes: Vec<(String, f64)> = files.iter().map(|(n, f)| (n.clone(), f.size())).collect();
    if let Some(refused) = too_large(&sizes) {
        return Err(refused);
    }
    for (name, file) in &mut files {
        if let FileData::Blob(blob) = file {
            let read = blob.array_buffer();
            let buffer = JsFuture::from(read).await.map_err(|e| {
                Failure::new(
                    format!("{name} could not be read: {}", describe(&e)),
                    "The file may have been moved, changed or deleted since you picked it: pick it again.",
                )
            })?;
            let buffer: ArrayBuffer = buffer.unchecked_into();
            **file = FileData::Bytes(buffer);
        }
    }
    Ok(request)
}

/// Why files of these names and sizes are not read into memory: more than
/// [`MAX_BYTES`] together.
pub fn too_large(files: &[(String, f64)]) -> Option<Failure> {
    let total: f64 = files.iter().map(|(_, size)| size).sum();
    if total <= MAX_BYTES {
        return None;
    }
    let what = match files {
        [(name, _)] => format!("{name} is {}", bytes(total)),
        _ => format!("these {} files are {} together", files.len(), bytes(total)),
    };
    Some(Failure::new(
        format!(
            "{what}: more than this browser can read for a page opened from disk (at most {})",
            bytes(MAX_BYTES)
        ),
        "This browser (Safari, GNOME Web) does not let a page opened from disk read files in \
         its background worker, so the page reads them into memory for it. Serve the page \
         from a web server (`make serve-app` in the project) or use the hosted page, or open \
         this file in Chrome, Edge or Firefox, which read files of any size from disk.",
    ))
}

/// The files `request` carries, each with its name for a message.
fn files_of(request: &mut Request) -> Vec<(String, &mut FileData)> {
    match request {
        Request::Inspect { file, .. }
        | Request::Preview { file, .. }
        | Request::Check {
            input: Input::One { file, .. },
            ..
        }
        | Request::Send {
            input: Input::One { file, .. },
            ..
        } => vec![(name_of(file), file)],
        Request::InspectFiles { files, .. }
        | Request::Check {
            input: Input::Files { files, .. },
            ..
        }
        | Request::Send {
            input: Input::Files { files, .. },
            ..
        } => named(files),
        Request::CheckKey(_)
        | Request::CheckRows { .. }
        | Request::ProbeRead { .. }
        | Request::Cancel
        | Request::Pause
        | Request::Unpause => Vec::new(),
    }
}

fn named(files: &mut [NamedFile]) -> Vec<(String, &mut FileData)> {
    files
        .iter_mut()
        .map(|f| (f.name.clone(), &mut f.data))
        .collect()
}

/// A picked file's name; the sample has none.
fn name_of(file: &FileData) -> String {
    match file {
        FileData::Blob(blob) => blob.dyn_ref::<File>().map(File::name),
        FileData::Bytes(_) => None,
    }
    .unwrap_or_else(|| "the file".into())
}
