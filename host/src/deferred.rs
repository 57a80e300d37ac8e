//! Deferred events, as `ops` has them: a hook that calls `context.defer`
//! keeps its event, with its whole context (relation, remote unit,
//! secret…), and the event runs again before the next handler on its unit
//! (hook or action), in the order deferred, until a run of it does not
//! defer.
//!
//! The rule lives in [`handle`], whichever front end runs the handler
//! (locally, under Juju through `dispatch`, in the testing API), each
//! giving it an [`EventRunner`]. The queue is kept in the unit's own state,
//! under [`DEFERRED_STATE_KEY`], through the run's model: in the local
//! model's database locally, in Juju's unit state (`state-set`) under
//! Juju, so it survives the process, the machine's reboot and, on
//! Kubernetes, the pod's replacement. A charm cannot read or write that
//! key ([`crate::model::ModelContext`] refuses it).
//!
//! As in `ops` (`Framework._reemit`): each deferred event runs once before
//! the new one, oldest first; one that defers again stays, in its place;
//! when a deferred run fails, nothing after it runs and the failure is the
//! handler's (Juju shows the unit in error and retries). A run that fails
//! does not defer: its `defer` is dropped with its other changes.

use serde::{Deserialize, Serialize};

use crate::action::BackendError;
use crate::model::{EventInfo, ModelBackend, ModelError};
use crate::run::{RunEnd, RunError, RunReport};

/// The unit-state key the queue of deferred events is kept under.
pub const DEFERRED_STATE_KEY: &str = "charmbox.deferred";

/// The queue of a unit's deferred events, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeferredEvents(pub Vec<EventInfo>);

/// Why the queue could not be read or kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeferralError {
    /// The unit's state could not be read or written.
    #[error("cannot keep the unit's deferred events in its state: {0}")]
    State(String),
    /// The stored queue is not one charmbox wrote.
    #[error(
        "the unit's state key {DEFERRED_STATE_KEY:?} does not hold charmbox's deferred events \
         ({0}); remove the key from the unit's state to start afresh"
    )]
    Corrupt(String),
}

impl From<ModelError> for DeferralError {
    fn from(e: ModelError) -> Self {
        Self::State(e.to_string())
    }
}

impl From<BackendError> for DeferralError {
    fn from(e: BackendError) -> Self {
        Self::State(e.0)
    }
}

impl DeferredEvents {
    /// The queue kept in `model`'s unit state (empty when there is none).
    pub fn load(model: &mut dyn ModelBackend) -> Result<Self, DeferralError> {
        match model.state_get(DEFERRED_STATE_KEY)? {
            None => Ok(Self::default()),
            Some(json) => {
                serde_json::from_str(&json).map_err(|e| DeferralError::Corrupt(e.to_string()))
            }
        }
    }

    /// Keeps the queue in `model`'s unit state (deleting the key when it is
    /// empty), and commits.
    pub fn save(&self, model: &mut dyn ModelBackend) -> Result<(), DeferralError> {
        if self.0.is_empty() {
            model.state_delete(DEFERRED_STATE_KEY)?;
        } else {
            let json = serde_json::to_string(&self.0).expect("events always serialise");
            model.state_set(&[(DEFERRED_STATE_KEY.to_owned(), json)])?;
        }
        model.finish(true)?;
        Ok(())
    }

    /// Whether no event is deferred.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// How [`handle`] runs handlers and reaches the unit's state.
pub trait EventRunner {
    /// Runs the handler of `event`, as a re-run of a deferred event when
    /// `replay`; `Ok(None)` when the charm has no handler for it (a hook it
    /// does not handle: acknowledged, nothing runs).
    fn run(&mut self, event: &EventInfo, replay: bool) -> Result<Option<RunReport>, RunError>;

    /// A model for reading and writing the unit's state outside any run.
    fn state(&mut self) -> Result<Box<dyn ModelBackend>, DeferralError>;

    /// Whether the charm can defer at all ([`crate::charm::Charm::can_defer`]):
    /// one that cannot has no queue to read, and its handler runs alone.
    fn can_defer(&self) -> bool {
        true
    }
}

/// One run [`handle`] made.
#[derive(Debug)]
pub struct HandledRun {
    /// The event it ran.
    pub event: EventInfo,
    /// Whether it was a deferred event's re-run.
    pub replay: bool,
    /// How it went; `None` for a hook the charm does not handle.
    pub report: Option<RunReport>,
}

impl HandledRun {
    /// Whether it ran to its end (or had nothing to run).
    pub fn succeeded(&self) -> bool {
        self.report.as_ref().is_none_or(succeeded)
    }

