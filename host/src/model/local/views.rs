//! What an operator sees of the local model, shaped as Juju's commands
//! show a model (field names as their YAML and JSON output has them):
//! `juju status` ([`LocalModel::status`]), `juju show-unit`
//! ([`LocalModel::show_unit`]), `juju secrets` and `juju show-secret`
//! ([`LocalModel::secrets`]), and the debug log
//! ([`LocalModel::debug_log`]).
//!
//! Where a local model has no such thing (machines, addresses, charm
//! revisions, the agent's status), the field is left out; where charmbox
//! shows more than Juju does (a unit's state and its workload status in
//! `show-unit`, this side's application bag, a stand-in's units), the
//! field says so in its doc.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::Serialize;

use super::db::{LocalModelError, LocalResult};
use super::records::{ApplicationRecord, DebugLogLine, UnitRecord};
use super::relations::RelationRecord;
use super::secrets::{SecretOwnership, SecretUri};
use super::LocalModel;
use crate::model::{Bag, PortRange, Protocol, Status, StatusInfo, LOCAL_JUJU_VERSION};
use crate::unit::UnitName;

/// `juju status`.
#[derive(Debug, Clone, Serialize)]
pub struct ModelStatus {
    /// The model.
    pub model: ModelSummary,
    /// Local applications, by name.
    pub applications: BTreeMap<String, ApplicationStatus>,
    /// Stand-ins for remote applications, by name (Juju lists remote
    /// applications here).
    #[serde(
        rename = "application-endpoints",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub stand_ins: BTreeMap<String, StandInStatus>,
    /// Every relation, as the tabular form lists them.
    #[serde(skip)]
    pub relations: Vec<RelationSummary>,
}

/// The model's name and version.
#[derive(Debug, Clone, Serialize)]
pub struct ModelSummary {
    /// Its name.
    pub name: String,
    /// Its UUID.
    #[serde(rename = "model-uuid")]
    pub uuid: String,
    /// `local`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The Juju version charmbox behaves as.
    pub version: &'static str,
}

/// A status as Juju shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusView {
    /// The status.
    pub current: Status,
    /// Its message.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// When it was set (`02 Jan 2006 15:04:05Z`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

impl StatusView {
    fn of(status: &StatusInfo, since: Option<SystemTime>) -> Self {
        Self {
            current: status.status,
            message: status.message.clone(),
            since: since.map(format_since),
        }
    }
}

/// One application in `juju status`.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationStatus {
    /// The charm it runs (its path).
    pub charm: String,
    /// The charm's name.
    #[serde(rename = "charm-name")]
    pub charm_name: String,
    /// Its status: the leader's, or when the leader set none, its units'
    /// most significant (Juju's `DeriveStatus`).
    #[serde(rename = "application-status")]
    pub status: StatusView,
    /// Its relations, by endpoint.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub relations: BTreeMap<String, Vec<RelatedApplication>>,
    /// Its units, by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub units: BTreeMap<String, UnitStatus>,
    /// Its workload version: the one a unit set last.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// How many units it has.
    #[serde(skip)]
    pub scale: usize,
    /// Whether [`status`](Self::status) is derived from its units' (its
    /// leader set none), so a unit's failed hook shows in it too.
    #[serde(skip)]
    pub status_derived: bool,
}

/// The other side of one relation of an application.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedApplication {
    /// The application.
    #[serde(rename = "related-application")]
    pub related_application: String,
    /// The interface.
    pub interface: String,
    /// The relation's id (charmbox shows it here: `integrate` prints it).
    #[serde(rename = "relation-id")]
    pub relation_id: u32,
}

/// What a unit's agent is doing, as `juju status` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentStatus {
    /// Between hooks (also after a failed one: Juju shows the failure as
    /// the workload's `error`).
    Idle,
}

impl AgentStatus {
    /// Its name, as `juju status` shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
        }
    }
}

