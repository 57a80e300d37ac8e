//! The secret rules of a run's model: which secrets a unit owns, manages
//! and may read, which revision it reads (`secret-get`'s tracked, `--peek`
//! and `--refresh`), labels (the owner's and each consumer's), and the
//! changes `secret-add`/`-set`/`-grant`/`-revoke`/`-remove` leave for the
//! commit (juju/juju `internal/worker/uniter/runner/context/context.go`:
//! `GetSecret`, `CreateSecret`, `UpdateSecret`, `SecretMetadata`,
//! `GrantSecret`, `RevokeSecret`, `RemoveSecret`; the secrets manager
//! facade for what the controller checks).

use std::collections::BTreeSet;
use std::time::SystemTime;

use super::super::clock::parse_expire;
use super::super::pending::{AccessChange, NewSecret, SecretUpdate};
use super::super::secrets::{SecretOwnership, SecretRecord, SecretUri};
use super::{failed, refused, LocalModelBackend, NOT_LEADER, PERMISSION_DENIED};
use crate::model::{
    Bag, ModelError, ModelResult, ReadMode, RelationId, RotatePolicy, SecretInfo, SecretOptions,
    SecretOwner, SecretRef,
};
use crate::unit::UnitName;

/// Which secret a managing call names.
enum ManagedId {
    /// One this run made.
    Made(String),
    /// A stored one the unit manages.
    Stored(SecretRecord),
    /// One it does not manage (or that does not exist): Juju lets the call
    /// through and fails the commit.
    Unmanaged(SecretUri),
}

impl ManagedId {
    fn id(&self) -> &str {
        match self {
            Self::Made(id) => id,
            Self::Stored(secret) => &secret.id,
            Self::Unmanaged(uri) => &uri.id,
        }
    }
}

impl LocalModelBackend {
    fn owns(&self, secret: &SecretRecord) -> bool {
        match &secret.owner {
            SecretOwnership::Unit(unit) => *unit == self.unit,
            SecretOwnership::Application(app) => *app == self.application,
            SecretOwnership::Model => false,
        }
    }

    /// Whether the unit manages `secret` (Juju's "secret metadata" of a
    /// unit: owned by it, or by its application while it leads).
    fn manages(&mut self, secret: &SecretRecord) -> ModelResult<bool> {
        Ok(match &secret.owner {
            SecretOwnership::Unit(unit) => *unit == self.unit,
            SecretOwnership::Application(app) => {
                *app == self.application && self.is_leader_now()?
            }
            SecretOwnership::Model => false,
        })
    }

    fn pending_create(&self, id: &str) -> Option<usize> {
        self.pending.creates.iter().position(|c| c.uri.id == id)
    }

    /// The stored secret with ID `id`, unless this run removed it.
    fn stored_secret(&mut self, id: &str) -> ModelResult<Option<SecretRecord>> {
        if self
            .pending
            .removes
            .iter()
            .any(|(r, rev)| r == id && rev.is_none())
        {
            return Ok(None);
        }
        let rows = self.link.rows().map_err(failed)?;
        rows.secret(id).map_err(failed)
    }

    /// The ID of the secret `secret` names among those the unit manages
    /// (made in this run, or stored), as `secret-info-get`, `secret-set`,
    /// `-grant`, `-revoke` and `-remove` find it: a URI, or an owner's
    /// label. `None` for a URI of a secret it does not manage.
    fn managed_id(&mut self, secret: &SecretRef) -> ModelResult<ManagedId> {
        match secret {
            SecretRef::Id(text) => {
                let uri = SecretUri::parse(text).map_err(refused)?;
                if self.pending_create(&uri.id).is_some() {
                    return Ok(ManagedId::Made(uri.id));
                }
                match self.stored_secret(&uri.id)? {
                    Some(stored) if self.manages(&stored)? => Ok(ManagedId::Stored(stored)),
                    _ => Ok(ManagedId::Unmanaged(uri)),
                }
            }
            SecretRef::Label(label) => {
                if let Some(made) = self
                    .pending
                    .creates
                    .iter()
                    .find(|c| c.label.as_deref() == Some(label.as_str()))
                {
                    return Ok(ManagedId::Made(made.uri.id.clone()));
                }
                for owner in [
                    SecretOwnership::Unit(self.unit.clone()),
                    SecretOwnership::Application(self.application.clone()),
                ] {
                    let rows = self.link.rows().map_err(failed)?;
                    let found = rows.secret_by_label(&owner, label).map_err(failed)?;
                    if let Some(stored) = found {
                        if self.manages(&stored)? && self.stored_secret(&stored.id)?.is_some() {
                            return Ok(ManagedId::Stored(stored));
                        }
                    }
                }
                // A label given by this run's secret-set.
                let relabelled = self
                    .pending
                    .updates
                    .iter()
                    .find(|(_, u)| u.label.as_deref() == Some(label.as_str()))
                    .map(|(id, _)| id.clone());
                if let Some(id) = relabelled {
                    if let Some(stored) = self.stored_secret(&id)? {
                        return Ok(ManagedId::Stored(stored));
                    }
                }
                Err(refused(format!("secret {label:?} not found")))
            }
        }
    }

