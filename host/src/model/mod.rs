//! The Juju model as a charm's code sees it (contract 0.2.0): its
//! configuration, leadership and status, the debug log, the unit's own
//! state, relations and their databags, secrets and ports.
//!
//! Where it lives is a [`ModelBackend`]: the local model on this machine,
//! or Juju's own hook tools on a unit. What a guest sends is checked first, the same
//! way whichever backend is in use, by the run's [`ModelContext`]: bounds
//! on calls and sizes, and the event it runs for (`context.event`,
//! `context.defer`). The rules Juju itself enforces (leadership gates a
//! relation's application bag, a secret's revisions and who tracks which)
//! are the backend's: Juju's tools enforce them under Juju, the local model
//! enforces them the same way.

mod context;
mod identity;
pub mod local;
mod types;

pub use context::{ModelContext, ModelLimits, ModelRecord, UnitContext};
pub use identity::{ModelIdentity, LOCAL_JUJU_VERSION, LOCAL_MODEL_NAME};
pub use types::{
    Bag, EventInfo, LogLevel, PortRange, Protocol, ReadMode, Relation, RelationError, RelationId,
    RotatePolicy, SecretInfo, SecretOptions, SecretOwner, SecretRef, Status, StatusInfo,
    StatusTarget,
};

use crate::action::BackendError;

/// Why a model call did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// Juju refused it (this unit is not the leader, no such relation, …):
    /// the guest gets the message, and may carry on.
    #[error("{0}")]
    Refused(String),
    /// The backend itself failed (a hook tool missing, hung, or printing
    /// nonsense): the guest gets the message, and the run fails.
    #[error(transparent)]
    Failed(#[from] BackendError),
}

/// The result of a model call.
pub type ModelResult<T> = Result<T, ModelError>;

/// Where a run's model lives, and what carries its changes: one method per
/// hook tool, as Juju names them. Calls arrive checked by [`ModelContext`]
/// against its bounds; Juju's own rules are the backend's to keep.
pub trait ModelBackend: Send + 'static {
    /// Every option that has a value (set, or its default), by name
    /// (`config-get`).
    fn config_get(&mut self) -> ModelResult<serde_json::Map<String, serde_json::Value>>;

    /// Whether this unit leads its application now (`is-leader`).
    fn is_leader(&mut self) -> ModelResult<bool>;
    /// Sets the unit's or (leader only) the application's status
    /// (`status-set`).
    fn status_set(&mut self, target: StatusTarget, status: StatusInfo) -> ModelResult<()>;
    /// The unit's or (leader only) the application's status (`status-get`).
    fn status_get(&mut self, target: StatusTarget) -> ModelResult<StatusInfo>;
    /// The workload's version (`application-version-set`).
    fn application_version_set(&mut self, version: &str) -> ModelResult<()>;

    /// A line of the model's debug log (`juju-log`).
    fn juju_log(&mut self, level: LogLevel, message: &str) -> ModelResult<()>;

    /// The unit's state at `key` (`state-get KEY`).
    fn state_get(&mut self, key: &str) -> ModelResult<Option<String>>;
    /// All of the unit's state (`state-get`).
    fn state_list(&mut self) -> ModelResult<Bag>;
    /// Sets each pair, all or nothing (`state-set`).
    fn state_set(&mut self, pairs: &[(String, String)]) -> ModelResult<()>;
    /// Removes a key (`state-delete`); an absent key is not an error.
    fn state_delete(&mut self, key: &str) -> ModelResult<()>;

    /// The relations on one of the charm's endpoints (`relation-ids`).
    fn relation_ids(&mut self, endpoint: &str) -> ModelResult<Vec<Relation>>;
    /// The remote units now in a relation (`relation-list -r ID`).
    fn relation_list(&mut self, relation: RelationId) -> ModelResult<Vec<String>>;
    /// The remote application of a relation (`relation-list -r ID --app`).
    fn relation_app(&mut self, relation: RelationId) -> ModelResult<String>;
    /// A member's databag (`relation-get -r ID - MEMBER [--app]`).
    fn relation_get(&mut self, relation: RelationId, member: &str, app: bool) -> ModelResult<Bag>;
    /// Writes this unit's or (leader only) this application's databag; an
    /// empty value deletes its key (`relation-set -r ID [--app]`).
    fn relation_set(
        &mut self,
        relation: RelationId,
        app: bool,
        pairs: &[(String, String)],
    ) -> ModelResult<()>;

    /// A secret's content (`secret-get`).
    fn secret_get(
        &mut self,
        secret: &SecretRef,
        mode: ReadMode,
        label: Option<&str>,
    ) -> ModelResult<Bag>;
    /// A new secret; its URI (`secret-add`).
    fn secret_add(
        &mut self,
        content: &Bag,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> ModelResult<String>;
    /// A new revision, and new options (`secret-set`).
    fn secret_set(
        &mut self,
        secret: &SecretRef,
        content: Option<&Bag>,
        options: &SecretOptions,
    ) -> ModelResult<()>;
    /// The secrets this unit or its application owns (`secret-ids`).
    fn secret_ids(&mut self) -> ModelResult<Vec<String>>;
    /// A secret's metadata, for its owner (`secret-info-get`).
    fn secret_info_get(&mut self, secret: &SecretRef) -> ModelResult<SecretInfo>;
    /// Lets a relation's remote application, or one of its units, read a
    /// secret (`secret-grant`).
    fn secret_grant(
        &mut self,
        secret: &SecretRef,
        relation: RelationId,
        unit: Option<&str>,
    ) -> ModelResult<()>;
    /// Takes that back (`secret-revoke`).
    fn secret_revoke(
        &mut self,
        secret: &SecretRef,
        relation: RelationId,
        unit: Option<&str>,
    ) -> ModelResult<()>;
    /// Removes one revision, or with `None` the whole secret
    /// (`secret-remove`).
    fn secret_remove(&mut self, secret: &SecretRef, revision: Option<u32>) -> ModelResult<()>;

    /// Opens a port or range (`open-port`).
    fn open_port(&mut self, ports: PortRange) -> ModelResult<()>;
    /// Closes one (`close-port`).
    fn close_port(&mut self, ports: PortRange) -> ModelResult<()>;
    /// The unit's open ports (`opened-ports`).
    fn opened_ports(&mut self) -> ModelResult<Vec<PortRange>>;

    /// The run has ended; `committed` says whether its changes stand (the
    /// handler did not error, trap or time out), as Juju commits a hook's
    /// relation, state and secret changes only when it succeeds. A backend
    /// whose every call took effect at once (Juju's tools, which Juju
    /// itself commits) has nothing to do.
    fn finish(&mut self, committed: bool) -> Result<(), BackendError> {
        let _ = committed;
        Ok(())
    }
}

