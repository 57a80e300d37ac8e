//! Hooks: the events Juju runs a charm for, named as Juju names them, and
//! which of them a charm can receive, from the endpoints, storage and
//! containers its metadata declares.
//!
//! A charm handles a hook by exporting a function of the hook's name
//! (`install`, `db-relation-changed`), of the same two types as an action
//! handler. The names (juju/juju `internal/charm/hooks/hooks.go`, Juju 3.6
//! and 4): unit hooks (`install`, `start`, `config-changed`,
//! `upgrade-charm`, `stop`, `remove`, `leader-elected`, `leader-deposed`,
//! `leader-settings-changed`, `update-status`, `pre-series-upgrade`,
//! `post-series-upgrade`), secret hooks (`secret-changed`,
//! `secret-expired`, `secret-remove`, `secret-rotate`), and hooks prefixed
//! by the endpoint (`<endpoint>-relation-created|joined|changed|departed|broken`),
//! the storage (`<storage>-storage-attached|detaching`) or the container
//! (`<container>-pebble-ready|custom-notice|check-failed|check-recovered|change-updated`)
//! they concern.
//!
//! ```
//! use charmbox::charm::hooks::{Endpoints, Hook, RelationHook};
//!
//! let endpoints = Endpoints {
//!     relations: vec!["db".into(), "peers".into()],
//!     ..Endpoints::default()
//! };
//! assert_eq!(
//!     endpoints.hook("db-relation-changed"),
//!     Some(Hook::Relation { endpoint: "db".into(), kind: RelationHook::Changed })
//! );
//! assert_eq!(endpoints.hook("cache-relation-changed"), None, "no such endpoint");
//! assert_eq!(endpoints.hook("install"), Some(Hook::Install));
//! ```

use std::fmt;

use indexmap::IndexMap;
use serde::Deserialize;

use super::endpoints::RelationEndpoints;
use super::metadata::{MetadataError, MetadataFiles};

/// What a charm's metadata declares that hooks are named after.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    /// Relation endpoints: `requires`, `provides` and `peers`.
    pub relations: Vec<String>,
    /// Storage names (`storage:`).
    pub storage: Vec<String>,
    /// Workload container names (`containers:`).
    pub containers: Vec<String>,
}

/// A hook Juju can run, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Hook {
    /// `install`.
    Install,
    /// `start`.
    Start,
    /// `config-changed`.
    ConfigChanged,
    /// `upgrade-charm`.
    UpgradeCharm,
    /// `stop`.
    Stop,
    /// `remove`.
    Remove,
    /// `leader-elected`.
    LeaderElected,
    /// `leader-deposed`.
    LeaderDeposed,
    /// `leader-settings-changed` (Juju 3).
    LeaderSettingsChanged,
    /// `update-status`.
    UpdateStatus,
    /// `pre-series-upgrade` (Juju 3, machines).
    PreSeriesUpgrade,
    /// `post-series-upgrade` (Juju 3, machines).
    PostSeriesUpgrade,
    /// `secret-changed`, `secret-expired`, `secret-remove`, `secret-rotate`.
    Secret(SecretHook),
    /// `<endpoint>-relation-…`.
    Relation {
        /// The endpoint.
        endpoint: String,
        /// Which relation hook.
        kind: RelationHook,
    },
    /// `<storage>-storage-attached` or `-detaching`.
    Storage {
        /// The storage.
        storage: String,
        /// Attached (true) or detaching (false).
        attached: bool,
    },
    /// `<container>-pebble-…`.
    Workload {
        /// The container.
        container: String,
        /// Which workload hook.
        kind: WorkloadHook,
    },
}

/// The hooks of a relation's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationHook {
    /// `-relation-created`.
    Created,
    /// `-relation-joined`.
    Joined,
    /// `-relation-changed`.
    Changed,
    /// `-relation-departed`.
    Departed,
    /// `-relation-broken`.
    Broken,
}

/// The hooks of a secret's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretHook {
    /// `secret-changed`: a consumer's secret has a new revision.
    Changed,
    /// `secret-expired`: the owner's secret revision expired.
    Expired,
    /// `secret-remove`: a revision nobody tracks any more.
    Remove,
    /// `secret-rotate`: the owner should rotate it.
    Rotate,
}

/// The hooks a workload container's Pebble raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkloadHook {
    /// `-pebble-ready`.
    Ready,
    /// `-pebble-custom-notice`.
    CustomNotice,
    /// `-pebble-check-failed`.
    CheckFailed,
    /// `-pebble-check-recovered`.
    CheckRecovered,
    /// `-pebble-change-updated`.
    ChangeUpdated,
}

