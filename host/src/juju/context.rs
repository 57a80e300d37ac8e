//! The environment Juju gives a charm process (`JUJU_*`), read once and
//! typed: where the run happens ([`JujuContext`]) and what Juju says about
//! its event ([`JujuEvent`]), which [`JujuContext::unit_context`] turns into
//! the guest's `context` interface for an action or a hook alike.

use std::ffi::OsString;
use std::path::PathBuf;

use super::dispatch::DispatchPath;
use crate::model::{EventInfo, Relation, UnitContext};
use crate::unit::{is_valid_application_name, UnitName};

/// The environment Juju gives a charm process, as far as charmbox uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JujuContext {
    /// `JUJU_DISPATCH_PATH`: what to run (`actions/<name>`, `hooks/<name>`).
    pub dispatch_path: String,
    /// `JUJU_UNIT_NAME`.
    pub unit: UnitName,
    /// `JUJU_CHARM_DIR`: the deployed charm directory.
    pub charm_dir: PathBuf,
    /// `JUJU_ACTION_NAME`, set when running an action.
    pub action_name: Option<String>,
    /// `JUJU_ACTION_UUID`, set when running an action.
    pub action_uuid: Option<String>,
    /// `JUJU_MODEL_NAME`.
    pub model_name: Option<String>,
    /// `JUJU_MODEL_UUID`: a UUID.
    pub model_uuid: Option<String>,
    /// `JUJU_VERSION`: `3.6.1`, `3.6-beta2`, `2.9.42.1`.
    pub juju_version: Option<String>,
    /// What Juju says about the event, for a hook.
    pub event: JujuEvent,
}

/// What Juju says about the running hook's event, each from its variable.
/// Juju sets them for the hooks they concern (relation hooks, secret
/// hooks, storage hooks, workload hooks) and leaves them out, or empty,
/// otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JujuEvent {
    /// `JUJU_RELATION_ID` (`db:7`), checked against `JUJU_RELATION` (its
    /// endpoint, `db`).
    pub relation: Option<Relation>,
    /// `JUJU_REMOTE_UNIT`.
    pub remote_unit: Option<UnitName>,
    /// `JUJU_REMOTE_APP`.
    pub remote_app: Option<String>,
    /// `JUJU_DEPARTING_UNIT`.
    pub departing_unit: Option<UnitName>,
    /// `JUJU_SECRET_ID`: the secret's URI.
    pub secret_id: Option<String>,
    /// `JUJU_SECRET_LABEL`.
    pub secret_label: Option<String>,
    /// `JUJU_SECRET_REVISION`: a revision, from 1.
    pub secret_revision: Option<u32>,
    /// `JUJU_STORAGE_ID`: the storage instance, `data/0`.
    pub storage_id: Option<String>,
    /// `JUJU_WORKLOAD_NAME`: the Pebble container.
    pub workload: Option<String>,
}

/// The Juju environment is missing or wrong: charmbox is not running under
/// Juju, or not as Juju runs a charm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JujuContextError {
    /// A variable Juju always sets is not set.
    #[error(
        "{0} is not set: `charmbox dispatch` runs inside a Juju hook or action, through the \
         charm's `dispatch` file; to run an action yourself use `charmbox run`"
    )]
    Missing(&'static str),
    /// A variable holds something unusable.
    #[error("{name} is {value:?}, which is not valid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is wrong.
        reason: String,
    },
}

