//! The tools `charmbox build` runs, each pinned to one version and
//! installed on first use under the cache directory's `toolchains/`
//! (a virtualenv for componentize-py, a `node_modules` for the JavaScript
//! tools), and the running of their commands.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::build::{BuildError, BuildProgress};
use super::Language;

/// The directory a build keeps its own files in, inside the project
/// (ignored by the templates' `.gitignore`).
pub const WORK_DIR: &str = ".charmbox";

/// componentize-py, from PyPI.
pub const COMPONENTIZE_PY: &str = "0.25.1";

/// The JavaScript tools, from npm: `(package, version)`.
pub const JS_TOOLS: [(&str, &str); 4] = [
    ("@bytecodealliance/jco", "1.35.0"),
    ("@bytecodealliance/componentize-js", "0.22.0"),
    ("componentize-qjs", "0.4.5"),
    ("rolldown", "1.3.3"),
];

/// The directory under `toolchains` that holds componentize-py's venv.
pub fn python_dir(toolchains: &Path) -> PathBuf {
    toolchains.join(format!("componentize-py-{COMPONENTIZE_PY}"))
}

/// The directory under `toolchains` that holds the JavaScript tools.
pub fn js_dir(toolchains: &Path) -> PathBuf {
    let versions: Vec<String> = JS_TOOLS
        .iter()
        .map(|(name, version)| format!("{}-{version}", name.rsplit('/').next().unwrap_or(name)))
        .collect();
    toolchains.join(format!("js-{}", versions.join("-")))
}

/// Runs `command` (its output to stderr, so a build's stdout stays the
/// CLI's), after telling `progress` what it does.
pub(crate) fn run(
    progress: &dyn BuildProgress,
    what: &str,
    command: &mut Command,
) -> Result<(), BuildError> {
    progress.step(what);
    let line = command_line(command);
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| BuildError::Command {
            what: what.to_owned(),
            command: format!("{line}: {e}"),
            code: None,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(BuildError::Command {
            what: what.to_owned(),
            command: line,
            code: status.code(),
        })
    }
}

/// A command as a shell would show it, for messages.
fn command_line(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `program` can be started (`program --version` runs).
pub(crate) fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// componentize-py in its venv under `toolchains`, installed if missing or
/// at another version; returns the venv's directory.
pub(crate) fn python(
    toolchains: &Path,
    progress: &dyn BuildProgress,
) -> Result<PathBuf, BuildError> {
    let venv = python_dir(toolchains);
    let tool = venv.join("bin/componentize-py");
    let version = Command::new(&tool).arg("--version").output();
    if version.is_ok_and(|o| {
        String::from_utf8_lossy(&o.stdout).trim() == format!("componentize-py {COMPONENTIZE_PY}")
    }) {
        return Ok(venv);
    }
    if !installed("python3") {
        return Err(BuildError::ToolMissing {
            tool: "python3",
            language: Language::Python,
            install: "install Python 3.10 or later with venv and pip (apt install python3-venv)",
        });
    }
    if venv.exists() {
        std::fs::remove_dir_all(&venv).map_err(BuildError::io(&venv))?;
    }
    std::fs::create_dir_all(toolchains).map_err(BuildError::io(toolchains))?;
    run(
        progress,
        &format!(
            "creating a virtualenv for componentize-py in {} (once)",
            venv.display()
        ),
        Command::new("python3").arg("-m").arg("venv").arg(&venv),
    )?;
    run(
        progress,
        &format!("installing componentize-py {COMPONENTIZE_PY} from PyPI (once)"),
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("componentize-py=={COMPONENTIZE_PY}")),
    )?;
    Ok(venv)
}

/// The JavaScript tools in their `node_modules` under `toolchains`,
/// installed if missing or at other versions; returns their directory.
pub(crate) fn js(toolchains: &Path, progress: &dyn BuildProgress) -> Result<PathBuf, BuildError> {
    let dir = js_dir(toolchains);
    if JS_TOOLS.iter().all(|(name, version)| {
        installed_version(&dir.join("node_modules").join(name)).as_deref() == Some(*version)
    }) {
        return Ok(dir);
    }
    node_and_npm()?;
    std::fs::create_dir_all(&dir).map_err(BuildError::io(&dir))?;
    let dependencies: serde_json::Map<String, serde_json::Value> = JS_TOOLS
        .iter()
        .map(|(name, version)| ((*name).to_owned(), serde_json::Value::from(*version)))
        .collect();
    let manifest = serde_json::json!({
        "name": "charmbox-js-toolchain",
        "private": true,
        "description": "The JavaScript tools `charmbox build` runs, at the versions it pins.",
        "dependencies": dependencies,
    });
    let path = dir.join("package.json");
    std::fs::write(&path, format!("{manifest:#}\n")).map_err(BuildError::io(&path))?;
    let names: Vec<String> = JS_TOOLS.iter().map(|(n, v)| format!("{n}@{v}")).collect();
    run(
        progress,
        &format!(
            "installing {} from npm into {} (once)",
            names.join(", "),
            dir.display()
        ),
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir),
    )?;
    Ok(dir)
}

/// node and npm, or an error saying how to install them.
pub(crate) fn node_and_npm() -> Result<(), BuildError> {
    for tool in ["node", "npm"] {
        if !installed(tool) {
            return Err(BuildError::ToolMissing {
                tool: if tool == "node" { "node" } else { "npm" },
                language: Language::JavaScript,
                install: "install Node.js 20 or later with npm",
            });
        }
    }
    Ok(())
}

/// The `version` of the npm package installed in `package_dir`.
fn installed_version(package_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(package_dir.join("package.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
    manifest.get("version")?.as_str().map(str::to_owned)
}
