//! Where the local model is kept: `model.db` in the state directory (or,
//! for the testing API, a private database in memory), the connections to
//! it, and the errors it gives.
//!
//! Connections are pooled: a run of a charm that uses the model takes one
//! on its first call and gives it back when it ends, so the units of a
//! large operation share a few connections instead of opening one each.
//! Every change an operator or a run makes is one IMMEDIATE transaction
//! ([`ModelDb::write`]), so changes from several processes apply one after
//! another to the current rows and none is lost.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::schema::MIGRATIONS;
use crate::sqlite::{self, MigrateError};
use crate::sync::lock;

/// The database file under the state directory.
pub const MODEL_DATABASE_FILE: &str = "model.db";

/// What the local model could not do.
#[derive(Debug, thiserror::Error)]
pub enum LocalModelError {
    /// SQLite failed.
    #[error("local model {}: {source}", .path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The database was written by a newer charmbox.
    #[error(
        "local model {} has schema version {found}, newer than this charmbox understands \
         ({known}); upgrade charmbox or use another --state-dir", .path.display()
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
        "local model {}: {record} holds a {field} that cannot be read ({reason}); the record \
         was not written by charmbox, or the file is damaged", .path.display()
    )]
    BadRecord {
        /// The database file.
        path: PathBuf,
        /// Which record (`unit hello/0`).
        record: String,
        /// Which field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The model's identity (its UUID file) could not be read or made.
    #[error("cannot read the local model's UUID: {0}")]
    Identity(std::io::Error),
    /// No application of that name is in the model, in Juju's words.
    #[error("application {} not found", crate::charm::config::go_quote(.0))]
    ApplicationNotFound(String),
    /// No unit of that name is in the model, in Juju's words.
    #[error("unit {} not found", crate::charm::config::go_quote(.0))]
    UnitNotFound(String),
    /// No secret of that name, label, URI or ID is in the model, in Juju's
    /// words.
    #[error("secret {} not found", crate::charm::config::go_quote(.0))]
    SecretNotFound(String),
    /// What the operator asked for is refused, in Juju's words (a relation
    /// that exists already, a secret of that name, …).
    #[error("{0}")]
    Refused(String),
    /// A config value refused, in Juju's words.
    #[error(transparent)]
    Config(#[from] crate::charm::config::ConfigError),
    /// An application's charm could not be read.
    #[error("cannot read the charm of application {application:?} at {}: {message}", .path.display())]
    Charm {
        /// The application.
        application: String,
        /// Where its charm was.
        path: PathBuf,
        /// Why it cannot be read.
        message: String,
    },
}

/// The result of a local model operation.
pub type LocalResult<T> = Result<T, LocalModelError>;

/// The model's database and its idle connections.
pub(crate) struct ModelDb {
    /// The file; `None` in memory (one connection, never reopened).
    path: Option<PathBuf>,
    idle: Mutex<Vec<Connection>>,
}

impl ModelDb {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub(crate) fn open(path: &Path) -> LocalResult<Self> {
        let conn = sqlite::open(path).map_err(sqlite_error(path))?;
        migrate(&conn, path)?;
        Ok(Self {
            path: Some(path.to_owned()),
            idle: Mutex::new(vec![conn]),
        })
    }

    /// A new, empty database in memory.
    pub(crate) fn in_memory() -> LocalResult<Self> {
        let path = Path::new(":memory:");
        let conn = sqlite::open_in_memory().map_err(sqlite_error(path))?;
        migrate(&conn, path)?;
        Ok(Self {
            path: None,
            idle: Mutex::new(vec![conn]),
        })
    }

    /// The file, as errors name it.
    pub(crate) fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(":memory:"))
    }

    /// An idle connection, or a new one.
    pub(crate) fn take(&self) -> LocalResult<Connection> {
        if let Some(conn) = lock(&self.idle).pop() {
            return Ok(conn);
        }
        match &self.path {
            Some(path) => sqlite::open(path).map_err(sqlite_error(path)),
            None => Err(LocalModelError::Refused(
                "the model in memory is in use by another run: a testing context runs one \
                 handler at a time"
                    .into(),
            )),
        }
    }

    /// Gives a connection back for the next run.
    pub(crate) fn give_back(&self, conn: Connection) {
        lock(&self.idle).push(conn);
    }

    /// Runs `read` on a connection.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> LocalResult<T>,
    ) -> LocalResult<T> {
        let conn = self.take()?;
        let result = read(&conn);
        self.give_back(conn);
        result
    }

    /// Runs `write` in one IMMEDIATE transaction, committed if it returns
    /// `Ok`.
    pub(crate) fn write<T>(
        &self,
        write: impl FnOnce(&Transaction<'_>) -> LocalResult<T>,
    ) -> LocalResult<T> {
        let mut conn = self.take()?;
        let result = in_transaction(&mut conn, self.path(), write);
        self.give_back(conn);
        result
    }
}

/// Runs `write` on `conn` in one IMMEDIATE transaction, committed if it
/// returns `Ok`.
pub(crate) fn in_transaction<T>(
    conn: &mut Connection,
    path: &Path,
    write: impl FnOnce(&Transaction<'_>) -> LocalResult<T>,
) -> LocalResult<T> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite_error(path))?;
    let value = write(&tx)?;
    tx.commit().map_err(sqlite_error(path))?;
    Ok(value)
}

fn migrate(conn: &Connection, path: &Path) -> LocalResult<()> {
    sqlite::migrate(conn, MIGRATIONS).map_err(|e| match e {
        MigrateError::Sqlite(source) => sqlite_error(path)(source),
        MigrateError::TooNew { found, known } => LocalModelError::TooNew {
            path: path.to_owned(),
            found,
            known,
        },
    })
}

/// Wraps SQLite's errors with the database they came from.
pub(crate) fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> LocalModelError + Copy + '_ {
    |source| LocalModelError::Sqlite {
        path: path.to_owned(),
        source,
    }
}
