//! Running an operation's tasks: each in its own sandbox, spread over the
//! machine's cores, each on its unit once the unit's lock is taken
//! ([`super::unit_lock`]), each recorded as it starts and ends.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use super::cancel::CancelBoard;
use super::live_log::LiveLog;
use super::unit_lock::{Concurrency, UnitClaim, UnitLocker, UnitLocks, Wait};
use super::Progress;
use crate::action::local::LocalBackend;
use crate::action::ActionParams;
use crate::charm::Charm;
use crate::deferred::HandleError;
use crate::events::runner::{BagWrite, LocalRunner};
use crate::events::HookLog;
use crate::model::local::{CharmModel, LocalModel};
use crate::model::EventInfo;
use crate::run::LimitHints;
use crate::sandbox::SandboxLimits;
use crate::store::TaskWriter;
use crate::task::{Task, TaskStatus};
use crate::unit::UnitName;

/// What every task of an operation shares.
pub(crate) struct TaskRun<'a> {
    /// The charm.
    pub charm: &'a Charm,
    /// The state directory (units' data directories and locks).
    pub state_dir: &'a Path,
    /// The local model the units are in.
    pub model: &'a LocalModel,
    /// What the charm declares for the model (config options, endpoints).
    pub charm_model: &'a Arc<CharmModel>,
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
    /// Which tasks run, and which were cancelled.
    pub board: &'a CancelBoard,
    /// Who hears about progress.
    pub progress: &'a Arc<dyn Progress>,
    /// Most tasks run at once; `None` for one per core.
    pub workers: Option<usize>,
    /// Where the hook runs before an action (deferred events) are
    /// recorded.
    pub hooks: &'a HookLog,
    /// The databags the tasks (and the deferred events before them)
    /// wrote, for the events they fire.
    pub written: &'a Mutex<Vec<BagWrite>>,
    /// Set when a run changed what a secret's readers see or track.
    pub secrets_changed: &'a std::sync::atomic::AtomicBool,
}

/// Runs every pending task (one per unit), concurrently, and returns them
/// finished, in the order given.
pub(crate) fn run_tasks(run: &TaskRun<'_>, tasks: Vec<Task>) -> Vec<Task> {
    let count = tasks.len();
    let workers = run
        .workers
        .unwrap_or_else(|| workers_for(count))
        .clamp(1, count.max(1));
    let units = UnitDirs::for_charm(run.charm, run.state_dir);
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

/// Records `task` as cancelled before it ran (the thread acting on cancel
/// requests has too; this covers a task it found already marked started).
fn cancelled(mut task: Task, run: &TaskRun<'_>) -> Task {
    task.cancel();
    run.writer.finished(&task);
    run.progress.finished(&task);
    task
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
        if run.board.is_cancelled(task.id) {
            return cancelled(task, run);
        }
        let started = SystemTime::now();
        task.status = TaskStatus::Running;
        task.timing.started = Some(started);
        run.writer.started(&task, started);
        run_locked(run, task, locks)
    }
}

/// Which units' directories an operation makes before their tasks run.
///
/// A unit's directory holds its data directory, the guest's `/data`, which
/// only a charm whose component reaches the filesystem can see: for any
/// other, no directory is made (on systems without per-descriptor locks the
/// unit's lock file makes its own). For one that does, the units whose
/// directories exist come from one listing of the state directory's `units`
/// when the operation starts: a unit's directory is made on its first run,
/// and asking for each unit would cost a system call a task.
enum UnitDirs {
    /// The charm reaches no directory.
    Unneeded,
    /// The units whose directories exist.
    Listed(HashSet<std::ffi::OsString>),
    /// `units` could not be listed (nor made): each task makes what it
    /// needs, and says what failed.
    Unlisted,
}

