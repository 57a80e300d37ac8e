//! The results an action sets: a nested map of strings, filled by
//! `action-set` calls that are validated all-or-nothing and bounded.

use std::ops::Bound;

use serde_json::{Map, Value};

use super::keys::{validate_result_key, KeyError};
use super::params::insert_at;

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

/// One step of a [`Results::set`] call, as it is undone.
enum Undo {
    /// Put back a leaf the call replaced, with its size.
    Restore(String, usize),
    /// Take out the leaf of the call's pair at this index.
    Remove(usize),
}

/// Results collected during one action run.
#[derive(Debug, Clone, Default)]
pub struct Results {
    tree: Map<String, Value>,
    /// Flat view of what is stored, for counting keys and bytes exactly as
    /// overwrites happen.
    leaves: std::collections::BTreeMap<String, usize>,
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
    pub fn set(&mut self, pairs: &[(String, String)]) -> Result<(), SetError> {
        for (key, _) in pairs {
            validate_result_key(key)?;
        }
        // Account in place, keeping what each step replaced so a refused
        // call can be undone (cheaper than copying every leaf per call).
        let bytes_before = self.bytes;
        let mut undo: Vec<Undo> = Vec::new();
        for (index, (key, value)) in pairs.iter().enumerate() {
            // A key that becomes a map, or a map that becomes a leaf, drops
            // what was under or above it; account for that exactly.
            for dropped in self.overlapping(key) {
                let size = self.leaves.remove(&dropped).unwrap_or(0);
                self.bytes -= size;
                undo.push(Undo::Restore(dropped, size));
            }
            let size = key.len() + value.len();
            self.leaves.insert(key.clone(), size);
            self.bytes += size;
            undo.push(Undo::Remove(index));
        }
        let refused = if self.leaves.len() > self.limits.max_keys {
            Some(SetError::TooManyKeys {
                max: self.limits.max_keys,
                would_be: self.leaves.len(),
            })
        } else if self.bytes > self.limits.max_bytes {
            Some(SetError::TooLarge {
                max: self.limits.max_bytes,
                would_be: self.bytes,
            })
        } else {
            None
        };
        if let Some(error) = refused {
            for step in undo.into_iter().rev() {
                match step {
                    Undo::Restore(key, size) => self.leaves.insert(key, size),
                    Undo::Remove(index) => self.leaves.remove(&pairs[index].0),
                };
            }
            self.bytes = bytes_before;
            return Err(error);
        }
        for (key, value) in pairs {
            insert_at(&mut self.tree, key, Value::String(value.clone()));
        }
        Ok(())
    }

    /// The stored leaves `key` replaces: itself, those under it (`key.*`)
    /// and those above it (a leaf at a prefix of `key`).
    fn overlapping(&self, key: &str) -> Vec<String> {
        let mut found = Vec::new();
        if self.leaves.is_empty() {
            // The first call of a run: nothing to replace.
            return found;
        }
        if self.leaves.contains_key(key) {
            found.push(key.to_owned());
        }
        // Keys starting with `key` sort together right after it; of those,
        // the ones under it go on with a dot.
        let after = (Bound::Excluded(key), Bound::Unbounded);
        found.extend(
            self.leaves
                .range::<str, _>(after)
                .map(|(k, _)| k)
                .take_while(|k| k.starts_with(key))
                .filter(|k| k.as_bytes()[key.len()] == b'.')
                .cloned(),
        );
        for (at, _) in key.match_indices('.') {
            let above = &key[..at];
            if self.leaves.contains_key(above) {
                found.push(above.to_owned());
            }
        }
        found
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
    fn dotted_keys_nest_and_later_values_overwrite() {
        let mut results = Results::default();
        results
            .set(&pairs(&[("outfile.name", "x"), ("outfile.size", "3")]))
            .unwrap();
        results
            .set(&pairs(&[("outfile.size", "4"), ("done", "yes")]))
            .unwrap();
        assert_eq!(
            Value::Object(results.into_map()),
            json!({"outfile": {"name": "x", "size": "4"}, "done": "yes"})
        );
    }

    #[test]
    fn one_bad_key_stores_nothing_from_the_call() {
        let mut results = Results::default();
        results.set(&pairs(&[("kept", "1")])).unwrap();
        let err = results
            .set(&pairs(&[("fine", "1"), ("Not-Fine", "2")]))
            .unwrap_err();
        assert!(matches!(err, SetError::Key(KeyError::Syntax { ref key }) if key == "Not-Fine"));
        let err = results
            .set(&pairs(&[("a", "1"), ("stdout", "2")]))
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
        results.set(&pairs(&[("a", "1"), ("b", "2")])).unwrap();
        // Overwriting does not add a key.
        results.set(&pairs(&[("a", "3")])).unwrap();
        let err = results.set(&pairs(&[("c", "3")])).unwrap_err();
        assert_eq!(
            err,
            SetError::TooManyKeys {
                max: 2,
                would_be: 3
            }
        );
        let err = results
            .set(&pairs(&[("a", "0123456789abcdefghij")]))
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
        results.set(&pairs(&[("a.x", "1"), ("a.y", "2")])).unwrap();
        // Replaces a.x and a.y with a leaf, then adds three more: refused.
        let err = results
            .set(&pairs(&[("a", "flat"), ("b", "1"), ("c", "1"), ("d", "1")]))
            .unwrap_err();
        assert_eq!(
            err,
            SetError::TooManyKeys {
                max: 3,
                would_be: 4
            }
        );
        // Still a.x and a.y: one more key fits, two do not.
        results.set(&pairs(&[("b", "1")])).unwrap();
        assert!(results.set(&pairs(&[("c", "1")])).is_err());
        // A leaf above, and keys that share a prefix but are not under it.
        results.set(&pairs(&[("a.x.deep", "1")])).unwrap();
        results.set(&pairs(&[("a-x", "1")])).unwrap_err();
        assert_eq!(
            Value::Object(results.into_map()),
            json!({"a": {"x": {"deep": "1"}, "y": "2"}, "b": "1"})
        );
    }

    #[test]
    fn a_leaf_replaces_only_the_keys_under_it() {
        let mut results = Results::default();
        results
            .set(&pairs(&[
                ("a-b", "1"),
                ("a.b.c", "2"),
                ("ab", "3"),
                ("a0", "4"),
            ]))
            .unwrap();
        results.set(&pairs(&[("a", "flat")])).unwrap();
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
        results.set(&pairs(&[("a.x", "1"), ("a.y", "2")])).unwrap();
        results.set(&pairs(&[("a", "flat")])).unwrap();
        results.set(&pairs(&[("b", "1")])).unwrap();
        assert_eq!(
            Value::Object(results.into_map()),
            json!({"a": "flat", "b": "1"})
        );
    }
}
