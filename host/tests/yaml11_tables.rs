//! Table tests for plain-scalar resolution and `juju run` value typing.
//!
//! Every expectation below was checked against yaml.v2 itself: the rows of
//! `RESOLVE` and `UPSTREAM` against `resolve("", s)` of github.com/juju/yaml
//! @ 12a32b78de07 and go-yaml v2.4.0 respectively, the rows of `CLI_OK` and
//! `CLI_ERR` against `yaml.Unmarshal([]byte(v), &x)` with `x := any(v)`
//! followed by Juju's ConformYAML and encoding/json.

use charmbox::yaml11;
use serde_json::{json, Value};
use yaml11::{Dialect, ErrorKind, Scalar, Yaml11};

/// `(plain scalar text, JSON from resolve_plain, rule)`. NaN and ±Inf rows
/// expect the text back: `resolve_plain` cannot fail and JSON has no such
/// numbers (see `non_finite_floats`).
fn resolve_rows() -> Vec<(&'static str, Value, &'static str)> {
    vec![
    ("yes", json!(true), "resolveMapList: y Y yes Yes YES are bool true (YAML 1.1)"),
    ("Yes", json!(true), "resolveMapList: 'Yes' is bool true"),
    ("YES", json!(true), "resolveMapList: 'YES' is bool true"),
    ("yEs", json!("yEs"), "the table is case-sensitive: mixed case is a string"),
    ("y", json!(true), "resolveMapList: single-letter 'y' is bool true"),
    ("Y", json!(true), "resolveMapList: 'Y' is bool true"),
    ("n", json!(false), "resolveMapList: 'n' is bool false"),
    ("N", json!(false), "resolveMapList: 'N' is bool false"),
    ("no", json!(false), "resolveMapList: 'no' is bool false"),
    ("No", json!(false), "resolveMapList: 'No' is bool false"),
    ("NO", json!(false), "resolveMapList: 'NO' is bool false"),
    ("true", json!(true), "resolveMapList: true True TRUE"),
    ("True", json!(true), "resolveMapList: 'True' is bool true"),
    ("TRUE", json!(true), "resolveMapList: 'TRUE' is bool true"),
    ("tRUE", json!("tRUE"), "not one of the three spellings: string"),
    ("false", json!(false), "resolveMapList: false False FALSE"),
    ("False", json!(false), "resolveMapList: 'False' is bool false"),
    ("FALSE", json!(false), "resolveMapList: 'FALSE' is bool false"),
    ("on", json!(true), "resolveMapList: on On ON are bool true"),
    ("On", json!(true), "resolveMapList: 'On' is bool true"),
    ("ON", json!(true), "resolveMapList: 'ON' is bool true"),
    ("oN", json!("oN"), "not one of the three spellings: string"),
    ("off", json!(false), "resolveMapList: off Off OFF are bool false"),
    ("Off", json!(false), "resolveMapList: 'Off' is bool false"),
    ("OFF", json!(false), "resolveMapList: 'OFF' is bool false"),
    ("~", json!(null), "resolveMapList: '~' is null"),
    ("null", json!(null), "resolveMapList: null Null NULL"),
    ("Null", json!(null), "resolveMapList: 'Null' is null"),
    ("NULL", json!(null), "resolveMapList: 'NULL' is null"),
    ("nULL", json!("nULL"), "not one of the three spellings: string"),
    ("", json!(null), "resolveMapList: the empty plain scalar is null"),
    ("0", json!(0), "ParseInt(s, 0, 64): '0' is int 0"),
    ("-0", json!(0), "ParseInt gives int 0: no negative zero for ints"),
    ("+1", json!(1), "ParseInt accepts a leading '+': +1 -> 1"),
    ("-1", json!(-1), "ParseInt: -1"),
    ("017", json!(15), "leading 0 means octal in Go base 0: 017 -> 15"),
    ("00", json!(0), "'00' is octal zero"),
    ("08", json!("08"), "8 is not an octal digit and the juju float regex forbids leading zeros: string"),
    ("0x1F", json!(31), "0x hex prefix: 0x1F -> 31"),
    ("0X1f", json!(31), "Go accepts 0X and mixed-case hex digits"),
    ("-0x1F", json!(-31), "sign before the prefix: -0x1F -> -31"),
    ("0o17", json!(15), "0o octal is YAML 1.2, yet Go >= 1.13 base-0 ParseInt accepts it: 15"),
    ("0O17", json!(15), "Go also accepts 0O"),
    ("0b101", json!(5), "0b binary prefix: 0b101 -> 5"),
    ("0B101", json!(5), "Go also accepts 0B"),
    ("-0b101", json!(-5), "signed binary: -0b101 -> -5"),
    ("0b-10", json!(-2), "resolve's own 0b fallback calls ParseInt(s[2:], 2), which takes a sign: -2"),
    ("1_000", json!(1000), "underscores are dropped before ParseInt: 1_000 -> 1000"),
    ("1__0", json!(10), "any number of underscores anywhere after the first byte: 1__0 -> 10"),
    ("1_", json!(1), "a trailing underscore is dropped too: 1_ -> 1"),
    ("_1", json!("_1"), "'_' has no resolveTable hint, so the text is never parsed: string"),
    ("0x_1F", json!(31), "underscores are removed before the prefix is read: 31"),
    ("9223372036854775807", json!(9_223_372_036_854_775_807_i64), "largest int64 stays an int"),
    ("9223372036854775808", json!(9_223_372_036_854_775_808_u64), "above int64: ParseUint gives uint64"),
    ("18446744073709551615", json!(18_446_744_073_709_551_615_u64), "largest uint64"),
    ("18446744073709551616", json!(1.8446744073709552e+19_f64), "overflows uint64; digits match yamlStyleFloat, so ParseFloat: float"),
    ("-9223372036854775809", json!(-9.223372036854776e+18_f64), "below int64 and signed (ParseUint refuses '-'): float"),
    ("1e3", json!("1e3"), "juju/yaml yamlStyleFloat requires a sign in the exponent: string (upstream v2.4.0: 1000.0)"),
    ("1E3", json!("1E3"), "same for a capital E"),
    ("1e+3", json!(1000.0_f64), "signed exponent matches the float regex: 1000.0"),
    ("1e-3", json!(0.001_f64), "1e-3 -> 0.001"),
    ("1.5e", json!("1.5e"), "an exponent needs digits: string"),
    ("1.5", json!(1.5_f64), "plain decimal float"),
    ("1.0", json!(1.0_f64), "1.0 stays a float (Go's JSON prints it as 1)"),
    ("1.", json!("1."), "juju regex wants digits after '.': string (upstream: 1.0)"),
    ("0.", json!("0."), "same: string"),
    ("0.5", json!(0.5_f64), "a single 0 before the point is allowed"),
    ("01.5", json!("01.5"), "leading zero before the point: string in the juju fork"),
    (".5", json!(0.5_f64), "first byte '.': ParseFloat on the raw text"),
    ("-.5", json!(-0.5_f64), "sign path: juju regex allows an empty integer part"),
    ("+.5", json!(0.5_f64), "+.5 -> 0.5"),
    (".5e3", json!(500.0_f64), "the '.' path skips the regex, so an unsigned exponent is fine here"),
    (".5_5", json!(0.55_f64), "the '.' path keeps underscores and Go's ParseFloat accepts 5_5: 0.55"),
    ("._5", json!("._5"), "underscore not between digits: ParseFloat fails: string"),
    (".", json!("."), "a lone dot: string"),
    ("1_000.5", json!(1000.5_f64), "underscores dropped, then a float"),
    ("-0.0", json!(-0.0_f64), "negative zero float"),
    ("1e+400", json!("1e+400"), "float overflow is ErrRange, so the text stays a string"),
    ("1e-400", json!(0.0_f64), "underflow to 0 is not an error"),
    (".inf", json!(".inf"), "resolveMapList: .inf .Inf .INF +.inf ... are +Inf"),
    ("-.Inf", json!("-.Inf"), "resolveMapList: -.inf -.Inf -.INF are -Inf"),
    (".nan", json!(".nan"), "resolveMapList: .nan .NaN .NAN are NaN"),
    (".Nan", json!(".Nan"), "not one of the three spellings, ParseFloat fails: string"),
    ("inf", json!("inf"), "no hint for 'i': string (Go's ParseFloat would take it, but is never called)"),
    ("nan", json!("nan"), "'n' only consults the table: string"),
    ("2024-01-01", json!("2024-01-01"), "a timestamp, but into interface{} yaml.v2 keeps the text"),
    ("2001-12-14t21:59:43.10-05:00", json!("2001-12-14t21:59:43.10-05:00"), "RFC 3339 timestamp: also kept as text"),
    ("12:30", json!("12:30"), "no base-60 (sexagesimal) numbers in yaml.v2"),
    ("<<", json!("<<"), "the merge key is only special as a mapping key"),
    ("0x", json!("0x"), "a prefix without digits: string"),
    ("0777777777777777777777777", json!("0777777777777777777777777"), "octal overflow; leading zero fails the juju regex: string"),
    ("+", json!("+"), "a lone sign: string"),
    ("0x1p3", json!("0x1p3"), "hex floats never reach ParseFloat: string"),
    ("yes please", json!("yes please"), "only exact table entries are bools"),
    (" 1", json!(" 1"), "resolve_plain takes the scalar's text exactly; ' ' has no hint: string"),
    ]
}

