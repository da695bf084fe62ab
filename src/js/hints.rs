//! What an editor built on the package shows before anything is read: the
//! targets to choose from (`targets()`, the table the CLI's `--target` and
//! the app's Send form use), what a mapping lacks (`mappingGaps()`, the
//! fields its call type needs that no rule writes) and how a file is read,
//! in words (`describeReading()`, the CLI's). The drop-in element uses
//! them, so its words and choices are the core's.

use serde::Serialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;

use super::error::{codes, JsApiError, JsResult};
use super::files::to_js;
use super::options::mapping_from_js;
use crate::source::table::TableInfo;
use crate::source::{describe_reading, Settings};
use crate::target::Target;

/// One target: where an import may go.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct TargetInfo {
    /// The id options take (`target: "segment-eu"`).
    #[tsify(type = "Target")]
    pub id: &'static str,
    /// Its label in a list of choices ("Segment (EU)").
    pub label: &'static str,
    /// The service, as a person says it ("Segment").
    pub name: &'static str,
    /// The endpoint when none is given; absent: the user must give one.
    #[tsify(optional)]
    pub endpoint: Option<&'static str>,
    /// What to type when there is no endpoint of the target's own.
    #[tsify(optional)]
    pub endpoint_hint: Option<&'static str>,
    /// How the service answers a write key it does not know.
    pub bad_key: &'static str,
    /// What to know before a backfill to it, when there is something.
    #[tsify(optional)]
    pub caution: Option<&'static str>,
}

/// Every target, in the order of the app's list (Segment US first).
#[wasm_bindgen(js_name = targets, unchecked_return_type = "TargetInfo[]")]
pub fn targets() -> JsResult<JsValue> {
    let all: Vec<TargetInfo> = Target::ALL
        .into_iter()
        .map(|t| TargetInfo {
            id: t.id(),
            label: t.label(),
            name: t.name(),
            endpoint: t.default_endpoint(),
            endpoint_hint: Some(t.endpoint_hint()).filter(|h| !h.is_empty()),
            bad_key: t.bad_key(),
            caution: t.caution(),
        })
        .collect();
    to_js(&all)
}

/// A field the mapping's call type needs and no rule writes.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct MappingGap {
    /// What every row would be rejected with (`missing_identity`, ...).
    #[tsify(type = "Code")]
    pub code: &'static str,
    /// The message field a rule should write (`userId`, `event`, `groupId`,
    /// `previousId`; for `missing_identity` outside an alias, `userId` or
    /// `anonymousId`).
    pub field: &'static str,
    /// Why, as the check's findings say it.
    pub reason: &'static str,
}

/// The fields `mapping`'s call type needs that no rule writes: every row
/// would be rejected for each, so say it before the file is read. Empty
/// when the type comes from the data or nothing is missing. A mapping that
/// cannot be used throws `invalid_mapping`, as `importFile` would.
#[wasm_bindgen(js_name = mappingGaps, unchecked_return_type = "MappingGap[]")]
pub fn mapping_gaps(
    #[wasm_bindgen(unchecked_param_type = "Mapping | string")] mapping: JsValue,
) -> JsResult<JsValue> {
    let mapping = mapping_from_js(&mapping)?.ok_or_else(|| {
        JsApiError::new(
            codes::INVALID_MAPPING,
            "mappingGaps needs a mapping (null is records sent as they are: nothing to map)",
        )
    })?;
    let gaps: Vec<MappingGap> = mapping
        .unwritten_required()
        .into_iter()
        .map(|(code, field, reason)| MappingGap {
            code: code.as_str(),
            field,
            reason,
        })
        .collect();
    to_js(&gaps)
}

/// How a file is read, in words, as the CLI says it: `CSV
/// (comma-separated), UTF-8, header row`, or for a workbook or Parquet
/// file (`inspectFile`'s `table`) `Excel workbook, sheet "Orders", header
/// on row 3`.
#[wasm_bindgen(js_name = describeReading)]
pub fn describe_reading_js(
    #[wasm_bindgen(unchecked_param_type = "Settings")] settings: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "TableInfo")] table: Option<JsValue>,
) -> JsResult<String> {
    let invalid = |what: &str, e: serde_wasm_bindgen::Error| {
        JsApiError::new(
            codes::INVALID_OPTIONS,
            format!("describeReading's {what}: {e}"),
        )
    };
    let settings: Settings =
        serde_wasm_bindgen::from_value(settings).map_err(|e| invalid("settings", e))?;
    let table: Option<TableInfo> = match table {
        Some(t) if !t.is_undefined() && !t.is_null() => {
            Some(serde_wasm_bindgen::from_value(t).map_err(|e| invalid("table", e))?)
        }
        _ => None,
    };
    Ok(describe_reading(&settings, table.as_ref()))
}
