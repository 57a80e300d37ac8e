//! What a test sees of a run: [`ActionOutput`] for one that completed (or
//! inside [`ActionFailed`], for one that did not).

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::model::{JujuLogLine, State};
use super::LIMIT_HINTS;
use crate::action::params::value_at;
use crate::action::LogEntry;
use crate::run::{RunEnd, RunReport};
use crate::task::TaskStatus;
use crate::unit::UnitName;

/// What one completed (or failed) run reported.
#[derive(Debug, Clone)]
pub struct ActionOutput {
    /// The action.
    pub action: String,
    /// The params the handler received: as given, with the schema's defaults.
    pub params: Value,
    /// The unit it ran as.
    pub unit: UnitName,
    /// `completed` or `failed`.
    pub status: TaskStatus,
    /// How the run ended (completed, `action-fail`, error returned, trap, …).
    pub end: RunEnd,
    /// The failure message, when it failed.
    pub message: Option<String>,
    /// The results as `charmbox run` shows them: nested, with `return-code`
    /// and the captured `stdout` / `stderr` (when not empty).
    pub results: Map<String, Value>,
    /// The log lines, in order.
    pub log: Vec<LogEntry>,
    /// Captured stdout (lossily decoded).
    pub stdout: String,
    /// Captured stderr (lossily decoded).
    pub stderr: String,
    /// The exit code a Juju charm process would have had.
    pub return_code: i32,
    /// The unit's data directory (the guest's `/data`).
    pub data_dir: PathBuf,
    /// The model after the run (see [`super::Context::run_with`]).
    pub state: State,
    /// The `juju-log` lines the run wrote, in order.
    pub juju_log: Vec<JujuLogLine>,
    charm_results: Map<String, Value>,
}

impl ActionOutput {
    /// What `report`, a run of `action` with `params` on `unit` whose
    /// `/data` was `data_dir`, reported.
    pub(super) fn new(
        action: &str,
        params: Value,
        unit: UnitName,
        report: RunReport,
        data_dir: &Path,
    ) -> Self {
        Self {
            action: action.to_owned(),
            params,
            unit,
            status: if report.end.is_completed() {
                TaskStatus::Completed
            } else {
                TaskStatus::Failed
            },
            message: report.message_with(&LIMIT_HINTS),
            results: report.juju_results(),
            stdout: String::from_utf8_lossy(&report.stdout.bytes).into_owned(),
            stderr: String::from_utf8_lossy(&report.stderr.bytes).into_owned(),
            return_code: report.return_code(),
            data_dir: data_dir.to_owned(),
            state: State::default(),
            juju_log: Vec::new(),
            end: report.end,
            log: report.record.log,
            charm_results: report.record.results,
        }
    }

    /// The `juju-log` messages, in order.
    pub fn juju_log_messages(&self) -> Vec<&str> {
        self.juju_log.iter().map(|l| l.message.as_str()).collect()
    }

    /// The log messages, in order, without timestamps.
    pub fn log_messages(&self) -> Vec<&str> {
        self.log.iter().map(|e| e.message.as_str()).collect()
    }

    /// Only what the charm set with `action-set`: [`Self::results`] without
    /// `return-code`, `stdout` and `stderr`.
    pub fn charm_results(&self) -> &Map<String, Value> {
        &self.charm_results
    }

    /// The result at a dotted key (`greeting.text`), as `action-set` names it.
    pub fn result(&self, key: &str) -> Option<&Value> {
        value_at(&self.results, key)
    }

    /// Whether the action completed.
    pub fn completed(&self) -> bool {
        self.end.is_completed()
    }

    pub(super) fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "  results: {}",
            Value::Object(self.charm_results.clone())
        )?;
        write!(f, "\n  return-code: {}", self.return_code)?;
        if self.log.is_empty() {
            write!(f, "\n  log: (none)")?;
        } else {
            write!(f, "\n  log:")?;
            for entry in &self.log {
                write!(f, "\n    {}", entry.message)?;
            }
        }
        for (name, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            if text.is_empty() {
                write!(f, "\n  {name}: (empty)")?;
            } else {
                write!(f, "\n  {name}:")?;
                for line in text.lines() {
                    write!(f, "\n    | {line}")?;
                }
            }
        }
        Ok(())
    }
}

/// A run that did not complete, like `ops.testing.ActionFailed`: the failure
/// message and everything the action reported before and after failing.
#[derive(Clone)]
pub struct ActionFailed {
    /// The failure message (`action-fail`'s, the error returned, or why the
    /// sandbox stopped it).
    pub message: String,
    /// What it reported: results, log, stdout and stderr, how it ended.
    pub output: Box<ActionOutput>,
}

impl fmt::Display for ActionFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let out = &self.output;
        writeln!(
            f,
            "action {:?} with params {} failed ({}), expected it to complete: {}",
            out.action,
            out.params,
            out.end.describe(),
            self.message
        )?;
        out.describe(f)
    }
}

impl fmt::Debug for ActionFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for ActionFailed {}

impl From<ActionOutput> for ActionFailed {
    fn from(output: ActionOutput) -> Self {
        Self {
            message: output.message.clone().unwrap_or_default(),
            output: Box::new(output),
        }
    }
}