fn upstream_rows() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        (
            "1e3",
            json!(1000.0_f64),
            "upstream yamlStyleFloat: exponent sign optional",
        ),
        ("1.", json!(1.0_f64), "upstream: digits after '.' optional"),
        (
            "08",
            json!(8.0_f64),
            "upstream: invalid octal falls through to ParseFloat: 8.0",
        ),
        ("01.5", json!(1.5_f64), "upstream: leading zeros allowed"),
        (
            "0777777777777777777777777",
            json!(7.777777777777778e+23_f64),
            "upstream: octal overflow becomes a decimal float",
        ),
        ("1_e3", json!(1000.0_f64), "underscores dropped, then 1e3"),
        ("1.5", json!(1.5_f64), "same as the fork"),
        ("017", json!(15), "same as the fork"),
    ]
}

fn cli_ok_rows() -> Vec<(&'static str, Value, &'static str)> {
    vec![
    ("", json!(""), "no YAML document in an empty value: yaml.Unmarshal leaves any(value) as it was, the string"),
    ("   ", json!("   "), "blanks only: no document either, the original string stays"),
    ("# note", json!("# note"), "a comment only: no document, the original string stays"),
    ("a #c", json!("a"), "a comment after a value is dropped"),
    ("'3'", json!("3"), "single-quoted: always a string"),
    ("\"yes\"", json!("yes"), "double-quoted: always a string"),
    ("'yes'", json!("yes"), "quoted 'yes' is the string yes"),
    ("yes", json!(true), "plain yes is the bool true"),
    ("1000", json!(1000), "plain integer"),
    ("[1, 2]", json!([1, 2]), "a flow sequence becomes a list"),
    ("{a: 1}", json!({"a": 1}), "a flow mapping becomes a map"),
    ("a: b", json!({"a": "b"}), "'key: value' inside the value is a mapping too"),
    ("- 1", json!([1]), "'- x' is a block sequence"),
    ("-", json!([null]), "a lone '-' is a sequence holding one null"),
    ("a=b", json!("a=b"), "juju run splits key=a=b at the first '=', the value 'a=b' is a string"),
    ("http://x:8080/p", json!("http://x:8080/p"), "':' not followed by a blank does not start a mapping"),
    ("{a:1}", json!({"a:1": null}), "in flow context 'a:1' is one plain scalar, a key with a null value"),
    ("---", json!(null), "an explicit empty document is null"),
    ("--- 1", json!(1), "document marker then a scalar"),
    ("1\n---\n2", json!(1), "only the first document counts"),
    ("!!str 1", json!("1"), "!!str keeps the text"),
    ("!!float 1", json!(1.0_f64), "an int accepted as !!float becomes a float"),
    ("!foo bar", json!("bar"), "an unknown tag leaves the text as a string"),
    ("&a 1", json!(1), "an anchor alone changes nothing"),
    ("|\n  x\n", json!("x\n"), "literal block scalar keeps its final line break"),
    ("|\n  x", json!("x"), "a literal block scalar at the very end has no line break to keep"),
    (">\n  a\n  b\n", json!("a b\n"), "folded block scalar"),
    ("[yes, No, ~, 1e3, 1e+3, 0o7]", json!([true, false, null, "1e3", 1000.0, 7]), "plain scalars inside collections are resolved the same way"),
    ("{'1': a}", json!({"1": "a"}), "a quoted numeric key is a string key"),
    ("[{x: z}]", json!([{"x": "z"}]), "maps nested in lists are conformed too"),
    ("1.5", json!(1.5_f64), "float"),
    ("~", json!(null), "null"),
    ("\"a\\'b\"", json!("a'b"), "but it does have \\'"),
    ("[a:,b]", json!(["a:", "b"]), "in flow context yaml.v2 lets ':' run on into a plain scalar"),
    ]
}

