//! Opening the input, reading the mapping, and feeding the importer.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::mapping::Mapping;
use crate::message::IdScheme;
use crate::pipeline::{Fixes, ImportOptions, Importer};
use crate::source::table::{TableInfo, TableKind};
use crate::source::{Settings, Sniffed, SourceOptions};

/// How much of the file is read to guess its settings: the core's one
/// default, so the CLI reads a file exactly as the browser does.
pub const SAMPLE_BYTES: usize = crate::pipeline::DEFAULT_SAMPLE_BYTES;
/// How much is read from the file per push.
const CHUNK_BYTES: usize = crate::session::DEFAULT_CHUNK_BYTES;

/// Overrides for what `inspect` guesses.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceArgs {
    /// Field delimiter: , ; | tab (or any one ASCII character).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// Text encoding: utf-8, utf-16le, utf-16be, windows-1252.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// The first row is data, not column names.
    #[arg(long)]
    pub no_header: bool,
    /// Input format: csv, ndjson or json (default: guessed). Workbooks (.xlsx, .xls, .ods) and Parquet files are recognised by their content.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// The workbook sheet to read (default: the first sheet that is not empty).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
}

impl SourceArgs {
    /// The overrides, read by the core's rules (the JS options read the same).
    pub fn options(&self) -> Result<SourceOptions, String> {
        let mut options = SourceOptions::from_text(
            self.delimiter.as_deref(),
            self.encoding.as_deref(),
            self.format.as_deref(),
            self.no_header.then_some(false),
        )
        .map_err(|e| format!("{e} (--delimiter, --encoding, --format)"))?;
        options.sheet = self.sheet.clone();
        Ok(options)
    }
}

/// How messageIds are derived (`batches` and `send`).
#[derive(Debug, Clone, Default, Args)]
pub struct IdArgs {
    /// messageId scheme: 2 (the default; ids depend on the row, the message and the destination source) or 1 (as segment-backfill 0.1, to re-run an import made with it so Segment drops the repeats). A resumed send keeps its checkpoint's.
    #[arg(long, value_name = "1|2", value_parser = IdScheme::parse)]
    pub id_scheme: Option<IdScheme>,
}

/// What `check`, `batches` and `send` share.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// The mapping file (optional for NDJSON/JSON input, whose lines are messages already).
    #[arg(long, value_name = "M.json")]
    pub mapping: Option<PathBuf>,
    /// Replay JSON records: drop sentAt, messageId, projectId and receivedAt before re-sending (the default for Segment's own archives, which are recognised).
    #[arg(long, conflicts_with = "no_replay")]
    pub replay: bool,
    /// Send JSON records with their own messageIds even when the file looks like one of Segment's archives (sentAt is still dropped).
    #[arg(long)]
    pub no_replay: bool,
    /// Rows fixed by hand, as the app's "Download edits (CSV)" writes them (`row`, then the file's columns): each stands in for the file's row of that number. The file itself is not changed.
    #[arg(long, value_name = "edits.csv")]
    pub fixes: Option<PathBuf>,
    #[command(flatten)]
    pub source: SourceArgs,
    /// At most this many messages per batch (default: the target's limit; Segment's is 2500).
    #[arg(long, value_name = "N")]
    pub batch_messages: Option<usize>,
    /// Where the import goes, for its limits: segment-us (default), segment-eu, rudderstack (4 MB batches), jitsu (messageIds of at most 64 letters, digits, - and _), hightouch, or custom (another URL, with Segment's limits). `send` takes the endpoint from it when it has one.
    #[arg(long, value_name = "TARGET", value_parser = parse_target)]
    pub target: Option<crate::target::Target>,
    /// Print a machine-readable JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `--target`: one of [`crate::target::Target::ids`] (or `segment`).
pub(crate) fn parse_target(text: &str) -> Result<crate::target::Target, String> {
    crate::target::Target::from_id(text)
        .ok_or_else(|| format!("expected one of {}", crate::target::Target::ids()))
}

