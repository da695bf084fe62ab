//! The known name closest to a misspelled one (`sentat` → `sentAt`), for
//! messages that refuse a name and say which was probably meant.

/// The name of `known` closest to `given` (edit distance, ignoring case),
/// if it is close enough to be a likely misspelling: at most a third of
/// its letters off (at least one), or differing only in case.
pub fn nearest<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    let given = given.to_lowercase();
    let (name, distance) = known
        .iter()
        .map(|k| (*k, edit_distance(&given, &k.to_lowercase())))
        .min_by_key(|(_, d)| *d)?;
    let allowed = (given.chars().count() / 3).max(1);
    (distance <= allowed).then_some(name)
}

/// Levenshtein distance (insertions, deletions, substitutions) in chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::{edit_distance, nearest};

    const OPTIONS: &[&str] = &["sentAt", "writeKey", "target", "sampleBytes", "delimiter"];

    #[test]
    fn finds_the_misspelled_option() {
        assert_eq!(nearest("sentat", OPTIONS), Some("sentAt"));
        assert_eq!(nearest("writekey", OPTIONS), Some("writeKey"));
        assert_eq!(nearest("write_key", OPTIONS), Some("writeKey"));
        assert_eq!(nearest("delimeter", OPTIONS), Some("delimiter"));
        assert_eq!(nearest("traget", OPTIONS), Some("target"));
    }

    #[test]
    fn names_nothing_for_a_word_far_from_every_name() {
        assert_eq!(nearest("colour", OPTIONS), None);
        assert_eq!(nearest("x", OPTIONS), None);
        assert_eq!(nearest("anything", &[]), None);
    }

    #[test]
    fn counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
