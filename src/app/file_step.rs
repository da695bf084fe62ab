//! Step 1: pick a file (or several, or a folder); see how it will be read;
//! override any guess.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, DragEvent, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::file_list::files_summary;
use super::file_pick::{self, Dropped, Found};
use super::protocol::{Failure, Request};
use super::state::{Action, CheckState, Picked, Step};
use super::widgets::{bytes, count, plural, StepNav};
use super::{use_ctx, Ctx};
use crate::source::table::{TableInfo, TableKind};
use crate::source::{Compression, Encoding, Format, MissingSeen, Settings, SourceOptions};

/// Rows shown in the preview grid.
const GRID_ROWS: usize = 10;
/// The sample shipped next to the app.
const SAMPLE_URL: &str = "./sample.csv";
/// The global holding the sample as a `Blob` in the single-file build
/// (mk/single-html.mjs), which has no file beside it to fetch.
const SAMPLE_GLOBAL: &str = "segmentBackfillSample";

fn pick(ctx: &Ctx, picked: Picked) {
    // A check of the previous file would only hold the worker up.
    if matches!(ctx.state.check, CheckState::Running(_)) {
        ctx.worker.send(Request::Cancel);
    }
    if let Some(request) = picked.inspect(SourceOptions::default()) {
        ctx.worker.send(request);
    }
    ctx.dispatch(Action::Picked(picked));
}

/// Picks what a file input or a drop held.
fn pick_found(ctx: &Ctx, found: Vec<Found>) {
    match file_pick::picked(found) {
        Ok(picked) => pick(ctx, picked),
        Err(f) => ctx.dispatch(Action::Fail(f)),
    }
}

/// Whether this browser can pick a folder (`<input webkitdirectory>`).
fn folders_pickable() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("input").ok())
        .is_some_and(|input| {
            js_sys::Reflect::has(&input, &"webkitdirectory".into()).unwrap_or(false)
        })
}

async fn fetch_sample() -> Result<Blob, Failure> {
    let inlined = js_sys::Reflect::get(&js_sys::global(), &SAMPLE_GLOBAL.into())
        .ok()
        .and_then(|v| v.dyn_into::<Blob>().ok());
    if let Some(blob) = inlined {
        return Ok(blob);
    }
    let fail = |e: wasm_bindgen::JsValue| {
        Failure::new(
            format!("the sample file could not be loaded: {e:?}"),
            "Serve the app's folder over HTTP (make serve-app), not from file://.",
        )
    };
    let window = web_sys::window().ok_or_else(|| Failure::new("no window", "Reload the page."))?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(SAMPLE_URL))
        .await
        .map_err(fail)?
        .dyn_into()
        .map_err(fail)?;
    if !response.ok() {
        return Err(Failure::new(
            format!("the sample file answered HTTP {}", response.status()),
            "Check that sample.csv was deployed next to index.html.",
        ));
    }
    JsFuture::from(response.blob().map_err(fail)?)
        .await
        .map_err(fail)?
        .dyn_into()
        .map_err(fail)
}

