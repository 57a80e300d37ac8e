//! The compiled-component cache: the native code Cranelift makes from a
//! component, kept on disk so later runs map it instead of compiling again.
//!
//! Whoever can write the cache runs native code as charmbox's user (root on
//! a Juju unit), so the cache trusts nothing it did not make itself:
//!
//! - **The directory** is created `0700` and refused, with a warning (the
//!   component is then compiled without a cache), when another user owns
//!   it or its group or others may write to it. Everything in it is
//!   reached through the open directory (cap-std), never by joining a name
//!   from a file to a path, and only names this cache makes are opened.
//! - **Artifacts** are keyed by the component's content hash and the
//!   engine's compatibility hash (wasmtime version, target, settings), and
//!   each ends in a trailer holding that content hash and a keyed MAC
//!   (BLAKE3) of its image under the cache's own secret key (`key`, 32
//!   random bytes, `0600`): an artifact someone else wrote, with a trailer
//!   they recomputed, fails the MAC, as does a corrupt, truncated or
//!   foreign one, and the component is compiled afresh. An artifact must
//!   also be a regular file of this user that no one else may write, with
//!   one link.
//! - **What is checked is what is mapped**: an artifact is opened once,
//!   its bytes are checked through that descriptor, and wasmtime maps that
//!   same open file (`/proc/self/fd/N`), not a path that could be swapped
//!   between the check and the map. A freshly written artifact is mapped
//!   from the descriptor it was written through, after the rename is seen
//!   to have put that file in place.
//! - An **index** (`index/`) maps a component file's identity (device,
//!   inode, size, modification and change times) to its artifact and to the
//!   identity the artifact had when its MAC last passed, itself under a MAC.
//!   A run whose component and artifact are both unchanged reads neither:
//!   it maps the artifact. Any write to either file changes its change time
//!   (which no user can set back), so the next run checks again.
//! - Writes go to a temporary file of an unpredictable name, created
//!   exclusively, renamed into place: concurrent first runs (also two
//!   containers sharing a cache, both pid 1) never see half an artifact or
//!   half an index entry, nor write each other's.
//!
//! Location: `--cache-dir`, else `$CHARMBOX_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/charmbox` (`~/.cache/charmbox`).
//!
//! - A packed charm's own artifact (`charm.cwasm`, see [`packed`]) is not
//!   copied in: once it passes its checks, the index records it (by the
//!   identity it had then) as the component file's compiled form, and
//!   later runs map it where it is while that identity holds.
//!
//! Files: `identity.rs` (a component file's identity, the index's key),
//! `names.rs` (artifact names), `packed.rs` (a packed charm's artifact),
//! `trust.rs` (ownership and mode checks, private files, the key); this
//! file holds the cache's flow and its tests.

mod checksum;
mod identity;
mod names;
pub mod packed;
mod trust;

use checksum::xxh3_128;
pub use identity::SourceFile;
use identity::{read_whole, FileIdentity};
use names::{artifact_name, content_hash_from_name, engine_hash, is_artifact_name};
use packed::PackedArtifactError;
#[cfg(test)]
use trust::effective_user;
use trust::{
    check_dir, create_private_dir_all, new_private_file, private_dir_builder, random_hex,
    read_or_make_key, reading, trusted_artifact,
};

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cap_std::fs::Dir;
use wasmtime::component::Component;

/// Bytes that end every artifact file.
const MAGIC: &[u8; 8] = b"CBXCWSM3";
/// The content hash of the component, the MAC of the ELF image, then
/// [`MAGIC`].
const TRAILER_LEN: usize = 16 + 32 + MAGIC.len();
/// The index's subdirectory.
const INDEX_DIR: &str = "index";
/// The cache's secret key.
const KEY_FILE: &str = "key";
/// Its length.
const KEY_LEN: usize = 32;
/// What an index entry names in place of an artifact of the cache's own
/// when the component's compiled form is the packed artifact beside it.
const PACKED_ENTRY: &str = "packed";

/// A directory of compiled components, checked and opened.
#[derive(Clone)]
pub struct ComponentCache {
    dir: PathBuf,
    root: Arc<Dir>,
    key: [u8; KEY_LEN],
}

