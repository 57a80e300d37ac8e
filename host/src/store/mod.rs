//! The task store: every operation and task, durably, in an embedded SQLite
//! database under the state directory.
//!
//! - Writes are transactional; the schema is versioned (numbered migrations,
//!   [`schema`]) and migrated when a store is opened.
//! - Several processes may use one store at once: WAL journaling and a busy
//!   timeout.
//! - Each process that runs tasks holds an *owner lock* ([`ownership`]); a
//!   task left `pending` or `running` by an owner whose lock is free again
//!   belonged to a process that died, and is marked `aborted` when a store
//!   is next opened.
//! - Operations are recorded by [`enqueue`], read back by [`queries`]
//!   (every stored value decoded by [`records`], whose failures are errors,
//!   never defaults), and their tasks updated by [`TaskWriter`], which
//!   batches the writes of many concurrent runs into few transactions
//!   (a running task's log lines too, so another process can follow them).
//! - A task is cancelled from any process through a request its owner acts
//!   on ([`cancel`]).

mod cancel;
mod enqueue;
mod ownership;
mod queries;
mod records;
pub mod reserve;
mod schema;
mod writer;

use rusqlite::Connection;
use std::path::{Path, PathBuf};

pub use cancel::{CancelRequest, CancelRequests};
pub use enqueue::NewOperation;
pub use queries::{
    Followed, Operation, OperationFilter, OperationPage, DEFAULT_OPERATIONS_LIMIT, FIRST_POLL,
    MAX_POLL,
};
#[cfg(feature = "fuzzing")]
pub use records::{decode_stored, StoredTask};
pub use writer::{Checkpoint, LogSink, TaskWriter, LOG_FLUSH_INTERVAL};

use crate::task::{OperationId, TaskId};
use ownership::OwnerLock;

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
    /// A stored value cannot be read back.
    #[error(
        "task store {path}: {record} holds a {field} that cannot be read ({reason}); the record \
         was not written by charmbox, or the file is damaged"
    )]
    BadRecord {
        /// The database file.
        path: PathBuf,
        /// Which record (`task 5`, `operation 4`).
        record: String,
        /// Which field (`results`, `status`).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// No task with that id.
    #[error("task {0} not found: `charmbox operations` lists the tasks there are")]
    UnknownTask(TaskId),
    /// No operation with that id.
    #[error("operation {0} not found: `charmbox operations` lists the operations there are")]
    UnknownOperation(OperationId),
    /// The id asked for as a task's is an operation's (tasks and operations
    /// are numbered from one sequence, as in Juju).
    #[error(
        "{0} is an operation, not a task: show it and its tasks with `charmbox show-operation {0}`"
    )]
    OperationNotTask(OperationId),
    /// The id asked for as an operation's is a task's.
    #[error("{0} is a task, not an operation: show it with `charmbox show-task {0}`")]
    TaskNotOperation(TaskId),
}

/// An open task store.
pub struct TaskStore {
    conn: Connection,
    path: PathBuf,
    state_dir: PathBuf,
    owner: OwnerLock,
}

impl TaskStore {
    /// Opens (creating and migrating if needed) the store in `state_dir`, and
    /// marks tasks of dead processes `aborted`.
    pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
        let owner = reserve::with_room(state_dir, || OwnerLock::acquire(state_dir))?;
        let path = state_dir.join(DATABASE_FILE);
        crate::sqlite::make_private(&path).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        let conn = open_connection(&path)?;
        let store = Self {
            conn,
            path,
            state_dir: state_dir.to_owned(),
            owner,
        };
        reserve::with_room(state_dir, || store.migrate())?;
        reserve::ensure(state_dir);
        // Marking orphans is the one write a reader makes: on a full disk
        // it waits for the next open, and the read goes on.
        match reserve::with_room(state_dir, || store.abort_orphans()) {
            Err(e) if reserve::is_disk_full(&e) => tracing::warn!(
                "{e}: tasks of processes that died stay unmarked until there is room"
            ),
            other => {
                other?;
            }
        }
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sqlite(&self) -> impl Fn(rusqlite::Error) -> StoreError + Copy + '_ {
        sqlite_error(&self.path)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        crate::sqlite::migrate(&self.conn, schema::MIGRATIONS).map_err(|e| match e {
            crate::sqlite::MigrateError::Sqlite(source) => sqlite_error(&self.path)(source),
            crate::sqlite::MigrateError::TooNew { found, known } => StoreError::TooNew {
                path: self.path.clone(),
                found,
                known,
            },
        })
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
}

/// Wraps SQLite's errors with the database they came from.
fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + Copy + '_ {
    |source| StoreError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    crate::sqlite::open(path).map_err(sqlite_error(path))
}

#[cfg(test)]
mod tests;
