// Issue 15 through the npm package in Node: the write-key check against a
// stand-in for Segment's CDN (cdn.mjs), checkWriteKey on its own, and the
// targets' limits as the local receiver enforces them (`receive --target
// rudderstack|jitsu|hightouch`). Run: node --test tests/js/node-targets.test.mjs
// (after `make pkg` and a release build of the CLI; SEGMENT_BACKFILL_CLI
// overrides its path).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { root, loadPkg, receivedById } from "./helpers.mjs";
import { receiver, freePort } from "./serve.mjs";
import { standInCdn, US_KEY, EU_KEY } from "./cdn.mjs";

const { importFile, checkWriteKey, checkFiles, Importer } = await loadPkg();
const CLI = process.env.SEGMENT_BACKFILL_CLI ?? join(root, "target/release/segment-backfill");
const SEGMENT_BODY = 500_000;
const RUDDERSTACK_BODY = 4_000 * 1024; // 4,096,000 B

const MAPPING = {
  type: "track",
  rules: [
    { from: "user_id", to: "userId" },
    { from: "event", to: "event" },
    { from: "created_at", to: "timestamp" },
    { from: "note", to: "properties.note" },
  ],
};
const WITH_IDS = { ...MAPPING, rules: [{ from: "id", to: "messageId" }, ...MAPPING.rules] };

/** A CSV of `rows` rows (a long note makes each message ~400 bytes). */
function csv(rows, id = (i) => `row-${i}`) {
  const lines = ["id,user_id,event,created_at,note"];
  const note = "x".repeat(200);
  for (let i = 0; i < rows; i++) {
    lines.push(`${id(i)},u${i % 700},Order Completed,2024-02-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z,${note}`);
  }
  return new Blob([lines.join("\n") + "\n"]);
}

/** Runs `body` with a receiver (`--out` kept in a temp dir) and the stand-in CDN. */
async function withReceiver(args, body) {
  const dir = mkdtempSync(join(tmpdir(), "sb-targets-"));
  const out = join(dir, "received.ndjson");
  const local = await receiver(CLI, out, args);
  const cdn = await standInCdn();
  try {
    await body({ local, out, cdn });
  } finally {
    local.stop();
    await cdn.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function errorOf(promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof Error);
    return e;
  }
  assert.fail("expected a rejection");
}

test("an unknown key stops importFile before any batch reaches the receiver", async () => {
  await withReceiver(["--write-key", US_KEY], async ({ local, cdn }) => {
    const e = await errorOf(importFile(csv(50), MAPPING, {
      endpoint: local.endpoint, writeKey: "mistyped-key", settingsUrl: cdn.base,
    }));
    assert.equal(e.code, "unknown_write_key");
    assert.match(e.message, /404/);
    assert.match(e.message, /nothing was sent \(some source types are reported to answer 404 for a valid key: keyCheck: false sends anyway\)$/);
    assert.deepEqual(cdn.requests, ["/cdn/mistyped-key/settings"]);
    const stats = await local.stats();
    assert.equal(stats.requests, 0, "no batch");
  });
});

test("checkWriteKey: a source of the other region is refused; no batch endpoint is asked", async () => {
  const cdn = await standInCdn();
  try {
    const e = await errorOf(checkWriteKey(EU_KEY, {
      target: "segment-us", endpoint: "https://api.segment.io/v1/batch", settingsUrl: cdn.base,
    }));
    assert.equal(e.code, "wrong_region");
    assert.match(e.message, /EU/);
    assert.doesNotMatch(e.message, /keyCheck/, "no sending anyway to the wrong region");
    // The EU key to the EU endpoint is fine, and says so.
    const eu = await checkWriteKey(EU_KEY, { endpoint: "https://events.eu1.segmentapis.com/v1/batch", settingsUrl: cdn.base });
    assert.equal(eu.region, "eu");
    // Only the CDN was asked (the endpoints are not reachable from here).
    assert.deepEqual(cdn.requests, [`/cdn/${EU_KEY}/settings`, `/cdn/${EU_KEY}/settings`]);
  } finally {
    await cdn.close();
  }
});

