//! Packing: laying out a charm directory that Juju can deploy and that runs
//! its actions with charmbox.
//!
//! [`pack`] owns the layout. From a charm directory (metadata and
//! `charm.wasm`) that passes `charmbox check`, it writes:
//!
//! ```text
//! OUT_DIR/
//!   dispatch          shell shim: exec "$JUJU_CHARM_DIR/bin/charmbox" dispatch
//!   bin/charmbox      the charmbox binary (this one, or --binary PATH)
//!   charm.wasm        the component
//!   metadata.yaml     name, summary, description, ... (what Juju reads)
//!   actions.yaml      the actions section (what Juju reads)
//!   charmcraft.yaml   the source's, less its actions section (now in actions.yaml)
//!   config.yaml       when the charm has config options
//!   manifest.yaml     when the charm declares the bases it runs on
//! ```
//!
//! Files from the source that Juju reads (`metadata.yaml`, `actions.yaml`,
//! `config.yaml`, `manifest.yaml`) are copied as they are; otherwise they are
//! made from `charmcraft.yaml`, as `charmcraft pack` makes them. Every action
//! in `actions.yaml` states `additionalProperties`: where the source leaves
//! it out, `false` is written, the default charmbox (and Juju 4) uses, so
//! that Juju 3, whose default is `true`, validates params the same way.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_norway::{Mapping, Value};

use crate::charm::metadata::{ACTIONS_YAML, CHARMCRAFT_YAML, METADATA_YAML};
use crate::charm::{Charm, CharmError, Diagnostic, COMPONENT_FILE};
use crate::engine::Engine;

/// The dispatch shim's file name, which Juju runs.
pub const DISPATCH_FILE: &str = "dispatch";
/// Where the binary goes, relative to the packed directory.
pub const BINARY_PATH: &str = "bin/charmbox";

const CONFIG_YAML: &str = "config.yaml";
const MANIFEST_YAML: &str = "manifest.yaml";

/// Every file pack may write (and, with `force`, replaces).
const PACKED_FILES: [&str; 9] = [
    DISPATCH_FILE,
    BINARY_PATH,
    COMPONENT_FILE,
    METADATA_YAML,
    ACTIONS_YAML,
    CHARMCRAFT_YAML,
    CONFIG_YAML,
    MANIFEST_YAML,
    // The shim of an older layout; never written, removed with `force`.
    "hooks/dispatch",
];

/// The `charmcraft.yaml` keys that `metadata.yaml` carries.
const METADATA_KEYS: [&str; 22] = [
    "name",
    "display-name",
    "summary",
    "description",
    "maintainers",
    "docs",
    "issues",
    "source",
    "website",
    "terms",
    "subordinate",
    "requires",
    "provides",
    "peers",
    "extra-bindings",
    "resources",
    "storage",
    "devices",
    "containers",
    "assumes",
    "charm-user",
    "min-juju-version",
];

/// The dispatch shim: Juju runs it with the charm directory in
/// `JUJU_CHARM_DIR`.
pub const DISPATCH_SHIM: &str = r#"#!/bin/sh
# Written by `charmbox pack`. Juju runs this file for every hook and action of
# the charm, with JUJU_DISPATCH_PATH saying which (actions/<name>,
# hooks/<name>). charmbox runs the action's handler from charm.wasm in its
# sandbox, talking to Juju through the hook tools (action-get, action-set,
# action-log, action-fail); hooks are logged and succeed.
exec "${JUJU_CHARM_DIR:?is not set: Juju runs this file as the charm's dispatch}/bin/charmbox" dispatch "$@"
"#;

/// How to pack.
#[derive(Debug, Clone)]
pub struct PackOptions {
    /// The `charmbox` binary to put in the charm. It runs on the unit, so it
    /// should be a static build for the unit's architecture.
    pub binary: PathBuf,
    /// Replace the files pack writes in a non-empty output directory.
    pub force: bool,
}

/// What was packed.
#[derive(Debug, Clone)]
pub struct PackReport {
    /// The charm's name.
    pub name: String,
    /// The files written, relative to the output directory, in order.
    pub files: Vec<PathBuf>,
    /// Things the packer should know (a dynamically linked binary, no base
    /// declared, a summary made up).
    pub notes: Vec<String>,
}

