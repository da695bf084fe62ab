//! The Map step's "other columns" (where each goes, under which name, as
//! which type, and how its values are read) and the missing-value tokens.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::map_edit::{self, ColumnTarget};
use super::map_step::{edit, HeadersProps};
use super::use_ctx;
use crate::mapping::{InvalidPolicy, Rest, ValueKind};

const KINDS: [(ValueKind, &str); 6] = [
    (ValueKind::String, "text"),
    (ValueKind::Number, "number"),
    (ValueKind::Integer, "integer"),
    (ValueKind::Boolean, "true/false"),
    (ValueKind::Json, "JSON"),
    (ValueKind::Timestamp, "date/time"),
];

/// What a value that cannot be read does: (policy, option value, label).
const INVALID: [(InvalidPolicy, &str, &str); 3] = [
    (InvalidPolicy::Reject, "reject", "reject the row"),
    (InvalidPolicy::Drop, "drop", "leave the field out"),
    (InvalidPolicy::Text, "text", "send as text"),
];
/// Decimal separators: (separator, option value, label).
const DECIMAL: [(char, &str, &str); 2] = [
    ('.', "point", "point (3.50)"),
    (',', "comma", "comma (3,50)"),
];
/// Thousands separators (named, as an option's value would lose a space).
const THOUSANDS: [(char, &str, &str); 7] = [
    (',', "comma", "comma (1,234)"),
    ('.', "point", "point (1.234)"),
    (' ', "space", "space (1 234)"),
    ('\'', "apostrophe", "apostrophe (1'234)"),
    ('_', "underscore", "underscore (1_234)"),
    ('\u{a0}', "nbsp", "no-break space"),
    ('\u{202f}', "nnbsp", "narrow no-break space"),
];

/// The cell texts that mean "no value", for every column.
#[component]
pub(super) fn MissingForm() -> Html {
    let ctx = use_ctx();
    let m = &ctx.state.mapping;
    let on_change = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let text = e.target_unchecked_into::<HtmlInputElement>().value();
            edit(&ctx, |m| map_edit::set_missing(m, &text));
        })
    };
    let on_default = {
        let ctx = ctx.clone();
        Callback::from(move |_| edit(&ctx, |m| m.missing = None))
    };
    html! {
        <fieldset class="overrides missing">
            <legend>{ "Values that mean “no value”" }</legend>
            <label for="missing">{ "A cell that is exactly one of these counts as empty: an id is missing, a property is left out. Separate with commas; clear the field for none." }</label>
            <div class="row">
                <input id="missing" type="text" value={map_edit::missing_text(m)} onchange={on_change}
                    placeholder="none: every text is a value" />
                if m.missing.is_some() {
                    <button type="button" class="secondary" onclick={on_default}>{ "Default list" }</button>
                }
            </div>
        </fieldset>
    }
}

