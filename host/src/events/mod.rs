//! Events in the local model: the commands that change it fire the hooks
//! a Juju model would, on each affected unit, in Juju's order, each run
//! recorded ([`log`]) like a task.
//!
//! [`LocalEvents`] is the state directory's: `deploy`, `add-unit`,
//! `run-hook`, `resolve`, and what follows `config` and `integrate`
//! (the model's own operations, [`crate::model::local::operator`], change
//! the model; these fire what the change means). The orders, from Juju's
//! documentation of hook ordering (juju/juju `docs/reference/hook.md`)
//! and `ops`' `Harness.begin_with_initial_hooks`:
//! - a new unit: `install`, each peer relation's `-relation-created`,
//!   `leader-elected` on the leader (`leader-settings-changed` on the
//!   others), `config-changed`, `start`; then, for each relation, the
//!   remote units' `-relation-joined` and `-relation-changed`, and on
//!   the units already there the new unit's;
//! - `config`: `config-changed` on every unit of the application;
//! - `integrate`: `-relation-created` on every unit of each local side,
//!   then each unit's `-relation-joined` and `-relation-changed` for
//!   every remote unit;
//! - after a run (hook or action) that changed a relation databag:
//!   `-relation-changed` on the other side's units (every other unit, for
//!   a peer relation), for the writer's unit (or, for an application bag,
//!   its application);
//! - `remove-unit`: on the dying unit, for each relation, `-relation-departed`
//!   for each remote unit then `-relation-broken` (not for a peer relation),
//!   on the units it leaves `-relation-departed` (`JUJU_DEPARTING_UNIT` set);
//!   then `stop`, `remove`, and `leader-elected` on the next leader;
//! - when the queue runs dry, the secret hooks its changes call for
//!   ([`secrets`]: `secret-changed`, `secret-remove`).
//!
//! A unit whose hook fails is in error: nothing more fires on it (the
//! [`Fired`] says what was held back) until [`LocalEvents::resolve`] runs
//! the failed hook again, as `juju resolve` does. Each event runs with the
//! unit's deferred events first ([`crate::deferred`]).

pub mod log;
pub mod runner;
mod secrets;
pub mod status;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use log::{HeldStep, HookLog, HookLogError, HookRun, HookStatus, Step, UnitInError};
use runner::{BagWrite, LocalRunner};

use crate::charm::endpoints::RelationRole;
use crate::charm::{Charm, CharmError};
use crate::deferred::HandleError;
use crate::engine::Engine;
use crate::model::local::relations::{EndpointRecord, RelationRecord};
use crate::model::local::{CharmModel, LocalModel, LocalModelError, Rows};
use crate::model::{Bag, EventInfo, Relation, RelationId};
use crate::operation::unit_lock::{Concurrency, UnitLocker, Wait};
use crate::run::LimitHints;
use crate::sandbox::SandboxLimits;
use crate::unit::UnitName;

/// Most hook runs one command fires, follow-ups included: charms that
/// answer each other's relation writes with writes of their own could
/// otherwise fire forever.
pub const MAX_HOOK_RUNS: usize = 1000;

