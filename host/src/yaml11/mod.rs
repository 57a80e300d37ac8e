//! YAML 1.1 typing exactly as Juju applies it: `juju run` `key=value`
//! argument values, `--params` files and charms' `actions.yaml`.
//!
//! Juju reads all three with Go's `gopkg.in/yaml.v2`, which resolves plain
//! scalars by YAML 1.1-ish rules (`yes` is `true`, `017` is 15, ...), and
//! then post-processes the result (string map keys, JSON encoding). This
//! module reproduces that pipeline and produces the [`serde_json::Value`]
//! Juju would send to the controller. [`to_yaml`] writes YAML the other
//! way, as yaml.v2 marshals it, for what charmbox prints where Juju prints
//! YAML.
//!
//! # Which yaml.v2
//!
//! Juju's `go.mod` (every branch we looked at, 2.9 to 4.0) says
//! `replace gopkg.in/yaml.v2 => github.com/juju/yaml/v2 v2.0.0`: Juju runs a
//! fork, not upstream yaml.v2. The fork's only change to scalar typing is
//! the `yamlStyleFloat` regular expression (juju/yaml commit
//! `acf9de3068ae5a5f115b0e179a81d25e405ab09d`, "Update the yamlStyleFloat
//! regex for special case"), which makes `1e3`, `1.`, `08` and `01.5`
//! strings where upstream v2.4.0 makes them floats. [`Dialect::Juju`] (the
//! default) follows the fork; [`Dialect::GoYamlV2`] follows upstream
//! v2.4.0.
//!
//! # Plain scalar rules (yaml.v2 `resolve.go`)
//!
//! Only *plain* (unquoted, untagged) scalars are resolved; single-quoted,
//! double-quoted, literal (`|`) and folded (`>`) scalars are always
//! strings. A plain scalar is classified by its first byte
//! (`resolveTable`): `+`/`-` sign, digit, one of `yYnNtTfFoO~`, `.`, or
//! anything else (always a string). Then, in order:
//!
//! 1. Exact table lookup (`resolveMapList`), case-sensitive:
//!    `y Y yes Yes YES true True TRUE on On ON` → `true`;
//!    `n N no No NO false False FALSE off Off OFF` → `false`;
//!    empty, `~ null Null NULL` → null;
//!    `.nan .NaN .NAN` → NaN; `.inf .Inf .INF +.inf +.Inf +.INF` → +∞;
//!    `-.inf -.Inf -.INF` → −∞. (`yEs`, `nULL`, `.Nan`, `inf`, `nan` stay
//!    strings.)
//! 2. First byte `.`: Go `strconv.ParseFloat` on the raw text (`.5`,
//!    `.5e3`, even `.5_5` = 0.55), else a string.
//! 3. First byte digit or sign:
//!    * a timestamp (`2001-12-14`, `2001-12-14t21:59:43.10-05:00`, ...) is
//!      resolved, but into `interface{}` yaml.v2 keeps the original text,
//!      so it stays a string;
//!    * all `_` are removed, then Go `strconv.ParseInt(s, 0, 64)`: optional
//!      sign, `0x`/`0X` hex, `0o`/`0O` octal, `0b`/`0B` binary, a leading
//!      `0` meaning octal (`017` = 15, `-0x1F` = −31, `1_000` = 1000,
//!      `1_` = 1, `0o17` = 15 because Go ≥ 1.13 understands `0o`);
//!    * else `strconv.ParseUint(s, 0, 64)` (`9223372036854775808` up to
//!      `18446744073709551615` become unsigned);
//!    * else, if `yamlStyleFloat` matches, `strconv.ParseFloat`: Juju fork
//!      `^[-+]?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][-+][0-9]+)?$` (exponent
//!      sign required, no leading zeros, digits after the dot), upstream
//!      `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`. Integers
//!      beyond 64 bits therefore become floats (`18446744073709551616` →
//!      1.8446744073709552e19), float overflow (`1e+400`) stays a string;
//!    * else a string.
//!
//! # Documents (yaml.v2 `decode.go`)
//!
//! * Only the first document of a stream is read; later ones, even broken
//!   ones, are ignored. An empty stream (nothing, only spaces, only
//!   comments) decodes to nothing at all: the target keeps its previous
//!   value.
//! * Anchors and aliases: an alias re-decodes its anchor's node (a deep
//!   copy); an unknown anchor, or an alias inside its own anchor, is an
//!   error. A later anchor of the same name replaces the earlier one.
//! * Merge keys: a plain `<<` key (not `"<<"`) merges a mapping, an alias
//!   of one, or a sequence of those. yaml.v2 decodes the merged mapping
//!   into the map being built *at the point where `<<` appears*, so keys
//!   before `<<` are overridden by merged ones and keys after it win
//!   (`{a: 1, <<: {a: 2}}` gives `a: 2`); in a sequence, earlier mappings
//!   win.
//! * Duplicate keys are not an error (that is yaml.v3): the last one wins.
//! * Explicit tags: `!!str` keeps the text, `!!int`/`!!bool`/`!!float`/
//!   `!!null`/`!!timestamp` must match what the text resolves to (an int
//!   is accepted as `!!float`), `!!binary` is base64-decoded, any other
//!   tag (`!foo`, `!`) leaves the text as a string.
//! * Into `interface{}` a mapping becomes `map[interface{}]interface{}`
//!   with typed keys; a key that is itself a mapping or sequence is an
//!   error ("invalid map key").
//! * Into `map[string]...` (the top level of a `--params` file, the top
//!   two levels of actions.yaml) every scalar key becomes its *original
//!   text* (`1: x` gives key `"1"`, `yes: x` gives `"yes"`, `~: x` gives
//!   `""`); a collection key or a non-mapping value is a type error.
//!
//! # What Juju adds
//!
//! * `juju run` `key=value` (cmd/juju/action/run.go): the argument is split
//!   at the first `=` (so `key=a=b` has value `a=b`), the key at `.`, each
//!   key segment must match `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`, and the
//!   value is `yaml.Unmarshal`ed into `any(value)`: `[1, 2]` is a list,
//!   `{a: 1}` a map, `'3'` the string `3`, `a: b` a map, `- 1` a list, and
//!   an empty value (or one that is only spaces or a comment) is kept as
//!   the original string because yaml.v2 finds no document in it. Invalid
//!   YAML (`[1`) fails the whole command. `--string-args` skips YAML.
//! * `--params FILE` is decoded into `map[string]any` and conformed; then
//!   each `key=value` is written into it with `addValueToMap`.
//! * `ConformYAML` (cmd/juju/common) turns every `map[interface{}]interface{}`
//!   into `map[string]interface{}` and fails with "map keyed with
//!   non-string value" on any key that resolved to something other than a
//!   string (`1:`, `true:`, `y:`, `~:`, `1.5:` below the top level). The
//!   charm's `cleanse` (internal/charm/actions.go) applies the same rule
//!   below the top two levels of actions.yaml.
//! * The parameters travel to the controller as JSON (rpc/jsoncodec,
//!   gorilla websocket `WriteJSON`): Go's `encoding/json` refuses NaN and
//!   ±Inf ("json: unsupported value: NaN"), so those values are errors
//!   here ([`ErrorKind::NonFiniteFloat`]). JSON objects here keep the
//!   document's key order (Go sorts them; the content is the same).
//!   Integers are JSON integers (`i64`, or `u64` above `i64::MAX`), floats
//!   are JSON floats (`1.0` stays a float even though Go prints it `1`).
//!
//! # Parser
//!
//! Text is tokenised by [libyaml-safer](https://crates.io/crates/libyaml-safer),
//! a line-by-line safe Rust port of libyaml 0.2.5; go-yaml v2 is itself a
//! Go port of (older) libyaml, so tokens, scalar styles, tags, anchors,
//! marks and most error texts agree. Where the two libyaml generations
//! differ, this module bridges the gap (checked against yaml.v2 on the
//! yaml-test-suite inputs, go-yaml's own test strings and about 100 000
//! mutated documents):
//!
//! * `\'` in a double-quoted scalar is `'` for yaml.v2 (rewritten), `\/`
//!   is an error for it ("found unknown escape character");
//! * inside `[...]`/`{...}` yaml.v2 lets a plain scalar run on through `:`
//!   followed by a flow indicator (`[a:,b]` is `["a:", "b"]`) but ends it
//!   at `?` and then fails (`[http://x/?a=1]` is an error in Juju);
//! * only `%YAML 1.1` is accepted ("found incompatible YAML document");
//! * an alias of an unknown anchor is reported before later syntax errors;
//! * libyaml-safer 0.3.0 panics at some ends of input (a block scalar
//!   ending the text without a line break, among others); such texts are
//!   parsed with a line break appended and the effect of that break on the
//!   last block scalar and on error positions is undone. A tag directly
//!   followed by `,` inside a flow collection (another panic) is refused as
//!   [`ErrorKind::Unsupported`]; any other parser panic is caught and
//!   reported the same way.
//!
//! ## Known divergences
//!
//! * Tags containing `,`, `[`, `]` or `?`: go-yaml's tag scanner takes them
//!   as URI characters (`- !!str, x` is the string `x`); here they end the
//!   tag, which usually gives a syntax error (or `Unsupported`, above).
//! * When a document has several errors, the one reported can differ in
//!   rare cases, and [`Yaml11Error::juju_message`]'s line number can differ
//!   for inputs using lone CR line breaks.
//! * Nesting deeper than 10000 levels is refused in both dialects (v2.4.0
//!   does the same; the juju fork has no limit). Documents nested more
//!   than 128 levels are decoded on a helper thread with a 512 MiB
//!   (reserved, lazily committed) stack; dropping a returned value nested
//!   thousands of levels deep needs a few MiB of stack, as for any deep
//!   `serde_json::Value`.
//! * In the juju dialect a `<<` merge of an alias whose anchor was later
//!   redefined as a mapping merges the alias's original (non-mapping)
//!   node: a null clears the map being built, as the fork does; where the
//!   fork panics ("assignment to entry in nil map", the top level of a
//!   `--params` file) we clear the map instead.
//!
//! # Sources
//!
//! * go-yaml/yaml branch `v2` at `7649d4548cb53a614db133b2a8ac1f31859dda8c`
//!   (tag v2.4.0): `resolve.go`, `decode.go`, `yaml.go`.
//! * juju/yaml branch `v2` at `12a32b78de07f2356d58d2f3c7ba56e2d43afc4e`
//!   (= `github.com/juju/yaml v0.0.0-20200420012109-12a32b78de07`, which
//!   Juju replaced yaml.v2 with before `github.com/juju/yaml/v2 v2.0.0`).
//! * juju/juju `go.mod` (`replace gopkg.in/yaml.v2 =>
//!   github.com/juju/yaml/v2 v2.0.0`, seen at commit
//!   `00605442ba26095ecfb4b68199edb1d1c259c5ee` and in the 4.0-era
//!   go.mod); `cmd/juju/action/run.go` at
//!   `02e553824496490e5a5a669daa77eb318f66c3cb`;
//!   `cmd/juju/action/common.go` (`addValueToMap`) at
//!   `0cdccd5f8d25c44919b72a36bd2d160617ad2b55`;
//!   `cmd/juju/common/format.go` (`ConformYAML`) at
//!   `2c2d7aacd2b69ceffea6300e51ab36255844db15`;
//!   `internal/charm/actions.go` (`ReadActionsYaml`, `cleanse`) at
//!   `41156664eab14eacf9c4f3d54d1709ee98a3b922`;
//!   `rpc/jsoncodec/conn.go` at `043d6b77dcf5bd7a900e5a967c839bdac96a3584`.
//! * Go `strconv` (`atoi.go`, `atof.go`) and `time.Parse`, whose behaviour
//!   yaml.v2 inherits.
//!
//! # Example
//!
//! ```
//! use charmbox::yaml11;
//! use serde_json::json;
//!
//! assert_eq!(yaml11::resolve_plain("yes"), json!(true));
//! assert_eq!(yaml11::resolve_plain("017"), json!(15));
//! assert_eq!(yaml11::type_cli_value("[1, 'two']").unwrap(), json!([1, "two"]));
//! let params = yaml11::juju_run_params(None, &["file.kind=xz", "time=1000"], false).unwrap();
//! assert_eq!(serde_json::Value::Object(params), json!({"file": {"kind": "xz"}, "time": 1000}));
//! ```

