//! The action contract: `action-get`, `action-set`, `action-log` and
//! `action-fail`, with Juju's semantics.
//!
//! Where the params come from and where results, log lines and failures go is
//! an [`ActionBackend`]: the local one ([`local::LocalBackend`]) keeps them for
//! the task record and the terminal; the Juju one ([`crate::juju::backend`])
//! forwards them to Juju's hook tools. Everything a guest sends is checked
//! here first, by [`ActionContext`], the same way whichever backend is in
//! use: key rules ([`keys`]), all-or-nothing `action-set` ([`results`]), and
//! the bounds in [`ActionLimits`]. Params are built from `key=value`
//! arguments and read at dotted paths in [`params`].

mod context;
pub mod keys;
pub mod local;
pub mod params;
pub mod results;

use std::time::SystemTime;

pub(crate) use context::truncate;
pub use context::{ActionContext, ActionLimits, ActionRecord};
pub use params::ActionParams;

/// A log line an action wrote with `action-log`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogEntry {
    /// When the line was logged.
    #[serde(with = "crate::time::serde_timestamp")]
    pub timestamp: SystemTime,
    /// The message.
    pub message: String,
}

/// A backend operation that failed, such as a Juju hook tool exiting non-zero.
/// The action fails with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BackendError(pub String);

/// Where an action's params come from and where what it reports goes.
///
/// Calls arrive already validated by [`ActionContext`]; an implementation
/// only carries them. An `Err` fails the action with its message.
pub trait ActionBackend: Send + 'static {
    /// The whole params map the action was invoked with. Called once per run,
    /// before the guest starts.
    fn params(&mut self) -> Result<ActionParams, BackendError>;
    /// Stores validated result pairs (dotted keys, string values).
    fn set_results(&mut self, pairs: &[(String, String)]) -> Result<(), BackendError>;
    /// Shows and records one progress message.
    fn log(&mut self, entry: &LogEntry) -> Result<(), BackendError>;
    /// Marks the action failed with `message`.
    fn fail(&mut self, message: &str) -> Result<(), BackendError>;
    /// The run is over (however it ended) and these are its results, as
    /// every `set_results` call left them: a backend that holds what it
    /// carries (to bound its own calls) sends it now. By default, nothing.
    fn finish(
        &mut self,
        _results: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), BackendError> {
        Ok(())
    }
}
