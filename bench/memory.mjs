// What the benchmarks measure of Chromium's memory, shared by bench/run.mjs
// and bench/send/run.mjs.
import { readFileSync } from "node:fs";

/** The renderer processes' resident memory, summed (Linux /proc), in bytes. */
export async function rendererRss(cdp) {
  const { processInfo } = await cdp.send("SystemInfo.getProcessInfo");
  let kb = 0;
  for (const p of processInfo.filter((p) => p.type === "renderer")) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.id}/status`, "utf8"));
      kb += m ? Number(m[1]) : 0;
    } catch {
      // the process ended between the list and the read
    }
  }
  return kb * 1024;
}
