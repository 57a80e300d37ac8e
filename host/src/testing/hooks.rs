//! Running hooks in tests, as `ops.testing` runs an event: a [`State`] in
//! (with the unit's deferred events, [`State::deferred`]), the hook's runs
//! and the [`State`] after out, and the `-relation-changed` events Juju
//! would fire on the other side for the databags the runs wrote.
//!
//! ```no_run
//! use charmbox::testing::{Context, RelationState, State, TestError};
//!
//! # fn main() -> Result<(), TestError> {
//! let ctx = Context::for_crate(env!("CARGO_MANIFEST_DIR"))?;
//! let state = State::default()
//!     .leader(true)
//!     .relation(RelationState::new("database", "client").remote_unit("client/0", [("k", "v")]));
//! // The first run defers: the output keeps the event.
//! let out = ctx.run_hook("database-relation-changed", &state)?;
//! assert_eq!(out.state.deferred[0].name, "database-relation-changed");
//! // The next event runs it first.
//! let out = ctx.run_hook("update-status", &out.state)?;
//! assert_eq!(out.ran(), ["database-relation-changed (deferred)", "update-status"]);
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;

use super::context::Context;
use super::error::TestError;
use super::model::{read_back, seed, JujuLogLine, State};
use crate::charm::Charm;
use crate::deferred::{DeferralError, EventRunner, DEFERRED_STATE_KEY};
use crate::model::local::{CharmModel, LocalModel};
use crate::model::{EventInfo, ModelBackend, ModelIdentity, Relation, RelationId, UnitContext};
use crate::run::{run_handler, Backends, RunEnd, RunError, RunReport, RunRequest};
use crate::sandbox::SandboxLimits;
use crate::unit::UnitName;

/// One run a hook's event made: a deferred event's, or its own.
#[derive(Debug, Clone)]
pub struct HookRunOutput {
    /// The event.
    pub event: EventInfo,
    /// Whether it was a deferred event, run again.
    pub replay: bool,
    /// How it ended; `None` when the charm has no handler for it.
    pub end: Option<RunEnd>,
    /// Why it failed, when it did.
    pub message: Option<String>,
    /// Whether it deferred its event.
    pub deferred: bool,
}

/// An event Juju would fire because a run wrote a databag: on the units of
/// the application across (for a peer relation, this application's other
/// units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiredEvent {
    /// The application whose units get it.
    pub application: String,
    /// The hook (`server-relation-changed`).
    pub hook: String,
    /// The unit whose bag changed; `None` for the application's bag.
    pub remote_unit: Option<String>,
}

/// What running a hook did.
#[derive(Debug, Clone)]
pub struct HookOutput {
    /// Every run, in order: the deferred events', then the hook's own.
    pub runs: Vec<HookRunOutput>,
    /// The model after, with the events deferred now in
    /// [`State::deferred`].
    pub state: State,
    /// The `juju-log` lines the runs wrote.
    pub juju_log: Vec<JujuLogLine>,
    /// The `-relation-changed` events the runs' databag writes fire
    /// across.
    pub fired: Vec<FiredEvent>,
}

impl HookOutput {
    /// The runs' events, by name, a deferred one's marked `(deferred)`.
    pub fn ran(&self) -> Vec<String> {
        self.runs
            .iter()
            .map(|r| {
                if r.replay {
                    format!("{} (deferred)", r.event.name)
                } else {
                    r.event.name.clone()
                }
            })
            .collect()
    }

    /// Whether every run completed (or had no handler).
    pub fn succeeded(&self) -> bool {
        self.runs
            .iter()
            .all(|r| r.end.as_ref().is_none_or(RunEnd::is_completed))
    }
}

/// Runs events on the test's unit, in its model in memory.
struct TestRunner<'a> {
    charm: &'a Charm,
    charm_model: &'a Arc<CharmModel>,
    model: &'a LocalModel,
    identity: &'a ModelIdentity,
    unit: &'a UnitName,
    data_dir: &'a std::path::Path,
    limits: SandboxLimits,
    written: Vec<(RelationId, bool)>,
}

