//! The Send form's `integrations` editor: the JSON text, and once Segment's
//! CDN has named the source's destinations, one tick per destination (by
//! its exact name) and an "All other destinations" switch that write into
//! that same text. Every name in the object that matches no destination is
//! flagged, never rewritten: Segment matches names exactly and ignores the
//! others.

use std::rc::Rc;

use serde_json::{Map, Value};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::source_settings::{NameMatch, SourceSettings};

/// The object the text holds (empty text: none); `None` when the text is
/// not a JSON object.
pub fn parse(text: &str) -> Option<Map<String, Value>> {
    match text.trim() {
        "" => Some(Map::new()),
        t => match serde_json::from_str::<Value>(t) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        },
    }
}

fn write(map: &Map<String, Value>) -> String {
    if map.is_empty() {
        String::new()
    } else {
        Value::Object(map.clone()).to_string()
    }
}

/// Whether destinations not named get the data (`"All"` is `true` unless
/// set to `false`).
fn all_on(map: &Map<String, Value>) -> bool {
    map.get("All").and_then(Value::as_bool).unwrap_or(true)
}

/// Whether `name` gets the data: its entry (`true`, or an object of
/// options), else the `"All"` switch.
fn gets(map: &Map<String, Value>, name: &str) -> bool {
    match map.get(name) {
        Some(Value::Bool(on)) => *on,
        Some(Value::Object(_)) => true,
        Some(_) => false,
        None => all_on(map),
    }
}

/// One destination of the source and whether the text sends to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    pub name: String,
    pub on: bool,
}

/// The ticks for the source's destinations and the "All other
/// destinations" switch, as `text` sets them; `None` when the text is not
/// a JSON object.
pub fn ticks(settings: &SourceSettings, text: &str) -> Option<(Vec<Tick>, bool)> {
    let map = parse(text)?;
    let ticks = settings
        .destinations()
        .into_iter()
        .map(|name| Tick {
            name: name.to_string(),
            on: gets(&map, name),
        })
        .collect();
    Some((ticks, all_on(&map)))
}

/// `text` with `name` sent to (`on`) or not: an entry only where it differs
/// from the "All" switch (an object of options is kept).
pub fn set_tick(text: &str, name: &str, on: bool) -> Option<String> {
    let mut map = parse(text)?;
    let all = all_on(&map);
    match (on, map.get(name)) {
        (true, Some(Value::Object(_))) => {}
        (on, _) if on == all => {
            map.remove(name);
        }
        (on, _) => {
            map.insert(name.to_string(), Value::Bool(on));
        }
    }
    Some(write(&map))
}

/// `text` with the "All" switch on (no entry: Segment's default) or off.
pub fn set_all(text: &str, on: bool) -> Option<String> {
    let mut map = parse(text)?;
    if on {
        map.remove("All");
    } else {
        map.insert("All".into(), Value::Bool(false));
    }
    Some(write(&map))
}

/// What is wrong with the names in `text`, one sentence per name that
/// matches no destination of the source.
pub fn flags(settings: &SourceSettings, text: &str) -> Vec<String> {
    let Some(map) = parse(text) else {
        return Vec::new();
    };
    map.keys()
        .filter_map(|name| match settings.match_destination(name) {
            NameMatch::Exact => None,
            NameMatch::CaseOnly(right) => Some(format!(
                "\"{name}\": did you mean \"{right}\"? Segment matches names exactly, so this \
                 entry is ignored"
            )),
            NameMatch::Unknown if settings.may_be_incomplete => Some(format!(
                "No destination in the list is called \"{name}\" (the list may be incomplete)"
            )),
            NameMatch::Unknown => Some(format!(
                "No destination of this source is called \"{name}\": Segment ignores the entry"
            )),
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// The integrations as JSON text (empty: none).
    pub text: String,
    /// The source's settings, once the write key was checked.
    pub settings: Option<Rc<SourceSettings>>,
    pub on_change: Callback<String>,
}

/// The ticks (after a check) above the JSON text, and the flags below.
#[component]
pub fn IntegrationsEditor(props: &EditorProps) -> Html {
    let on_text = {
        let on_change = props.on_change.clone();
        Callback::from(move |e: InputEvent| {
            on_change.emit(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let ticks = props.settings.as_ref().map(|s| {
        let Some((ticks, all)) = ticks(s, &props.text) else {
            return html! { <p class="muted">{ "Make the text below a JSON object to use the ticks." }</p> };
        };
        let toggle = |name: Option<String>| {
            let (text, on_change) = (props.text.clone(), props.on_change.clone());
            Callback::from(move |e: Event| {
                let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                let next = match &name {
                    Some(name) => set_tick(&text, name, on),
                    None => set_all(&text, on),
                };
                if let Some(next) = next {
                    on_change.emit(next);
                }
            })
        };
        html! {
            <fieldset class="ticks" id="integrations-ticks">
                <legend>{ "This source's destinations (exact names)" }</legend>
                { for ticks.into_iter().map(|t| html! {
                    <label class="check">
                        <input type="checkbox" checked={t.on} onchange={toggle(Some(t.name.clone()))} />
                        { " " }{ t.name }
                    </label>
                }) }
                <label class="check all">
                    <input type="checkbox" id="integrations-all" checked={all} onchange={toggle(None)} />
                    { " All other destinations (\"All\")" }
                </label>
                if s.may_be_incomplete {
                    <p class="muted">{ "The list may be incomplete: Segment's answer named only the device-mode destinations." }</p>
                }
            </fieldset>
        }
    });
    let flags = props
        .settings
        .as_ref()
        .map(|s| flags(s, &props.text))
        .unwrap_or_default();
    html! {
        <div class="integrations">
            { for ticks }
            <label>{ "Integrations (JSON, optional)" }
                <textarea rows="3" placeholder={"{\"All\": false, \"Amplitude\": true}"}
                    value={props.text.clone()} oninput={on_text} />
            </label>
            if !flags.is_empty() {
                <ul class="flags" id="integrations-flags">
                    { for flags.into_iter().map(|f| html! { <li>{ f }</li> }) }
                </ul>
            }
        </div>
    }
}
