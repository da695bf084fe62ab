// The benchmark's hand-written JavaScript job, shared by the Papa Parse and
// uDSV workers (loaded with importScripts), so that only the parser differs:
// each row (an object keyed by header) is mapped by hand to the Segment
// message bench/mapping.json describes, checked, stringified, and packed into
// `/v1/batch` bodies under Segment's limits. Its messageIds are random UUIDs
// (cheaper than our deterministic ones, and what the existing tools do).

const MAX_BODY = 475000; // bytes, as our batches: 500 KB with a safety margin
const MAX_MESSAGES = 2500;
const MAX_MESSAGE = 32000;
const LIBRARY = '"context":{"library":{"name":"hand-written","version":"1.0.0"}}';

/** UTF-8 length of a string, without encoding it. */
function utf8Length(s) {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 2; i++; } // a surrogate pair: 4 bytes for 2 units
    else n += 2;
  }
  return n;
}

/** "2024-05-06 18:00:00" (no zone, meaning UTC) or RFC 3339 → ISO with ms, or null. */
function isoTime(text) {
  if (!text) return null;
  const t = new Date(text.length === 19 && text[10] === " " ? `${text.replace(" ", "T")}Z` : text);
  return Number.isNaN(t.getTime()) ? null : t.toISOString();
}

/** One CSV row (an object keyed by header) → a track message, or a reason. */
function toMessage(row) {
  if (!row.user_id) return "missing userId";
  if (!row.event) return "missing event";
  const timestamp = isoTime(row.created_at);
  if (!timestamp) return "bad timestamp";
  const properties = {};
  if (row.shipped_at) {
    const shipped = isoTime(row.shipped_at);
    if (!shipped) return "bad shipped_at";
    properties.shipped_at = shipped;
  }
  if (row.price !== "") {
    const revenue = Number(row.price);
    if (!Number.isFinite(revenue)) return "price is not a number";
    properties.revenue = revenue;
  }
  if (row.quantity !== "") {
    const quantity = Number(row.quantity);
    if (!Number.isInteger(quantity)) return "quantity is not an integer";
    properties.quantity = quantity;
  }
  for (const key of ["order_id", "currency", "product", "note", "country"]) {
    if (row[key] !== "" && row[key] !== undefined) properties[key] = row[key];
  }
  return {
    type: "track",
    userId: row.user_id,
    event: row.event,
    timestamp,
    messageId: crypto.randomUUID(),
    context: { traits: { email: row.email } },
    properties,
  };
}

/**
 * The batcher: `row(object)` for each parsed row, then `finish()` for the
 * counts (rows, valid, rejected, batches, bodyLength).
 */
function mappingSink() {
  let rows = 0, valid = 0, rejected = 0, batches = 0, bodyLength = 0;
  let parts = [], size = 0;
  const flush = () => {
    const body = `{"batch":[${parts.join(",")}],"sentAt":"${new Date().toISOString()}",${LIBRARY}}`;
    batches++;
    bodyLength += body.length;
    parts = [];
    size = 0;
  };
  return {
    row(row) {
      rows++;
      const message = toMessage(row);
      if (typeof message === "string") { rejected++; return; }
      const json = JSON.stringify(message);
      const bytes = utf8Length(json);
      if (bytes > MAX_MESSAGE) { rejected++; return; }
      if (parts.length === MAX_MESSAGES || size + bytes + 1 + 200 > MAX_BODY) flush();
      parts.push(json);
      size += bytes + 1;
      valid++;
    },
    finish() {
      if (parts.length) flush();
      return { rows, valid, rejected, batches, bodyLength };
    },
  };
}

/** The worker's message handler around `run(file)` (set after importScripts). */
function serve(run) {
  onmessage = async ({ data }) => {
    try {
      const t0 = performance.now();
      const result = await run(data.file);
      postMessage({ ok: true, ms: performance.now() - t0, ...result });
    } catch (e) {
      postMessage({ ok: false, error: String(e?.message ?? e) });
    }
  };
  postMessage({ ready: true });
}
