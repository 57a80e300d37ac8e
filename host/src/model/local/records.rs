//! The local model's applications and units, as rows: who runs which
//! charm and who leads, each one's status and workload version, the
//! operator's config values, each unit's state and open ports, and the
//! debug log. Plain reads and writes, each on a connection or transaction
//! the caller holds; Juju's rules are the backend's and the operator
//! commands'. A stored value that cannot be read back is an error, never a
//! default.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use indexmap::IndexMap;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::db::{sqlite_error, LocalModelError, LocalResult};
use crate::model::{Bag, LogLevel, PortRange, Protocol, Status, StatusInfo};
use crate::time::{from_micros, to_micros};
use crate::unit::UnitName;

/// An application, as the model keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRecord {
    /// Its name.
    pub name: String,
    /// The charm it runs (its path); `None` for a stand-in remote
    /// application.
    pub charm: Option<PathBuf>,
    /// The charm's name.
    pub charm_name: String,
    /// The unit that leads it.
    pub leader: Option<String>,
    /// Its status, as its leader set it.
    pub status: StatusInfo,
    /// When that was set.
    pub status_since: Option<SystemTime>,
}

impl ApplicationRecord {
    /// Whether it is a stand-in for a remote application.
    pub fn is_stand_in(&self) -> bool {
        self.charm.is_none()
    }
}

/// A unit, as the model keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRecord {
    /// Its name.
    pub name: UnitName,
    /// Its workload status.
    pub status: StatusInfo,
    /// When that was set.
    pub status_since: Option<SystemTime>,
    /// Its workload version (`application-version-set`).
    pub workload_version: String,
    /// When that was set.
    pub workload_version_since: Option<SystemTime>,
}

/// One line of the debug log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebugLogLine {
    /// When it was logged.
    pub time: SystemTime,
    /// The unit that logged it.
    pub unit: String,
    /// Its level.
    pub level: LogLevel,
    /// The message.
    pub message: String,
}

/// Reads the rows of one database, naming it in errors.
pub(crate) struct Rows<'c> {
    pub conn: &'c Connection,
    pub path: &'c Path,
}

impl<'c> Rows<'c> {
    pub(crate) fn new(conn: &'c Connection, path: &'c Path) -> Self {
        Self { conn, path }
    }

