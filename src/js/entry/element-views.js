// What <segment-backfill-import> shows of the package's results: the file
// as read (in the CLI's words: describeReading; the table, the preview), the check's summary, a send's
// progress and the reconciliation. Each function makes DOM from one result;
// the wording follows the app's (src/app/check_step.rs, send_report.rs).
import { describeReading } from "./index.js";
import { h, count, plural, bytes, rowRange, duration } from "./element-dom.js";

/** Rejected rows and examples listed at most. */
export const ROWS_SHOWN = 10;

/**
 * The file as read: name, size, settings, what a workbook or Parquet file
 * holds (a sheet select when a workbook has several), archive signs, and
 * missing-value tokens seen. `onSheet(name)` reads another sheet.
 */
export function fileSummary(file, found, onSheet) {
  const table = found.table;
  const sheets = table?.sheets ?? [];
  const sheetSelect = sheets.length > 1
    ? h("label", { class: "inline" }, h("span", {}, "Sheet"),
      h("select", { part: "select", onchange: (e) => onSheet(e.target.value) },
        sheets.map((s) => h("option", { value: s.name, selected: s.name === table.sheet, disabled: s.empty },
          s.empty ? `${s.name} (empty)` : s.name))))
    : null;
  const missing = found.missing ?? [];
  return h("div", { class: "file-summary", part: "file-summary" },
    h("p", {}, h("strong", {}, file.name), ` · ${bytes(file.size)} · `, describeReading(found.settings, table)),
    sheetSelect,
    (table?.notes ?? []).map((n) => h("p", { class: "note" }, n)),
    found.archive ? h("p", { class: "note" },
      `These records look like Segment's own archive (${count(found.archive.records)} of ${count(found.archive.sampled)} sampled carry ${found.archive.fields.join(", ")}): ` +
      "they are replayed, those fields dropped and messageIds made anew.") : null,
    missing.length ? h("p", { class: "note" },
      "Read as empty (missing-value tokens in the first rows): ",
      missing.map((m) => `${m.column}: ${m.token} ×${count(m.count)}`).join("; "), ".") : null);
}

/** The first rows as a table, every cell as text. */
export function preview(headers, rows, shown = 5) {
  const first = rows.slice(0, shown);
  return h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Preview of the first rows", part: "preview" },
    h("table", { class: "preview" },
      h("caption", { class: "muted" }, first.length ? `The first ${plural(first.length, "row", "rows")}` : "No rows in the first part of the file"),
      h("thead", {}, h("tr", {}, headers.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, first.map((r) => h("tr", {}, headers.map((_, i) => h("td", { title: r[i] ?? "" }, r[i] ?? "")))))));
}

/** One count, large, with what it counts: `data-tile` names it for scripts. */
function tile(name, n, label, tone) {
  return h("div", { class: ["tile", tone], part: "tile", "data-tile": name },
    h("span", { class: "n" }, count(n)), h("span", { class: "label" }, label));
}

/** `Row 4 · userId: neither userId nor…` */
function issueText(issue) {
  return `Row ${count(issue.row)}${issue.column ? ` · ${issue.column}` : ""}: ${issue.message}`;
}

/** The findings of one kind (errors or warnings), each code with its rows and first examples. */
function findings(byCode, warning) {
  const codes = Object.entries(byCode).filter(([, t]) => t.warning === warning);
  return codes.map(([code, t]) => h("details", { class: ["finding", warning ? "warn" : "error"], open: !warning, part: "finding" },
    h("summary", {}, h("code", {}, code), ` — ${plural(t.rows, "row", "rows")}`,
      t.count > t.rows ? ` (${count(t.count)} findings)` : ""),
    h("ul", {}, t.examples.slice(0, ROWS_SHOWN).map((e) => h("li", {}, issueText(e)))),
    t.rows > t.examples.length ? h("p", { class: "muted small" }, `The first ${plural(t.examples.length, "example", "examples")} of ${count(t.rows)}.`) : null));
}