impl std::fmt::Debug for ComponentCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("ComponentCache")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// Why a cache directory is not used.
#[derive(Debug, thiserror::Error)]
#[error("not using the compiled-component cache {}: {reason}", .dir.display())]
pub struct CacheError {
    /// The directory.
    pub dir: PathBuf,
    /// Why, and what to do.
    pub reason: String,
}

/// How a component was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded from the cache.
    Hit,
    /// Compiled and stored.
    Compiled,
    /// An artifact was there but failed its checks: compiled and replaced.
    Replaced,
    /// The packed artifact shipped beside the component ([`packed`]) passed
    /// its checks and was loaded: nothing was compiled.
    Packed,
}

impl ComponentCache {
    /// Opens the cache in `dir`, creating it (`0700`) and its key if need
    /// be; refuses a directory, key or index that another user owns or may
    /// write to.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, CacheError> {
        let dir = dir.into();
        let unusable = |reason: String| CacheError {
            dir: dir.clone(),
            reason,
        };
        let io = |what: &str, e: std::io::Error| unusable(format!("cannot {what}: {e}"));
        create_private_dir_all(&dir).map_err(|e| io("create it", e))?;
        let root = Dir::open_ambient_dir(&dir, cap_std::ambient_authority())
            .map_err(|e| io("open it", e))?;
        check_dir(&root).map_err(&unusable)?;
        match root.create_dir_with(INDEX_DIR, private_dir_builder()) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                return Err(io("create its index", e))
            }
            _ => {}
        }
        let index = root
            .open_dir(INDEX_DIR)
            .map_err(|e| io("open its index", e))?;
        check_dir(&index).map_err(|reason| unusable(format!("its index: {reason}")))?;
        let key =
            read_or_make_key(&root).map_err(|reason| unusable(format!("its key: {reason}")))?;
        Ok(Self {
            dir,
            root: Arc::new(root),
            key,
        })
    }

    /// The default cache directory: `$XDG_CACHE_HOME/charmbox`, else
    /// `~/.cache/charmbox`.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("charmbox"))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The compiled form of the component file at `path`, when the index
    /// knows it and neither the file nor its artifact changed since:
    /// neither is read, the artifact is mapped. `None` means "read the
    /// file and call [`Self::load_or_compile_file`]".
    pub fn lookup_file(&self, engine: &wasmtime::Engine, path: &Path) -> Option<Component> {
        let source = FileIdentity::of_path(path)?;
        let entry_name = self.index_name(engine, &source);
        let (name, recorded) = self.read_index(engine, &entry_name)?;
        if name == PACKED_ENTRY {
            return packed::open_unchanged(path, recorded)
                .and_then(|file| map(engine, &file, None));
        }
        let file = self.root.open_with(&name, &reading()).ok()?.into_std();
        let meta = trusted_artifact(&file)?;
        if FileIdentity::of(&meta) != Some(recorded) {
            // Written since it was checked: check it again; the next lookup
            // then trusts it as it is now.
            let content_hash = content_hash_from_name(&name)?;
            let (bytes, identity) = read_whole(&file).ok()?;
            if !self.sound(&bytes, content_hash) {
                return None;
            }
            self.write_index(&entry_name, &name, identity.as_ref());
            return map(engine, &file, Some(&bytes));
        }
        map(engine, &file, None)
    }

    /// The compiled form of the component `source` read from a file: from
    /// the cache when a sound artifact is there, else compiled and stored.
    /// The file is indexed, so the next [`Self::lookup_file`] finds it
    /// without reading it.
    pub fn load_or_compile_file(
        &self,
        engine: &wasmtime::Engine,
        source: &SourceFile,
    ) -> anyhow::Result<(Component, CacheOutcome)> {
        let (component, outcome, artifact) = self.load_or_compile_inner(engine, &source.bytes)?;
        if let (Some((name, identity)), Some(source)) = (artifact, &source.identity) {
            self.write_index(&self.index_name(engine, source), &name, Some(&identity));
        }
        Ok((component, outcome))
    }

    /// The packed artifact beside the component file `component` (see
    /// [`packed`]), deserialized once it passes its checks, and indexed so
    /// that the next [`Self::lookup_file`] maps it without reading either
    /// file; `Ok(None)` when there is none.
    pub fn load_packed(
        &self,
        engine: &wasmtime::Engine,
        component: &Path,
    ) -> Result<Option<Component>, PackedArtifactError> {
        let Some(verified) = packed::open_verified(component)? else {
            return Ok(None);
        };
        let loaded = packed::deserialize(engine, component, &verified)?;
        if let Some(identity) = &verified.component_identity {
            self.write_index(
                &self.index_name(engine, identity),
                PACKED_ENTRY,
                verified.identity.as_ref(),
            );
        }
        Ok(Some(loaded))
    }

    /// The compiled form of component `bytes`: from the cache when a sound
    /// artifact is there, else compiled and stored.
    pub fn load_or_compile(
        &self,
        engine: &wasmtime::Engine,
        bytes: &[u8],
    ) -> anyhow::Result<(Component, CacheOutcome)> {
        let (component, outcome, _) = self.load_or_compile_inner(engine, bytes)?;
        Ok((component, outcome))
    }

    /// Also returns the artifact's name and identity when the component
    /// was mapped from a sound one on disk.
    #[allow(clippy::type_complexity)]
    fn load_or_compile_inner(
        &self,
        engine: &wasmtime::Engine,
        bytes: &[u8],
    ) -> anyhow::Result<(Component, CacheOutcome, Option<(String, FileIdentity)>)> {
        let content_hash = xxh3_128(bytes);
        let name = artifact_name(engine, content_hash);
        let mut outcome = CacheOutcome::Compiled;
        if let Ok(file) = self.root.open_with(&name, &reading()) {
            outcome = CacheOutcome::Replaced;
            let file = file.into_std();
            if trusted_artifact(&file).is_some() {
                if let Ok((artifact, identity)) = read_whole(&file) {
                    if self.sound(&artifact, content_hash) {
                        if let Some(component) = map(engine, &file, Some(&artifact)) {
                            let found = identity.map(|identity| (name, identity));
                            return Ok((component, CacheOutcome::Hit, found));
                        }
                    }
                }
            }
        }
        let artifact = engine.precompile_component(bytes)?;
        match self.store(&name, &artifact, content_hash) {
            Ok((file, identity)) => {
                if let Some(component) = map(engine, &file, None) {
                    return Ok((
                        component,
                        outcome,
                        identity.map(|identity| (name, identity)),
                    ));
                }
            }
            // A cache that cannot be written costs speed, not correctness.
            Err(e) => tracing::warn!(
                "cannot write the compiled-component cache {}: {e}",
                self.dir.join(&name).display()
            ),
        }
        // SAFETY: just produced by this engine from these bytes.
        let component = unsafe { Component::deserialize(engine, &artifact)? };
        Ok((component, outcome, None))
    }

    /// Removes every artifact, temporary file and the index; returns how
    /// many artifacts it removed. The key stays.
    pub fn clean(&self) -> std::io::Result<usize> {
        let mut removed = 0;
        for entry in self.root.entries()? {
            let name = entry?.file_name();
            let Some(name) = name.to_str() else { continue };
            if is_artifact_name(name) {
                self.root.remove_file(name)?;
                removed += 1;
            } else if name.ends_with(".tmp") {
                self.root.remove_file(name)?;
            }
        }
        match self.root.remove_dir_all(INDEX_DIR) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        self.root
            .create_dir_with(INDEX_DIR, private_dir_builder())?;
        Ok(removed)
    }

    /// Where the artifact for component `bytes` under `engine` lives.
    pub fn artifact_path(&self, engine: &wasmtime::Engine, bytes: &[u8]) -> PathBuf {
        self.dir.join(artifact_name(engine, xxh3_128(bytes)))
    }

    /// The keyed MAC of an artifact's image and the content hash it was
    /// compiled from.
    fn mac(&self, image: &[u8], content_hash: u128) -> blake3::Hash {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(b"charmbox artifact\0");
        hasher.update(&content_hash.to_le_bytes());
        hasher.update(image);
        hasher.finalize()
    }

    /// The trailer of an artifact compiled from the component with
    /// `content_hash`.
    fn trailer(&self, image: &[u8], content_hash: u128) -> [u8; TRAILER_LEN] {
        let mut trailer = [0; TRAILER_LEN];
        trailer[..16].copy_from_slice(&content_hash.to_le_bytes());
        trailer[16..48].copy_from_slice(self.mac(image, content_hash).as_bytes());
        trailer[48..].copy_from_slice(MAGIC);
        trailer
    }

    /// Whether `artifact` (image and trailer) was made by this cache from
    /// the component with `content_hash`: its MAC, compared in constant time.
    fn sound(&self, artifact: &[u8], content_hash: u128) -> bool {
        let Some(image_len) = artifact.len().checked_sub(TRAILER_LEN) else {
            return false;
        };
        let (image, found) = artifact.split_at(image_len);
        if found[..16] != content_hash.to_le_bytes() || &found[48..] != MAGIC {
            return false;
        }
        let Ok(mac) = <[u8; 32]>::try_from(&found[16..48]) else {
            return false;
        };
        self.mac(image, content_hash) == blake3::Hash::from_bytes(mac)
    }

    /// Writes `artifact` and its trailer to a new private file of an
    /// unpredictable name, renames it to `name`, and returns the file it
    /// wrote (to map: the bytes just written) once the rename is seen to
    /// have put that file in place.
    fn store(
        &self,
        name: &str,
        artifact: &[u8],
        content_hash: u128,
    ) -> std::io::Result<(File, Option<FileIdentity>)> {
        let tmp = format!("{name}.{}.tmp", random_hex(16)?);
        let mut file = self.root.open_with(&tmp, &new_private_file())?.into_std();
        let written = (|| {
            file.write_all(artifact)?;
            file.write_all(&self.trailer(artifact, content_hash))?;
            file.sync_all()?;
            self.root.rename(&tmp, &self.root, name)
        })();
        if let Err(e) = written {
            let _ = self.root.remove_file(&tmp);
            return Err(e);
        }
        let identity = FileIdentity::of(&file.metadata()?);
        // Checked again after the rename: the name is this file (another
        // process renaming its own over it first is fine, but then this
        // file is not what the name holds, and is not indexed).
        let placed = self
            .root
            .open_with(name, &reading())
            .ok()
            .and_then(|placed| placed.into_std().metadata().ok())
            .and_then(|meta| FileIdentity::of(&meta));
        let identity = identity.filter(|ours| {
            placed.is_some_and(|placed| (placed.dev, placed.ino) == (ours.dev, ours.ino))
        });
        Ok((file, identity))
    }

    /// The index entry's name for the component file with identity
    /// `source` under `engine`.
    fn index_name(&self, engine: &wasmtime::Engine, source: &FileIdentity) -> String {
        let key = xxh3_128(format!("{} {:016x}", source.encode(), engine_hash(engine)).as_bytes());
        format!("{key:032x}")
    }

    /// The MAC of an index entry's content.
    fn index_mac(&self, entry_name: &str, artifact: &str, identity: &str) -> blake3::Hash {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        for part in ["charmbox index", entry_name, artifact, identity] {
            hasher.update(part.as_bytes());
            hasher.update(b"\0");
        }
        hasher.finalize()
    }

    /// The artifact name and identity an index entry records, if it is
    /// sound: its MAC passes and the name is one this cache makes for
    /// `engine`.
    fn read_index(
        &self,
        engine: &wasmtime::Engine,
        entry_name: &str,
    ) -> Option<(String, FileIdentity)> {
        let mut text = String::new();
        self.root
            .open_with(Path::new(INDEX_DIR).join(entry_name), &reading())
            .ok()?
            .read_to_string(&mut text)
            .ok()?;
        let mut lines = text.lines();
        let (name, identity, mac) = (lines.next()?, lines.next()?, lines.next()?);
        let expected = self.index_mac(entry_name, name, identity);
        let mac = blake3::Hash::from_hex(mac).ok()?;
        let engine_suffix = format!("-{:016x}.cwasm", engine_hash(engine));
        let ours = is_artifact_name(name) && name.ends_with(&engine_suffix);
        if mac != expected || !(ours || name == PACKED_ENTRY) {
            return None;
        }
        Some((name.to_owned(), FileIdentity::decode(identity)?))
    }

    /// Records that the component file behind `entry_name` compiles to the
    /// artifact `name`, whose MAC passed while it had `identity`. Best
    /// effort: without an entry the next run reads and checks the
    /// component.
    fn write_index(&self, entry_name: &str, name: &str, identity: Option<&FileIdentity>) {
        let Some(identity) = identity else { return };
        let identity = identity.encode();
        let mac = self.index_mac(entry_name, name, &identity);
        let entry = format!("{name}\n{identity}\n{}\n", mac.to_hex());
        let write = || -> std::io::Result<()> {
            let index = self.root.open_dir(INDEX_DIR)?;
            let tmp = format!("{entry_name}.{}.tmp", random_hex(16)?);
            let mut file = index.open_with(&tmp, &new_private_file())?;
            let written = file.write_all(entry.as_bytes()).and_then(|()| {
                drop(file);
                index.rename(&tmp, &index, entry_name)
            });
            if written.is_err() {
                let _ = index.remove_file(&tmp);
            }
            written
        };
        if let Err(e) = write() {
            tracing::warn!(
                "cannot write the compiled-component cache index {}: {e}",
                self.dir.join(INDEX_DIR).join(entry_name).display()
            );
        }
    }
}

