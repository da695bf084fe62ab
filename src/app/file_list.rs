//! The File step's list of several files: each one's place in the order
//! read, name, size and how it reads, and the files of a folder left out.

use yew::prelude::*;

use super::file_step::{describe, describe_table};
use super::protocol::{FilesView, PartView};
use super::state::Picked;
use super::widgets::{bytes, plural};

/// `Delimited text, comma, UTF-8…`, a table's sheet and rows, or `empty`.
fn how(part: &PartView) -> String {
    match (&part.settings, &part.table) {
        (Some(s), Some(t)) => describe_table(t, s),
        (Some(s), None) => describe(s),
        (None, _) => "empty: no rows".into(),
    }
}

/// What the File step says of several files, above its overrides.
pub fn files_summary(picked: &Picked, files: &FilesView) -> Html {
    let first = files.parts.get(files.first).map(|p| p.name.clone());
    let tables = files.parts.iter().any(|p| p.table.is_some());
    html! {
        <>
            <p class="muted" id="file-kind">
                { format!("{} in all · one import: one mapping, one check, one send · read in the {}",
                    bytes(picked.size()), files.order.describe()) }
            </p>
            <div class="grid-wrap" tabindex="0" role="region" aria-label="The files, in the order read">
                <table class="files" id="file-list">
                    <thead><tr>
                        <th scope="col" class="num">{ "#" }</th>
                        <th scope="col">{ "File" }</th>
                        <th scope="col" class="num">{ "Size" }</th>
                        <th scope="col">{ "Read as" }</th>
                    </tr></thead>
                    <tbody>
                        { for files.parts.iter().enumerate().map(|(i, p)| html! {
                            <tr class={classes!((i == files.first).then_some("previewed"))}>
                                <td class="num">{ i + 1 }</td>
                                <th scope="row" class="name">{ &p.name }</th>
                                <td class="num size">{ bytes(p.size) }</td>
                                <td class="how">{ how(p) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
            { skipped(&picked.skipped) }
            if let Some(name) = first {
                <p class="muted" id="previewed-file">
                    { "The first rows below, and the mapping suggested, are from " }<code>{ name }</code>
                    { if tables {
                        ". The settings below apply to every text file; each workbook is read at its first sheet with data."
                    } else {
                        ". The settings below apply to every file."
                    } }
                </p>
            }
        </>
    }
}

/// The files of a folder that are not read, with why.
fn skipped(list: &[String]) -> Html {
    if list.is_empty() {
        return html! {};
    }
    html! {
        <details class="skipped" id="skipped-files">
            <summary>{ format!("{} left out of the folder (hidden, or not data)", plural(list.len() as f64, "file", "files")) }</summary>
            <ul>{ for list.iter().map(|s| html! { <li>{ s }</li> }) }</ul>
        </details>
    }
}
