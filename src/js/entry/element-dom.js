// DOM building and number wording shared by the element's modules
// (element.js, element-mapping.js, element-views.js). No framework: `h`
// makes an element from a tag, its properties and its children. Text from
// files always goes in as text nodes, never as HTML.

/** Properties set as properties (not attributes), so they stay live. */
const PROPS = new Set(["value", "checked", "disabled", "hidden", "selected", "multiple", "open", "indeterminate"]);

/**
 * `h("button", { part: "button", onclick: f, "aria-label": "Remove" }, "×")`.
 * `class` sets the class list; `on<event>` with a function adds a listener;
 * `null`, `undefined` and `false` values leave the attribute out.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    } else if (PROPS.has(key)) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children: nodes, text (strings and numbers), arrays of them; skips null and false. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const NUMBER = new Intl.NumberFormat("en-US");

/** `12,345`. */
export const count = (n) => NUMBER.format(n ?? 0);

/** `1 row`, `2,345 rows`. */
export const plural = (n, one, many) => `${count(n)} ${n === 1 ? one : many}`;

/** `385 B`, `1.2 MB`. */
export function bytes(n) {
  if (n < 1000) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `row 12`, `rows 12–40`. */
export const rowRange = (from, to) => (from === to ? `row ${count(from)}` : `rows ${count(from)}–${count(to)}`);

/** `0.4 s`, `12 s`, `2 min 5 s`. */
export function duration(ms) {
  if (ms < 9950) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}