    /// Whether it ran to its end and deferred its event.
    pub fn deferred(&self) -> bool {
        self.report
            .as_ref()
            .is_some_and(|r| succeeded(r) && r.model.deferred)
    }
}

/// What [`handle`] did: every run in order (the deferred events' re-runs,
/// then the event's own, unless a re-run failed), and how many events stay
/// deferred.
#[derive(Debug)]
pub struct Handled {
    /// The runs, in order.
    pub runs: Vec<HandledRun>,
    /// Whether the event's own handler ran (it does not when a deferred
    /// event's re-run before it failed).
    pub ran_event: bool,
    /// The events deferred now, oldest first.
    pub deferred: DeferredEvents,
}

impl Handled {
    /// The event's own run, when it ran.
    pub fn event_run(&self) -> Option<&HandledRun> {
        self.runs.last().filter(|_| self.ran_event)
    }

    /// The first run that failed, if any.
    pub fn failure(&self) -> Option<&HandledRun> {
        self.runs.iter().find(|r| !r.succeeded())
    }
}

/// Whether a run's changes stand and its `defer` counts.
fn succeeded(report: &RunReport) -> bool {
    matches!(report.end, RunEnd::Completed | RunEnd::ActionFailed)
}

/// Runs `event` on its unit the way `ops` does: first each deferred event,
/// then `event` itself; keeps what defers. An error is one that stopped
/// the handler from starting (the handler's own failure is a failed run in
/// [`Handled::runs`]).
pub fn handle(runner: &mut dyn EventRunner, event: EventInfo) -> Result<Handled, HandleError> {
    if !runner.can_defer() {
        let report = runner.run(&event, false)?;
        return Ok(Handled {
            runs: vec![HandledRun {
                event,
                replay: false,
                report,
            }],
            ran_event: true,
            deferred: DeferredEvents::default(),
        });
    }
    let queue = {
        let mut state = runner.state()?;
        let queue = DeferredEvents::load(&mut *state)?;
        state.finish(true).map_err(DeferralError::from)?;
        queue
    };
    let mut kept = Vec::new();
    let mut runs = Vec::new();
    let mut pending = queue.0.clone().into_iter();
    let mut failed = false;
    for deferred in pending.by_ref() {
        let run = HandledRun {
            report: runner.run(&deferred, true)?,
            event: deferred.clone(),
            replay: true,
        };
        let (ok, again) = (run.succeeded(), run.deferred());
        runs.push(run);
        if !ok {
            // It stays, and so does everything after it.
            kept.push(deferred);
            failed = true;
            break;
        }
        if again {
            kept.push(deferred);
        }
    }
    kept.extend(pending);
    let ran_event = !failed;
    if ran_event {
        let run = HandledRun {
            report: runner.run(&event, false)?,
            event: event.clone(),
            replay: false,
        };
        if !event.is_action && run.deferred() {
            kept.push(event);
        }
        runs.push(run);
    }
    let deferred = DeferredEvents(kept);
    if deferred != queue {
        let mut state = runner.state()?;
        deferred.save(&mut *state)?;
    }
    Ok(Handled {
        runs,
        ran_event,
        deferred,
    })
}

/// Why [`handle`] could not run an event.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// A handler could not start.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The queue could not be read or kept.
    #[error(transparent)]
    Deferral(#[from] DeferralError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::ActionRecord;
    use crate::model::{
        Bag, LogLevel, ModelError, ModelRecord, ModelResult, PortRange, ReadMode, Relation,
        RelationId, SecretInfo, SecretOptions, SecretOwner, SecretRef, StatusInfo, StatusTarget,
    };
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};
    use std::time::SystemTime;

    /// Unit state in memory, shared by every model the runner hands out.
    #[derive(Clone, Default)]
    struct State(Arc<Mutex<BTreeMap<String, String>>>);

    struct StateModel(State);

    impl ModelBackend for StateModel {
        fn state_get(&mut self, key: &str) -> ModelResult<Option<String>> {
            Ok(self.0 .0.lock().unwrap().get(key).cloned())
        }
        fn state_set(&mut self, pairs: &[(String, String)]) -> ModelResult<()> {
            self.0 .0.lock().unwrap().extend(pairs.iter().cloned());
            Ok(())
        }
        fn state_delete(&mut self, key: &str) -> ModelResult<()> {
            self.0 .0.lock().unwrap().remove(key);
            Ok(())
        }
        crate::model::refuse_all! {
            config_get() -> serde_json::Map<String, serde_json::Value>;
            is_leader() -> bool;
            status_set(target: StatusTarget, status: StatusInfo) -> ();
            status_get(target: StatusTarget) -> StatusInfo;
            application_version_set(version: &str) -> ();
            juju_log(level: LogLevel, message: &str) -> ();
            state_list() -> Bag;
            relation_ids(endpoint: &str) -> Vec<Relation>;
            relation_list(relation: RelationId) -> Vec<String>;
            relation_app(relation: RelationId) -> String;
            relation_get(relation: RelationId, member: &str, app: bool) -> Bag;
            relation_set(relation: RelationId, app: bool, pairs: &[(String, String)]) -> ();
            secret_get(secret: &SecretRef, mode: ReadMode, label: Option<&str>) -> Bag;
            secret_add(content: &Bag, options: &SecretOptions, owner: SecretOwner) -> String;
            secret_set(secret: &SecretRef, content: Option<&Bag>, options: &SecretOptions) -> ();
            secret_ids() -> Vec<String>;
            secret_info_get(secret: &SecretRef) -> SecretInfo;
            secret_grant(secret: &SecretRef, relation: RelationId, unit: Option<&str>) -> ();
            secret_revoke(secret: &SecretRef, relation: RelationId, unit: Option<&str>) -> ();
            secret_remove(secret: &SecretRef, revision: Option<u32>) -> ();
            open_port(ports: PortRange) -> ();
            close_port(ports: PortRange) -> ();
            opened_ports() -> Vec<PortRange>;
        }
    }

