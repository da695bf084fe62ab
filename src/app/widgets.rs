//! Small components and formatting helpers shared by the steps.

use yew::prelude::*;

use super::state::{Action, CheckState, Resume, SendState, State, Step};
use super::use_ctx;

/// Whether the user may open `step` yet, and if not, why.
pub fn blocked(state: &State, step: Step) -> Option<&'static str> {
    if matches!(state.send, SendState::Running(_)) && step != Step::Send {
        return Some("Sending: cancel it first.");
    }
    match step {
        Step::File => None,
        Step::Map if state.inspection.is_none() => Some("Pick a file first."),
        Step::Map => None,
        Step::Check | Step::Send if state.inspection.is_none() => Some("Pick a file first."),
        Step::Check | Step::Send if state.mapping.check().is_err() => {
            Some("Fix the mapping first.")
        }
        Step::Check | Step::Send if state.preview.as_ref().is_some_and(|p| p.error.is_some()) => {
            Some("Fix the mapping first (see the preview).")
        }
        // A send being resumed (or that was) was checked when it started.
        Step::Send
            if !matches!(state.check, CheckState::Done(_))
                && !matches!(state.resume, Resume::Chosen(_))
                && !matches!(state.send, SendState::Done(_)) =>
        {
            Some("Run the check first.")
        }
        _ => None,
    }
}

/// The step navigation: numbered, with the current step marked.
#[component]
pub fn Stepper() -> Html {
    let ctx = use_ctx();
    let state = &ctx.state;
    let items = Step::ALL.iter().enumerate().map(|(i, &step)| {
        let why = blocked(state, step);
        let current = state.step == step;
        let onclick = {
            let ctx = ctx.clone();
            Callback::from(move |_| ctx.dispatch(Action::GoTo(step)))
        };
        html! {
            <li>
                <button type="button" class={classes!("step", current.then_some("current"))}
                    aria-current={current.then_some("step")}
                    disabled={why.is_some()} title={why.unwrap_or("")} {onclick}>
                    <span class="num">{ i + 1 }</span>{ step.title() }
                </button>
            </li>
        }
    });
    html! { <nav aria-label="Steps"><ol class="stepper">{ for items }</ol></nav> }
}

/// The last failure: what happened and what to do.
#[component]
pub fn ErrorBanner() -> Html {
    let ctx = use_ctx();
    let Some(f) = ctx.state.error.clone() else {
        return html! {};
    };
    let onclick = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::DismissError))
    };
    html! {
        <div class="banner error" role="alert">
            <p><strong>{ "Problem: " }</strong>{ capitalize(&f.message) }</p>
            <p>{ "What to do: " }{ f.hint }</p>
            <button type="button" class="secondary" {onclick}>{ "Dismiss" }</button>
        </div>
    }
}

/// Previous/next buttons at the bottom of a step.
#[derive(Properties, PartialEq)]
pub struct NavProps {
    pub back: Option<Step>,
    pub next: Option<Step>,
    #[prop_or_default]
    pub next_label: Option<AttrValue>,
}

#[component]
pub fn StepNav(props: &NavProps) -> Html {
    let ctx = use_ctx();
    let go = |step: Step| {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::GoTo(step)))
    };
    let back = props.back.map(|s| {
        let why = blocked(&ctx.state, s);
        html! {
            <button type="button" class="secondary" disabled={why.is_some()} title={why.unwrap_or("")}
                onclick={go(s)}>{ "← " }{ s.title() }</button>
        }
    });
    let next = props.next.map(|s| {
        let why = blocked(&ctx.state, s);
        let label = props
            .next_label
            .clone()
            .unwrap_or_else(|| format!("{} →", s.title()).into());
        html! {
            <>
                if let Some(why) = why { <span class="hint">{ why }</span> }
                <button type="button" class="primary" disabled={why.is_some()} onclick={go(s)}>{ label }</button>
            </>
        }
    });
    html! { <div class="step-nav">{ back }<span class="spacer"></span>{ next }</div> }
}

/// Events per day as an inline SVG bar chart (no scripts, no styles inline).
#[derive(Properties, PartialEq)]
pub struct DayChartProps {
    pub days: Vec<(String, f64)>,
}

#[component]
pub fn DayChart(props: &DayChartProps) -> Html {
    let days = &props.days;
    if days.is_empty() {
        return html! { <p class="muted">{ "No timestamps: nothing to chart." }</p> };
    }
    let max = days.iter().map(|d| d.1).fold(1.0, f64::max);
    let (w, h) = (720.0_f64, 160.0_f64);
    let bar = w / days.len() as f64;
    let bars = days.iter().enumerate().map(|(i, (day, n))| {
        let bh = (n / max * (h - 4.0)).max(1.0);
        html! {
            <rect x={fmt_f(i as f64 * bar)} y={fmt_f(h - bh)}
                width={fmt_f((bar - 1.0).max(0.5))} height={fmt_f(bh)} class="bar">
                <title>{ format!("{day}: {}", count(*n)) }</title>
            </rect>
        }
    });
    let first = days.first().map(|d| d.0.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.0.clone()).unwrap_or_default();
    html! {
        <figure class="chart">
            <svg viewBox={format!("0 0 {w} {h}")} role="img" preserveAspectRatio="none"
                aria-label={format!("Events per day from {first} to {last}, busiest day {}", count(max))}>
                { for bars }
            </svg>
            <figcaption><span>{ first }</span><span>{ format!("max {} / day", count(max)) }</span><span>{ last }</span></figcaption>
        </figure>
    }
}

/// A count in a box: `class` is "", "ok", "bad" or "warn"; `id` lets tests
/// and screen readers find it.
pub fn tile(label: &str, value: f64, class: &str, id: &str) -> Html {
    html! {
        <div class={classes!("tile", class.to_string())}>
            <span class="value" id={id.to_string()}>{ count(value) }</span>
            <span class="label">{ label }</span>
        </div>
    }
}

/// A progress block before the worker's first report.
pub fn progress_starting(label: &'static str) -> Html {
    html! {
        <div class="progress">
            <progress aria-label={label}></progress>
            <p>{ "Starting…" }</p>
        </div>
    }
}

/// `done` of `total` as a percentage, at most 100 (0 when `total` is unknown).
pub fn percent(done: f64, total: f64) -> f64 {
    if total > 0.0 {
        (done / total * 100.0).min(100.0)
    } else {
        0.0
    }
}

fn fmt_f(x: f64) -> String {
    format!("{x:.2}")
}

/// `1234567` → `1,234,567`.
pub fn count(n: f64) -> String {
    let s = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 batch`, `2,345 batches`.
pub fn plural(n: f64, one: &str, many: &str) -> String {
    if n == 1.0 {
        format!("1 {one}")
    } else {
        format!("{} {many}", count(n))
    }
}

/// Bytes in KB/MB/GB (decimal, as file managers show).
pub fn bytes(n: f64) -> String {
    match n {
        n if n >= 1e9 => format!("{:.2} GB", n / 1e9),
        n if n >= 1e6 => format!("{:.1} MB", n / 1e6),
        n if n >= 1e3 => format!("{:.0} KB", n / 1e3),
        n => format!("{n:.0} bytes"),
    }
}

/// Seconds as `1 h 02 min`, `3 min 05 s` or `12 s`.
pub fn duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    let secs = secs.max(0.0);
    match s {
        s if s >= 3600 => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{} min {:02} s", s / 60, s % 60),
        _ if secs < 1.0 => "under a second".into(),
        s => format!("{s} s"),
    }
}

pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