impl JujuContext {
    /// Reads the context from this process's environment.
    pub fn from_env() -> Result<Self, JujuContextError> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// Reads the context through `lookup` (a variable's value, if set).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Self, JujuContextError> {
        let env = Env(&lookup);
        let dispatch_path = env.required("JUJU_DISPATCH_PATH")?;
        let unit = env
            .parsed("JUJU_UNIT_NAME", parse_unit)?
            .ok_or(JujuContextError::Missing("JUJU_UNIT_NAME"))?;
        let charm_dir = lookup("JUJU_CHARM_DIR")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .ok_or(JujuContextError::Missing("JUJU_CHARM_DIR"))?;
        Ok(Self {
            dispatch_path,
            unit,
            charm_dir,
            action_name: env.text("JUJU_ACTION_NAME")?,
            action_uuid: env.text("JUJU_ACTION_UUID")?,
            model_name: env.text("JUJU_MODEL_NAME")?,
            model_uuid: env.parsed("JUJU_MODEL_UUID", parse_uuid)?,
            juju_version: env.parsed("JUJU_VERSION", parse_version)?,
            event: JujuEvent::from_env(&env)?,
        })
    }

    /// The guest's `context` for running what `path` names: this unit, the
    /// model, and the event (an unset model variable reads as empty, as it
    /// would in a charm's own environment).
    pub fn unit_context(&self, path: &DispatchPath) -> UnitContext {
        let (name, is_action) = match path {
            DispatchPath::Action(name) => (name, true),
            DispatchPath::Hook(name) => (name, false),
        };
        let event = &self.event;
        UnitContext {
            unit: self.unit.clone(),
            model_name: self.model_name.clone().unwrap_or_default(),
            model_uuid: self.model_uuid.clone().unwrap_or_default(),
            juju_version: self.juju_version.clone().unwrap_or_default(),
            event: EventInfo {
                name: name.clone(),
                is_action,
                relation: event.relation.clone(),
                remote_unit: event.remote_unit.as_ref().map(UnitName::to_string),
                remote_app: event.remote_app.clone(),
                departing_unit: event.departing_unit.as_ref().map(UnitName::to_string),
                secret_id: event.secret_id.clone(),
                secret_label: event.secret_label.clone(),
                secret_revision: event.secret_revision,
                storage_id: event.storage_id.clone(),
                workload: event.workload.clone(),
            },
        }
    }
}

impl JujuEvent {
    fn from_env(env: &Env<'_>) -> Result<Self, JujuContextError> {
        let relation: Option<Relation> = env.parsed("JUJU_RELATION_ID", |id| {
            id.parse().map_err(|_| {
                "expected ENDPOINT:ID, such as db:7, as Juju sets it in a relation hook".to_owned()
            })
        })?;
        match (env.text("JUJU_RELATION")?, &relation) {
            (Some(endpoint), Some(relation)) if endpoint != relation.endpoint => {
                return Err(JujuContextError::Invalid {
                    name: "JUJU_RELATION",
                    value: endpoint,
                    reason: format!(
                        "JUJU_RELATION_ID is {relation}, a relation on endpoint {:?}; Juju sets \
                         JUJU_RELATION to the same endpoint",
                        relation.endpoint
                    ),
                });
            }
            (Some(endpoint), None) => {
                return Err(JujuContextError::Invalid {
                    name: "JUJU_RELATION",
                    value: endpoint,
                    reason: "JUJU_RELATION_ID is not set; Juju sets both in a relation hook".into(),
                })
            }
            _ => {}
        }
        Ok(Self {
            relation,
            remote_unit: env.parsed("JUJU_REMOTE_UNIT", parse_unit)?,
            remote_app: env.parsed("JUJU_REMOTE_APP", |app| {
                if is_valid_application_name(app) {
                    Ok(app.to_owned())
                } else {
                    Err(
                        "expected an application name such as mysql: lowercase letters, \
                         digits and single hyphens, starting with a letter"
                            .into(),
                    )
                }
            })?,
            departing_unit: env.parsed("JUJU_DEPARTING_UNIT", parse_unit)?,
            secret_id: env.parsed("JUJU_SECRET_ID", |uri| {
                if uri.starts_with("secret:") && uri.len() > "secret:".len() {
                    Ok(uri.to_owned())
                } else {
                    Err(
                        "expected a secret URI such as secret://<model-uuid>/<id> or \
                         secret:<id>"
                            .into(),
                    )
                }
            })?,
            secret_label: env.text("JUJU_SECRET_LABEL")?,
            secret_revision: env.parsed("JUJU_SECRET_REVISION", |revision| {
                match revision.parse::<u32>() {
                    Ok(n) if n > 0 && !revision.starts_with(['+', '0']) => Ok(n),
                    _ => Err("expected a revision number: 1 or more".into()),
                }
            })?,
            storage_id: env.parsed("JUJU_STORAGE_ID", |id| {
                // `data/0`: a storage name and an instance number, as a unit.
                match id.parse::<UnitName>() {
                    Ok(_) => Ok(id.to_owned()),
                    Err(_) => Err("expected a storage instance such as data/0".into()),
                }
            })?,
            workload: env.text("JUJU_WORKLOAD_NAME")?,
        })
    }
}

/// The variables, read through a lookup; an empty variable is unset (Juju
/// sets some empty on purpose, e.g. `JUJU_REMOTE_UNIT` in
/// `-relation-broken`).
struct Env<'a>(&'a dyn Fn(&str) -> Option<OsString>);

