//! Streaming gunzip, push style.
//!
//! `flate2::write::MultiGzDecoder` because concatenated gzip members are
//! common (`cat a.gz b.gz`, log rotation) and must read as one stream.

use std::io::Write;

use flate2::write::MultiGzDecoder;

use super::SourceError;

/// The two bytes every gzip stream starts with.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A streaming gzip decompressor: compressed bytes in, plain bytes out.
#[derive(Debug)]
pub struct Gunzip {
    decoder: MultiGzDecoder<Vec<u8>>,
    bytes_in: u64,
}

impl Default for Gunzip {
    fn default() -> Self {
        Gunzip::new()
    }
}

impl Gunzip {
    /// A decompressor at the start of a stream.
    pub fn new() -> Gunzip {
        Gunzip {
            decoder: MultiGzDecoder::new(Vec::new()),
            bytes_in: 0,
        }
    }

    /// Decompresses `input`, appending what it yields to `out`.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), SourceError> {
        self.bytes_in += input.len() as u64;
        self.decoder.write_all(input).map_err(corrupt)?;
        // flate2 keeps up to 32 KB of output in its own buffer until the next
        // write; flush so every push hands out all it can (sniffing a
        // truncated sample depends on it).
        self.decoder.flush().map_err(corrupt)?;
        out.append(self.decoder.get_mut());
        Ok(())
    }

    /// Ends the stream: checks the last member is complete (CRC and length).
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), SourceError> {
        if self.bytes_in == 0 {
            return Ok(());
        }
        self.decoder.try_finish().map_err(|e| SourceError {
            row: None,
            message: format!("gzip: the compressed file is truncated or corrupt: {e}"),
        })?;
        out.append(self.decoder.get_mut());
        Ok(())
    }
}

fn corrupt(e: std::io::Error) -> SourceError {
    SourceError {
        row: None,
        message: format!("gzip: the compressed data is corrupt: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn multi_member_at_every_split() {
        let mut input = gz(b"a,b\n1,2\n");
        input.extend(gz(b"3,4\n"));
        for at in 0..=input.len() {
            let mut g = Gunzip::new();
            let mut out = Vec::new();
            g.push(&input[..at], &mut out).unwrap();
            g.push(&input[at..], &mut out).unwrap();
            g.finish(&mut out).unwrap();
            assert_eq!(out, b"a,b\n1,2\n3,4\n", "split at {at}");
        }
    }

    #[test]
    fn truncated_stream_gives_its_prefix_then_fails_at_finish() {
        let data: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("{i},x\n").into_bytes())
            .collect();
        let input = gz(&data);
        let mut g = Gunzip::new();
        let mut out = Vec::new();
        g.push(&input[..input.len() / 2], &mut out).unwrap();
        assert!(!out.is_empty() && data.starts_with(&out));
        assert!(g.finish(&mut out).is_err());
    }

    #[test]
    fn garbage_is_an_error() {
        let mut g = Gunzip::new();
        let mut out = Vec::new();
        let mut input = gz(b"abc");
        input[12] ^= 0xFF;
        input[13] ^= 0xFF;
        let r = g.push(&input, &mut out).and_then(|_| g.finish(&mut out));
        let err = r.unwrap_err();
        assert!(err.message.starts_with("gzip:"), "{err}");
    }
}
