//! A charm's configuration options, with Juju's rules: the `config:`
//! section of `charmcraft.yaml` or the older `config.yaml`, each holding
//! `options:` with a `type` (`string`, `int`, `float`, `boolean`,
//! `secret`; none means `string`), a `default` and a `description`.
//!
//! The rules are juju/charm v12's `config.go` (what Juju 3.6 runs) with the
//! type checks of juju/schema v1.2.0:
//! - a default must fit its option's type, else the charm does not load
//!   (`invalid config default: option "port" expected int, got "x"`); an
//!   empty string default of a string or secret option is kept as is;
//! - `juju config APP key=value` types each value from its text by the
//!   option's type ([`ConfigOptions::parse_setting`], Juju's
//!   `ParseSettingsStrings`): `int` as a base-10 integer, `float` as Go's
//!   `ParseFloat`, `boolean` as Go's `ParseBool` (`true`, `True`, `TRUE`,
//!   `t`, `T`, `1` and their false forms), `string` and `secret` as given,
//!   a secret being a `secret:` URI or empty;
//! - an unknown key is `unknown option "x"`, a value of the wrong type
//!   `option "x" expected int, got "abc"`;
//! - typed values (a test's model, a YAML file) are coerced as Juju's
//!   `ValidateSettings` coerces them ([`ConfigOptions::validate_value`]):
//!   an int option takes integers or integer text, a float option any
//!   number, a boolean option booleans or `ParseBool` text.
//!
//! What a charm reads (`config-get`) is [`ConfigOptions::settings`]: each
//! option's value set by the operator, else its default, leaving out
//! options with neither.

use std::fmt;
use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::metadata::{parse_yaml_as, MetadataError, MetadataFiles, CHARMCRAFT_YAML};

/// Juju's older separate config file.
pub const CONFIG_YAML: &str = "config.yaml";

/// An option's type, as `config.yaml` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionType {
    /// `string`.
    String,
    /// `int`: a 64-bit integer.
    Int,
    /// `float`: a 64-bit float.
    Float,
    /// `boolean`.
    Boolean,
    /// `secret`: a secret's URI, as text.
    Secret,
}

impl OptionType {
    /// Juju's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Int => "int",
            Self::Float => "float",
            Self::Boolean => "boolean",
            Self::Secret => "secret",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            // "Missing type is valid in python" (juju/charm).
            "" | "string" => Self::String,
            "int" => Self::Int,
            "float" => Self::Float,
            "boolean" => Self::Boolean,
            "secret" => Self::Secret,
            _ => return None,
        })
    }
}

impl fmt::Display for OptionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A value an option holds.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// A `string` or `secret` option's value.
    String(String),
    /// An `int` option's.
    Int(i64),
    /// A `float` option's (always finite).
    Float(f64),
    /// A `boolean` option's.
    Boolean(bool),
}

impl ConfigValue {
    /// The value as JSON, as Go's encoding/json writes it (what
    /// `config-get --format=json` prints): a float with no fraction is
    /// written without one (`45.0` is `45`).
    pub fn to_json(&self) -> Value {
        match self {
            Self::String(s) => Value::String(s.clone()),
            Self::Int(i) => Value::from(*i),
            Self::Float(f) if f.fract() == 0.0 && f.abs() < 1e21 => {
                // Exactly representable: |f| < 2^63 holds for |f| < 1e21
                // only below 9.2e18; beyond it keep the float.
                if f.abs() < 9.0e18 {
                    Value::from(*f as i64)
                } else {
                    Value::from(*f)
                }
            }
            Self::Float(f) => Value::from(*f),
            Self::Boolean(b) => Value::Bool(*b),
        }
    }

    /// The value as `juju config` and `config-get` print it in text:
    /// strings as they are, numbers as Go formats them, `true`/`false`.
    pub fn to_text(&self) -> String {
        match self.to_json() {
            Value::String(s) => s,
            other => other.to_string(),
        }
    }

    /// The value stored as JSON, read back as the option's type (the stored
    /// form is what [`ConfigValue::to_json`] wrote, or a float written
    /// without a fraction).
    pub fn from_stored(kind: OptionType, value: &Value) -> Option<Self> {
        Some(match (kind, value) {
            (OptionType::String | OptionType::Secret, Value::String(s)) => Self::String(s.clone()),
            (OptionType::Int, Value::Number(n)) => Self::Int(n.as_i64()?),
            (OptionType::Float, Value::Number(n)) => Self::Float(n.as_f64()?),
            (OptionType::Boolean, Value::Bool(b)) => Self::Boolean(*b),
            _ => return None,
        })
    }
}