    /// Refuses a change to an application's secret by a unit that does not
    /// lead it.
    fn check_leads_owner(&mut self, owner: &SecretOwnership) -> ModelResult<()> {
        if matches!(owner, SecretOwnership::Application(_)) && !self.is_leader_now()? {
            return Err(refused(NOT_LEADER.into()));
        }
        Ok(())
    }

    /// The secret `secret-get` reads, by URI or label, with the label to
    /// record for this unit as a consumer.
    fn secret_to_read(
        &mut self,
        secret: &SecretRef,
        label: Option<&str>,
    ) -> ModelResult<(SecretRecord, Option<String>)> {
        match secret {
            SecretRef::Id(text) => {
                let uri = SecretUri::parse(text)
                    .map_err(|_| refused(format!("secret URI {text:?} not valid")))?;
                let stored = self
                    .stored_secret(&uri.id)?
                    .ok_or_else(|| refused(format!("secret {:?} not found", uri.to_string())))?;
                if self.owns(&stored) {
                    // An owner relabels rather than labelling for itself:
                    // the owning unit, or the leader for its application.
                    if let Some(label) = label {
                        let relabel = stored.label.as_deref() != Some(label)
                            && (matches!(stored.owner, SecretOwnership::Unit(_))
                                || self.is_leader_now()?);
                        if relabel {
                            let update = SecretUpdate {
                                label: Some(label.to_owned()),
                                ..SecretUpdate::default()
                            };
                            self.pending
                                .updates
                                .entry(stored.id.clone())
                                .or_default()
                                .merge(update);
                        }
                    }
                    return Ok((stored, None));
                }
                Ok((stored, label.map(str::to_owned)))
            }
            SecretRef::Label(label) => {
                let rows = self.link.rows().map_err(failed)?;
                // An owner's label (the unit's, or its application's: any
                // unit of it may use that), then this unit's own.
                for owner in [
                    SecretOwnership::Unit(self.unit.clone()),
                    SecretOwnership::Application(self.application.clone()),
                ] {
                    if let Some(stored) = rows.secret_by_label(&owner, label).map_err(failed)? {
                        return Ok((stored, None));
                    }
                }
                let id = rows
                    .secret_by_consumer_label(&self.unit, label)
                    .map_err(failed)?
                    .ok_or_else(|| refused(format!("consumer label {label:?} not found")))?;
                let stored = self
                    .stored_secret(&id)?
                    .ok_or_else(|| refused(format!("consumer label {label:?} not found")))?;
                Ok((stored, None))
            }
        }
    }

    /// Whether this unit may read `secret`: it owns it (or its application
    /// does), or it or its application was granted it.
    fn can_read(&mut self, secret: &SecretRecord) -> ModelResult<bool> {
        if self.owns(secret) {
            return Ok(true);
        }
        let rows = self.link.rows().map_err(failed)?;
        let grants = rows.secret_grants(&secret.id).map_err(failed)?;
        Ok(grants
            .iter()
            .any(|g| g.subject == self.unit || g.subject == self.application))
    }

