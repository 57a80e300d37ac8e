//! A test's model, as `ops.testing` has it: a [`State`] given to a run
//! (config, leadership, statuses, the unit's state, relations with their
//! data, secrets, open ports) and the [`State`] after it, with the debug
//! log's lines.
//!
//! ```no_run
//! use charmbox::testing::{Context, RelationState, State, TestError};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), TestError> {
//! let ctx = Context::for_crate(env!("CARGO_MANIFEST_DIR"))?;
//! let db = RelationState::new("db", "mysql")
//!     .remote_unit("mysql/0", [("host", "10.0.0.1")]);
//! let state = State::default()
//!     .leader(true)
//!     .config("log-level", json!("debug"))
//!     .relation(db);
//! let out = ctx.run_with("connect", json!({}), &state)?;
//! assert_eq!(out.state.unit_status.message, "connected");
//! assert_eq!(out.state.relations[0].local_app_data["user"], "app");
//! assert_eq!(out.juju_log_messages(), ["connecting to 10.0.0.1"]);
//! # Ok(())
//! # }
//! ```
//!
//! Behind it is the local model charmbox runs with (in memory, made afresh
//! for each run), so a run meets Juju's rules there as it does under
//! `charmbox run`: leadership gates, relation membership, secret tracking,
//! changes kept only when the handler succeeds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::charm::endpoints::RelationRole;
use crate::model::local::records::DebugLogLine;
use crate::model::local::relations::EndpointRecord;
use crate::model::local::secrets::{SecretOwnership, SecretRecord, SecretUri};
use crate::model::local::{CharmModel, LocalModel, LocalModelError, Rows};
use crate::model::{
    Bag, LogLevel, ModelIdentity, PortRange, RelationId, RotatePolicy, SecretOwner, StatusInfo,
};
use crate::unit::UnitName;

/// The model around a run: what the unit sees before it, and after.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    /// Whether the unit leads its application.
    pub leader: bool,
    /// Config values set by the operator (the charm's defaults fill the
    /// rest), typed as JSON.
    pub config: Map<String, Value>,
    /// The unit's workload status.
    pub unit_status: StatusInfo,
    /// The application's status.
    pub app_status: StatusInfo,
    /// The unit's workload version.
    pub workload_version: String,
    /// The unit's own state (`state-set`).
    pub unit_state: Bag,
    /// Its application's relations.
    pub relations: Vec<RelationState>,
    /// The secrets it owns or may read.
    pub secrets: Vec<SecretState>,
    /// Its open ports.
    pub opened_ports: Vec<PortRange>,
    /// The unit's deferred events, oldest first: a hook run
    /// ([`super::Context::run_hook`]) runs them before its own, and its
    /// output holds those deferred after.
    pub deferred: Vec<crate::model::EventInfo>,
}

/// One relation, with every bag in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationState {
    /// The charm's endpoint.
    pub endpoint: String,
    /// Its id; a run's model numbers relations without one.
    pub id: Option<RelationId>,
    /// The application across (this one, for a peer relation).
    pub remote_app: String,
    /// The endpoint across (default: this endpoint's name).
    pub remote_endpoint: Option<String>,
    /// This unit's bag.
    pub local_unit_data: Bag,
    /// This application's bag.
    pub local_app_data: Bag,
    /// The application across's bag.
    pub remote_app_data: Bag,
    /// Each unit across (for a peer relation, the application's other
    /// units), with its bag.
    pub remote_units_data: BTreeMap<String, Bag>,
}