#[component]
pub fn FileStep() -> Html {
    let ctx = use_ctx();
    let dragging = use_state(|| false);
    let state = &ctx.state;

    let folders = *use_memo((), |_| folders_pickable());
    let on_files = |folder: bool| {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let found = input
                .files()
                .map(|list| file_pick::from_list(&list, folder))
                .unwrap_or_default();
            if !found.is_empty() {
                pick_found(&ctx, found);
            }
        })
    };
    let ondrop = {
        let ctx = ctx.clone();
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            // The items go away when the event ends: taken now, read after.
            let dropped = e.data_transfer().map(|d| Dropped::take(&d));
            match dropped.filter(|d| !d.is_empty()) {
                Some(dropped) => {
                    let ctx = ctx.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        match dropped.files().await {
                            Ok(found) => pick_found(&ctx, found),
                            Err(f) => ctx.dispatch(Action::Fail(f)),
                        }
                    });
                }
                None => ctx.dispatch(Action::Fail(Failure::new(
                    "what was dropped is not a file",
                    "Drag the files or the folder themselves from your file manager, or use Choose files….",
                ))),
            }
        })
    };
    let ondragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(true);
        })
    };
    let ondragleave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let sample = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let ctx = ctx.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match fetch_sample().await {
                    Ok(blob) => pick(&ctx, Picked::one("sample.csv", blob)),
                    Err(f) => ctx.dispatch(Action::Fail(f)),
                }
            });
        })
    };

    let details = match (&state.file, &state.inspection) {
        (Some(file), _) if state.inspecting => html! {
            <p class="status" aria-live="polite">{ format!("Reading {} …", file.title()) }</p>
        },
        (Some(picked), Some(view)) => {
            let several = state.files.as_ref().filter(|_| picked.several);
            let about = match (several, picked.first()) {
                (Some(files), _) => files_summary(picked, files),
                (None, Some(file)) => match &view.table {
                    Some(table) => html! {
                        <>
                            <p class="muted" id="file-kind">{ bytes(file.size) }{ " · " }{ describe_table(table, &view.settings) }</p>
                            { table_notes(table) }
                            <SheetPicker />
                        </>
                    },
                    None => html! {
                        <p class="muted">{ bytes(file.size) }{ " · " }{ describe(&view.settings) }</p>
                    },
                },
                (None, None) => html! {},
            };
            let of = several
                .and_then(|f| f.parts.get(f.first))
                .map(|p| p.name.clone());
            html! {
                <>
                    <section class="card" aria-labelledby="file-h">
                        <h2 id="file-h">{ picked.title() }</h2>
                        { about }
                        <Overrides />
                    </section>
                    <section class="card" aria-labelledby="grid-h">
                        <h2 id="grid-h">{ "First rows" }</h2>
                        if let Some(name) = of {
                            <p class="muted">{ "of " }<code>{ name }</code></p>
                        }
                        { grid(&view.headers, &view.rows) }
                        { missing_seen(&view.missing, view.settings.format) }
                    </section>
                </>
            }
        }
        _ => html! {},
    };

    html! {
        <>
            <section class={classes!("drop", (*dragging).then_some("over"))}
                {ondrop} {ondragover} {ondragleave} aria-labelledby="drop-h">
                <h2 id="drop-h">{ "Your export files" }</h2>
                <p>{ "CSV, TSV, TXT, NDJSON or JSON, optionally gzipped (.gz); an Excel or OpenDocument workbook; a Parquet file. Any size: it is read in pieces, on this computer." }</p>
                <p>{ "Several files, or a folder (a Segment archive's folder too), are one import: one mapping, one check, one send." }</p>
                <div class="row pickers">
                    <label class="button primary" for="file-input">{ "Choose files…" }</label>
                    <input id="file-input" class="visually-hidden" type="file" multiple=true
                        accept=".csv,.tsv,.txt,.ndjson,.jsonl,.json,.gz,.xlsx,.xlsm,.xlsb,.xls,.ods,.parquet" onchange={on_files(false)} />
                    if folders {
                        <label class="button secondary" for="folder-input">{ "Choose a folder…" }</label>
                        <input id="folder-input" class="visually-hidden" type="file" webkitdirectory=true multiple=true
                            onchange={on_files(true)} />
                    }
                </div>
                <span class="or">{ "or drop them here, or " }</span>
                <button type="button" class="link" onclick={sample}>{ "try the sample file" }</button>
            </section>
            { details }
            <StepNav back={None::<Step>} next={Some(Step::Map)} />
        </>
    }
}

/// `Missing-value tokens: dep_delay NA ×12, NULL ×1 · tailnum NA ×3`, and
/// what becomes of them (the Map step's missing list decides).
fn missing_seen(seen: &[MissingSeen], format: Format) -> Html {
    if seen.is_empty() {
        return html! {};
    }
    let mut columns: Vec<(&str, Vec<String>)> = Vec::new();
    for m in seen {
        let item = format!("{} ×{}", m.token, count(m.count as f64));
        match columns.last_mut() {
            Some((c, items)) if *c == m.column => items.push(item),
            _ => columns.push((&m.column, vec![item])),
        }
    }
    html! {
        <p class="missing-seen muted">
            <strong>{ "Missing-value tokens in the sample: " }</strong>
            { for columns.iter().enumerate().map(|(i, (c, items))| html! {
                <>{ if i > 0 { " · " } else { "" } }<code>{ *c }</code>{ format!(" {}", items.join(", ")) }</>
            }) }
            { if format == Format::Csv {
                ". They are sent as empty cells (an id of NA is a missing id), unless the mapping's missing list says otherwise."
            } else {
                ". In mapped fields they count as empty (an id of NA is a missing id), unless the mapping's missing list says otherwise; records sent as they are keep them."
            } }
        </p>
    }
}

