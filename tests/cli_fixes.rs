//! `--fixes edits.csv` as a user replays the app's edits: `check` counts the
//! fixed rows, `send` delivers them under their own row numbers, each once,
//! and an edits file that does not fit the input is refused with a message
//! saying why.
#![cfg(feature = "cli")]

use std::process::Command;

use segment_backfill::cli::receive::ReceiverConfig;

mod common;

use common::{run_json, send_cmd, temp_dir, write_orders_with, Local, Order, BIN};

/// 20 orders; data rows 3 and 7 (file rows 4 and 8) have no user.
fn orders(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    write_orders_with(dir, 20, |i| Order {
        user: if i == 3 || i == 7 {
            String::new()
        } else {
            format!("u{i}")
        },
        sku: "sku".into(),
    })
}

fn check(
    file: &std::path::Path,
    mapping: &std::path::Path,
    fixes: &std::path::Path,
) -> std::process::Output {
    Command::new(BIN)
        .args(["check", &file.to_string_lossy(), "--mapping"])
        .arg(mapping)
        .arg("--fixes")
        .arg(fixes)
        .arg("--json")
        .output()
        .expect("runs")
}

const HEADER: &str = "row,order_id,user_id,event,created_at,price,sku\n";

#[test]
fn fixed_rows_are_checked_and_sent_once_under_their_rows() {
    let dir = temp_dir("fixes");
    let (file, mapping) = orders(&dir);
    let edits = dir.join("edits.csv");
    std::fs::write(
        &edits,
        format!(
            "{HEADER}4,A-3,fixed-3,Order Completed,2024-03-04T10:03:00Z,3.50,sku\n\
             8,A-7,fixed-7,Order Completed,2024-03-08T10:07:00Z,-7,sku\n"
        ),
    )
    .expect("write edits");

    let out = check(&file, &mapping, &edits);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (v["rows"].as_u64(), v["valid"].as_u64()),
        (Some(20), Some(20))
    );
    assert_eq!(
        (v["rejected"].as_u64(), v["fixed"].as_u64()),
        (Some(0), Some(2))
    );

    let received = dir.join("received.ndjson");
    let local = Local::start(ReceiverConfig {
        out: Some(received.clone()),
        ..ReceiverConfig::default()
    });
    let edits_arg = edits.to_string_lossy().to_string();
    let (code, report) = run_json(send_cmd(
        &file,
        &mapping,
        &local.url,
        &["--fixes", &edits_arg],
    ));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["delivered"], 20);
    assert_eq!(report["summary"]["fixed"], 2);
    drop(local);
    let text = std::fs::read_to_string(&received).expect("received");
    let users: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|m| m["userId"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(users.len(), 20, "every row once");
    for u in ["fixed-3", "fixed-7", "u1", "u20"] {
        assert_eq!(
            users.iter().filter(|x| *x == u).count(),
            1,
            "{u}: {users:?}"
        );
    }
    // The value edited to "-7" went as a number, not as a guarded "'-7".
    assert!(text.contains("\"revenue\":-7"), "{text}");
}

#[test]
fn an_edits_file_that_does_not_fit_is_refused() {
    let dir = temp_dir("fixes-bad");
    let (file, mapping) = orders(&dir);
    let cases = [
        (
            "row,order_id,user,event,created_at,price,sku\n4,A,u,E,2024-03-04,1,s\n",
            "are for the columns",
        ),
        (
            &*format!("{HEADER}99,A,u,E,2024-03-04,1,s\n"),
            "not in the file (rows 99)",
        ),
        (&*format!("{HEADER}1,A,u,E,2024-03-04,1,s\n"), "header row"),
        (&*format!("{HEADER}4,A,u\n"), "line 2 has 3 cells"),
        ("order_id,user_id\n", "first column must be \"row\""),
    ];
    for (i, (content, says)) in cases.iter().enumerate() {
        let edits = dir.join(format!("edits-{i}.csv"));
        std::fs::write(&edits, content).expect("write");
        let out = check(&file, &mapping, &edits);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{content}: accepted");
        assert!(err.contains(says), "{content}: {err}");
    }
}
