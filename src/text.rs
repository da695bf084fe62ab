//! Text helpers shared by the core's per-cell code.

/// `str::trim` (Unicode white space), without its per-character walk when
/// both ends are visible ASCII, as they are in almost every cell: this runs
/// several times for every row.
pub fn trim(t: &str) -> &str {
    match t.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => t,
        [only] if only.is_ascii_graphic() => t,
        _ => t.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::trim;

    #[test]
    fn trims_as_str_trim_does() {
        for t in [
            "",
            " ",
            "a",
            " a",
            "a ",
            " a ",
            "\ta\n",
            "a b",
            "\u{a0}x\u{a0}",
            "x\u{2003}",
            "é",
            " é ",
            "ab",
            "\u{3000}",
        ] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
    }
}
