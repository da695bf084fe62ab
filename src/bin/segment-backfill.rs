//! The `segment-backfill` command: see `segment-backfill --help`.

fn main() -> std::process::ExitCode {
    segment_backfill::cli::main()
}
