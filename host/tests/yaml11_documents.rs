//! Whole-document tests: `parse_document` (interface{} + ConformYAML),
//! `parse_params_file` (map[string]any) and `parse_actions_yaml`
//! (map[string]map[string]interface{}). Each expected value and Juju error
//! text was checked against github.com/juju/yaml @ 12a32b78de07 plus
//! Juju's ConformYAML; line and column are this crate's (1-based).

use charmbox::yaml11;
use serde_json::{json, Value};
use yaml11::{ErrorKind, Yaml11Error};

fn run(mode: &str, text: &str) -> Result<Value, Yaml11Error> {
    match mode {
        "doc" => yaml11::parse_document(text),
        "params" => yaml11::parse_params_file(text).map(Value::Object),
        "actions" => yaml11::parse_actions_yaml(text).map(Value::Object),
        _ => unreachable!(),
    }
}

/// Equal, with ints and floats kept apart (serde_json already does that).
fn assert_same(got: &Value, want: &Value) {
    assert_eq!(got, want, "\n got: {got}\nwant: {want}");
}

#[test]
fn nested_maps_and_lists() {
    // nested block and flow collections
    let v = run(
        "doc",
        "a:\n  b:\n    c: [1, two, 3.5]\n  d:\n    - x\n    - k: z\n",
    )
    .unwrap();
    assert_same(
        &v,
        &json!({"a": {"b": {"c": [1, "two", 3.5]}, "d": ["x", {"k": "z"}]}}),
    );
}

#[test]
fn anchors_and_aliases() {
    // an alias is a deep copy of its anchor
    let v = run(
        "doc",
        "base: &base {x: 1, list: &l [a, b]}\ncopy: *base\nagain: *l\n",
    )
    .unwrap();
    assert_same(
        &v,
        &json!({"base": {"x": 1, "list": ["a", "b"]}, "copy": {"x": 1, "list": ["a", "b"]}, "again": ["a", "b"]}),
    );
}

#[test]
fn anchor_redefined() {
    // a redefined anchor applies from there on
    let v = run("doc", "a: &x 1\nb: *x\nc: &x 2\nd: *x\n").unwrap();
    assert_same(&v, &json!({"a": 1, "b": 1, "c": 2, "d": 2}));
}

#[test]
fn merge_key() {
    // << merges an aliased mapping
    let v = run(
        "doc",
        "defaults: &d {adapter: pg, host: localhost}\ndev:\n  <<: *d\n  database: dev\n",
    )
    .unwrap();
    assert_same(
        &v,
        &json!({"defaults": {"adapter": "pg", "host": "localhost"}, "dev": {"adapter": "pg", "host": "localhost", "database": "dev"}}),
    );
}

#[test]
fn merge_is_positional() {
    // yaml.v2 merges where << stands: keys before it are overridden
    let v = run(
        "doc",
        "a: {k: before, <<: {k: merged, m: 1}}\nb: {<<: {k: merged, m: 1}, k: after}\n",
    )
    .unwrap();
    assert_same(
        &v,
        &json!({"a": {"k": "merged", "m": 1}, "b": {"k": "after", "m": 1}}),
    );
}

#[test]
fn merge_list_first_wins() {
    // in a list of merges the earlier mapping wins
    let v = run(
        "doc",
        "one: &one {k: 1, a: 1}\ntwo: &two {k: 2, b: 2}\nm:\n  <<: [*one, *two]\n",
    )
    .unwrap();
    assert_same(
        &v,
        &json!({"one": {"k": 1, "a": 1}, "two": {"k": 2, "b": 2}, "m": {"k": 1, "a": 1, "b": 2}}),
    );
}

#[test]
fn quoted_merge_key_is_plain_key() {
    // only a plain << merges
    let v = run("doc", "'<<': {a: 1}\n").unwrap();
    assert_same(&v, &json!({"<<": {"a": 1}}));
}

