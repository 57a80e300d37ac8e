//! The compiled-component cache: the native code Cranelift makes from a
//! component, kept on disk so later runs map it instead of compiling again.
//!
//! - **Artifacts** are keyed by the component's content hash and the
//!   engine's compatibility hash (wasmtime version, target, settings): a
//!   changed charm or a different charmbox never picks up a stale artifact.
//!   Each ends in a trailer holding the content hash it was compiled from
//!   and a checksum of its own bytes, so a corrupt, truncated or foreign
//!   file (another component's artifact under this name) is thrown away and
//!   the component compiled afresh, never trusted blindly.
//! - Artifacts are **mapped**, not read: wasmtime maps the file, and a
//!   guest's initial memory is mapped copy-on-write straight from it. The
//!   trailer follows the ELF image, which wasmtime ignores.
//! - An **index** (`index/`) maps a component file's identity (device,
//!   inode, size, modification and change times) to its artifact and to the
//!   identity the artifact had when its checksum last passed. A run whose
//!   component and artifact are both unchanged reads neither: it maps the
//!   artifact. Any write to either file changes its change time (which no
//!   user can set back), so the next run hashes and checks again.
//! - Writes go to a temporary file renamed into place, so concurrent first
//!   runs never see half an artifact or half an index entry.
//!
//! Location: `--cache-dir`, else `$CHARMBOX_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/charmbox` (`~/.cache/charmbox`).

use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use wasmtime::component::Component;
use xxhash_rust::xxh3::{xxh3_128, Xxh3};

/// Bytes that end every artifact file.
const MAGIC: &[u8; 8] = b"CBXCWSM2";
/// The content hash of the component, the checksum of the ELF image, then
/// [`MAGIC`].
const TRAILER_LEN: usize = 16 + 16 + MAGIC.len();
/// The index's subdirectory.
const INDEX_DIR: &str = "index";

/// A directory of compiled components.
#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: PathBuf,
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
}

/// A component file's bytes and its identity when they were read.
#[derive(Debug)]
pub struct SourceFile {
    /// The file it was read from.
    pub path: PathBuf,
    /// The file's contents.
    pub bytes: Vec<u8>,
    /// Its identity, when it did not change while being read.
    identity: Option<FileIdentity>,
}

impl SourceFile {
    /// Reads the file at `path`, noting its identity for the cache's index.
    pub fn read(path: &Path) -> std::io::Result<Self> {
        let (bytes, identity) = read_whole(path)?;
        Ok(Self {
            path: path.to_owned(),
            bytes,
            identity,
        })
    }
}

/// The contents of the file at `path`, and its identity if it did not
/// change while being read: a file written meanwhile gets no identity (and
/// so no index entry), since its bytes may be a mix of old and new.
fn read_whole(path: &Path) -> std::io::Result<(Vec<u8>, Option<FileIdentity>)> {
    let mut file = File::open(path)?;
    let before = FileIdentity::of(&file.metadata()?);
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let after = FileIdentity::of(&file.metadata()?);
    Ok((bytes, before.filter(|b| Some(b) == after.as_ref())))
}

