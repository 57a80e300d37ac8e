//! Params: the params an operation's runs share ([`ActionParams`]), reading
//! a value at a dotted path, and building a params map from `key=value`
//! arguments typed as `juju run` types them.
//!
//! ```
//! use charmbox::action::params::{apply_args, ArgTyping};
//! use serde_json::{json, Map};
//!
//! let mut params = Map::new();
//! apply_args(&mut params, ["outfile.name=x.tar", "steps=3", "fast=true"], ArgTyping::Yaml)
//!     .unwrap();
//! assert_eq!(
//!     serde_json::Value::Object(params),
//!     json!({"outfile": {"name": "x.tar"}, "steps": 3, "fast": true})
//! );
//! ```

use std::sync::Arc;

use serde_json::{Map, Value};

use super::keys::{validate_param_key, ParamKeyError};

/// An action's params, made once and shared by every run of the operation:
/// the map, and the JSON text `action-get` hands a guest, written once
/// rather than on every call of every run. Cloning shares both.
#[derive(Debug, Clone)]
pub struct ActionParams {
    value: Arc<Value>,
    json: Arc<str>,
}

impl ActionParams {
    /// Params from a map; `null` reads as the empty map, as Juju gives `{}`
    /// to an action invoked without params.
    pub fn new(value: Arc<Value>) -> Self {
        let value = if value.is_null() {
            Arc::new(Value::Object(Map::new()))
        } else {
            value
        };
        // Straight into a buffer: `Display` goes through a formatter
        // adapter, about twice as slow for a params map.
        let json = serde_json::to_string(&*value).expect("a JSON value always serialises");
        Self {
            value,
            json: json.into(),
        }
    }

    /// The params map.
    pub fn value(&self) -> &Arc<Value> {
        &self.value
    }

    /// The whole map as JSON text.
    pub fn json(&self) -> &str {
        &self.json
    }
}

impl From<Value> for ActionParams {
    fn from(value: Value) -> Self {
        Self::new(Arc::new(value))
    }
}

impl From<Arc<Value>> for ActionParams {
    fn from(value: Arc<Value>) -> Self {
        Self::new(value)
    }
}

/// The value at a dotted `path` in `map`, or `None` when any segment is
/// absent or descends into something that is not a map (Juju's `action-get`).
///
/// ```
/// use charmbox::action::params::value_at;
/// use serde_json::json;
///
/// let params = json!({"outfile": {"name": "x.tar"}, "n": 1});
/// let params = params.as_object().unwrap();
/// assert_eq!(value_at(params, "outfile.name"), Some(&json!("x.tar")));
/// assert_eq!(value_at(params, "n.deeper"), None);
/// ```
pub fn value_at<'a>(map: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut segments = path.split('.');
    let first = map.get(segments.next()?)?;
    segments.try_fold(first, |value, segment| value.as_object()?.get(segment))
}

/// Sets `value` at a dotted `path` in `map`, creating maps on the way and
/// replacing anything in the way that is not a map (a later value wins).
pub fn insert_at(map: &mut Map<String, Value>, path: &str, value: Value) {
    let mut segments = path.split('.').peekable();
    let mut current = map;
    while let Some(segment) = segments.next() {
        if segments.peek().is_none() {
            current.insert(segment.to_owned(), value);
            return;
        }
        let slot = current
            .entry(segment.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        current = slot.as_object_mut().expect("just made a map");
    }
}

/// Most levels of nesting in an action's params, counting each map and
/// list: the params are stored as JSON, and JSON readers stop at 128.
pub const MAX_PARAMS_DEPTH: usize = 64;

/// How deeply `value` nests (a scalar is 0, `{"a": 1}` is 1), counted
/// without recursion, stopping once past `limit`.
fn depth_past(value: &Value, limit: usize) -> Option<usize> {
    let mut stack = vec![(value, 0usize)];
    let mut deepest = 0;
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Object(map) => Box::new(map.values()),
            Value::Array(items) => Box::new(items.iter()),
            _ => continue,
        };
        let depth = depth + 1;
        deepest = deepest.max(depth);
        if deepest > limit {
            return Some(deepest);
        }
        stack.extend(children.map(|child| (child, depth)));
    }
    None
}

/// Params nested deeper than [`MAX_PARAMS_DEPTH`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the params nest more than {MAX_PARAMS_DEPTH} levels deep (maps and lists within each \
     other); pass a flatter structure"
)]
pub struct ParamsTooDeep;

/// Refuses params nested deeper than [`MAX_PARAMS_DEPTH`].
pub fn check_depth(params: &Map<String, Value>) -> Result<(), ParamsTooDeep> {
    // The map itself is one level.
    match params
        .values()
        .find_map(|value| depth_past(value, MAX_PARAMS_DEPTH - 1))
    {
        Some(_) => Err(ParamsTooDeep),
        None => Ok(()),
    }
}

