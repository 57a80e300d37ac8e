//! The Juju backend: an action's params come from, and what it reports goes
//! to, Juju's own hook tools, run as processes the way a Python charm's `ops`
//! runs them.
//!
//! | [`ActionBackend`] call | hook tool call                         |
//! |------------------------|----------------------------------------|
//! | `params`               | `action-get --format=json` (once)      |
//! | `set_results`          | `action-set KEY=VALUE ...` (one call)   |
//! | `log`                  | `action-log MESSAGE`                   |
//! | `fail`                 | `action-fail MESSAGE`                  |
//!
//! A tool that fails fails the action with the tool's error.

use serde_json::Value;

use super::tools::{message_args, HookToolError, HookTools};
use crate::action::{ActionBackend, ActionParams, BackendError, LogEntry};

/// The [`ActionBackend`] that forwards everything to Juju's hook tools.
#[derive(Debug, Clone, Default)]
pub struct JujuBackend {
    tools: HookTools,
}

impl JujuBackend {
    /// A backend calling `tools`.
    pub fn new(tools: HookTools) -> Self {
        Self { tools }
    }
}

impl ActionBackend for JujuBackend {
    fn params(&mut self) -> Result<ActionParams, BackendError> {
        let tool = "action-get";
        let stdout = self.tools.run(tool, &["--format=json".to_owned()])?;
        let text = std::str::from_utf8(&stdout).map_err(|_| HookToolError::BadOutput {
            tool: tool.into(),
            problem: "bytes that are not UTF-8 where JSON was expected".into(),
        })?;
        if text.trim().is_empty() {
            // Juju prints `{}` for no params; take nothing to mean the same.
            return Ok(ActionParams::from(Value::Null));
        }
        let params: Value = serde_json::from_str(text).map_err(|e| HookToolError::BadOutput {
            tool: tool.into(),
            problem: format!("output that is not JSON ({e}); was it given --format=json?"),
        })?;
        match params {
            Value::Object(_) | Value::Null => Ok(ActionParams::from(params)),
            other => Err(HookToolError::BadOutput {
                tool: tool.into(),
                problem: format!("{other} where a map of params was expected"),
            }
            .into()),
        }
    }

    fn set_results(&mut self, pairs: &[(String, String)]) -> Result<(), BackendError> {
        if pairs.is_empty() {
            return Ok(());
        }
        let mut args = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            if value.contains('\0') {
                return Err(BackendError(format!(
                    "cannot pass result {key:?} to action-set: its value holds a NUL byte, \
                     which no command-line argument can carry"
                )));
            }
            args.push(format!("{key}={value}"));
        }
        self.tools.run("action-set", &args)?;
        Ok(())
    }

    fn log(&mut self, entry: &LogEntry) -> Result<(), BackendError> {
        self.tools
            .run("action-log", &message_args(&entry.message))?;
        Ok(())
    }

    fn fail(&mut self, message: &str) -> Result<(), BackendError> {
        self.tools.run("action-fail", &message_args(message))?;
        Ok(())
    }
}
