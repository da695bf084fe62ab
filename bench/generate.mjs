// Writes the benchmark's CSV: deterministic (fixed seed), so every run and
// every machine measures the same bytes.
//
//   node bench/generate.mjs ROWS OUT.csv
//
// Twelve columns of what order exports hold: ids, an email, an event name,
// timestamps in two forms (RFC 3339 with milliseconds, and "YYYY-MM-DD
// HH:MM:SS" without a zone), a price and a quantity, unicode product names,
// and free text that needs quoting (commas, newlines, escaped quotes).
// About 132 bytes a row: 1M rows ≈ 132 MB.
import { createWriteStream } from "node:fs";
import { once } from "node:events";

export const HEADER =
  "order_id,user_id,email,event,created_at,shipped_at,price,quantity,currency,product,note,country\n";

const EVENTS = ["Order Completed", "Product Viewed", "Signed Up", "Cart Viewed", "Checkout Started"];
const PRODUCTS = ["Café crème", "Brötchen", "Mango 🥭", "Tee 緑茶", "Socks", "Crêpe Suzette", "Ποτήρι", "Lamp"];
const NOTES = ["", "gift", '"left at door, ring twice"', '"two\nlines"', '"said ""hi"""', "naïve ✓"];
const COUNTRIES = ["DE", "FR", "US", "GB", "JP", "BR", "IN", "ES"];

const pad = (n, w) => String(n).padStart(w, "0");

/** Rows `from..to` of the file as one string. */
export function rows(from, to) {
  let s = 0x5eed ^ from; // xorshift32, reseeded per block so blocks are independent
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  let out = "";
  for (let i = from; i < to; i++) {
    const a = next();
    const b = next();
    const month = pad(1 + (a % 12), 2);
    const day = pad(1 + ((a >>> 4) % 28), 2);
    const hh = pad((a >>> 9) % 24, 2);
    const mm = pad((a >>> 14) % 60, 2);
    const ss = pad((b >>> 3) % 60, 2);
    const ms = pad((b >>> 9) % 1000, 3);
    const user = (b >>> 12) % 200000;
    out +=
      `ORD-${pad(i, 8)},u${pad(user, 6)},u${user}@ex.com,${EVENTS[a % 5]},` +
      `2024-${month}-${day}T${hh}:${mm}:${ss}.${ms}Z,2024-${month}-${day} 18:${mm}:00,` +
      `${(b % 50000) / 100},${1 + (b % 9)},EUR,${PRODUCTS[(a >>> 20) % 8]},` +
      `${NOTES[(b >>> 22) % 6]},${COUNTRIES[(a >>> 26) % 8]}\n`;
  }
  return out;
}

/** Writes a file of `count` rows; resolves with its size in bytes. */
export async function generate(count, path) {
  const file = createWriteStream(path);
  file.write(HEADER);
  let bytes = Buffer.byteLength(HEADER);
  const BLOCK = 10000;
  for (let at = 0; at < count; at += BLOCK) {
    const text = rows(at, Math.min(count, at + BLOCK));
    bytes += Buffer.byteLength(text);
    if (!file.write(text)) await once(file, "drain");
  }
  file.end();
  await once(file, "finish");
  return bytes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [count, path] = [Number(process.argv[2]), process.argv[3]];
  if (!(count > 0) || !path) {
    console.error("usage: node bench/generate.mjs ROWS OUT.csv");
    process.exit(2);
  }
  const bytes = await generate(count, path);
  console.log(`${path}: ${count} rows, ${(bytes / 1e6).toFixed(1)} MB`);
}
