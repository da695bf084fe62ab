//! Several files as one import on the command line: paths, folders (read
//! recursively) and quoted globs become a [`FileSet`] (names relative to the
//! import's root, in the core's order), each file is checked before anything
//! is read for real ([`preflight`]), and [`Inputs`] hands their bytes out one
//! file after the other.

use std::path::{Component, Path, PathBuf};

use super::input::Input;
use crate::fileset::{head_hash, FilePart, FileSet};
use crate::mapping::Mapping;
use crate::pipeline::{sniff_part, PartSniff};
use crate::source::SourceOptions;

/// The files of a multi-file import, in the order read.
#[derive(Debug, Clone)]
pub struct InputSet {
    pub set: FileSet,
    /// The path of each file of `set`, in the same order.
    pub paths: Vec<PathBuf>,
    /// Files left out of a folder or a glob, with why.
    pub skipped: Vec<String>,
}

impl InputSet {
    /// How the import is named in reports: "3 files in exports".
    pub fn title(&self) -> String {
        match self.set.len() {
            1 => "1 file".into(),
            n => format!("{n} files"),
        }
    }
}

/// Expands the paths given: `None` for one plain file (read exactly as
/// always), else the file set. Several paths, a folder or a glob make a
/// multi-file import, even of one file (its ids depend on its name, so a
/// file added later changes nothing).
pub fn expand(args: &[PathBuf]) -> Result<Option<InputSet>, String> {
    let [first, ..] = args else {
        return Err("no file given".into());
    };
    let plain = first == Path::new("-") || first.is_file() || !(first.is_dir() || is_glob(first));
    if args.len() == 1 && plain {
        return Ok(None);
    }
    let mut found: Vec<(PathBuf, PathBuf)> = Vec::new(); // (file, root)
    let mut skipped = Vec::new();
    for arg in args {
        if arg == Path::new("-") {
            return Err("standard input (-) cannot be one of several files".into());
        }
        if arg.is_dir() {
            walk(arg, &mut found, &mut skipped)?;
        } else if arg.is_file() {
            let root = arg.parent().map(Path::to_path_buf).unwrap_or_default();
            found.push((arg.clone(), root));
        } else if is_glob(arg) {
            glob_files(arg, &mut found, &mut skipped)?;
        } else {
            return Err(format!("{}: no such file or folder", arg.display()));
        }
    }
    if found.is_empty() {
        let why = if skipped.is_empty() {
            String::new()
        } else {
            format!(" (skipped: {})", skipped.join(", "))
        };
        return Err(format!("no data file found in what was given{why}"));
    }
    let canonical = |p: &Path| {
        std::fs::canonicalize(if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        })
        .map_err(|e| format!("{}: {e}", p.display()))
    };
    let mut root: Option<PathBuf> = None;
    for (_, r) in &found {
        let r = canonical(r)?;
        root = Some(match root {
            None => r,
            Some(acc) => common_ancestor(&acc, &r),
        });
    }
    let root = root.unwrap_or_default();
    let mut parts = Vec::new();
    let mut by_name = std::collections::HashMap::new();
    for (path, _) in &found {
        let full = canonical(path)?;
        let name = relative_name(&full, &root);
        let size = std::fs::metadata(path).ok().map(|m| m.len());
        // A file given twice (a folder and a file in it) is refused by
        // `FileSet::ordered`, not read twice or dropped quietly.
        by_name.insert(name.clone(), path.clone());
        parts.push(FilePart::new(name, size));
    }
    let set = FileSet::ordered(parts)?;
    let paths = set
        .files()
        .iter()
        .filter_map(|f| by_name.get(&f.name).cloned())
        .collect();
    Ok(Some(InputSet {
        set,
        paths,
        skipped,
    }))
}

fn is_glob(p: &Path) -> bool {
    p.to_string_lossy().contains(['*', '?', '['])
}

/// Why a file of a folder or a glob is left out, if it is (the core's
/// rule, [`crate::fileset::skip_reason`], on its `/`-separated name).
fn skip_reason(relative: &Path) -> Option<&'static str> {
    crate::fileset::skip_reason(&relative_name(relative, Path::new("")))
}

fn walk(
    dir: &Path,
    found: &mut Vec<(PathBuf, PathBuf)>,
    skipped: &mut Vec<String>,
) -> Result<(), String> {
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        if entry.file_type().is_dir() {
            continue;
        }
        if !entry.path().is_file() {
            // A pipe or a socket would block reading; a broken link has nothing.
            skipped.push(format!("{} (not a regular file)", entry.path().display()));
            continue;
        }
        match skip_reason(relative) {
            Some(why) => skipped.push(format!("{} ({why})", entry.path().display())),
            None => found.push((entry.path().to_path_buf(), dir.to_path_buf())),
        }
    }
    Ok(())
}

