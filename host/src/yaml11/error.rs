//! The error type.

use std::fmt;

use crate::yaml11::parse::Pos;

/// What went wrong, by the stage of Juju's pipeline that fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The YAML text is malformed (libyaml scanner/parser/reader error, an
    /// unsupported `%YAML` version, or nesting deeper than 10000).
    Syntax,
    /// `yaml.Unmarshal` reported `*yaml.TypeError` ("cannot unmarshal ...
    /// into ..."): a node does not fit the Go type Juju decodes into, e.g.
    /// a `--params` file whose top level is a list.
    Type,
    /// An alias names an unknown anchor, expands into itself, or (go-yaml
    /// v2.4.0 dialect) the document aliases excessively.
    Anchor,
    /// A `<<` merge value is not a mapping or a sequence of mappings.
    Merge,
    /// An explicit tag does not fit the value (`!!int abc`), or `!!binary`
    /// data is not valid base64.
    Tag,
    /// A mapping key decoded into `interface{}` is itself a mapping or a
    /// sequence (yaml.v2 "invalid map key").
    InvalidKey,
    /// Juju's `ConformYAML` / charm `cleanse` found a map key that is not
    /// a string ("map keyed with non-string value").
    NonStringKey,
    /// A float is NaN or infinite: Juju's API client cannot JSON-encode it
    /// ("json: unsupported value: NaN").
    NonFiniteFloat,
    /// The input uses a construct this crate cannot decode the way yaml.v2
    /// does (a tag followed directly by `,`), or the underlying parser
    /// failed unexpectedly. [`Yaml11Error::juju_message`] is empty.
    Unsupported,
    /// A `juju run` `key=value` argument is malformed (no `=`, or a key
    /// segment breaks Juju's action-name rule).
    Argument,
}

/// An error from this crate, with the 1-based line and column of the part
/// of the input it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Yaml11Error {
    kind: ErrorKind,
    line: usize,
    column: usize,
    message: String,
    juju_message: String,
}

impl Yaml11Error {
    pub(crate) fn new(kind: ErrorKind, pos: Pos, message: String, juju_message: String) -> Self {
        Yaml11Error {
            kind,
            line: usize::try_from(pos.line)
                .unwrap_or(usize::MAX)
                .saturating_add(1),
            column: usize::try_from(pos.column)
                .unwrap_or(usize::MAX)
                .saturating_add(1),
            message,
            juju_message,
        }
    }

    /// Which stage failed.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// 1-based line of the offending input (for `key=value` arguments:
    /// the line within the value).
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column (in characters) of the offending input.
    pub fn column(&self) -> usize {
        self.column
    }

    /// What is wrong, in words, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error text Juju itself produces for the same input (after
    /// `juju run`'s `ERROR ` prefix), e.g. `yaml: line 1: did not find
    /// expected ',' or ']'` or `map keyed with non-string value`. Go's
    /// line numbers there follow yaml.v2's own (sometimes 0-based) rules;
    /// use [`line`](Self::line) for a reliable position.
    pub fn juju_message(&self) -> &str {
        &self.juju_message
    }
}

impl fmt::Display for Yaml11Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for Yaml11Error {}