/// One declared option.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigOption {
    /// Its name.
    pub name: String,
    /// Its type.
    pub kind: OptionType,
    /// Its description.
    pub description: String,
    /// Its default, if it has one.
    pub default: Option<ConfigValue>,
}

/// Why a setting was refused, worded as Juju words it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// No such option.
    #[error("unknown option {}", go_quote(.name))]
    UnknownOption {
        /// The name given.
        name: String,
    },
    /// A value that does not fit the option's type.
    #[error("option {} expected {kind}, got {given}", go_quote(.name))]
    WrongType {
        /// The option.
        name: String,
        /// Its type.
        kind: OptionType,
        /// What was given, as Go's `%#v` prints it (`"abc"`, `5`).
        given: String,
    },
}

/// A charm's options, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigOptions {
    options: IndexMap<String, ConfigOption>,
}

#[derive(Debug, Deserialize)]
struct RawConfig {
    #[serde(default)]
    options: Option<IndexMap<String, RawOption>>,
}

#[derive(Debug, Deserialize)]
struct RawOption {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    default: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct CharmcraftConfig {
    #[serde(default)]
    config: Option<RawConfig>,
}

impl ConfigOptions {
    /// The options of the charm directory `dir`: `charmcraft.yaml`'s
    /// `config:`, else `config.yaml`, else none. Declaring them in both is
    /// an error, as charmcraft merges one into the other. `files` are the
    /// directory's metadata files, already read.
    pub(crate) fn read(dir: &Path, files: &MetadataFiles) -> Result<Self, MetadataError> {
        let config_path = dir.join(CONFIG_YAML);
        let charmcraft_path = dir.join(CHARMCRAFT_YAML);
        let from_charmcraft = match &files.charmcraft {
            Some(file) => file.read_as::<CharmcraftConfig>()?.and_then(|c| c.config),
            None => None,
        };
        let from_file = match read_optional(&config_path)? {
            Some(text) => Some(read_config_yaml(&config_path, &text)?),
            None => None,
        };
        match (from_charmcraft, from_file) {
            (Some(_), Some(_)) => Err(MetadataError::Invalid {
                path: dir.to_owned(),
                message: format!(
                    "config options are declared in both {CHARMCRAFT_YAML} and {CONFIG_YAML}; \
                     keep one (charmcraft merges {CONFIG_YAML} into {CHARMCRAFT_YAML})"
                ),
            }),
            (Some(raw), None) => Self::from_raw(&charmcraft_path, raw),
            (None, Some(raw)) => Self::from_raw(&config_path, raw),
            (None, None) => Ok(Self::default()),
        }
    }

    /// Options from the text of a `config.yaml` (`options:` at the top);
    /// `source` names it in errors.
    pub fn from_config_yaml(source: &Path, text: &str) -> Result<Self, MetadataError> {
        Self::from_raw(source, read_config_yaml(source, text)?)
    }

    fn from_raw(source: &Path, raw: RawConfig) -> Result<Self, MetadataError> {
        let invalid = |message: String| MetadataError::Invalid {
            path: source.to_owned(),
            message,
        };
        let mut options = IndexMap::new();
        for (name, option) in raw.options.unwrap_or_default() {
            let type_name = option.kind.unwrap_or_default();
            let kind = OptionType::parse(&type_name).ok_or_else(|| {
                invalid(format!(
                    "invalid config: option {} has unknown type {}",
                    go_quote(&name),
                    go_quote(&type_name)
                ))
            })?;
            let default = match option.default {
                None | Some(Value::Null) => None,
                // "Skip normal validation for compatibility with pyjuju."
                Some(Value::String(s))
                    if s.is_empty() && matches!(kind, OptionType::String | OptionType::Secret) =>
                {
                    Some(ConfigValue::String(s))
                }
                Some(value) => Some(coerce(&name, kind, &value).map_err(|e| {
                    invalid(format!("invalid config default: {}", e.with_given(&value)))
                })?),
            };
            options.insert(
                name.clone(),
                ConfigOption {
                    name,
                    kind,
                    description: option.description.unwrap_or_default(),
                    default,
                },
            );
        }
        Ok(Self { options })
    }