    pub(crate) fn err(&self) -> impl Fn(rusqlite::Error) -> LocalModelError + Copy + 'c {
        sqlite_error(self.path)
    }

    /// Every row `sql` selects with `params`, each read by `map`: the one
    /// place a query is prepared (and its statement cached) and its rows
    /// collected, each SQLite error naming the model file.
    pub(crate) fn query_all<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> LocalResult<Vec<T>> {
        let mut statement = self.conn.prepare_cached(sql).map_err(self.err())?;
        let rows = statement.query_map(params, map).map_err(self.err())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err())
    }

    pub(crate) fn bad(
        &self,
        record: String,
        field: &'static str,
        reason: String,
    ) -> LocalModelError {
        LocalModelError::BadRecord {
            path: self.path.to_owned(),
            record,
            field,
            reason,
        }
    }

    /// The time stored as `micros` in `field` of `record`; a time charmbox
    /// cannot have written is a bad record.
    pub(crate) fn time(
        &self,
        record: &str,
        field: &'static str,
        micros: i64,
    ) -> LocalResult<SystemTime> {
        from_micros(micros).map_err(|e| self.bad(record.to_owned(), field, e.to_string()))
    }

    /// [`Self::time`] of a field that may be empty.
    pub(crate) fn optional_time(
        &self,
        record: &str,
        field: &'static str,
        micros: Option<i64>,
    ) -> LocalResult<Option<SystemTime>> {
        micros.map(|m| self.time(record, field, m)).transpose()
    }

    /// The next number of the sequence `name` (0 first, as Juju's
    /// sequences start).
    pub(crate) fn next_in_sequence(&self, name: &str) -> LocalResult<i64> {
        let err = self.err();
        let next: Option<i64> = self
            .conn
            .query_row("SELECT next FROM sequences WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(err)?;
        let next = next.unwrap_or(0);
        self.conn
            .execute(
                "INSERT INTO sequences (name, next) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET next = excluded.next",
                params![name, next + 1],
            )
            .map_err(err)?;
        Ok(next)
    }

    // ---- applications

    /// The application named `name`.
    pub(crate) fn application(&self, name: &str) -> LocalResult<Option<ApplicationRecord>> {
        let row = self
            .conn
            .query_row(
                "SELECT name, charm, charm_name, leader, status, status_message, status_since
                 FROM applications WHERE name = ?1",
                [name],
                application_row,
            )
            .optional()
            .map_err(self.err())?;
        row.map(|row| self.application_record(row)).transpose()
    }

    /// Every application, by name.
    pub(crate) fn applications(&self) -> LocalResult<Vec<ApplicationRecord>> {
        let rows = self.query_all(
            "SELECT name, charm, charm_name, leader, status, status_message, status_since
                 FROM applications ORDER BY name",
            [],
            application_row,
        )?;
        rows.into_iter()
            .map(|row| self.application_record(row))
            .collect()
    }

    fn application_record(&self, row: ApplicationRow) -> LocalResult<ApplicationRecord> {
        let record = format!("application {}", row.name);
        let status = self.status(record.clone(), &row.status)?;
        let status_since = self.optional_time(&record, "status time", row.status_since)?;
        Ok(ApplicationRecord {
            charm: row.charm.map(PathBuf::from),
            charm_name: row.charm_name,
            leader: row.leader,
            status: StatusInfo {
                status,
                message: row.status_message,
            },
            status_since,
            name: row.name,
        })
    }

    fn status(&self, record: String, text: &str) -> LocalResult<Status> {
        Status::parse(text).ok_or_else(|| self.bad(record, "status", format!("{text:?}")))
    }

    /// Records `units` of `application`, which runs the charm at `charm`
    /// (named `charm_name`): the application is made if it is new (its
    /// first unit leads, as Juju elects one), and runs that charm from now
    /// on; units it did not have yet are added.
    pub(crate) fn record_units(
        &self,
        application: &str,
        charm: &Path,
        charm_name: &str,
        units: &[&UnitName],
    ) -> LocalResult<()> {
        let err = self.err();
        let charm_text = charm.to_string_lossy();
        let now = to_micros(SystemTime::now());
        let existing = self.application(application)?;
        match &existing {
            Some(app) if app.is_stand_in() => {
                return Err(LocalModelError::Refused(format!(
                    "application {application:?} is a stand-in for a remote application, not a \
                     local one: its units cannot run a charm"
                )))
            }
            Some(app) if app.charm.as_deref() == Some(charm) && app.charm_name == charm_name => {}
            Some(_) => {
                self.conn
                    .execute(
                        "UPDATE applications SET charm = ?2, charm_name = ?3 WHERE name = ?1",
                        params![application, charm_text, charm_name],
                    )
                    .map_err(err)?;
            }
            None => {
                self.conn
                    .execute(
                        "INSERT INTO applications (name, charm, charm_name, created)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![application, charm_text, charm_name, now],
                    )
                    .map_err(err)?;
            }
        }
        let mut insert = self
            .conn
            .prepare_cached(
                "INSERT INTO units (name, application, number) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO NOTHING",
            )
            .map_err(err)?;
        for unit in units {
            insert
                .execute(params![unit.as_str(), application, unit.number()])
                .map_err(err)?;
        }
        if existing.is_none_or(|app| app.leader.is_none()) {
            self.conn
                .execute(
                    "UPDATE applications SET leader = (
                        SELECT name FROM units WHERE application = ?1 ORDER BY number LIMIT 1
                     ) WHERE name = ?1",
                    [application],
                )
                .map_err(err)?;
        }
        Ok(())
    }

    /// Adds a stand-in remote application with `units` (none of its names
    /// may be taken).
    pub(crate) fn add_stand_in(&self, application: &str, units: &[UnitName]) -> LocalResult<()> {
        let err = self.err();
        let now = to_micros(SystemTime::now());
        self.conn
            .execute(
                "INSERT INTO applications (name, charm, charm_name, created)
                 VALUES (?1, NULL, '', ?2)",
                params![application, now],
            )
            .map_err(err)?;
        for unit in units {
            self.add_unit(application, unit)?;
        }
        Ok(())
    }

    /// Adds `unit` to `application`.
    pub(crate) fn add_unit(&self, application: &str, unit: &UnitName) -> LocalResult<()> {
        self.conn
            .execute(
                "INSERT INTO units (name, application, number) VALUES (?1, ?2, ?3)",
                params![unit.as_str(), application, unit.number()],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Removes `unit` from the model as Juju removes a dead unit: its record,
    /// state and open ports, its relation databags, what it tracks of
    /// secrets, the grants made to it and the secrets it owns. When it led
    /// its application, the lowest-numbered unit left leads (none, when it
    /// was the last); that unit is returned. Its number is never given
    /// again.
    pub(crate) fn remove_unit(&self, unit: &UnitName) -> LocalResult<Option<UnitName>> {
        let err = self.err();
        let name = unit.to_string();
        let application = unit.application();
        for statement in [
            "DELETE FROM relation_data WHERE holder = ?1",
            "DELETE FROM secret_consumers WHERE unit = ?1",
            "DELETE FROM secret_grants WHERE subject = ?1",
            "DELETE FROM secrets WHERE owner_kind = 'unit' AND owner = ?1",
            "DELETE FROM units WHERE name = ?1",
        ] {
            self.conn.execute(statement, [&name]).map_err(err)?;
        }
        let floor = i64::from(unit.number()) + 1;
        self.conn
            .execute(
                "INSERT INTO sequences (name, next) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET next = max(next, excluded.next)",
                params![unit_number_sequence(application), floor],
            )
            .map_err(err)?;
        let led = self
            .application(application)?
            .is_some_and(|app| app.leader.as_deref() == Some(name.as_str()));
        if !led {
            return Ok(None);
        }
        let next = self.units(application)?.into_iter().next().map(|u| u.name);
        self.set_leader(
            application,
            next.as_ref().map(UnitName::to_string).as_deref(),
        )?;
        Ok(next)
    }

    /// The number `application`'s next unit takes: past every unit it has
    /// or had (Juju never gives a removed unit's number again).
    pub(crate) fn next_unit_number(&self, application: &str) -> LocalResult<u32> {
        let err = self.err();
        let removed: Option<i64> = self
            .conn
            .query_row(
                "SELECT next FROM sequences WHERE name = ?1",
                [unit_number_sequence(application)],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let present: Option<i64> = self
            .conn
            .query_row(
                "SELECT max(number) + 1 FROM units WHERE application = ?1",
                [application],
                |r| r.get(0),
            )
            .map_err(err)?;
        let next = removed.unwrap_or(0).max(present.unwrap_or(0));
        u32::try_from(next).map_err(|_| {
            self.bad(
                format!("application {application}"),
                "next unit number",
                next.to_string(),
            )
        })
    }

    /// Makes `unit` its application's leader.
    pub(crate) fn set_leader(&self, application: &str, unit: Option<&str>) -> LocalResult<()> {
        self.conn
            .execute(
                "UPDATE applications SET leader = ?2 WHERE name = ?1",
                params![application, unit],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Sets an application's status.
    pub(crate) fn set_application_status(
        &self,
        application: &str,
        status: &StatusInfo,
    ) -> LocalResult<()> {
        self.conn
            .execute(
                "UPDATE applications SET status = ?2, status_message = ?3, status_since = ?4
                 WHERE name = ?1",
                params![
                    application,
                    status.status.as_str(),
                    status.message,
                    to_micros(SystemTime::now())
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    // ---- units

    /// The unit named `name`.
    pub(crate) fn unit(&self, name: &str) -> LocalResult<Option<UnitRecord>> {
        let row = self
            .conn
            .query_row(
                "SELECT name, status, status_message, status_since, workload_version,
                        workload_version_since
                 FROM units WHERE name = ?1",
                [name],
                unit_row,
            )
            .optional()
            .map_err(self.err())?;
        row.map(|row| self.unit_record(row)).transpose()
    }

    /// The units of `application`, by number.
    pub(crate) fn units(&self, application: &str) -> LocalResult<Vec<UnitRecord>> {
        let rows = self.query_all(
            "SELECT name, status, status_message, status_since, workload_version,
                        workload_version_since
                 FROM units WHERE application = ?1 ORDER BY number",
            [application],
            unit_row,
        )?;
        rows.into_iter().map(|row| self.unit_record(row)).collect()
    }

    fn unit_record(&self, row: UnitRow) -> LocalResult<UnitRecord> {
        let record = format!("unit {}", row.name);
        let name = row.name.parse().map_err(|e: crate::unit::UnitNameError| {
            self.bad(record.clone(), "name", e.to_string())
        })?;
        let status_since = self.optional_time(&record, "status time", row.status_since)?;
        let workload_version_since =
            self.optional_time(&record, "workload version time", row.workload_version_since)?;
        Ok(UnitRecord {
            status: StatusInfo {
                status: self.status(record, &row.status)?,
                message: row.status_message,
            },
            status_since,
            workload_version: row.workload_version,
            workload_version_since,
            name,
        })
    }

    /// Sets a unit's workload status.
    pub(crate) fn set_unit_status(&self, unit: &str, status: &StatusInfo) -> LocalResult<()> {
        self.conn
            .execute(
                "UPDATE units SET status = ?2, status_message = ?3, status_since = ?4
                 WHERE name = ?1",
                params![
                    unit,
                    status.status.as_str(),
                    status.message,
                    to_micros(SystemTime::now())
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Sets a unit's workload version.
    pub(crate) fn set_workload_version(&self, unit: &str, version: &str) -> LocalResult<()> {
        self.conn
            .execute(
                "UPDATE units SET workload_version = ?2, workload_version_since = ?3
                 WHERE name = ?1",
                params![unit, version, to_micros(SystemTime::now())],
            )
            .map_err(self.err())?;
        Ok(())
    }

    // ---- config

    /// The config values the operator set on `application`, as stored
    /// (JSON), by key.
    pub(crate) fn config(&self, application: &str) -> LocalResult<IndexMap<String, Value>> {
        let rows = self.query_all(
            "SELECT key, value FROM config WHERE application = ?1 ORDER BY key",
            [application],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?;
        rows.into_iter()
            .map(|(key, text)| {
                let value = serde_json::from_str(&text).map_err(|e| {
                    self.bad(
                        format!("config {key:?} of application {application}"),
                        "value",
                        e.to_string(),
                    )
                })?;
                Ok((key, value))
            })
            .collect()
    }

    /// Sets each of `values` and removes each of `reset`.
    pub(crate) fn update_config(
        &self,
        application: &str,
        values: &[(String, Value)],
        reset: &[String],
    ) -> LocalResult<()> {
        let err = self.err();
        for key in reset {
            self.conn
                .execute(
                    "DELETE FROM config WHERE application = ?1 AND key = ?2",
                    params![application, key],
                )
                .map_err(err)?;
        }
        for (key, value) in values {
            self.conn
                .execute(
                    "INSERT INTO config (application, key, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (application, key) DO UPDATE SET value = excluded.value",
                    params![application, key, value.to_string()],
                )
                .map_err(err)?;
        }
        Ok(())
    }

    // ---- unit state

    /// A unit's state.
    pub(crate) fn unit_state(&self, unit: &str) -> LocalResult<Bag> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT key, value FROM unit_state WHERE unit = ?1")
            .map_err(self.err())?;
        let bag = statement
            .query_map([unit], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?
            .collect::<Result<Bag, _>>()
            .map_err(self.err())?;
        Ok(bag)
    }

    /// Sets (`Some`) or removes (`None`) each key of a unit's state.
    pub(crate) fn update_unit_state<'a>(
        &self,
        unit: &str,
        changes: impl IntoIterator<Item = (&'a String, &'a Option<String>)>,
    ) -> LocalResult<()> {
        let err = self.err();
        for (key, value) in changes {
            match value {
                Some(value) => self
                    .conn
                    .execute(
                        "INSERT INTO unit_state (unit, key, value) VALUES (?1, ?2, ?3)
                         ON CONFLICT (unit, key) DO UPDATE SET value = excluded.value",
                        params![unit, key, value],
                    )
                    .map_err(err)?,
                None => self
                    .conn
                    .execute(
                        "DELETE FROM unit_state WHERE unit = ?1 AND key = ?2",
                        params![unit, key],
                    )
                    .map_err(err)?,
            };
        }
        Ok(())
    }

    // ---- ports

    /// A unit's open ports, with the endpoint each is open for (`""`:
    /// every endpoint).
    pub(crate) fn opened_ports(&self, unit: &str) -> LocalResult<Vec<(String, PortRange)>> {
        let rows = self.query_all(
            "SELECT endpoint, protocol, from_port, to_port FROM opened_ports WHERE unit = ?1",
            [unit],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(endpoint, protocol, from, to)| {
                let bad =
                    |reason: String| self.bad(format!("a port of unit {unit}"), "range", reason);
                let protocol = match protocol.as_str() {
                    "tcp" => Protocol::Tcp,
                    "udp" => Protocol::Udp,
                    "icmp" => Protocol::Icmp,
                    other => return Err(bad(format!("protocol {other:?}"))),
                };
                let port = |n: i64| u16::try_from(n).map_err(|_| bad(format!("port {n}")));
                Ok((
                    endpoint,
                    PortRange {
                        protocol,
                        from: port(from)?,
                        to: port(to)?,
                    },
                ))
            })
            .collect()
    }

    /// Opens (`true`) or closes (`false`) a range for an endpoint.
    pub(crate) fn update_port(
        &self,
        unit: &str,
        endpoint: &str,
        range: PortRange,
        open: bool,
    ) -> LocalResult<()> {
        let protocol = protocol_name(range.protocol);
        let sql = if open {
            "INSERT INTO opened_ports (unit, endpoint, protocol, from_port, to_port)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM opened_ports WHERE unit = ?1 AND endpoint = ?2 AND protocol = ?3
             AND from_port = ?4 AND to_port = ?5"
        };
        self.conn
            .execute(sql, params![unit, endpoint, protocol, range.from, range.to])
            .map_err(self.err())?;
        Ok(())
    }

    // ---- debug log

    /// Appends a line to the debug log.
    pub(crate) fn log(&self, unit: &str, level: LogLevel, message: &str) -> LocalResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO debug_log (time, unit, level, message) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    to_micros(SystemTime::now()),
                    unit,
                    level.as_str(),
                    message
                ])
            })
            .map_err(self.err())?;
        Ok(())
    }

    /// The debug log's lines after `after` (a line's number; 0 for all), of
    /// `unit` only when given, in order, with each line's number.
    pub(crate) fn debug_log(
        &self,
        unit: Option<&str>,
        after: i64,
    ) -> LocalResult<Vec<(i64, DebugLogLine)>> {
        let rows = self.query_all(
            "SELECT seq, time, unit, level, message FROM debug_log
                 WHERE seq > ?1 AND (?2 IS NULL OR unit = ?2) ORDER BY seq",
            params![after, unit],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(seq, time, unit, level, message)| {
                let level = LogLevel::parse(&level)
                    .ok_or_else(|| self.bad(format!("debug log line {seq}"), "level", level))?;
                Ok((
                    seq,
                    DebugLogLine {
                        time: self.time(&format!("debug log line {seq}"), "time", time)?,
                        unit,
                        level,
                        message,
                    },
                ))
            })
            .collect()
    }
}

/// A protocol as stored (and as Juju names it).
/// The sequence that keeps the numbers of `application`'s removed units.
fn unit_number_sequence(application: &str) -> String {
    format!("unit-number:{application}")
}

pub(crate) fn protocol_name(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Icmp => "icmp",
    }
}

struct ApplicationRow {
    name: String,
    charm: Option<String>,
    charm_name: String,
    leader: Option<String>,
    status: String,
    status_message: String,
    status_since: Option<i64>,
}

fn application_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApplicationRow> {
    Ok(ApplicationRow {
        name: r.get(0)?,
        charm: r.get(1)?,
        charm_name: r.get(2)?,
        leader: r.get(3)?,
        status: r.get(4)?,
        status_message: r.get(5)?,
        status_since: r.get(6)?,
    })
}

struct UnitRow {
    name: String,
    status: String,
    status_message: String,
    status_since: Option<i64>,
    workload_version: String,
    workload_version_since: Option<i64>,
}

fn unit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UnitRow> {
    Ok(UnitRow {
        name: r.get(0)?,
        status: r.get(1)?,
        status_message: r.get(2)?,
        status_since: r.get(3)?,
        workload_version: r.get(4)?,
        workload_version_since: r.get(5)?,
    })
}
