// The benchmark's baseline: the same job done the way a JavaScript developer
// would write it, with Papa Parse. Papa Parse streams the File in chunks (its
// default local chunk size) with `header: true`; the rows go to the
// hand-written mapping and batching shared with the uDSV worker
// (bench/js-mapping.js).
importScripts("../node_modules/papaparse/papaparse.min.js", "js-mapping.js");

function run(file) {
  return new Promise((resolve, reject) => {
    const sink = mappingSink();
    Papa.parse(file, {
      header: true,
      skipEmptyLines: true,
      chunk(results) {
        for (const row of results.data) sink.row(row);
      },
      complete() {
        resolve(sink.finish());
      },
      error: reject,
    });
  });
}

// Set after importScripts: Papa Parse installs its own onmessage in workers.
serve(run);
