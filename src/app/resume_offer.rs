//! The offer to resume a stopped send of the open file (on every step), and
//! the note on the Send step once the user chose to.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::resume::{when, SavedRun};
use super::send_form::{endpoint, with_endpoint};
use super::state::{Action, Resume, SendState, Step};
use super::use_ctx;
use super::widgets::count;

/// `12,000 of 60,000 rows`, or `12,000 rows` when the total is unknown.
fn how_far(run: &SavedRun) -> String {
    if run.rows_total > 0.0 {
        format!("{} of {} rows", count(run.rows_done), count(run.rows_total))
    } else {
        format!("{} rows", count(run.rows_done))
    }
}

/// "An import of this file stopped at N of M rows on <date> — Resume /
/// Start over", while a stopped send of this file and mapping is kept.
#[component]
pub fn ResumeOffer() -> Html {
    let ctx = use_ctx();
    let state = &ctx.state;
    let Resume::Offered(run) = &state.resume else {
        return html! {};
    };
    if matches!(state.send, SendState::Running(_)) {
        return html! {};
    }
    let on_resume = {
        let ctx = ctx.clone();
        let (endpoint, target) = (run.endpoint.clone(), run.target.clone());
        Callback::from(move |_| {
            ctx.dispatch(Action::SetSendForm(with_endpoint(
                &ctx.state.send_form,
                &endpoint,
                target.as_deref(),
            )));
            ctx.dispatch(Action::ResumeChosen);
            ctx.dispatch(Action::GoTo(Step::Send));
        })
    };
    let on_start_over = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::StartOver))
    };
    let several = state.file.as_ref().is_some_and(|f| f.several);
    html! {
        <section class="banner info resume" aria-labelledby="resume-h">
            <h2 id="resume-h">{ "Resume the stopped import?" }</h2>
            <p>
                { if several { "An import of these files stopped at " } else { "An import of this file stopped at " } }<strong>{ how_far(run) }</strong>
                { format!(" on {}, sending to ", when(run.saved_at)) }<code>{ &run.endpoint }</code>{ "." }
            </p>
            <p class="muted">{ "Resuming skips the rows already done and sends the rest. Rows that were on their way when it stopped are sent again with the same messageIds, so Segment counts none twice." }</p>
            <div class="row">
                <button type="button" class="primary" id="resume-import" onclick={on_resume}>{ "Resume" }</button>
                <button type="button" class="secondary" id="start-over" onclick={on_start_over}>{ "Start over" }</button>
            </div>
        </section>
    }
}

/// On the Send step, once the user chose to resume: what will happen, and a
/// way back to a send of the whole file.
#[component]
pub fn ResumeNote() -> Html {
    let ctx = use_ctx();
    let state = &ctx.state;
    // Arriving here from the offer (or from a send that stopped), a keyboard
    // user goes on where the next thing to do is: the key, else the button.
    let chosen = matches!(state.resume, Resume::Chosen(_));
    use_effect_with(chosen, |chosen| {
        if *chosen {
            focus_next_field();
        }
    });
    let Resume::Chosen(run) = &state.resume else {
        return html! {};
    };
    let running = matches!(state.send, SendState::Running(_));
    let on_start_over = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::StartOver))
    };
    let same_endpoint = endpoint(&state.send_form) == run.endpoint;
    html! {
        <div class="banner info resume" id="resume-note">
            <p>
                <strong>{ "Resuming: " }</strong>
                { format!("{} were done on {}; they are skipped, and the reconciliation at the end covers {}.",
                    how_far(run), when(run.saved_at),
                    if state.file.as_ref().is_some_and(|f| f.several) { "every file" } else { "the whole file" }) }
            </p>
            if !same_endpoint {
                <p>{ "It was sending to " }<code>{ &run.endpoint }</code>{ ": another endpoint starts from the first row." }</p>
            }
            if !running {
                <button type="button" class="secondary" onclick={on_start_over}>{ "Start over instead" }</button>
            }
        </div>
    }
}

/// Focuses the write key when it is empty, else the send button.
fn focus_next_field() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let key = doc
        .get_element_by_id("send-key")
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
    let target = match key {
        Some(input) if input.value().is_empty() => Some(input.unchecked_into()),
        _ => doc
            .get_element_by_id("start-send")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
    };
    if let Some(el) = target {
        let _ = el.focus();
    }
}
