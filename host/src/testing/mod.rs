//! Testing charms, in the manner of `ops.testing`: load a built charm, run
//! its actions with params, and assert on what they reported.
//!
//! ```no_run
//! use charmbox::testing::{Context, TestError};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), TestError> {
//! // Builds the crate to wasm32-wasip2 (cargo caches it) and loads it with the
//! // charmcraft.yaml beside its Cargo.toml.
//! let ctx = Context::for_crate(env!("CARGO_MANIFEST_DIR"))?;
//!
//! let out = ctx.run("greet", json!({"name": "Ada"}))?;
//! assert_eq!(out.results["greeting"]["text"], "Hello, Ada!");
//! assert_eq!(out.log_messages(), ["greeting Ada in en"]);
//!
//! // A failed action is an error carrying everything it reported.
//! let failed = ctx.run_failing("restore-snapshot", json!({"filename": "x.tar"}))?;
//! assert!(failed.message.starts_with("cannot restore x.tar"));
//! assert_eq!(failed.output.results["checked"]["valid"], "false");
//! # Ok(())
//! # }
//! ```
//!
//! Params are validated against the action's schema and defaults filled in,
//! exactly as `charmbox run` does. The component is compiled once per
//! process; each [`Context::run`] is a fresh sandbox whose `/data` is the
//! context's own temporary [`Context::data_dir`].

mod build;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use serde::Serialize;
use serde_json::{Map, Value};

pub use build::{build_crate, BuildError, BUILD_SUBDIR, WASM_TARGET};

use crate::action::local::LocalBackend;
use crate::action::LogEntry;
use crate::charm::metadata::{ACTIONS_YAML, CHARMCRAFT_YAML, METADATA_YAML};
use crate::charm::schema::Violation;
use crate::charm::{Charm, CharmComponent, ParamsError, COMPONENT_FILE};
use crate::engine::{Engine, Pooling};
use crate::run::{run_action, RunEnd, RunError, RunRequest};
use crate::sandbox::SandboxLimits;
use crate::task::{results_with_output, TaskStatus};
use crate::unit::{is_valid_application_name, UnitName};

