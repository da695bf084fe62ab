//! Streaming decoding of text to UTF-8.
//!
//! Push style: bytes go in as they come, UTF-8 comes out, and a character cut
//! across two pushes (a UTF-16 code unit, a surrogate pair, a BOM) is held back
//! until the rest arrives, so any chunking gives the same text.
//!
//! Windows-1252 uses a hand-written 32-entry table on purpose: `encoding_rs`
//! would add ~125 KB gzip to the wasm build for the one legacy encoding we need.
//!
//! UTF-8 is passed through unchecked (only a leading BOM is stripped): the
//! parsers work on bytes and invalid UTF-8 is reported per field downstream.

use super::Encoding;

/// U+FFFD REPLACEMENT CHARACTER, in UTF-8.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Windows-1252 bytes 0x80..=0x9F; the rest of the code page is Latin-1.
/// The five undefined bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1
/// control of the same value, as the WHATWG Encoding Standard does.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// Decodes one Windows-1252 byte.
pub fn windows_1252_char(b: u8) -> char {
    match b {
        0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// A streaming decoder from one [`Encoding`] to UTF-8.
#[derive(Debug, Clone)]
pub struct Decoder {
    encoding: Encoding,
    /// Still at the start of the text, where a BOM may be.
    at_start: bool,
    /// Bytes held back: a possible UTF-8 BOM prefix, or the first byte of a
    /// UTF-16 code unit.
    pending: Vec<u8>,
    /// A UTF-16 high surrogate waiting for its low half.
    high_surrogate: Option<u16>,
    /// Whether a BOM was found and stripped.
    bom: bool,
}

impl Decoder {
    /// A decoder for `encoding`. A leading BOM of that encoding is stripped.
    pub fn new(encoding: Encoding) -> Decoder {
        Decoder {
            encoding,
            at_start: true,
            pending: Vec::new(),
            high_surrogate: None,
            bom: false,
        }
    }

    /// The encoding decoded from.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Whether a byte-order mark was stripped so far.
    pub fn had_bom(&self) -> bool {
        self.bom
    }

    /// True when from now on the input is copied unchanged (UTF-8 past the
    /// place where a BOM could be), so a caller may skip the copy.
    pub fn is_passthrough(&self) -> bool {
        self.encoding == Encoding::Utf8 && !self.at_start
    }

    /// Decodes `input`, appending UTF-8 to `out`. Incomplete characters at the
    /// end of `input` are kept for the next push.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        match self.encoding {
            Encoding::Utf8 => self.push_utf8(input, out),
            Encoding::Utf16le => self.push_utf16(input, out, u16::from_le_bytes),
            Encoding::Utf16be => self.push_utf16(input, out, u16::from_be_bytes),
            Encoding::Windows1252 => push_windows_1252(input, out),
        }
    }

    /// Ends the text: whatever is still held back is written out (an
    /// incomplete UTF-16 unit or an unpaired surrogate as U+FFFD).
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        match self.encoding {
            Encoding::Utf8 => out.extend_from_slice(&self.pending),
            Encoding::Utf16le | Encoding::Utf16be => {
                if self.high_surrogate.take().is_some() {
                    out.extend_from_slice(REPLACEMENT);
                }
                if !self.pending.is_empty() {
                    out.extend_from_slice(REPLACEMENT);
                }
            }
            Encoding::Windows1252 => {}
        }
        self.pending.clear();
        self.at_start = false;
    }

    fn push_utf8(&mut self, input: &[u8], out: &mut Vec<u8>) {
        if !self.at_start {
            out.extend_from_slice(input);
            return;
        }
        // Collect up to three bytes to see whether the text starts with a BOM.
        let need = UTF8_BOM.len() - self.pending.len();
        let take = need.min(input.len());
        self.pending.extend_from_slice(&input[..take]);
        let rest = &input[take..];
        if !UTF8_BOM.starts_with(&self.pending) {
            self.at_start = false;
            out.append(&mut self.pending);
        } else if self.pending.len() == UTF8_BOM.len() {
            self.at_start = false;
            self.bom = true;
            self.pending.clear();
        } else {
            // A BOM prefix and nothing more yet: `rest` is empty here.
            return;
        }
        out.extend_from_slice(rest);
    }

    fn push_utf16(&mut self, mut input: &[u8], out: &mut Vec<u8>, unit: fn([u8; 2]) -> u16) {
        if let Some(&first) = self.pending.first() {
            let Some((&second, rest)) = input.split_first() else {
                return;
            };
            self.pending.clear();
            self.unit(unit([first, second]), out);
            input = rest;
        }
        let mut pairs = input.chunks_exact(2);
        for pair in &mut pairs {
            let u = unit([pair[0], pair[1]]);
            // Fast path for ASCII, the bulk of most files.
            if u < 0x80 && self.high_surrogate.is_none() && !self.at_start {
                out.push(u as u8);
            } else {
                self.unit(u, out);
            }
        }
        self.pending.extend_from_slice(pairs.remainder());
    }

    /// Handles one UTF-16 code unit.
    fn unit(&mut self, u: u16, out: &mut Vec<u8>) {
        if std::mem::take(&mut self.at_start) && u == 0xFEFF {
            self.bom = true;
            return;
        }
        if let Some(high) = self.high_surrogate.take() {
            if (0xDC00..0xE000).contains(&u) {
                let c = 0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                push_char(char::from_u32(c).unwrap_or('\u{FFFD}'), out);
                return;
            }
            out.extend_from_slice(REPLACEMENT);
        }
        match u {
            0xD800..=0xDBFF => self.high_surrogate = Some(u),
            0xDC00..=0xDFFF => out.extend_from_slice(REPLACEMENT),
            _ => push_char(char::from_u32(u32::from(u)).unwrap_or('\u{FFFD}'), out),
        }
    }
}

