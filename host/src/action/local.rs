//! The local backend: params given by the caller, log lines passed to an
//! observer as they happen (the terminal, a task store).

use serde_json::Value;

use super::{ActionBackend, ActionParams, BackendError, LogEntry};

/// Called with each log line as the action writes it.
pub type LogObserver = Box<dyn FnMut(&LogEntry) + Send>;

/// Runs an action with params from the caller; results and the log are
/// collected by [`super::ActionContext`] and returned when the run ends.
pub struct LocalBackend {
    params: Option<ActionParams>,
    on_log: Option<LogObserver>,
}

impl LocalBackend {
    /// A backend that hands the guest `params` (a [`Value`], or
    /// [`ActionParams`] made once for many runs).
    pub fn new(params: impl Into<ActionParams>) -> Self {
        Self {
            params: Some(params.into()),
            on_log: None,
        }
    }

    /// Calls `observer` with each log line as it is written.
    pub fn on_log(mut self, observer: impl FnMut(&LogEntry) + Send + 'static) -> Self {
        self.on_log = Some(Box::new(observer));
        self
    }
}

impl ActionBackend for LocalBackend {
    fn params(&mut self) -> Result<ActionParams, BackendError> {
        Ok(self
            .params
            .take()
            .unwrap_or_else(|| ActionParams::from(Value::Null)))
    }

    fn set_results(&mut self, _pairs: &[(String, String)]) -> Result<(), BackendError> {
        Ok(())
    }

    fn log(&mut self, entry: &LogEntry) -> Result<(), BackendError> {
        if let Some(observer) = &mut self.on_log {
            observer(entry);
        }
        Ok(())
    }

    fn fail(&mut self, _message: &str) -> Result<(), BackendError> {
        Ok(())
    }
}
