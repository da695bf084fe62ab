//! Deterministic messageIds: exactly which inputs an id depends on.
//!
//! An id is `xxh3-128(message-bytes, seed)` written as a UUID-shaped string
//! (version nibble 8, "custom"; RFC 4122 variant), where *message-bytes* is
//! the message exactly as sent up to where the messageId goes (see
//! [`MessageIds::derive`]) and the seed depends on the scheme:
//!
//! | scheme | seed | depends on |
//! | --- | --- | --- |
//! | 1 (until 0.1) | `row ^ 0x5bf1110000000001 ^ file` | the message, the row (the file's name) |
//! | 2 (default) | `namespace ^ mix64(row ^ 0x5bf1110000000002 ^ file)` | the message, the row, the destination source (the file's name) |
//!
//! *row* is the row within its file. *file* is 0 in a single-file import
//! (so its ids are exactly those of earlier versions); in an import of
//! several files ([`crate::fileset`]) it is `xxh3-64(name, seed
//! 0x5bf1110000f11e5e)` of the file's name relative to the import's root
//! (`/`-separated, as [`crate::fileset::FilePart::name`]). A file's ids then
//! depend on its own name and rows only: adding, removing or reordering the
//! other files never changes them.
//!
//! `mix64` is splitmix64's finaliser (a bijection, so two rows never share a
//! seed within one source). The *namespace* is the destination source's:
//! `xxh3-64(write key, seed 0x5bf11100005ec0de)` of the trimmed key, or an
//! explicit 16-hex-digit value, or 0 when no destination is given (a dry run
//! without a key). The key itself never goes into anything sent or stored:
//! only this 64-bit hash, which cannot give the key back.
//!
//! Why the source matters: Segment's dedupe "is not scoped to a specific
//! source or a workspace". With scheme 1 an import into a staging source
//! and then into production sends the same ids twice, and Segment may drop
//! the production import as duplicates. With scheme 2 the same file, mapping
//! and source give the same ids on every run (retries and re-runs stay
//! harmless) and another source gives other ids.
//!
//! The scheme is versioned: a checkpoint records the one its import started
//! with, and a resumed import keeps it. Scheme 1 stays available for
//! re-running an import made with an earlier version of this tool.
//! (Changing either formula changes ids already sent: never do it; add a
//! scheme instead.)

use std::fmt;

use serde::{Deserialize, Serialize};

/// Mixed into the scheme-1 seed.
const SCHEME_1_TAG: u64 = 0x5b_f1_11_00_00_00_00_01;
/// Mixed into the scheme-2 seed, so the two schemes never share a seed by design.
const SCHEME_2_TAG: u64 = 0x5b_f1_11_00_00_00_00_02;
/// The seed of the write-key hash (a namespace is not the plain xxh3 of the key).
const NAMESPACE_SEED: u64 = 0x5b_f1_11_00_00_5e_c0_de;
/// The seed of the file-name hash of a multi-file import.
const FILE_SEED: u64 = 0x5b_f1_11_00_00_f1_1e_5e;

/// Which formula derives messageIds (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum IdScheme {
    /// The message and the row (segment-backfill 0.1).
    V1,
    /// The message, the row and the destination source.
    #[default]
    V2,
}

impl IdScheme {
    /// The scheme's number, as written in checkpoints and options.
    pub fn number(self) -> u8 {
        match self {
            IdScheme::V1 => 1,
            IdScheme::V2 => 2,
        }
    }

    /// Reads `1`, `2`, `v1` or `v2`.
    pub fn parse(text: &str) -> Result<IdScheme, String> {
        match text.trim().trim_start_matches(['v', 'V']) {
            "1" => Ok(IdScheme::V1),
            "2" => Ok(IdScheme::V2),
            _ => Err(format!("the id scheme is 1 or 2, not {text:?}")),
        }
    }
}

impl From<IdScheme> for u8 {
    fn from(s: IdScheme) -> u8 {
        s.number()
    }
}

impl TryFrom<u8> for IdScheme {
    type Error = String;
    fn try_from(n: u8) -> Result<IdScheme, String> {
        IdScheme::parse(&n.to_string())
    }
}

impl fmt::Display for IdScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// The destination source's part of a scheme-2 id: a 64-bit hash of its
/// write key, shown as 16 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SourceNamespace(u64);

impl SourceNamespace {
    /// No destination (a dry run without a key): ids that no `send` produces.
    pub const NONE: SourceNamespace = SourceNamespace(0);

    /// The namespace of the source this write key belongs to (surrounding
    /// white space ignored, as everywhere a key is read).
    pub fn of_write_key(key: &str) -> SourceNamespace {
        SourceNamespace(xxhash_rust::xxh3::xxh3_64_with_seed(
            key.trim().as_bytes(),
            NAMESPACE_SEED,
        ))
    }

