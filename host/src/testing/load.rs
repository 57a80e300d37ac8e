//! Loading a test's charm once per process: compiling a component takes
//! seconds, and every test makes its own [`super::Context`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use super::error::TestError;
use crate::charm::config::CONFIG_YAML;
use crate::charm::metadata::{ACTIONS_YAML, CHARMCRAFT_YAML, METADATA_YAML};
use crate::charm::Charm;
use crate::engine::{Engine, Pooling};

/// A compiled charm and the engine it was compiled with, shared by every
/// [`Context`] of the process that loads the same files.
pub(super) struct Loaded {
    pub(super) charm: Charm,
    pub(super) engine: Engine,
}

/// What identifies a load: the paths, and the size and modification time of
/// each file read, so a rebuilt component is compiled afresh.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LoadKey {
    path: PathBuf,
    metadata_dir: Option<PathBuf>,
    files: Vec<Option<(u64, SystemTime)>>,
}

impl LoadKey {
    fn new(path: &Path, component: &Path, metadata_dir: Option<&Path>) -> Self {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
        let stamp = |p: &Path| {
            let meta = std::fs::metadata(p).ok()?;
            Some((meta.len(), meta.modified().ok()?))
        };
        let meta_dir = metadata_dir.or(path.is_dir().then_some(path));
        let mut files = vec![stamp(component)];
        if let Some(dir) = meta_dir {
            for file in [CHARMCRAFT_YAML, ACTIONS_YAML, METADATA_YAML, CONFIG_YAML] {
                files.push(stamp(&dir.join(file)));
            }
        }
        Self {
            path: canonical(path),
            metadata_dir: metadata_dir.map(canonical),
            files,
        }
    }
}

impl Loaded {
    /// The charm loaded by `load`, compiled once per process: compiling a
    /// component takes seconds, and tests each make their own [`Context`].
    pub(super) fn shared(
        path: &Path,
        component: &Path,
        metadata_dir: Option<&Path>,
        load: impl FnOnce() -> Result<Loaded, TestError>,
    ) -> Result<Arc<Loaded>, TestError> {
        static LOADED: OnceLock<Mutex<HashMap<LoadKey, Arc<Loaded>>>> = OnceLock::new();
        let key = LoadKey::new(path, component, metadata_dir);
        // Held while compiling: tests starting together wait for one compile.
        let mut loaded = crate::sync::lock(LOADED.get_or_init(Default::default));
        if let Some(found) = loaded.get(&key) {
            return Ok(found.clone());
        }
        let new = Arc::new(load()?);
        loaded.insert(key, new.clone());
        Ok(new)
    }
}

pub(super) fn new_engine() -> Result<Engine, TestError> {
    // Tests run actions by the thousand: pool the sandboxes, with slots
    // for every test thread that may run at once (cargo runs one per core)
    // and to spare, each able to hold a 32-bit guest's whole 4 GiB so
    // `with_limits` can raise the memory cap freely. A run that finds the
    // pool full fails rather than waits, so the pool grows with the machine.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pooling = Pooling {
        instances: u32::try_from(cores.saturating_mul(4))
            .unwrap_or(u32::MAX)
            .max(TEST_POOL_MIN_INSTANCES),
        max_memory_bytes: 4 << 30,
    };
    Engine::builder()
        .pooling(pooling)
        .build()
        .map_err(|e| TestError::Engine(format!("{e:#}")))
}

/// The fewest sandboxes the testing API's engine can hold at once.
const TEST_POOL_MIN_INSTANCES: u32 = 32;
