//! What the benchmarks share: the example charm, the engines, and the bare
//! host the floor is measured on.

use std::path::{Path, PathBuf};

use charmbox::action::local::LocalBackend;
use charmbox::action::ActionParams;
use charmbox::engine::{Engine, Pooling};
use charmbox::model::{EventInfo, ModelIdentity, NoModel, UnitContext};
use charmbox::run::{Backends, RunRequest};
use charmbox::sandbox::SandboxLimits;
use charmbox::testing::CrateBuild;
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// The params every `greet` benchmark runs with, as JSON text.
pub const GREET_PARAMS: &str =
    r#"{"name": "Ada", "language": "en", "style": {"uppercase": false, "punctuation": "!"}}"#;

/// [`GREET_PARAMS`], made once as every task of an operation shares them.
pub fn greet_params() -> ActionParams {
    ActionParams::from(serde_json::from_str::<serde_json::Value>(GREET_PARAMS).unwrap())
}

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Builds examples/hello for wasm32-wasip2 (as the end-to-end tests build
/// it) and lays out a charm directory.
pub fn hello_charm() -> tempfile::TempDir {
    let component = CrateBuild::new(repo().join("examples/hello"))
        .target_dir(repo().join("target/examples"))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("examples/hello/charmcraft.yaml"),
        dir.path().join("charmcraft.yaml"),
    )
    .unwrap();
    std::fs::copy(component, dir.path().join("charm.wasm")).unwrap();
    dir
}

/// `examples/juju-probe` as a charm directory (metadata and
/// `charm.wasm`), in a temporary directory: a charm that reaches the model.
pub fn probe_charm() -> tempfile::TempDir {
    let component = CrateBuild::new(repo().join("examples/juju-probe"))
        .target_dir(repo().join("target/examples"))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("examples/juju-probe/charmcraft.yaml"),
        dir.path().join("charmcraft.yaml"),
    )
    .unwrap();
    std::fs::copy(component, dir.path().join("charm.wasm")).unwrap();
    dir
}

/// A run of `action` on `hello/0` with the default limits.
pub fn request(action: &str) -> RunRequest {
    RunRequest {
        context: UnitContext::local(
            "hello/0".parse().unwrap(),
            &ModelIdentity::ephemeral(),
            EventInfo::action(action),
        )
        .into(),
        action_id: "1".into(),
        data_dir: None,
        limits: SandboxLimits::default(),
        stop: None,
    }
}

/// The backends of a local run of an action with `params`: no model.
pub fn backends(params: &ActionParams) -> Backends {
    Backends {
        action: Some(Box::new(LocalBackend::new(params.clone()))),
        model: Box::new(NoModel),
    }
}

/// An engine with pooled instance allocation, as `charmbox run` builds one
/// for a few workers.
pub fn pooled() -> Engine {
    Engine::builder()
        .pooling(Pooling {
            instances: 64,
            max_memory_bytes: SandboxLimits::default().memory_bytes,
        })
        .build()
        .unwrap()
}

/// The bare host for the floor: WASI and action imports that do nothing
/// but answer `action-get` with fixed params.
pub struct Bare {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl Bare {
    /// A fresh state: an empty WASI context (no preopens, no environment).
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        }
    }
}

impl WasiView for Bare {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// The bare host, ready to instantiate `component`: WASI, an `action-get`
/// answering `params`, and every other import the component names (the
/// model's interfaces a charm with hooks imports) a trap: the actions the
/// benchmarks run call none of them.
pub fn bare_pre(
    engine: &wasmtime::Engine,
    component: &Component,
    params: &'static str,
) -> wasmtime::Result<InstancePre<Bare>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    // The action interface of each contract version (hello is built
    // against the newest; the committed 0.1.0 fixture imports the first).
    for version in ["0.1.0", "0.2.0"] {
        let mut action = linker.instance(&format!("juju:charm/action@{version}"))?;
        action.func_wrap("action-get", move |_, (_,): (Option<String>,)| {
            Ok((Some(params.to_owned()),))
        })?;
        action.func_wrap("action-set", |_, (_,): (Vec<(String, String)>,)| {
            Ok((Ok::<(), String>(()),))
        })?;
        action.func_wrap("action-log", |_, (_,): (String,)| Ok(()))?;
        action.func_wrap("action-fail", |_, (_,): (String,)| Ok(()))?;
    }
    linker.define_unknown_imports_as_traps(component)?;
    linker.instantiate_pre(component)
}

/// One run on the bare host: a fresh store, instantiate, call `export`.
pub fn bare_call(
    engine: &Engine,
    pre: &InstancePre<Bare>,
    export: &ComponentExportIndex,
) -> Result<(), String> {
    let mut store = wasmtime::Store::new(engine.wasmtime(), Bare::new());
    store.set_epoch_deadline(u64::MAX / 4);
    let instance = pre.instantiate(&mut store).unwrap();
    let func = instance
        .get_typed_func::<(), (Result<(), String>,)>(&mut store, export)
        .unwrap();
    func.call(&mut store, ()).unwrap().0
}
