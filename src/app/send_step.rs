//! Step 4: send to Segment (or a compatible endpoint), with live progress
//! and, at the end, where every row went.

use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::integrations_edit::IntegrationsEditor;
use super::key_check::{self, sentence, KeyCheckRow, KeyStop};
use super::protocol::{KeyVerdict, Request};
use super::resume::SavedRun;
use super::resume_offer::ResumeNote;
use super::send_form::{endpoint, preset, presets, send_target};
use super::send_progress::{progress, Sending};
use super::send_report::reconciliation;
use super::state::{self, current_import, Action, CheckState, Resume, SendForm, SendState, Step};
use super::widgets::{count, StepNav};
use super::{storage, use_ctx, Ctx};
use crate::target::{KeyAuth, Limits, Target};

/// The page runs from this machine (`make run`): offer the local receiver.
fn local_run() -> bool {
    web_sys::window()
        .and_then(|w| w.location().hostname().ok())
        .is_some_and(|h| h == "127.0.0.1" || h == "localhost")
}

/// Whether two targets' limits differ (whose they are aside): a check made
/// against the one may not hold for the other.
fn limits_differ(a: Limits, b: Limits) -> bool {
    Limits { service: "", ..a } != Limits { service: "", ..b }
}

/// Starts the send; `without_key_check` when the user chose to send
/// although the key could not be checked. A key this form already checked
/// is not checked again.
fn start(ctx: &Ctx, without_key_check: bool) {
    let s = &ctx.state;
    let Some(input) = state::input(s) else {
        return;
    };
    match send_target(&s.send_form) {
        Ok(mut target) => {
            let checked = key_check::query(&s.send_form).is_some_and(|q| s.key.known(&q));
            target.key_check = !(without_key_check || checked);
            storage::remember_key(
                s.send_form
                    .remember_key
                    .then_some(target.write_key.as_str()),
            );
            // Continue the stopped send the user chose, if it went here.
            let resumed = match &s.resume {
                Resume::Chosen(run) if run.endpoint == target.endpoint => Some(run),
                _ => None,
            };
            let rows_total = match &s.check {
                CheckState::Done(d) => d.0.report.rows,
                _ => resumed.map_or(0.0, |r| r.rows_total),
            };
            // The edits made in the grid; after a reload, the resumed
            // send's own (a checkpoint made with other edits is refused).
            let fixes = match resumed {
                Some(run) if s.fixes.is_empty() => run.fixes.clone(),
                _ => s.fixes.clone(),
            };
            if let Some(import) = current_import(s) {
                let run = SavedRun {
                    fixes: fixes.clone(),
                    target: Some(target.target.clone()),
                    ..SavedRun::new(import, target.endpoint.clone(), rows_total)
                };
                ctx.dispatch(Action::TrackSend(run));
            }
            ctx.worker.send(Request::Send {
                input,
                mapping: s.mapping.clone(),
                target,
                resume: resumed.map(|r| r.checkpoint.clone()),
                fixes,
            });
            ctx.dispatch(Action::SendStarted);
        }
        Err(f) => ctx.dispatch(Action::Fail(f)),
    }
}

