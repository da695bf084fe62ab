// The mapping editor of <segment-backfill-import>: the message type, where
// the other columns go, and each rule as a row (a column or a fixed value →
// a Segment field, read as a type), rows added and removed. It says plainly
// what the mapping lacks before anything is checked (the core's mappingGaps:
// a track needs an identity and an event), and which rows are not complete. The mapping it
// gives is the package's mapping JSON, the one the CLI reads.
import { Importer, mappingGaps } from "./index.js";
import { h, fill, append } from "./element-dom.js";

const CALL_TYPES = ["track", "identify", "page", "screen", "group", "alias"];
/** The type select's option for a mapping whose type comes from a column. */
const TYPE_FROM_DATA = "";
const KINDS = ["string", "number", "integer", "boolean", "json", "timestamp"];
const RESTS = [
  ["properties", "properties"],
  ["traits", "traits"],
  ["context", "context"],
  ["ignore", "nowhere (not sent)"],
];
/** Segment fields offered while typing where a rule writes. */
const FIELDS = [
  "userId", "anonymousId", "event", "timestamp", "name", "category", "groupId", "previousId",
  "messageId", "type", "properties.", "traits.", "context.",
];
/** The From select's option for a fixed value (no column has this name). */
const FIXED = "\u0000fixed";
/** A rule's options that hold only for some types (the core refuses them elsewhere). */
const OPTIONS_OF = {
  format: ["timestamp"],
  timezone: ["timestamp"],
  dateOrder: ["timestamp"],
  decimal: ["number", "integer"],
  thousands: ["number", "integer"],
  invalid: ["number", "integer", "boolean", "json", "timestamp"],
};

/** How to fill a field the core says no rule writes (mappingGaps), for its notice. */
const ADVICE = {
  userId: "Map the column that identifies the person to userId (or a device id to anonymousId).",
  event: "Map the column holding the event name to event, or give one fixed name for every row.",
  groupId: "Map the column holding the group's id to groupId.",
  previousId: "Map the column holding the earlier id to previousId.",
};

/** A gap's notice: which field no rule writes, what every row would get, how to fill it. */
function gapText(gap, type) {
  const fields = gap.code === "missing_identity" && type !== "alias" ? "userId or anonymousId" : gap.field;
  return `No rule writes ${fields}, so every row would be rejected (${gap.code}: ${gap.reason}). ${ADVICE[gap.field] ?? ""}`.trim();
}

const isBlank = (v) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");
const ruleSource = (rule) => ("value" in rule ? FIXED : rule.from ?? "");

/** A rule in the editor: the rule as the mapping has it, and what the editor said of it. */
class Row {
  constructor(rule) {
    this.rule = { ...rule };
    /** Options dropped when the type changed, said under the row. */
    this.dropped = [];
  }
  get complete() {
    return !this.missing().length;
  }
  /** What the row lacks, in words. */
  missing() {
    const out = [];
    const source = ruleSource(this.rule);
    if (source === "") out.push("choose a column or a fixed value");
    else if (source === FIXED && isBlank(this.rule.value)) out.push("type the fixed value");
    if (isBlank(this.rule.to)) out.push("name the Segment field it writes");
    return out;
  }
  /** The rule as the mapping JSON writes it: source, to, as, then the rest. */
  toJSON() {
    const { from, value, to, as, ...rest } = this.rule;
    const out = "value" in this.rule ? { value } : { from };
    out.to = to.trim();
    if (as !== undefined) out.as = as;
    return Object.assign(out, rest);
  }
}

export class MappingEditor {
  /** `onChange(committed)`: after every edit; `committed` is false while a text field is being typed in. */
  constructor(onChange) {
    this.onChange = onChange;
    this.root = h("div", { class: "mapping-editor" });
    this.headers = [];
    this.format = "csv";
    this.origin = "suggested";
    this.asMessages = false;
    this.type = "track";
    this.rest = "properties";
    /** Top-level keys the editor has no control for (integrations, missing, replay): kept as they are. */
    this.extra = {};
    this.rows = [];
  }

  /** Shows `mapping` (null: the records are messages) for a file of `headers` in `format`. */
  load(mapping, { headers, format, origin }) {
    this.headers = headers;
    this.format = format;
    this.origin = origin;
    this.asMessages = mapping === null;
    const { type, rules = [], rest = "ignore", ...extra } = mapping ?? { type: "track", rules: [], rest: "properties" };
    this.type = type ?? TYPE_FROM_DATA;
    this.rest = rest;
    this.extra = extra;
    this.rows = rules.map((r) => new Row(r));
    this.render();
  }

  /** The mapping: complete rows only (incomplete ones are in `problems`), or null for records sent as they are. */
  get mapping() {
    if (this.asMessages) return null;
    const out = {};
    if (this.type !== TYPE_FROM_DATA) out.type = this.type;
    out.rules = this.rows.filter((r) => r.complete).map((r) => r.toJSON());
    out.rest = this.rest;
    return Object.assign(out, this.extra);
  }