mod decode;
mod emit;
mod error;
mod goconv;
mod juju;
mod parse;
mod resolve;

use serde_json::{Map, Number, Value};

pub use emit::{key_order, to_yaml};
pub use error::{ErrorKind, Yaml11Error};

/// Which yaml.v2 to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// github.com/juju/yaml, the fork Juju builds with: `yamlStyleFloat` is
    /// `^[-+]?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][-+][0-9]+)?$`, and merge
    /// values given as aliases are checked against the anchor's last
    /// definition. (The fork has no "excessive aliasing" limit and would
    /// expand a billion-laughs document until memory runs out; we apply
    /// v2.4.0's limit anyway.)
    #[default]
    Juju,
    /// Upstream gopkg.in/yaml.v2 v2.4.0: `yamlStyleFloat` is
    /// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` (so `1e3`,
    /// `1.`, `08` are floats), with its alias-expansion limit.
    GoYamlV2,
}

/// A resolved plain scalar, before JSON: unlike [`serde_json::Value`] it
/// can hold NaN and the infinities.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `~`, `null`, `Null`, `NULL` or empty.
    Null,
    /// A YAML 1.1 boolean word.
    Bool(bool),
    /// A Go `int`.
    Int(i64),
    /// A Go `uint64` (only above `i64::MAX`).
    Uint(u64),
    /// A Go `float64`, possibly NaN or infinite.
    Float(f64),
    /// Anything else, timestamps included.
    Str(String),
}

