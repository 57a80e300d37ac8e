//! [`LocalModelBackend`]: one run's model, for one unit of the local model,
//! with Juju's rules: those of the uniter's hook context (juju/juju 3.6
//! `internal/worker/uniter/runner/context/`) and of the controller behind
//! it (`apiserver/facades/agent/uniter`, `.../secretsmanager`), with the
//! words the hook tools (`internal/worker/uniter/runner/jujuc/`) print.
//!
//! - What takes effect at once, as Juju's tools apply it at once:
//!   `status-set`, `application-version-set`, `juju-log`, and what a unit
//!   tracks of a secret it reads (the controller records it as it answers).
//! - What waits for the run's end ([`super::pending`]): `relation-set`,
//!   `state-set`/`state-delete`, `secret-add`/`-set`/`-grant`/`-revoke`/
//!   `-remove`, `open-port`/`close-port`. The run's own reads see them.
//! - What is read once per run and kept, as the hook context caches it:
//!   config, leadership, the unit's state, its relations, its ports.
//!
//! Nothing is opened before the first call: a run that makes none costs
//! the model nothing. The secret rules are in [`secrets`], the port rules
//! in [`ports`].

mod ports;
mod secrets;

use std::sync::Arc;

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::db::{in_transaction, LocalModelError, LocalResult, ModelDb};
use super::pending::{Committer, Pending};
use super::records::Rows;
use super::relations::RelationRecord;
use super::CharmModel;
use crate::action::BackendError;
use crate::charm::config::ConfigValue;
use crate::model::{
    Bag, LogLevel, ModelBackend, ModelError, ModelResult, PortRange, ReadMode, Relation,
    RelationId, SecretInfo, SecretOptions, SecretOwner, SecretRef, StatusInfo, StatusTarget,
};
use crate::unit::{is_valid_application_name, UnitName};

/// Juju's `ErrIsNotLeader`.
const NOT_LEADER: &str = "this unit is not the leader";
/// The controller's `ErrPerm`.
const PERMISSION_DENIED: &str = "permission denied";

/// A connection to the model, taken on first use and given back at the end.
struct Link {
    db: Arc<ModelDb>,
    conn: Option<Connection>,
}

impl Link {
    fn rows(&mut self) -> LocalResult<Rows<'_>> {
        if self.conn.is_none() {
            self.conn = Some(self.db.take()?);
        }
        let conn = self.conn.as_ref().expect("just taken");
        Ok(Rows::new(conn, self.db.path()))
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.db.give_back(conn);
        }
    }
}

/// One run's model: what one unit's handler reads and changes.
pub struct LocalModelBackend {
    link: Link,
    unit: String,
    application: String,
    model_uuid: String,
    charm: Arc<CharmModel>,
    /// `juju-log`'s prefix in a relation hook (`db:7: `).
    log_prefix: Option<String>,
    /// In a `-relation-departed` hook: the relation and the remote unit
    /// that departed it, which `relation-list` no longer shows (as Juju's).
    departed: Option<(RelationId, String)>,
    leader: Option<bool>,
    config: Option<Map<String, Value>>,
    state: Option<Bag>,
    relations: Option<Vec<RelationRecord>>,
    ports: Option<Vec<(String, PortRange)>>,
    pending: Pending,
}

impl LocalModelBackend {
    pub(super) fn new(
        db: Arc<ModelDb>,
        unit: &UnitName,
        model_uuid: &str,
        charm: Arc<CharmModel>,
        relation: Option<&Relation>,
        departed: Option<(RelationId, String)>,
    ) -> Self {
        Self {
            link: Link { db, conn: None },
            unit: unit.to_string(),
            application: unit.application().to_owned(),
            model_uuid: model_uuid.to_owned(),
            charm,
            log_prefix: relation.map(|r| format!("{r}: ")),
            departed,
            leader: None,
            config: None,
            state: None,
            relations: None,
            ports: None,
            pending: Pending::default(),
        }
    }

    fn is_leader_now(&mut self) -> ModelResult<bool> {
        if let Some(leader) = self.leader {
            return Ok(leader);
        }
        let rows = self.link.rows().map_err(failed)?;
        let leader = rows
            .application(&self.application)
            .map_err(failed)?
            .and_then(|a| a.leader)
            .is_some_and(|leader| leader == self.unit);
        self.leader = Some(leader);
        Ok(leader)
    }

