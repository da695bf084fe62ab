//! Step 2: how each row becomes a Segment message, with a live preview.

use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::map_columns::{ColumnTable, MissingForm};
use super::map_edit::{self, Source, TimeOptions};
use super::protocol::{Failure, Request};
use super::state::{Action, Step};
use super::widgets::StepNav;
use super::{download, storage, use_ctx, Ctx};
use crate::mapping::{CallType, Mapping};
use crate::source::Format;
use crate::time::{undecided_date_example, DateOrder};

/// Applies one edit to the mapping; the preview follows.
pub(super) fn edit(ctx: &Ctx, f: impl FnOnce(&mut Mapping)) {
    let mut m = ctx.state.mapping.clone();
    f(&mut m);
    ctx.dispatch(Action::SetMapping(m, None));
}

#[component]
pub fn MapStep() -> Html {
    let ctx = use_ctx();
    let state = &ctx.state;
    // Every change: remember it for these columns and rebuild the preview.
    {
        let ctx = ctx.clone();
        let deps = (state.mapping.clone(), state.inspection.clone());
        use_effect_with(deps, move |(m, view)| {
            if let (Some(picked), Some(view)) = (&ctx.state.file, view) {
                if m.check().is_ok() {
                    storage::remember(&view.headers, m);
                }
                // Several files: the first one with rows is previewed, and
                // the mapping is checked against every file's columns.
                let several = ctx.state.files.as_ref().filter(|_| picked.several);
                let file = match several {
                    Some(files) => files
                        .parts
                        .get(files.first)
                        .and_then(|p| picked.named(&p.name)),
                    None => picked.first(),
                };
                if let Some(file) = file {
                    ctx.worker.send(Request::Preview {
                        file: file.blob.clone().into(),
                        sheet: view.sheet(),
                        settings: view.settings.clone(),
                        mapping: m.clone(),
                        columns: several.map(|f| f.columns()).unwrap_or_default(),
                    });
                }
            }
        });
    }
    let Some(view) = state.inspection.clone() else {
        return html! { <StepNav back={Some(Step::File)} next={None::<Step>} /> };
    };

    let m = &state.mapping;
    let json = view.settings.format != Format::Csv;
    let passthrough = json && m.rules.is_empty();
    let problem = m.check().err().map(|e| e.0);

    let on_type = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            if let Some(call) = CallType::parse(&s.value()) {
                edit(&ctx, |m| map_edit::set_call_type(m, call));
            }
        })
    };
    let on_passthrough = {
        let ctx = ctx.clone();
        let suggested = view.suggested.clone();
        let archive = view.archive.is_some();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let next = if input.checked() {
                Mapping {
                    replay: archive.then_some(true),
                    ..Mapping::default()
                }
            } else {
                suggested.clone()
            };
            // An empty note hides the "suggested" one, which no longer applies.
            ctx.dispatch(Action::SetMapping(next, Some(String::new())));
        })
    };
    // Sent as they are, records are replayed when the file is one of
    // Segment's archives unless the mapping says otherwise.
    let replay = m.replay.unwrap_or(view.archive.is_some());
    let on_replay = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let on = input.checked();
            edit(&ctx, move |m| m.replay = Some(on));
        })
    };
    let on_save = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let text = ctx.state.mapping.to_json_pretty() + "\n";
            if let Err(f) = download::text(&text, "mapping.json", "application/json") {
                ctx.dispatch(Action::Fail(f));
            }
        })
    };
    let on_load = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|l| l.get(0)) else {
                return;
            };
            input.set_value("");
            let ctx = ctx.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let text = JsFuture::from(file.text())
                    .await
                    .ok()
                    .and_then(|v| v.as_string());
                let action = match text.map(|t| Mapping::from_json(&t)) {
                    Some(Ok(m)) => Action::SetMapping(m, Some(format!("Loaded {}.", file.name()))),
                    Some(Err(e)) => Action::Fail(Failure::new(
                        format!("{}: {e}", file.name()),
                        "Fix the file (it is the JSON that Save mapping writes) or map by hand.",
                    )),
                    None => Action::Fail(Failure::new(
                        format!("{} could not be read as text", file.name()),
                        "Pick the mapping .json file saved from this app or the CLI.",
                    )),
                };
                ctx.dispatch(action);
            });
        })
    };
    let on_suggest = {
        let ctx = ctx.clone();
        let suggested = view.suggested.clone();
        Callback::from(move |_| {
            ctx.dispatch(Action::SetMapping(
                suggested.clone(),
                Some("Back to the suggestion from the column names and the sampled rows.".into()),
            ))
        })
    };

    let type_value = m.call_type.map(CallType::as_str).unwrap_or("");
    let body = if passthrough {
        html! {
            <>
                <p class="muted">{ "Each record is sent as it is (after validation). Columns are not mapped. A record's own sentAt is never sent: each batch's is set when it goes, so Segment keeps the event's time." }</p>
                if let Some(signs) = &view.archive {
                    <div class="banner info" role="status">
                        <p><strong>{ "This file looks like one of Segment's own archives" }</strong>{ format!(" ({}).", signs.describe()) }</p>
                        <p>{ "Segment's import guide asks to replay such files: their sentAt would re-date every event, and their old messageIds may be dropped as duplicates." }</p>
                    </div>
                }
                <label class="check">
                    <input type="checkbox" id="replay" checked={replay} onchange={on_replay} />
                    { " Replay: drop sentAt, messageId, projectId and receivedAt, and derive new messageIds" }
                </label>
                if view.archive.is_some() && !replay {
                    <p class="note">{ "Replay is off: the original messageIds are sent, and Segment drops those it has seen before." }</p>
                }
            </>
        }
    } else {
        html! {
            <>
                <label class="inline">{ "Call type " }
                    <select onchange={on_type} aria-describedby="type-help">
                        if m.call_type.is_none() { <option value="" selected=true>{ "from a column" }</option> }
                        { for CallType::ALL.iter().map(|c| html! {
                            <option value={c.as_str()} selected={type_value == c.as_str()}>{ c.as_str() }</option>
                        }) }
                    </select>
                </label>
                <p id="type-help" class="muted">{ "track: something a user did · identify: who a user is · page/screen: a view · group: a company · alias: merge two ids" }</p>
                <FieldTable headers={view.headers.clone()} />
                <ColumnTable headers={view.headers.clone()} />
                <MissingForm />
            </>
        }
    };

    html! {
        <>
            <section class="card" aria-labelledby="map-h">
                <div class="row">
                    <h2 id="map-h">{ "Map columns to Segment" }</h2>
                    <span class="spacer"></span>
                    <button type="button" class="secondary" onclick={on_suggest}>{ "Use suggestion" }</button>
                    <button type="button" class="secondary" onclick={on_save}>{ "Save mapping" }</button>
                    <label class="button secondary" for="mapping-input">{ "Load mapping…" }</label>
                    <input id="mapping-input" class="visually-hidden" type="file" accept=".json,application/json" onchange={on_load} />
                </div>
                if let Some(note) = state.mapping_note.as_ref().filter(|n| !n.is_empty()) { <p class="note">{ note }</p> }
                if json {
                    <label class="check">
                        <input type="checkbox" checked={passthrough} onchange={on_passthrough} />
                        { " Each record is already a Segment message (send as it is)" }
                    </label>
                }
                if !passthrough && !m.maps_timestamp() {
                    <div class="banner warn" role="alert">
                        <p><strong>{ "No timestamp is mapped." }</strong>{ " Segment will date every event at the moment it arrives, so your history collapses onto today. Map the column that says when each row happened." }</p>
                    </div>
                }
                if let Some(p) = &problem {
                    <div class="banner error" role="alert"><p><strong>{ "The mapping is not usable: " }</strong>{ p }</p></div>
                }
                { body }
            </section>
            <Preview />
            <StepNav back={Some(Step::File)} next={Some(Step::Check)} />
        </>
    }
}

