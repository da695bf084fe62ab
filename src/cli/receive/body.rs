//! Reading a request body within a byte limit, and gzip decoding.
//!
//! Bytes past the limit are read and thrown away (up to [`DRAIN_CAP`]) rather
//! than left unread: closing a socket with unread input makes the kernel send
//! a reset, and the client would see "connection reset" instead of our 400.

use std::io::Read as _;

use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, CONTENT_ENCODING, CONTENT_LENGTH};

/// How much of an oversize body we read and discard before giving up on the
/// connection (then the client may see a reset instead of the 400).
const DRAIN_CAP: u64 = 64 * 1024 * 1024;

/// Why a body could not be used.
#[derive(Debug)]
pub(super) enum BodyError {
    /// Over the limit, before or after gzip decoding.
    TooLarge,
    /// The client went away or sent a broken stream.
    Read(String),
    /// `Content-Encoding: gzip` with bytes that are not gzip.
    BadGzip(String),
    /// A `Content-Encoding` we do not decode.
    UnsupportedEncoding(String),
}

impl BodyError {
    /// A message for the error answer.
    pub(super) fn message(&self, limit: usize) -> String {
        match self {
            BodyError::TooLarge => format!("request body is over the {limit}-byte limit"),
            BodyError::Read(e) => format!("could not read the request body: {e}"),
            BodyError::BadGzip(e) => format!("invalid gzip body: {e}"),
            BodyError::UnsupportedEncoding(e) => format!("unsupported Content-Encoding: {e}"),
        }
    }
}

/// Reads at most `limit` bytes of body; more is [`BodyError::TooLarge`]
/// (after draining the rest, see the module comment).
pub(super) async fn read(
    mut body: Incoming,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_CAP) {
        // Not worth draining: answer now and let the connection close.
        return Err(BodyError::TooLarge);
    }
    // Trust a declared length only to pre-size the buffer, never beyond the limit.
    let capacity = declared.map_or(0, |n| n.min(limit as u64) as usize);
    let mut buf = Vec::with_capacity(capacity);
    let mut total: u64 = 0;
    let mut too_large = false;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Read(e.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        total += data.len() as u64;
        if too_large {
            if total > DRAIN_CAP {
                return Err(BodyError::TooLarge);
            }
            continue;
        }
        if buf.len() + data.len() > limit {
            too_large = true;
            buf = Vec::new(); // free it now; only counting from here on
            continue;
        }
        buf.extend_from_slice(&data);
    }
    if too_large {
        Err(BodyError::TooLarge)
    } else {
        Ok(buf)
    }
}

/// Undoes `Content-Encoding` (only gzip is supported, as Segment's Python and
/// PHP libraries send it). The decoded size is held to `limit` too, since the
/// importer sizes batches by their uncompressed JSON.
pub(super) fn decode(
    headers: &HeaderMap,
    raw: Vec<u8>,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    let encoding = match headers.get(CONTENT_ENCODING) {
        None => return Ok(raw),
        Some(value) => value
            .to_str()
            .map_err(|_| BodyError::UnsupportedEncoding("(not ASCII)".to_string()))?
            .trim()
            .to_ascii_lowercase(),
    };
    match encoding.as_str() {
        "" | "identity" => Ok(raw),
        "gzip" | "x-gzip" => {
            let mut decoded = Vec::new();
            flate2::read::MultiGzDecoder::new(raw.as_slice())
                .take(limit as u64 + 1)
                .read_to_end(&mut decoded)
                .map_err(|e| BodyError::BadGzip(e.to_string()))?;
            if decoded.len() > limit {
                Err(BodyError::TooLarge)
            } else {
                Ok(decoded)
            }
        }
        other => Err(BodyError::UnsupportedEncoding(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use hyper::header::HeaderValue;
    use std::io::Write as _;

    fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes)?;
        encoder.finish()
    }

    fn gzip_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        headers
    }

    #[test]
    fn decodes_gzip_within_limit() -> std::io::Result<()> {
        let headers = gzip_headers();
        let packed = gzip(b"{\"batch\":[]}")?;
        assert_eq!(
            decode(&headers, packed, 100).ok().as_deref(),
            Some(&b"{\"batch\":[]}"[..])
        );
        let bomb = gzip(&vec![b' '; 10_000])?;
        assert!(matches!(
            decode(&headers, bomb, 1_000),
            Err(BodyError::TooLarge)
        ));
        assert!(matches!(
            decode(&headers, b"not gzip".to_vec(), 100),
            Err(BodyError::BadGzip(_))
        ));
        Ok(())
    }

    #[test]
    fn passes_identity_and_refuses_unknown() {
        assert!(decode(&HeaderMap::new(), b"x".to_vec(), 10).is_ok());
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("br"));
        assert!(matches!(
            decode(&headers, b"x".to_vec(), 10),
            Err(BodyError::UnsupportedEncoding(_))
        ));
    }
}
