//! One event on one local unit, held by the unit's lock: its deferred
//! events first ([`crate::deferred::handle`]), then its own handler, each
//! hook run recorded in the [`HookLog`]; what the runs wrote to relation
//! databags is kept for the events it fires on the other side.

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use super::log::{HookLog, HookStatus, NewHookRun};
use crate::action::ActionBackend;
use crate::charm::Charm;
use crate::deferred::{DeferralError, EventRunner, HandleError, Handled};
use crate::model::local::{CharmModel, LocalModel};
use crate::model::{EventInfo, ModelBackend, NoModel, RelationId, UnitContext};
use crate::run::{
    run_handler, Backends, LimitHints, RunEnd, RunError, RunReport, RunRequest, StopHandle,
};
use crate::sandbox::SandboxLimits;
use crate::unit::UnitName;

/// A databag a run wrote: on which unit, which relation, and whether the
/// application's bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BagWrite {
    /// The unit whose run wrote it.
    pub unit: UnitName,
    /// The relation.
    pub relation: RelationId,
    /// The application's bag (else the unit's).
    pub app: bool,
    /// What the run that wrote it was, for the record (`hook
    /// "config-changed"`, `action task 7`).
    pub by: String,
}

/// Runs events on one local unit.
pub(crate) struct LocalRunner<'a> {
    /// The unit's charm.
    pub charm: &'a Charm,
    /// What it declares for the model.
    pub charm_model: &'a Arc<CharmModel>,
    /// The model.
    pub model: &'a LocalModel,
    /// The unit.
    pub unit: &'a UnitName,
    /// The state directory (the unit's data directory is in it).
    pub state_dir: &'a Path,
    /// Each run's bounds.
    pub limits: SandboxLimits,
    /// How messages say to raise a limit.
    pub hints: LimitHints,
    /// Where hook runs are recorded.
    pub log: &'a HookLog,
    /// What fired the event (for its record).
    pub cause: String,
    /// What the event is, for the records of deferred runs before it
    /// (`hook "config-changed"`, `action task 7`).
    pub before: String,
    /// For an action: its backend (taken by its run) and its task's id.
    pub action: Option<(Box<dyn ActionBackend>, String)>,
    /// The databags the runs wrote.
    pub written: Vec<BagWrite>,
    /// Whether a run changed what a secret's readers see or track.
    pub secrets_changed: bool,
    /// What stops the runs (an action's task being cancelled), if anything.
    pub stop: Option<StopHandle>,
}

impl LocalRunner<'_> {
    /// Runs `event`, with the unit's deferred events first when the charm
    /// can defer.
    pub(crate) fn handle(&mut self, event: EventInfo) -> Result<Handled, HandleError> {
        crate::deferred::handle(self, event)
    }

    fn model_for(&self, event: &EventInfo) -> Box<dyn ModelBackend> {
        // A charm that imports nothing of the model gets none: its runs open
        // nothing (1000 of them at once stay as quick as without a model).
        if self.charm.component.reach().reaches_model() {
            Box::new(self.model.backend(self.unit, self.charm_model, event))
        } else {
            Box::new(NoModel)
        }
    }
}

impl EventRunner for LocalRunner<'_> {
    fn run(&mut self, event: &EventInfo, replay: bool) -> Result<Option<RunReport>, RunError> {
        let started = SystemTime::now();
        let cause = if replay {
            format!("deferred; run again before {}", self.before)
        } else {
            self.cause.clone()
        };
        let record = |status: HookStatus, message: Option<&str>, completed: SystemTime| {
            // A record that cannot be written must not undo the run it records.
            let _ = self.log.record(&NewHookRun {
                unit: self.unit,
                event,
                cause: &cause,
                status,
                message,
                started,
                completed,
            });
        };
        let handler = if event.is_action {
            self.charm.action_handler(&event.name)
        } else {
            self.charm.hook_handler(&event.name)
        };
        if handler.is_none() {
            if event.is_action {
                return Err(RunError::unknown_action(self.charm, &event.name));
            }
            record(HookStatus::Acknowledged, None, SystemTime::now());
            return Ok(None);
        }
        let (action, action_id) = match event.is_action.then(|| self.action.take()).flatten() {
            Some((backend, id)) => (Some(backend), id),
            None => (None, uuid::Uuid::new_v4().to_string()),
        };
        let request = RunRequest {
            context: UnitContext::local(self.unit.clone(), self.model.identity(), event.clone())
                .into(),
            data_dir: Some(self.unit.data_dir(self.state_dir)),
            action_id,
            limits: self.limits,
            stop: self.stop.clone(),
        };
        let backends = Backends {
            action,
            model: self.model_for(event),
        };
        let report = run_handler(&self.charm.component, &request, backends)?;
        let ok = matches!(report.end, RunEnd::Completed | RunEnd::ActionFailed);
        if ok {
            self.secrets_changed |= report.model.secrets_changed;
            let by = if event.is_action {
                format!("action {:?} on {}", event.name, self.unit)
            } else {
                format!("hook {:?} on {}", event.name, self.unit)
            };
            for (relation, app) in &report.model.relations_written {
                self.written.push(BagWrite {
                    unit: self.unit.clone(),
                    relation: *relation,
                    app: *app,
                    by: by.clone(),
                });
            }
        }
        if !event.is_action {
            let status = match (ok, report.model.deferred) {
                (false, _) => HookStatus::Failed,
                (true, true) => HookStatus::Deferred,
                (true, false) => HookStatus::Completed,
            };
            let message = (!ok).then(|| report.message_with(&self.hints).unwrap_or_default());
            record(status, message.as_deref(), report.completed);
        }
        Ok(Some(report))
    }

    fn can_defer(&self) -> bool {
        self.charm.can_defer()
    }

    fn state(&mut self) -> Result<Box<dyn ModelBackend>, DeferralError> {
        Ok(Box::new(self.model.backend(
            self.unit,
            self.charm_model,
            &EventInfo::default(),
        )))
    }
}
