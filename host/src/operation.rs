//! Operations: one action on many units, each task in its own sandbox, spread
//! over the machine's cores, serialised per unit as Juju serialises them.
//!
//! A unit runs one action at a time: a task takes an exclusive lock on its
//! unit's lock file, so two runs on one unit wait for each other even from
//! two charmbox processes. An action declared `parallel: true` takes the
//! unit lock shared instead (it runs beside other parallel actions, never
//! beside an exclusive one), and, with an `execution-group`, an exclusive
//! lock on that group, so actions of one group still run one at a time.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use serde_json::Value;

use crate::action::LogEntry;
use crate::charm::CharmComponent;
use crate::run::{run_local, LocalRun, RunRequest};
use crate::sandbox::SandboxLimits;
use crate::store::TaskWriter;
use crate::task::{Task, TaskStatus};
use crate::unit::UnitName;

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
    pub params: &'a Arc<Value>,
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
    if workers == 1 {
        // One at a time: on this thread, sparing a thread's start-up.
        return tasks.into_iter().map(|task| run_one(run, task)).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Task>>> = tasks.into_iter().map(|t| Mutex::new(Some(t))).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = slots.get(index) else { break };
                let mut slot = crate::sync::lock(slot);
                if let Some(task) = slot.take() {
                    *slot = Some(run_one(run, task));
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

fn run_one(run: &OperationRun<'_>, task: Task) -> Task {
    let unit: UnitName = match task.unit.parse() {
        Ok(unit) => unit,
        Err(e) => return errored(task, e.to_string(), run.writer),
    };
    run.progress.waiting(&task);
    let locks = match UnitLocks::acquire(run.state_dir, &unit, &run.concurrency) {
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
            params: Arc::clone(run.params),
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
        match UnitLocks::take(state_dir, unit, concurrency, Wait::No) {
            Ok(locks) => Ok(Some(Self(locks))),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Whether taking a lock waits for it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    Yes,
    No,
}

/// The locks a task holds on its unit while it runs; dropped, they free it.
struct UnitLocks {
    _unit: File,
    _group: Option<File>,
}

impl UnitLocks {
    fn acquire(
        state_dir: &Path,
        unit: &UnitName,
        concurrency: &Concurrency,
    ) -> std::io::Result<Self> {
        Self::take(state_dir, unit, concurrency, Wait::Yes)
    }

    /// Takes the locks; with [`Wait::No`], fails with `WouldBlock` (holding
    /// none) when one is held elsewhere.
    fn take(
        state_dir: &Path,
        unit: &UnitName,
        concurrency: &Concurrency,
        wait: Wait,
    ) -> std::io::Result<Self> {
        let data_dir = unit.data_dir(state_dir);
        let dir = data_dir.parent().expect("a data dir has a parent");
        let lock_path = dir.join("unit.lock");
        // The unit's directory, and its data directory in it, are made on
        // its first run only (the data directory even for a charm that
        // cannot reach it, which is then not opened at all).
        let unit_lock = match open_lock(&lock_path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&data_dir)?;
                open_lock(&lock_path)?
            }
            opened => opened?,
        };
        if !concurrency.parallel {
            lock(&unit_lock, wait)?;
            return Ok(Self {
                _unit: unit_lock,
                _group: None,
            });
        }
        lock_shared(&unit_lock, wait)?;
        let group = match &concurrency.execution_group {
            Some(group) => {
                let file = open_lock(&dir.join(format!("group-{}.lock", sanitize(group))))?;
                lock(&file, wait)?;
                Some(file)
            }
            None => None,
        };
        Ok(Self {
            _unit: unit_lock,
            _group: group,
        })
    }
}

fn lock(file: &File, wait: Wait) -> std::io::Result<()> {
    match wait {
        Wait::Yes => file.lock(),
        Wait::No => file.try_lock().map_err(std::io::Error::from),
    }
}

fn lock_shared(file: &File, wait: Wait) -> std::io::Result<()> {
    match wait {
        Wait::Yes => file.lock_shared(),
        Wait::No => file.try_lock_shared().map_err(std::io::Error::from),
    }
}

fn open_lock(path: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

fn sanitize(group: &str) -> String {
    group
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
