//! `juju run` parameter assembly: Init's argument checks, the --params
//! file, addValueToMap, ConformYAML and JSON encoding. Expectations were
//! checked against a Go copy of juju's run.go/common.go logic on top of
//! github.com/juju/yaml @ 12a32b78de07.

use charmbox::yaml11;
use serde_json::{json, Value};
use yaml11::ErrorKind;

#[test]
fn doc_example() {
    // run.go example: dotted keys build nested maps
    let m = yaml11::juju_run_params(
        None,
        &["out=out.tar.bz2", "file.kind=xz", "file.quality=high"],
        false,
    )
    .unwrap();
    assert_eq!(
        Value::Object(m),
        json!({"out": "out.tar.bz2", "file": {"kind": "xz", "quality": "high"}})
    );
}

#[test]
fn typed_value() {
    // values are YAML: 1000 is an int
    let m = yaml11::juju_run_params(None, &["time=1000"], false).unwrap();
    assert_eq!(Value::Object(m), json!({"time": 1000}));
}

#[test]
fn string_args() {
    // --string-args keeps values as strings
    let m = yaml11::juju_run_params(None, &["time=1000", "force=yes"], true).unwrap();
    assert_eq!(Value::Object(m), json!({"time": "1000", "force": "yes"}));
}

#[test]
fn yes_is_bool() {
    // y is the bool true
    let m = yaml11::juju_run_params(None, &["force=y"], false).unwrap();
    assert_eq!(Value::Object(m), json!({"force": true}));
}

#[test]
fn value_with_equals() {
    // split at the first '='
    let m = yaml11::juju_run_params(None, &["query=a=b"], false).unwrap();
    assert_eq!(Value::Object(m), json!({"query": "a=b"}));
}

#[test]
fn empty_value() {
    // an empty value stays the empty string
    let m = yaml11::juju_run_params(None, &["note="], false).unwrap();
    assert_eq!(Value::Object(m), json!({"note": ""}));
}

#[test]
fn file_then_override() {
    // args override the --params file and merge into its maps
    let m = yaml11::juju_run_params(
        Some("file: {kind: gz, level: 9}\nverbose: no\n"),
        &["file.kind=xz"],
        false,
    )
    .unwrap();
    assert_eq!(
        Value::Object(m),
        json!({"file": {"kind": "xz", "level": 9}, "verbose": false})
    );
}

#[test]
fn cli_map_is_replaced() {
    // a map from a CLI value is map[interface{}]interface{}, so addValueToMap replaces it
    let m = yaml11::juju_run_params(None, &["a={x: 1}", "a.y=2"], false).unwrap();
    assert_eq!(Value::Object(m), json!({"a": {"y": 2}}));
}

#[test]
fn file_map_is_merged() {
    // a conformed --params map is map[string]interface{} and is kept
    let m = yaml11::juju_run_params(Some("a: {x: 1}\n"), &["a.y=2"], false).unwrap();
    assert_eq!(Value::Object(m), json!({"a": {"x": 1, "y": 2}}));
}

#[test]
fn scalar_then_nested() {
    // a non-map on the path is replaced
    let m = yaml11::juju_run_params(None, &["a=1", "a.b=2"], false).unwrap();
    assert_eq!(Value::Object(m), json!({"a": {"b": 2}}));
}

#[test]
fn nested_then_scalar() {
    // the last write wins
    let m = yaml11::juju_run_params(None, &["a.b=2", "a=1"], false).unwrap();
    assert_eq!(Value::Object(m), json!({"a": 1}));
}

#[test]
fn list_value() {
    // a flow list
    let m = yaml11::juju_run_params(None, &["hosts=[a, b]"], false).unwrap();
    assert_eq!(Value::Object(m), json!({"hosts": ["a", "b"]}));
}

#[test]
fn no_equals() {
    // Init refuses an argument without '='
    let e = yaml11::juju_run_params(None, &["verbose"], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument, "{e}");
    assert_eq!(
        e.juju_message(),
        "argument \"verbose\" must be of the form key.key.key...=value"
    );
}

#[test]
fn bad_key() {
    // keys follow the action name rule
    let e = yaml11::juju_run_params(None, &["Foo=1"], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument, "{e}");
    assert_eq!(e.juju_message(), "key \"Foo\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens");
}

#[test]
fn bad_key_segment() {
    // empty segment
    let e = yaml11::juju_run_params(None, &["a..b=1"], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument, "{e}");
    assert_eq!(e.juju_message(), "key \"\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens");
}

#[test]
fn bad_yaml() {
    // invalid YAML value
    let e = yaml11::juju_run_params(None, &["x=[1"], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
    assert_eq!(
        e.juju_message(),
        "yaml: line 1: did not find expected ',' or ']'"
    );
}

#[test]
fn non_string_key_in_value() {
    // conform runs over the final map
    let e = yaml11::juju_run_params(None, &["x={1: a}"], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NonStringKey, "{e}");
    assert_eq!(e.juju_message(), "map keyed with non-string value");
}

#[test]
fn nan_value() {
    // JSON encoding fails
    let e = yaml11::juju_run_params(None, &["x=.nan"], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NonFiniteFloat, "{e}");
    assert_eq!(e.juju_message(), "json: unsupported value: NaN");
}

#[test]
fn params_not_map() {
    // the params file is read before the argument values
    let e = yaml11::juju_run_params(Some("- a\n"), &["x=[1"], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Type, "{e}");
    assert_eq!(
        e.juju_message(),
        "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into map[string]interface {}"
    );
}

#[test]
fn arg_checked_before_file() {
    // Init validates keys before anything is parsed
    let e = yaml11::juju_run_params(Some("- a\n"), &["X=1"], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument, "{e}");
    assert_eq!(e.juju_message(), "key \"X\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens");
}