/// A unit's agent status as Juju shows it (`juju-status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentStatusView {
    /// What it is doing.
    pub current: AgentStatus,
    /// When its last hook ended (`02 Jan 2006 15:04:05Z`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// The Juju version charmbox behaves as.
    pub version: &'static str,
    /// `dying` while the unit is being removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub life: Option<&'static str>,
}

/// One unit in `juju status`.
#[derive(Debug, Clone, Serialize)]
pub struct UnitStatus {
    /// Its workload status; `error` with `hook failed: "NAME"` while a
    /// failed hook waits for `resolve`, as Juju shows it.
    #[serde(rename = "workload-status")]
    pub workload_status: StatusView,
    /// Its agent's status.
    #[serde(rename = "juju-status")]
    pub juju_status: AgentStatusView,
    /// The last hook it ran (charmbox's own: the hook record's).
    #[serde(rename = "last-hook", skip_serializing_if = "Option::is_none")]
    pub last_hook: Option<String>,
    /// Whether it leads its application.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub leader: bool,
    /// Its open ports, in Juju's order (shown as `80/tcp`).
    #[serde(
        rename = "open-ports",
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "port_names"
    )]
    pub open_ports: Vec<PortRange>,
    /// Its workload version.
    #[serde(rename = "workload-version", skip_serializing_if = "String::is_empty")]
    pub workload_version: String,
}

/// A stand-in for a remote application in `juju status`.
#[derive(Debug, Clone, Serialize)]
pub struct StandInStatus {
    /// Its endpoints in relations, with their interface and role.
    pub endpoints: BTreeMap<String, StandInEndpoint>,
    /// Its units (charmbox shows them: the operator described them).
    pub units: Vec<String>,
    /// The applications related to it, by its endpoint.
    pub relations: BTreeMap<String, Vec<String>>,
}

/// An endpoint of a stand-in.
#[derive(Debug, Clone, Serialize)]
pub struct StandInEndpoint {
    /// The interface.
    pub interface: String,
    /// Its role.
    pub role: String,
}

/// A relation as the tabular `juju status` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationSummary {
    /// Its id.
    pub id: u32,
    /// `app:endpoint` of the provider (for a peer relation, its one side).
    pub provider: String,
    /// `app:endpoint` of the requirer (for a peer relation, its one side).
    pub requirer: String,
    /// The interface.
    pub interface: String,
    /// `regular` or `peer`.
    pub kind: &'static str,
}

/// `juju show-unit UNIT`.
#[derive(Debug, Clone, Serialize)]
pub struct UnitInfo {
    /// Its workload version.
    #[serde(rename = "workload-version", skip_serializing_if = "String::is_empty")]
    pub workload_version: String,
    /// Its open ports, in Juju's order (shown as `80/tcp`).
    #[serde(rename = "opened-ports", serialize_with = "port_names")]
    pub opened_ports: Vec<PortRange>,
    /// Its charm (the path).
    pub charm: String,
    /// Whether it leads its application.
    pub leader: bool,
    /// `alive`.
    pub life: &'static str,
    /// Its workload status (charmbox shows it here too).
    #[serde(rename = "workload-status")]
    pub workload_status: StatusView,
    /// Each relation with every bag in it.
    #[serde(rename = "relation-info", skip_serializing_if = "Vec::is_empty")]
    pub relation_info: Vec<RelationData>,
    /// The unit's own state (`state-set`; charmbox shows it here).
    #[serde(rename = "unit-state")]
    pub unit_state: Bag,
}