/// `(value, kind, the error text Juju prints, rule)`
const CLI_ERR: &[(&str, ErrorKind, &str, &str)] = &[
    (
        "[1",
        ErrorKind::Syntax,
        "yaml: line 1: did not find expected ',' or ']'",
        "invalid YAML fails the whole juju run",
    ),
    (
        "*a",
        ErrorKind::Anchor,
        "yaml: unknown anchor 'a' referenced",
        "alias without anchor",
    ),
    (
        "{1: a}",
        ErrorKind::NonStringKey,
        "map keyed with non-string value",
        "ConformYAML refuses the int key 1",
    ),
    (
        "{y: 1}",
        ErrorKind::NonStringKey,
        "map keyed with non-string value",
        "the key y is the bool true",
    ),
    (
        "{~: 1}",
        ErrorKind::NonStringKey,
        "map keyed with non-string value",
        "the key ~ is null",
    ),
    (
        ".nan",
        ErrorKind::NonFiniteFloat,
        "json: unsupported value: NaN",
        "Go's encoding/json cannot encode NaN",
    ),
    (
        "-.inf",
        ErrorKind::NonFiniteFloat,
        "json: unsupported value: -Inf",
        "nor -Inf",
    ),
    (
        "[.inf]",
        ErrorKind::NonFiniteFloat,
        "json: unsupported value: +Inf",
        "nor +Inf, wherever it is",
    ),
    (
        "foo: bar: baz",
        ErrorKind::Syntax,
        "yaml: mapping values are not allowed in this context",
        "a second ': ' on one line",
    ),
    (
        "[http://x/?a=1]",
        ErrorKind::Syntax,
        "yaml: did not find expected ',' or ']'",
        "yaml.v2 ends a flow plain scalar at '?'",
    ),
    (
        "@x",
        ErrorKind::Syntax,
        "yaml: found character that cannot start any token",
        "'@' is reserved",
    ),
    (
        "`x`",
        ErrorKind::Syntax,
        "yaml: found character that cannot start any token",
        "'`' is reserved",
    ),
    (
        "\t",
        ErrorKind::Syntax,
        "yaml: found character that cannot start any token",
        "a lone tab is not blank space to libyaml here",
    ),
    (
        "!!int abc",
        ErrorKind::Tag,
        "yaml: cannot decode !!str `abc` as a !!int",
        "explicit tag that does not fit",
    ),
    (
        "%YAML 1.2\n--- 1",
        ErrorKind::Syntax,
        "yaml: found incompatible YAML document",
        "yaml.v2 only accepts %YAML 1.1",
    ),
    (
        "\"a\\/b\"",
        ErrorKind::Syntax,
        "yaml: found unknown escape character",
        "yaml.v2 has no \\/ escape",
    ),
    (
        "'a",
        ErrorKind::Syntax,
        "yaml: found unexpected end of stream",
        "unterminated quote",
    ),
];

