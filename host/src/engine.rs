//! The per-process engine: one wasmtime [`wasmtime::Engine`], the one
//! [`Linker`] that wires every host import (WASI p2 and `juju:charm`), and the
//! epoch ticker that lets a run's deadline interrupt a spinning guest.
//!
//! Build one [`Engine`] per process and share it; compiled charms and runs
//! borrow it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::Linker;

use crate::cache::packed::PackedArtifactError;
use crate::cache::{CacheOutcome, ComponentCache, SourceFile};
use crate::sandbox::{RunState, MAX_INSTANCES, MAX_MEMORIES, MAX_TABLES};

/// How often the epoch advances: a deadline is enforced to within one tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The per-process engine and linker.
pub struct Engine {
    engine: wasmtime::Engine,
    linker: Linker<RunState>,
    cache: Option<ComponentCache>,
    compile_observer: Option<Arc<dyn CompileObserver>>,
    ticker_stop: Arc<AtomicBool>,
}

/// Options for [`Engine`]; each setter documents its default.
#[derive(Clone, Default)]
pub struct EngineBuilder {
    cache: Option<ComponentCache>,
    pooling: Option<Pooling>,
    compile_observer: Option<Arc<dyn CompileObserver>>,
}

impl std::fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("cache", &self.cache)
            .field("pooling", &self.pooling)
            .field("compile_observer", &self.compile_observer.is_some())
            .finish()
    }
}

/// Told when a component file is compiled with Cranelift (not when the
/// cache serves it): a Python or JavaScript component takes seconds, and a
/// command line says so while it happens.
pub trait CompileObserver: Send + Sync {
    /// Compiling `path` (`bytes` long) begins; `cached` says whether the
    /// result will be kept in the cache for later runs.
    fn compiling(&self, path: &std::path::Path, bytes: usize, cached: bool);
    /// That compile ended (well or not) after `elapsed`.
    fn compiled(&self, path: &std::path::Path, elapsed: Duration);
}

/// Sizes of the pooling instance allocator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pooling {
    /// Instances (sandboxes) that may be live at once.
    pub instances: u32,
    /// Largest linear memory a pooled instance may grow to, in bytes; runs
    /// whose memory cap is larger are refused by the pool's bound.
    pub max_memory_bytes: usize,
}

/// Bytes of each pooled memory slot kept resident between runs.
const KEEP_RESIDENT_MEMORY_BYTES: usize = 16 << 20;
/// Bytes of each pooled table slot kept resident between runs.
const KEEP_RESIDENT_TABLE_BYTES: usize = 1 << 20;

impl Pooling {
    /// Runs in one operation from which pooling pays: reserving the pool
    /// costs a few milliseconds once, and saves ~30 µs a run.
    pub const WORTH_IT_FROM_RUNS: usize = 100;

    /// A pool for `workers` sandboxes live at once, each holding at most
    /// `memory_cap` bytes of linear memory (rounded up to whole wasm pages).
    pub fn for_workers(workers: usize, memory_cap: usize) -> Self {
        const WASM_PAGE: usize = 64 * 1024;
        Self {
            instances: u32::try_from(workers.max(1)).unwrap_or(u32::MAX),
            max_memory_bytes: memory_cap.div_ceil(WASM_PAGE).saturating_mul(WASM_PAGE),
        }
    }
}

impl EngineBuilder {
    /// Keep compiled components in `cache` (default: no cache; every load
    /// compiles).
    pub fn cache(mut self, cache: ComponentCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Allocate instances from a pre-reserved pool with copy-on-write memory
    /// initialisation (default: allocate on demand). Pays off when one
    /// process runs many sandboxes.
    pub fn pooling(mut self, pooling: Pooling) -> Self {
        self.pooling = Some(pooling);
        self
    }

    /// Tell `observer` about each compile of a component file (default:
    /// nobody).
    pub fn compile_observer(mut self, observer: Arc<dyn CompileObserver>) -> Self {
        self.compile_observer = Some(observer);
        self
    }

    /// Builds the engine and links every host import once.
    pub fn build(self) -> anyhow::Result<Engine> {
        Engine::with_options(self)
    }
}

impl Engine {
    /// An engine with default options: no cache, on-demand allocation.
    pub fn new() -> anyhow::Result<Self> {
        Self::builder().build()
    }

    /// Options for an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    fn with_options(options: EngineBuilder) -> anyhow::Result<Self> {
        let config = config(options.pooling);
        let engine = wasmtime::Engine::new(&config)?;

        let mut linker = Linker::new(&engine);
        crate::imports::add_to_linker::<RunState>(&mut linker)?;

        let ticker_stop = Arc::new(AtomicBool::new(false));
        spawn_epoch_ticker(engine.clone(), ticker_stop.clone())?;
        Ok(Self {
            engine,
            linker,
            cache: options.cache,
            compile_observer: options.compile_observer,
            ticker_stop,
        })
    }

    /// The wasmtime engine.
    pub fn wasmtime(&self) -> &wasmtime::Engine {
        &self.engine
    }

    /// Compiles component `bytes`, through the cache when there is one.
    pub fn compile(&self, bytes: &[u8]) -> anyhow::Result<wasmtime::component::Component> {
        match &self.cache {
            Some(cache) => Ok(cache.load_or_compile(&self.engine, bytes)?.0),
            None => Ok(wasmtime::component::Component::new(&self.engine, bytes)?),
        }
    }

