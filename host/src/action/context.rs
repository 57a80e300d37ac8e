//! Per-run action state: the checks every backend shares.

use std::time::SystemTime;

use serde_json::{Map, Value};

use super::params::value_at;
use super::results::{Refused, ResultLimits, Results};
use super::{ActionBackend, ActionParams, LogEntry};

/// The message of an action failed without one: what Juju's `action-fail`
/// records when called without a message.
pub const NO_FAIL_REASON: &str = "action failed without reason given, check action for errors";

/// Bounds on what one action run may report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionLimits {
    /// Result key count and size.
    pub results: ResultLimits,
    /// Longest log message kept, in bytes; longer ones are cut with a marker.
    pub max_log_message_bytes: usize,
    /// Most log lines kept; further ones are counted and dropped.
    pub max_log_entries: usize,
    /// Longest failure message kept, in bytes.
    pub max_fail_message_bytes: usize,
}

impl Default for ActionLimits {
    fn default() -> Self {
        Self {
            results: ResultLimits::default(),
            max_log_message_bytes: 4 * 1024,
            max_log_entries: 1_000,
            max_fail_message_bytes: 4 * 1024,
        }
    }
}

/// What a run reported through the action API.
#[derive(Debug, Clone, Default)]
pub struct ActionRecord {
    /// The nested results.
    pub results: Map<String, Value>,
    /// Log lines in order (with a closing marker when some were dropped).
    pub log: Vec<LogEntry>,
    /// The last `action-fail` message, if any.
    pub failure: Option<String>,
    /// The first backend error, if any: the action fails with it.
    pub backend_error: Option<String>,
}

/// The action API's state for one run: params, results, log and failure,
/// with a backend behind them.
pub struct ActionContext {
    /// `false` in a hook, where the action API answers as Juju's tools do
    /// outside an action.
    in_action: bool,
    params: ActionParams,
    results: Results,
    log: Vec<LogEntry>,
    dropped_log_entries: usize,
    failure: Option<String>,
    backend_error: Option<String>,
    limits: ActionLimits,
    backend: Box<dyn ActionBackend>,
}

impl ActionContext {
    /// Starts a run's action state, reading the params from `backend`.
    pub fn new(
        mut backend: Box<dyn ActionBackend>,
        limits: ActionLimits,
    ) -> Result<Self, super::BackendError> {
        Ok(Self {
            in_action: true,
            params: backend.params()?,
            results: Results::new(limits.results),
            log: Vec::new(),
            dropped_log_entries: 0,
            failure: None,
            backend_error: None,
            limits,
            backend,
        })
    }

    /// The action API for a hook: `action-get` gives nothing, `action-set`
    /// an error, `action-log` and `action-fail` do nothing, as Juju's tools
    /// do outside an action.
    pub fn outside_action(limits: ActionLimits) -> Self {
        Self {
            in_action: false,
            params: ActionParams::from(Value::Null),
            results: Results::new(limits.results),
            log: Vec::new(),
            dropped_log_entries: 0,
            failure: None,
            backend_error: None,
            limits,
            backend: Box::new(super::local::LocalBackend::new(Value::Null)),
        }
    }

    /// `action-get`: JSON text of the whole params map, or of the value at a
    /// dotted path; `None` for an absent path, or outside an action.
    pub fn get(&self, key: Option<&str>) -> Option<String> {
        if !self.in_action {
            return None;
        }
        match key {
            None => Some(self.params.json().to_owned()),
            Some(path) => {
                let value = value_at(self.params.value().as_object()?, path)?;
                Some(serde_json::to_string(value).expect("a JSON value always serialises"))
            }
        }
    }

    /// `action-set`: validates every pair, then stores all or none.
    pub fn set(&mut self, pairs: Vec<(String, String)>) -> Result<(), String> {
        if !self.in_action {
            return Err("action-set is only for actions: this handler is a hook".into());
        }
        // The backend has the last word on a valid call: one it cannot
        // carry is stored nowhere, and fails the action.
        let backend = &mut self.backend;
        match self
            .results
            .set_checked(pairs, |pairs| backend.set_results(pairs))
        {
            Ok(()) => Ok(()),
            Err(Refused::Set(e)) => Err(e.to_string()),
            Err(Refused::Check(e)) => {
                self.record_backend_error(e);
                Err("the results could not be stored (see the action's failure message)".into())
            }
        }
    }

    /// `action-log`: keeps and forwards a message, within the limits.
    pub fn log(&mut self, message: String) {
        if !self.in_action {
            return;
        }
        if self.log.len() >= self.limits.max_log_entries {
            self.dropped_log_entries += 1;
            return;
        }
        let entry = LogEntry {
            timestamp: SystemTime::now(),
            message: truncate(message, self.limits.max_log_message_bytes),
        };
        if let Err(e) = self.backend.log(&entry) {
            self.record_backend_error(e);
        }
        self.log.push(entry);
    }