fn same_json(a: &Value, b: &Value) -> bool {
    // serde_json compares numbers by kind and value, so 1000 != 1000.0,
    // which is what we want; check the sign of zero as well.
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() && y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y && x.is_sign_negative() == y.is_sign_negative()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn resolve_plain_table() {
    let rows = resolve_rows();
    assert!(rows.len() >= 60, "{} rows", rows.len());
    let mut failures = Vec::new();
    for (input, want, why) in &rows {
        let got = yaml11::resolve_plain(input);
        if !same_json(&got, want) {
            failures.push(format!("{input:?}: got {got}, want {want} ({why})"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn resolve_plain_upstream_table() {
    let y = Yaml11::new(Dialect::GoYamlV2);
    for (input, want, why) in upstream_rows() {
        let got = y.resolve_plain(input);
        assert!(
            same_json(&got, &want),
            "{input:?}: got {got}, want {want} ({why})"
        );
    }
}

#[test]
fn non_finite_floats() {
    assert_eq!(
        yaml11::resolve_plain_scalar(".inf"),
        Scalar::Float(f64::INFINITY)
    );
    assert_eq!(
        yaml11::resolve_plain_scalar("+.INF"),
        Scalar::Float(f64::INFINITY)
    );
    assert_eq!(
        yaml11::resolve_plain_scalar("-.Inf"),
        Scalar::Float(f64::NEG_INFINITY)
    );
    assert!(matches!(yaml11::resolve_plain_scalar(".NaN"), Scalar::Float(f) if f.is_nan()));
    assert_eq!(yaml11::resolve_plain_scalar(".nan").to_json(), None);
    // resolve_plain falls back to the text; the fallible APIs fail like Juju.
    assert_eq!(yaml11::resolve_plain(".nan"), json!(".nan"));
    let e = yaml11::type_cli_value(".inf").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NonFiniteFloat);
    assert_eq!(e.juju_message(), "json: unsupported value: +Inf");
    let e = yaml11::parse_document("a:\n  b: [1, -.inf]\n").unwrap_err();
    assert_eq!((e.line(), e.column()), (2, 10));
}

#[test]
fn scalar_kinds() {
    assert_eq!(yaml11::resolve_plain_scalar("~"), Scalar::Null);
    assert_eq!(yaml11::resolve_plain_scalar("On"), Scalar::Bool(true));
    assert_eq!(yaml11::resolve_plain_scalar("-0x10"), Scalar::Int(-16));
    assert_eq!(
        yaml11::resolve_plain_scalar("18446744073709551615"),
        Scalar::Uint(u64::MAX)
    );
    assert_eq!(yaml11::resolve_plain_scalar("2.5"), Scalar::Float(2.5));
    assert_eq!(
        yaml11::resolve_plain_scalar("2001-12-14"),
        Scalar::Str("2001-12-14".into())
    );
    assert_eq!(Scalar::Uint(u64::MAX).to_json(), Some(json!(u64::MAX)));
}

#[test]
fn type_cli_value_table() {
    let rows = cli_ok_rows();
    let mut failures = Vec::new();
    for (input, want, why) in &rows {
        match yaml11::type_cli_value(input) {
            Ok(got) if same_json(&got, want) => {}
            other => failures.push(format!("{input:?}: got {other:?}, want {want} ({why})")),
        }
    }
    for (input, kind, juju, why) in CLI_ERR {
        match yaml11::type_cli_value(input) {
            Err(e) if e.kind() == *kind && e.juju_message() == *juju => {}
            other => failures.push(format!(
                "{input:?}: got {other:?}, want {kind:?} {juju:?} ({why})"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