/// Why events could not be fired.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The local model refused or failed.
    #[error(transparent)]
    Model(#[from] LocalModelError),
    /// The hook record failed.
    #[error(transparent)]
    Log(#[from] HookLogError),
    /// A charm could not be loaded.
    #[error(transparent)]
    Charm(#[from] CharmError),
    /// A handler could not start.
    #[error(transparent)]
    Handle(#[from] HandleError),
    /// A unit could not be locked.
    #[error("cannot lock unit {unit}: {source}")]
    UnitLock {
        /// The unit.
        unit: UnitName,
        /// Why.
        source: std::io::Error,
    },
    /// What was asked for does not fit the model.
    #[error("{0}")]
    Refused(String),
}

/// A step to take on a unit (a hook to fire, or its leaving the model),
/// and why.
#[derive(Debug, Clone)]
struct Pending {
    unit: UnitName,
    step: Step,
    cause: String,
    /// The unit whose removal this step is part of: while that unit is in
    /// error, the step waits (kept in the record) for `resolve`.
    removal: Option<UnitName>,
}

impl Pending {
    /// The hook of `event` on `unit`, fired by `cause`.
    fn hook(unit: &UnitName, event: EventInfo, cause: &str) -> Self {
        Self {
            unit: unit.clone(),
            step: Step::Hook(Box::new(event)),
            cause: cause.to_owned(),
            removal: None,
        }
    }

    /// What the step is called in messages: its hook's name.
    fn name(&self) -> &str {
        match &self.step {
            Step::Hook(event) => &event.name,
            Step::Leave => "leaving the model",
        }
    }
}

/// What a command fired.
#[derive(Debug, Default)]
pub struct Fired {
    /// Every hook run, in order (deferred events' re-runs included).
    pub runs: Vec<HookRun>,
    /// Hooks not fired because their unit is in error.
    pub held: Vec<(UnitName, String)>,
    /// Whether [`MAX_HOOK_RUNS`] stopped it.
    pub capped: bool,
    /// The units that left the model (`remove-unit`), in order.
    pub removed: Vec<UnitName>,
}

impl Fired {
    /// Whether every run succeeded and nothing was held back.
    pub fn all_ok(&self) -> bool {
        self.held.is_empty()
            && !self.capped
            && self.runs.iter().all(|r| r.status != HookStatus::Failed)
    }
}

/// A local application's charm, loaded once per command.
struct LoadedCharm {
    charm: Charm,
    model: Arc<CharmModel>,
}

/// The events of a state directory's local model.
pub struct LocalEvents<'e> {
    engine: &'e Engine,
    state_dir: PathBuf,
    model: LocalModel,
    log: HookLog,
    limits: SandboxLimits,
    hints: LimitHints,
    charms: std::sync::Mutex<HashMap<String, Arc<LoadedCharm>>>,
}

impl<'e> LocalEvents<'e> {
    /// The events of `state_dir`'s model; each run is held to `limits`, and
    /// `hints` say how to raise one.
    pub fn open(
        engine: &'e Engine,
        state_dir: &Path,
        limits: SandboxLimits,
        hints: LimitHints,
    ) -> Result<Self, EventError> {
        std::fs::create_dir_all(state_dir).map_err(|e| {
            EventError::Refused(format!(
                "cannot create the state directory {}: {e}",
                state_dir.display()
            ))
        })?;
        Ok(Self {
            engine,
            state_dir: state_dir.to_owned(),
            model: LocalModel::open(state_dir)?,
            log: HookLog::open(state_dir),
            limits,
            hints,
            charms: Default::default(),
        })
    }

    /// The hook record.
    pub fn log(&self) -> &HookLog {
        &self.log
    }

    /// The model.
    pub fn model(&self) -> &LocalModel {
        &self.model
    }

    /// `juju deploy CHARM [APP] -n N`: the application and its units appear
    /// (the first leading), and each unit runs its setup hooks.
    pub fn deploy(
        &self,
        charm_path: &Path,
        application: Option<&str>,
        units: u32,
    ) -> Result<Fired, EventError> {
        if units == 0 {
            return Err(EventError::Refused(
                "cannot deploy no units: pass -n 1 or more".into(),
            ));
        }
        let charm = Charm::load(self.engine, charm_path)?;
        charm.ensure_runnable()?;
        let application = application.unwrap_or(&charm.name).to_owned();
        if self.model.application(&application).is_ok() {
            return Err(EventError::Refused(format!(
                "cannot add application {application:?}: application already exists; deploy it \
                 under another name, or use `charmbox add-unit {application}`"
            )));
        }
        let names = (0..units)
            .map(|n| UnitName::new(&application, n))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| EventError::Refused(e.to_string()))?;
        let charm_path = std::path::absolute(charm_path).unwrap_or_else(|_| charm_path.into());
        let declared = Arc::new(CharmModel::of(&charm));
        let refs: Vec<&UnitName> = names.iter().collect();
        self.model
            .record_units(&application, &charm_path, &charm.name, &declared, &refs)?;
        crate::sync::lock(&self.charms).insert(
            application.clone(),
            Arc::new(LoadedCharm {
                charm,
                model: declared,
            }),
        );
        let mut queue = VecDeque::new();
        self.queue_new_units(&application, &names, "deploy", &mut queue)?;
        self.fire(queue)
    }

    /// `juju add-unit APP -n N`: new units, each with its setup hooks, and
    /// the relation hooks of the units already there.
    pub fn add_unit(&self, application: &str, count: u32) -> Result<Fired, EventError> {
        let (record, _) = self.model.local_application(application)?;
        let loaded = self.charm_of(application)?;
        let next = self.model.next_unit_number(application)?;
        let names = (next..next + count.max(1))
            .map(|n| UnitName::new(application, n))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| EventError::Refused(e.to_string()))?;
        let charm_path = record
            .charm
            .clone()
            .expect("a local application has a charm");
        let refs: Vec<&UnitName> = names.iter().collect();
        self.model.record_units(
            application,
            &charm_path,
            &loaded.charm.name,
            &loaded.model,
            &refs,
        )?;
        let mut queue = VecDeque::new();
        self.queue_new_units(application, &names, "add-unit", &mut queue)?;
        self.fire(queue)
    }

    /// `juju run-hook`-like: fires `hook` on `unit` alone, with the context
    /// Juju would give it (for a relation hook, `relation` and `remote`).
    pub fn run_hook(
        &self,
        unit: &UnitName,
        hook: &str,
        relation: Option<RelationId>,
        remote_unit: Option<&str>,
    ) -> Result<Fired, EventError> {
        let loaded = self.charm_of(unit.application())?;
        if !self.unit_names(unit.application())?.contains(unit) {
            return Err(EventError::Refused(format!(
                "unit {unit} not found: `charmbox status` lists the units there are"
            )));
        }
        let Some(kind) = loaded.charm.receivable_hook(hook) else {
            return Err(EventError::Refused(format!(
                "{hook:?} is not a hook charm {:?} can receive; it can receive: {}",
                loaded.charm.name,
                loaded.charm.hook_sources().hook_names().join(", ")
            )));
        };
        let mut event = EventInfo {
            name: hook.to_owned(),
            ..EventInfo::default()
        };
        if let crate::charm::hooks::Hook::Relation { endpoint, .. } = kind {
            let relations: Vec<RelationRecord> = self
                .relations_of(unit.application())?
                .into_iter()
                .filter(|r| {
                    r.side(unit.application())
                        .is_some_and(|s| s.endpoint == endpoint)
                })
                .collect();
            let chosen = match relation {
                Some(id) => relations.into_iter().find(|r| r.id == id),
                None if relations.len() == 1 => relations.into_iter().next(),
                None => None,
            }
            .ok_or_else(|| {
                EventError::Refused(format!(
                    "hook {hook:?} needs one relation on endpoint {endpoint:?}: pass \
                     --relation ID of one that exists (`charmbox show-unit {unit}` lists them)"
                ))
            })?;
            let remote = chosen
                .other_side(unit.application())
                .expect("a relation has two sides")
                .application
                .clone();
            event.relation = Some(Relation {
                endpoint: endpoint.clone(),
                id: chosen.id,
            });
            event.remote_app = Some(remote);
            event.remote_unit = remote_unit.map(str::to_owned);
        }
        self.fire(VecDeque::from([Pending::hook(unit, event, "run-hook")]))
    }

    /// After `config APP key=value…`: `config-changed` on every unit.
    pub fn config_changed(&self, application: &str) -> Result<Fired, EventError> {
        self.charm_of(application)?;
        let queue = self
            .unit_names(application)?
            .into_iter()
            .map(|unit| Pending::hook(&unit, hook_event("config-changed"), "config"))
            .collect();
        self.fire(queue)
    }

    /// `juju integrate APP[:ENDPOINT] OTHER[:ENDPOINT]` between two local
    /// applications: the relation (on the endpoints that fit, when not
    /// named), and its hooks on both sides.
    pub fn integrate_local(
        &self,
        application: &str,
        endpoint: Option<&str>,
        other: &str,
        other_endpoint: Option<&str>,
    ) -> Result<(RelationRecord, Fired), EventError> {
        let (_, ours) = self.model.local_application(application)?;
        let (_, theirs) = self.model.local_application(other)?;
        let pairs: Vec<(EndpointRecord, EndpointRecord)> = ours
            .endpoints
            .iter()
            .filter(|e| e.role != RelationRole::Peer)
            .filter(|e| endpoint.is_none_or(|name| e.name == name))
            .flat_map(|a| {
                theirs
                    .endpoints
                    .iter()
                    .filter(|b| other_endpoint.is_none_or(|name| b.name == name))
                    .filter(move |b| b.interface == a.interface && b.role == a.role.counterpart())
                    .map(move |b| (a, b))
            })
            .map(|(a, b)| {
                (
                    EndpointRecord {
                        application: application.to_owned(),
                        endpoint: a.name.clone(),
                        role: a.role,
                        interface: a.interface.clone(),
                    },
                    EndpointRecord {
                        application: other.to_owned(),
                        endpoint: b.name.clone(),
                        role: b.role,
                        interface: b.interface.clone(),
                    },
                )
            })
            .collect();
        let (a, b) = match pairs.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(EventError::Refused(format!(
                    "no relations found between {application}{} and {other}{}: no endpoints \
                     with the same interface and counterpart roles (requires and provides)",
                    endpoint.map(|e| format!(":{e}")).unwrap_or_default(),
                    other_endpoint.map(|e| format!(":{e}")).unwrap_or_default(),
                )))
            }
            many => {
                let listed: Vec<String> = many
                    .iter()
                    .map(|(a, b)| {
                        format!(
                            "{}:{} {}:{}",
                            a.application, a.endpoint, b.application, b.endpoint
                        )
                    })
                    .collect();
                return Err(EventError::Refused(format!(
                    "ambiguous relation: {application} {other} could refer to {}; name the \
                     endpoints (APP:ENDPOINT)",
                    listed.join(", ")
                )));
            }
        };
        let relation = self.model.write(|rows: &Rows<'_>| {
            let key = RelationRecord {
                id: RelationId(0),
                endpoints: vec![a.clone(), b.clone()],
            }
            .key();
            if rows
                .relations_of(application)?
                .iter()
                .any(|r| r.key() == key)
            {
                return Err(LocalModelError::Refused(format!(
                    "cannot add relation \"{key}\": relation {key} already exists"
                )));
            }
            let id = rows.add_relation(&[a.clone(), b.clone()])?;
            rows.relation(id)?
                .ok_or_else(|| LocalModelError::Refused("the new relation vanished".into()))
        })?;
        let fired = self.integrated(&relation)?;
        Ok((relation, fired))
    }

    /// After a relation appeared (`integrate`, with a stand-in or between
    /// local applications): its hooks on each local side.
    pub fn integrated(&self, relation: &RelationRecord) -> Result<Fired, EventError> {
        let mut queue = VecDeque::new();
        let mut sides = Vec::new();
        for side in &relation.endpoints {
            let app = self.model.application(&side.application)?;
            let units = self.unit_names(&side.application)?;
            sides.push((side.clone(), app.is_stand_in(), units));
        }
        let event =
            |side: &EndpointRecord, kind: &str, remote_app: &str, remote: Option<&UnitName>| {
                EventInfo {
                    name: format!("{}-relation-{kind}", side.endpoint),
                    relation: Some(Relation {
                        endpoint: side.endpoint.clone(),
                        id: relation.id,
                    }),
                    remote_app: Some(remote_app.to_owned()),
                    remote_unit: remote.map(UnitName::to_string),
                    ..EventInfo::default()
                }
            };
        let cause = format!("integrate {}", relation.key());
        for (index, (side, stand_in, units)) in sides.iter().enumerate() {
            if *stand_in {
                continue;
            }
            let (remote, _, _) = &sides[sides.len() - 1 - index];
            for unit in units {
                queue.push_back(Pending::hook(
                    unit,
                    event(side, "created", &remote.application, None),
                    &cause,
                ));
            }
        }
        for (index, (side, stand_in, units)) in sides.iter().enumerate() {
            if *stand_in {
                continue;
            }
            let (remote, _, remote_units) = &sides[sides.len() - 1 - index];
            for unit in units {
                for other in remote_units {
                    for kind in ["joined", "changed"] {
                        queue.push_back(Pending::hook(
                            unit,
                            event(side, kind, &remote.application, Some(other)),
                            &cause,
                        ));
                    }
                }
            }
        }
        self.fire(queue)
    }

    /// `juju resolve UNIT`: runs the failed hook again (with `retry`), or
    /// marks it resolved without running it; then the unit takes events
    /// again, and a dying unit's removal goes on.
    pub fn resolve(&self, unit: &UnitName, retry: bool) -> Result<Fired, EventError> {
        let Some(error) = self.log.error_of(unit)? else {
            return Err(EventError::Refused(format!(
                "unit {unit} is not in an error state: nothing to resolve"
            )));
        };
        self.log.clear_error(unit)?;
        let rest = self.log.take_removal_steps(unit)?;
        let dying = !rest.is_empty();
        let mut queue = VecDeque::new();
        if retry {
            queue.push_back(Pending {
                removal: dying.then(|| unit.clone()),
                ..Pending::hook(
                    unit,
                    error.event,
                    &format!("resolve (run {} failed)", error.run),
                )
            });
        }
        queue.extend(rest.into_iter().map(|held| Pending {
            unit: held.unit,
            step: held.step,
            cause: held.cause,
            removal: Some(unit.clone()),
        }));
        self.fire(queue)
    }

    /// `juju remove-unit UNIT…`: each unit departs its relations (on it,
    /// `-relation-departed` for each remote unit, then `-relation-broken`
    /// but for a peer relation; on the units it leaves,
    /// `-relation-departed` with it as the departing unit), runs `stop` and
    /// `remove`, and leaves the model; when it led, the lowest-numbered unit
    /// left leads and runs `leader-elected`. A unit in error, or one whose
    /// removal hook fails, stays (dying) until `resolve`, which goes on
    /// with its removal.
    pub fn remove_units(&self, units: &[UnitName]) -> Result<Fired, EventError> {
        let dying = self.log.dying_units()?;
        for unit in units {
            if self.model.application(unit.application())?.is_stand_in() {
                return Err(EventError::Refused(format!(
                    "unit {unit} belongs to a stand-in for a remote application: its units are \
                     the stand-in file's, not this model's to remove"
                )));
            }
            if !self.unit_names(unit.application())?.contains(unit) {
                return Err(EventError::Refused(format!(
                    "unit \"{unit}\" does not exist: `charmbox status` lists the units there are"
                )));
            }
            if dying.contains(unit) {
                return Err(EventError::Refused(format!(
                    "unit {unit} is already being removed: it is in error; `charmbox resolve \
                     {unit}` goes on with its removal"
                )));
            }
        }
        let mut queue = VecDeque::new();
        for (index, unit) in units.iter().enumerate() {
            self.queue_removal(unit, &units[..index], &mut queue)?;
        }
        self.fire(queue)
    }

    /// `juju remove-unit APP --num-units N`: removes the application's `count`
    /// highest-numbered units (as Juju scales an application down).
    pub fn remove_unit_count(&self, application: &str, count: u32) -> Result<Fired, EventError> {
        self.model.local_application(application)?;
        let units = self.unit_names(application)?;
        if count == 0 || count as usize > units.len() {
            return Err(EventError::Refused(format!(
                "cannot remove {count} units of {application:?}: it has {}; pass --num-units \
                 from 1 to {}",
                units.len(),
                units.len()
            )));
        }
        let chosen: Vec<UnitName> = units[units.len() - count as usize..]
            .iter()
            .rev()
            .cloned()
            .collect();
        self.remove_units(&chosen)
    }

    /// Queues the steps of `unit`'s removal; `gone` are units removed
    /// before it in the same command (it no longer sees them).
    fn queue_removal(
        &self,
        unit: &UnitName,
        gone: &[UnitName],
        queue: &mut VecDeque<Pending>,
    ) -> Result<(), EventError> {
        let application = unit.application();
        let cause = format!("remove-unit {unit}");
        let push = |queue: &mut VecDeque<Pending>, on: &UnitName, event: EventInfo| {
            queue.push_back(Pending {
                removal: Some(unit.clone()),
                ..Pending::hook(on, event, &cause)
            })
        };
        let departed = |side: &EndpointRecord, id, remote_app: &str, remote: &UnitName| EventInfo {
            departing_unit: Some(unit.to_string()),
            ..relation_event(id, side, "departed", remote_app, Some(remote))
        };
        let mut relations = self.relations_of(application)?;
        relations.sort_by_key(|r| r.id);
        for relation in &relations {
            let ours = relation
                .side(application)
                .expect("the application's relation");
            let theirs = relation
                .other_side(application)
                .expect("a relation has a side across");
            let remote_is_local = !self.model.application(&theirs.application)?.is_stand_in();
            let remote_units: Vec<UnitName> = self
                .unit_names(&theirs.application)?
                .into_iter()
                .filter(|u| u != unit && !gone.contains(u))
                .collect();
            for remote in &remote_units {
                push(
                    queue,
                    unit,
                    departed(ours, relation.id, &theirs.application, remote),
                );
            }
            // Juju breaks no peer relation of a dying unit.
            if !relation.is_peer() {
                push(
                    queue,
                    unit,
                    relation_event(relation.id, ours, "broken", &theirs.application, None),
                );
            }
            if remote_is_local {
                for watcher in &remote_units {
                    push(
                        queue,
                        watcher,
                        departed(theirs, relation.id, application, unit),
                    );
                }
            }
        }
        push(queue, unit, hook_event("stop"));
        push(queue, unit, hook_event("remove"));
        queue.push_back(Pending {
            unit: unit.clone(),
            step: Step::Leave,
            cause: cause.clone(),
            removal: Some(unit.clone()),
        });
        Ok(())
    }

    /// `unit` leaves the model (its removal's hooks have run): its records,
    /// its data directory; the `leader-elected` of the unit that leads
    /// after it, when it led.
    fn leave(&self, unit: &UnitName, cause: &str) -> Result<Option<Pending>, EventError> {
        let leader = self.model.remove_unit(unit)?;
        let data_dir = unit.data_dir(&self.state_dir);
        let unit_dir = data_dir.parent().unwrap_or(&data_dir);
        if unit_dir.exists() {
            std::fs::remove_dir_all(unit_dir).map_err(|e| {
                EventError::Refused(format!(
                    "unit {unit} left the model, but its directory {} could not be removed: {e}",
                    unit_dir.display()
                ))
            })?;
        }
        Ok(leader.map(|leader| {
            Pending::hook(
                &leader,
                hook_event("leader-elected"),
                &format!("{cause}: {unit} led {}", unit.application()),
            )
        }))
    }

    /// Fires `-relation-changed` on the other side of each databag the
    /// runs of an action operation wrote (and what those fire in turn), and
    /// the secret hooks that are due (none written: only those).
    pub fn fire_bag_writes(&self, writes: Vec<BagWrite>) -> Result<Fired, EventError> {
        let mut queue = VecDeque::new();
        for write in writes {
            self.queue_bag_write(&write, &mut queue)?;
        }
        self.fire(queue)
    }

    /// Queues a unit's setup hooks for each of `units` (new units of
    /// `application`), and the relation hooks between them and the units
    /// they relate to.
    fn queue_new_units(
        &self,
        application: &str,
        units: &[UnitName],
        cause: &str,
        queue: &mut VecDeque<Pending>,
    ) -> Result<(), EventError> {
        let leader = self.model.application(application)?.leader;
        let relations = self.relations_of(application)?;
        let peers: Vec<&RelationRecord> = relations.iter().filter(|r| r.is_peer()).collect();
        let everyone = self.unit_names(application)?;
        let push = |queue: &mut VecDeque<Pending>, unit: &UnitName, event: EventInfo| {
            queue.push_back(Pending::hook(unit, event, cause))
        };
        for unit in units {
            push(queue, unit, hook_event("install"));
            for peer in &peers {
                let side = &peer.endpoints[0];
                push(
                    queue,
                    unit,
                    relation_event(peer.id, side, "created", application, None),
                );
            }
            if leader.as_deref() == Some(&unit.to_string()) {
                push(queue, unit, hook_event("leader-elected"));
            } else {
                push(queue, unit, hook_event("leader-settings-changed"));
            }
            push(queue, unit, hook_event("config-changed"));
            push(queue, unit, hook_event("start"));
        }
        for relation in &relations {
            let ours = relation
                .side(application)
                .expect("the application's relation");
            let theirs = relation
                .other_side(application)
                .expect("a relation has a side across");
            let remote_units: Vec<UnitName> = if relation.is_peer() {
                everyone.clone()
            } else {
                self.unit_names(&theirs.application)?
            };
            for unit in units {
                if !relation.is_peer() {
                    push(
                        queue,
                        unit,
                        relation_event(relation.id, ours, "created", &theirs.application, None),
                    );
                }
                for other in remote_units.iter().filter(|o| *o != unit) {
                    for kind in ["joined", "changed"] {
                        push(
                            queue,
                            unit,
                            relation_event(
                                relation.id,
                                ours,
                                kind,
                                &theirs.application,
                                Some(other),
                            ),
                        );
                    }
                }
            }
            // The units there already see each new one join.
            let remote_is_local = !self.model.application(&theirs.application)?.is_stand_in();
            let watchers: Vec<&UnitName> =
                remote_units.iter().filter(|o| !units.contains(o)).collect();
            if remote_is_local {
                for watcher in watchers {
                    for unit in units {
                        for kind in ["joined", "changed"] {
                            push(
                                queue,
                                watcher,
                                relation_event(relation.id, theirs, kind, application, Some(unit)),
                            );
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Queues `-relation-changed` for one databag write, on each unit of the
    /// other side that runs a charm here.
    fn queue_bag_write(
        &self,
        write: &BagWrite,
        queue: &mut VecDeque<Pending>,
    ) -> Result<(), EventError> {
        let Some(relation) = self.model.read(|rows| rows.relation(write.relation))? else {
            return Ok(());
        };
        let application = write.unit.application();
        let Some(theirs) = relation.other_side(application).cloned() else {
            return Ok(());
        };
        if self.model.application(&theirs.application)?.is_stand_in() {
            return Ok(());
        }
        let cause = format!(
            "{} databag of {} on {} written by {}",
            if write.app { "application" } else { "unit" },
            if write.app {
                application.to_owned()
            } else {
                write.unit.to_string()
            },
            relation.key(),
            write.by
        );
        for unit in self.unit_names(&theirs.application)? {
            if unit == write.unit {
                continue;
            }
            queue.push_back(Pending::hook(
                &unit,
                relation_event(
                    relation.id,
                    &theirs,
                    "changed",
                    application,
                    (!write.app).then_some(&write.unit),
                ),
                &cause,
            ));
        }
        Ok(())
    }

    /// Runs each pending hook in turn, with what each run's relation writes
    /// fire queued behind; a unit in error takes none.
    fn fire(&self, mut queue: VecDeque<Pending>) -> Result<Fired, EventError> {
        let mut fired = Fired::default();
        let locker = UnitLocker::open(&self.state_dir).map_err(|source| EventError::UnitLock {
            unit: queue
                .front()
                .map(|p| p.unit.clone())
                .unwrap_or_else(|| UnitName::new("unit", 0).expect("a valid name")),
            source,
        })?;
        let mut ran = 0;
        loop {
            // Once the hooks run dry, the secret hooks their changes call for.
            if queue.is_empty() {
                queue.extend(self.due_secret_hooks()?);
            }
            let Some(pending) = queue.pop_front() else {
                break;
            };
            if ran >= MAX_HOOK_RUNS {
                fired.capped = true;
                break;
            }
            if let Some(dying) = &pending.removal {
                if let Some(error) = self.log.error_of(dying)? {
                    self.log.hold_removal_step(
                        dying,
                        &HeldStep {
                            unit: pending.unit.clone(),
                            step: pending.step.clone(),
                            cause: pending.cause.clone(),
                        },
                    )?;
                    fired.held.push((
                        pending.unit.clone(),
                        format!(
                            "{} on {} waits: unit {dying}, being removed, is in error (hook {:?} \
                             failed); `charmbox resolve {dying}` goes on with its removal",
                            pending.name(),
                            pending.unit,
                            error.event.name,
                        ),
                    ));
                    continue;
                }
            }
            if let Some(error) = self.log.error_of(&pending.unit)? {
                fired.held.push((
                    pending.unit.clone(),
                    format!(
                        "{} not fired: unit {} is in error (hook {:?} failed); `charmbox resolve \
                         {}` runs it again",
                        pending.name(),
                        pending.unit,
                        error.event.name,
                        pending.unit
                    ),
                ));
                continue;
            }
            let event = match pending.step {
                Step::Hook(event) => *event,
                Step::Leave => {
                    if let Some(next) = self.leave(&pending.unit, &pending.cause)? {
                        queue.push_back(next);
                    }
                    fired.removed.push(pending.unit.clone());
                    continue;
                }
            };
            let loaded = self.charm_of(pending.unit.application())?;
            let _locks = locker
                .lock(&pending.unit, &Concurrency::of(None), Wait::Yes)
                .map_err(|source| EventError::UnitLock {
                    unit: pending.unit.clone(),
                    source,
                })?;
            let before_bags = self.own_bags(&pending.unit)?;
            let seen = self.log.runs(Some(&pending.unit))?.len();
            let mut runner = LocalRunner {
                charm: &loaded.charm,
                charm_model: &loaded.model,
                model: &self.model,
                unit: &pending.unit,
                state_dir: &self.state_dir,
                limits: self.limits,
                hints: self.hints,
                log: &self.log,
                cause: pending.cause.clone(),
                before: format!("hook {:?}", event.name),
                action: None,
                written: Vec::new(),
                secrets_changed: false,
                stop: None,
            };
            runner.handle(event)?;
            let written = std::mem::take(&mut runner.written);
            drop(_locks);
            let runs = self.log.runs(Some(&pending.unit))?;
            ran += runs.len().saturating_sub(seen).max(1);
            fired.runs.extend(runs.into_iter().skip(seen));
            let after_bags = self.own_bags(&pending.unit)?;
            for write in written {
                // Juju fires `-relation-changed` only for data that changed.
                let key = (write.relation, write.app);
                if before_bags.get(&key) != after_bags.get(&key) {
                    self.queue_bag_write(&write, &mut queue)?;
                }
            }
        }
        Ok(fired)
    }

    /// This unit's own databags and its application's, by relation.
    fn own_bags(&self, unit: &UnitName) -> Result<BTreeMap<(RelationId, bool), Bag>, EventError> {
        let application = unit.application();
        Ok(self.model.read(|rows| {
            let mut bags = BTreeMap::new();
            for relation in rows.relations_of(application)? {
                bags.insert(
                    (relation.id, false),
                    rows.bag(relation.id, &unit.to_string())?,
                );
                bags.insert((relation.id, true), rows.bag(relation.id, application)?);
            }
            Ok(bags)
        })?)
    }

    /// The relations `application` is in.
    fn relations_of(&self, application: &str) -> Result<Vec<RelationRecord>, EventError> {
        Ok(self.model.read(|rows| rows.relations_of(application))?)
    }

    /// The units of `application`, in number order.
    fn unit_names(&self, application: &str) -> Result<Vec<UnitName>, EventError> {
        let mut units: Vec<UnitName> = self
            .model
            .read(|rows| rows.units(application))?
            .into_iter()
            .map(|u| u.name)
            .collect();
        units.sort_by_key(UnitName::number);
        Ok(units)
    }

    /// The charm `application` runs, loaded once per command.
    fn charm_of(&self, application: &str) -> Result<Arc<LoadedCharm>, EventError> {
        if let Some(loaded) = crate::sync::lock(&self.charms).get(application) {
            return Ok(Arc::clone(loaded));
        }
        let (record, declared) = self.model.local_application(application)?;
        let path = record.charm.expect("a local application has a charm");
        let charm = Charm::load(self.engine, &path)?;
        let loaded = Arc::new(LoadedCharm {
            charm,
            model: Arc::new(declared),
        });
        crate::sync::lock(&self.charms).insert(application.to_owned(), Arc::clone(&loaded));
        Ok(loaded)
    }
}

/// A hook's event, without context.
fn hook_event(name: &str) -> EventInfo {
    EventInfo {
        name: name.to_owned(),
        ..EventInfo::default()
    }
}

/// A relation hook's event on `side` of relation `id`.
fn relation_event(
    id: RelationId,
    side: &EndpointRecord,
    kind: &str,
    remote_app: &str,
    remote_unit: Option<&UnitName>,
) -> EventInfo {
    EventInfo {
        name: format!("{}-relation-{kind}", side.endpoint),
        relation: Some(Relation {
            endpoint: side.endpoint.clone(),
            id,
        }),
        remote_app: Some(remote_app.to_owned()),
        remote_unit: remote_unit.map(UnitName::to_string),
        ..EventInfo::default()
    }
}
