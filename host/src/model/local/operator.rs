//! What an operator changes in the local model, as Juju's commands change
//! a model: `juju config` ([`LocalModel::set_config`]), leadership (Juju
//! elects leaders; locally [`LocalModel::set_leader`] chooses), `juju
//! integrate` with a stand-in for a remote application
//! ([`LocalModel::integrate`]), `juju add-secret` and `juju grant-secret`
//! ([`LocalModel::add_user_secret`], [`LocalModel::grant_user_secret`]).
//! Refusals are worded as Juju words them.
//!
//! Each command that changes the model is one function here
//! ([`LocalModel::set_config`], [`LocalModel::set_leader`],
//! [`LocalModel::integrate`], [`LocalModel::add_user_secret`],
//! [`LocalModel::grant_user_secret`], [`LocalModel::revoke_user_secret`]),
//! so what Juju does after such a change (the hooks it fires:
//! `config-changed`, `leader-elected`, `relation-created`/`-joined`,
//! `secret-changed`) has one place to start from.

use std::path::Path;
use std::time::SystemTime;

use indexmap::IndexMap;
use serde_json::Value;

use super::db::{LocalModelError, LocalResult};
use super::records::{ApplicationRecord, Rows};
use super::relations::{EndpointRecord, RelationRecord};
use super::secrets::{SecretOwnership, SecretRecord, SecretUri};
use super::standin::StandIn;
use super::{CharmModel, LocalModel};
use crate::charm::config::{go_quote, ConfigValue};
use crate::charm::endpoints::{RelationEndpoint, RelationRole};
use crate::charm::Charm;
use crate::model::{Bag, RotatePolicy};
use crate::unit::UnitName;

/// An application's config as `juju config APP` shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ApplicationConfig {
    /// The application.
    pub application: String,
    /// Its charm's name.
    pub charm: String,
    /// Each option, by name.
    pub settings: IndexMap<String, ConfigSetting>,
}

/// One option of an application's config.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConfigSetting {
    /// Its default, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Its description.
    pub description: String,
    /// `user` (set by the operator, to something else than the default),
    /// `default`, or `unset`.
    pub source: &'static str,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// What a charm reads, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// The other side of a new relation.
#[derive(Debug, Clone)]
pub enum RelationTarget {
    /// A stand-in for a remote application, described by the operator.
    StandIn(StandIn),
}

impl LocalModel {
    /// The application `name`, or Juju's `application "name" not found`.
    pub fn application(&self, name: &str) -> LocalResult<ApplicationRecord> {
        self.read(|rows| rows.application(name))?
            .ok_or_else(|| not_found_application(name))
    }

    /// Every application, stand-ins included.
    pub fn applications(&self) -> LocalResult<Vec<ApplicationRecord>> {
        self.read(|rows| rows.applications())
    }

    /// A local application and what its charm declares (read again from
    /// the charm's path: the model keeps where the charm is, not a copy).
    pub fn local_application(&self, name: &str) -> LocalResult<(ApplicationRecord, CharmModel)> {
        let application = self.application(name)?;
        let Some(path) = application.charm.clone() else {
            return Err(LocalModelError::Refused(format!(
                "application {name:?} is a stand-in for a remote application: it has no charm"
            )));
        };
        let charm = read_charm_model(&path).map_err(|message| LocalModelError::Charm {
            application: name.to_owned(),
            path: path.clone(),
            message,
        })?;
        Ok((application, charm))
    }

    /// `juju config APP`: every option, with its default, its value and
    /// where that comes from.
    pub fn config(&self, application: &str) -> LocalResult<ApplicationConfig> {
        let (record, charm) = self.local_application(application)?;
        let stored = self.read(|rows| rows.config(application))?;
        let mut settings = IndexMap::new();
        for option in charm.config.iter() {
            let set = stored
                .get(&option.name)
                .and_then(|v| ConfigValue::from_stored(option.kind, v));
            let default = option.default.as_ref().map(ConfigValue::to_json);
            let (source, value) = match (&set, &option.default) {
                (Some(set), default) if default.as_ref() != Some(set) => {
                    ("user", Some(set.to_json()))
                }
                (_, Some(default)) => ("default", Some(default.to_json())),
                (_, None) => ("unset", None),
            };
            settings.insert(
                option.name.clone(),
                ConfigSetting {
                    default,
                    description: option.description.clone(),
                    source,
                    kind: option.kind.to_string(),
                    value,
                },
            );
        }
        settings.sort_keys();
        Ok(ApplicationConfig {
            application: record.name,
            charm: record.charm_name,
            settings,
        })
    }