test("a known key: checkWriteKey gives the destinations and region; importFile delivers every row", async () => {
  await withReceiver(["--write-key", US_KEY], async ({ local, out, cdn }) => {
    const known = await checkWriteKey(US_KEY, { settingsUrl: cdn.base });
    assert.deepEqual(known.destinations, ["Amplitude", "Mixpanel", "Google Analytics 4 Web"]);
    assert.equal(known.region, "us");
    assert.equal(known.apiHost, "api.segment.io/v1");
    assert.equal(known.mayBeIncomplete, false);
    assert.match(known.said, /Amplitude/);

    const report = await importFile(csv(300), MAPPING, {
      endpoint: local.endpoint, writeKey: US_KEY, settingsUrl: cdn.base,
    });
    assert.equal(report.balanced, true);
    assert.equal(report.delivered, 300);
    assert.equal(receivedById(out).size, 300);
    assert.equal(cdn.requests.length, 2, "one check each");
  });
});

test("the CDN down: key_check_failed with nothing sent; keyCheck: false sends", async () => {
  await withReceiver(["--write-key", US_KEY], async ({ local }) => {
    const closed = `http://127.0.0.1:${await freePort()}/cdn`;
    const options = { endpoint: local.endpoint, writeKey: US_KEY, settingsUrl: closed };
    const e = await errorOf(importFile(csv(20), MAPPING, options));
    assert.equal(e.code, "key_check_failed");
    assert.match(e.message, /did not answer/);
    assert.match(e.message, /nothing was sent: keyCheck: false sends without checking the key$/);
    assert.equal((await local.stats()).requests, 0);
    const e2 = await errorOf(checkWriteKey(US_KEY, { settingsUrl: closed }));
    assert.equal(e2.code, "key_check_failed");

    const report = await importFile(csv(20), MAPPING, { ...options, keyCheck: false });
    assert.equal(report.delivered, 20);
  });
});

test("targets whose key Segment does not hold: no CDN request", async () => {
  const cdn = await standInCdn();
  try {
    assert.equal(await checkWriteKey(US_KEY, { target: "rudderstack", endpoint: "https://example.dataplane.rudderstack.com" }), null);
    assert.equal(await checkWriteKey(US_KEY, { target: "jitsu", endpoint: "https://x.d.jitsu.com" }), null);
    assert.equal(await checkWriteKey(US_KEY, { target: "hightouch" }), null);
    assert.equal(await checkWriteKey(US_KEY, { endpoint: "http://127.0.0.1:1/v1/batch" }), null);
    assert.deepEqual(cdn.requests, []);
    // With settingsUrl, the check is asked for whatever the target.
    assert.deepEqual((await checkWriteKey(US_KEY, { target: "rudderstack", endpoint: "https://x.example", settingsUrl: cdn.base })).region, "us");
    assert.equal(cdn.requests.length, 1);
    assert.equal((await errorOf(checkWriteKey(US_KEY, { target: "segment-mars" }))).code, "invalid_options");
    assert.equal((await errorOf(checkWriteKey(" ", {}))).code, "invalid_options");
    assert.equal((await errorOf(checkWriteKey(US_KEY, { target: "rudderstack" }))).code, "invalid_endpoint");
  } finally {
    await cdn.close();
  }
});

/** Every row once at the receiver, and no answer but 200. */
async function assertAllOnce(local, out, report, rows) {
  const stats = await local.stats();
  assert.deepEqual(Object.keys(stats.byStatus), ["200"], `only 200s: ${JSON.stringify(stats.byStatus)}`);
  assert.equal(stats.duplicates, 0);
  assert.equal(stats.messages, rows);
  assert.equal(receivedById(out).size, rows);
  assert.equal(report.delivered, rows);
  assert.equal(report.balanced, true);
  return stats;
}

test("rudderstack: batches up to its 4 MB, bigger than Segment's 500 KB, every row once", async () => {
  const ROWS = 30_000;
  const file = csv(ROWS);
  let rudder;
  await withReceiver(["--target", "rudderstack", "--write-key", "rs-key"], async ({ local, out }) => {
    const bodyAuth = await errorOf(importFile(file, MAPPING, {
      endpoint: local.endpoint, writeKey: "rs-key", target: "rudderstack", auth: "body",
    }));
    assert.equal(bodyAuth.code, "invalid_options");
    assert.match(bodyAuth.message, /RudderStack takes the write key only in an Authorization header/);
    assert.equal((await local.stats()).requests, 0, "refused before any request");

    const report = await importFile(file, MAPPING, { endpoint: local.endpoint, writeKey: "rs-key", target: "rudderstack" });
    const stats = await assertAllOnce(local, out, report, ROWS);
    rudder = stats;
    assert.ok(stats.bodyBytes / stats.requests > SEGMENT_BODY, `mean body ${stats.bodyBytes / stats.requests} B`);
    assert.ok(stats.bodyBytes / stats.requests <= RUDDERSTACK_BODY);
  });
  await withReceiver(["--write-key", "seg-key"], async ({ local, out }) => {
    const report = await importFile(file, MAPPING, { endpoint: local.endpoint, writeKey: "seg-key", target: "custom" });
    const stats = await assertAllOnce(local, out, report, ROWS);
    assert.ok(stats.bodyBytes / stats.requests <= SEGMENT_BODY);
    assert.ok(rudder.requests * 5 < stats.requests, `RudderStack ${rudder.requests} requests, Segment's limits ${stats.requests}`);
    console.log(`# ${ROWS} rows: rudderstack ${rudder.requests} requests (${rudder.bodyBytes} B), segment limits ${stats.requests} requests (${stats.bodyBytes} B)`);
  });
});

