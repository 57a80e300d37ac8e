//! Benchmarks of running actions (`cargo bench -p charmbox-bench --bench actions`):
//!
//! - `in_process/greet`: one action of the Rust example, as charmbox runs it
//!   in-process: fresh store, instantiate, call, results collected; with
//!   on-demand and with pooled instance allocation.
//! - `in_process/floor`: a bare wasmtime host instantiating the same
//!   component and calling its empty `ping` export: the floor (a) is
//!   measured against, in the same run.
//! - `in_process/bare_greet`: that bare host calling `greet` itself, its
//!   imports answering with canned params and storing nothing: the least
//!   any host could spend on the action, to tell charmbox's own cost from
//!   the action's.
//! - `units/1000`: one operation on 1,000 units in one invocation, as
//!   `charmbox run --num-units 1000` runs it once the charm is loaded:
//!   recorded, run, every record committed (throughput in actions/s).
//! - `model/*`: the local model's share of an operation on 1,000 units:
//!   `record_1000` opens the model and records 1,000 units it has already
//!   (what every `charmbox run` adds), and `probe_1000/{idle,state_set}`
//!   runs `examples/juju-probe` on 1,000 units, making no model call and
//!   one `state-set` (one commit) each.
//! - `cli/*`: the `charmbox` binary end to end with a warm cache, for the
//!   Rust example and, when they have been built, the Python and JavaScript
//!   ones.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use charmbox::charm::Charm;
use charmbox::engine::{Engine, Pooling};
use charmbox::model::local::{CharmModel, LocalModel};
use charmbox::operation::{workers_for, OperationRequest, Operations, Silent, Units};
use charmbox::run::{run_handler, LimitHints};
use charmbox::sandbox::SandboxLimits;
use charmbox::unit::UnitName;
use charmbox_bench::{
    backends, bare_call, bare_pre, greet_params, hello_charm, pooled, probe_charm, repo, request,
    GREET_PARAMS,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wasmtime::component::Component;

fn in_process(c: &mut Criterion) {
    let charm_dir = hello_charm();
    let mut group = c.benchmark_group("in_process");
    // Made once, as for every task of an operation.
    let params = greet_params();

    for (label, engine) in [("on_demand", Engine::new().unwrap()), ("pooling", pooled())] {
        let charm = Charm::load(&engine, charm_dir.path()).unwrap();
        group.bench_function(BenchmarkId::new("greet", label), |b| {
            b.iter(|| {
                let report =
                    run_handler(&charm.component, &request("greet"), backends(&params)).unwrap();
                assert!(report.message.is_none());
                report
            })
        });

        // The floor: the same component, a bare host, an empty export.
        let bytes = std::fs::read(charm_dir.path().join("charm.wasm")).unwrap();
        let component = Component::new(engine.wasmtime(), &bytes).unwrap();
        let pre = bare_pre(engine.wasmtime(), &component, "{}").unwrap();
        let ping = component
            .get_export_index(None, "ping")
            .expect("hello exports ping");
        group.bench_function(BenchmarkId::new("floor", label), |b| {
            b.iter(|| bare_call(&engine, &pre, &ping))
        });

        // The same bare host running the action itself.
        let greet_pre = bare_pre(engine.wasmtime(), &component, GREET_PARAMS).unwrap();
        let greet = component
            .get_export_index(None, "greet")
            .expect("hello exports greet");
        group.bench_function(BenchmarkId::new("bare_greet", label), |b| {
            b.iter(|| {
                let result = bare_call(&engine, &greet_pre, &greet);
                assert!(result.is_ok());
                result
            })
        });
    }
    group.finish();
}

fn units(c: &mut Criterion) {
    let charm_dir = hello_charm();
    let mut group = c.benchmark_group("units");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1000));
    let params = greet_params();
    // As `charmbox run --num-units 1000` builds it.
    let operation_pool = Engine::builder()
        .pooling(Pooling::for_workers(
            workers_for(1000),
            SandboxLimits::default().memory_bytes,
        ))
        .build()
        .unwrap();
    for (label, engine) in [
        ("on_demand", Engine::new().unwrap()),
        ("pooling", operation_pool),
    ] {
        let charm = Charm::load(&engine, charm_dir.path()).unwrap();
        // Units that exist already (a unit runs many actions in its life;
        // its directory is made once): one store and state directory for
        // every iteration, each a new operation on the same 1000 units.
        let state = tempfile::tempdir().unwrap();
        let operations = Operations::new(state.path());
        let prepared = operations
            .prepare(OperationRequest {
                charm: &charm,
                charm_path: charm_dir.path(),
                action: "greet",
                params: serde_json::Value::clone(params.value()),
                units: Units::Count(1000),
                limits: SandboxLimits::default(),
            })
            .unwrap();
        group.bench_function(BenchmarkId::new("1000", label), |b| {
            b.iter_with_setup(
                || operations.open_state().unwrap(),
                |store| {
                    let finished = operations
                        .run(&prepared, store, Arc::new(Silent), HINTS)
                        .unwrap();
                    assert_eq!(finished.tasks.len(), 1000);
                    // Every record committed: where `charmbox run` prints
                    // the results. The store's closing checkpoint, which
                    // runs while they print, ends when this is dropped,
                    // outside the timing.
                    finished
                },
            )
        });
    }
    group.finish();
}

