//! The task store: every operation and task, durably, in an embedded SQLite
//! database under the state directory.
//!
//! - Writes are transactional; the schema is versioned (numbered migrations) and
//!   migrated when a store is opened.
//! - Several processes may use one store at once: WAL journaling and a busy
//!   timeout.
//! - Each process that runs tasks holds an *owner lock*; a task left
//!   `pending` or `running` by an owner whose lock is free again belonged to
//!   a process that died, and is marked `aborted` when a store is next
//!   opened.
//! - [`TaskWriter`] batches the writes of many concurrent runs into few
//!   transactions, so a thousand units cost a handful of commits.

mod schema;
mod writer;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde_json::{Map, Value};

pub use writer::{Checkpoint, TaskWriter};

use crate::action::LogEntry;
use crate::task::{Task, TaskStatus, Timing};
use crate::time::{from_micros, to_micros};

/// The database file under the state directory.
pub const DATABASE_FILE: &str = "tasks.db";

/// Errors from the task store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("task store {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A file beside the database could not be used.
    #[error("task store {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database was written by a newer charmbox.
    #[error(
        "task store {path} has schema version {found}, newer than this charmbox understands \
         ({known}); upgrade charmbox or use another --state-dir"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// This build's version.
        known: i64,
    },
    /// No task with that id.
    #[error("task {0} not found: `charmbox operations` lists the tasks there are")]
    UnknownTask(String),
}

/// A new operation: one action on several units.
#[derive(Debug, Clone)]
pub struct NewOperation {
    /// The action.
    pub action: String,
    /// The charm it runs from (for the record, and for background runs).
    pub charm: PathBuf,
    /// The validated params.
    pub params: Value,
    /// The units, one task each.
    pub units: Vec<String>,
}

/// An operation as stored, with its tasks.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Its id.
    pub id: String,
    /// The action.
    pub action: String,
    /// The charm path.
    pub charm: PathBuf,
    /// Its params.
    pub params: Value,
    /// When it was enqueued.
    pub enqueued: SystemTime,
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

/// An open task store.
pub struct TaskStore {
    conn: Connection,
    path: PathBuf,
    state_dir: PathBuf,
    owner: OwnerLock,
}

/// This process's claim on the tasks it runs: a locked file whose lock the
/// kernel frees when the process dies, however it dies.
struct OwnerLock {
    token: String,
    path: PathBuf,
    _file: File,
}

