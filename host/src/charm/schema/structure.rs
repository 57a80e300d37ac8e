//! Which params schemas Juju accepts, and the same schema in the form the
//! validator takes.
//!
//! Juju checks an action's schema with its JSON Schema library
//! (github.com/juju/gojsonschema, draft 4) by parsing it, not by checking it
//! against the draft-4 meta-schema: each keyword it knows must have the
//! right shape (`minLength` a whole number of at least 0, `type` a known
//! type, `required` a list of distinct strings, ...), keywords it does not
//! know are ignored, and some things the meta-schema forbids pass (an empty
//! `required` or `enum`, `type: []`, an empty `allOf`). [`check`] applies
//! its rules; [`for_validator`] turns what it accepts into a schema the
//! draft-4 validator also takes, with the same meaning.

use serde_json::{Map, Value};

/// The types a `type` keyword may name.
const TYPES: [&str; 7] = [
    "array", "boolean", "integer", "number", "null", "object", "string",
];

/// The keywords that take a whole number of at least 0.
const INTEGER_KEYWORDS: [&str; 6] = [
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
];

/// Checks `schema` as Juju's schema library does when it parses it;
/// `Err` names where the problem is and what was expected.
pub(super) fn check(schema: &Value) -> Result<(), String> {
    check_at(schema, &mut Vec::new())
}

/// Where in the schema a problem is: the keywords and names walked from the
/// top (`properties.n.minLength`).
fn at(path: &[String], keyword: &str) -> String {
    let mut all = path.to_vec();
    all.push(keyword.to_owned());
    all.join(".")
}

fn check_at(schema: &Value, path: &mut Vec<String>) -> Result<(), String> {
    let Some(map) = schema.as_object() else {
        let place = if path.is_empty() {
            "the params schema".to_owned()
        } else {
            format!("{:?}", path.join("."))
        };
        return Err(format!(
            "{place} must be a map (a JSON Schema such as `type: string`), found {}",
            describe(schema)
        ));
    };
    for keyword in ["$schema", "id", "title", "description", "pattern"] {
        if let Some(value) = map.get(keyword) {
            if !value.is_string() {
                return wrong(path, keyword, "a string", value);
            }
        }
    }
    if let Some(value) = map.get("type") {
        match value {
            Value::String(name) if TYPES.contains(&name.as_str()) => {}
            Value::String(_) => {
                return wrong(path, "type", &format!("one of {}", TYPES.join(", ")), value)
            }
            // In a list, Juju's library skips names it does not know and
            // repeats, but every entry must be a string.
            Value::Array(names) if names.iter().all(Value::is_string) => {}
            _ => return wrong(path, "type", "a type name or a list of them", value),
        }
    }
    for keyword in ["uniqueItems"] {
        if let Some(value) = map.get(keyword) {
            if !value.is_boolean() {
                return wrong(path, keyword, "true or false", value);
            }
        }
    }
    for keyword in ["multipleOf", "minimum", "maximum"] {
        if let Some(value) = map.get(keyword) {
            if !value.is_number() {
                return wrong(path, keyword, "a number", value);
            }
        }
    }
    if map
        .get("multipleOf")
        .and_then(Value::as_f64)
        .is_some_and(|m| m <= 0.0)
    {
        return wrong(path, "multipleOf", "greater than 0", &map["multipleOf"]);
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(value) = map.get(exclusive) {
            if !value.is_boolean() {
                return wrong(path, exclusive, "true or false", value);
            }
            if !map.contains_key(bound) {
                return Err(format!(
                    "{:?} cannot be used without {bound:?}",
                    at(path, exclusive)
                ));
            }
        }
    }
    for keyword in INTEGER_KEYWORDS {
        if let Some(value) = map.get(keyword) {
            match whole_number(value) {
                Some(n) if n >= 0.0 => {}
                Some(_) => return wrong(path, keyword, "0 or more", value),
                None => return wrong(path, keyword, "a whole number", value),
            }
        }
    }
    for (low, high) in [
        ("minimum", "maximum"),
        ("minLength", "maxLength"),
        ("minProperties", "maxProperties"),
    ] {
        if let (Some(l), Some(h)) = (
            map.get(low).and_then(Value::as_f64),
            map.get(high).and_then(Value::as_f64),
        ) {
            if l > h {
                return Err(format!(
                    "{:?} ({l}) cannot be greater than {high:?} ({h})",
                    at(path, low)
                ));
            }
        }
    }
    if let Some(value) = map.get("required") {
        let Some(items) = value.as_array() else {
            return wrong(path, "required", "a list of param names", value);
        };
        let mut seen = Vec::new();
        for item in items {
            let Some(name) = item.as_str() else {
                return wrong(path, "required", "a list of param names (strings)", value);
            };
            if seen.contains(&name) {
                return Err(format!("{:?} names {name:?} twice", at(path, "required")));
            }
            seen.push(name);
        }
    }
    if let Some(value) = map.get("enum") {
        let Some(items) = value.as_array() else {
            return wrong(path, "enum", "a list of the values allowed", value);
        };
        for (i, item) in items.iter().enumerate() {
            if items[..i].contains(item) {
                return Err(format!("{:?} lists {item} twice", at(path, "enum")));
            }
        }
    }
    // Keywords holding schemas: each is checked as one.
    for keyword in ["properties", "patternProperties", "definitions"] {
        if let Some(value) = map.get(keyword) {
            let Some(members) = value.as_object() else {
                return wrong(path, keyword, "a map of names to schemas", value);
            };
            for (name, member) in members {
                path.extend([keyword.to_owned(), name.clone()]);
                check_at(member, path)?;
                path.truncate(path.len() - 2);
            }
        }
    }
    if let Some(value) = map.get("dependencies") {
        let Some(members) = value.as_object() else {
            return wrong(path, "dependencies", "a map", value);
        };
        for (name, member) in members {
            match member {
                Value::Array(items) if items.iter().all(Value::is_string) => {}
                Value::Object(_) => {
                    path.extend(["dependencies".to_owned(), name.clone()]);
                    check_at(member, path)?;
                    path.truncate(path.len() - 2);
                }
                other => {
                    return wrong(
                        path,
                        &format!("dependencies.{name}"),
                        "a schema or a list of param names",
                        other,
                    )
                }
            }
        }
    }
    for keyword in ["additionalProperties", "additionalItems"] {
        match map.get(keyword) {
            None | Some(Value::Bool(_)) => {}
            Some(schema @ Value::Object(_)) => in_keyword(schema, path, keyword)?,
            Some(other) => return wrong(path, keyword, "true, false or a schema", other),
        }
    }
    match map.get("items") {
        None => {}
        Some(schema @ Value::Object(_)) => in_keyword(schema, path, "items")?,
        Some(Value::Array(schemas)) => {
            for schema in schemas {
                if !schema.is_object() {
                    return wrong(path, "items", "a schema or a list of schemas", schema);
                }
                in_keyword(schema, path, "items")?;
            }
        }
        Some(other) => return wrong(path, "items", "a schema or a list of schemas", other),
    }
    for keyword in ["allOf", "anyOf", "oneOf"] {
        if let Some(value) = map.get(keyword) {
            let Some(schemas) = value.as_array() else {
                return wrong(path, keyword, "a list of schemas", value);
            };
            for schema in schemas {
                in_keyword(schema, path, keyword)?;
            }
        }
    }
    match map.get("not") {
        None => {}
        Some(schema @ Value::Object(_)) => in_keyword(schema, path, "not")?,
        Some(other) => return wrong(path, "not", "a schema", other),
    }
    Ok(())
}

