//! How typed values are kept in Juju's maps of strings — relation
//! databags, the unit's state, a secret's content — one rule for all three:
//!
//! - a string is kept as it is (`host: 10.0.0.1`), so other charms, which
//!   read and write plain strings, see what they expect;
//! - a number or a boolean as its JSON text (`port: 5432`, `tls: true`);
//! - anything else (a list, a map, a nested struct, an enum with data) as
//!   its JSON text (`hosts: ["a","b"]`), as Juju charms conventionally put
//!   structured values in a databag;
//! - a unit enum variant as its name (`mode: fast`);
//! - `None` (anything serde_json writes as `null`) as no value: the key is
//!   absent, and writing it removes the key.
//!
//! Reading goes the other way, led by the type asked for: a `String` field
//! takes the text as it is, a `u16` field parses it as a number, a `Vec`
//! field as a JSON array; a field whose type does not say (such as
//! `serde_json::Value`) gets the JSON value when the text is JSON other
//! than a string, else the text.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::value::{MapDeserializer, StringDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::Serialize;
use serde_json::Value;

use crate::json::{without_position, DecodeError};

/// The text Juju keeps for `value`, or `None` when it is null (no value).
///
/// # Errors
/// If `value`'s `Serialize` fails (serde_json's message).
pub(crate) fn encode_value<T: Serialize + ?Sized>(value: &T) -> Result<Option<String>, String> {
    let value = serde_json::to_value(value).map_err(|e| e.to_string())?;
    Ok(text_of(value))
}

/// The keys and texts for `value`, a map or a struct, in the order it
/// serialises them; `None` for a null entry (a key to remove).
///
/// # Errors
/// If `value` is not a map or a struct, or its `Serialize` fails.
pub(crate) fn encode_map<T: Serialize + ?Sized>(
    value: &T,
) -> Result<Vec<(String, Option<String>)>, String> {
    match serde_json::to_value(value).map_err(|e| e.to_string())? {
        Value::Object(map) => Ok(map.into_iter().map(|(k, v)| (k, text_of(v))).collect()),
        other => Err(format!(
            "expected a map or a struct (a JSON object), not {}",
            kind_of(&other)
        )),
    }
}

fn text_of(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a map",
    }
}

/// `text` read as a `T`.
pub(crate) fn decode_value<T: DeserializeOwned>(text: &str) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(Text(text.to_owned()))
        .map_err(|e| DecodeError::at(e, |inner: TextError| inner.0))
}

/// A whole map read as a `T` (a struct, or a map of typed values); the
/// error's path starts with the key whose value did not fit.
pub(crate) fn decode_map<T: DeserializeOwned>(
    map: &BTreeMap<String, String>,
) -> Result<T, DecodeError> {
    let entries = map.iter().map(|(k, v)| (k.clone(), Text(v.clone())));
    serde_path_to_error::deserialize(MapDeserializer::new(entries))
        .map_err(|e| DecodeError::at(e, |inner: TextError| inner.0))
}

/// Why a text did not fit.
#[derive(Debug)]
struct TextError(String);

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TextError {}

impl de::Error for TextError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        TextError(msg.to_string())
    }
}

impl From<serde_json::Error> for TextError {
    fn from(e: serde_json::Error) -> Self {
        TextError(without_position(&e))
    }
}

/// One stored text, deserialised as the type asking for it.
struct Text(String);

impl Text {
    /// The text as JSON, for a type that is kept as JSON; `what` names it
    /// for the error when the text is not JSON.
    fn json(&self, what: &str) -> Result<Value, TextError> {
        serde_json::from_str(&self.0).map_err(|_| TextError(format!("{:?} is not {what}", self.0)))
    }
}

