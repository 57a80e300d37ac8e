//! Operations: one action on many units, each task in its own sandbox, spread
//! over the machine's cores, serialised per unit as Juju serialises them.
//!
//! A unit runs one action at a time: a task takes its unit's lock
//! ([`crate::unit_lock`]), so two runs on one unit wait for each other even
//! from two charmbox processes. An action declared `parallel: true` takes
//! the unit lock shared instead (it runs beside other parallel actions,
//! never beside an exclusive one), and, with an `execution-group`, an
//! exclusive lock on that group, so actions of one group still run one at
//! a time.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use crate::action::{ActionParams, LogEntry};
use crate::charm::CharmComponent;
use crate::run::{run_local, LocalRun, RunRequest};
use crate::sandbox::SandboxLimits;
use crate::store::TaskWriter;
use crate::task::{Task, TaskStatus};
use crate::unit::UnitName;
use crate::unit_lock::{UnitLocker, UnitLocks, Wait};

/// How an action shares its unit with other actions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Concurrency {
    /// `parallel: true`: may run beside other parallel actions.
    pub parallel: bool,
    /// `execution-group`: parallel actions of one group run one at a time.
    pub execution_group: Option<String>,
}

/// Hears about tasks as they progress. Called from the worker threads.
pub trait Progress: Send + Sync + 'static {
    /// A task is waiting for its unit.
    fn waiting(&self, _task: &Task) {}
    /// A task started running.
    fn started(&self, _task: &Task) {}
    /// A task's action logged a line.
    fn log(&self, _task: &Task, _entry: &LogEntry) {}
    /// A task finished.
    fn finished(&self, _task: &Task) {}
}

/// Progress that hears nothing.
pub struct Silent;
impl Progress for Silent {}

/// What every task of an operation shares.
pub struct OperationRun<'a> {
    /// The compiled charm.
    pub charm: &'a CharmComponent,
    /// The state directory (units' data directories and locks).
    pub state_dir: &'a Path,
    /// The action.
    pub action: &'a str,
    /// Its validated params, shared by every task.
    pub params: &'a ActionParams,
    /// Sandbox limits for each task.
    pub limits: SandboxLimits,
    /// How it shares units.
    pub concurrency: Concurrency,
    /// Where task records go.
    pub writer: &'a TaskWriter,
    /// Who hears about progress.
    pub progress: Arc<dyn Progress>,
    /// Most tasks run at once; default the machine's cores.
    pub workers: Option<usize>,
}