    /// `juju config APP KEY`: what a charm reads of one option, as text;
    /// empty when it has no value.
    pub fn config_value(&self, application: &str, key: &str) -> LocalResult<String> {
        let config = self.config(application)?;
        let setting = config.settings.get(key).ok_or_else(|| {
            LocalModelError::Refused(format!(
                "key {} not found in {} application config or charm settings.",
                go_quote(key),
                go_quote(application)
            ))
        })?;
        Ok(match &setting.value {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        })
    }

    /// `juju config APP key=value… --reset key,…`: each value typed from its
    /// text as Juju types it, each reset key back to its default. All or
    /// nothing.
    pub fn set_config(
        &self,
        application: &str,
        values: &[(String, String)],
        reset: &[String],
    ) -> LocalResult<()> {
        if let Some(key) = reset.iter().find(|k| values.iter().any(|(v, _)| v == *k)) {
            return Err(LocalModelError::Refused(format!(
                "cannot set and reset key {} simultaneously",
                go_quote(key)
            )));
        }
        let (_, charm) = self.local_application(application)?;
        for key in reset {
            charm.config.option(key)?;
        }
        let typed = values
            .iter()
            .map(|(key, text)| {
                Ok((
                    key.clone(),
                    charm.config.parse_setting(key, text)?.to_json(),
                ))
            })
            .collect::<LocalResult<Vec<_>>>()?;
        self.write(|rows| rows.update_config(application, &typed, reset))
    }

    /// Makes `unit` its application's leader (Juju elects one; locally the
    /// operator chooses, and a new application's first unit leads).
    pub fn set_leader(&self, unit: &UnitName) -> LocalResult<()> {
        self.write(|rows| {
            let application = rows
                .application(unit.application())?
                .ok_or_else(|| not_found_application(unit.application()))?;
            if application.is_stand_in() {
                return Err(LocalModelError::Refused(format!(
                    "application {:?} is a stand-in for a remote application: its leader is not \
                     this model's to choose",
                    application.name
                )));
            }
            if rows.unit(&unit.to_string())?.is_none() {
                return Err(LocalModelError::UnitNotFound(unit.to_string()));
            }
            rows.set_leader(unit.application(), Some(&unit.to_string()))
        })
    }

    /// Removes `unit` (its hooks have run: `juju remove-unit`'s end); the
    /// unit that leads its application now, if leadership moved.
    pub fn remove_unit(&self, unit: &UnitName) -> LocalResult<Option<UnitName>> {
        self.write(|rows| {
            if rows.unit(&unit.to_string())?.is_none() {
                return Err(LocalModelError::UnitNotFound(unit.to_string()));
            }
            rows.remove_unit(unit)
        })
    }

    /// The number `application`'s next unit takes (never a removed one's).
    pub fn next_unit_number(&self, application: &str) -> LocalResult<u32> {
        self.read(|rows| rows.next_unit_number(application))
    }

    /// `juju integrate APP[:ENDPOINT] OTHER`: a relation between a local
    /// application's endpoint (the one its charm declares that fits, when
    /// not named) and `target`, with the target's databags.
    pub fn integrate(
        &self,
        application: &str,
        endpoint: Option<&str>,
        target: &RelationTarget,
    ) -> LocalResult<RelationRecord> {
        let (_, charm) = self.local_application(application)?;
        let RelationTarget::StandIn(stand_in) = target;
        let local = choose_endpoint(application, &charm, endpoint, stand_in.interface.as_deref())?;
        let remote = EndpointRecord {
            application: stand_in.application.clone(),
            endpoint: stand_in
                .endpoint
                .clone()
                .unwrap_or_else(|| local.name.clone()),
            role: local.role.counterpart(),
            interface: local.interface.clone(),
        };
        if let Some(interface) = &stand_in.interface {
            if *interface != local.interface {
                return Err(LocalModelError::Refused(format!(
                    "no relations found: {application}:{} speaks {:?}, and {} says it speaks {:?}",
                    local.name, local.interface, stand_in.application, interface
                )));
            }
        }
        let local_side = EndpointRecord {
            application: application.to_owned(),
            endpoint: local.name.clone(),
            role: local.role,
            interface: local.interface.clone(),
        };
        self.write(|rows| {
            match rows.application(&stand_in.application)? {
                Some(existing) if !existing.is_stand_in() => {
                    return Err(LocalModelError::Refused(format!(
                        "application {:?} is a local application, not a stand-in: relating two \
                         local applications is not supported yet",
                        stand_in.application
                    )))
                }
                Some(_) => {
                    for (unit, _) in &stand_in.units {
                        if rows.unit(&unit.to_string())?.is_none() {
                            rows.add_unit(&stand_in.application, unit)?;
                        }
                    }
                }
                None => {
                    let units: Vec<UnitName> =
                        stand_in.units.iter().map(|(u, _)| u.clone()).collect();
                    rows.add_stand_in(&stand_in.application, &units)?;
                }
            }
            let existing = rows.relations_of(application)?;
            let key = RelationRecord {
                id: crate::model::RelationId(0),
                endpoints: vec![local_side.clone(), remote.clone()],
            }
            .key();
            if existing.iter().any(|r| r.key() == key) {
                return Err(LocalModelError::Refused(format!(
                    "cannot add relation \"{key}\": relation {key} already exists"
                )));
            }
            if let Some(limit) = local.limit {
                let in_use = existing
                    .iter()
                    .filter(|r| {
                        r.side(application)
                            .is_some_and(|s| s.endpoint == local.name)
                    })
                    .count();
                if in_use >= limit as usize {
                    return Err(LocalModelError::Refused(format!(
                        "establishing a new relation for {application}:{} would exceed its \
                         maximum relation limit of {limit}",
                        local.name
                    )));
                }
            }
            let id = rows.add_relation(&[local_side.clone(), remote.clone()])?;
            let app_data: Vec<(String, Option<String>)> = stand_in
                .application_data
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .collect();
            rows.update_bag(
                id,
                &stand_in.application,
                app_data.iter().map(|(k, v)| (k, v)),
            )?;
            for (unit, data) in &stand_in.units {
                let data: Vec<(String, Option<String>)> = data
                    .iter()
                    .map(|(k, v)| (k.clone(), Some(v.clone())))
                    .collect();
                rows.update_bag(id, &unit.to_string(), data.iter().map(|(k, v)| (k, v)))?;
            }
            rows.relation(id)?
                .ok_or_else(|| LocalModelError::Refused("the new relation vanished".into()))
        })
    }

