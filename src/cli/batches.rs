//! `segment-backfill batches FILE --mapping M.json --out DIR`: a dry run that
//! writes every request body to disk instead of sending it.

use std::path::PathBuf;

use clap::Args;

use super::human;
use super::input::{self, CommonArgs, IdArgs};
use super::Outcome;
use crate::message::{MessageIds, SourceNamespace};
use crate::time::{parse_timestamp, TimeSpec};

#[derive(Debug, Args)]
pub struct BatchesArgs {
    /// The file (`-` for standard input), or several: paths, folders (read recursively), quoted globs ('exports/orders-*.csv'), read as one import.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    ids: IdArgs,
    /// The folder to write the batches into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The sentAt written into each body (ISO-8601); default: now. Real sends set it per attempt.
    #[arg(long, value_name = "ISO")]
    sent_at: Option<String>,
    /// Write rejected rows to this CSV file.
    #[arg(long, value_name = "R.csv")]
    rejects: Option<PathBuf>,
    /// The destination source's write key (or SEGMENT_WRITE_KEY), so the messageIds are the ones `send` sends there. Only its hash is used; it is not written into the bodies.
    #[arg(
        long,
        env = "SEGMENT_WRITE_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    write_key: Option<String>,
    /// The destination's id namespace as `send` reports it (16 hex digits), instead of the write key.
    #[arg(long, value_name = "HEX", conflicts_with = "write_key", value_parser = SourceNamespace::parse_hex)]
    id_namespace: Option<SourceNamespace>,
}

pub fn run(args: &BatchesArgs) -> Result<Outcome, String> {
    let sent_at_ms = match &args.sent_at {
        None => input::now_ms(),
        Some(text) => {
            parse_timestamp(text, &TimeSpec::default())
                .map_err(|e| format!("--sent-at: {}", time_error(e)))?
                .millis
        }
    };
    let namespace = SourceNamespace::for_destination(args.id_namespace, args.write_key.as_deref());
    let ids = MessageIds::new(args.ids.id_scheme.unwrap_or_default(), namespace);
    let out = &args.out;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: cannot create: {e}", out.display()))?;
    let mut written = 0u64;
    let write = |mut batch: crate::batch::Batch| {
        batch.set_sent_at(sent_at_ms);
        let path = out.join(format!("batch-{:06}.json", batch.seq()));
        std::fs::write(&path, batch.body())
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        written += 1;
        Ok(())
    };
    let mut extra = serde_json::Map::new();
    extra.insert("out".into(), out.display().to_string().into());
    extra.insert("idScheme".into(), ids.scheme().number().into());
    extra.insert("idNamespace".into(), namespace.to_string().into());
    let (name, summary) = match super::files::expand(&args.files)? {
        None => {
            let (name, settings, described, summary) = super::check::run_through(
                &args.files[0],
                &args.common,
                args.rejects.as_deref(),
                ids,
                write,
            )?;
            super::check::print_summary(
                args.common.json,
                &name,
                &settings,
                &described,
                &summary,
                args.rejects.as_deref(),
                extra,
            )?;
            (name, summary)
        }
        Some(set) => {
            let checked =
                super::multi::run_through(set, &args.common, args.rejects.as_deref(), ids, write)?;
            super::multi::print_summary(
                args.common.json,
                &checked,
                args.rejects.as_deref(),
                extra,
            )?;
            (checked.set.title(), checked.summary)
        }
    };
    if !args.common.json {
        outln!(
            "Wrote {} request bodies to {}",
            human::count(written),
            out.display()
        );
        if namespace.is_none() && ids.scheme() == crate::message::IdScheme::V2 {
            outln!(
                "Their messageIds belong to no destination: give --write-key (or SEGMENT_WRITE_KEY) \
                 or --id-namespace to get the ids `send` sends to that source."
            );
        }
    }
    Ok(super::check::finished(&name, &summary))
}

fn time_error(e: crate::time::TimeError) -> String {
    match e {
        crate::time::TimeError::Invalid(m) | crate::time::TimeError::Ambiguous(m) => m,
    }
}
