// The package imported but never init()-ed on this page: the *InWorker
// functions load the wasm in their worker, and the page's own functions
// would throw not_initialized (so a run that works here ran in the worker).
// A file of its own, not inline: the page is also served under a strict CSP.
import * as sb from "/pkg/index.js";
window.sb = sb;
window.ready = true;
