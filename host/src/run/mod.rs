//! The handler runtime: one run of one action or hook in a fresh sandbox,
//! through any [`ActionBackend`] and [`ModelBackend`].
//!
//! [`run_handler`] instantiates the charm's pre-linked component in a new
//! store (see [`crate::sandbox`]), calls the handler the run's event names,
//! and returns a [`RunReport`]: how it ended, what it reported, what it
//! printed, whether it deferred. A run that starts and then goes wrong (an
//! error returned, a trap, a deadline) is a report, not an error;
//! [`RunError`] is for runs that cannot start.

mod report;
mod stop;
pub mod watchdog;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use wasmtime::component::TypedFunc;
use wasmtime::Store;

pub use report::{format_bytes, GuardHit, LimitHints, RunEnd, RunReport};
pub(crate) use stop::Cancelled;
pub use stop::{Deadline, DeadlineBound, StopHandle};

use crate::action::{ActionBackend, ActionContext, ActionRecord};
use crate::charm::{CharmComponent, HandlerSignature};
use crate::engine::Engine;
use crate::model::{ModelBackend, ModelContext, ModelRecord, UnitContext};
use crate::sandbox::guards::WaitBound;
use crate::sandbox::{CapturedOutput, GuestEnvironment, RunState, SandboxLimits, SandboxSpec};

/// What to run and where.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The unit, the model, and the event: its name is the export called.
    /// Shared with the run's model state, which keeps it for the run.
    pub context: Arc<UnitContext>,
    /// For an action, the id the guest sees as `JUJU_ACTION_UUID`: the
    /// task's id, as Juju gives it.
    pub action_id: String,
    /// The unit's data directory, preopened at `/data` (and made if it is
    /// missing) for a charm that reaches the filesystem
    /// ([`CharmComponent::reaches_filesystem`]); `None` for none.
    pub data_dir: Option<PathBuf>,
    /// The bounds the run is held to.
    pub limits: SandboxLimits,
    /// Cancels the run from outside it; `None` when nobody will.
    pub stop: Option<StopHandle>,
}

impl RunRequest {
    /// The handler's (and its export's) name.
    pub fn handler(&self) -> &str {
        &self.context.event.name
    }
}

/// Where a run's calls go: the action API's (for an action) and the
/// model's.
pub struct Backends {
    /// Where an action's params come from and its results, log and failure
    /// go; `None` for a hook, where the action API answers as Juju's tools
    /// do outside an action.
    pub action: Option<Box<dyn ActionBackend>>,
    /// Where the model lives.
    pub model: Box<dyn ModelBackend>,
}

/// Why a run did not start. A run that starts and then goes wrong is a
/// failed [`RunReport`], not an error.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The component exports no handler of that name.
    #[error("{}", unknown_action_message(.action, .available))]
    UnknownAction {
        /// The name asked for.
        action: String,
        /// The handlers it does export.
        available: Vec<String>,
    },
    /// A hook's name, asked for as an action.
    #[error(
        "{name:?} is a hook, not an action: fire it with `charmbox run-hook UNIT {name}` (or, \
         under Juju, Juju fires it)"
    )]
    NotAnAction {
        /// The hook's name.
        name: String,
    },
    /// The component imports something the host does not provide.
    #[error(
        "{path} cannot run: it imports {}, which charmbox does not provide (run `charmbox check` for details)",
        .missing.join(", ")
    )]
    MissingImports {
        /// The component file.
        path: PathBuf,
        /// The missing imports.
        missing: Vec<String>,
    },
    /// The host could not prepare the sandbox (e.g. the data directory).
    #[error("cannot prepare the sandbox: {0:#}")]
    Sandbox(anyhow::Error),
}

impl RunError {
    /// The error for `action`, which is not one of `charm`'s actions.
    pub fn unknown_action(charm: &crate::charm::Charm, action: &str) -> Self {
        match charm.receivable_hook(action) {
            Some(_) => Self::NotAnAction {
                name: action.to_owned(),
            },
            None => Self::UnknownAction {
                action: action.to_owned(),
                available: charm.action_names().map(str::to_owned).collect(),
            },
        }
    }
}

fn unknown_action_message(action: &str, available: &[String]) -> String {
    if available.is_empty() {
        format!("the charm has no action {action:?}: it has no actions at all")
    } else {
        format!(
            "the charm has no action {action:?}; its actions are: {}",
            available.join(", ")
        )
    }
}

