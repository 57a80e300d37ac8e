//! The compiled-component cache: the native code Cranelift makes from a
//! component, kept on disk so later runs map it instead of compiling again.
//!
//! - Keyed by the component's content hash and the engine's compatibility
//!   hash (wasmtime version, target, settings): a changed charm or a
//!   different charmbox never picks up a stale artifact.
//! - Each artifact carries a checksum of its own bytes, checked before the
//!   artifact is handed to wasmtime: a corrupt, truncated or foreign file is
//!   thrown away and the component compiled afresh, never trusted blindly.
//! - Writes go to a temporary file renamed into place, so concurrent first
//!   runs never see half an artifact.
//!
//! Location: `--cache-dir`, else `$CHARMBOX_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/charmbox` (`~/.cache/charmbox`).

use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use wasmtime::component::Component;
use xxhash_rust::xxh3::{xxh3_128, Xxh3};

/// Bytes that open every artifact file, before its checksum.
const MAGIC: &[u8; 8] = b"CBXCWASM";
/// Magic, then the 16-byte checksum of what follows.
const HEADER_LEN: usize = MAGIC.len() + 16;

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

    /// The compiled form of component `bytes`: from the cache when a sound
    /// artifact is there, else compiled and stored.
    pub fn load_or_compile(
        &self,
        engine: &wasmtime::Engine,
        bytes: &[u8],
    ) -> anyhow::Result<(Component, CacheOutcome)> {
        let path = self.artifact_path(engine, bytes);
        let mut outcome = CacheOutcome::Compiled;
        if let Ok(file) = std::fs::read(&path) {
            match verified_payload(&file) {
                // SAFETY: the payload is what this cache wrote for this
                // engine (the key includes its compatibility hash) and its
                // checksum matches, so it is not corrupt or truncated; wasmtime
                // checks its own header and version on top.
                Some(payload) => match unsafe { Component::deserialize(engine, payload) } {
                    Ok(component) => return Ok((component, CacheOutcome::Hit)),
                    Err(_) => outcome = CacheOutcome::Replaced,
                },
                None => outcome = CacheOutcome::Replaced,
            }
        }
        let artifact = engine.precompile_component(bytes)?;
        // SAFETY: just produced by this engine from these bytes.
        let component = unsafe { Component::deserialize(engine, &artifact)? };
        // A cache that cannot be written costs speed, not correctness.
        if let Err(e) = self.store(&path, &artifact) {
            tracing::warn!(
                "cannot write the compiled-component cache {}: {e}",
                path.display()
            );
        }
        Ok((component, outcome))
    }

    /// Removes every artifact; returns how many files it removed.
    pub fn clean(&self) -> std::io::Result<usize> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        for entry in entries {
            let path = entry?.path();
            let ours = path
                .extension()
                .is_some_and(|ext| ext == "cwasm" || ext == "tmp");
            if ours {
                std::fs::remove_file(&path)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Where the artifact for `bytes` under `engine` lives.
    pub fn artifact_path(&self, engine: &wasmtime::Engine, bytes: &[u8]) -> PathBuf {
        let mut engine_hash = Xxh3::new();
        engine
            .precompile_compatibility_hash()
            .hash(&mut HashWriter(&mut engine_hash));
        let name = format!(
            "{:032x}-{:016x}.cwasm",
            xxh3_128(bytes),
            engine_hash.digest()
        );
        self.dir.join(name)
    }

    fn store(&self, path: &Path, artifact: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(MAGIC)?;
        file.write_all(&xxh3_128(artifact).to_le_bytes())?;
        file.write_all(artifact)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    }
}

/// The artifact inside `file`, if its header and checksum are right.
fn verified_payload(file: &[u8]) -> Option<&[u8]> {
    let (header, payload) = file.split_at_checked(HEADER_LEN)?;
    let (magic, sum) = header.split_at(MAGIC.len());
    let sum = u128::from_le_bytes(sum.try_into().ok()?);
    (magic == MAGIC && xxh3_128(payload) == sum).then_some(payload)
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

    fn component_bytes() -> Vec<u8> {
        wat::parse_str(
            r#"(component
                (core module $m (func (export "f")))
                (core instance $i (instantiate $m))
                (func $f (canon lift (core func $i "f")))
                (export "ping" (func $f)))"#,
        )
        .unwrap()
    }

    #[test]
    fn compiles_once_then_hits() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::new(dir.path());
        let engine = wasmtime::Engine::default();
        let bytes = component_bytes();
        let (_, first) = cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(first, CacheOutcome::Compiled);
        let (_, second) = cache.load_or_compile(&engine, &bytes).unwrap();
        assert_eq!(second, CacheOutcome::Hit);
    }

    #[test]
    fn corrupt_truncated_and_foreign_artifacts_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::new(dir.path());
        let engine = wasmtime::Engine::default();
        let bytes = component_bytes();
        cache.load_or_compile(&engine, &bytes).unwrap();
        let path = cache.artifact_path(&engine, &bytes);
        let good = std::fs::read(&path).unwrap();

        let mut corrupt = good.clone();
        let middle = corrupt.len() / 2;
        corrupt[middle] ^= 0xff;
        let truncated = good[..good.len() / 3].to_vec();
        let foreign = b"\x7fELF this is not ours".to_vec();
        for (case, content) in [
            ("corrupt", corrupt),
            ("truncated", truncated),
            ("foreign", foreign),
        ] {
            std::fs::write(&path, content).unwrap();
            let (_, outcome) = cache.load_or_compile(&engine, &bytes).unwrap();
            assert_eq!(outcome, CacheOutcome::Replaced, "{case}");
            assert_eq!(
                std::fs::read(&path).unwrap(),
                good,
                "{case}: rewritten whole"
            );
        }
    }

    #[test]
    fn clean_empties_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::new(dir.path().join("c"));
        assert_eq!(cache.clean().unwrap(), 0);
        let engine = wasmtime::Engine::default();
        cache.load_or_compile(&engine, &component_bytes()).unwrap();
        assert_eq!(cache.clean().unwrap(), 1);
        let (_, outcome) = cache.load_or_compile(&engine, &component_bytes()).unwrap();
        assert_eq!(outcome, CacheOutcome::Compiled);
    }
}