    /// Whether the charm declares no options.
    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
    }

    /// The options, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &ConfigOption> {
        self.options.values()
    }

    /// The option named `name`, or Juju's `unknown option "name"`.
    pub fn option(&self, name: &str) -> Result<&ConfigOption, ConfigError> {
        self.options
            .get(name)
            .ok_or_else(|| ConfigError::UnknownOption {
                name: name.to_owned(),
            })
    }

    /// The value `text` sets option `name` to, typed as `juju config
    /// name=text` types it (Juju's `ParseSettingsStrings`, then the
    /// controller's check of a secret's URI).
    pub fn parse_setting(&self, name: &str, text: &str) -> Result<ConfigValue, ConfigError> {
        let option = self.option(name)?;
        let wrong = || ConfigError::WrongType {
            name: name.to_owned(),
            kind: option.kind,
            given: go_quote(text),
        };
        Ok(match option.kind {
            OptionType::String => ConfigValue::String(text.to_owned()),
            OptionType::Secret => {
                check_secret_uri(text).map_err(|()| wrong())?;
                ConfigValue::String(text.to_owned())
            }
            OptionType::Int => ConfigValue::Int(parse_go_int(text, 10).ok_or_else(wrong)?),
            OptionType::Float => ConfigValue::Float(parse_go_float(text).ok_or_else(wrong)?),
            OptionType::Boolean => ConfigValue::Boolean(parse_go_bool(text).ok_or_else(wrong)?),
        })
    }

    /// A typed value for option `name` (JSON, as a test's model or a YAML
    /// file gives it), coerced as Juju's `ValidateSettings` coerces it.
    pub fn validate_value(&self, name: &str, value: &Value) -> Result<ConfigValue, ConfigError> {
        let option = self.option(name)?;
        coerce(name, option.kind, value)
    }

    /// What a charm reads (`config-get`): each option's value in `set`, else
    /// its default; options with neither are left out, and so are values of
    /// options the charm no longer declares (Juju filters a changed charm's
    /// settings the same way).
    pub fn settings(&self, set: &IndexMap<String, ConfigValue>) -> Map<String, Value> {
        let mut settings = Map::new();
        for option in self.options.values() {
            let value = set
                .get(&option.name)
                .filter(|v| fits(option.kind, v))
                .or(option.default.as_ref());
            if let Some(value) = value {
                settings.insert(option.name.clone(), value.to_json());
            }
        }
        settings
    }
}

/// Whether a stored value is of the option's type (a charm whose option
/// changed type since it was set reads its default instead).
fn fits(kind: OptionType, value: &ConfigValue) -> bool {
    matches!(
        (kind, value),
        (
            OptionType::String | OptionType::Secret,
            ConfigValue::String(_)
        ) | (OptionType::Int, ConfigValue::Int(_))
            | (OptionType::Float, ConfigValue::Float(_))
            | (OptionType::Boolean, ConfigValue::Boolean(_))
    )
}

impl ConfigError {
    /// The same error naming `value` (a YAML value) as Go would print it.
    fn with_given(self, value: &Value) -> Self {
        match self {
            Self::WrongType { name, kind, .. } => Self::WrongType {
                name,
                kind,
                given: go_json(value),
            },
            other => other,
        }
    }
}

/// juju/schema v1.2.0's checkers for each option type.
fn coerce(name: &str, kind: OptionType, value: &Value) -> Result<ConfigValue, ConfigError> {
    let wrong = || ConfigError::WrongType {
        name: name.to_owned(),
        kind,
        given: go_json(value),
    };
    match (kind, value) {
        (OptionType::String, Value::String(s)) => Ok(ConfigValue::String(s.clone())),
        (OptionType::Secret, Value::String(s)) => {
            check_secret_uri(s).map_err(|()| wrong())?;
            Ok(ConfigValue::String(s.clone()))
        }
        // intC: any integer kind, or text ParseInt reads (base 0: 0x1F,
        // 0o17 and 017 too); not floats.
        (OptionType::Int, Value::Number(n)) => n.as_i64().map(ConfigValue::Int).ok_or_else(wrong),
        (OptionType::Int, Value::String(s)) => {
            parse_go_int(s, 0).map(ConfigValue::Int).ok_or_else(wrong)
        }
        // floatC: floats and integers, not text.
        (OptionType::Float, Value::Number(n)) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(ConfigValue::Float)
            .ok_or_else(wrong),
        // boolC: booleans, or text ParseBool reads.
        (OptionType::Boolean, Value::Bool(b)) => Ok(ConfigValue::Boolean(*b)),
        (OptionType::Boolean, Value::String(s)) => {
            parse_go_bool(s).map(ConfigValue::Boolean).ok_or_else(wrong)
        }
        _ => Err(wrong()),
    }
}