impl Env<'_> {
    fn text(&self, name: &'static str) -> Result<Option<String>, JujuContextError> {
        match (self.0)(name) {
            None => Ok(None),
            Some(value) if value.is_empty() => Ok(None),
            Some(value) => {
                value
                    .into_string()
                    .map(Some)
                    .map_err(|value| JujuContextError::Invalid {
                        name,
                        value: value.to_string_lossy().into_owned(),
                        reason: "it is not UTF-8".into(),
                    })
            }
        }
    }

    fn required(&self, name: &'static str) -> Result<String, JujuContextError> {
        self.text(name)?.ok_or(JujuContextError::Missing(name))
    }

    /// The variable read by `parse`, whose error says what was expected.
    fn parsed<T>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, JujuContextError> {
        let Some(value) = self.text(name)? else {
            return Ok(None);
        };
        parse(&value)
            .map(Some)
            .map_err(|reason| JujuContextError::Invalid {
                name,
                value,
                reason,
            })
    }
}

fn parse_unit(unit: &str) -> Result<UnitName, String> {
    unit.parse()
        .map_err(|e: crate::unit::UnitNameError| e.to_string())
}

fn parse_uuid(uuid: &str) -> Result<String, String> {
    match uuid::Uuid::try_parse(uuid) {
        Ok(_) => Ok(uuid.to_owned()),
        Err(_) => Err("expected a model UUID such as 5a3b0f9c-2d6e-4f41-8b7a-1c2d3e4f5a6b".into()),
    }
}

