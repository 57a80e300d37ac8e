//! The [`Action`] handle given to each action handler: its params, results
//! and log, and the way to the rest of the model ([`Action::model`]).

use std::cell::OnceCell;

use crate::bindings::action as host;
use crate::flatten::flatten;
use crate::json::from_json;
use crate::Model;
use anyhow::{anyhow, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The running action, as its handler sees it: its identity, its params, and
/// the hook tools to log progress, set results and fail; and, through
/// [`model`](Self::model), everything else Juju gives a charm.
///
/// The SDK builds one for each invocation and passes it to the handler named
/// in [`charm!`](crate::charm); authors never construct it.
///
/// ```no_run
/// use charmbox_sdk::{Action, Result};
///
/// fn ping(action: &Action) -> Result<()> {
///     action.log(format!("{} on {}", action.name(), action.unit()));
///     action.set_result("pong", true)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Action {
    export_name: &'static str,
    // Read from the environment on first use: most runs never ask, and the
    // guest's first environment read copies the whole environment in from
    // the host (a noticeable part of a small action's run).
    identity: OnceCell<Identity>,
    // Made on first use, so an action that never asks pays nothing.
    model: OnceCell<Model>,
}

#[derive(Debug, Clone)]
struct Identity {
    name: String,
    id: String,
    unit: String,
}

impl Action {
    /// The handle for a call of the export `export_name`, which stands in
    /// for the action name if `JUJU_ACTION_NAME` is unset.
    pub(crate) fn new(export_name: &'static str) -> Self {
        Action {
            export_name,
            identity: OnceCell::new(),
            model: OnceCell::new(),
        }
    }

    /// The Juju model this action runs in: config, this unit and its
    /// application (leadership, status, ports, secrets they own), relations
    /// and their databags, secrets, the unit's state, and the event.
    ///
    /// ```no_run
    /// use charmbox_sdk::{Action, Result, Status};
    ///
    /// fn restart(action: &Action) -> Result<()> {
    ///     let model = action.model();
    ///     model.unit().set_status(Status::Maintenance("restarting"))?;
    ///     // ...
    ///     model.unit().set_status(Status::Active(""))
    /// }
    /// # fn main() {}
    /// ```
    pub fn model(&self) -> &Model {
        self.model.get_or_init(Model::new)
    }

    fn identity(&self) -> &Identity {
        self.identity.get_or_init(|| {
            let var = |key: &str| std::env::var(key).unwrap_or_default();
            Identity {
                name: std::env::var("JUJU_ACTION_NAME")
                    .unwrap_or_else(|_| self.export_name.to_owned()),
                id: var("JUJU_ACTION_UUID"),
                unit: var("JUJU_UNIT_NAME"),
            }
        })
    }