    pub(super) fn get_secret(
        &mut self,
        secret: &SecretRef,
        mode: ReadMode,
        label: Option<&str>,
    ) -> ModelResult<Bag> {
        // Content made or (with --peek/--refresh) changed in this run is
        // read back before anything stored.
        if let SecretRef::Id(text) = secret {
            let uri = SecretUri::parse(text)
                .map_err(|_| refused(format!("secret URI {text:?} not valid")))?;
            if let Some(index) = self.pending_create(&uri.id) {
                let made = &mut self.pending.creates[index];
                if let Some(label) = label {
                    made.label = Some(label.to_owned());
                }
                return Ok(made.content.clone());
            }
            if mode != ReadMode::Tracked {
                if let Some(update) = self.pending.updates.get_mut(&uri.id) {
                    if let Some(content) = update.content.clone() {
                        update.track_latest |= mode == ReadMode::Refresh;
                        return Ok(content);
                    }
                }
            }
        }
        if let SecretRef::Label(label) = secret {
            if let Some(made) = self
                .pending
                .creates
                .iter()
                .find(|c| c.label.as_deref() == Some(label.as_str()))
            {
                return Ok(made.content.clone());
            }
        }
        let (stored, consumer_label) = self.secret_to_read(secret, label)?;
        if !self.can_read(&stored)? {
            return Err(refused(PERMISSION_DENIED.into()));
        }
        let rows = self.link.rows().map_err(failed)?;
        let record = rows.consumer(&stored.id, &self.unit).map_err(failed)?;
        // A first read tracks the latest revision, as --refresh does.
        let refresh = mode == ReadMode::Refresh || record.is_none();
        let revision = match (&record, mode) {
            (Some(record), ReadMode::Tracked) => record.revision,
            _ => stored.latest_revision,
        };
        if refresh || consumer_label.is_some() {
            let tracked = if refresh {
                stored.latest_revision
            } else {
                record
                    .as_ref()
                    .map_or(stored.latest_revision, |r| r.revision)
            };
            rows.save_consumer(&stored.id, &self.unit, tracked, consumer_label.as_deref())
                .map_err(failed)?;
        }
        let content = rows
            .secret_revision(&stored.id, revision)
            .map_err(failed)?
            .ok_or_else(|| {
                refused(format!(
                    "secret revision \"{}/{revision}\" not found",
                    stored.id
                ))
            })?;
        Ok(content.content)
    }