/// A model for a run that has none: every call is refused, saying so. A
/// charm built against contract 0.1.0 cannot make the calls at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoModel;

macro_rules! refuse_all {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $out:ty;)*) => {
        $(fn $name(&mut self, $($arg: $ty),*) -> ModelResult<$out> {
            $(let _ = $arg;)*
            Err(ModelError::Refused(format!(
                "{} is not available: this run was given no model",
                stringify!($name).replace('_', "-")
            )))
        })*
    };
}

#[cfg(test)]
pub(crate) use refuse_all;

impl ModelBackend for NoModel {
    refuse_all! {
        config_get() -> serde_json::Map<String, serde_json::Value>;
        is_leader() -> bool;
        status_set(target: StatusTarget, status: StatusInfo) -> ();
        status_get(target: StatusTarget) -> StatusInfo;
        application_version_set(version: &str) -> ();
        juju_log(level: LogLevel, message: &str) -> ();
        state_get(key: &str) -> Option<String>;
        state_list() -> Bag;
        state_set(pairs: &[(String, String)]) -> ();
        state_delete(key: &str) -> ();
        relation_ids(endpoint: &str) -> Vec<Relation>;
        relation_list(relation: RelationId) -> Vec<String>;
        relation_app(relation: RelationId) -> String;
        relation_get(relation: RelationId, member: &str, app: bool) -> Bag;
        relation_set(relation: RelationId, app: bool, pairs: &[(String, String)]) -> ();
        secret_get(secret: &SecretRef, mode: ReadMode, label: Option<&str>) -> Bag;
        secret_add(content: &Bag, options: &SecretOptions, owner: SecretOwner) -> String;
        secret_set(secret: &SecretRef, content: Option<&Bag>, options: &SecretOptions) -> ();
        secret_ids() -> Vec<String>;
        secret_info_get(secret: &SecretRef) -> SecretInfo;
        secret_grant(secret: &SecretRef, relation: RelationId, unit: Option<&str>) -> ();
        secret_revoke(secret: &SecretRef, relation: RelationId, unit: Option<&str>) -> ();
        secret_remove(secret: &SecretRef, revision: Option<u32>) -> ();
        open_port(ports: PortRange) -> ();
        close_port(ports: PortRange) -> ();
        opened_ports() -> Vec<PortRange>;
    }
}