    fn owned_state(&mut self) -> ModelResult<Bag> {
        if self.state.is_none() {
            let rows = self.link.rows().map_err(failed)?;
            self.state = Some(rows.unit_state(&self.unit).map_err(failed)?);
        }
        let mut state = self.state.clone().unwrap_or_default();
        for (key, value) in &self.pending.state {
            match value {
                Some(value) => state.insert(key.clone(), value.clone()),
                None => state.remove(key),
            };
        }
        Ok(state)
    }

    fn relations(&mut self) -> ModelResult<&[RelationRecord]> {
        if self.relations.is_none() {
            let rows = self.link.rows().map_err(failed)?;
            self.relations = Some(rows.relations_of(&self.application).map_err(failed)?);
        }
        Ok(self.relations.as_deref().unwrap_or_default())
    }

    /// The relation `id`, if this unit's application is in it; Juju's
    /// words for a `-r` it does not know otherwise.
    fn relation(&mut self, id: RelationId) -> ModelResult<RelationRecord> {
        self.relations()?
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or_else(|| {
                refused(format!(
                    "invalid value \"{id}\" for option -r: relation not found"
                ))
            })
    }

    /// A bag as stored, with this run's changes to it.
    fn bag_with_pending(&mut self, relation: RelationId, holder: &str) -> ModelResult<Bag> {
        let rows = self.link.rows().map_err(failed)?;
        let mut bag = rows.bag(relation, holder).map_err(failed)?;
        if let Some(changes) = self.pending.bags.get(&(relation, holder.to_owned())) {
            for (key, value) in changes {
                match value {
                    Some(value) => bag.insert(key.clone(), value.clone()),
                    None => bag.remove(key),
                };
            }
        }
        Ok(bag)
    }

    // ---- secrets

    fn commit(&mut self) -> LocalResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.link.rows()?;
        let Link { db, conn } = &mut self.link;
        let conn = conn.as_mut().expect("taken above");
        let who = Committer {
            unit: &self.unit,
            application: &self.application,
        };
        let pending = &self.pending;
        in_transaction(conn, db.path(), |tx| {
            pending.commit(&Rows::new(tx, db.path()), &who)
        })
        .map_err(|e| match e {
            LocalModelError::Refused(reason) => {
                LocalModelError::Refused(format!("cannot apply changes: {reason}"))
            }
            other => other,
        })
    }
}

fn refused(message: String) -> ModelError {
    ModelError::Refused(message)
}

fn failed(error: LocalModelError) -> ModelError {
    match error {
        LocalModelError::Refused(message) => ModelError::Refused(message),
        other => ModelError::Failed(BackendError(other.to_string())),
    }
}

impl ModelBackend for LocalModelBackend {
    fn config_get(&mut self) -> ModelResult<Map<String, Value>> {
        if self.config.is_none() {
            let rows = self.link.rows().map_err(failed)?;
            let stored = rows.config(&self.application).map_err(failed)?;
            let options = &self.charm.config;
            let set = stored
                .iter()
                .filter_map(|(key, value)| {
                    let kind = options.option(key).ok()?.kind;
                    Some((key.clone(), ConfigValue::from_stored(kind, value)?))
                })
                .collect();
            self.config = Some(options.settings(&set));
        }
        Ok(self.config.clone().unwrap_or_default())
    }

    fn is_leader(&mut self) -> ModelResult<bool> {
        self.is_leader_now()
    }

    fn status_set(&mut self, target: StatusTarget, status: StatusInfo) -> ModelResult<()> {
        match target {
            StatusTarget::Unit => {
                let rows = self.link.rows().map_err(failed)?;
                rows.set_unit_status(&self.unit, &status).map_err(failed)
            }
            StatusTarget::Application => {
                if !self.is_leader_now()? {
                    return Err(refused(NOT_LEADER.into()));
                }
                let rows = self.link.rows().map_err(failed)?;
                rows.set_application_status(&self.application, &status)
                    .map_err(failed)
            }
        }
    }

