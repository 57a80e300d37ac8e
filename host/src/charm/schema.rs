//! Params schemas: an action's params as one JSON Schema object, validated
//! as Juju validates them (draft 4), with `default` values filled in.
//!
//! `additionalProperties` defaults to `false`, as in Juju 4: a param the
//! action does not declare is refused unless the charm says otherwise.

use std::fmt;
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;
use jsonschema::error::ValidationErrorKind;
use serde_json::{json, Map, Value};

/// Starts preparing JSON Schema validation on another thread: the draft-4
/// meta-schema that every params schema is checked against is compiled on
/// first use, about 0.7 ms that would otherwise fall on the first charm
/// load. A process that is about to load a charm calls this first, so the
/// work overlaps with starting the engine. Only the first call does
/// anything.
pub fn prepare_in_background() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        // If the thread cannot start, the first load compiles it instead.
        let _ = std::thread::Builder::new()
            .name("charmbox-schema".into())
            .spawn(|| jsonschema::draft4::meta::is_valid(&json!({})));
    });
}

/// One action's params schema: checked when the charm loads, compiled into
/// a validator when params are first checked against it.
///
/// A charm declares many actions and a run uses one: compiling every
/// schema at load cost a one-task run ~0.15 ms (about 30 µs an action).
/// What compiling could still refuse is found at load instead: the schema
/// is checked against the draft-4 meta-schema there, and a schema with
/// regular expressions or an `id` is compiled there in full.
#[derive(Clone)]
pub struct ParamsSchema {
    schema: Value,
    validator: Arc<OnceLock<Result<jsonschema::Validator, String>>>,
}

impl fmt::Debug for ParamsSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParamsSchema")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

/// One way the given params break the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The param, as a dotted path (`style.uppercase`), or `(params)` for the
    /// whole map.
    pub param: String,
    /// What was expected, and what was given.
    pub problem: String,
}

/// Params that do not fit the action's schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParamsError {
    /// The action.
    pub action: String,
    /// Every violation found.
    pub violations: Vec<Violation>,
}

impl fmt::Display for ParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid params for action {:?}: JSON validation failed:",
            self.action
        )?;
        write_violations(f, &self.violations)
    }
}

/// Writes each violation on a line of its own, `  - param: problem`.
pub fn write_violations(f: &mut fmt::Formatter<'_>, violations: &[Violation]) -> fmt::Result {
    for v in violations {
        write!(f, "\n  - {}: {}", v.param, v.problem)?;
    }
    Ok(())
}

impl ParamsSchema {
    /// Builds the schema Juju builds from an action's metadata: `type:
    /// object` with the action's `title`, `description`, `properties`,
    /// `required` and `additionalProperties` (default `false`).
    pub fn new(
        action: &str,
        description: &str,
        params: IndexMap<String, Value>,
        required: Vec<String>,
        additional_properties: Option<bool>,
    ) -> Result<Self, String> {
        for (name, schema) in &params {
            if !schema.is_object() {
                return Err(format!(
                    "param {name:?}: its schema must be a map (such as `type: string`), found {}",
                    describe_json(schema)
                ));
            }
            if let Some(keyword) = find_key(schema, &["$ref", "$schema"]) {
                return Err(format!(
                    "param {name:?}: {keyword:?} is not allowed in an action's params schema (Juju \
                     refuses it); inline the schema instead"
                ));
            }
        }
        let additional = additional_properties.unwrap_or(false);
        if !additional {
            if let Some(missing) = required.iter().find(|r| !params.contains_key(*r)) {
                return Err(format!(
                    "{missing:?} is listed under `required` but not declared under `params`; with \
                     additionalProperties false the action could never be run"
                ));
            }
        }
        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        schema.insert("title".into(), json!(action));
        schema.insert("description".into(), json!(description));
        schema.insert(
            "properties".into(),
            Value::Object(params.into_iter().collect()),
        );
        // Draft 4 forbids an empty `required`: leave it out instead.
        if !required.is_empty() {
            schema.insert("required".into(), json!(required));
        }
        schema.insert("additionalProperties".into(), json!(additional));
        let schema = Value::Object(schema);
        // Compiling checks the schema against the meta-schema too; without
        // compiling, that check alone.
        let validator = if needs_compiling_to_check(&schema) {
            OnceLock::from(Ok(compile(&schema)?))
        } else {
            jsonschema::draft4::meta::validate(&schema).map_err(|e| not_a_schema(&e))?;
            OnceLock::new()
        };
        Ok(Self {
            schema,
            validator: Arc::new(validator),
        })
    }

