//! Reading the store: one task, a task waited for, one operation, and
//! operations filtered as `juju operations` filters them.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use super::records::{json, RawTask, TASK_COLUMNS};
use super::{StoreError, TaskStore};
use crate::sandbox::{DiskLimits, SandboxLimits};
use crate::task::{OperationId, Task, TaskId, TaskStatus};
use crate::time::from_micros;

/// An operation as stored, with its tasks.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Its id.
    pub id: OperationId,
    /// The action.
    pub action: String,
    /// The charm path.
    pub charm: PathBuf,
    /// Its params.
    pub params: Value,
    /// When it was enqueued.
    pub enqueued: SystemTime,
    /// The limits its tasks run with.
    pub limits: SandboxLimits,
    /// Its tasks.
    pub tasks: Vec<Task>,
}

impl Operation {
    /// The operation's status: the least finished of its tasks', as Juju
    /// summarises it (any running → running, any pending → pending, any
    /// failed or aborted → that, else completed).
    pub fn status(&self) -> TaskStatus {
        let has = |s: TaskStatus| self.tasks.iter().any(|t| t.status == s);
        [
            TaskStatus::Running,
            TaskStatus::Pending,
            TaskStatus::Error,
            TaskStatus::Aborted,
            TaskStatus::Failed,
            TaskStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| has(*s))
        .unwrap_or(TaskStatus::Completed)
    }
}

/// Filters for [`TaskStore::operations`].
#[derive(Debug, Clone, Default)]
pub struct OperationFilter {
    /// Only operations of this action.
    pub action: Option<String>,
    /// Only operations with a task on this unit.
    pub unit: Option<String>,
    /// Only operations with a task in this status.
    pub status: Option<TaskStatus>,
    /// At most this many, newest first.
    pub limit: Option<usize>,
}

/// An operation's row, before anything is decoded.
struct RawOperation {
    id: i64,
    action: String,
    charm: String,
    params: String,
    enqueued: i64,
    timeout_ms: Option<i64>,
    memory_bytes: i64,
    disk_bytes: i64,
    disk_inodes: i64,
}

/// The columns [`RawOperation::from_row`] reads, in its order.
const OPERATION_COLUMNS: &str =
    "o.id, o.action, o.charm, o.params, o.enqueued, o.timeout_ms, o.memory_bytes, \
     o.disk_bytes, o.disk_inodes";

impl RawOperation {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            action: row.get(1)?,
            charm: row.get(2)?,
            params: row.get(3)?,
            enqueued: row.get(4)?,
            timeout_ms: row.get(5)?,
            memory_bytes: row.get(6)?,
            disk_bytes: row.get(7)?,
            disk_inodes: row.get(8)?,
        })
    }
}

impl TaskStore {
    /// One task by id.
    pub fn task(&self, id: TaskId) -> Result<Task, StoreError> {
        let mut tasks = self.query_tasks("WHERE t.id = ?1", params![id.to_sql()])?;
        tasks.pop().ok_or(StoreError::UnknownTask(id))
    }

    /// Waits until task `id` has finished (or `timeout` passes), polling.
    pub fn wait_for(&self, id: TaskId, timeout: Option<Duration>) -> Result<Task, StoreError> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            self.abort_orphans()?;
            let task = self.task(id)?;
            let finished = !matches!(task.status, TaskStatus::Pending | TaskStatus::Running);
            if finished || deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(task);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Operations, newest first, filtered.
    pub fn operations(&self, filter: &OperationFilter) -> Result<Vec<Operation>, StoreError> {
        let err = self.sqlite();
        let mut sql = format!("SELECT {OPERATION_COLUMNS} FROM operations o WHERE 1=1");
        let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        if let Some(action) = &filter.action {
            args.push(Box::new(action.clone()));
            sql.push_str(&format!(" AND o.action = ?{}", args.len()));
        }
        if let Some(unit) = &filter.unit {
            args.push(Box::new(unit.clone()));
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM tasks t WHERE t.operation = o.id AND t.unit = ?{})",
                args.len()
            ));
        }
        if let Some(status) = filter.status {
            args.push(Box::new(status.as_str()));
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM tasks t WHERE t.operation = o.id AND t.status = ?{})",
                args.len()
            ));
        }
        sql.push_str(" ORDER BY o.id DESC");
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let raw: Vec<RawOperation> = {
            let mut stmt = self.conn.prepare(&sql).map_err(err)?;
            let rows = stmt
                .query_map(
                    rusqlite::params_from_iter(args.iter()),
                    RawOperation::from_row,
                )
                .map_err(err)?;
            rows.collect::<Result<_, _>>().map_err(err)?
        };
        raw.into_iter()
            .map(|op| self.decode_operation(op))
            .collect()
    }

    /// One operation by id.
    pub fn operation(&self, id: OperationId) -> Result<Option<Operation>, StoreError> {
        let raw = self
            .conn
            .query_row(
                &format!("SELECT {OPERATION_COLUMNS} FROM operations o WHERE o.id = ?1"),
                [id.to_sql()],
                RawOperation::from_row,
            )
            .optional()
            .map_err(self.sqlite())?;
        raw.map(|op| self.decode_operation(op)).transpose()
    }

    /// Decodes an operation's row and reads its tasks.
    fn decode_operation(&self, raw: RawOperation) -> Result<Operation, StoreError> {
        let bad = |field: &'static str, reason: String| StoreError::BadRecord {
            path: self.path.clone(),
            record: format!("operation {}", raw.id),
            field,
            reason,
        };
        let id = OperationId::from_sql(raw.id).map_err(|e| bad("id", e.to_string()))?;
        let params = json(&raw.params).map_err(|e| bad("params", e))?;
        let timeout = raw
            .timeout_ms
            .map(|ms| u64::try_from(ms).map(Duration::from_millis))
            .transpose()
            .map_err(|_| bad("timeout", format!("{:?} ms is negative", raw.timeout_ms)))?;
        let memory_bytes = usize::try_from(raw.memory_bytes)
            .map_err(|_| bad("memory limit", format!("{} bytes", raw.memory_bytes)))?;
        let disk = DiskLimits {
            bytes: u64::try_from(raw.disk_bytes)
                .map_err(|_| bad("disk budget", format!("{} bytes", raw.disk_bytes)))?,
            inodes: u64::try_from(raw.disk_inodes)
                .map_err(|_| bad("inode budget", format!("{} inodes", raw.disk_inodes)))?,
        };
        Ok(Operation {
            id,
            action: raw.action,
            charm: PathBuf::from(raw.charm),
            params,
            enqueued: from_micros(raw.enqueued).map_err(|e| bad("enqueued time", e.to_string()))?,
            limits: SandboxLimits {
                timeout,
                memory_bytes,
                disk,
                ..SandboxLimits::default()
            },
            tasks: self.query_tasks("WHERE t.operation = ?1", params![raw.id])?,
        })
    }

    fn query_tasks(
        &self,
        clause: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<Task>, StoreError> {
        let err = self.sqlite();
        let sql = format!("SELECT {TASK_COLUMNS} FROM tasks t {clause} ORDER BY t.id");
        let raw: Vec<RawTask> = {
            let mut stmt = self.conn.prepare_cached(&sql).map_err(err)?;
            let rows = stmt.query_map(args, RawTask::from_row).map_err(err)?;
            rows.collect::<Result<_, _>>().map_err(err)?
        };
        raw.into_iter()
            .map(|task| task.decode(&self.path))
            .collect()
    }
}
