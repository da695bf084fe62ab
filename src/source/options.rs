//! Reading what a person types for the settings a sniff can get wrong: one
//! set of spellings for the CLI's flags and the JS options, so `"\t"`,
//! `tab` and a real tab mean the same everywhere.

use super::{Compression, Encoding, Format, SourceOptions};

/// A delimiter as typed: one ASCII character, `tab`, or `\t` (a backslash
/// and a `t`, as a shell passes it on); `None` for an empty text.
pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "TAB" | "\\t" | "\t" => Ok(b'\t'),
        d if d.len() == 1 && d.is_ascii() && d != "\"" && d != "\n" && d != "\r" => {
            Ok(d.as_bytes()[0])
        }
        d => Err(format!(
            "the delimiter must be one ASCII character (not a quote or a line break) or \
             \"tab\", not {d:?}"
        )),
    }
}

/// The text a delimiter is written as in settings (the JS package's
/// `Settings.delimiter`, the CLI's `--json`): the character itself, or
/// `"tab"` for a tab; what [`parse_delimiter`] reads back, so settings
/// round-trip as options.
pub fn delimiter_text(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab".to_string(),
        d => char::from(d).to_string(),
    }
}

/// `Settings.delimiter` as text (see [`delimiter_text`]); read back from
/// that text, or from the byte value earlier versions wrote.
pub(super) mod delimiter_serde {
    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(delimiter: &u8, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::delimiter_text(*delimiter))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Text(String),
            Byte(u8),
        }
        match Written::deserialize(d)? {
            Written::Text(t) => super::parse_delimiter(&t).map_err(de::Error::custom),
            Written::Byte(b) => Ok(b),
        }
    }
}

impl Encoding {
    /// An encoding by any of its usual names, in any case.
    pub fn parse(text: &str) -> Result<Encoding, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "utf-16le" | "utf16le" => Ok(Encoding::Utf16le),
            "utf-16be" | "utf16be" => Ok(Encoding::Utf16be),
            "windows-1252" | "windows1252" | "cp1252" | "latin1" | "iso-8859-1" => {
                Ok(Encoding::Windows1252)
            }
            _ => Err(format!(
                "the encoding {text:?} is not one of utf-8, utf-16le, utf-16be, windows-1252"
            )),
        }
    }
}

impl Format {
    /// A format by name (`tsv` and `jsonl` too), in any case.
    pub fn parse(text: &str) -> Result<Format, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" | "tsv" => Ok(Format::Csv),
            "ndjson" | "jsonl" => Ok(Format::Ndjson),
            "json" => Ok(Format::Json),
            _ => Err(format!(
                "the format {text:?} is not one of csv, ndjson, json"
            )),
        }
    }
}

impl Compression {
    /// `gzip` or `none`, in any case.
    pub fn parse(text: &str) -> Result<Compression, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "gzip" | "gz" => Ok(Compression::Gzip),
            "none" => Ok(Compression::None),
            _ => Err(format!("the compression {text:?} is not gzip or none")),
        }
    }
}

impl SourceOptions {
    /// The overrides as typed (each `None` is left to the sniff).
    pub fn from_text(
        delimiter: Option<&str>,
        encoding: Option<&str>,
        format: Option<&str>,
        has_header: Option<bool>,
    ) -> Result<SourceOptions, String> {
        Ok(SourceOptions {
            delimiter: delimiter.map(parse_delimiter).transpose()?,
            encoding: encoding.map(Encoding::parse).transpose()?,
            format: format.map(Format::parse).transpose()?,
            compression: None,
            has_header,
            ..SourceOptions::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_of_each_setting_everywhere() {
        for tab in ["tab", "\\t", "\t"] {
            assert_eq!(parse_delimiter(tab), Ok(b'\t'), "{tab:?}");
        }
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        for bad in ["", ";;", "é", "\"", "\n"] {
            assert!(parse_delimiter(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Encoding::parse("Latin1"), Ok(Encoding::Windows1252));
        assert_eq!(Format::parse("JSONL"), Ok(Format::Ndjson));
        assert!(Format::parse("xlsx").is_err());
        let o = SourceOptions::from_text(Some("|"), Some("utf-16le"), Some("csv"), Some(false));
        assert_eq!(
            o,
            Ok(SourceOptions {
                delimiter: Some(b'|'),
                encoding: Some(Encoding::Utf16le),
                format: Some(Format::Csv),
                compression: None,
                has_header: Some(false),
                ..SourceOptions::default()
            })
        );
    }
}