impl Scalar {
    /// The JSON value, or `None` for NaN and ±Inf, which JSON (and so
    /// Juju's API) cannot carry.
    pub fn to_json(&self) -> Option<Value> {
        Some(match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Int(i) => Value::Number((*i).into()),
            Scalar::Uint(u) => Value::Number((*u).into()),
            Scalar::Float(f) => Value::Number(Number::from_f64(*f)?),
            Scalar::Str(s) => Value::String(s.clone()),
        })
    }
}

/// The functions of this module for a chosen [`Dialect`]; the free
/// functions use `Yaml11::default()` (the Juju fork).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Yaml11 {
    /// The yaml.v2 variant to imitate.
    pub dialect: Dialect,
}

impl Yaml11 {
    /// A configuration for `dialect`.
    pub const fn new(dialect: Dialect) -> Self {
        Yaml11 { dialect }
    }

    /// See [`resolve_plain_scalar`].
    pub fn resolve_plain_scalar(&self, raw: &str) -> Scalar {
        match resolve::resolve_untagged(raw, self.dialect) {
            resolve::Resolved::Null => Scalar::Null,
            resolve::Resolved::Bool(b) => Scalar::Bool(b),
            resolve::Resolved::Int(i) => Scalar::Int(i),
            resolve::Resolved::Uint(u) => Scalar::Uint(u),
            resolve::Resolved::Float(f) => Scalar::Float(f),
            resolve::Resolved::Str(s) | resolve::Resolved::Timestamp(s) => Scalar::Str(s),
        }
    }

