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
///
/// This runs for most cells of every row, so a cell that cannot be a token
/// is told in a few instructions: one table lookup by its first byte gives
/// the lengths of the tokens starting with it; a cell of another length is
/// no token, unless it ends with a byte that trimming may remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingTokens {
    tokens: Vec<String>,
    /// The longest token's length in bytes: a longer trimmed cell is never
    /// missing.
    longest: usize,
    /// By first byte: bit `n` set when a token of `n` bytes starts with it
    /// (bit 63: 63 bytes or more); every bit for a byte that trimming may
    /// remove (white space, control characters, any non-ASCII byte).
    by_first: [u64; 256],
}

impl Default for MissingTokens {
    fn default() -> Self {
        MissingTokens::new(DEFAULT_MISSING.iter().copied())
    }
}

/// A byte that `str::trim` may remove, or part of a character it may (a
/// superset: control characters and every non-ASCII byte).
#[inline]
fn may_trim(b: u8) -> bool {
    b.wrapping_sub(0x21) >= 0x5f
}

#[inline]
fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

impl MissingTokens {
    /// The tokens given (each trimmed; empty ones dropped).
    pub fn new<'a>(tokens: impl IntoIterator<Item = &'a str>) -> MissingTokens {
        let tokens: Vec<String> = tokens
            .into_iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        let mut by_first = [0u64; 256];
        for (b, lengths) in by_first.iter_mut().enumerate() {
            if may_trim(b as u8) {
                *lengths = u64::MAX;
            }
        }
        for t in &tokens {
            if let Some(&f) = t.as_bytes().first() {
                by_first[usize::from(f)] |= length_bit(t.len());
            }
        }
        MissingTokens {
            longest: tokens.iter().map(String::len).max().unwrap_or(0),
            tokens,
            by_first,
        }
    }

    /// No token at all (`"missing": []`).
    pub fn none() -> MissingTokens {
        MissingTokens::new([])
    }

    /// The token `text` is (after trimming), if it is one.
    #[inline]
    pub fn token_of<'t>(&'t self, text: &str) -> Option<&'t str> {
        let b = text.as_bytes();
        let (&first, &last) = (b.first()?, b.last()?);
        if self.by_first[usize::from(first)] & length_bit(b.len()) == 0 && !may_trim(last) {
            return None;
        }
        self.trimmed_token_of(text)
    }

    #[cold]
    #[inline(never)]
    fn trimmed_token_of<'t>(&'t self, text: &str) -> Option<&'t str> {
        if text.len() > self.longest + 64 {
            return None;
        }
        let t = text.trim();
        if t.len() > self.longest || t.is_empty() {
            return None;
        }
        self.tokens.iter().find(|k| *k == t).map(String::as_str)
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

/// How often one missing-value token appears in one column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "js", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct MissingSeen {
    pub column: String,
    pub token: String,
    pub count: u64,
}

/// Counts the missing-value tokens read as empty while a file is mapped,
/// per column, so a report can say what became empty: "dep_delay: NA
/// ×8,255" is said, never done silently. Runs only when a cell is a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MissingTally(Vec<MissingSeen>);

impl MissingTally {
    /// One more `token` read as empty in `column`.
    #[cold]
    pub fn add(&mut self, column: &str, token: &str) {
        match self
            .0
            .iter_mut()
            .find(|s| s.column == column && s.token == token)
        {
            Some(seen) => seen.count += 1,
            None => self.0.push(MissingSeen {
                column: column.to_string(),
                token: token.to_string(),
                count: 1,
            }),
        }
    }

    /// The counts, most frequent first (then by column and token).
    pub fn seen(&self) -> Vec<MissingSeen> {
        let mut seen = self.0.clone();
        seen.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.column.cmp(&b.column))
                .then_with(|| a.token.cmp(&b.token))
        });
        seen
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
        assert_eq!(
            m.token_of("\u{a0}NA\u{a0}"),
            Some("NA"),
            "a no-break space is trimmed"
        );
        assert_eq!(
            m.token_of(&format!("{}NA", " ".repeat(80))),
            None,
            "too long"
        );
        let long = "x".repeat(70);
        let m = MissingTokens::new([long.as_str(), "é"]);
        assert!(m.is_missing(&long) && m.is_missing(" é") && m.is_missing("é"));
        assert!(!m.is_missing(&"x".repeat(71)) && !m.is_missing(&"x".repeat(69)));
    }

    #[test]
    fn the_tally_counts_per_column_and_token_most_first() {
        let mut t = MissingTally::default();
        for (c, k) in [("a", "NA"), ("b", "NA"), ("b", "NA"), ("a", "null")] {
            t.add(c, k);
        }
        let seen: Vec<_> = t
            .seen()
            .into_iter()
            .map(|s| (s.column, s.token, s.count))
            .collect();
        assert_eq!(
            seen,
            [
                ("b".into(), "NA".into(), 2),
                ("a".into(), "NA".into(), 1),
                ("a".into(), "null".into(), 1)
            ]
        );
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
