//! Recording a new operation and its tasks, in one transaction: ids come
//! from the sequence operations and tasks share, as in Juju.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use rusqlite::{params, TransactionBehavior};
use serde_json::{Map, Value};

use super::{sqlite_error, StoreError, TaskStore};
use crate::sandbox::SandboxLimits;
use crate::sqlite::WAL_AUTOCHECKPOINT_PAGES;
use crate::task::{IdError, OperationId, Task, TaskId, TaskStatus, Timing};
use crate::time::to_micros;
use crate::unit::UnitName;

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
    pub units: Vec<UnitName>,
    /// The limits its tasks run with (the deadline and memory cap are
    /// recorded; the other bounds are charmbox's defaults).
    pub limits: SandboxLimits,
}

/// An operation of more tasks than this is enqueued without checkpointing
/// (see [`TaskStore::enqueue`]).
const BULK_ENQUEUE_TASKS: usize = 16;

impl TaskStore {
    /// Records a new operation with one `pending` task per unit, in one
    /// transaction; returns the tasks (ids assigned, in unit order).
    pub fn enqueue(
        &mut self,
        operation: &NewOperation,
    ) -> Result<(OperationId, Vec<Task>), StoreError> {
        self.enqueue_with(operation, false)
    }

    /// Records a new operation whose tasks start as they are enqueued
    /// (`running`, started when enqueued): for a caller that already holds
    /// their units, one transaction instead of an enqueue and then a start
    /// for each task.
    pub fn enqueue_started(
        &mut self,
        operation: &NewOperation,
    ) -> Result<(OperationId, Vec<Task>), StoreError> {
        self.enqueue_with(operation, true)
    }

    fn enqueue_with(
        &mut self,
        operation: &NewOperation,
        start: bool,
    ) -> Result<(OperationId, Vec<Task>), StoreError> {
        // Many tasks fill the WAL past this connection's short autocheckpoint:
        // leave the checkpoint (and its fsyncs) to the writer, which makes
        // one when the operation ends.
        let bulk = operation.units.len() > BULK_ENQUEUE_TASKS;
        if bulk {
            self.conn
                .pragma_update(None, "wal_autocheckpoint", 0)
                .map_err(self.sqlite())?;
        }
        let state_dir = self.state_dir.clone();
        let enqueued =
            super::reserve::with_room(&state_dir, || self.insert_operation(operation, start));
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
        start: bool,
    ) -> Result<(OperationId, Vec<Task>), StoreError> {
        let now = SystemTime::now();
        let started = start.then_some(now);
        let status = if start {
            TaskStatus::Running
        } else {
            TaskStatus::Pending
        };
        let params_text = operation.params.to_string();
        let path = self.path.clone();
        let err = sqlite_error(&path);
        let bad_id = |e: IdError| StoreError::BadRecord {
            path: path.clone(),
            record: "the id sequence".into(),
            field: "next id",
            reason: e.to_string(),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let first: i64 = tx
            .query_row("SELECT next FROM sequence", [], |r| r.get(0))
            .map_err(err)?;
        let id = OperationId::from_sql(first).map_err(bad_id)?;
        let count = 1 + operation.units.len() as i64;
        tx.execute("UPDATE sequence SET next = next + ?1", [count])
            .map_err(err)?;
        tx.execute(
            "INSERT INTO operations (id, action, charm, params, enqueued, timeout_ms, \
             memory_bytes, disk_bytes, disk_inodes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                first,
                operation.action,
                operation.charm.to_string_lossy(),
                params_text,
                to_micros(now),
                operation
                    .limits
                    .timeout
                    .map(|t| i64::try_from(t.as_millis()).unwrap_or(i64::MAX)),
                i64::try_from(operation.limits.memory_bytes).unwrap_or(i64::MAX),
                i64::try_from(operation.limits.disk.bytes).unwrap_or(i64::MAX),
                i64::try_from(operation.limits.disk.inodes).unwrap_or(i64::MAX),
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
                let task_id = TaskId::from_sql(first + 1 + i as i64).map_err(bad_id)?;
                insert
                    .execute(params![
                        task_id.to_sql(),
                        first,
                        unit.as_str(),
                        operation.action,
                        params_text,
                        status.as_str(),
                        to_micros(now),
                        started.map(to_micros),
                        self.owner.token
                    ])
                    .map_err(err)?;
                tasks.push(Task {
                    id: task_id,
                    operation: id,
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
        Ok((id, tasks))
    }
}
