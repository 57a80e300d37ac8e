//! The record of every hook the local model fired: `hooks.db` in the state
//! directory (SQLite as the task store is), one row per run, like a task:
//! which unit, which event with its whole context, what fired it, how it
//! ended, when. A unit whose hook failed is in error until `resolve`: that
//! is kept here too, with the event to retry.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use rusqlite::{params, Connection, OptionalExtension};

use crate::model::EventInfo;
use crate::sqlite::{self, MigrateError};
use crate::time::{from_micros, to_micros};
use crate::unit::UnitName;

/// The database file under the state directory.
pub const HOOKS_DATABASE_FILE: &str = "hooks.db";

const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE hook_runs (
        id         INTEGER PRIMARY KEY,
        unit       TEXT NOT NULL,
        hook       TEXT NOT NULL,
        event      TEXT NOT NULL,
        cause      TEXT NOT NULL,
        status     TEXT NOT NULL,
        message    TEXT,
        started    INTEGER NOT NULL,
        completed  INTEGER NOT NULL
    );
    CREATE INDEX hook_runs_by_unit ON hook_runs(unit, id);
    CREATE TABLE unit_errors (
        unit   TEXT PRIMARY KEY,
        run    INTEGER NOT NULL REFERENCES hook_runs(id),
        event  TEXT NOT NULL,
        cause  TEXT NOT NULL
    );
    "#,
    // 2: the steps of a unit's removal that wait for its error to be resolved.
    r#"
    CREATE TABLE removal_steps (
        seq    INTEGER PRIMARY KEY,
        -- The unit being removed.
        dying  TEXT NOT NULL,
        -- The unit the step runs on (the dying one, or one it departs from).
        unit   TEXT NOT NULL,
        -- JSON: a Step.
        step   TEXT NOT NULL,
        cause  TEXT NOT NULL
    );
    CREATE INDEX removal_steps_by_dying ON removal_steps(dying, seq);
    -- The secret hooks fired: once per secret, unit, hook and revision.
    CREATE TABLE secret_notices (
        secret    TEXT NOT NULL,
        unit      TEXT NOT NULL,
        hook      TEXT NOT NULL,
        revision  INTEGER NOT NULL,
        PRIMARY KEY (secret, unit, hook, revision)
    ) WITHOUT ROWID;
    "#,
];

/// How a hook run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStatus {
    /// It ran to its end.
    Completed,
    /// It ran to its end and deferred its event.
    Deferred,
    /// It failed: the unit is in error.
    Failed,
    /// The charm has no handler for it: nothing ran (as Juju acknowledges
    /// a missing hook).
    Acknowledged,
}

impl HookStatus {
    /// Its name, as records and `charmbox` show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Deferred => "deferred",
            Self::Failed => "failed",
            Self::Acknowledged => "no handler",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::Completed,
            Self::Deferred,
            Self::Failed,
            Self::Acknowledged,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// One hook run, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRun {
    /// Its number, in the order runs were recorded (from 1).
    pub id: u64,
    /// The unit it ran on.
    pub unit: UnitName,
    /// The event, with its context.
    pub event: EventInfo,
    /// What fired it (`deploy`, `config`, `relation data written by db/0`,
    /// `deferred, run again before action task 7`…).
    pub cause: String,
    /// How it ended.
    pub status: HookStatus,
    /// Why it failed, when it did.
    pub message: Option<String>,
    /// When it started.
    pub started: SystemTime,
    /// When it ended.
    pub completed: SystemTime,
}

/// One step of a unit's removal, or of any queue of hooks: a hook to run,
/// or the dying unit leaving the model (its hooks all run).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Run this event's hook.
    Hook(Box<EventInfo>),
    /// The unit leaves the model: its record, data and state are removed.
    Leave,
}

/// A removal step held while the dying unit is in error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldStep {
    /// The unit it runs on.
    pub unit: UnitName,
    /// What it is.
    pub step: Step,
    /// What fired it.
    pub cause: String,
}

/// A unit in error: the failed run, and the event `resolve` retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitInError {
    /// The unit.
    pub unit: UnitName,
    /// The run that failed.
    pub run: u64,
    /// Its event.
    pub event: EventInfo,
    /// What had fired it.
    pub cause: String,
}

