//! The params schema compiler and validation: any params declaration (as
//! an action's `params:`, with and without `required:` and
//! `additionalProperties:`), any params against it. Never a
//! panic; params it accepts, defaults filled in, read back as JSON.
#![no_main]

use charmbox::charm::schema::ParamsSchema;
use indexmap::IndexMap;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The declaration, then the params, separated by a line of `---8<---`.
    let (declared, given) = text.split_once("\n---8<---\n").unwrap_or((&text, "{}"));
    let Ok(params) = serde_norway::from_str::<IndexMap<String, Value>>(declared) else {
        return;
    };
    let required: Vec<String> = params.keys().take(1).cloned().collect();
    for (required, additional) in [(vec![], None), (required, Some(true))] {
        // As Juju builds an action's schema from its definition.
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        schema.insert("title".into(), "fuzz".into());
        schema.insert(
            "properties".into(),
            Value::Object(params.clone().into_iter().collect()),
        );
        if !required.is_empty() {
            schema.insert("required".into(), required.into());
        }
        if let Some(additional) = additional {
            schema.insert("additionalProperties".into(), additional.into());
        }
        let Ok(schema) = ParamsSchema::new(schema) else {
            continue;
        };
        let _ = schema.compile_now();
        let Ok(given) = serde_norway::from_str::<Value>(given) else {
            continue;
        };
        if let Ok(applied) = schema.apply("fuzz", given) {
            let json = serde_json::to_string(&applied).unwrap();
            let _: Value = serde_json::from_str(&json).expect("reads back");
        }
    }
});
