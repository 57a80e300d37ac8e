//! The [`Model`]: the way from a handler to everything Juju gives a charm,
//! and what is read once per run (this unit's name, the model's identity,
//! the event). Each interface's methods live with their concept: config in
//! `config.rs`, relations in `relation.rs`, secrets in `secret.rs`, state in
//! `state.rs`, the debug log in `juju_log.rs`.

use std::cell::OnceCell;
use std::fmt;
use std::rc::Rc;

use crate::bindings::context as host;
use crate::event::{Event, EventData};
use crate::{App, Error, Unit};

/// The Juju model a handler runs in, as its charm sees it — what `ops` calls
/// `self.model`: this [`unit`](Self::unit) and its [`app`](Self::app), the
/// [`config`](Self::config), [`relations`](Self::relations),
/// [secrets](Self::secret_by_id), the unit's [`state`](Self::state), the
/// [`event`](Self::event) and the debug log ([`juju_log`](Self::juju_log),
/// or the `log` crate's macros).
///
/// Get it from the running handler with [`Action::model`](crate::Action::model).
/// It is a cheap handle: clones share what it has read. What cannot change
/// during a run (names, the event) is read from the host once; everything
/// else (leadership, status, databags, secrets) is asked for each time, as
/// Juju's hook tools are.
///
/// ```no_run
/// use charmbox_sdk::{Action, Result};
///
/// fn where_am_i(action: &Action) -> Result<()> {
///     let model = action.model();
///     action.set_result("unit", model.unit().name())?;
///     action.set_result("model", model.name())?;
///     action.set_result("juju", model.juju_version())
/// }
/// ```
#[derive(Clone, Default)]
pub struct Model {
    read: Rc<ReadOnce>,
}

/// What a run reads from the host at most once.
#[derive(Default)]
struct ReadOnce {
    unit_name: OnceCell<String>,
    model_name: OnceCell<String>,
    model_uuid: OnceCell<String>,
    juju_version: OnceCell<String>,
    event: OnceCell<EventData>,
}

impl Model {
    /// A handle for this run; reads nothing yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A handle whose unit name and event are already known, so tests on
    /// the host target reach no import.
    #[cfg(test)]
    pub(crate) fn with_context(unit: &str, event: EventData) -> Self {
        let model = Self::new();
        let _ = model.read.unit_name.set(unit.to_owned());
        let _ = model.read.event.set(event);
        model
    }

    /// This unit: its name, leadership, status, ports, and the secrets it
    /// owns (`self.unit` in `ops`).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// if model.unit().is_leader()? {
    ///     log::info!("{} leads", model.unit().name());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn unit(&self) -> Unit {
        Unit::new(self.clone())
    }

    /// This unit's application: its name, status and the secrets it owns
    /// (`self.app` in `ops`).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// assert_eq!(model.app().name(), "postgresql"); // on unit postgresql/0
    /// # Ok(()) }
    /// ```
    pub fn app(&self) -> App {
        App::new(self.clone())
    }

    /// The model's name (`JUJU_MODEL_NAME`).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) {
    /// log::info!("running in model {}", model.name());
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        self.read.model_name.get_or_init(host::model_name)
    }

    /// The model's UUID (`JUJU_MODEL_UUID`).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) {
    /// let uuid = model.uuid();
    /// # }
    /// ```
    pub fn uuid(&self) -> &str {
        self.read.model_uuid.get_or_init(host::model_uuid)
    }

    /// The Juju version the unit agent runs, e.g. `3.6.1` (`JUJU_VERSION`).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) {
    /// let version = model.juju_version();
    /// # }
    /// ```
    pub fn juju_version(&self) -> &str {
        self.read.juju_version.get_or_init(host::juju_version)
    }

    /// The event the running handler was called for: its name and, for a
    /// hook, what Juju says about it (the relation, the remote unit, the
    /// secret…).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) {
    /// let event = model.event();
    /// log::debug!("handling {}", event.name());
    /// # }
    /// ```
    pub fn event(&self) -> Event {
        Event::new(self.clone())
    }

    /// This unit's name, `app/0`.
    pub(crate) fn unit_name(&self) -> &str {
        self.read.unit_name.get_or_init(host::unit_name)
    }

    /// This unit's application's name: the unit name before its `/`.
    pub(crate) fn app_name(&self) -> &str {
        app_of(self.unit_name())
    }

    /// The event's data, read once.
    pub(crate) fn event_data(&self) -> &EventData {
        self.read
            .event
            .get_or_init(|| EventData::from(host::event()))
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only what has been read: formatting must not call the host.
        f.debug_struct("Model")
            .field("unit", &self.read.unit_name.get())
            .field("name", &self.read.model_name.get())
            .finish_non_exhaustive()
    }
}

/// The application of unit `unit`: `mysql` for `mysql/0`.
pub(crate) fn app_of(unit: &str) -> &str {
    unit.rsplit_once('/').map_or(unit, |(app, _)| app)
}

/// Turns the host's refusal into the author's error, saying what was being
/// done: `cannot set the application's status: this unit is not the leader`.
pub(crate) fn refused(doing: impl fmt::Display) -> impl FnOnce(String) -> Error {
    move |message| crate::anyhow!("cannot {doing}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_is_the_unit_name_before_its_number() {
        assert_eq!(app_of("mysql/0"), "mysql");
        assert_eq!(app_of("my-app/12"), "my-app");
    }

    #[test]
    fn refusals_say_what_was_being_done() {
        let e = refused("set the application's status")("this unit is not the leader".into());
        assert_eq!(
            e.to_string(),
            "cannot set the application's status: this unit is not the leader"
        );
    }

    #[test]
    fn unit_and_app_are_named_from_the_unit_name() {
        let model = Model::with_context("pg/3", EventData::default());
        assert_eq!(model.unit().name(), "pg/3");
        assert_eq!(model.app().name(), "pg");
    }

    #[test]
    fn debug_does_not_call_the_host() {
        // The host's imports panic off wasm: formatting must not reach them.
        assert_eq!(
            format!("{:?}", Model::new()),
            "Model { unit: None, name: None, .. }"
        );
    }
}
