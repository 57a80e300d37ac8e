//! Reading the store: one task, a task followed until it ends, one
//! operation, and operations filtered and paged as `juju operations`
//! filters and pages them.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use super::records::{json, RawTask, TASK_COLUMNS};
use super::{StoreError, TaskStore};
use crate::sandbox::{DiskLimits, SandboxLimits};
use crate::task::{OperationId, Task, TaskId, TaskStatus};
use crate::time::from_micros;
use crate::unit::UnitName;

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
    /// The operation's status, from its tasks': the least finished, as
    /// Juju summarises it (any running → running, aborting → aborting,
    /// pending → pending; then error, aborted, failed, cancelled; else
    /// completed).
    pub fn status(&self) -> TaskStatus {
        status_of(self.tasks.iter().map(|t| t.status))
    }
}

fn status_of(statuses: impl Iterator<Item = TaskStatus> + Clone) -> TaskStatus {
    [
        TaskStatus::Running,
        TaskStatus::Aborting,
        TaskStatus::Pending,
        TaskStatus::Error,
        TaskStatus::Aborted,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
    ]
    .into_iter()
    .find(|s| statuses.clone().any(|t| t == *s))
    .unwrap_or(TaskStatus::Completed)
}

/// How a followed task or operation was left.
#[derive(Debug, Clone)]
pub enum Followed<T> {
    /// It finished: here it is.
    Ended(T),
    /// The wait ended first: here it is as it was then.
    TimedOut(T),
}

/// How soon a followed task is first looked at again (as `juju run`).
pub const FIRST_POLL: Duration = Duration::from_millis(20);
/// How long a followed task may go unlooked at, at most.
pub const MAX_POLL: Duration = Duration::from_millis(250);

/// The operations `juju operations` lists when no `--limit` is given.
pub const DEFAULT_OPERATIONS_LIMIT: usize = 50;

/// Filters for [`TaskStore::operations`], as `juju operations` has them.
/// Filters of one kind are alternatives (`--actions a,b`); an operation
/// must pass every kind given. Applications and units are both receivers:
/// a task on any of them matches.
#[derive(Debug, Clone, Default)]
pub struct OperationFilter {
    /// Only tasks on units of these applications (`--apps`).
    pub applications: Vec<String>,
    /// Only tasks on these units (`--units`).
    pub units: Vec<UnitName>,
    /// Only operations of these actions (`--actions`).
    pub actions: Vec<String>,
    /// Only operations in one of these statuses (`--status`).
    pub statuses: Vec<TaskStatus>,
    /// Skip this many matching operations (`--offset`).
    pub offset: usize,
    /// At most this many (`--limit`; default
    /// [`DEFAULT_OPERATIONS_LIMIT`]).
    pub limit: Option<usize>,
}

