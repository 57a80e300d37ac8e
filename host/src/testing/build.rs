//! Building a charm crate to `wasm32-wasip2`, once per process: for a
//! charm's own tests ([`build_crate`]), and for charmbox's end-to-end tests
//! and benchmarks, which build the examples into a target directory of
//! their choosing ([`CrateBuild`]).

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

/// The target a charm is built for.
pub const WASM_TARGET: &str = "wasm32-wasip2";

/// The directory under the crate's target directory that test builds use.
/// It is not the one the running `cargo test` holds locked, so building from
/// inside a test does not wait on it forever.
pub const BUILD_SUBDIR: &str = "charmbox-wasm";

/// Why a charm crate could not be built.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BuildError {
    /// The `wasm32-wasip2` target is not installed.
    #[error(
        "cannot build {manifest} for {WASM_TARGET}: the {WASM_TARGET} target is not installed; \
         install it with `rustup target add {WASM_TARGET}`\ncargo said:\n{stderr}"
    )]
    TargetMissing {
        /// The crate's `Cargo.toml`.
        manifest: PathBuf,
        /// What cargo printed.
        stderr: String,
    },
    /// Cargo could not be started, or could not read the crate.
    #[error("cannot build {manifest} for {WASM_TARGET}: {message}")]
    Cargo {
        /// The crate's `Cargo.toml`.
        manifest: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The build failed (a compile error, most likely).
    #[error(
        "building {manifest} for {WASM_TARGET} failed (`cargo build --release --target \
         {WASM_TARGET}`); cargo said:\n{stderr}"
    )]
    Failed {
        /// The crate's `Cargo.toml`.
        manifest: PathBuf,
        /// What cargo printed.
        stderr: String,
    },
    /// The crate builds no component.
    #[error(
        "{manifest} builds no component: a charm's library must be a cdylib; add \
         `[lib] crate-type = [\"cdylib\"]` to it"
    )]
    NotCdylib {
        /// The crate's `Cargo.toml`.
        manifest: PathBuf,
    },
    /// Cargo succeeded but the component is not where it should be.
    #[error("building {manifest} succeeded but wrote no {}", .expected.display())]
    NoArtifact {
        /// The crate's `Cargo.toml`.
        manifest: PathBuf,
        /// Where the component was expected.
        expected: PathBuf,
    },
}

/// Builds the charm crate in `crate_dir` to `wasm32-wasip2` (release) and
/// returns the component's path.
///
/// Runs `cargo build --release --target wasm32-wasip2 --manifest-path
/// <crate_dir>/Cargo.toml` with `CARGO_TARGET_DIR` set to
/// `<target dir>/charmbox-wasm`, away from the directory a running `cargo
/// test` keeps locked. Cargo does nothing when nothing changed; this function
/// runs it once per crate per process, and returns the first outcome (success
/// or failure) to every later caller.
pub fn build_crate(crate_dir: impl AsRef<Path>) -> Result<PathBuf, BuildError> {
    CrateBuild::new(crate_dir).build()
}

/// A build of a charm crate to `wasm32-wasip2`; see [`build_crate`].
#[derive(Debug, Clone)]
pub struct CrateBuild {
    crate_dir: PathBuf,
    target_dir: Option<PathBuf>,
}

impl CrateBuild {
    /// A build of the crate in `crate_dir`.
    pub fn new(crate_dir: impl AsRef<Path>) -> Self {
        Self {
            crate_dir: crate_dir.as_ref().to_owned(),
            target_dir: None,
        }
    }

    /// Builds into `dir` (default: `charmbox-wasm` under the crate's own
    /// target directory). It must not be the target directory of a cargo
    /// command that is running, which holds it locked.
    pub fn target_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.target_dir = Some(dir.into());
        self
    }

    /// Builds (once per crate and target directory in a process) and
    /// returns the component's path.
    pub fn build(&self) -> Result<PathBuf, BuildError> {
        type Outcomes = HashMap<(PathBuf, Option<PathBuf>), Result<PathBuf, BuildError>>;
        static BUILT: OnceLock<Mutex<Outcomes>> = OnceLock::new();
        let crate_dir = self
            .crate_dir
            .canonicalize()
            .unwrap_or_else(|_| self.crate_dir.clone());
        let key = (crate_dir, self.target_dir.clone());
        // Held while building: tests racing to build the same crate wait for
        // the first one instead of running cargo side by side.
        let mut built = crate::sync::lock(BUILT.get_or_init(Default::default));
        if let Some(outcome) = built.get(&key) {
            return outcome.clone();
        }
        let outcome = build_uncached(&key.0, key.1.as_deref());
        built.insert(key, outcome.clone());
        outcome
    }
}

