//! Acting on `cancel-task` while an operation runs: a thread polls the
//! store for cancel requests of this process's tasks
//! ([`crate::store::CancelRequests`]) and, through the [`CancelBoard`] the
//! operation's workers share, stops a running task at its next epoch tick
//! ([`StopHandle`]) or keeps a pending one from starting.
//!
//! The board decides under one lock whether a task has started, so a task
//! is either cancelled before it starts (and never runs) or stopped while
//! it runs (and ends `aborted`, keeping its results and log), never both.
//! The thread first waits [`FIRST_LOOK`]: most operations are over by then,
//! and never open the connection it polls through. At each look it also
//! sends the log lines that running tasks' [`LiveLog`]s keep waiting.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::live_log::LiveLog;
use crate::run::StopHandle;
use crate::store::CancelRequests;
use crate::sync::lock;
use crate::task::TaskId;

/// How long an operation runs before its cancel requests are first looked
/// for.
pub const FIRST_LOOK: Duration = Duration::from_millis(100);
/// How often they are looked for after that.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Which of an operation's tasks run, have run, or were cancelled.
#[derive(Default)]
pub(crate) struct CancelBoard(Mutex<Board>);

#[derive(Default)]
struct Board {
    running: HashMap<TaskId, Running>,
    done: HashSet<TaskId>,
    cancelled: HashSet<TaskId>,
}

/// A running task: what stops it, and its log on the way to the store.
struct Running {
    stop: StopHandle,
    log: Option<Arc<LiveLog>>,
}

/// What a cancel request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cancelled {
    /// The task had not started: it will not.
    BeforeStart,
    /// The task was running: it stops at its next epoch tick.
    WhileRunning,
    /// The task had already ended.
    TooLate,
}

impl CancelBoard {
    /// Task `id` is about to start: the handle that stops it, or `None`
    /// when it was cancelled first (it must not run).
    /// `log`, when given, is flushed by the monitor thread while it runs.
    pub(crate) fn start(&self, id: TaskId, log: Option<Arc<LiveLog>>) -> Option<StopHandle> {
        let mut board = lock(&self.0);
        if board.cancelled.contains(&id) {
            return None;
        }
        let stop = StopHandle::new();
        board.running.insert(
            id,
            Running {
                stop: stop.clone(),
                log,
            },
        );
        Some(stop)
    }

    /// Sends the log lines of running tasks that have waited long enough
    /// (see [`LiveLog`]).
    fn flush_logs(&self) {
        let logs: Vec<Arc<LiveLog>> = lock(&self.0)
            .running
            .values()
            .filter_map(|r| r.log.clone())
            .collect();
        logs.iter().for_each(|log| log.flush());
    }

    /// Whether task `id` was cancelled before it started.
    pub(crate) fn is_cancelled(&self, id: TaskId) -> bool {
        lock(&self.0).cancelled.contains(&id)
    }

    /// Task `id` has ended.
    pub(crate) fn finish(&self, id: TaskId) {
        let mut board = lock(&self.0);
        board.running.remove(&id);
        board.done.insert(id);
    }

    /// Cancels task `id` (see [`Cancelled`]).
    pub(crate) fn cancel(&self, id: TaskId) -> Cancelled {
        let mut board = lock(&self.0);
        if let Some(running) = board.running.get(&id) {
            running.stop.cancel();
            Cancelled::WhileRunning
        } else if board.done.contains(&id) {
            Cancelled::TooLate
        } else {
            board.cancelled.insert(id);
            Cancelled::BeforeStart
        }
    }
}

/// The thread acting on an operation's cancel requests; told to stop when
/// dropped, and left to end on its own: joining it waited for the thread
/// to be scheduled again, which on a busy machine cost an operation
/// milliseconds. Once told, it ends at its next look, acting on nothing.
pub(crate) struct CancelWatch {
    stop: Arc<(Mutex<bool>, Condvar)>,
}

impl CancelWatch {
    /// Starts watching `requests` for the tasks on `board`. Without a
    /// thread, cancel requests wait for the process's next operation.
    pub(crate) fn start(board: Arc<CancelBoard>, mut requests: CancelRequests) -> Self {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&stop);
        // Without a thread, cancel requests are not acted on for this
        // operation (they stay recorded).
        let _ = std::thread::Builder::new()
            .name("charmbox-cancel".into())
            .spawn(move || {
                let mut wait = FIRST_LOOK;
                loop {
                    {
                        let (stopped, wake) = &*signal;
                        let guard = lock(stopped);
                        let (guard, _) = wake
                            .wait_timeout_while(guard, wait, |stopped| !*stopped)
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        if *guard {
                            return;
                        }
                    }
                    wait = POLL_INTERVAL;
                    board.flush_logs();
                    if let Err(e) = act_on(&board, &mut requests) {
                        tracing::warn!("cannot read cancel requests: {e}");
                    }
                }
            });
        Self { stop }
    }
}

impl Drop for CancelWatch {
    fn drop(&mut self) {
        let (stopped, wake) = &*self.stop;
        *lock(stopped) = true;
        wake.notify_all();
    }
}

/// Acts on each new request: records what became of the task.
fn act_on(
    board: &CancelBoard,
    requests: &mut CancelRequests,
) -> Result<(), crate::store::StoreError> {
    for id in requests.unhandled()? {
        match board.cancel(id) {
            Cancelled::BeforeStart => requests.mark_cancelled(id)?,
            Cancelled::WhileRunning => requests.mark_aborting(id)?,
            Cancelled::TooLate => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> TaskId {
        TaskId::new(n).unwrap()
    }

    #[test]
    fn a_task_is_cancelled_before_it_starts_or_stopped_while_it_runs() {
        let board = CancelBoard::default();
        assert_eq!(board.cancel(id(1)), Cancelled::BeforeStart);
        assert!(
            board.start(id(1), None).is_none(),
            "a cancelled task does not start"
        );

        let stop = board.start(id(2), None).unwrap();
        assert_eq!(board.cancel(id(2)), Cancelled::WhileRunning);
        assert!(stop.is_cancelled());
        board.finish(id(2));

        board.start(id(3), None).unwrap();
        board.finish(id(3));
        assert_eq!(board.cancel(id(3)), Cancelled::TooLate);
    }
}