    /// The compiled validator, compiled now if this is its first use.
    fn validator(&self) -> Result<&jsonschema::Validator, &str> {
        self.validator
            .get_or_init(|| compile(&self.schema))
            .as_ref()
            .map_err(String::as_str)
    }

    /// Compiles the validator now if it is not yet: `charmbox check` does,
    /// to report everything about a charm at once.
    pub fn compile_now(&self) -> Result<(), String> {
        self.validator().map(|_| ()).map_err(str::to_owned)
    }

    /// The whole schema, as `juju actions --schema` shows it.
    pub fn as_json(&self) -> &Value {
        &self.schema
    }

    /// The declared params and their schemas.
    pub fn properties(&self) -> &Map<String, Value> {
        self.schema["properties"]
            .as_object()
            .expect("built with a properties map")
    }

    /// Validates `params`, then fills in defaults, as Juju does before the
    /// task is queued.
    pub fn apply(&self, action: &str, mut params: Value) -> Result<Value, ParamsError> {
        let validator = self.validator().map_err(|problem| ParamsError {
            // Not reached for a schema that loaded (see the type's docs),
            // but never a panic: the run is refused with the reason.
            action: action.to_owned(),
            violations: vec![Violation {
                param: "(params)".into(),
                problem: format!("the action's params schema cannot be used: {problem}"),
            }],
        })?;
        let violations: Vec<Violation> = validator
            .iter_errors(&params)
            .flat_map(|e| describe_error(&e))
            .collect();
        if !violations.is_empty() {
            return Err(ParamsError {
                action: action.to_owned(),
                violations,
            });
        }
        fill_defaults(&self.schema, &mut params);
        Ok(params)
    }
}

fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::draft4::new(schema).map_err(|e| not_a_schema(&e))
}

fn not_a_schema(error: &jsonschema::ValidationError<'_>) -> String {
    let at = error.instance_path().to_string();
    format!(
        "its params are not a valid JSON Schema (draft 4): {error}{}",
        if at.is_empty() {
            String::new()
        } else {
            format!(" (at {at})")
        }
    )
}

/// Whether `schema` holds what only compiling it can check: regular
/// expressions (`pattern`, `patternProperties`) and `id` (a base URI).
/// Keys are matched wherever they are, param names too: a false match only
/// means compiling at load.
fn needs_compiling_to_check(schema: &Value) -> bool {
    find_key(schema, &["pattern", "patternProperties", "id"]).is_some()
}

/// Inserts each absent property's `default`, recursing into objects present.
fn fill_defaults(schema: &Value, value: &mut Value) {
    let (Some(properties), Some(object)) = (
        schema.get("properties").and_then(Value::as_object),
        value.as_object_mut(),
    ) else {
        return;
    };
    for (name, property) in properties {
        match object.get_mut(name) {
            Some(present) => fill_defaults(property, present),
            None => {
                if let Some(default) = property.get("default") {
                    let mut default = default.clone();
                    fill_defaults(property, &mut default);
                    object.insert(name.clone(), default);
                }
            }
        }
    }
}