#[derive(Properties, PartialEq)]
pub(super) struct HeadersProps {
    pub headers: Vec<String>,
}

/// The Segment fields of the call type, each from a column or a constant.
#[component]
fn FieldTable(props: &HeadersProps) -> Html {
    let ctx = use_ctx();
    let m = &ctx.state.mapping;
    let rows = map_edit::fields(m.call_type).into_iter().map(|field| {
        let source = map_edit::field_source(m, field.to);
        let to = field.to;
        let id = format!("field-{to}");
        let on_source = {
            let ctx = ctx.clone();
            Callback::from(move |e: Event| {
                let s: HtmlSelectElement = e.target_unchecked_into();
                let v = s.value();
                let src = match v.as_str() {
                    "" => Source::None,
                    "\u{0}const" => Source::Constant(String::new()),
                    c => Source::Column(c.to_string()),
                };
                edit(&ctx, |m| map_edit::set_field(m, to, src));
            })
        };
        let on_const = {
            let ctx = ctx.clone();
            Callback::from(move |e: InputEvent| {
                let input: HtmlInputElement = e.target_unchecked_into();
                edit(&ctx, |m| map_edit::set_field(m, to, Source::Constant(input.value())));
            })
        };
        let selected_col = match &source {
            Source::Column(c) => c.as_str(),
            _ => "",
        };
        let missing = field.required && source == Source::None;
        html! {
            <tr class={classes!(missing.then_some("missing"))}>
                <th scope="row"><label for={id.clone()}>{ field.label }</label>
                    if field.required { <span class="req" title="required">{ " *" }</span> }
                    <code class="path">{ to }</code></th>
                <td>
                    <select id={id.clone()} onchange={on_source}>
                        <option value="" selected={source == Source::None}>{ "— not set —" }</option>
                        { for props.headers.iter().map(|h| html! {
                            <option value={h.clone()} selected={selected_col == h.as_str()}>{ format!("column: {h}") }</option>
                        }) }
                        <option value={"\u{0}const"} selected={matches!(source, Source::Constant(_))}>{ "the same value for every row…" }</option>
                    </select>
                    if let Source::Constant(v) = &source {
                        <input type="text" aria-label={format!("{} for every row", field.label)}
                            value={v.clone()} oninput={on_const} placeholder="e.g. Order Completed" />
                    }
                </td>
                <td class="muted">{ if missing { "Required: rows without it are rejected." } else { field.help } }</td>
            </tr>
        }
    });
    html! {
        <>
            <table class="fields">
                <caption>{ "Segment fields" }</caption>
                <tbody>{ for rows }</tbody>
            </table>
            <TimeOptionsForm />
        </>
    }
}