function severalReasons(several, total, what) {
  if (!several) return null;
  return h("p", { class: "note" },
    `${several === 1 ? "1 row has" : `${count(several)} rows have`} more than one reason; each is listed under every reason, ` +
    `so the counts add up to more than the ${count(total)} ${what}.`);
}

/** The check's summary: counts, why rows are rejected (with examples), warnings, when, batches. */
export function checkSummary(check) {
  const errors = findings(check.byCode, false);
  const warnings = findings(check.byCode, true);
  return h("div", { class: "check-summary", part: "check-summary" },
    h("p", { class: "muted" }, `${plural(check.rows, "row", "rows")} read; nothing was sent.`),
    check.valid === 0 ? h("div", { class: "banner error", role: "alert" }, h("p", {},
      h("strong", {}, check.rows === 0 ? "The file has no rows: nothing to send." : `None of the ${plural(check.rows, "row", "rows")} is valid: nothing to send.`),
      check.rows === 0 ? " Only a header (or nothing) was found." : " See why below, then change the mapping above and check again.")) : null,
    h("div", { class: "tiles" },
      tile("rows", check.rows, "rows"),
      tile("valid", check.valid, "valid, will be sent", check.valid > 0 ? "ok" : "bad"),
      tile("rejected", check.rejected, "rejected", check.rejected > 0 ? "bad" : null),
      tile("warnings", check.withWarnings, "valid with warnings", check.withWarnings > 0 ? "warn" : null)),
    check.withoutTimestamp > 0 ? h("div", { class: "banner warn" }, h("p", {},
      h("strong", {}, `${plural(check.withoutTimestamp, "message has", "messages have")} no timestamp.`),
      " Segment will date them on arrival: map a timestamp column above.")) : null,
    check.notes.map((n) => h("p", { class: "note" }, n)),
    check.missingValues.length ? h("p", { class: "note" }, h("strong", {}, "Read as empty (missing-value tokens): "),
      check.missingValues.map((m) => `${m.column}: ${m.token} ×${count(m.count)}`).join("; ")) : null,
    errors.length ? [h("h4", {}, "Why rows are rejected"), errors,
      severalReasons(check.rejectedSeveralReasons, check.rejected, "rejected rows")] : null,
    warnings.length ? [h("h4", {}, "Warnings (the rows are still sent)"), warnings,
      severalReasons(check.warnedSeveralReasons, check.withWarnings, "rows with warnings")] : null,
    check.firstTimestamp
      ? h("p", {}, h("strong", {}, "When: "), check.firstTimestamp === check.lastTimestamp
        ? check.firstTimestamp : `from ${check.firstTimestamp} to ${check.lastTimestamp}`)
      : null,
    h("p", { class: "muted" }, `${plural(check.batches, "batch", "batches")}, ${bytes(check.bytes)} of request bodies.`));
}

/**
 * How far a send is, in a line, and its share done: the rows finished for
 * good of `rows` (the check's count of the same file), or else the share of
 * the file read (null when neither is known).
 */
export function progressText(p, rows) {
  const read = p.bytesTotal ? p.bytesRead / p.bytesTotal : p.rowsTotal ? p.rows / p.rowsTotal : null;
  const share = rows ? Math.min(1, p.rowsDone / rows) : read;
  const parts = [];
  if (rows) parts.push(`${count(p.rowsDone)} of ${plural(rows, "row", "rows")} done`);
  parts.push(read === null ? `${plural(p.rows, "row", "rows")} read` : `${Math.floor(read * 100)}% read`);
  parts.push(`${count(p.delivered)} delivered`);
  parts.push(`${count(p.rejected)} rejected`);
  if (p.skipped) parts.push(`${count(p.skipped)} skipped (delivered before)`);
  if (p.delivery.inFlight) parts.push(plural(p.delivery.inFlight, "request in flight", "requests in flight"));
  if (p.delivery.retries) parts.push(plural(p.delivery.retries, "retry", "retries"));
  let text = parts.join(" · ");
  if (p.paused) text = `Paused${p.delivery.inFlight ? ` (${plural(p.delivery.inFlight, "request", "requests")} finishing)` : ""} · ${text}`;
  if (p.note) text += ` · ${p.note}`;
  return { text, share };
}