/// A `--params` file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ParamsFileError {
    /// Not YAML (nor JSON, which is YAML).
    #[error("it is not valid YAML or JSON: {0}")]
    Syntax(String),
    /// YAML, but not a map.
    #[error("it must hold a map of param names to values")]
    NotAMap,
    /// Nested too deeply.
    #[error(transparent)]
    TooDeep(#[from] ParamsTooDeep),
}

/// The params in the text of a `--params` file (YAML or JSON, as `juju run
/// --params` reads it); an empty file is no params.
pub fn parse_params_file(text: &str) -> Result<Map<String, Value>, ParamsFileError> {
    let params = match serde_norway::from_str::<Value>(text)
        .map_err(|e| ParamsFileError::Syntax(e.to_string()))?
    {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        _ => return Err(ParamsFileError::NotAMap),
    };
    check_depth(&params)?;
    Ok(params)
}

/// How `key=value` arguments' values are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArgTyping {
    /// As YAML scalars, like `juju run`: `3` is a number, `true` a boolean.
    #[default]
    Yaml,
    /// Every value stays a string (`juju run --string-args`).
    Strings,
}

/// A `key=value` argument that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ArgError {
    /// There was no `=`.
    #[error("argument {0:?} is not of the form key=value")]
    NoEquals(String),
    /// The key breaks the key rule.
    #[error(transparent)]
    BadKey(#[from] ParamKeyError),
    /// The value is not valid YAML (use `--string-args` to pass it as text).
    #[error("value of {key:?} is not a valid YAML value ({reason}); quote it, or pass --string-args to keep every value a string")]
    BadValue {
        /// The key whose value failed.
        key: String,
        /// What the YAML parser said.
        reason: String,
    },
    /// With the arguments applied, the params nest too deeply.
    #[error(transparent)]
    TooDeep(#[from] ParamsTooDeep),
}

/// Types one value the way `juju run` does.
pub fn type_value(key: &str, raw: &str, typing: ArgTyping) -> Result<Value, ArgError> {
    match typing {
        ArgTyping::Strings => Ok(Value::String(raw.to_owned())),
        // An empty value is an empty string, not YAML null: that is what an
        // operator typing `key=` means.
        ArgTyping::Yaml if raw.is_empty() => Ok(Value::String(String::new())),
        ArgTyping::Yaml => serde_norway::from_str::<Value>(raw).map_err(|e| ArgError::BadValue {
            key: key.to_owned(),
            reason: e.to_string(),
        }),
    }
}

/// Merges `key=value` arguments into `params` (dotted keys nest; arguments
/// override what is already there, as CLI pairs override `--params`).
/// Nothing is applied if any argument is bad, or if the result would nest
/// deeper than [`MAX_PARAMS_DEPTH`].
pub fn apply_args<'a>(
    params: &mut Map<String, Value>,
    args: impl IntoIterator<Item = &'a str>,
    typing: ArgTyping,
) -> Result<(), ArgError> {
    // Parse every argument before applying any, so a bad one changes nothing.
    let parsed = args
        .into_iter()
        .map(|arg| {
            let (key, raw) = arg
                .split_once('=')
                .ok_or_else(|| ArgError::NoEquals(arg.to_owned()))?;
            validate_param_key(key)?;
            Ok((key, type_value(key, raw, typing)?))
        })
        .collect::<Result<Vec<_>, ArgError>>()?;
    let mut merged = params.clone();
    for (key, value) in parsed {
        insert_at(&mut merged, key, value);
    }
    check_depth(&merged)?;
    *params = merged;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn value_at_follows_dotted_paths() {
        let value = json!({"outfile": {"name": "x.tar", "size": 3}, "n": 1});
        let params = value.as_object().unwrap();
        assert_eq!(value_at(params, "outfile.name"), Some(&json!("x.tar")));
        assert_eq!(value_at(params, "outfile"), Some(&value["outfile"]));
        assert_eq!(value_at(params, "n"), Some(&json!(1)));
        assert_eq!(value_at(params, "missing"), None);
        assert_eq!(value_at(params, "outfile.missing"), None);
        // Descending into a non-map gives nothing, not an error.
        assert_eq!(value_at(params, "n.deeper"), None);
        assert_eq!(value_at(params, "outfile.name.x"), None);
    }

    #[test]
    fn insert_at_nests_and_later_values_win() {
        let mut map = Map::new();
        insert_at(&mut map, "a.b", json!("1"));
        insert_at(&mut map, "a.c", json!("2"));
        insert_at(&mut map, "d", json!("3"));
        assert_eq!(
            Value::Object(map.clone()),
            json!({"a": {"b": "1", "c": "2"}, "d": "3"})
        );
        insert_at(&mut map, "a.b", json!("9"));
        insert_at(&mut map, "d.e", json!("4"));
        assert_eq!(
            Value::Object(map),
            json!({"a": {"b": "9", "c": "2"}, "d": {"e": "4"}})
        );
    }

    #[test]
    fn values_are_typed_like_yaml_scalars() {
        let t = |raw| type_value("k", raw, ArgTyping::Yaml).unwrap();
        assert_eq!(t("3"), json!(3));
        assert_eq!(t("-2"), json!(-2));
        assert_eq!(t("1.5"), json!(1.5));
        assert_eq!(t("true"), json!(true));
        assert_eq!(t("false"), json!(false));
        assert_eq!(t("hello"), json!("hello"));
        assert_eq!(t("'3'"), json!("3"));
        assert_eq!(t("[1, 2]"), json!([1, 2]));
        assert_eq!(t(""), json!(""));
        assert_eq!(t("x.tar.gz"), json!("x.tar.gz"));
    }

    #[test]
    fn string_args_keep_everything_a_string() {
        for raw in ["3", "true", "1.5", "[1]"] {
            assert_eq!(
                type_value("k", raw, ArgTyping::Strings).unwrap(),
                json!(raw)
            );
        }
    }

    #[test]
    fn apply_args_nests_dotted_keys_and_overrides() {
        let mut params = json!({"filename": "old", "outfile": {"keep": true}})
            .as_object()
            .unwrap()
            .clone();
        apply_args(
            &mut params,
            ["filename=new.snap", "outfile.size=10", "flag=true"],
            ArgTyping::Yaml,
        )
        .unwrap();
        assert_eq!(
            Value::Object(params),
            json!({"filename": "new.snap", "outfile": {"keep": true, "size": 10}, "flag": true})
        );
    }

    #[test]
    fn params_are_bounded_in_depth() {
        let nested = |levels: usize| format!("{}1{}", "[".repeat(levels), "]".repeat(levels));
        let mut params = Map::new();
        // The map is one level; the value the rest.
        let deepest = format!("k={}", nested(MAX_PARAMS_DEPTH - 1));
        apply_args(&mut params, [deepest.as_str()], ArgTyping::Yaml).unwrap();
        let deeper = format!("k={}", nested(MAX_PARAMS_DEPTH));
        let err = apply_args(&mut params, [deeper.as_str()], ArgTyping::Yaml).unwrap_err();
        assert!(matches!(err, ArgError::TooDeep(_)), "{err}");
        // A deep key with a deep value: each fits, together they do not.
        let key = vec!["a"; 32].join(".");
        let both = format!("{key}={}", nested(40));
        assert!(apply_args(&mut Map::new(), [both.as_str()], ArgTyping::Yaml).is_err());
        // YAML itself stops at 128 levels, with an error.
        let err = type_value("k", &nested(100_000), ArgTyping::Yaml).unwrap_err();
        assert!(err.to_string().contains("recursion limit"), "{err}");
    }

    #[test]
    fn params_files_are_maps_of_bounded_depth() {
        assert_eq!(
            Value::Object(parse_params_file("a: 1\nb: {c: x}\n").unwrap()),
            json!({"a": 1, "b": {"c": "x"}})
        );
        assert!(parse_params_file("").unwrap().is_empty());
        assert!(matches!(
            parse_params_file("[1]"),
            Err(ParamsFileError::NotAMap)
        ));
        assert!(matches!(
            parse_params_file("a: [1"),
            Err(ParamsFileError::Syntax(_))
        ));
        let deep = format!("a: {}1{}", "[".repeat(70), "]".repeat(70));
        assert!(matches!(
            parse_params_file(&deep),
            Err(ParamsFileError::TooDeep(_))
        ));
    }

    #[test]
    fn apply_args_reports_what_is_wrong() {
        let mut params = Map::new();
        let err = apply_args(&mut params, ["novalue"], ArgTyping::Yaml).unwrap_err();
        assert!(err.to_string().contains("key=value"), "{err}");
        let err = apply_args(&mut params, ["Bad=1"], ArgTyping::Yaml).unwrap_err();
        assert!(err.to_string().contains("\"Bad\""), "{err}");
        let err = apply_args(&mut params, ["ok=1", "k=[1"], ArgTyping::Yaml).unwrap_err();
        assert!(err.to_string().contains("--string-args"), "{err}");
        assert!(params.is_empty(), "nothing applied from failing arguments");
    }
}
