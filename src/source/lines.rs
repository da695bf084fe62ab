//! Counting line breaks and quotes quickly. The CSV reader knows the line of
//! every record (rejected rows name it) by counting the breaks in every byte
//! it reads, so this runs over the whole file: eight bytes at a time. The
//! same pass counts `"` bytes, whose parity tells the reader whether a
//! record that grows too large (or reaches the end of the file) is likely
//! inside a quote that never closes; counting them here costs a few
//! instructions per eight bytes instead of a second pass.

/// What [`scan`] counts in some bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Line breaks: LF, CR and CRLF each count as one.
    pub breaks: u64,
    /// `"` bytes.
    pub quotes: u64,
}

/// The line breaks and quotes in `bytes`, where `prev_cr` says whether the
/// byte just before `bytes` was a CR (then a leading LF ends that CRLF and is
/// not counted again).
pub fn scan(bytes: &[u8], prev_cr: bool) -> Counts {
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
        let quote = equal(w, b'"');
        if quote != 0 {
            quotes += marks(quote);
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
            b'"' => quotes += 1,
            _ => {}
        }
        prev_cr = b == b'\r';
    }
    Counts { breaks, quotes }
}

#[cfg(test)]
mod tests {
    use super::{scan, Counts};

    fn line_breaks(bytes: &[u8], prev_cr: bool) -> u64 {
        scan(bytes, prev_cr).breaks
    }

    fn naive(bytes: &[u8], mut prev_cr: bool) -> Counts {
        let mut n = Counts::default();
        for &b in bytes {
            n.breaks += u64::from(b == b'\r' || (b == b'\n' && !prev_cr));
            n.quotes += u64::from(b == b'"');
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
                    assert_eq!(
                        scan(&bytes, prev_cr),
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
        assert_eq!(scan(&tricky, false), Counts::default());
        assert_eq!(scan(b"\xa2\x22\x02\x23\x21\"", false).quotes, 2);
        assert_eq!(line_breaks(b"\x8a\x8d\x0b\x0c\x09\x0e", true), 0);
        assert_eq!(line_breaks("naïve\r\nçà\n✓\r".as_bytes(), false), 3);
    }
}