/// Runs the handler `request`'s event names, of `charm`, in a fresh
/// sandbox, its calls carried by `backends`.
pub fn run_handler(
    charm: &CharmComponent,
    request: &RunRequest,
    backends: Backends,
) -> Result<RunReport, RunError> {
    let name = request.handler();
    let handler = charm.handler(name).ok_or_else(|| RunError::UnknownAction {
        action: name.to_owned(),
        available: charm.handlers().keys().cloned().collect(),
    })?;
    let pre = charm
        .instance_pre()
        .ok_or_else(|| RunError::MissingImports {
            path: charm.path().to_owned(),
            missing: charm
                .missing_imports()
                .iter()
                .map(|m| m.name.clone())
                .collect(),
        })?;
    let started = SystemTime::now();
    let action = match backends.action {
        None => ActionContext::outside_action(request.limits.action),
        Some(backend) => match ActionContext::new(backend, request.limits.action) {
            Ok(action) => action,
            Err(e) => {
                return Ok(RunReport {
                    end: RunEnd::BackendFailed,
                    message: Some(format!("cannot read the action's params: {e}")),
                    record: ActionRecord::default(),
                    model: ModelRecord::default(),
                    // Nothing ran, so nothing printed.
                    stdout: CapturedOutput::default(),
                    stderr: CapturedOutput::default(),
                    started,
                    completed: SystemTime::now(),
                    guard_hit: None,
                });
            }
        },
    };
    let model = ModelContext::new(
        Arc::clone(&request.context),
        backends.model,
        request.limits.model,
    );
    let event = &request.context.event;
    let deadline = Deadline::after(request.limits.timeout);
    let spec = SandboxSpec {
        environment: GuestEnvironment::new(Arc::clone(&request.context), request.action_id.clone()),
        // A guest that cannot reach a directory is not given one to reach.
        data_dir: request
            .data_dir
            .as_deref()
            .filter(|_| charm.reaches_filesystem()),
        limits: request.limits,
        waits: WaitBound::new(deadline, request.stop.clone()),
    };
    let state = RunState::new(spec, action, model).map_err(RunError::Sandbox)?;

    let mut store = Store::new(charm.component().engine(), state);
    store.limiter(|state| &mut state.limiter);
    set_stops(&mut store, request, deadline);

    // The last word on a run its deadline cannot stop (see `watchdog`).
    let watched = deadline.bound().map(|bound| {
        let overrun = || watchdog::Overrun {
            handler: describe(event),
            unit: request.context.unit.clone(),
            limit: bound.timeout,
        };
        watchdog::global().arm(overrun, bound.at)
    });
    let outcome = match pre.instantiate(&mut store) {
        Ok(instance) => call_handler(&mut store, instance, handler.index, handler.signature)
            .map_err(CallError::Call),
        Err(error) => Err(CallError::Instantiate(error)),
    };
    drop(watched);
    let mut state = store.into_data();
    let guard_hit = guard_hit(&mut state);
    let refused_memory = state.limiter.refused();
    let memory_cap = state.limiter.max_bytes();
    let record = state.action.finish();
    // Juju keeps a handler's model changes when it returns normally,
    // `action-fail` or not, and drops them when it errors or is stopped.
    let mut model = state.model.finish(matches!(outcome, Ok(Ok(()))));
    let backend_error = record
        .backend_error
        .clone()
        .or_else(|| model.backend_error.take());

    let (end, message) = match outcome {
        Ok(Ok(())) => match (&backend_error, &record.failure) {
            (Some(e), _) => (RunEnd::BackendFailed, Some(e.clone())),
            (None, Some(failure)) => (RunEnd::ActionFailed, Some(failure.clone())),
            (None, None) => (RunEnd::Completed, None),
        },
        // A handler usually errors because a hook tool under it failed: the
        // tool's failure is the cause worth reporting.
        Ok(Err(_)) if backend_error.is_some() => (RunEnd::BackendFailed, backend_error),
        Ok(Err(message)) => (
            RunEnd::HandlerError,
            Some(if message.is_empty() {
                format!("{} returned an error without a message", describe(event))
            } else {
                message
            }),
        ),
        Err(error) if error.inner().downcast_ref::<stop::Cancelled>().is_some() => (
            RunEnd::Cancelled,
            Some(format!(
                "{} was cancelled while it ran, and stopped",
                describe(event)
            )),
        ),
        Err(error) => {
            let (end, message) = report::classify_trap(
                &describe(event),
                error.inner(),
                request.limits.timeout,
                refused_memory,
                memory_cap,
            );
            let message = match (&end, &error) {
                // Not a trap, a deadline or the memory budget: a limit of
                // the sandbox the component's own shape breaks.
                (RunEnd::Trapped, CallError::Instantiate(e))
                    if e.downcast_ref::<wasmtime::Trap>().is_none() =>
                {
                    report::instantiation_message(&describe(event), e, memory_cap)
                }
                _ => message,
            };
            (end, Some(message))
        }
    };
    let (stdout, stderr) = state.output.take();
    Ok(RunReport {
        end,
        message,
        record,
        model,
        stdout,
        stderr,
        started,
        completed: SystemTime::now(),
        guard_hit,
    })
}

