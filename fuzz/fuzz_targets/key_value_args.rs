//! `key=value` typing, as `charmbox run` types its arguments (YAML scalars,
//! or strings with --string-args): any arguments, never a panic; params it
//! accepts nest within the bound and read back as the JSON they are stored
//! as.
#![no_main]

use charmbox::action::params::{apply_args, ActionParams, ArgTyping, MAX_PARAMS_DEPTH};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let args: Vec<&str> = text.split('\n').collect();
    for typing in [ArgTyping::Yaml, ArgTyping::Strings] {
        let mut params = Map::new();
        if apply_args(&mut params, args.iter().copied(), typing).is_err() {
            assert!(params.is_empty(), "a refused argument applied something");
            continue;
        }
        let value = Value::Object(params);
        let shared = ActionParams::from(value.clone());
        let back: Value = serde_json::from_str(shared.json())
            .unwrap_or_else(|e| panic!("params within {MAX_PARAMS_DEPTH} levels read back: {e}"));
        assert_eq!(back, value);
    }
});
