//! Counting line breaks and quotes quickly. The CSV reader knows the line of
//! every record (rejected rows name it) by counting the breaks in every byte
//! it reads, so this runs over the whole file: eight bytes at a time.
//!
//! The same pass can find the parity of the `"` bytes, which tells the reader
//! whether a record that grows too large (or reaches the end of the file) is
//! likely inside a quote that never closes. It is a const parameter: even one
//! more compare per word cost the CSV parser ~7% of its throughput, so the
//! reader asks for quotes only on bytes of a record not yet ended (the tail of
//! a chunk, or a record past a limit), never on the records it reads whole.
//! Only the parity is kept: one XOR per word (the XOR of the words' quote
//! masks has the parity of their total), where a count needs a multiply.

/// What [`scan`] counts in some bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Line breaks: LF, CR and CRLF each count as one.
    pub breaks: u64,
    /// Whether the number of `"` bytes is odd.
    pub odd_quotes: bool,
}

/// The line breaks and the parity of the quotes in `bytes`, where `prev_cr` says whether the
/// byte just before `bytes` was a CR (then a leading LF ends that CRLF and is
/// not counted again).
/// Without `QUOTES`, `odd_quotes` is always false.
#[inline]
pub fn scan<const QUOTES: bool>(bytes: &[u8], prev_cr: bool) -> Counts {
    const LO: u64 = u64::from_le_bytes([0x01; 8]);
    const LOW7: u64 = LO * 0x7f;
    const HI: u64 = LO * 0x80;
    // 0x80 in each byte of `w` equal to `c`, 0 in the others: adding 0x7f to
    // the low seven bits sets the top bit of every non-zero byte of `w ^ c`
    // without carrying into the next byte.
    let equal = |w: u64, c: u8| {
        let x = w ^ (LO * c as u64);
        !(((x & LOW7) + LOW7) | x) & HI
    };
    // How many bytes of `m` are 0x80 (the others are 0): the multiply adds
    // all eight bytes into the top one. No popcount instruction needed.
    let marks = |m: u64| ((m >> 7).wrapping_mul(LO)) >> 56;
    let mut breaks = 0;
    // The XOR of every word's quote marks: its marks have the total's parity.
    let mut quotes = 0;
    let mut prev_cr = prev_cr;
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    for word in words {
        // Always 8 bytes (`chunks_exact`): one load, no copy.
        let Ok(le) = <[u8; 8]>::try_from(word) else {
            continue;
        };
        let w = u64::from_le_bytes(le);
        if QUOTES {
            quotes ^= equal(w, b'"');
        }
        let (lf, cr) = (equal(w, b'\n'), equal(w, b'\r'));
        if lf | cr == 0 {
            prev_cr = false;
            continue; // most words of a file
        }
        // A CR whose next byte (eight bits up) is an LF: one break, not two.
        let crlf = (cr << 8) & lf;
        breaks += marks(lf | cr) - marks(crlf);
        if prev_cr && lf & 0x80 != 0 {
            breaks -= 1;
        }
        prev_cr = cr >> 63 != 0;
    }
    for &b in tail {
        match b {
            b'\r' => breaks += 1,
            b'\n' if !prev_cr => breaks += 1,
            b'"' if QUOTES => quotes ^= 0x80,
            _ => {}
        }
        prev_cr = b == b'\r';
    }
    Counts {
        breaks,
        odd_quotes: quotes.count_ones() % 2 == 1,
    }
}

#[cfg(test)]
mod tests {
    use super::{scan, Counts};

    fn line_breaks(bytes: &[u8], prev_cr: bool) -> u64 {
        let breaks = scan::<false>(bytes, prev_cr).breaks;
        assert_eq!(breaks, scan::<true>(bytes, prev_cr).breaks);
        breaks
    }

    fn naive(bytes: &[u8], mut prev_cr: bool) -> Counts {
        let mut n = Counts::default();
        for &b in bytes {
            n.breaks += u64::from(b == b'\r' || (b == b'\n' && !prev_cr));
            n.odd_quotes ^= b == b'"';
            prev_cr = b == b'\r';
        }
        n
    }

    #[test]
    fn every_string_of_breaks_and_quotes_up_to_ten_bytes() {
        // All 4^10 strings over {x, CR, LF, "}: every placement within and
        // across a word, with and without a CR before.
        const ALPHABET: [u8; 4] = [b'x', b'\r', b'\n', b'"'];
        for len in 0..=10u32 {
            for mut code in 0..4usize.pow(len) {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        let b = ALPHABET[code % 4];
                        code /= 4;
                        b
                    })
                    .collect();
                for prev_cr in [false, true] {
                    assert_eq!(line_breaks(&bytes, prev_cr), naive(&bytes, prev_cr).breaks);
                    assert_eq!(
                        scan::<true>(&bytes, prev_cr),
                        naive(&bytes, prev_cr),
                        "{bytes:?} after CR: {prev_cr}"
                    );
                }
            }
        }
    }

    #[test]
    fn bytes_that_look_like_breaks_are_not() {
        let tricky: Vec<u8> = (0..=255u8)
            .filter(|b| !matches!(b, b'\r' | b'\n' | b'"'))
            .collect();
        assert_eq!(scan::<true>(&tricky, false), Counts::default());
        assert!(!scan::<true>(b"\xa2\x22\x02\x23\x21\"", false).odd_quotes);
        assert!(scan::<true>(b"\xa2\x22\x02\x23\x21\"\"\xa2", false).odd_quotes);
        assert!(!scan::<false>(b"\"", false).odd_quotes);
        assert_eq!(line_breaks(b"\x8a\x8d\x0b\x0c\x09\x0e", true), 0);
        assert_eq!(line_breaks("naïve\r\nçà\n✓\r".as_bytes(), false), 3);
    }
}