/// One relation in `juju show-unit`.
#[derive(Debug, Clone, Serialize)]
pub struct RelationData {
    /// Its id.
    #[serde(rename = "relation-id")]
    pub relation_id: u32,
    /// This unit's endpoint.
    pub endpoint: String,
    /// The endpoint across.
    #[serde(rename = "related-endpoint")]
    pub related_endpoint: String,
    /// The related application's bag (for a peer relation, this
    /// application's).
    #[serde(rename = "application-data")]
    pub application_data: Bag,
    /// This application's bag (charmbox shows it: what the leader wrote);
    /// `None` for a peer relation, whose `application-data` is this
    /// application's.
    #[serde(
        rename = "local-application-data",
        skip_serializing_if = "Option::is_none"
    )]
    pub local_application_data: Option<Bag>,
    /// This unit's bag.
    #[serde(rename = "local-unit")]
    pub local_unit: UnitRelationData,
    /// Each unit across, with its bag.
    #[serde(rename = "related-units", skip_serializing_if = "BTreeMap::is_empty")]
    pub related_units: BTreeMap<String, UnitRelationData>,
}

/// A unit's bag in one relation.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRelationData {
    /// Whether it is in the relation.
    #[serde(rename = "in-scope")]
    pub in_scope: bool,
    /// Its bag.
    pub data: Bag,
}

/// One secret as `juju secrets` and `juju show-secret` show it.
#[derive(Debug, Clone, Serialize)]
pub struct SecretView {
    /// Its URI.
    #[serde(skip)]
    pub uri: String,
    /// Its ID (the URI's last part).
    #[serde(skip)]
    pub id: String,
    /// Its latest revision.
    pub revision: u32,
    /// Its rotation policy.
    pub rotation: String,
    /// Its owner: `<application>`, `<unit>`, or `<model>` for a user's.
    pub owner: String,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A user secret's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its owner's label, for a charm's secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// When it was made.
    pub created: String,
    /// When it last changed.
    pub updated: String,
    /// Its latest content, when asked for (`--reveal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Bag>,
    /// Its revisions.
    pub revisions: Vec<SecretRevisionView>,
    /// Who else may read it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<SecretAccess>,
    /// Which revision each reader tracks (charmbox shows it).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub consumers: BTreeMap<String, SecretConsumerView>,
}

/// A revision of a secret.
#[derive(Debug, Clone, Serialize)]
pub struct SecretRevisionView {
    /// Its number.
    pub revision: u32,
    /// When it was made.
    pub created: String,
    /// When it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// A grant of a secret.
#[derive(Debug, Clone, Serialize)]
pub struct SecretAccess {
    /// `application-NAME` or `unit-NAME-N`.
    pub target: String,
    /// `relation-KEY`, or `model-UUID`.
    pub scope: String,
    /// `view`.
    pub role: String,
}

/// What a reader tracks of a secret.
#[derive(Debug, Clone, Serialize)]
pub struct SecretConsumerView {
    /// The revision.
    pub revision: u32,
    /// Its own label for the secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl LocalModel {
    /// The leader of `application`, when the model knows the application
    /// and it has one (`app/leader` in `charmbox run`).
    pub fn leader(&self, application: &str) -> LocalResult<Option<UnitName>> {
        self.read(|rows| {
            let Some(app) = rows.application(application)? else {
                return Ok(None);
            };
            app.leader
                .map(|leader| {
                    leader.parse().map_err(|e: crate::unit::UnitNameError| {
                        rows.bad(
                            format!("application {application}"),
                            "leader",
                            e.to_string(),
                        )
                    })
                })
                .transpose()
        })
    }

