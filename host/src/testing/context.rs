//! [`Context`]: a loaded charm whose actions a test runs, each in a fresh
//! sandbox, with its own unit data directory.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use super::build::build_crate;
use super::error::{InvalidParams, TestError};
use super::load::{new_engine, Loaded};
use super::model::{read_back, seed, State};
use super::output::{ActionFailed, ActionOutput};
use super::tempdir::TempDir;
use crate::action::local::LocalBackend;
use crate::charm::{Charm, CharmComponent, COMPONENT_FILE};
use crate::engine::Engine;
use crate::model::local::CharmModel;
use crate::model::{EventInfo, ModelBackend, ModelIdentity, NoModel, UnitContext};
use crate::run::{run_handler, Backends, RunError, RunRequest};
use crate::sandbox::SandboxLimits;
use crate::unit::UnitName;

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
    model: ModelIdentity,
    charm_model: Arc<CharmModel>,
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
            let charm = Charm::new(metadata, compiled);
            Ok(Loaded { charm, engine })
        })?;
        Self::new(loaded)
    }

    fn new(loaded: Arc<Loaded>) -> Result<Self, TestError> {
        let charm = &loaded.charm;
        // As `charmbox run`: a charm that fails `charmbox check` is not run.
        charm.ensure_runnable().map_err(|e| TestError::Load {
            path: charm.component.path().to_owned(),
            message: e.to_string(),
        })?;
        // Without a valid name, no unit: `run` says to choose one.
        let unit = charm.default_unit().ok();
        let data_dir = TempDir::new().map_err(|e| TestError::Load {
            path: charm.component.path().to_owned(),
            message: format!("cannot create a temporary data directory: {e}"),
        })?;
        let charm_model = Arc::new(CharmModel::of(charm));
        Ok(Self {
            loaded,
            unit,
            limits: SandboxLimits::default(),
            data_dir,
            model: ModelIdentity::ephemeral(),
            charm_model,
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
    /// `json!({...})`; `()` or `json!(null)` for none) in a fresh sandbox,
    /// in an empty model: config at its defaults, not the leader, no
    /// relations, no secrets (see [`Context::run_with`]).
    ///
    /// `Ok` when the action completed. [`TestError::ActionFailed`] when it
    /// failed (`action-fail`, an error returned, a trap, a timeout), carrying
    /// everything it reported; [`TestError::InvalidParams`] when the params do
    /// not fit the action's schema, before anything runs.
    pub fn run(&self, action: &str, params: impl Serialize) -> Result<ActionOutput, TestError> {
        self.run_with(action, params, &State::default())
    }

    /// Runs `action` with `params` in the model `state`, as `ops.testing`
    /// runs an event in a `State`: the output's [`ActionOutput::state`] is
    /// the model after the run (its relation, state, secret and port
    /// changes kept only when the handler succeeded, as Juju keeps them),
    /// and [`ActionOutput::juju_log`] the lines it logged.
    pub fn run_with(
        &self,
        action: &str,
        params: impl Serialize,
        state: &State,
    ) -> Result<ActionOutput, TestError> {
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
        if charm.action_handler(action).is_none() {
            return Err(TestError::CannotRun {
                action: action.to_owned(),
                params: Box::new(given),
                message: RunError::unknown_action(charm, action).to_string(),
            });
        }
        let params = charm
            .prepare_params(action, params)
            .map_err(|e| InvalidParams::from_error(e, given.clone()))?;
        let cannot_run = |message: String| TestError::CannotRun {
            action: action.to_owned(),
            params: Box::new(given.clone()),
            message,
        };
        let unit = self.unit.clone().ok_or_else(|| {
            cannot_run(match charm.default_unit() {
                Err(e) => format!("{e}: with `Context::with_unit(\"my-app/0\")`"),
                Ok(unit) => format!("no unit chosen (the charm's own is {unit})"),
            })
        })?;
        let run = self.runs.fetch_add(1, Ordering::Relaxed) + 1;
        let event = EventInfo::action(action);
        // A charm that reaches no part of the model gets none: its runs
        // cost what they did before there was one.
        let local = if charm.component.reach().reaches_model() {
            let model = seed(
                self.model.clone(),
                &unit,
                charm.component.path(),
                &charm.name,
                &self.charm_model,
                state,
            )
            .map_err(|e| {
                cannot_run(format!(
                    "the test's model is not one charmbox can run in: {e}"
                ))
            })?;
            Some(model)
        } else {
            None
        };
        let model: Box<dyn ModelBackend> = match &local {
            Some(model) => Box::new(model.backend(&unit, &self.charm_model, &event)),
            None => Box::new(NoModel),
        };
        let request = RunRequest {
            context: UnitContext::local(unit.clone(), &self.model, event).into(),
            // A task's id under `charmbox run`; here, the run's number.
            action_id: run.to_string(),
            data_dir: Some(self.data_dir().to_owned()),
            limits: self.limits,
            stop: None,
        };
        let backends = Backends {
            action: Some(Box::new(LocalBackend::new(params.clone()))),
            model,
        };
        let report = run_handler(&charm.component, &request, backends)
            .map_err(|e: RunError| cannot_run(e.to_string()))?;
        let (after, juju_log) = match &local {
            Some(model) => read_back(model, &unit, state)
                .map_err(|e| cannot_run(format!("cannot read the model after the run: {e}")))?,
            None => (state.clone(), Vec::new()),
        };
        let mut output = ActionOutput::new(action, params, unit, report, self.data_dir());
        output.state = after;
        output.juju_log = juju_log;
        if output.completed() {
            Ok(output)
        } else {
            Err(TestError::ActionFailed(ActionFailed::from(output)))
        }
    }

    /// The error for a hook that cannot run, and why.
    pub(super) fn cannot(&self, hook: &str, message: String) -> TestError {
        TestError::CannotRun {
            action: hook.to_owned(),
            params: Box::new(Value::Null),
            message,
        }
    }

    /// The unit a hook runs on.
    pub(super) fn test_unit(&self, hook: &str) -> Result<UnitName, TestError> {
        self.unit.clone().ok_or_else(|| {
            self.cannot(
                hook,
                match self.loaded.charm.default_unit() {
                    Err(e) => format!("{e}: with `Context::with_unit(\"my-app/0\")`"),
                    Ok(unit) => format!("no unit chosen (the charm's own is {unit})"),
                },
            )
        })
    }

    /// The model's identity.
    pub(super) fn identity(&self) -> &ModelIdentity {
        &self.model
    }

    /// What the charm declares for the model.
    pub(super) fn charm_model(&self) -> &Arc<CharmModel> {
        &self.charm_model
    }

    /// Each run's bounds.
    pub(super) fn limits(&self) -> SandboxLimits {
        self.limits
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
