//! `send` asks Segment's CDN about the write key before the first batch
//! ([`crate::source_settings`]): an unknown key (404) stops the send before
//! anything is sent; a source in the other region than the endpoint is
//! refused; an answer that says neither (no network, another status) stops
//! too, saying how to send anyway (`--no-key-check`): never a silent pass.
//!
//! The check is Segment's: it runs when the endpoint is one of Segment's
//! API hosts, or when `--settings-url` is given (a proxy, a test). Other
//! endpoints (RudderStack, Jitsu, the local receiver) say a bad key in
//! their own answers (a 401), which the engine reports.

use std::time::Duration;

use crate::source_settings::{check_base, settings_url, KeyCheck, KeyStop, MAX_SETTINGS_BYTES};
use crate::target::Target;

/// How long the CDN may take to answer.
const TIMEOUT: Duration = Duration::from_secs(15);

/// What the check found, for the run's output (`None`: not checked).
pub struct Checked {
    pub said: String,
}

/// Checks `key` for `endpoint` of `target` (see the module docs).
/// `settings_base`: `--settings-url`. `Err` stops the send, nothing sent.
pub fn run(
    key: &str,
    target: Target,
    endpoint: &str,
    settings_base: Option<&str>,
    skip: bool,
) -> Result<Option<Checked>, String> {
    if skip {
        return Ok(None);
    }
    let Some(base) = check_base(target, endpoint, settings_base) else {
        return Ok(None);
    };
    let check = match fetch(&settings_url(&base, key)) {
        Ok((status, body)) => KeyCheck::from_answer(status, &body),
        Err(e) => KeyCheck::Unsure(format!("the write key could not be checked ({e})")),
    };
    match check.verdict(endpoint) {
        Ok(known) => Ok(Some(Checked { said: known.said })),
        Err(stop @ KeyStop::Unknown(_)) => Err(format!(
            "{}. Nothing was sent. (Some source types are reported to answer 404 for a \
             valid key: --no-key-check sends anyway.)",
            stop.reason()
        )),
        Err(stop @ KeyStop::WrongRegion(_)) => Err(format!("{} (nothing was sent)", stop.reason())),
        Err(stop @ KeyStop::Unsure(_)) => Err(format!(
            "{}. Nothing was sent: --no-key-check sends without checking the key",
            stop.reason()
        )),
    }
}

/// One GET of the settings: status and body (at most [`MAX_SETTINGS_BYTES`]).
fn fetch(url: &str) -> Result<(u16, Vec<u8>), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| e.to_string())?;
        let mut answer = client.get(url).send().await.map_err(|e| {
            // The URL holds the key: say the host only.
            let host = reqwest::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            format!("{host} did not answer: {}", e.without_url())
        })?;
        let status = answer.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = answer
            .chunk()
            .await
            .map_err(|e| e.without_url().to_string())?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_SETTINGS_BYTES {
                break;
            }
        }
        Ok((status, body))
    })
}
