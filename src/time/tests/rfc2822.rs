//! RFC 2822.

use super::*;

#[test]
fn rfc2822() {
    assert_eq!(
        ok("Tue, 1 Jul 2003 10:52:37 +0200"),
        "2003-07-01T08:52:37.000Z"
    );
    assert_eq!(ok("1 Jul 2003 10:52:37 +0200"), "2003-07-01T08:52:37.000Z");
    assert_eq!(
        ok("Tue, 01 Jul 2003 10:52:37 GMT"),
        "2003-07-01T10:52:37.000Z"
    );
    let m = invalid_msg("Wed, 1 Jul 2003 10:52:37 +0200");
    assert!(m.contains("RFC 2822"), "{m}");
    let m = invalid_msg("Tue, 32 Jul 2003 10:52:37 +0200");
    assert!(m.contains("RFC 2822") && m.contains("32 Jul"), "{m}");
    assert!(invalid_msg("32 Jul 2003 10:52:37 +0200").contains("RFC 2822"));
    // Other words get the list of accepted forms.
    let m = invalid_msg("hello");
    assert!(
        m.contains("not a recognised timestamp") && m.contains("2024-01-02T03:04:05Z"),
        "{m}"
    );
}
