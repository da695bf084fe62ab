//! What JavaScript passes where the types cannot stop it: a file that must
//! be a `Blob`, bytes that must be bytes, and options objects whose keys
//! must be ones the function reads (a misspelled `sentat` is refused,
//! naming `sentAt`, rather than silently ignored). Each refusal is
//! `invalid_options` and says what was given and what is accepted.

use js_sys::{ArrayBuffer, Object, Uint8Array};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

use super::error::{codes, JsApiError, JsResult};
use crate::nearest::nearest;

/// `value` as a Blob (a `File` is one), or `invalid_options` saying what
/// it is and how to pass bytes.
pub fn blob_arg(value: JsValue, what: &str) -> JsResult<Blob> {
    value.dyn_into::<Blob>().map_err(|other| {
        JsApiError::new(
            codes::INVALID_OPTIONS,
            format!(
                "{what} must be a Blob or a File, not {}{}",
                kind_of(&other),
                if is_bytes(&other) {
                    " (pass new Blob([bytes]))"
                } else {
                    ""
                }
            ),
        )
    })
}

/// `value` as bytes: a `Uint8Array` (a Node `Buffer` is one), an
/// `ArrayBuffer`, or another typed array or `DataView` (its bytes).
/// Anything else (a string, an array of numbers) is `invalid_options`.
pub fn bytes_arg(value: &JsValue, what: &str) -> JsResult<Vec<u8>> {
    if let Some(array) = value.dyn_ref::<Uint8Array>() {
        return Ok(array.to_vec());
    }
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    if ArrayBuffer::is_view(value) {
        let get = |name: &str| js_sys::Reflect::get(value, &name.into()).ok();
        if let (Some(buffer), Some(offset), Some(length)) = (
            get("buffer").and_then(|b| b.dyn_into::<ArrayBuffer>().ok()),
            get("byteOffset").and_then(|n| n.as_f64()),
            get("byteLength").and_then(|n| n.as_f64()),
        ) {
            return Ok(Uint8Array::new_with_byte_offset_and_length(
                &buffer,
                offset as u32,
                length as u32,
            )
            .to_vec());
        }
    }
    let hint = if value.is_string() {
        " (text must be encoded: new TextEncoder().encode(text))"
    } else {
        ""
    };
    Err(JsApiError::new(
        codes::INVALID_OPTIONS,
        format!(
            "{what} must be bytes (a Uint8Array or an ArrayBuffer), not {}{hint}",
            kind_of(value)
        ),
    ))
}

fn is_bytes(value: &JsValue) -> bool {
    value.is_instance_of::<ArrayBuffer>() || ArrayBuffer::is_view(value)
}

/// What a JS value is, for a message: "a string", "a Uint8Array", "null".
pub fn kind_of(value: &JsValue) -> String {
    if value.is_undefined() {
        return "undefined".into();
    }
    if value.is_null() {
        return "null".into();
    }
    if let Some(t) = value.js_typeof().as_string().filter(|t| t != "object") {
        let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        return format!("{article} {t}");
    }
    if js_sys::Array::is_array(value) {
        return "an array".into();
    }
    let name = value
        .dyn_ref::<Object>()
        .map(|o| String::from(o.constructor().name()))
        .filter(|n| !n.is_empty() && n != "Object");
    match name {
        Some(n) => {
            let article = if n.starts_with(['A', 'E', 'I', 'O', 'U']) {
                "an"
            } else {
                "a"
            };
            format!("{article} {n}")
        }
        None => "a plain object".into(),
    }
}

/// Refuses a key of the options object `value` that neither `T` (a serde
/// struct: its field names, as JS spells them) nor `also` knows, naming the
/// nearest known key. Not an object (undefined, null, or what `T` will
/// refuse itself): nothing to check.
pub fn check_keys<T: DeserializeOwned>(value: &JsValue, what: &str, also: &[&str]) -> JsResult<()> {
    let Some(object) = value.dyn_ref::<Object>() else {
        return Ok(());
    };
    if value.is_function() || js_sys::Array::is_array(value) {
        return Ok(());
    }
    let Some(fields) = fields_of::<T>() else {
        return Ok(());
    };
    let mut known: Vec<&str> = Vec::with_capacity(fields.len() + also.len());
    for name in fields.iter().chain(also) {
        if !known.contains(name) {
            known.push(name);
        }
    }
    for key in Object::keys(object).iter().filter_map(|k| k.as_string()) {
        if known.contains(&key.as_str()) {
            continue;
        }
        let hint = match nearest(&key, &known) {
            Some(near) => format!("did you mean {near:?}?"),
            None => format!("the options are: {}", known.join(", ")),
        };
        return Err(JsApiError::new(
            codes::INVALID_OPTIONS,
            format!("{what}: {key:?} is not an option; {hint}"),
        ));
    }
    Ok(())
}

/// The field names the serde struct `T` reads, as serialized (what its
/// `deserialize_struct` asks for); `None` for a type that is not a struct.
pub fn fields_of<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    let mut fields = None;
    let _ = T::deserialize(FieldNames(&mut fields));
    fields
}

/// A deserializer that only records the fields a struct asks for.
struct FieldNames<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(de::Error::custom("fields recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}