  /** What stops a check: rows not complete, columns the file lacks, what the core refuses. */
  get problems() {
    if (this.asMessages) return [];
    const out = [];
    this.rows.forEach((row, i) => {
      const lacks = row.missing();
      if (lacks.length) out.push(`Rule ${i + 1}: ${lacks.join(", and ")}.`);
      const from = row.rule.from;
      if (this.format === "csv" && "from" in row.rule && !isBlank(from) && !this.headers.includes(from)) {
        out.push(`Rule ${i + 1} reads the column "${from}", which the file does not have.`);
      }
    });
    if (out.length) return out;
    try {
      new Importer(this.mapping).free();
    } catch (e) {
      out.push(`The mapping is refused: ${e.message}`);
    }
    return out;
  }

  /** Notices of what the mapping lacks: rows would be rejected, but a check may run. */
  get gaps() {
    if (this.asMessages) return [];
    try {
      return mappingGaps(this.mapping);
    } catch {
      return []; // a mapping the core refuses: `problems` says why
    }
  }

  render() {
    fill(this.root,
      h("p", { class: "muted" },
        this.origin === "page"
          ? "The mapping this page set. Edit it as you need."
          : "Suggested from the file's columns. Edit it as you need: the check below reads every row with it."),
      this.format !== "csv" ? this.#messagesToggle() : null,
      this.asMessages ? h("p", { class: "note" },
        "Each record is sent as the Segment message it is (its type, userId or anonymousId, event…); a record without them is rejected.")
        : [this.#header(), this.#table(), this.#datalist()],
      h("div", { class: "notices", "aria-live": "polite", part: "mapping-notices" }),
    );
    this.#notices();
  }

  #messagesToggle() {
    return h("label", { class: "check-label" },
      h("input", {
        type: "checkbox",
        checked: this.asMessages,
        onchange: (e) => {
          this.asMessages = e.target.checked;
          this.render();
          this.onChange(true);
        },
      }),
      " The records are Segment messages already: send each as it is (no mapping)");
  }