    /// `juju status`.
    pub fn status(&self) -> LocalResult<ModelStatus> {
        self.read(|rows| {
            let applications = rows.applications()?;
            let relations = rows.all_relations()?;
            let mut status = ModelStatus {
                model: ModelSummary {
                    name: self.identity().name.clone(),
                    uuid: self.identity().uuid.clone(),
                    kind: "local",
                    version: LOCAL_JUJU_VERSION,
                },
                applications: BTreeMap::new(),
                stand_ins: BTreeMap::new(),
                relations: relations.iter().map(summary).collect(),
            };
            for application in &applications {
                let units = rows.units(&application.name)?;
                if application.is_stand_in() {
                    status.stand_ins.insert(
                        application.name.clone(),
                        stand_in_status(application, &units, &relations),
                    );
                    continue;
                }
                let mut unit_views = BTreeMap::new();
                for unit in &units {
                    let name = unit.name.to_string();
                    let ports = rows.opened_ports(&name)?;
                    unit_views.insert(
                        name.clone(),
                        UnitStatus {
                            workload_status: StatusView::of(&unit.status, unit.status_since),
                            juju_status: AgentStatusView {
                                current: AgentStatus::Idle,
                                since: None,
                                version: LOCAL_JUJU_VERSION,
                                life: None,
                            },
                            last_hook: None,
                            leader: application.leader.as_deref() == Some(name.as_str()),
                            open_ports: sorted_ports(ports.into_iter().map(|(_, r)| r)),
                            workload_version: unit.workload_version.clone(),
                        },
                    );
                }
                let mut related: BTreeMap<String, Vec<RelatedApplication>> = BTreeMap::new();
                for relation in &relations {
                    let Some(side) = relation.side(&application.name) else {
                        continue;
                    };
                    let other = relation.other_side(&application.name).expect("has a side");
                    related
                        .entry(side.endpoint.clone())
                        .or_default()
                        .push(RelatedApplication {
                            related_application: other.application.clone(),
                            interface: side.interface.clone(),
                            relation_id: relation.id.0,
                        });
                }
                status.applications.insert(
                    application.name.clone(),
                    ApplicationStatus {
                        charm: application
                            .charm
                            .as_ref()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default(),
                        charm_name: application.charm_name.clone(),
                        status: application_status(application, &units),
                        status_derived: application.status.status == Status::Unknown,
                        relations: related,
                        scale: units.len(),
                        units: unit_views,
                        version: latest_version(&units),
                    },
                );
            }
            Ok(status)
        })
    }

    /// `juju show-unit UNIT`.
    pub fn show_unit(&self, unit: &UnitName) -> LocalResult<UnitInfo> {
        let name = unit.to_string();
        self.read(|rows| {
            let record = rows
                .unit(&name)?
                .ok_or_else(|| LocalModelError::UnitNotFound(name.clone()))?;
            let application = rows
                .application(unit.application())?
                .ok_or_else(|| LocalModelError::UnitNotFound(name.clone()))?;
            let mut relation_info = Vec::new();
            for relation in rows.relations_of(unit.application())? {
                let side = relation.side(unit.application()).expect("in it");
                let other = relation.other_side(unit.application()).expect("has one");
                let mut bags = rows.bags(relation.id)?;
                let mut related_units = BTreeMap::new();
                for other_unit in rows.units(&other.application)? {
                    let other_name = other_unit.name.to_string();
                    if other_name == name {
                        continue;
                    }
                    related_units.insert(
                        other_name.clone(),
                        UnitRelationData {
                            in_scope: true,
                            data: bags.remove(&other_name).unwrap_or_default(),
                        },
                    );
                }
                relation_info.push(RelationData {
                    relation_id: relation.id.0,
                    endpoint: side.endpoint.clone(),
                    related_endpoint: other.endpoint.clone(),
                    application_data: bags.get(&other.application).cloned().unwrap_or_default(),
                    local_application_data: (!relation.is_peer())
                        .then(|| bags.get(unit.application()).cloned().unwrap_or_default()),
                    local_unit: UnitRelationData {
                        in_scope: true,
                        data: bags.remove(&name).unwrap_or_default(),
                    },
                    related_units,
                });
            }
            Ok(UnitInfo {
                workload_version: record.workload_version.clone(),
                opened_ports: sorted_ports(rows.opened_ports(&name)?.into_iter().map(|(_, r)| r)),
                charm: application
                    .charm
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                leader: application.leader.as_deref() == Some(name.as_str()),
                life: "alive",
                workload_status: StatusView::of(&record.status, record.status_since),
                relation_info,
                unit_state: rows.unit_state(&name)?,
            })
        })
    }

