//! Building a Python project with componentize-py: the charm's
//! requirements (the charmbox-ops helper, by path) installed into the
//! project's `.charmbox/site-packages` when they change, the contract's WIT
//! written into `wit/deps/`, and `componentize-py -d wit -w <world>
//! componentize charm` run with that path.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::build::{BuildError, BuildOptions, BuildProgress, Stamp};
use super::sources::{digest, source_files};
use super::toolchain::{self, run, COMPONENTIZE_PY, WORK_DIR};
use super::wit;

/// The charm's module: `charm.py`.
const MODULE: &str = "charm";

/// Builds `dir` into `component`; returns whether it was up to date.
pub(crate) fn build(
    dir: &Path,
    component: &Path,
    options: &BuildOptions,
    progress: &dyn BuildProgress,
) -> Result<bool, BuildError> {
    let module = dir.join(format!("{MODULE}.py"));
    if !module.is_file() {
        return Err(BuildError::Missing {
            path: module,
            hint: "a Python charm's code is charm.py, defining `WitWorld = \
                   charmbox_ops.main(MyCharm)`"
                .into(),
        });
    }
    wit::write_contract(dir)?;
    let world = wit::world_name(dir)?;
    let requirements = dir.join("requirements.txt");
    let local = local_requirements(dir, &requirements);
    let mut inputs = source_files(dir);
    for path in &local {
        inputs.extend(source_files(path));
    }
    let stamp = Stamp::new(
        dir,
        digest(dir, &inputs, ["python", COMPONENTIZE_PY, &world]),
    );
    if stamp.matches(component, options.force) {
        return Ok(true);
    }
    let venv = toolchain::python(&options.toolchains, progress)?;
    let work = dir.join(WORK_DIR);
    let site = work.join("site-packages");
    let deps_stamp = work.join("site-packages.stamp");
    let deps_digest = digest(dir, &dependency_inputs(&requirements, &local), ["deps"]);
    if std::fs::read_to_string(&deps_stamp).ok().as_deref() != Some(&*deps_digest) {
        if site.exists() {
            std::fs::remove_dir_all(&site).map_err(BuildError::io(&site))?;
        }
        std::fs::create_dir_all(&work).map_err(BuildError::io(&work))?;
        run(
            progress,
            &format!("pip install -r requirements.txt into {WORK_DIR}/site-packages"),
            Command::new(venv.join("bin/pip"))
                .args([
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-warn-script-location",
                ])
                .arg("--target")
                .arg(&site)
                .arg("-r")
                .arg(&requirements)
                .current_dir(dir),
        )?;
        std::fs::write(&deps_stamp, &deps_digest).map_err(BuildError::io(&deps_stamp))?;
    }
    let output = work.join("charm.wasm");
    run(
        progress,
        &format!(
            "componentize-py {COMPONENTIZE_PY}: {MODULE}.py, world {world} -> charm.wasm (a \
             Python interpreter in the component: 15-30 s)"
        ),
        Command::new(venv.join("bin/componentize-py"))
            .args(["-d", wit::WIT_DIR, "-w", &world, "componentize", MODULE])
            .arg("-p")
            .arg(dir)
            .arg("-p")
            .arg(&site)
            .arg("-o")
            .arg(&output)
            .env_remove("VIRTUAL_ENV")
            .current_dir(dir),
    )?;
    std::fs::rename(&output, component).map_err(BuildError::io(component))?;
    stamp.record()?;
    Ok(false)
}

/// The requirements that are directories (`../charmbox/guest-sdk/python`),
/// relative to `dir` as pip reads them there.
fn local_requirements(dir: &Path, requirements: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(requirements) else {
        return Vec::new();
    };
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| !line.is_empty() && !line.starts_with('-'))
        .map(|line| dir.join(line))
        .filter(|path| path.is_dir())
        .collect()
}

/// What the installed requirements depend on: the file, and every source
/// of a requirement given by path.
fn dependency_inputs(requirements: &Path, local: &[PathBuf]) -> Vec<PathBuf> {
    let mut inputs = vec![requirements.to_owned()];
    for path in local {
        inputs.extend(source_files(path));
    }
    inputs
}
