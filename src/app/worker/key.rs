//! The write-key check: the JS layer's one `GET` of the source's settings
//! ([`crate::js::key_check::check`]), for the "Check key" button and before
//! a send's first batch.

use crate::app::protocol::{KeyQuery, KeyVerdict};
use crate::source_settings::KeyStop;
use crate::target::Target;

/// The target a query names (the page sends an id of [`Target::ALL`]; an
/// unknown one is read as the endpoint's, as the package does).
pub fn target_of(id: &str, endpoint: &str) -> Target {
    Target::from_id(id).unwrap_or_else(|| Target::of_endpoint(endpoint))
}

/// Asks about the key of `query`.
pub async fn check(query: &KeyQuery) -> KeyVerdict {
    let target = target_of(&query.target, &query.endpoint);
    let checked = crate::js::key_check::check(
        query.write_key.trim(),
        target,
        &query.endpoint,
        query.settings_url.as_deref(),
    )
    .await;
    match checked {
        Ok(Some(known)) => KeyVerdict::Known {
            settings: known.settings,
            said: known.said,
        },
        Ok(None) => KeyVerdict::NotChecked,
        Err(KeyStop::Unknown(why)) => KeyVerdict::Unknown(why),
        Err(KeyStop::WrongRegion(why)) => KeyVerdict::WrongRegion(why),
        Err(KeyStop::Unsure(why)) => KeyVerdict::Unsure(why),
    }
}
