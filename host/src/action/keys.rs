//! Validation of result keys, as Juju's `action-set` and ops' `set_results`
//! validate them, and of params keys given as `key=value`.
//!
//! A key is a dotted path (`outfile.name`). Each segment must start and end
//! with a lowercase letter or digit and hold only lowercase letters, digits
//! and hyphens. Some segments are reserved because Juju itself puts the
//! charm's captured output under them.
//!
//! Juju sets no bound on a key, but each dot is a level of nesting in the
//! map the key lands in, and a map is walked, stored, read back and printed
//! level by level: a key of 100,000 segments overflowed the host's stack,
//! and one of 129 levels was stored but could not be read back (JSON
//! readers stop at 128). So a key is at most [`MAX_KEY_BYTES`] long and
//! [`MAX_KEY_DEPTH`] segments deep.

use std::fmt;

/// Result keys Juju reserves for the output it captures from the charm
/// process; a charm may not set them.
pub const RESERVED_KEYS: [&str; 4] = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

/// Most dot-separated segments in a key: the depth of nesting it makes.
pub const MAX_KEY_DEPTH: usize = 32;

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 256;

/// The rule every result key follows.
const SYNTAX_RULE: &str = "each dot-separated part must start and end with a lowercase letter or \
                           digit and contain only lowercase letters, digits and hyphens";

/// Why a result key was refused. The `Display` form names the key and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key, or one of its dotted segments, breaks the syntax rule.
    #[error(
        "invalid result key {}: {SYNTAX_RULE} (for example \"outfile.name\" or \"size-mb\")",
        shown(.key)
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
    /// The key is longer than [`MAX_KEY_BYTES`] or deeper than
    /// [`MAX_KEY_DEPTH`].
    #[error("invalid result key {}: {size}", shown(.key))]
    TooBig {
        /// The key as given.
        key: String,
        /// How it is too big.
        size: KeySize,
    },
}

/// How a key is too big.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySize {
    /// Longer than [`MAX_KEY_BYTES`].
    Long {
        /// Its length in bytes.
        bytes: usize,
    },
    /// More segments than [`MAX_KEY_DEPTH`].
    Deep {
        /// Its segments.
        segments: usize,
    },
}

impl fmt::Display for KeySize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Long { bytes } => write!(
                f,
                "it is {bytes} bytes long, and a key may be at most {MAX_KEY_BYTES}; use a \
                 shorter name"
            ),
            Self::Deep { segments } => write!(
                f,
                "it nests {segments} levels deep, and a key may have at most {MAX_KEY_DEPTH} \
                 dot-separated parts; use a flatter structure"
            ),
        }
    }
}

/// A key for a message: quoted, and cut to its start when it is long (a
/// guest's key may be megabytes).
fn shown(key: &str) -> String {
    const SHOWN: usize = 64;
    if key.len() <= SHOWN {
        return format!("{key:?}");
    }
    let mut cut = SHOWN;
    while !key.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{:?}… ({} bytes)", &key[..cut], key.len())
}

/// How big `key` is, if too big; checked before its segments are.
fn size_of(key: &str) -> Option<KeySize> {
    if key.len() > MAX_KEY_BYTES {
        return Some(KeySize::Long { bytes: key.len() });
    }
    let segments = key.bytes().filter(|&b| b == b'.').count() + 1;
    (segments > MAX_KEY_DEPTH).then_some(KeySize::Deep { segments })
}

/// Checks one dotted result key against Juju's rules and charmbox's bounds.
pub fn validate_result_key(key: &str) -> Result<(), KeyError> {
    if let Some(size) = size_of(key) {
        return Err(KeyError::TooBig {
            key: key.to_owned(),
            size,
        });
    }
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
/// syntax and bounds are those of result keys; nothing is reserved.
pub fn validate_param_key(key: &str) -> Result<(), ParamKeyError> {
    let size = size_of(key);
    if size.is_none() && key.split('.').all(is_valid_segment) {
        Ok(())
    } else {
        Err(ParamKeyError {
            key: key.to_owned(),
            size,
        })
    }
}

/// A params key given on the command line that breaks the key rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamKeyError {
    /// The key as given.
    pub key: String,
    /// How it is too big, when that is what is wrong; `None` when it breaks
    /// the syntax.
    pub size: Option<KeySize>,
}

impl fmt::Display for ParamKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.size {
            Some(size) => write!(f, "invalid param key {}: {size}", shown(&self.key)),
            None => write!(f, "invalid param key {}: {SYNTAX_RULE}", shown(&self.key)),
        }
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
    fn keys_are_bounded_in_length_and_depth() {
        let deepest = vec!["a"; MAX_KEY_DEPTH].join(".");
        assert_eq!(validate_result_key(&deepest), Ok(()));
        let deeper = format!("{deepest}.a");
        assert_eq!(
            validate_result_key(&deeper),
            Err(KeyError::TooBig {
                key: deeper.clone(),
                size: KeySize::Deep {
                    segments: MAX_KEY_DEPTH + 1
                }
            })
        );
        let longest = "a".repeat(MAX_KEY_BYTES);
        assert_eq!(validate_result_key(&longest), Ok(()));
        // The attack that overflowed the host's stack: 100,000 segments.
        let attack = vec!["a"; 100_000].join(".");
        let err = validate_result_key(&attack).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("199999 bytes long"), "{text}");
        assert!(
            text.len() < 300,
            "the message shows only the key's start: {text}"
        );
        let err = validate_param_key(&deeper).unwrap_err();
        assert!(err.to_string().contains("33 levels deep"), "{err}");
        assert!(validate_param_key(&attack).is_err());
    }

    #[test]
    fn param_keys_share_the_syntax_but_reserve_nothing() {
        assert!(validate_param_key("stdout").is_ok());
        assert!(validate_param_key("outfile.name").is_ok());
        assert!(validate_param_key("Out").is_err());
        assert!(validate_param_key("a..b").is_err());
    }
}