test("new Importer with target rudderstack cuts batches above 500 KB, none over 4 MB", () => {
  const bytes = new TextEncoder().encode(
    ["id,user_id,event,created_at,note", ...Array.from({ length: 20_000 }, (_, i) => `r${i},u${i},E,2024-01-01T00:00:00Z,${"y".repeat(200)}`)].join("\n"),
  );
  const sizes = (target) => {
    const importer = new Importer(MAPPING, target ? { target } : {});
    importer.push(bytes);
    importer.finish();
    return importer.takeBatches().map((b) => new TextEncoder().encode(b).length);
  };
  const rudder = sizes("rudderstack");
  const segment = sizes(undefined);
  assert.ok(rudder.some((n) => n > SEGMENT_BODY), `largest ${Math.max(...rudder)}`);
  assert.ok(rudder.every((n) => n <= RUDDERSTACK_BODY));
  assert.ok(segment.every((n) => n <= SEGMENT_BODY));
  assert.ok(rudder.length < segment.length);
  assert.throws(() => new Importer(MAPPING, { target: "nope" }), (e) => e.code === "invalid_options");
});

/** Ids Jitsu would keep, and the rows whose id it would change. */
const jitsuId = (i) => (i === 3 ? "a".repeat(65) : i === 7 ? "order#7" : i === 11 ? "ok.dot" : `order-${i}`);
const JITSU_BAD = [[4, "message_id_too_long"], [8, "invalid_message_id"], [12, "invalid_message_id"]];

test("jitsu: messageIds it would change rejected with the reason, the rest delivered; checkFiles names the same rows", async () => {
  const ROWS = 40;
  const file = csv(ROWS, jitsuId);
  await withReceiver(["--target", "jitsu", "--write-key", "j-key"], async ({ local, out }) => {
    const report = await importFile(file, WITH_IDS, { endpoint: local.endpoint, writeKey: "j-key", target: "jitsu" });
    // Row numbers count the header as row 1.
    const rejected = report.rejectedRows.map((r) => [r.row, r.issues[0].code]);
    assert.deepEqual(rejected.map(([row, code]) => [row - 1, code]), JITSU_BAD);
    assert.match(report.rejectedRows[0].issues[0].message, /messageId is 65 characters; Jitsu takes at most 64/);
    assert.match(report.rejectedRows[1].issues[0].message, /'#', which Jitsu changes/);
    assert.equal(report.rejected, 3);
    const stats = await assertAllOnce(local, out, report, ROWS - 3);
    assert.ok(stats.requests >= 1);
    for (const id of receivedById(out).keys()) assert.match(id, /^[A-Za-z0-9_-]{1,64}$/);

    const check = await checkFiles([new File([await file.arrayBuffer()], "ids.csv")], WITH_IDS, { target: "jitsu" });
    assert.deepEqual(check.rejectedRows.map((r) => [r.row, r.issues[0].code]), rejected);
    // For Segment the same ids are fine.
    const segment = await checkFiles([new File([await file.arrayBuffer()], "ids.csv")], WITH_IDS);
    assert.equal(segment.rejected, 0);
  });
});

test("hightouch: Segment's limits, the key in the Authorization header, every row once", async () => {
  const ROWS = 3_000;
  await withReceiver(["--target", "hightouch", "--write-key", "h-key"], async ({ local, out }) => {
    const report = await importFile(csv(ROWS), MAPPING, { endpoint: local.endpoint, writeKey: "h-key", target: "hightouch" });
    const stats = await assertAllOnce(local, out, report, ROWS);
    assert.ok(stats.requests > 1 && stats.bodyBytes / stats.requests <= SEGMENT_BODY);
    const wrongKey = await importFile(csv(10), MAPPING, { endpoint: local.endpoint, writeKey: "other", target: "hightouch" });
    assert.equal(wrongKey.delivered, 0);
    assert.equal(wrongKey.undelivered, 10, "a wrong key: every row named undelivered");
  });
});
