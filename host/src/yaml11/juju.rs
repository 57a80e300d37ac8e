//! What Juju does with yaml.v2's output: `ConformYAML` (cmd/juju/common),
//! charm `cleanse` (internal/charm/actions.go, same key rule), `juju run`'s
//! `Init`/`enqueueActions`/`addValueToMap` (cmd/juju/action), and the JSON
//! encoding of the API request (Go `encoding/json`).

use serde_json::{Map, Number, Value};

use crate::yaml11::decode::{Decoder, GoValue, Target};
use crate::yaml11::error::{ErrorKind, Yaml11Error};
use crate::yaml11::parse::{Doc, Pos};
use crate::yaml11::Dialect;

const NON_STRING_KEY: &str = "map keyed with non-string value";

/// Documents nested at most this deep are decoded on the caller's thread;
/// deeper ones (up to 10000 levels) on a scoped thread with a stack big
/// enough for the recursion even in debug builds.
pub(crate) const SHALLOW: usize = 128;

/// Runs `f` directly, or for deep documents on a thread with a 512 MiB
/// stack (reserved address space, committed only as used).
fn with_stack<T: Send>(doc: &Doc, f: impl FnOnce() -> T + Send) -> T {
    with_stack_for(doc.max_depth, f)
}

fn with_stack_for<T: Send>(depth: usize, f: impl FnOnce() -> T + Send) -> T {
    if depth <= SHALLOW {
        return f();
    }
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("yaml11-deep".into())
            .stack_size(512 << 20)
            .spawn_scoped(s, f)
            .map_or_else(
                |_| panic!("cannot start a thread to decode a deeply nested document"),
                |h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            )
    })
}

fn go_type_and_text(v: &GoValue) -> (&'static str, String) {
    match v {
        GoValue::Nil => ("nil", "~".to_string()),
        GoValue::Bool(b) => ("bool", b.to_string()),
        GoValue::Int(i) => ("int", i.to_string()),
        GoValue::Uint(u) => ("uint64", u.to_string()),
        GoValue::Float(f, _) => ("float64", f.to_string()),
        GoValue::Str(s) => ("string", s.clone()),
        GoValue::Seq(_) => ("[]interface {}", "[...]".to_string()),
        GoValue::IMap(_) | GoValue::SMap(_) => ("map", "{...}".to_string()),
    }
}

/// Juju `ConformYAML`: every `map[interface{}]interface{}` becomes a
/// `map[string]interface{}`, or the whole call fails when a key is not a Go
/// string. (Go ranges over maps in random order, so with several bad keys
/// Juju may stumble on any of them; the message is the same. We report the
/// first in document order.)
pub(crate) fn conform(mut v: GoValue) -> Result<GoValue, Yaml11Error> {
    conform_in_place(&mut v)?;
    Ok(v)
}

