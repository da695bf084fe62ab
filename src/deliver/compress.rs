//! Gzip request bodies, and the rule for an endpoint that will not take them.
//!
//! Segment accepts `Content-Encoding: gzip` (its Python and PHP libraries
//! send it). Its limits (475,000 bytes a batch here, 32 KB a message) apply
//! to the JSON before compression, so batches are cut on the JSON exactly as
//! without compression ([`crate::batch`]); gzip only shrinks what crosses
//! the wire.
//!
//! # When an endpoint refuses gzip
//!
//! Not every Segment-compatible endpoint decodes gzip, and a proxy in front
//! of one may not either. What they answer:
//!
//! - **415 Unsupported Media Type**: the HTTP answer for an encoding a server
//!   does not take (RFC 9110 §15.5.16). Always a refusal of the encoding.
//! - **400** that names the encoding ("unsupported Content-Encoding",
//!   "gzip", "decompress"): a refusal.
//! - **400** "invalid JSON" or the like: a server that ignores
//!   `Content-Encoding` reads the gzip bytes as JSON and fails. Indistinct
//!   from a batch that is truly bad, so until the endpoint has accepted one
//!   gzip body, any 400 to a gzip body is tried once more uncompressed; a 2xx
//!   then means the endpoint refuses gzip. After one 2xx to gzip, a 400 is the
//!   batch's own (the engine splits it as usual).
//! - **In a browser**, a preflight that does not allow `Content-Encoding`
//!   fails the request before any body is sent: a network error to the page,
//!   the same as a dropped connection. So, until gzip was accepted once, a
//!   network error to a gzip body is tried once more uncompressed, and
//!   [`NETWORK_STRIKES`] such errors each followed by a 2xx uncompressed
//!   make the refusal (one could be a fault of the network).
//!
//! The resend is the same body (same messageIds), never compressed, and only
//! after an answer that accepted nothing: no row is lost or sent twice.
//! Under [`Compression::Auto`] the refusal is then remembered for the rest of
//! the run; under [`Compression::Gzip`] there is no fallback (the answer goes
//! to the engine as it is, which names the rows undelivered with it).
//!
//! # The level
//!
//! [`GZIP_LEVEL`] was chosen by measurement (`make bench-native` prints the
//! table) on the first 10 MB of batch bodies (21 batches) of the benchmark's
//! generated orders CSV, release build, one core of the development machine.
//! The level means something else in each deflate backend flate2 links: the
//! command-line tool's build links zlib-rs (the workbook reader's zip asks
//! for it, and flate2 then uses it), the browser's miniz_oxide.
//!
//! | level | zlib-rs (CLI) MB/s in | wire / JSON | miniz_oxide MB/s in | wire / JSON |
//! | --- | --- | --- | --- | --- |
//! | 1 | 477 | 0.269 | 325 | 0.215 |
//! | 2 | 300 | 0.191 | 91 | 0.199 |
//! | 3 | 208 | 0.185 | 66 | 0.186 |
//! | 4 | 177 | 0.180 | 68 | 0.179 |
//! | 5 | 183 | 0.177 | 45 | 0.177 |
//! | 6 | 132 | 0.172 | 31 | 0.175 |
//!
//! Natively, level 2: zlib-rs's level 1 is a faster but looser strategy;
//! level 2 takes the wire to under a fifth (0.191) at ~300 MB/s (~57 MB/s
//! out, more than a gigabit uplink carries). In wasm, level 1: miniz_oxide's
//! fast path takes it to about a fifth at ~325 MB/s natively, where its
//! level 2 would run at a quarter of the speed for 7% less wire. Either way
//! compressing never slows a send below what the network takes.
//!
//! In Chromium (the package, same bodies of another generated CSV): this
//! level 1 in wasm 279 MB/s to 0.186; `CompressionStream("gzip")` 48 MB/s to
//! 0.146 (zlib's default level, not settable); level 6 in wasm 30 MB/s to
//! 0.145. So the browser uses the wasm core too.

use super::Outcome;

/// The gzip level request bodies are compressed at (see the module's table).
pub const GZIP_LEVEL: u32 = if cfg!(target_arch = "wasm32") { 1 } else { 2 };

