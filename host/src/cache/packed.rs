//! A packed charm's precompiled component: the native code `charmbox pack`
//! compiles for the unit's target and ships beside `charm.wasm` as
//! `charm.cwasm`, so that a unit's first run maps it instead of compiling.
//!
//! The file is wasmtime's artifact followed by a trailer: the xxh3-128 hash
//! of the component it was compiled from, the xxh3-128 hash of the artifact
//! itself, and [`MAGIC`]. Before anything of it is deserialized, a unit
//! checks, on the open file it will map:
//! - that it is a regular file (not a link) that no one but its owner may
//!   write, and that its owner is this user or root (who owns the rest of
//!   the charm, `bin/charmbox` included): otherwise another local user
//!   could have planted native code;
//! - that its trailer names this very `charm.wasm` (a component rebuilt
//!   after packing leaves a stale artifact, which is not used) and that the
//!   artifact's bytes hash to what the trailer says (a truncated or
//!   corrupted copy is not used);
//! - that wasmtime takes it for a precompiled component, and then, as it
//!   deserializes, that it was made by this wasmtime version with this
//!   engine's settings for this target and for CPU features this machine
//!   has.
//!
//! Any check that fails is a [`PackedArtifactError`]: the caller warns and
//! compiles `charm.wasm` on the unit as if nothing had been shipped.
//!
//! The hashes are checksums, not signatures: they catch a mistake or a
//! broken copy. Who can rewrite a charm's files can as well rewrite the
//! `bin/charmbox` beside them, native code run as the unit agent's user;
//! the artifact is trusted as the charm is (Juju checks the charm archive's
//! hash when it downloads it), and the ownership check keeps everyone else
//! out, as it does for the compiled-component cache.

use std::fs::File;
use std::path::{Path, PathBuf};

use wasmtime::component::Component;

use super::checksum::{xxh3_128, xxh3_128_of_file};
use super::identity::{map_whole, watched, FileIdentity};

/// The extension of a packed artifact: `charm.wasm` ships `charm.cwasm`.
pub const PACKED_EXTENSION: &str = "cwasm";
/// Bytes that end every packed artifact.
const MAGIC: &[u8; 8] = b"CBXPACK1";
/// The component's hash, the artifact's hash, then [`MAGIC`].
const TRAILER_LEN: usize = 16 + 16 + MAGIC.len();

/// Where the packed artifact of the component file `component` lives:
/// beside it, with the [`PACKED_EXTENSION`].
pub fn packed_artifact_path(component: &Path) -> PathBuf {
    component.with_extension(PACKED_EXTENSION)
}

/// The packed artifact's file contents for `artifact`, compiled (by
/// [`crate::engine::precompile_for_target`]) from `component`.
pub fn seal(mut artifact: Vec<u8>, component: &[u8]) -> Vec<u8> {
    let image_hash = xxh3_128(&artifact);
    artifact.extend_from_slice(&xxh3_128(component).to_le_bytes());
    artifact.extend_from_slice(&image_hash.to_le_bytes());
    artifact.extend_from_slice(MAGIC);
    artifact
}

/// Why a packed artifact was not used (the component is compiled instead).
#[derive(Debug, thiserror::Error)]
pub enum PackedArtifactError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {reason}", .path.display())]
    Read {
        /// The artifact.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Its owner or mode would let someone other than the charm's owner
    /// have written it.
    #[error("{} is not used: {reason}", .path.display())]
    Untrusted {
        /// The artifact.
        path: PathBuf,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// Its trailer is missing, or its bytes do not hash to what it says.
    #[error(
        "{} is corrupt (its checksum does not match its contents): pack the charm again",
        .path.display()
    )]
    Corrupt {
        /// The artifact.
        path: PathBuf,
    },
    /// It was compiled from another component than the one beside it.
    #[error(
        "{} was compiled from another component than {}: pack the charm again after \
         building it",
        .path.display(),
        .component.display()
    )]
    OtherComponent {
        /// The artifact.
        path: PathBuf,
        /// The component beside it.
        component: PathBuf,
    },
    /// wasmtime does not take it for a precompiled component, or refused to
    /// load it here (another wasmtime version, other engine settings,
    /// another target, CPU features this machine lacks).
    #[error("{} does not fit this machine's engine: {reason}", .path.display())]
    DoesNotFit {
        /// The artifact.
        path: PathBuf,
        /// wasmtime's reason.
        reason: String,
    },
}

