//! Cancelling tasks, across processes, as `juju cancel-task` does: a
//! pending task becomes `cancelled`; a running one `aborting`, then
//! `aborted` once it has stopped, keeping the results and log it had.
//!
//! Only the process that owns a task runs it, so only it can stop it or
//! keep it from starting. A canceller records a request
//! ([`TaskStore::request_cancel`], the task's `cancel_requested` time); the
//! owner finds its tasks' requests ([`CancelRequests::unhandled`], polled
//! by [`crate::operation`] while an operation runs) and acts on each:
//! [`CancelRequests::mark_cancelled`] for a task it had not started,
//! [`CancelRequests::mark_aborting`] for one it stops, whose run then ends
//! `aborted`.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::SystemTime;

use rusqlite::{params, Connection, OptionalExtension};

use super::schema::UNFINISHED;
use super::{open_connection, sqlite_error, StoreError, TaskStore};
use crate::task::{TaskId, TaskStatus, CANCELLED_MESSAGE};
use crate::time::to_micros;

/// What a cancel request found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelRequest {
    /// The request is recorded; the task's owner acts on it.
    Requested,
    /// The task had already finished, with this status.
    AlreadyFinished(TaskStatus),
}

impl TaskStore {
    /// Asks for task `id` to be cancelled (see the [module](self)): records
    /// the request unless the task has finished.
    pub fn request_cancel(&self, id: TaskId) -> Result<CancelRequest, StoreError> {
        let err = self.sqlite();
        let status: Option<String> = self
            .conn
            .query_row(
                "SELECT status FROM tasks WHERE id = ?1",
                [id.to_sql()],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let status = status.ok_or_else(|| self.missing_task(id))?;
        let status = TaskStatus::parse(&status).ok_or_else(|| StoreError::BadRecord {
            path: self.path.clone(),
            record: format!("task {id}"),
            field: "status",
            reason: format!("{status:?} is not a task status"),
        })?;
        if status.is_final() {
            return Ok(CancelRequest::AlreadyFinished(status));
        }
        self.conn
            .execute(
                &format!(
                    "UPDATE tasks SET cancel_requested = ?2 \
                     WHERE id = ?1 AND cancel_requested IS NULL AND status IN {UNFINISHED}"
                ),
                params![id.to_sql(), to_micros(SystemTime::now())],
            )
            .map_err(err)?;
        Ok(CancelRequest::Requested)
    }

    /// The cancel requests of this store's own tasks, read on a connection
    /// of their own (opened on first use), for the process that runs them.
    pub fn cancel_requests(&self) -> CancelRequests {
        CancelRequests {
            path: self.path.clone(),
            owner: self.owner.token.clone(),
            conn: None,
            handled: HashSet::new(),
        }
    }
}

/// The cancel requests of one owner's tasks (see the [module](self)).
pub struct CancelRequests {
    path: PathBuf,
    owner: String,
    conn: Option<Connection>,
    /// Requests already acted on.
    handled: HashSet<TaskId>,
}

impl CancelRequests {
    fn conn(&mut self) -> Result<&Connection, StoreError> {
        if self.conn.is_none() {
            self.conn = Some(open_connection(&self.path)?);
        }
        Ok(self.conn.as_ref().expect("just opened"))
    }

    /// The owner's unfinished tasks with a cancel request not acted on yet;
    /// each is returned once.
    pub fn unhandled(&mut self) -> Result<Vec<TaskId>, StoreError> {
        let path = self.path.clone();
        let owner = self.owner.clone();
        let err = sqlite_error(&path);
        let ids: Vec<i64> = {
            let conn = self.conn()?;
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT id FROM tasks WHERE owner = ?1 AND status IN {UNFINISHED} \
                     AND cancel_requested IS NOT NULL"
                ))
                .map_err(err)?;
            let rows = stmt.query_map([owner], |r| r.get(0)).map_err(err)?;
            rows.collect::<Result<_, _>>().map_err(err)?
        };
        let mut new = Vec::new();
        for id in ids {
            let id = TaskId::from_sql(id).map_err(|e| StoreError::BadRecord {
                path: path.clone(),
                record: format!("task {id}"),
                field: "id",
                reason: e.to_string(),
            })?;
            if self.handled.insert(id) {
                new.push(id);
            }
        }
        Ok(new)
    }

    /// Records that task `id`, not started, is cancelled and will not run.
    pub fn mark_cancelled(&mut self, id: TaskId) -> Result<(), StoreError> {
        let path = self.path.clone();
        self.conn()?
            .execute(
                "UPDATE tasks SET status = 'cancelled', message = ?2, completed = ?3 \
                 WHERE id = ?1 AND status = 'pending'",
                params![id.to_sql(), CANCELLED_MESSAGE, to_micros(SystemTime::now())],
            )
            .map_err(sqlite_error(&path))?;
        Ok(())
    }

    /// Records that the running task `id` is being stopped.
    pub fn mark_aborting(&mut self, id: TaskId) -> Result<(), StoreError> {
        let path = self.path.clone();
        // Its start may not be committed yet (writes are batched).
        self.conn()?
            .execute(
                "UPDATE tasks SET status = 'aborting' \
                 WHERE id = ?1 AND status IN ('pending', 'running')",
                [id.to_sql()],
            )
            .map_err(sqlite_error(&path))?;
        Ok(())
    }
}