/// How the timestamp column is read (shown when a column is the timestamp).
#[component]
fn TimeOptionsForm() -> Html {
    let ctx = use_ctx();
    let Some(opts) = map_edit::time_options(&ctx.state.mapping) else {
        return html! {};
    };
    let set = |f: fn(&mut TimeOptions, String)| {
        let ctx = ctx.clone();
        let opts = opts.clone();
        move |v: String| {
            let mut next = opts.clone();
            f(&mut next, v);
            edit(&ctx, |m| map_edit::set_time_options(m, next));
        }
    };
    let on_order = {
        let set = set(|o, v| {
            o.date_order = match v.as_str() {
                "dmy" => Some(DateOrder::DayFirst),
                "mdy" => Some(DateOrder::MonthFirst),
                _ => None,
            }
        });
        Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_zone = {
        let set = set(|o, v| o.timezone = Some(v));
        Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_format = {
        let set = set(|o, v| o.format = Some(v));
        Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let order = match opts.date_order {
        None => "",
        Some(DateOrder::DayFirst) => "dmy",
        Some(DateOrder::MonthFirst) => "mdy",
    };
    // When the sample does not settle the order, ask in the control's words.
    let ask = opts
        .date_order
        .is_none()
        .then(|| undecided_in_sample(&ctx))
        .flatten();
    html! {
        <fieldset class="overrides">
            <legend>{ "Reading the timestamp" }</legend>
            if let Some(example) = ask {
                <p id="ts-order-ask" class="note" role="status">
                    { format!("Is {example} day first or month first? The sampled rows do not say. Choose below; until then, rows that read both ways are rejected.") }
                </p>
            }
            <label>{ "Dates like 03/04/2024" }
                <select id="ts-order" onchange={on_order}>
                    <option value="" selected={order.is_empty()}>{ "reject if ambiguous" }</option>
                    <option value="dmy" selected={order == "dmy"}>{ "day first (3 April)" }</option>
                    <option value="mdy" selected={order == "mdy"}>{ "month first (4 March)" }</option>
                </select>
            </label>
            <label>{ "Time zone of times without an offset" }
                <input id="ts-zone" type="text" placeholder="UTC, or e.g. Europe/Berlin"
                    value={opts.timezone.clone().unwrap_or_default()} onchange={on_zone} />
            </label>
            <label>{ "Exact format (optional)" }
                <input id="ts-format" type="text" placeholder="e.g. %d.%m.%Y %H:%M"
                    value={opts.format.clone().unwrap_or_default()} onchange={on_format} />
            </label>
        </fieldset>
    }
}

/// A timestamp value of the sample that reads as two dates, when the
/// sample does not decide which (see [`undecided_date_example`]).
fn undecided_in_sample(ctx: &Ctx) -> Option<String> {
    let view = ctx.state.inspection.as_ref()?;
    let column = ctx
        .state
        .mapping
        .rules
        .iter()
        .find(|r| r.to == "timestamp")?
        .from
        .as_deref()?;
    let i = view.headers.iter().position(|h| h == column)?;
    let values = view
        .rows
        .iter()
        .filter_map(|r| r.get(i))
        .map(String::as_str);
    undecided_date_example(values).map(str::to_string)
}

/// The first messages exactly as they would be sent.
#[component]
fn Preview() -> Html {
    let ctx = use_ctx();
    let Some(p) = ctx.state.preview.clone() else {
        return html! { <section class="card"><h2>{ "Preview" }</h2><p class="muted">{ "Building…" }</p></section> };
    };
    html! {
        <section class="card" aria-labelledby="preview-h">
            <h2 id="preview-h">{ "Preview: the first messages as they will be sent" }</h2>
            if let Some(e) = &p.error {
                <div class="banner error" role="alert">
                    <p><strong>{ "This mapping cannot be applied to the file: " }</strong>{ e }</p>
                    <p>{ "What to do: change the field named above, then the preview updates." }</p>
                </div>
            }
            { for p.notes.iter().map(|n| html! { <p class="note">{ n }</p> }) }
            if !p.problems.is_empty() {
                <div class="banner warn">
                    <p><strong>{ "Rows in the first part of the file that would be rejected:" }</strong></p>
                    <ul>{ for p.problems.iter().map(|x| html! { <li>{ x }</li> }) }</ul>
                </div>
            }
            <div class="messages">
                { for p.messages.iter().map(|m| html! { <pre class="json" tabindex="0">{ m }</pre> }) }
            </div>
            if p.messages.is_empty() && p.error.is_none() {
                <p class="muted">{ "No valid message in the first rows yet." }</p>
            }
        </section>
    }
}