/// What identifies a file's contents without reading them: a change to
/// the contents changes the change time, which no one can set back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileIdentity {
    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        Some(Self {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// Without change times there is no identity to trust: every load
    /// reads and hashes.
    #[cfg(not(unix))]
    fn of(_meta: &std::fs::Metadata) -> Option<Self> {
        None
    }

    fn of_path(path: &Path) -> Option<Self> {
        Self::of(&std::fs::metadata(path).ok()?)
    }

    fn encode(&self) -> String {
        format!(
            "{} {} {} {} {} {} {}",
            self.dev, self.ino, self.size, self.mtime.0, self.mtime.1, self.ctime.0, self.ctime.1
        )
    }

    fn decode(text: &str) -> Option<Self> {
        let mut fields = text.split(' ');
        let mut unsigned = || fields.next()?.parse::<u64>().ok();
        let (dev, ino, size) = (unsigned()?, unsigned()?, unsigned()?);
        let mut signed = || fields.next()?.parse::<i64>().ok();
        Some(Self {
            dev,
            ino,
            size,
            mtime: (signed()?, signed()?),
            ctime: (signed()?, signed()?),
        })
    }
}

/// An artifact on disk whose checksum passed while it had `identity`.
struct VerifiedArtifact {
    path: PathBuf,
    identity: Option<FileIdentity>,
}

impl ComponentCache {
    /// A cache in `dir` (created when first written).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
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
        let entry_path = self.index_path(engine, &source);
        let entry = std::fs::read_to_string(&entry_path).ok()?;
        let (name, recorded) = entry.split_once('\n')?;
        let artifact = self.dir.join(name);
        if FileIdentity::decode(recorded.trim_end()) != FileIdentity::of_path(&artifact) {
            // Written since it was checked: check it again; the next lookup
            // then trusts it as it is now.
            let content_hash = content_hash_from_name(name)?;
            let verified = verify(&artifact, content_hash)?;
            self.write_index(&entry_path, &verified);
        }
        // SAFETY: an artifact this cache wrote for this engine (the name
        // holds its compatibility hash) whose checksum passed and which has
        // not been written since (its identity is the one recorded then);
        // wasmtime checks its own header and version on top. Artifacts are
        // replaced by rename, never rewritten in place, so the mapping stays
        // whole.
        unsafe { Component::deserialize_file(engine, &artifact) }.ok()
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
        if let (Some(artifact), Some(identity)) = (artifact, &source.identity) {
            self.write_index(&self.index_path(engine, identity), &artifact);
        }
        Ok((component, outcome))
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

    fn load_or_compile_inner(
        &self,
        engine: &wasmtime::Engine,
        bytes: &[u8],
    ) -> anyhow::Result<(Component, CacheOutcome, Option<VerifiedArtifact>)> {
        let content_hash = xxh3_128(bytes);
        let path = self.artifact_path_for(engine, content_hash);
        let mut outcome = CacheOutcome::Compiled;
        if path.exists() {
            outcome = CacheOutcome::Replaced;
            if let Some(verified) = verify(&path, content_hash) {
                // SAFETY: as in `lookup_file`: ours, for this engine, checked.
                if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
                    return Ok((component, CacheOutcome::Hit, Some(verified)));
                }
            }
        }
        let artifact = engine.precompile_component(bytes)?;
        match self.store(&path, &artifact, content_hash) {
            // SAFETY: just written whole by this engine from these bytes, and
            // renamed into place.
            Ok(()) => {
                if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
                    let identity = FileIdentity::of_path(&path);
                    return Ok((
                        component,
                        outcome,
                        Some(VerifiedArtifact { path, identity }),
                    ));
                }
            }
            // A cache that cannot be written costs speed, not correctness.
            Err(e) => tracing::warn!(
                "cannot write the compiled-component cache {}: {e}",
                path.display()
            ),
        }
        // SAFETY: just produced by this engine from these bytes.
        let component = unsafe { Component::deserialize(engine, &artifact)? };
        Ok((component, outcome, None))
    }

    /// Removes every artifact and the index; returns how many artifacts it
    /// removed.
    pub fn clean(&self) -> std::io::Result<usize> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        for entry in entries {
            let path = entry?.path();
            match path.extension().and_then(|e| e.to_str()) {
                Some("cwasm") => {
                    std::fs::remove_file(&path)?;
                    removed += 1;
                }
                Some("tmp") => std::fs::remove_file(&path)?,
                _ => {}
            }
        }
        match std::fs::remove_dir_all(self.dir.join(INDEX_DIR)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        Ok(removed)
    }

    /// Where the artifact for component `bytes` under `engine` lives.
    pub fn artifact_path(&self, engine: &wasmtime::Engine, bytes: &[u8]) -> PathBuf {
        self.artifact_path_for(engine, xxh3_128(bytes))
    }

    fn artifact_path_for(&self, engine: &wasmtime::Engine, content_hash: u128) -> PathBuf {
        let name = format!("{content_hash:032x}-{:016x}.cwasm", engine_hash(engine));
        self.dir.join(name)
    }

    fn index_path(&self, engine: &wasmtime::Engine, source: &FileIdentity) -> PathBuf {
        let key = xxh3_128(format!("{} {:016x}", source.encode(), engine_hash(engine)).as_bytes());
        self.dir.join(INDEX_DIR).join(format!("{key:032x}"))
    }

    fn store(&self, path: &Path, artifact: &[u8], content_hash: u128) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
        let mut file = File::create(&tmp)?;
        file.write_all(artifact)?;
        file.write_all(&trailer(content_hash, artifact))?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    }

    /// Records that the component file with the identity behind
    /// `entry_path` compiles to `artifact`. Best effort: without an entry
    /// the next run reads and hashes the component.
    fn write_index(&self, entry_path: &Path, artifact: &VerifiedArtifact) {
        let (Some(name), Some(identity)) = (artifact.path.file_name(), &artifact.identity) else {
            return;
        };
        let entry = format!("{}\n{}\n", name.to_string_lossy(), identity.encode());
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(entry_path.parent().expect("index entries live in a dir"))?;
            let tmp = entry_path.with_extension(format!("{}.tmp", std::process::id()));
            std::fs::write(&tmp, entry)?;
            std::fs::rename(&tmp, entry_path)
        };
        if let Err(e) = write() {
            tracing::warn!(
                "cannot write the compiled-component cache index {}: {e}",
                entry_path.display()
            );
        }
    }
}

