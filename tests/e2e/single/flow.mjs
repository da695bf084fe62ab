// The single file's flow, for any driver of drivers.mjs: opened from disk,
// pick a CSV, map, check, send to a local receiver (every valid row once),
// then a larger file sent to a slow receiver, cut by a reload and resumed
// (every valid row arrives). Where the browser keeps nothing for a page
// opened from disk, the page must say so, and the resume is not offered.
//
// The page is driven by what a person sees: buttons by their text, fields by
// their label; ids only where app.test.mjs uses them too (the counts, the
// send button).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';

/** A CSV of `rows` orders; every `badEvery`th has no user id (rejected). */
export function ordersCsv(path, rows, badEvery, note = 'note ') {
  const lines = ['order_id,user_id,created_at,event,price,note'];
  for (let i = 1; i <= rows; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    lines.push(`S${i},${i % badEvery === 0 ? '' : `u${i % 97}`},2024-04-${day}T09:30:00Z,Order Completed,${(i % 50) + 0.5},${note}${i}`);
  }
  const text = lines.join('\n') + '\n';
  writeFileSync(path, text);
  return { path, bytes: Buffer.byteLength(text), rows, valid: rows - Math.floor(rows / badEvery), rejected: Math.floor(rows / badEvery) };
}

// --- in-page helpers (each is serialized and run in the page) ------------

function hasHeading(name) {
  return [...document.querySelectorAll('h1, h2, h3')].some((h) => h.textContent.trim().startsWith(name));
}
function exists(selector) {
  return document.querySelector(selector) !== null;
}
function textOf(selector) {
  return document.querySelector(selector)?.textContent ?? null;
}
function clickButton(name) {
  const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === name && !b.disabled);
  if (!button) return false;
  button.click();
  return true;
}
function clickStep(name) {
  const button = [...document.querySelectorAll('nav[aria-label="Steps"] button')].find((b) => b.textContent.trim().endsWith(name));
  if (!button) return false;
  button.click();
  return true;
}
function clickSelector(selector) {
  const el = document.querySelector(selector);
  if (!el) return false;
  el.click();
  return true;
}
function clickSummary(name) {
  const summary = [...document.querySelectorAll('summary')].find((s) => s.textContent.trim() === name);
  if (summary && !summary.parentElement.open) summary.click();
  return Boolean(summary);
}
// Sets the control a label names as typing or choosing would: the value, then
// `input` and `change` (what the app listens to).
function setByLabel([label, value]) {
  const found = [...document.querySelectorAll('label')].find((l) => l.textContent.trim().startsWith(label));
  const control = found?.control ?? found?.querySelector('input, select, textarea');
  if (!control) return false;
  control.focus();
  control.value = value;
  control.dispatchEvent(new Event('input', { bubbles: true }));
  control.dispatchEvent(new Event('change', { bubbles: true }));
  return control.value === value;
}
function storageUsable() {
  try {
    localStorage.setItem('segment-backfill.test-probe', '1');
    localStorage.removeItem('segment-backfill.test-probe');
    return true;
  } catch {
    return false;
  }
}
function checkpoints() {
  return Object.keys(localStorage).filter((k) => k.startsWith('segment-backfill.resume.'))
    .map((k) => JSON.parse(localStorage.getItem(k)));
}
// Watches what the page posts to its worker: the ArrayBuffers (files'
// bytes, where the worker cannot read the page's Blobs) and whether each
// was transferred (detached after the post), not copied.
function spyOnWorkerPosts() {
  const seen = { posts: 0, buffers: 0, bytes: 0, copied: 0 };
  window.__sbPosts = seen;
  const post = Worker.prototype.postMessage;
  const buffers = (v, out) => {
    if (v instanceof ArrayBuffer) out.push(v);
    else if (v && typeof v === 'object' && !(v instanceof Blob)) Object.values(v).forEach((x) => buffers(x, out));
    return out;
  };
  Worker.prototype.postMessage = function (message, transfer) {
    const found = buffers(message, []);
    const sizes = found.map((b) => b.byteLength);
    const r = post.call(this, message, transfer);
    seen.posts += 1;
    seen.buffers += found.length;
    seen.bytes += sizes.reduce((a, b) => a + b, 0);
    seen.copied += found.filter((b, i) => sizes[i] > 0 && b.byteLength > 0).length;
    return r;
  };
}
function pagePosts() {
  return window.__sbPosts;
}
function pageText() {
  return document.body.innerText;
}

// --- the flow -------------------------------------------------------------

/** The console error each run writes itself, to show the page is heard. */
export const PROBE = 'single-file test: this console error is the test hearing the page';