    /// See [`resolve_plain`].
    pub fn resolve_plain(&self, raw: &str) -> Value {
        self.resolve_plain_scalar(raw)
            .to_json()
            .unwrap_or_else(|| Value::String(raw.to_string()))
    }

    /// See [`type_cli_value`].
    pub fn type_cli_value(&self, raw: &str) -> Result<Value, Yaml11Error> {
        juju::type_cli_value(raw, self.dialect)
    }

    /// See [`parse_document`].
    pub fn parse_document(&self, text: &str) -> Result<Value, Yaml11Error> {
        juju::parse_document(text, self.dialect)
    }

    /// See [`parse_params_file`].
    pub fn parse_params_file(&self, text: &str) -> Result<Map<String, Value>, Yaml11Error> {
        juju::parse_params_file(text, self.dialect)
    }

    /// See [`parse_actions_yaml`].
    pub fn parse_actions_yaml(&self, text: &str) -> Result<Map<String, Value>, Yaml11Error> {
        juju::parse_actions_yaml(text, self.dialect)
    }

    /// See [`juju_run_params`].
    pub fn juju_run_params(
        &self,
        params_yaml: Option<&str>,
        args: &[&str],
        string_args: bool,
    ) -> Result<Map<String, Value>, Yaml11Error> {
        juju::juju_run_params(params_yaml, args, string_args, self.dialect)
    }
}

