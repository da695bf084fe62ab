// The embed example: file → inspect → suggested mapping → importFile, with a
// progress line and the reconciliation. Everything the import decides is the
// package's; this file only moves values between the form and it.
import init, { inspect, suggestMapping, importFile } from "../pkg/index.js";

const $ = (id) => document.getElementById(id);
const SAMPLE_BYTES = 64 * 1024;
let file = null;
let controller = null;

await init();

$("file").addEventListener("change", async () => {
  file = $("file").files[0] ?? null;
  $("start").disabled = true;
  $("settings").textContent = "";
  $("preview").replaceChildren();
  if (!file) return;
  try {
    const sample = new Uint8Array(await file.slice(0, SAMPLE_BYTES).arrayBuffer());
    const found = inspect(sample, { complete: file.size <= SAMPLE_BYTES });
    const s = found.settings;
    $("settings").textContent =
      `${file.name}: ${s.format}, ${s.encoding}` +
      (s.format === "csv" ? `, delimiter "${s.delimiter}", ${s.hasHeader ? "with" : "no"} header` : "") +
      (s.compression === "gzip" ? ", gzip" : "");
    showPreview(found.headers, found.rows.slice(0, 5));
    const mapping = s.format === "csv" ? suggestMapping(found.headers, found.rows, s) : null;
    $("mapping").value = mapping ? JSON.stringify(mapping, null, 2) : "";
    $("start").disabled = false;
  } catch (e) {
    $("settings").replaceChildren(errorText(e));
  }
});

$("start").addEventListener("click", async () => {
  if (!file) return;
  controller = new AbortController();
  $("start").disabled = true;
  $("cancel").disabled = false;
  $("result").replaceChildren();
  $("report").textContent = "";
  const text = $("mapping").value.trim();
  try {
    const report = await importFile(file, text === "" ? null : text, {
      endpoint: $("endpoint").value,
      writeKey: $("key").value,
      auth: $("auth").value,
      signal: controller.signal,
      onProgress: (p) => {
        const pct = p.bytesTotal ? Math.floor((100 * p.bytesRead) / p.bytesTotal) : 100;
        const d = p.delivery;
        $("progress").textContent =
          `read ${pct}% · ${p.rows} rows (${p.rejected} rejected) · ` +
          `${d.messagesAcknowledged} delivered · ${d.inFlight} in flight · ${d.retries} retries` +
          (p.note ? ` · ${p.note}` : "");
      },
    });
    $("result").textContent =
      `${report.rows} rows = ${report.delivered} delivered + ${report.rejected} rejected + ` +
      `${report.undelivered} undelivered` + (report.balanced ? " ✓" : " (does not balance!)") +
      (report.undeliveredReason ? ` — ${report.undeliveredReason}` : "");
    // The reconciliation and the first reasons; the report holds every rejected row.
    const shown = {
      rows: report.rows,
      delivered: report.delivered,
      rejected: report.rejected,
      rejectedByServer: report.rejectedByServer,
      undelivered: report.undelivered,
      undeliveredRows: report.undeliveredRows,
      undeliveredReason: report.undeliveredReason,
      complete: report.complete,
      requests: report.delivery.requests,
      retries: report.delivery.retries,
      firstRejected: report.rejectedRows.slice(0, 5).map(
        (r) => `row ${r.row}: ${r.issues.map((i) => i.message).join("; ")}`,
      ),
      serverRejected: report.serverRejected.slice(0, 5),
    };
    $("report").textContent = JSON.stringify(shown, null, 2);
  } catch (e) {
    $("result").append(errorText(e));
  } finally {
    $("start").disabled = false;
    $("cancel").disabled = true;
  }
});

$("cancel").addEventListener("click", () => controller?.abort());

function showPreview(headers, rows) {
  const tr = (cells, tag) => {
    const row = document.createElement("tr");
    for (const c of cells) {
      const cell = document.createElement(tag);
      cell.textContent = c; // file content is text, never HTML
      row.append(cell);
    }
    return row;
  };
  $("preview").replaceChildren(tr(headers, "th"), ...rows.map((r) => tr(r, "td")));
}

function errorText(e) {
  const span = document.createElement("span");
  span.className = "error";
  span.textContent = e.code ? `${e.message} (${e.code})` : String(e);
  return span;
}