fn model(c: &mut Criterion) {
    let mut group = c.benchmark_group("model");
    group.sample_size(10);
    let state = tempfile::tempdir().unwrap();
    let charm = CharmModel::default();
    let units: Vec<UnitName> = (0..1000)
        .map(|n| UnitName::new("hello", n).unwrap())
        .collect();
    let refs: Vec<&UnitName> = units.iter().collect();
    let path = std::path::Path::new("/charm");
    let model = LocalModel::open(state.path()).unwrap();
    model
        .record_units("hello", path, "hello", &charm, &refs)
        .unwrap();
    group.bench_function("record_1000", |b| {
        b.iter(|| {
            let model = LocalModel::open(state.path()).unwrap();
            model
                .record_units("hello", path, "hello", &charm, &refs)
                .unwrap();
        })
    });

    let probe = probe_charm();
    let engine = Engine::builder()
        .pooling(Pooling::for_workers(
            workers_for(1000),
            SandboxLimits::default().memory_bytes,
        ))
        .build()
        .unwrap();
    let charm = Charm::load(&engine, probe.path()).unwrap();
    group.throughput(Throughput::Elements(1000));
    for (label, steps) in [
        ("idle", serde_json::json!([])),
        (
            "state_set",
            serde_json::json!([{"call": "state-set", "pairs": [["k", "v"]]}]),
        ),
    ] {
        let state = tempfile::tempdir().unwrap();
        let operations = Operations::new(state.path());
        let prepared = operations
            .prepare(OperationRequest {
                charm: &charm,
                charm_path: probe.path(),
                action: "run-steps",
                params: serde_json::json!({ "steps": steps }),
                units: Units::Count(1000),
                limits: SandboxLimits::default(),
            })
            .unwrap();
        group.bench_function(BenchmarkId::new("probe_1000", label), |b| {
            b.iter_with_setup(
                || operations.open_state().unwrap(),
                |store| {
                    let finished = operations
                        .run(&prepared, store, Arc::new(Silent), HINTS)
                        .unwrap();
                    assert!(finished.all_completed());
                    finished
                },
            )
        });
    }
    group.finish();
}

/// No front end's words: the benchmarks hit no limit.
const HINTS: LimitHints = LimitHints {
    timeout: "",
    memory: "",
    disk: "",
};

fn cli(c: &mut Criterion) {
    let charm_dir = hello_charm();
    let binary = repo().join("target/dist/charmbox");
    if !binary.exists() {
        eprintln!("skipping cli benchmarks: build target/dist/charmbox first (cargo build --profile dist -p charmbox-cli)");
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("cli");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    let mut charms = vec![("rust", charm_dir.path().to_owned())];
    // The Python and JavaScript charms, as scripts/build-lang-charms.sh
    // leaves them, each laid out as a charm directory.
    let lang_dirs = tempfile::tempdir().unwrap();
    for label in ["python", "js"] {
        let wasm = repo().join(format!("target/examples/hello-{label}.wasm"));
        if !wasm.exists() {
            eprintln!(
                "skipping cli/{label}: no {} (run scripts/build-lang-charms.sh)",
                wasm.display()
            );
            continue;
        }
        let dir = lang_dirs.path().join(label);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(
            repo().join(format!("examples/hello-{label}/charmcraft.yaml")),
            dir.join("charmcraft.yaml"),
        )
        .unwrap();
        std::fs::copy(&wasm, dir.join("charm.wasm")).unwrap();
        charms.push((label, dir));
    }
    for (label, dir) in charms {
        let run = || {
            let out = Command::new(&binary)
                .args(["run"])
                .arg(&dir)
                .args(["greet", "name=Ada", "--format", "json"])
                .env("CHARMBOX_CACHE_DIR", cache.path())
                .env("CHARMBOX_STATE_DIR", state.path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(); // warm the cache
        group.bench_function(label, |b| b.iter(run));
    }
    group.finish();
}

criterion_group!(benches, in_process, units, model, cli);
criterion_main!(benches);
