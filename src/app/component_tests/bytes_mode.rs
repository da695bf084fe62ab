//! Where the worker cannot read the page's Blobs (WebKit opened from disk),
//! the page reads the files a request carries into bytes, within a cap.

use wasm_bindgen_test::wasm_bindgen_test;

use super::{blob, bytes_of};
use crate::app::bytes_mode::{read_files, too_large, MAX_BYTES};
use crate::app::protocol::{FileData, NamedFile, Request};
use crate::source::SourceOptions;

#[wasm_bindgen_test]
async fn every_file_a_request_carries_crosses_as_its_bytes() {
    let files = vec![
        NamedFile {
            name: "2024-01.csv".into(),
            data: blob(b"id\n1\n").into(),
        },
        NamedFile {
            name: "2024-02.csv".into(),
            data: blob(b"id\n2\n3\n").into(),
        },
    ];
    let request = Request::InspectFiles {
        files,
        options: SourceOptions::default(),
    };
    let Ok(Request::InspectFiles { files, .. }) = read_files(request).await else {
        panic!("the request comes back with its files read");
    };
    for (file, want) in files.iter().zip([&b"id\n1\n"[..], b"id\n2\n3\n"]) {
        assert!(
            matches!(file.data, FileData::Bytes(_)),
            "{}: bytes",
            file.name
        );
        assert_eq!(bytes_of(&file.data).await, want, "{}", file.name);
    }
    // A request with no file is untouched.
    assert!(matches!(
        read_files(Request::Cancel).await,
        Ok(Request::Cancel)
    ));
}

#[wasm_bindgen_test]
fn files_past_the_cap_are_refused_by_name_with_what_to_do() {
    assert!(too_large(&[("orders.csv".into(), MAX_BYTES)]).is_none());
    let one = too_large(&[("orders.csv".into(), MAX_BYTES + 1.0)]).expect("refused");
    assert!(
        one.message.starts_with("orders.csv is 512.0 MB: "),
        "{}",
        one.message
    );
    assert!(one.message.contains("at most 512.0 MB"), "{}", one.message);
    assert!(one.hint.contains("Chrome, Edge or Firefox"), "{}", one.hint);
    assert!(one.hint.contains("web server"), "{}", one.hint);
    let two = too_large(&[("a.csv".into(), 300e6), ("b.csv".into(), 300e6)]).expect("refused");
    assert!(
        two.message
            .starts_with("these 2 files are 600.0 MB together"),
        "{}",
        two.message
    );
}