/// A loaded charm to run actions of, with its own unit data directory (a
/// temporary directory, removed when the context drops).
///
/// The engine and the compiled component are made once per process for each
/// charm (keyed by its files' paths, sizes and modification times) and shared
/// by the contexts that load it; every run is a fresh sandbox.
pub struct Context {
    loaded: Arc<Loaded>,
    unit: Option<UnitName>,
    limits: SandboxLimits,
    data_dir: TempDir,
    runs: AtomicU64,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("charm", &self.loaded.charm.name)
            .field("component", &self.loaded.charm.component.path())
            .field("unit", &self.unit)
            .field("data_dir", &self.data_dir.path())
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Builds the charm crate in `crate_dir` to `wasm32-wasip2` (see
    /// [`build_crate`]) and loads the component with the metadata
    /// (`charmcraft.yaml` or `actions.yaml`) in `crate_dir`.
    ///
    /// In a charm's own tests: `Context::for_crate(env!("CARGO_MANIFEST_DIR"))`.
    pub fn for_crate(crate_dir: impl AsRef<Path>) -> Result<Self, TestError> {
        let crate_dir = crate_dir.as_ref();
        let component = build_crate(crate_dir)?;
        Self::from_component(component, Some(crate_dir))
    }

    /// Loads what `charmbox run` loads: a charm directory (metadata and
    /// `charm.wasm`), or a bare component whose params pass unvalidated.
    pub fn load(charm: impl AsRef<Path>) -> Result<Self, TestError> {
        let path = charm.as_ref();
        let component = if path.is_dir() {
            path.join(COMPONENT_FILE)
        } else {
            path.to_owned()
        };
        let loaded = Loaded::shared(path, &component, None, || {
            let engine = new_engine()?;
            let charm = Charm::load(&engine, path).map_err(|e| TestError::Load {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
            Ok(Loaded { charm, engine })
        })?;
        Self::new(loaded)
    }

    /// Loads the component at `component`, with the metadata in
    /// `metadata_dir` (`charmcraft.yaml` or `actions.yaml`) when given, else
    /// as a bare component.
    pub fn from_component(
        component: impl AsRef<Path>,
        metadata_dir: Option<&Path>,
    ) -> Result<Self, TestError> {
        let component = component.as_ref();
        let load_error = |path: &Path, message: String| TestError::Load {
            path: path.to_owned(),
            message,
        };
        let loaded = Loaded::shared(component, component, metadata_dir, || {
            let metadata = metadata_dir
                .map(|dir| Charm::read_metadata(dir).map_err(|e| load_error(dir, e.to_string())))
                .transpose()?;
            let engine = new_engine()?;
            let compiled = CharmComponent::load(&engine, component)
                .map_err(|e| load_error(component, e.to_string()))?;
            let name = match &metadata {
                Some(m) => m.name.clone(),
                None => component
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            };
            let charm = Charm {
                name,
                metadata,
                component: compiled,
            };
            Ok(Loaded { charm, engine })
        })?;
        Self::new(loaded)
    }

    fn new(loaded: Arc<Loaded>) -> Result<Self, TestError> {
        let charm = &loaded.charm;
        // As `charmbox run`: a charm that fails `charmbox check` is not run.
        let problems = charm.check();
        if !problems.is_empty() {
            let listed: Vec<String> = problems.iter().map(|p| format!("- {p}")).collect();
            return Err(TestError::Load {
                path: charm.component.path().to_owned(),
                message: format!(
                    "the charm does not pass `charmbox check`, so it is not run:\n{}",
                    listed.join("\n")
                ),
            });
        }
        let unit = is_valid_application_name(&charm.name)
            .then(|| UnitName::new(&charm.name, 0).ok())
            .flatten();
        let data_dir = TempDir::new().map_err(|e| TestError::Load {
            path: charm.component.path().to_owned(),
            message: format!("cannot create a temporary data directory: {e}"),
        })?;
        Ok(Self {
            loaded,
            unit,
            limits: SandboxLimits::default(),
            data_dir,
            runs: AtomicU64::new(0),
        })
    }

    /// Runs actions as `unit` (`app/N`) instead of `<charm name>/0`.
    pub fn with_unit(mut self, unit: &str) -> Result<Self, TestError> {
        let unit = unit.parse::<UnitName>().map_err(|e| TestError::Load {
            path: self.loaded.charm.component.path().to_owned(),
            message: e.to_string(),
        })?;
        self.unit = Some(unit);
        Ok(self)
    }

    /// Runs actions with these limits instead of the defaults (those of
    /// `charmbox run`: 5 minutes, 256 MiB).
    pub fn with_limits(mut self, limits: SandboxLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The loaded charm: its name, metadata and component.
    pub fn charm(&self) -> &Charm {
        &self.loaded.charm
    }

    /// The engine the component was compiled with.
    pub fn engine(&self) -> &Engine {
        &self.loaded.engine
    }

    /// The unit the actions run as, if the charm's name makes one.
    pub fn unit(&self) -> Option<&UnitName> {
        self.unit.as_ref()
    }

    /// The unit's data directory, the guest's `/data`: seed files in it before
    /// a run and inspect them after. Kept across runs of this context,
    /// removed when it drops.
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Runs `action` with `params` (anything that serializes to a map, e.g.
    /// `json!({...})`; `()` or `json!(null)` for none) in a fresh sandbox.
    ///
    /// `Ok` when the action completed. [`TestError::ActionFailed`] when it
    /// failed (`action-fail`, an error returned, a trap, a timeout), carrying
    /// everything it reported; [`TestError::InvalidParams`] when the params do
    /// not fit the action's schema, before anything runs.
    pub fn run(&self, action: &str, params: impl Serialize) -> Result<ActionOutput, TestError> {
        let given = serde_json::to_value(params).map_err(|e| {
            InvalidParams::whole(action, Value::Null, format!("cannot be serialized: {e}"))
        })?;
        let params = match given {
            Value::Null => Value::Object(Map::new()),
            Value::Object(_) => given.clone(),
            other => {
                let problem = format!("expected a map of param names to values, given {other}");
                return Err(InvalidParams::whole(action, other, problem).into());
            }
        };
        let charm = &self.loaded.charm;
        let params = charm
            .prepare_params(action, params)
            .map_err(|e| InvalidParams::from_error(e, given.clone()))?;
        let unit = self.unit.clone().ok_or_else(|| TestError::CannotRun {
            action: action.to_owned(),
            params: Box::new(given.clone()),
            message: format!(
                "the charm's name {:?} is not a valid application name, so no unit is named \
                 after it; choose one with `Context::with_unit(\"my-app/0\")`",
                charm.name
            ),
        })?;
        let run = self.runs.fetch_add(1, Ordering::Relaxed) + 1;
        let request = RunRequest {
            action: action.to_owned(),
            unit: unit.clone(),
            action_uuid: format!("test-{run}"),
            data_dir: Some(self.data_dir().to_owned()),
            limits: self.limits,
        };
        let backend = LocalBackend::new(params.clone());
        let report =
            run_action(&charm.component, &request, Box::new(backend)).map_err(|e: RunError| {
                TestError::CannotRun {
                    action: action.to_owned(),
                    params: Box::new(given.clone()),
                    message: e.to_string(),
                }
            })?;
        let output = ActionOutput {
            action: action.to_owned(),
            params,
            unit: unit.to_string(),
            status: match report.end {
                RunEnd::Completed => TaskStatus::Completed,
                _ => TaskStatus::Failed,
            },
            message: report.message.clone(),
            results: results_with_output(&report),
            charm_results: report.record.results.clone(),
            log: report.record.log.clone(),
            stdout: String::from_utf8_lossy(&report.stdout.bytes).into_owned(),
            stderr: String::from_utf8_lossy(&report.stderr.bytes).into_owned(),
            return_code: report.return_code(),
            data_dir: self.data_dir().to_owned(),
            end: report.end,
        };
        if output.end == RunEnd::Completed {
            Ok(output)
        } else {
            Err(TestError::ActionFailed(ActionFailed {
                message: report.message.unwrap_or_default(),
                output: Box::new(output),
            }))
        }
    }

    /// Runs `action` expecting it to fail, and returns the failure.
    /// A run that completes is [`TestError::Completed`]; any other error is
    /// returned as is.
    pub fn run_failing(
        &self,
        action: &str,
        params: impl Serialize,
    ) -> Result<ActionFailed, TestError> {
        match self.run(action, params) {
            Ok(output) => Err(TestError::Completed(Box::new(output))),
            Err(TestError::ActionFailed(failed)) => Ok(failed),
            Err(other) => Err(other),
        }
    }
}

/// A compiled charm and the engine it was compiled with, shared by every
/// [`Context`] of the process that loads the same files.
struct Loaded {
    charm: Charm,
    engine: Engine,
}

/// What identifies a load: the paths, and the size and modification time of
/// each file read, so a rebuilt component is compiled afresh.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LoadKey {
    path: PathBuf,
    metadata_dir: Option<PathBuf>,
    files: Vec<Option<(u64, SystemTime)>>,
}

impl LoadKey {
    fn new(path: &Path, component: &Path, metadata_dir: Option<&Path>) -> Self {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
        let stamp = |p: &Path| {
            let meta = std::fs::metadata(p).ok()?;
            Some((meta.len(), meta.modified().ok()?))
        };
        let meta_dir = metadata_dir.or(path.is_dir().then_some(path));
        let mut files = vec![stamp(component)];
        if let Some(dir) = meta_dir {
            for file in [CHARMCRAFT_YAML, ACTIONS_YAML, METADATA_YAML] {
                files.push(stamp(&dir.join(file)));
            }
        }
        Self {
            path: canonical(path),
            metadata_dir: metadata_dir.map(canonical),
            files,
        }
    }
}

impl Loaded {
    /// The charm loaded by `load`, compiled once per process: compiling a
    /// component takes seconds, and tests each make their own [`Context`].
    fn shared(
        path: &Path,
        component: &Path,
        metadata_dir: Option<&Path>,
        load: impl FnOnce() -> Result<Loaded, TestError>,
    ) -> Result<Arc<Loaded>, TestError> {
        static LOADED: OnceLock<Mutex<HashMap<LoadKey, Arc<Loaded>>>> = OnceLock::new();
        let key = LoadKey::new(path, component, metadata_dir);
        // Held while compiling: tests starting together wait for one compile.
        let mut loaded = crate::sync::lock(LOADED.get_or_init(Default::default));
        if let Some(found) = loaded.get(&key) {
            return Ok(found.clone());
        }
        let new = Arc::new(load()?);
        loaded.insert(key, new.clone());
        Ok(new)
    }
}

fn new_engine() -> Result<Engine, TestError> {
    // Tests run actions by the thousand: pool the sandboxes, with slots
    // for every test thread that may run at once (cargo runs one per core)
    // and to spare, each able to hold a 32-bit guest's whole 4 GiB so
    // `with_limits` can raise the memory cap freely. A run that finds the
    // pool full fails rather than waits, so the pool grows with the machine.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pooling = Pooling {
        instances: u32::try_from(cores.saturating_mul(4))
            .unwrap_or(u32::MAX)
            .max(TEST_POOL_MIN_INSTANCES),
        max_memory_bytes: 4 << 30,
    };
    Engine::builder()
        .pooling(pooling)
        .build()
        .map_err(|e| TestError::Engine(format!("{e:#}")))
}

/// The fewest sandboxes the testing API's engine can hold at once.
const TEST_POOL_MIN_INSTANCES: u32 = 32;

/// What one completed (or failed) run reported.
#[derive(Debug, Clone)]
pub struct ActionOutput {
    /// The action.
    pub action: String,
    /// The params the handler received: as given, with the schema's defaults.
    pub params: Value,
    /// The unit it ran as.
    pub unit: String,
    /// `completed` or `failed`.
    pub status: TaskStatus,
    /// How the run ended (completed, `action-fail`, error returned, trap, …).
    pub end: RunEnd,
    /// The failure message, when it failed.
    pub message: Option<String>,
    /// The results as `charmbox run` shows them: nested, with `return-code`
    /// and the captured `stdout` / `stderr` (when not empty).
    pub results: Map<String, Value>,
    /// The log lines, in order.
    pub log: Vec<LogEntry>,
    /// Captured stdout (lossily decoded).
    pub stdout: String,
    /// Captured stderr (lossily decoded).
    pub stderr: String,
    /// The exit code a Juju charm process would have had.
    pub return_code: i32,
    /// The unit's data directory (the guest's `/data`).
    pub data_dir: PathBuf,
    charm_results: Map<String, Value>,
}

impl ActionOutput {
    /// The log messages, in order, without timestamps.
    pub fn log_messages(&self) -> Vec<&str> {
        self.log.iter().map(|e| e.message.as_str()).collect()
    }

    /// Only what the charm set with `action-set`: [`Self::results`] without
    /// `return-code`, `stdout` and `stderr`.
    pub fn charm_results(&self) -> &Map<String, Value> {
        &self.charm_results
    }

    /// The result at a dotted key (`greeting.text`), as `action-set` names it.
    pub fn result(&self, key: &str) -> Option<&Value> {
        let mut parts = key.split('.');
        let mut value = self.results.get(parts.next()?)?;
        for part in parts {
            value = value.as_object()?.get(part)?;
        }
        Some(value)
    }

    /// Whether the action completed.
    pub fn completed(&self) -> bool {
        self.end == RunEnd::Completed
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "  results: {}",
            Value::Object(self.charm_results.clone())
        )?;
        write!(f, "\n  return-code: {}", self.return_code)?;
        if self.log.is_empty() {
            write!(f, "\n  log: (none)")?;
        } else {
            write!(f, "\n  log:")?;
            for entry in &self.log {
                write!(f, "\n    {}", entry.message)?;
            }
        }
        for (name, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            if text.is_empty() {
                write!(f, "\n  {name}: (empty)")?;
            } else {
                write!(f, "\n  {name}:")?;
                for line in text.lines() {
                    write!(f, "\n    | {line}")?;
                }
            }
        }
        Ok(())
    }
}

/// A run that did not complete, like `ops.testing.ActionFailed`: the failure
/// message and everything the action reported before and after failing.
#[derive(Clone)]
pub struct ActionFailed {
    /// The failure message (`action-fail`'s, the error returned, or why the
    /// sandbox stopped it).
    pub message: String,
    /// What it reported: results, log, stdout and stderr, how it ended.
    pub output: Box<ActionOutput>,
}

impl fmt::Display for ActionFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let out = &self.output;
        writeln!(
            f,
            "action {:?} with params {} failed ({}), expected it to complete: {}",
            out.action,
            out.params,
            describe_end(&out.end),
            self.message
        )?;
        out.describe(f)
    }
}

