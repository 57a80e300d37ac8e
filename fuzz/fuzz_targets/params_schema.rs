//! The params schema compiler and validation: any params declaration (as
//! an action's `params:` and `required:`), any params against it. Never a
//! panic; params it accepts, defaults filled in, read back as JSON.
#![no_main]

use charmbox::charm::schema::ParamsSchema;
use indexmap::IndexMap;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The declaration, then the params, separated by a line of `---8<---`.
    let (declared, given) = text.split_once("\n---8<---\n").unwrap_or((&text, "{}"));
    let Ok(params) = serde_norway::from_str::<IndexMap<String, Value>>(declared) else {
        return;
    };
    let required: Vec<String> = params.keys().take(1).cloned().collect();
    for (required, additional) in [(vec![], None), (required, Some(true))] {
        let Ok(schema) = ParamsSchema::new("fuzz", "", params.clone(), required, additional) else {
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