impl CommonArgs {
    /// How batches are cut for `target`: its limits, and `--batch-messages`
    /// under them.
    pub fn batch_options(&self, target: crate::target::Target) -> crate::batch::BatchOptions {
        let mut batch = crate::batch::BatchOptions::default().with_limits(target.limits());
        if let Some(n) = self.batch_messages {
            batch.max_messages = n.clamp(1, batch.limits.max_messages);
        }
        batch
    }

    /// `--replay` / `--no-replay`, or `None`: the mapping's, else automatic.
    pub fn replay(&self) -> Option<bool> {
        match (self.replay, self.no_replay) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

/// An open input with its first bytes already read.
pub struct Input {
    pub name: String,
    pub reader: Box<dyn Read>,
    pub sample: Vec<u8>,
    /// The sample is the whole input.
    pub complete: bool,
    /// The size in bytes, when known (for progress): the file's, or none
    /// for a workbook or Parquet file, whose canonical text is what is read.
    pub size: Option<u64>,
    /// What a workbook or Parquet file holds; `None` for a text file.
    pub table: Option<TableInfo>,
}

impl Input {
    /// Opens a file, or standard input for `-`, and reads the sample. A
    /// workbook or a Parquet file (known by its first bytes) is opened at
    /// `sheet` and read as its canonical text ([`crate::source::table`]).
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<Input, String> {
        let name = display_name(path);
        let (mut reader, size): (Box<dyn Read>, Option<u64>) = if path == Path::new("-") {
            (Box::new(std::io::stdin().lock()), None)
        } else {
            let f = File::open(path).map_err(|e| format!("{name}: cannot open: {e}"))?;
            let size = f.metadata().ok().map(|m| m.len());
            (Box::new(f), size)
        };
        let mut sample = read_sample(&mut reader, &name)?;
        let mut table = None;
        let mut size = size;
        if let Some(kind) = TableKind::of(&sample) {
            if path == Path::new("-") {
                return Err(format!(
                    "{name}: this is {}: give its path, since it is read by position, not as a stream",
                    kind.describe()
                ));
            }
            let (text, info) = super::table_input::open(path, &name, kind, sheet)?;
            reader = Box::new(text);
            sample = read_sample(&mut reader, &name)?;
            table = Some(info);
            size = None;
        }
        let complete = sample.len() < SAMPLE_BYTES;
        Ok(Input {
            name,
            reader,
            sample,
            complete,
            size,
            table,
        })
    }

    /// The settings to read the input with: the user's for a text file,
    /// the reader's for a workbook or Parquet file.
    pub fn options(&self, user: &SourceOptions) -> Result<SourceOptions, String> {
        match &self.table {
            Some(info) => {
                super::table_input::options(info, user).map_err(|e| format!("{}: {e}", self.name))
            }
            None => Ok(user.clone()),
        }
    }

    /// What the input is, as the reports say it: `CSV (comma-separated),
    /// UTF-8, header row` or `Excel workbook, sheet "Orders", header on row 3`.
    pub fn describe(&self, settings: &Settings) -> String {
        crate::source::describe_reading(settings, self.table.as_ref())
    }

    /// Guesses the settings from the sample, with the user's overrides, and
    /// whether the file is one of Segment's archives.
    pub fn sniff(&self, options: &SourceOptions) -> Result<Sniffed, String> {
        if self.sample.is_empty() {
            return Err(format!("{}: the file is empty", self.name));
        }
        let options = self.options(options)?;
        crate::source::sniff_import(&self.sample, self.complete, &options)
            .map_err(|e| format!("{}: {e}", self.name))
    }

    /// The next bytes of the input: the sample first, then chunks of the rest;
    /// `Ok(false)` at the end.
    pub fn next_chunk(&mut self, buf: &mut Vec<u8>) -> Result<bool, String> {
        if !self.sample.is_empty() {
            *buf = std::mem::take(&mut self.sample);
            return Ok(true);
        }
        if self.complete {
            return Ok(false);
        }
        buf.resize(CHUNK_BYTES, 0);
        loop {
            match self.reader.read(buf) {
                Ok(0) => {
                    self.complete = true;
                    return Ok(false);
                }
                Ok(n) => {
                    buf.truncate(n);
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("{}: cannot read: {e}", self.name)),
            }
        }
    }

    /// Pushes the whole input through `importer`, calling `after_push` after
    /// every chunk (to drain batches and rejects, show progress, send...).
    pub fn feed<E>(
        mut self,
        importer: &mut Importer,
        mut after_push: impl FnMut(&mut Importer) -> Result<(), E>,
    ) -> Result<(), FeedError<E>> {
        let name = self.name.clone();
        let fail = |e: crate::pipeline::ImportError| FeedError::Input(format!("{name}: {e}"));
        let mut buf = Vec::new();
        while self.next_chunk(&mut buf).map_err(FeedError::Input)? {
            importer.push(&buf).map_err(fail)?;
            after_push(importer).map_err(FeedError::Stopped)?;
        }
        importer.finish().map_err(fail)?;
        after_push(importer).map_err(FeedError::Stopped)?;
        Ok(())
    }
}

/// The first [`SAMPLE_BYTES`] of `reader` (fewer if it ends sooner).
fn read_sample(reader: &mut Box<dyn Read>, name: &str) -> Result<Vec<u8>, String> {
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    reader
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(|e| format!("{name}: cannot read: {e}"))?;
    Ok(sample)
}

/// Why feeding stopped early.
pub enum FeedError<E> {
    /// The input cannot be read any further.
    Input(String),
    /// The callback asked to stop.
    Stopped(E),
}

/// Reads and checks a mapping file, applying `--replay`.
pub fn load_mapping(path: Option<&Path>, replay: Option<bool>) -> Result<Option<Mapping>, String> {
    let mut mapping = match path {
        None => None,
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("{}: cannot read: {e}", display_name(p)))?;
            Some(Mapping::from_json(&text).map_err(|e| format!("{}: {e}", display_name(p)))?)
        }
    };
    if replay.is_some() {
        mapping.get_or_insert_with(Mapping::default).replay = replay;
    }
    Ok(mapping)
}

