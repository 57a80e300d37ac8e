//! Operations: one action on many units, as `juju run` makes them, owned
//! here whichever front end asks (the CLI's `run`, a background worker,
//! and next the commands that fire hooks).
//!
//! [`Operations`] is the state directory's operation runner:
//! [`Operations::prepare`] checks a request before anything is recorded
//! (the charm passes `charmbox check`, the action exists, params fit its
//! schema, units are named), [`Operations::run`] records the operation and
//! runs its tasks, [`Operations::run_in_background`] hands them to another
//! process ([`background`]), and [`Operations::run_queued`] is that
//! process's half.
//!
//! Each task runs in its own sandbox, spread over the machine's cores
//! ([`schedule`]), serialised per unit as Juju serialises them: a task takes
//! its unit's lock ([`unit_lock`]), so two runs on one unit wait for each
//! other even from two charmbox processes. An action declared
//! `parallel: true` takes the unit lock shared instead (it runs beside other
//! parallel actions, never beside an exclusive one), and, with an
//! `execution-group`, an exclusive lock on that group, so actions of one
//! group still run one at a time.
//!
//! While an operation runs, its process acts on `cancel-task` from any
//! process ([`cancel`]): a pending task is cancelled, a running one
//! stopped at its next epoch tick, ending `aborted`.

pub mod background;
mod cancel;
mod live_log;
mod runner;
mod schedule;
pub(crate) mod unit_lock;

pub use live_log::LIVE_AFTER;
pub use runner::{
    Finished, OpenState, OperationError, OperationRequest, Operations, PreparedOperation, Queued,
    Units,
};
pub use schedule::workers_for;
pub use unit_lock::Concurrency;

use crate::action::LogEntry;
use crate::task::{OperationId, Task};

/// Hears about tasks as they progress. Called from the worker threads.
pub trait Progress: Send + Sync + 'static {
    /// The operation's tasks are recorded and about to run.
    fn enqueued(&self, _operation: OperationId, _tasks: &[Task]) {}
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
