// Starts the app. A file rather than Trunk's inline loader, so the page's
// Content-Security-Policy can forbid inline scripts.
import init from './app.js';
await init({ module_or_path: './app_bg.wasm' });
