//! The native command-line tool: `inspect`, `check`, `batches`, `send`,
//! `receive`. Each command is a thin loop around the core; what it prints for
//! people lives in [`human`].

/// `print!`/`println!` for the commands' output: when stdout is closed early
/// (`segment-backfill check … | head`) the program ends quietly with the
/// shell's SIGPIPE status instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_stdout(format_args!($($arg)*)) };
}
macro_rules! outln {
    () => { $crate::cli::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

mod batches;
mod check;
mod files;
mod human;
mod input;
mod inspect;
mod multi;
pub mod receive;
mod send;
mod signals;
mod table_input;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Import historical CSV/NDJSON data into Segment: validated, batched,
/// deduplicated, and every row accounted for.
///
/// Several files as one import: give several paths, a folder (every file
/// inside, recursively; hidden files and files that are clearly not data
/// are skipped, and said) or a quoted glob ('exports/orders-*.csv'). They
/// are read in natural order of their names (orders-2 before orders-10),
/// except a Segment archive folder (segment-logs/<source>/<day>/<time>.*.gz),
/// replayed in time order. Rows are named by file and row; in such an
/// import each file's messageIds depend on its name (relative to the
/// folder), so adding a file later never changes the ids of the others.
#[derive(Debug, Parser)]
#[command(name = "segment-backfill", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show how a file will be read: format, encoding, columns, sample rows, and a suggested mapping.
    Inspect {
        /// The file (`-` for standard input). CSV, TSV, NDJSON, JSON, optionally gzipped. Several files, a folder or a quoted glob: each file is shown, and the mapping is suggested from the first.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        source: input::SourceArgs,
        /// Write the suggested mapping to this file.
        #[arg(long, value_name = "M.json")]
        write_mapping: Option<PathBuf>,
        /// Print a machine-readable JSON summary.
        #[arg(long)]
        json: bool,
    },
    /// Read the whole file and report what would be sent and what would be rejected; sends nothing.
    Check {
        /// The file (`-` for standard input), or several: paths, folders (read recursively), quoted globs ('exports/orders-*.csv'), checked as one import.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        common: input::CommonArgs,
        /// Write rejected rows (original cells plus the reason) to this CSV file.
        #[arg(long, value_name = "R.csv")]
        rejects: Option<PathBuf>,
    },
    /// Write every batch as a complete request body: DIR/batch-000001.json, ... (a dry run).
    Batches(batches::BatchesArgs),
    /// Send the file to the HTTP Import API (or a compatible endpoint) and reconcile every row.
    Send(send::SendArgs),
    /// Run a local Segment-compatible endpoint, for trying the tool and for tests.
    ///
    /// Every accepted batch is in the --out file before it is answered, so the
    /// file is complete as soon as a send ends. Ctrl-C or SIGTERM (kill, systemd,
    /// containers) stops it cleanly: requests in flight finish and the final
    /// counts are printed. To test a client's redirect handling, --redirect-to URL
    /// answers every ingest POST with a redirect (--redirect-status, 307 by
    /// default) to URL and keeps nothing.
    Receive(receive_args::ReceiveArgs),
}

/// Arguments of `receive`, kept apart from the receiver itself.
mod receive_args {
    use super::*;

    #[derive(Debug, Args)]
    pub struct ReceiveArgs {
        /// Address to listen on (loopback unless you mean it).
        #[arg(long, default_value = "127.0.0.1:8787")]
        pub listen: std::net::SocketAddr,
        /// Append every accepted message to this NDJSON file.
        #[arg(long, value_name = "FILE")]
        pub out: Option<PathBuf>,
        /// Require this write key (answer 401 otherwise); by default any key is accepted, as Segment does.
        #[arg(long, value_name = "KEY")]
        pub write_key: Option<String>,
        /// Stand in for this service: its limits (rudderstack: 4 MB bodies, answered 413 beyond; jitsu: messageIds of at most 64 letters, digits, - and _), and where it takes the key (rudderstack, jitsu, hightouch: the Authorization header only). Default: Segment's.
        #[arg(long, value_name = "TARGET", value_parser = input::parse_target)]
        pub target: Option<crate::target::Target>,
        /// Fail this share of requests (0.0-1.0) with 429, 500, 503, dropped connections or slow answers.
        #[arg(long, default_value_t = 0.0)]
        pub fail_rate: f64,
        /// Seed for the injected faults (same seed, same faults).
        #[arg(long, default_value_t = 1)]
        pub seed: u64,
        /// Answer 400 to any batch containing a message with this text (to try rejection handling).
        #[arg(long, value_name = "TEXT")]
        pub poison: Option<String>,
        /// Answer every ingest request this many milliseconds late, after processing it (a slow API: to watch progress, or stop and resume mid-import).
        #[arg(long, default_value_t = 0, value_name = "MS")]
        pub delay_ms: u64,
        /// Answer every ingest POST with a redirect to this URL (with CORS headers) and keep nothing: to test how a client follows a moved endpoint. Counted in /stats by status.
        #[arg(long, value_name = "URL")]
        pub redirect_to: Option<String>,
        /// The status of --redirect-to: 301, 302, 303, 307 or 308 (307 and 308 keep the POST and its body).
        #[arg(long, value_name = "N", default_value_t = receive::Redirect::DEFAULT_STATUS,
              value_parser = redirect_status, requires = "redirect_to")]
        pub redirect_status: u16,
        /// Answer 415 to compressed request bodies (an endpoint that does not decode gzip: to try a client's fallback).
        #[arg(long)]
        pub refuse_gzip: bool,
        /// Leave Content-Encoding out of the CORS preflight's allowed headers (a browser then cannot send gzip: to try a client's fallback).
        #[arg(long)]
        pub cors_no_content_encoding: bool,
    }

    /// `--redirect-status`: a redirect status a client may meet.
    fn redirect_status(text: &str) -> Result<u16, String> {
        text.parse()
            .ok()
            .filter(|status| receive::Redirect::STATUSES.contains(status))
            .ok_or_else(|| "expected 301, 302, 303, 307 or 308".to_string())
    }
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect {
            files,
            source,
            write_mapping,
            json,
        } => inspect::run(&files, &source, write_mapping.as_deref(), json),
        Command::Check {
            files,
            common,
            rejects,
        } => check::run(&files, &common, rejects.as_deref()),
        Command::Batches(args) => batches::run(&args),
        Command::Send(args) => send::run(&args),
        Command::Receive(a) => {
            if !(0.0..=1.0).contains(&a.fail_rate) {
                Err("--fail-rate must be between 0 and 1".to_string())
            } else {
                let config = receive::ReceiverConfig {
                    write_key: a.write_key,
                    out: a.out,
                    fail_rate: a.fail_rate,
                    seed: a.seed,
                    poison_marker: a.poison,
                    delay: std::time::Duration::from_millis(a.delay_ms),
                    redirect: a.redirect_to.map(|location| receive::Redirect {
                        status: a.redirect_status,
                        location,
                    }),
                    refuse_gzip: a.refuse_gzip,
                    cors_content_encoding: !a.cors_no_content_encoding,
                    target: a.target.unwrap_or_default(),
                    limits: a.target.unwrap_or_default().limits(),
                };
                receive::run(a.listen, config).map(|()| Outcome::Done)
            }
        }
    };
    match result {
        Ok(code) => code.into(),
        Err(message) => {
            eprintln!("segment-backfill: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What a command that finished tells the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done (rejected rows are reported, not a failure).
    Done,
    /// Done, but some rows were not delivered.
    Incomplete,
    /// The file was read to the end and holds no valid row: nothing was
    /// (or would be) sent. Said on stderr by [`human::nothing_valid`].
    NothingValid,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        match o {
            Outcome::Done => ExitCode::SUCCESS,
            Outcome::Incomplete => ExitCode::from(3),
            Outcome::NothingValid => ExitCode::from(4),
        }
    }
}

/// See [`out!`].
fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141); // 128 + SIGPIPE, as a shell reports it
        }
        eprintln!("segment-backfill: cannot write the output: {e}");
        std::process::exit(1);
    }
}
