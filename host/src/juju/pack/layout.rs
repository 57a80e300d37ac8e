//! The metadata files of a packed charm, as `charmcraft pack` makes them:
//! copied from the source when it has them, otherwise made from
//! `charmcraft.yaml` (`metadata.yaml`, `actions.yaml`, `config.yaml`,
//! `manifest.yaml`, and `charmcraft.yaml` less its actions).

use std::path::{Path, PathBuf};

use serde_norway::{Mapping, Value};

use super::{PackError, CONFIG_YAML, MANIFEST_YAML, METADATA_KEYS};
use crate::charm::metadata::{ACTIONS_YAML, CHARMCRAFT_YAML, METADATA_YAML};

/// The metadata files to write, as (relative name, content).
pub(super) fn layout(
    charm_dir: &Path,
    name: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<(&'static str, String)>, PackError> {
    let charmcraft = read_yaml_mapping(&charm_dir.join(CHARMCRAFT_YAML))?;
    let mut files = Vec::new();

    // metadata.yaml
    match read_parsed_text(&charm_dir.join(METADATA_YAML))? {
        Some(text) => files.push((METADATA_YAML, text)),
        None => {
            let metadata = metadata_from(charmcraft.as_ref(), name, notes);
            files.push((METADATA_YAML, to_yaml(&Value::Mapping(metadata))?));
        }
    }

    // actions.yaml
    let actions = match read_yaml_mapping(&charm_dir.join(ACTIONS_YAML))? {
        Some(actions) => Some(actions),
        None => match charmcraft.as_ref().and_then(|c| c.get("actions")) {
            Some(Value::Mapping(actions)) => Some(actions.clone()),
            _ => None,
        },
    };
    if let Some(mut actions) = actions {
        for (_, spec) in actions.iter_mut() {
            if let Value::Mapping(spec) = spec {
                if !spec.contains_key("additionalProperties") {
                    spec.insert("additionalProperties".into(), Value::Bool(false));
                }
            }
        }
        files.push((ACTIONS_YAML, to_yaml(&Value::Mapping(actions))?));
    }

    // charmcraft.yaml, less its actions
    if let Some(mut charmcraft) = charmcraft.clone() {
        charmcraft.shift_remove("actions");
        let header = format!(
            "# The charm's {CHARMCRAFT_YAML}, copied by `charmbox pack`; its actions: section \
             is in {ACTIONS_YAML}.\n"
        );
        files.push((
            CHARMCRAFT_YAML,
            header + &to_yaml(&Value::Mapping(charmcraft))?,
        ));
    }

    // config.yaml
    match read_parsed_text(&charm_dir.join(CONFIG_YAML))? {
        Some(text) => files.push((CONFIG_YAML, text)),
        None => {
            if let Some(config) = charmcraft.as_ref().and_then(|c| c.get("config")) {
                files.push((CONFIG_YAML, to_yaml(config)?));
            }
        }
    }

    // manifest.yaml
    match read_parsed_text(&charm_dir.join(MANIFEST_YAML))? {
        Some(text) => files.push((MANIFEST_YAML, text)),
        None => match charmcraft.as_ref().and_then(manifest_from) {
            Some(manifest) => files.push((MANIFEST_YAML, to_yaml(&manifest)?)),
            None => notes.push(format!(
                "the charm declares no base to run on (`base:` and `platforms:`, or `bases:`, in \
                 {CHARMCRAFT_YAML}), so no {MANIFEST_YAML} is written: Juju 3 refuses to deploy \
                 a charm without one; add e.g. `base: ubuntu@24.04` and `platforms: {{amd64: }}`"
            )),
        },
    }
    Ok(files)
}

/// `metadata.yaml` from `charmcraft.yaml`: its metadata keys, with a
/// summary and description made up when missing (Juju requires both).
fn metadata_from(charmcraft: Option<&Mapping>, name: &str, notes: &mut Vec<String>) -> Mapping {
    let mut metadata = Mapping::new();
    metadata.insert("name".into(), name.into());
    if let Some(charmcraft) = charmcraft {
        for key in METADATA_KEYS.into_iter().skip(1) {
            if let Some(value) = charmcraft.get(key) {
                metadata.insert(key.into(), value.clone());
            }
        }
        if !metadata.contains_key("display-name") {
            if let Some(title) = charmcraft.get("title") {
                metadata.insert("display-name".into(), title.clone());
            }
        }
    }
    for key in ["summary", "description"] {
        if !metadata.contains_key(key) {
            let made_up = format!("The {name} charm, whose actions run with charmbox.");
            notes.push(format!(
                "the charm has no {key}: Juju requires one, so metadata.yaml says {made_up:?}"
            ));
            metadata.insert(key.into(), made_up.into());
        }
    }
    metadata
}

/// `manifest.yaml` (the bases the charm runs on) from `bases:`, or `base:`
/// with `platforms:`, in `charmcraft.yaml`.
fn manifest_from(charmcraft: &Mapping) -> Option<Value> {
    let mut bases = Vec::new();
    if let Some(Value::Sequence(entries)) = charmcraft.get("bases") {
        for entry in entries {
            match entry.get("run-on") {
                Some(Value::Sequence(run_on)) => bases.extend(run_on.iter().filter_map(base_entry)),
                _ => bases.extend(base_entry(entry)),
            }
        }
    } else if let Some(Value::String(base)) = charmcraft.get("base") {
        let (name, channel) = base.split_once('@')?;
        let mut architectures: Vec<Value> = match charmcraft.get("platforms") {
            Some(Value::Mapping(platforms)) => platforms
                .keys()
                .filter_map(Value::as_str)
                .filter(|p| is_architecture(p))
                .map(Value::from)
                .collect(),
            _ => Vec::new(),
        };
        if architectures.is_empty() {
            architectures.push(host_architecture().into());
        }
        bases.push(base_mapping(name, channel, architectures));
    }
    if bases.is_empty() {
        return None;
    }
    let mut manifest = Mapping::new();
    manifest.insert("bases".into(), Value::Sequence(bases));
    Some(Value::Mapping(manifest))
}

/// One `{name, channel, architectures}` base from a `bases:` entry.
fn base_entry(entry: &Value) -> Option<Value> {
    let name = entry.get("name")?.as_str()?;
    let channel = match entry.get("channel")? {
        Value::String(channel) => channel.clone(),
        // `channel: 22.04` unquoted reads as a number.
        Value::Number(number) => number.to_string(),
        _ => return None,
    };
    let architectures = match entry.get("architectures") {
        Some(Value::Sequence(archs)) if !archs.is_empty() => archs.clone(),
        _ => vec![host_architecture().into()],
    };
    Some(base_mapping(name, &channel, architectures))
}

fn base_mapping(name: &str, channel: &str, architectures: Vec<Value>) -> Value {
    let mut base = Mapping::new();
    base.insert("name".into(), name.into());
    base.insert("channel".into(), channel.into());
    base.insert("architectures".into(), Value::Sequence(architectures));
    Value::Mapping(base)
}

fn is_architecture(name: &str) -> bool {
    matches!(
        name,
        "amd64" | "arm64" | "armhf" | "ppc64el" | "riscv64" | "s390x"
    )
}

/// Juju's name for the architecture charmbox was built for.
fn host_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        "arm" => "armhf",
        "powerpc64" => "ppc64el",
        "riscv64" => "riscv64",
        "s390x" => "s390x",
        _ => "amd64",
    }
}

