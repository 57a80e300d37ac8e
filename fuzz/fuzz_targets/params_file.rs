//! `--params` files: any text, never a panic; a map it accepts reads back
//! from the JSON it is stored as.
#![no_main]

use charmbox::action::params::parse_params_file;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(params) = parse_params_file(text) {
        let json = serde_json::to_string(&params).unwrap();
        let back: Map<String, Value> = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, params);
    }
});
