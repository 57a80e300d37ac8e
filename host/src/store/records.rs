//! Stored values and their columns: a task's row read raw ([`RawTask`]),
//! then decoded, each failure an error naming the record and the field; a
//! task's log as its `log` column keeps it.

use std::path::Path;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::StoreError;
use crate::action::LogEntry;
use crate::task::{OperationId, Task, TaskId, TaskStatus, Timing};
use crate::time::{from_micros, to_micros};
use crate::unit::UnitName;

/// The columns [`RawTask::from_row`] reads, in its order.
pub(super) const TASK_COLUMNS: &str = "t.id, t.operation, t.unit, t.action, t.params, t.status, \
                                       t.message, t.results, t.enqueued, t.started, \
                                       t.completed, t.log";

/// A task's row as SQLite holds it, before anything is decoded.
pub(super) struct RawTask {
    id: i64,
    operation: i64,
    unit: String,
    action: String,
    params: String,
    status: String,
    message: Option<String>,
    results: String,
    enqueued: i64,
    started: Option<i64>,
    completed: Option<i64>,
    log: String,
}

impl RawTask {
    /// Reads [`TASK_COLUMNS`] from `row`.
    pub(super) fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            operation: row.get(1)?,
            unit: row.get(2)?,
            action: row.get(3)?,
            params: row.get(4)?,
            status: row.get(5)?,
            message: row.get(6)?,
            results: row.get(7)?,
            enqueued: row.get(8)?,
            started: row.get(9)?,
            completed: row.get(10)?,
            log: row.get(11)?,
        })
    }

    /// The task, every field decoded.
    pub(super) fn decode(self, path: &Path) -> Result<Task, StoreError> {
        let record = format!("task {}", self.id);
        let bad = |field: &'static str, reason: String| StoreError::BadRecord {
            path: path.to_owned(),
            record: record.clone(),
            field,
            reason,
        };
        let id = TaskId::from_sql(self.id).map_err(|e| bad("id", e.to_string()))?;
        let operation =
            OperationId::from_sql(self.operation).map_err(|e| bad("operation", e.to_string()))?;
        let unit: UnitName = self.unit.parse().map_err(|e| bad("unit", format!("{e}")))?;
        let status = TaskStatus::parse(&self.status)
            .ok_or_else(|| bad("status", format!("{:?} is not a task status", self.status)))?;
        let params: Value = json(&self.params).map_err(|e| bad("params", e))?;
        let results: Map<String, Value> = json(&self.results).map_err(|e| bad("results", e))?;
        let log = log_from_json(&self.log).map_err(|e| bad("log", e))?;
        let time = |field: &'static str, micros: i64| {
            from_micros(micros).map_err(|e| bad(field, e.to_string()))
        };
        let timing = Timing {
            enqueued: Some(time("enqueued time", self.enqueued)?),
            started: self.started.map(|t| time("start time", t)).transpose()?,
            completed: self
                .completed
                .map(|t| time("completion time", t))
                .transpose()?,
        };
        Ok(Task {
            id,
            operation,
            unit,
            action: self.action,
            params: Arc::new(params),
            status,
            message: self.message,
            results,
            log,
            timing,
        })
    }
}

/// A task's row as SQLite could hold it, for the fuzz targets: every
/// column the decoder reads, any value.
#[cfg(feature = "fuzzing")]
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct StoredTask {
    pub id: i64,
    pub operation: i64,
    pub unit: String,
    pub action: String,
    pub params: String,
    pub status: String,
    pub message: Option<String>,
    pub results: String,
    pub enqueued: i64,
    pub started: Option<i64>,
    pub completed: Option<i64>,
    pub log: String,
}

/// Decodes `row` as a task read from the store is decoded.
#[cfg(feature = "fuzzing")]
pub fn decode_stored(row: StoredTask) -> Result<Task, StoreError> {
    let StoredTask {
        id,
        operation,
        unit,
        action,
        params,
        status,
        message,
        results,
        enqueued,
        started,
        completed,
        log,
    } = row;
    RawTask {
        id,
        operation,
        unit,
        action,
        params,
        status,
        message,
        results,
        enqueued,
        started,
        completed,
        log,
    }
    .decode(Path::new("fuzzed.db"))
}

/// Decodes a JSON column.
pub(super) fn json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// A task's log as the `log` column keeps it: `[[timestamp, message], …]`,
/// timestamps in microseconds since the epoch.
pub(super) fn log_to_json(log: &[LogEntry]) -> String {
    let pairs: Vec<(i64, &str)> = log
        .iter()
        .map(|entry| (to_micros(entry.timestamp), entry.message.as_str()))
        .collect();
    serde_json::to_string(&pairs).expect("numbers and strings always serialise")
}

/// Reads the `log` column back (see [`log_to_json`]).
fn log_from_json(text: &str) -> Result<Vec<LogEntry>, String> {
    let pairs: Vec<(i64, String)> = json(text)?;
    pairs
        .into_iter()
        .map(|(timestamp, message)| {
            Ok(LogEntry {
                timestamp: from_micros(timestamp).map_err(|e| e.to_string())?,
                message,
            })
        })
        .collect()
}