    /// The action's name as the operator invoked it, e.g. `snapshot-database`
    /// (from `JUJU_ACTION_NAME`).
    ///
    /// ```no_run
    /// # fn f(action: &charmbox_sdk::Action) {
    /// assert_eq!(action.name(), "snapshot-database");
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.identity().name
    }

    /// The id of this run of the action (from `JUJU_ACTION_UUID`); empty if
    /// the host did not set one.
    ///
    /// ```no_run
    /// # fn f(action: &charmbox_sdk::Action) {
    /// log::info!("task {}", action.id());
    /// # }
    /// ```
    pub fn id(&self) -> &str {
        &self.identity().id
    }

    /// The unit the action runs on, e.g. `db/0` (from `JUJU_UNIT_NAME`); empty
    /// if the host did not set one.
    /// When set, the same as the name of [`Model::unit`].
    ///
    /// ```no_run
    /// # fn f(action: &charmbox_sdk::Action) {
    /// assert_eq!(action.unit(), action.model().unit().name());
    /// # }
    /// ```
    pub fn unit(&self) -> &str {
        &self.identity().unit
    }

    /// All params the action was invoked with, deserialised into `T`.
    ///
    /// `T` is typically a `#[derive(Deserialize)]` struct; give optional
    /// params `#[serde(default)]` so the handler does not depend on the host
    /// filling in the schema's defaults. Use [`serde_json::Value`] to get the
    /// raw map. With no params the map is empty (`{}`), never null.
    ///
    /// # Errors
    /// If the params do not fit `T`; the message names the action, the path
    /// of the offending value and serde's reason, e.g.
    /// ``params of action "greet": style.uppercase: invalid type: string "yes", expected a boolean``.
    ///
    /// ```no_run
    /// use serde::Deserialize;
    ///
    /// #[derive(Deserialize)]
    /// struct Params { filename: String, #[serde(default)] compress: bool }
    ///
    /// # fn f(action: &charmbox_sdk::Action) -> charmbox_sdk::Result<()> {
    /// let params: Params = action.params()?;
    /// # Ok(()) }
    /// ```
    pub fn params<T: DeserializeOwned>(&self) -> Result<T> {
        decode_params(host::action_get(None).as_deref())
            .map_err(|e| anyhow!("params of action {:?}: {e}", self.name()))
    }

    /// The param at a dotted `path` (e.g. `style.uppercase`), deserialised
    /// into `T`; `Ok(None)` if it is absent, or if the path descends into
    /// something that is not a map.
    ///
    /// # Errors
    /// If the value does not fit `T`; the message names the action and path.
    ///
    /// ```no_run
    /// # fn f(action: &charmbox_sdk::Action) -> charmbox_sdk::Result<()> {
    /// let uppercase = action.param::<bool>("style.uppercase")?.unwrap_or(false);
    /// # Ok(()) }
    /// ```
    pub fn param<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>> {
        decode_param(host::action_get(Some(path)).as_deref())
            .map_err(|e| anyhow!("param {path:?} of action {:?}: {e}", self.name()))
    }

    /// Logs a progress message for the operator (Juju's `action-log`). It is
    /// shown as it happens and kept in the task's log.
    ///
    /// ```no_run
    /// # fn f(action: &charmbox_sdk::Action) {
    /// action.log("copying 3 files");
    /// # }
    /// ```
    pub fn log(&self, message: impl AsRef<str>) {
        host::action_log(message.as_ref());
    }

    /// Sets results from any serialisable map, e.g. a `#[derive(Serialize)]`
    /// struct, a `HashMap` or `serde_json::json!({...})`.
    ///
    /// Nested maps become dotted keys as in Python `ops`: `{"a": {"b": 1}}`
    /// sets `a.b` to `"1"`. Every value is stored as a string: strings as
    /// they are, numbers and booleans in their usual text form, lists and
    /// `null` as JSON text. An empty nested map sets nothing. All pairs go to
    /// the host in one `action-set` call, so either all are stored or none;
    /// later calls add to earlier results, overwriting equal keys.
    ///
    /// Each dot-separated key segment must start and end with a lowercase
    /// letter or digit and hold only lowercase letters, digits and hyphens;
    /// `stdout`, `stdout-encoding`, `stderr` and `stderr-encoding` are
    /// reserved.
    ///
    /// # Errors
    /// If `results` does not serialise to a map, if two entries flatten to
    /// the same dotted key (`{"a": {"b": 1}, "a.b": 2}`; the error names the
    /// key), or if the host refuses a key (the error carries its message).
    ///
    /// ```no_run
    /// use serde::Serialize;
    ///
    /// #[derive(Serialize)]
    /// struct Snapshot { filename: String, size: u64 }
    ///
    /// # fn f(action: &charmbox_sdk::Action) -> charmbox_sdk::Result<()> {
    /// // Sets `snapshot.filename` and `snapshot.size`.
    /// action.set_results(&serde_json::json!({
    ///     "snapshot": Snapshot { filename: "db.snap".into(), size: 3 },
    /// }))?;
    /// # Ok(()) }
    /// ```
    pub fn set_results<T: Serialize + ?Sized>(&self, results: &T) -> Result<()> {
        let pairs = flatten(results)
            .map_err(|e| anyhow!("cannot set results of action {:?}: {e}", self.name()))?;
        if pairs.is_empty() {
            return Ok(());
        }
        self.action_set(&pairs)
    }

    /// Sets one result; `key` may be dotted (`snapshot.filename`). The rules
    /// for keys are those of [`set_results`](Self::set_results).
    ///
    /// # Errors
    /// If the host refuses the key; the error carries its message.
    ///
    /// ```no_run
    /// # fn f(action: &charmbox_sdk::Action) -> charmbox_sdk::Result<()> {
    /// action.set_result("snapshot.filename", "db.snap")?;
    /// # Ok(()) }
    /// ```
    pub fn set_result(&self, key: &str, value: impl ToString) -> Result<()> {
        self.action_set(&[(key.to_owned(), value.to_string())])
    }

    /// Marks the action failed with `message` (Juju's `action-fail`).
    ///
    /// As in Juju and `ops`, this does **not** stop the handler: code after
    /// it runs, results set before and after are kept, and a later call
    /// replaces the message. Return after calling it if there is nothing more
    /// to do. Returning `Err` from the handler also fails the action, with
    /// the error as the message.
    ///
    /// ```no_run
    /// # fn f(action: &charmbox_sdk::Action, filename: &str) -> charmbox_sdk::Result<()> {
    /// if !filename.ends_with(".snap") {
    ///     action.fail("not a .snap file");
    ///     return Ok(());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn fail(&self, message: impl AsRef<str>) {
        host::action_fail(message.as_ref());
    }

    fn action_set(&self, pairs: &[(String, String)]) -> Result<()> {
        host::action_set(pairs)
            .map_err(|msg| anyhow!("cannot set results of action {:?}: {msg}", self.name()))
    }
}