impl Drop for OwnerLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl TaskStore {
    /// Opens (creating and migrating if needed) the store in `state_dir`, and
    /// marks tasks of dead processes `aborted`.
    pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
        let owners = state_dir.join("owners");
        std::fs::create_dir_all(&owners).map_err(|source| StoreError::Io {
            path: owners.clone(),
            source,
        })?;
        let path = state_dir.join(DATABASE_FILE);
        let conn = open_connection(&path)?;
        let owner = OwnerLock::acquire(&owners)?;
        let store = Self {
            conn,
            path,
            state_dir: state_dir.to_owned(),
            owner,
        };
        store.migrate()?;
        store.abort_orphans()?;
        Ok(store)
    }

    /// This process's owner token, recorded on the tasks it runs.
    pub fn owner(&self) -> &str {
        &self.owner.token
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sqlite(&self) -> impl Fn(rusqlite::Error) -> StoreError + Copy + '_ {
        sqlite_error(&self.path)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let err = self.sqlite();
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&err)?;
        let known = schema::current_version();
        if version > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known,
            });
        }
        if version == known {
            return Ok(());
        }
        // IMMEDIATE: two processes opening a new store must not both migrate.
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(&err)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&err)?;
        for (index, migration) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(migration).map_err(&err)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)
                .map_err(&err)?;
        }
        tx.commit().map_err(&err)
    }

    /// Marks `pending` and `running` tasks whose owner process has died as
    /// `aborted`, saying why. Returns how many it marked.
    pub fn abort_orphans(&self) -> Result<usize, StoreError> {
        let err = self.sqlite();
        let owners: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT DISTINCT owner FROM tasks WHERE status IN ('pending', 'running')")
                .map_err(&err)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(&err)?;
            rows.collect::<Result<_, _>>().map_err(&err)?
        };
        let mut aborted = 0;
        let now = to_micros(SystemTime::now());
        for owner in owners {
            if owner == self.owner.token || OwnerLock::is_alive(&self.state_dir, &owner) {
                continue;
            }
            aborted += self
                .conn
                .execute(
                    "UPDATE tasks SET status = 'aborted', completed = ?1, message = ?2 \
                     WHERE owner = ?3 AND status IN ('pending', 'running')",
                    params![
                        now,
                        "aborted: the charmbox process running this task stopped before it \
                         finished (killed or crashed); nothing it reported after its last \
                         record was kept",
                        owner
                    ],
                )
                .map_err(&err)?;
            let _ = std::fs::remove_file(OwnerLock::path_for(&self.state_dir, &owner));
        }
        Ok(aborted)
    }

    /// Records a new operation with one `pending` task per unit, in one
    /// transaction; returns the tasks (ids assigned, in unit order).
    pub fn enqueue(&mut self, operation: &NewOperation) -> Result<(String, Vec<Task>), StoreError> {
        self.enqueue_with(operation, false)
    }

    /// Records a new operation whose tasks start as they are enqueued
    /// (`running`, started when enqueued): for a caller that already holds
    /// their units (see [`crate::operation::UnitClaim`]), one transaction
    /// instead of an enqueue and then a start for each task.
    pub fn enqueue_started(
        &mut self,
        operation: &NewOperation,
    ) -> Result<(String, Vec<Task>), StoreError> {
        self.enqueue_with(operation, true)
    }

    fn enqueue_with(
        &mut self,
        operation: &NewOperation,
        start: bool,
    ) -> Result<(String, Vec<Task>), StoreError> {
        let now = SystemTime::now();
        let started = start.then_some(now);
        let params_text = operation.params.to_string();
        // Many tasks fill the WAL past this connection's short autocheckpoint:
        // leave the checkpoint (and its fsyncs) to the writer, which makes
        // one when the operation ends.
        let bulk = operation.units.len() > BULK_ENQUEUE_TASKS;
        if bulk {
            self.conn
                .pragma_update(None, "wal_autocheckpoint", 0)
                .map_err(self.sqlite())?;
        }
        let enqueued = self.insert_operation(operation, now, started, &params_text);
        if bulk {
            self.conn
                .pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
                .map_err(self.sqlite())?;
        }
        enqueued
    }

    fn insert_operation(
        &mut self,
        operation: &NewOperation,
        now: SystemTime,
        started: Option<SystemTime>,
        params_text: &str,
    ) -> Result<(String, Vec<Task>), StoreError> {
        let status = match started {
            Some(_) => TaskStatus::Running,
            None => TaskStatus::Pending,
        };
        let err = sqlite_error(&self.path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let first: i64 = tx
            .query_row("SELECT next FROM sequence", [], |r| r.get(0))
            .map_err(err)?;
        let count = 1 + operation.units.len() as i64;
        tx.execute("UPDATE sequence SET next = next + ?1", [count])
            .map_err(err)?;
        tx.execute(
            "INSERT INTO operations (id, action, charm, params, enqueued) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                first,
                operation.action,
                operation.charm.to_string_lossy(),
                params_text,
                to_micros(now)
            ],
        )
        .map_err(err)?;
        let mut tasks = Vec::with_capacity(operation.units.len());
        let shared_params = Arc::new(operation.params.clone());
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO tasks (id, operation, unit, action, params, status, enqueued, \
                     started, owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(err)?;
            for (i, unit) in operation.units.iter().enumerate() {
                let id = first + 1 + i as i64;
                insert
                    .execute(params![
                        id,
                        first,
                        unit,
                        operation.action,
                        params_text,
                        status.as_str(),
                        to_micros(now),
                        started.map(to_micros),
                        self.owner.token
                    ])
                    .map_err(err)?;
                tasks.push(Task {
                    id: id.to_string(),
                    operation: Some(first.to_string()),
                    unit: unit.clone(),
                    action: operation.action.clone(),
                    params: Arc::clone(&shared_params),
                    status,
                    message: None,
                    results: Map::new(),
                    log: Vec::new(),
                    timing: Timing {
                        enqueued: Some(now),
                        started,
                        completed: None,
                    },
                });
            }
        }
        tx.commit().map_err(err)?;
        Ok((first.to_string(), tasks))
    }

    /// Hands the tasks of an operation enqueued by another process (such as
    /// the `run --background` parent) to this one.
    pub fn adopt_operation(&self, operation: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE tasks SET owner = ?1 WHERE operation = ?2 AND status = 'pending'",
                params![self.owner.token, operation],
            )
            .map_err(self.sqlite())?;
        Ok(())
    }

    /// A batching writer for task updates, on its own connection and thread.
    pub fn writer(&self) -> Result<TaskWriter, StoreError> {
        TaskWriter::batched(open_connection(&self.path)?, self.path.clone(), None)
    }

    /// A writer for an operation of `tasks` tasks that keeps this store,
    /// and its claim on the tasks, until it is finished. One task is
    /// written at once through this store's connection on the calling
    /// thread; more are batched as [`writer`](Self::writer) batches them.
    pub fn into_writer(self, tasks: usize) -> Result<TaskWriter, StoreError> {
        if tasks <= 1 {
            Ok(TaskWriter::inline(self))
        } else {
            let conn = open_connection(&self.path)?;
            TaskWriter::batched(conn, self.path.clone(), Some(self))
        }
    }

    /// One task by id.
    pub fn task(&self, id: &str) -> Result<Task, StoreError> {
        let unknown = || StoreError::UnknownTask(id.to_owned());
        let numeric: i64 = id.parse().map_err(|_| unknown())?;
        let mut tasks = self.query_tasks("WHERE t.id = ?1", params![numeric])?;
        tasks.pop().ok_or_else(unknown)
    }

    /// Waits until task `id` has finished (or `timeout` passes), polling.
    pub fn wait_for(&self, id: &str, timeout: Option<Duration>) -> Result<Task, StoreError> {
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        loop {
            self.abort_orphans()?;
            let task = self.task(id)?;
            let finished = !matches!(task.status, TaskStatus::Pending | TaskStatus::Running);
            if finished || deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                return Ok(task);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Operations, newest first, filtered.
    pub fn operations(&self, filter: &OperationFilter) -> Result<Vec<Operation>, StoreError> {
        let err = self.sqlite();
        let mut sql = String::from(
            "SELECT o.id, o.action, o.charm, o.params, o.enqueued FROM operations o WHERE 1=1",
        );
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
        let mut stmt = self.conn.prepare(&sql).map_err(&err)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })
            .map_err(&err)?;
        let mut operations = Vec::new();
        for row in rows {
            let (id, action, charm, params_text, enqueued) = row.map_err(&err)?;
            let tasks = self.query_tasks("WHERE t.operation = ?1", params![id])?;
            operations.push(Operation {
                id: id.to_string(),
                action,
                charm: PathBuf::from(charm),
                params: serde_json::from_str(&params_text).unwrap_or(Value::Null),
                enqueued: from_micros(enqueued),
                tasks,
            });
        }
        Ok(operations)
    }

    /// One operation by id.
    pub fn operation(&self, id: &str) -> Result<Option<Operation>, StoreError> {
        let Ok(numeric) = id.parse::<i64>() else {
            return Ok(None);
        };
        let err = self.sqlite();
        let row = self
            .conn
            .query_row(
                "SELECT action, charm, params, enqueued FROM operations WHERE id = ?1",
                [numeric],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                },
            )
            .optional()
            .map_err(&err)?;
        let Some((action, charm, params_text, enqueued)) = row else {
            return Ok(None);
        };
        Ok(Some(Operation {
            id: id.to_owned(),
            action,
            charm: PathBuf::from(charm),
            params: serde_json::from_str(&params_text).unwrap_or(Value::Null),
            enqueued: from_micros(enqueued),
            tasks: self.query_tasks("WHERE t.operation = ?1", params![numeric])?,
        }))
    }

    fn query_tasks(
        &self,
        clause: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<Task>, StoreError> {
        let err = self.sqlite();
        let sql = format!(
            "SELECT t.id, t.operation, t.unit, t.action, t.params, t.status, t.message, t.results, \
             t.enqueued, t.started, t.completed, t.log FROM tasks t {clause} ORDER BY t.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(&err)?;
        let rows = stmt
            .query_map(args, |r| {
                let status: String = r.get(5)?;
                Ok(Task {
                    id: r.get::<_, i64>(0)?.to_string(),
                    operation: Some(r.get::<_, i64>(1)?.to_string()),
                    unit: r.get(2)?,
                    action: r.get(3)?,
                    params: Arc::new(
                        serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or(Value::Null),
                    ),
                    status: TaskStatus::parse(&status).unwrap_or(TaskStatus::Error),
                    message: r.get(6)?,
                    results: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
                    log: log_from_json(&r.get::<_, String>(11)?),
                    timing: Timing {
                        enqueued: Some(from_micros(r.get(8)?)),
                        started: r.get::<_, Option<i64>>(9)?.map(from_micros),
                        completed: r.get::<_, Option<i64>>(10)?.map(from_micros),
                    },
                })
            })
            .map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }
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
fn log_from_json(text: &str) -> Vec<LogEntry> {
    let pairs: Vec<(i64, String)> = serde_json::from_str(text).unwrap_or_default();
    pairs
        .into_iter()
        .map(|(timestamp, message)| LogEntry {
            timestamp: from_micros(timestamp),
            message,
        })
        .collect()
}

/// WAL pages after which a commit checkpoints (see [`open_connection`]).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 64;
/// An operation of more tasks than this is enqueued without checkpointing
/// (see [`TaskStore::enqueue`]).
const BULK_ENQUEUE_TASKS: usize = 16;

/// Wraps SQLite's errors with the database they came from.
fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + Copy + '_ {
    |source| StoreError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let err = sqlite_error(path);
    let conn = Connection::open(path).map_err(err)?;
    conn.busy_timeout(Duration::from_secs(30)).map_err(err)?;
    // WAL lets readers and one writer work at once across processes;
    // NORMAL sync keeps every committed record through a process crash.
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(err)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(err)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(err)?;
    // Closing the last connection would checkpoint and reset the WAL, and
    // the next process's first write would then fsync a fresh WAL header:
    // ~30 ms on this kind of disk under load, for every CLI run. Leaving
    // the WAL in place lets the periodic auto-checkpoint pay that instead.
    // But each process's first connection reads the whole WAL back to
    // rebuild its index (a CLI run adds ~15 pages), so checkpoint often:
    // at 1000 pages (SQLite's default) reopening cost ~1 ms more.
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
        .map_err(err)?;
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .map_err(err)?;
    Ok(conn)
}

impl OwnerLock {
    fn path_for(state_dir: &Path, token: &str) -> PathBuf {
        state_dir.join("owners").join(format!("{token}.lock"))
    }

    fn acquire(owners: &Path) -> Result<Self, StoreError> {
        let token = uuid::Uuid::new_v4().to_string();
        let path = owners.join(format!("{token}.lock"));
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let file = File::create(&path).map_err(io)?;
        file.lock().map_err(io)?;
        Ok(Self {
            token,
            path,
            _file: file,
        })
    }

    /// Whether the process that owns `token` still runs: its lock is held.
    fn is_alive(state_dir: &Path, token: &str) -> bool {
        let Ok(file) = File::open(Self::path_for(state_dir, token)) else {
            return false;
        };
        match file.try_lock_shared() {
            Ok(()) => false,
            Err(std::fs::TryLockError::WouldBlock) => true,
            Err(std::fs::TryLockError::Error(_)) => true,
        }
    }
}

#[cfg(test)]
mod tests;
