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
//!   charm.cwasm       the component compiled for the unit's target (unless
//!                     told not to): a unit's first run maps it rather than
//!                     compiling (see charmbox::cache::packed)
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
//!
//! What pack packs, it has read and understood; what it writes, it writes
//! where it means to:
//! - a file of the source that is a symbolic link is refused (a
//!   `config.yaml` linked to a secret would otherwise be packed), and so is
//!   any YAML file pack would copy without being able to parse it as a map;
//! - every file is written as a new file (`O_EXCL`), so a link planted in
//!   the output directory is never written through; with `force`, the
//!   entries pack writes are removed first (a link itself, not what it
//!   points to), and a `bin` that is a link is refused.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

mod layout;

/// The metadata files pack would write for the charm directory `charm_dir`
/// named `name`, for the fuzz targets.
#[cfg(feature = "fuzzing")]
pub fn metadata_layout(
    charm_dir: &Path,
    name: &str,
) -> Result<Vec<(&'static str, String)>, PackError> {
    layout::layout(charm_dir, name, &mut Vec::new())
}

use crate::charm::metadata::{ACTIONS_YAML, CHARMCRAFT_YAML, METADATA_YAML};
use crate::charm::{Charm, CharmError, COMPONENT_FILE};
use crate::engine::Engine;

/// The dispatch shim's file name, which Juju runs.
pub const DISPATCH_FILE: &str = "dispatch";
/// Where the binary goes, relative to the packed directory.
pub const BINARY_PATH: &str = "bin/charmbox";

const CONFIG_YAML: &str = "config.yaml";
const MANIFEST_YAML: &str = "manifest.yaml";

/// The precompiled component, beside the component
/// ([`crate::cache::packed::packed_artifact_path`] of [`COMPONENT_FILE`]).
pub const PACKED_ARTIFACT_FILE: &str = "charm.cwasm";
/// The target pack compiles for unless told otherwise: what Juju's
/// machines mostly are.
pub const DEFAULT_TARGET: &str = "x86_64-unknown-linux-gnu";