/// The first of `keys` found as a map key anywhere in `schema`: at each
/// level in the order given, then in the values below.
fn find_key(schema: &Value, keys: &[&'static str]) -> Option<&'static str> {
    match schema {
        Value::Object(map) => keys
            .iter()
            .copied()
            .find(|key| map.contains_key(*key))
            .or_else(|| map.values().find_map(|value| find_key(value, keys))),
        Value::Array(items) => items.iter().find_map(|item| find_key(item, keys)),
        _ => None,
    }
}

fn describe_error(error: &jsonschema::ValidationError<'_>) -> Vec<Violation> {
    let path = dotted(&error.instance_path().to_string());
    let given = describe_json(error.instance());
    let at = |param: &str| {
        if path.is_empty() {
            param.to_owned()
        } else {
            format!("{path}.{param}")
        }
    };
    let whole = || {
        if path.is_empty() {
            "(params)".to_owned()
        } else {
            path.clone()
        }
    };
    match error.kind() {
        ValidationErrorKind::Required { property } => vec![Violation {
            param: at(property.as_str().unwrap_or_default()),
            problem: "required, but not given".into(),
        }],
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| Violation {
                param: at(name),
                problem: "not a param of this action (see `charmbox actions --schema`)".into(),
            })
            .collect(),
        ValidationErrorKind::Type { kind } => vec![Violation {
            param: whole(),
            problem: format!("expected {}, given {given}", type_names(kind)),
        }],
        ValidationErrorKind::Enum { options } => vec![Violation {
            param: whole(),
            problem: format!("expected one of {options}, given {given}"),
        }],
        ValidationErrorKind::Minimum { limit } => vec![Violation {
            param: whole(),
            problem: format!("expected at least {limit}, given {given}"),
        }],
        ValidationErrorKind::Maximum { limit } => vec![Violation {
            param: whole(),
            problem: format!("expected at most {limit}, given {given}"),
        }],
        _ => vec![Violation {
            param: whole(),
            problem: error.to_string(),
        }],
    }
}

fn type_names(kind: &jsonschema::error::TypeKind) -> String {
    match kind {
        jsonschema::error::TypeKind::Single(t) => article(&t.to_string()),
        jsonschema::error::TypeKind::Multiple(set) => {
            let names: Vec<String> = set.iter().map(|t| t.to_string()).collect();
            format!("one of the types {}", names.join(", "))
        }
    }
}

fn article(type_name: &str) -> String {
    match type_name {
        "integer" | "object" | "array" => format!("an {type_name}"),
        other => format!("a {other}"),
    }
}

/// `123 (integer)`, `"x" (string)`: the value and its JSON type.
fn describe_json(value: &Value) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let mut text = value.to_string();
    if text.len() > 60 {
        // On a character boundary: cutting inside one panicked (found by
        // the params_schema fuzz target).
        let mut cut = 57;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    format!("{text} ({kind})")
}

/// `/style/uppercase` → `style.uppercase`.
fn dotted(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_is_cut_on_a_character_boundary() {
        // Three-byte characters: byte 57 falls inside one.
        let value = json!("\u{2603}".repeat(30));
        let described = describe_json(&value);
        assert!(described.ends_with("... (string)"), "{described}");
        let schema = ParamsSchema::new(
            "a",
            "",
            [("x".to_owned(), json!({"type": "integer"}))]
                .into_iter()
                .collect(),
            vec![],
            None,
        )
        .unwrap();
        let err = schema
            .apply("a", json!({"x": "\u{e9}".repeat(40)}))
            .unwrap_err();
        assert!(err.to_string().contains("..."), "{err}");
    }

    fn greet_schema() -> ParamsSchema {
        let params: IndexMap<String, Value> = serde_json::from_value(json!({
            "name": {"type": "string"},
            "language": {"type": "string", "enum": ["en", "fr"], "default": "en"},
            "steps": {"type": "integer", "minimum": 1, "maximum": 10, "default": 3},
            "style": {
                "type": "object",
                "properties": {
                    "uppercase": {"type": "boolean", "default": false},
                    "punctuation": {"type": "string", "default": "!"}
                },
                "additionalProperties": false
            }
        }))
        .unwrap();
        ParamsSchema::new("greet", "Greets.", params, vec!["name".into()], None).unwrap()
    }

    fn problems(params: Value) -> Vec<(String, String)> {
        greet_schema()
            .apply("greet", params)
            .unwrap_err()
            .violations
            .into_iter()
            .map(|v| (v.param, v.problem))
            .collect()
    }

    #[test]
    fn schema_has_the_shape_juju_shows() {
        let schema = greet_schema();
        let json = schema.as_json();
        assert_eq!(json["type"], "object");
        assert_eq!(json["title"], "greet");
        assert_eq!(json["description"], "Greets.");
        assert_eq!(json["required"], json!(["name"]));
        assert_eq!(json["additionalProperties"], false);
    }

    #[test]
    fn defaults_are_filled_also_inside_nested_objects() {
        let params = greet_schema()
            .apply(
                "greet",
                json!({"name": "Ada", "style": {"uppercase": true}}),
            )
            .unwrap();
        assert_eq!(
            params,
            json!({"name": "Ada", "language": "en", "steps": 3,
                   "style": {"uppercase": true, "punctuation": "!"}})
        );
    }

    #[test]
    fn each_rule_is_reported_with_param_expected_and_given() {
        assert_eq!(
            problems(json!({})),
            [("name".to_owned(), "required, but not given".to_owned())]
        );
        assert_eq!(
            problems(json!({"name": 123})),
            [(
                "name".to_owned(),
                "expected a string, given 123 (integer)".to_owned()
            )]
        );
        let enum_problem = problems(json!({"name": "x", "language": "es"}));
        assert_eq!(enum_problem[0].0, "language");
        assert!(
            enum_problem[0].1.contains(r#"["en","fr"]"#) && enum_problem[0].1.contains(r#""es""#)
        );
        assert_eq!(
            problems(json!({"name": "x", "steps": 0})),
            [(
                "steps".to_owned(),
                "expected at least 1, given 0 (integer)".to_owned()
            )]
        );
        assert_eq!(
            problems(json!({"name": "x", "steps": 11})),
            [(
                "steps".to_owned(),
                "expected at most 10, given 11 (integer)".to_owned()
            )]
        );
        let unknown = problems(json!({"name": "x", "colour": "red"}));
        assert_eq!(unknown[0].0, "colour");
        let nested = problems(json!({"name": "x", "style": {"uppercase": "yes"}}));
        assert_eq!(nested[0].0, "style.uppercase");
        assert!(nested[0].1.contains("boolean"), "{nested:?}");
        let nested_unknown = problems(json!({"name": "x", "style": {"bold": true}}));
        assert_eq!(nested_unknown[0].0, "style.bold");
    }

    #[test]
    fn several_violations_are_all_reported() {
        assert_eq!(problems(json!({"language": "es", "steps": "3"})).len(), 3);
    }

    #[test]
    fn additional_properties_can_be_allowed() {
        let schema = ParamsSchema::new("a", "", IndexMap::new(), vec![], Some(true)).unwrap();
        assert_eq!(schema.apply("a", json!({"x": 1})).unwrap(), json!({"x": 1}));
        assert!(
            schema.as_json().get("required").is_none(),
            "draft 4 forbids []"
        );
    }

    #[test]
    fn bad_schemas_are_refused_with_the_reason() {
        let bad = |params: Value, required: Vec<String>| {
            let params: IndexMap<String, Value> = serde_json::from_value(params).unwrap();
            ParamsSchema::new("a", "", params, required, None).unwrap_err()
        };
        assert!(bad(json!({"x": "string"}), vec![]).contains("must be a map"));
        assert!(bad(json!({"x": {"$ref": "#/x"}}), vec![]).contains("$ref"));
        assert!(bad(json!({"x": {"type": "strnig"}}), vec![]).contains("not a valid JSON Schema"));
        assert!(bad(json!({"x": {"type": "string"}}), vec!["y".into()]).contains("required"));
        // Found by the meta-schema, though nothing is compiled yet.
        assert!(bad(json!({"x": {"minLength": -1}}), vec![]).contains("not a valid JSON Schema"));
    }

    #[test]
    fn a_bad_regular_expression_is_refused_at_load() {
        let params = |schema: Value| -> IndexMap<String, Value> {
            serde_json::from_value(json!({ "x": schema })).unwrap()
        };
        let error = ParamsSchema::new(
            "a",
            "",
            params(json!({"type": "string", "pattern": "(unclosed"})),
            vec![],
            None,
        )
        .unwrap_err();
        assert!(error.contains("not a valid JSON Schema"), "{error}");
        let error = ParamsSchema::new(
            "a",
            "",
            params(json!({"type": "object", "patternProperties": {"[z-a]": {}}})),
            vec![],
            None,
        )
        .unwrap_err();
        assert!(error.contains("not a valid JSON Schema"), "{error}");
    }

    #[test]
    fn validators_are_compiled_on_first_use_unless_loading_needs_them() {
        let plain = greet_schema();
        assert!(plain.validator.get().is_none());
        plain.apply("greet", json!({"name": "Ada"})).unwrap();
        assert!(plain.validator.get().is_some());

        let params: IndexMap<String, Value> =
            serde_json::from_value(json!({"x": {"type": "string", "pattern": "^[a-z]+$"}}))
                .unwrap();
        let with_regex = ParamsSchema::new("a", "", params, vec![], None).unwrap();
        assert!(with_regex.validator.get().is_some());
        assert_eq!(problems_of(&with_regex, json!({"x": "ab"})), 0);
        assert_eq!(problems_of(&with_regex, json!({"x": "A1"})), 1);
    }

    fn problems_of(schema: &ParamsSchema, params: Value) -> usize {
        schema
            .apply("a", params)
            .err()
            .map_or(0, |e| e.violations.len())
    }
}