/// Deserialises the whole params map (`json` as `action-get` returned it).
pub(crate) fn decode_params<T: DeserializeOwned>(json: Option<&str>) -> Result<T, String> {
    from_json(json.unwrap_or("{}")).map_err(|e| e.to_string())
}

/// Deserialises the param at `path`, if there is one.
pub(crate) fn decode_param<T: DeserializeOwned>(json: Option<&str>) -> Result<Option<T>, String> {
    json.map(from_json).transpose().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::Value;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Params {
        name: String,
        #[serde(default)]
        style: Style,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default, deny_unknown_fields)]
    struct Style {
        uppercase: bool,
    }

    #[test]
    fn params_deserialise() {
        let p: Params = decode_params(Some(r#"{"name": "Ann"}"#)).unwrap();
        assert_eq!(p.name, "Ann");
        assert!(!p.style.uppercase);
        let p: Params =
            decode_params(Some(r#"{"name": "Ann", "style": {"uppercase": true}}"#)).unwrap();
        assert!(p.style.uppercase);
    }

    #[test]
    fn absent_params_map_is_empty() {
        let p: BTreeMap<String, Value> = decode_params(None).unwrap();
        assert!(p.is_empty());
    }

    #[test]
    fn params_error_names_path_and_reason_without_json_position() {
        let e = decode_params::<Params>(Some("{}")).unwrap_err();
        assert_eq!(e, "missing field `name`");
        let e = decode_params::<Params>(Some(r#"{"name": "Ann", "style": {"uppercase": "yes"}}"#))
            .unwrap_err();
        assert_eq!(
            e,
            "style.uppercase: invalid type: string \"yes\", expected a boolean"
        );
        let e = decode_params::<Params>(Some(r#"{"name": "Ann", "extra": 1}"#)).unwrap_err();
        assert!(e.contains("unknown field `extra`"), "{e}");
        assert!(!e.contains("line 1"), "{e}");
    }

    #[test]
    fn invalid_json_from_host_is_an_error() {
        for json in ["{", "{} x", ""] {
            let e = decode_params::<Value>(Some(json)).unwrap_err();
            assert!(
                e.starts_with("the host gave invalid JSON: "),
                "{json:?}: {e}"
            );
        }
    }

    #[test]
    fn param_absent_is_none() {
        assert_eq!(decode_param::<String>(None).unwrap(), None);
    }

    #[test]
    fn param_present_and_mismatched() {
        assert_eq!(decode_param::<u8>(Some("3")).unwrap(), Some(3));
        let e = decode_param::<u8>(Some("\"many\"")).unwrap_err();
        assert_eq!(e, "invalid type: string \"many\", expected u8");
    }
}