fn push_windows_1252(input: &[u8], out: &mut Vec<u8>) {
    out.reserve(input.len());
    for &b in input {
        if b < 0x80 {
            out.push(b);
        } else {
            push_char(windows_1252_char(b), out);
        }
    }
}

fn push_char(c: char, out: &mut Vec<u8>) {
    let mut buf = [0; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Decodes a whole buffer at once.
pub fn decode_all(encoding: Encoding, input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut d = Decoder::new(encoding);
    d.push(input, &mut out);
    d.finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_split(encoding: Encoding, input: &[u8]) -> Vec<u8> {
        let whole = decode_all(encoding, input);
        for at in 0..=input.len() {
            let mut d = Decoder::new(encoding);
            let mut out = Vec::new();
            d.push(&input[..at], &mut out);
            d.push(&input[at..], &mut out);
            d.finish(&mut out);
            assert_eq!(out, whole, "split at {at}");
        }
        let mut d = Decoder::new(encoding);
        let mut out = Vec::new();
        for b in input {
            d.push(std::slice::from_ref(b), &mut out);
        }
        d.finish(&mut out);
        assert_eq!(out, whole, "byte by byte");
        whole
    }

    #[test]
    fn utf8_bom_is_stripped() {
        assert_eq!(every_split(Encoding::Utf8, b"\xEF\xBB\xBFa,b\n"), b"a,b\n");
        assert_eq!(
            every_split(Encoding::Utf8, b"a\xEF\xBB\xBF"),
            b"a\xEF\xBB\xBF"
        );
        assert_eq!(every_split(Encoding::Utf8, b"\xEF\xBB"), b"\xEF\xBB");
        assert_eq!(every_split(Encoding::Utf8, b""), b"");
    }

    #[test]
    fn utf16_both_orders() {
        let text = "id,név\n1,€𝄞\n";
        let le: Vec<u8> = [0xFEFF]
            .into_iter()
            .chain(text.encode_utf16())
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = [0xFEFF]
            .into_iter()
            .chain(text.encode_utf16())
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(every_split(Encoding::Utf16le, &le), text.as_bytes());
        assert_eq!(every_split(Encoding::Utf16be, &be), text.as_bytes());
    }

    #[test]
    fn utf16_unpaired_surrogates_and_odd_bytes() {
        // A lone low, a high before a letter, a high before a high, then a
        // good pair, and an odd trailing byte.
        let units = [0xDC00u16, 0xD800, 0x0041, 0xD801, 0xD802, 0xDC00];
        let mut bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
        bytes.push(0x42);
        let out = every_split(Encoding::Utf16le, &bytes);
        let want = "\u{FFFD}\u{FFFD}A\u{FFFD}\u{10800}\u{FFFD}";
        assert_eq!(String::from_utf8(out).unwrap(), want);
        // A high surrogate at the very end.
        let out = every_split(Encoding::Utf16be, &[0xD8, 0x00]);
        assert_eq!(String::from_utf8(out).unwrap(), "\u{FFFD}");
    }

    #[test]
    fn windows_1252_table() {
        let out = every_split(Encoding::Windows1252, b"\x80 caf\xE9 \x93q\x94 \x9F \x81");
        assert_eq!(String::from_utf8(out).unwrap(), "€ café “q” Ÿ \u{81}");
    }
}
