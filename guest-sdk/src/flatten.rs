//! Turning a results value into the `key=value` pairs `action-set` takes,
//! exactly as Python `ops` does in `ActionEvent.set_results`.
//!
//! [`flatten`] is a serde [`Serializer`]: it writes pairs as the value
//! serialises, without building a `serde_json::Value` first. Results are set
//! in nearly every action, and the intermediate map (an ordered hash map
//! seeded from the host's random source) was a large part of a small
//! action's run.

use std::fmt;

use serde::ser::{self, Impossible, Serialize, Serializer};
use serde_json::Value;

/// Why a results value could not be flattened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlattenError {
    /// The results did not serialise to a map; holds what they were.
    NotAnObject(&'static str),
    /// Two entries flattened to the same dotted key.
    DuplicateKey(String),
    /// The value's own `Serialize` failed, or a map key was not a string.
    Custom(String),
}

impl fmt::Display for FlattenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlattenError::NotAnObject(kind) => write!(
                f,
                "results must serialise to a map (a JSON object), not {kind}"
            ),
            FlattenError::DuplicateKey(key) => write!(
                f,
                "duplicate result key {key:?}: two entries flatten to the same dotted key"
            ),
            FlattenError::Custom(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for FlattenError {}

impl ser::Error for FlattenError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        FlattenError::Custom(msg.to_string())
    }
}

impl From<serde_json::Error> for FlattenError {
    fn from(e: serde_json::Error) -> Self {
        FlattenError::Custom(e.to_string())
    }
}

/// Flattens `value`, which must serialise to a map (a struct, a map, or
/// `serde_json::json!({...})`), into dotted `key=value` pairs in the order
/// it serialises them.
///
/// Nested maps become dotted keys (`{"a": {"b": 1}}` gives `a.b = "1"`); an
/// empty nested map gives no pair at all, as in `ops`. Leaves become
/// strings: strings as they are, numbers and booleans in their JSON form,
/// arrays and `null` as JSON text; enums as `serde_json` writes them. Keys
/// are not checked here: the host checks them and reports a bad one.
pub(crate) fn flatten<T: Serialize + ?Sized>(
    value: &T,
) -> Result<Vec<(String, String)>, FlattenError> {
    let mut pairs = Pairs::default();
    value.serialize(Root(&mut pairs))?;
    pairs.finish()
}

/// The pairs so far.
#[derive(Default)]
struct Pairs {
    list: Vec<(String, String)>,
}

impl Pairs {
    fn push(&mut self, key: String, value: String) {
        self.list.push((key, value));
    }

    /// The pairs, once no two share a key; the error names the first key, in
    /// serialisation order, that repeats an earlier one. Checked once at the
    /// end on borrowed keys: a set of copied keys built pair by pair cost
    /// more than the rest of a small action's flattening.
    fn finish(self) -> Result<Vec<(String, String)>, FlattenError> {
        if self.list.len() > 1 {
            let mut keys: Vec<&str> = self.list.iter().map(|(key, _)| key.as_str()).collect();
            keys.sort_unstable();
            if keys.windows(2).any(|pair| pair[0] == pair[1]) {
                let repeated = self
                    .list
                    .iter()
                    .enumerate()
                    .find(|(at, (key, _))| self.list[..*at].iter().any(|(k, _)| k == key))
                    .map(|(_, (key, _))| key.clone())
                    .expect("a key repeats");
                return Err(FlattenError::DuplicateKey(repeated));
            }
        }
        Ok(self.list)
    }
}

/// `prefix.key`, or `key` at the top level; without `format!`, whose
/// machinery is most of the cost of so small a string.
fn join(prefix: Option<&str>, key: &str) -> String {
    match prefix {
        Some(prefix) => {
            let mut joined = String::with_capacity(prefix.len() + 1 + key.len());
            joined.push_str(prefix);
            joined.push('.');
            joined.push_str(key);
            joined
        }
        None => key.to_owned(),
    }
}

/// The top level: only a map is accepted.
struct Root<'a>(&'a mut Pairs);

