// A stand-in for Segment's CDN on loopback, for the write-key check:
// `GET <base>/<key>/settings` answers a settings document for the keys it
// knows (one source in the US, one in the EU) and 404 for any other, as
// cdn.segment.com does. Used by node-targets.test.mjs and browser.test.mjs.
import { createServer } from "node:http";

export const US_KEY = "us-source-key";
export const EU_KEY = "eu-source-key";
/** A key the stand-in knows, but answered without CORS headers. */
export const NO_CORS_KEY = "no-cors-key";

/** The settings document of a source sending to `apiHost`. */
export const settingsOf = (apiHost) => ({
  integrations: {
    "Segment.io": { apiHost, unbundledIntegrations: ["Amplitude", "Mixpanel"] },
    "Google Analytics 4 Web": {},
  },
});

const HOSTS = {
  [US_KEY]: "api.segment.io/v1",
  [EU_KEY]: "events.eu1.segmentapis.com/v1",
  [NO_CORS_KEY]: "api.segment.io/v1",
};

/**
 * Starts the stand-in on a free port. Every answer carries
 * `Access-Control-Allow-Origin: *` (as Segment's CDN does) except those for
 * NO_CORS_KEY. `requests` lists the paths asked for.
 */
export async function standInCdn() {
  const requests = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    requests.push(path);
    const match = path.match(/^\/cdn\/([^/]+)\/settings$/);
    const key = match ? decodeURIComponent(match[1]) : null;
    const cors = key === NO_CORS_KEY ? {} : { "access-control-allow-origin": "*" };
    const host = key ? HOSTS[key] : undefined;
    if (host) {
      res.writeHead(200, { "content-type": "application/json", ...cors });
      res.end(JSON.stringify(settingsOf(host)));
    } else {
      res.writeHead(404, { "content-type": "text/plain", ...cors });
      res.end("Invalid path or write key provided.");
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    base: `http://127.0.0.1:${server.address().port}/cdn`,
    requests,
    close: () => new Promise((ok) => server.close(ok)),
  };
}