/// How yaml.v2 (Juju fork) resolves `raw` as the text of one plain scalar,
/// keeping NaN and ±Inf representable.
///
/// ```
/// use charmbox::yaml11::Scalar;
/// assert_eq!(charmbox::yaml11::resolve_plain_scalar(".inf"), Scalar::Float(f64::INFINITY));
/// assert_eq!(charmbox::yaml11::resolve_plain_scalar("0x1F"), Scalar::Int(31));
/// ```
pub fn resolve_plain_scalar(raw: &str) -> Scalar {
    Yaml11::default().resolve_plain_scalar(raw)
}

/// The JSON value yaml.v2 (Juju fork) gives `raw` as the text of one plain
/// scalar: bool, integer (`i64`, or `u64` when only that fits), float,
/// null or string.
///
/// `raw` is the scalar's text, not YAML source: no quotes, comments or
/// structure are interpreted (use [`type_cli_value`] for that).
///
/// NaN and ±Inf (`.nan`, `.inf`, `-.Inf`, ...) have no JSON form, and
/// Juju itself fails on them when it JSON-encodes the parameters
/// ("json: unsupported value: NaN"). This function cannot fail, so for
/// those it returns the original text as a string; use
/// [`resolve_plain_scalar`] to see the float, or [`type_cli_value`] /
/// [`parse_document`] to get Juju's error.
///
/// ```
/// use serde_json::json;
/// assert_eq!(charmbox::yaml11::resolve_plain("Off"), json!(false));
/// assert_eq!(charmbox::yaml11::resolve_plain("1_000"), json!(1000));
/// assert_eq!(charmbox::yaml11::resolve_plain("1e3"), json!("1e3")); // Juju fork: exponent needs a sign
/// assert_eq!(charmbox::yaml11::resolve_plain("1e+3"), json!(1000.0));
/// ```
pub fn resolve_plain(raw: &str) -> Value {
    Yaml11::default().resolve_plain(raw)
}

/// What `juju run` makes of the value of one `key=value` argument: the
/// whole value is parsed as a YAML document and decoded into `interface{}`
/// (`yaml.Unmarshal([]byte(value), &v)` with `v := any(value)`), then
/// conformed and JSON-encoded as Juju does.
///
/// * `[1, 2]` → `[1, 2]`, `{a: 1}` → `{"a": 1}`, `'3'` → `"3"`,
///   `yes` → `true`, `a=b` → `"a=b"`.
/// * An empty value (`key=`), or one that is only blanks or a comment,
///   holds no YAML document, so the original string is kept: `""`,
///   `"  "`, `"# x"`.
/// * Errors: invalid YAML (`[1`), unknown aliases, a nested map with a
///   non-string key (`{1: a}`), NaN/Inf (`.nan`).
///
/// ```
/// use serde_json::json;
/// assert_eq!(charmbox::yaml11::type_cli_value("{a: 1, b: [x, 2]}").unwrap(), json!({"a": 1, "b": ["x", 2]}));
/// assert_eq!(charmbox::yaml11::type_cli_value("").unwrap(), json!(""));
/// assert!(charmbox::yaml11::type_cli_value("[1").is_err());
/// ```
pub fn type_cli_value(raw: &str) -> Result<Value, Yaml11Error> {
    Yaml11::default().type_cli_value(raw)
}