/// Why the hook record could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum HookLogError {
    /// The file could not be made private (`0600`).
    #[error("cannot make the hook record {} private: {source}", .path.display())]
    Private {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("hook record {}: {source}", .path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The database was written by a newer charmbox.
    #[error(
        "hook record {} has schema version {found}, newer than this charmbox understands \
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
        "hook record {}: run {run} holds a {field} that cannot be read ({reason}); the file was \
         not written by charmbox, or is damaged", .path.display()
    )]
    BadRecord {
        /// The database file.
        path: PathBuf,
        /// The run.
        run: i64,
        /// Which field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A held removal step cannot be read back.
    #[error(
        "hook record {}: a held step of the removal of {dying} holds a {field} that cannot be \
         read ({reason}); the file was not written by charmbox, or is damaged", .path.display()
    )]
    BadRemovalStep {
        /// The database file.
        path: PathBuf,
        /// The unit being removed.
        dying: String,
        /// Which field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// The hook record of a state directory (or one in memory). The file is
/// opened on first use: an operation that fires no hook opens nothing.
pub struct HookLog {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
}

impl std::fmt::Debug for HookLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookLog").field("path", &self.path).finish()
    }
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
);

impl HookLog {
    /// The record of `state_dir` (made on first use).
    pub fn open(state_dir: &Path) -> Self {
        Self {
            path: state_dir.join(HOOKS_DATABASE_FILE),
            conn: Mutex::new(None),
        }
    }

    /// A new, empty record in memory (the testing API's).
    pub fn in_memory() -> Result<Self, HookLogError> {
        let path = PathBuf::from(":memory:");
        let conn = sqlite::open_in_memory().map_err(sqlite_error(&path))?;
        migrate(&path, &conn)?;
        Ok(Self {
            path,
            conn: Mutex::new(Some(conn)),
        })
    }

    /// Runs `use_it` on the connection, opening the file first if need be.
    fn with<T>(
        &self,
        use_it: impl FnOnce(&mut Connection) -> Result<T, HookLogError>,
    ) -> Result<T, HookLogError> {
        let mut guard = crate::sync::lock(&self.conn);
        if guard.is_none() {
            // Hooks' failure messages are the charm's words: as private as
            // the task store.
            sqlite::make_private(&self.path).map_err(|source| HookLogError::Private {
                path: self.path.clone(),
                source,
            })?;
            let conn = sqlite::open(&self.path).map_err(sqlite_error(&self.path))?;
            migrate(&self.path, &conn)?;
            *guard = Some(conn);
        }
        use_it(guard.as_mut().expect("opened above"))
    }

    /// Records a run; a failed one puts its unit in error, any other takes
    /// it out. Returns the run's id.
    pub fn record(&self, run: &NewHookRun<'_>) -> Result<u64, HookLogError> {
        self.with(|conn| self.record_on(conn, run))
    }

