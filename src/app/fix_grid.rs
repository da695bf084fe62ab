//! The fix grid: after Check, the rejected rows in an editable table.
//!
//! Each bad cell is marked with its reason (visible, and tied to the input
//! by `aria-describedby`); a cell edited is committed on change, kept in
//! [`State::fixes`] and re-checked at once by the worker
//! ([`Request::CheckRows`], the importer's own code), whose answer replaces
//! the row's status. Find and replace works on whole cells of one column
//! (`NA` → empty). The edits go with the send, under their row numbers, and
//! download as the CSV the CLI's `--fixes` reads. The file is never changed.
//!
//! The table shows [`PAGE_ROWS`] rows at a time: 10,000 rows of inputs at
//! once would make every keystroke slow.

use std::collections::BTreeMap;
use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::protocol::{Failure, GridRow, Request, RowStatus};
use super::state::{Action, CheckDoneView, SendState, State};
use super::widgets::{count, plural};
use super::{download, use_ctx, Ctx};
use crate::pipeline::{Fixes, RowFix, JSON_RECORD_COLUMN, MAX_FIXED_ROWS};
use crate::source::Format;

/// Rows shown per page.
pub const PAGE_ROWS: usize = 50;

/// The grid's columns: the file's (CSV), or one holding a JSON record's text.
pub fn columns(s: &State) -> Vec<String> {
    match &s.inspection {
        Some(v) if v.settings.format == Format::Csv => v.headers.clone(),
        _ => vec![JSON_RECORD_COLUMN.to_string()],
    }
}

/// A row as the grid shows it now.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewRow {
    pub row: u64,
    /// Its cells: the edited ones if edited.
    pub cells: Vec<String>,
    /// Its status now; `None` while an edit is being re-checked.
    pub status: Option<RowStatus>,
    /// Whether the check found it valid (an edited row can be).
    pub valid_at_check: bool,
    pub edited: bool,
    /// Fields beyond the header's width (a stray delimiter): such a row is
    /// shown but not edited here, since which field is extra is a guess.
    pub extra: Vec<String>,
}

impl ViewRow {
    pub fn valid(&self) -> bool {
        self.status.as_ref().is_some_and(|s| s.valid)
    }
}

/// The check's rows with the edits and re-checks since laid over them,
/// `width` cells each (a short row gets empty cells to fill in; a long one
/// keeps its extra fields apart).
pub fn view_rows(
    grid: &[GridRow],
    fixes: &Fixes,
    rechecked: &BTreeMap<u64, Option<RowStatus>>,
    width: usize,
) -> Vec<ViewRow> {
    grid.iter()
        .map(|g| {
            let row = g.status.row as u64;
            let mut cells = fixes.cells(row).unwrap_or_else(|| g.cells.clone());
            let extra = cells.split_off(width.min(cells.len()));
            cells.resize(width, String::new());
            ViewRow {
                row,
                cells,
                extra,
                status: match rechecked.get(&row) {
                    Some(now) => now.clone(),
                    None => Some(g.status.clone()),
                },
                valid_at_check: g.status.valid,
                edited: fixes.contains(row),
            }
        })
        .collect()
}

/// What the edits since the check change in its counts.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Tally {
    /// Rows valid now that the check rejected, less the reverse.
    pub valid_delta: f64,
    /// Edited rows that are valid now: "fixed in the app".
    pub fixed: f64,
    /// Edited rows that still have errors (or are being re-checked).
    pub still_bad: f64,
}

pub fn tally(rows: &[ViewRow]) -> Tally {
    let mut t = Tally::default();
    for r in rows {
        let now = r.valid();
        match (r.valid_at_check, now) {
            (false, true) => t.valid_delta += 1.0,
            (true, false) => t.valid_delta -= 1.0,
            _ => {}
        }
        if r.edited {
            if now {
                t.fixed += 1.0;
            } else {
                t.still_bad += 1.0;
            }
        }
    }
    t
}

/// [`tally`] of the grid of `done` as edited in `s`.
pub fn tally_of(s: &State, done: &super::protocol::CheckDone) -> Tally {
    tally(&view_rows(
        &done.grid,
        &s.fixes,
        &s.rechecked,
        columns(s).len(),
    ))
}

