//! Tasks: the record of one action run on one unit, in the shape `juju run`
//! and `juju show-task` print.

use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine as _;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Map, Value};

use crate::action::LogEntry;
use crate::run::RunReport;
use crate::sandbox::CapturedOutput;
use crate::time::format_juju;

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

    /// The status Juju names `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether the task has finished, one way or another.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Pending | Self::Running | Self::Aborting)
    }
}

impl std::fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
    pub id: String,
    /// The operation it belongs to, when recorded.
    pub operation: Option<String>,
    /// The unit, `app/N`.
    pub unit: String,
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
    /// The task as `juju run --format json` and `juju show-task` show it.
    pub fn to_juju_value(&self) -> Value {
        serde_json::to_value(self.juju_view()).expect("a task serialises to JSON")
    }

    /// The task in the shape `juju show-task` prints (as
    /// [`to_juju_value`](Self::to_juju_value)), serialised straight from
    /// the task: printing a thousand tasks need not copy each into a
    /// `Value` first.
    pub fn juju_view(&self) -> JujuTask<'_> {
        JujuTask(self)
    }
}

/// A [`Task`] serialised as Juju shows it; see [`Task::juju_view`].
#[derive(Debug, Clone, Copy)]
pub struct JujuTask<'a>(&'a Task);

impl Serialize for JujuTask<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let task = self.0;
        let mut out = serializer.serialize_map(None)?;
        out.serialize_entry("id", &task.id)?;
        if let Some(operation) = &task.operation {
            out.serialize_entry("operation", operation)?;
        }
        out.serialize_entry("unit", &task.unit)?;
        out.serialize_entry("action", &task.action)?;
        out.serialize_entry("status", task.status.as_str())?;
        if let Some(message) = &task.message {
            out.serialize_entry("message", message)?;
        }
        out.serialize_entry("results", &task.results)?;
        out.serialize_entry("log", &JujuLog(&task.log))?;
        out.serialize_entry("timing", &JujuTiming(&task.timing))?;
        out.end()
    }
}

/// Log lines as Juju prints them: `<time> <message>`.
struct JujuLog<'a>(&'a [LogEntry]);

impl Serialize for JujuLog<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.0
                .iter()
                .map(|e| format!("{} {}", format_juju(e.timestamp), e.message)),
        )
    }
}

/// The times a task has reached so far, in Juju's format.
struct JujuTiming<'a>(&'a Timing);

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
                out.serialize_entry(key, &format_juju(at))?;
            }
        }
        out.end()
    }
}

/// The results as Juju reports them: what the charm set, plus `return-code`
/// and the captured `stdout`/`stderr` (base64 with an `-encoding` key when not
/// UTF-8), each omitted when empty.
pub fn results_with_output(report: &RunReport) -> Map<String, Value> {
    let mut results = report.record.results.clone();
    add_output(&mut results, report);
    results
}

/// Adds `report`'s `return-code` and captured output to `results` (the
/// charm's own, taken from the report), as [`results_with_output`] does.
pub(crate) fn add_output(results: &mut Map<String, Value>, report: &RunReport) {
    for (key, output) in [("stdout", &report.stdout), ("stderr", &report.stderr)] {
        insert_output(results, key, output);
    }
    results.insert("return-code".into(), json!(report.return_code()));
}

fn insert_output(results: &mut Map<String, Value>, key: &str, output: &CapturedOutput) {
    if output.bytes.is_empty() && output.dropped == 0 {
        return;
    }
    let text = match std::str::from_utf8(&output.bytes) {
        Ok(text) if output.dropped > 0 => format!(
            "{text}\n[charmbox: {} more bytes of {key} dropped; at most {} are kept]",
            output.dropped,
            output.bytes.len()
        ),
        Ok(text) => text.to_owned(),
        // Not text: encode it as Juju does; a marker would spoil the encoding,
        // so a cut is told by `<key>-truncated` instead.
        Err(_) => {
            results.insert(format!("{key}-encoding"), json!("base64"));
            if output.dropped > 0 {
                results.insert(
                    format!("{key}-truncated"),
                    json!(output.dropped.to_string()),
                );
            }
            base64::engine::general_purpose::STANDARD.encode(&output.bytes)
        }
    };
    results.insert(key.into(), json!(text));
}