/// Every other column: where it goes, under which name, as which type.
#[component]
pub(super) fn ColumnTable(props: &HeadersProps) -> Html {
    let ctx = use_ctx();
    let m = &ctx.state.mapping;
    let headers = props.headers.clone();
    let rows = map_edit::other_columns(m, &props.headers).into_iter().map(|col| {
        let target = map_edit::column_target(m, col);
        let set = |f: fn(&mut ColumnTarget, String)| {
            let ctx = ctx.clone();
            let col = col.clone();
            let target = target.clone();
            let headers = headers.clone();
            move |value: String| {
                let mut t = target.clone();
                f(&mut t, value);
                edit(&ctx, |m| map_edit::set_column(m, &headers, &col, &t));
            }
        };
        let on_dest = {
            let set = set(|t, v| {
                t.dest = match v.as_str() {
                    "properties" => Rest::Properties,
                    "traits" => Rest::Traits,
                    "context" => Rest::Context,
                    _ => Rest::Ignore,
                }
            });
            Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlSelectElement>().value()))
        };
        let on_name = {
            let set = set(|t, v| t.name = v);
            Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlInputElement>().value()))
        };
        let on_kind = {
            let set = set(|t, v| {
                t.kind = KINDS
                    .iter()
                    .find(|(_, n)| *n == v)
                    .map_or(ValueKind::String, |(k, _)| *k)
            });
            Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlSelectElement>().value()))
        };
        let on_invalid = {
            let set = set(|t, v| {
                t.invalid = INVALID
                    .iter()
                    .find(|(_, n, _)| *n == v)
                    .map_or(InvalidPolicy::Reject, |(p, ..)| *p)
            });
            Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlSelectElement>().value()))
        };
        let on_decimal = {
            let set = set(|t, v| {
                t.decimal = DECIMAL.iter().find(|(_, n, _)| *n == v).map(|(c, ..)| *c)
            });
            Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlSelectElement>().value()))
        };
        let on_thousands = {
            let set = set(|t, v| {
                t.thousands = THOUSANDS.iter().find(|(_, n, _)| *n == v).map(|(c, ..)| *c)
            });
            Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlSelectElement>().value()))
        };
        let dest = target.dest.field().unwrap_or("ignore");
        let ignored = target.dest == Rest::Ignore;
        let typed = target.kind != ValueKind::String;
        let number = matches!(target.kind, ValueKind::Number | ValueKind::Integer);
        let invalid = INVALID
            .iter()
            .find(|(p, ..)| *p == target.invalid)
            .map_or("reject", |(_, n, _)| *n);
        let decimal = target.decimal.unwrap_or('.');
        // The choices made, so the closed options still say what they are.
        let summary = {
            let mut s = format!(
                "If unreadable: {}",
                INVALID
                    .iter()
                    .find(|(p, ..)| *p == target.invalid)
                    .map_or("reject the row", |(.., l)| *l)
            );
            if number && decimal == ',' {
                s.push_str(" · decimal comma");
            }
            if let Some((.., label)) = THOUSANDS
                .iter()
                .find(|(c, ..)| number && Some(*c) == target.thousands)
            {
                s.push_str(&format!(" · thousands: {}", label.split(" (").next().unwrap_or(label)));
            }
            s
        };
        html! {
            <tr class={classes!(ignored.then_some("ignored"))}>
                <th scope="row">{ col }</th>
                <td>
                    <select aria-label={format!("{col}: goes to")} onchange={on_dest}>
                        { for ["properties", "traits", "context", "ignore"].iter().map(|d| html! {
                            <option value={*d} selected={dest == *d}>{ if *d == "ignore" { "ignored" } else { d } }</option>
                        }) }
                    </select>
                </td>
                <td>
                    if !ignored {
                        <input type="text" aria-label={format!("{col}: name in {dest}")} value={target.name.clone()} onchange={on_name} />
                    }
                </td>
                <td>
                    if !ignored {
                        <select aria-label={format!("{col}: type")} onchange={on_kind}>
                            { for KINDS.iter().map(|(k, n)| html! {
                                <option value={*n} selected={target.kind == *k}>{ *n }</option>
                            }) }
                        </select>
                    }
                    if !ignored && typed {
                        <details class="rule-options">
                            <summary>{ summary }</summary>
                            <label>{ "If a value cannot be read" }
                                <select aria-label={format!("{col}: if a value cannot be read")} onchange={on_invalid}>
                                    { for INVALID.iter().map(|(_, n, l)| html! {
                                        <option value={*n} selected={invalid == *n}>{ *l }</option>
                                    }) }
                                </select>
                            </label>
                            if number {
                                <label>{ "Decimal separator" }
                                    <select aria-label={format!("{col}: decimal separator")} onchange={on_decimal}>
                                        { for DECIMAL.iter().map(|(c, n, l)| html! {
                                            <option value={*n} selected={decimal == *c}>{ *l }</option>
                                        }) }
                                    </select>
                                </label>
                                <label>{ "Thousands separator" }
                                    <select aria-label={format!("{col}: thousands separator")} onchange={on_thousands}>
                                        <option value="none" selected={target.thousands.is_none()}>{ "none" }</option>
                                        { for THOUSANDS.iter().map(|(c, n, l)| html! {
                                            <option value={*n} selected={target.thousands == Some(*c)}>{ *l }</option>
                                        }) }
                                    </select>
                                </label>
                            }
                        </details>
                    }
                </td>
            </tr>
        }
    });
    html! {
        <table class="columns">
            <caption>{ "Other columns" }</caption>
            <thead><tr><th scope="col">{ "Column" }</th><th scope="col">{ "Goes to" }</th><th scope="col">{ "Name" }</th><th scope="col">{ "Type" }</th></tr></thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}
