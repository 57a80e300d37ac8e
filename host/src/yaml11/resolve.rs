//! Port of yaml.v2 `resolve.go` (`resolveTable`, `resolveMapList`,
//! `resolve`).

use crate::yaml11::goconv::{
    juju_style_float, parse_float_decimal, parse_int_base0, parse_int_base2, parse_timestamp,
    parse_uint_base0, parse_uint_base2, upstream_style_float,
};
use crate::yaml11::Dialect;

pub(crate) const STR_TAG: &str = "tag:yaml.org,2002:str";
pub(crate) const BOOL_TAG: &str = "tag:yaml.org,2002:bool";
pub(crate) const INT_TAG: &str = "tag:yaml.org,2002:int";
pub(crate) const FLOAT_TAG: &str = "tag:yaml.org,2002:float";
pub(crate) const NULL_TAG: &str = "tag:yaml.org,2002:null";
pub(crate) const TIMESTAMP_TAG: &str = "tag:yaml.org,2002:timestamp";
pub(crate) const BINARY_TAG: &str = "tag:yaml.org,2002:binary";
pub(crate) const MERGE_TAG: &str = "tag:yaml.org,2002:merge";
pub(crate) const SEQ_TAG: &str = "tag:yaml.org,2002:seq";
pub(crate) const MAP_TAG: &str = "tag:yaml.org,2002:map";

const LONG_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// yaml.v2 `shortTag`.
pub(crate) fn short_tag(tag: &str) -> String {
    match tag.strip_prefix(LONG_TAG_PREFIX) {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

/// A resolved scalar, as the Go value yaml.v2's `resolve` returns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    /// Go `int` (64-bit on every platform Juju ships).
    Int(i64),
    /// Go `uint64`: only for values above `i64::MAX`.
    Uint(u64),
    Float(f64),
    Str(String),
    /// A value that `parseTimestamp` accepted; into `interface{}` yaml.v2
    /// keeps the original text (decode.go: "for backward compatibility
    /// reasons we set it as a string").
    Timestamp(String),
}

/// yaml.v2 `resolveMapList`, looked up only when the first byte's
/// `resolveTable` hint is non-zero (so the `<<` entry is never reached:
/// `'<'` has no hint).
fn resolve_map(s: &str) -> Option<Resolved> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// yaml.v2 `resolveTable[c]`.
fn hint(c: u8) -> u8 {
    match c {
        b'+' | b'-' => b'S',
        b'0'..=b'9' => b'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => b'M',
        b'.' => b'.',
        _ => 0,
    }
}

fn tag_of(r: &Resolved) -> &'static str {
    match r {
        Resolved::Null => NULL_TAG,
        Resolved::Bool(_) => BOOL_TAG,
        Resolved::Int(_) | Resolved::Uint(_) => INT_TAG,
        Resolved::Float(_) => FLOAT_TAG,
        Resolved::Str(_) => STR_TAG,
        Resolved::Timestamp(_) => TIMESTAMP_TAG,
    }
}

/// Untagged resolution of a plain scalar's text (`resolve("", in)`).
pub(crate) fn resolve_untagged(input: &str, dialect: Dialect) -> Resolved {
    resolve_inner("", input, dialect)
}

fn resolve_inner(tag: &str, input: &str, dialect: Dialect) -> Resolved {
    let h = if input.is_empty() {
        b'N'
    } else {
        hint(input.as_bytes()[0])
    };
    if h != 0 && tag != STR_TAG && tag != BINARY_TAG {
        if let Some(r) = resolve_map(input) {
            return r;
        }
        match h {
            b'.' => {
                // Not in the map, so maybe a normal float; note: the raw
                // text, underscores included, goes to ParseFloat.
                if let Some(f) = parse_float_decimal(input) {
                    return Resolved::Float(f);
                }
            }
            b'D' | b'S' => {
                if (tag.is_empty() || tag == TIMESTAMP_TAG) && parse_timestamp(input) {
                    return Resolved::Timestamp(input.to_string());
                }
                let plain: String = input.chars().filter(|&c| c != '_').collect();
                if let Some(i) = parse_int_base0(&plain) {
                    return Resolved::Int(i);
                }
                if let Some(u) = parse_uint_base0(&plain) {
                    return Resolved::Uint(u);
                }
                let style_float = match dialect {
                    Dialect::Juju => juju_style_float(&plain),
                    Dialect::GoYamlV2 => upstream_style_float(&plain),
                };
                if style_float {
                    if let Some(f) = parse_float_decimal(&plain) {
                        return Resolved::Float(f);
                    }
                }
                // resolve()'s own binary fallback: ParseInt(plain[2:], 2)
                // takes a sign, so `0b-10` is -2 and `0b+10` is 2 (plain
                // `0b101` was already handled by base 0 above).
                if let Some(rest) = plain.strip_prefix("0b") {
                    if let Some(i) = parse_int_base2(rest) {
                        return Resolved::Int(i);
                    }
                    if let Some(u) = parse_uint_base2(rest) {
                        return Resolved::Uint(u);
                    }
                } else if let Some(rest) = plain.strip_prefix("-0b") {
                    if let Some(i) = parse_int_base2(&format!("-{rest}")) {
                        return Resolved::Int(i);
                    }
                }
            }
            _ => {} // 'M' and 'N': only the map applies.
        }
    }
    Resolved::Str(input.to_string())
}

/// Why a tagged scalar could not be resolved: yaml.v2 `failf("cannot decode
/// %s `%s` as a %s")`, a fatal error.
#[derive(Debug)]
pub(crate) struct TagMismatch {
    pub(crate) message: String,
}

fn resolvable_tag(tag: &str) -> bool {
    matches!(
        tag,
        "" | STR_TAG | BOOL_TAG | INT_TAG | FLOAT_TAG | NULL_TAG | TIMESTAMP_TAG
    )
}

/// yaml.v2 `resolve(tag, in)` including its deferred tag check. Returns the
/// resulting tag and value. Unresolvable tags (custom `!foo`, `!`, `!!seq`
/// on a scalar, `!!binary`, ...) give the text back unchanged, tagged as
/// written.
pub(crate) fn resolve_tagged(
    tag: &str,
    input: &str,
    dialect: Dialect,
) -> Result<(String, Resolved), TagMismatch> {
    if !resolvable_tag(tag) {
        return Ok((tag.to_string(), Resolved::Str(input.to_string())));
    }
    let r = resolve_inner(tag, input, dialect);
    let rtag = tag_of(&r);
    if tag.is_empty() || tag == rtag || tag == STR_TAG || tag == BINARY_TAG {
        // For an explicit !!str tag resolve_inner never leaves the string.
        return Ok((rtag.to_string(), r));
    }
    if tag == FLOAT_TAG {
        if let Resolved::Int(i) = r {
            return Ok((FLOAT_TAG.to_string(), Resolved::Float(i as f64)));
        }
    }
    Err(TagMismatch {
        message: format!(
            "cannot decode {} `{}` as a {}",
            short_tag(rtag),
            input,
            short_tag(tag)
        ),
    })
}
