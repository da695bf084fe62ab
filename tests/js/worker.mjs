// A module worker running importFile (or checkFiles then importFiles, given
// `files`), for the browser tests: in a worker the tables module reads a
// Blob a window at a time (FileReaderSync).
import init, { importFile, importFiles, checkFiles } from "/pkg/index.js";

const ready = init();
onmessage = async ({ data: { file, files, mapping, options } }) => {
  await ready;
  try {
    if (files) {
      const check = await checkFiles(files, mapping, options);
      postMessage({ check, report: await importFiles(files, mapping, options) });
    } else {
      postMessage({ report: await importFile(file, mapping, options) });
    }
  } catch (e) {
    postMessage({ error: { code: e.code, message: e.message, file: e.file } });
  }
};
