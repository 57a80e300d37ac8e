//! A charm's metadata: its name and the `actions:` it declares, read from
//! `charmcraft.yaml` or `actions.yaml` (with `metadata.yaml` for the name),
//! with Juju's rules for action names and params schemas.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::config::ConfigOptions;
use super::endpoints::RelationEndpoints;
use super::schema::{describe, ParamsSchema};

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
    /// Where [`name`](Self::name) came from.
    pub name_source: NameSource,
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

/// Where a charm's name came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameSource {
    /// The `name:` of this file (`charmcraft.yaml` or `metadata.yaml`).
    File(PathBuf),
    /// The charm directory's own name: neither file has a `name:`.
    Directory(PathBuf),
    /// Given with the actions (see [`CharmMetadata::from_actions_yaml`]).
    Given,
}

impl std::fmt::Display for NameSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "the `name:` of {}", path.display()),
            Self::Directory(dir) => write!(
                f,
                "the name of the directory {} ({CHARMCRAFT_YAML} has no `name:`)",
                dir.display()
            ),
            Self::Given => f.write_str("the name given with the actions"),
        }
    }
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

/// The key Juju reads an action's params from (into `properties`).
const PARAMS: &str = "params";

impl CharmMetadata {
    /// Reads the metadata in charm directory `dir`: `charmcraft.yaml` if it has
    /// an `actions:` section, else `actions.yaml`. The name comes from
    /// `charmcraft.yaml`, else `metadata.yaml`, else the directory's name.
    pub fn read_dir(dir: &Path) -> Result<Self, MetadataError> {
        let files = MetadataFiles::read(dir)?;
        let charmcraft_path = dir.join(CHARMCRAFT_YAML);
        let actions_path = dir.join(ACTIONS_YAML);
        let charmcraft = files.charmcraft.as_ref().and_then(|f| f.document.as_ref());
        let mut named = None;
        for file in files.present() {
            if let Some(document) = &file.document {
                if let Some(name) = name_in(&file.path, document)? {
                    named = Some((name, NameSource::File(file.path.clone())));
                    break;
                }
            }
        }
        let (name, name_source) = named.unwrap_or_else(|| {
            let name = dir
                .canonicalize()
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "charm".into());
            (name, NameSource::Directory(dir.to_owned()))
        });

        let from_charmcraft = match charmcraft {
            Some(Value::Object(map)) => map.get("actions").filter(|a| !a.is_null()).cloned(),
            _ => None,
        };
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
            (Some(actions), false) => (charmcraft_path, Some(actions)),
            (None, true) => {
                let actions = MetadataFile::read(actions_path.clone(), Document::Actions)?
                    .and_then(|file| file.document);
                (actions_path, actions)
            }
            (None, false) if files.charmcraft.is_some() => (charmcraft_path, None),
            (None, false) => {
                return Err(MetadataError::Missing {
                    dir: dir.to_owned(),
                })
            }
        };
        let mut metadata = Self::from_definitions(name, source, raw)?;
        metadata.name_source = name_source;
        metadata.config = ConfigOptions::read(dir, &files)?;
        metadata.endpoints = RelationEndpoints::read(&files)?;
        metadata.hooks = super::hooks::Endpoints::read(&files, &metadata.endpoints)?;
        Ok(metadata)
    }

    /// Parses an `actions:` map from YAML text (the content of `actions.yaml`);
    /// `source` names it in errors.
    pub fn from_actions_yaml(name: &str, source: &Path, text: &str) -> Result<Self, MetadataError> {
        let raw = parse_yaml(source, text, Document::Actions)?;
        Self::from_definitions(name.to_owned(), source.to_owned(), raw)
    }

    /// Builds every action's spec from its definition, as Juju's
    /// `ReadActionsYaml` does: a params schema `{type: object, title: NAME,
    /// description, properties: PARAMS, additionalProperties: false}`, into
    /// which every other key of the definition is copied as a JSON Schema
    /// keyword, but for `parallel` and `execution-group`, which say how the
    /// action runs. So `properties:` serves as well as `params:`, and keys
    /// such as `output:` are kept and mean nothing to validation.
    fn from_definitions(
        name: String,
        source: PathBuf,
        raw: Option<Value>,
    ) -> Result<Self, MetadataError> {
        let invalid = |message: String| MetadataError::Invalid {
            path: source.clone(),
            message,
        };
        let definitions = match raw {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map,
            Some(other) => {
                return Err(invalid(format!(
                    "the actions must be a map of action names to their definitions, found {}",
                    describe(&other)
                )))
            }
        };
        let mut actions = IndexMap::new();
        for (action, definition) in definitions {
            check_action_name(&name, &action).map_err(&invalid)?;
            let spec = ActionSpec::from_definition(&action, definition)
                .map_err(|why| invalid(format!("action {action:?}: {why}")))?;
            actions.insert(action, spec);
        }
        Ok(Self {
            name,
            name_source: NameSource::Given,
            source,
            actions,
            config: ConfigOptions::default(),
            endpoints: RelationEndpoints::default(),
            hooks: super::hooks::Endpoints::default(),
        })
    }
}

