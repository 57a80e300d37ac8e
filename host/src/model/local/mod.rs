//! The local model: a charm author's Juju model on this machine, kept in
//! the state directory (`model.db`, SQLite as the task store is: WAL,
//! transactions, so it survives processes and a kill -9, and several
//! processes share it).
//!
//! It holds what Juju's controller holds for a model: applications (the
//! charm each runs, its config values, which unit leads, its status),
//! units (workload status and version, their own state, open ports),
//! relations (each side's application and endpoint, and every databag),
//! secrets (owner, labels, revisions, grants, what each reader tracks) and
//! the debug log of `juju-log` lines.
//!
//! - [`LocalModel`]: the state directory's model. `charmbox run` records
//!   the units it runs on ([`LocalModel::record_units`]) and gives each
//!   run a [`LocalModelBackend`] ([`LocalModel::backend`]); the operator's
//!   commands (`config`, `set-leader`, `integrate`, `add-secret`, …) and
//!   views (`status`, `show-unit`) are in [`operator`] and [`views`].
//! - [`backend`]: a run's model, with Juju's rules; [`pending`]: what a run
//!   commits when it succeeds.
//! - [`records`], [`relations`], [`secrets`]: the rows; [`schema`]: the
//!   tables; [`db`]: the database and its connections; [`clock`]: times
//!   as Juju reads them for secrets; [`standin`]: a remote application
//!   the operator describes.

pub mod backend;
mod clock;
mod db;
pub mod operator;
mod pending;
pub mod records;
pub mod relations;
mod schema;
pub mod secrets;
pub mod standin;
pub mod views;

use std::path::Path;
use std::sync::Arc;

pub use backend::LocalModelBackend;
pub use db::{LocalModelError, LocalResult, MODEL_DATABASE_FILE};
pub(crate) use records::Rows;

use super::{EventInfo, ModelIdentity};
use crate::charm::config::ConfigOptions;
use crate::charm::endpoints::{RelationEndpoint, RelationEndpoints, RelationRole};
use crate::charm::Charm;
use crate::unit::UnitName;
use db::ModelDb;
use relations::EndpointRecord;

/// What a unit's runs need of its charm: its config options (for their
/// defaults) and its relation endpoints. Made once per operation.
#[derive(Debug, Clone, Default)]
pub struct CharmModel {
    /// The config options.
    pub config: ConfigOptions,
    /// The relation endpoints.
    pub endpoints: RelationEndpoints,
}

impl CharmModel {
    /// What `charm` declares (nothing, for a bare component).
    pub fn of(charm: &Charm) -> Self {
        match &charm.metadata {
            Some(metadata) => Self {
                config: metadata.config.clone(),
                endpoints: metadata.endpoints.clone(),
            },
            None => Self::default(),
        }
    }
}

/// A local model: the state directory's, or one in memory.
#[derive(Clone)]
pub struct LocalModel {
    db: Arc<ModelDb>,
    identity: ModelIdentity,
}

impl std::fmt::Debug for LocalModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalModel")
            .field("path", &self.db.path())
            .field("identity", &self.identity)
            .finish()
    }
}

impl LocalModel {
    /// Opens the model of `state_dir` (creating it on first use).
    pub fn open(state_dir: &Path) -> LocalResult<Self> {
        let identity = ModelIdentity::of_state_dir(state_dir).map_err(LocalModelError::Identity)?;
        let db = ModelDb::open(&state_dir.join(MODEL_DATABASE_FILE))?;
        Ok(Self {
            db: Arc::new(db),
            identity,
        })
    }

    /// A new, empty model in memory, kept by nothing (the testing API's).
    pub fn in_memory(identity: ModelIdentity) -> LocalResult<Self> {
        Ok(Self {
            db: Arc::new(ModelDb::in_memory()?),
            identity,
        })
    }

    /// The model's name and UUID.
    pub fn identity(&self) -> &ModelIdentity {
        &self.identity
    }

