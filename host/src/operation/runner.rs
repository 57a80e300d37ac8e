//! The operation runner: from a request to recorded, finished tasks.
//!
//! The steps, each once: [`Operations::prepare`] checks everything that can
//! be checked before anything is recorded; [`Operations::run`] records the
//! operation (a lone task whose unit is free is recorded as already
//! running: one write fewer), runs its tasks, commits their records and
//! hands back the store's closing checkpoint, which may still be running
//! while the caller prints.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::cancel::{CancelBoard, CancelWatch};
use super::schedule::{run_claimed, run_tasks, TaskRun};
use super::unit_lock::{Concurrency, UnitClaim};
use super::Progress;
use crate::action::ActionParams;
use crate::charm::{Charm, CharmError, ParamsError};
use crate::engine::Engine;
use crate::events::runner::BagWrite;
use crate::events::HookLog;
use crate::model::local::{CharmModel, LocalModel, LocalModelError};
use crate::run::{LimitHints, RunError};
use crate::sandbox::SandboxLimits;
use crate::store::{Checkpoint, NewOperation, StoreError, TaskStore};
use crate::task::{OperationId, Task, TaskId, TaskStatus};
use crate::unit::UnitName;

/// The operations of one state directory: where tasks are recorded and
/// units keep their data and locks.
#[derive(Debug, Clone)]
pub struct Operations {
    state_dir: PathBuf,
}

/// Which units an operation runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Units {
    /// The charm's default unit, `<charm name>/0`.
    Default,
    /// `<charm name>/0` … `<charm name>/N-1`.
    Count(u32),
    /// These units (a unit named twice runs once).
    Named(Vec<UnitName>),
}

/// What a front end asks for: one action of a loaded charm on some units.
pub struct OperationRequest<'a> {
    /// The charm.
    pub charm: &'a Charm,
    /// Where it was loaded from, for the record (and for a background
    /// worker, which loads it again).
    pub charm_path: &'a Path,
    /// The action.
    pub action: &'a str,
    /// Its params as given: a map, validated and defaulted by
    /// [`Operations::prepare`].
    pub params: Value,
    /// The units.
    pub units: Units,
    /// The bounds each task's sandbox is held to.
    pub limits: SandboxLimits,
}

/// A request that passed every check: nothing is recorded yet.
pub struct PreparedOperation<'a> {
    charm: &'a Charm,
    charm_path: PathBuf,
    action: String,
    params: ActionParams,
    units: Vec<UnitName>,
    limits: SandboxLimits,
    concurrency: Concurrency,
}

impl PreparedOperation<'_> {
    /// The units it will run on, one task each.
    pub fn units(&self) -> &[UnitName] {
        &self.units
    }

    /// The params every task runs with: validated, with defaults filled in.
    pub fn params(&self) -> &ActionParams {
        &self.params
    }

    fn new_operation(&self) -> NewOperation {
        NewOperation {
            action: self.action.clone(),
            charm: self.charm_path.clone(),
            params: Value::clone(self.params.value()),
            units: self.units.clone(),
            limits: self.limits,
        }
    }
}

