//! A running task's log lines, on their way to the store so another
//! process can follow them (`show-task --watch`).
//!
//! Most tasks end within milliseconds, and their final record holds their
//! whole log: writing each line as it came cost a 1000-unit run a store
//! write per task. So a task's lines go to the store only once it has run
//! [`LIVE_AFTER`]: lines logged before that wait, and are sent with its
//! next line, or by the operation's monitor thread (which looks every
//! [`super::cancel::POLL_INTERVAL`]), or not at all when the task ends
//! first.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::action::LogEntry;
use crate::store::LogSink;
use crate::sync::lock;
use crate::task::TaskId;

/// How long a task runs before its log lines go to the store as they come.
pub const LIVE_AFTER: Duration = Duration::from_millis(50);

/// One running task's log lines not yet in the store.
pub(crate) struct LiveLog {
    task: TaskId,
    started: Instant,
    sink: LogSink,
    waiting: Mutex<Vec<LogEntry>>,
}

impl LiveLog {
    /// The log of `task`, starting now, written through `sink`.
    pub(crate) fn new(task: TaskId, sink: LogSink) -> Self {
        Self {
            task,
            started: Instant::now(),
            sink,
            waiting: Mutex::new(Vec::new()),
        }
    }

    /// The task logged `entry`.
    pub(crate) fn log(&self, entry: &LogEntry) {
        let mut waiting = lock(&self.waiting);
        if self.started.elapsed() < LIVE_AFTER {
            waiting.push(entry.clone());
            return;
        }
        for early in waiting.drain(..) {
            self.sink.log(self.task, &early);
        }
        self.sink.log(self.task, entry);
    }

    /// Sends the lines that waited, once the task has run long enough.
    pub(crate) fn flush(&self) {
        if self.started.elapsed() < LIVE_AFTER {
            return;
        }
        let mut waiting = lock(&self.waiting);
        for early in waiting.drain(..) {
            self.sink.log(self.task, &early);
        }
    }
}