    /// The database file (`:memory:` for a model in memory).
    pub fn path(&self) -> &Path {
        self.db.path()
    }

    /// Records that `units` (all of one application) run the charm at
    /// `charm_path`, declaring `charm`: the application is made on its
    /// first unit's first run (that unit leading it), now runs that charm,
    /// and has a peer relation on each of the charm's peer endpoints, as
    /// Juju makes them when it deploys a charm.
    pub fn record_units(
        &self,
        application: &str,
        charm_path: &Path,
        charm_name: &str,
        charm: &CharmModel,
        units: &[&UnitName],
    ) -> LocalResult<()> {
        // Most runs are of units the model has already: a read tells, and
        // spares every process of an operation the write lock.
        let recorded = self.read(|rows| {
            let Some(app) = rows.application(application)? else {
                return Ok(false);
            };
            if app.charm.as_deref() != Some(charm_path)
                || app.charm_name != charm_name
                || app.leader.is_none()
            {
                return Ok(false);
            }
            let known: std::collections::HashSet<UnitName> = rows
                .units(application)?
                .into_iter()
                .map(|u| u.name)
                .collect();
            if !units.iter().all(|u| known.contains(*u)) {
                return Ok(false);
            }
            Ok(missing_peers(rows, application, charm)?.is_empty())
        })?;
        if recorded {
            return Ok(());
        }
        self.db.write(|tx| {
            let rows = Rows::new(tx, self.db.path());
            rows.record_units(application, charm_path, charm_name, units)?;
            for peer in missing_peers(&rows, application, charm)? {
                rows.add_relation(&[EndpointRecord {
                    application: application.to_owned(),
                    endpoint: peer.name.clone(),
                    role: RelationRole::Peer,
                    interface: peer.interface.clone(),
                }])?;
            }
            Ok(())
        })
    }

    /// The model of one run of `unit`, whose charm declares `charm`, for
    /// `event` (its relation prefixes `juju-log` lines). It opens nothing
    /// until the run's first model call.
    pub fn backend(
        &self,
        unit: &UnitName,
        charm: &Arc<CharmModel>,
        event: &EventInfo,
    ) -> LocalModelBackend {
        LocalModelBackend::new(
            Arc::clone(&self.db),
            unit,
            &self.identity.uuid,
            Arc::clone(charm),
            event.relation.as_ref(),
            // Only a `-relation-departed` event names a departing unit.
            event
                .departing_unit
                .as_ref()
                .and(event.relation.as_ref())
                .zip(event.remote_unit.clone())
                .map(|(relation, unit)| (relation.id, unit)),
        )
    }

    /// Reads the model with `read`.
    pub(crate) fn read<T>(&self, read: impl FnOnce(&Rows<'_>) -> LocalResult<T>) -> LocalResult<T> {
        self.db.read(|conn| read(&Rows::new(conn, self.db.path())))
    }

    /// Changes the model with `write`, in one IMMEDIATE transaction.
    pub(crate) fn write<T>(
        &self,
        write: impl FnOnce(&Rows<'_>) -> LocalResult<T>,
    ) -> LocalResult<T> {
        self.db.write(|tx| write(&Rows::new(tx, self.db.path())))
    }
}

/// The charm's peer endpoints `application` has no peer relation on yet.
fn missing_peers<'c>(
    rows: &Rows<'_>,
    application: &str,
    charm: &'c CharmModel,
) -> LocalResult<Vec<&'c RelationEndpoint>> {
    let relations = rows.relations_of(application)?;
    Ok(charm
        .endpoints
        .iter()
        .filter(|e| e.role == RelationRole::Peer)
        .filter(|peer| {
            !relations.iter().any(|r| {
                r.is_peer() && r.side(application).is_some_and(|s| s.endpoint == peer.name)
            })
        })
        .collect())
}

#[cfg(test)]
mod tests;