    /// `juju secrets` (and with `reveal`, their latest content, as
    /// `juju show-secret --reveal`), by URI.
    pub fn secrets(&self, reveal: bool) -> LocalResult<Vec<SecretView>> {
        self.read(|rows| {
            let mut views = Vec::new();
            for secret in rows.all_secrets()? {
                let revisions = rows.secret_revisions(&secret.id)?;
                let content = if reveal {
                    revisions
                        .iter()
                        .find(|r| r.revision == secret.latest_revision)
                        .map(|r| r.content.clone())
                } else {
                    None
                };
                let mut access = Vec::new();
                for grant in rows.secret_grants(&secret.id)? {
                    let scope = match grant.relation {
                        Some(id) => match rows.relation(id)? {
                            Some(relation) => relation_tag(&relation),
                            None => format!("relation-{id}"),
                        },
                        None => format!("model-{}", self.identity().uuid),
                    };
                    access.push(SecretAccess {
                        target: entity_tag(&grant.subject),
                        scope,
                        role: grant.role,
                    });
                }
                let consumers = rows
                    .consumers(&secret.id)?
                    .into_iter()
                    .map(|c| {
                        (
                            c.unit,
                            SecretConsumerView {
                                revision: c.revision,
                                label: c.label,
                            },
                        )
                    })
                    .collect();
                let (owner, name, label) = match &secret.owner {
                    SecretOwnership::Application(app) => (app.clone(), None, secret.label.clone()),
                    SecretOwnership::Unit(unit) => (unit.clone(), None, secret.label.clone()),
                    SecretOwnership::Model => ("<model>".to_owned(), secret.label.clone(), None),
                };
                let uri = secret.uri(&self.identity().uuid);
                views.push(SecretView {
                    uri: uri.to_string(),
                    id: secret.id.clone(),
                    revision: secret.latest_revision,
                    rotation: secret.rotate.as_str().to_owned(),
                    owner,
                    description: secret.description.clone(),
                    name,
                    label,
                    created: format_time(secret.created),
                    updated: format_time(secret.updated),
                    content,
                    revisions: revisions
                        .iter()
                        .map(|r| SecretRevisionView {
                            revision: r.revision,
                            created: format_time(r.created),
                            expires: r.expiry.map(format_time),
                        })
                        .collect(),
                    access,
                    consumers,
                });
            }
            Ok(views)
        })
    }

    /// `juju show-secret NAME|URI|ID`: the secrets `query` names, by
    /// their URI or ID, a user's secret's name, or a charm's label (which
    /// charms' secrets may share), with their latest content when
    /// `reveal`; Juju's `secret "…" not found` when none.
    pub fn show_secret(&self, query: &str, reveal: bool) -> LocalResult<Vec<SecretView>> {
        let id = SecretUri::parse(query).ok().map(|uri| uri.id);
        let found: Vec<SecretView> = self
            .secrets(reveal)?
            .into_iter()
            .filter(|s| {
                id.as_ref() == Some(&s.id)
                    || s.name.as_deref() == Some(query)
                    || s.label.as_deref() == Some(query)
            })
            .collect();
        if found.is_empty() {
            return Err(LocalModelError::SecretNotFound(query.to_owned()));
        }
        Ok(found)
    }

