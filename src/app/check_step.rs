//! Step 3: read the whole file in the worker; show what would be sent,
//! what would be rejected and why; offer the rejects and the batches.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::fix_grid::{self, FixGrid};
use super::protocol::{CheckProgress, CheckReport, FileCountsView, Measure, Request};
use super::state::{self, Action, CheckState, Step};
use super::widgets::{bytes, count, duration, plural, progress_starting, tile, DayChart, StepNav};
use super::{download, use_ctx, Ctx};
use crate::message::SourceNamespace;

fn start(ctx: &Ctx) {
    let s = &ctx.state;
    let Some(input) = state::input(s) else {
        return;
    };
    ctx.worker.send(Request::Check {
        input,
        mapping: s.mapping.clone(),
        keep_batches: s.keep_batches,
        id_namespace: id_namespace(s),
        fixes: s.fixes.clone(),
        target: super::send_form::preset(&s.send_form).target.id().into(),
    });
    ctx.dispatch(Action::CheckStarted);
}

/// Whose limits a check used, in words: the Send step's target, which is
/// Segment (US) until another is chosen there.
fn limits_of(target: &str) -> String {
    let t = crate::target::Target::from_id(target).unwrap_or(crate::target::Target::SegmentUs);
    format!(
        "{}'s limits ({}; the target is chosen in step 4, Send)",
        t.limits().service,
        t.label()
    )
}

/// The id namespace of the write key the Send step holds (typed or
/// remembered): only its hash goes to the worker, for the dry run's ids.
fn id_namespace(s: &super::state::State) -> Option<String> {
    let ns = SourceNamespace::for_destination(None, Some(&s.send_form.write_key));
    (!ns.is_none()).then(|| ns.to_string())
}

#[component]
pub fn CheckStep() -> Html {
    let ctx = use_ctx();
    {
        // Entering the step runs the check once; results stay until the
        // file or the mapping changes.
        let ctx = ctx.clone();
        use_effect_with((), move |_| {
            if ctx.state.check == CheckState::Idle && ctx.state.mapping.check().is_ok() {
                start(&ctx);
            }
        });
    }
    let on_start = {
        let ctx = ctx.clone();
        Callback::from(move |_| start(&ctx))
    };
    let on_cancel = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            ctx.worker.send(Request::Cancel);
            ctx.dispatch(Action::CancelRequested);
        })
    };
    let on_keep = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            ctx.dispatch(Action::SetKeepBatches(input.checked()));
        })
    };
    let state = &ctx.state;
    let running = matches!(state.check, CheckState::Running(_));
    let several = state.file.as_ref().is_some_and(|f| f.several);
    let controls = html! {
        <div class="row">
            <label class="check">
                <input type="checkbox" checked={state.keep_batches} onchange={on_keep} disabled={running} />
                { " Keep the batches for download (dry run; uses memory for big files)" }
            </label>
            <span class="spacer"></span>
            if running {
                <button type="button" class="secondary" onclick={on_cancel}>{ "Cancel" }</button>
            } else {
                <button type="button" class="primary" id="run-check" onclick={on_start}>
                    { if state.check == CheckState::Idle { "Run the check" } else { "Check again" } }
                </button>
            }
        </div>
    };
    let body = match &state.check {
        CheckState::Idle => {
            html! { <p class="muted">{ "The check reads every row and sends nothing." }</p> }
        }
        CheckState::Running(p) => progress(p),
        CheckState::Cancelled => {
            html! { <p class="status" role="status">{ "Cancelled. Nothing was sent." }</p> }
        }
        CheckState::Done(done) => {
            let d = done.clone();
            let ctx2 = ctx.clone();
            let on_rejects = Callback::from(move |_| {
                if let Err(f) = download::blob(&d.0.rejects, "rejected-rows.csv") {
                    ctx2.dispatch(Action::Fail(f));
                }
            });
            let d = done.clone();
            let ctx2 = ctx.clone();
            let on_batches = Callback::from(move |_| {
                let Some(b) = wasm_bindgen::JsCast::dyn_ref::<web_sys::Blob>(&d.0.batches) else {
                    return;
                };
                if let Err(f) = download::blob(b, "batches.ndjson") {
                    ctx2.dispatch(Action::Fail(f));
                }
            });
            let has_batches = !done.0.batches.is_undefined();
            html! {
                <>
                    { results(&done.0.report, fix_grid::tally_of(state, &done.0)) }
                    <div class="row downloads">
                        <button type="button" class="secondary" id="download-rejects" onclick={on_rejects}
                            disabled={done.0.report.rejected == 0.0}>
                            { format!("Download rejected rows ({})", count(done.0.report.rejected)) }
                        </button>
                        if has_batches {
                            <button type="button" class="secondary" id="download-batches" onclick={on_batches}>
                                { format!("Download {} (NDJSON, one request body a line)", plural(done.0.report.batches, "batch", "batches")) }
                            </button>
                        }
                    </div>
                    if several && done.0.report.rejected > 0.0 {
                        <p class="note" id="no-fixes">{ "Rejected rows of several files are not edited here: the rejected-rows file names each row's file and row; fix them in their files, then pick the files again." }</p>
                    }
                    if has_batches {
                        <p class="muted" id="batch-ids">{
                            if done.0.id_namespace.is_some() {
                                "Their messageIds are the ones a send to the source of the write key in Send carries."
                            } else {
                                "Their messageIds belong to no source yet: they depend on the destination. Enter the write key in Send, then check again, to get the ids a send will carry."
                            }
                        }</p>
                    }
                </>
            }
        }
    };
    html! {
        <>
            <section class="card" aria-labelledby="check-h">
                <h2 id="check-h">{ if several { "Check every file" } else { "Check the whole file" } }</h2>
                { controls }
                <div aria-live="polite">{ body }</div>
            </section>
            if let CheckState::Done(done) = &state.check {
                if !done.0.grid.is_empty() {
                    <FixGrid done={done.clone()} />
                }
            }
            <StepNav back={Some(Step::Map)} next={Some(Step::Send)} />
        </>
    }
}