/// Maps the artifact open as `file` (whose bytes, `bytes`, were checked if
/// given): wasmtime maps that same open file through `/proc/self/fd`, so
/// what it maps is what was checked, whatever the name now holds. Without
/// `/proc`, the bytes are copied in.
fn map(engine: &wasmtime::Engine, file: &File, bytes: Option<&[u8]>) -> Option<Component> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        let this_file = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        if this_file.exists() {
            // SAFETY: an artifact this cache made for this engine (its name
            // holds the engine's compatibility hash), whose MAC under the
            // cache's key passed on these very bytes or on the identity
            // the file still has; the file is this user's and no one
            // else's to write, and is replaced by rename, never rewritten
            // in place, so the mapping stays whole. wasmtime checks its
            // own header and version on top.
            return unsafe { Component::deserialize_file(engine, &this_file) }.ok();
        }
    }
    let read;
    let bytes = match bytes {
        Some(bytes) => bytes,
        None => {
            read = read_whole(file).ok()?.0;
            &read
        }
    };
    // SAFETY: as above; these are the bytes that were checked, or bytes
    // this process just wrote.
    unsafe { Component::deserialize(engine, bytes) }.ok()
}
#[cfg(test)]
mod tests {
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

    fn exports(component: &Component, engine: &wasmtime::Engine) -> Vec<String> {
        component
            .component_type()
            .exports(engine)
            .map(|(name, _)| name.to_owned())
            .collect()
    }