impl ActionSpec {
    /// The spec of a bare component's export `name`: no description, and
    /// any params (`additionalProperties: true`), since there is no schema.
    pub fn undeclared(name: &str) -> Self {
        let mut definition = Map::new();
        definition.insert("additionalProperties".into(), Value::Bool(true));
        Self::from_definition(name, Value::Object(definition))
            .expect("an empty definition always makes a schema")
    }

    /// One action's spec from its definition (see
    /// [`CharmMetadata::from_definitions`]).
    fn from_definition(action: &str, definition: Value) -> Result<Self, String> {
        let definition = match definition {
            // `name:` with nothing under it: an action with no params.
            Value::Null => Map::new(),
            Value::Object(map) => map,
            other => {
                return Err(format!(
                    "its definition must be a map (with `description:`, `params:`, ...), found {}",
                    describe(&other)
                ))
            }
        };
        let mut description = NO_DESCRIPTION.to_owned();
        let mut parallel = false;
        let mut execution_group = None;
        let mut schema = Map::new();
        schema.insert("description".into(), Value::from(NO_DESCRIPTION));
        schema.insert("type".into(), Value::from("object"));
        schema.insert("title".into(), Value::from(action));
        schema.insert("properties".into(), Value::Object(Map::new()));
        // Juju 4's default: a param the action does not declare is refused.
        schema.insert("additionalProperties".into(), Value::Bool(false));
        let must_be = |key: &str, what: &str, value: &Value| {
            format!(
                "value for schema key {key:?} must be {what}, found {}",
                describe(value)
            )
        };
        for (key, value) in definition {
            match key.as_str() {
                "description" | "title" => {
                    let Value::String(text) = &value else {
                        return Err(must_be(&key, "a string", &value));
                    };
                    if key == "description" {
                        description = text.clone();
                    }
                    schema.insert(key, value);
                }
                "required" => {
                    if !value.is_array() {
                        return Err(must_be(&key, "a YAML list", &value));
                    }
                    schema.insert(key, value);
                }
                "parallel" => {
                    parallel = value
                        .as_bool()
                        .ok_or_else(|| must_be(&key, "true or false", &value))?;
                }
                "execution-group" => {
                    let group = value
                        .as_str()
                        .ok_or_else(|| must_be(&key, "a string", &value))?;
                    execution_group = Some(group.to_owned()).filter(|g| !g.is_empty());
                }
                PARAMS => {
                    refuse_references(&value)?;
                    if !value.is_object() {
                        return Err(format!(
                            "`params` must be a map of param names to their schemas, found {}",
                            describe(&value)
                        ));
                    }
                    schema.insert("properties".into(), value);
                }
                _ => {
                    refuse_references(&value)?;
                    schema.insert(key, value);
                }
            }
        }
        let params =
            ParamsSchema::new(schema).map_err(|why| format!("invalid params schema: {why}"))?;
        Ok(Self {
            name: action.to_owned(),
            description,
            params,
            parallel,
            execution_group,
        })
    }
}

/// An action's description when its definition gives none, as Juju says.
pub const NO_DESCRIPTION: &str = "No description";