impl fmt::Debug for ActionFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for ActionFailed {}

fn describe_end(end: &RunEnd) -> &'static str {
    match end {
        RunEnd::Completed => "completed",
        RunEnd::ActionFailed => "it called action-fail",
        RunEnd::HandlerError => "its handler returned an error",
        RunEnd::TimedOut => "it timed out",
        RunEnd::OutOfMemory => "it ran out of memory",
        RunEnd::Trapped => "it trapped",
        RunEnd::BackendFailed => "a hook tool failed",
    }
}

/// Params that do not fit the action's schema: nothing ran.
#[derive(Clone, PartialEq, Eq)]
pub struct InvalidParams {
    /// The action.
    pub action: String,
    /// The params as given.
    pub params: Value,
    /// Each way they break the schema.
    pub violations: Vec<Violation>,
}

impl InvalidParams {
    fn from_error(error: ParamsError, params: Value) -> Self {
        Self {
            action: error.action,
            params,
            violations: error.violations,
        }
    }

    fn whole(action: &str, params: Value, problem: String) -> Self {
        Self {
            action: action.to_owned(),
            params,
            violations: vec![Violation {
                param: "(params)".into(),
                problem,
            }],
        }
    }

    /// The names of the params that broke the schema (`(params)` for the
    /// whole map), in order.
    pub fn params_at_fault(&self) -> Vec<&str> {
        self.violations.iter().map(|v| v.param.as_str()).collect()
    }
}

