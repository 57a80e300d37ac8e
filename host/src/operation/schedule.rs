//! Running an operation's tasks: each in its own sandbox, spread over the
//! machine's cores, each on its unit once the unit's lock is taken
//! ([`super::unit_lock`]), each recorded as it starts and ends.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use super::unit_lock::{Concurrency, UnitClaim, UnitLocker, UnitLocks, Wait};
use super::Progress;
use crate::action::local::LocalBackend;
use crate::action::ActionParams;
use crate::charm::CharmComponent;
use crate::model::{EventInfo, ModelIdentity, NoModel, UnitContext};
use crate::run::{run_handler, Backends, LimitHints, RunRequest};
use crate::sandbox::SandboxLimits;
use crate::store::TaskWriter;
use crate::task::{Task, TaskStatus};
use crate::unit::UnitName;

/// What every task of an operation shares.
pub(crate) struct TaskRun<'a> {
    /// The compiled charm.
    pub charm: &'a CharmComponent,
    /// The state directory (units' data directories and locks).
    pub state_dir: &'a Path,
    /// The local model the units are in.
    pub model: &'a ModelIdentity,
    /// The action.
    pub action: &'a str,
    /// Its validated params, shared by every task.
    pub params: &'a ActionParams,
    /// Sandbox limits for each task.
    pub limits: SandboxLimits,
    /// How a message says to raise a limit.
    pub hints: LimitHints,
    /// How it shares units.
    pub concurrency: &'a Concurrency,
    /// Where task records go.
    pub writer: &'a TaskWriter,
    /// Who hears about progress.
    pub progress: &'a Arc<dyn Progress>,
    /// Most tasks run at once; `None` for one per core.
    pub workers: Option<usize>,
}

/// Runs every pending task (one per unit), concurrently, and returns them
/// finished, in the order given.
pub(crate) fn run_tasks(run: &TaskRun<'_>, tasks: Vec<Task>) -> Vec<Task> {
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
/// already started; returns it finished, its unit free again.
pub(crate) fn run_claimed(run: &TaskRun<'_>, task: Task, claim: UnitClaim) -> Task {
    run_locked(run, task, claim.0)
}

/// One thread's share of an operation: its descriptor for unit locks,
/// opened once for every task it runs (or the error opening it).
struct Worker<'r, 'a> {
    run: &'r TaskRun<'a>,
    units: &'r UnitDirs,
    locker: std::io::Result<Arc<UnitLocker>>,
}

impl<'r, 'a> Worker<'r, 'a> {
    fn new(run: &'r TaskRun<'a>, units: &'r UnitDirs) -> Self {
        Self {
            run,
            units,
            locker: UnitLocker::open(run.state_dir),
        }
    }

    /// Runs `task` once its unit is free; returns it finished.
    fn run(&self, mut task: Task) -> Task {
        let run = self.run;
        run.progress.waiting(&task);
        if let Err(e) = self.units.make(run.state_dir, &task.unit) {
            let message = format!("cannot create the directory of unit {}: {e}", task.unit);
            return errored(task, message, run.writer);
        }
        let locked = match &self.locker {
            Ok(locker) => locker.lock(&task.unit, run.concurrency, Wait::Yes),
            Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
        };
        let locks = match locked {
            Ok(locks) => locks,
            Err(e) => {
                let message = format!("cannot lock unit {}: {e}", task.unit);
                return errored(task, message, run.writer);
            }
        };
        let started = SystemTime::now();
        task.status = TaskStatus::Running;
        task.timing.started = Some(started);
        run.writer.started(&task, started);
        run_locked(run, task, locks)
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
            _ => crate::paths::create_private_dir_all(&data_dir),
        }
    }
}

/// Runs `task` (recorded as started) on its unit, held by `_locks`.
fn run_locked(run: &TaskRun<'_>, mut task: Task, _locks: UnitLocks) -> Task {
    run.progress.started(&task);
    let request = RunRequest {
        context: UnitContext::local(task.unit.clone(), run.model, EventInfo::action(run.action)),
        data_dir: Some(task.unit.data_dir(run.state_dir)),
        // Juju gives an action its task's id.
        action_id: task.id.to_string(),
        limits: run.limits,
        stop: None,
    };
    let progress = Arc::clone(run.progress);
    let observed = task.clone();
    let backend =
        LocalBackend::new(run.params.clone()).on_log(move |entry| progress.log(&observed, entry));
    let backends = Backends {
        action: Some(Box::new(backend)),
        model: Box::new(NoModel),
    };
    match run_handler(run.charm, &request, backends) {
        Ok(report) => task.finish(report, &run.hints),
        Err(e) => return errored(task, e.to_string(), run.writer),
    }
    run.writer.finished(&task);
    run.progress.finished(&task);
    task
}

/// Marks a task `error` (it could not be run at all) and records it.
fn errored(mut task: Task, message: String, writer: &TaskWriter) -> Task {
    task.error(message);
    writer.finished(&task);
    task
}