fn cargo() -> OsString {
    // Set by cargo for the tests it runs: the same toolchain builds the charm.
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn build_uncached(crate_dir: &Path, target_dir: Option<&Path>) -> Result<PathBuf, BuildError> {
    let manifest = crate_dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(BuildError::Cargo {
            message: format!("there is no {}", manifest.display()),
            manifest,
        });
    }
    let (lib_name, crate_target) = inspect(&manifest)?;
    let target_dir = target_dir
        .map(Path::to_owned)
        .unwrap_or_else(|| crate_target.join(BUILD_SUBDIR));
    let output = Command::new(cargo())
        .args([
            "build",
            "--release",
            "--target",
            WASM_TARGET,
            "--manifest-path",
        ])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target_dir)
        .output()
        .map_err(|e| BuildError::Cargo {
            manifest: manifest.clone(),
            message: format!("cannot run cargo: {e}"),
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        return Err(if target_missing(&stderr) {
            BuildError::TargetMissing { manifest, stderr }
        } else {
            BuildError::Failed { manifest, stderr }
        });
    }
    let expected = target_dir
        .join(WASM_TARGET)
        .join("release")
        .join(format!("{}.wasm", lib_name.replace('-', "_")));
    if !expected.is_file() {
        return Err(BuildError::NoArtifact { manifest, expected });
    }
    Ok(expected)
}

/// The crate's cdylib name and its target directory, from `cargo metadata`.
fn inspect(manifest: &Path) -> Result<(String, PathBuf), BuildError> {
    let cargo_error = |message: String| BuildError::Cargo {
        manifest: manifest.to_owned(),
        message,
    };
    let output = Command::new(cargo())
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(manifest)
        .output()
        .map_err(|e| cargo_error(format!("cannot run cargo: {e}")))?;
    if !output.status.success() {
        return Err(cargo_error(format!(
            "`cargo metadata` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| cargo_error(format!("`cargo metadata` printed no JSON: {e}")))?;
    let target_dir = metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| cargo_error("`cargo metadata` names no target directory".into()))?;
    let manifest = manifest
        .canonicalize()
        .unwrap_or_else(|_| manifest.to_owned());
    let package = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| {
            p["manifest_path"]
                .as_str()
                .is_some_and(|m| Path::new(m) == manifest)
        })
        .ok_or_else(|| cargo_error("`cargo metadata` does not list the crate".into()))?;
    let lib = package["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| {
            t["crate_types"]
                .as_array()
                .is_some_and(|types| types.iter().any(|k| k == "cdylib"))
        })
        .and_then(|t| t["name"].as_str())
        .ok_or_else(|| BuildError::NotCdylib {
            manifest: manifest.clone(),
        })?;
    Ok((lib.to_owned(), target_dir))
}

/// Whether cargo's output says the target's standard library is missing.
fn target_missing(stderr: &str) -> bool {
    stderr.contains("target may not be installed")
        || stderr.contains("can't find crate for `core`")
        || stderr.contains("can't find crate for `std`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_a_missing_target() {
        let stderr = "error[E0463]: can't find crate for `core`\n  = note: the `wasm32-wasip2` \
                      target may not be installed\n  = help: consider downloading the target \
                      with `rustup target add wasm32-wasip2`";
        assert!(target_missing(stderr));
        assert!(!target_missing("error[E0308]: mismatched types"));
        let err = BuildError::TargetMissing {
            manifest: "x/Cargo.toml".into(),
            stderr: stderr.into(),
        };
        assert!(
            err.to_string()
                .contains("install it with `rustup target add wasm32-wasip2`"),
            "{err}"
        );
    }

    #[test]
    fn a_crate_that_is_not_there_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = build_crate(dir.path().join("nope")).unwrap_err();
        assert!(
            matches!(&err, BuildError::Cargo { message, .. } if message.contains("there is no")),
            "{err}"
        );
    }
}