/// Refuses `$ref` and `$schema` anywhere in `value`, as Juju does (its
/// charms are self-contained: nothing is fetched).
fn refuse_references(value: &Value) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref" || key == "$schema" {
                    return Err(format!(
                        "schema key {key:?} is not allowed in an action's definition (Juju \
                         refuses it); inline the schema instead"
                    ));
                }
                refuse_references(inner)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(refuse_references),
        _ => Ok(()),
    }
}

/// The `name:` of a charmcraft.yaml or metadata.yaml document, if any.
fn name_in(path: &Path, document: &Value) -> Result<Option<String>, MetadataError> {
    match document.get("name") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) => Ok(Some(name.clone())),
        Some(other) => Err(MetadataError::Invalid {
            path: path.to_owned(),
            message: format!("`name` must be a string, found {}", describe(other)),
        }),
    }
}

/// Juju's action name rule (`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`) and its
/// reserved names: `juju` and the `juju-` prefix, except in a charm whose
/// own name starts with `juju-`.
pub fn check_action_name(charm: &str, name: &str) -> Result<(), String> {
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = name.as_bytes();
    let shaped = match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            allowed(first) && allowed(last) && bytes.iter().all(|&b| allowed(b) || b == b'-')
        }
        _ => false,
    };
    if !shaped {
        return Err(format!(
            "bad action name {name:?}: action names are lowercase letters, digits and hyphens, \
             starting and ending with a letter or digit (such as \"snapshot-database\")"
        ));
    }
    if !charm.starts_with("juju-") {
        if name == "juju" {
            return Err(format!(
                "cannot use action name {name:?}: \"juju\" is a reserved name"
            ));
        }
        if name.starts_with("juju-") {
            return Err(format!(
                "cannot use action name {name:?}: the \"juju-\" prefix is reserved"
            ));
        }
    }
    Ok(())
}

/// Whether `name` can also be a component's export name: WIT names are
/// words joined by single hyphens, each word starting with a letter. Juju
/// allows more (`back-2`, `2fast`, `a--b`); such an action loads, and no
/// component can export it.
pub fn is_export_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|word| {
            word.starts_with(|c: char| c.is_ascii_lowercase())
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// A charm directory's `charmcraft.yaml` and `metadata.yaml`, each read
/// and parsed once for every reader of the directory (its actions and name,
/// config options, relation endpoints, hook sources): each reader used to
/// read and parse them itself, four times a load.
#[derive(Debug)]
pub(crate) struct MetadataFiles {
    /// `charmcraft.yaml`, if the directory has one.
    pub(crate) charmcraft: Option<MetadataFile>,
    /// `metadata.yaml`, if the directory has one.
    pub(crate) metadata: Option<MetadataFile>,
}

impl MetadataFiles {
    /// Reads and parses both files of `dir` that exist.
    pub(crate) fn read(dir: &Path) -> Result<Self, MetadataError> {
        Ok(Self {
            charmcraft: MetadataFile::read(dir.join(CHARMCRAFT_YAML), Document::Any)?,
            metadata: MetadataFile::read(dir.join(METADATA_YAML), Document::Any)?,
        })
    }

    /// The files present, `charmcraft.yaml` first: the order every reader
    /// looks in, taking the first file that declares what it reads.
    pub(crate) fn present(&self) -> impl Iterator<Item = &MetadataFile> {
        self.charmcraft.iter().chain(self.metadata.iter())
    }
}

/// One metadata file, parsed as YAML 1.1 ([`parse_yaml`]).
#[derive(Debug)]
pub(crate) struct MetadataFile {
    /// Where it is (errors name it).
    pub(crate) path: PathBuf,
    /// Its document; `None` for an empty file.
    pub(crate) document: Option<Value>,
}

impl MetadataFile {
    /// Reads and parses `path`, which holds `document`; `None` if there is
    /// no such file.
    fn read(path: PathBuf, document: Document) -> Result<Option<Self>, MetadataError> {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let document = parse_yaml(&path, &text, document)?;
                Ok(Some(Self { path, document }))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(MetadataError::Read { path, source }),
        }
    }

    /// Its document read into `T` ([`document_as`]); `None` for an empty
    /// file.
    pub(crate) fn read_as<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<Option<T>, MetadataError> {
        self.document
            .as_ref()
            .map(|document| document_as(&self.path, document))
            .transpose()
    }
}

