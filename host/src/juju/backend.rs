//! The Juju backend: an action's params come from, and what it reports goes
//! to, Juju's own hook tools, run as processes the way a Python charm's `ops`
//! runs them.
//!
//! Each tool call is a process and a round trip to the unit agent, and a
//! guest decides how many it makes: unbounded, a guest made 1,540 before
//! its deadline. So what Juju would only keep the last of is sent once, and
//! the log is sent live only up to a point:
//!
//! | [`ActionBackend`] call | hook tool calls |
//! |---|---|
//! | `params` | `action-get --format=json`, once |
//! | `set_results` | none while the action runs; at its end, the results as they then stand, in one `action-set KEY=VALUE ...` (more only past [`SET_ARGS_BYTES`] of arguments) |
//! | `log` | `action-log MESSAGE` for each of the first [`LIVE_LOG_CALLS`] lines; later lines are held and sent together (joined by newlines, in calls of at most [`LOG_CALL_BYTES`]) at most once every [`LOG_FLUSH_INTERVAL`], and at the end |
//! | `fail` | none: `dispatch` calls `action-fail` once, at the end, with the message that stands (Juju keeps the last) |
//!
//! Juju's results end up as they would have: a later `action-set` of a key
//! overwrites an earlier one, so sending the final map once is the same. A
//! tool that fails fails the action with the tool's error.

use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::tools::{message_args, HookToolError, HookTools};
use crate::action::{ActionBackend, ActionParams, BackendError, LogEntry};

/// Log lines sent as they come, one `action-log` each.
pub const LIVE_LOG_CALLS: usize = 100;
/// How often held log lines are sent.
pub const LOG_FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Most bytes of log lines in one `action-log` call (Linux allows 128 KiB
/// in one argument).
pub const LOG_CALL_BYTES: usize = 64 * 1024;
/// Most bytes of `KEY=VALUE` arguments in one `action-set` call.
pub const SET_ARGS_BYTES: usize = 512 * 1024;

/// The [`ActionBackend`] that forwards everything to Juju's hook tools.
#[derive(Debug, Clone, Default)]
pub struct JujuBackend {
    tools: HookTools,
    /// `action-log` calls made so far.
    log_calls: usize,
    /// Lines past the live ones, not sent yet.
    held: Vec<String>,
    /// When held lines were last sent.
    flushed: Option<Instant>,
}

impl JujuBackend {
    /// A backend calling `tools`.
    pub fn new(tools: HookTools) -> Self {
        Self {
            tools,
            ..Self::default()
        }
    }

    /// Sends the held lines, joined, in calls of at most [`LOG_CALL_BYTES`].
    fn flush_log(&mut self) -> Result<(), BackendError> {
        self.flushed = Some(Instant::now());
        let mut call = String::new();
        for line in std::mem::take(&mut self.held) {
            if !call.is_empty() && call.len() + 1 + line.len() > LOG_CALL_BYTES {
                self.send_log(&std::mem::take(&mut call))?;
            }
            if !call.is_empty() {
                call.push('\n');
            }
            call.push_str(&line);
        }
        if !call.is_empty() {
            self.send_log(&call)?;
        }
        Ok(())
    }

    fn send_log(&mut self, message: &str) -> Result<(), BackendError> {
        self.log_calls += 1;
        self.tools.run("action-log", &message_args(message))?;
        Ok(())
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
        // Refused now, while the guest can still hear why: sent at the end.
        for (key, value) in pairs {
            if value.contains('\0') {
                return Err(BackendError(format!(
                    "cannot pass result {key:?} to action-set: its value holds a NUL byte, \
                     which no command-line argument can carry"
                )));
            }
        }
        Ok(())
    }

    fn log(&mut self, entry: &LogEntry) -> Result<(), BackendError> {
        if self.log_calls < LIVE_LOG_CALLS && self.held.is_empty() {
            return self.send_log(&entry.message);
        }
        self.held.push(entry.message.clone());
        let due = self
            .flushed
            .is_none_or(|at| at.elapsed() >= LOG_FLUSH_INTERVAL);
        if due {
            self.flush_log()?;
        }
        Ok(())
    }

    fn fail(&mut self, _message: &str) -> Result<(), BackendError> {
        // `dispatch` calls action-fail once with the message that stands.
        Ok(())
    }

    fn finish(&mut self, results: &Map<String, Value>) -> Result<(), BackendError> {
        let logged = self.flush_log();
        let mut args = Vec::new();
        flatten(results, &mut String::new(), &mut args);
        let mut call: Vec<String> = Vec::new();
        let mut bytes = 0;
        for arg in args {
            if !call.is_empty() && bytes + arg.len() > SET_ARGS_BYTES {
                self.tools.run("action-set", &std::mem::take(&mut call))?;
                bytes = 0;
            }
            bytes += arg.len();
            call.push(arg);
        }
        if !call.is_empty() {
            self.tools.run("action-set", &call)?;
        }
        logged
    }
}

/// The leaves of nested results as `action-set` arguments, `a.b=value`,
/// in the map's order. Results nest at most 32 levels (the key rule), so
/// the recursion is shallow.
fn flatten(map: &Map<String, Value>, prefix: &mut String, out: &mut Vec<String>) {
    for (name, value) in map {
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(name);
        match value {
            Value::Object(inner) => flatten(inner, prefix, out),
            Value::String(text) => out.push(format!("{prefix}={text}")),
            // Results hold only strings and maps of them.
            other => out.push(format!("{prefix}={other}")),
        }
        prefix.truncate(len);
    }
}