    fn status_get(&mut self, target: StatusTarget) -> ModelResult<StatusInfo> {
        match target {
            StatusTarget::Unit => {
                let rows = self.link.rows().map_err(failed)?;
                Ok(rows
                    .unit(&self.unit)
                    .map_err(failed)?
                    .map(|u| u.status)
                    .unwrap_or_default())
            }
            StatusTarget::Application => {
                if !self.is_leader_now()? {
                    return Err(refused(format!("finding application status: {NOT_LEADER}")));
                }
                let rows = self.link.rows().map_err(failed)?;
                Ok(rows
                    .application(&self.application)
                    .map_err(failed)?
                    .map(|a| a.status)
                    .unwrap_or_default())
            }
        }
    }

    fn application_version_set(&mut self, version: &str) -> ModelResult<()> {
        let rows = self.link.rows().map_err(failed)?;
        rows.set_workload_version(&self.unit, version)
            .map_err(failed)
    }

    fn juju_log(&mut self, level: LogLevel, message: &str) -> ModelResult<()> {
        let line = match &self.log_prefix {
            Some(prefix) => format!("{prefix}{message}"),
            None => message.to_owned(),
        };
        let rows = self.link.rows().map_err(failed)?;
        rows.log(&self.unit, level, &line).map_err(failed)
    }

    fn state_get(&mut self, key: &str) -> ModelResult<Option<String>> {
        Ok(self.owned_state()?.remove(key))
    }

    fn state_list(&mut self) -> ModelResult<Bag> {
        self.owned_state()
    }

    fn state_set(&mut self, pairs: &[(String, String)]) -> ModelResult<()> {
        // Juju's quota per pair (core/quota), checked before any is set.
        for (key, value) in pairs {
            if key.len() > 256 {
                return Err(refused("max allowed key length (256) exceeded".into()));
            }
            if value.len() > 65536 {
                return Err(refused("max allowed value length (65536) exceeded".into()));
            }
        }
        for (key, value) in pairs {
            self.pending.state.insert(key.clone(), Some(value.clone()));
        }
        Ok(())
    }

    fn state_delete(&mut self, key: &str) -> ModelResult<()> {
        self.pending.state.insert(key.to_owned(), None);
        Ok(())
    }

    fn relation_ids(&mut self, endpoint: &str) -> ModelResult<Vec<Relation>> {
        let application = self.application.clone();
        let mut ids: Vec<Relation> = self
            .relations()?
            .iter()
            .filter_map(|r| {
                let side = r.side(&application)?;
                (side.endpoint == endpoint).then(|| Relation {
                    endpoint: side.endpoint.clone(),
                    id: r.id,
                })
            })
            .collect();
        // Juju sorts the `endpoint:id` strings: db:10 before db:2.
        ids.sort_by_key(|r| r.to_string());
        Ok(ids)
    }

    fn relation_list(&mut self, relation: RelationId) -> ModelResult<Vec<String>> {
        let record = self.relation(relation)?;
        let other = record
            .other_side(&self.application)
            .expect("a relation the application is in has a side across")
            .application
            .clone();
        let rows = self.link.rows().map_err(failed)?;
        let mut units: Vec<String> = rows
            .units(&other)
            .map_err(failed)?
            .into_iter()
            .map(|u| u.name.to_string())
            .filter(|name| *name != self.unit)
            .filter(|name| {
                self.departed
                    .as_ref()
                    .is_none_or(|(id, gone)| *id != relation || gone != name)
            })
            .collect();
        units.sort();
        Ok(units)
    }

    fn relation_app(&mut self, relation: RelationId) -> ModelResult<String> {
        let record = self.relation(relation)?;
        Ok(record
            .other_side(&self.application)
            .expect("a relation the application is in has a side across")
            .application
            .clone())
    }