/// How many network errors to gzip bodies, each answered 2xx uncompressed,
/// make a browser's endpoint one that refuses gzip.
pub const NETWORK_STRIKES: u32 = 3;

/// Whether request bodies are gzipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Gzip, unless the endpoint refuses it; then uncompressed for the rest
    /// of the run.
    #[default]
    Auto,
    /// Always gzip; a refusal is the endpoint's answer, as any other.
    Gzip,
    /// Never compress.
    None,
}

impl std::str::FromStr for Compression {
    type Err = String;

    fn from_str(s: &str) -> Result<Compression, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Compression::Auto),
            "gzip" => Ok(Compression::Gzip),
            "none" => Ok(Compression::None),
            other => Err(format!(
                "unknown compression {other:?} (auto, gzip or none)"
            )),
        }
    }
}

/// `body` as one gzip member at `level` (0–9, clamped).
pub fn gzip_body(body: &[u8], level: u32) -> Vec<u8> {
    use std::io::Write;
    // Gzip of JSON is rarely above a fifth of it; room for the header.
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4 + 64),
        flate2::Compression::new(level.min(9)),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

/// What to do with an answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The answer stands: hand it to the engine.
    Keep,
    /// Send the same body again uncompressed, and hand that answer to the
    /// engine instead (then report it with [`EncodingChoice::after_plain`]).
    ResendPlain,
}

/// The compression decision for one endpoint over one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodingChoice {
    mode: Compression,
    /// Some answer to a gzip body was a 2xx: a 400 is then the batch's own.
    gzip_accepted: bool,
    /// Why the endpoint is taken to refuse gzip, once it is.
    refused: Option<String>,
    /// Network errors to gzip bodies whose plain resend was taken.
    strikes: u32,
}

impl EncodingChoice {
    pub fn new(mode: Compression) -> EncodingChoice {
        EncodingChoice {
            mode,
            gzip_accepted: false,
            refused: None,
            strikes: 0,
        }
    }

    /// Whether the next request is gzipped.
    pub fn compress(&self) -> bool {
        match self.mode {
            Compression::Gzip => true,
            Compression::None => false,
            Compression::Auto => self.refused.is_none(),
        }
    }

    /// Why the endpoint is taken to refuse gzip (after a fallback under auto).
    pub fn refused(&self) -> Option<&str> {
        self.refused.as_deref()
    }

    /// The answer to a request that was (`compressed`) or was not gzipped.
    /// `browser`: a network error may be a CORS preflight refusing
    /// `Content-Encoding` (nothing was sent, so a resend is safe).
    pub fn after(&mut self, compressed: bool, outcome: &Outcome, browser: bool) -> Verdict {
        if !compressed {
            return Verdict::Keep;
        }
        let (code, body) = match outcome {
            Outcome::Status { code, body, .. } => (*code, body.as_str()),
            Outcome::NetworkError(_) if browser && !self.gzip_accepted => (0, ""),
            _ => return Verdict::Keep,
        };
        if (200..300).contains(&code) {
            self.gzip_accepted = true;
            return Verdict::Keep;
        }
        if self.mode != Compression::Auto {
            return Verdict::Keep;
        }
        if code == 415 || (code == 400 && names_the_encoding(body)) {
            self.refused
                .get_or_insert_with(|| format!("it answered HTTP {code} to a gzip body"));
            return Verdict::ResendPlain;
        }
        if (code == 400 || code == 0) && !self.gzip_accepted {
            return Verdict::ResendPlain;
        }
        Verdict::Keep
    }

    /// The answer to an uncompressed resend after [`Verdict::ResendPlain`]:
    /// a 2xx where gzip failed proves the endpoint refuses gzip.
    pub fn after_plain(&mut self, first: &Outcome, plain: &Outcome) {
        if self.refused.is_some() {
            return;
        }
        let Outcome::Status { code, .. } = plain else {
            return;
        };
        if !(200..300).contains(code) {
            return;
        }
        self.refused = match first {
            Outcome::Status { code: first, .. } => Some(format!(
                "it answered HTTP {first} to a gzip body and {code} to the same batch uncompressed"
            )),
            _ => {
                self.strikes += 1;
                (self.strikes >= NETWORK_STRIKES).then(|| {
                    "its CORS preflight does not allow Content-Encoding: gzip bodies failed                      before sending, the same batches uncompressed went through"
                        .to_string()
                })
            }
        };
    }
}

