// How the app's end-to-end tests open Chromium: a fresh profile (nothing
// remembered from an earlier run), downloads accepted, page errors and
// console errors or warnings collected, full-page screenshots by name.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM } from '../js/helpers.mjs';

/**
 * Opens a browser with one page. `problems` fills with what the page
 * reports; `shot(name, options)` writes `shots/name.png`; `close()` closes
 * the browser and removes its profile.
 */
export async function openApp(name, shots) {
  const profile = mkdtempSync(join(tmpdir(), `sb-${name}-`));
  const context = await chromium.launchPersistentContext(profile, {
    ...CHROMIUM,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  const problems = [];
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (['error', 'warning'].includes(m.type())) problems.push(`console ${m.type()}: ${m.text()}`); });
    const shot = (file, opts = {}) => page.screenshot({ path: join(shots, `${file}.png`), fullPage: true, ...opts });
    return { page, problems, shot, close };
  } catch (e) {
    await close();
    throw e;
  }
}