/// Why a charm was not packed.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// The source is not a charm directory.
    #[error(
        "{0} is not a charm directory: pack needs a directory holding the charm's metadata \
         (charmcraft.yaml or actions.yaml) and its {COMPONENT_FILE}"
    )]
    NotACharmDir(PathBuf),
    /// The charm could not be loaded.
    #[error(transparent)]
    Load(#[from] CharmError),
    /// The charm fails `charmbox check`.
    #[error("{}", unsound_message(.0))]
    Unsound(Vec<Diagnostic>),
    /// The output directory already holds files.
    #[error(
        "{0} exists and is not empty: choose a new directory, or pass --force to replace the \
         files pack writes there"
    )]
    OutputNotEmpty(PathBuf),
    /// The output directory is the charm directory, or inside it.
    #[error(
        "cannot pack into {out}: it is {charm} or inside it; choose a directory outside the \
         charm's source"
    )]
    OutputInsideCharm {
        /// The output directory.
        out: PathBuf,
        /// The charm directory.
        charm: PathBuf,
    },
    /// The binary to pack is missing.
    #[error(
        "cannot pack the charmbox binary {path}: {reason}; pass --binary with the path of a \
         charmbox build (for a unit, a static one: see docs/juju.md)"
    )]
    Binary {
        /// The binary.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A source file could not be read or made sense of.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

fn unsound_message(problems: &[Diagnostic]) -> String {
    let listed: Vec<String> = problems.iter().map(|p| format!("- {p}")).collect();
    format!(
        "the charm does not pass `charmbox check`, so it is not packed:\n{}",
        listed.join("\n")
    )
}

/// Packs the charm directory `charm_dir` into `out_dir`.
pub fn pack(
    engine: &Engine,
    charm_dir: &Path,
    out_dir: &Path,
    options: &PackOptions,
) -> Result<PackReport, PackError> {
    if charm_dir.exists() && !charm_dir.is_dir() {
        return Err(PackError::NotACharmDir(charm_dir.to_owned()));
    }
    let charm = Charm::load(engine, charm_dir)?;
    let problems = charm.check();
    if !problems.is_empty() {
        return Err(PackError::Unsound(problems));
    }
    check_output_dir(charm_dir, out_dir, options.force)?;
    if !options.binary.is_file() {
        return Err(PackError::Binary {
            path: options.binary.clone(),
            reason: "it is not a file".into(),
        });
    }

    let mut notes = Vec::new();
    let files = layout(charm_dir, &charm.name, &mut notes)?;

    if options.force {
        for name in PACKED_FILES {
            let path = out_dir.join(name);
            if path.is_file() {
                std::fs::remove_file(&path).map_err(|e| write_error(&path, e))?;
            }
        }
    }
    std::fs::create_dir_all(out_dir.join("bin")).map_err(|e| write_error(out_dir, e))?;
    let mut written = Vec::new();
    for (name, content) in files {
        let path = out_dir.join(name);
        std::fs::write(&path, content).map_err(|e| write_error(&path, e))?;
        written.push(PathBuf::from(name));
    }
    let component = out_dir.join(COMPONENT_FILE);
    std::fs::copy(charm_dir.join(COMPONENT_FILE), &component)
        .map_err(|e| write_error(&component, e))?;
    written.push(COMPONENT_FILE.into());

    let binary = out_dir.join(BINARY_PATH);
    std::fs::copy(&options.binary, &binary).map_err(|e| write_error(&binary, e))?;
    make_executable(&binary)?;
    written.push(BINARY_PATH.into());
    if dynamically_linked(&options.binary) == Some(true) {
        notes.push(format!(
            "{} is dynamically linked: it runs on a unit only if the unit has the same C \
             library; for deploying, pack a static build (--binary \
             target/x86_64-unknown-linux-musl/release/charmbox, see docs/juju.md)",
            options.binary.display()
        ));
    }

    let dispatch = out_dir.join(DISPATCH_FILE);
    std::fs::write(&dispatch, DISPATCH_SHIM).map_err(|e| write_error(&dispatch, e))?;
    make_executable(&dispatch)?;
    written.push(DISPATCH_FILE.into());

    Ok(PackReport {
        name: charm.name,
        files: written,
        notes,
    })
}

fn check_output_dir(charm_dir: &Path, out_dir: &Path, force: bool) -> Result<(), PackError> {
    if let (Ok(charm), Some(out)) = (charm_dir.canonicalize(), canonical_to_be(out_dir)) {
        if out.starts_with(&charm) {
            return Err(PackError::OutputInsideCharm {
                out: out_dir.to_owned(),
                charm: charm_dir.to_owned(),
            });
        }
    }
    if !out_dir.exists() {
        return Ok(());
    }
    if !out_dir.is_dir() {
        return Err(write_error(
            out_dir,
            std::io::Error::other("it exists and is not a directory"),
        ));
    }
    let mut entries = std::fs::read_dir(out_dir).map_err(|e| write_error(out_dir, e))?;
    if entries.next().is_some() && !force {
        return Err(PackError::OutputNotEmpty(out_dir.to_owned()));
    }
    Ok(())
}

/// The canonical form `path` has or would have once created: its nearest
/// existing ancestor canonicalized, joined with the rest.
fn canonical_to_be(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            return Some(rest.iter().rev().fold(canonical, |p, c| p.join(c)));
        }
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent()?;
    }
}

