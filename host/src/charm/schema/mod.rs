//! Params schemas: an action's params as one JSON Schema object, checked
//! when the charm loads as Juju checks it ([`structure`]), params validated
//! against it as Juju validates them (draft 4), and then `default` values
//! filled in as Juju fills them: validation first, so a default never has
//! to pass it (Juju's `AddAction`: "reject bad payloads before attempting to
//! insert defaults").

use std::fmt;
use std::sync::{Arc, OnceLock};

mod structure;

pub(crate) use structure::describe;

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
/// is checked there as Juju checks it, and one with regular expressions or
/// an `id` is compiled there in full.
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
    /// An action's params schema as Juju builds it from the action's
    /// definition (see [`super::metadata`]): checked as Juju's schema
    /// library checks it ([`structure`]), and, when it holds regular
    /// expressions or an `id`, compiled at once, so a schema that loads
    /// is one params can be checked against.
    pub fn new(schema: Map<String, Value>) -> Result<Self, String> {
        let schema = Value::Object(schema);
        structure::check(&schema)?;
        if !schema.get("properties").is_some_and(Value::is_object) {
            return Err("the params schema has no `properties` map".into());
        }
        let validator = if needs_compiling_to_check(&schema) {
            OnceLock::from(Ok(compile(&schema)?))
        } else {
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

    /// Params listed under `required` that the schema also refuses: not
    /// among its `properties`, while `additionalProperties` is `false`.
    /// Juju accepts such a schema; no params can pass it.
    pub fn required_but_refused(&self) -> Vec<&str> {
        if self.schema.get("additionalProperties") != Some(&Value::Bool(false)) {
            return Vec::new();
        }
        let properties = self.properties();
        self.schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|name| !properties.contains_key(*name))
            .collect()
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
        if let Some(into) = params.as_object_mut() {
            structure::insert_defaults(self.properties(), into);
        }
        Ok(params)
    }
}

/// The validator of `schema`, which passed [`structure::check`]. Formats
/// are not checked: Juju's schema library does not know `format`.
fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::draft4::options()
        .should_validate_formats(false)
        .build(&structure::for_validator(schema))
        .map_err(|e| not_a_schema(&e))
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
    let given = structure::describe(error.instance());
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

/// `/style/uppercase` → `style.uppercase`.
fn dotted(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema Juju builds for an action with these params, `required`
    /// and (unless given) `additionalProperties: false`.
    fn juju_schema(params: Value, required: &[&str], additional: Option<bool>) -> ParamsSchema {
        let mut schema = json!({
            "description": "Greets.",
            "type": "object",
            "title": "greet",
            "properties": params,
            "additionalProperties": additional.unwrap_or(false),
        });
        if !required.is_empty() {
            schema["required"] = json!(required);
        }
        ParamsSchema::new(schema.as_object().unwrap().clone()).unwrap()
    }

    #[test]
    fn a_long_value_is_cut_on_a_character_boundary() {
        // Three-byte characters: byte 57 falls inside one.
        let value = json!("\u{2603}".repeat(30));
        let described = structure::describe(&value);
        assert!(described.ends_with("... (string)"), "{described}");
        let schema = juju_schema(json!({"x": {"type": "integer"}}), &[], None);
        let err = schema
            .apply("a", json!({"x": "\u{e9}".repeat(40)}))
            .unwrap_err();
        assert!(err.to_string().contains("..."), "{err}");
    }

    fn greet_schema() -> ParamsSchema {
        juju_schema(
            json!({
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
            }),
            &["name"],
            None,
        )
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
        // Left out, the object is made from its properties' defaults.
        let params = greet_schema()
            .apply("greet", json!({"name": "Ada"}))
            .unwrap();
        assert_eq!(
            params["style"],
            json!({"uppercase": false, "punctuation": "!"})
        );
    }

    #[test]
    fn params_are_validated_before_defaults_are_filled() {
        // A default that breaks its own schema is still filled in: Juju
        // validates what the operator gave, then inserts defaults.
        let schema = juju_schema(
            json!({"n": {"type": "integer", "default": null}}),
            &[],
            None,
        );
        assert_eq!(schema.apply("a", json!({})).unwrap(), json!({"n": null}));
        // And a required param with a default is still required.
        let schema = juju_schema(
            json!({"n": {"type": "integer", "default": 1}}),
            &["n"],
            None,
        );
        assert_eq!(problems_of(&schema, json!({})), 1);
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
        let schema = juju_schema(json!({}), &[], Some(true));
        assert_eq!(schema.apply("a", json!({"x": 1})).unwrap(), json!({"x": 1}));
    }

    #[test]
    fn formats_are_not_checked_as_juju_does_not() {
        let schema = juju_schema(
            json!({"mail": {"type": "string", "format": "email"}}),
            &[],
            None,
        );
        assert_eq!(problems_of(&schema, json!({"mail": "not an address"})), 0);
    }

    #[test]
    fn bad_schemas_are_refused_with_the_reason() {
        let bad = |params: Value| {
            let schema = json!({"type": "object", "title": "a", "properties": params});
            ParamsSchema::new(schema.as_object().unwrap().clone()).unwrap_err()
        };
        assert!(bad(json!({"x": "string"})).contains("must be a map"));
        assert!(bad(json!({"x": {"type": "strnig"}})).contains("type"));
        assert!(bad(json!({"x": {"minLength": -1}})).contains("0 or more"));
    }

    #[test]
    fn a_bad_regular_expression_is_refused_at_load() {
        let with = |property: Value| {
            let schema = json!({"type": "object", "properties": {"x": property}});
            ParamsSchema::new(schema.as_object().unwrap().clone())
        };
        let error = with(json!({"type": "string", "pattern": "(unclosed"})).unwrap_err();
        assert!(error.contains("not a valid JSON Schema"), "{error}");
        let error =
            with(json!({"type": "object", "patternProperties": {"[z-a]": {}}})).unwrap_err();
        assert!(error.contains("not a valid JSON Schema"), "{error}");
    }

    #[test]
    fn validators_are_compiled_on_first_use_unless_loading_needs_them() {
        let plain = greet_schema();
        assert!(plain.validator.get().is_none());
        plain.apply("greet", json!({"name": "Ada"})).unwrap();
        assert!(plain.validator.get().is_some());

        let with_regex = juju_schema(
            json!({"x": {"type": "string", "pattern": "^[a-z]+$"}}),
            &[],
            None,
        );
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