    /// The debug log's lines after line `after` (0: all), of `unit` when
    /// given, each with its number (to ask for the next ones).
    pub fn debug_log(
        &self,
        unit: Option<&UnitName>,
        after: i64,
    ) -> LocalResult<Vec<(i64, DebugLogLine)>> {
        let unit = unit.map(ToString::to_string);
        self.read(|rows| rows.debug_log(unit.as_deref(), after))
    }
}

fn summary(relation: &RelationRecord) -> RelationSummary {
    let side = |role| {
        relation
            .endpoints
            .iter()
            .find(|e| e.role == role)
            .or(relation.endpoints.first())
            .map(|e| format!("{}:{}", e.application, e.endpoint))
            .unwrap_or_default()
    };
    use crate::charm::endpoints::RelationRole;
    RelationSummary {
        id: relation.id.0,
        provider: side(RelationRole::Provider),
        requirer: side(RelationRole::Requirer),
        interface: relation
            .endpoints
            .first()
            .map(|e| e.interface.clone())
            .unwrap_or_default(),
        kind: if relation.is_peer() {
            "peer"
        } else {
            "regular"
        },
    }
}

fn stand_in_status(
    application: &ApplicationRecord,
    units: &[UnitRecord],
    relations: &[RelationRecord],
) -> StandInStatus {
    let mut endpoints = BTreeMap::new();
    let mut related: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for relation in relations {
        let Some(side) = relation.side(&application.name) else {
            continue;
        };
        endpoints.insert(
            side.endpoint.clone(),
            StandInEndpoint {
                interface: side.interface.clone(),
                role: side.role.as_str().to_owned(),
            },
        );
        if let Some(other) = relation.other_side(&application.name) {
            related
                .entry(side.endpoint.clone())
                .or_default()
                .push(other.application.clone());
        }
    }
    StandInStatus {
        endpoints,
        units: units.iter().map(|u| u.name.to_string()).collect(),
        relations: related,
    }
}

/// The application's status as `juju status` shows it: its own, or when
/// it has none (`unknown`), its units' most significant.
fn application_status(application: &ApplicationRecord, units: &[UnitRecord]) -> StatusView {
    if application.status.status != Status::Unknown {
        return StatusView::of(&application.status, application.status_since);
    }
    let severity = |status: Status| match status {
        Status::Error => 100,
        Status::Blocked => 90,
        Status::Maintenance => 80,
        Status::Waiting => 70,
        Status::Active => 60,
        Status::Unknown => 40,
    };
    let mut derived = StatusView::of(&application.status, application.status_since);
    let mut current = severity(Status::Unknown);
    for unit in units {
        if severity(unit.status.status) > current {
            current = severity(unit.status.status);
            derived = StatusView::of(&unit.status, unit.status_since);
        }
    }
    derived
}

/// The workload version a unit set last.
fn latest_version(units: &[UnitRecord]) -> String {
    units
        .iter()
        .filter(|u| !u.workload_version.is_empty())
        .max_by_key(|u| u.workload_version_since)
        .map(|u| u.workload_version.clone())
        .unwrap_or_default()
}

/// Port ranges as Juju names them (`80/tcp`).
fn port_names<S: serde::Serializer>(
    ranges: &[PortRange],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(ranges.iter().map(ToString::to_string))
}

/// Port ranges in Juju's order (by protocol name, then ports), once each.
fn sorted_ports(ranges: impl Iterator<Item = PortRange>) -> Vec<PortRange> {
    let mut ranges: Vec<PortRange> = ranges.collect();
    ranges.sort_by_key(|r| {
        let protocol = match r.protocol {
            Protocol::Icmp => 0,
            Protocol::Tcp => 1,
            Protocol::Udp => 2,
        };
        (protocol, r.from, r.to)
    });
    ranges.dedup();
    ranges
}

/// Juju's tag of an application or unit: `application-mysql`,
/// `unit-mysql-0`.
fn entity_tag(name: &str) -> String {
    match name.split_once('/') {
        Some((app, number)) => format!("unit-{app}-{number}"),
        None => format!("application-{name}"),
    }
}

/// Juju's tag of a relation: `relation-wordpress.db#mysql.server`.
fn relation_tag(relation: &RelationRecord) -> String {
    format!(
        "relation-{}",
        relation.key().replace(':', ".").replace(' ', "#")
    )
}

/// A time as Juju's status shows one: `02 Jan 2006 15:04:05Z`.
pub fn format_since(t: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let rfc = humantime::format_rfc3339_seconds(t).to_string();
    // 2026-12-01T22:05:35Z
    let month: usize = rfc[5..7].parse().unwrap_or(1);
    format!(
        "{} {} {} {}Z",
        &rfc[8..10],
        MONTHS[month.clamp(1, 12) - 1],
        &rfc[0..4],
        &rfc[11..19]
    )
}

/// A time as `juju secrets` shows one: RFC 3339, to the second.
fn format_time(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}