    /// Runs by a script: which events defer, which fail; records names.
    struct Script {
        state: State,
        defers: Vec<&'static str>,
        fails: Vec<&'static str>,
        ran: Vec<String>,
    }

    impl EventRunner for Script {
        fn run(&mut self, event: &EventInfo, replay: bool) -> Result<Option<RunReport>, RunError> {
            self.ran.push(format!(
                "{}{}",
                event.name,
                if replay { " (replay)" } else { "" }
            ));
            let end = if self.fails.contains(&event.name.as_str()) {
                RunEnd::HandlerError
            } else {
                RunEnd::Completed
            };
            Ok(Some(RunReport {
                end,
                message: None,
                record: ActionRecord::default(),
                model: ModelRecord {
                    deferred: self.defers.contains(&event.name.as_str()),
                    ..ModelRecord::default()
                },
                stdout: Default::default(),
                stderr: Default::default(),
                started: SystemTime::now(),
                completed: SystemTime::now(),
                guard_hit: None,
            }))
        }

        fn state(&mut self) -> Result<Box<dyn ModelBackend>, DeferralError> {
            Ok(Box::new(StateModel(self.state.clone())))
        }
    }

    fn hook(name: &str) -> EventInfo {
        EventInfo {
            name: name.into(),
            ..EventInfo::default()
        }
    }

    #[test]
    fn a_deferred_event_runs_before_the_next_handler_until_it_does_not_defer() {
        let mut script = Script {
            state: State::default(),
            defers: vec!["update-status"],
            fails: vec![],
            ran: vec![],
        };
        let handled = handle(&mut script, hook("update-status")).unwrap();
        assert_eq!(handled.deferred.0, [hook("update-status")]);
        handle(&mut script, hook("config-changed")).unwrap();
        script.defers.clear();
        let handled = handle(&mut script, EventInfo::action("backup")).unwrap();
        assert!(handled.deferred.is_empty());
        assert_eq!(
            script.ran,
            [
                "update-status",
                "update-status (replay)",
                "config-changed",
                "update-status (replay)",
                "backup"
            ]
        );
        assert!(
            !script
                .state
                .0
                .lock()
                .unwrap()
                .contains_key(DEFERRED_STATE_KEY),
            "an empty queue leaves no key"
        );
    }

    #[test]
    fn a_failing_replay_stops_the_handler_and_keeps_the_queue() {
        let relation = EventInfo {
            name: "db-relation-changed".into(),
            relation: Some("db:3".parse().unwrap()),
            remote_unit: Some("pg/0".into()),
            ..EventInfo::default()
        };
        let mut script = Script {
            state: State::default(),
            defers: vec!["db-relation-changed", "install"],
            fails: vec![],
            ran: vec![],
        };
        handle(&mut script, relation.clone()).unwrap();
        handle(&mut script, hook("install")).unwrap();
        script.defers.clear();
        script.fails.push("db-relation-changed");
        let handled = handle(&mut script, hook("start")).unwrap();
        assert!(!handled.ran_event);
        assert_eq!(handled.failure().unwrap().event, relation);
        assert_eq!(handled.deferred.0, [relation.clone(), hook("install")]);
        // The stored queue keeps the whole context.
        let mut state = script.state().unwrap();
        assert_eq!(
            DeferredEvents::load(&mut *state).unwrap().0,
            [relation, hook("install")]
        );
    }

    #[test]
    fn a_failed_run_does_not_defer_and_an_action_never_does() {
        let mut script = Script {
            state: State::default(),
            defers: vec!["install", "backup"],
            fails: vec!["install"],
            ran: vec![],
        };
        assert!(handle(&mut script, hook("install"))
            .unwrap()
            .deferred
            .is_empty());
        assert!(handle(&mut script, EventInfo::action("backup"))
            .unwrap()
            .deferred
            .is_empty());
    }
}
