//! The app's one state and the actions that change it (a Yew reducer).
//!
//! Everything the user chose lives here, so moving between steps loses
//! nothing. Side effects (asking the worker) happen in the components; what
//! the worker answers comes back as an [`Action`].

use std::collections::BTreeMap;
use std::rc::Rc;

use yew::Reducible;

pub use super::picked::{Picked, PickedFile};
use super::protocol::{
    CheckDone, CheckProgress, Failure, FilesView, Input, InspectionView, KeyAnswer, KeyQuery,
    KeyVerdict, PreviewView, Response, RowStatus, SendProgress, SendReport,
};
use super::resume::{self, SavedRun};
use crate::mapping::Mapping;
use crate::pipeline::{Fixes, RowFix};
use crate::source::SourceOptions;

/// Files smaller than this keep their batches for download by default (the
/// bodies take about three times the size of a CSV).
const KEEP_BATCHES_BELOW: f64 = 20e6;

/// The four screens, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Step {
    #[default]
    File,
    Map,
    Check,
    Send,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::File, Step::Map, Step::Check, Step::Send];

    pub fn title(self) -> &'static str {
        match self {
            Step::File => "File",
            Step::Map => "Map",
            Step::Check => "Check",
            Step::Send => "Send",
        }
    }
}

/// Where the full check stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CheckState {
    #[default]
    Idle,
    Running(CheckProgress),
    Done(Rc<CheckDoneView>),
    Cancelled,
}

/// Where sending stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SendState {
    #[default]
    Idle,
    Running(SendProgress),
    Done(Rc<SendReport>),
}

/// A stopped send of the open file and mapping (see [`super::resume`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Resume {
    #[default]
    None,
    /// Kept in this browser from an earlier send: the page offers it.
    Offered(Rc<SavedRun>),
    /// The user chose to continue it: the Send step resumes it.
    Chosen(Rc<SavedRun>),
}

impl Resume {
    pub fn run(&self) -> Option<&Rc<SavedRun>> {
        match self {
            Resume::None => None,
            Resume::Offered(r) | Resume::Chosen(r) => Some(r),
        }
    }
}

/// The Send step's form, kept while the user moves between steps.
#[derive(Debug, Clone, PartialEq)]
pub struct SendForm {
    /// The choice of target ([`super::send_form::presets`]: a target's
    /// id, or `local`).
    pub preset: String,
    pub custom_endpoint: String,
    pub write_key: String,
    /// Keep the write key in this browser's storage.
    pub remember_key: bool,
    pub concurrency: u32,
    /// The key goes in an `Authorization: Basic` header, not the body.
    pub basic_auth: bool,
    /// The batch-level integrations as JSON text (empty: none).
    pub integrations: String,
    /// Where the write key is checked instead of Segment's CDN (empty:
    /// Segment's CDN).
    pub settings_url: String,
}

impl Default for SendForm {
    fn default() -> Self {
        SendForm {
            preset: crate::target::Target::SegmentUs.id().into(),
            custom_endpoint: String::new(),
            write_key: String::new(),
            remember_key: false,
            concurrency: 4,
            basic_auth: false,
            integrations: String::new(),
            settings_url: String::new(),
        }
    }
}

/// The write-key check of the Send form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyState {
    /// The check on its way.
    pub checking: Option<KeyQuery>,
    /// The last answer (it holds while the form asks the same).
    pub answer: Option<Rc<KeyAnswer>>,
}

impl KeyState {
    /// The last answer, if it was for `query`.
    pub fn answer_for(&self, query: &KeyQuery) -> Option<&KeyAnswer> {
        self.answer.as_deref().filter(|a| &a.query == query)
    }

    /// Whether Segment knows the key of `query` (checked in this form).
    pub fn known(&self, query: &KeyQuery) -> bool {
        self.answer_for(query)
            .is_some_and(|a| matches!(a.verdict, KeyVerdict::Known { .. }))
    }
}