impl UnitDirs {
    fn for_charm(charm: &Charm, state_dir: &Path) -> Self {
        if !charm.component.reaches_filesystem() {
            return Self::Unneeded;
        }
        let units = state_dir.join(crate::unit::UNITS_DIR);
        let entries = match std::fs::read_dir(&units) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // A new state directory: `units` is made once here, not
                // by the first task of each worker.
                crate::paths::create_private_dir_all(&units)
                    .and_then(|()| std::fs::read_dir(&units))
            }
            listing => listing,
        };
        match entries {
            Ok(entries) => Self::Listed(
                entries
                    .filter_map(|e| e.ok().map(|e| e.file_name()))
                    .collect(),
            ),
            Err(_) => Self::Unlisted,
        }
    }

    /// Makes `unit`'s directories unless they are unneeded or the listing
    /// found them. Once `units` is listed, a new unit's two directories are
    /// made one each, without first trying (and failing) to make the
    /// innermost, as a recursive create does: a third of the system calls
    /// of making 1000 new units.
    fn make(&self, state_dir: &Path, unit: &UnitName) -> std::io::Result<()> {
        if let Self::Unneeded = self {
            return Ok(());
        }
        let data_dir = unit.data_dir(state_dir);
        let unit_dir = data_dir.parent().expect("a data dir has a parent");
        let Self::Listed(names) = self else {
            return crate::paths::create_private_dir_all(&data_dir);
        };
        match unit_dir.file_name() {
            Some(name) if names.contains(name) => Ok(()),
            _ => {
                crate::paths::create_private_dir(unit_dir)?;
                crate::paths::create_private_dir(&data_dir)
            }
        }
    }
}

/// Runs `task` (recorded as started) on its unit, held by `_locks`: the
/// unit's deferred events first, then the action. Its log lines are
/// recorded as they come, and a cancel request stops it.
fn run_locked(run: &TaskRun<'_>, mut task: Task, _locks: UnitLocks) -> Task {
    let log = Arc::new(LiveLog::new(task.id, run.writer.log_sink()));
    let Some(stop) = run.board.start(task.id, Some(Arc::clone(&log))) else {
        return cancelled(task, run);
    };
    run.progress.started(&task);
    let event = EventInfo::action(run.action);
    let progress = Arc::clone(run.progress);
    let observed = task.clone();
    let backend = LocalBackend::new(run.params.clone()).on_log(move |entry| {
        log.log(entry);
        progress.log(&observed, entry);
    });
    let mut runner = LocalRunner {
        charm: run.charm,
        charm_model: run.charm_model,
        model: run.model,
        unit: &task.unit,
        state_dir: run.state_dir,
        limits: run.limits,
        hints: run.hints,
        log: run.hooks,
        cause: String::new(),
        before: format!("action task {}", task.id),
        // Juju gives an action its task's id.
        action: Some((Box::new(backend), task.id.to_string())),
        written: Vec::new(),
        secrets_changed: false,
        stop: Some(stop),
    };
    let handled = runner.handle(event);
    run.board.finish(task.id);
    crate::sync::lock(run.written).append(&mut runner.written);
    if runner.secrets_changed {
        run.secrets_changed
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
    match handled {
        Ok(mut handled) => {
            let failed_replay = handled.runs.iter().position(|r| r.replay && !r.succeeded());
            match failed_replay {
                Some(index) => {
                    let failed = handled.runs.swap_remove(index);
                    let report = failed.report.expect("a failed run has a report");
                    let reason = report.message_with(&run.hints).unwrap_or_default();
                    task.finish(report, &run.hints);
                    task.message = Some(format!(
                        "deferred hook {:?}, run again before this action, failed: {reason}",
                        failed.event.name
                    ));
                }
                None => match handled.runs.pop().and_then(|r| r.report) {
                    Some(report) => task.finish(report, &run.hints),
                    None => return errored(task, "the action did not run".into(), run.writer),
                },
            }
        }
        Err(HandleError::Run(e)) => return errored(task, e.to_string(), run.writer),
        Err(HandleError::Deferral(e)) => return errored(task, e.to_string(), run.writer),
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