#[test]
fn merge_of_scalar() {
    // merge value must be a mapping
    let e = run("doc", "<<: 1\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Merge, "{e}");
    assert_eq!(
        e.juju_message(),
        "yaml: map merge requires map or sequence of maps as the value"
    );
    assert_eq!((e.line(), e.column()), (1, 5), "{e}");
}

#[test]
fn block_scalars() {
    // block scalars are strings, with chomping
    let v = run("doc", "literal: |\n  line 1\n  line 2\nfolded: >\n  one\n  two\n\n  three\nstrip: |-\n  no newline\nkeep: |+\n  kept\n\nindent: |2\n    two extra spaces\n").unwrap();
    assert_same(
        &v,
        &json!({"literal": "line 1\nline 2\n", "folded": "one two\nthree\n", "strip": "no newline", "keep": "kept\n\n", "indent": "  two extra spaces\n"}),
    );
}

#[test]
fn block_scalar_last_line_no_newline() {
    // the last block scalar of a file without a final newline
    let v = run("doc", "script: |\n  echo hi\n  exit 0").unwrap();
    assert_same(&v, &json!({"script": "echo hi\nexit 0"}));
}

#[test]
fn quoted_keys_and_values() {
    // quoted keys and values are strings; plain off is false
    let v = run("doc", "'yes': \"no\"\n\"1\": '2'\n\"on\": off\n").unwrap();
    assert_same(&v, &json!({"yes": "no", "1": "2", "on": false}));
}

#[test]
fn duplicate_keys_last_wins() {
    // yaml.v2 (unlike v3) does not reject duplicate keys
    let v = run("doc", "a: 1\na: 2\nb: {c: 1}\nb: 3\n").unwrap();
    assert_same(&v, &json!({"a": 2, "b": 3}));
}

#[test]
fn only_first_document() {
    // later documents are never parsed, even broken ones
    let v = run("doc", "a: 1\n---\nb: [\n").unwrap();
    assert_same(&v, &json!({"a": 1}));
}

#[test]
fn empty_document() {
    // nothing to decode
    let v = run("doc", "").unwrap();
    assert_same(&v, &json!(null));
}

#[test]
fn comment_only() {
    // no document
    let v = run("doc", "# nothing here\n").unwrap();
    assert_same(&v, &json!(null));
}

#[test]
fn tags() {
    // explicit tags
    let v = run("doc", "s: !!str 012\ni: !!int \"12\"\nf: !!float 1\nb: !!binary aGVsbG8=\nc: !custom text\nt: !!timestamp 2001-12-14\n").unwrap();
    assert_same(
        &v,
        &json!({"s": "012", "i": 12, "f": 1.0, "b": "hello", "c": "text", "t": "2001-12-14"}),
    );
}

#[test]
fn non_string_key_int() {
    // ConformYAML: int key
    let e = run("doc", "a:\n  b:\n    1: one\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NonStringKey, "{e}");
    assert_eq!(e.juju_message(), "map keyed with non-string value");
    assert_eq!((e.line(), e.column()), (3, 5), "{e}");
}

#[test]
fn non_string_key_bool_y() {
    // the key y is the bool true
    let e = run("doc", "point: {x: 1, y: 2}\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NonStringKey, "{e}");
    assert_eq!(e.juju_message(), "map keyed with non-string value");
    assert_eq!((e.line(), e.column()), (1, 15), "{e}");
}

#[test]
fn non_string_key_null() {
    // the key ~ is null
    let e = run("doc", "~: x\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NonStringKey, "{e}");
    assert_eq!(e.juju_message(), "map keyed with non-string value");
    assert_eq!((e.line(), e.column()), (1, 1), "{e}");
}

#[test]
fn collection_key() {
    // a list as a key
    let e = run("doc", "? [a, b]\n: c\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidKey, "{e}");
    assert_eq!(
        e.juju_message(),
        "yaml: invalid map key: []interface {}{\"a\", \"b\"}"
    );
    assert_eq!((e.line(), e.column()), (1, 3), "{e}");
}

#[test]
fn unclosed_flow_sequence() {
    // unclosed [ (go-yaml's line is its 0-based line of the problem)
    let e = run("doc", "ok: 1\nbad: [1, 2\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
    assert_eq!(
        e.juju_message(),
        "yaml: line 2: did not find expected ',' or ']'"
    );
    assert_eq!((e.line(), e.column()), (3, 1), "{e}");
}

#[test]
fn bad_indentation() {
    // misindented key (go-yaml's parser errors show 0-based lines)
    let e = run("doc", "a:\n  b: 1\n c: 2\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
    assert_eq!(e.juju_message(), "yaml: line 2: did not find expected key");
    assert_eq!((e.line(), e.column()), (3, 2), "{e}");
}

#[test]
fn tab_indentation() {
    // tabs cannot indent
    let e = run("doc", "a:\n\tb: c\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
    assert_eq!(
        e.juju_message(),
        "yaml: line 2: found character that cannot start any token"
    );
    assert_eq!((e.line(), e.column()), (2, 1), "{e}");
}

#[test]
fn unknown_alias() {
    // alias without anchor
    let e = run("doc", "a: *nope\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Anchor, "{e}");
    assert_eq!(e.juju_message(), "yaml: unknown anchor 'nope' referenced");
    assert_eq!((e.line(), e.column()), (1, 4), "{e}");
}

#[test]
fn recursive_alias() {
    // an anchor inside itself
    let e = run("doc", "a: &a\n  b: *a\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Anchor, "{e}");
    assert_eq!(e.juju_message(), "yaml: anchor 'a' value contains itself");
    assert_eq!((e.line(), e.column()), (2, 6), "{e}");
}

#[test]
fn bad_tag_value() {
    // explicit tag mismatch
    let e = run("doc", "a: !!int abc\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tag, "{e}");
    assert_eq!(
        e.juju_message(),
        "yaml: cannot decode !!str `abc` as a !!int"
    );
    assert_eq!((e.line(), e.column()), (1, 4), "{e}");
}

#[test]
fn nan_value() {
    // NaN cannot be JSON
    let e = run("doc", "x: .NaN\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NonFiniteFloat, "{e}");
    assert_eq!(e.juju_message(), "json: unsupported value: NaN");
    assert_eq!((e.line(), e.column()), (1, 4), "{e}");
}

#[test]
fn params_top_level_keys_are_text() {
    // map[string]any: scalar keys keep their original text (~ becomes "")
    let v = run("params", "1: x\ntrue: y\nyes: z\n0x1F: w\n~: n\n1.5: f\n").unwrap();
    assert_same(
        &v,
        &json!({"1": "x", "true": true, "yes": "z", "0x1F": "w", "": false, "1.5": "f"}),
    );
}

#[test]
fn params_nested_keys_must_be_strings() {
    // below the top level ConformYAML applies
    let e = run("params", "outer:\n  1: x\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NonStringKey, "{e}");
    assert_eq!(e.juju_message(), "map keyed with non-string value");
    assert_eq!((e.line(), e.column()), (2, 3), "{e}");
}

#[test]
fn params_top_level_list() {
    // the params file must be a mapping
    let e = run("params", "- a\n- b\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Type, "{e}");
    assert_eq!(
        e.juju_message(),
        "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into map[string]interface {}"
    );
    assert_eq!((e.line(), e.column()), (1, 1), "{e}");
}

#[test]
fn params_top_level_scalar() {
    // nor a scalar
    let e = run("params", "backup\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Type, "{e}");
    assert_eq!(e.juju_message(), "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `backup` into map[string]interface {}");
    assert_eq!((e.line(), e.column()), (1, 1), "{e}");
}

#[test]
fn params_empty() {
    // an empty file is no parameters
    let v = run("params", "").unwrap();
    assert_same(&v, &json!({}));
}

#[test]
fn params_null() {
    // null is no parameters
    let v = run("params", "~\n").unwrap();
    assert_same(&v, &json!({}));
}

#[test]
fn params_merge_keys_are_text() {
    // a merge into the top level uses the top level's key rule
    let v = run("params", "<<: {1: a}\n").unwrap();
    assert_same(&v, &json!({"1": "a"}));
}

#[test]
fn actions_yaml() {
    // default: yes is the bool true; 017 is 15; 1e3 a string (juju fork)
    let v = run("actions", "snapshot:\n  description: Take a snapshot of the database.\n  params:\n    outfile:\n      type: string\n      description: The filename to write to.\n      default: yes\n    compress:\n      type: boolean\n      default: on\n    level: {type: integer, default: 017}\n    ratio: {type: number, default: 1e3}\n  required: [outfile]\npause:\n").unwrap();
    assert_same(
        &v,
        &json!({"snapshot": {"description": "Take a snapshot of the database.", "params": {"outfile": {"type": "string", "description": "The filename to write to.", "default": true}, "compress": {"type": "boolean", "default": true}, "level": {"type": "integer", "default": 15}, "ratio": {"type": "number", "default": "1e3"}}, "required": ["outfile"]}, "pause": null}),
    );
}

#[test]
fn actions_two_string_levels() {
    // map[string]map[string]interface{}: two levels of text keys
    let v = run("actions", "yes:\n  1: d\n").unwrap();
    assert_same(&v, &json!({"yes": {"1": "d"}}));
}

#[test]
fn actions_deeper_key() {
    // cleanse: deeper keys must be strings
    let e = run("actions", "a:\n  params:\n    x: {1: y}\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NonStringKey, "{e}");
    assert_eq!(e.juju_message(), "map keyed with non-string value");
    assert_eq!((e.line(), e.column()), (3, 9), "{e}");
}

#[test]
fn actions_scalar_action() {
    // an action must be a mapping
    let e = run("actions", "backup: 3\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Type, "{e}");
    assert_eq!(e.juju_message(), "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `3` into map[string]interface {}");
    assert_eq!((e.line(), e.column()), (1, 9), "{e}");
}

#[test]
fn error_display_and_position() {
    let e = yaml11::parse_document("ok: 1\nbad: [1, 2\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 3, column 1: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 6)"
    );
    assert_eq!(
        e.message(),
        "did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 6)"
    );
    let as_std: &dyn std::error::Error = &e;
    assert!(as_std.source().is_none());
}

#[test]
fn non_string_key_error_names_the_key() {
    let e = yaml11::parse_document("limits:\n  1: 10\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2, column 3: map keyed with non-string value: key `1` resolves to a YAML 1.1 int, not a string (quote it)"
    );
    let e = yaml11::parse_document("a: {on: 1}\n").unwrap_err();
    assert!(e.message().contains("key `true`"), "{e}");
    assert_eq!((e.line(), e.column()), (1, 5));
}

#[test]
fn type_errors_are_collected() {
    let e = yaml11::parse_actions_yaml("a: 1\nb: [x]\nc: {}\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Type);
    assert_eq!(
        e.juju_message(),
        "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `1` into map[string]interface {}\n  line 2: cannot unmarshal !!seq into map[string]interface {}"
    );
    assert_eq!(
        e.to_string(),
        "line 1, column 4: cannot unmarshal !!int `1` into map[string]interface {} (and 1 more)"
    );
}

#[test]
fn upstream_dialect_floats() {
    let up = yaml11::Yaml11::new(yaml11::Dialect::GoYamlV2);
    let text = "ratio: 1e3\ncode: 08\n";
    assert_same(
        &up.parse_document(text).unwrap(),
        &json!({"ratio": 1000.0, "code": 8.0}),
    );
    assert_same(
        &yaml11::parse_document(text).unwrap(),
        &json!({"ratio": "1e3", "code": "08"}),
    );
}

#[test]
fn key_order_follows_the_document() {
    let v = yaml11::parse_document("z: 1\na: 2\nm: 3\n").unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["z", "a", "m"]);
}

/// A tag followed by `,` in a flow collection: libyaml and yaml.v2 go on
/// (an empty node with that tag); libyaml-safer 0.3.0 panicked here (the
/// params_file fuzz target found it; vendor/libyaml-safer carries the fix).
#[test]
fn a_tag_before_a_comma_in_a_flow_collection_is_an_empty_tagged_node() {
    assert_same(
        &yaml11::parse_document("[!!str , 1]").unwrap(),
        &json!(["", 1]),
    );
    // The fuzz target's input: an error or a value, never a panic.
    let _ = yaml11::parse_params_file("- !)t: [t)t: [t: [?!,1, ,");
}