    fn artifacts(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
            .collect()
    }

    #[test]
    fn compiles_once_then_hits() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::open(dir.path()).unwrap();
        let engine = wasmtime::Engine::default();
        let bytes = component_bytes("ping");
        let (_, first) = cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(first, CacheOutcome::Compiled);
        let (component, second) = cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(second, CacheOutcome::Hit);
        assert_eq!(exports(&component, &engine), ["ping"]);
    }

    #[test]
    fn corrupt_truncated_and_foreign_artifacts_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::open(dir.path()).unwrap();
        let engine = wasmtime::Engine::default();
        let bytes = component_bytes("ping");
        cache.load_or_compile(&engine, &bytes).unwrap();
        let path = cache.artifact_path(&engine, &bytes);
        let good = std::fs::read(&path).unwrap();
        // Another component's sound artifact, renamed over this one.
        let other = component_bytes("pong");
        cache.load_or_compile(&engine, &other).unwrap();
        let other_artifact = std::fs::read(cache.artifact_path(&engine, &other)).unwrap();

        let mut corrupt = good.clone();
        let middle = corrupt.len() / 2;
        corrupt[middle] ^= 0xff;
        let truncated = good[..good.len() / 3].to_vec();
        let no_trailer = good[..good.len() - TRAILER_LEN].to_vec();
        let foreign = b"\x7fELF this is not ours".to_vec();
        for (case, content) in [
            ("corrupt", corrupt),
            ("truncated", truncated),
            ("no trailer", no_trailer),
            ("foreign", foreign),
            ("another component's", other_artifact),
        ] {
            std::fs::write(&path, content).unwrap();
            let (component, outcome) = cache.load_or_compile(&engine, &bytes).unwrap();
            assert_eq!(outcome, CacheOutcome::Replaced, "{case}");
            assert_eq!(exports(&component, &engine), ["ping"], "{case}");
            assert_eq!(
                std::fs::read(&path).unwrap(),
                good,
                "{case}: rewritten whole"
            );
        }
    }

    #[test]
    fn an_indexed_file_is_found_without_reading_it_until_either_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::open(dir.path().join("cache")).unwrap();
        let engine = wasmtime::Engine::default();
        let wasm = dir.path().join("charm.wasm");
        std::fs::write(&wasm, component_bytes("ping")).unwrap();
        assert!(
            cache.lookup_file(&engine, &wasm).is_none(),
            "not indexed yet"
        );

        let source = SourceFile::read(&wasm).unwrap();
        let (_, outcome) = cache.load_or_compile_file(&engine, &source).unwrap();
        assert_eq!(outcome, CacheOutcome::Compiled);
        let found = cache.lookup_file(&engine, &wasm).expect("indexed");
        assert_eq!(exports(&found, &engine), ["ping"]);

        // A rebuilt component is a different file: not found until read.
        std::fs::write(&wasm, component_bytes("pong")).unwrap();
        assert!(
            cache.lookup_file(&engine, &wasm).is_none(),
            "changed source"
        );
        let source = SourceFile::read(&wasm).unwrap();
        cache.load_or_compile_file(&engine, &source).unwrap();
        let found = cache.lookup_file(&engine, &wasm).expect("indexed again");
        assert_eq!(exports(&found, &engine), ["pong"]);

        // An artifact written since it was checked is checked again: a
        // corrupt one is refused, a sound one (rewritten whole) is used.
        drop(found); // its mapping is of the file about to be rewritten in place
        let artifact = cache.artifact_path(&engine, &source.bytes);
        let good = std::fs::read(&artifact).unwrap();
        let mut corrupt = good.clone();
        let last = corrupt.len() - TRAILER_LEN - 1;
        corrupt[last] ^= 0x01;
        std::fs::write(&artifact, &corrupt).unwrap();
        assert!(
            cache.lookup_file(&engine, &wasm).is_none(),
            "corrupt artifact"
        );
        std::fs::write(&artifact, &good).unwrap();
        let found = cache.lookup_file(&engine, &wasm).expect("rechecked");
        assert_eq!(exports(&found, &engine), ["pong"]);
    }

    #[test]
    fn clean_empties_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::open(dir.path().join("c")).unwrap();
        assert_eq!(cache.clean().unwrap(), 0);
        let engine = wasmtime::Engine::default();
        let wasm = dir.path().join("charm.wasm");
        std::fs::write(&wasm, component_bytes("ping")).unwrap();
        let source = SourceFile::read(&wasm).unwrap();
        cache.load_or_compile_file(&engine, &source).unwrap();
        assert_eq!(artifacts(cache.dir()).len(), 1);
        assert_eq!(cache.clean().unwrap(), 1);
        let left: Vec<_> = std::fs::read_dir(cache.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(artifacts(cache.dir()).len(), 0, "{left:?}");
        assert!(left.iter().all(|n| n == "key" || n == "index"), "{left:?}");
        assert!(cache.lookup_file(&engine, &wasm).is_none());
        let (_, outcome) = cache.load_or_compile_file(&engine, &source).unwrap();
        assert_eq!(outcome, CacheOutcome::Compiled);
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn the_cache_is_private_to_its_user() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::open(dir.path().join("a/b")).unwrap();
        let engine = wasmtime::Engine::default();
        let bytes = component_bytes("ping");
        cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(mode(cache.dir()), 0o700);
        assert_eq!(
            mode(&dir.path().join("a")),
            0o700,
            "parents made private too"
        );
        assert_eq!(mode(&cache.dir().join(INDEX_DIR)), 0o700);
        assert_eq!(mode(&cache.dir().join(KEY_FILE)), 0o600);
        assert_eq!(mode(&cache.artifact_path(&engine, &bytes)), 0o600);
        assert_eq!(
            std::fs::read(cache.dir().join(KEY_FILE)).unwrap().len(),
            KEY_LEN
        );
        // Reopened, it keeps its key: artifacts still pass.
        let again = ComponentCache::open(cache.dir()).unwrap();
        assert_eq!(
            again.load_or_compile(&engine, &bytes).unwrap().1,
            CacheOutcome::Hit
        );
        assert!(
            !format!("{again:?}").contains("key:"),
            "the key is never printed"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_key_a_crash_left_short_is_replaced_and_what_it_signed_recompiled() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::open(dir.path()).unwrap();
        let engine = wasmtime::Engine::default();
        let bytes = component_bytes("ping");
        cache.load_or_compile(&engine, &bytes).unwrap();
        // What an unsynced key may be after a crash: there, and empty.
        let key = dir.path().join(KEY_FILE);
        std::fs::write(&key, b"").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        let again = ComponentCache::open(dir.path()).unwrap();
        assert_eq!(std::fs::read(&key).unwrap().len(), KEY_LEN);
        assert_eq!(
            again.load_or_compile(&engine, &bytes).unwrap().1,
            CacheOutcome::Replaced,
            "signed under the old key: not trusted"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_others_can_write_or_own_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = ComponentCache::open(&open).unwrap_err();
        assert!(
            err.to_string().contains("may write to it (mode 777)"),
            "{err}"
        );
        // A key others can read is no secret.
        let leaky = dir.path().join("leaky");
        ComponentCache::open(&leaky).unwrap();
        std::fs::set_permissions(leaky.join(KEY_FILE), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let err = ComponentCache::open(&leaky).unwrap_err();
        assert!(err.to_string().contains("its key"), "{err}");
        // Owned by another user (only root can make one to test with).
        if effective_user() == 0 {
            let theirs = dir.path().join("theirs");
            std::fs::create_dir(&theirs).unwrap();
            std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
            let err = ComponentCache::open(&theirs).unwrap_err();
            assert!(err.to_string().contains("belongs to user 65534"), "{err}");
        }
    }

    #[test]
    fn a_planted_artifact_with_a_recomputed_trailer_is_not_run() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::open(dir.path().join("c")).unwrap();
        let engine = wasmtime::Engine::default();
        let bytes = component_bytes("ping");
        let path = cache.artifact_path(&engine, &bytes);
        // An attacker's code (here another component's), its trailer made
        // as the attacker can: with a key of their own.
        let planted = engine
            .precompile_component(&component_bytes("evil"))
            .unwrap();
        let forger = ComponentCache::open(dir.path().join("forger")).unwrap();
        let mut file = planted.clone();
        file.extend_from_slice(&forger.trailer(&planted, xxh3_128(&bytes)));
        std::fs::create_dir_all(cache.dir()).unwrap();
        crate::paths::private_file_options()
            .write(true)
            .create_new(true)
            .open(&path)
            .unwrap()
            .write_all(&file)
            .unwrap();
        let (component, outcome) = cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(outcome, CacheOutcome::Replaced);
        assert_eq!(exports(&component, &engine), ["ping"]);
    }

    #[cfg(unix)]
    #[test]
    fn an_artifact_others_may_write_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::open(dir.path().join("c")).unwrap();
        let engine = wasmtime::Engine::default();
        let bytes = component_bytes("ping");
        cache.load_or_compile(&engine, &bytes).unwrap();
        let path = cache.artifact_path(&engine, &bytes);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let (_, outcome) = cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(outcome, CacheOutcome::Replaced);
        assert_eq!(mode(&path), 0o600, "replaced by a private one");
    }

    #[test]
    fn an_index_entry_is_trusted_only_with_its_mac_and_a_name_of_ours() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::open(dir.path().join("cache")).unwrap();
        let engine = wasmtime::Engine::default();
        let wasm = dir.path().join("charm.wasm");
        std::fs::write(&wasm, component_bytes("ping")).unwrap();
        let source = SourceFile::read(&wasm).unwrap();
        cache.load_or_compile_file(&engine, &source).unwrap();
        assert!(cache.lookup_file(&engine, &wasm).is_some());
        let entry = std::fs::read_dir(cache.dir().join(INDEX_DIR))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let good = std::fs::read_to_string(&entry).unwrap();
        let (name, rest) = good.split_once('\n').unwrap();
        for planted in [
            // Another name, MAC unchanged.
            format!("../../../etc/evil.cwasm\n{rest}"),
            // A name of ours but the MAC of another.
            good.replacen(&name[..4], "ffff", 1),
            // A MAC made without the key.
            format!(
                "{name}\n{}\n{}\n",
                rest.lines().next().unwrap(),
                "0".repeat(64)
            ),
        ] {
            std::fs::write(&entry, planted).unwrap();
            assert!(cache.lookup_file(&engine, &wasm).is_none());
        }
        assert!(is_artifact_name(name));
        for bad in [
            "../x.cwasm",
            "index",
            "key",
            &format!("{name}/x"),
            "A0.cwasm",
        ] {
            assert!(!is_artifact_name(bad), "{bad}");
        }
    }
}
