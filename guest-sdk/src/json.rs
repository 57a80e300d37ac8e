//! Decoding the JSON the host sends (action params, config) into an
//! author's types, with errors that say which value did not fit and why.

use std::fmt;

use serde::de::DeserializeOwned;

/// A value that did not fit the author's type: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    /// The path of the value that did not fit (`style.uppercase`), or
    /// empty when it is the whole value (a missing field, invalid JSON).
    pub path: String,
    /// serde's reason, without a position in text no author wrote.
    pub reason: String,
}

impl DecodeError {
    /// An error about the whole value.
    pub(crate) fn whole(reason: impl Into<String>) -> Self {
        DecodeError {
            path: String::new(),
            reason: reason.into(),
        }
    }

    /// Reads a [`serde_path_to_error`] error: its path (empty for the root)
    /// and `reason`, its inner error's message.
    pub(crate) fn at<E>(
        error: serde_path_to_error::Error<E>,
        reason: impl FnOnce(E) -> String,
    ) -> Self {
        let path = error.path().to_string();
        let path = if path == "." { String::new() } else { path };
        DecodeError {
            path,
            reason: reason(error.into_inner()),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.path, self.reason)
        }
    }
}

/// Deserialises `json` straight into `T` (no intermediate `Value`: this runs
/// in every action that reads its params).
pub(crate) fn from_json<T: DeserializeOwned>(json: &str) -> Result<T, DecodeError> {
    // Values nearly always fit: decode them without tracking the path, which
    // costs about as much again, and track it only to explain a failure.
    // Deserialising is deterministic, so the second pass fails the same way.
    match serde_json::from_str(json) {
        Ok(value) => Ok(value),
        Err(_) => from_json_tracked(json),
    }
}

/// [`from_json`] with the path of every value tracked, for its message.
fn from_json_tracked<T: DeserializeOwned>(json: &str) -> Result<T, DecodeError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        if e.inner().is_syntax() || e.inner().is_eof() {
            return DecodeError::whole(invalid_json(e.inner()));
        }
        DecodeError::at(e, |inner| without_position(&inner))
    })?;
    // Trailing characters after the value.
    deserializer
        .end()
        .map_err(|e| DecodeError::whole(invalid_json(&e)))?;
    Ok(value)
}

/// Not the handler's mistake: the host sends JSON it produced itself.
fn invalid_json(error: &serde_json::Error) -> String {
    format!("the host gave invalid JSON: {error}")
}

/// serde_json's message without its " at line L column C" suffix: the
/// position in one line of machine-written JSON means nothing to an author,
/// and the path already says where.
pub(crate) fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match message.strip_suffix(&suffix) {
        Some(reason) => reason.to_owned(),
        None => message,
    }
}
