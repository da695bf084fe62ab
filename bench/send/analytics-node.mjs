// `make bench-send`: the import the way Segment's guide recommends in Node,
// with its own library. Reads the CSV with a plain streaming parser (Papa
// Parse), builds the same track messages as bench/send/mapping.json and hands
// each to @segment/analytics-node, then waits for everything to be flushed.
//
//   node bench/send/analytics-node.mjs FILE ENDPOINT [FLUSH_AT]
//
// FLUSH_AT unset: the library's default (15). Prints {rows, errors} as JSON.
import { createReadStream } from "node:fs";
import Papa from "papaparse";
import { Analytics } from "@segment/analytics-node";

const [file, endpoint, flushAt] = process.argv.slice(2);
const url = new URL(endpoint);
const analytics = new Analytics({
  writeKey: "bench-write-key",
  host: url.origin,
  path: url.pathname,
  ...(flushAt ? { flushAt: Number(flushAt) } : {}),
  // Only make test-bench-send sets it: the last partial batch otherwise waits
  // for the library's 10 s flush timer, too long for a quick check.
  ...(process.env.BENCH_SEND_NODE_FLUSH_INTERVAL ? { flushInterval: Number(process.env.BENCH_SEND_NODE_FLUSH_INTERVAL) } : {}),
});
let errors = 0;
analytics.on("error", () => errors++);

// The hand-written mapping: what bench/send/mapping.json says, in code.
const TEXT = ["order_id", "email", "shipped_at", "currency", "product", "note", "country"];
function track(row) {
  const properties = { revenue: Number(row.price), quantity: parseInt(row.quantity, 10) };
  for (const k of TEXT) if (row[k] !== "") properties[k] = row[k];
  analytics.track({ userId: row.user_id, event: row.event, timestamp: row.created_at, properties });
}

let rows = 0;
await new Promise((ok, fail) =>
  Papa.parse(createReadStream(file, "utf8"), {
    header: true,
    skipEmptyLines: true,
    step: ({ data }) => {
      rows++;
      track(data);
    },
    complete: ok,
    error: fail,
  }),
);
await analytics.closeAndFlush({ timeout: 3_600_000 });
console.log(JSON.stringify({ rows, errors }));
// The library leaves a 10 s flush timer behind, which would keep Node alive
// for nothing once everything is delivered: exit now.
process.exit(0);
