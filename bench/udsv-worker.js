// The same hand-written job as bench/papa-worker.js (bench/js-mapping.js),
// parsed by uDSV, the fastest JavaScript CSV parser we know. Streamed as its
// README shows for big inputs: the File's Web Stream through a
// TextDecoderStream, the schema inferred from the first chunk, and each chunk
// passed to `parser.chunk` with a row callback (so that no rows accumulate),
// parsing to objects keyed by header, as Papa Parse's `header: true` does.
importScripts("../node_modules/udsv/dist/uDSV.iife.min.js", "js-mapping.js");

async function run(file) {
  const sink = mappingSink();
  const onRow = (row) => {
    sink.row(row);
  };
  let parser = null;
  for await (const text of file.stream().pipeThrough(new TextDecoderStream())) {
    // The quote is given rather than guessed per chunk (uDSV looks for a '"'
    // in each chunk when it is not set), so that a chunk without one is still
    // read right.
    parser ??= uDSV.initParser(uDSV.inferSchema(text, { encl: '"' }));
    parser.chunk(text, parser.stringObjs, onRow);
  }
  parser?.end();
  return sink.finish();
}

serve(run);