const UNIT_HOOKS: [(&str, Hook); 12] = [
    ("install", Hook::Install),
    ("start", Hook::Start),
    ("config-changed", Hook::ConfigChanged),
    ("upgrade-charm", Hook::UpgradeCharm),
    ("stop", Hook::Stop),
    ("remove", Hook::Remove),
    ("leader-elected", Hook::LeaderElected),
    ("leader-deposed", Hook::LeaderDeposed),
    ("leader-settings-changed", Hook::LeaderSettingsChanged),
    ("update-status", Hook::UpdateStatus),
    ("pre-series-upgrade", Hook::PreSeriesUpgrade),
    ("post-series-upgrade", Hook::PostSeriesUpgrade),
];

const SECRET_HOOKS: [(&str, SecretHook); 4] = [
    ("secret-changed", SecretHook::Changed),
    ("secret-expired", SecretHook::Expired),
    ("secret-remove", SecretHook::Remove),
    ("secret-rotate", SecretHook::Rotate),
];

const RELATION_HOOKS: [(&str, RelationHook); 5] = [
    ("-relation-created", RelationHook::Created),
    ("-relation-joined", RelationHook::Joined),
    ("-relation-changed", RelationHook::Changed),
    ("-relation-departed", RelationHook::Departed),
    ("-relation-broken", RelationHook::Broken),
];

const STORAGE_HOOKS: [(&str, bool); 2] =
    [("-storage-attached", true), ("-storage-detaching", false)];

const WORKLOAD_HOOKS: [(&str, WorkloadHook); 5] = [
    ("-pebble-ready", WorkloadHook::Ready),
    ("-pebble-custom-notice", WorkloadHook::CustomNotice),
    ("-pebble-check-failed", WorkloadHook::CheckFailed),
    ("-pebble-check-recovered", WorkloadHook::CheckRecovered),
    ("-pebble-change-updated", WorkloadHook::ChangeUpdated),
];

/// The `storage:` and `containers:` sections, by name only.
#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "a map of metadata keys (name, storage, containers, ...)")]
struct RawHookSources {
    #[serde(default)]
    storage: Option<IndexMap<String, serde_json::Value>>,
    #[serde(default)]
    containers: Option<IndexMap<String, serde_json::Value>>,
}

impl Endpoints {
    /// What a charm directory declares that hooks are named after: its
    /// relation endpoints (already read, `relations`), and the `storage:`
    /// and `containers:` of `charmcraft.yaml`, else `metadata.yaml` (of its
    /// metadata `files`).
    pub(crate) fn read(
        files: &MetadataFiles,
        relations: &RelationEndpoints,
    ) -> Result<Self, MetadataError> {
        let mut endpoints = Self {
            relations: relations.iter().map(|e| e.name.clone()).collect(),
            ..Self::default()
        };
        for file in files.present() {
            let Some(raw) = file.read_as::<RawHookSources>()? else {
                continue;
            };
            let storage: Vec<String> = raw.storage.unwrap_or_default().into_keys().collect();
            let containers: Vec<String> = raw.containers.unwrap_or_default().into_keys().collect();
            if !storage.is_empty() || !containers.is_empty() {
                endpoints.storage = storage;
                endpoints.containers = containers;
                break;
            }
        }
        Ok(endpoints)
    }

    /// The hook `name` names, if it is one a charm with these endpoints can
    /// receive.
    pub fn hook(&self, name: &str) -> Option<Hook> {
        if let Some((_, hook)) = UNIT_HOOKS.iter().find(|(n, _)| *n == name) {
            return Some(hook.clone());
        }
        if let Some((_, kind)) = SECRET_HOOKS.iter().find(|(n, _)| *n == name) {
            return Some(Hook::Secret(*kind));
        }
        let prefixed = |suffixes: &[&str], names: &[String]| -> Option<(String, usize)> {
            suffixes.iter().enumerate().find_map(|(i, suffix)| {
                let prefix = name.strip_suffix(suffix)?;
                names
                    .iter()
                    .any(|n| n == prefix)
                    .then(|| (prefix.to_owned(), i))
            })
        };
        if let Some((endpoint, i)) = prefixed(&suffixes(&RELATION_HOOKS), &self.relations) {
            return Some(Hook::Relation {
                endpoint,
                kind: RELATION_HOOKS[i].1,
            });
        }
        if let Some((storage, i)) = prefixed(&suffixes(&STORAGE_HOOKS), &self.storage) {
            return Some(Hook::Storage {
                storage,
                attached: STORAGE_HOOKS[i].1,
            });
        }
        if let Some((container, i)) = prefixed(&suffixes(&WORKLOAD_HOOKS), &self.containers) {
            return Some(Hook::Workload {
                container,
                kind: WORKLOAD_HOOKS[i].1,
            });
        }
        None
    }

