// <segment-backfill-import>: the whole import as one custom element, no
// framework. Pick a file (inspectFile on the page), edit the suggested
// mapping (element-mapping.js), check every row (checkFilesInWorker), send
// with progress, pause and cancel, resume from the last checkpoint
// (importFileInWorker), and the reconciliation (element-views.js).
// Importing this module defines the element, so one script tag is enough:
//   <script type="module" src=".../segment-backfill/element.js"></script>
//
// Events (all bubble and cross the shadow boundary): `mapped` ({ mapping,
// problems }), `checked` (the check), `progress` (the progress), `done`
// (the report), `failed` ({ code, message }). docs/element.md has the rest.
import init, { inspectFile, suggestMapping, checkFilesInWorker, importFileInWorker, targets } from "./index.js";
import { STYLES } from "./element-styles.js";
import { MappingEditor } from "./element-mapping.js";
import { h, fill, plural } from "./element-dom.js";
import { fileSummary, preview, checkSummary, progressText, reconciliation, ROWS_SHOWN } from "./element-views.js";

export const TAG = "segment-backfill-import";

/** Said beside Check while the mapping cannot be checked (the editor says why). */
const INCOMPLETE = "Complete the mapping above first.";
/** Said beside Check and Start while an object the page gave arrived as attribute text (the banner says which). */
const NOT_ARRIVED = "The page's mapping or options did not arrive: see the message above.";

/**
 * The properties that take objects, by the attribute a framework writes
 * instead when it renders the tag before this module defined the element:
 * React 19 and Vue 3 set a property only when the element has it (`in`),
 * else an attribute, "[object Object]" (HTML lower-cases its name). The
 * element reads no object from an attribute: it says so, with the code the
 * package gives such a value, until the page sets the property.
 */
const OBJECT_ATTRIBUTES = {
  mapping: { property: "mapping", code: "invalid_mapping" },
  importoptions: { property: "importOptions", code: "invalid_options" },
  // Kebab case (Vue's `:import-options`) names no property: an attribute even once defined.
  "import-options": { property: "importOptions", code: "invalid_options" },
};

const ACCEPT = ".csv,.tsv,.tab,.psv,.txt,.json,.ndjson,.jsonl,.gz,.xlsx,.xlsm,.xlsb,.xls,.ods,.parquet";

/** The core's targets (labels, endpoints), asked once the package is loaded. */
let knownTargets;

/** The core's description of the target `id`. */
function targetInfo(id) {
  try {
    knownTargets ??= targets();
  } catch {
    return undefined; // not loaded yet: the send step shows only after a file is read
  }
  return knownTargets.find((t) => t.id === id);
}

/**
 * The package's wasm, loaded once per page for inspectFile, suggestMapping
 * and the editor's words (mappingGaps, targets, describeReading); a failed
 * load is tried again.
 */
