//! The secret hooks the local model fires, as Juju's secrets watchers do:
//! - `secret-changed` on each unit that reads a secret (a consumer: granted
//!   it, and it has read it) but tracks an older revision than the latest,
//!   once per new revision, with `JUJU_SECRET_ID` and the consumer's own
//!   `JUJU_SECRET_LABEL` (never on the owner's side: the owner sees its
//!   latest revision);
//! - `secret-remove` on the owner (the unit, or the owning application's
//!   leader) for each revision before the latest that no reader tracks any
//!   more, once, with `JUJU_SECRET_REVISION`: the charm removes it with
//!   `secret-remove --revision` (ops' `SecretRemoveEvent.remove_revision`).
//!
//! They are looked for whenever a command's queue of hooks runs dry, so a
//! revision made by a hook, an action or `update-secret` reaches its
//! readers, and their `--refresh` reaches the owner.

use std::collections::BTreeSet;

use super::{EventError, LocalEvents, Pending};
use crate::model::local::secrets::{SecretOwnership, SecretRecord};
use crate::model::EventInfo;
use crate::unit::UnitName;

/// A secret hook to fire.
struct Notice {
    unit: UnitName,
    secret: SecretRecord,
    event: EventInfo,
    revision: u32,
    cause: String,
}

impl LocalEvents<'_> {
    /// The secret hooks due, each only the first time it is (the record
    /// keeps which fired).
    pub(super) fn due_secret_hooks(&self) -> Result<Vec<Pending>, EventError> {
        let uuid = self.model().identity().uuid.clone();
        let notices = self.model().read(|rows| {
            let mut notices = Vec::new();
            for secret in rows.all_secrets()? {
                let uri = secret.uri(&uuid).to_string();
                let latest = secret.latest_revision;
                let consumers = rows.consumers(&secret.id)?;
                let readers: Vec<_> = consumers
                    .iter()
                    .filter_map(|c| Some((c.unit.parse::<UnitName>().ok()?, c)))
                    .filter(|(unit, _)| !owns(&secret.owner, unit))
                    .collect();
                for (unit, consumer) in &readers {
                    let local = rows
                        .application(unit.application())?
                        .is_some_and(|app| !app.is_stand_in());
                    if consumer.revision >= latest || !local || rows.unit(&consumer.unit)?.is_none()
                    {
                        continue;
                    }
                    notices.push(Notice {
                        unit: unit.clone(),
                        event: EventInfo {
                            name: "secret-changed".into(),
                            secret_id: Some(uri.clone()),
                            secret_label: consumer.label.clone(),
                            ..EventInfo::default()
                        },
                        revision: latest,
                        cause: format!("secret {uri} has revision {latest}"),
                        secret: secret.clone(),
                    });
                }
                let owner = match &secret.owner {
                    SecretOwnership::Model => None,
                    SecretOwnership::Unit(unit) => unit.parse::<UnitName>().ok(),
                    SecretOwnership::Application(app) => rows
                        .application(app)?
                        .and_then(|a| a.leader)
                        .and_then(|leader| leader.parse().ok()),
                };
                let Some(owner) = owner else {
                    continue;
                };
                let tracked: BTreeSet<u32> = readers.iter().map(|(_, c)| c.revision).collect();
                for revision in rows.secret_revisions(&secret.id)? {
                    if revision.revision >= latest || tracked.contains(&revision.revision) {
                        continue;
                    }
                    notices.push(Notice {
                        unit: owner.clone(),
                        event: EventInfo {
                            name: "secret-remove".into(),
                            secret_id: Some(uri.clone()),
                            secret_label: secret.label.clone(),
                            secret_revision: Some(revision.revision),
                            ..EventInfo::default()
                        },
                        revision: revision.revision,
                        cause: format!(
                            "revision {} of secret {uri} is no longer tracked",
                            revision.revision
                        ),
                        secret: secret.clone(),
                    });
                }
            }
            Ok(notices)
        })?;
        let mut due = Vec::new();
        for notice in notices {
            // A unit in error hears of it once resolved (a later command).
            if self.log().error_of(&notice.unit)?.is_some() {
                continue;
            }
            if self.log().first_secret_notice(
                &notice.secret.id,
                &notice.unit,
                &notice.event.name,
                notice.revision,
            )? {
                due.push(Pending::hook(&notice.unit, notice.event, &notice.cause));
            }
        }
        Ok(due)
    }
}

/// Whether `unit` is on the owning side of a secret owned by `owner`.
fn owns(owner: &SecretOwnership, unit: &UnitName) -> bool {
    match owner {
        SecretOwnership::Application(app) => unit.application() == app,
        SecretOwnership::Unit(name) => *unit == name.as_str(),
        SecretOwnership::Model => false,
    }
}
