//! Cell texts that exports write for "no value" (`NA`, `NULL`, `#N/A`...).
//!
//! Sent as they are, they look valid: 2,512 flights whose id column holds
//! `NA` would all go to one user called "NA". By default a cell that is one
//! of [`DEFAULT_MISSING`] (after trimming, compared exactly) counts as empty:
//! an id of `NA` is a `missing_identity` rejection, a property of `NA`
//! follows its rule's `empty` policy, and a column no rule names leaves the
//! property out. The mapping's `missing` list replaces the default (`[]`
//! turns it off).

/// The tokens treated as empty when a mapping gives no `missing` list.
pub const DEFAULT_MISSING: [&str; 11] = [
    "NA",
    "N/A",
    "#N/A",
    "null",
    "NULL",
    "None",
    "nan",
    "NaN",
    "(null)",
    "undefined",
    "-",
];

/// A mapping's missing-value tokens, ready to test cells against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingTokens {
    tokens: Vec<String>,
    /// The longest token's length in bytes: a longer cell is never missing,
    /// which keeps the test to one comparison for most cells.
    longest: usize,
    /// Bit `b` set: some token starts with byte `b` (white space too, as a
    /// cell is trimmed): most short cells (digits, words) fail here, without
    /// trimming or comparing (this runs for most cells of every row).
    first: [u64; 4],
}

impl Default for MissingTokens {
    fn default() -> Self {
        MissingTokens::new(DEFAULT_MISSING.iter().copied())
    }
}

impl MissingTokens {
    /// The tokens given (each trimmed; empty ones dropped).
    pub fn new<'a>(tokens: impl IntoIterator<Item = &'a str>) -> MissingTokens {
        let tokens: Vec<String> = tokens
            .into_iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        let longest = tokens.iter().map(String::len).max().unwrap_or(0);
        let mut first = [0u64; 4];
        let starts = tokens.iter().filter_map(|t| t.as_bytes().first().copied());
        for b in starts.chain(*b" \t\n\r\x0b\x0c") {
            first[usize::from(b >> 6)] |= 1 << (b & 63);
        }
        // Other white space `trim` removes (a no-break space...) is not ASCII.
        for b in 0x80..=0xffu8 {
            first[usize::from(b >> 6)] |= 1 << (b & 63);
        }
        MissingTokens {
            tokens,
            longest,
            first,
        }
    }

    /// No token at all (`"missing": []`).
    pub fn none() -> MissingTokens {
        MissingTokens::new([])
    }

    /// The token `text` is (after trimming), if it is one.
    pub fn token_of<'t>(&'t self, text: &str) -> Option<&'t str> {
        if !self.may_be_missing(text) {
            return None;
        }
        let t = text.trim();
        if t.len() > self.longest || t.is_empty() {
            return None;
        }
        self.tokens.iter().find(|k| *k == t).map(String::as_str)
    }

    /// The cheap test first: false for a cell that cannot be a token.
    #[inline]
    fn may_be_missing(&self, text: &str) -> bool {
        match text.as_bytes().first() {
            Some(&b) => {
                text.len() <= self.longest + 64
                    && self.first[usize::from(b >> 6)] & (1 << (b & 63)) != 0
            }
            None => false,
        }
    }

    /// Whether `text` means "no value".
    #[inline]
    pub fn is_missing(&self, text: &str) -> bool {
        self.token_of(text).is_some()
    }

    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_list_matches_trimmed_and_exact() {
        let m = MissingTokens::default();
        for t in [
            "NA",
            " NA ",
            "N/A",
            "#N/A",
            "null",
            "NULL",
            "None",
            "nan",
            "NaN",
            "(null)",
            "undefined",
            "-",
        ] {
            assert!(m.is_missing(t), "{t:?}");
        }
        for t in [
            "",
            "na ",
            "Nan",
            "NAN",
            "North America",
            "--",
            "0",
            "NA1",
            "none",
        ] {
            assert!(!m.is_missing(t), "{t:?}");
        }
        assert_eq!(m.token_of("  NULL"), Some("NULL"));
        assert_eq!(m.token_of("\u{a0}NA\u{a0}"), Some("NA"), "a no-break space is trimmed");
        assert_eq!(m.token_of(&format!("{}NA", " ".repeat(80))), None, "too long");
    }

    #[test]
    fn a_list_replaces_the_default_and_empty_turns_it_off() {
        let m = MissingTokens::new(["?", " missing "]);
        assert!(m.is_missing("?") && m.is_missing("missing"));
        assert!(!m.is_missing("NA"));
        assert!(!MissingTokens::none().is_missing("NA"));
        assert!(!MissingTokens::new(["", "  "]).is_missing(""));
    }
}
