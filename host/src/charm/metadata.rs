//! A charm's metadata: its name and the `actions:` it declares, read from
//! `charmcraft.yaml` or `actions.yaml` (with `metadata.yaml` for the name),
//! with Juju's rules for action names and params schemas.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

use super::config::ConfigOptions;
use super::endpoints::RelationEndpoints;
use super::schema::ParamsSchema;

/// The metadata files charmbox reads, in the order it looks for them.
pub const CHARMCRAFT_YAML: &str = "charmcraft.yaml";
/// Juju's older separate actions file.
pub const ACTIONS_YAML: &str = "actions.yaml";
/// Juju's older metadata file (for the charm's name).
pub const METADATA_YAML: &str = "metadata.yaml";

/// A charm's metadata.
#[derive(Debug, Clone)]
pub struct CharmMetadata {
    /// The charm's name.
    pub name: String,
    /// The file the actions came from.
    pub source: PathBuf,
    /// Declared actions, in file order.
    pub actions: IndexMap<String, ActionSpec>,
    /// Declared config options (`config:` or `config.yaml`).
    pub config: ConfigOptions,
    /// Declared relation endpoints (`requires`, `provides`, `peers`).
    pub endpoints: RelationEndpoints,
    /// What hooks are named after: the endpoints, `storage:` and
    /// `containers:`.
    pub hooks: super::hooks::Endpoints,
}

/// One declared action.
#[derive(Debug, Clone)]
pub struct ActionSpec {
    /// The action's name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its params schema.
    pub params: ParamsSchema,
    /// May run while other actions run on the unit (`parallel: true`).
    pub parallel: bool,
    /// Actions of one group run one at a time (`execution-group`).
    pub execution_group: Option<String>,
}

/// Why metadata could not be read. Each names the file, and the line where
/// the parser knows it.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// No metadata file in the directory.
    #[error(
        "{dir} holds no charm metadata: expected {CHARMCRAFT_YAML} (with an `actions:` section) \
         or {ACTIONS_YAML}"
    )]
    Missing {
        /// The directory.
        dir: PathBuf,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Malformed YAML or the wrong shape.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with its location.
        message: String,
    },
    /// A rule about actions was broken.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
struct CharmcraftYaml {
    name: Option<String>,
    #[serde(default)]
    actions: Option<UniqueMap<RawAction>>,
}

/// A map that refuses a key given twice (YAML parsers keep the last one
/// silently; a charm declaring an action twice is a mistake to report).
#[derive(Debug)]
struct UniqueMap<V>(IndexMap<String, V>);

impl<V> Default for UniqueMap<V> {
    fn default() -> Self {
        Self(IndexMap::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for UniqueMap<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<V> {
            type Value = UniqueMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of action names to their definitions")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = IndexMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!(
                            "duplicate action {key:?}: each action may be declared once"
                        )));
                    }
                    let value = map.next_value()?;
                    out.insert(key, value);
                }
                Ok(UniqueMap(out))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

#[derive(Debug, Deserialize)]
struct MetadataYaml {
    name: Option<String>,
}

/// An action as written in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    params: Option<IndexMap<String, Value>>,
    #[serde(default)]
    required: Option<Vec<String>>,
    #[serde(default, rename = "additionalProperties")]
    additional_properties: Option<bool>,
    #[serde(default)]
    parallel: Option<bool>,
    #[serde(default, rename = "execution-group")]
    execution_group: Option<String>,
}

impl CharmMetadata {
    /// Reads the metadata in charm directory `dir`: `charmcraft.yaml` if it has
    /// an `actions:` section, else `actions.yaml`. The name comes from
    /// `charmcraft.yaml`, else `metadata.yaml`, else the directory's name.
    pub fn read_dir(dir: &Path) -> Result<Self, MetadataError> {
        let charmcraft_path = dir.join(CHARMCRAFT_YAML);
        let actions_path = dir.join(ACTIONS_YAML);
        let charmcraft: Option<CharmcraftYaml> = read_optional(&charmcraft_path)?;
        let mut name = charmcraft.as_ref().and_then(|c| c.name.clone());
        if name.is_none() {
            let metadata: Option<MetadataYaml> = read_optional(&dir.join(METADATA_YAML))?;
            name = metadata.and_then(|m| m.name);
        }
        let name = name.unwrap_or_else(|| {
            dir.canonicalize()
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "charm".into())
        });