    /// Reads 16 hex digits (what [`fmt::Display`] writes and `send` reports).
    pub fn parse_hex(text: &str) -> Result<SourceNamespace, String> {
        let t = text.trim();
        if t.len() != 16 {
            return Err(format!(
                "an id namespace is 16 hex digits (as `send` reports it), not {t:?}"
            ));
        }
        u64::from_str_radix(t, 16)
            .map(SourceNamespace)
            .map_err(|_| format!("an id namespace is 16 hex digits, not {t:?}"))
    }

    /// The destination a dry run's ids are for: an explicit namespace (as a
    /// send reports it), else the write key's, else none (an empty key is
    /// no key). The CLI's `batches`, the package's `Importer` and the app's
    /// dry run all choose this way.
    pub fn for_destination(
        explicit: Option<SourceNamespace>,
        write_key: Option<&str>,
    ) -> SourceNamespace {
        match (explicit, write_key.map(str::trim)) {
            (Some(ns), _) => ns,
            (None, Some(key)) if !key.is_empty() => SourceNamespace::of_write_key(key),
            _ => SourceNamespace::NONE,
        }
    }

    /// Whether this is [`SourceNamespace::NONE`].
    pub fn is_none(self) -> bool {
        self == SourceNamespace::NONE
    }
}

impl fmt::Display for SourceNamespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// The id formula with its inputs fixed for one import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageIds {
    scheme: IdScheme,
    namespace: SourceNamespace,
    /// The file-name term (0: a single-file import).
    file: u64,
}

impl MessageIds {
    /// Ids of `scheme` for the source `namespace` (scheme 1 ignores it).
    pub fn new(scheme: IdScheme, namespace: SourceNamespace) -> MessageIds {
        MessageIds {
            scheme,
            namespace,
            file: 0,
        }
    }

    /// The same ids for the file `name` of a multi-file import (`None`: a
    /// single-file import, ids as they always were). `derive` then takes a
    /// row key ([`crate::fileset::key`]) and uses its row within the file.
    pub fn for_file(self, name: Option<&str>) -> MessageIds {
        MessageIds {
            file: name.map_or(0, |n| {
                xxhash_rust::xxh3::xxh3_64_with_seed(n.as_bytes(), FILE_SEED)
            }),
            ..self
        }
    }

    /// The scheme.
    pub fn scheme(&self) -> IdScheme {
        self.scheme
    }

    /// The source namespace (meaningful for scheme 2 only).
    pub fn namespace(&self) -> SourceNamespace {
        self.namespace
    }

    /// The messageId of the message at `row` whose bytes, up to where the id
    /// goes, are `message_so_far`. (For a mapped row that is the message
    /// without its closing brace; for a JSON record sent as it is, the same
    /// followed by `,"messageId":`. Both are pinned by tests.)
    #[inline]
    pub fn derive(&self, row: u64, message_so_far: &[u8]) -> [u8; 36] {
        // A single-file import's rows are their keys; a multi-file import's
        // ids use the row within the file, whatever the file's place.
        let row = if self.file == 0 {
            row
        } else {
            crate::fileset::split(row).1
        };
        let seed = match self.scheme {
            IdScheme::V1 => row ^ SCHEME_1_TAG ^ self.file,
            IdScheme::V2 => self.namespace.0 ^ mix64(row ^ SCHEME_2_TAG ^ self.file),
        };
        let mut bytes = xxhash_rust::xxh3::xxh3_128_with_seed(message_so_far, seed).to_be_bytes();
        bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8: custom
        bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
                                             // Where each byte's two hex digits go in 8-4-4-4-12.
        const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
        let mut out = [b'-'; 36];
        for (&at, &b) in AT.iter().zip(&bytes) {
            out[at..at + 2].copy_from_slice(&HEX_PAIRS[b as usize]);
        }
        out
    }
}