#[component]
pub fn SendStep() -> Html {
    let ctx = use_ctx();
    {
        // A key the user asked to remember comes back in a new session.
        let ctx = ctx.clone();
        use_effect_with((), move |_| {
            if ctx.state.send_form.write_key.is_empty() {
                if let Some(key) = storage::remembered_key() {
                    ctx.dispatch(Action::SetSendForm(SendForm {
                        write_key: key,
                        remember_key: true,
                        ..ctx.state.send_form.clone()
                    }));
                }
            }
        });
    }
    let show_key = use_state(|| false);
    // "Send again" asks first: the last result is replaced.
    let confirming = use_state(|| false);
    let state = &ctx.state;
    let form = state.send_form.clone();
    let running = matches!(state.send, SendState::Running(_));
    use_effect_with(running, |running| {
        let guard = running.then(LeaveGuard::install);
        move || drop(guard)
    });
    let set = |f: fn(&mut SendForm, String)| {
        let ctx = ctx.clone();
        let form = form.clone();
        move |v: String| {
            let mut next = form.clone();
            f(&mut next, v);
            ctx.dispatch(Action::SetSendForm(next));
        }
    };
    let on_preset = {
        let set = set(|f, v| f.preset = v);
        Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_custom = {
        let set = set(|f, v| f.custom_endpoint = v);
        Callback::from(move |e: InputEvent| {
            set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_key = {
        let set = set(|f, v| f.write_key = v);
        Callback::from(move |e: InputEvent| {
            set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_remember = {
        let ctx = ctx.clone();
        let form = form.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            if !on {
                storage::remember_key(None);
            }
            ctx.dispatch(Action::SetSendForm(SendForm {
                remember_key: on,
                ..form.clone()
            }));
        })
    };
    let on_concurrency = {
        let set = set(|f, v| f.concurrency = v.parse().unwrap_or(4));
        Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_auth = {
        let set = set(|f, v| f.basic_auth = v == "basic");
        Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_integrations = Callback::from(set(|f, v| f.integrations = v));
    let on_settings_url = {
        let set = set(|f, v| f.settings_url = v);
        Callback::from(move |e: InputEvent| {
            set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_show = {
        let show_key = show_key.clone();
        Callback::from(move |_| show_key.set(!*show_key))
    };
    let on_start = {
        let ctx = ctx.clone();
        let confirming = confirming.clone();
        Callback::from(move |_| {
            confirming.set(false);
            start(&ctx, false);
        })
    };
    let on_send_anyway = {
        let ctx = ctx.clone();
        Callback::from(move |_| start(&ctx, true))
    };
    let on_again = {
        let confirming = confirming.clone();
        Callback::from(move |_| confirming.set(true))
    };
    let on_keep = {
        let confirming = confirming.clone();
        Callback::from(move |_| confirming.set(false))
    };
    let on_cancel = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.worker.send(Request::Cancel))
    };
    let paused = state.send_paused;
    let on_pause = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            ctx.worker.send(if paused {
                Request::Unpause
            } else {
                Request::Pause
            });
            ctx.dispatch(Action::SetSendPaused(!paused));
        })
    };

    let (valid, rejected, fixed) = match &state.check {
        CheckState::Done(d) => {
            // With the rows fixed in the grid since the check.
            let t = super::fix_grid::tally_of(state, &d.0);
            let r = &d.0.report;
            (r.valid + t.valid_delta, r.rejected - t.valid_delta, t.fixed)
        }
        _ => (0.0, 0.0, 0.0),
    };
    let chosen = preset(&form);
    let target = chosen.target;
    let choices = presets(local_run(), &form.preset);
    // The check's verdicts hold for the limits it used.
    let checked_for = match &state.check {
        CheckState::Done(d) => Target::from_id(&d.0.report.target),
        _ => None,
    };
    let stale_limits = checked_for.filter(|c| limits_differ(c.limits(), target.limits()));
    // The source's destinations, once Segment's CDN named them for this key.
    let destinations = state.key.answer.as_ref().and_then(|a| match &a.verdict {
        KeyVerdict::Known { settings, .. }
            if a.query.write_key == form.write_key.trim()
                && a.query.settings_url
                    == super::send_form::settings_base(&form).ok().flatten() =>
        {
            Some(std::rc::Rc::new(settings.clone()))
        }
        _ => None,
    });
    // Resuming continues the stopped send only where it was going.
    let resuming = matches!(&state.resume, Resume::Chosen(run) if run.endpoint == endpoint(&form));
    let earlier = state.tracking.as_ref().map_or(0.0, |t| t.delivered_earlier);
    let body = match &state.send {
        SendState::Idle => html! {},
        SendState::Running(p) => progress(&Sending {
            progress: p,
            earlier,
            pausing: paused,
            valid: matches!(state.check, CheckState::Done(_)).then_some(valid),
        }),
        SendState::Done(r) => reconciliation(&ctx, r, earlier),
    };
    html! {
        <>
            <section class="card" aria-labelledby="send-h">
                <h2 id="send-h">{ "Send" }</h2>
                if valid + rejected > 0.0 {
                    <p>
                        { format!("{} messages will be sent", count(valid)) }
                        if fixed > 0.0 { { format!(" ({} fixed in the app)", count(fixed)) } }
                        if rejected > 0.0 { { format!("; {} rejected rows will not (see Check).", count(rejected)) } } else { { "." } }
                    </p>
                }
                <ResumeNote />
                <fieldset class="send-form" disabled={running}>
                    <legend>{ "Destination" }</legend>
                    <label>{ "Endpoint" }
                        <select id="send-preset" onchange={on_preset}>
                            { for choices.iter().map(|p| html! {
                                <option value={p.id} selected={chosen.id == p.id}>
                                    { match p.endpoint { Some(url) => format!("{} — {url}", p.label), None => format!("{}…", p.label) } }
                                </option>
                            }) }
                        </select>
                    </label>
                    if chosen.endpoint.is_none() {
                        <label>{ "Batch endpoint URL" }
                            <input id="send-endpoint" type="url" placeholder={target.endpoint_hint()}
                                value={form.custom_endpoint.clone()} oninput={on_custom} />
                        </label>
                    }
                    <label>{ "Write key" }
                        <span class="row">
                            <input id="send-key" type={if *show_key { "text" } else { "password" }} autocomplete="off"
                                spellcheck="false" value={form.write_key.clone()} oninput={on_key} />
                            <button type="button" class="secondary" onclick={on_show} aria-pressed={(*show_key).to_string()}>
                                { if *show_key { "Hide" } else { "Show" } }
                            </button>
                        </span>
                    </label>
                    <KeyCheckRow />
                    <label class="check">
                        <input type="checkbox" checked={form.remember_key} onchange={on_remember} />
                        { " Remember the write key in this browser" }
                    </label>
                    if target.checks_key_with_segment() {
                        <p class="muted">{ "EU workspaces must use the EU endpoint: Segment drops data sent to the wrong region (the key check says which region the source is in)." }</p>
                    } else {
                        <p class="muted" id="target-note">
                            { sentence(target.bad_key()) }
                            if let Some(c) = target.caution() { { " " }{ sentence(c) } }
                        </p>
                    }
                    if let Some(c) = stale_limits {
                        <p class="banner warn" id="limits-note">{ format!(
                            "The check used {}'s limits, and {} takes others: check again (step 3) to see which rows {} would refuse.",
                            c.label(), target.label(), target.name()) }</p>
                    }
                    <details open={destinations.is_some() || !form.integrations.trim().is_empty()}>
                        <summary>{ "Destinations (integrations)" }</summary>
                        <IntegrationsEditor text={form.integrations.clone()} settings={destinations.clone()} on_change={on_integrations} />
                    </details>
                    <details>
                        <summary>{ "Advanced" }</summary>
                        <label>{ "Requests at once" }
                            <select onchange={on_concurrency}>
                                { for [1u32, 2, 4, 8, 16].iter().map(|n| html! {
                                    <option value={n.to_string()} selected={form.concurrency == *n}>{ n }</option>
                                }) }
                            </select>
                        </label>
                        if target.auths().contains(&KeyAuth::Body) {
                            <label>{ "The write key travels" }
                                <select onchange={on_auth}>
                                    <option value="body" selected={!form.basic_auth}>{ "in the request body (as Segment's browser library; no Authorization header)" }</option>
                                    <option value="basic" selected={form.basic_auth}>{ "in an Authorization: Basic header (RudderStack and other receivers)" }</option>
                                </select>
                            </label>
                        }
                        <label>{ "Settings URL (for tests and proxies)" }
                            <input id="settings-url" type="url" placeholder="empty: Segment's CDN, https://cdn.segment.com/v1/projects"
                                value={form.settings_url.clone()} oninput={on_settings_url} />
                        </label>
                    </details>
                </fieldset>
                <div class="row">
                    <span class="spacer"></span>
                    if running {
                        // One button that changes its word, so the keyboard focus stays on it.
                        <button type="button" id="pause-send" class={if paused { "primary" } else { "secondary" }} onclick={on_pause}>
                            { if paused { "Resume" } else { "Pause" } }
                        </button>
                        <button type="button" class="secondary" onclick={on_cancel}>{ "Cancel" }</button>
                    } else if resuming || !matches!(state.send, SendState::Done(_)) {
                        <button type="button" class="primary" id="start-send" onclick={on_start.clone()}>
                            { if resuming { "Resume sending" } else { "Start sending" } }
                        </button>
                    } else if !*confirming {
                        <button type="button" class="primary" id="start-send" onclick={on_again}>{ "Send again" }</button>
                    }
                </div>
                <KeyStop on_send_anyway={on_send_anyway} />
                if *confirming && !running {
                    <ConfirmAgain on_yes={on_start} on_no={on_keep} />
                }
                <div aria-live="polite">{ body }</div>
            </section>
            <StepNav back={Some(Step::Check)} next={None::<Step>} />
        </>
    }
}

/// Asks before sending the whole file again.
#[derive(Properties, PartialEq)]
struct ConfirmProps {
    on_yes: Callback<MouseEvent>,
    on_no: Callback<MouseEvent>,
}

#[component]
fn ConfirmAgain(props: &ConfirmProps) -> Html {
    let yes = use_node_ref();
    {
        // The question takes the keyboard's focus, on its safe answer's side.
        let yes = yes.clone();
        use_effect_with((), move |_| {
            if let Some(b) = yes.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    html! {
        <div class="banner warn" role="group" aria-labelledby="again-q" id="confirm-again">
            <p id="again-q"><strong>{ "Send the whole file again?" }</strong>
                { " Every valid row goes again, with the messageIds it had: Segment drops the ones it already has as duplicates; other receivers may not. The result below is replaced." }</p>
            <div class="row">
                <button type="button" class="primary" ref={yes} onclick={props.on_yes.clone()}>{ "Yes, send again" }</button>
                <button type="button" class="secondary" onclick={props.on_no.clone()}>{ "No, keep this result" }</button>
            </div>
        </div>
    }
}

/// Asks the browser to confirm leaving the page while a send runs (it would
/// stop it); removed when dropped.
struct LeaveGuard(Option<wasm_bindgen::closure::Closure<dyn Fn(web_sys::Event)>>);

impl LeaveGuard {
    fn install() -> LeaveGuard {
        let Some(window) = web_sys::window() else {
            return LeaveGuard(None);
        };
        let ask =
            wasm_bindgen::closure::Closure::<dyn Fn(web_sys::Event)>::new(|e: web_sys::Event| {
                e.prevent_default();
                // Older browsers ask only when returnValue is set.
                if let Some(e) = e.dyn_ref::<web_sys::BeforeUnloadEvent>() {
                    e.set_return_value("A send is running: leaving the page stops it.");
                }
            });
        let _ =
            window.add_event_listener_with_callback("beforeunload", ask.as_ref().unchecked_ref());
        LeaveGuard(Some(ask))
    }
}

impl Drop for LeaveGuard {
    fn drop(&mut self) {
        if let (Some(ask), Some(window)) = (&self.0, web_sys::window()) {
            let _ = window
                .remove_event_listener_with_callback("beforeunload", ask.as_ref().unchecked_ref());
        }
    }
}
