// A module worker running importFile, for browser.test.mjs: in a worker the
// tables module reads a Blob a window at a time (FileReaderSync).
import init, { importFile } from "/pkg/segment_backfill.js";

const ready = init();
onmessage = async ({ data: { file, mapping, options } }) => {
  await ready;
  try {
    postMessage({ report: await importFile(file, mapping, options) });
  } catch (e) {
    postMessage({ error: { code: e.code, message: e.message } });
  }
};