/// Every file pack may write (and, with `force`, replaces).
const PACKED_FILES: [&str; 10] = [
    DISPATCH_FILE,
    BINARY_PATH,
    COMPONENT_FILE,
    PACKED_ARTIFACT_FILE,
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
    /// The target triple to precompile the component for
    /// ([`DEFAULT_TARGET`], or the unit's, e.g. `aarch64-unknown-linux-gnu`),
    /// shipped as [`PACKED_ARTIFACT_FILE`]; `None` ships none (each unit
    /// then compiles the component on its first run).
    pub precompile_for: Option<String>,
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
    /// A file of the source, or a directory pack writes into, is a
    /// symbolic link.
    #[error(
        "{0} is a symbolic link: pack neither packs what a link points to nor writes through \
         one; put the file itself there"
    )]
    Link(PathBuf),
    /// The component could not be compiled for the target.
    #[error(
        "cannot precompile the component for {target}: {reason:#}; pass --target with a target \
         this charmbox can compile for (it compiles for its own architecture), or \
         --no-precompile to ship none (each unit then compiles it on its first run)"
    )]
    Precompile {
        /// The target triple.
        target: String,
        /// The compiler's reason.
        reason: anyhow::Error,
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
    refuse_links(charm_dir)?;
    let charm = Charm::load(engine, charm_dir)?;
    charm.ensure_runnable()?;
    check_output_dir(charm_dir, out_dir, options.force)?;
    if !options.binary.is_file() {
        return Err(PackError::Binary {
            path: options.binary.clone(),
            reason: "it is not a file".into(),
        });
    }

    let mut notes = Vec::new();
    let files = layout::layout(charm_dir, &charm.name, &mut notes)?;
    let component_path = charm_dir.join(COMPONENT_FILE);
    let component = std::fs::read(&component_path).map_err(|e| PackError::Read {
        path: component_path,
        reason: e.to_string(),
    })?;
    // Compiled before anything is written: a target that cannot be
    // compiled for leaves the output as it was.
    let precompiled = match &options.precompile_for {
        Some(target) => Some(
            crate::engine::precompile_for_target(&component, target)
                .map(|artifact| crate::cache::packed::seal(artifact, &component))
                .map_err(|reason| PackError::Precompile {
                    target: target.clone(),
                    reason,
                })?,
        ),
        None => None,
    };

    if options.force {
        for name in PACKED_FILES {
            let path = out_dir.join(name);
            // The entry itself, a link included; never what it points to.
            match std::fs::symlink_metadata(&path) {
                Ok(meta) if !meta.is_dir() => {
                    std::fs::remove_file(&path).map_err(|e| write_error(&path, e))?
                }
                _ => {}
            }
        }
    }
    std::fs::create_dir_all(out_dir).map_err(|e| write_error(out_dir, e))?;
    let bin = out_dir.join("bin");
    match std::fs::symlink_metadata(&bin) {
        Ok(meta) if meta.file_type().is_symlink() => return Err(PackError::Link(bin)),
        Ok(_) => {}
        Err(_) => std::fs::create_dir(&bin).map_err(|e| write_error(&bin, e))?,
    }
    let mut written = Vec::new();
    for (name, content) in files {
        let path = out_dir.join(name);
        write_new(&path, &mut content.as_bytes())?;
        written.push(PathBuf::from(name));
    }
    write_new(&out_dir.join(COMPONENT_FILE), &mut component.as_slice())?;
    written.push(COMPONENT_FILE.into());
    if let Some(precompiled) = precompiled {
        let path = out_dir.join(PACKED_ARTIFACT_FILE);
        write_new(&path, &mut precompiled.as_slice())?;
        // Writable by its owner only, whatever the umask: a unit refuses
        // an artifact others may write.
        set_mode(&path, 0o644)?;
        written.push(PACKED_ARTIFACT_FILE.into());
    }

    let binary = out_dir.join(BINARY_PATH);
    copy_new(&options.binary, &binary)?;
    make_executable(&binary)?;
    written.push(BINARY_PATH.into());
    if dynamically_linked(&options.binary) == Some(true) {
        notes.push(format!(
            "{} is dynamically linked: it runs on a unit only if the unit has the same C \
             library; for deploying, pack a static build (--binary \
             target/x86_64-unknown-linux-musl/dist/charmbox, see docs/juju.md)",
            options.binary.display()
        ));
    }

    let dispatch = out_dir.join(DISPATCH_FILE);
    write_new(&dispatch, &mut DISPATCH_SHIM.as_bytes())?;
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

/// The source files pack reads, each of which must be a file, not a link.
const SOURCE_FILES: [&str; 6] = [
    CHARMCRAFT_YAML,
    METADATA_YAML,
    ACTIONS_YAML,
    CONFIG_YAML,
    MANIFEST_YAML,
    COMPONENT_FILE,
];

/// Refuses a charm directory whose files pack reads include a link.
fn refuse_links(charm_dir: &Path) -> Result<(), PackError> {
    for name in SOURCE_FILES {
        let path = charm_dir.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(PackError::Link(path));
        }
    }
    Ok(())
}

/// Writes `content` to `path` as a new file: if anything is there, a link
/// included, it fails rather than write through it.
fn write_new(path: &Path, content: &mut dyn Read) -> Result<(), PackError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => PackError::Link(path.to_owned()),
            _ => write_error(path, e),
        })?;
    std::io::copy(content, &mut file).map_err(|e| write_error(path, e))?;
    Ok(())
}

/// Copies the file `from` to a new file `to` (see [`write_new`]).
fn copy_new(from: &Path, to: &Path) -> Result<(), PackError> {
    let mut source = File::open(from).map_err(|e| PackError::Read {
        path: from.to_owned(),
        reason: e.to_string(),
    })?;
    write_new(to, &mut source)
}

fn write_error(path: &Path, error: std::io::Error) -> PackError {
    PackError::Write {
        path: path.to_owned(),
        reason: error.to_string(),
    }
}

fn make_executable(path: &Path) -> Result<(), PackError> {
    set_mode(path, 0o755)
}

fn set_mode(path: &Path, mode: u32) -> Result<(), PackError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| write_error(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
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

    #[test]
    fn the_packed_artifact_lies_where_a_unit_looks_for_it() {
        assert_eq!(
            crate::cache::packed::packed_artifact_path(Path::new(COMPONENT_FILE)),
            Path::new(PACKED_ARTIFACT_FILE)
        );
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
