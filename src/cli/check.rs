//! `segment-backfill check FILE --mapping M.json [--rejects R.csv]`

use std::io::Write;
use std::path::{Path, PathBuf};

use super::human;
use super::input::{self, CommonArgs, FeedError};
use super::Outcome;
use crate::batch::Batch;
use crate::pipeline::{ImportOptions, Importer, RejectedRow, Summary};
use crate::report::RejectsCsv;
use crate::source::Settings;

pub fn run(
    files: &[PathBuf],
    common: &CommonArgs,
    rejects: Option<&Path>,
) -> Result<Outcome, String> {
    let ids = crate::message::MessageIds::default();
    let file = match super::files::expand(files)? {
        None => &files[0],
        Some(set) => {
            let checked = super::multi::run_through(set, common, rejects, ids, |_| Ok(()))?;
            super::multi::print_summary(common.json, &checked, rejects, serde_json::Map::new())?;
            return Ok(finished(&checked.set.title(), &checked.summary));
        }
    };
    let (name, settings, described, summary) = run_through(file, common, rejects, ids, |_| Ok(()))?;
    print_summary(
        common.json,
        &name,
        &settings,
        &described,
        &summary,
        rejects,
        serde_json::Map::new(),
    )?;
    Ok(finished(&name, &summary))
}

/// [`Outcome::Done`], or [`Outcome::NothingValid`] said on stderr.
pub fn finished(name: &str, summary: &Summary) -> Outcome {
    match human::nothing_valid(name, summary) {
        Some(why) => {
            eprintln!("segment-backfill: {why}");
            Outcome::NothingValid
        }
        None => Outcome::Done,
    }
}

/// What `check` and `batches` share: the whole file through the pipeline
/// (messageIds derived with `ids`), every batch handed to `each_batch` and
/// the rejected rows written to `rejects` as they come. Returns the input's
/// name, its settings, what it is in words ([`input::Input::describe`]) and
/// the summary.
pub fn run_through(
    file: &Path,
    common: &CommonArgs,
    rejects: Option<&Path>,
    ids: crate::message::MessageIds,
    mut each_batch: impl FnMut(Batch) -> Result<(), String>,
) -> Result<(String, Settings, String, Summary), String> {
    let options = ImportOptions {
        now_ms: input::now_ms(),
        keep_reject_cells: rejects.is_some(),
        ids,
        ..Default::default()
    };
    let (input, settings, _, mut importer) = input::start(file, common, options)?;
    let name = input.name.clone();
    let described = input.describe(&settings);
    let mut sink = RejectsSink::open(rejects)?;
    let fed = input.feed(&mut importer, |imp| {
        while let Some(batch) = imp.pop_batch() {
            each_batch(batch)?;
        }
        sink.drain(imp)
    });
    match fed {
        Ok(()) => {}
        Err(FeedError::Input(e)) | Err(FeedError::Stopped(e)) => return Err(e),
    }
    sink.close(importer.headers())?;
    Ok((name, settings, described, importer.summary()))
}

/// Prints what `check` and `batches` found: JSON with `extra` fields added,
/// or the report for people.
pub fn print_summary(
    json: bool,
    name: &str,
    settings: &Settings,
    described: &str,
    summary: &Summary,
    rejects: Option<&Path>,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<(), String> {
    if json {
        let mut v = serde_json::to_value(summary).map_err(|e| e.to_string())?;
        v["file"] = name.into();
        v["settings"] = serde_json::to_value(settings).map_err(|e| e.to_string())?;
        for (k, x) in extra {
            v[k] = x;
        }
        outln!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        );
    } else {
        let shown = rejects.map(|p| p.display().to_string());
        out!(
            "{}",
            human::summary(name, described, summary, shown.as_deref(), None)
        );
    }
    Ok(())
}

/// Streams rejected rows into a CSV file as they come (or drops them). The
/// header is written with the first row, with the file's columns as known
/// then (rows refused by the API carry no cells, so they never set them).
pub struct RejectsSink {
    file: Option<(std::io::BufWriter<std::fs::File>, String)>,
    csv: Option<RejectsCsv>,
    buf: Vec<u8>,
    /// Several files: the rejects CSV says which file each row is from.
    files: Option<crate::fileset::FileSet>,
    /// Several files: every file's columns, each once (the header), and
    /// each file's own, by index (a row's cells go under their names).
    all_columns: Option<(Vec<String>, Vec<Vec<String>>)>,
}

impl RejectsSink {
    pub fn open(path: Option<&Path>) -> Result<RejectsSink, String> {
        RejectsSink::open_for(path, None, None)
    }

    /// As [`open`](Self::open), for the files of a multi-file import:
    /// `all_columns` are every file's columns, each once, and each file's.
    pub fn open_for(
        path: Option<&Path>,
        files: Option<crate::fileset::FileSet>,
        all_columns: Option<(Vec<String>, Vec<Vec<String>>)>,
    ) -> Result<RejectsSink, String> {
        let file = match path {
            None => None,
            Some(p) => {
                let f = std::fs::File::create(p)
                    .map_err(|e| format!("{}: cannot create: {e}", p.display()))?;
                Some((std::io::BufWriter::new(f), p.display().to_string()))
            }
        };
        Ok(RejectsSink {
            file,
            csv: None,
            buf: Vec::new(),
            files,
            all_columns,
        })
    }

    /// Writes out the rejected rows the importer holds.
    pub fn drain(&mut self, importer: &mut Importer) -> Result<(), String> {
        while let Some(r) = importer.pop_reject() {
            self.write(&r, importer.headers())?;
        }
        Ok(())
    }

    /// Appends one rejected row; `columns` are the file's (CSV), for the
    /// header line written before the first row.
    pub fn write(&mut self, reject: &RejectedRow, columns: &[String]) -> Result<(), String> {
        let Some((file, name)) = &mut self.file else {
            return Ok(());
        };
        self.buf.clear();
        let files = &self.files;
        let (header, its_columns) = match (&self.all_columns, files) {
            (Some((all, each)), Some(set)) => {
                let index = set.locate(reject.row).index;
                (
                    all.as_slice(),
                    each.get(index).map_or(columns, Vec::as_slice),
                )
            }
            _ => (columns, columns),
        };
        let csv = self.csv.get_or_insert_with(|| {
            let (w, header) = RejectsCsv::for_files(header, files.clone());
            self.buf.extend_from_slice(&header);
            w
        });
        csv.write_from(reject, its_columns, &mut self.buf);
        file.write_all(&self.buf)
            .map_err(|e| format!("{name}: cannot write: {e}"))
    }

    /// Flushes the file; a file with no rejected row still gets its header.
    pub fn close(mut self, columns: &[String]) -> Result<(), String> {
        if let Some((file, name)) = &mut self.file {
            if self.csv.is_none() {
                let columns = self.all_columns.as_ref().map_or(columns, |(all, _)| all);
                let (_, header) = RejectsCsv::for_files(columns, self.files.clone());
                file.write_all(&header)
                    .map_err(|e| format!("{name}: cannot write: {e}"))?;
            }
            file.flush()
                .map_err(|e| format!("{name}: cannot write: {e}"))?;
        }
        Ok(())
    }
}
