//! Tasks: the record of one action run on one unit, in the shape `juju run`
//! and `juju show-task` print, and the typed ids of tasks and operations.
//!
//! Operations and tasks are numbered from one sequence, as in Juju: an
//! operation of two tasks takes ids 1, 2 and 3.
//!
//! ```
//! use charmbox::task::{OperationId, TaskId};
//!
//! let task: TaskId = "2".parse().unwrap();
//! assert_eq!(task.to_string(), "2");
//! assert!("two".parse::<TaskId>().is_err());
//! assert!("0".parse::<OperationId>().is_err(), "ids start at 1");
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::SystemTime;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::action::LogEntry;
use crate::run::{LimitHints, RunEnd, RunReport};
use crate::time::{format_juju, TimeZone};
use crate::unit::UnitName;

/// An id that is not a task or operation id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{given:?} is not {what} id: ids are whole numbers from 1 (`charmbox operations` lists them)"
)]
pub struct IdError {
    /// `a task` or `an operation`.
    pub what: &'static str,
    /// What was given.
    pub given: String,
}

macro_rules! numbered_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u64);

        impl $name {
            /// The id numbered `n` (from 1), if `n` can be one.
            pub fn new(n: u64) -> Option<Self> {
                (n >= 1 && i64::try_from(n).is_ok()).then_some(Self(n))
            }

            /// Its number.
            pub fn get(self) -> u64 {
                self.0
            }

            /// The id as the store keeps it.
            pub(crate) fn to_sql(self) -> i64 {
                // `new` admits only numbers that fit.
                self.0 as i64
            }

            /// An id read back from the store, which only ever holds valid
            /// ones; anything else is reported, never defaulted.
            pub(crate) fn from_sql(n: i64) -> Result<Self, IdError> {
                u64::try_from(n).ok().and_then(Self::new).ok_or_else(|| IdError {
                    what: $what,
                    given: n.to_string(),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(s: &str) -> Result<Self, IdError> {
                let err = || IdError {
                    what: $what,
                    given: s.to_owned(),
                };
                // Digits only: no sign, no spaces.
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err());
                }
                s.parse().ok().and_then(Self::new).ok_or_else(err)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                // Juju prints ids as strings.
                serializer.collect_str(self)
            }
        }
    };
}

numbered_id!(
    /// A task's id.
    TaskId,
    "a task"
);
numbered_id!(
    /// An operation's id.
    OperationId,
    "an operation"
);

/// A task's status, as Juju names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// Queued, waiting for its unit.
    Pending,
    /// Running now.
    Running,
    /// Finished without failing.
    Completed,
    /// Finished, failed.
    Failed,
    /// Cancelled before it ran.
    Cancelled,
    /// Being aborted.
    Aborting,
    /// Stopped before it finished (e.g. its process died).
    Aborted,
    /// Could not be run.
    Error,
}

impl TaskStatus {
    /// Every status, in Juju's order.
    pub const ALL: [TaskStatus; 8] = [
        Self::Pending,
        Self::Running,
        Self::Completed,
        Self::Failed,
        Self::Cancelled,
        Self::Aborting,
        Self::Aborted,
        Self::Error,
    ];

    /// Juju's name for the status.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Aborting => "aborting",
            Self::Aborted => "aborted",
            Self::Error => "error",
        }
    }

    /// The status Juju names `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether the task has finished, one way or another.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Pending | Self::Running | Self::Aborting)
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// When a task was enqueued, started and completed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timing {
    /// When it was queued.
    pub enqueued: Option<SystemTime>,
    /// When its sandbox started.
    pub started: Option<SystemTime>,
    /// When it ended.
    pub completed: Option<SystemTime>,
}

/// One action run on one unit.
#[derive(Debug, Clone)]
pub struct Task {
    /// The task id.
    pub id: TaskId,
    /// The operation it belongs to.
    pub operation: OperationId,
    /// The unit.
    pub unit: UnitName,
    /// The action name.
    pub action: String,
    /// The params it ran with (shared by the tasks of an operation).
    pub params: Arc<Value>,
    /// Its status.
    pub status: TaskStatus,
    /// The failure message, when failed.
    pub message: Option<String>,
    /// Nested results, including Juju's `return-code` and captured output.
    pub results: Map<String, Value>,
    /// Log lines in order.
    pub log: Vec<LogEntry>,
    /// Timing.
    pub timing: Timing,
}