/// Refuses a non-map at the top level, naming what it was.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*) => $kind:literal;)*) => {
        $(fn $method(self $(, _: $arg)*) -> Result<(), FlattenError> {
            Err(FlattenError::NotAnObject($kind))
        })*
    };
}

impl<'a> Serializer for Root<'a> {
    type Ok = ();
    type Error = FlattenError;
    type SerializeSeq = Impossible<(), FlattenError>;
    type SerializeTuple = Impossible<(), FlattenError>;
    type SerializeTupleStruct = Impossible<(), FlattenError>;
    type SerializeTupleVariant = ArraySink<'a>;
    type SerializeMap = MapSink<'a>;
    type SerializeStruct = MapSink<'a>;
    type SerializeStructVariant = MapSink<'a>;

    refuse! {
        serialize_bool(bool) => "a boolean";
        serialize_i8(i8) => "a number";
        serialize_i16(i16) => "a number";
        serialize_i32(i32) => "a number";
        serialize_i64(i64) => "a number";
        serialize_i128(i128) => "a number";
        serialize_u8(u8) => "a number";
        serialize_u16(u16) => "a number";
        serialize_u32(u32) => "a number";
        serialize_u64(u64) => "a number";
        serialize_u128(u128) => "a number";
        serialize_f32(f32) => "a number";
        serialize_f64(f64) => "a number";
        serialize_char(char) => "a string";
        serialize_str(&str) => "a string";
        serialize_bytes(&[u8]) => "an array";
        serialize_none() => "null";
        serialize_unit() => "null";
        serialize_unit_struct(&'static str) => "null";
        serialize_unit_variant(&'static str, u32, &'static str) => "a string";
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), FlattenError> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), FlattenError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), FlattenError> {
        // serde_json writes `{"variant": value}`.
        value.serialize(Leaf {
            pairs: self.0,
            key: variant.to_owned(),
        })
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, FlattenError> {
        Err(FlattenError::NotAnObject("an array"))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, FlattenError> {
        Err(FlattenError::NotAnObject("an array"))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, FlattenError> {
        Err(FlattenError::NotAnObject("an array"))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<ArraySink<'a>, FlattenError> {
        // serde_json writes `{"variant": [..]}`: a map after all.
        let leaf = Leaf {
            pairs: self.0,
            key: variant.to_owned(),
        };
        Ok(ArraySink::new(leaf, len))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<MapSink<'a>, FlattenError> {
        Ok(MapSink::new(self.0, None))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<MapSink<'a>, FlattenError> {
        Ok(MapSink::new(self.0, None))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<MapSink<'a>, FlattenError> {
        Ok(MapSink::new(self.0, Some(variant.to_owned())))
    }
}

/// The entries of one map, at `prefix`.
struct MapSink<'a> {
    pairs: &'a mut Pairs,
    prefix: Option<String>,
    key: Option<String>,
}

impl<'a> MapSink<'a> {
    fn new(pairs: &'a mut Pairs, prefix: Option<String>) -> Self {
        MapSink {
            pairs,
            prefix,
            key: None,
        }
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), FlattenError> {
        let key = join(self.prefix.as_deref(), key);
        value.serialize(Leaf {
            pairs: self.pairs,
            key,
        })
    }
}

impl ser::SerializeMap for MapSink<'_> {
    type Ok = ();
    type Error = FlattenError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), FlattenError> {
        // Keys as serde_json writes them: strings, and numbers and booleans
        // in their text form.
        self.key = Some(match serde_json::to_value(key)? {
            Value::String(key) => key,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return Err(FlattenError::Custom(
                    "result keys must be strings".to_owned(),
                ))
            }
        });
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FlattenError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| FlattenError::Custom("a map value came before its key".to_owned()))?;
        self.entry(&key, value)
    }

    fn end(self) -> Result<(), FlattenError> {
        Ok(())
    }
}

