//! `charmbox build`: a project's sources into its `charm.wasm`, with the
//! language's toolchain ([`super::toolchain`]). The steps are reported to a
//! [`BuildProgress`]; the tools' own output goes to stderr as they run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{DetectError, Language};
use crate::charm::COMPONENT_FILE;

/// The JavaScript engine a component is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JsEngine {
    /// SpiderMonkey, through componentize-js (the charm's module bundled
    /// first, its `wasi:http` and fetch-event features left out): about
    /// 13 MB.
    #[default]
    StarlingMonkey,
    /// QuickJS, through jco's `--backend qjs` (componentize-qjs): about 2 MB.
    QuickJs,
}

impl std::str::FromStr for JsEngine {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "starlingmonkey" | "spidermonkey" => Ok(JsEngine::StarlingMonkey),
            "quickjs" | "qjs" => Ok(JsEngine::QuickJs),
            other => Err(format!(
                "unknown JavaScript engine {other:?}: choose starlingmonkey or quickjs"
            )),
        }
    }
}

/// How to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Where toolchains are installed (`<cache dir>/toolchains`).
    pub toolchains: PathBuf,
    /// The JavaScript engine (JavaScript projects only).
    pub js_engine: JsEngine,
    /// Build even when the sources have not changed since the last build.
    pub force: bool,
}

/// Where a build reports its steps (the CLI prints them).
pub trait BuildProgress {
    /// A step begins: `what` says what it does, in a line.
    fn step(&self, what: &str);
}

/// A build that reports nothing.
pub struct Quiet;

impl BuildProgress for Quiet {
    fn step(&self, _what: &str) {}
}

/// What a build made.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// The project's language.
    pub language: Language,
    /// The component written (`<dir>/charm.wasm`).
    pub component: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Whether the sources were unchanged since the last build, so nothing
    /// was built.
    pub up_to_date: bool,
    /// How long the build took.
    pub elapsed: Duration,
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The project's language cannot be told.
    #[error(transparent)]
    Detect(#[from] DetectError),
    /// A tool the build needs is not installed.
    #[error("{tool} is not installed (needed to build a {language} charm): {install}")]
    ToolMissing {
        /// The tool.
        tool: &'static str,
        /// The project's language.
        language: Language,
        /// How to install it.
        install: &'static str,
    },
    /// A step's command failed.
    #[error("{what} failed ({command}){}", exit_text(.code))]
    Command {
        /// What the step was doing.
        what: String,
        /// The command line.
        command: String,
        /// Its exit code, if it exited.
        code: Option<i32>,
    },
    /// The project's WIT does not define exactly one world.
    #[error(
        "{} must define exactly one world for the component (`world my-charm {{ ... }}`); it \
         defines {}",
        .wit.display(),
        if .worlds.is_empty() { "none".to_owned() } else { .worlds.join(", ") }
    )]
    World {
        /// The WIT directory.
        wit: PathBuf,
        /// The worlds found.
        worlds: Vec<String>,
    },
    /// A file the build needs is missing.
    #[error("{} is missing: {hint}", .path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// What it should hold.
        hint: String,
    },
    /// The charmbox checkout the project depends on is not where it says.
    #[error(transparent)]
    Source(#[from] super::SourceError),
    /// Reading or writing a file failed.
    #[error("cannot write or read {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn exit_text(code: &Option<i32>) -> String {
    match code {
        Some(code) => format!(", exit status {code}: its output is above"),
        None => ": it was killed by a signal".into(),
    }
}

impl BuildError {
    /// An [`Io`](Self::Io) error on `path`, for `map_err`.
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError {
        let path = path.to_owned();
        move |source| BuildError::Io { path, source }
    }
}

/// Builds the project in `dir` into `<dir>/charm.wasm`.
pub fn build(
    dir: &Path,
    options: &BuildOptions,
    progress: &dyn BuildProgress,
) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let language = Language::detect(dir)?;
    let dir = &dir.canonicalize().map_err(BuildError::io(dir))?;
    let component = dir.join(COMPONENT_FILE);
    let up_to_date = match language {
        Language::Rust => super::rust::build(dir, &component, progress)?,
        Language::Python => super::python::build(dir, &component, options, progress)?,
        Language::JavaScript => super::js::build(dir, &component, options, progress)?,
    };
    if up_to_date {
        // The sources' contents are those it was built from, but a newer
        // file time would still call it stale: it is as new as they are.
        std::fs::File::options()
            .append(true)
            .open(&component)
            .and_then(|file| file.set_modified(std::time::SystemTime::now()))
            .map_err(BuildError::io(&component))?;
    }
    let bytes = std::fs::metadata(&component)
        .map_err(BuildError::io(&component))?
        .len();
    Ok(BuildReport {
        language,
        component,
        bytes,
        up_to_date,
        elapsed: started.elapsed(),
    })
}

/// Moves a freshly built component into place as `charm.wasm`, in one
/// rename, so a run never sees half of one.
pub(crate) fn install_component(built: &Path, component: &Path) -> Result<(), BuildError> {
    let partial = component.with_extension("wasm.partial");
    std::fs::copy(built, &partial).map_err(BuildError::io(&partial))?;
    std::fs::rename(&partial, component).map_err(BuildError::io(component))
}

/// The build stamp of a project: the digest its last build was made from.
pub(crate) struct Stamp {
    path: PathBuf,
    digest: String,
}

impl Stamp {
    /// The stamp for building `dir` from `digest`.
    pub(crate) fn new(dir: &Path, digest: String) -> Self {
        Self {
            path: dir.join(super::toolchain::WORK_DIR).join("build.stamp"),
            digest,
        }
    }

    /// Whether `component` was built from this digest.
    pub(crate) fn matches(&self, component: &Path, force: bool) -> bool {
        !force
            && component.is_file()
            && std::fs::read_to_string(&self.path).is_ok_and(|s| s.trim() == self.digest)
    }

    /// Records that the component was built from this digest.
    pub(crate) fn record(&self) -> Result<(), BuildError> {
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent).map_err(BuildError::io(parent))?;
        }
        std::fs::write(&self.path, &self.digest).map_err(BuildError::io(&self.path))
    }
}