/// splitmix64's finaliser: a cheap bijection that spreads every input bit.
#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The two lowercase hex digits of every byte.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [HEX[i >> 4], HEX[i & 0xf]];
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ids: MessageIds, row: u64, message: &[u8]) -> String {
        String::from_utf8(ids.derive(row, message).to_vec()).unwrap_or_default()
    }

    /// Pinned: these strings are ids users have sent. A failure here means
    /// every re-run would send new ids and Segment would keep both copies.
    /// (The expected values were computed apart from this code, with
    /// Python's `xxhash` package and the formulas in the module docs.)
    #[test]
    fn golden_ids_of_both_schemes() {
        let v1 = MessageIds::new(IdScheme::V1, SourceNamespace::NONE);
        let key = SourceNamespace::of_write_key("wk_test_123");
        let v2 = MessageIds::new(IdScheme::V2, key);
        let v2_none = MessageIds::new(IdScheme::V2, SourceNamespace::NONE);
        let msg = br#"{"type":"track","userId":"u1","event":"Order Completed""#;
        assert_eq!(key.to_string(), "cf7d3c0e9508758a");
        assert_eq!(id(v1, 2, msg), "2dba0081-8e75-8dfc-aa4d-ccfcbf07fcef");
        assert_eq!(id(v1, 3, msg), "33445090-4661-81c9-b5b7-572b63b38cfd");
        assert_eq!(id(v2, 2, msg), "d7d8f603-1abc-8f66-a228-4e2ef09ca0c0");
        assert_eq!(id(v2, 3, msg), "794d3c96-8558-8e95-a64e-4c5ba93f901b");
        assert_eq!(id(v2_none, 2, msg), "af49cad6-1ae0-8836-a636-3fa4c7e2085b");
    }

    /// Pinned like the above: a two-file import's ids. Each depends on the
    /// file's name and its row within the file, not on the file's place, so
    /// a file read second (its keys carry index 1) has the ids it would have
    /// read first. (Python: `xxh3_64(name, seed=0x5bf1110000f11e5e)` in the
    /// seed as the module docs say.)
    #[test]
    fn golden_ids_of_a_two_file_import() {
        let key = SourceNamespace::of_write_key("wk_test_123");
        let v2 = MessageIds::new(IdScheme::V2, key);
        let v1 = MessageIds::new(IdScheme::V1, SourceNamespace::NONE);
        let msg = br#"{"type":"track","userId":"u1","event":"Order Completed""#;
        let march = v2.for_file(Some("orders-2024-03.csv"));
        let april = v2.for_file(Some("orders-2024-04.csv"));
        let second = crate::fileset::key(1, 2);
        assert_eq!(id(march, 2, msg), "723c3978-ca39-8830-bd78-9836b6321f31");
        assert_eq!(
            id(march, second, msg),
            id(march, 2, msg),
            "the file's place does not count"
        );
        assert_eq!(
            id(april, second, msg),
            "5fcf7d8c-6c0c-8c4f-8e03-b7c58b7e7290"
        );
        assert_eq!(id(april, 3, msg), "bdcb1c1c-da25-8f58-a72b-45f0b3edbecb");
        assert_eq!(
            id(v1.for_file(Some("orders-2024-03.csv")), 2, msg),
            "4e798032-f5ef-8a2d-954f-d4a4e0fb5d7c"
        );
        assert_eq!(
            id(v2.for_file(None), 2, msg),
            "d7d8f603-1abc-8f66-a228-4e2ef09ca0c0",
            "no file name: the single-file id"
        );
    }

    #[test]
    fn scheme_1_is_the_documented_formula() {
        let ids = MessageIds::new(IdScheme::V1, SourceNamespace::of_write_key("ignored"));
        for (row, message) in [
            (1, &b"{}"[..]),
            (0, b""),
            (u64::MAX, b"{\"type\":\"track\"}"),
        ] {
            let h = xxhash_rust::xxh3::xxh3_128_with_seed(message, row ^ 0x5bf1_1100_0000_0001);
            let h = (h & !(0xf << 76) | (0x8 << 76)) & !(0x3 << 62) | (0x2 << 62);
            let hex = format!("{h:032x}");
            let documented = format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            );
            assert_eq!(id(ids, row, message), documented);
            assert_eq!(&documented[14..15], "8", "version 8");
        }
    }

    #[test]
    fn scheme_2_depends_on_the_source_and_the_row() {
        let msg = b"{\"type\":\"identify\",\"userId\":\"u\"";
        let a = MessageIds::new(IdScheme::V2, SourceNamespace::of_write_key("key-a"));
        let b = MessageIds::new(IdScheme::V2, SourceNamespace::of_write_key("key-b"));
        assert_eq!(id(a, 7, msg), id(a, 7, msg), "stable");
        assert_ne!(id(a, 7, msg), id(b, 7, msg), "another source, other ids");
        assert_ne!(id(a, 7, msg), id(a, 8, msg), "another row, another id");
        assert_eq!(
            SourceNamespace::of_write_key(" key-a\n"),
            SourceNamespace::of_write_key("key-a"),
            "white space around a pasted key does not count"
        );
    }

    #[test]
    fn namespaces_and_schemes_read_back() {
        let ns = SourceNamespace::of_write_key("k");
        assert_eq!(SourceNamespace::parse_hex(&ns.to_string()), Ok(ns));
        assert!(SourceNamespace::parse_hex("xyz").is_err());
        let other = SourceNamespace::of_write_key("other");
        assert_eq!(
            SourceNamespace::for_destination(Some(other), Some("k")),
            other
        );
        assert_eq!(SourceNamespace::for_destination(None, Some(" k ")), ns);
        assert!(SourceNamespace::for_destination(None, Some("  ")).is_none());
        assert!(SourceNamespace::for_destination(None, None).is_none());
        assert!(SourceNamespace::parse_hex("0123456789abcdeg").is_err());
        assert_eq!(IdScheme::parse("v1"), Ok(IdScheme::V1));
        assert_eq!(IdScheme::parse("2"), Ok(IdScheme::V2));
        assert!(IdScheme::parse("3").is_err());
        assert_eq!(
            serde_json::to_string(&IdScheme::V2).ok().as_deref(),
            Some("2")
        );
        assert!(serde_json::from_str::<IdScheme>("5").is_err());
    }
}