  #header() {
    const type = h("select", {
      part: "select",
      onchange: (e) => {
        this.type = e.target.value;
        this.#changed(true);
      },
    },
    CALL_TYPES.map((t) => h("option", { value: t, selected: t === this.type }, t)),
    h("option", { value: TYPE_FROM_DATA, selected: this.type === TYPE_FROM_DATA }, "from a column (a rule writes type)"));
    const rest = h("select", {
      part: "select",
      onchange: (e) => {
        this.rest = e.target.value;
        this.#changed(true);
      },
    }, RESTS.map(([v, label]) => h("option", { value: v, selected: v === this.rest }, label)));
    return h("div", { class: "fields-row" },
      h("label", {}, h("span", {}, "Message type"), type),
      h("label", {}, h("span", {}, "Columns no rule names go to"), rest));
  }

  #table() {
    this.tbody = h("tbody", {}, this.rows.map((row, i) => this.#row(row, i)));
    return h("div", { class: "rules" },
      h("table", { part: "rules" },
        h("caption", { class: "visually-hidden" }, "Rules: each writes one Segment field"),
        h("thead", {}, h("tr", {},
          h("th", { scope: "col" }, "#"),
          h("th", { scope: "col" }, "From (a column, or a fixed value)"),
          h("th", { scope: "col" }, "To (Segment field)"),
          h("th", { scope: "col" }, "As"),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Remove")))),
        this.tbody),
      h("button", { type: "button", part: "button add-rule", class: "secondary", onclick: () => this.addRule({ from: "", to: "" }) },
        "Add a rule"));
  }

  #datalist() {
    return h("datalist", { id: "sb-fields" }, FIELDS.map((f) => h("option", { value: f })));
  }

  #row(row, i) {
    const n = i + 1;
    const rule = row.rule;
    const source = ruleSource(rule);
    const columns = [...this.headers];
    if (source !== FIXED && source !== "" && !columns.includes(source)) columns.push(source);
    const from = h("select", {
      part: "select",
      "aria-label": `Rule ${n}: from`,
      "data-focus": "from",
      onchange: (e) => {
        if (e.target.value === FIXED) {
          delete rule.from;
          rule.value = rule.value ?? "";
        } else {
          delete rule.value;
          rule.from = e.target.value;
        }
        this.#replaceRow(i, e.target.value === FIXED ? "value" : "from");
        this.#changed(true);
      },
    },
    h("option", { value: "", selected: source === "", disabled: true }, "Choose a column…"),
    columns.map((c) => h("option", { value: c, selected: c === source },
      this.headers.includes(c) ? c : `${c} (not in the file)`)),
    h("option", { value: FIXED, selected: source === FIXED }, "A fixed value…"));
    const value = source === FIXED
      ? h("input", {
        type: "text",
        part: "input",
        "aria-label": `Rule ${n}: fixed value`,
        "data-focus": "value",
        placeholder: "the same for every row",
        value: typeof rule.value === "string" ? rule.value : JSON.stringify(rule.value),
        oninput: (e) => {
          rule.value = e.target.value;
          this.#changed(false);
        },
        onchange: () => this.#changed(true),
      })
      : null;
    const as = h("select", {
      part: "select",
      "aria-label": `Rule ${n}: as`,
      "data-focus": "as",
      onchange: (e) => {
        this.#setKind(row, e.target.value);
        this.#replaceRow(i, "as");
        this.#changed(true);
      },
    }, KINDS.map((k) => h("option", { value: k, selected: k === (rule.as ?? "string") }, k)));
    const to = h("input", {
      type: "text",
      part: "input",
      "aria-label": `Rule ${n}: to (Segment field)`,
      "data-focus": "to",
      list: "sb-fields",
      placeholder: "userId, event, properties.total…",
      value: rule.to ?? "",
      autocomplete: "off",
      spellcheck: "false",
      oninput: (e) => {
        rule.to = e.target.value;
        this.#changed(false);
      },
      onchange: () => {
        // The core reads a timestamp only as one: say so by choosing it.
        if (rule.to.trim() === "timestamp" && rule.as !== "timestamp") {
          this.#setKind(row, "timestamp");
          as.value = "timestamp";
        }
        this.#changed(true);
      },
    });
    const options = Object.entries(rule).filter(([k]) => !["from", "value", "to", "as"].includes(k));
    return h("tr", { part: "rule", class: row.complete ? null : "incomplete" },
      h("th", { scope: "row" }, String(n)),
      h("td", { class: "from" }, from, value),
      h("td", {}, to,
        options.length ? h("div", { class: "muted small" }, `also: ${options.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(", ")}`) : null,
        row.dropped.length ? h("div", { class: "muted small" }, `dropped (they apply to other types): ${row.dropped.join(", ")}`) : null),
      h("td", {}, as),
      h("td", {}, h("button", {
        type: "button",
        part: "button remove-rule",
        class: "icon",
        "aria-label": `Remove rule ${n}`,
        title: `Remove rule ${n}`,
        onclick: () => this.#removeRow(i),
      }, "✕")));
  }

  /** Sets a row's type, dropping the options that hold only for others. */
  #setKind(row, kind) {
    const rule = row.rule;
    rule.as = kind;
    for (const [option, kinds] of Object.entries(OPTIONS_OF)) {
      if (option in rule && !kinds.includes(kind)) {
        row.dropped.push(`${option} ${JSON.stringify(rule[option])}`);
        delete rule[option];
      }
    }
  }

  /** Adds a rule and puts the focus on its first empty control. */
  addRule(rule) {
    this.asMessages = false;
    this.rows.push(new Row(rule));
    const at = this.rows.length - 1;
    if (!this.tbody) this.render();
    else this.tbody.append(this.#row(this.rows[at], at));
    this.#focus(at, "from");
    this.#changed(true);
  }

  #replaceRow(i, focus) {
    const old = this.tbody.children[i];
    old.replaceWith(this.#row(this.rows[i], i));
    this.#focus(i, focus);
  }

  #removeRow(i) {
    this.rows.splice(i, 1);
    fill(this.tbody, this.rows.map((row, at) => this.#row(row, at)));
    const next = this.tbody.children[Math.min(i, this.rows.length - 1)];
    (next?.querySelector("button") ?? this.root.querySelector("button[part~=add-rule]"))?.focus();
    this.#changed(true);
  }

  #focus(i, control) {
    this.tbody.children[i]?.querySelector(`[data-focus=${control}]`)?.focus();
  }

  #changed(committed) {
    this.rows.forEach((row, i) => this.tbody?.children[i]?.classList.toggle("incomplete", !row.complete));
    this.#notices();
    this.onChange(committed);
  }

  /** Says what the mapping lacks, what blocks a check, and where the other columns go. */
  #notices() {
    const box = this.root.querySelector(".notices");
    if (!box) return;
    box.replaceChildren();
    if (this.asMessages) return;
    for (const gap of this.gaps) {
      append(box, [h("div", { class: "banner warn with-action", part: "notice" },
        h("p", {}, gapText(gap, this.type)),
        h("button", {
          type: "button",
          part: "button",
          class: "secondary small",
          onclick: () => this.addRule({ from: "", to: gap.field }),
        }, `Add ${gap.field === "event" ? "an" : "a"} ${gap.field} rule`))]);
    }
    for (const problem of this.problems) {
      append(box, [h("p", { class: "banner error", part: "notice" }, problem)]);
    }
    const named = new Set(this.rows.map((r) => r.rule.from).filter(Boolean));
    const others = this.headers.filter((c) => !named.has(c));
    if (others.length && this.format === "csv") {
      append(box, [h("p", { class: "muted" },
        this.rest === "ignore"
          ? `Not sent (no rule names them): ${others.join(", ")}.`
          : `Columns no rule names go to ${this.rest}: ${others.join(", ")}.`)]);
    }
  }
}
