// Shared by the tests of <segment-backfill-import> (element.test.mjs on a
// plain page, element-frameworks.test.mjs in React, Vue and Svelte apps):
// what the element shows, read through its open shadow DOM as Playwright
// pierces it, the page's console, and screenshots.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { root } from "./helpers.mjs";

export const SHOTS = join(root, "test-output/screenshots");

/** Saves a full-page screenshot to test-output/screenshots/element-<name>.png. */
export function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  return page.screenshot({ path: join(SHOTS, `element-${name}.png`), fullPage: true });
}

/**
 * The page's console messages of the given `types` ("error", "warning")
 * and its uncaught errors, as { type, text, url }, gathered from now on
 * (shown under DEBUG).
 */
export function consoleOf(page, types = ["error"]) {
  const seen = [];
  page.on("console", (m) => {
    if (process.env.DEBUG) console.log("page:", m.text());
    if (types.includes(m.type())) seen.push({ type: m.type(), text: m.text(), url: m.location().url });
  });
  page.on("pageerror", (e) => seen.push({ type: "pageerror", text: e.message, url: "" }));
  return seen;
}

/** The counts a section of the element shows, by tile: { rows, valid, rejected, ... }. */
export function tiles(page, sectionPart) {
  return page.locator(`segment-backfill-import section[part~="${sectionPart}"] [data-tile]`).evaluateAll((els) =>
    Object.fromEntries(els.map((e) => [e.dataset.tile, Number(e.querySelector(".n").textContent.replace(/,/g, ""))])));
}

/** The rules the element's editor shows, as { from, to, as } (from: the column, or the fixed value). */
export function shownRules(page) {
  return page.locator("segment-backfill-import tr[part=rule]").evaluateAll((rows) => rows.map((tr) => {
    const value = tr.querySelector("[data-focus=value]");
    return {
      ...(value ? { value: value.value } : { from: tr.querySelector("[data-focus=from]").value }),
      to: tr.querySelector("[data-focus=to]").value,
      as: tr.querySelector("[data-focus=as]").value,
    };
  }));
}