/// [`conform`] without moving values around: small stack frames, as the
/// recursion goes as deep as the document.
fn conform_in_place(v: &mut GoValue) -> Result<(), Yaml11Error> {
    match v {
        GoValue::IMap(m) => {
            let mut out: Vec<(String, GoValue)> = Vec::with_capacity(m.len());
            for (k, val, pos) in std::mem::take(m) {
                match k {
                    GoValue::Str(s) => out.push((s, val)),
                    other => return Err(non_string_key(&other, pos)),
                }
            }
            // Keys were already unique in the Go map.
            *v = GoValue::SMap(Some(out));
            conform_in_place(v)
        }
        GoValue::SMap(m) => {
            for entry in m.get_or_insert_with(Vec::new).iter_mut() {
                conform_in_place(&mut entry.1)?;
            }
            Ok(())
        }
        GoValue::Seq(items) => {
            for item in items.iter_mut() {
                conform_in_place(item)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn non_string_key(k: &GoValue, pos: Pos) -> Yaml11Error {
    let (ty, text) = go_type_and_text(k);
    Yaml11Error::new(
        ErrorKind::NonStringKey,
        pos,
        format!(
            "{NON_STRING_KEY}: key `{text}` resolves to a YAML 1.1 {ty}, not a string (quote it)"
        ),
        NON_STRING_KEY.to_string(),
    )
}

/// Go `json.Marshal` of a conformed value.
pub(crate) fn to_json(v: &GoValue) -> Result<Value, Yaml11Error> {
    Ok(match v {
        GoValue::Nil | GoValue::SMap(None) => Value::Null,
        GoValue::Bool(b) => Value::Bool(*b),
        GoValue::Int(i) => Value::Number((*i).into()),
        GoValue::Uint(u) => Value::Number((*u).into()),
        GoValue::Float(f, pos) => match Number::from_f64(*f) {
            Some(n) => Value::Number(n),
            None => return Err(non_finite(*f, *pos)),
        },
        GoValue::Str(s) => Value::String(s.clone()),
        GoValue::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(to_json(item)?);
            }
            Value::Array(out)
        }
        GoValue::SMap(Some(m)) => {
            let mut out = Map::with_capacity(m.len());
            for (k, item) in m {
                out.insert(k.clone(), to_json(item)?);
            }
            Value::Object(out)
        }
        GoValue::IMap(_) => unreachable!("conform() runs before to_json()"),
    })
}

fn non_finite(f: f64, pos: Pos) -> Yaml11Error {
    // strconv.FormatFloat(f, 'g', -1, 64)
    let go = if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    };
    Yaml11Error::new(
        ErrorKind::NonFiniteFloat,
        pos,
        format!(
            "the float {go} cannot be sent: Juju JSON-encodes action parameters and JSON has no {go} (quote the value to pass a string)"
        ),
        format!("json: unsupported value: {go}"),
    )
}

fn type_error(issues: &[crate::yaml11::decode::TypeIssue]) -> Yaml11Error {
    let first = &issues[0];
    let juju = format!(
        "yaml: unmarshal errors:\n  {}",
        issues
            .iter()
            .map(|i| i.text.as_str())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
    let mut message = first
        .text
        .split_once(": ")
        .map_or(first.text.clone(), |(_, rest)| rest.to_string());
    if issues.len() > 1 {
        message.push_str(&format!(" (and {} more)", issues.len() - 1));
    }
    Yaml11Error::new(ErrorKind::Type, first.pos, message, juju)
}

/// `yaml.Unmarshal(raw, &v)` with `v := any(raw)`, then Juju's conform and
/// JSON encoding.
fn decode_cli_doc(doc: &Doc, raw: &str, dialect: Dialect) -> Result<GoValue, Yaml11Error> {
    Decoder::new(doc, dialect).decode_iface(GoValue::Str(raw.to_string()))
}

pub(crate) fn type_cli_value(raw: &str, dialect: Dialect) -> Result<Value, Yaml11Error> {
    let doc = Doc::parse(raw)?;
    with_stack(&doc, || {
        to_json(&conform(decode_cli_doc(&doc, raw, dialect)?)?)
    })
}

pub(crate) fn parse_document(text: &str, dialect: Dialect) -> Result<Value, Yaml11Error> {
    let doc = Doc::parse(text)?;
    with_stack(&doc, || {
        let v = Decoder::new(&doc, dialect).decode_iface(GoValue::Nil)?;
        to_json(&conform(v)?)
    })
}

/// `yaml.Unmarshal(b, &actionParams)` into a `map[string]any{}`, then
/// `ConformYAML`.
fn decode_params_doc(doc: &Doc, dialect: Dialect) -> Result<GoValue, Yaml11Error> {
    let mut d = Decoder::new(doc, dialect);
    let m = d.decode_smap(Some(Vec::new()), &Target::Iface)?;
    if !d.terrors.is_empty() {
        return Err(type_error(&d.terrors));
    }
    conform(GoValue::SMap(m))
}

pub(crate) fn parse_params_file(
    text: &str,
    dialect: Dialect,
) -> Result<Map<String, Value>, Yaml11Error> {
    let doc = Doc::parse(text)?;
    with_stack(&doc, || {
        match to_json(&decode_params_doc(&doc, dialect)?)? {
            Value::Object(m) => Ok(m),
            _ => Ok(Map::new()),
        }
    })
}

pub(crate) fn parse_actions_yaml(
    text: &str,
    dialect: Dialect,
) -> Result<Map<String, Value>, Yaml11Error> {
    let doc = Doc::parse(text)?;
    with_stack(&doc, || decode_actions_doc(&doc, dialect))
}

fn decode_actions_doc(doc: &Doc, dialect: Dialect) -> Result<Map<String, Value>, Yaml11Error> {
    let mut d = Decoder::new(doc, dialect);
    let m = d.decode_smap(None, &Target::StrMap(Box::new(Target::Iface)))?;
    if !d.terrors.is_empty() {
        return Err(type_error(&d.terrors));
    }
    // ReadActionsYaml cleanses each action's values; cleanse applies the
    // same string-key rule as ConformYAML. Nil action maps stay null.
    let mut out = Map::new();
    for (name, spec) in m.unwrap_or_default() {
        let v = match spec {
            GoValue::SMap(None) => Value::Null,
            other => to_json(&conform(other)?)?,
        };
        out.insert(name, v);
    }
    Ok(out)
}

/// Juju's action and parameter-key name rule (internal/charm/actions.go
/// `actionNameRule`): `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`.
fn valid_name(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && alnum(&b[0])
        && alnum(&b[b.len() - 1])
        && b.iter().all(|c| alnum(c) || *c == b'-')
}

/// `addValueToMap` from cmd/juju/action/common.go: walk/create nested
/// `map[string]interface{}` values along `keys`, replacing anything else
/// (including a not-yet-conformed `map[interface{}]interface{}` that an
/// earlier `key={...}` argument produced) with a fresh map.
fn add_value_to_map(keys: &[String], value: GoValue, target: &mut Vec<(String, GoValue)>) {
    let (last, path) = keys.split_last().expect("at least one key");
    let mut next = target;
    for k in path {
        let idx = match next.iter().position(|(ek, _)| ek == k) {
            Some(i) => {
                if !matches!(next[i].1, GoValue::SMap(Some(_))) {
                    next[i].1 = GoValue::SMap(Some(Vec::new()));
                }
                i
            }
            None => {
                next.push((k.clone(), GoValue::SMap(Some(Vec::new()))));
                next.len() - 1
            }
        };
        next = match &mut next[idx].1 {
            GoValue::SMap(Some(m)) => m,
            _ => unreachable!(),
        };
    }
    if let Some(slot) = next.iter_mut().find(|(ek, _)| ek == last) {
        slot.1 = value;
    } else {
        next.push((last.clone(), value));
    }
}

fn arg_error(message: String) -> Yaml11Error {
    Yaml11Error::new(
        ErrorKind::Argument,
        Pos::default(),
        message.clone(),
        message,
    )
}

/// `juju run <unit> <action> [--params file] [--string-args] key=value...`:
/// the parameter map Juju sends.
pub(crate) fn juju_run_params(
    params_yaml: Option<&str>,
    args: &[&str],
    string_args: bool,
    dialect: Dialect,
) -> Result<Map<String, Value>, Yaml11Error> {
    // runCommand.Init: shape and key checks, before anything is parsed.
    let mut parsed: Vec<(Vec<String>, &str)> = Vec::with_capacity(args.len());
    for arg in args {
        let Some((key, value)) = arg.split_once('=') else {
            return Err(arg_error(format!(
                "argument {arg:?} must be of the form key.key.key...=value"
            )));
        };
        let keys: Vec<String> = key.split('.').map(str::to_string).collect();
        for k in &keys {
            if !valid_name(k) {
                return Err(arg_error(format!(
                    "key {k:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens"
                )));
            }
        }
        parsed.push((keys, value));
    }
    // enqueueActions. Parse everything first so that a deep document
    // moves all the recursive work onto one big-stack thread.
    let params_doc = params_yaml.map(Doc::parse).transpose()?;
    let mut depth = params_doc.as_ref().map_or(0, |d| d.max_depth);
    let mut arg_docs = Vec::with_capacity(parsed.len());
    for (keys, value) in &parsed {
        // Errors are kept for later: the params file's type and conform
        // errors come first in Juju.
        let doc = if string_args {
            None
        } else {
            Some(Doc::parse(value))
        };
        let d = match &doc {
            Some(Ok(d)) => d.max_depth,
            _ => 0,
        };
        depth = depth.max(keys.len() + d);
        arg_docs.push(doc);
    }
    with_stack_for(depth, || {
        let mut params: Vec<(String, GoValue)> = match &params_doc {
            Some(doc) => match decode_params_doc(doc, dialect)? {
                GoValue::SMap(m) => m.unwrap_or_default(),
                _ => unreachable!(),
            },
            None => Vec::new(),
        };
        for ((keys, value), doc) in parsed.iter().zip(&arg_docs) {
            let v = match doc {
                None => GoValue::Str((*value).to_string()),
                Some(Ok(doc)) => decode_cli_doc(doc, value, dialect)?,
                Some(Err(e)) => return Err(e.clone()),
            };
            add_value_to_map(keys, v, &mut params);
        }
        match to_json(&conform(GoValue::SMap(Some(params)))?)? {
            Value::Object(m) => Ok(m),
            _ => unreachable!(),
        }
    })
}
