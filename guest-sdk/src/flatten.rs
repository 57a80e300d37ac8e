//! Turning a results value into the `key=value` pairs `action-set` takes,
//! exactly as Python `ops` does in `ActionEvent.set_results`.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};

/// Why a results value could not be flattened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlattenError {
    /// The results did not serialise to a JSON object; holds what it was.
    NotAnObject(&'static str),
    /// Two entries flattened to the same dotted key.
    DuplicateKey(String),
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
        }
    }
}

impl std::error::Error for FlattenError {}

/// Flattens `value`, which must be a JSON object, into dotted `key=value`
/// pairs in the object's order.
///
/// Nested objects become dotted keys (`{"a": {"b": 1}}` gives `a.b = "1"`); an
/// empty nested object gives no pair at all, as in `ops`. Leaves become
/// strings: strings as they are, numbers and booleans through their display
/// form, arrays and `null` as JSON text. Keys are not checked here: the host
/// checks them and reports a bad one.
pub(crate) fn flatten(value: &Value) -> Result<Vec<(String, String)>, FlattenError> {
    let Value::Object(map) = value else {
        return Err(FlattenError::NotAnObject(kind(value)));
    };
    let mut pairs = Vec::new();
    // A BTreeSet: a HashSet would seed its hasher from the host's random
    // source on every run, and the pairs are few.
    let mut seen = BTreeSet::new();
    flatten_into(map, None, &mut pairs, &mut seen)?;
    Ok(pairs)
}

fn flatten_into(
    map: &Map<String, Value>,
    parent: Option<&str>,
    pairs: &mut Vec<(String, String)>,
    seen: &mut BTreeSet<String>,
) -> Result<(), FlattenError> {
    for (key, value) in map {
        let key = match parent {
            Some(parent) => format!("{parent}.{key}"),
            None => key.clone(),
        };
        match value {
            Value::Object(inner) => flatten_into(inner, Some(&key), pairs, seen)?,
            leaf => {
                if !seen.insert(key.clone()) {
                    return Err(FlattenError::DuplicateKey(key));
                }
                pairs.push((key, leaf_to_string(leaf)));
            }
        }
    }
    Ok(())
}

/// The string `action-set` receives for a leaf value.
pub(crate) fn leaf_to_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        // Arrays and null (and, never reached from `flatten`, objects).
        other => other.to_string(),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a map",
    }
}

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