/// The guard that refused the guest something during the run, if any.
fn guard_hit(state: &mut RunState) -> Option<GuardHit> {
    let guards = &mut state.guards;
    if let Some(disk) = &guards.disk {
        if let Some(exhausted) = disk.exhausted() {
            return Some(GuardHit::Disk {
                limits: disk.limits(),
                exhausted,
            });
        }
    }
    guards.descriptors.refused().then(|| GuardHit::Descriptors {
        max: guards.descriptors.max(),
    })
}

/// `action "backup"`, `hook "install"`: the handler, for messages.
fn describe(event: &crate::model::EventInfo) -> String {
    let kind = if event.is_action { "action" } else { "hook" };
    format!("{kind} {:?}", event.name)
}

/// Arms the store's epoch deadline: with a stop handle, a look at every
/// tick (cancelled? past the deadline?); without one, a single deadline at
/// the run's timeout, so an uncancellable run pays for no callbacks.
fn set_stops(store: &mut Store<RunState>, request: &RunRequest, deadline: Deadline) {
    let Some(stop) = request.stop.clone() else {
        store.set_epoch_deadline(match request.limits.timeout {
            Some(timeout) => Engine::ticks_for(timeout),
            // Far enough away never to come, near enough not to overflow.
            None => u64::MAX / 4,
        });
        return;
    };
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        if stop.is_cancelled() {
            return Err(stop::Cancelled.into());
        }
        if deadline.has_passed() {
            return Err(wasmtime::Trap::Interrupt.into());
        }
        Ok(wasmtime::UpdateDeadline::Continue(1))
    });
}

/// Where a run's call into wasmtime failed.
enum CallError {
    /// Making the instance (its start functions included).
    Instantiate(wasmtime::Error),
    /// Calling the handler.
    Call(wasmtime::Error),
}

impl CallError {
    fn inner(&self) -> &wasmtime::Error {
        match self {
            Self::Instantiate(e) | Self::Call(e) => e,
        }
    }
}