/// A finished check as the page keeps it.
#[derive(Debug)]
pub struct CheckDoneView(pub CheckDone);

impl PartialEq for CheckDoneView {
    fn eq(&self, other: &Self) -> bool {
        // Each check result is a new value; identity is enough.
        std::ptr::eq(self, other)
    }
}

/// The whole app.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct State {
    pub step: Step,
    pub file: Option<Picked>,
    /// The user's overrides of what was sniffed.
    pub options: SourceOptions,
    pub inspecting: bool,
    /// The file's preview; of several files, the first one with rows.
    pub inspection: Option<Rc<InspectionView>>,
    /// Several files: how each one reads.
    pub files: Option<Rc<FilesView>>,
    pub mapping: Mapping,
    /// Says where the mapping came from (restored, loaded, suggested).
    pub mapping_note: Option<String>,
    pub preview: Option<Rc<PreviewView>>,
    pub check: CheckState,
    pub keep_batches: bool,
    pub send_form: SendForm,
    /// The write-key check of the form.
    pub key: KeyState,
    pub send: SendState,
    /// The user paused the running send (the worker confirms it in the
    /// progress, once the requests in flight are answered).
    pub send_paused: bool,
    /// A stopped send of this file and mapping that can be resumed.
    pub resume: Resume,
    /// The running (or last) send, kept in `localStorage` as it goes.
    pub tracking: Option<Rc<SavedRun>>,
    /// The last failure, shown on top of the current step until dismissed.
    pub error: Option<Failure>,
    /// Rows edited in the fix grid (the file itself is never changed).
    pub fixes: Fixes,
    /// Rows edited since the check, by row: their new status once the
    /// worker re-checked them, `None` while it is on its way (the check's
    /// status holds for the others).
    pub rechecked: Rc<BTreeMap<u64, Option<RowStatus>>>,
}

/// Everything that can happen.
#[derive(Debug)]
pub enum Action {
    GoTo(Step),
    Picked(Picked),
    SetOptions(SourceOptions),
    /// The mapping changed, with an optional note about why.
    SetMapping(Mapping, Option<String>),
    SetKeepBatches(bool),
    SetSendForm(SendForm),
    /// The "Check key" button's request went to the worker.
    KeyCheckStarted(KeyQuery),
    /// The user answered "No" to sending without a key check.
    ForgetKeyAnswer,
    /// The send about to start, to keep as it goes (before `SendStarted`).
    TrackSend(SavedRun),
    SendStarted,
    /// The user paused (`true`) or resumed (`false`) the running send.
    SetSendPaused(bool),
    /// Continue the stopped send on offer.
    ResumeChosen,
    /// Forget the stopped send: the next send starts from the first row.
    StartOver,
    CheckStarted,
    /// The user asked to stop; the worker confirms with `Cancelled`.
    CancelRequested,
    /// A message from the worker.
    Worker(Response),
    /// A failure in the page itself (a file that cannot be loaded...).
    Fail(Failure),
    DismissError,
    /// Rows edited in the fix grid (each re-checked by the worker next).
    EditRows(Vec<RowFix>),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::GoTo(step) => s.step = step,
            Action::Picked(file) => {
                // Batches of a small file fit in memory; big files opt in.
                s.keep_batches = file.size() < KEEP_BATCHES_BELOW;
                s.file = Some(file);
                s.files = None;
                s.options = SourceOptions::default();
                s.inspecting = true;
                s.check = CheckState::Idle;
                s.send = SendState::Idle;
                s.preview = None;
                s.error = None;
                s.resume = Resume::None;
                s.tracking = None;
                clear_fixes(&mut s);
            }
            Action::SetOptions(options) => {
                s.options = options;
                s.inspecting = true;
                s.check = CheckState::Idle;
                // Edits were made for the rows as the file was read before.
                clear_fixes(&mut s);
                s.error = None;
            }
            Action::SetMapping(mapping, note) => {
                if mapping == s.mapping && note.is_none() {
                    return self;
                }
                s.mapping = mapping;
                s.mapping_note = note.or(s.mapping_note);
                s.check = CheckState::Idle;
                if !matches!(s.send, SendState::Running(_)) {
                    s.send = SendState::Idle;
                }
                refresh_resume(&mut s);
            }
            Action::SetKeepBatches(keep) => s.keep_batches = keep,
            Action::SetSendForm(form) => s.send_form = form,
            Action::KeyCheckStarted(query) => s.key.checking = Some(query),
            Action::ForgetKeyAnswer => s.key.answer = None,
            Action::TrackSend(run) => s.tracking = Some(Rc::new(run)),
            Action::ResumeChosen => {
                if let Resume::Offered(run) = &s.resume {
                    s.resume = Resume::Chosen(Rc::clone(run));
                }
            }
            Action::StartOver => {
                if let Some(run) = s.resume.run() {
                    resume::forget(&run.import);
                }
                s.resume = Resume::None;
            }
            Action::SendStarted => {
                s.send = SendState::Running(SendProgress::default());
                s.send_paused = false;
                s.error = None;
            }
            Action::SetSendPaused(paused) => {
                if !matches!(s.send, SendState::Running(_)) {
                    return self;
                }
                s.send_paused = paused;
            }
            Action::CheckStarted => {
                s.check = CheckState::Running(CheckProgress::default());
                s.error = None;
            }
            Action::CancelRequested => {}
            Action::Worker(response) => return apply(self, s, response),
            Action::Fail(f) => {
                s.inspecting = false;
                s.error = Some(f);
            }
            Action::DismissError => s.error = None,
            Action::EditRows(rows) => {
                if s.fixes.is_empty() {
                    s.fixes = Fixes::new(super::fix_grid::columns(&s));
                }
                let mut rechecked = (*s.rechecked).clone();
                for r in rows {
                    let row = r.row;
                    if let Err(e) = s.fixes.insert(row, r.cells) {
                        s.error = Some(super::fix_grid::not_kept(e));
                        break;
                    }
                    rechecked.insert(row, None);
                }
                s.rechecked = Rc::new(rechecked);
            }
        }
        Rc::new(s)
    }
}