    /// `juju add-secret NAME key=value…`: a user's secret, owned by the
    /// model, that charms read once granted; its URI (`secret:<id>`).
    pub fn add_user_secret(
        &self,
        name: &str,
        content: &Bag,
        description: Option<&str>,
    ) -> LocalResult<SecretUri> {
        if content.is_empty() {
            return Err(LocalModelError::Refused(
                "missing secret value or filename".into(),
            ));
        }
        if let Some(key) = content
            .keys()
            .find(|k| !crate::model::context::is_secret_key(k))
        {
            return Err(LocalModelError::Refused(format!(
                "key {} not valid",
                go_quote(key)
            )));
        }
        let uri = SecretUri {
            source: None,
            ..SecretUri::new(&self.identity().uuid)
        };
        let now = SystemTime::now();
        self.write(|rows| {
            if rows
                .secret_by_label(&SecretOwnership::Model, name)?
                .is_some()
            {
                return Err(LocalModelError::Refused(format!(
                    "secret with label {} already exists",
                    go_quote(name)
                )));
            }
            let secret = SecretRecord {
                id: uri.id.clone(),
                owner: SecretOwnership::Model,
                label: Some(name.to_owned()),
                description: description.map(str::to_owned),
                rotate: RotatePolicy::Never,
                next_rotation: None,
                latest_revision: 1,
                created: now,
                updated: now,
            };
            rows.insert_secret(&secret, content, None)
        })?;
        Ok(uri)
    }

    /// `juju update-secret NAME|URI key=value…`: a new revision of a user's
    /// secret with `content` (none when it is the latest's already), and
    /// its description when given. The new revision, if any.
    pub fn update_user_secret(
        &self,
        secret: &str,
        content: &Bag,
        description: Option<&str>,
    ) -> LocalResult<Option<u32>> {
        if content.is_empty() && description.is_none() {
            return Err(LocalModelError::Refused(
                "missing secret value or filename".into(),
            ));
        }
        if let Some(key) = content
            .keys()
            .find(|k| !crate::model::context::is_secret_key(k))
        {
            return Err(LocalModelError::Refused(format!(
                "key {} not valid",
                go_quote(key)
            )));
        }
        self.write(|rows| {
            let mut record = user_secret(rows, secret)?;
            if let Some(description) = description {
                record.description = Some(description.to_owned());
            }
            let latest = rows
                .secret_revision(&record.id, record.latest_revision)?
                .map(|r| r.content);
            let revision = (!content.is_empty() && latest.as_ref() != Some(content))
                .then_some(record.latest_revision + 1);
            if let Some(revision) = revision {
                rows.add_secret_revision(&record.id, revision, content, None)?;
                record.latest_revision = revision;
            }
            rows.update_secret(&record)?;
            Ok(revision)
        })
    }

    /// `juju grant-secret NAME|URI APP…`: lets each application's units
    /// read a user's secret.
    pub fn grant_user_secret(&self, secret: &str, applications: &[String]) -> LocalResult<()> {
        self.write(|rows| {
            let record = user_secret(rows, secret)?;
            for application in applications {
                if rows.application(application)?.is_none() {
                    return Err(not_found_application(application));
                }
                rows.grant_secret(&record.id, application, None)?;
            }
            Ok(())
        })
    }