function stoppedText(stopped) {
  switch (stopped.kind) {
    case "cancelled": return "It was cancelled.";
    case "refused": return `The endpoint refused it${stopped.status ? ` (HTTP ${stopped.status})` : ""}: ${stopped.reason}`;
    default: return `It failed: ${stopped.reason}`;
  }
}

/** Where every row went: the equation, the tiles, what stopped it, the rows not delivered and the rejected ones. */
export function reconciliation(report, elapsedMs) {
  const done = report.undelivered === 0 && report.complete;
  const ranges = report.undeliveredRows.slice(0, 20).map(([a, b]) => rowRange(a, b)).join(", ");
  const more = report.undeliveredRows.length > 20 ? ` and ${count(report.undeliveredRows.length - 20)} more ranges` : "";
  const rejected = report.rejectedRows.slice(0, ROWS_SHOWN);
  const rejectedBefore = report.rejected - report.rejectedByServer;
  return h("div", { class: "reconciliation", part: "reconciliation", "data-stopped": report.stopped?.kind },
    h("h4", { class: done ? "ok-text" : "bad-text" }, done ? "Done: every row is accounted for" : "Stopped: some rows were not delivered"),
    h("p", { class: "equation", "data-equation": "" },
      `${plural(report.rows, "row", "rows")} = ${count(report.delivered)} delivered + ${count(report.rejected)} rejected + ${count(report.undelivered)} not delivered`,
      report.balanced ? h("span", { class: "ok-text" }, " ✓ balanced") : h("strong", { class: "bad-text" }, " — NOT balanced: please report this")),
    h("div", { class: "tiles" },
      tile("rows", report.rows, "rows read"),
      tile("delivered", report.delivered, report.previouslyDelivered ? `delivered (${count(report.previouslyDelivered)} by an earlier run)` : "delivered", "ok"),
      tile("rejected", report.rejected, report.rejectedByServer ? `rejected (${count(report.rejectedByServer)} by the endpoint)` : "rejected", report.rejected ? "bad" : null),
      tile("undelivered", report.undelivered, "not delivered", report.undelivered ? "bad" : null)),
    // A cancel is said by the undelivered rows' reason; a refusal or failure in its own words.
    report.stopped && (report.stopped.kind !== "cancelled" || report.undelivered === 0)
      ? h("p", { class: "banner warn" }, h("strong", {}, "Stopped early. "), stoppedText(report.stopped)) : null,
    report.undelivered > 0 ? h("div", { class: "banner warn", part: "undelivered" },
      h("p", {}, h("strong", {}, `${plural(report.undelivered, "row was", "rows were")} not delivered`),
        report.undeliveredReason ? `: ${report.undeliveredReason}` : "."),
      h("p", {}, `${ranges[0]?.toUpperCase() ?? ""}${ranges.slice(1)}${more}. Resuming or sending again is safe: each row keeps its messageId, so rows already delivered are dropped as duplicates.`)) : null,
    report.error ? h("p", { class: "banner error" }, report.error) : null,
    rejected.length ? [
      h("h4", {}, rejectedBefore > rejected.length
        ? `Rejected before sending: the first ${rejected.length} of ${count(rejectedBefore)}`
        : "Rejected before sending"),
      h("ul", { class: "rejected-rows" }, rejected.map((r) => h("li", {},
        r.issues.map((i) => `${issueText(i)} (${i.code})`).join("; ")))),
    ] : null,
    report.serverRejected.length ? [
      h("h4", {}, "Refused by the endpoint"),
      h("ul", {}, report.serverRejected.slice(0, ROWS_SHOWN).map(([row, why]) => h("li", {}, `Row ${count(row)}: ${why}`))),
    ] : null,
    h("p", { class: "muted" },
      `${plural(report.delivery.requests, "request", "requests")}, ${plural(report.delivery.retries, "retry", "retries")}, ${duration(elapsedMs)}` +
      (report.pausedMs >= 1000 ? ` (${duration(report.pausedMs)} of it paused)` : "") + "."));
}