/// Juju's version numbers (juju/version `Number.String`):
/// `MAJOR.MINOR.PATCH`, or `MAJOR.MINOR-TAGPATCH` (`3.6-beta2`), each with
/// an optional `.BUILD`.
fn parse_version(version: &str) -> Result<String, String> {
    let number = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let valid = (|| {
        let (major, rest) = version.split_once('.')?;
        let (minor, rest) = match rest.split_once(['.', '-']) {
            Some((minor, _)) => (minor, &rest[minor.len()..]),
            None => (rest, ""),
        };
        if !number(major) || !number(minor) {
            return None;
        }
        let (patch, build) = match rest.strip_prefix('-') {
            Some(tagged) => {
                let tag_end = tagged.find(|c: char| !c.is_ascii_lowercase())?;
                if tag_end == 0 {
                    return None;
                }
                let rest = &tagged[tag_end..];
                let (patch, build) = rest.split_once('.').unwrap_or((rest, ""));
                (patch, build)
            }
            None => {
                let rest = rest.strip_prefix('.')?;
                rest.split_once('.').unwrap_or((rest, ""))
            }
        };
        (number(patch) && (build.is_empty() || number(build))).then_some(())
    })();
    match valid {
        Some(()) => Ok(version.to_owned()),
        None => Err("expected a Juju version such as 3.6.1 or 3.6-beta2".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RelationId;
    use std::collections::HashMap;

    fn base() -> HashMap<&'static str, &'static str> {
        [
            ("JUJU_DISPATCH_PATH", "actions/greet"),
            ("JUJU_UNIT_NAME", "hello/3"),
            ("JUJU_CHARM_DIR", "/var/lib/juju/agents/unit-hello-3/charm"),
            ("JUJU_ACTION_NAME", "greet"),
            ("JUJU_ACTION_UUID", "42"),
        ]
        .into_iter()
        .collect()
    }

    fn read(env: &HashMap<&str, &str>) -> Result<JujuContext, JujuContextError> {
        JujuContext::from_lookup(|n| env.get(n).map(OsString::from))
    }

    #[test]
    fn reads_the_context_juju_sets() {
        let env = base();
        let context = read(&env).unwrap();
        assert_eq!(context.unit.to_string(), "hello/3");
        assert_eq!(context.action_name.as_deref(), Some("greet"));
        assert_eq!(context.action_uuid.as_deref(), Some("42"));
        assert_eq!(context.event, JujuEvent::default());

        let err = JujuContext::from_lookup(|n| {
            (n != "JUJU_CHARM_DIR")
                .then(|| env.get(n).map(OsString::from))
                .flatten()
        })
        .unwrap_err();
        assert_eq!(err, JujuContextError::Missing("JUJU_CHARM_DIR"));
        let err = JujuContext::from_lookup(|n| match n {
            "JUJU_UNIT_NAME" => Some("Hello".into()),
            _ => env.get(n).map(OsString::from),
        })
        .unwrap_err();
        assert!(err.to_string().contains("JUJU_UNIT_NAME"), "{err}");
    }

    #[test]
    fn a_hook_event_is_typed_for_the_guest() {
        let mut env = base();
        env.remove("JUJU_ACTION_NAME");
        env.remove("JUJU_ACTION_UUID");
        env.extend([
            ("JUJU_DISPATCH_PATH", "hooks/db-relation-departed"),
            ("JUJU_MODEL_NAME", "prod"),
            ("JUJU_MODEL_UUID", "5a3b0f9c-2d6e-4f41-8b7a-1c2d3e4f5a6b"),
            ("JUJU_VERSION", "3.6.1"),
            ("JUJU_RELATION", "db"),
            ("JUJU_RELATION_ID", "db:7"),
            ("JUJU_REMOTE_UNIT", "mysql/1"),
            ("JUJU_REMOTE_APP", "mysql"),
            ("JUJU_DEPARTING_UNIT", "mysql/1"),
            (
                "JUJU_SECRET_ID",
                "secret://5a3b0f9c-2d6e-4f41-8b7a-1c2d3e4f5a6b/cq2k0000000000000000",
            ),
            ("JUJU_SECRET_LABEL", "password"),
            ("JUJU_SECRET_REVISION", "3"),
            ("JUJU_STORAGE_ID", "data/0"),
            ("JUJU_WORKLOAD_NAME", "workload"),
        ]);
        let context = read(&env).unwrap();
        let path = DispatchPath::parse(&context.dispatch_path);
        let unit = context.unit_context(&path);
        assert_eq!(unit.model_name, "prod");
        assert_eq!(unit.juju_version, "3.6.1");
        let event = unit.event;
        assert_eq!(event.name, "db-relation-departed");
        assert!(!event.is_action);
        assert_eq!(
            event.relation,
            Some(Relation {
                endpoint: "db".into(),
                id: RelationId(7)
            })
        );
        assert_eq!(event.remote_unit.as_deref(), Some("mysql/1"));
        assert_eq!(event.remote_app.as_deref(), Some("mysql"));
        assert_eq!(event.departing_unit.as_deref(), Some("mysql/1"));
        assert!(event.secret_id.unwrap().ends_with("/cq2k0000000000000000"));
        assert_eq!(event.secret_label.as_deref(), Some("password"));
        assert_eq!(event.secret_revision, Some(3));
        assert_eq!(event.storage_id.as_deref(), Some("data/0"));
        assert_eq!(event.workload.as_deref(), Some("workload"));

        // Juju sets some variables empty: they are unset.
        env.insert("JUJU_REMOTE_UNIT", "");
        assert_eq!(read(&env).unwrap().event.remote_unit, None);
    }

    #[test]
    fn a_malformed_variable_is_an_error_naming_it() {
        for (name, value, says) in [
            ("JUJU_RELATION_ID", "db", "ENDPOINT:ID"),
            ("JUJU_RELATION_ID", "db:x", "ENDPOINT:ID"),
            ("JUJU_RELATION", "cache", "JUJU_RELATION_ID is db:7"),
            ("JUJU_REMOTE_UNIT", "mysql", "invalid unit name"),
            ("JUJU_REMOTE_APP", "MySQL", "application name"),
            ("JUJU_DEPARTING_UNIT", "mysql/x", "invalid unit name"),
            ("JUJU_SECRET_ID", "cq2k", "secret URI"),
            ("JUJU_SECRET_REVISION", "0", "revision number"),
            ("JUJU_SECRET_REVISION", "two", "revision number"),
            ("JUJU_STORAGE_ID", "data", "storage instance"),
            ("JUJU_MODEL_UUID", "not-a-uuid", "model UUID"),
            ("JUJU_VERSION", "three", "Juju version"),
            ("JUJU_VERSION", "3.6", "Juju version"),
        ] {
            let mut env = base();
            env.extend([("JUJU_RELATION", "db"), ("JUJU_RELATION_ID", "db:7")]);
            env.insert(name, value);
            let err = read(&env).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("{name} is {value:?}, which is not valid")),
                "{err}"
            );
            assert!(err.contains(says), "{name}={value}: {err}");
        }
        let mut env = base();
        env.insert("JUJU_RELATION", "db");
        let err = read(&env).unwrap_err().to_string();
        assert!(err.contains("JUJU_RELATION_ID is not set"), "{err}");
    }

    #[test]
    fn juju_versions_read_as_juju_writes_them() {
        for good in ["3.6.0", "3.6.12", "3.6-beta2", "2.9.42.1", "4.0-rc1.3"] {
            assert!(parse_version(good).is_ok(), "{good}");
        }
        for bad in ["", "3", "3.6", "3.6.", "3.x.0", "3.6-2", "3.6.0-ubuntu"] {
            assert!(parse_version(bad).is_err(), "{bad}");
        }
    }
}