    /// Compiles the component `source` read from a file, through the cache
    /// when there is one (which then indexes the file, so the next load
    /// finds it with [`ComponentCache::lookup_file`] without reading it).
    /// With a cache, also says whether the artifact was found, compiled, or
    /// compiled again in place of an unsound one.
    pub fn compile_file(
        &self,
        source: &SourceFile,
    ) -> anyhow::Result<(wasmtime::component::Component, Option<CacheOutcome>)> {
        let observed = self.compile_observer.as_ref().filter(|_| {
            self.cache
                .as_ref()
                .is_none_or(|cache| !cache.artifact_path(&self.engine, &source.bytes).exists())
        });
        let started = std::time::Instant::now();
        if let Some(observer) = observed {
            observer.compiling(&source.path, source.bytes.len(), self.cache.is_some());
        }
        let compiled = self.compile_file_unobserved(source);
        if let Some(observer) = observed {
            observer.compiled(&source.path, started.elapsed());
        }
        compiled
    }

    fn compile_file_unobserved(
        &self,
        source: &SourceFile,
    ) -> anyhow::Result<(wasmtime::component::Component, Option<CacheOutcome>)> {
        match &self.cache {
            Some(cache) => {
                let (component, outcome) = cache.load_or_compile_file(&self.engine, source)?;
                Ok((component, Some(outcome)))
            }
            None => Ok((
                wasmtime::component::Component::new(&self.engine, &source.bytes)?,
                None,
            )),
        }
    }

    /// The packed artifact beside the component file `component` (what
    /// `charmbox pack` ships, see [`crate::cache::packed`]), once it passes
    /// its checks; through the cache when there is one, which then indexes
    /// it. `Ok(None)` when there is none; an error says why one was not
    /// used (the caller compiles instead).
    pub fn load_packed(
        &self,
        component: &std::path::Path,
    ) -> Result<Option<wasmtime::component::Component>, PackedArtifactError> {
        match &self.cache {
            Some(cache) => cache.load_packed(&self.engine, component),
            None => crate::cache::packed::load(&self.engine, component),
        }
    }

    /// The compiled-component cache, if any.
    pub fn cache(&self) -> Option<&ComponentCache> {
        self.cache.as_ref()
    }

    /// The linker with every host import.
    pub(crate) fn linker(&self) -> &Linker<RunState> {
        &self.linker
    }

    /// The epoch ticks that make up `timeout`, rounded up, plus one so a
    /// deadline never fires early.
    pub(crate) fn ticks_for(timeout: Duration) -> u64 {
        let tick = EPOCH_TICK.as_nanos();
        (timeout.as_nanos().div_ceil(tick) as u64).saturating_add(1)
    }
}

/// The settings of every engine charmbox makes: what a compiled artifact
/// must agree with to load (wasmtime checks the settings that change the
/// code, and [`precompile_for_target`] makes artifacts with these).
fn config(pooling: Option<Pooling>) -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    // Components built by `jco componentize --backend qjs`, as jco
    // documents it, use the component model's async built-ins
    // (`task.cancel`); without this wasmtime refuses to parse them.
    config.wasm_component_model_async(true);
    // Deadlines: the store traps when the epoch passes its deadline.
    config.epoch_interruption(true);
    if let Some(pooling) = pooling {
        let mut pool = wasmtime::PoolingAllocationConfig::new();
        // Room for every live sandbox to hold as much as a sandbox may
        // (the store limiter's counts): with less, one guest taking many
        // slots would leave another unit's sandbox none.
        let per = |n: usize| pooling.instances.saturating_mul(n as u32);
        pool.total_component_instances(pooling.instances)
            .total_core_instances(per(MAX_INSTANCES))
            .total_memories(per(MAX_MEMORIES))
            .total_tables(per(MAX_TABLES))
            .max_core_instances_per_component(MAX_INSTANCES as u32)
            .max_memories_per_component(MAX_MEMORIES as u32)
            .max_tables_per_component(MAX_TABLES as u32)
            .max_memory_size(pooling.max_memory_bytes)
            .total_stacks(pooling.instances)
            // Reset a slot's memory by rewriting the pages the last run
            // touched (found with Linux's PAGEMAP_SCAN where the kernel
            // has it) rather than unmapping them: no page faults on the
            // next run, and no TLB shootdowns across the worker threads.
            // A 1000-unit run: 112 -> 80 ms.
            .pagemap_scan(wasmtime::Enabled::Auto)
            .linear_memory_keep_resident(KEEP_RESIDENT_MEMORY_BYTES)
            .table_keep_resident(KEEP_RESIDENT_TABLE_BYTES);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        config.memory_init_cow(true);
    }
    config
}

/// Compiles component `bytes` for `target` (a target triple such as
/// `x86_64-unknown-linux-gnu`) with the settings of the engine a unit
/// runs ([`Engine::new`]), and the CPU features every machine of that
/// target has (not this machine's): the artifact `charmbox pack` ships.
/// A unit's engine checks it on load (wasmtime version, settings, target,
/// CPU features) and compiles the component itself if it does not fit.
pub fn precompile_for_target(bytes: &[u8], target: &str) -> anyhow::Result<Vec<u8>> {
    let mut config = config(None);
    config.target(target)?;
    let engine = wasmtime::Engine::new(&config)?;
    Ok(engine.precompile_component(bytes)?)
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

fn spawn_epoch_ticker(engine: wasmtime::Engine, stop: Arc<AtomicBool>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("charmbox-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })?;
    Ok(())
}