/**
 * Runs the flow in `driver` on the single file at `url`. `small` and `big`
 * are ordersCsv() files; `receiver` answers at once, `slow` late (both
 * `segment-backfill receive` with `key`). Returns what it measured.
 */
export async function runFlow(driver, { url, small, big, receiver, slow, key, log }) {
  const until = async (what, fn, arg, timeout = 30_000) => {
    const start = Date.now();
    for (;;) {
      const v = await driver.evaluate(fn, arg);
      if (v) return v;
      if (Date.now() - start > timeout) {
        const problems = await driver.problems();
        throw new Error(`${driver.name}: waited ${timeout} ms for ${what}${problems.length ? `; the page reported: ${problems.join(' | ')}` : ''}`);
      }
      await new Promise((ok) => setTimeout(ok, 100));
    }
  };
  const click = async (name) => until(`the button "${name}"`, clickButton, name);
  const set = async (label, value) => until(`the field "${label}" set to ${value}`, setByLabel, [label, value]);
  const num = async (selector) => Number((await driver.evaluate(textOf, selector)).replaceAll(',', ''));
  const tiles = async () => ({
    rows: await num('#sent-rows'), delivered: await num('#sent-delivered'),
    rejected: await num('#sent-rejected'), undelivered: await num('#sent-undelivered'),
  });
  const pick = async (file) => {
    await driver.pickFiles('#file-input', [file.path]);
    await until('the first rows of the file', hasHeading, 'First rows');
  };
  const mapAndCheck = async (file) => {
    await click('Map →');
    await until('the mapped preview', exists, 'pre.json');
    await click('Check →');
    await until('the counts', exists, '#count-rows', 60_000);
    assert.deepEqual([await num('#count-rows'), await num('#count-valid'), await num('#count-rejected')],
      [file.rows, file.valid, file.rejected], `${driver.name}: the check's counts`);
    await click('Send →');
    await until('the Send step', hasHeading, 'Send');
  };
  const sendForm = async (endpoint) => {
    // From disk there is no "Local receiver" preset (it is offered on a
    // page served from this machine): the custom endpoint.
    await set('Endpoint', 'custom');
    await set('Batch endpoint URL', endpoint);
    await set('Write key', key);
  };

  await driver.goto(url);
  await until('the page to start', hasHeading, 'Your export file');
  // What the page reports is really heard: a console error of the test's own
  // (left out of the final count by its text).
  await driver.evaluate((text) => console.error(text), PROBE);
  for (let i = 0; !(await driver.problems()).some((p) => p.includes(PROBE)); i++) {
    assert.ok(i < 50, `${driver.name}: the page's console errors are not heard`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
  const keeps = await driver.evaluate(storageUsable);
  const notice = await driver.evaluate(exists, '#storage-notice');
  assert.equal(notice, !keeps, `${driver.name}: the page says what is lost exactly when storage is off (storage ${keeps ? 'on' : 'off'})`);
  await driver.shot('0-opened');

  // A small file: every valid row once.
  await driver.evaluate(spyOnWorkerPosts);
  await pick(small);
  await mapAndCheck(small);
  await sendForm(receiver.endpoint);
  await driver.shot('1-send');
  await until('the send button', clickSelector, '#start-send');
  await until('the end of the send', exists, '#sent-delivered', 60_000);
  await driver.shot('2-sent');
  assert.deepEqual(await tiles(), { rows: small.rows, delivered: small.valid, rejected: small.rejected, undelivered: 0 });
  const sent = await receiver.stats();
  assert.equal(sent.messages, small.valid, `${driver.name}: the receiver got every valid row`);
  assert.equal(sent.uniqueMessageIds, small.valid);
  assert.equal(sent.duplicates, 0, `${driver.name}: each row once`);
  // WebKit's worker cannot read the page's Blobs from disk: the page hands
  // it the bytes, transferred; elsewhere only the Blob crosses.
  const posts = await driver.evaluate(pagePosts);
  if (driver.name === 'webkit') {
    assert.ok(posts.buffers > 0 && posts.bytes >= small.bytes, `${driver.name}: the file crossed as bytes (${JSON.stringify(posts)})`);
    assert.equal(posts.copied, 0, `${driver.name}: every buffer transferred, none copied`);
  } else {
    assert.equal(posts.buffers, 0, `${driver.name}: the worker reads the Blob itself (${JSON.stringify(posts)})`);
  }
  log(`${driver.name}: ${posts.posts} messages to the worker; ${posts.buffers} buffers of the file's bytes (${posts.bytes} bytes), ${posts.copied} copied`);

  if (!keeps) {
    log(`${driver.name}: storage is off for a page opened from disk: the notice is shown; no resume to test`);
    return { keeps, resumed: null };
  }

  // A larger file to a slow receiver, one request at a time: cut by a
  // reload once a checkpoint with rows done is kept, then resumed.
  await until('the File step', clickStep, 'File');
  await pick(big);
  await mapAndCheck(big);
  await sendForm(slow.endpoint);
  await until('the Advanced settings', clickSummary, 'Advanced');
  await set('Requests at once', '1');
  await until('the send button', clickSelector, '#start-send');
  const [atReload] = await until('a checkpoint with a fifth of the rows done',
    (least) => { const c = Object.keys(localStorage).filter((k) => k.startsWith('segment-backfill.resume.')).map((k) => JSON.parse(localStorage.getItem(k))); return c.length && c[0].rowsDone >= least ? c : null; },
    big.rows / 5, 60_000);
  await driver.reload();
  const cut = await slow.stats();
  await until('the page to start again', hasHeading, 'Your export file');
  await pick(big);
  await until('the offer to resume', exists, 'section.resume');
  await driver.shot('3-resume-offer');
  await until('the Resume button', clickSelector, '#resume-import');
  await until('the Send step', exists, '#resume-note');
  // The key is not kept (not ticked): typed again.
  await set('Write key', key);
  await click('Resume sending');
  await until('the end of the resumed send', exists, '#sent-delivered', 120_000);
  await driver.shot('4-resumed');
  assert.deepEqual(await tiles(), { rows: big.rows, delivered: big.valid, rejected: big.rejected, undelivered: 0 });
  const done = await slow.stats();
  assert.equal(done.uniqueMessageIds, big.valid, `${driver.name}: every valid row arrived after the resume`);
  assert.ok(cut.uniqueMessageIds < big.valid, `${driver.name}: the reload cut the send (${cut.uniqueMessageIds} of ${big.valid} had arrived)`);
  // Only what was not acknowledged at the checkpoint goes again.
  assert.ok(done.duplicates < cut.uniqueMessageIds, `${driver.name}: resumed, not restarted (${done.duplicates} sent twice)`);
  assert.deepEqual(await driver.evaluate(checkpoints), [], 'a finished import forgets its checkpoint');
  log(`${driver.name}: reloaded with ${atReload.rowsDone} rows kept done (receiver had ${cut.uniqueMessageIds}); `
    + `resumed: ${done.uniqueMessageIds} unique, ${done.duplicates} sent twice (the unacknowledged tail)`);
  return { keeps, resumed: done };
}

/**
 * Picks `paths` (one file or several as one import) in a freshly opened
 * page, maps them as suggested and checks them: the counts. What the
 * worker reads of a workbook, a Parquet file or several files (in WebKit,
 * bytes the page read).
 */
export async function checkedCounts(driver, url, paths) {
  const start = Date.now();
  const until = async (what, fn, arg) => {
    for (;;) {
      const v = await driver.evaluate(fn, arg);
      if (v) return v;
      if (Date.now() - start > 60_000) throw new Error(`${driver.name}: ${paths.join(' + ')}: waited for ${what}:\n${await driver.evaluate(pageText)}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  };
  await driver.goto(url);
  await until('the page to start', hasHeading, 'Your export file');
  await driver.pickFiles('#file-input', paths);
  await until('the first rows', hasHeading, 'First rows');
  await until('the button "Map →"', clickButton, 'Map →');
  await until('the mapped preview', exists, 'pre.json');
  await until('the button "Check →"', clickButton, 'Check →');
  await until('the counts', exists, '#count-rows');
  const num = async (s) => Number((await driver.evaluate(textOf, s)).replaceAll(',', ''));
  return { rows: await num('#count-rows'), valid: await num('#count-valid'), rejected: await num('#count-rejected') };
}

/**
 * Chromium only (after runFlow): a send to an endpoint that refuses the
 * page's origin `null` (no CORS headers) says why, in the page.
 */
export async function refusedOrigin(driver, endpoint) {
  const start = Date.now();
  await driver.evaluate(setByLabel, ['Batch endpoint URL', endpoint]);
  await driver.evaluate(clickButton, 'Send again');
  await driver.evaluate(clickButton, 'Yes, send again');
  for (;;) {
    const text = await driver.evaluate(pageText);
    if (text.includes('opened from disk, so its origin is `null`, which some endpoints refuse')) return text;
    if (Date.now() - start > 60_000) throw new Error(`no explanation of the origin null in the page:\n${text}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}