let loading;
function loaded() {
  loading ??= init().catch((e) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

/** What the section of a step looks like: a numbered heading, then its content. */
function section(name, n, title, ...children) {
  return h("section", { part: `section ${name}`, "aria-labelledby": `sb-${name}-h`, hidden: n > 1 },
    h("h3", { id: `sb-${name}-h` }, h("span", { class: "step", "aria-hidden": "true" }, String(n)), title),
    children);
}

export class SegmentBackfillImportElement extends HTMLElement {
  static get observedAttributes() {
    return ["write-key", "endpoint", "target", "key-check", "settings-url", ...Object.keys(OBJECT_ATTRIBUTES)];
  }

  #ui = {};
  #editor = new MappingEditor((committed) => this.#mappingChanged(committed));
  /** The picked file, and what inspectFile found in it. */
  #file = null;
  #found = null;
  #sheet = undefined;
  /** The mapping the page set (`mapping = ...`), used for every file picked; undefined: the suggestion. */
  #preset = undefined;
  /** The last check and the mapping, sheet and target it was made with. */
  #check = null;
  /** The send under way: its AbortController and start time. */
  #run = null;
  #paused = false;
  /** The last checkpoint of a run that did not finish: what Resume passes as resumeFrom. */
  #checkpoint = null;
  /** A check under way. */
  #checking = false;
  /** A send of this file ended with every row accounted for. */
  #sent = false;
  #importOptions = {};
  /** The objects that came as attribute text (see OBJECT_ATTRIBUTES), by property: { code, message }. */
  #notArrived = new Map();

  constructor() {
    super();
    this.attachShadow({ mode: "open" }).append(h("style", {}, STYLES), this.#build());
    // Properties set on the tag before this module defined the element (Svelte 5
    // does so for objects, as may a page) are the tag's own and would hide the
    // accessors: they go through the setters instead.
    for (const name of ["mapping", "importOptions"]) {
      if (Object.hasOwn(this, name)) {
        const value = this[name];
        delete this[name];
        this[name] = value;
      }
    }
  }

  /** The mapping: the editor's (complete rules only), or the one the page set before a file was picked. */
  get mapping() {
    return this.#found ? this.#editor.mapping : (this.#preset ?? null);
  }

  /**
   * Sets the mapping (an object, its JSON text, or null for records that are
   * messages) for this file and the next ones. The mapping it last set, set
   * again (equal as JSON: a framework's re-render with a new but equal
   * object), changes nothing, so it does not undo the user's edits.
   */
  set mapping(value) {
    const preset = typeof value === "string" ? JSON.parse(value) : value;
    this.#arrived("mapping");
    if (this.#preset !== undefined && JSON.stringify(preset) === JSON.stringify(this.#preset)) return;
    this.#preset = preset;
    if (this.#found) {
      this.#editor.load(this.#preset ?? null, this.#editorSource("page"));
      this.#mappingChanged(true);
    }
  }

  /** More options for the send (`auth`, `concurrency`, `ratePerSecond`, ...), passed to importFileInWorker as they are. */
  get importOptions() {
    return this.#importOptions;
  }

  set importOptions(value) {
    this.#importOptions = value ?? {};
    this.#arrived("importOptions");
  }

  /** The file picked, if any. */
  get file() {
    return this.#file;
  }

  attributeChangedCallback(name, old, value) {
    const object = OBJECT_ATTRIBUTES[name];
    if (object && value !== null) this.#cameAsText(name, value, object);
    // A check made for another target is out of date: #updateCheck says so.
    this.#updateCheck();
  }

  /** An object the page meant as a property came as attribute text: said, dispatched as `failed`, and no check until it arrives. */
  #cameAsText(attribute, value, { property, code }) {
    const message = `${property} came as the attribute ${attribute}="${value}", which the element does not read: ` +
      `it takes ${property} as a property (an object). A framework writes the attribute when it renders the tag ` +
      "before element.js has defined the element: import segment-backfill/element.js before the first render.";
    this.#notArrived.set(property, { code, message });
    this.#showNotArrived();
    this.#emit("failed", { code, message });
  }

  /** The page set `property`: whatever came as text before is superseded. */
  #arrived(property) {
    if (this.#notArrived.delete(property)) {
      this.#showNotArrived();
      this.#updateCheck();
    }
  }

  #showNotArrived() {
    fill(this.#ui.notArrived, [...this.#notArrived.values()].map(({ code, message }) =>
      this.#errorBanner("The page's settings did not arrive:", code, message)));
  }

  #build() {
    const ui = this.#ui;
    ui.input = h("input", {
      type: "file",
      accept: ACCEPT,
      "aria-describedby": "sb-formats",
      onchange: () => this.#pick(ui.input.files),
    });
    ui.dropTitle = h("span", { class: "title" }, "Choose a file");
    ui.drop = h("label", {
      class: "drop",
      part: "drop-zone",
      ondragover: (e) => {
        e.preventDefault();
        ui.drop.classList.add("over");
      },
      ondragleave: () => ui.drop.classList.remove("over"),
      ondrop: (e) => {
        e.preventDefault();
        ui.drop.classList.remove("over");
        this.#pick(e.dataTransfer?.files);
      },
    }, ui.input, ui.dropTitle, h("span", { class: "muted" }, "or drop it here"),
    h("span", { class: "formats", id: "sb-formats" },
      "CSV, TSV, NDJSON or JSON (also gzipped), Excel (.xlsx, .xls), OpenDocument (.ods), Parquet"));
    ui.pickError = h("div", { class: "error-slot", role: "alert" });
    ui.fileInfo = h("div", { "aria-live": "polite" });
    ui.preview = h("div");
    ui.pick = section("pick", 1, "Pick a file", ui.drop, ui.pickError, ui.fileInfo, ui.preview);

    ui.mapping = section("mapping", 2, "Map the columns to Segment", this.#editor.root);

    ui.checkButton = h("button", { type: "button", part: "button primary-button check-button", onclick: () => this.#runCheck() },
      "Check every row");
    ui.checkStatus = h("span", { role: "status", class: "muted" });
    ui.checkError = h("div", { class: "error-slot", role: "alert" });
    ui.checkStale = h("p", { class: "banner warn", hidden: true },
      "The mapping changed since this check: check again before sending.");
    ui.checkResult = h("div");
    ui.check = section("check", 3, "Check",
      h("p", { class: "muted" }, "Reads every row with the mapping above and says what would be sent and what rejected, and why. Nothing is sent."),
      h("div", { class: "row" }, ui.checkButton, ui.checkStatus), ui.checkError, ui.checkStale, ui.checkResult);

    ui.destination = h("p", { class: "destination" });
    ui.key = h("input", {
      type: "password",
      part: "input write-key",
      autocomplete: "off",
      spellcheck: "false",
      oninput: () => this.#updateSend(),
    });
    ui.keyField = h("label", {}, h("span", {}, "Write key"), ui.key);
    ui.keyGiven = h("p", { class: "muted" }, "Write key: given by this page.");
    ui.start = h("button", { type: "button", part: "button primary-button start-button", onclick: () => this.#send() }, "Start");
    ui.pause = h("button", {
      type: "button",
      class: "secondary",
      part: "button pause-button",
      "aria-pressed": "false",
      hidden: true,
      onclick: () => this.#togglePause(),
    }, "Pause");
    ui.cancel = h("button", { type: "button", class: "secondary", part: "button cancel-button", hidden: true, onclick: () => this.#cancel() },
      "Cancel");
    ui.resume = h("button", {
      type: "button",
      part: "button primary-button resume-button",
      hidden: true,
      onclick: () => this.#send(this.#checkpoint),
    }, "Resume from where it stopped");
    ui.sendHint = h("span", { class: "muted small" });
    ui.bar = h("progress", { max: "1", "aria-label": "Import progress", part: "progress", hidden: true });
    ui.progressLine = h("p", { class: "progress-line", hidden: true });
    ui.sendStatus = h("p", { role: "status" });
    ui.sendError = h("div", { class: "error-slot", role: "alert" });
    ui.send = section("send", 4, "Send",
      h("div", { class: "send-grid" }, ui.destination, ui.keyField, ui.keyGiven),
      h("div", { class: "row" }, ui.start, ui.resume, ui.pause, ui.cancel, ui.sendHint),
      ui.bar, ui.progressLine, ui.sendStatus, ui.sendError);

    ui.reportBody = h("div", { "aria-live": "polite" });
    ui.report = section("report", 5, "Result", ui.reportBody);
    ui.notArrived = h("div", { class: "error-slot", role: "alert" });
    return h("div", { part: "container" }, ui.notArrived, ui.pick, ui.mapping, ui.check, ui.send, ui.report);
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #errorBanner(title, code, message) {
    return h("div", { class: "banner error", part: "error", "data-code": code },
      h("p", {}, h("strong", {}, `${title} `), message, " ", h("code", {}, `(${code})`)));
  }

  /** Shows an error where it happened and dispatches `failed`. */
  #fail(slot, title, error) {
    const code = error?.code ?? "internal";
    const message = error?.message ?? String(error);
    fill(slot, this.#errorBanner(title, code, message));
    this.#emit("failed", { code, message });
  }

  #editorSource(origin) {
    return { headers: this.#found.headers, format: this.#found.settings.format, origin };
  }

  async #pick(files) {
    const file = files?.[0];
    // The pick zone is inert while a check or a send reads the file.
    if (!file || this.#run || this.#checking) return;
    const ui = this.#ui;
    this.#file = file;
    this.#sheet = undefined;
    this.#found = null;
    ui.pick.classList.add("picked");
    ui.dropTitle.textContent = "Choose another file";
    this.#forgetResults();
    await this.#inspect();
  }

  /** Another file or sheet: its check, sends and checkpoint are gone with the old one. */
  #forgetResults() {
    const ui = this.#ui;
    this.#check = null;
    this.#checkpoint = null;
    this.#sent = false;
    for (const s of [ui.mapping, ui.check, ui.send, ui.report]) s.hidden = true;
    for (const slot of [ui.checkResult, ui.reportBody, ui.checkError, ui.sendError]) fill(slot);
    ui.sendStatus.textContent = ui.checkStatus.textContent = "";
    ui.bar.hidden = ui.progressLine.hidden = true;
  }

  /**
   * Reads the file's first rows (the sheet chosen, for a workbook), then
   * shows the mapping for it. A file picked meanwhile wins: what this one
   * found is dropped.
   */
  async #inspect() {
    const ui = this.#ui;
    const file = this.#file;
    const sheet = this.#sheet;
    fill(ui.pickError);
    fill(ui.fileInfo, h("p", { class: "muted" }, `Reading ${file.name}…`));
    fill(ui.preview);
    try {
      await loaded();
      const found = await inspectFile(file, sheet === undefined ? undefined : { sheet });
      if (file !== this.#file || sheet !== this.#sheet) return;
      this.#found = found;
      fill(ui.fileInfo, fileSummary(file, found, (sheet) => {
        this.#sheet = sheet;
        this.#found = null;
        this.#forgetResults();
        this.#inspect();
      }));
      fill(ui.preview, preview(found.headers, found.rows));
      const preset = this.#preset !== undefined;
      this.#editor.load(preset ? this.#preset : this.#suggest(found), this.#editorSource(preset ? "page" : "suggested"));
      ui.mapping.hidden = ui.check.hidden = false;
      this.#mappingChanged(true);
    } catch (e) {
      if (file !== this.#file || sheet !== this.#sheet) return;
      fill(ui.fileInfo);
      this.#fail(ui.pickError, `${file.name} cannot be imported:`, e);
    } finally {
      this.#updateCheck();
    }
  }

  /** The suggestion; none for Segment's own archives, whose records are messages to replay. */
  #suggest(found) {
    if (found.archive && found.settings.format !== "csv") return null;
    return suggestMapping(found.headers, found.rows, found.settings);
  }

  /** What a check is valid for: the mapping, the sheet and the target. */
  #checkKey() {
    return JSON.stringify([this.#editor.mapping, this.#sheet ?? null, this.getAttribute("target")]);
  }

  #mappingChanged(committed) {
    this.#updateCheck();
    if (committed) this.#emit("mapped", { mapping: this.#editor.mapping, problems: this.#editor.problems });
  }

  #updateCheck() {
    const ui = this.#ui;
    const problems = this.#found ? this.#editor.problems : ["no file"];
    const notArrived = this.#notArrived.size > 0;
    ui.checkButton.disabled = this.#checking || !!this.#run || problems.length > 0 || notArrived;
    ui.checkButton.textContent = this.#check ? "Check again" : "Check every row";
    if (this.#found && !this.#checking) {
      const why = notArrived ? NOT_ARRIVED : problems.length ? INCOMPLETE : "";
      if (why) ui.checkStatus.textContent = why;
      else if ([INCOMPLETE, NOT_ARRIVED].includes(ui.checkStatus.textContent)) ui.checkStatus.textContent = "";
    }
    ui.checkStale.hidden = !this.#check || this.#check.key === this.#checkKey();
    ui.checkResult.classList.toggle("stale", !ui.checkStale.hidden);
    this.#updateSend();
  }

  async #runCheck() {
    const ui = this.#ui;
    const key = this.#checkKey();
    const target = this.getAttribute("target");
    const options = { maxRejectedRows: ROWS_SHOWN };
    if (target) options.target = target;
    if (this.#sheet !== undefined) options.sheet = this.#sheet;
    this.#checking = true;
    this.#check = null;
    // No other file while the check reads this one.
    ui.pick.inert = true;
    fill(ui.checkError);
    fill(ui.checkResult);
    this.#updateCheck();
    ui.checkStatus.textContent = "Checking every row… nothing is sent.";
    const started = performance.now();
    try {
      const check = await checkFilesInWorker([{ name: this.#file.name, file: this.#file }], this.#editor.mapping, options);
      this.#check = { result: check, key };
      fill(ui.checkResult, checkSummary(check));
      ui.checkStatus.textContent = `Checked ${plural(check.rows, "row", "rows")} in ${((performance.now() - started) / 1000).toFixed(1)} s.`;
      ui.send.hidden = false;
      this.#emit("checked", check);
    } catch (e) {
      ui.checkStatus.textContent = "";
      this.#fail(ui.checkError, "The check failed:", e);
    } finally {
      this.#checking = false;
      ui.pick.inert = false;
      this.#updateCheck();
    }
  }

  #writeKey() {
    return this.getAttribute("write-key") ?? this.#ui.key.value;
  }

  #updateSend() {
    const ui = this.#ui;
    if (!ui.start) return;
    const target = this.getAttribute("target");
    const endpoint = this.getAttribute("endpoint") ?? targetInfo(target ?? "segment-us")?.endpoint;
    const id = target ?? (this.hasAttribute("endpoint") ? "custom" : "segment-us");
    const label = id === "custom" ? "a custom endpoint" : (targetInfo(id)?.label ?? id);
    fill(ui.destination, endpoint
      ? ["Sends to ", h("code", {}, endpoint), ` · ${label}`]
      : h("span", { class: "bad-text" }, `No endpoint: ${label} needs the endpoint attribute.`));
    const given = this.hasAttribute("write-key");
    ui.keyField.hidden = given;
    ui.keyGiven.hidden = !given;
    const running = !!this.#run;
    const current = this.#check && this.#check.key === this.#checkKey();
    const why = running ? ""
      : this.#notArrived.size ? NOT_ARRIVED
      : !this.#check ? "Run the check first."
        : !current ? "Check the changed mapping first."
          : this.#check.result.valid === 0 ? "No valid row to send."
            : this.#writeKey() === "" ? "Enter the write key."
              : "";
    ui.start.hidden = running;
    ui.start.disabled = why !== "";
    // After a stop, Resume is the way on: starting over is offered beside it, quieter.
    ui.start.textContent = this.#checkpoint ? "Start over" : this.#sent ? "Send again" : "Start";
    ui.start.classList.toggle("secondary", !!this.#checkpoint);
    ui.sendHint.textContent = why || (this.#sent && !this.#checkpoint
      ? "Sending again is safe: each row keeps its messageId, so Segment drops the repeats." : "");
    ui.key.disabled = running;
    ui.pause.hidden = ui.cancel.hidden = !running;
    ui.resume.hidden = running || !this.#checkpoint;
    ui.resume.disabled = !current || this.#writeKey() === "" || this.#notArrived.size > 0;
  }

  #sendOptions() {
    const options = { ...this.#importOptions };
    for (const [attribute, option] of [["endpoint", "endpoint"], ["target", "target"], ["settings-url", "settingsUrl"]]) {
      const value = this.getAttribute(attribute);
      if (value !== null) options[option] = value;
    }
    if (this.getAttribute("key-check") === "false") options.keyCheck = false;
    if (this.#sheet !== undefined) options.sheet = this.#sheet;
    options.writeKey = this.#writeKey();
    return options;
  }

  /** Sends the file; with `resumeFrom`, from a stopped run's checkpoint. */
  async #send(resumeFrom) {
    const ui = this.#ui;
    const controller = new AbortController();
    const started = performance.now();
    this.#run = { controller };
    this.#paused = false;
    this.#setPauseButton();
    for (const s of [ui.pick, ui.mapping, ui.check]) s.inert = true;
    fill(ui.sendError);
    fill(ui.reportBody);
    ui.report.hidden = true;
    ui.bar.hidden = ui.progressLine.hidden = false;
    ui.bar.removeAttribute("value");
    ui.progressLine.textContent = "";
    ui.cancel.disabled = false;
    ui.sendStatus.textContent = resumeFrom ? "Resuming: rows delivered before are skipped…" : "Sending…";
    this.#updateCheck();
    const options = {
      ...this.#sendOptions(),
      signal: controller.signal,
      paused: () => this.#paused,
      onProgress: (p) => {
        if (p.checkpoint) this.#checkpoint = p.checkpoint;
        const { text, share } = progressText(p, this.#check?.result.rows);
        ui.progressLine.textContent = text;
        if (share === null) ui.bar.removeAttribute("value");
        else ui.bar.value = share;
        this.#emit("progress", p);
      },
    };
    if (resumeFrom) options.resumeFrom = resumeFrom;
    try {
      const report = await importFileInWorker(this.#file, this.#editor.mapping, options);
      const finished = report.complete && report.undelivered === 0;
      this.#sent = finished;
      this.#checkpoint = finished ? null : (report.checkpoint ?? this.#checkpoint);
      ui.bar.value = 1;
      ui.sendStatus.textContent = finished
        ? `Done: ${plural(report.delivered, "row", "rows")} delivered.`
        : `Stopped with ${plural(report.undelivered, "row", "rows")} not delivered${this.#checkpoint ? ": resume to send them." : "."}`;
      fill(ui.reportBody, reconciliation(report, performance.now() - started));
      ui.report.hidden = false;
      this.#emit("done", report);
    } catch (e) {
      ui.sendStatus.textContent = this.#checkpoint ? "Stopped: resume from the last checkpoint, or start over." : "";
      ui.bar.hidden = ui.progressLine.hidden = !this.#checkpoint;
      this.#fail(ui.sendError, ui.progressLine.textContent ? "The import failed:" : "The import did not start:", e);
    } finally {
      this.#run = null;
      for (const s of [ui.pick, ui.mapping, ui.check]) s.inert = false;
      this.#updateCheck();
    }
  }

  #setPauseButton() {
    const ui = this.#ui;
    ui.pause.textContent = this.#paused ? "Resume" : "Pause";
    ui.pause.setAttribute("aria-pressed", String(this.#paused));
  }

  #togglePause() {
    if (!this.#run) return;
    this.#paused = !this.#paused;
    this.#setPauseButton();
    this.#ui.sendStatus.textContent = this.#paused
      ? "Paused: requests already out finish, nothing new is sent."
      : "Sending again.";
  }

  #cancel() {
    if (!this.#run) return;
    this.#run.controller.abort();
    this.#ui.cancel.disabled = true;
    this.#ui.sendStatus.textContent = "Cancelling: requests already out finish, nothing new is sent…";
  }
}

if (typeof customElements !== "undefined" && !customElements.get(TAG)) {
  customElements.define(TAG, SegmentBackfillImportElement);
}