/// Applies what the worker answered.
fn apply(old: Rc<State>, mut s: State, response: Response) -> Rc<State> {
    match response {
        Response::Inspected(view) => {
            s.files = None;
            inspected(&mut s, view);
        }
        Response::InspectedFiles(files) => {
            let view = files.view.clone();
            s.files = Some(Rc::new(files));
            inspected(&mut s, view);
        }
        Response::Previewed(view) => s.preview = Some(Rc::new(view)),
        Response::CheckProgress(p) => match s.check {
            CheckState::Running(_) => s.check = CheckState::Running(p),
            // A late progress after Cancel or Done changes nothing.
            _ => return old,
        },
        Response::Checked(done) => {
            // The check judged the edited rows as they are now.
            s.rechecked = Rc::default();
            s.check = CheckState::Done(Rc::new(CheckDoneView(done)));
        }
        Response::RowsChecked(statuses) => {
            let mut rechecked = (*s.rechecked).clone();
            // Only for rows edited (a status of cells not kept means nothing).
            for st in statuses
                .into_iter()
                .filter(|st| s.fixes.contains(st.row as u64))
            {
                rechecked.insert(st.row as u64, Some(st));
            }
            s.rechecked = Rc::new(rechecked);
        }
        Response::KeyChecked(answer) => {
            if s.key.checking.as_ref() == Some(&answer.query) {
                s.key.checking = None;
            }
            // Stopped at Start: nothing was sent.
            let sent = matches!(
                answer.verdict,
                KeyVerdict::Known { .. } | KeyVerdict::NotChecked
            );
            if answer.at_start && !sent && matches!(s.send, SendState::Running(_)) {
                s.send = SendState::Idle;
                s.send_paused = false;
            }
            s.key.answer = Some(Rc::new(answer));
        }
        Response::Cancelled => s.check = CheckState::Cancelled,
        Response::SendProgress(p) => match s.send {
            SendState::Running(_) => s.send = SendState::Running(p),
            _ => return old,
        },
        Response::SendCheckpoint(cp) => {
            let Some(run) = &s.tracking else { return old };
            let run = run.with(cp);
            resume::save(&run);
            s.tracking = Some(Rc::new(run));
        }
        Response::Sent(report) => {
            if let Some(run) = &s.tracking {
                if report.complete && report.undelivered == 0.0 {
                    // Every row is accounted for: nothing left to resume
                    // there (a send to another endpoint may still be).
                    resume::forget_run(run);
                    s.resume = resume::find(&run.import)
                        .map_or(Resume::None, |r| Resume::Offered(Rc::new(r)));
                } else if !run.checkpoint.is_empty() {
                    s.resume = Resume::Chosen(Rc::clone(run));
                }
            }
            s.send = SendState::Done(Rc::new(report));
            s.send_paused = false;
        }
        Response::Failed(f) => {
            // A newly picked file that cannot be read (an image, a
            // workbook...) leaves nothing to map; an override that fails
            // keeps the last view, so it can be changed back.
            if s.inspecting && s.options == SourceOptions::default() {
                s.inspection = None;
                s.files = None;
                s.preview = None;
            }
            s.inspecting = false;
            if matches!(s.check, CheckState::Running(_)) {
                s.check = CheckState::Idle;
            }
            if matches!(s.send, SendState::Running(_)) {
                s.send = SendState::Idle;
                s.send_paused = false;
            }
            s.error = Some(f);
        }
        // Taken by the page's link to the worker (app/mod.rs), never
        // dispatched.
        Response::ProbedRead(_) => return old,
    }
    Rc::new(s)
}