/// The packed artifact beside the component file `component`, deserialized
/// once it passes its checks, without a cache to remember them (each load
/// checks again); `Ok(None)` when there is none.
pub fn load(
    engine: &wasmtime::Engine,
    component: &Path,
) -> Result<Option<Component>, PackedArtifactError> {
    let Some(verified) = open_verified(component)? else {
        return Ok(None);
    };
    deserialize(engine, component, &verified).map(Some)
}

/// A packed artifact that passed its checks, open.
pub(super) struct Verified {
    /// The artifact's file, to map.
    file: File,
    /// Its identity when it was checked (for the cache's index).
    pub(super) identity: Option<FileIdentity>,
    /// The component file's identity when it was hashed.
    pub(super) component_identity: Option<FileIdentity>,
}

/// Opens the packed artifact beside the component file `component` and
/// checks it (the module doc says how); `Ok(None)` when there is none.
/// Both files are streamed through the checksum (see [`xxh3_128_of_file`]),
/// neither mapped nor read whole: a Python charm's are 50 MB together,
/// and a unit's first run would otherwise spend more on page faults than
/// on running the action.
pub(super) fn open_verified(component: &Path) -> Result<Option<Verified>, PackedArtifactError> {
    let path = packed_artifact_path(component);
    let read_error = |path: &Path, e: std::io::Error| PackedArtifactError::Read {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let file = match open_no_follow(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_error(&path, e)),
    };
    let meta = file.metadata().map_err(|e| read_error(&path, e))?;
    if let Some(reason) = untrusted(&meta) {
        return Err(PackedArtifactError::Untrusted { path, reason });
    }
    let (sealed_for, identity) =
        watched(&file, |len| sealed_for(&file, len)).map_err(|e| read_error(&path, e))?;
    let Some(sealed_for) = sealed_for else {
        return Err(PackedArtifactError::Corrupt { path });
    };
    let (component_hash, component_identity) = File::open(component)
        .and_then(|file| watched(&file, |len| xxh3_128_of_file(&file, len)))
        .map_err(|e| read_error(component, e))?;
    if component_hash != sealed_for {
        return Err(PackedArtifactError::OtherComponent {
            path,
            component: component.to_owned(),
        });
    }
    Ok(Some(Verified {
        file,
        identity,
        component_identity,
    }))
}

/// The hash of the component the artifact `file` (`len` bytes) was sealed
/// for, if its trailer is whole and its image's bytes hash to what the
/// trailer says.
fn sealed_for(file: &File, len: u64) -> std::io::Result<Option<u128>> {
    use std::io::{Read as _, Seek as _};
    let Some(image_len) = len.checked_sub(TRAILER_LEN as u64) else {
        return Ok(None);
    };
    let mut trailer = [0; TRAILER_LEN];
    let mut reader = file;
    reader.seek(std::io::SeekFrom::Start(image_len))?;
    reader.read_exact(&mut trailer)?;
    let hash = |at: usize| u128::from_le_bytes(trailer[at..at + 16].try_into().expect("16 bytes"));
    let (component_hash, image_hash) = (hash(0), hash(16));
    Ok(
        (&trailer[32..] == MAGIC && xxh3_128_of_file(file, image_len)? == image_hash)
            .then_some(component_hash),
    )
}