/// Runs every pending task (one per unit), concurrently, and returns them
/// finished, in the order given.
pub fn run_tasks(run: &OperationRun<'_>, tasks: Vec<Task>) -> Vec<Task> {
    let count = tasks.len();
    let workers = run
        .workers
        .unwrap_or_else(|| workers_for(count))
        .clamp(1, count.max(1));
    let units = UnitDirs::listed(run.state_dir);
    if workers == 1 {
        // One at a time: on this thread, sparing a thread's start-up.
        let worker = Worker::new(run, &units);
        return tasks.into_iter().map(|task| worker.run(task)).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Task>>> = tasks.into_iter().map(|t| Mutex::new(Some(t))).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let worker = Worker::new(run, &units);
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = slots.get(index) else { break };
                    let mut slot = crate::sync::lock(slot);
                    if let Some(task) = slot.take() {
                        *slot = Some(worker.run(task));
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .filter_map(crate::sync::into_inner)
        .collect()
}

/// How many tasks of an operation of `tasks` run at once by default: one
/// per core, never more than there are tasks.
pub fn workers_for(tasks: usize) -> usize {
    if tasks <= 1 {
        // Asking for the cores reads cgroup files, which cost a one-task
        // run ~0.4 ms here: not for one task, and once per process.
        return 1;
    }
    static CORES: OnceLock<usize> = OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    cores.clamp(1, tasks)
}

/// Runs one task whose unit the caller has claimed and which was enqueued
/// already started ([`crate::store::TaskStore::enqueue_started`]); returns
/// it finished, its unit free again.
pub fn run_claimed(run: &OperationRun<'_>, task: Task, claim: UnitClaim) -> Task {
    match task.unit.parse() {
        Ok(unit) => run_locked(run, task, unit, claim.0),
        Err(e) => errored(task, e.to_string(), run.writer),
    }
}

/// One thread's share of an operation: its descriptor for unit locks,
/// opened once for every task it runs (or the error opening it).
struct Worker<'r, 'a> {
    run: &'r OperationRun<'a>,
    units: &'r UnitDirs,
    locker: std::io::Result<Arc<UnitLocker>>,
}

impl<'r, 'a> Worker<'r, 'a> {
    fn new(run: &'r OperationRun<'a>, units: &'r UnitDirs) -> Self {
        Self {
            run,
            units,
            locker: UnitLocker::open(run.state_dir),
        }
    }

    /// Runs `task` once its unit is free; returns it finished.
    fn run(&self, task: Task) -> Task {
        let run = self.run;
        let unit: UnitName = match task.unit.parse() {
            Ok(unit) => unit,
            Err(e) => return errored(task, e.to_string(), run.writer),
        };
        run.progress.waiting(&task);
        if let Err(e) = self.units.make(run.state_dir, &unit) {
            let message = format!("cannot create the directory of unit {unit}: {e}");
            return errored(task, message, run.writer);
        }
        let locked = match &self.locker {
            Ok(locker) => locker.lock(&unit, &run.concurrency, Wait::Yes),
            Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
        };
        let locks = match locked {
            Ok(locks) => locks,
            Err(e) => return errored(task, format!("cannot lock unit {unit}: {e}"), run.writer),
        };
        let started = SystemTime::now();
        let mut running = task;
        running.status = TaskStatus::Running;
        running.timing.started = Some(started);
        run.writer.started(&running, started);
        run_locked(run, running, unit, locks)
    }
}

/// The units whose directories exist, from one listing of the state
/// directory's `units` when an operation starts: a unit's directory (and
/// the data directory in it) is made on its first run, and asking for each
/// unit would cost a system call a task.
struct UnitDirs(HashSet<std::ffi::OsString>);

impl UnitDirs {
    fn listed(state_dir: &Path) -> Self {
        let names = std::fs::read_dir(state_dir.join(crate::unit::UNITS_DIR))
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.file_name()))
                    .collect()
            })
            .unwrap_or_default();
        Self(names)
    }

    /// Makes `unit`'s directories unless the listing found them.
    fn make(&self, state_dir: &Path, unit: &UnitName) -> std::io::Result<()> {
        let data_dir = unit.data_dir(state_dir);
        let unit_dir = data_dir.parent().expect("a data dir has a parent");
        match unit_dir.file_name() {
            Some(name) if self.0.contains(name) => Ok(()),
            _ => std::fs::create_dir_all(&data_dir),
        }
    }
}

/// Runs `running` (recorded as started) on its unit, held by `_locks`.
fn run_locked(run: &OperationRun<'_>, running: Task, unit: UnitName, _locks: UnitLocks) -> Task {
    run.progress.started(&running);
    let started = running.timing.started.unwrap_or_else(SystemTime::now);

    let request = RunRequest {
        action: run.action.to_owned(),
        data_dir: Some(unit.data_dir(run.state_dir)),
        unit,
        action_uuid: uuid::Uuid::new_v4().to_string(),
        limits: run.limits,
    };
    let progress = Arc::clone(&run.progress);
    let observed = running.clone();
    let result = run_local(
        run.charm,
        LocalRun {
            request,
            params: run.params.clone(),
            task_id: running.id.clone(),
            enqueued: running.timing.enqueued.unwrap_or(started),
        },
        move |entry| progress.log(&observed, entry),
    );
    let finished = match result {
        Ok(mut finished) => {
            finished.operation = running.operation.clone();
            finished
        }
        Err(e) => return errored(running, e.to_string(), run.writer),
    };
    run.writer.finished(&finished);
    run.progress.finished(&finished);
    finished
}

/// Marks a task `error` (it could not be run at all) and records it.
fn errored(mut task: Task, message: String, writer: &TaskWriter) -> Task {
    task.status = TaskStatus::Error;
    task.message = Some(message);
    task.timing.completed = Some(SystemTime::now());
    writer.finished(&task);
    task
}

/// A unit taken for a task before it is enqueued, so the task can be
/// recorded as started at once; dropped, it frees the unit.
pub struct UnitClaim(UnitLocks);

impl UnitClaim {
    /// Takes `unit` for an action sharing it as `concurrency` says, if that
    /// is possible without waiting; `None` when another run holds it.
    pub fn try_take(
        state_dir: &Path,
        unit: &UnitName,
        concurrency: &Concurrency,
    ) -> std::io::Result<Option<Self>> {
        std::fs::create_dir_all(unit.data_dir(state_dir))?;
        match UnitLocker::open(state_dir)?.lock(unit, concurrency, Wait::No) {
            Ok(locks) => Ok(Some(Self(locks))),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}