    /// `juju revoke-secret NAME|URI APP…`.
    pub fn revoke_user_secret(&self, secret: &str, applications: &[String]) -> LocalResult<()> {
        self.write(|rows| {
            let record = user_secret(rows, secret)?;
            for application in applications {
                rows.revoke_secret(&record.id, application)?;
            }
            Ok(())
        })
    }
}

/// A user secret's content from `key=value` arguments, as Juju's
/// `CreateSecretData` reads them: `key=value`, `key#base64=VALUE` (the
/// value base64-encoded; it must decode to text, as charmbox keeps
/// content as text), `key#file=PATH` (the value read from a file).
pub fn user_secret_content(args: &[String]) -> LocalResult<Bag> {
    use base64::Engine as _;
    let refused = LocalModelError::Refused;
    let mut content = Bag::new();
    for arg in args {
        // Trailing `=` belong to a base64 value, not to the key's end.
        let index = arg.trim_end_matches('=').find('=').filter(|i| *i >= 1);
        let Some(index) = index else {
            return Err(refused(format!("key value {} not valid", go_quote(arg))));
        };
        let (key, value) = (&arg[..index], &arg[index + 1..]);
        let (key, value) = if let Some(key) = key.strip_suffix("#base64") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(value)
                .map_err(|e| refused(format!("the value of {}: {e}", go_quote(key))))?;
            let text = String::from_utf8(bytes).map_err(|_| {
                refused(format!(
                    "the value of {} is not UTF-8 text once decoded; charmbox keeps secret \
                     content as text",
                    go_quote(key)
                ))
            })?;
            (key, text)
        } else if let Some(key) = key.strip_suffix("#file") {
            let text = std::fs::read_to_string(value).map_err(|e| {
                refused(format!(
                    "reading content for secret key {}: open {value}: {e}",
                    go_quote(key)
                ))
            })?;
            (key, text)
        } else {
            (key, value.to_owned())
        };
        if content.insert(key.to_owned(), value).is_some() {
            return Err(refused(format!(
                "key {} specified more than once",
                go_quote(key)
            )));
        }
    }
    Ok(content)
}

/// A user's secret by its name or URI.
fn user_secret(rows: &Rows<'_>, secret: &str) -> LocalResult<SecretRecord> {
    let found = match SecretUri::parse(secret) {
        Ok(uri) => rows.secret(&uri.id)?,
        Err(_) => rows.secret_by_label(&SecretOwnership::Model, secret)?,
    };
    found
        .filter(|s| s.owner == SecretOwnership::Model)
        .ok_or_else(|| LocalModelError::SecretNotFound(secret.to_owned()))
}

/// The endpoint of `application` a relation is on: the one named, or the
/// only one (of the interface, when given) that is not a peer endpoint.
fn choose_endpoint<'c>(
    application: &str,
    charm: &'c CharmModel,
    endpoint: Option<&str>,
    interface: Option<&str>,
) -> LocalResult<&'c RelationEndpoint> {
    let refused = LocalModelError::Refused;
    if let Some(name) = endpoint {
        let found = charm.endpoints.get(name).ok_or_else(|| {
            refused(format!(
                "application {} has no {} relation",
                go_quote(application),
                go_quote(name)
            ))
        })?;
        if found.role == RelationRole::Peer {
            return Err(refused(format!(
                "{application}:{name} is a peer endpoint: Juju relates an application's units on \
                 it by itself"
            )));
        }
        return Ok(found);
    }
    let candidates: Vec<&RelationEndpoint> = charm
        .endpoints
        .iter()
        .filter(|e| e.role != RelationRole::Peer)
        .filter(|e| interface.is_none_or(|i| e.interface == i))
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(refused(format!(
            "no relations found: {application} has no endpoint{} to relate to",
            interface.map_or(String::new(), |i| format!(" of interface {i:?}"))
        ))),
        many => Err(refused(format!(
            "ambiguous relation: {application} has several endpoints ({}): name one, as \
             {application}:ENDPOINT",
            many.iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// What the charm at `path` (a charm directory, or a bare component)
/// declares.
pub(crate) fn read_charm_model(path: &Path) -> Result<CharmModel, String> {
    if !path.exists() {
        return Err(
            "it is not there any more; run an action of the charm from its new path \
                    to point the application at it"
                .into(),
        );
    }
    // A bare component declares nothing.
    if !path.is_dir() {
        return Ok(CharmModel::default());
    }
    let metadata = Charm::read_metadata(path).map_err(|e| e.to_string())?;
    Ok(CharmModel {
        config: metadata.config,
        endpoints: metadata.endpoints,
    })
}

fn not_found_application(name: &str) -> LocalModelError {
    LocalModelError::ApplicationNotFound(name.to_owned())
}