/// A preview arrived (of the file, or of the first of several with rows):
/// a mapping for its columns, and the resume offer of this import.
fn inspected(s: &mut State, view: InspectionView) {
    s.inspecting = false;
    let same_columns = s
        .inspection
        .as_ref()
        .is_some_and(|old| old.headers == view.headers);
    if !same_columns {
        let (mapping, note) = super::storage::initial_mapping(&view);
        s.mapping = mapping;
        s.mapping_note = note;
        s.preview = None;
    }
    s.inspection = Some(Rc::new(view));
    refresh_resume(s);
}

/// What a check or a send reads: the file as the File step showed it, or
/// the files picked, each read with the user's overrides.
pub fn input(s: &State) -> Option<Input> {
    let (file, view) = (s.file.as_ref()?, s.inspection.as_ref()?);
    Some(if file.several {
        Input::Files {
            files: file.named_files(),
            options: s.options.clone(),
        }
    } else {
        Input::One {
            file: file.first()?.blob.clone().into(),
            sheet: view.sheet(),
            settings: view.settings.clone(),
        }
    })
}

fn clear_fixes(s: &mut State) {
    s.fixes = Fixes::default();
    s.rechecked = Rc::default();
}

/// The import open now (file, reading settings, mapping), as
/// [`resume::import_id`] names it.
pub fn current_import(s: &State) -> Option<String> {
    let (file, view) = (s.file.as_ref()?, s.inspection.as_ref()?);
    Some(if file.several {
        resume::set_import_id(file, &s.options, &view.settings, &s.mapping)
    } else {
        resume::import_id(file, view.sheet().as_deref(), &view.settings, &s.mapping)
    })
}

/// Offers the stopped send of the file and mapping open now, if this
/// browser kept one (a choice already made for the same import stays).
fn refresh_resume(s: &mut State) {
    if matches!(s.send, SendState::Running(_)) {
        return;
    }
    let Some(import) = current_import(s) else {
        s.resume = Resume::None;
        return;
    };
    if matches!(&s.resume, Resume::Chosen(run) if run.import == import) {
        return;
    }
    s.resume = resume::find(&import).map_or(Resume::None, |run| Resume::Offered(Rc::new(run)));
}