/// A whole YAML document decoded into `interface{}` by yaml.v2 and then
/// passed through Juju's `ConformYAML`: plain scalars resolved, quoted and
/// block scalars strings, anchors/aliases expanded, `<<` merged as yaml.v2
/// does, duplicate keys last-wins, and every map key required to be a
/// string (else [`ErrorKind::NonStringKey`], naming the key and its
/// position). An empty document gives `null`.
///
/// This is the generic form. Juju decodes a `--params` file and
/// actions.yaml into Go maps with string keys at the top, which turns
/// top-level keys such as `1:` into strings instead of failing; use
/// [`parse_params_file`] and [`parse_actions_yaml`] for those exact
/// behaviours.
///
/// ```
/// use serde_json::json;
/// let v = charmbox::yaml11::parse_document("base: &b {x: 1}\nm:\n  <<: *b\n  on: off\n").unwrap_err();
/// assert_eq!(v.kind(), charmbox::yaml11::ErrorKind::NonStringKey); // `on` is the bool true
/// let v = charmbox::yaml11::parse_document("base: &b {x: 1}\nm:\n  <<: *b\n  'on': off\n").unwrap();
/// assert_eq!(v, json!({"base": {"x": 1}, "m": {"x": 1, "on": false}}));
/// ```
pub fn parse_document(text: &str) -> Result<Value, Yaml11Error> {
    Yaml11::default().parse_document(text)
}

/// A `juju run --params FILE` file, as Juju reads it: decoded into
/// `map[string]any` (top-level keys are the keys' original text, even
/// `1`, `yes` or `~` → `""`), then `ConformYAML` (nested keys must be
/// strings). The top level must be a mapping (or empty/null, giving an
/// empty map).
pub fn parse_params_file(text: &str) -> Result<Map<String, Value>, Yaml11Error> {
    Yaml11::default().parse_params_file(text)
}

/// A charm's actions.yaml as `ReadActionsYaml` decodes it
/// (`map[string]map[string]interface{}`: the top two levels take the keys'
/// original text), with the charm `cleanse` rule (deeper keys must be
/// strings). An action whose value is empty/null maps to `null`. Juju's
/// schema checks (action names, `$ref`, JSON-Schema validity) are not
/// applied.
pub fn parse_actions_yaml(text: &str) -> Result<Map<String, Value>, Yaml11Error> {
    Yaml11::default().parse_actions_yaml(text)
}

/// The parameter map `juju run UNIT ACTION [--params FILE] [--string-args]
/// ARGS...` sends: `params_yaml` is the `--params` file's content, `args`
/// the `key.key...=value` arguments in order (later ones override the
/// file and earlier ones), `string_args` Juju's `--string-args`.
///
/// ```
/// use serde_json::json;
/// let m = charmbox::yaml11::juju_run_params(Some("file: {kind: gz, level: 9}\n"), &["file.kind=xz", "force=y"], false).unwrap();
/// assert_eq!(serde_json::Value::Object(m), json!({"file": {"kind": "xz", "level": 9}, "force": true}));
/// ```
pub fn juju_run_params(
    params_yaml: Option<&str>,
    args: &[&str],
    string_args: bool,
) -> Result<Map<String, Value>, Yaml11Error> {
    Yaml11::default().juju_run_params(params_yaml, args, string_args)
}