        let from_charmcraft = charmcraft.and_then(|c| c.actions).map(|a| a.0);
        let has_actions_yaml = actions_path.exists();
        let (source, raw) = match (from_charmcraft, has_actions_yaml) {
            (Some(_), true) => {
                return Err(MetadataError::Invalid {
                    path: dir.to_owned(),
                    message: format!(
                        "actions are declared in both {CHARMCRAFT_YAML} and {ACTIONS_YAML}; keep \
                         one (charmcraft merges {ACTIONS_YAML} into {CHARMCRAFT_YAML})"
                    ),
                })
            }
            (Some(actions), false) => (charmcraft_path, actions),
            (None, true) => {
                let actions: Option<UniqueMap<RawAction>> = read_optional(&actions_path)?;
                (actions_path, actions.unwrap_or_default().0)
            }
            (None, false) if charmcraft_path.exists() => (charmcraft_path, IndexMap::new()),
            (None, false) => {
                return Err(MetadataError::Missing {
                    dir: dir.to_owned(),
                })
            }
        };
        let mut metadata = Self::from_raw(name, source, raw)?;
        metadata.config = ConfigOptions::read_dir(dir)?;
        metadata.endpoints = RelationEndpoints::read_dir(dir)?;
        metadata.hooks = super::hooks::Endpoints::read_dir(dir, &metadata.endpoints)?;
        Ok(metadata)
    }

    /// Parses an `actions:` map from YAML text (the content of `actions.yaml`);
    /// `source` names it in errors.
    pub fn from_actions_yaml(name: &str, source: &Path, text: &str) -> Result<Self, MetadataError> {
        let raw: Option<UniqueMap<RawAction>> = parse_yaml(source, text)?;
        Self::from_raw(
            name.to_owned(),
            source.to_owned(),
            raw.unwrap_or_default().0,
        )
    }

    fn from_raw(
        name: String,
        source: PathBuf,
        raw: IndexMap<String, RawAction>,
    ) -> Result<Self, MetadataError> {
        let invalid = |message: String| MetadataError::Invalid {
            path: source.clone(),
            message,
        };
        let mut actions = IndexMap::new();
        for (action, spec) in raw {
            check_action_name(&action)
                .map_err(|why| invalid(format!("bad action name {action:?}: {why}")))?;
            let params = ParamsSchema::new(
                &action,
                spec.description.as_deref().unwrap_or_default(),
                spec.params.unwrap_or_default(),
                spec.required.unwrap_or_default(),
                spec.additional_properties,
            )
            .map_err(|why| invalid(format!("action {action:?}: {why}")))?;
            actions.insert(
                action.clone(),
                ActionSpec {
                    name: action,
                    description: spec.description.unwrap_or_default(),
                    params,
                    parallel: spec.parallel.unwrap_or(false),
                    execution_group: spec.execution_group.filter(|g| !g.is_empty()),
                },
            );
        }
        Ok(Self {
            name,
            source,
            actions,
            config: ConfigOptions::default(),
            endpoints: RelationEndpoints::default(),
            hooks: super::hooks::Endpoints::default(),
        })
    }
}

/// Juju's action name rule, and the WIT rule the export must also meet.
pub fn check_action_name(name: &str) -> Result<(), String> {
    if name.starts_with("juju-") {
        return Err("the juju- prefix is reserved for Juju's own actions".into());
    }
    // Juju: lowercase letters, digits and hyphens, starting with a letter and
    // not ending with a hyphen. WIT: every hyphen-separated word starts with
    // a letter, and no word is empty.
    let words_ok = name.split('-').all(|word| {
        word.starts_with(|c: char| c.is_ascii_lowercase())
            && word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if name.is_empty() || !words_ok {
        return Err(
            "action names are lowercase words joined by single hyphens, each word starting with \
             a letter (for example \"snapshot-database\" or \"backup2\"), so that the name is \
             also the component's export name"
                .into(),
        );
    }
    Ok(())
}

fn read_optional<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, MetadataError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_yaml(path, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(MetadataError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

fn parse_yaml<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<Option<T>, MetadataError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_norway::from_str(text)
        .map(Some)
        .map_err(|e| MetadataError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_follow_juju_and_wit() {
        for good in ["greet", "snapshot-database", "backup2", "a-b-c"] {
            assert_eq!(check_action_name(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "Greet",
            "-x",
            "x-",
            "a--b",
            "2fast",
            "back-2",
            "snap_shot",
            "juju-run",
            "a.b",
        ] {
            assert!(check_action_name(bad).is_err(), "{bad}");
        }
    }
}