fn bag<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Bag {
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

impl RelationState {
    /// A relation on `endpoint` with the application `remote_app`.
    pub fn new(endpoint: &str, remote_app: &str) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            id: None,
            remote_app: remote_app.to_owned(),
            remote_endpoint: None,
            local_unit_data: Bag::new(),
            local_app_data: Bag::new(),
            remote_app_data: Bag::new(),
            remote_units_data: BTreeMap::new(),
        }
    }

    /// The peer relation on `endpoint` (the other side is this unit's own
    /// application, named when the run starts).
    pub fn peer(endpoint: &str) -> Self {
        Self::new(endpoint, "")
    }

    /// With the id `id`.
    pub fn id(mut self, id: u32) -> Self {
        self.id = Some(RelationId(id));
        self
    }

    /// With a unit across, and its bag.
    pub fn remote_unit<K: Into<String>, V: Into<String>>(
        mut self,
        unit: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.remote_units_data.insert(unit.to_owned(), bag(data));
        self
    }

    /// With the application across's bag.
    pub fn remote_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.remote_app_data = bag(data);
        self
    }

    /// With this application's bag.
    pub fn local_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.local_app_data = bag(data);
        self
    }

    /// With this unit's bag.
    pub fn local_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.local_unit_data = bag(data);
        self
    }
}

/// A secret the unit owns or may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretState {
    /// Its URI; a run's model makes one for a secret without.
    pub id: Option<String>,
    /// Its owner: this application, this unit, or (`None`) someone else,
    /// who granted this application its reading (a user's secret, say).
    pub owner: Option<SecretOwner>,
    /// The owner's label when owned, else this unit's own label for it.
    pub label: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its rotation policy.
    pub rotate: Option<RotatePolicy>,
    /// The content of the revision the unit tracks.
    pub tracked_content: Bag,
    /// The newest content, when newer than what the unit tracks.
    pub latest_content: Option<Bag>,
    /// The revision the unit tracks (set by the run's model).
    pub tracked_revision: u32,
    /// The newest revision (set by the run's model).
    pub latest_revision: u32,
    /// Who it is granted to, by relation: applications' and units' names.
    pub remote_grants: BTreeMap<RelationId, BTreeSet<String>>,
}

impl SecretState {
    /// A secret with `content`, owned by `owner` (see [`SecretState::owner`]).
    pub fn new<K: Into<String>, V: Into<String>>(
        owner: Option<SecretOwner>,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            id: None,
            owner,
            label: None,
            description: None,
            rotate: None,
            tracked_content: bag(content),
            latest_content: None,
            tracked_revision: 0,
            latest_revision: 0,
            remote_grants: BTreeMap::new(),
        }
    }

    /// With the URI `id`.
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    /// With the label `label`.
    pub fn label(mut self, label: &str) -> Self {
        self.label = Some(label.to_owned());
        self
    }

    /// With newer content than the unit tracks.
    pub fn latest<K: Into<String>, V: Into<String>>(
        mut self,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.latest_content = Some(bag(content));
        self
    }

    /// The content the unit would read with `--peek`.
    pub fn newest_content(&self) -> &Bag {
        self.latest_content
            .as_ref()
            .unwrap_or(&self.tracked_content)
    }
}

impl State {
    /// With leadership as given.
    pub fn leader(mut self, leader: bool) -> Self {
        self.leader = leader;
        self
    }

    /// With the operator's value for option `key`.
    pub fn config(mut self, key: &str, value: Value) -> Self {
        self.config.insert(key.to_owned(), value);
        self
    }

    /// With a relation.
    pub fn relation(mut self, relation: RelationState) -> Self {
        self.relations.push(relation);
        self
    }

    /// With a secret.
    pub fn secret(mut self, secret: SecretState) -> Self {
        self.secrets.push(secret);
        self
    }

    /// With the unit's state at `key`.
    pub fn unit_state(mut self, key: &str, value: &str) -> Self {
        self.unit_state.insert(key.to_owned(), value.to_owned());
        self
    }

    /// The relation on `endpoint` (the first, if there are several).
    pub fn relation_on(&self, endpoint: &str) -> Option<&RelationState> {
        self.relations.iter().find(|r| r.endpoint == endpoint)
    }

