// A consumer app as an npm user writes it, the same source for each bundler
// the tests build it with (Vite, webpack, esbuild) and for a page with no
// bundler (an import map names the package, tests/js/bundlers/importmap.json):
// it imports the package
// by its name and imports the picked file to Segment either
// - on this page: `await init()` loads the wasm here, then `importFile`; or
// - in the package's worker: `importFileInWorker`, with no init() on the
//   page (the worker loads the wasm itself).
// The mapping, endpoint and write key come from the page's query (a real app
// would have its own); the tests read the last result from window.consumer.
import init, { importFile, importFileInWorker, Importer } from "segment-backfill";

const query = new URLSearchParams(location.search);
const mapping = JSON.parse(query.get("mapping") ?? "null");
const options = { endpoint: query.get("endpoint"), writeKey: query.get("writeKey") };

const output = document.getElementById("result");

async function run(where, importer) {
  const [file] = document.getElementById("file").files;
  if (!file) return;
  output.dataset.state = "running";
  output.textContent = `Importing ${file.name} ${where}…`;
  try {
    const report = await importer(file);
    window.consumer.last = { where, report };
    output.textContent = `${file.name} ${where}: ${report.delivered} of ${report.rows} rows delivered, ` +
      `${report.rejected} rejected, ${report.undelivered} undelivered` +
      report.rejectedRows.map((r) => `\nrow ${r.row}: ${r.issues[0].message}`).join("");
    output.dataset.state = report.balanced && !report.stopped ? "done" : "failed";
  } catch (error) {
    window.consumer.last = { where, error: { code: error.code, message: error.message } };
    output.textContent = `${where}: ${error.code ?? error.name}: ${error.message}`;
    output.dataset.state = "failed";
  }
}

window.consumer = {
  last: undefined,
  /** Whether this page loaded the wasm (an Importer is refused before init()). */
  pageLoaded() {
    try {
      new Importer(null).free();
      return true;
    } catch (e) {
      if (e.code === "not_initialized") return false;
      throw e;
    }
  },
};

document.getElementById("on-page").onclick = () =>
  run("on the page", async (file) => {
    await init();
    return importFile(file, mapping, options);
  });
document.getElementById("in-worker").onclick = () =>
  run("in a worker", (file) => importFileInWorker(file, mapping, options));