/// The edits that replace the cells of `column` equal to `find` with
/// `replace` (whole cells only: `NA` never touches `NATHAN`).
pub fn find_replace(rows: &[ViewRow], column: usize, find: &str, replace: &str) -> Vec<RowFix> {
    rows.iter()
        .filter(|r| r.extra.is_empty() && r.cells.get(column).is_some_and(|c| c == find))
        .map(|r| {
            let mut cells = r.cells.clone();
            cells[column] = replace.to_string();
            RowFix { row: r.row, cells }
        })
        .collect()
}

/// Why an edit was not kept.
pub fn not_kept(why: String) -> Failure {
    Failure::new(
        format!("the edit was not kept: {why}"),
        "Download the rejected rows, fix them in the file itself, and pick it again.",
    )
}

/// Keeps the edits and asks the worker to re-check those rows. Edits that
/// cannot be kept (over the bound) are refused first: a row must never show
/// the status of cells that are not the ones sent.
fn edit(ctx: &Ctx, rows: Vec<RowFix>) {
    let s = &ctx.state;
    let Some(view) = &s.inspection else { return };
    if rows.is_empty() {
        return;
    }
    let mut trial = if s.fixes.is_empty() {
        Fixes::new(columns(s))
    } else {
        s.fixes.clone()
    };
    for r in &rows {
        if let Err(e) = trial.insert(r.row, r.cells.clone()) {
            ctx.dispatch(Action::Fail(not_kept(e)));
            return;
        }
    }
    ctx.worker.send(Request::CheckRows {
        settings: view.settings.clone(),
        headers: columns(s),
        mapping: s.mapping.clone(),
        rows: rows.clone(),
    });
    ctx.dispatch(Action::EditRows(rows));
}

/// The grid's own controls (one reducer rather than a hook each: each hook
/// type costs code in the page's first load).
#[derive(Debug, Clone, PartialEq)]
struct Ui {
    only_errors: bool,
    page: usize,
    /// The find-and-replace column, by index.
    column: usize,
    find: String,
    replace: String,
    /// What the last find and replace did.
    said: Option<String>,
}

impl Default for Ui {
    fn default() -> Ui {
        Ui {
            only_errors: false,
            page: 0,
            column: 0,
            find: "NA".into(),
            replace: String::new(),
            said: None,
        }
    }
}

enum UiMsg {
    OnlyErrors(bool),
    Page(usize),
    Column(usize),
    Find(String),
    Replace(String),
    Said(String),
}

impl Reducible for Ui {
    type Action = UiMsg;

    fn reduce(self: Rc<Self>, msg: UiMsg) -> Rc<Self> {
        let mut ui = (*self).clone();
        match msg {
            UiMsg::OnlyErrors(on) => {
                ui.only_errors = on;
                ui.page = 0;
            }
            UiMsg::Page(p) => ui.page = p,
            UiMsg::Column(c) => ui.column = c,
            UiMsg::Find(t) => ui.find = t,
            UiMsg::Replace(t) => ui.replace = t,
            UiMsg::Said(t) => ui.said = Some(t),
        }
        Rc::new(ui)
    }
}

#[derive(Properties, PartialEq)]
pub struct FixGridProps {
    pub done: Rc<CheckDoneView>,
}

