//! `segment-backfill batches FILE --mapping M.json --out DIR`: a dry run that
//! writes every request body to disk instead of sending it.

use std::path::Path;

use super::human;
use super::input::{self, CommonArgs};
use super::Outcome;
use crate::time::{parse_timestamp, TimeSpec};

pub fn run(
    file: &Path,
    common: &CommonArgs,
    out: &Path,
    sent_at: Option<&str>,
    rejects: Option<&Path>,
) -> Result<Outcome, String> {
    let sent_at_ms = match sent_at {
        None => input::now_ms(),
        Some(text) => {
            parse_timestamp(text, &TimeSpec::default())
                .map_err(|e| format!("--sent-at: {}", time_error(e)))?
                .millis
        }
    };
    std::fs::create_dir_all(out).map_err(|e| format!("{}: cannot create: {e}", out.display()))?;
    let mut written = 0u64;
    let (name, settings, summary) =
        super::check::run_through(file, common, rejects, |mut batch| {
            batch.set_sent_at(sent_at_ms);
            let path = out.join(format!("batch-{:06}.json", batch.seq()));
            std::fs::write(&path, batch.body())
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            written += 1;
            Ok(())
        })?;
    let mut extra = serde_json::Map::new();
    extra.insert("out".into(), out.display().to_string().into());
    super::check::print_summary(common.json, &name, &settings, &summary, rejects, extra)?;
    if !common.json {
        outln!(
            "Wrote {} request bodies to {}",
            human::count(written),
            out.display()
        );
    }
    Ok(Outcome::Done)
}

fn time_error(e: crate::time::TimeError) -> String {
    match e {
        crate::time::TimeError::Invalid(m) | crate::time::TimeError::Ambiguous(m) => m,
    }
}
