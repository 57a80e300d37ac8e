//! The [`Event`] a handler runs for (the contract's `context.event`), typed,
//! and [`Event::defer`].

use crate::bindings::context as host;
use crate::model::refused;
use crate::{Model, Relation, RelationId, Result, Secret};

/// The event the running handler was called for, as Juju describes it
/// (the `JUJU_*` environment, typed): an action's or a hook's name and,
/// for hooks, what the event concerns.
///
/// For an action only [`name`](Self::name) and
/// [`is_action`](Self::is_action) say anything; the rest is `None`. For a
/// relation hook (`db-relation-changed`), [`relation`](Self::relation),
/// [`remote_app`](Self::remote_app) and usually
/// [`remote_unit`](Self::remote_unit) are set; for a secret hook, the
/// [`secret`](Self::secret); and so on, as `ops` sets an event's
/// attributes.
///
/// Get it with [`Model::event`].
///
/// ```no_run
/// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
/// let event = model.event();
/// if let (Some(relation), Some(unit)) = (event.relation(), event.remote_unit()) {
///     let host: Option<String> = relation.remote_unit_data(unit).get("host")?;
///     log::info!("{unit} on {relation} says host={host:?}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Event {
    model: Model,
}

/// `context.event`, in the SDK's types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EventData {
    pub name: String,
    pub is_action: bool,
    pub relation: Option<(String, RelationId)>,
    pub remote_unit: Option<String>,
    pub remote_app: Option<String>,
    pub departing_unit: Option<String>,
    pub secret_id: Option<String>,
    pub secret_label: Option<String>,
    pub secret_revision: Option<u32>,
    pub storage_id: Option<String>,
    pub workload: Option<String>,
}

impl From<host::EventInfo> for EventData {
    fn from(info: host::EventInfo) -> Self {
        EventData {
            name: info.name,
            is_action: info.is_action,
            relation: info
                .relation
                .map(|relation| (relation.endpoint, RelationId(relation.id))),
            remote_unit: info.remote_unit,
            remote_app: info.remote_app,
            departing_unit: info.departing_unit,
            secret_id: info.secret_id,
            secret_label: info.secret_label,
            secret_revision: info.secret_revision,
            storage_id: info.storage_id,
            workload: info.workload,
        }
    }
}

impl Event {
    pub(crate) fn new(model: Model) -> Self {
        Event { model }
    }

    fn data(&self) -> &EventData {
        self.model.event_data()
    }