#[component]
pub fn FixGrid(props: &FixGridProps) -> Html {
    let ctx = use_ctx();
    let ui = use_reducer(Ui::default);

    let s = &ctx.state;
    let done = &props.done.0;
    let cols = columns(s);
    let all = view_rows(&done.grid, &s.fixes, &s.rechecked, cols.len());
    let t = tally(&all);
    let shown: Vec<&ViewRow> = all
        .iter()
        .filter(|r| !ui.only_errors || !r.valid())
        .collect();
    let pages = shown.len().div_ceil(PAGE_ROWS).max(1);
    let current = ui.page.min(pages - 1);
    let first = current * PAGE_ROWS;
    let on_page = &shown[first.min(shown.len())..(first + PAGE_ROWS).min(shown.len())];
    let sending = matches!(s.send, SendState::Running(_));

    let on_only = {
        let ui = ui.dispatcher();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            ui.dispatch(UiMsg::OnlyErrors(input.checked()));
        })
    };
    let go = |to: usize| {
        let ui = ui.dispatcher();
        Callback::from(move |_| ui.dispatch(UiMsg::Page(to)))
    };
    let on_column = {
        let ui = ui.dispatcher();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            ui.dispatch(UiMsg::Column(select.selected_index().max(0) as usize));
        })
    };
    let text_setter = |msg: fn(String) -> UiMsg| {
        let ui = ui.dispatcher();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            ui.dispatch(msg(input.value()));
        })
    };
    let on_replace = {
        let ctx = ctx.clone();
        let all = all.clone();
        let (column, find, replace) = (ui.column, ui.find.clone(), ui.replace.clone());
        let said = ui.dispatcher();
        let name = cols.get(column).cloned().unwrap_or_default();
        Callback::from(move |_| {
            let edits = find_replace(&all, column, &find, &replace);
            said.dispatch(UiMsg::Said(if edits.is_empty() {
                format!("No cell of {name} is exactly \"{find}\".")
            } else {
                format!(
                    "Replaced {} of {name}: \"{find}\" → \"{replace}\".",
                    plural(edits.len() as f64, "cell", "cells"),
                )
            }));
            edit(&ctx, edits);
        })
    };
    let on_download = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let csv = ctx.state.fixes.to_csv();
            let text = String::from_utf8_lossy(&csv);
            if let Err(f) = download::text(&text, "edits.csv", "text/csv") {
                ctx.dispatch(Action::Fail(f));
            }
        })
    };

    let row_html = |r: &ViewRow| {
        let issues = r.status.as_ref().map_or(&[][..], |s| &s.issues[..]);
        let cells = r.cells.iter().enumerate().map(|(i, cell)| {
            let name = cols
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("column {}", i + 1));
            let reasons: Vec<&str> = issues
                .iter()
                .filter(|x| !x.warning && x.column.as_deref() == Some(name.as_str()))
                .map(|x| x.message.as_str())
                .collect();
            let bad = !reasons.is_empty();
            let id = format!("fix-r{}-c{i}", r.row);
            let onchange = {
                let ctx = ctx.clone();
                let (row, cells) = (r.row, r.cells.clone());
                Callback::from(move |e: Event| {
                    let input: HtmlInputElement = e.target_unchecked_into();
                    let mut cells = cells.clone();
                    if cells.get(i).is_some_and(|c| *c != input.value()) {
                        cells[i] = input.value();
                        edit(&ctx, vec![RowFix { row, cells }]);
                    }
                })
            };
            html! {
                <td class={classes!(bad.then_some("bad"))}>
                    <input type="text" value={cell.clone()} {onchange} disabled={sending || !r.extra.is_empty()}
                        size={cell.chars().count().clamp(6, 40).to_string()}
                        aria-label={format!("{name}, row {}", r.row)}
                        aria-invalid={bad.to_string()}
                        aria-describedby={bad.then(|| id.clone())} />
                    if bad {
                        <span class="cell-error" id={id}>{ reasons.join("; ") }</span>
                    }
                </td>
            }
        });
        let row_level: Vec<String> = issues
            .iter()
            .filter(|x| {
                !x.warning
                    && x.column
                        .as_ref()
                        .is_none_or(|c| !cols.iter().any(|n| n == c))
            })
            .map(|x| match &x.column {
                Some(c) => format!("{c}: {}", x.message),
                None => x.message.clone(),
            })
            .collect();
        let status = match &r.status {
            None => html! { <span class="muted">{ "checking…" }</span> },
            Some(st) if st.valid => html! {
                <span class="ok">{ if r.edited { "✓ fixed, will be sent" } else { "✓ will be sent" } }</span>
            },
            Some(_) if row_level.is_empty() => {
                html! { <span class="bad">{ "✗ see the marked cells" }</span> }
            }
            Some(_) => html! { <span class="bad">{ format!("✗ {}", row_level.join("; ")) }</span> },
        };
        html! {
            <tr key={r.row.to_string()} class={classes!(r.edited.then_some("edited"))}>
                <th scope="row" class="num">{ count(r.row as f64) }</th>
                { for cells }
                <td class="status" aria-live="polite">
                    { status }
                    if !r.extra.is_empty() {
                        <span class="cell-error">{ format!(
                            "Extra fields: {}. Fix this row in the file: which field is extra is not for the grid to guess.",
                            r.extra.join(" | ")
                        ) }</span>
                    }
                </td>
            </tr>
        }
    };

    html! {
        <section class="card fix-grid" aria-labelledby="fix-h">
            <h2 id="fix-h">{ "Fix rejected rows" }</h2>
            <p class="muted">
                { "Edit a cell and it is checked again at once. Fixed rows are sent in the same import under their own row numbers; the file itself is never changed." }
            </p>
            if done.grid_omitted > 0.0 {
                <p class="banner warn" role="note" id="fix-omitted">{ format!(
                    "The grid holds the first {} rejected rows; {} more are in the rejected-rows download. Fix those in the file itself.",
                    count(MAX_FIXED_ROWS as f64), count(done.grid_omitted)
                ) }</p>
            }
            <p id="fix-counts">
                <strong>{ format!("Fixed in the app: {}", count(t.fixed)) }</strong>
                { format!(" · {} still with errors · {} in the grid", count((shown_bad(&all)) as f64), count(all.len() as f64)) }
            </p>
            <div class="row fix-tools">
                <label class="check">
                    <input type="checkbox" id="fix-only-errors" checked={ui.only_errors} onchange={on_only} />
                    { " Only rows with errors" }
                </label>
                <span class="spacer"></span>
                <button type="button" class="secondary" id="download-edits" onclick={on_download}
                    disabled={s.fixes.is_empty()}>
                    { format!("Download edits (CSV, {})", plural(s.fixes.len() as f64, "row", "rows")) }
                </button>
            </div>
            <fieldset class="row find-replace" disabled={sending}>
                <legend>{ "Find and replace (whole cells)" }</legend>
                <label>{ "Column " }
                    <select id="fr-column" onchange={on_column}>
                        { for cols.iter().enumerate().map(|(i, c)| html! {
                            <option value={i.to_string()} selected={i == ui.column}>{ c }</option>
                        }) }
                    </select>
                </label>
                <label>{ "Find " }<input type="text" id="fr-find" value={ui.find.clone()} oninput={text_setter(UiMsg::Find)} /></label>
                <label>{ "Replace with " }<input type="text" id="fr-replace" value={ui.replace.clone()} oninput={text_setter(UiMsg::Replace)} placeholder="(empty)" /></label>
                <button type="button" class="secondary" id="fr-apply" onclick={on_replace}>{ "Replace all" }</button>
            </fieldset>
            if let Some(text) = &ui.said {
                <p role="status" id="fr-said">{ text }</p>
            }
            if shown.is_empty() {
                <p class="status" role="status">{ "No row has errors left." }</p>
            } else {
                <div class="grid-wrap fix-wrap">
                    <table class="grid fix-table">
                        <caption class="visually-hidden">{ "Rejected rows, editable" }</caption>
                        <thead><tr>
                            <th scope="col">{ "Row" }</th>
                            { for cols.iter().map(|c| html! { <th scope="col">{ c }</th> }) }
                            <th scope="col">{ "Status" }</th>
                        </tr></thead>
                        <tbody>{ for on_page.iter().map(|r| row_html(r)) }</tbody>
                    </table>
                </div>
                if pages > 1 {
                    <nav class="row pager" aria-label="Grid pages">
                        <button type="button" class="secondary" onclick={go(current.saturating_sub(1))} disabled={current == 0}>{ "Previous" }</button>
                        <span>{ format!("Rows {}–{} of {}", count((first + 1) as f64), count((first + on_page.len()) as f64), count(shown.len() as f64)) }</span>
                        <button type="button" class="secondary" onclick={go(current + 1)} disabled={current + 1 >= pages}>{ "Next" }</button>
                    </nav>
                }
            }
        </section>
    }
}

/// Rows of the grid that are not valid now.
fn shown_bad(rows: &[ViewRow]) -> usize {
    rows.iter().filter(|r| !r.valid()).count()
}