/// A struct and a struct variant's fields are map entries under their names.
macro_rules! struct_sink {
    ($($trait:ident),*) => {
        $(impl ser::$trait for MapSink<'_> {
            type Ok = ();
            type Error = FlattenError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), FlattenError> {
                self.entry(key, value)
            }
            fn end(self) -> Result<(), FlattenError> {
                Ok(())
            }
        })*
    };
}

struct_sink!(SerializeStruct, SerializeStructVariant);

/// A value at a dotted `key`: a leaf pair, or a nested map to descend into.
struct Leaf<'a> {
    pairs: &'a mut Pairs,
    key: String,
}

impl Leaf<'_> {
    fn set(self, value: String) -> Result<(), FlattenError> {
        self.pairs.push(self.key, value);
        Ok(())
    }

    fn set_text(self, value: impl ToString) -> Result<(), FlattenError> {
        self.set(value.to_string())
    }

    /// Numbers in their JSON form (`1.5`, `null` for a non-finite float).
    fn json<T: Serialize>(self, value: T) -> Result<(), FlattenError> {
        let text = serde_json::to_string(&value)?;
        self.set(text)
    }
}

/// Leaf scalars, each written by `$how`.
macro_rules! leaves {
    ($how:ident: $($method:ident($ty:ty)),*) => {
        $(fn $method(self, v: $ty) -> Result<(), FlattenError> {
            self.$how(v)
        })*
    };
}

impl<'a> Serializer for Leaf<'a> {
    type Ok = ();
    type Error = FlattenError;
    type SerializeSeq = ArraySink<'a>;
    type SerializeTuple = ArraySink<'a>;
    type SerializeTupleStruct = ArraySink<'a>;
    type SerializeTupleVariant = ArraySink<'a>;
    type SerializeMap = MapSink<'a>;
    type SerializeStruct = MapSink<'a>;
    type SerializeStructVariant = MapSink<'a>;

    // Their text form, as serde_json writes them.
    leaves!(set_text:
        serialize_bool(bool), serialize_char(char),
        serialize_i8(i8), serialize_i16(i16), serialize_i32(i32), serialize_i64(i64),
        serialize_u8(u8), serialize_u16(u16), serialize_u32(u32), serialize_u64(u64));
    // Through serde_json itself: wide integers, floats (`1.0`; `null` when
    // not finite).
    leaves!(json:
        serialize_i128(i128), serialize_u128(u128), serialize_f32(f32), serialize_f64(f64));
    fn serialize_str(self, v: &str) -> Result<(), FlattenError> {
        self.set(v.to_owned())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), FlattenError> {
        // serde_json writes bytes as an array of numbers.
        self.json(v)
    }
    fn serialize_none(self) -> Result<(), FlattenError> {
        self.set("null".to_owned())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), FlattenError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), FlattenError> {
        self.set("null".to_owned())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), FlattenError> {
        self.set("null".to_owned())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), FlattenError> {
        self.set(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), FlattenError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), FlattenError> {
        let key = join(Some(&self.key), variant);
        value.serialize(Leaf {
            pairs: self.pairs,
            key,
        })
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<ArraySink<'a>, FlattenError> {
        Ok(ArraySink::new(self, len.unwrap_or(0)))
    }
    fn serialize_tuple(self, len: usize) -> Result<ArraySink<'a>, FlattenError> {
        Ok(ArraySink::new(self, len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<ArraySink<'a>, FlattenError> {
        Ok(ArraySink::new(self, len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<ArraySink<'a>, FlattenError> {
        let key = join(Some(&self.key), variant);
        Ok(ArraySink::new(
            Leaf {
                pairs: self.pairs,
                key,
            },
            len,
        ))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapSink<'a>, FlattenError> {
        Ok(MapSink::new(self.pairs, Some(self.key)))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<MapSink<'a>, FlattenError> {
        Ok(MapSink::new(self.pairs, Some(self.key)))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<MapSink<'a>, FlattenError> {
        let key = join(Some(&self.key), variant);
        Ok(MapSink::new(self.pairs, Some(key)))
    }
}

/// An array leaf: its elements, written out as JSON text at the end.
struct ArraySink<'a> {
    leaf: Leaf<'a>,
    items: Vec<Value>,
}

impl<'a> ArraySink<'a> {
    fn new(leaf: Leaf<'a>, len: usize) -> Self {
        ArraySink {
            leaf,
            items: Vec::with_capacity(len),
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, item: &T) -> Result<(), FlattenError> {
        self.items.push(serde_json::to_value(item)?);
        Ok(())
    }

    fn finish(self) -> Result<(), FlattenError> {
        let text = Value::Array(self.items).to_string();
        self.leaf.set(text)
    }
}

/// The four array-like serde traits differ only in their names: each
/// element goes to [`ArraySink::push`], the end to [`ArraySink::finish`].
macro_rules! array_sink {
    ($($trait:ident::$method:ident),*) => {
        $(impl ser::$trait for ArraySink<'_> {
            type Ok = ();
            type Error = FlattenError;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), FlattenError> {
                self.push(v)
            }
            fn end(self) -> Result<(), FlattenError> {
                self.finish()
            }
        })*
    };
}

