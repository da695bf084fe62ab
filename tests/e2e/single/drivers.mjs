// One small interface over three ways of driving a browser, so the single
// file's flow (flow.mjs) is written once and runs in Chromium, Firefox and
// WebKit:
//
//   goto(url), reload()        navigate (and wait for the load event)
//   evaluate(fn, arg)          run fn(arg) in the page, JSON-able result
//   pickFiles(selector, paths) set an <input type=file> as the user would
//   shot(name)                 a screenshot, SHOTS/single-<browser>-<name>.png
//   problems()                 console errors and warnings, page errors,
//                              Content-Security-Policy violations so far
//   close()
//
// Chromium: Playwright (tests/e2e/browser.mjs). Firefox: puppeteer-core over
// WebDriver BiDi. WebKitGTK: plain WebDriver (HTTP, W3C) with
// WebKitWebDriver and MiniBrowser under xvfb-run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from '../browser.mjs';

/** Chromium through Playwright; `context` is there for request checks. */
export async function chromiumDriver(shots) {
  const app = await openApp('single', shots);
  const { page } = app;
  // A policy violation is also a console error in Chromium; counted once.
  return {
    name: 'chromium',
    page,
    context: page.context(),
    goto: (url) => page.goto(url),
    reload: () => page.reload(),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    pickFiles: (selector, paths) => page.setInputFiles(selector, paths),
    shot: (name) => app.shot(`single-chromium-${name}`),
    problems: () => [...app.problems],
    close: app.close,
  };
}

/** Firefox ESR through puppeteer-core, WebDriver BiDi (no CDP in Firefox). */
export async function firefoxDriver(shots) {
  const puppeteer = (await import('puppeteer-core')).default;
  const profile = mkdtempSync(join(tmpdir(), 'sb-single-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX ?? '/usr/bin/firefox-esr',
    headless: true,
    userDataDir: profile,
    // No background traffic on this closed network (and nothing to muddy
    // what the page itself asks for).
    extraPrefsFirefox: {
      'app.update.enabled': false, 'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false, 'network.captive-portal-service.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false, 'toolkit.telemetry.enabled': false,
    },
  });
  const page = (await browser.pages())[0] ?? await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const problems = [];
  page.on('console', (m) => { if (['error', 'warn', 'warning'].includes(m.type())) problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message ?? e}`));
  return {
    name: 'firefox',
    goto: (url) => page.goto(url, { waitUntil: 'load' }),
    reload: () => page.reload({ waitUntil: 'load' }),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    pickFiles: async (selector, paths) => {
      const input = await page.$(selector);
      await input.uploadFile(...paths);
    },
    shot: (name) => page.screenshot({ path: join(shots, `single-firefox-${name}.png`), fullPage: true }),
    problems: () => [...problems],
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const freePort = () => new Promise((ok, bad) => {
  const s = createServer();
  s.on('error', bad);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
});

// In WebKit, what the page reports is collected by a script the driver adds
// after each load (WebDriver classic has no console log); a problem before
// it runs shows as a page that does not start.
function watch() {
  if (window.__sbProblems) return;
  window.__sbProblems = [];
  const keep = (kind) => (...args) => window.__sbProblems.push(`console ${kind}: ${args.map(String).join(' ')}`);
  const { error, warn } = console;
  console.error = (...a) => { keep('error')(...a); error.apply(console, a); };
  console.warn = (...a) => { keep('warning')(...a); warn.apply(console, a); };
  window.addEventListener('error', (e) => window.__sbProblems.push(`page error: ${e.message}`));
  window.addEventListener('unhandledrejection', (e) => window.__sbProblems.push(`page error: ${e.reason}`));
  document.addEventListener('securitypolicyviolation', (e) => window.__sbProblems.push(`csp: ${e.violatedDirective} ${e.blockedURI}`));
}

/** WebKitGTK: WebKitWebDriver (plain W3C WebDriver over HTTP) and MiniBrowser. */
export async function webkitDriver(shots) {
  const port = await freePort();
  // xvfb-run gives MiniBrowser a display; -a picks a free one.
  const driver = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24', process.env.WEBKIT_DRIVER ?? 'WebKitWebDriver', `--port=${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  driver.stderr.on('data', (d) => { stderr += d; });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (json.value?.error) throw new Error(`WebDriver ${method} ${path}: ${json.value.error}: ${json.value.message}`);
    return json.value;
  };
  let session;
  for (let i = 0; !session; i++) {
    try {
      session = (await call('POST', '/session', {
        capabilities: {
          alwaysMatch: {
            'webkitgtk:browserOptions': {
              binary: process.env.MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
              args: ['--automation'],
            },
          },
        },
      })).sessionId;
    } catch (e) {
      if (i > 100 || driver.exitCode !== null) throw new Error(`WebKitWebDriver did not start: ${e.message}\n${stderr}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }
  const s = `/session/${session}`;
  await call('POST', `${s}/window/rect`, { width: 1280, height: 900 }).catch(() => {});
  const evaluate = (fn, arg) => call('POST', `${s}/execute/sync`, { script: `return (${fn})(arguments[0]);`, args: [arg ?? null] });
  const afterLoad = async () => {
    for (let i = 0; (await evaluate(() => document.readyState)) !== 'complete'; i++) {
      if (i > 200) throw new Error('the page did not load');
      await new Promise((ok) => setTimeout(ok, 50));
    }
    await evaluate(watch);
  };
  return {
    name: 'webkit',
    goto: async (url) => { await call('POST', `${s}/url`, { url }); await afterLoad(); },
    reload: async () => { await call('POST', `${s}/refresh`, {}); await afterLoad(); },
    evaluate,
    pickFiles: async (selector, paths) => {
      const el = await call('POST', `${s}/element`, { using: 'css selector', value: selector });
      const id = el['element-6066-11e4-a52e-4f735466cecf'];
      await call('POST', `${s}/element/${id}/value`, { text: paths.join('\n') });
    },
    shot: async (name) => {
      const png = await call('GET', `${s}/screenshot`);
      writeFileSync(join(shots, `single-webkit-${name}.png`), Buffer.from(png, 'base64'));
    },
    problems: async () => (await evaluate(() => window.__sbProblems ?? [])),
    close: async () => {
      await call('DELETE', s).catch(() => {});
      driver.kill();
    },
  };
}