/// juju/charm's `secretC`: a secret option holds `""` or a URL whose scheme
/// is `secret` (Go's url.Parse lowercases the scheme).
fn check_secret_uri(text: &str) -> Result<(), ()> {
    if text.is_empty() {
        return Ok(());
    }
    let (scheme, _) = text.split_once(':').ok_or(())?;
    let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if valid_scheme && scheme.eq_ignore_ascii_case("secret") {
        Ok(())
    } else {
        Err(())
    }
}

/// Go's `strconv.ParseInt(text, base, 64)` for base 10 or 0 (0: a `0x`,
/// `0o`, `0b` or leading-`0` prefix chooses the base, and underscores may
/// separate digits).
fn parse_go_int(text: &str, base: u32) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'+' => (false, &text[1..]),
        b'-' => (true, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if base == 0 {
        let lower = digits.to_ascii_lowercase();
        if lower.starts_with("0x") {
            (16, &digits[2..])
        } else if lower.starts_with("0o") {
            (8, &digits[2..])
        } else if lower.starts_with("0b") {
            (2, &digits[2..])
        } else if digits.len() > 1 && digits.starts_with('0') {
            (8, &digits[1..])
        } else {
            (10, digits)
        }
    } else {
        (base, digits)
    };
    let digits: String = if base == 0 {
        // Underscores only between digits (Go's underscoreOK, simplified:
        // never leading, trailing or doubled).
        if digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
            return None;
        }
        digits.replace('_', "")
    } else {
        digits.to_owned()
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(&digits, radix).ok()?;
    if negative {
        if magnitude <= i64::MAX as u64 + 1 {
            Some((magnitude as i128).wrapping_neg() as i64)
        } else {
            None
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseFloat(text, 64)` for decimal text, refusing what
/// Juju could not give back as JSON (NaN, the infinities, overflow).
fn parse_go_float(text: &str) -> Option<f64> {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    // Rust reads "inf" and "nan" (Go too): neither survives JSON.
    if body.is_empty()
        || body
            .chars()
            .any(|c| c.is_ascii_alphabetic() && !"eE".contains(c))
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `%q` (and `%#v` of a string): double-quoted, with `"`, `\` and
/// non-printable characters escaped.
pub(crate) fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value as Go's `%#v` prints the same value decoded from YAML.
fn go_json(value: &Value) -> String {
    match value {
        Value::String(s) => go_quote(s),
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => ConfigValue::Float(f).to_text(),
            _ => n.to_string(),
        },
        Value::Array(_) => format!("[]interface {{}}{value}"),
        Value::Object(_) => format!("map[string]interface {{}}{value}"),
    }
}

/// A `config.yaml`: a map with an `options` key (juju/charm's ReadConfig
/// refuses one without: "invalid config: empty configuration").
fn read_config_yaml(path: &Path, text: &str) -> Result<RawConfig, MetadataError> {
    let value: Option<Value> = parse_yaml_as(path, text)?;
    let has_options = matches!(
        &value,
        Some(Value::Object(m)) if m.contains_key("options")
    );
    if !has_options {
        return Err(MetadataError::Invalid {
            path: path.to_owned(),
            message: "invalid config: empty configuration".into(),
        });
    }
    serde_json::from_value(value.unwrap_or_default()).map_err(|e| MetadataError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

fn read_optional(path: &Path) -> Result<Option<String>, MetadataError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(MetadataError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_dir(dir: &Path) -> Result<ConfigOptions, MetadataError> {
        ConfigOptions::read(dir, &MetadataFiles::read(dir)?)
    }

    fn options(yaml: &str) -> Result<ConfigOptions, MetadataError> {
        ConfigOptions::from_config_yaml(Path::new("config.yaml"), yaml)
    }

    const SAMPLE: &str = r#"
options:
  name: {type: string, default: World, description: Who to greet}
  port: {type: int, default: 8080}
  ratio: {type: float, default: 2}
  debug: {type: boolean, default: false}
  password: {type: secret}
  untyped: {default: x}
  empty: {type: string, default: ""}
"#;

    #[test]
    fn options_read_with_their_types_and_defaults() {
        let config = options(SAMPLE).unwrap();
        let names: Vec<_> = config.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(
            names,
            ["name", "port", "ratio", "debug", "password", "untyped", "empty"]
        );
        let port = config.option("port").unwrap();
        assert_eq!(port.kind, OptionType::Int);
        assert_eq!(port.default, Some(ConfigValue::Int(8080)));
        // An integer default fits a float option (juju/schema's floatC).
        assert_eq!(
            config.option("ratio").unwrap().default,
            Some(ConfigValue::Float(2.0))
        );
        assert_eq!(config.option("untyped").unwrap().kind, OptionType::String);
        assert_eq!(config.option("password").unwrap().default, None);
    }

    #[test]
    fn defaults_that_do_not_fit_are_refused_as_juju_refuses_them() {
        let cases = [
            (
                "options: {port: {type: int, default: abc}}",
                r#"invalid config default: option "port" expected int, got "abc""#,
            ),
            (
                "options: {port: {type: int, default: 1.5}}",
                r#"invalid config default: option "port" expected int, got 1.5"#,
            ),
            (
                "options: {name: {type: string, default: 5}}",
                r#"invalid config default: option "name" expected string, got 5"#,
            ),
            (
                "options: {'on': {type: boolean, default: maybe}}",
                r#"invalid config default: option "on" expected boolean, got "maybe""#,
            ),
            (
                "options: {s: {type: secret, default: http://x}}",
                r#"invalid config default: option "s" expected secret, got "http://x""#,
            ),
            (
                "options: {x: {type: list}}",
                r#"invalid config: option "x" has unknown type "list""#,
            ),
            ("# nothing\n", "invalid config: empty configuration"),
            // Unquoted, `on` is YAML 1.1's true: no option name.
            (
                "options: {on: {type: boolean}}",
                "key `true` resolves to a YAML 1.1 bool, not a string (quote it)",
            ),
        ];
        for (yaml, expected) in cases {
            let err = options(yaml).unwrap_err().to_string();
            assert!(err.ends_with(expected), "{yaml}: {err}");
        }
        // Integer text fits an int option (intC parses it).
        let config = options("options: {port: {type: int, default: '0x10'}}").unwrap();
        assert_eq!(
            config.option("port").unwrap().default,
            Some(ConfigValue::Int(16))
        );
    }

    #[test]
    fn config_is_read_as_yaml_1_1_as_juju_reads_it() {
        // `yes` and `on` are booleans in YAML 1.1 (gopkg.in/yaml.v2).
        let config = options(
            "options: {debug: {type: boolean, default: yes}, v: {type: boolean, default: off}}",
        )
        .unwrap();
        assert_eq!(
            config.option("debug").unwrap().default,
            Some(ConfigValue::Boolean(true))
        );
        assert_eq!(
            config.option("v").unwrap().default,
            Some(ConfigValue::Boolean(false))
        );
        // So a string option's `default: yes` is refused, as Juju refuses it.
        let err = options("options: {answer: {type: string, default: yes}}")
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with(r#"invalid config default: option "answer" expected string, got true"#),
            "{err}"
        );
        // Quoted, it is text.
        let config = options("options: {answer: {type: string, default: 'yes'}}").unwrap();
        assert_eq!(
            config.option("answer").unwrap().default,
            Some(ConfigValue::String("yes".into()))
        );
    }

    #[test]
    fn settings_are_typed_from_text_as_juju_config_types_them() {
        let config = options(SAMPLE).unwrap();
        let ok = |key: &str, text: &str| config.parse_setting(key, text).unwrap();
        assert_eq!(ok("port", "9000"), ConfigValue::Int(9000));
        assert_eq!(ok("port", "-3"), ConfigValue::Int(-3));
        assert_eq!(ok("ratio", "1e3"), ConfigValue::Float(1000.0));
        assert_eq!(ok("debug", "True"), ConfigValue::Boolean(true));
        assert_eq!(ok("debug", "0"), ConfigValue::Boolean(false));
        assert_eq!(ok("name", "yes"), ConfigValue::String("yes".into()));
        assert_eq!(ok("name", ""), ConfigValue::String("".into()));
        assert_eq!(
            ok("password", "secret:cq3rldnmp25c7bvnhim0"),
            ConfigValue::String("secret:cq3rldnmp25c7bvnhim0".into())
        );
        let err = |key: &str, text: &str| config.parse_setting(key, text).unwrap_err().to_string();
        assert_eq!(err("nope", "1"), r#"unknown option "nope""#);
        assert_eq!(
            err("port", "abc"),
            r#"option "port" expected int, got "abc""#
        );
        // ParseInt with base 10: no hex, no underscores, no empty value.
        assert_eq!(
            err("port", "0x10"),
            r#"option "port" expected int, got "0x10""#
        );
        assert_eq!(
            err("port", "1_000"),
            r#"option "port" expected int, got "1_000""#
        );
        assert_eq!(err("port", ""), r#"option "port" expected int, got """#);
        assert_eq!(
            err("port", "9223372036854775808"),
            r#"option "port" expected int, got "9223372036854775808""#
        );
        // ParseBool is not YAML: "yes" is no boolean.
        assert_eq!(
            err("debug", "yes"),
            r#"option "debug" expected boolean, got "yes""#
        );
        assert_eq!(
            err("ratio", "nan"),
            r#"option "ratio" expected float, got "nan""#
        );
        assert_eq!(
            err("password", "hunter2"),
            r#"option "password" expected secret, got "hunter2""#
        );
    }

    #[test]
    fn a_charm_reads_set_values_over_defaults_and_nothing_for_neither() {
        let config = options(SAMPLE).unwrap();
        let mut set = IndexMap::new();
        set.insert("port".to_owned(), ConfigValue::Int(9000));
        set.insert("gone".to_owned(), ConfigValue::Int(1));
        // A value stored as another type (the option changed type).
        set.insert("debug".to_owned(), ConfigValue::String("x".into()));
        let settings = config.settings(&set);
        assert_eq!(
            Value::Object(settings),
            serde_json::json!({
                "name": "World", "port": 9000, "ratio": 2, "debug": false,
                "untyped": "x", "empty": ""
            })
        );
    }

    #[test]
    fn typed_values_are_coerced_as_validate_settings_does() {
        let config = options(SAMPLE).unwrap();
        let check = |key: &str, value: Value| config.validate_value(key, &value);
        assert_eq!(check("port", "017".into()), Ok(ConfigValue::Int(15)));
        assert_eq!(check("ratio", 3.into()), Ok(ConfigValue::Float(3.0)));
        assert_eq!(check("debug", "T".into()), Ok(ConfigValue::Boolean(true)));
        assert!(check("port", 1.5.into()).is_err());
        assert!(check("name", true.into()).is_err());
        assert_eq!(
            check("ratio", "1.5".into()).unwrap_err().to_string(),
            r#"option "ratio" expected float, got "1.5""#
        );
    }

    #[test]
    fn floats_print_as_go_prints_them() {
        assert_eq!(ConfigValue::Float(45.0).to_json(), serde_json::json!(45));
        assert_eq!(ConfigValue::Float(0.5).to_text(), "0.5");
        assert_eq!(go_quote("a\"b\n\u{0}"), r#""a\"b\n\x00""#);
    }

    #[test]
    fn config_lives_in_charmcraft_yaml_or_config_yaml_not_both() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CHARMCRAFT_YAML),
            "name: x\nconfig:\n  options:\n    a: {type: int, default: 1}\n",
        )
        .unwrap();
        let config = read_dir(dir.path()).unwrap();
        assert_eq!(
            config.option("a").unwrap().default,
            Some(ConfigValue::Int(1))
        );
        std::fs::write(dir.path().join(CONFIG_YAML), "options: {}\n").unwrap();
        let err = read_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("declared in both"), "{err}");
        std::fs::remove_file(dir.path().join(CHARMCRAFT_YAML)).unwrap();
        assert!(read_dir(dir.path()).unwrap().is_empty());
    }
}
