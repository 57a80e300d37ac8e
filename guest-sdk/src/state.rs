//! The unit's own state (`state-get`, `state-set`, `state-delete`): keys to
//! strings that Juju keeps for the unit between hooks and across the
//! machines or pods it runs on, read and written as typed values.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::bindings::state as host;
use crate::model::refused;
use crate::values::{decode_map, decode_value, encode_map, encode_value};
use crate::{anyhow, Model, Result};

impl Model {
    /// This unit's state: what `ops` keeps in `StoredState` (with Juju's
    /// storage), as keys to values.
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// let state = model.state();
    /// let runs: u32 = state.get("runs")?.unwrap_or(0);
    /// state.set("runs", &(runs + 1))?;
    /// # Ok(()) }
    /// ```
    pub fn state(&self) -> State {
        State { _private: () }
    }
}

/// This unit's state, kept by Juju between hooks: keys to strings, read and
/// written as typed values by the SDK's [rule for string
/// maps](crate#values-in-databags-state-and-secrets) (a string as it is, a
/// number or a boolean as its text, anything else as JSON; `None` is no
/// value).
///
/// Under Juju a hook's state changes are kept only when the hook succeeds.
///
/// Get it with [`Model::state`].
///
/// ```no_run
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Default, Serialize, Deserialize)]
/// #[serde(default, rename_all = "kebab-case")]
/// struct Stored {
///     installed_version: Option<String>,
///     restarts: u32,
/// }
///
/// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
/// let state = model.state();
/// let mut stored: Stored = state.load()?;
/// stored.restarts += 1;
/// state.save(&stored)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct State {
    _private: (),
}

impl State {
    /// The value at `key` as a `T` (`String` for the text as it is), or
    /// `None` when there is none (`state-get KEY`).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// let version: Option<String> = model.state().get("installed-version")?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the value does not fit `T`; the message names the key.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let text = host::state_get(key).map_err(refused(format_args!(
            "read key {key:?} of this unit's state"
        )))?;
        text.map(|text| decode_value(&text))
            .transpose()
            .map_err(|e| anyhow!("key {key:?} of this unit's state: {e}"))
    }

    /// Sets `key` to `value` (`state-set`); `None` removes the key.
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// model.state().set("installed-version", "16.4")?;
    /// model.state().set("ports", &[5432, 5433])?; // kept as "[5432,5433]"
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the key is empty, the pair is too large, or `value` cannot be
    /// serialised.
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        let doing = || format!("set key {key:?} of this unit's state");
        match encode_value(value).map_err(|e| anyhow!("cannot {}: {e}", doing()))? {
            Some(text) => host::state_set(&[(key.to_owned(), text)]).map_err(refused(doing())),
            None => self.remove(key),
        }
    }

    /// Removes `key` (`state-delete`); removing an absent key does nothing.
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// model.state().remove("pending-restart")?;
    /// # Ok(()) }
    /// ```
    pub fn remove(&self, key: &str) -> Result<()> {
        host::state_delete(key).map_err(refused(format_args!(
            "remove key {key:?} of this unit's state"
        )))
    }

    /// Every key and value (`state-get`).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// for (key, value) in model.state().get_all()? {
    ///     log::debug!("{key}={value}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_all(&self) -> Result<BTreeMap<String, String>> {
        let pairs = host::state_list().map_err(refused("read this unit's state"))?;
        Ok(pairs.into_iter().collect())
    }

    /// The whole state as a `T`: a struct with a field per key (with
    /// `#[serde(default)]`, so a new unit's empty state fits), or a map.
    ///
    /// ```no_run
    /// use std::collections::BTreeMap;
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// let counters: BTreeMap<String, u64> = model.state().load()?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the state does not fit `T`; the message names the key.
    pub fn load<T: DeserializeOwned>(&self) -> Result<T> {
        decode_map(&self.get_all()?).map_err(|e| {
            if e.path.is_empty() {
                anyhow!("this unit's state: {}", e.reason)
            } else {
                anyhow!("key {:?} of this unit's state: {}", e.path, e.reason)
            }
        })
    }

    /// Writes every entry of `values`, a struct or a map: its values in
    /// one `state-set` (all or nothing), then a `state-delete` for each
    /// `None`. Keys `values` does not have are left as they are.
    ///
    /// ```no_run
    /// use std::collections::BTreeMap;
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// model.state().save(&BTreeMap::from([("a", 1), ("b", 2)]))?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If `values` is not a struct or a map, a key is empty, or the values
    /// are too large.
    pub fn save<T: Serialize + ?Sized>(&self, values: &T) -> Result<()> {
        let entries =
            encode_map(values).map_err(|e| anyhow!("cannot save this unit's state: {e}"))?;
        let (set, removed): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(_, t)| t.is_some());
        let set: Vec<(String, String)> = set
            .into_iter()
            .filter_map(|(key, text)| Some((key, text?)))
            .collect();
        if !set.is_empty() {
            host::state_set(&set).map_err(refused("save this unit's state"))?;
        }
        for (key, _) in removed {
            self.remove(&key)?;
        }
        Ok(())
    }
}
