//! What the command-line tests share: the binary, temporary folders, a
//! generated orders file with its mapping, and the local receiver started
//! in-process.
#![allow(dead_code)] // each test crate uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use segment_backfill::cli::receive::{Receiver, ReceiverConfig, ReceiverStats};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_segment-backfill");

pub const MAPPING: &str = r#"{
  "type": "track",
  "rules": [
    {"from": "user_id", "to": "userId"},
    {"from": "event", "to": "event"},
    {"from": "created_at", "to": "timestamp"},
    {"from": "price", "to": "properties.revenue", "as": "number"}
  ],
  "rest": "properties"
}"#;

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sb-cli-send-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `rows` valid orders; `poison_row` (1-based data row) carries the marker.
pub fn write_orders(dir: &Path, rows: usize, poison_row: Option<usize>) -> (PathBuf, PathBuf) {
    write_orders_with(dir, rows, |i| Order {
        user: format!("u{}", i % 977),
        sku: if Some(i) == poison_row {
            "POISON"
        } else {
            "sku"
        }
        .into(),
    })
}

/// What varies from one order to the next in [`write_orders_with`].
pub struct Order {
    /// The user id (empty: a row rejected as missing_identity).
    pub user: String,
    /// `POISON` makes the receiver refuse the message when told to.
    pub sku: String,
}

/// `rows` orders, row `i` (from 1) made by `order(i)`, and [`MAPPING`].
pub fn write_orders_with(
    dir: &Path,
    rows: usize,
    order: impl Fn(usize) -> Order,
) -> (PathBuf, PathBuf) {
    let mut csv = String::from("order_id,user_id,event,created_at,price,sku\n");
    for i in 1..=rows {
        let Order { user, sku } = order(i);
        csv.push_str(&format!(
            "A-{i},{user},Order Completed,2024-03-{:02}T10:{:02}:00Z,{}.50,{sku}\n",
            1 + i % 28,
            i % 60,
            i % 300
        ));
    }
    let file = dir.join("orders.csv");
    std::fs::write(&file, csv).expect("write csv");
    let mapping = dir.join("mapping.json");
    std::fs::write(&mapping, MAPPING).expect("write mapping");
    (file, mapping)
}

pub struct Local {
    pub runtime: tokio::runtime::Runtime,
    pub receiver: Option<Receiver>,
    pub url: String,
}

impl Local {
    pub fn start(config: ReceiverConfig) -> Local {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("rt");
        let addr = "127.0.0.1:0".parse().expect("addr");
        let receiver = runtime
            .block_on(Receiver::start(addr, config))
            .expect("receiver starts");
        let url = format!("http://{}/v1/batch", receiver.local_addr());
        Local {
            runtime,
            receiver: Some(receiver),
            url,
        }
    }

    pub fn stats(&self) -> ReceiverStats {
        self.receiver
            .as_ref()
            .map(Receiver::stats)
            .unwrap_or_default()
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        if let Some(r) = self.receiver.take() {
            self.runtime.block_on(r.shutdown());
        }
    }
}

pub fn send_cmd(file: &Path, mapping: &Path, url: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "send",
        &file.to_string_lossy(),
        "--mapping",
        &mapping.to_string_lossy(),
        "--endpoint",
        url,
        "--json",
    ])
    .args(extra)
    .env("SEGMENT_WRITE_KEY", "test-key")
    .stdin(Stdio::null());
    cmd
}

/// Runs the binary with `args`: exit code (-1 when killed), stdout, stderr.
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the binary with `args`, which must succeed and print JSON.
pub fn json(args: &[&str]) -> Value {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {out}"))
}

pub fn run_json(mut cmd: Command) -> (Option<i32>, Value) {
    let out = cmd.output().expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}