/// A 400 that says it is about the encoding, not the batch.
fn names_the_encoding(body: &str) -> bool {
    let body = body.to_ascii_lowercase();
    ["gzip", "encoding", "compress", "deflate"]
        .iter()
        .any(|w| body.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_modes() {
        assert_eq!("auto".parse(), Ok(Compression::Auto));
        assert_eq!(" GZIP".parse(), Ok(Compression::Gzip));
        assert_eq!("none".parse(), Ok(Compression::None));
        assert!("br".parse::<Compression>().is_err());
    }

    #[test]
    fn gzip_round_trips() {
        use std::io::Read;
        let json = br#"{"batch":[{"type":"track","event":"x","userId":"u"}]}"#.repeat(50);
        let packed = gzip_body(&json, GZIP_LEVEL);
        assert!(packed.len() < json.len() / 5);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_end(&mut back)
            .expect("gzip");
        assert_eq!(back, json);
    }

    #[test]
    fn a_415_under_auto_falls_back_and_is_remembered() {
        let mut c = EncodingChoice::new(Compression::Auto);
        assert!(c.compress());
        assert_eq!(
            c.after(true, &Outcome::status(415, ""), false),
            Verdict::ResendPlain
        );
        assert!(!c.compress());
        assert!(c.refused().is_some_and(|r| r.contains("415")));
        // The uncompressed answer is the batch's own.
        assert_eq!(
            c.after(false, &Outcome::status(400, "bad"), false),
            Verdict::Keep
        );
    }

    #[test]
    fn a_400_is_tried_plain_only_until_gzip_was_accepted() {
        let mut c = EncodingChoice::new(Compression::Auto);
        let bad = Outcome::status(400, "Invalid JSON");
        assert_eq!(c.after(true, &bad, false), Verdict::ResendPlain);
        // Plain also 400: the batch is bad, gzip is not refused.
        c.after_plain(&bad, &Outcome::status(400, "Invalid JSON"));
        assert!(c.compress());
        // Plain 200: the endpoint could not read gzip.
        c.after_plain(&bad, &Outcome::status(200, "{}"));
        assert!(!c.compress());

        let mut c = EncodingChoice::new(Compression::Auto);
        assert_eq!(
            c.after(true, &Outcome::status(200, "{}"), false),
            Verdict::Keep
        );
        assert_eq!(c.after(true, &bad, false), Verdict::Keep);
        // Naming the encoding is a refusal even then.
        let named = Outcome::status(400, "unsupported Content-Encoding: gzip");
        assert_eq!(c.after(true, &named, false), Verdict::ResendPlain);
        assert!(!c.compress());
    }

    #[test]
    fn forced_gzip_and_none_never_fall_back() {
        let mut c = EncodingChoice::new(Compression::Gzip);
        assert_eq!(
            c.after(true, &Outcome::status(415, ""), false),
            Verdict::Keep
        );
        assert!(c.compress());
        let c = EncodingChoice::new(Compression::None);
        assert!(!c.compress());
    }

    #[test]
    fn network_errors_fall_back_only_in_a_browser_before_any_success() {
        let err = Outcome::NetworkError("TypeError: Failed to fetch".into());
        let mut c = EncodingChoice::new(Compression::Auto);
        assert_eq!(c.after(true, &err, false), Verdict::Keep);
        for strike in 1..=NETWORK_STRIKES {
            assert_eq!(c.after(true, &err, true), Verdict::ResendPlain);
            c.after_plain(&err, &Outcome::status(200, "{}"));
            // One dropped connection is not a refusal.
            assert_eq!(c.compress(), strike < NETWORK_STRIKES);
        }
        assert!(c.refused().is_some_and(|r| r.contains("CORS")));

        let mut c = EncodingChoice::new(Compression::Auto);
        c.after(true, &Outcome::status(200, "{}"), true);
        assert_eq!(c.after(true, &err, true), Verdict::Keep);
        // Timeouts and redirects are never about the encoding.
        assert_eq!(c.after(true, &Outcome::Timeout, true), Verdict::Keep);
    }
}
