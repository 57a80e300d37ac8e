//! A run's changes that wait for its end: relation data, the unit's state,
//! secrets and ports. Juju keeps them in the hook context and sends them
//! to the controller in one request when the hook succeeds
//! (`HookContext.Flush`, `CommitHookChanges`); here they are applied in one
//! IMMEDIATE transaction to the rows as they are then ([`Pending::commit`]),
//! or dropped. The controller's checks that only the commit can make (a
//! secret the unit does not manage, a label another secret has) fail the
//! whole commit, and so the run, as they fail the hook under Juju.

use std::collections::BTreeMap;
use std::time::SystemTime;

use indexmap::IndexMap;

use super::db::{LocalModelError, LocalResult};
use super::records::Rows;
use super::secrets::{SecretOwnership, SecretRecord, SecretUri};
use crate::model::{Bag, PortRange, RelationId, RotatePolicy};

/// Changes to one bag or the unit's state: a key set (`Some`) or deleted.
pub(crate) type KeyChanges = BTreeMap<String, Option<String>>;

/// A secret made in this run.
#[derive(Debug, Clone)]
pub(crate) struct NewSecret {
    pub uri: SecretUri,
    pub owner: SecretOwnership,
    pub label: Option<String>,
    pub description: Option<String>,
    pub rotate: RotatePolicy,
    pub expiry: Option<SystemTime>,
    pub content: Bag,
}

/// What a run changes of a secret that existed before it.
#[derive(Debug, Clone, Default)]
pub(crate) struct SecretUpdate {
    /// New content for a new revision (already known to differ from the
    /// latest, when the unit manages the secret).
    pub content: Option<Bag>,
    pub label: Option<String>,
    pub description: Option<String>,
    pub rotate: Option<RotatePolicy>,
    pub expiry: Option<SystemTime>,
    /// Whether the unit read the new content with `--refresh`: it tracks
    /// the new revision once it exists.
    pub track_latest: bool,
}

impl SecretUpdate {
    /// Whether it changes anything.
    pub fn is_empty(&self) -> bool {
        self.content.is_none()
            && self.label.is_none()
            && self.description.is_none()
            && self.rotate.is_none()
            && self.expiry.is_none()
    }

    /// `later` applied over this one.
    pub fn merge(&mut self, later: SecretUpdate) {
        self.content = later.content.or(self.content.take());
        self.label = later.label.or(self.label.take());
        self.description = later.description.or(self.description.take());
        self.rotate = later.rotate.or(self.rotate.take());
        self.expiry = later.expiry.or(self.expiry.take());
        self.track_latest |= later.track_latest;
    }
}

/// A grant or a revoke, applied in the order made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AccessChange {
    Grant {
        id: String,
        subject: String,
        relation: RelationId,
    },
    Revoke {
        id: String,
        subject: String,
    },
}

impl AccessChange {
    /// The secret it concerns.
    pub fn id(&self) -> &str {
        match self {
            Self::Grant { id, .. } | Self::Revoke { id, .. } => id,
        }
    }
}

/// Everything a run will commit.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    pub state: KeyChanges,
    /// By relation and holder (this unit's or its application's name).
    pub bags: BTreeMap<(RelationId, String), KeyChanges>,
    pub creates: Vec<NewSecret>,
    pub updates: IndexMap<String, SecretUpdate>,
    pub access: Vec<AccessChange>,
    /// Secret IDs and the revision to remove (`None`: all).
    pub removes: Vec<(String, Option<u32>)>,
    /// Port ranges to open, and to close, by endpoint (`""`: every one).
    pub open_ports: Vec<(String, PortRange)>,
    pub close_ports: Vec<(String, PortRange)>,
}

/// Who is committing: the unit and its application.
pub(crate) struct Committer<'a> {
    pub unit: &'a str,
    pub application: &'a str,
}

impl Pending {
    /// Whether there is nothing to commit.
    pub fn is_empty(&self) -> bool {
        self.state.is_empty()
            && self.bags.values().all(|c| c.is_empty())
            && self.creates.is_empty()
            && self.updates.is_empty()
            && self.access.is_empty()
            && self.removes.is_empty()
            && self.open_ports.is_empty()
            && self.close_ports.is_empty()
    }

