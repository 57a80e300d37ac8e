//! The floor for a whole `charmbox run` process: a bare wasmtime host that
//! maps the same component precompiled (with the settings charmbox's engine
//! compiles with), links WASI and `juju:charm/action` stubbed minimally
//! (`action-get` answers the benchmark's params, the rest do nothing), runs
//! one export in a fresh store and prints whether it succeeded. No state
//! directory, no records, no params validation, no cache checks.
//!
//! `bare_host COMPONENT.wasm ARTIFACT.cwasm EXPORT`: compiles COMPONENT into
//! ARTIFACT first when ARTIFACT does not exist (a warm-up run), then maps
//! ARTIFACT. Used by `bench/compare.sh` beside `charmbox run`.

use charmbox_bench::{bare_pre, Bare, GREET_PARAMS};
use wasmtime::component::Component;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [component, artifact, export] = args.as_slice() else {
        return Err("usage: bare_host COMPONENT.wasm ARTIFACT.cwasm EXPORT".into());
    };
    // What charmbox's engine sets that changes the compiled code.
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.wasm_component_model_async(true);
    config.epoch_interruption(true);
    let engine = wasmtime::Engine::new(&config)?;
    if !std::path::Path::new(artifact).exists() {
        let bytes = std::fs::read(component)?;
        std::fs::write(artifact, engine.precompile_component(&bytes)?)?;
    }
    // SAFETY: an artifact this program compiled with this configuration.
    let component = unsafe { Component::deserialize_file(&engine, artifact)? };
    let pre = bare_pre(&engine, &component, GREET_PARAMS)?;
    let index = component
        .get_export_index(None, export)
        .ok_or_else(|| format!("the component exports no {export}"))?;
    let mut store = wasmtime::Store::new(&engine, Bare::new());
    store.set_epoch_deadline(u64::MAX / 4);
    let instance = pre.instantiate(&mut store)?;
    let func = instance.get_typed_func::<(), (Result<(), String>,)>(&mut store, index)?;
    match func.call(&mut store, ())?.0 {
        Ok(()) => println!("{export}: completed"),
        Err(message) => println!("{export}: failed: {message}"),
    }
    Ok(())
}
