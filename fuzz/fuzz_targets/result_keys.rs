//! The result-key rule and nesting: any sequence of `action-set` calls,
//! any keys and values. Never a panic or a deep recursion; a refused call
//! stores nothing; what is stored nests within the key rule's depth and
//! reads back as JSON (as the task store reads it).
#![no_main]

use charmbox::action::keys::{validate_param_key, validate_result_key, MAX_KEY_DEPTH};
use charmbox::action::results::{ResultLimits, Results};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

/// How deeply `map` nests (a map of strings is 1).
fn depth(map: &Map<String, Value>) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(map, 1)];
    while let Some((map, level)) = stack.pop() {
        deepest = deepest.max(level);
        for value in map.values() {
            match value {
                Value::Object(inner) => stack.push((inner, level + 1)),
                Value::String(_) => {}
                other => panic!("results hold strings and maps, not {other}"),
            }
        }
    }
    deepest
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Calls separated by newlines; pairs by spaces; key and value by '='.
    let mut results = Results::new(ResultLimits {
        max_keys: 64,
        max_bytes: 4096,
    });
    for call in text.split('\n') {
        let pairs: Vec<(String, String)> = call
            .split(' ')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (pair.to_owned(), String::new()),
            })
            .collect();
        for (key, _) in &pairs {
            // The two rules share their syntax: a param key that passes is
            // a result key unless it uses a reserved segment.
            if validate_param_key(key).is_ok() {
                let result = validate_result_key(key);
                assert!(
                    result.is_ok() || result.unwrap_err().to_string().contains("reserved"),
                    "{key:?}"
                );
            }
        }
        let before = Value::Object(results.as_map().clone());
        if results.set(pairs).is_err() {
            assert_eq!(
                Value::Object(results.as_map().clone()),
                before,
                "a refused call stored"
            );
        }
    }
    let map = results.as_map();
    assert!(depth(map) <= MAX_KEY_DEPTH, "nested {} deep", depth(map));
    let json = serde_json::to_string(map).unwrap();
    let back: Map<String, Value> = serde_json::from_str(&json).expect("results read back");
    assert_eq!(&back, map);
});