impl Task {
    /// Records how the run in `report` ended: status, message (with `hints`
    /// on raising a limit it hit), results with Juju's output keys, log and
    /// times.
    pub fn finish(&mut self, mut report: RunReport, hints: &LimitHints) {
        self.status = match report.end {
            RunEnd::Completed => TaskStatus::Completed,
            // Cancelled while it ran: Juju's running → aborting → aborted.
            RunEnd::Cancelled => TaskStatus::Aborted,
            _ => TaskStatus::Failed,
        };
        self.message = report.message_with(hints);
        self.results = report.take_juju_results();
        self.log = std::mem::take(&mut report.record.log);
        self.timing.started = Some(report.started);
        self.timing.completed = Some(report.completed);
    }

    /// Marks the task `cancelled`: cancelled before it ran, as Juju words it.
    pub fn cancel(&mut self) {
        self.status = TaskStatus::Cancelled;
        self.message = Some(CANCELLED_MESSAGE.into());
        self.timing.completed = Some(SystemTime::now());
    }

    /// Marks the task `error`: it could not be run at all, for `message`.
    pub fn error(&mut self, message: String) {
        self.status = TaskStatus::Error;
        self.message = Some(message);
        self.timing.completed = Some(SystemTime::now());
    }

    /// The task as `juju run --format json` and `juju show-task` show it,
    /// times in `zone`.
    pub fn to_juju_value(&self, zone: TimeZone) -> Value {
        serde_json::to_value(self.juju_view(zone)).expect("a task serialises to JSON")
    }

    /// The task in the shape `juju show-task` prints (as
    /// [`to_juju_value`](Self::to_juju_value)), serialised straight from
    /// the task: printing a thousand tasks need not copy each into a
    /// `Value` first.
    pub fn juju_view(&self, zone: TimeZone) -> JujuTask<'_> {
        JujuTask { task: self, zone }
    }
}

/// The message of a task cancelled before it ran, as Juju words it.
pub const CANCELLED_MESSAGE: &str = "action cancelled via the API";

/// A [`Task`] serialised as Juju shows it; see [`Task::juju_view`].
#[derive(Debug, Clone, Copy)]
pub struct JujuTask<'a> {
    task: &'a Task,
    zone: TimeZone,
}

impl Serialize for JujuTask<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let task = self.task;
        let zone = self.zone;
        let mut out = serializer.serialize_map(None)?;
        out.serialize_entry("id", &task.id)?;
        out.serialize_entry("operation", &task.operation)?;
        out.serialize_entry("unit", &task.unit.to_string())?;
        out.serialize_entry("action", &task.action)?;
        out.serialize_entry("status", task.status.as_str())?;
        if let Some(message) = &task.message {
            out.serialize_entry("message", message)?;
        }
        out.serialize_entry("results", &task.results)?;
        out.serialize_entry("log", &JujuLog(&task.log, zone))?;
        out.serialize_entry("timing", &JujuTiming(&task.timing, zone))?;
        out.end()
    }
}

/// Log lines as Juju prints them: `<time> <message>`.
pub struct JujuLog<'a>(pub &'a [LogEntry], pub TimeZone);

impl Serialize for JujuLog<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.0
                .iter()
                .map(|e| format!("{} {}", format_juju(e.timestamp, self.1), e.message)),
        )
    }
}

/// The times a task has reached so far, in Juju's format and `zone`.
pub struct JujuTiming<'a>(pub &'a Timing, pub TimeZone);

impl Serialize for JujuTiming<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let timing = self.0;
        let mut out = serializer.serialize_map(None)?;
        for (key, at) in [
            ("enqueued", timing.enqueued),
            ("started", timing.started),
            ("completed", timing.completed),
        ] {
            if let Some(at) = at {
                out.serialize_entry(key, &format_juju(at, self.1))?;
            }
        }
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_whole_numbers_from_one() {
        for good in ["1", "42", "9223372036854775807"] {
            assert_eq!(good.parse::<TaskId>().unwrap().to_string(), good);
        }
        for bad in ["", "0", "-1", "+1", " 1", "1.0", "x", "9223372036854775808"] {
            let err = bad.parse::<TaskId>().unwrap_err();
            assert_eq!(err.given, bad);
            assert!(err.to_string().contains("not a task id"), "{err}");
        }
        assert!(TaskId::from_sql(-3).is_err());
        assert_eq!(OperationId::from_sql(7).unwrap().get(), 7);
    }
}