fn wrong(path: &[String], keyword: &str, expected: &str, found: &Value) -> Result<(), String> {
    Err(format!(
        "{:?} must be {expected}, found {}",
        at(path, keyword),
        describe(found)
    ))
}

fn in_keyword(schema: &Value, path: &mut Vec<String>, keyword: &str) -> Result<(), String> {
    path.push(keyword.to_owned());
    let checked = check_at(schema, path);
    path.pop();
    checked
}

/// A number with no fractional part (`2` or `2.0`), as a float.
fn whole_number(value: &Value) -> Option<f64> {
    let n = value.as_f64()?;
    (n.fract() == 0.0).then_some(n)
}

/// `5 (integer)`, `"x" (string)`: a value and its JSON type, for messages.
pub(crate) fn describe(value: &Value) -> String {
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
        let mut cut = 57;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    format!("{text} ({kind})")
}

/// `schema` (which passed [`check`]) in the form the draft-4 validator
/// takes, meaning the same to it as the original means to Juju: what
/// Juju's library treats as absent is left out (an empty `required`,
/// `enum`, `allOf`, `anyOf`, `oneOf` or dependency list; in a `type` list,
/// names it does not know and repeats), and `$schema` is dropped (draft 4
/// is always used).
pub(super) fn for_validator(schema: &Value) -> Value {
    let mut copy = schema.clone();
    if let Some(map) = copy.as_object_mut() {
        map.remove("$schema");
    }
    normalise(&mut copy);
    copy
}

fn normalise(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(names)) = map.get_mut("type") {
        let mut kept: Vec<Value> = Vec::new();
        for name in names.drain(..) {
            let known = name.as_str().is_some_and(|n| TYPES.contains(&n));
            if known && !kept.contains(&name) {
                kept.push(name);
            }
        }
        *names = kept;
    }
    for keyword in ["required", "enum", "allOf", "anyOf", "oneOf", "type"] {
        if map
            .get(keyword)
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            map.remove(keyword);
        }
    }
    // `maxLength: 2.0` is 2 to Juju's library; draft 4 wants an integer.
    for keyword in INTEGER_KEYWORDS {
        if let Some(n) = map.get(keyword).and_then(whole_number) {
            map.insert(keyword.to_owned(), Value::from(n as i64));
        }
    }
    if let Some(Value::Object(dependencies)) = map.get_mut("dependencies") {
        dependencies.retain(|_, d| !d.as_array().is_some_and(Vec::is_empty));
    }
    for (keyword, value) in map.iter_mut() {
        match (keyword.as_str(), value) {
            (
                "properties" | "patternProperties" | "definitions" | "dependencies",
                Value::Object(members),
            ) => members.values_mut().for_each(normalise),
            ("items" | "allOf" | "anyOf" | "oneOf", Value::Array(schemas)) => {
                schemas.iter_mut().for_each(normalise)
            }
            ("items" | "additionalProperties" | "additionalItems" | "not", schema) => {
                normalise(schema)
            }
            _ => {}
        }
    }
}

