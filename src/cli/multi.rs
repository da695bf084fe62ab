//! `check` and `batches` over several files as one import: one mapping, one
//! pass of the core's importer over every file in the set's order, one
//! summary with each file's share, rows named by file and row.

use std::path::Path;

use super::check::RejectsSink;
use super::files::{self, InputSet, Inputs, Step};
use super::human;
use super::input::{self, CommonArgs};
use crate::batch::Batch;
use crate::message::MessageIds;
use crate::pipeline::{ImportOptions, PartSniff, SniffingImporter, Summary};

/// What a multi-file `check` or `batches` read.
pub struct Checked {
    pub set: InputSet,
    pub sniffed: Vec<PartSniff>,
    pub summary: Summary,
}

/// Refuses `--fixes` with several files (edited rows name rows of one file).
pub fn refuse_fixes(common: &CommonArgs) -> Result<(), String> {
    if common.fixes.is_some() {
        return Err("--fixes applies to an import of one file, not several".into());
    }
    Ok(())
}

/// Every file through one importer (messageIds derived with `ids`, each
/// file's with its name), batches to `each_batch`, rejected rows to
/// `rejects` (with a `file` column).
pub fn run_through(
    mut set: InputSet,
    common: &CommonArgs,
    rejects: Option<&Path>,
    ids: MessageIds,
    mut each_batch: impl FnMut(Batch) -> Result<(), String>,
) -> Result<Checked, String> {
    refuse_fixes(common)?;
    let mapping = input::load_mapping(common.mapping.as_deref(), common.replay())?;
    let source = common.source.options()?;
    let sniffed = files::preflight(&mut set, &source, mapping.as_ref())?;
    let mut options = ImportOptions {
        now_ms: input::now_ms(),
        keep_reject_cells: rejects.is_some(),
        ids,
        ..Default::default()
    };
    options.batch = common.batch_options(common.target.unwrap_or_default());
    let names = set.set.clone();
    let first = sniffed.first().map_or(source, |p| p.options.clone());
    let mut importer = SniffingImporter::for_files(
        mapping,
        first,
        options,
        input::SAMPLE_BYTES,
        set.set.clone(),
    )
    .map_err(|e| e.to_string())?;
    let at = |imp: &SniffingImporter| names.files()[imp.file_index()].name.clone();
    let columns = crate::pipeline::all_columns(&sniffed);
    let mut sink = RejectsSink::open_for(rejects, Some(set.set.clone()), Some(columns))?;
    let mut inputs = Inputs::many(&set, &sniffed)?;
    let mut buf = Vec::new();
    loop {
        let step = inputs.next(&mut buf)?;
        let last = matches!(step, Step::End);
        let done = match step {
            Step::Bytes => importer.push(&buf),
            Step::FileEnd(options) => importer.next_file_reading(options),
            Step::End => importer.finish(),
        };
        done.map_err(|e| format!("{}: {e}", at(&importer)))?;
        while let Some(batch) = importer.pop_batch() {
            each_batch(batch)?;
        }
        while let Some(r) = importer.pop_reject() {
            sink.write(&r, importer.headers())?;
        }
        if last {
            break;
        }
    }
    sink.close(importer.headers())?;
    Ok(Checked {
        set,
        sniffed,
        summary: importer.summary(),
    })
}

/// Prints what a multi-file `check` or `batches` found: the summary (rows
/// named by file), each file's counts and how it was read, what was skipped.
pub fn print_summary(
    json: bool,
    checked: &Checked,
    rejects: Option<&Path>,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<(), String> {
    let set = &checked.set.set;
    if json {
        let mut v = crate::located::check_summary(&checked.summary, set, &checked.sniffed)
            .map_err(|e| e.to_string())?;
        v["skipped"] = checked.set.skipped.clone().into();
        for (k, x) in extra {
            v[k] = x;
        }
        outln!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let shown = rejects.map(|p| p.display().to_string());
    let how = format!(
        "one import, read in {}, each file sniffed on its own",
        set.order().describe()
    );
    out!(
        "{}",
        human::summary(
            &checked.set.title(),
            &how,
            &checked.summary,
            shown.as_deref(),
            Some(set)
        )
    );
    out!(
        "{}",
        human::file_counts(set, &checked.summary.files, &checked.sniffed)
    );
    for s in &checked.set.skipped {
        outln!("  skipped: {s}");
    }
    Ok(())
}
