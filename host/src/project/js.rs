//! Building a JavaScript project: `npm install` when its `package.json` (or
//! a package it names by path) changes, the contract's and WASI's WIT
//! written into `wit/deps/`, then either componentize-js (StarlingMonkey,
//! the module bundled with rolldown first, since it resolves no package
//! imports itself) or jco's QuickJS backend.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::build::{BuildError, BuildOptions, BuildProgress, JsEngine, Stamp};
use super::sources::{digest, source_files};
use super::toolchain::{self, run, JS_TOOLS, WORK_DIR};
use super::wit;

/// The charm's module.
const ENTRY: &str = "charm.js";

/// The WASI packages whose WIT the world may import (charmbox-ops imports
/// `wasi:cli` 0.2.12), copied from jco's.
const WASI_PACKAGES: [&str; 6] = ["cli", "clocks", "filesystem", "io", "random", "sockets"];

/// Builds `dir` into `component`; returns whether it was up to date.
pub(crate) fn build(
    dir: &Path,
    component: &Path,
    options: &BuildOptions,
    progress: &dyn BuildProgress,
) -> Result<bool, BuildError> {
    let entry = dir.join(ENTRY);
    if !entry.is_file() {
        return Err(BuildError::Missing {
            path: entry,
            hint: "a JavaScript charm's code is charm.js, exporting `main(MyCharm)`'s functions"
                .into(),
        });
    }
    wit::write_contract(dir)?;
    let world = wit::world_name(dir)?;
    let manifest = dir.join("package.json");
    let local = local_dependencies(dir, &manifest);
    let mut inputs = source_files(dir);
    for path in &local {
        inputs.extend(source_files(path));
    }
    let versions: Vec<String> = JS_TOOLS.iter().map(|(n, v)| format!("{n}@{v}")).collect();
    let engine = format!("{:?}", options.js_engine);
    let mut extra = vec!["js", &*world, &*engine];
    extra.extend(versions.iter().map(String::as_str));
    let stamp = Stamp::new(dir, digest(dir, &inputs, extra));
    if stamp.matches(component, options.force) {
        return Ok(true);
    }
    let tools = toolchain::js(&options.toolchains, progress)?;
    install_dependencies(dir, &manifest, &local, progress)?;
    write_wasi_wit(dir, &tools)?;
    let work = dir.join(WORK_DIR);
    let output = work.join("charm.wasm");
    let bin = tools.join("node_modules/.bin");
    match options.js_engine {
        JsEngine::StarlingMonkey => {
            let bundle = work.join("bundle.js");
            let config = work.join("rolldown.config.mjs");
            let text = format!(
                "// Written by `charmbox build`: bundles the charm's module and the packages it \
                 imports,\n// leaving the component's imports (juju:*, wasi:*) to the host.\n\
                 export default {{ input: {}, external: [/^juju:/, /^wasi:/], output: {{ file: {}, \
                 format: \"esm\" }} }};\n",
                serde_json::Value::from(entry.to_string_lossy()),
                serde_json::Value::from(bundle.to_string_lossy()),
            );
            std::fs::write(&config, text).map_err(BuildError::io(&config))?;
            run(
                progress,
                &format!("bundling {ENTRY} and its imports with rolldown"),
                Command::new(bin.join("rolldown"))
                    .arg("-c")
                    .arg(&config)
                    .arg("--logLevel")
                    .arg("warn")
                    .current_dir(dir),
            )?;
            run(
                progress,
                &format!(
                    "componentize-js (StarlingMonkey): world {world} -> charm.wasm, without \
                     wasi:http (10-30 s)"
                ),
                Command::new(bin.join("componentize-js"))
                    .arg(&bundle)
                    .args(["--wit", wit::WIT_DIR, "--world-name", &world])
                    .args(["--disable", "http", "fetch-event"])
                    .arg("-o")
                    .arg(&output)
                    .current_dir(dir),
            )?;
        }
        JsEngine::QuickJs => {
            run(
                progress,
                &format!("jco componentize --backend qjs: {ENTRY}, world {world} -> charm.wasm"),
                Command::new(bin.join("jco"))
                    .args([
                        "componentize",
                        ENTRY,
                        "--wit",
                        wit::WIT_DIR,
                        "--world-name",
                        &world,
                    ])
                    .args(["--backend", "qjs", "-o"])
                    .arg(&output)
                    .current_dir(dir),
            )?;
        }
    }
    std::fs::rename(&output, component).map_err(BuildError::io(component))?;
    stamp.record()?;
    Ok(false)
}

/// `npm install` in the project when `package.json` or a package it names
/// by path (`file:`) changed since the last install.
fn install_dependencies(
    dir: &Path,
    manifest: &Path,
    local: &[PathBuf],
    progress: &dyn BuildProgress,
) -> Result<(), BuildError> {
    let mut inputs = vec![manifest.to_owned()];
    for path in local {
        inputs.extend(source_files(path));
    }
    let wanted = digest(dir, &inputs, ["npm"]);
    let stamp = dir.join(WORK_DIR).join("node_modules.stamp");
    if dir.join("node_modules").is_dir()
        && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&*wanted)
    {
        return Ok(());
    }
    toolchain::node_and_npm()?;
    run(
        progress,
        "npm install (the charm's package.json: charmbox-ops)",
        Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--install-links",
            ])
            .current_dir(dir),
    )?;
    if let Some(parent) = stamp.parent() {
        std::fs::create_dir_all(parent).map_err(BuildError::io(parent))?;
    }
    std::fs::write(&stamp, wanted).map_err(BuildError::io(&stamp))
}

/// Copies WASI's WIT (0.2.12, as jco ships it) into `wit/deps/`.
fn write_wasi_wit(dir: &Path, tools: &Path) -> Result<(), BuildError> {
    let shipped = tools.join("node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12");
    for package in WASI_PACKAGES {
        let from = shipped.join(format!("wasi-{package}"));
        let to = dir
            .join(wit::WIT_DIR)
            .join("deps")
            .join(format!("wasi-{package}"));
        std::fs::create_dir_all(&to).map_err(BuildError::io(&to))?;
        let entries = std::fs::read_dir(&from).map_err(BuildError::io(&from))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "wit") {
                let target = to.join(entry.file_name());
                std::fs::copy(&path, &target).map_err(BuildError::io(&target))?;
            }
        }
    }
    Ok(())
}

/// The directories `package.json` names by path (`"file:../x"`).
fn local_dependencies(dir: &Path, manifest: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(manifest) else {
        return Vec::new();
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    ["dependencies", "devDependencies"]
        .iter()
        .filter_map(|key| value.get(key)?.as_object())
        .flat_map(|deps| deps.values())
        .filter_map(|spec| spec.as_str()?.strip_prefix("file:"))
        .map(|path| dir.join(path))
        .filter(|path| path.is_dir())
        .collect()
}