    /// The model the event happens in.
    ///
    /// ```no_run
    /// # fn f(event: &charmbox_sdk::Event) -> charmbox_sdk::Result<()> {
    /// let leader = event.model().unit().is_leader()?;
    /// # Ok(()) }
    /// ```
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The action's or the hook's name, as exported: `get-password`,
    /// `db-relation-changed`.
    ///
    /// ```no_run
    /// # fn f(event: &charmbox_sdk::Event) {
    /// log::debug!("handling {}", event.name());
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.data().name
    }

    /// Whether the handler runs an action (else a hook).
    ///
    /// ```no_run
    /// # fn f(event: &charmbox_sdk::Event) {
    /// assert!(event.is_action()); // in an action's handler
    /// # }
    /// ```
    pub fn is_action(&self) -> bool {
        self.data().is_action
    }

    /// For a relation hook, the relation (`JUJU_RELATION`,
    /// `JUJU_RELATION_ID`).
    ///
    /// ```no_run
    /// # fn f(event: &charmbox_sdk::Event) -> charmbox_sdk::Result<()> {
    /// if let Some(relation) = event.relation() {
    ///     let units = relation.units()?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn relation(&self) -> Option<Relation> {
        let (endpoint, id) = self.data().relation.as_ref()?;
        let mut relation = Relation::new(self.model.clone(), endpoint.clone(), *id);
        if let Some(app) = &self.data().remote_app {
            relation = relation.with_remote_app(app.clone());
        }
        Some(relation)
    }

    /// For a relation hook, the remote unit it concerns, if any
    /// (`JUJU_REMOTE_UNIT`): `mysql/0`.
    ///
    /// ```no_run
    /// # fn f(event: &charmbox_sdk::Event) {
    /// if let Some(unit) = event.remote_unit() {
    ///     log::info!("{unit} changed its data");
    /// }
    /// # }
    /// ```
    pub fn remote_unit(&self) -> Option<&str> {
        self.data().remote_unit.as_deref()
    }

    /// For a relation hook, the remote application (`JUJU_REMOTE_APP`).
    ///
    /// ```no_run
    /// # fn f(event: &charmbox_sdk::Event) {
    /// let app = event.remote_app();
    /// # }
    /// ```
    pub fn remote_app(&self) -> Option<&str> {
        self.data().remote_app.as_deref()
    }

    /// For a `-relation-departed` hook, the unit leaving
    /// (`JUJU_DEPARTING_UNIT`).
    ///
    /// ```no_run
    /// # fn f(event: &charmbox_sdk::Event) {
    /// let me = event.model().unit();
    /// if event.departing_unit() == Some(me.name()) {
    ///     log::info!("this unit is leaving");
    /// }
    /// # }
    /// ```
    pub fn departing_unit(&self) -> Option<&str> {
        self.data().departing_unit.as_deref()
    }

    /// For a secret hook (`secret-changed`, `secret-rotate`…), the secret,
    /// by its URI and with its label when Juju gives one
    /// (`JUJU_SECRET_ID`, `JUJU_SECRET_LABEL`).
    ///
    /// ```no_run
    /// use charmbox_sdk::ReadMode;
    /// # fn f(event: &charmbox_sdk::Event) -> charmbox_sdk::Result<()> {
    /// if let Some(secret) = event.secret() {
    ///     // secret-changed: move on to the newest revision.
    ///     let content = secret.get_content(ReadMode::Refresh)?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn secret(&self) -> Option<Secret> {
        let data = self.data();
        match (&data.secret_id, &data.secret_label) {
            (Some(id), label) => Some(Secret::known(Some(id.clone()), label.clone())),
            (None, Some(label)) => Some(Secret::known(None, Some(label.clone()))),
            (None, None) => None,
        }
    }

    /// For a secret hook, the revision it concerns
    /// (`JUJU_SECRET_REVISION`), e.g. the one to remove in
    /// `secret-remove`.
    ///
    /// ```no_run
    /// # fn f(event: &charmbox_sdk::Event) -> charmbox_sdk::Result<()> {
    /// if let (Some(secret), Some(revision)) = (event.secret(), event.secret_revision()) {
    ///     secret.remove_revision(revision)?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn secret_revision(&self) -> Option<u32> {
        self.data().secret_revision
    }

    /// For a storage hook, the storage instance, `data/0`
    /// (`JUJU_STORAGE_ID`).
    ///
    /// ```no_run
    /// # fn f(event: &charmbox_sdk::Event) {
    /// let storage = event.storage_id();
    /// # }
    /// ```
    pub fn storage_id(&self) -> Option<&str> {
        self.data().storage_id.as_deref()
    }

    /// For a workload (Pebble) hook, the container's name
    /// (`JUJU_WORKLOAD_NAME`).
    ///
    /// ```no_run
    /// # fn f(event: &charmbox_sdk::Event) {
    /// let container = event.workload();
    /// # }
    /// ```
    pub fn workload(&self) -> Option<&str> {
        self.data().workload.as_deref()
    }

    /// Defers a hook's event: the host runs the hook again, with the same
    /// event, before the next handler on this unit, until a run of it does
    /// not defer (`event.defer()` in `ops`). The handler carries on; return
    /// when there is nothing more to do.
    ///
    /// # Errors
    /// In an action: actions cannot be deferred.
    ///
    /// ```no_run
    /// # fn f(event: &charmbox_sdk::Event) -> charmbox_sdk::Result<()> {
    /// if event.model().relation("database")?.is_none() {
    ///     // Not ready yet: try again before the next event.
    ///     event.defer()?;
    ///     return Ok(());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn defer(&self) -> Result<()> {
        host::defer().map_err(refused(format_args!("defer {:?}", self.name())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(data: EventData) -> Event {
        Model::with_context("pg/0", data).event()
    }

    #[test]
    fn an_action_s_event_has_only_its_name() {
        let e = event(EventData {
            name: "get-password".into(),
            is_action: true,
            ..EventData::default()
        });
        assert_eq!(e.name(), "get-password");
        assert!(e.is_action());
        assert!(e.relation().is_none());
        assert!(e.secret().is_none());
        assert_eq!(e.remote_unit(), None);
        assert_eq!(e.secret_revision(), None);
    }

    #[test]
    fn a_relation_hook_gives_its_relation_with_the_remote_app_known() {
        let e = event(EventData {
            name: "db-relation-departed".into(),
            relation: Some(("db".into(), RelationId(7))),
            remote_unit: Some("mysql/1".into()),
            remote_app: Some("mysql".into()),
            departing_unit: Some("mysql/1".into()),
            ..EventData::default()
        });
        let relation = e.relation().expect("a relation");
        assert_eq!(relation.to_string(), "db:7");
        // Known from the event: no relation-list call.
        assert_eq!(relation.remote_app().unwrap(), "mysql");
        assert_eq!(e.remote_unit(), Some("mysql/1"));
        assert_eq!(e.departing_unit(), Some("mysql/1"));
    }

    #[test]
    fn a_secret_hook_gives_its_secret_by_id_and_label() {
        let e = event(EventData {
            name: "secret-changed".into(),
            secret_id: Some("secret:abc".into()),
            secret_label: Some("db".into()),
            secret_revision: Some(2),
            ..EventData::default()
        });
        let secret = e.secret().expect("a secret");
        assert_eq!(
            (secret.id(), secret.label()),
            (Some("secret:abc"), Some("db"))
        );
        assert_eq!(e.secret_revision(), Some(2));

        let by_label = event(EventData {
            secret_label: Some("db".into()),
            ..EventData::default()
        });
        let secret = by_label.secret().expect("a secret");
        assert_eq!((secret.id(), secret.label()), (None, Some("db")));
    }

    #[test]
    fn storage_and_workload_hooks_say_which() {
        let e = event(EventData {
            storage_id: Some("data/0".into()),
            workload: Some("postgresql".into()),
            ..EventData::default()
        });
        assert_eq!(e.storage_id(), Some("data/0"));
        assert_eq!(e.workload(), Some("postgresql"));
    }

    #[test]
    fn the_contract_event_becomes_the_sdk_event() {
        let data = EventData::from(host::EventInfo {
            name: "db-relation-changed".into(),
            is_action: false,
            relation: Some(host::Relation {
                endpoint: "db".into(),
                id: 7,
            }),
            remote_unit: Some("mysql/1".into()),
            remote_app: Some("mysql".into()),
            departing_unit: None,
            secret_id: None,
            secret_label: None,
            secret_revision: Some(3),
            storage_id: Some("data/0".into()),
            workload: Some("pg".into()),
        });
        assert_eq!(
            data,
            EventData {
                name: "db-relation-changed".into(),
                is_action: false,
                relation: Some(("db".into(), RelationId(7))),
                remote_unit: Some("mysql/1".into()),
                remote_app: Some("mysql".into()),
                secret_revision: Some(3),
                storage_id: Some("data/0".into()),
                workload: Some("pg".into()),
                ..EventData::default()
            }
        );
    }
}