impl EventRunner for TestRunner<'_> {
    fn run(&mut self, event: &EventInfo, _replay: bool) -> Result<Option<RunReport>, RunError> {
        if self.charm.hook_handler(&event.name).is_none() {
            return Ok(None);
        }
        let request = RunRequest {
            context: UnitContext::local(self.unit.clone(), self.identity, event.clone()).into(),
            action_id: String::new(),
            data_dir: Some(self.data_dir.to_owned()),
            limits: self.limits,
            stop: None,
        };
        let backends = Backends {
            action: None,
            model: Box::new(self.model.backend(self.unit, self.charm_model, event)),
        };
        let report = run_handler(&self.charm.component, &request, backends)?;
        if report.end.is_completed() {
            self.written
                .extend(report.model.relations_written.iter().copied());
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

impl Context {
    /// Runs hook `hook` in `state`: first the events `state` holds deferred
    /// ([`State::deferred`]), then the hook. A relation hook concerns the
    /// state's relation on its endpoint and, but for `-created` and
    /// `-broken`, that relation's first remote unit; give the event whole
    /// with [`Context::run_event`].
    pub fn run_hook(&self, hook: &str, state: &State) -> Result<HookOutput, TestError> {
        let mut event = EventInfo {
            name: hook.to_owned(),
            ..EventInfo::default()
        };
        if let Some(crate::charm::hooks::Hook::Relation { endpoint, kind }) =
            self.charm().receivable_hook(hook)
        {
            let relation = state.relation_on(&endpoint).ok_or_else(|| {
                self.cannot(
                    hook,
                    format!("the state has no relation on endpoint {endpoint:?} for it to concern"),
                )
            })?;
            event.relation = Some(Relation {
                endpoint: endpoint.clone(),
                id: relation.id.unwrap_or(RelationId(0)),
            });
            event.remote_app = Some(relation.remote_app.clone()).filter(|a| !a.is_empty());
            use crate::charm::hooks::RelationHook;
            if !matches!(kind, RelationHook::Created | RelationHook::Broken) {
                event.remote_unit = relation.remote_units_data.keys().next().cloned();
            }
        }
        self.run_event(event, state)
    }

    /// Runs the hook `event` names, with `event`'s context, in `state`
    /// (the deferred events first).
    pub fn run_event(&self, mut event: EventInfo, state: &State) -> Result<HookOutput, TestError> {
        let charm = self.charm();
        let hook = event.name.clone();
        if charm.receivable_hook(&hook).is_none() {
            return Err(self.cannot(
                &hook,
                format!("charm {:?} cannot receive hook {hook:?}", charm.name),
            ));
        }
        event.is_action = false;
        let unit = self.test_unit(&hook)?;
        let mut given = state.clone();
        if !state.deferred.is_empty() {
            let queue = serde_json::to_string(&state.deferred).expect("events serialise");
            given
                .unit_state
                .insert(DEFERRED_STATE_KEY.to_owned(), queue);
        }
        let model = seed(
            self.identity().clone(),
            &unit,
            charm.component.path(),
            &charm.name,
            self.charm_model(),
            &given,
        )
        .map_err(|e| {
            self.cannot(
                &hook,
                format!("the test's model is not one charmbox can run in: {e}"),
            )
        })?;
        // The relation the event names, as the model numbered it.
        if let Some(relation) = &mut event.relation {
            if let Some(id) = model_relation(&model, &unit, &relation.endpoint) {
                relation.id = id;
            }
        }
        let mut runner = TestRunner {
            charm,
            charm_model: self.charm_model(),
            model: &model,
            identity: self.identity(),
            unit: &unit,
            data_dir: self.data_dir(),
            limits: self.limits(),
            written: Vec::new(),
        };
        let handled = crate::deferred::handle(&mut runner, event)
            .map_err(|e| self.cannot(&hook, e.to_string()))?;
        let written = std::mem::take(&mut runner.written);
        let (mut after, juju_log) = read_back(&model, &unit, state)
            .map_err(|e| self.cannot(&hook, format!("cannot read the model after the run: {e}")))?;
        after.unit_state.remove(DEFERRED_STATE_KEY);
        after.deferred = handled.deferred.0.clone();
        let runs = handled
            .runs
            .iter()
            .map(|run| HookRunOutput {
                event: run.event.clone(),
                replay: run.replay,
                end: run.report.as_ref().map(|r| r.end.clone()),
                message: run.report.as_ref().and_then(|r| r.message.clone()),
                deferred: run.deferred(),
            })
            .collect();
        let fired = fired_by(&after, &unit, &written);
        Ok(HookOutput {
            runs,
            state: after,
            juju_log,
            fired,
        })
    }
}

/// The id the model gave `unit`'s relation on `endpoint`.
fn model_relation(model: &LocalModel, unit: &UnitName, endpoint: &str) -> Option<RelationId> {
    let application = unit.application();
    model
        .read(|rows| rows.relations_of(application))
        .ok()?
        .into_iter()
        .find(|r| r.side(application).is_some_and(|s| s.endpoint == endpoint))
        .map(|r| r.id)
}

/// The `-relation-changed` events each written bag fires across.
fn fired_by(after: &State, unit: &UnitName, written: &[(RelationId, bool)]) -> Vec<FiredEvent> {
    let mut fired = Vec::new();
    for (id, app) in written {
        let Some(relation) = after.relations.iter().find(|r| r.id == Some(*id)) else {
            continue;
        };
        let peer = relation.remote_app.is_empty() || relation.remote_app == unit.application();
        let event = FiredEvent {
            application: if peer {
                unit.application().to_owned()
            } else {
                relation.remote_app.clone()
            },
            hook: format!(
                "{}-relation-changed",
                relation
                    .remote_endpoint
                    .as_deref()
                    .unwrap_or(&relation.endpoint)
            ),
            remote_unit: (!app).then(|| unit.to_string()),
        };
        if !fired.contains(&event) {
            fired.push(event);
        }
    }
    fired
}