    /// Applies everything, on `rows` (inside the caller's IMMEDIATE
    /// transaction), in the order Juju's commit request lists it.
    pub fn commit(&self, rows: &Rows<'_>, who: &Committer<'_>) -> LocalResult<()> {
        for ((relation, holder), changes) in &self.bags {
            if changes.is_empty() {
                continue;
            }
            if rows.relation(*relation)?.is_none() {
                return Err(refused(format!(
                    "relation {relation} was removed while the run changed its data"
                )));
            }
            rows.update_bag(*relation, holder, changes)?;
        }
        for (endpoint, range) in &self.open_ports {
            rows.update_port(who.unit, endpoint, *range, true)?;
        }
        for (endpoint, range) in &self.close_ports {
            rows.update_port(who.unit, endpoint, *range, false)?;
        }
        rows.update_unit_state(who.unit, &self.state)?;
        let now = SystemTime::now();
        for new in &self.creates {
            if let Some(label) = &new.label {
                if rows.secret_by_label(&new.owner, label)?.is_some() {
                    return Err(refused(format!(
                        "secret with label {label:?} already exists"
                    )));
                }
            }
            let record = SecretRecord {
                id: new.uri.id.clone(),
                owner: new.owner.clone(),
                label: new.label.clone(),
                description: new.description.clone(),
                rotate: new.rotate,
                next_rotation: super::clock::next_rotation(new.rotate, now),
                latest_revision: 1,
                created: now,
                updated: now,
            };
            rows.insert_secret(&record, &new.content, new.expiry)?;
        }
        for (id, update) in &self.updates {
            let mut secret = can_manage(rows, who, id)?;
            if let Some(label) = &update.label {
                if secret.label.as_ref() != Some(label) {
                    if rows.secret_by_label(&secret.owner, label)?.is_some() {
                        return Err(refused(format!(
                            "secret with label {label:?} already exists"
                        )));
                    }
                    secret.label = Some(label.clone());
                }
            }
            if let Some(description) = &update.description {
                secret.description = Some(description.clone());
            }
            if let Some(rotate) = update.rotate {
                secret.rotate = rotate;
                secret.next_rotation = super::clock::next_rotation(rotate, now);
            }
            match &update.content {
                Some(content) => {
                    let latest = rows.secret_revision(id, secret.latest_revision)?;
                    if latest.is_none_or(|r| &r.content != content) {
                        secret.latest_revision += 1;
                        rows.add_secret_revision(
                            id,
                            secret.latest_revision,
                            content,
                            update.expiry,
                        )?;
                    }
                }
                None if update.expiry.is_some() => {
                    rows.set_revision_expiry(id, secret.latest_revision, update.expiry)?;
                }
                None => {}
            }
            rows.update_secret(&secret)?;
            if update.track_latest {
                let label = rows.consumer(id, who.unit)?.and_then(|c| c.label);
                rows.save_consumer(id, who.unit, secret.latest_revision, label.as_deref())?;
            }
        }
        for (id, revision) in &self.removes {
            can_manage(rows, who, id)?;
            rows.remove_secret(id, *revision)?;
        }
        for change in &self.access {
            let secret = can_manage(rows, who, change.id())?;
            match change {
                AccessChange::Grant {
                    subject, relation, ..
                } => {
                    let existing = rows
                        .secret_grants(&secret.id)?
                        .into_iter()
                        .find(|g| &g.subject == subject);
                    match existing {
                        Some(grant) if grant.relation != Some(*relation) => {
                            return Err(refused("cannot change secret permission scope".into()))
                        }
                        _ => rows.grant_secret(&secret.id, subject, Some(*relation))?,
                    }
                }
                AccessChange::Revoke { subject, .. } => rows.revoke_secret(&secret.id, subject)?,
            }
        }
        Ok(())
    }
}

/// The controller's check before it changes a secret for a unit
/// (secretsmanager `canManage`): it exists, and the unit owns it or leads
/// the application that does.
fn can_manage(rows: &Rows<'_>, who: &Committer<'_>, id: &str) -> LocalResult<SecretRecord> {
    let secret = rows.secret(id)?.ok_or_else(|| {
        refused(format!(
            "secret {:?} not found",
            SecretUri {
                source: None,
                id: id.to_owned()
            }
            .to_string()
        ))
    })?;
    match &secret.owner {
        SecretOwnership::Unit(unit) if unit == who.unit => Ok(secret),
        SecretOwnership::Application(app) if app == who.application => {
            let leads = rows
                .application(app)?
                .and_then(|a| a.leader)
                .is_some_and(|leader| leader == who.unit);
            if leads {
                Ok(secret)
            } else {
                Err(refused(format!("{:?} is not leader of {app:?}", who.unit)))
            }
        }
        _ => Err(refused("permission denied".into())),
    }
}

fn refused(message: String) -> LocalModelError {
    LocalModelError::Refused(message)
}