/// Calls the handler: `Ok(Ok)` / `Ok(Err(msg))` from the guest, `Err` for
/// a trap or a host error.
fn call_handler(
    store: &mut Store<RunState>,
    instance: wasmtime::component::Instance,
    index: wasmtime::component::ComponentExportIndex,
    signature: HandlerSignature,
) -> wasmtime::Result<Result<(), String>> {
    match signature {
        HandlerSignature::Plain => {
            let func: TypedFunc<(), ()> = instance.get_typed_func(&mut *store, index)?;
            func.call(&mut *store, ())?;
            Ok(Ok(()))
        }
        HandlerSignature::Fallible => {
            let func: TypedFunc<(), (Result<(), String>,)> =
                instance.get_typed_func(&mut *store, index)?;
            let (result,) = func.call(&mut *store, ())?;
            Ok(result)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::local::LocalBackend;
    use crate::model::EventInfo;
    use crate::sandbox::{MAX_INSTANCES, MAX_MEMORIES, MAX_TABLES};
    use std::time::{Duration, Instant};

    /// A component whose `spin` export loops forever.
    const SPINNER: &str = r#"
    (component
      (core module $m (func (export "spin") (loop $l (br $l))))
      (core instance $i (instantiate $m))
      (func (export "spin") (canon lift (core func $i "spin")))
    )"#;

    fn spinner(engine: &Engine) -> CharmComponent {
        let bytes = wat::parse_str(SPINNER).unwrap();
        CharmComponent::from_bytes(engine, "spin.wasm".as_ref(), &bytes).unwrap()
    }

    fn spin(
        charm: &CharmComponent,
        timeout: Option<Duration>,
        stop: Option<StopHandle>,
    ) -> RunReport {
        let request = RunRequest {
            context: UnitContext::local(
                "spin/0".parse().unwrap(),
                &crate::model::ModelIdentity::ephemeral(),
                EventInfo::action("spin"),
            )
            .into(),
            action_id: "1".into(),
            data_dir: None,
            limits: SandboxLimits {
                timeout,
                ..SandboxLimits::default()
            },
            stop,
        };
        let backends = Backends {
            action: Some(Box::new(LocalBackend::new(serde_json::Value::Null))),
            model: Box::new(crate::model::NoModel),
        };
        run_handler(charm, &request, backends).unwrap()
    }

    #[test]
    fn a_cancelled_run_stops_at_the_next_tick() {
        let engine = Engine::new().unwrap();
        let charm = spinner(&engine);
        let stop = StopHandle::new();
        let canceller = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                stop.cancel();
            })
        };
        let started = Instant::now();
        let report = spin(&charm, None, Some(stop));
        canceller.join().unwrap();
        assert_eq!(report.end, RunEnd::Cancelled, "{:?}", report.message);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(report.message.unwrap().contains("cancelled"));
    }

    #[test]
    fn a_deadline_holds_with_and_without_a_stop_handle() {
        let engine = Engine::new().unwrap();
        let charm = spinner(&engine);
        let limit = Duration::from_millis(100);
        for stop in [None, Some(StopHandle::new())] {
            let report = spin(&charm, Some(limit), stop);
            assert_eq!(report.end, RunEnd::TimedOut { limit });
        }
    }

    /// A component whose `hog` export runs after instantiating `copies`
    /// instances of a core module of `body` (a memory, a table).
    fn hog(engine: &Engine, body: &str, copies: usize) -> CharmComponent {
        let instances: String = (0..copies)
            .map(|n| format!("(core instance $i{n} (instantiate $m))"))
            .collect();
        let wat = format!(
            r#"(component
                 (core module $m {body} (func (export "f")))
                 {instances}
                 (func (export "hog") (canon lift (core func $i0 "f"))))"#
        );
        let bytes = wat::parse_str(wat).unwrap();
        CharmComponent::from_bytes(engine, "hog.wasm".as_ref(), &bytes).unwrap()
    }

    fn run_hog(charm: &CharmComponent, memory_bytes: usize) -> RunReport {
        let request = RunRequest {
            context: UnitContext::local(
                "hog/0".parse().unwrap(),
                &crate::model::ModelIdentity::ephemeral(),
                EventInfo::action("hog"),
            )
            .into(),
            action_id: "1".into(),
            data_dir: None,
            limits: SandboxLimits {
                memory_bytes,
                ..SandboxLimits::default()
            },
            stop: None,
        };
        let backends = Backends {
            action: Some(Box::new(LocalBackend::new(serde_json::Value::Null))),
            model: Box::new(crate::model::NoModel),
        };
        run_handler(charm, &request, backends).unwrap()
    }

    #[test]
    fn every_memory_and_table_draws_on_one_budget() {
        let engine = Engine::new().unwrap();
        // Sixteen memories of 60 MiB under a 64 MiB budget.
        let memories = hog(&engine, "(memory 960)", 16);
        let report = run_hog(&memories, 64 << 20);
        assert!(
            matches!(report.end, RunEnd::OutOfMemory { limit, .. } if limit == 64 << 20),
            "{:?}: {:?}",
            report.end,
            report.message
        );
        assert!(report.message.unwrap().contains("limit is 64 MiB"));
        // Tables of a million elements (8 MB each) count too.
        let tables = hog(&engine, "(table 1000000 funcref)", 16);
        let report = run_hog(&tables, 64 << 20);
        assert!(
            matches!(report.end, RunEnd::OutOfMemory { .. }),
            "{:?}: {:?}",
            report.end,
            report.message
        );
        // Within the budget, the same shapes run.
        assert_eq!(
            run_hog(&hog(&engine, "(memory 16)", 16), 64 << 20).end,
            RunEnd::Completed
        );
    }

    #[test]
    fn instances_memories_and_tables_are_counted() {
        let engine = Engine::new().unwrap();
        for (body, copies, what) in [
            ("", MAX_INSTANCES + 1, "instance"),
            ("(memory 0)", MAX_MEMORIES + 1, "memory"),
            ("(table 0 funcref)", MAX_TABLES + 1, "table"),
        ] {
            let report = run_hog(&hog(&engine, body, copies), 256 << 20);
            assert_eq!(report.end, RunEnd::Trapped, "{what}");
            let message = report.message.unwrap();
            assert!(
                message.contains("could not start in the sandbox"),
                "{message}"
            );
            assert!(message.contains(&format!("{what} count")), "{message}");
            assert!(
                message.contains("at most 64 instances, 16 memories"),
                "{message}"
            );
        }
        let report = run_hog(&hog(&engine, "(memory 0)", MAX_MEMORIES), 256 << 20);
        assert_eq!(report.end, RunEnd::Completed, "{:?}", report.message);
    }

    #[test]
    fn unknown_action_lists_the_exports() {
        let err = RunError::UnknownAction {
            action: "nope".into(),
            available: vec!["greet".into(), "snapshot-database".into()],
        };
        assert_eq!(
            err.to_string(),
            "the charm has no action \"nope\"; its actions are: greet, snapshot-database"
        );
    }
}
