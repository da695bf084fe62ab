// The link between a sender and the receiver in `make bench-send`: a TCP
// relay on loopback that counts the bytes each way (what goes on the wire:
// HTTP headers and bodies as sent, compressed or not) and, when asked,
// shapes them like a constrained uplink.
//
// Shaping (userspace, the same for every sender, native or browser):
//   - uplink (sender → receiver): one queue for all connections, drained at
//     `rateBps` bits per second (a single shared link, not a rate per
//     connection), then delayed by half the round trip;
//   - downlink (answers): delayed by half the round trip, not rate-limited.
// A connection whose bytes wait in the queue beyond 1 MiB is paused (TCP
// backpressure on the sender), as a full link buffer would. Not emulated:
// the round trip of the TCP handshake (the relay accepts at once; senders
// keep their connections alive, so it is paid once per connection).
import { createServer, connect } from "node:net";
import { performance } from "node:perf_hooks";

/**
 * Starts a relay to `target` ({host, port}) on a free loopback port.
 * `rateBps` 0 means unlimited; `rttMs` 0 means no added delay.
 */
export async function startLink(target, { rateBps = 0, rttMs = 0 } = {}) {
  const half = rttMs / 2;
  const totals = { up: 0, down: 0, connections: 0 };
  let linkFreeAt = 0; // when the shared uplink has sent everything queued so far

  /** A delayed, ordered writer to `socket`; `paused` flow control on `source`. */
  function delayLine(source, sink, limited) {
    const queue = [];
    let queued = 0;
    let timer = null;
    const pump = () => {
      timer = null;
      const now = performance.now();
      while (queue.length && queue[0].at <= now + 0.5) {
        const { chunk } = queue.shift();
        queued -= chunk.length;
        if (!sink.destroyed) sink.write(chunk);
      }
      if (queued < 256 << 10 && source.isPaused()) source.resume();
      if (queue.length) timer = setTimeout(pump, Math.max(0, queue[0].at - performance.now()));
      else if (source.ended && !sink.destroyed) sink.end();
    };
    source.on("data", (chunk) => {
      const now = performance.now();
      let at = now;
      if (limited && rateBps > 0) {
        at = Math.max(now, linkFreeAt) + (chunk.length * 8 * 1000) / rateBps;
        linkFreeAt = at;
      }
      at += half;
      if (at <= now && !queue.length) {
        sink.write(chunk);
        return;
      }
      queue.push({ chunk, at });
      queued += chunk.length;
      if (queued > 1 << 20) source.pause();
      if (!timer) timer = setTimeout(pump, Math.max(0, queue[0].at - now));
    });
    source.on("end", () => {
      source.ended = true;
      if (!queue.length && !sink.destroyed) sink.end();
    });
  }

  const sockets = new Set();
  const server = createServer((client) => {
    totals.connections++;
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    const upstream = connect(target.port, target.host);
    client.on("data", (c) => (totals.up += c.length));
    upstream.on("data", (c) => (totals.down += c.length));
    delayLine(client, upstream, true);
    delayLine(upstream, client, false);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", () => upstream.end());
    upstream.on("close", () => client.end());
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    /** Bytes each way since the last reset. */
    stats: () => ({ ...totals }),
    reset: () => Object.assign(totals, { up: 0, down: 0, connections: 0 }),
    close: () =>
      new Promise((ok) => {
        server.close(ok);
        for (const s of sockets) s.destroy();
      }),
  };
}

/**
 * Checks that a link shapes what it claims: one POST of `bytes` through it to
 * a sink that reads the body and answers, and a small request's round trip.
 * Resolves with the measured uplink rate (bits/s) and round trip (ms).
 */
export async function measureLink({ rateBps, rttMs }, bytes = 5 << 20) {
  const { createServer: http } = await import("node:http");
  const sink = http((req, res) => {
    req.on("data", () => {});
    req.on("end", () => res.end("ok"));
  });
  await new Promise((ok) => sink.listen(0, "127.0.0.1", ok));
  const link = await startLink({ host: "127.0.0.1", port: sink.address().port }, { rateBps, rttMs });
  try {
    // Warm the connection, then time a tiny request (one round trip).
    await (await fetch(`${link.url}/`, { method: "POST", body: "x" })).text();
    // The fastest of five (timers and a busy machine only ever add).
    let rtt = Infinity;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await (await fetch(`${link.url}/`, { method: "POST", body: "x" })).text();
      rtt = Math.min(rtt, performance.now() - t);
    }
    const body = new Uint8Array(bytes);
    const t0 = performance.now();
    await (await fetch(`${link.url}/`, { method: "POST", body })).text();
    const seconds = (performance.now() - t0 - rtt) / 1000;
    return { rateBps: (bytes * 8) / seconds, rttMs: rtt };
  } finally {
    await link.close();
    sink.close();
  }
}