/// `Excel workbook · sheet Orders · header on row 3`, `Parquet file ·
/// 1,000 rows in 4 row groups · SNAPPY`.
pub(super) fn describe_table(t: &TableInfo, s: &Settings) -> String {
    let kind = t.kind.describe();
    let kind = kind
        .strip_prefix("an ")
        .or_else(|| kind.strip_prefix("a "))
        .unwrap_or(kind);
    let mut parts = vec![kind.to_string()];
    if let Some(sheet) = &t.sheet {
        parts.push(format!("sheet {sheet}"));
    }
    if t.kind != TableKind::Parquet {
        parts.push(if s.has_header {
            format!("header on row {}", count(t.first_row as f64))
        } else {
            format!("no header row, data from row {}", count(t.first_row as f64))
        });
    }
    match (t.rows, t.row_groups) {
        (Some(rows), Some(groups)) => parts.push(format!(
            "{} in {}",
            plural(rows as f64, "row", "rows"),
            plural(groups as f64, "row group", "row groups")
        )),
        (Some(rows), None) => parts.push(plural(rows as f64, "row", "rows")),
        _ => {}
    }
    if !t.codecs.is_empty() {
        parts.push(t.codecs.join(", "));
    }
    parts.join(" · ")
}

/// What the reader says of how it reads the file.
fn table_notes(t: &TableInfo) -> Html {
    if t.notes.is_empty() {
        return html! {};
    }
    html! {
        <ul class="table-notes muted">
            { for t.notes.iter().map(|n| html! { <li>{ n }</li> }) }
        </ul>
    }
}

/// The sheet to read, when the workbook has several; changing it reads the
/// file again. Sheets without data are marked and cannot be picked.
#[component]
fn SheetPicker() -> Html {
    let ctx = use_ctx();
    let Some(table) = ctx.state.inspection.as_ref().and_then(|v| v.table.clone()) else {
        return html! {};
    };
    // Several files: each workbook reads its first sheet with data.
    if ctx.state.file.as_ref().is_some_and(|f| f.several) {
        return html! {};
    }
    if table.sheets.len() < 2 {
        return html! {};
    }
    let onchange = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let next = SourceOptions {
                sheet: Some(select.value()),
                ..ctx.state.options.clone()
            };
            if let Some(request) = ctx
                .state
                .file
                .as_ref()
                .and_then(|f| f.inspect(next.clone()))
            {
                ctx.worker.send(request);
            }
            ctx.dispatch(Action::SetOptions(next));
        })
    };
    let current = table.sheet.clone().unwrap_or_default();
    html! {
        <label class="sheet-picker">{ "Sheet" }
            <select id="sheet" {onchange}>
                { for table.sheets.iter().map(|sheet| html! {
                    <option value={sheet.name.clone()} selected={sheet.name == current}
                        disabled={sheet.empty}>
                        { if sheet.empty { format!("{} (empty)", sheet.name) } else { sheet.name.clone() } }
                    </option>
                }) }
            </select>
        </label>
    }
}

pub(super) fn describe(s: &Settings) -> String {
    let format = match s.format {
        Format::Csv => format!("delimited text, {}", delimiter_name(s.delimiter)),
        Format::Ndjson => "NDJSON (one JSON object per line)".into(),
        Format::Json => "a JSON array".into(),
    };
    let gz = if s.compression == Compression::Gzip {
        ", gzipped"
    } else {
        ""
    };
    let header = match (s.format, s.has_header) {
        (Format::Csv, true) => ", first row is the header",
        (Format::Csv, false) => ", no header row",
        _ => "",
    };
    format!("{format}, {}{header}{gz}", encoding_name(s.encoding))
}

fn delimiter_name(d: u8) -> String {
    match d {
        b',' => "comma".into(),
        b';' => "semicolon".into(),
        b'\t' => "tab".into(),
        b'|' => "pipe".into(),
        d => format!("“{}”", d as char),
    }
}

fn encoding_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Utf8 => "UTF-8",
        Encoding::Utf16le => "UTF-16 LE",
        Encoding::Utf16be => "UTF-16 BE",
        Encoding::Windows1252 => "Windows-1252",
    }
}