    fn record_on(&self, conn: &mut Connection, run: &NewHookRun<'_>) -> Result<u64, HookLogError> {
        let tx = conn.transaction().map_err(sqlite_error(&self.path))?;
        let event = serde_json::to_string(run.event).expect("events always serialise");
        tx.execute(
            "INSERT INTO hook_runs (unit, hook, event, cause, status, message, started, completed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                run.unit.to_string(),
                run.event.name,
                event,
                run.cause,
                run.status.as_str(),
                run.message,
                to_micros(run.started),
                to_micros(run.completed),
            ],
        )
        .map_err(sqlite_error(&self.path))?;
        let id = tx.last_insert_rowid();
        if run.status == HookStatus::Failed {
            tx.execute(
                "INSERT OR REPLACE INTO unit_errors (unit, run, event, cause) VALUES (?1, ?2, ?3, ?4)",
                params![run.unit.as_str(), id, event, run.cause],
            )
            .map_err(sqlite_error(&self.path))?;
        } else {
            tx.execute(
                "DELETE FROM unit_errors WHERE unit = ?1",
                params![run.unit.as_str()],
            )
            .map_err(sqlite_error(&self.path))?;
        }
        tx.commit().map_err(sqlite_error(&self.path))?;
        Ok(id as u64)
    }

    /// Takes `unit` out of error without a run (`resolve --no-retry`).
    pub fn clear_error(&self, unit: &UnitName) -> Result<(), HookLogError> {
        self.with(|conn| {
            conn.execute(
                "DELETE FROM unit_errors WHERE unit = ?1",
                params![unit.as_str()],
            )
            .map_err(sqlite_error(&self.path))?;
            Ok(())
        })
    }

    /// Whether `unit` is in error, and with what.
    pub fn error_of(&self, unit: &UnitName) -> Result<Option<UnitInError>, HookLogError> {
        let row: Option<(i64, String, String)> = self.with(|conn| {
            conn.query_row(
                "SELECT run, event, cause FROM unit_errors WHERE unit = ?1",
                params![unit.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(sqlite_error(&self.path))
        })?;
        row.map(|(run, event, cause)| {
            Ok(UnitInError {
                unit: unit.clone(),
                run: run as u64,
                event: serde_json::from_str(&event).map_err(|e| HookLogError::BadRecord {
                    path: self.path.clone(),
                    run,
                    field: "event",
                    reason: e.to_string(),
                })?,
                cause,
            })
        })
        .transpose()
    }

    /// Keeps `held` for when `dying`'s error is resolved (after the steps
    /// kept already).
    pub fn hold_removal_step(&self, dying: &UnitName, held: &HeldStep) -> Result<(), HookLogError> {
        let step = serde_json::to_string(&held.step).expect("steps always serialise");
        self.with(|conn| {
            conn.execute(
                "INSERT INTO removal_steps (dying, unit, step, cause) VALUES (?1, ?2, ?3, ?4)",
                params![dying.to_string(), held.unit.to_string(), step, held.cause],
            )
            .map_err(sqlite_error(&self.path))?;
            Ok(())
        })
    }

    /// The held steps of `dying`'s removal, in order, no longer kept.
    pub fn take_removal_steps(&self, dying: &UnitName) -> Result<Vec<HeldStep>, HookLogError> {
        let rows: Vec<(i64, String, String, String)> = self.with(|conn| {
            let tx = conn.transaction().map_err(sqlite_error(&self.path))?;
            let rows = {
                let mut statement = tx
                    .prepare(
                        "SELECT seq, unit, step, cause FROM removal_steps WHERE dying = ?1
                         ORDER BY seq",
                    )
                    .map_err(sqlite_error(&self.path))?;
                let rows = statement
                    .query_map(params![dying.to_string()], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })
                    .map_err(sqlite_error(&self.path))?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(sqlite_error(&self.path))?;
                rows
            };
            tx.execute(
                "DELETE FROM removal_steps WHERE dying = ?1",
                params![dying.to_string()],
            )
            .map_err(sqlite_error(&self.path))?;
            tx.commit().map_err(sqlite_error(&self.path))?;
            Ok(rows)
        })?;
        rows.into_iter()
            .map(|(_, unit, step, cause)| {
                let bad = |field: &'static str, reason: String| HookLogError::BadRemovalStep {
                    path: self.path.clone(),
                    dying: dying.to_string(),
                    field,
                    reason,
                };
                Ok(HeldStep {
                    unit: unit.parse().map_err(|e| bad("unit", format!("{e}")))?,
                    step: serde_json::from_str(&step).map_err(|e| bad("step", e.to_string()))?,
                    cause,
                })
            })
            .collect()
    }

    /// Records that `hook` fires on `unit` for `revision` of secret `id`;
    /// whether it had not yet (a secret hook fires once per revision).
    pub fn first_secret_notice(
        &self,
        id: &str,
        unit: &UnitName,
        hook: &str,
        revision: u32,
    ) -> Result<bool, HookLogError> {
        self.with(|conn| {
            let added = conn
                .execute(
                    "INSERT OR IGNORE INTO secret_notices (secret, unit, hook, revision)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![id, unit.to_string(), hook, revision],
                )
                .map_err(sqlite_error(&self.path))?;
            Ok(added == 1)
        })
    }

    /// The units whose removal waits for their error to be resolved.
    pub fn dying_units(&self) -> Result<Vec<UnitName>, HookLogError> {
        let names: Vec<String> = self.with(|conn| {
            let mut statement = conn
                .prepare("SELECT DISTINCT dying FROM removal_steps ORDER BY dying")
                .map_err(sqlite_error(&self.path))?;
            let names = statement
                .query_map([], |r| r.get(0))
                .map_err(sqlite_error(&self.path))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sqlite_error(&self.path))?;
            Ok(names)
        })?;
        names
            .into_iter()
            .map(|name| {
                name.parse().map_err(|e| HookLogError::BadRemovalStep {
                    path: self.path.clone(),
                    dying: name.clone(),
                    field: "unit name",
                    reason: format!("{e}"),
                })
            })
            .collect()
    }

    /// Every run, oldest first; of `unit` only, when given.
    pub fn runs(&self, unit: Option<&UnitName>) -> Result<Vec<HookRun>, HookLogError> {
        let rows = self.with(|conn| self.rows(conn, unit))?;
        rows.into_iter().map(|row| self.decode(row)).collect()
    }

    fn rows(&self, conn: &Connection, unit: Option<&UnitName>) -> Result<Vec<Row>, HookLogError> {
        let mut statement = conn
            .prepare(
                "SELECT id, unit, event, cause, status, message, started, completed
                 FROM hook_runs WHERE ?1 IS NULL OR unit = ?1 ORDER BY id",
            )
            .map_err(sqlite_error(&self.path))?;
        let rows: Vec<Row> = statement
            .query_map(params![unit.map(UnitName::to_string)], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })
            .map_err(sqlite_error(&self.path))?
            .collect::<Result<_, _>>()
            .map_err(sqlite_error(&self.path))?;
        Ok(rows)
    }

    /// The last run of each unit that has one.
    pub fn last_runs(&self) -> Result<Vec<HookRun>, HookLogError> {
        let mut last: std::collections::BTreeMap<String, HookRun> = Default::default();
        for run in self.runs(None)? {
            last.insert(run.unit.to_string(), run);
        }
        Ok(last.into_values().collect())
    }

    fn decode(&self, row: Row) -> Result<HookRun, HookLogError> {
        let (id, unit, event, cause, status, message, started, completed) = row;
        let bad = |field: &'static str, reason: String| HookLogError::BadRecord {
            path: self.path.clone(),
            run: id,
            field,
            reason,
        };
        Ok(HookRun {
            id: id as u64,
            unit: unit.parse().map_err(|e| bad("unit", format!("{e}")))?,
            event: serde_json::from_str(&event).map_err(|e| bad("event", e.to_string()))?,
            cause,
            status: HookStatus::parse(&status).ok_or_else(|| bad("status", status.clone()))?,
            message,
            started: from_micros(started).map_err(|e| bad("start", e.0.to_string()))?,
            completed: from_micros(completed).map_err(|e| bad("end", e.0.to_string()))?,
        })
    }
}

/// A run to record.
#[derive(Debug, Clone)]
pub struct NewHookRun<'a> {
    /// The unit.
    pub unit: &'a UnitName,
    /// The event.
    pub event: &'a EventInfo,
    /// What fired it.
    pub cause: &'a str,
    /// How it ended.
    pub status: HookStatus,
    /// Why it failed.
    pub message: Option<&'a str>,
    /// When it started.
    pub started: SystemTime,
    /// When it ended.
    pub completed: SystemTime,
}

fn migrate(path: &Path, conn: &Connection) -> Result<(), HookLogError> {
    sqlite::migrate(conn, MIGRATIONS).map_err(|e| match e {
        MigrateError::Sqlite(source) => sqlite_error(path)(source),
        MigrateError::TooNew { found, known } => HookLogError::TooNew {
            path: path.to_owned(),
            found,
            known,
        },
    })
}

fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> HookLogError + '_ {
    |source| HookLogError::Sqlite {
        path: path.to_owned(),
        source,
    }
}