/// One page of matching operations, oldest first, as Juju lists them.
#[derive(Debug, Clone)]
pub struct OperationPage {
    /// The operations, each with its matching tasks only.
    pub operations: Vec<Operation>,
    /// Whether more operations match after this page.
    pub truncated: bool,
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
        tasks.pop().ok_or_else(|| self.missing_task(id))
    }

    /// Why there is no task `id`: the id is an operation's
    /// ([`StoreError::OperationNotTask`]) or nothing's
    /// ([`StoreError::UnknownTask`]).
    pub(super) fn missing_task(&self, id: TaskId) -> StoreError {
        match self.has_row("operations", id.to_sql()) {
            Ok(true) => OperationId::from_sql(id.to_sql())
                .map_or(StoreError::UnknownTask(id), StoreError::OperationNotTask),
            Ok(false) => StoreError::UnknownTask(id),
            Err(e) => e,
        }
    }

    /// Operation `id` with its tasks; an id that is a task's, or nothing's,
    /// says so ([`StoreError::TaskNotOperation`],
    /// [`StoreError::UnknownOperation`]).
    pub fn existing_operation(&self, id: OperationId) -> Result<Operation, StoreError> {
        if let Some(operation) = self.operation(id)? {
            return Ok(operation);
        }
        Err(if self.has_row("tasks", id.to_sql())? {
            TaskId::from_sql(id.to_sql()).map_or(
                StoreError::UnknownOperation(id),
                StoreError::TaskNotOperation,
            )
        } else {
            StoreError::UnknownOperation(id)
        })
    }

    /// Whether `table` has a row of id `id`.
    fn has_row(&self, table: &str, id: i64) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT 1 FROM {table} WHERE id = ?1"),
                [id],
                |_| Ok(()),
            )
            .optional()
            .map(|row| row.is_some())
            .map_err(self.sqlite())
    }

    /// Follows task `id` until it has finished or `wait` has passed,
    /// handing `on_log` each log line as it reaches the store (the lines
    /// there already first). Polls, from every [`FIRST_POLL`] up to every
    /// [`MAX_POLL`] while nothing changes, back to the first when a line
    /// comes.
    pub fn follow(
        &self,
        id: TaskId,
        wait: Option<Duration>,
        mut on_log: impl FnMut(&crate::action::LogEntry),
    ) -> Result<Followed<Task>, StoreError> {
        let deadline = wait.map(|t| Instant::now() + t);
        let mut seen = 0;
        let mut poll = FIRST_POLL;
        loop {
            self.abort_orphans()?;
            let task = self.task(id)?;
            let new = task.log.get(seen..).unwrap_or_default();
            new.iter().for_each(&mut on_log);
            if !new.is_empty() {
                poll = FIRST_POLL;
            }
            seen = task.log.len();
            if task.status.is_final() {
                return Ok(Followed::Ended(task));
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|left| left.is_zero()) {
                return Ok(Followed::TimedOut(task));
            }
            std::thread::sleep(left.map_or(poll, |left| left.min(poll)));
            poll = poll.mul_f64(1.5).min(MAX_POLL);
        }
    }

    /// Follows operation `id` until every task has finished or `wait` has
    /// passed, polling every [`MAX_POLL`].
    pub fn follow_operation(
        &self,
        id: OperationId,
        wait: Option<Duration>,
    ) -> Result<Followed<Operation>, StoreError> {
        let deadline = wait.map(|t| Instant::now() + t);
        loop {
            self.abort_orphans()?;
            let operation = self.existing_operation(id)?;
            if operation.status().is_final() {
                return Ok(Followed::Ended(operation));
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|left| left.is_zero()) {
                return Ok(Followed::TimedOut(operation));
            }
            std::thread::sleep(left.map_or(MAX_POLL, |left| left.min(MAX_POLL)));
        }
    }

    /// The operations `filter` selects, oldest first, one page of them.
    /// Each holds the tasks that matched the receiver filters (all of its
    /// tasks without them), as `juju operations` shows them.
    pub fn operations(&self, filter: &OperationFilter) -> Result<OperationPage, StoreError> {
        let err = self.sqlite();
        let mut sql = String::from(
            "SELECT o.id, group_concat(t.status) FROM operations o \
             JOIN tasks t ON t.operation = o.id WHERE 1=1",
        );
        let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        let mut task_clause = String::new();
        let placeholders = |args: &mut Vec<Box<dyn rusqlite::ToSql>>, values: Vec<String>| {
            let marks: Vec<String> = values
                .into_iter()
                .map(|v| {
                    args.push(Box::new(v));
                    format!("?{}", args.len())
                })
                .collect();
            marks.join(", ")
        };
        if !filter.actions.is_empty() {
            let marks = placeholders(&mut args, filter.actions.clone());
            sql.push_str(&format!(" AND o.action IN ({marks})"));
        }
        if !filter.applications.is_empty() || !filter.units.is_empty() {
            let mut receivers = Vec::new();
            if !filter.units.is_empty() {
                let units = filter.units.iter().map(ToString::to_string).collect();
                let marks = placeholders(&mut args, units);
                receivers.push(format!("t.unit IN ({marks})"));
            }
            for application in &filter.applications {
                args.push(Box::new(format!("{application}/")));
                receivers.push(format!(
                    "substr(t.unit, 1, length(?{n})) = ?{n}",
                    n = args.len()
                ));
            }
            task_clause = format!(" AND ({})", receivers.join(" OR "));
        }
        sql.push_str(&task_clause);
        sql.push_str(" GROUP BY o.id ORDER BY o.id");
        let matching: Vec<(i64, String)> = {
            let mut stmt = self.conn.prepare(&sql).map_err(err)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .map_err(err)?;
            rows.collect::<Result<_, _>>().map_err(err)?
        };
        let wanted = |statuses: &str| {
            filter.statuses.is_empty() || {
                let parsed = statuses.split(',').filter_map(TaskStatus::parse);
                filter.statuses.contains(&status_of(parsed))
            }
        };
        let ids: Vec<i64> = matching
            .into_iter()
            .filter(|(_, statuses)| wanted(statuses))
            .map(|(id, _)| id)
            .collect();
        let limit = filter.limit.unwrap_or(DEFAULT_OPERATIONS_LIMIT);
        let page: Vec<i64> = ids
            .iter()
            .copied()
            .skip(filter.offset)
            .take(limit)
            .collect();
        let truncated = filter.offset + page.len() < ids.len();
        // The receiver filter again, for the tasks each operation shows
        // (with every argument, so its placeholders keep their numbers).
        let operations = page
            .into_iter()
            .map(|id| {
                let raw = self
                    .conn
                    .query_row(
                        &format!("SELECT {OPERATION_COLUMNS} FROM operations o WHERE o.id = ?1"),
                        [id],
                        RawOperation::from_row,
                    )
                    .map_err(err)?;
                let mut op = self.decode_operation(raw)?;
                if !task_clause.is_empty() {
                    let clause = format!("WHERE t.operation = ?{}{task_clause}", args.len() + 1);
                    let mut values: Vec<&dyn rusqlite::ToSql> =
                        args.iter().map(|a| a.as_ref()).collect();
                    values.push(&id);
                    op.tasks = self.query_tasks(&clause, values.as_slice())?;
                }
                Ok(op)
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(OperationPage {
            operations,
            truncated,
        })
    }

    /// The charm of application `application`'s latest operation, if it
    /// has run any here: the charm a bare application name stands for.
    pub fn charm_of_application(&self, application: &str) -> Result<Option<PathBuf>, StoreError> {
        let charm: Option<String> = self
            .conn
            .query_row(
                "SELECT o.charm FROM operations o JOIN tasks t ON t.operation = o.id \
                 WHERE substr(t.unit, 1, length(?1)) = ?1 ORDER BY o.id DESC LIMIT 1",
                [format!("{application}/")],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sqlite())?;
        Ok(charm.map(PathBuf::from))
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
