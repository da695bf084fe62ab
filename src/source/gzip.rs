//! Streaming gunzip, push style.
//!
//! `flate2::write::MultiGzDecoder` because concatenated gzip members are
//! common (`cat a.gz b.gz`, log rotation) and must read as one stream.
//!
//! Bounded output: deflate expands up to ~1032:1, so a 1 MiB chunk of a gzip
//! bomb is a gigabyte of text. [`Gunzip::push_with`] therefore hands the text
//! on in pieces as it comes: each `write` into flate2 yields at most one
//! internal buffer (32 KiB) of output, which goes to the callback (the
//! decoder and the parser) before the next, so memory stays at a few buffers
//! however much the input expands.

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

    /// Decompresses `input`, handing the plain bytes to `each` in pieces of
    /// a few tens of KiB, in order; an error from `each` stops and is
    /// returned. Everything `input` yields is handed out before returning.
    pub fn push_with<F>(&mut self, mut input: &[u8], mut each: F) -> Result<(), SourceError>
    where
        F: FnMut(&[u8]) -> Result<(), SourceError>,
    {
        self.bytes_in += input.len() as u64;
        while !input.is_empty() {
            let n = self.decoder.write(input).map_err(corrupt)?;
            if n == 0 {
                // What `write_all` would say; looping again would never end.
                return Err(corrupt(std::io::ErrorKind::WriteZero.into()));
            }
            input = &input[n..];
            self.hand_out(&mut each)?;
        }
        // flate2 keeps up to 32 KB of output in its own buffer until the next
        // write; flush so every push hands out all it can (sniffing a
        // truncated sample depends on it). What is left after the input is
        // consumed is at most a window's worth: small.
        self.decoder.flush().map_err(corrupt)?;
        self.hand_out(&mut each)
    }

    /// Decompresses `input`, appending all it yields to `out`: for a sample
    /// of known small size only, as `out` grows with the expansion.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), SourceError> {
        self.push_with(input, |plain| {
            out.extend_from_slice(plain);
            Ok(())
        })
    }

    /// Ends the stream: checks the last member is complete (CRC and length),
    /// handing what is left to `each`.
    pub fn finish_with<F>(&mut self, mut each: F) -> Result<(), SourceError>
    where
        F: FnMut(&[u8]) -> Result<(), SourceError>,
    {
        if self.bytes_in == 0 {
            return Ok(());
        }
        self.decoder.try_finish().map_err(|e| SourceError {
            row: None,
            message: format!("gzip: the compressed file is truncated or corrupt: {e}"),
        })?;
        self.hand_out(&mut each)
    }

    /// Ends the stream as [`Gunzip::finish_with`], appending to `out`.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), SourceError> {
        self.finish_with(|plain| {
            out.extend_from_slice(plain);
            Ok(())
        })
    }

    fn hand_out<F>(&mut self, each: &mut F) -> Result<(), SourceError>
    where
        F: FnMut(&[u8]) -> Result<(), SourceError>,
    {
        let plain = self.decoder.get_mut();
        if plain.is_empty() {
            return Ok(());
        }
        let result = each(plain);
        plain.clear();
        result
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

    #[test]
    fn a_bomb_comes_out_in_small_pieces() {
        // 64 MB of zeros is ~64 KB compressed: pushed whole, it must still
        // come out in pieces of a few buffers, not as one 64 MB Vec.
        let zeros = vec![0u8; 64 << 20];
        let input = gz(&zeros);
        let mut g = Gunzip::new();
        let (mut total, mut largest) = (0usize, 0usize);
        let mut count = |plain: &[u8]| {
            assert!(plain.iter().all(|&b| b == 0));
            total += plain.len();
            largest = largest.max(plain.len());
            Ok(())
        };
        g.push_with(&input, &mut count).unwrap();
        g.finish_with(&mut count).unwrap();
        assert_eq!(total, zeros.len());
        assert!(largest <= 128 * 1024, "a piece of {largest} bytes");
    }

    #[test]
    fn an_error_from_the_callback_stops() {
        let mut g = Gunzip::new();
        let input = gz(&vec![b'x'; 1 << 20]);
        let mut calls = 0;
        let err = g
            .push_with(&input, |_| {
                calls += 1;
                Err(SourceError {
                    row: Some(3),
                    message: "stop".into(),
                })
            })
            .unwrap_err();
        assert_eq!((calls, err.row), (1, Some(3)));
    }
}
