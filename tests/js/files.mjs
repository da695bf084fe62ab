// Several files for the tests of importFiles and checkFiles: a Segment
// archive folder of gzipped NDJSON hours and monthly CSVs with their own
// delimiters, written into a folder, the way the CLI's tests make them
// (tests/cli_files_send.rs).
import { mkdirSync, writeFileSync, readdirSync, statSync, openAsBlob } from "node:fs";
import { gzipSync } from "node:zlib";
import { join, relative, sep } from "node:path";

/** The mapping of the monthly CSVs (the CLI tests' MAPPING). */
export const ORDERS_MAPPING = {
  type: "track",
  rules: [
    { from: "user_id", to: "userId" },
    { from: "event", to: "event" },
    { from: "created_at", to: "timestamp" },
    { from: "price", to: "properties.revenue", as: "number" },
  ],
  rest: "properties",
};

/**
 * One hour of a Segment archive: gzipped NDJSON, full messages as Segment
 * kept them (`[event, timestamp]` each; an event of `null` is a track
 * without one, which is rejected).
 */
function archiveHour(source, day, file, events) {
  const folder = join(source, day);
  mkdirSync(folder, { recursive: true });
  const lines = events.map(([event, at]) => JSON.stringify({
    type: "track", ...(event ? { event } : {}), userId: "u1", timestamp: at,
    messageId: `original-${event}-${at}`, sentAt: at, receivedAt: at, projectId: "p1", version: 2,
  }));
  writeFileSync(join(folder, file), gzipSync(lines.join("\n") + "\n"));
}

/** `n` events named `${prefix}1`... a minute apart from `start` (ISO, UTC). */
function minutes(prefix, start, n) {
  return Array.from({ length: n }, (_, i) =>
    [`${prefix}${i + 1}`, new Date(Date.parse(start) + i * 60_000).toISOString()]);
}

/**
 * `dir/segment-logs/Ab12Cd/<day>/<epoch-ms>.<id>.gz`: four hours, written
 * latest first (the day folder 999999999999, of 2001, sorts after the 2018
 * ones as text but comes first in time). Returns the folder, every file's
 * name relative to it, the events in time order, and the one row rejected.
 */
export function writeArchive(dir) {
  const root = join(dir, "segment-logs");
  const source = join(root, "Ab12Cd");
  const hours = [
    ["999999999999", "999999999999.z9.gz", minutes("A", "2001-09-09T01:46:39Z", 20)],
    ["1517443200000", "1517446800000.a1.gz", minutes("B", "2018-02-01T01:00:00Z", 30)],
    ["1517443200000", "1517500800000.b2.gz", minutes("C", "2018-02-01T16:00:00Z", 25)],
    ["1517529600000", "1517533200000.c3.gz", minutes("D", "2018-02-02T01:00:00Z", 15)],
  ];
  // Row 3 of the second hour has no event.
  const second = hours[1][2];
  second.splice(2, 0, [null, "2018-02-01T01:01:30Z"]);
  for (const [day, file, events] of [...hours].reverse()) archiveHour(source, day, file, events);
  return {
    root,
    names: hours.map(([day, file]) => `Ab12Cd/${day}/${file}`),
    events: hours.flatMap(([, , events]) => events.filter(([e]) => e).map(([e]) => e)),
    rejected: { file: "Ab12Cd/1517443200000/1517446800000.a1.gz", row: 3, code: "missing_event" },
  };
}

/**
 * `rows` orders named `${prefix}-${i}` with `delimiter`; every 10th row has
 * no user (rejected). `header` may be changed (a file lacking a column).
 */
export function monthText(prefix, delimiter, rows, header = ["order_id", "user_id", "event", "created_at", "price"]) {
  const lines = [header.join(delimiter)];
  for (let i = 1; i <= rows; i++) {
    const day = String(1 + (i % 28)).padStart(2, "0");
    const minute = String(i % 60).padStart(2, "0");
    lines.push([`${prefix}-${i}`, i % 10 === 0 ? "" : `u${i}`, "Order Completed",
      `2024-03-${day}T10:${minute}:00Z`, "7"].join(delimiter));
  }
  return lines.join("\n") + "\n";
}

/**
 * `dir/exports/orders-{1,2,3}.csv`, each with its own delimiter (comma,
 * semicolon, tab), and the mapping next to it. Returns the folder, the
 * names, the mapping's path and the rows each file has.
 */
export function writeMonths(dir, rows) {
  const root = join(dir, "exports");
  mkdirSync(root, { recursive: true });
  const months = [["orders-1.csv", "A", ","], ["orders-2.csv", "B", ";"], ["orders-3.csv", "C", "\t"]];
  for (const [name, prefix, delimiter] of months) writeFileSync(join(root, name), monthText(prefix, delimiter, rows));
  const mapping = join(dir, "orders.mapping.json");
  writeFileSync(mapping, JSON.stringify(ORDERS_MAPPING));
  return { root, names: months.map(([name]) => name), mapping, rows };
}

/** Every file under `root`, by its name relative to it (`/`-separated). */
export function filesUnder(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else found.push(relative(root, path).split(sep).join("/"));
    }
  };
  walk(root);
  return found;
}

/** `{ name, file }` entries of `names` under `root`, in the order given. */
export async function namedBlobs(root, names) {
  return Promise.all(names.map(async (name) => ({ name, file: await openAsBlob(join(root, name)) })));
}
