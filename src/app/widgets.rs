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
        // Rows fixed in the grid since the check count as valid.
        Step::Send
            if matches!(&state.check, CheckState::Done(d)
                if d.0.report.valid + super::fix_grid::tally_of(state, &d.0).valid_delta <= 0.0) =>
        {
            Some("Nothing to send: no row is valid.")
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

/// Said once, at the top, when the browser keeps nothing for this page
/// (checked when the page starts): what is lost, so nobody counts on it.
#[component]
pub fn StorageNotice() -> Html {
    let usable = use_memo((), |_| super::storage::usable());
    if *usable {
        return html! {};
    }
    let why = if super::storage::opened_from_disk() {
        "This browser keeps nothing for a page opened from disk"
    } else {
        "This browser keeps nothing for this page (storage is off: a private window or a policy)"
    };
    html! {
        <div class="banner info" id="storage-notice" role="status">
            <p>
                <strong>{ format!("{why}: ") }</strong>
                { "mappings are not remembered, and a send cut by a reload or a closed tab cannot be resumed. \
                   Keep this tab open until the send ends." }
            </p>
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

/// Moves the keyboard's focus to the step's heading after each step change
/// (not on the first render), so a screen reader says where it is.
#[derive(Properties, PartialEq)]
pub struct StepFocusProps {
    pub step: Step,
}

#[component]
pub fn StepFocus(props: &StepFocusProps) -> Html {
    let last = use_mut_ref(|| None::<Step>);
    use_effect_with(props.step, move |step| {
        let changed = last.borrow().is_some_and(|was| was != *step);
        *last.borrow_mut() = Some(*step);
        if changed {
            focus_heading(*step);
        }
    });
    html! {}
}

/// The heading each step opens with.
fn heading_id(step: Step) -> &'static str {
    match step {
        Step::File => "drop-h",
        Step::Map => "map-h",
        Step::Check => "check-h",
        Step::Send => "send-h",
    }
}

fn focus_heading(step: Step) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    // What moved the step (a button of the last one) is gone by now; focus
    // still inside the page's main part was put there by the new step (the
    // write key when resuming): it stays.
    if let (Some(active), Some(main)) = (doc.active_element(), doc.get_element_by_id("main")) {
        if active != main && main.contains(Some(&active)) {
            return;
        }
    }
    let Some(h) = doc
        .get_element_by_id(heading_id(step))
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    else {
        return;
    };
    // Focusable by script, not by Tab.
    let _ = h.set_attribute("tabindex", "-1");
    let _ = h.focus();
}

/// Events over time as an inline SVG bar chart (no scripts, no styles
/// inline): every day between the first and the last, or week, month or
/// year for long ranges ([`crate::time::timeline`]), so gaps show as gaps;
/// dates on the axis.
#[derive(Properties, PartialEq)]
pub struct DayChartProps {
    pub days: Vec<(String, f64)>,
}

/// Where the axis labels go, as fractions of the width (a CSS class each).
const TICKS: [(f64, &str); 5] = [
    (0.0, "at-0"),
    (0.25, "at-25"),
    (0.5, "at-50"),
    (0.75, "at-75"),
    (1.0, "at-100"),
];

#[component]
pub fn DayChart(props: &DayChartProps) -> Html {
    let per_day = props
        .days
        .iter()
        .map(|(d, n)| (d.as_str(), n.max(0.0) as u64));
    let Some(line) = crate::time::timeline(per_day) else {
        return html! { <p class="muted">{ "No timestamps: nothing to chart." }</p> };
    };
    let unit = line.bucket.name();
    let points = &line.points;
    let max = line.max().max(1) as f64;
    let (w, h) = (720.0_f64, 160.0_f64);
    let bar = w / points.len() as f64;
    let bars = points.iter().enumerate().map(|(i, p)| {
        let n = p.count as f64;
        // A bucket without events keeps a sliver, marked apart: a gap.
        let (bh, class) = if p.count == 0 {
            (1.0, "bar none")
        } else {
            ((n / max * (h - 4.0)).max(1.0), "bar")
        };
        html! {
            <rect x={fmt_f(i as f64 * bar)} y={fmt_f(h - bh)}
                width={fmt_f((bar - 1.0).max(0.5))} height={fmt_f(bh)} class={class}>
                <title>{ format!("{}: {}", p.label, count(n)) }</title>
            </rect>
        }
    });
    // First and last always; the quarter marks once bars are narrow enough
    // for the nearest bar to sit under its mark.
    let last_i = points.len() - 1;
    let ticks: Vec<(usize, &str)> = TICKS
        .iter()
        .filter(|(f, _)| points.len() >= 20 || *f == 0.0 || *f == 1.0)
        .map(|(f, class)| ((f * last_i as f64).round() as usize, *class))
        .fold(Vec::new(), |mut ticks, (i, class)| {
            if ticks.last().is_none_or(|(j, _)| *j != i) {
                ticks.push((i, class));
            }
            ticks
        });
    let marks = ticks.iter().map(|(i, _)| {
        let x = fmt_f((*i as f64 + 0.5) * bar);
        html! { <line class="tick" x1={x.clone()} x2={x} y1="0" y2={fmt_f(h)} /> }
    });
    let labels = ticks.iter().filter_map(|(i, class)| {
        let p = points.get(*i)?;
        Some(html! { <span class={*class}>{ tick_label(&p.label) }</span> })
    });
    let first = points.first().map(|p| p.label.clone()).unwrap_or_default();
    let last = points.last().map(|p| p.label.clone()).unwrap_or_default();
    let gaps = line.empty_points();
    let gap_note = (gaps > 0).then(|| {
        format!(
            ", {} without events",
            plural(gaps as f64, unit, &format!("{unit}s"))
        )
    });
    html! {
        <figure class="chart">
            <svg viewBox={format!("0 0 {w} {h}")} role="img" preserveAspectRatio="none"
                aria-label={format!("Events per {unit} from {first} to {last}, busiest {unit} {}{}",
                    count(max), gap_note.clone().unwrap_or_default())}>
                { for marks }
                { for bars }
            </svg>
            <div class="axis" aria-hidden="true">{ for labels }</div>
            <figcaption>
                <span>{ format!("Events per {unit}") }{ gap_note.unwrap_or_default() }</span>
                <span>{ format!("max {} / {unit}", count(max)) }</span>
            </figcaption>
        </figure>
    }
}

/// An axis label: a week is named by its Monday's date.
fn tick_label(label: &str) -> &str {
    label.strip_prefix("week of ").unwrap_or(label)
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
    crate::report::group_digits(&format!("{:.0}", n.max(0.0)))
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