    fn relation_get(&mut self, relation: RelationId, member: &str, app: bool) -> ModelResult<Bag> {
        let record = self.relation(relation)?;
        let remote_app = record
            .other_side(&self.application)
            .expect("a relation the application is in has a side across")
            .application
            .clone();
        if !app {
            let unit: UnitName = member.parse().map_err(|_| {
                if is_valid_application_name(member) {
                    refused(format!(
                        "expected unit name, got application name {member:?}"
                    ))
                } else {
                    refused(format!("invalid unit name {member:?}"))
                }
            })?;
            if member == self.unit {
                return self.bag_with_pending(relation, member);
            }
            // ReadRemoteSettings: a unit of the related application, or in
            // a non-peer relation of this unit's own.
            let allowed = unit.application() == remote_app
                || (!record.is_peer() && unit.application() == self.application);
            if !allowed {
                return Err(refused(PERMISSION_DENIED.into()));
            }
            let rows = self.link.rows().map_err(failed)?;
            if rows.unit(member).map_err(failed)?.is_none() {
                return Err(refused(format!(
                    "cannot read settings for unit {member:?} in relation {:?}: unit {member:?}: \
                     settings not found",
                    record.key()
                )));
            }
            return rows.bag(relation, member).map_err(failed);
        }
        // --app: an application's name, or a unit's for its application.
        let name = match member.parse::<UnitName>() {
            Ok(unit) => unit.application().to_owned(),
            Err(_) if is_valid_application_name(member) => member.to_owned(),
            Err(_) => String::new(),
        };
        if name == self.application {
            if self.is_leader_now()? {
                return self.bag_with_pending(relation, &name);
            }
            // A non-leader reads its application's bag from the
            // controller: only in a peer relation.
            if !record.is_peer() {
                return Err(refused(PERMISSION_DENIED.into()));
            }
            let rows = self.link.rows().map_err(failed)?;
            return rows.bag(relation, &name).map_err(failed);
        }
        if name == remote_app {
            let rows = self.link.rows().map_err(failed)?;
            return rows.bag(relation, &name).map_err(failed);
        }
        Err(refused(PERMISSION_DENIED.into()))
    }

    fn relation_set(
        &mut self,
        relation: RelationId,
        app: bool,
        pairs: &[(String, String)],
    ) -> ModelResult<()> {
        self.relation(relation)?;
        if app && !self.is_leader_now()? {
            return Err(refused("cannot write relation settings".into()));
        }
        let holder = if app {
            self.application.clone()
        } else {
            self.unit.clone()
        };
        let changes = self.pending.bags.entry((relation, holder)).or_default();
        for (key, value) in pairs {
            // An empty value deletes the key.
            let value = (!value.is_empty()).then(|| value.clone());
            changes.insert(key.clone(), value);
        }
        Ok(())
    }

    fn secret_get(
        &mut self,
        secret: &SecretRef,
        mode: ReadMode,
        label: Option<&str>,
    ) -> ModelResult<Bag> {
        self.get_secret(secret, mode, label)
    }

    fn secret_add(
        &mut self,
        content: &Bag,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> ModelResult<String> {
        self.add_secret(content, options, owner)
    }

    fn secret_set(
        &mut self,
        secret: &SecretRef,
        content: Option<&Bag>,
        options: &SecretOptions,
    ) -> ModelResult<()> {
        self.set_secret(secret, content, options)
    }

    fn secret_ids(&mut self) -> ModelResult<Vec<String>> {
        self.managed_secret_ids()
    }

    fn secret_info_get(&mut self, secret: &SecretRef) -> ModelResult<SecretInfo> {
        self.secret_info(secret)
    }

    fn secret_grant(
        &mut self,
        secret: &SecretRef,
        relation: RelationId,
        unit: Option<&str>,
    ) -> ModelResult<()> {
        self.grant_secret(secret, relation, unit)
    }

    fn secret_revoke(
        &mut self,
        secret: &SecretRef,
        relation: RelationId,
        unit: Option<&str>,
    ) -> ModelResult<()> {
        self.revoke_secret(secret, relation, unit)
    }

    fn secret_remove(&mut self, secret: &SecretRef, revision: Option<u32>) -> ModelResult<()> {
        self.remove_secret(secret, revision)
    }

    fn open_port(&mut self, ports: PortRange) -> ModelResult<()> {
        self.open(ports)
    }

    fn close_port(&mut self, ports: PortRange) -> ModelResult<()> {
        self.close(ports)
    }

    fn opened_ports(&mut self) -> ModelResult<Vec<PortRange>> {
        self.opened()
    }

    fn finish(&mut self, committed: bool) -> Result<(), BackendError> {
        let result = if committed { self.commit() } else { Ok(()) };
        self.pending = Pending::default();
        // The connection goes back for the next run.
        if let Some(conn) = self.link.conn.take() {
            self.link.db.give_back(conn);
        }
        result.map_err(|e| BackendError(e.to_string()))
    }
}