    /// The secret labelled `label`.
    pub fn secret_labelled(&self, label: &str) -> Option<&SecretState> {
        self.secrets
            .iter()
            .find(|s| s.label.as_deref() == Some(label))
    }
}

/// A `juju-log` line a run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JujuLogLine {
    /// Its level.
    pub level: LogLevel,
    /// The message.
    pub message: String,
}

/// A run's model in memory: `state` written in for `unit`, whose charm
/// (at `charm_path`, named `charm_name`) declares `charm`.
pub(super) fn seed(
    identity: ModelIdentity,
    unit: &UnitName,
    charm_path: &Path,
    charm_name: &str,
    charm: &CharmModel,
    state: &State,
) -> Result<LocalModel, String> {
    let model = LocalModel::in_memory(identity).map_err(|e| e.to_string())?;
    let application = unit.application();
    let unit_name = unit.to_string();
    model
        .write(|rows| {
            rows.record_units(application, charm_path, charm_name, &[unit])?;
            rows.set_leader(application, state.leader.then_some(unit_name.as_str()))?;
            let mut config = Vec::new();
            for (key, value) in &state.config {
                config.push((
                    key.clone(),
                    charm.config.validate_value(key, value)?.to_json(),
                ));
            }
            rows.update_config(application, &config, &[])?;
            if state.unit_status != StatusInfo::default() {
                rows.set_unit_status(&unit_name, &state.unit_status)?;
            }
            if state.app_status != StatusInfo::default() {
                rows.set_application_status(application, &state.app_status)?;
            }
            if !state.workload_version.is_empty() {
                rows.set_workload_version(&unit_name, &state.workload_version)?;
            }
            let unit_state: Vec<(String, Option<String>)> = state
                .unit_state
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .collect();
            rows.update_unit_state(&unit_name, unit_state.iter().map(|(k, v)| (k, v)))?;
            for relation in &state.relations {
                seed_relation(rows, unit, charm, relation)?;
            }
            for secret in &state.secrets {
                seed_secret(rows, &model, unit, secret)?;
            }
            for range in &state.opened_ports {
                rows.update_port(&unit_name, "", *range, true)?;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    Ok(model)
}

fn refused(message: String) -> LocalModelError {
    LocalModelError::Refused(message)
}

fn set_bag(
    rows: &Rows<'_>,
    relation: RelationId,
    holder: &str,
    bag: &Bag,
) -> Result<(), LocalModelError> {
    let changes: Vec<(String, Option<String>)> = bag
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    rows.update_bag(relation, holder, changes.iter().map(|(k, v)| (k, v)))
}

fn seed_relation(
    rows: &Rows<'_>,
    unit: &UnitName,
    charm: &CharmModel,
    relation: &RelationState,
) -> Result<(), LocalModelError> {
    let application = unit.application();
    let endpoint = charm.endpoints.get(&relation.endpoint).ok_or_else(|| {
        refused(format!(
            "the charm declares no endpoint {:?} for the relation to be on",
            relation.endpoint
        ))
    })?;
    let peer = endpoint.role == RelationRole::Peer;
    let remote_app = if peer {
        application.to_owned()
    } else {
        relation.remote_app.clone()
    };
    if !peer && (remote_app.is_empty() || remote_app == application) {
        return Err(refused(format!(
            "relation {:?} is not a peer relation: name the application across",
            relation.endpoint
        )));
    }
    let mut units = Vec::new();
    for name in relation.remote_units_data.keys() {
        let other: UnitName = name
            .parse()
            .map_err(|e: crate::unit::UnitNameError| refused(e.to_string()))?;
        if other.application() != remote_app {
            return Err(refused(format!(
                "unit {name} is not a unit of {remote_app}, across relation {:?}",
                relation.endpoint
            )));
        }
        units.push(other);
    }
    if !peer && rows.application(&remote_app)?.is_none() {
        rows.add_stand_in(&remote_app, &[])?;
    }
    for other in &units {
        if rows.unit(&other.to_string())?.is_none() {
            rows.add_unit(&remote_app, other)?;
        }
    }
    let mut sides = vec![EndpointRecord {
        application: application.to_owned(),
        endpoint: endpoint.name.clone(),
        role: endpoint.role,
        interface: endpoint.interface.clone(),
    }];
    if !peer {
        sides.push(EndpointRecord {
            application: remote_app.clone(),
            endpoint: relation
                .remote_endpoint
                .clone()
                .unwrap_or_else(|| endpoint.name.clone()),
            role: endpoint.role.counterpart(),
            interface: endpoint.interface.clone(),
        });
    }
    let id = match relation.id {
        Some(id) => {
            rows.add_relation_as(id, &sides)?;
            id
        }
        None => rows.add_relation(&sides)?,
    };
    set_bag(rows, id, &unit.to_string(), &relation.local_unit_data)?;
    set_bag(rows, id, application, &relation.local_app_data)?;
    if !peer {
        set_bag(rows, id, &remote_app, &relation.remote_app_data)?;
    }
    for (name, data) in &relation.remote_units_data {
        set_bag(rows, id, name, data)?;
    }
    Ok(())
}

fn seed_secret(
    rows: &Rows<'_>,
    model: &LocalModel,
    unit: &UnitName,
    secret: &SecretState,
) -> Result<(), LocalModelError> {
    let uri = match &secret.id {
        Some(text) => SecretUri::parse(text).map_err(refused)?,
        None => SecretUri::new(&model.identity().uuid),
    };
    let owner = match secret.owner {
        Some(SecretOwner::Application) => SecretOwnership::Application(unit.application().into()),
        Some(SecretOwner::Unit) => SecretOwnership::Unit(unit.to_string()),
        None => SecretOwnership::Model,
    };
    let now = SystemTime::now();
    let latest = if secret
        .latest_content
        .as_ref()
        .is_some_and(|l| *l != secret.tracked_content)
    {
        2
    } else {
        1
    };
    let record = SecretRecord {
        id: uri.id.clone(),
        owner: owner.clone(),
        label: secret
            .label
            .clone()
            .filter(|_| owner != SecretOwnership::Model),
        description: secret.description.clone(),
        rotate: secret.rotate.unwrap_or(RotatePolicy::Never),
        next_rotation: None,
        latest_revision: latest,
        created: now,
        updated: now,
    };
    // Revision 1 is what the unit tracks; revision 2, when given, newer.
    let first = SecretRecord {
        latest_revision: 1,
        ..record.clone()
    };
    rows.insert_secret(&first, &secret.tracked_content, None)?;
    if let (2, Some(latest_content)) = (latest, &secret.latest_content) {
        rows.add_secret_revision(&uri.id, 2, latest_content, None)?;
        rows.update_secret(&record)?;
    }
    let consumer_label = secret
        .label
        .as_deref()
        .filter(|_| owner == SecretOwnership::Model);
    rows.save_consumer(&uri.id, &unit.to_string(), 1, consumer_label)?;
    if owner == SecretOwnership::Model {
        rows.grant_secret(&uri.id, unit.application(), None)?;
    }
    for (relation, subjects) in &secret.remote_grants {
        for subject in subjects {
            rows.grant_secret(&uri.id, subject, Some(*relation))?;
        }
    }
    Ok(())
}

/// The model after a run of `unit`, and the lines it logged.
pub(super) fn read_back(
    model: &LocalModel,
    unit: &UnitName,
    given: &State,
) -> Result<(State, Vec<JujuLogLine>), String> {
    let application = unit.application();
    let unit_name = unit.to_string();
    model
        .read(|rows| {
            let app = rows
                .application(application)?
                .ok_or_else(|| refused("the application vanished".into()))?;
            let record = rows
                .unit(&unit_name)?
                .ok_or_else(|| refused("the unit vanished".into()))?;
            let mut relations = Vec::new();
            for relation in rows.relations_of(application)? {
                let side = relation.side(application).expect("in it");
                let other = relation.other_side(application).expect("has one");
                let mut bags = rows.bags(relation.id)?;
                let mut remote_units_data = BTreeMap::new();
                for other_unit in rows.units(&other.application)? {
                    let name = other_unit.name.to_string();
                    if name != unit_name {
                        let data = bags.remove(&name).unwrap_or_default();
                        remote_units_data.insert(name, data);
                    }
                }
                relations.push(RelationState {
                    endpoint: side.endpoint.clone(),
                    id: Some(relation.id),
                    remote_app: other.application.clone(),
                    remote_endpoint: Some(other.endpoint.clone()),
                    local_unit_data: bags.remove(&unit_name).unwrap_or_default(),
                    local_app_data: bags.get(application).cloned().unwrap_or_default(),
                    remote_app_data: if relation.is_peer() {
                        Bag::new()
                    } else {
                        bags.remove(&other.application).unwrap_or_default()
                    },
                    remote_units_data,
                });
            }
            let mut secrets = Vec::new();
            for secret in rows.all_secrets()? {
                let owner = match &secret.owner {
                    SecretOwnership::Application(a) if a == application => {
                        Some(SecretOwner::Application)
                    }
                    SecretOwnership::Unit(u) if *u == unit_name => Some(SecretOwner::Unit),
                    SecretOwnership::Model => None,
                    _ => continue,
                };
                let consumer = rows.consumer(&secret.id, &unit_name)?;
                let tracked_revision = consumer
                    .as_ref()
                    .map_or(secret.latest_revision, |c| c.revision);
                let content_of = |revision: u32| -> Result<Option<Bag>, LocalModelError> {
                    Ok(rows
                        .secret_revision(&secret.id, revision)?
                        .map(|r| r.content))
                };
                let tracked_content = content_of(tracked_revision)?.unwrap_or_default();
                let latest_content =
                    content_of(secret.latest_revision)?.filter(|latest| *latest != tracked_content);
                let mut remote_grants: BTreeMap<RelationId, BTreeSet<String>> = BTreeMap::new();
                for grant in rows.secret_grants(&secret.id)? {
                    if let Some(relation) = grant.relation {
                        remote_grants
                            .entry(relation)
                            .or_default()
                            .insert(grant.subject);
                    }
                }
                let label = match owner {
                    None => consumer.and_then(|c| c.label),
                    Some(_) => secret.label.clone(),
                };
                let uri = SecretUri {
                    source: (owner.is_some()).then(|| model.identity().uuid.clone()),
                    id: secret.id.clone(),
                };
                secrets.push(SecretState {
                    id: Some(uri.to_string()),
                    owner,
                    label,
                    description: secret.description.clone(),
                    rotate: Some(secret.rotate),
                    tracked_content,
                    latest_content,
                    tracked_revision,
                    latest_revision: secret.latest_revision,
                    remote_grants,
                });
            }
            let mut opened_ports: Vec<PortRange> = rows
                .opened_ports(&unit_name)?
                .into_iter()
                .map(|(_, r)| r)
                .collect();
            opened_ports.sort();
            opened_ports.dedup();
            let state = State {
                leader: app.leader.as_deref() == Some(unit_name.as_str()),
                config: given.config.clone(),
                unit_status: record.status,
                app_status: app.status,
                workload_version: record.workload_version,
                unit_state: rows.unit_state(&unit_name)?,
                relations,
                secrets,
                opened_ports,
                deferred: given.deferred.clone(),
            };
            let log = rows
                .debug_log(Some(&unit_name), 0)?
                .into_iter()
                .map(|(_, DebugLogLine { level, message, .. })| JujuLogLine { level, message })
                .collect();
            Ok((state, log))
        })
        .map_err(|e| e.to_string())
}
