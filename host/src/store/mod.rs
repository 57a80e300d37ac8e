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
//!   batches the writes of many concurrent runs into few transactions.

mod enqueue;
mod ownership;
mod queries;
mod records;
pub mod reserve;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

pub use enqueue::NewOperation;
pub use queries::{Operation, OperationFilter};
#[cfg(feature = "fuzzing")]
pub use records::{decode_stored, StoredTask};
pub use writer::{Checkpoint, TaskWriter};

use crate::task::TaskId;
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
        make_private(&path).map_err(|source| StoreError::Io {
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
        let err = self.sqlite();
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
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
            .map_err(err)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        for (index, migration) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(migration).map_err(err)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)
                .map_err(err)?;
        }
        tx.commit().map_err(err)
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

/// Makes the database file private (`0600`) before SQLite opens it, which
/// would make it `0644` (less the umask): it holds every task's params and
/// results, often secrets. SQLite gives its `-wal` and `-shm` files the
/// database's mode; a store made by an earlier charmbox has its three files
/// narrowed.
fn make_private(path: &Path) -> std::io::Result<()> {
    crate::paths::private_file_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        use std::os::unix::fs::PermissionsExt as _;
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = PathBuf::from(name);
        match std::fs::metadata(&file) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?
            }
            _ => {}
        }
    }
    Ok(())
}

/// WAL pages after which a commit checkpoints (see [`open_connection`]).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 64;

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

#[cfg(test)]
mod tests;
