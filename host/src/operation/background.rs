//! Running a queued operation in another process (`run --background`): the
//! worker is started in its own process group, so it outlives its parent
//! and is not hit by the terminal's Ctrl-C meant for the parent, and the
//! parent returns only once the worker has taken the tasks over
//! ([`super::Operations::run_queued`]), so they are never seen without a
//! live owner.
//!
//! The worker's command is the front end's to build (the CLI runs itself
//! with a hidden subcommand); the worker says [`ADOPTED`] on its stdout
//! once it owns the tasks, and its stderr goes to `operation-<id>.log` in
//! the state directory.

use std::io::BufRead as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::task::OperationId;

/// The line a worker prints on stdout once it owns its operation's tasks.
pub const ADOPTED: &str = "adopted";

/// Why a background worker did not take its operation.
#[derive(Debug, thiserror::Error)]
pub enum BackgroundError {
    /// Its log file could not be created.
    #[error("cannot create {}: {source}", .path.display())]
    Log {
        /// The log file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The process could not be started.
    #[error("cannot start the background worker: {0}")]
    Spawn(std::io::Error),
    /// It started, and exited or said something else before adopting.
    #[error("the background worker did not start; see {}", .log.display())]
    NotAdopted {
        /// Its log file.
        log: PathBuf,
    },
}

/// The log file of operation `operation`'s background worker.
pub fn log_path(state_dir: &Path, operation: OperationId) -> PathBuf {
    state_dir.join(format!("operation-{operation}.log"))
}

/// Starts `worker` (a command that runs
/// [`super::Operations::run_queued`] for `operation` and prints
/// [`ADOPTED`] when it has) and waits until it has taken the tasks over.
pub(super) fn start_worker(
    state_dir: &Path,
    operation: OperationId,
    mut worker: Command,
) -> Result<(), BackgroundError> {
    let log = log_path(state_dir, operation);
    // The worker's stderr carries its tasks' log lines: private, as the
    // task store is.
    let log_file = crate::paths::private_file_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&log)
        .map_err(|source| BackgroundError::Log {
            path: log.clone(),
            source,
        })?;
    let mut child = worker
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .process_group(0)
        .spawn()
        .map_err(BackgroundError::Spawn)?;
    let mut line = String::new();
    let adopted = child
        .stdout
        .take()
        .map(|stdout| std::io::BufReader::new(stdout).read_line(&mut line))
        .is_some_and(|read| read.is_ok() && line.trim() == ADOPTED);
    if adopted {
        Ok(())
    } else {
        Err(BackgroundError::NotAdopted { log })
    }
}
