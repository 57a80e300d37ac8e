//! The results an action sets: a nested map of strings, filled by
//! `action-set` calls that are validated all-or-nothing and bounded.
//!
//! ```
//! use charmbox::action::results::Results;
//! use serde_json::json;
//!
//! let mut results = Results::default();
//! let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
//! results.set(vec![pair("outfile.name", "x"), pair("outfile.size", "3")]).unwrap();
//! // One bad key and the call stores nothing.
//! assert!(results.set(vec![pair("done", "yes"), pair("Bad", "x")]).is_err());
//! assert_eq!(
//!     serde_json::Value::Object(results.into_map()),
//!     json!({"outfile": {"name": "x", "size": "3"}})
//! );
//! ```

use serde_json::{Map, Value};

use super::keys::{validate_result_key, KeyError};

/// Bounds on what a guest may store as results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultLimits {
    /// Most distinct result keys (dotted leaves) an action may set.
    pub max_keys: usize,
    /// Most bytes of keys and values, summed over every stored result.
    pub max_bytes: usize,
}

impl Default for ResultLimits {
    fn default() -> Self {
        Self {
            max_keys: 1_000,
            max_bytes: 1024 * 1024,
        }
    }
}

/// Why an `action-set` call stored nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    /// A key broke Juju's key rules.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Storing the call would pass [`ResultLimits::max_keys`].
    #[error("too many result keys: at most {max} may be set, this call would make {would_be}")]
    TooManyKeys {
        /// The limit.
        max: usize,
        /// The count after this call.
        would_be: usize,
    },
    /// Storing the call would pass [`ResultLimits::max_bytes`].
    #[error("results too large: at most {max} bytes of keys and values, this call would make {would_be}")]
    TooLarge {
        /// The limit.
        max: usize,
        /// The size after this call.
        would_be: usize,
    },
}

/// Why [`Results::set_checked`] stored nothing.
#[derive(Debug)]
pub(crate) enum Refused<E> {
    /// The call itself: a key, or a limit.
    Set(SetError),
    /// The caller's check.
    Check(E),
}

/// Where a pair's leaf name is in its key.
enum Name {
    /// The whole key (it has no dot).
    Whole,
    /// From this byte on (after the last dot).
    Suffix(usize),
}

/// Results collected during one action run.
#[derive(Debug, Clone, Default)]
pub struct Results {
    tree: Map<String, Value>,
    /// How many leaves (string values) the tree holds.
    keys: usize,
    /// Their keys' and values' bytes, a leaf's key counted whole (`a.b`).
    bytes: usize,
    limits: ResultLimits,
}