/// Which YAML document a metadata file holds.
#[derive(Clone, Copy)]
enum Document {
    /// `actions.yaml`: a map of action names to definitions, read as
    /// Juju's `ReadActionsYaml` reads it.
    Actions,
    /// `charmcraft.yaml` or `metadata.yaml`: any document.
    Any,
}

/// Parses metadata as YAML 1.1, as Juju (gopkg.in/yaml.v2) and charmcraft
/// (PyYAML) read it: `default: yes` is `true`.
fn parse_yaml(path: &Path, text: &str, document: Document) -> Result<Option<Value>, MetadataError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let parsed = match document {
        Document::Actions => crate::yaml11::parse_actions_yaml(text).map(Value::Object),
        Document::Any => crate::yaml11::parse_document(text),
    };
    parsed.map(Some).map_err(|e| MetadataError::Parse {
        path: path.to_owned(),
        // Text that is not YAML at all says so, apart from YAML of the
        // wrong shape (an unclosed `[` is a syntax error, not a type).
        message: match e.kind() {
            crate::yaml11::ErrorKind::Syntax => format!(
                "YAML syntax error at line {}, column {}: {}",
                e.line(),
                e.column(),
                e.message()
            ),
            _ => e.to_string(),
        },
    })
}

/// Reads metadata text (`charmcraft.yaml`, `metadata.yaml`, `config.yaml`)
/// into `T`, as YAML 1.1 like every other metadata read ([`parse_yaml`]);
/// `None` for an empty file.
pub(crate) fn parse_yaml_as<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<Option<T>, MetadataError> {
    parse_yaml(path, text, Document::Any)?
        .map(|document| document_as(path, &document))
        .transpose()
}

/// Reads metadata file `path`'s parsed `document` into `T`.
fn document_as<T: serde::de::DeserializeOwned>(
    path: &Path,
    document: &Value,
) -> Result<T, MetadataError> {
    // Every metadata file is a map; serde would read a list as a struct's
    // fields in order and name the wrong thing.
    let kind = match document {
        Value::Object(_) | Value::Null => None,
        Value::Array(_) => Some("sequence"),
        Value::String(_) => Some("string"),
        Value::Number(_) => Some("number"),
        Value::Bool(_) => Some("boolean"),
    };
    if let Some(kind) = kind {
        return Err(MetadataError::Parse {
            path: path.to_owned(),
            message: format!("invalid type: {kind}, expected a map of metadata keys"),
        });
    }
    T::deserialize(document).map_err(|e| MetadataError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_flow_sequence_is_a_syntax_error_with_its_place() {
        let path = Path::new("c/charmcraft.yaml");
        let err = parse_yaml(path, "name: c\nactions: [\n", Document::Any).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("c/charmcraft.yaml: YAML syntax error at line 3, column 1: "),
            "{text}"
        );
        let err = parse_yaml(path, "greet: [\n", Document::Actions).unwrap_err();
        assert!(
            err.to_string().contains("YAML syntax error at line 2"),
            "{err}"
        );
        // The wrong shape is not called a syntax error.
        let err = parse_yaml(path, "[1]: x\n", Document::Actions).unwrap_err();
        assert!(!err.to_string().contains("syntax"), "{err}");
    }

    #[test]
    fn action_names_follow_juju() {
        for good in [
            "greet",
            "snapshot-database",
            "backup2",
            "a-b-c",
            "2fast",
            "back-2",
            "a--b",
        ] {
            assert_eq!(check_action_name("app", good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "Greet",
            "-x",
            "x-",
            "snap_shot",
            "a.b",
            "juju-run",
            "juju",
        ] {
            assert!(check_action_name("app", bad).is_err(), "{bad}");
        }
        // The juju- prefix is the charm's own when its name has it.
        assert_eq!(check_action_name("juju-backup", "juju-run"), Ok(()));
    }

    #[test]
    fn only_wit_names_can_be_exported() {
        for good in ["greet", "snapshot-database", "backup2"] {
            assert!(is_export_name(good), "{good}");
        }
        for bad in ["2fast", "back-2", "a--b", ""] {
            assert!(!is_export_name(bad), "{bad}");
        }
    }
}