fn glob_files(
    pattern: &Path,
    found: &mut Vec<(PathBuf, PathBuf)>,
    skipped: &mut Vec<String>,
) -> Result<(), String> {
    let text = pattern.to_string_lossy();
    // The root: the folders before the first one with a wildcard.
    let root: PathBuf = pattern
        .components()
        .take_while(|c| !is_glob(Path::new(c.as_os_str())))
        .collect();
    let paths = glob::glob(&text).map_err(|e| format!("{text}: {e}"))?;
    let mut any = false;
    for p in paths {
        let p = p.map_err(|e| format!("{text}: {e}"))?;
        if p.is_dir() {
            continue;
        }
        if !p.is_file() {
            skipped.push(format!("{} (not a regular file)", p.display()));
            continue;
        }
        any = true;
        let relative = p.strip_prefix(&root).unwrap_or(&p);
        match skip_reason(relative) {
            Some(why) => skipped.push(format!("{} ({why})", p.display())),
            None => found.push((p.clone(), root.clone())),
        }
    }
    if !any {
        return Err(format!("{text}: no file matches"));
    }
    Ok(())
}

fn common_ancestor(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

fn relative_name(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Opens every file before anything is read for real: its head hash and
/// size go into the set (the import's identity), and the core sniffs it
/// ([`sniff_part`]): a CSV whose header lacks a column the mapping needs is
/// refused, naming the file and the column. A workbook or Parquet file is
/// read at `options.sheet` (each workbook its first sheet with data when
/// none is given), as its canonical text. Empty files are not refused: they
/// are named in the reports.
pub fn preflight(
    input: &mut InputSet,
    options: &SourceOptions,
    mapping: Option<&Mapping>,
) -> Result<Vec<PartSniff>, String> {
    let mut parts = input.set.files().to_vec();
    let mut found = Vec::with_capacity(parts.len());
    for (part, path) in parts.iter_mut().zip(&input.paths) {
        let file = Input::open(path, options.sheet.as_deref())?;
        part.head = Some(head_hash(&file.sample));
        part.size = file.size;
        let reading = file
            .options(options)
            .map_err(|e| format!("{}: {e}", part.name))?;
        let mut sniffed = sniff_part(&part.name, &file.sample, file.complete, reading, mapping)?;
        sniffed.table = file.table;
        found.push(sniffed);
    }
    let order = input.set.order();
    input.set = FileSet::ordered(parts)?;
    debug_assert_eq!(input.set.order(), order);
    Ok(found)
}

/// What [`Inputs::next`] hands out.
pub enum Step {
    /// The next bytes of the file being read (in the buffer).
    Bytes,
    /// The file ended; the next bytes are the next file's, read with
    /// these options.
    FileEnd(SourceOptions),
    /// The last file ended.
    End,
}

/// The bytes of one file or of several, one after the other.
pub struct Inputs {
    current: Input,
    /// The files after the current one: path, name, reading options.
    rest: std::vec::IntoIter<(PathBuf, String, SourceOptions)>,
    name: String,
}

impl Inputs {
    /// One file, already open.
    pub fn one(input: Input) -> Inputs {
        let name = input.name.clone();
        Inputs {
            current: input,
            rest: Vec::new().into_iter(),
            name,
        }
    }

    /// Every file of `set`, read as the preflight found (`parts`, in the
    /// set's order), the first one opened now.
    pub fn many(set: &InputSet, parts: &[PartSniff]) -> Result<Inputs, String> {
        let mut rest: Vec<_> = set
            .paths
            .iter()
            .zip(set.set.files())
            .zip(parts)
            .map(|((path, file), part)| (path.clone(), file.name.clone(), part.options.clone()))
            .collect();
        if rest.is_empty() {
            return Err("no file to import".into());
        }
        let (path, name, options) = rest.remove(0);
        Ok(Inputs {
            current: Input::open(&path, options.sheet.as_deref())?,
            rest: rest.into_iter(),
            name,
        })
    }

    /// The name of the file being read (as the reports show it).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The next step; on [`Step::FileEnd`] the next file is open.
    pub fn next(&mut self, buf: &mut Vec<u8>) -> Result<Step, String> {
        if self.current.next_chunk(buf)? {
            return Ok(Step::Bytes);
        }
        match self.rest.next() {
            None => Ok(Step::End),
            Some((path, name, options)) => {
                self.current = Input::open(&path, options.sheet.as_deref())?;
                self.name = name;
                Ok(Step::FileEnd(options))
            }
        }
    }
}
