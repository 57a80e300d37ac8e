//! Who owns a task: each process that runs tasks holds an owner lock, a
//! locked file under `owners/` whose lock the kernel frees when the process
//! dies, however it dies. Tasks left unfinished by an owner that is gone
//! are marked `aborted` ([`TaskStore::abort_orphans`]); a worker takes over
//! another process's queued tasks with [`TaskStore::adopt_operation`].

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rusqlite::params;

use super::{StoreError, TaskStore};
use crate::task::OperationId;
use crate::time::to_micros;

/// The directory of owner locks, in the state directory.
const OWNERS_DIR: &str = "owners";

/// What an aborted task's message says.
const ABORTED_MESSAGE: &str = "aborted: the charmbox process running this task stopped before \
                               it finished (killed or crashed); nothing it reported after its \
                               last record was kept";

/// This process's claim on the tasks it runs.
pub(super) struct OwnerLock {
    pub(super) token: String,
    path: PathBuf,
    _file: File,
}

impl Drop for OwnerLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl OwnerLock {
    fn path_for(state_dir: &Path, token: &str) -> PathBuf {
        state_dir.join(OWNERS_DIR).join(format!("{token}.lock"))
    }

    /// Takes a new owner lock in `state_dir`.
    pub(super) fn acquire(state_dir: &Path) -> Result<Self, StoreError> {
        let owners = state_dir.join(OWNERS_DIR);
        crate::paths::create_private_dir_all(&owners).map_err(|source| StoreError::Io {
            path: owners.clone(),
            source,
        })?;
        let token = uuid::Uuid::new_v4().to_string();
        let path = Self::path_for(state_dir, &token);
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let file = crate::paths::private_file_options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(io)?;
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

impl TaskStore {
    /// This process's owner token, recorded on the tasks it runs.
    pub fn owner(&self) -> &str {
        &self.owner.token
    }

    /// Marks `pending` and `running` tasks whose owner process has died as
    /// `aborted`, saying why. Returns how many it marked.
    pub fn abort_orphans(&self) -> Result<usize, StoreError> {
        let err = self.sqlite();
        let owners: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT DISTINCT owner FROM tasks WHERE status IN ('pending', 'running')")
                .map_err(err)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(err)?;
            rows.collect::<Result<_, _>>().map_err(err)?
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
                    params![now, ABORTED_MESSAGE, owner],
                )
                .map_err(err)?;
            let _ = std::fs::remove_file(OwnerLock::path_for(&self.state_dir, &owner));
        }
        Ok(aborted)
    }

    /// Hands the tasks of an operation enqueued by another process (such as
    /// the `run --background` parent) to this one.
    pub fn adopt_operation(&self, operation: OperationId) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE tasks SET owner = ?1 WHERE operation = ?2 AND status = 'pending'",
                params![self.owner.token, operation.to_sql()],
            )
            .map_err(self.sqlite())?;
        Ok(())
    }
}