fn progress(p: &CheckProgress) -> Html {
    if p.elapsed_ms == 0.0 {
        // Nothing heard from the worker yet.
        return progress_starting("Check progress");
    }
    let secs = p.elapsed_ms / 1000.0;
    let rate = if secs > 0.0 { p.rows / secs } else { 0.0 };
    // What is done of what, in the measure the file allows.
    let (done, whole, of) = match p.measure {
        Measure::Bytes => (
            p.bytes,
            p.total,
            format!(" · {} of {}", bytes(p.bytes), bytes(p.total)),
        ),
        Measure::Rows(total) => (p.rows, total, format!(" of {}", count(total))),
        Measure::Unknown => (0.0, 0.0, String::new()),
    };
    // Only an ETA worth saying: a second or more.
    let eta = if done > 0.0 && secs > 0.0 {
        Some((whole - done) / (done / secs)).filter(|s| *s >= 1.0)
    } else {
        None
    };
    let rows = match p.file {
        Some((at, of)) => format!(
            "{} rows · file {} of {}",
            count(p.rows),
            count(at),
            count(of)
        ),
        None => format!("{} rows", count(p.rows)),
    };
    let text = match p.measure.percent(p.bytes, p.total, p.rows) {
        Some(pct) => match p.measure {
            Measure::Rows(_) => format!("{pct:.0}% · {rows}{of} · {} rows/s", count(rate)),
            _ => format!("{pct:.0}% · {rows} · {} rows/s{of}", count(rate)),
        },
        None => format!(
            "{rows} · {} rows/s · the total is known at the end",
            count(rate)
        ),
    };
    let bar = match p.measure.percent(p.bytes, p.total, p.rows) {
        Some(pct) => html! {
            <progress max="100" value={format!("{pct:.1}")} aria-label="Check progress"></progress>
        },
        // No value: the browser shows a bar that is busy, not a share.
        None => html! { <progress aria-label="Check progress"></progress> },
    };
    html! {
        <div class="progress">
            { bar }
            <p>
                { text }
                if let Some(eta) = eta { { format!(" · about {} left", duration(eta)) } }
            </p>
        </div>
    }
}

/// `1 row`, `2,345 rows`.
fn rows(n: f64) -> String {
    plural(n, "row", "rows")
}

/// Why the rows under the reasons add up to more than the total.
fn several(several: f64, total: f64, what: &str) -> Html {
    if several < 1.0 {
        return html! {};
    }
    let text = crate::report::several_reasons(several as u64, total as u64, what);
    html! { <p class="note several-reasons">{ text }</p> }
}

/// Said first when no row can be sent: Send is not offered then.
fn nothing_to_send(r: &CheckReport, valid: f64) -> Html {
    if valid > 0.0 {
        return html! {};
    }
    let (what, hint) = if r.rows == 0.0 {
        (
            "The file has no rows: nothing to send.".to_string(),
            " Only a header (or nothing) was found. Pick the export with the data in step 1.",
        )
    } else {
        (
            format!("None of the {} is valid: nothing to send.", rows(r.rows)),
            " See why below, then fix the mapping in step 2 or the file.",
        )
    };
    html! {
        <div class="banner error" role="alert" id="nothing-to-send">
            <p><strong>{ what }</strong>{ hint }</p>
        </div>
    }
}

