//! The SQLite databases of a state directory (the task store's and the
//! local model's): how charmbox opens a connection to one, and how it
//! brings a database's schema up to date.
//!
//! - [`open`]: WAL journaling (readers and a writer at once, across
//!   processes), `synchronous=NORMAL` (every commit survives a crash of the
//!   process), foreign keys, and a busy timeout.
//! - [`migrate`]: a schema is a list of numbered migrations; `PRAGMA
//!   user_version` counts those applied, and the rest are applied in one
//!   IMMEDIATE transaction, so two processes opening a new database do not
//!   both migrate it.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

/// WAL pages after which a commit checkpoints (see [`open`]).
pub(crate) const WAL_AUTOCHECKPOINT_PAGES: i64 = 64;

/// How long a connection waits for another's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens (creating if needed) the database at `path`.
pub(crate) fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    // Closing the last connection would checkpoint and reset the WAL, and
    // the next process's first write would then fsync a fresh WAL header:
    // ~30 ms on this kind of disk under load, for every CLI run. Leaving
    // the WAL in place lets the periodic auto-checkpoint pay that instead.
    // But each process's first connection reads the whole WAL back to
    // rebuild its index (a CLI run adds ~15 pages), so checkpoint often:
    // at 1000 pages (SQLite's default) reopening cost ~1 ms more.
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )?;
    Ok(conn)
}

/// Makes the database file at `path` private (`0600`) before SQLite opens
/// it, which would make it `0644` (less the umask): the task store holds
/// every task's params and results, the local model secrets' content.
/// SQLite gives its `-wal` and `-shm` files the database's mode; a
/// database made by an earlier charmbox has its three files narrowed.
pub(crate) fn make_private(path: &Path) -> std::io::Result<()> {
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
        let file = std::path::PathBuf::from(name);
        match std::fs::metadata(&file) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?
            }
            _ => {}
        }
    }
    Ok(())
}

/// A private database in memory (the testing API's model), with the same
/// settings as one on disk where they apply.
pub(crate) fn open_in_memory() -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL lets readers and one writer work at once across processes;
    // NORMAL sync keeps every committed record through a process crash.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Why a schema could not be brought up to date.
#[derive(Debug)]
pub(crate) enum MigrateError {
    /// SQLite failed.
    Sqlite(rusqlite::Error),
    /// The database was written by a newer charmbox.
    TooNew {
        /// Its version.
        found: i64,
        /// This build's version.
        known: i64,
    },
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

/// Brings the schema of `conn`'s database up to date: each entry of
/// `migrations` migrates from version `index` to `index + 1`.
pub(crate) fn migrate(conn: &Connection, migrations: &[&str]) -> Result<(), MigrateError> {
    let known = migrations.len() as i64;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > known {
        return Err(MigrateError::TooNew {
            found: version,
            known,
        });
    }
    if version == known {
        return Ok(());
    }
    // IMMEDIATE: two processes opening a new database must not both migrate.
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > known {
        return Err(MigrateError::TooNew {
            found: version,
            known,
        });
    }
    for (index, migration) in migrations.iter().enumerate().skip(version as usize) {
        tx.execute_batch(migration)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    Ok(tx.commit()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        let schema = ["CREATE TABLE a (x INTEGER);", "CREATE TABLE b (y INTEGER);"];
        migrate(&open(&path).unwrap(), &schema[..1]).unwrap();
        // Reopened with one more migration: only the new one runs (a second
        // CREATE TABLE a would fail).
        migrate(&open(&path).unwrap(), &schema).unwrap();
        migrate(&open(&path).unwrap(), &schema).unwrap();
        match migrate(&open(&path).unwrap(), &schema[..1]) {
            Err(MigrateError::TooNew { found: 2, known: 1 }) => {}
            other => panic!("expected TooNew, got {other:?}"),
        }
    }
}