/// Juju's `InsertDefaults` (its schema library's, on the schema's
/// top-level `properties`): for each property `into` lacks, its `default`
/// as written; else, for an object property with `properties` of its own,
/// a map of their defaults, made the same way, when there is any. A
/// property `into` holds as a map is descended into. Values of other
/// kinds are left as they are.
pub(super) fn insert_defaults(properties: &Map<String, Value>, into: &mut Map<String, Value>) {
    for (name, property) in properties {
        let nested = property.get("properties").and_then(Value::as_object);
        match into.get_mut(name) {
            Some(Value::Object(present)) => {
                if let Some(nested) = nested {
                    insert_defaults(nested, present);
                }
            }
            Some(_) => {}
            None => {
                if let Some(default) = property.get("default") {
                    into.insert(name.clone(), default.clone());
                } else if let Some(nested) = nested {
                    let mut made = Map::new();
                    insert_defaults(nested, &mut made);
                    if !made.is_empty() {
                        into.insert(name.clone(), Value::Object(made));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_juju_accepts_and_the_meta_schema_does_not_is_accepted() {
        for accepted in [
            json!({"type": "object", "required": []}),
            json!({"properties": {"x": {"enum": []}}}),
            json!({"properties": {"x": {"type": []}}}),
            json!({"properties": {"x": {"type": ["string", "strnig", "string"]}}}),
            json!({"allOf": []}),
            json!({"properties": {"x": {"type": "string", "output": {"a": 1}, "enumerate": [1]}}}),
            json!({"dependencies": {"a": []}}),
            json!({"properties": {"x": {"maxLength": 2.0}}}),
        ] {
            check(&accepted).unwrap_or_else(|e| panic!("{accepted}: {e}"));
            let normalised = for_validator(&accepted);
            jsonschema::draft4::new(&normalised)
                .unwrap_or_else(|e| panic!("{normalised} does not compile: {e}"));
        }
    }

    #[test]
    fn what_juju_refuses_is_refused_with_where_and_why() {
        for (refused, says) in [
            (
                json!({"properties": {"n": {"type": "strnig"}}}),
                "properties.n.type",
            ),
            (
                json!({"properties": {"n": "string"}}),
                "\"properties.n\" must be a map",
            ),
            (json!({"properties": {"n": {"minLength": -1}}}), "0 or more"),
            (
                json!({"properties": {"n": {"minLength": 1.5}}}),
                "whole number",
            ),
            (
                json!({"properties": {"n": {"minimum": 3, "maximum": 2}}}),
                "greater than",
            ),
            (
                json!({"properties": {"n": {"exclusiveMinimum": true}}}),
                "without",
            ),
            (json!({"required": ["a", "a"]}), "twice"),
            (json!({"required": "a"}), "list of param names"),
            (json!({"properties": {"n": {"enum": [1, 1]}}}), "twice"),
            (
                json!({"properties": {"n": {"multipleOf": 0}}}),
                "greater than 0",
            ),
            (json!({"properties": 5}), "map of names"),
            (
                json!({"additionalProperties": "no"}),
                "true, false or a schema",
            ),
            (json!({"properties": {"n": {"items": [1]}}}), "items"),
            (json!({"title": 3}), "\"title\" must be a string"),
        ] {
            let error = check(&refused).expect_err(&refused.to_string());
            assert!(error.contains(says), "{refused}: {error:?} lacks {says:?}");
        }
    }

    #[test]
    fn defaults_are_inserted_as_juju_inserts_them() {
        let properties = json!({
            "name": {"type": "string"},
            "lang": {"type": "string", "default": "en"},
            "style": {"type": "object", "properties": {
                "upper": {"type": "boolean", "default": false},
                "punct": {"type": "string", "default": "!"}
            }},
            "given": {"type": "object", "properties": {"a": {"default": 1}}},
            "whole": {"type": "object", "default": {"x": 1},
                      "properties": {"y": {"default": 2}}},
            "empty": {"type": "object", "properties": {"z": {"type": "string"}}},
            "scalar": {"type": "object", "properties": {"a": {"default": 1}}}
        });
        let mut params = json!({"name": "Ada", "given": {"b": 2}, "scalar": 5})
            .as_object()
            .unwrap()
            .clone();
        insert_defaults(properties.as_object().unwrap(), &mut params);
        assert_eq!(
            Value::Object(params),
            json!({
                "name": "Ada",
                "given": {"b": 2, "a": 1},
                "scalar": 5,
                "lang": "en",
                // Made from its properties' defaults, as Juju makes it.
                "style": {"upper": false, "punct": "!"},
                // A default is taken as written, not filled in further.
                "whole": {"x": 1}
                // "empty" has no defaults below it: not made.
            })
        );
    }
}