fn results(r: &CheckReport, fixes: fix_grid::Tally) -> Html {
    let valid = r.valid + fixes.valid_delta;
    let rejected = r.rejected - fixes.valid_delta;
    let errors = r.findings.iter().filter(|f| !f.warning);
    let warnings = r.findings.iter().filter(|f| f.warning);
    let finding = |f: &super::protocol::Finding| {
        html! {
            <details class={classes!("finding", if f.warning { "warn" } else { "error" })} open={!f.warning}>
                <summary><code>{ &f.code }</code>{ format!(" — {}", rows(f.rows)) }
                    if f.count > f.rows { { format!(" ({} findings)", count(f.count)) } }
                </summary>
                <ul>{ for f.examples.iter().map(|(at, msg)| html! { <li>{ format!("{}: {msg}", at.label()) }</li> }) }</ul>
            </details>
        }
    };
    html! {
        <>
            <p class="muted" id="checked-limits">
                { format!("{} read in {}; checked against {}", rows(r.rows), duration(r.elapsed_ms / 1000.0), limits_of(&r.target)) }
            </p>
            { nothing_to_send(r, valid) }
            <div class="tiles">
                { tile("rows", r.rows, "", "count-rows") }
                { tile("valid, will be sent", valid, if valid > 0.0 { "ok" } else { "bad" }, "count-valid") }
                { tile("rejected", rejected, if rejected > 0.0 { "bad" } else { "" }, "count-rejected") }
                if fixes.fixed > 0.0 {
                    { tile("fixed in the app (counted in valid)", fixes.fixed, "ok", "count-fixed") }
                }
                { tile("valid with warnings", r.with_warnings, if r.with_warnings > 0.0 { "warn" } else { "" }, "count-warnings") }
            </div>
            { file_counts(&r.files) }
            if r.without_timestamp > 0.0 {
                <div class="banner warn" role="alert"><p>
                    <strong>{ format!("{} messages have no timestamp.", count(r.without_timestamp)) }</strong>
                    { " Segment will date them on arrival. Map a timestamp column in step 2." }
                </p></div>
            }
            if r.rejects_truncated {
                <p class="note">{ "The rejected-rows file holds the first 64 MB of rejects only." }</p>
            }
            { for r.notes.iter().map(|n| html! { <p class="note">{ n }</p> }) }
            if !r.missing_values.is_empty() {
                <p class="note" id="missing-values">
                    <strong>{ "Read as empty (missing-value tokens): " }</strong>
                    { crate::report::missing_values(&r.missing_values) }
                </p>
            }
            if r.findings.iter().any(|f| !f.warning) {
                <h3>{ "Why rows are rejected" }</h3>
                { for errors.map(finding) }
                { several(r.rejected_several_reasons, r.rejected, "rejected rows") }
            }
            if r.findings.iter().any(|f| f.warning) {
                <h3>{ "Warnings (rows are still sent)" }</h3>
                { for warnings.map(finding) }
                { several(r.warned_several_reasons, r.with_warnings, "rows with warnings") }
            }
            <h3>{ "When" }</h3>
            <p>
                { match (&r.first_timestamp, &r.last_timestamp) {
                    (Some(a), Some(b)) => format!("From {a} to {b}"),
                    _ => "No timestamps.".to_string(),
                } }
            </p>
            <DayChart days={r.per_day.clone()} />
            if !r.top_events.is_empty() {
                <h3>{ "Top events" }</h3>
                <table class="events">
                    <thead><tr><th scope="col">{ "Event" }</th><th scope="col">{ "Messages" }</th></tr></thead>
                    <tbody>{ for r.top_events.iter().map(|(e, n)| html! { <tr><td>{ e }</td><td class="num">{ count(*n) }</td></tr> }) }</tbody>
                </table>
            }
            <p class="muted">{ format!("{}, {} of request bodies.", plural(r.batches, "batch", "batches"), bytes(r.bytes)) }</p>
        </>
    }
}

/// Several files: each file's rows, valid and rejected, in the order read.
fn file_counts(files: &[FileCountsView]) -> Html {
    if files.is_empty() {
        return html! {};
    }
    html! {
        <>
            <h3 id="check-files-h">{ "Each file" }</h3>
            <div class="grid-wrap" tabindex="0" role="region" aria-labelledby="check-files-h">
                <table class="files" id="check-files">
                    <thead><tr>
                        <th scope="col">{ "File" }</th>
                        <th scope="col" class="num">{ "Rows" }</th>
                        <th scope="col" class="num">{ "Valid" }</th>
                        <th scope="col" class="num">{ "Rejected" }</th>
                    </tr></thead>
                    <tbody>
                        { for files.iter().map(|f| html! {
                            <tr>
                                <th scope="row" class="name">{ &f.file }
                                    if f.empty { <span class="muted">{ " (empty)" }</span> }
                                </th>
                                <td class="num" data-label="rows">{ count(f.rows) }</td>
                                <td class="num" data-label="valid">{ count(f.valid) }</td>
                                <td class={classes!("num", (f.rejected > 0.0).then_some("bad"))} data-label="rejected">{ count(f.rejected) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </>
    }
}