/// Why an operation could not be prepared or run. Nothing is recorded for
/// an operation that fails to prepare.
#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    /// The charm cannot be run (it fails `charmbox check`, or names no
    /// unit).
    #[error(transparent)]
    Charm(#[from] CharmError),
    /// The action cannot be run (the charm does not export it).
    #[error(transparent)]
    Run(#[from] RunError),
    /// The params do not fit the action's schema.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The task store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A unit could not be locked.
    #[error("cannot lock unit {unit}: {source}")]
    UnitLock {
        /// The unit.
        unit: UnitName,
        /// Why.
        source: std::io::Error,
    },
    /// A background worker did not take the operation over.
    #[error(transparent)]
    Background(#[from] super::background::BackgroundError),
    /// The local model could not be opened or its units recorded.
    #[error(transparent)]
    Model(#[from] LocalModelError),
    /// No such operation in the store.
    #[error("operation {0} not found: `charmbox operations` lists the operations there are")]
    NotFound(OperationId),
    /// A queued operation's charm can no longer be loaded.
    #[error("cannot load the charm of operation {operation} ({}): {source}", .path.display())]
    Reload {
        /// The operation.
        operation: OperationId,
        /// Where its charm was.
        path: PathBuf,
        /// Why it cannot be loaded.
        source: CharmError,
    },
}

/// An operation that ran: its tasks, finished and recorded.
#[derive(Debug)]
pub struct Finished {
    /// The operation's id.
    pub operation: OperationId,
    /// Its tasks, in unit order.
    pub tasks: Vec<Task>,
    /// The relation databags its runs wrote: Juju fires
    /// `-relation-changed` on the other side's units for each
    /// ([`crate::events::LocalEvents::fire_bag_writes`]).
    pub bag_writes: Vec<BagWrite>,
    /// Whether a run changed what a secret's readers see or track: the
    /// local model fires the secret hooks that follow
    /// ([`crate::events::LocalEvents::fire_bag_writes`]).
    pub secrets_changed: bool,
    /// The store's closing checkpoint, which may still be running; dropping
    /// the [`Finished`] waits for it, so keep it until the output is out.
    checkpoint: Checkpoint,
}

impl Finished {
    /// Whether every task completed.
    pub fn all_completed(&self) -> bool {
        self.tasks.iter().all(|t| t.status == TaskStatus::Completed)
    }

    /// Waits for the store's closing checkpoint (as dropping does).
    pub fn wait(self) {
        self.checkpoint.wait();
    }
}

/// What a run records in, opened: the state directory's task store and
/// local model ([`Operations::open_state`]).
pub struct OpenState {
    tasks: TaskStore,
    model: LocalModel,
}

/// An operation recorded with its tasks pending, for another process to run.
#[derive(Debug, Clone)]
pub struct Queued {
    /// The operation's id.
    pub operation: OperationId,
    /// Its tasks' ids, in unit order.
    pub tasks: Vec<TaskId>,
}

impl Operations {
    /// The operations of the state directory `state_dir`.
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        Self {
            state_dir: state_dir.into(),
        }
    }

    /// The state directory.
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Opens the task store (see [`TaskStore::open`]).
    pub fn open_store(&self) -> Result<TaskStore, StoreError> {
        TaskStore::open(&self.state_dir)
    }

    /// Opens what a run records in: the task store and the local model
    /// ([`TaskStore::open`], [`LocalModel::open`]). Opening both is about
    /// a millisecond a process (schemas read, logs replayed): the CLI opens
    /// them on another thread while its engine starts and the charm loads.
    pub fn open_state(&self) -> Result<OpenState, OperationError> {
        Ok(OpenState {
            tasks: self.open_store()?,
            model: LocalModel::open(&self.state_dir)?,
        })
    }

    /// Checks `request` before anything is recorded: the charm passes
    /// `charmbox check`, it exports the action, the params fit the action's
    /// schema (with its defaults filled in), and the units are named.
    pub fn prepare<'a>(
        &self,
        request: OperationRequest<'a>,
    ) -> Result<PreparedOperation<'a>, OperationError> {
        let charm = request.charm;
        charm.ensure_runnable()?;
        if charm.action_handler(request.action).is_none() {
            return Err(RunError::unknown_action(charm, request.action).into());
        }
        let units = match request.units {
            Units::Default => vec![charm.default_unit()?],
            Units::Count(count) => (0..count)
                .map(|n| charm.unit(n))
                .collect::<Result<_, _>>()?,
            Units::Named(mut units) => {
                let mut seen = std::collections::HashSet::new();
                units.retain(|u| seen.insert(u.clone()));
                units
            }
        };
        let params = charm.prepare_params(request.action, request.params)?;
        let charm_path =
            std::path::absolute(request.charm_path).unwrap_or_else(|_| request.charm_path.into());
        Ok(PreparedOperation {
            charm,
            charm_path,
            action: request.action.to_owned(),
            params: ActionParams::from(params),
            units,
            limits: request.limits,
            concurrency: Concurrency::of(charm.action_spec(request.action)),
        })
    }

    /// Records `prepared` and runs its tasks, telling `progress` as they
    /// go; returns them finished, every record committed.
    pub fn run(
        &self,
        prepared: &PreparedOperation<'_>,
        state: OpenState,
        progress: Arc<dyn Progress>,
        hints: LimitHints,
    ) -> Result<Finished, OperationError> {
        let OpenState {
            tasks: mut store,
            model,
        } = state;
        // A lone task whose unit is free is recorded as running from the
        // start: one write fewer than queueing it and then starting it.
        let claim = match prepared.units.as_slice() {
            [unit] => UnitClaim::try_take(&self.state_dir, unit, &prepared.concurrency).map_err(
                |source| OperationError::UnitLock {
                    unit: unit.clone(),
                    source,
                },
            )?,
            _ => None,
        };
        // The units are in the model before any task is recorded: a model
        // that refuses them leaves no task behind.
        let model = self.model_of(model, prepared.charm, &prepared.charm_path, &prepared.units)?;
        let new = prepared.new_operation();
        let (operation, tasks) = match claim {
            Some(_) => store.enqueue_started(&new)?,
            None => store.enqueue(&new)?,
        };
        self.run_recorded(
            prepared.charm,
            operation,
            RecordedTasks {
                model: &model,
                action: &prepared.action,
                params: &prepared.params,
                limits: prepared.limits,
                concurrency: &prepared.concurrency,
                tasks,
                claim,
            },
            store,
            progress,
            hints,
        )
    }

    /// Records `prepared` with its tasks pending and hands them to another
    /// process: `worker` makes the command that runs [`Self::run_queued`]
    /// for the operation's id (see [`super::background`]). Returns once the
    /// worker has taken the tasks over; until then this process owns them,
    /// so they are never seen without a live owner.
    pub fn run_in_background(
        &self,
        prepared: &PreparedOperation<'_>,
        state: OpenState,
        worker: impl FnOnce(OperationId) -> std::process::Command,
    ) -> Result<Queued, OperationError> {
        let OpenState {
            tasks: mut store,
            model,
        } = state;
        self.model_of(model, prepared.charm, &prepared.charm_path, &prepared.units)?;
        let (operation, tasks) = store.enqueue(&prepared.new_operation())?;
        super::background::start_worker(&self.state_dir, operation, worker(operation))?;
        drop(store);
        Ok(Queued {
            operation,
            tasks: tasks.iter().map(|t| t.id).collect(),
        })
    }

    /// Runs the pending tasks of `operation`, which another process queued:
    /// takes them over (so they are never seen without a live owner),
    /// calls `adopted`, loads the charm again and runs them with the limits
    /// they were queued with.
    pub fn run_queued(
        &self,
        engine: &Engine,
        operation: OperationId,
        adopted: impl FnOnce(),
        progress: Arc<dyn Progress>,
        hints: LimitHints,
    ) -> Result<Finished, OperationError> {
        let store = self.open_store()?;
        store.adopt_operation(operation)?;
        adopted();
        let queued = store
            .operation(operation)?
            .ok_or(OperationError::NotFound(operation))?;
        let charm =
            Charm::load(engine, &queued.charm).map_err(|source| OperationError::Reload {
                operation,
                path: queued.charm.clone(),
                source,
            })?;
        let params = ActionParams::from(queued.params);
        let concurrency = Concurrency::of(charm.action_spec(&queued.action));
        let pending: Vec<Task> = queued
            .tasks
            .into_iter()
            .filter(|t| t.status == TaskStatus::Pending)
            .collect();
        let units: Vec<UnitName> = pending.iter().map(|t| t.unit.clone()).collect();
        let model = LocalModel::open(&self.state_dir)?;
        let model = self.model_of(model, &charm, &queued.charm, &units)?;
        self.run_recorded(
            &charm,
            operation,
            RecordedTasks {
                model: &model,
                action: &queued.action,
                params: &params,
                limits: queued.limits,
                concurrency: &concurrency,
                tasks: pending,
                claim: None,
            },
            store,
            progress,
            hints,
        )
    }

    /// Runs tasks already recorded, writing their records through a writer
    /// that keeps `store` (and its claim on them) until every write is in.
    fn run_recorded(
        &self,
        charm: &Charm,
        operation: OperationId,
        recorded: RecordedTasks<'_>,
        store: TaskStore,
        progress: Arc<dyn Progress>,
        hints: LimitHints,
    ) -> Result<Finished, OperationError> {
        let RecordedTasks {
            model,
            action,
            params,
            limits,
            concurrency,
            tasks,
            claim,
        } = recorded;
        let board = Arc::new(CancelBoard::default());
        let _watch = CancelWatch::start(Arc::clone(&board), store.cancel_requests());
        progress.enqueued(operation, &tasks);
        let writer = store.into_writer(tasks.len())?;
        let hooks = HookLog::open(&self.state_dir);
        let written = std::sync::Mutex::new(Vec::new());
        let secrets_changed = std::sync::atomic::AtomicBool::new(false);
        let run = TaskRun {
            charm,
            state_dir: &self.state_dir,
            model: &model.model,
            charm_model: &model.charm,
            action,
            params,
            limits,
            hints,
            concurrency,
            writer: &writer,
            board: &board,
            progress: &progress,
            workers: None,
            hooks: &hooks,
            written: &written,
            secrets_changed: &secrets_changed,
        };
        let tasks = match (claim, <[_; 1]>::try_from(tasks)) {
            (Some(claim), Ok([task])) => vec![run_claimed(&run, task, claim)],
            (_, Ok(tasks)) => run_tasks(&run, tasks.into()),
            (_, Err(tasks)) => run_tasks(&run, tasks),
        };
        let checkpoint = writer.finish()?;
        Ok(Finished {
            operation,
            tasks,
            bag_writes: crate::sync::into_inner(written),
            secrets_changed: secrets_changed.into_inner(),
            checkpoint,
        })
    }
}