/// The metadata files to write, as (relative name, content).
fn layout(
    charm_dir: &Path,
    name: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<(&'static str, String)>, PackError> {
    let charmcraft = read_yaml_mapping(&charm_dir.join(CHARMCRAFT_YAML))?;
    let mut files = Vec::new();

    // metadata.yaml
    match read_text(&charm_dir.join(METADATA_YAML))? {
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
    match read_text(&charm_dir.join(CONFIG_YAML))? {
        Some(text) => files.push((CONFIG_YAML, text)),
        None => {
            if let Some(config) = charmcraft.as_ref().and_then(|c| c.get("config")) {
                files.push((CONFIG_YAML, to_yaml(config)?));
            }
        }
    }

    // manifest.yaml
    match read_text(&charm_dir.join(MANIFEST_YAML))? {
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

fn read_yaml_mapping(path: &Path) -> Result<Option<Mapping>, PackError> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    let bad = |reason: String| PackError::Read {
        path: path.to_owned(),
        reason,
    };
    match serde_norway::from_str::<Value>(&text).map_err(|e| bad(e.to_string()))? {
        Value::Mapping(mapping) => Ok(Some(mapping)),
        Value::Null => Ok(Some(Mapping::new())),
        _ => Err(bad("expected a YAML map at the top level".into())),
    }
}

fn to_yaml(value: &Value) -> Result<String, PackError> {
    serde_norway::to_string(value).map_err(|e| PackError::Write {
        path: PathBuf::from("(YAML)"),
        reason: e.to_string(),
    })
}

fn write_error(path: &Path, error: std::io::Error) -> PackError {
    PackError::Write {
        path: path.to_owned(),
        reason: error.to_string(),
    }
}

fn make_executable(path: &Path) -> Result<(), PackError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| write_error(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Whether `path` is a 64-bit little-endian ELF executable that names a
/// program interpreter (the dynamic loader); `None` when it is not such a
/// file or cannot be read.
fn dynamically_linked(path: &Path) -> Option<bool> {
    const PT_INTERP: u32 = 3;
    let mut file = File::open(path).ok()?;
    let mut header = [0u8; 64];
    file.read_exact(&mut header).ok()?;
    if &header[..4] != b"\x7fELF" || header[4] != 2 || header[5] != 1 {
        return None;
    }
    let phoff = u64::from_le_bytes(header[0x20..0x28].try_into().ok()?);
    let phentsize = u16::from_le_bytes(header[0x36..0x38].try_into().ok()?) as usize;
    let phnum = u16::from_le_bytes(header[0x38..0x3a].try_into().ok()?) as usize;
    if phentsize < 4 {
        return None;
    }
    file.seek(SeekFrom::Start(phoff)).ok()?;
    let mut table = vec![0u8; phentsize.checked_mul(phnum)?];
    file.read_exact(&mut table).ok()?;
    Some(table.chunks_exact(phentsize).any(|entry| {
        entry[..4]
            .try_into()
            .map(u32::from_le_bytes)
            .is_ok_and(|kind| kind == PT_INTERP)
    }))
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

    #[test]
    fn knows_a_dynamic_executable() {
        // The test binary itself: linked however the toolchain links tests,
        // but always an ELF file on Linux.
        if cfg!(all(
            target_os = "linux",
            target_endian = "little",
            target_pointer_width = "64"
        )) {
            let me = std::env::current_exe().unwrap();
            assert!(dynamically_linked(&me).is_some());
        }
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("script");
        std::fs::write(&text, "#!/bin/sh\n").unwrap();
        assert_eq!(dynamically_linked(&text), None);
    }
}
