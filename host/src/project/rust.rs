//! Building a Rust project: `cargo build --release --target wasm32-wasip2`
//! (cargo decides what is up to date, and shows its own progress), then the
//! component it writes copied to `charm.wasm`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::build::{install_component, BuildError, BuildProgress};
use super::toolchain::run;
use super::Language;
use crate::testing::WASM_TARGET;

/// Builds the crate in `dir` and installs its component as `component`;
/// returns whether `component` was already that build.
pub(crate) fn build(
    dir: &Path,
    component: &Path,
    progress: &dyn BuildProgress,
) -> Result<bool, BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    if !Command::new(&cargo)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        return Err(BuildError::ToolMissing {
            tool: "cargo",
            language: Language::Rust,
            install: "install Rust with rustup (https://rustup.rs)",
        });
    }
    ensure_target(progress)?;
    let manifest = dir.join("Cargo.toml");
    let messages = dir
        .join(super::toolchain::WORK_DIR)
        .join("cargo-messages.json");
    if let Some(parent) = messages.parent() {
        std::fs::create_dir_all(parent).map_err(BuildError::io(parent))?;
    }
    let out = std::fs::File::create(&messages).map_err(BuildError::io(&messages))?;
    let what = format!("cargo build --release --target {WASM_TARGET}");
    progress.step(&what);
    let status = Command::new(&cargo)
        .args(["build", "--release", "--target", WASM_TARGET])
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(&manifest)
        .stdin(Stdio::null())
        .stdout(out)
        .status()
        .map_err(|e| BuildError::Command {
            what: what.clone(),
            command: format!("{}: {e}", cargo.to_string_lossy()),
            code: None,
        })?;
    if !status.success() {
        return Err(BuildError::Command {
            what,
            command: format!("in {}", dir.display()),
            code: status.code(),
        });
    }
    let text = std::fs::read_to_string(&messages).map_err(BuildError::io(&messages))?;
    let built = component_artifact(&text).ok_or_else(|| BuildError::Missing {
        path: manifest.clone(),
        hint: "cargo built no component: a charm's library must be a cdylib; add `[lib] \
               crate-type = [\"cdylib\"]` to Cargo.toml"
            .into(),
    })?;
    let same = std::fs::read(&built).ok() == std::fs::read(component).ok();
    if !same {
        install_component(&built, component)?;
    }
    Ok(same)
}

/// The `.wasm` of the cdylib among cargo's JSON messages.
fn component_artifact(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter(|m| {
            m["target"]["crate_types"]
                .as_array()
                .is_some_and(|types| types.iter().any(|t| t == "cdylib"))
        })
        .flat_map(|m| m["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(PathBuf::from))
        .rfind(|f| f.extension().is_some_and(|e| e == "wasm"))
}

/// Installs the `wasm32-wasip2` target with rustup when it is missing.
fn ensure_target(progress: &dyn BuildProgress) -> Result<(), BuildError> {
    let Ok(listed) = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .stderr(Stdio::null())
        .output()
    else {
        // No rustup: cargo says what is missing, if anything.
        return Ok(());
    };
    if String::from_utf8_lossy(&listed.stdout)
        .lines()
        .any(|l| l.trim() == WASM_TARGET)
    {
        return Ok(());
    }
    run(
        progress,
        &format!("installing the {WASM_TARGET} target (rustup target add {WASM_TARGET}, once)"),
        Command::new("rustup").args(["target", "add", WASM_TARGET]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cdylib_among_cargo_messages() {
        let messages = r#"{"reason":"compiler-artifact","target":{"crate_types":["lib"]},"filenames":["/t/libserde.rlib"]}
{"reason":"compiler-artifact","target":{"crate_types":["cdylib"]},"filenames":["/t/wasm32-wasip2/release/my_charm.wasm"]}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            component_artifact(messages),
            Some(PathBuf::from("/t/wasm32-wasip2/release/my_charm.wasm"))
        );
        assert_eq!(component_artifact(""), None);
    }
}