/// The most bytes an edits file may have (10,000 rows of wide records).
const MAX_FIXES_BYTES: u64 = 256 * 1024 * 1024;

/// Reads `--fixes` (none: no fixes).
pub fn load_fixes(path: Option<&Path>) -> Result<Fixes, String> {
    let Some(p) = path else {
        return Ok(Fixes::default());
    };
    let name = display_name(p);
    let file = std::fs::File::open(p).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FIXES_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name}: cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_FIXES_BYTES {
        return Err(format!(
            "{name}: over {} MiB: an edits file holds fixed rows, not a whole file",
            MAX_FIXES_BYTES >> 20
        ));
    }
    Fixes::from_csv(&bytes).map_err(|e| format!("{name}: {e}"))
}

/// Opens the input, reads the mapping and makes the importer: what `check`,
/// `batches` and `send` all start with.
pub fn start(
    file: &Path,
    common: &CommonArgs,
    options: ImportOptions,
) -> Result<(Input, Settings, Option<Mapping>, Importer), String> {
    let user = common.source.options()?;
    let input = Input::open(file, user.sheet.as_deref())?;
    let sniffed = input.sniff(&user)?;
    let settings = sniffed.settings;
    let mapping = load_mapping(common.mapping.as_deref(), common.replay())?;
    let mut options = options;
    options.archive = sniffed.archive;
    options.fixes = load_fixes(common.fixes.as_deref())?;
    options.batch = common.batch_options(common.target.unwrap_or_default());
    let importer = Importer::new(mapping.clone(), &settings, options)
        .map_err(|e| format!("{}: {e}", input.name))?;
    Ok((input, settings, mapping, importer))
}

/// The name used in messages: the path as given.
pub fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