/// The local model an operation's units are in, and what the charm
/// declares for it.
struct UnitsModel {
    model: LocalModel,
    charm: Arc<CharmModel>,
}

impl Operations {
    /// The state directory's `model`, with `units` recorded, application
    /// by application, as running `charm` from `charm_path`: units appear
    /// in the model on their first run (the next `deploy` makes them
    /// beforehand).
    fn model_of(
        &self,
        model: LocalModel,
        charm: &Charm,
        charm_path: &Path,
        units: &[UnitName],
    ) -> Result<UnitsModel, OperationError> {
        let declared = Arc::new(CharmModel::of(charm));
        let mut by_application: Vec<(&str, Vec<&UnitName>)> = Vec::new();
        for unit in units {
            let application = unit.application();
            match by_application.iter_mut().find(|(a, _)| *a == application) {
                Some((_, units)) => units.push(unit),
                None => by_application.push((application, vec![unit])),
            }
        }
        for (application, units) in by_application {
            model.record_units(application, charm_path, &charm.name, &declared, &units)?;
        }
        Ok(UnitsModel {
            model,
            charm: declared,
        })
    }
}

/// Recorded tasks of one operation, and what they run.
struct RecordedTasks<'a> {
    /// The model the units are in.
    model: &'a UnitsModel,
    action: &'a str,
    params: &'a ActionParams,
    limits: SandboxLimits,
    concurrency: &'a Concurrency,
    tasks: Vec<Task>,
    /// The unit of a lone task recorded as started, taken already.
    claim: Option<UnitClaim>,
}
