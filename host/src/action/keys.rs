//! Validation of result keys, as Juju's `action-set` and ops' `set_results`
//! validate them.
//!
//! A key is a dotted path (`outfile.name`). Each segment must start and end
//! with a lowercase letter or digit and hold only lowercase letters, digits
//! and hyphens. Some segments are reserved because Juju itself puts the
//! charm's captured output under them.

use std::fmt;

/// Result keys Juju reserves for the output it captures from the charm
/// process; a charm may not set them.
pub const RESERVED_KEYS: [&str; 4] = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

/// Why a result key was refused. The `Display` form names the key and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key, or one of its dotted segments, breaks the syntax rule.
    #[error(
        "invalid result key {key:?}: each dot-separated part must start and end with a \
         lowercase letter or digit and contain only lowercase letters, digits and hyphens \
         (for example \"outfile.name\" or \"size-mb\")"
    )]
    Syntax {
        /// The key as given.
        key: String,
    },
    /// A segment is one of [`RESERVED_KEYS`].
    #[error(
        "invalid result key {key:?}: {segment:?} is reserved for the output Juju captures \
         (reserved: stdout, stdout-encoding, stderr, stderr-encoding); choose another name"
    )]
    Reserved {
        /// The key as given.
        key: String,
        /// The reserved segment within it.
        segment: String,
    },
}

/// Checks one dotted result key against Juju's rules.
pub fn validate_result_key(key: &str) -> Result<(), KeyError> {
    for segment in key.split('.') {
        if !is_valid_segment(segment) {
            return Err(KeyError::Syntax {
                key: key.to_owned(),
            });
        }
        if RESERVED_KEYS.contains(&segment) {
            return Err(KeyError::Reserved {
                key: key.to_owned(),
                segment: segment.to_owned(),
            });
        }
    }
    Ok(())
}

/// Checks a dotted params key given on the command line (`key=value`). The
/// syntax is the same as for result keys; nothing is reserved.
pub fn validate_param_key(key: &str) -> Result<(), ParamKeyError> {
    if key.split('.').all(is_valid_segment) {
        Ok(())
    } else {
        Err(ParamKeyError(key.to_owned()))
    }
}

/// A params key given on the command line that breaks the key rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamKeyError(pub String);

impl fmt::Display for ParamKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid param key {:?}: each dot-separated part must start and end with a lowercase \
             letter or digit and contain only lowercase letters, digits and hyphens",
            self.0
        )
    }
}

impl std::error::Error for ParamKeyError {}

/// `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`, without a regex engine.
fn is_valid_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let edge_ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            edge_ok(first) && edge_ok(last) && bytes.iter().all(|&b| edge_ok(b) || b == b'-')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_keys_juju_accepts() {
        for key in [
            "foo",
            "500",
            "5-o-0",
            "foo.bar",
            "foo-bar.baz",
            "a.b.c",
            "x1",
        ] {
            assert_eq!(validate_result_key(key), Ok(()), "{key}");
        }
    }

    #[test]
    fn refuses_the_keys_juju_refuses() {
        for key in [
            "-foo", "foo-", "foo-.bar", "foo!bar", "foo..bar", ".foo", "foo.", ".", "", "Foo",
            "foo_bar", "foo bar", "föö",
        ] {
            assert_eq!(
                validate_result_key(key),
                Err(KeyError::Syntax { key: key.into() }),
                "{key}"
            );
        }
    }

    #[test]
    fn refuses_reserved_segments_anywhere_in_the_path() {
        for (key, segment) in [
            ("stdout", "stdout"),
            ("stderr", "stderr"),
            ("stdout-encoding", "stdout-encoding"),
            ("stderr-encoding", "stderr-encoding"),
            ("out.stdout", "stdout"),
        ] {
            assert_eq!(
                validate_result_key(key),
                Err(KeyError::Reserved {
                    key: key.into(),
                    segment: segment.into()
                })
            );
        }
        // Only whole segments are reserved.
        assert_eq!(validate_result_key("stdout2"), Ok(()));
        assert_eq!(validate_result_key("return-code"), Ok(()));
    }

    #[test]
    fn error_text_names_key_and_rule() {
        let text = validate_result_key("Bad_Key").unwrap_err().to_string();
        assert!(text.contains("\"Bad_Key\""), "{text}");
        assert!(text.contains("lowercase"), "{text}");
        let text = validate_result_key("stdout").unwrap_err().to_string();
        assert!(text.contains("reserved"), "{text}");
    }

    #[test]
    fn param_keys_share_the_syntax_but_reserve_nothing() {
        assert!(validate_param_key("stdout").is_ok());
        assert!(validate_param_key("outfile.name").is_ok());
        assert!(validate_param_key("Out").is_err());
        assert!(validate_param_key("a..b").is_err());
    }
}