fn grid(headers: &[String], rows: &[Vec<String>]) -> Html {
    if rows.is_empty() {
        return html! { <p class="muted">{ "No rows in the first part of the file." }</p> };
    }
    html! {
        <div class="grid-wrap" tabindex="0" role="region" aria-label="Preview of the first rows">
            <table class="grid">
                <thead><tr>{ for headers.iter().map(|h| html! { <th scope="col">{ h }</th> }) }</tr></thead>
                <tbody>
                    { for rows.iter().take(GRID_ROWS).map(|r| html! {
                        <tr>{ for r.iter().map(|c| html! { <td>{ c }</td> }) }</tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

/// The sniffed settings, each a select whose first option is "as guessed".
#[component]
fn Overrides() -> Html {
    let ctx = use_ctx();
    let options = ctx.state.options.clone();
    // Delimiter and header row mean something for delimited text only; a
    // workbook's or Parquet file's text is ours: only a workbook's header
    // row is the user's to say.
    let csv = ctx
        .state
        .inspection
        .as_ref()
        .is_none_or(|v| v.settings.format == Format::Csv);
    let text = ctx
        .state
        .inspection
        .as_ref()
        .is_none_or(|v| v.table.is_none());
    if !csv && !text {
        return html! {};
    }
    let change = |apply: fn(&mut SourceOptions, &str)| {
        let ctx = ctx.clone();
        let options = options.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let mut next = options.clone();
            apply(&mut next, &select.value());
            if let Some(request) = ctx
                .state
                .file
                .as_ref()
                .and_then(|f| f.inspect(next.clone()))
            {
                ctx.worker.send(request);
            }
            ctx.dispatch(Action::SetOptions(next));
        })
    };
    let sel = |cur: &str, v: &str| cur == v;
    let fmt = match options.format {
        None => "",
        Some(Format::Csv) => "csv",
        Some(Format::Ndjson) => "ndjson",
        Some(Format::Json) => "json",
    };
    let delim = options
        .delimiter
        .map(|d| (d as char).to_string())
        .unwrap_or_default();
    let enc = match options.encoding {
        None => "",
        Some(Encoding::Utf8) => "utf8",
        Some(Encoding::Utf16le) => "utf16le",
        Some(Encoding::Utf16be) => "utf16be",
        Some(Encoding::Windows1252) => "cp1252",
    };
    let head = match options.has_header {
        None => "",
        Some(true) => "yes",
        Some(false) => "no",
    };
    html! {
        <fieldset class="overrides">
            <legend>{ "Read it differently" }</legend>
            if text {
            <label>{ "Format" }
                <select onchange={change(|o, v| o.format = match v {
                    "csv" => Some(Format::Csv), "ndjson" => Some(Format::Ndjson),
                    "json" => Some(Format::Json), _ => None })}>
                    <option value="" selected={sel(fmt, "")}>{ "as guessed" }</option>
                    <option value="csv" selected={sel(fmt, "csv")}>{ "CSV / TSV" }</option>
                    <option value="ndjson" selected={sel(fmt, "ndjson")}>{ "NDJSON" }</option>
                    <option value="json" selected={sel(fmt, "json")}>{ "JSON array" }</option>
                </select>
            </label>
            }
            if csv && text {
            <label>{ "Delimiter" }
                <select onchange={change(|o, v| o.delimiter = v.bytes().next())}>
                    <option value="" selected={sel(&delim, "")}>{ "as guessed" }</option>
                    <option value="," selected={sel(&delim, ",")}>{ "comma ," }</option>
                    <option value=";" selected={sel(&delim, ";")}>{ "semicolon ;" }</option>
                    <option value={"\t"} selected={sel(&delim, "\t")}>{ "tab" }</option>
                    <option value="|" selected={sel(&delim, "|")}>{ "pipe |" }</option>
                </select>
            </label>
            }
            if text {
            <label>{ "Encoding" }
                <select onchange={change(|o, v| o.encoding = match v {
                    "utf8" => Some(Encoding::Utf8), "utf16le" => Some(Encoding::Utf16le),
                    "utf16be" => Some(Encoding::Utf16be), "cp1252" => Some(Encoding::Windows1252),
                    _ => None })}>
                    <option value="" selected={sel(enc, "")}>{ "as guessed" }</option>
                    <option value="utf8" selected={sel(enc, "utf8")}>{ "UTF-8" }</option>
                    <option value="utf16le" selected={sel(enc, "utf16le")}>{ "UTF-16 LE" }</option>
                    <option value="utf16be" selected={sel(enc, "utf16be")}>{ "UTF-16 BE" }</option>
                    <option value="cp1252" selected={sel(enc, "cp1252")}>{ "Windows-1252 (Excel)" }</option>
                </select>
            </label>
            }
            if csv {
            <label>{ "Header row" }
                <select onchange={change(|o, v| o.has_header = match v {
                    "yes" => Some(true), "no" => Some(false), _ => None })}>
                    <option value="" selected={sel(head, "")}>{ "as guessed" }</option>
                    <option value="yes" selected={sel(head, "yes")}>{ "first row is the header" }</option>
                    <option value="no" selected={sel(head, "no")}>{ "no header row" }</option>
                </select>
            </label>
            }
        </fieldset>
    }
}