impl Results {
    /// An empty result set bounded by `limits`.
    pub fn new(limits: ResultLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Validates every pair, then stores them all, or none on any error.
    /// The pairs are moved into the tree: a call copies no value.
    pub fn set(&mut self, pairs: Vec<(String, String)>) -> Result<(), SetError> {
        self.set_checked(pairs, |_| Ok::<(), std::convert::Infallible>(()))
            .map_err(|refused| match refused {
                Refused::Set(e) => e,
                Refused::Check(never) => match never {},
            })
    }

    /// As [`set`](Self::set), with `check` asked last, once the call is
    /// valid and fits: a call it refuses stores nothing either. The action
    /// API's backend checks a call this way (see `ActionContext::set`).
    pub(crate) fn set_checked<E>(
        &mut self,
        pairs: Vec<(String, String)>,
        check: impl FnOnce(&[(String, String)]) -> Result<(), E>,
    ) -> Result<(), Refused<E>> {
        for (key, _) in &pairs {
            validate_result_key(key).map_err(|e| Refused::Set(e.into()))?;
        }
        // A pair adds at most one key and its own bytes; what it replaces
        // only frees. Within both bounds (nearly every call) nothing can be
        // refused: store straight away.
        let added: usize = pairs
            .iter()
            .map(|(key, value)| key.len() + value.len())
            .sum();
        if self.keys + pairs.len() <= self.limits.max_keys
            && self.bytes + added <= self.limits.max_bytes
        {
            check(&pairs).map_err(Refused::Check)?;
            for (key, value) in pairs {
                self.store(key, value);
            }
            return Ok(());
        }
        // Near a limit, replacing may be what makes the call fit: store,
        // count exactly, and put back what was there if it does not fit.
        let before = (self.tree.clone(), self.keys, self.bytes);
        for (key, value) in &pairs {
            self.store(key.clone(), value.clone());
        }
        let refused = if self.keys > self.limits.max_keys {
            Some(Refused::Set(SetError::TooManyKeys {
                max: self.limits.max_keys,
                would_be: self.keys,
            }))
        } else if self.bytes > self.limits.max_bytes {
            Some(Refused::Set(SetError::TooLarge {
                max: self.limits.max_bytes,
                would_be: self.bytes,
            }))
        } else {
            check(&pairs).err().map(Refused::Check)
        };
        match refused {
            Some(refused) => {
                (self.tree, self.keys, self.bytes) = before;
                Err(refused)
            }
            None => Ok(()),
        }
    }

    /// Stores one valid pair, nesting its dotted key, and accounts for what
    /// it replaces: a leaf at the key itself, the leaves under it (a map
    /// becomes a leaf) and a leaf above it (a leaf becomes a map).
    fn store(&mut self, key: String, value: String) {
        let (key_len, value_len) = (key.len(), value.len());
        let (parents, leaf) = match key.rfind('.') {
            Some(dot) => (Some(&key[..dot]), Name::Suffix(dot + 1)),
            None => (None, Name::Whole),
        };
        let mut map = &mut self.tree;
        // Where the current segment ends in `key`: a leaf found there has
        // `key[..end]` for its key.
        let mut end = 0;
        for segment in parents.into_iter().flat_map(|p| p.split('.')) {
            end += if end == 0 { 0 } else { 1 } + segment.len();
            if !map.contains_key(segment) {
                map.insert(segment.to_owned(), Value::Object(Map::new()));
            }
            let slot = map.get_mut(segment).expect("just made sure it is there");
            if !slot.is_object() {
                let (keys, bytes) = leaves_in(slot, end);
                self.keys -= keys;
                self.bytes -= bytes;
                *slot = Value::Object(Map::new());
            }
            map = slot.as_object_mut().expect("just made a map");
        }
        // The key's own buffer becomes the leaf's name: an undotted key is
        // moved, a dotted one loses its parents in place.
        let mut name = key;
        if let Name::Suffix(from) = leaf {
            name.drain(..from);
        }
        if let Some(replaced) = map.insert(name, Value::String(value)) {
            let (keys, bytes) = leaves_in(&replaced, key_len);
            self.keys -= keys;
            self.bytes -= bytes;
        }
        self.keys += 1;
        self.bytes += key_len + value_len;
    }

    /// The nested results map.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.tree
    }

    /// Takes the nested results map.
    pub fn into_map(self) -> Map<String, Value> {
        self.tree
    }
}