/// Deserializes a verified artifact of the component file `component` for
/// `engine`: wasmtime checks its version, settings, target and CPU
/// features.
pub(super) fn deserialize(
    engine: &wasmtime::Engine,
    component: &Path,
    verified: &Verified,
) -> Result<Component, PackedArtifactError> {
    let path = packed_artifact_path(component);
    let does_not_fit = |reason: String| PackedArtifactError::DoesNotFit {
        path: path.clone(),
        reason,
    };
    let kind = map_whole(&verified.file, wasmtime::Engine::detect_precompiled).map_err(|e| {
        PackedArtifactError::Read {
            path: path.clone(),
            reason: e.to_string(),
        }
    })?;
    if kind != Some(wasmtime::Precompiled::Component) {
        return Err(does_not_fit(
            "it is not a precompiled WebAssembly component".into(),
        ));
    }
    // SAFETY: the file is the charm's (this user's or root's, writable by
    // no one else), its checksum matched the bytes of this same open file,
    // which is what is mapped, and its trailer names the component beside
    // it; wasmtime checks its version, settings, target and CPU features
    // on top (and reads the image through its ELF headers, past which the
    // trailer lies).
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        let this_file = PathBuf::from(format!("/proc/self/fd/{}", verified.file.as_raw_fd()));
        if this_file.exists() {
            return unsafe { Component::deserialize_file(engine, &this_file) }
                .map_err(|e| does_not_fit(format!("{e:#}")));
        }
    }
    let file = verified
        .file
        .try_clone()
        .map_err(|e| PackedArtifactError::Read {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    let (bytes, identity) =
        super::identity::read_whole(&file).map_err(|e| PackedArtifactError::Read {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    if identity.is_none() || identity != verified.identity {
        return Err(PackedArtifactError::Corrupt { path });
    }
    // SAFETY: as above, on the bytes of the file as it was checked.
    unsafe { Component::deserialize(engine, &bytes[..bytes.len() - TRAILER_LEN]) }
        .map_err(|e| does_not_fit(format!("{e:#}")))
}

/// The packed artifact beside the component file `component`, open, if it
/// is still what it was when it passed its checks (its identity then,
/// `checked`, which any write changes) and may still be trusted.
pub(super) fn open_unchanged(component: &Path, checked: FileIdentity) -> Option<File> {
    let file = open_no_follow(&packed_artifact_path(component)).ok()?;
    let meta = file.metadata().ok()?;
    (untrusted(&meta).is_none() && FileIdentity::of(&meta) == Some(checked)).then_some(file)
}

fn open_no_follow(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Why a packed artifact with metadata `meta` cannot be trusted, if it
/// cannot: not a regular file, or another user than this one or root owns
/// it, or its group or others may write to it.
fn untrusted(meta: &std::fs::Metadata) -> Option<String> {
    if !meta.is_file() {
        return Some("it is not a regular file".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let me = super::trust::effective_user();
        if meta.uid() != me && meta.uid() != 0 {
            return Some(format!(
                "it belongs to user {}, neither this user ({me}) nor root, who own the charm; \
                 give it to the charm's owner or remove it",
                meta.uid()
            ));
        }
        if meta.mode() & 0o022 != 0 {
            return Some(format!(
                "its group or other users may write to it (mode {:o}) and could have planted \
                 native code; make it writable by its owner only (chmod 644)",
                meta.mode() & 0o7777
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::ComponentCache;
    use super::*;

    fn component_bytes(export: &str) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(component
                (core module $m (func (export "f")))
                (core instance $i (instantiate $m))
                (func $f (canon lift (core func $i "f")))
                (export "{export}" (func $f)))"#
        ))
        .unwrap()
    }

    /// This machine's target, as pack would be told it.
    fn host_target() -> String {
        format!("{}-unknown-linux-gnu", std::env::consts::ARCH)
    }

    fn unit_engine() -> wasmtime::Engine {
        crate::engine::Engine::new().unwrap().wasmtime().clone()
    }

    /// A charm directory holding `charm.wasm` and the `charm.cwasm` that
    /// `artifact` makes of it.
    fn packed_dir(component: &[u8], artifact: Vec<u8>) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let wasm = dir.path().join("charm.wasm");
        std::fs::write(&wasm, component).unwrap();
        write_artifact(&wasm, &artifact);
        (dir, wasm)
    }

    fn write_artifact(wasm: &Path, content: &[u8]) {
        let path = packed_artifact_path(wasm);
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, content).unwrap();
        set_mode(&path, 0o644);
    }

    fn set_mode(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn exports(component: &Component, engine: &wasmtime::Engine) -> Vec<String> {
        component
            .component_type()
            .exports(engine)
            .map(|(name, _)| name.to_owned())
            .collect()
    }

    fn sealed(component: &[u8]) -> Vec<u8> {
        let artifact = crate::engine::precompile_for_target(component, &host_target()).unwrap();
        seal(artifact, component)
    }

    #[test]
    fn a_packed_artifact_loads_once_checked_then_from_the_index() {
        let engine = unit_engine();
        let component = component_bytes("ping");
        let (dir, wasm) = packed_dir(&component, sealed(&component));
        let cache_dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::open(cache_dir.path()).unwrap();
        assert!(cache.lookup_file(&engine, &wasm).is_none());
        let loaded = cache.load_packed(&engine, &wasm).unwrap().unwrap();
        assert_eq!(exports(&loaded, &engine), ["ping"]);
        // Indexed: the next run maps it where it is, and the cache holds no
        // artifact of its own.
        let mapped = cache.lookup_file(&engine, &wasm).unwrap();
        assert_eq!(exports(&mapped, &engine), ["ping"]);
        let own: Vec<_> = std::fs::read_dir(cache_dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "cwasm")
            })
            .collect();
        assert!(own.is_empty(), "{own:?}");
        // Rewritten in place (same bytes, new change time): checked again.
        write_artifact(&wasm, &sealed(&component));
        assert!(cache.lookup_file(&engine, &wasm).is_none());
        drop(dir);
    }

    #[test]
    fn no_packed_artifact_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let wasm = dir.path().join("charm.wasm");
        std::fs::write(&wasm, component_bytes("ping")).unwrap();
        assert!(load(&unit_engine(), &wasm).unwrap().is_none());
    }

    #[test]
    fn a_corrupt_truncated_or_foreign_artifact_is_refused_before_it_is_loaded() {
        let engine = unit_engine();
        let component = component_bytes("ping");
        let good = sealed(&component);

        let mut flipped = good.clone();
        flipped[good.len() / 2] ^= 1;
        let (_dir, wasm) = packed_dir(&component, flipped);
        let refused = load(&engine, &wasm).unwrap_err();
        assert!(
            matches!(refused, PackedArtifactError::Corrupt { .. }),
            "{refused}"
        );
        assert!(
            refused.to_string().contains("pack the charm again"),
            "{refused}"
        );

        let (_dir, wasm) = packed_dir(&component, good[..good.len() - 3].to_vec());
        let refused = load(&engine, &wasm).unwrap_err();
        assert!(
            matches!(refused, PackedArtifactError::Corrupt { .. }),
            "{refused}"
        );

        // A bare wasmtime artifact, no trailer.
        let bare = crate::engine::precompile_for_target(&component, &host_target()).unwrap();
        let (_dir, wasm) = packed_dir(&component, bare);
        let refused = load(&engine, &wasm).unwrap_err();
        assert!(
            matches!(refused, PackedArtifactError::Corrupt { .. }),
            "{refused}"
        );

        // The artifact of another component: rebuilt after packing.
        let (_dir, wasm) = packed_dir(&component_bytes("pong"), good.clone());
        let refused = load(&engine, &wasm).unwrap_err();
        assert!(
            matches!(refused, PackedArtifactError::OtherComponent { .. }),
            "{refused}"
        );

        // Bytes that are not an artifact at all, with a valid trailer.
        let (_dir, wasm) = packed_dir(&component, seal(b"not ELF".to_vec(), &component));
        let refused = load(&engine, &wasm).unwrap_err();
        assert!(
            matches!(refused, PackedArtifactError::DoesNotFit { .. }),
            "{refused}"
        );
    }

    #[test]
    fn an_artifact_of_other_engine_settings_does_not_fit() {
        let component = component_bytes("ping");
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        // No epoch interruption: code the unit's deadlines could not stop.
        let other = wasmtime::Engine::new(&config).unwrap();
        let artifact = other.precompile_component(&component).unwrap();
        let (_dir, wasm) = packed_dir(&component, seal(artifact, &component));
        let refused = load(&unit_engine(), &wasm).unwrap_err();
        assert!(
            matches!(refused, PackedArtifactError::DoesNotFit { .. }),
            "{refused}"
        );
        assert!(refused.to_string().contains("does not fit"), "{refused}");
    }

    #[test]
    fn an_artifact_others_may_write_is_not_trusted() {
        let component = component_bytes("ping");
        let (_dir, wasm) = packed_dir(&component, sealed(&component));
        set_mode(&packed_artifact_path(&wasm), 0o666);
        let refused = load(&unit_engine(), &wasm).unwrap_err();
        assert!(
            matches!(refused, PackedArtifactError::Untrusted { .. }),
            "{refused}"
        );
        assert!(refused.to_string().contains("chmod 644"), "{refused}");
    }

    #[test]
    fn a_link_is_not_followed() {
        let component = component_bytes("ping");
        let (dir, wasm) = packed_dir(&component, sealed(&component));
        let real = dir.path().join("elsewhere.cwasm");
        std::fs::rename(packed_artifact_path(&wasm), &real).unwrap();
        std::os::unix::fs::symlink(&real, packed_artifact_path(&wasm)).unwrap();
        let refused = load(&unit_engine(), &wasm).unwrap_err();
        assert!(
            matches!(refused, PackedArtifactError::Read { .. }),
            "{refused}"
        );
    }
}