/// The trailer of an artifact compiled from the component with
/// `content_hash`.
fn trailer(content_hash: u128, image: &[u8]) -> [u8; TRAILER_LEN] {
    let mut trailer = [0; TRAILER_LEN];
    trailer[..16].copy_from_slice(&content_hash.to_le_bytes());
    trailer[16..32].copy_from_slice(&xxh3_128(image).to_le_bytes());
    trailer[32..].copy_from_slice(MAGIC);
    trailer
}

/// Reads the artifact at `path` whole and checks its trailer: compiled from
/// the component with `content_hash`, and its image matches its checksum.
/// Returns the identity the file had while read, if it passed.
fn verify(path: &Path, content_hash: u128) -> Option<VerifiedArtifact> {
    let (bytes, identity) = read_whole(path).ok()?;
    let image_len = bytes.len().checked_sub(TRAILER_LEN)?;
    let (image, found) = bytes.split_at(image_len);
    if found != trailer(content_hash, image) {
        return None;
    }
    Some(VerifiedArtifact {
        path: path.to_owned(),
        identity,
    })
}

/// The content hash at the start of an artifact's file name.
fn content_hash_from_name(name: &str) -> Option<u128> {
    u128::from_str_radix(name.get(..32)?, 16).ok()
}

/// The engine's compatibility hash, folded to 64 bits for file names.
fn engine_hash(engine: &wasmtime::Engine) -> u64 {
    let mut hasher = Xxh3::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut HashWriter(&mut hasher));
    hasher.digest()
}

/// Feeds `Hash` output into an xxh3 hasher.
struct HashWriter<'a>(&'a mut Xxh3);

impl Hasher for HashWriter<'_> {
    fn finish(&self) -> u64 {
        self.0.digest()
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
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
        let cache = ComponentCache::new(dir.path());
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
        let cache = ComponentCache::new(dir.path());
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
        let cache = ComponentCache::new(dir.path().join("cache"));
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
        let cache = ComponentCache::new(dir.path().join("c"));
        assert_eq!(cache.clean().unwrap(), 0);
        let engine = wasmtime::Engine::default();
        let wasm = dir.path().join("charm.wasm");
        std::fs::write(&wasm, component_bytes("ping")).unwrap();
        let source = SourceFile::read(&wasm).unwrap();
        cache.load_or_compile_file(&engine, &source).unwrap();
        assert_eq!(artifacts(cache.dir()).len(), 1);
        assert_eq!(cache.clean().unwrap(), 1);
        assert_eq!(std::fs::read_dir(cache.dir()).unwrap().count(), 0);
        assert!(cache.lookup_file(&engine, &wasm).is_none());
        let (_, outcome) = cache.load_or_compile_file(&engine, &source).unwrap();
        assert_eq!(outcome, CacheOutcome::Compiled);
    }
}