impl fmt::Display for InvalidParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid params for action {:?}: {} does not fit its schema:",
            self.action, self.params
        )?;
        for v in &self.violations {
            write!(f, "\n  - {}: {}", v.param, v.problem)?;
        }
        Ok(())
    }
}

impl fmt::Debug for InvalidParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for InvalidParams {}

/// Why a test's charm could not be built or loaded, or an action did not
/// complete. `Debug` reads as `Display`, so `?` and `unwrap` in a test print
/// the whole story.
#[derive(thiserror::Error)]
pub enum TestError {
    /// The charm crate did not build.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The engine could not start.
    #[error("cannot start the WebAssembly engine: {0}")]
    Engine(String),
    /// The charm could not be loaded, or does not pass `charmbox check`.
    #[error("cannot load the charm {}: {message}", .path.display())]
    Load {
        /// The charm, component or metadata directory.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The params do not fit the action's schema.
    #[error(transparent)]
    InvalidParams(Box<InvalidParams>),
    /// The action could not be started (no such action, an import the host
    /// lacks, no unit name).
    #[error("cannot run action {action:?} with params {params}: {message}")]
    CannotRun {
        /// The action.
        action: String,
        /// The params as given.
        params: Box<Value>,
        /// Why.
        message: String,
    },
    /// The action ran and failed.
    #[error(transparent)]
    ActionFailed(#[from] ActionFailed),
    /// [`Context::run_failing`]: the action was expected to fail, and
    /// completed.
    #[error("{}", completed_message(.0))]
    Completed(Box<ActionOutput>),
}

fn completed_message(out: &ActionOutput) -> String {
    struct Describe<'a>(&'a ActionOutput);
    impl fmt::Display for Describe<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.describe(f)
        }
    }
    format!(
        "action {:?} with params {} completed, expected it to fail\n{}",
        out.action,
        out.params,
        Describe(out)
    )
}

impl From<InvalidParams> for TestError {
    fn from(invalid: InvalidParams) -> Self {
        Self::InvalidParams(Box::new(invalid))
    }
}

impl fmt::Debug for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl TestError {
    /// The failure, when the action ran and failed.
    pub fn action_failed(&self) -> Option<&ActionFailed> {
        match self {
            Self::ActionFailed(failed) => Some(failed),
            _ => None,
        }
    }

    /// The violations, when the params did not fit the schema.
    pub fn invalid_params(&self) -> Option<&InvalidParams> {
        match self {
            Self::InvalidParams(invalid) => Some(invalid),
            _ => None,
        }
    }
}

/// A temporary directory removed on drop (the host crate keeps `tempfile`
/// for its own tests only).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let base = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!(
                "charmbox-test-{}-{n}-{nanos:x}",
                std::process::id()
            ));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Self(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests;
