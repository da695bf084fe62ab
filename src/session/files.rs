
#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::{Checkpoint, SessionEvent, SessionSetup};
    use super::*;
    use crate::deliver::Outcome;
    use crate::fileset::{head_hash, FilePart};
    use crate::mapping::Mapping;
    use crate::message::SourceNamespace;

    const T0: u64 = 1_767_225_600_000;
    const URL: &str = "http://127.0.0.1:8787/v1/batch";

    /// A CSV of `rows` rows with `delimiter`; row `bad` (data row) has no user.
    fn csv(rows: usize, delimiter: char, bad: usize) -> Vec<u8> {
        let mut s = format!("user{delimiter}what\n");
        for i in 1..=rows {
            let user = if i == bad { String::new() } else { format!("u{i}") };
            s.push_str(&format!("{user}{delimiter}Event {i}\n"));
        }
        s.into_bytes()
    }

    fn setup(files: &[(&str, &[u8])]) -> SessionSetup {
        let mut s = SessionSetup::new(URL, SourceNamespace::of_write_key("k"));
        s.mapping = Mapping::from_json(
            r#"{"type":"track","rules":[{"from":"user","to":"userId"},{"from":"what","to":"event"}]}"#,
        )
        .ok();
        s.batch.max_messages = 10;
        let parts = files
            .iter()
            .map(|(name, bytes)| FilePart {
                head: Some(head_hash(bytes)),
                ..FilePart::new(*name, Some(bytes.len() as u64))
            })
            .collect();
        s.files = FileSet::ordered(parts).ok();
        s
    }

    /// Drives a session over `files` in order; acks every request, keeping
    /// row key → ids; stops as a dying process after `die_after` acks.
    /// Returns the report (if it finished) and the last checkpoint.
    fn drive(
        mut s: SendSession,
        files: &[&[u8]],
        got: &mut BTreeMap<u64, Vec<String>>,
        die_after: Option<usize>,
    ) -> Result<(Option<super::super::SessionReport>, Option<String>), SessionError> {
        let (mut now, mut file, mut at, mut acks) = (T0, 0, 0, 0);
        let mut checkpoint = None;
        for _ in 0..100_000 {
            while s.wants_input() {
                let data = files[file];
                if at < data.len() {
                    let next = (at + 50).min(data.len());
                    s.push_input(&data[at..next], now)?;
                    at = next;
                } else if file + 1 < files.len() {
                    s.next_file(now)?;
                    (file, at) = (file + 1, 0);
                } else {
                    s.finish_input(now)?;
                }
            }
            while let Some(t) = s.poll_transmit(now) {
                let body: serde_json::Value = serde_json::from_slice(&t.body).unwrap_or_default();
                let ids = body["batch"].as_array().cloned().unwrap_or_default();
                for (row, m) in t.rows.iter().zip(ids) {
                    let id = m["messageId"].as_str().unwrap_or_default().to_string();
                    got.entry(*row).or_default().push(id);
                }
                acks += 1;
                now += 100;
                s.handle_response(t.id, Outcome::status(200, "{}"), now);
            }
            while let Some(e) = s.poll_event() {
                if let SessionEvent::Checkpoint(c) = e {
                    checkpoint = Some(c);
                }
            }
            if die_after.is_some_and(|n| acks >= n) {
                return Ok((None, checkpoint));
            }
            if s.is_done() {
                let report = s.finish(now);
                return Ok((Some(report), checkpoint));
            }
            now = s.poll_timeout().unwrap_or(now + 1000).max(now + 1);
            s.handle_timeout(now);
        }
        panic!("the session never finished");
    }

    #[test]
    fn a_resumed_send_of_three_files_skips_what_its_checkpoint_has_done() {
        let (a, b, c) = (csv(60, ',', 5), csv(70, ';', 0), csv(40, '\t', 40));
        let files: [(&str, &[u8]); 3] = [("a.csv", &a), ("b.csv", &b), ("c.csv", &c)];
        let bytes = [&a[..], &b[..], &c[..]];
        let mut first = BTreeMap::new();
        let s = SendSession::new(setup(&files), T0).expect("starts");
        let (_, cp) = drive(s, &bytes, &mut first, Some(9)).expect("runs");
        let cp = cp.expect("a checkpoint was handed out");
        let done = Checkpoint::from_json(&cp).expect("reads");
        assert!(first.keys().any(|&k| split(k).0 == 1), "died in the second file");
        assert!(done.rows_done(2) <= 90, "gaps are not rows: {}", done.rows_done(2));

        let mut again = setup(&files);
        again.resume = Some(done.clone());
        let s = SendSession::new(again, T0).expect("resumes");
        let mut second = BTreeMap::new();
        let (report, _) = drive(s, &bytes, &mut second, None).expect("runs");
        let report = report.expect("finished");
        assert!(second.keys().all(|&k| !done.is_done(k)), "nothing done is sent again");
        for (k, ids) in &second {
            if let Some(before) = first.get(k) {
                assert_eq!(before[0], ids[0], "a row sent again keeps its id");
            }
        }
        let all: std::collections::BTreeSet<u64> =
            first.keys().chain(second.keys()).copied().collect();
        assert_eq!(all.len(), 59 + 70 + 39);
        let r = &report.reconciliation;
        assert!(report.balanced && report.complete);
        assert_eq!((r.rows, r.delivered, r.rejected), (170, 168, 2));
        let shares: Vec<(&str, u64, u64, u64)> = report
            .files
            .iter()
            .map(|f| (f.file.as_str(), f.rows, f.delivered, f.rejected))
            .collect();
        assert_eq!(
            shares,
            [("a.csv", 60, 59, 1), ("b.csv", 70, 70, 0), ("c.csv", 40, 39, 1)]
        );
        let end = Checkpoint::from_json(report.checkpoint.as_deref().unwrap_or_default())
            .expect("checkpoint");
        assert_eq!(end.rows_done(2), 170, "every row done, the gaps not counted");
    }

    #[test]
    fn a_file_that_changed_since_it_was_listed_is_refused() {
        let (a, b) = (csv(5, ',', 0), csv(5, ',', 0));
        let mut setup = setup(&[("a.csv", &a), ("b.csv", &b)]);
        let mut edited = b.clone();
        edited[20] = b'X';
        let s = SendSession::new(setup.clone(), T0).expect("starts");
        let mut got = BTreeMap::new();
        let e = drive(s, &[&a, &edited], &mut got, None).expect_err("refused");
        assert!(e.to_string().contains("b.csv changed since"), "{e}");
        assert!(got.is_empty(), "nothing sent");
        setup.files = None;
        assert!(
            SendSession::new(setup, T0).is_ok(),
            "without a file set: one file"
        );
    }
}