fn read_text(path: &Path) -> Result<Option<String>, PackError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PackError::Read {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}

/// The text of a YAML file copied as it is (comments kept), once it is
/// known to parse as a map: pack copies nothing it does not understand.
fn read_parsed_text(path: &Path) -> Result<Option<String>, PackError> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    parse_mapping(path, &text)?;
    Ok(Some(text))
}

fn read_yaml_mapping(path: &Path) -> Result<Option<Mapping>, PackError> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    parse_mapping(path, &text).map(Some)
}

/// `text`, the content of `path`, as a YAML map (empty for an empty file).
fn parse_mapping(path: &Path, text: &str) -> Result<Mapping, PackError> {
    let bad = |reason: String| PackError::Read {
        path: path.to_owned(),
        reason: format!("{reason}; pack copies only YAML it can read"),
    };
    match serde_norway::from_str::<Value>(text).map_err(|e| bad(e.to_string()))? {
        Value::Mapping(mapping) => Ok(mapping),
        Value::Null => Ok(Mapping::new()),
        _ => Err(bad("expected a YAML map at the top level".into())),
    }
}

fn to_yaml(value: &Value) -> Result<String, PackError> {
    serde_norway::to_string(value).map_err(|e| PackError::Write {
        path: PathBuf::from("(YAML)"),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(yaml: &str) -> Mapping {
        match serde_norway::from_str(yaml).unwrap() {
            Value::Mapping(m) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn manifest_from_base_and_platforms() {
        let manifest = manifest_from(&mapping(
            "base: ubuntu@24.04\nplatforms:\n  amd64:\n  arm64:\n",
        ))
        .unwrap();
        assert_eq!(
            serde_norway::to_string(&manifest).unwrap(),
            "bases:\n- name: ubuntu\n  channel: '24.04'\n  architectures:\n  - amd64\n  - arm64\n"
        );
    }

    #[test]
    fn manifest_from_bases_takes_run_on() {
        let manifest = manifest_from(&mapping(
            "bases:\n- build-on: [{name: ubuntu, channel: '22.04'}]\n  run-on:\n  - name: ubuntu\n    channel: '22.04'\n    architectures: [arm64]\n",
        ))
        .unwrap();
        assert_eq!(manifest["bases"][0]["channel"], Value::from("22.04"));
        assert_eq!(
            manifest["bases"][0]["architectures"][0],
            Value::from("arm64")
        );
        assert!(manifest_from(&mapping("name: x\n")).is_none());
    }

    #[test]
    fn metadata_makes_up_what_juju_requires() {
        let mut notes = Vec::new();
        let metadata = metadata_from(
            Some(&mapping(
                "name: x\ntitle: X\nsummary: S\nactions: {}\nrequires: {db: {interface: pg}}\n",
            )),
            "x",
            &mut notes,
        );
        assert_eq!(metadata.get("summary"), Some(&Value::from("S")));
        assert_eq!(metadata.get("display-name"), Some(&Value::from("X")));
        assert!(metadata.get("requires").is_some());
        assert!(metadata.get("actions").is_none());
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("description"), "{notes:?}");
    }
}