    /// `action-fail`: marks the action failed; the last message wins. An
    /// empty message is Juju's [`NO_FAIL_REASON`], as `action-fail` without
    /// an argument gives.
    pub fn fail(&mut self, message: String) {
        if !self.in_action {
            return;
        }
        let message = if message.is_empty() {
            NO_FAIL_REASON.to_owned()
        } else {
            truncate(message, self.limits.max_fail_message_bytes)
        };
        if let Err(e) = self.backend.fail(&message) {
            self.record_backend_error(e);
        }
        self.failure = Some(message);
    }

    /// Whether the action has been marked failed so far.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// The params the run sees.
    pub fn params(&self) -> &Value {
        self.params.value()
    }

    /// Ends the run's action state, returning what it recorded; the
    /// backend is told (see [`ActionBackend::finish`]).
    pub fn finish(mut self) -> ActionRecord {
        if let Err(e) = self.backend.finish(self.results.as_map()) {
            self.record_backend_error(e);
        }
        if self.dropped_log_entries > 0 {
            self.log.push(LogEntry {
                timestamp: SystemTime::now(),
                message: format!(
                    "[charmbox: {} further log messages dropped; at most {} are kept]",
                    self.dropped_log_entries, self.limits.max_log_entries
                ),
            });
        }
        ActionRecord {
            results: self.results.into_map(),
            log: self.log,
            failure: self.failure,
            backend_error: self.backend_error,
        }
    }

    fn record_backend_error(&mut self, error: super::BackendError) {
        self.backend_error.get_or_insert(error.0);
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary, saying so.
pub(crate) fn truncate(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let total = text.len();
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    text.push_str(&format!(
        " [truncated: {total} bytes, at most {max} are kept]"
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::local::LocalBackend;
    use serde_json::json;

    fn context(params: Value, limits: ActionLimits) -> ActionContext {
        ActionContext::new(Box::new(LocalBackend::new(params)), limits).unwrap()
    }

    #[test]
    fn get_returns_json_text_and_none_for_absent_paths() {
        let ctx = context(json!({"a": {"b": "x"}, "n": 2}), ActionLimits::default());
        assert_eq!(ctx.get(None).unwrap(), r#"{"a":{"b":"x"},"n":2}"#);
        assert_eq!(ctx.get(Some("a.b")).unwrap(), r#""x""#);
        assert_eq!(ctx.get(Some("n")).unwrap(), "2");
        assert_eq!(ctx.get(Some("a.c")), None);
        assert_eq!(ctx.get(Some("n.x")), None);
    }

    #[test]
    fn no_params_reads_as_an_empty_map() {
        let ctx = context(Value::Null, ActionLimits::default());
        assert_eq!(ctx.get(None).unwrap(), "{}");
    }

    #[test]
    fn fail_keeps_results_and_last_message_wins() {
        let mut ctx = context(json!({}), ActionLimits::default());
        ctx.set(vec![("before".into(), "1".into())]).unwrap();
        ctx.fail("first".into());
        ctx.set(vec![("after".into(), "2".into())]).unwrap();
        ctx.fail("second".into());
        let record = ctx.finish();
        assert_eq!(record.failure.as_deref(), Some("second"));
        assert_eq!(
            Value::Object(record.results),
            json!({"before": "1", "after": "2"})
        );
    }

    #[test]
    fn an_empty_failure_message_is_jujus_default() {
        let mut ctx = context(json!({}), ActionLimits::default());
        ctx.fail(String::new());
        assert_eq!(
            ctx.finish().failure.as_deref(),
            Some("action failed without reason given, check action for errors")
        );
    }

    #[test]
    fn log_is_bounded_with_markers() {
        let limits = ActionLimits {
            max_log_entries: 2,
            max_log_message_bytes: 5,
            ..ActionLimits::default()
        };
        let mut ctx = context(json!({}), limits);
        ctx.log("short".into());
        ctx.log("much too long".into());
        ctx.log("dropped".into());
        ctx.log("dropped".into());
        let log = ctx.finish().log;
        let messages: Vec<_> = log.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages[0], "short");
        assert!(messages[1].starts_with("much ") && messages[1].contains("truncated"));
        assert!(
            messages[2].contains("2 further log messages dropped"),
            "{messages:?}"
        );
        assert_eq!(messages.len(), 3);
    }

    #[test]
    fn outside_an_action_the_api_answers_as_juju_tools_do() {
        let mut ctx = ActionContext::outside_action(ActionLimits::default());
        assert_eq!(ctx.get(None), None);
        assert!(ctx.set(vec![("a".into(), "b".into())]).is_err());
        ctx.log("ignored".into());
        ctx.fail("ignored".into());
        let record = ctx.finish();
        assert!(record.log.is_empty() && record.failure.is_none() && record.results.is_empty());
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        let cut = truncate("ééé".into(), 3);
        assert!(cut.starts_with('é') && !cut.starts_with("éé"), "{cut}");
    }
}
