//! A file with no valid row (a header only, or every row rejected) is not a
//! success: `check`, `batches` and `send` say "nothing to send" and exit 4.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_segment-backfill");

fn mapping() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli/signups.mapping.json")
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("SEGMENT_WRITE_KEY", "test-key")
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn nothing_valid_is_said_and_not_a_success() {
    let dir = std::env::temp_dir().join(format!("sb-nothing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let header = dir.join("header.csv");
    std::fs::write(&header, "user_id,email,plan,signed_up,age,vip,note\n").expect("write");
    let rejected = dir.join("rejected.csv");
    std::fs::write(
        &rejected,
        "user_id,email,plan,signed_up,age,vip,note\n\
         ,a@b.co,pro,2024-01-01T00:00:00Z,34,yes,\n\
         ,c@d.co,pro,2024-01-02T00:00:00Z,35,no,\n",
    )
    .expect("write");
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli/signups.csv");
    let m = mapping().to_string_lossy().into_owned();
    let out = dir.join("batches").to_string_lossy().into_owned();
    for (file, says) in [
        (&header, "nothing to send: the file has no data rows"),
        (&rejected, "nothing to send: all 2 rows were rejected"),
    ] {
        let f = file.to_string_lossy().into_owned();
        for args in [
            vec!["check", &f, "--mapping", &m],
            vec!["check", &f, "--mapping", &m, "--json"],
            vec!["batches", &f, "--mapping", &m, "--out", &out],
            // Nothing listens there, and nothing needs to.
            vec![
                "send",
                &f,
                "--mapping",
                &m,
                "--endpoint",
                "http://127.0.0.1:9",
            ],
        ] {
            let (code, _, err) = run(&args);
            assert_eq!(code, Some(4), "{args:?}: {err}");
            assert!(err.contains(says), "{args:?}: {err}");
        }
    }
    // Several files, none with a data row: said of the files.
    let both = dir.join("headers-only");
    std::fs::create_dir_all(&both).expect("dir");
    for name in ["2024-01.csv", "2024-02.csv"] {
        std::fs::copy(&header, both.join(name)).expect("copy");
    }
    let d = both.to_string_lossy().into_owned();
    let (code, _, err) = run(&["check", &d, "--mapping", &m]);
    assert_eq!(code, Some(4), "{err}");
    assert!(
        err.contains("nothing to send: none of the files has data rows"),
        "{err}"
    );

    // A file with valid rows is still a success.
    let f = good.to_string_lossy().into_owned();
    let (code, _, err) = run(&["check", &f, "--mapping", &m]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("nothing to send"));
    let _ = std::fs::remove_dir_all(&dir);
}
