//! `checkFiles(files, mapping, options)`: the Check of several files as one
//! import, nothing sent. The files are named, ordered and preflighted as
//! `importFiles` does ([`super::files::prepare`]), then read one after the
//! other through one importer (the core's, as the CLI's `check` of several
//! files): it resolves with the summary, each file's counts and settings,
//! and the rejected rows, every row named by file and row.

use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::args::fields_of;
use super::driver::Input;
use super::error::{codes, JsApiError, JsResult};
use super::files::{prepare, refuse_fixes, to_js, Prepared};
use super::options::{
    from_js_allowing, mapping_from_js, settings_keys, CheckFilesOptions, SendSettings,
    SEND_CALLBACK_KEYS,
};
use super::time::now_ms;
use crate::fileset::FileSet;
use crate::pipeline::{ImportError, ImportOptions, SniffingImporter};
use crate::session::DEFAULT_KEEP_REJECTED_ROWS;

/// Checks several files as one import, without sending: every row is read,
/// mapped and validated as `importFiles` would. Throws what `importFiles`
/// throws before sending, and a file that cannot be read to its end
/// (naming it).
#[wasm_bindgen(js_name = checkFiles, unchecked_return_type = "FilesCheck")]
pub async fn check_files(
    #[wasm_bindgen(unchecked_param_type = "FileEntry[]")] files: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Mapping | string | null")] mapping: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CheckFilesOptions")] options: Option<JsValue>,
) -> JsResult<JsValue> {
    let mapping = mapping_from_js(&mapping)?;
    // importFiles' options may be passed as they are: theirs are accepted
    // (and what a check does not use ignored).
    let send_keys = fields_of::<SendSettings>().unwrap_or(&[]);
    let also: Vec<&str> = [send_keys, SEND_CALLBACK_KEYS, settings_keys()].concat();
    let o: CheckFilesOptions =
        from_js_allowing(options.unwrap_or_default(), "checkFiles options", &also)?;
    refuse_fixes(o.fixes.is_some())?;
    let user = o.source_options()?;
    let Prepared { set, blobs, parts } = prepare(&files, &user, mapping.as_ref()).await?;
    let first = parts
        .first()
        .map_or_else(|| user.clone(), |p| p.options.clone());
    let target = super::options::target_from(o.target.as_deref(), None)?;
    let options = ImportOptions {
        batch: crate::batch::BatchOptions::default().with_limits(target.limits()),
        now_ms: now_ms() as i64,
        keep_reject_cells: o.keep_reject_cells.unwrap_or(true),
        ..ImportOptions::default()
    };
    let sample = o.sample_bytes.unwrap_or(0) as usize;
    let mut importer = SniffingImporter::for_files(mapping, first, options, sample, set.clone())?;
    let mut rejected = Rejected {
        keep: o
            .max_rejected_rows
            .map_or(DEFAULT_KEEP_REJECTED_ROWS, |n| n as usize),
        rows: Vec::new(),
        omitted: 0,
    };
    let chunk_bytes = o.chunk_bytes.unwrap_or(0) as usize;
    let named = |e: JsApiError, index: usize| e.in_file(&set.files()[index].name);
    for (index, blob) in blobs.into_iter().enumerate() {
        if index > 0 {
            // An error here is the file that ended (its last record).
            importer
                .next_file_reading(parts[index].options.clone())
                .map_err(|e| named(e.into(), index - 1))?;
        }
        let (mut input, _) = Input::open(blob, user.clone(), chunk_bytes)
            .await
            .map_err(|e| named(e, index))?;
        while let Some(chunk) = input.next().await.map_err(|e| named(e, index))? {
            importer.push(&chunk).map_err(|e| named(e.into(), index))?;
            rejected.drain(&mut importer, &set);
        }
    }
    let last = set.len() - 1;
    importer
        .finish()
        .map_err(|e: ImportError| named(e.into(), last))?;
    rejected.drain(&mut importer, &set);
    let mut found = crate::located::check_summary(&importer.summary(), &set, &parts)
        .map_err(|e| JsApiError::new(codes::INTERNAL, e.to_string()))?;
    if let Some(fields) = found.as_object_mut() {
        fields.insert("rejectedRows".into(), Value::Array(rejected.rows));
        fields.insert("rejectedRowsOmitted".into(), rejected.omitted.into());
    }
    to_js(&found)
}

/// The rejected rows a check hands out, named by file and row.
struct Rejected {
    keep: usize,
    rows: Vec<Value>,
    omitted: u64,
}

impl Rejected {
    /// Takes the importer's batches (a check sends none) and rejected rows.
    fn drain(&mut self, importer: &mut SniffingImporter, set: &FileSet) {
        while importer.pop_batch().is_some() {}
        while let Some(row) = importer.pop_reject() {
            if self.rows.len() >= self.keep {
                self.omitted += 1;
                continue;
            }
            match serde_json::to_value(&row) {
                Ok(mut v) => {
                    crate::located::locate_rejected(&mut v, set);
                    self.rows.push(v);
                }
                // (Never: a rejected row is plain data.) Counted, not lost.
                Err(_) => self.omitted += 1,
            }
        }
    }
}