    pub(super) fn add_secret(
        &mut self,
        content: &Bag,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> ModelResult<String> {
        let expiry = options
            .expire
            .as_deref()
            .map(|spec| parse_expire(spec, SystemTime::now()))
            .transpose()
            .map_err(refused)?;
        let owner = match owner {
            SecretOwner::Application => {
                if !self.is_leader_now()? {
                    return Err(refused(NOT_LEADER.into()));
                }
                SecretOwnership::Application(self.application.clone())
            }
            SecretOwner::Unit => SecretOwnership::Unit(self.unit.clone()),
        };
        if let Some(label) = &options.label {
            let taken = self
                .pending
                .creates
                .iter()
                .any(|c| c.owner == owner && c.label.as_ref() == Some(label));
            if taken {
                return Err(refused(format!(
                    "secret with label {label:?} already exists"
                )));
            }
        }
        let uri = SecretUri::new(&self.model_uuid);
        self.pending.creates.push(NewSecret {
            uri: uri.clone(),
            owner,
            label: options.label.clone(),
            description: options.description.clone(),
            rotate: options.rotate.unwrap_or(RotatePolicy::Never),
            expiry,
            content: content.clone(),
        });
        Ok(uri.to_string())
    }

    pub(super) fn set_secret(
        &mut self,
        secret: &SecretRef,
        content: Option<&Bag>,
        options: &SecretOptions,
    ) -> ModelResult<()> {
        let expiry = options
            .expire
            .as_deref()
            .map(|spec| parse_expire(spec, SystemTime::now()))
            .transpose()
            .map_err(refused)?;
        let target = self.managed_id(secret)?;
        if let ManagedId::Made(id) = &target {
            let index = self.pending_create(id).expect("made in this run");
            let made = &mut self.pending.creates[index];
            if let Some(content) = content {
                made.content = content.clone();
            }
            made.label = options.label.clone().or(made.label.take());
            made.description = options.description.clone().or(made.description.take());
            made.rotate = options.rotate.unwrap_or(made.rotate);
            made.expiry = expiry.or(made.expiry);
            return Ok(());
        }
        let mut update = SecretUpdate {
            content: content.cloned(),
            label: options.label.clone(),
            description: options.description.clone(),
            rotate: options.rotate,
            expiry,
            track_latest: false,
        };
        if let ManagedId::Stored(stored) = &target {
            self.check_leads_owner(&stored.owner)?;
            // The same content as the latest revision makes none.
            if let Some(content) = content {
                let rows = self.link.rows().map_err(failed)?;
                let latest = rows
                    .secret_revision(&stored.id, stored.latest_revision)
                    .map_err(failed)?;
                if latest.is_some_and(|r| &r.content == content) {
                    update.content = None;
                }
            }
        }
        if update.is_empty() {
            return Ok(());
        }
        self.pending
            .updates
            .entry(target.id().to_owned())
            .or_default()
            .merge(update);
        Ok(())
    }

    pub(super) fn managed_secret_ids(&mut self) -> ModelResult<Vec<String>> {
        let rows = self.link.rows().map_err(failed)?;
        let owned = rows
            .secrets_owned_by(&self.unit, &self.application)
            .map_err(failed)?;
        let mut ids = BTreeSet::new();
        for secret in owned {
            if self.manages(&secret)? && self.stored_secret(&secret.id)?.is_some() {
                ids.insert(secret.id);
            }
        }
        ids.extend(self.pending.creates.iter().map(|c| c.uri.id.clone()));
        Ok(ids.into_iter().collect())
    }

    pub(super) fn secret_info(&mut self, secret: &SecretRef) -> ModelResult<SecretInfo> {
        let not_found = |secret: &SecretRef| match secret {
            SecretRef::Id(text) => SecretUri::parse(text)
                .map(|uri| refused(format!("secret {:?} not found", uri.id)))
                .unwrap_or_else(refused),
            SecretRef::Label(label) => refused(format!("secret {label:?} not found")),
        };
        let target = match self.managed_id(secret) {
            Ok(ManagedId::Unmanaged(_)) => return Err(not_found(secret)),
            Ok(target) => target,
            Err(ModelError::Refused(_)) if matches!(secret, SecretRef::Label(_)) => {
                return Err(not_found(secret))
            }
            Err(e) => return Err(e),
        };
        let owner_of = |owner: &SecretOwnership| match owner {
            SecretOwnership::Unit(_) => SecretOwner::Unit,
            _ => SecretOwner::Application,
        };
        match target {
            ManagedId::Made(id) => {
                let made = &self.pending.creates[self.pending_create(&id).expect("made")];
                Ok(SecretInfo {
                    id,
                    label: made.label.clone(),
                    description: made.description.clone(),
                    revision: 1,
                    rotation: Some(made.rotate),
                    expiry: made
                        .expiry
                        .map(|t| humantime::format_rfc3339(t).to_string()),
                    owner: owner_of(&made.owner),
                })
            }
            ManagedId::Stored(stored) => {
                let rows = self.link.rows().map_err(failed)?;
                let latest = rows
                    .secret_revision(&stored.id, stored.latest_revision)
                    .map_err(failed)?;
                let update = self.pending.updates.get(&stored.id);
                let pick = |pending: Option<&String>, stored: &Option<String>| {
                    pending.cloned().or_else(|| stored.clone())
                };
                Ok(SecretInfo {
                    label: pick(update.and_then(|u| u.label.as_ref()), &stored.label),
                    description: pick(
                        update.and_then(|u| u.description.as_ref()),
                        &stored.description,
                    ),
                    revision: stored.latest_revision,
                    rotation: Some(update.and_then(|u| u.rotate).unwrap_or(stored.rotate)),
                    expiry: update
                        .and_then(|u| u.expiry)
                        .or(latest.and_then(|r| r.expiry))
                        .map(|t| humantime::format_rfc3339(t).to_string()),
                    owner: owner_of(&stored.owner),
                    id: stored.id,
                })
            }
            ManagedId::Unmanaged(_) => unreachable!("returned above"),
        }
    }

    pub(super) fn grant_secret(
        &mut self,
        secret: &SecretRef,
        relation: RelationId,
        unit: Option<&str>,
    ) -> ModelResult<()> {
        let record = self.relation(relation)?;
        let remote_app = record
            .other_side(&self.application)
            .expect("a relation the application is in has a side across")
            .application
            .clone();
        if let Some(unit) = unit {
            let name: UnitName = unit
                .parse()
                .map_err(|_| refused(format!("unit {unit:?} not valid")))?;
            if name.application() != remote_app {
                return Err(refused(format!(
                    "cannot specify unit {unit:?} in relation to application {remote_app:?}"
                )));
            }
        }
        let id = match self.managed_id(secret)? {
            ManagedId::Unmanaged(uri) => {
                return Err(refused(format!("secret {:?} not found", uri.id)))
            }
            ManagedId::Stored(stored) => {
                self.check_leads_owner(&stored.owner)?;
                stored.id
            }
            ManagedId::Made(id) => id,
        };
        let subject = unit.map_or(remote_app, str::to_owned);
        let subject_is_app = !subject.contains('/');
        // The grants in this relation's scope, stored and made in this run.
        let rows = self.link.rows().map_err(failed)?;
        let mut in_scope: Vec<String> = rows
            .secret_grants(&id)
            .map_err(failed)?
            .into_iter()
            .filter(|g| g.relation == Some(relation) && g.role == "view")
            .map(|g| g.subject)
            .collect();
        for change in &self.pending.access {
            match change {
                AccessChange::Grant {
                    id: granted,
                    subject,
                    relation: scope,
                } if *granted == id && *scope == relation => in_scope.push(subject.clone()),
                AccessChange::Revoke {
                    id: revoked,
                    subject,
                } if *revoked == id => in_scope.retain(|s| s != subject),
                _ => {}
            }
        }
        for existing in &in_scope {
            if *existing == subject || !existing.contains('/') {
                // Granted already, to it or to its whole application.
                return Ok(());
            }
            if subject_is_app {
                return Err(refused(
                    "any unit level grants need to be revoked before granting access to the \
                     corresponding application"
                        .into(),
                ));
            }
        }
        self.pending.access.push(AccessChange::Grant {
            id,
            subject,
            relation,
        });
        Ok(())
    }

    pub(super) fn revoke_secret(
        &mut self,
        secret: &SecretRef,
        relation: RelationId,
        unit: Option<&str>,
    ) -> ModelResult<()> {
        let record = self.relation(relation)?;
        if let Some(unit) = unit {
            unit.parse::<UnitName>()
                .map_err(|_| refused(format!("unit {unit:?} not valid")))?;
        }
        let target = self.managed_id(secret)?;
        if let ManagedId::Stored(stored) = &target {
            self.check_leads_owner(&stored.owner)?;
        }
        let subject = match unit {
            Some(unit) => unit.to_owned(),
            None => record
                .other_side(&self.application)
                .expect("a relation the application is in has a side across")
                .application
                .clone(),
        };
        self.pending.access.push(AccessChange::Revoke {
            id: target.id().to_owned(),
            subject,
        });
        Ok(())
    }

    pub(super) fn remove_secret(
        &mut self,
        secret: &SecretRef,
        revision: Option<u32>,
    ) -> ModelResult<()> {
        let target = self.managed_id(secret)?;
        match &target {
            ManagedId::Made(id) => {
                // A secret made in this run has one revision: removing it,
                // or the secret, leaves nothing to make.
                if revision.is_none_or(|r| r == 1) {
                    let id = id.clone();
                    self.pending.creates.retain(|c| c.uri.id != id);
                    self.pending.access.retain(|a| a.id() != id);
                }
                return Ok(());
            }
            ManagedId::Stored(stored) => self.check_leads_owner(&stored.owner)?,
            ManagedId::Unmanaged(_) => {}
        }
        let revision = revision.filter(|r| *r > 0);
        self.pending
            .removes
            .push((target.id().to_owned(), revision));
        Ok(())
    }
}
