//! The command as people run it, stopped the way people and their tools
//! stop it: SIGTERM (`kill`, systemd, containers) and Ctrl-C (SIGINT).

use super::*;

/// `segment-backfill receive` as people run it, in a child process that a
/// failed test does not leave behind.
struct ChildReceiver {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`, as its banner names it.
    url: String,
    /// The rest of its stderr, read to the end by a thread.
    stderr: Option<std::thread::JoinHandle<Vec<String>>>,
}

impl ChildReceiver {
    /// Starts it on a free port, with `out` as its out file.
    fn start(out: &std::path::Path) -> Result<ChildReceiver, Box<dyn Error>> {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_segment-backfill"))
            .args(["receive", "--listen", "127.0.0.1:0", "--out"])
            .arg(out)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let mut command = ChildReceiver {
            child,
            url: String::new(),
            stderr: None,
        };
        let mut lines = std::io::BufReader::new(stderr).lines();
        let banner = lines.next().ok_or("the receiver printed nothing")??;
        command.url = banner
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .ok_or_else(|| format!("no address in {banner:?}"))?
            .to_string();
        command.stderr = Some(std::thread::spawn(move || {
            lines.map_while(Result::ok).collect()
        }));
        Ok(command)
    }

    /// Waits up to `limit` for the process to end; its status and stderr.
    async fn exit(
        &mut self,
        limit: Duration,
    ) -> Result<(std::process::ExitStatus, Vec<String>), Box<dyn Error>> {
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait()? {
                break status;
            }
            if started.elapsed() > limit {
                return Err(format!("still running after {limit:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let stderr = match self.stderr.take() {
            Some(reader) => reader.join().map_err(|_| "the stderr reader panicked")?,
            None => Vec::new(),
        };
        Ok((status, stderr))
    }
}

impl Drop for ChildReceiver {
    fn drop(&mut self) {
        // Already gone when the test passed; errors say just that.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_command_stops_cleanly_on_sigterm_and_ctrl_c() -> TestResult {
    for signal in ["TERM", "INT"] {
        let out = out_path(&format!("signal-{signal}"));
        let mut command = ChildReceiver::start(&out)?;
        let client = client()?;
        let mut sent = Vec::new();
        for b in 0..4 {
            let messages: Vec<Value> = (0..250)
                .map(|m| track(&format!("{signal}-{b}-{m}"), "u"))
                .collect();
            let target = format!("{}/v1/batch", command.url);
            let (status, _) = post(&client, &target, batch(messages.clone())).await?;
            assert_eq!(status, 200);
            sent.extend(messages);
        }
        let pid = command.child.id().to_string();
        let kill = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(&pid)
            .status()?;
        assert!(kill.success(), "kill -{signal} {pid}");
        let (status, stderr) = command.exit(Duration::from_secs(10)).await?;
        assert_eq!(status.code(), Some(0), "SIG{signal}: {stderr:?}");
        assert!(
            stderr
                .iter()
                .any(|line| line.starts_with("receiver stopped: 4 requests")),
            "SIG{signal}: {stderr:?}"
        );
        assert_eq!(read_lines(&out)?, sent, "SIG{signal}");
    }
    Ok(())
}
