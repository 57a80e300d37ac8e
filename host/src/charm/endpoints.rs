//! A charm's relation endpoints: what it `provides`, `requires` and has as
//! `peers`, each with its interface, read from `charmcraft.yaml` or the
//! older `metadata.yaml` (juju/charm v12 `meta.go`: an endpoint is a map
//! with `interface`, `limit`, `optional`, `scope`, or just the interface's
//! name; `juju-` names are Juju's own; a name is one endpoint, whatever its
//! role).

use std::fmt;
use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;

use super::config::go_quote;
use super::metadata::{parse_yaml_as, MetadataError, MetadataFiles};

/// An endpoint's side of a relation, as Juju names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RelationRole {
    /// `requires`: relates to a provider of the interface.
    Requirer,
    /// `provides`: relates to requirers of the interface.
    Provider,
    /// `peers`: relates the application's units to each other.
    Peer,
}

impl RelationRole {
    /// Juju's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requirer => "requirer",
            Self::Provider => "provider",
            Self::Peer => "peer",
        }
    }

    /// The role Juju names `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Requirer, Self::Provider, Self::Peer]
            .into_iter()
            .find(|r| r.as_str() == name)
    }

    /// The role an endpoint on the other side of a relation must have.
    pub fn counterpart(self) -> Self {
        match self {
            Self::Requirer => Self::Provider,
            Self::Provider => Self::Requirer,
            Self::Peer => Self::Peer,
        }
    }
}

impl fmt::Display for RelationRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// One endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationEndpoint {
    /// Its name (`db`).
    pub name: String,
    /// Its role.
    pub role: RelationRole,
    /// The interface it speaks (`mysql`).
    pub interface: String,
    /// Most relations it may be in at once, if limited.
    pub limit: Option<u32>,
}

/// A charm's endpoints, in file order (`requires`, `provides`, `peers`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelationEndpoints {
    endpoints: IndexMap<String, RelationEndpoint>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "a map of metadata keys (name, requires, provides, peers, ...)")]
struct RawMetadata {
    #[serde(default)]
    requires: Option<IndexMap<String, RawEndpoint>>,
    #[serde(default)]
    provides: Option<IndexMap<String, RawEndpoint>>,
    #[serde(default)]
    peers: Option<IndexMap<String, RawEndpoint>>,
}

/// `db: mysql`, or `db: {interface: mysql, limit: 1, ...}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawEndpoint {
    Interface(String),
    Full {
        interface: Option<String>,
        #[serde(default)]
        limit: Option<u32>,
        #[serde(default)]
        #[allow(dead_code)]
        optional: Option<bool>,
        #[serde(default)]
        #[allow(dead_code)]
        scope: Option<String>,
    },
    /// Anything else (`db: yes` is YAML 1.1's true, no interface name).
    Other(serde_json::Value),
}

impl RelationEndpoints {
    /// The endpoints a charm directory's metadata `files` declare: those
    /// of `charmcraft.yaml` if it declares any, else `metadata.yaml`'s.
    pub(crate) fn read(files: &MetadataFiles) -> Result<Self, MetadataError> {
        for file in files.present() {
            let Some(raw) = file.read_as::<RawMetadata>()? else {
                continue;
            };
            let endpoints = Self::from_raw(&file.path, raw)?;
            if !endpoints.is_empty() {
                return Ok(endpoints);
            }
        }
        Ok(Self::default())
    }

    /// The endpoints declared in `text` (a `charmcraft.yaml` or
    /// `metadata.yaml`); `source` names it in errors.
    pub fn parse(source: &Path, text: &str) -> Result<Self, MetadataError> {
        match parse_yaml_as::<RawMetadata>(source, text)? {
            Some(raw) => Self::from_raw(source, raw),
            None => Ok(Self::default()),
        }
    }

    /// The endpoints declared in `raw`, read from `source`.
    fn from_raw(source: &Path, raw: RawMetadata) -> Result<Self, MetadataError> {
        let invalid = |message: String| MetadataError::Invalid {
            path: source.to_owned(),
            message,
        };
        let mut endpoints = IndexMap::new();
        for (role, section) in [
            (RelationRole::Requirer, raw.requires),
            (RelationRole::Provider, raw.provides),
            (RelationRole::Peer, raw.peers),
        ] {
            for (name, endpoint) in section.unwrap_or_default() {
                let (interface, limit) = match endpoint {
                    RawEndpoint::Interface(interface) => (Some(interface), None),
                    RawEndpoint::Other(value) => {
                        return Err(invalid(format!(
                            "relation {} is {value}, neither an interface name nor a map with \
                             `interface:` (quote a name YAML 1.1 reads as another type: 'y', 'on')",
                            go_quote(&name)
                        )))
                    }
                    RawEndpoint::Full {
                        interface, limit, ..
                    } => (interface, limit),
                };
                let interface = interface.filter(|i| !i.is_empty()).ok_or_else(|| {
                    invalid(format!(
                        "relation {} has no interface: give it one (`interface: NAME`)",
                        go_quote(&name)
                    ))
                })?;
                if name.starts_with("juju-") {
                    return Err(invalid(format!(
                        "using a reserved relation name: {}: the \"juju-\" prefix is reserved",
                        go_quote(&name)
                    )));
                }
                if endpoints.contains_key(&name) {
                    return Err(invalid(format!(
                        "using a duplicated relation name: {}",
                        go_quote(&name)
                    )));
                }
                endpoints.insert(
                    name.clone(),
                    RelationEndpoint {
                        name,
                        role,
                        interface,
                        limit,
                    },
                );
            }
        }
        Ok(Self { endpoints })
    }

    /// Whether the charm declares none.
    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// The endpoint named `name`.
    pub fn get(&self, name: &str) -> Option<&RelationEndpoint> {
        self.endpoints.get(name)
    }

    /// Every endpoint, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &RelationEndpoint> {
        self.endpoints.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_read_in_both_notations() {
        let endpoints = RelationEndpoints::parse(
            Path::new("metadata.yaml"),
            "name: x\nrequires:\n  db: mysql\nprovides:\n  website: {interface: http, limit: 2}\n\
             peers:\n  replicas:\n    interface: x-peers\n",
        )
        .unwrap();
        let db = endpoints.get("db").unwrap();
        assert_eq!(
            (db.role, db.interface.as_str()),
            (RelationRole::Requirer, "mysql")
        );
        assert_eq!(endpoints.get("website").unwrap().limit, Some(2));
        assert_eq!(endpoints.get("replicas").unwrap().role, RelationRole::Peer);
        assert_eq!(RelationRole::Provider.counterpart(), RelationRole::Requirer);
    }

    #[test]
    fn bad_endpoints_are_refused() {
        for (yaml, expected) in [
            ("requires: {db: {limit: 1}}", "has no interface"),
            ("requires: {juju-info: x}", "reserved relation name"),
            (
                "requires: {db: y}",
                "relation \"db\" is true, neither an interface name nor a map",
            ),
            (
                "requires: {db: x}\nprovides: {db: z}",
                "duplicated relation name: \"db\"",
            ),
        ] {
            let err = RelationEndpoints::parse(Path::new("m"), yaml)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{yaml}: {err}");
        }
    }
}