    /// Whether `name` has the shape of a hook name whatever the endpoints
    /// (a relation, storage or workload hook of an endpoint the metadata
    /// does not declare, say), so `check` can say why it is not one.
    pub fn looks_like_a_hook(name: &str) -> bool {
        UNIT_HOOKS.iter().any(|(n, _)| *n == name)
            || SECRET_HOOKS.iter().any(|(n, _)| *n == name)
            || RELATION_HOOKS.iter().any(|(s, _)| name.ends_with(s))
            || STORAGE_HOOKS.iter().any(|(s, _)| name.ends_with(s))
            || WORKLOAD_HOOKS.iter().any(|(s, _)| name.ends_with(s))
    }

    /// Every hook a charm with these endpoints can receive, by name.
    pub fn hook_names(&self) -> Vec<String> {
        let mut names: Vec<String> = UNIT_HOOKS.iter().map(|(n, _)| (*n).to_owned()).collect();
        names.extend(SECRET_HOOKS.iter().map(|(n, _)| (*n).to_owned()));
        for endpoint in &self.relations {
            names.extend(RELATION_HOOKS.iter().map(|(s, _)| format!("{endpoint}{s}")));
        }
        for storage in &self.storage {
            names.extend(STORAGE_HOOKS.iter().map(|(s, _)| format!("{storage}{s}")));
        }
        for container in &self.containers {
            names.extend(
                WORKLOAD_HOOKS
                    .iter()
                    .map(|(s, _)| format!("{container}{s}")),
            );
        }
        names
    }
}

/// The suffixes of a table of prefixed hooks, in its order.
fn suffixes<K>(table: &[(&'static str, K)]) -> Vec<&'static str> {
    table.iter().map(|(suffix, _)| *suffix).collect()
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let find = |table: &[(&'static str, Hook)], hook: &Hook| {
            table.iter().find(|(_, h)| h == hook).map(|(n, _)| *n)
        };
        match self {
            Self::Secret(kind) => {
                let (name, _) = SECRET_HOOKS
                    .iter()
                    .find(|(_, k)| k == kind)
                    .expect("listed");
                f.write_str(name)
            }
            Self::Relation { endpoint, kind } => {
                let (suffix, _) = RELATION_HOOKS
                    .iter()
                    .find(|(_, k)| k == kind)
                    .expect("listed");
                write!(f, "{endpoint}{suffix}")
            }
            Self::Storage { storage, attached } => {
                let (suffix, _) = STORAGE_HOOKS
                    .iter()
                    .find(|(_, a)| a == attached)
                    .expect("listed");
                write!(f, "{storage}{suffix}")
            }
            Self::Workload { container, kind } => {
                let (suffix, _) = WORKLOAD_HOOKS
                    .iter()
                    .find(|(_, k)| k == kind)
                    .expect("listed");
                write!(f, "{container}{suffix}")
            }
            unit => f.write_str(find(&UNIT_HOOKS, unit).expect("every unit hook is listed")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints() -> Endpoints {
        Endpoints {
            relations: vec!["db".into(), "cluster".into()],
            storage: vec!["data".into()],
            containers: vec!["web".into()],
        }
    }

    #[test]
    fn every_listed_name_reads_back_to_itself() {
        let endpoints = endpoints();
        let names = endpoints.hook_names();
        assert_eq!(names.len(), 12 + 4 + 2 * 5 + 2 + 5);
        for name in names {
            let hook = endpoints.hook(&name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(hook.to_string(), name);
            assert!(Endpoints::looks_like_a_hook(&name), "{name}");
        }
    }

    #[test]
    fn prefixed_hooks_need_a_declared_endpoint() {
        let endpoints = endpoints();
        assert_eq!(
            endpoints.hook("data-storage-attached"),
            Some(Hook::Storage {
                storage: "data".into(),
                attached: true
            })
        );
        assert_eq!(endpoints.hook("logs-storage-attached"), None);
        assert!(Endpoints::looks_like_a_hook("logs-storage-attached"));
        assert_eq!(
            endpoints.hook("web-pebble-ready").unwrap().to_string(),
            "web-pebble-ready"
        );
        assert_eq!(endpoints.hook("snapshot-database"), None);
        assert!(!Endpoints::looks_like_a_hook("snapshot-database"));
    }
}