array_sink!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(value: Value) -> Vec<(String, String)> {
        flatten(&value).expect("flattens")
    }

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn flat_map_keeps_order_and_strings() {
        assert_eq!(
            pairs(json!({"zeta": "last?", "alpha": "x y", "empty": ""})),
            vec![p("zeta", "last?"), p("alpha", "x y"), p("empty", "")]
        );
    }

    #[test]
    fn nested_maps_become_dotted_keys() {
        assert_eq!(pairs(json!({"a": {"b": 1}})), vec![p("a.b", "1")]);
        assert_eq!(
            pairs(json!({"greeting": {"text": "Hello, Ann!", "language": "en"}, "length": 11})),
            vec![
                p("greeting.text", "Hello, Ann!"),
                p("greeting.language", "en"),
                p("length", "11")
            ]
        );
        assert_eq!(
            pairs(json!({"a": {"b": {"c": {"d": true}}}})),
            vec![p("a.b.c.d", "true")]
        );
    }

    #[test]
    fn leaves_become_strings() {
        assert_eq!(
            pairs(json!({
                "int": 3, "neg": -7, "float": 1.5, "t": true, "f": false,
                "null": null, "list": [1, "two", {"three": 3}], "none": []
            })),
            vec![
                p("int", "3"),
                p("neg", "-7"),
                p("float", "1.5"),
                p("t", "true"),
                p("f", "false"),
                p("null", "null"),
                p("list", r#"[1,"two",{"three":3}]"#),
                p("none", "[]"),
            ]
        );
    }

    #[test]
    fn empty_maps_give_no_pairs() {
        assert_eq!(pairs(json!({})), vec![]);
        assert_eq!(pairs(json!({"a": {}, "b": 1})), vec![p("b", "1")]);
    }

    #[test]
    fn duplicate_dotted_key_is_refused() {
        assert_eq!(
            flatten(&json!({"a": {"b": 1}, "a.b": 2})),
            Err(FlattenError::DuplicateKey("a.b".to_owned()))
        );
        assert_eq!(
            flatten(&json!({"x.y.z": 1, "x": {"y.z": 2}})),
            Err(FlattenError::DuplicateKey("x.y.z".to_owned()))
        );
        let message = flatten(&json!({"a.b": 2, "a": {"b": 1}}))
            .unwrap_err()
            .to_string();
        assert!(message.contains("\"a.b\""), "{message}");
        // The first key to repeat an earlier one, in order, not in sorted
        // order.
        assert_eq!(
            flatten(&json!({"y": {"b": 1}, "a": {"b": 1}, "y.b": 2, "a.b": 2})),
            Err(FlattenError::DuplicateKey("y.b".to_owned()))
        );
    }

    #[test]
    fn key_and_its_prefix_are_not_duplicates() {
        // As in ops: `a` and `a.b` are different keys; the host decides.
        assert_eq!(
            pairs(json!({"a": 1, "a.b": 2})),
            vec![p("a", "1"), p("a.b", "2")]
        );
    }

    #[test]
    fn keys_are_passed_through_unchecked() {
        assert_eq!(pairs(json!({"Bad_Key": 1})), vec![p("Bad_Key", "1")]);
    }

    #[test]
    fn typed_values_flatten_as_their_json_would() {
        use serde::Serialize;
        use std::collections::BTreeMap;

        #[derive(Serialize)]
        #[serde(rename_all = "kebab-case")]
        enum Mode {
            Fast,
            Limited(u8),
            Ranged { from: u8, to: u8 },
            Pair(u8, u8),
        }
        #[derive(Serialize)]
        struct Inner {
            name: &'static str,
            ratio: f64,
            missing: Option<u32>,
            present: Option<u32>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "kebab-case")]
        struct Out {
            inner: Inner,
            modes: Vec<Mode>,
            fast: Mode,
            limited: Mode,
            ranged: Mode,
            pair: Mode,
            big: u128,
            not_a_number: f64,
            by_port: BTreeMap<u16, &'static str>,
            unit: (),
        }
        let out = Out {
            inner: Inner {
                name: "db",
                ratio: 1.0,
                missing: None,
                present: Some(7),
            },
            modes: vec![Mode::Fast, Mode::Limited(3)],
            fast: Mode::Fast,
            limited: Mode::Limited(2),
            ranged: Mode::Ranged { from: 1, to: 9 },
            pair: Mode::Pair(4, 5),
            big: u64::MAX.into(),
            not_a_number: f64::NAN,
            by_port: BTreeMap::from([(80, "http"), (443, "https")]),
            unit: (),
        };
        let expected = vec![
            p("inner.name", "db"),
            p("inner.ratio", "1.0"),
            p("inner.missing", "null"),
            p("inner.present", "7"),
            p("modes", r#"["fast",{"limited":3}]"#),
            p("fast", "fast"),
            p("limited.limited", "2"),
            p("ranged.ranged.from", "1"),
            p("ranged.ranged.to", "9"),
            p("pair.pair", "[4,5]"),
            p("big", &u64::MAX.to_string()),
            p("not-a-number", "null"),
            p("by-port.80", "http"),
            p("by-port.443", "https"),
            p("unit", "null"),
        ];
        assert_eq!(flatten(&out).unwrap(), expected);
        // The same pairs as going through serde_json's Value, as before.
        assert_eq!(
            flatten(&serde_json::to_value(&out).unwrap()).unwrap(),
            expected
        );
        // Beyond serde_json's Value, which refuses a u128 over u64::MAX.
        assert_eq!(
            flatten(&BTreeMap::from([("n", u128::MAX)])).unwrap(),
            vec![p("n", &u128::MAX.to_string())]
        );
    }

    #[test]
    fn a_top_level_enum_variant_is_a_map() {
        use serde::Serialize;
        #[derive(Serialize)]
        enum Outcome {
            Done { files: u32 },
            Skipped(&'static str),
        }
        assert_eq!(
            flatten(&Outcome::Done { files: 2 }).unwrap(),
            vec![p("Done.files", "2")]
        );
        assert_eq!(
            flatten(&Outcome::Skipped("why")).unwrap(),
            vec![p("Skipped", "why")]
        );
    }

    #[test]
    fn serialize_errors_and_bad_keys_are_reported() {
        use std::collections::BTreeMap;
        let by_list = BTreeMap::from([(vec![1], "x")]);
        let err = flatten(&by_list).unwrap_err();
        assert_eq!(err.to_string(), "result keys must be strings");
    }

    #[test]
    fn non_objects_are_refused() {
        for (value, kind) in [
            (json!(null), "null"),
            (json!(1), "a number"),
            (json!("s"), "a string"),
            (json!([1]), "an array"),
            (json!(true), "a boolean"),
        ] {
            let err = flatten(&value).unwrap_err();
            assert_eq!(err, FlattenError::NotAnObject(kind));
            assert!(err.to_string().contains(kind));
        }
    }
}
