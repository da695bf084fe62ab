//! The write-key check on the Send step: the "Check key" button with what
//! it found (the source's destinations and region, an unknown key, the
//! other region, no answer), and at Start, the stop the worker's check
//! made before anything was sent, with "Send anyway?" when there was no
//! answer either way.

use yew::prelude::*;

use super::protocol::{KeyAnswer, KeyQuery, KeyVerdict, Request};
use super::send_form::{self, preset};
use super::state::{Action, SendForm};
use super::{use_ctx, Ctx};
use crate::source_settings::check_base;
use crate::target::Target;

/// The check the form implies as it is now; `None` when it does not apply
/// or the form lacks what it needs (an endpoint, a key). The integrations
/// play no part.
pub fn query(form: &SendForm) -> Option<KeyQuery> {
    let form = SendForm {
        integrations: String::new(),
        ..form.clone()
    };
    send_form::send_target(&form).ok()?.key_query()
}

/// Whether the form's target is checked with Segment (or a settings URL
/// says where to ask).
pub fn applies(form: &SendForm) -> bool {
    let settings = Some(form.settings_url.as_str());
    check_base(preset(form).target, &send_form::endpoint(form), settings).is_some()
}

/// `text` as a sentence: a capital first, a full stop last.
pub fn sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with(['.', '?', '!']) {
        out.push('.');
    }
    out
}

/// Asks the worker about the key of `form`, or says what is missing.
fn run(ctx: &Ctx, form: &SendForm) {
    let bare = SendForm {
        integrations: String::new(),
        ..form.clone()
    };
    match send_form::send_target(&bare).map(|t| t.key_query()) {
        Ok(Some(q)) => {
            ctx.worker.send(Request::CheckKey(q.clone()));
            ctx.dispatch(Action::KeyCheckStarted(q));
        }
        Ok(None) => {}
        Err(f) => ctx.dispatch(Action::Fail(f)),
    }
}

/// The other Segment region's target, for a source there.
fn other_region(form: &SendForm) -> Option<Target> {
    match preset(form).target {
        Target::SegmentUs => Some(Target::SegmentEu),
        Target::SegmentEu => Some(Target::SegmentUs),
        _ => None,
    }
}

/// "Switch to Segment (EU)": the form on the source's region, checked again.
fn switch_button(ctx: &Ctx, form: &SendForm) -> Html {
    let Some(to) = other_region(form) else {
        return html! {};
    };
    let onclick = {
        let (ctx, form) = (ctx.clone(), form.clone());
        Callback::from(move |_| {
            let next = SendForm {
                preset: to.id().into(),
                ..form.clone()
            };
            ctx.dispatch(Action::SetSendForm(next.clone()));
            run(&ctx, &next);
        })
    };
    html! {
        <button type="button" class="secondary" id="switch-region" {onclick}>
            { format!("Switch to {}", to.label()) }
        </button>
    }
}

/// Where the key goes, in one line.
fn goes_to(form: &SendForm) -> String {
    match send_form::settings_base(form) {
        Ok(Some(base)) => {
            let host = base
                .split_once("://")
                .map_or(base.as_str(), |(_, rest)| rest)
                .split('/')
                .next()
                .unwrap_or_default()
                .to_string();
            format!(
                "The key goes only to {host} (the settings URL under Advanced), to ask whether \
                 it knows the key."
            )
        }
        _ => "The key goes only to Segment's CDN (cdn.segment.com) over https, to ask whether \
              Segment knows it."
            .into(),
    }
}

/// The button, the line saying where the key goes, and the answer.
#[component]
pub fn KeyCheckRow() -> Html {
    let ctx = use_ctx();
    let form = &ctx.state.send_form;
    if !applies(form) {
        return html! {};
    }
    let current = query(form);
    let checking = current.is_some() && ctx.state.key.checking == current;
    let onclick = {
        let (ctx, form) = (ctx.clone(), form.clone());
        Callback::from(move |_| run(&ctx, &form))
    };
    let answer = current
        .as_ref()
        .and_then(|q| ctx.state.key.answer_for(q))
        // A stop at Start shows by the Start button.
        .filter(|a| !a.at_start || matches!(a.verdict, KeyVerdict::Known { .. }));
    html! {
        <div class="key-check">
            <div class="row">
                <button type="button" class="secondary" id="check-key" {onclick} disabled={checking}>
                    { if checking { "Checking…" } else { "Check key" } }
                </button>
                <span class="muted">{ goes_to(form) }</span>
            </div>
            if let Some(a) = answer {
                { found(&ctx, form, a) }
            }
        </div>
    }
}

/// What the button's check found.
fn found(ctx: &Ctx, form: &SendForm, a: &KeyAnswer) -> Html {
    match &a.verdict {
        KeyVerdict::Known { said, .. } => html! {
            <p class="key-result ok" id="key-result">{ "✓ " }{ sentence(said) }</p>
        },
        KeyVerdict::Unknown(why) => html! {
            <div class="banner error" role="alert" id="key-result">
                <p>{ sentence(why) }{ " Nothing is sent with this key." }</p>
            </div>
        },
        KeyVerdict::WrongRegion(why) => html! {
            <div class="banner error" role="alert" id="key-result">
                <p>{ sentence(why) }</p>
                { switch_button(ctx, form) }
            </div>
        },
        KeyVerdict::Unsure(why) => html! {
            <div class="banner warn" id="key-result">
                <p>{ sentence(why) }{ " Start sending asks whether to send without the check." }</p>
            </div>
        },
        KeyVerdict::NotChecked => html! {
            <p class="muted" id="key-result">{ "This target is not checked with Segment." }</p>
        },
    }
}

#[derive(Properties, PartialEq)]
pub struct StopProps {
    /// "Yes, send without the check".
    pub on_send_anyway: Callback<MouseEvent>,
}

/// The check at Start stopped the send: why, and for no answer either way,
/// "Send anyway?".
#[component]
pub fn KeyStop(props: &StopProps) -> Html {
    let ctx = use_ctx();
    let form = &ctx.state.send_form;
    let Some(a) = query(form).and_then(|q| ctx.state.key.answer_for(&q).cloned()) else {
        return html! {};
    };
    if !a.at_start {
        return html! {};
    }
    let on_no = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::ForgetKeyAnswer))
    };
    match &a.verdict {
        KeyVerdict::Unknown(why) => html! {
            <div class="banner error" role="alert" id="key-stop">
                <p><strong>{ "Nothing was sent. " }</strong>{ sentence(why) }</p>
            </div>
        },
        KeyVerdict::WrongRegion(why) => html! {
            <div class="banner error" role="alert" id="key-stop">
                <p><strong>{ "Nothing was sent. " }</strong>{ sentence(why) }</p>
                { switch_button(&ctx, form) }
            </div>
        },
        KeyVerdict::Unsure(why) => html! {
            <div class="banner warn" role="group" aria-labelledby="key-stop-q" id="key-stop">
                <p id="key-stop-q"><strong>{ "Send anyway? " }</strong>{ sentence(why) }
                    { " Segment answers 200 to a write key it does not know and drops the data, so only send if you are sure of the key." }</p>
                <div class="row">
                    <button type="button" class="primary" onclick={props.on_send_anyway.clone()}>{ "Yes, send without the check" }</button>
                    <button type="button" class="secondary" onclick={on_no}>{ "No" }</button>
                </div>
            </div>
        },
        KeyVerdict::Known { .. } | KeyVerdict::NotChecked => html! {},
    }
}