/// The leaves in `value`, stored at a key `key_len` bytes long, and their
/// bytes as [`Results`] counts them.
fn leaves_in(value: &Value, key_len: usize) -> (usize, usize) {
    match value {
        Value::String(text) => (1, key_len + text.len()),
        Value::Object(map) => map.iter().fold((0, 0), |(keys, bytes), (name, value)| {
            let (k, b) = leaves_in(value, key_len + 1 + name.len());
            (keys + k, bytes + b)
        }),
        // Results hold strings and maps of them only.
        _ => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_call_the_check_refuses_stores_nothing() {
        let mut results = Results::default();
        results.set(pairs(&[("kept", "1")])).unwrap();
        let refused = results.set_checked(pairs(&[("a.b", "2"), ("kept", "3")]), |_| Err("no"));
        assert!(matches!(refused, Err(Refused::Check("no"))));
        assert_eq!(
            Value::Object(results.as_map().clone()),
            json!({"kept": "1"})
        );
        // Asked only of a valid call.
        let mut asked = false;
        let refused = results.set_checked(pairs(&[("Bad", "x")]), |_| {
            asked = true;
            Ok::<(), ()>(())
        });
        assert!(matches!(refused, Err(Refused::Set(SetError::Key(_)))));
        assert!(!asked);
    }

    #[test]
    fn dotted_keys_nest_and_later_values_overwrite() {
        let mut results = Results::default();
        results
            .set(pairs(&[("outfile.name", "x"), ("outfile.size", "3")]))
            .unwrap();
        results
            .set(pairs(&[("outfile.size", "4"), ("done", "yes")]))
            .unwrap();
        assert_eq!(
            Value::Object(results.into_map()),
            json!({"outfile": {"name": "x", "size": "4"}, "done": "yes"})
        );
    }

    #[test]
    fn one_bad_key_stores_nothing_from_the_call() {
        let mut results = Results::default();
        results.set(pairs(&[("kept", "1")])).unwrap();
        let err = results
            .set(pairs(&[("fine", "1"), ("Not-Fine", "2")]))
            .unwrap_err();
        assert!(matches!(err, SetError::Key(KeyError::Syntax { ref key }) if key == "Not-Fine"));
        let err = results
            .set(pairs(&[("a", "1"), ("stdout", "2")]))
            .unwrap_err();
        assert!(matches!(err, SetError::Key(KeyError::Reserved { .. })));
        assert_eq!(Value::Object(results.into_map()), json!({"kept": "1"}));
    }

    #[test]
    fn key_and_size_limits_are_all_or_nothing() {
        let mut results = Results::new(ResultLimits {
            max_keys: 2,
            max_bytes: 20,
        });
        results.set(pairs(&[("a", "1"), ("b", "2")])).unwrap();
        // Overwriting does not add a key.
        results.set(pairs(&[("a", "3")])).unwrap();
        let err = results.set(pairs(&[("c", "3")])).unwrap_err();
        assert_eq!(
            err,
            SetError::TooManyKeys {
                max: 2,
                would_be: 3
            }
        );
        let err = results
            .set(pairs(&[("a", "0123456789abcdefghij")]))
            .unwrap_err();
        assert!(matches!(err, SetError::TooLarge { max: 20, .. }), "{err}");
        assert_eq!(
            Value::Object(results.into_map()),
            json!({"a": "3", "b": "2"})
        );
    }

    #[test]
    fn a_refused_call_leaves_the_accounting_as_it_was() {
        let mut results = Results::new(ResultLimits {
            max_keys: 3,
            max_bytes: 1000,
        });
        results.set(pairs(&[("a.x", "1"), ("a.y", "2")])).unwrap();
        // Replaces a.x and a.y with a leaf, then adds three more: refused.
        let err = results
            .set(pairs(&[("a", "flat"), ("b", "1"), ("c", "1"), ("d", "1")]))
            .unwrap_err();
        assert_eq!(
            err,
            SetError::TooManyKeys {
                max: 3,
                would_be: 4
            }
        );
        // Still a.x and a.y: one more key fits, two do not.
        results.set(pairs(&[("b", "1")])).unwrap();
        assert!(results.set(pairs(&[("c", "1")])).is_err());
        // A leaf above, and keys that share a prefix but are not under it.
        results.set(pairs(&[("a.x.deep", "1")])).unwrap();
        results.set(pairs(&[("a-x", "1")])).unwrap_err();
        assert_eq!(
            Value::Object(results.into_map()),
            json!({"a": {"x": {"deep": "1"}, "y": "2"}, "b": "1"})
        );
    }

    #[test]
    fn a_leaf_replaces_only_the_keys_under_it() {
        let mut results = Results::default();
        results
            .set(pairs(&[
                ("a-b", "1"),
                ("a.b.c", "2"),
                ("ab", "3"),
                ("a0", "4"),
            ]))
            .unwrap();
        results.set(pairs(&[("a", "flat")])).unwrap();
        assert_eq!(
            Value::Object(results.into_map()),
            json!({"a-b": "1", "a": "flat", "ab": "3", "a0": "4"})
        );
    }

    #[test]
    fn replacing_a_map_with_a_leaf_frees_its_keys() {
        let mut results = Results::new(ResultLimits {
            max_keys: 2,
            max_bytes: 1000,
        });
        results.set(pairs(&[("a.x", "1"), ("a.y", "2")])).unwrap();
        results.set(pairs(&[("a", "flat")])).unwrap();
        results.set(pairs(&[("b", "1")])).unwrap();
        assert_eq!(
            Value::Object(results.into_map()),
            json!({"a": "flat", "b": "1"})
        );
    }

    #[test]
    fn bytes_are_counted_exactly_through_replacements() {
        let mut results = Results::new(ResultLimits {
            max_keys: 100,
            max_bytes: 16,
        });
        results.set(pairs(&[("a", "12345")])).unwrap(); // 6 bytes
        results.set(pairs(&[("a.b", "1")])).unwrap(); // replaces leaf a: 4
        results.set(pairs(&[("a.b.c", "12")])).unwrap(); // replaces leaf a.b: 7
        results.set(pairs(&[("x", "1234567")])).unwrap(); // 15
        assert_eq!(
            results.set(pairs(&[("y", "1")])),
            Err(SetError::TooLarge {
                max: 16,
                would_be: 17
            })
        );
        // A leaf replacing the map a (a.b.c, 7 bytes) makes room for y.
        results.set(pairs(&[("a", "1"), ("y", "1")])).unwrap(); // 12
        assert_eq!(
            results.set(pairs(&[("z", "12345")])),
            Err(SetError::TooLarge {
                max: 16,
                would_be: 18
            })
        );
        assert_eq!(
            Value::Object(results.into_map()),
            json!({"a": "1", "x": "1234567", "y": "1"})
        );
    }
}