impl<'de> IntoDeserializer<'de, TextError> for Text {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

/// Methods whose type is kept as JSON text: parse it, then let the JSON
/// value deserialise itself the same way.
macro_rules! as_json {
    ($($method:ident($($arg:ident: $ty:ty),*) => $what:literal;)*) => {
        $(fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, TextError> {
            Ok(self.json($what)?.$method($($arg,)* visitor)?)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Text {
    type Error = TextError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TextError> {
        match serde_json::from_str::<Value>(&self.0) {
            Ok(value) if !value.is_string() => Ok(value.deserialize_any(visitor)?),
            _ => visitor.visit_string(self.0),
        }
    }

    as_json! {
        deserialize_bool() => "a boolean (true or false)";
        deserialize_i8() => "a number";
        deserialize_i16() => "a number";
        deserialize_i32() => "a number";
        deserialize_i64() => "a number";
        deserialize_i128() => "a number";
        deserialize_u8() => "a number";
        deserialize_u16() => "a number";
        deserialize_u32() => "a number";
        deserialize_u64() => "a number";
        deserialize_u128() => "a number";
        deserialize_f32() => "a number";
        deserialize_f64() => "a number";
        deserialize_unit() => "null";
        deserialize_unit_struct(name: &'static str) => "null";
        deserialize_seq() => "a JSON array";
        deserialize_tuple(len: usize) => "a JSON array";
        deserialize_tuple_struct(name: &'static str, len: usize) => "a JSON array";
        deserialize_map() => "a JSON object";
        deserialize_struct(name: &'static str, fields: &'static [&'static str]) => "a JSON object";
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TextError> {
        visitor.visit_string(self.0)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TextError> {
        visitor.visit_string(self.0)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TextError> {
        visitor.visit_string(self.0)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TextError> {
        visitor.visit_string(self.0)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TextError> {
        visitor.visit_byte_buf(self.0.into_bytes())
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TextError> {
        visitor.visit_byte_buf(self.0.into_bytes())
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TextError> {
        // A key that is there has a value: null is never stored.
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, TextError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TextError> {
        // A unit variant is kept as its name; a variant with data as JSON.
        if self.0.starts_with(['{', '"']) {
            Ok(self
                .json("JSON")?
                .deserialize_enum(name, variants, visitor)?)
        } else {
            visitor.visit_enum(StringDeserializer::<TextError>::new(self.0))
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TextError> {
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::HashMap;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn some(k: &str, v: &str) -> (String, Option<String>) {
        (k.to_owned(), Some(v.to_owned()))
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    enum Mode {
        Fast,
        Limited(u8),
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    struct Endpoint {
        host: String,
        port: u16,
        tls: bool,
        ratio: f64,
        hosts: Vec<String>,
        mode: Mode,
        limit: Mode,
        user: Option<String>,
        secret_id: Option<String>,
    }

    fn endpoint() -> Endpoint {
        Endpoint {
            host: "10.0.0.1".into(),
            port: 5432,
            tls: true,
            ratio: 0.5,
            hosts: vec!["a".into(), "b".into()],
            mode: Mode::Fast,
            limit: Mode::Limited(3),
            user: None,
            secret_id: Some("secret:abc".into()),
        }
    }

    #[test]
    fn a_struct_is_written_as_juju_strings() {
        assert_eq!(
            encode_map(&endpoint()).unwrap(),
            vec![
                some("host", "10.0.0.1"),
                some("port", "5432"),
                some("tls", "true"),
                some("ratio", "0.5"),
                some("hosts", r#"["a","b"]"#),
                some("mode", "fast"),
                some("limit", r#"{"limited":3}"#),
                ("user".to_owned(), None),
                some("secret-id", "secret:abc"),
            ]
        );
    }

    #[test]
    fn a_struct_reads_back_what_it_wrote() {
        let written: BTreeMap<String, String> = encode_map(&endpoint())
            .unwrap()
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect();
        assert_eq!(decode_map::<Endpoint>(&written).unwrap(), endpoint());
    }

    #[test]
    fn strings_that_look_like_json_stay_strings() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Bag {
            password: String,
            port: String,
        }
        let bag = map(&[("password", "[1,2]"), ("port", "5432")]);
        assert_eq!(
            decode_map::<Bag>(&bag).unwrap(),
            Bag {
                password: "[1,2]".into(),
                port: "5432".into()
            }
        );
        assert_eq!(encode_value("5432").unwrap().as_deref(), Some("5432"));
        assert_eq!(encode_value("").unwrap().as_deref(), Some(""));
    }

    #[test]
    fn a_map_reads_typed_values() {
        let ports: HashMap<String, u16> =
            decode_map(&map(&[("http", "80"), ("https", "443")])).unwrap();
        assert_eq!(ports["https"], 443);
        let raw: BTreeMap<String, String> = decode_map(&map(&[("a", "1")])).unwrap();
        assert_eq!(raw["a"], "1");
    }

    #[test]
    fn untyped_values_are_json_when_they_are_json() {
        let values: BTreeMap<String, Value> = decode_map(&map(&[
            ("n", "3"),
            ("s", "hello"),
            ("q", "\"x\""),
            ("l", "[1]"),
        ]))
        .unwrap();
        assert_eq!(values["n"], serde_json::json!(3));
        assert_eq!(values["s"], serde_json::json!("hello"));
        // A quoted string is kept as written, quotes and all.
        assert_eq!(values["q"], serde_json::json!("\"x\""));
        assert_eq!(values["l"], serde_json::json!([1]));
    }

    #[test]
    fn a_value_that_does_not_fit_names_its_key() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Bag {
            port: u16,
            tls: Option<bool>,
        }
        let e = decode_map::<Bag>(&map(&[("port", "fivefour")])).unwrap_err();
        assert_eq!(e.to_string(), "port: \"fivefour\" is not a number");
        let e = decode_map::<Bag>(&map(&[("port", "70000")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "port: invalid value: integer `70000`, expected u16"
        );
        let e = decode_map::<Bag>(&map(&[("port", "1"), ("tls", "True")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "tls: \"True\" is not a boolean (true or false)"
        );
        let e = decode_map::<Bag>(&map(&[])).unwrap_err();
        assert_eq!(e.to_string(), "missing field `port`");
    }

    #[test]
    fn nested_json_errors_name_the_path_inside() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            size: u32,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Bag {
            disk: Inner,
        }
        let e = decode_map::<Bag>(&map(&[("disk", r#"{"size": "big"}"#)])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "disk.size: invalid type: string \"big\", expected u32"
        );
    }

    #[test]
    fn single_values() {
        assert_eq!(decode_value::<u32>("7").unwrap(), 7);
        assert_eq!(decode_value::<String>("7").unwrap(), "7");
        assert_eq!(
            decode_value::<Option<String>>("").unwrap(),
            Some(String::new())
        );
        assert_eq!(decode_value::<Mode>("fast").unwrap(), Mode::Fast);
        assert_eq!(
            decode_value::<Mode>(r#"{"limited":2}"#).unwrap(),
            Mode::Limited(2)
        );
        assert_eq!(decode_value::<Vec<u8>>("[1,2]").unwrap(), vec![1, 2]);
        assert_eq!(encode_value(&7u32).unwrap().as_deref(), Some("7"));
        assert_eq!(encode_value(&None::<u32>).unwrap(), None);
        assert_eq!(encode_value(&Mode::Fast).unwrap().as_deref(), Some("fast"));
    }

    #[test]
    fn only_maps_and_structs_make_a_bag() {
        let e = encode_map(&[1, 2]).unwrap_err();
        assert_eq!(
            e,
            "expected a map or a struct (a JSON object), not an array"
        );
        let e = encode_map("text").unwrap_err();
        assert!(e.ends_with("not a string"), "{e}");
    }
}
