//! The action runtime: one run of one action in a fresh sandbox.
//!
//! [`run_action`] works with any [`ActionBackend`]; [`run_local`] is the
//! local case, returning a finished [`Task`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use wasmtime::component::TypedFunc;
use wasmtime::{Store, Trap};

use crate::action::local::LocalBackend;
use crate::action::{ActionBackend, ActionContext, ActionParams, ActionRecord, LogEntry};
use crate::charm::{CharmComponent, HandlerSignature};
use crate::engine::Engine;
use crate::sandbox::{
    CapturedOutput, GuestIdentity, OutputCapture, RunState, SandboxLimits, SandboxSpec,
};
use crate::task::{Task, TaskStatus, Timing};
use crate::unit::UnitName;

/// What to run and where.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The action (and export) name.
    pub action: String,
    /// The unit it runs on.
    pub unit: UnitName,
    /// The id the guest sees as `JUJU_ACTION_UUID`.
    pub action_uuid: String,
    /// The unit's data directory, preopened at `/data` (and made if it is
    /// missing) for a charm that reaches the filesystem
    /// ([`CharmComponent::reaches_filesystem`]); `None` for none.
    pub data_dir: Option<PathBuf>,
    /// The bounds the run is held to.
    pub limits: SandboxLimits,
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

fn unknown_action_message(action: &str, available: &[String]) -> String {
    if available.is_empty() {
        format!("the charm has no action {action:?}: it exports no action handlers at all")
    } else {
        format!(
            "the charm has no action {action:?}; it exports: {}",
            available.join(", ")
        )
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    /// The handler returned normally and nothing failed it.
    Completed,
    /// The handler called `action-fail` (and then returned normally).
    ActionFailed,
    /// The handler returned `err(message)`.
    HandlerError,
    /// The guest hit its deadline.
    TimedOut,
    /// The guest needed more memory than its cap.
    OutOfMemory,
    /// The guest trapped (panic, `unreachable`, stack overflow, …).
    Trapped,
    /// A backend operation (such as a Juju hook tool) failed.
    BackendFailed,
}

/// What one run produced.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// How it ended.
    pub end: RunEnd,
    /// The failure message, when it did not complete.
    pub message: Option<String>,
    /// What it reported through the action API.
    pub record: ActionRecord,
    /// Captured stdout.
    pub stdout: CapturedOutput,
    /// Captured stderr.
    pub stderr: CapturedOutput,
    /// When the sandbox started.
    pub started: SystemTime,
    /// When the run ended.
    pub completed: SystemTime,
}

impl RunReport {
    /// The exit code a Juju charm process would have had: 0 unless the handler
    /// errored or the guest was stopped.
    pub fn return_code(&self) -> i32 {
        match self.end {
            RunEnd::Completed | RunEnd::ActionFailed => 0,
            _ => 1,
        }
    }
}

/// Runs `request.action` of `charm` in a fresh sandbox, with `backend`
/// supplying params and carrying what the action reports.
pub fn run_action(
    charm: &CharmComponent,
    request: &RunRequest,
    backend: Box<dyn ActionBackend>,
) -> Result<RunReport, RunError> {
    let handler = charm
        .handler(&request.action)
        .ok_or_else(|| RunError::UnknownAction {
            action: request.action.clone(),
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
    let stdout = OutputCapture::new(request.limits.output_bytes);
    let stderr = OutputCapture::new(request.limits.output_bytes);
    let action = match ActionContext::new(backend, request.limits.action) {
        Ok(action) => action,
        Err(e) => {
            return Ok(RunReport {
                end: RunEnd::BackendFailed,
                message: Some(format!("cannot read the action's params: {e}")),
                record: ActionRecord::default(),
                stdout: stdout.take(),
                stderr: stderr.take(),
                started,
                completed: SystemTime::now(),
            })
        }
    };
    let spec = SandboxSpec {
        identity: GuestIdentity {
            action: request.action.clone(),
            action_uuid: request.action_uuid.clone(),
            unit: request.unit.to_string(),
        },
        // A guest that cannot reach a directory is not given one to reach.
        data_dir: request
            .data_dir
            .clone()
            .filter(|_| charm.reaches_filesystem()),
        limits: request.limits,
    };
    let state = RunState::new(&spec, action, &stdout, &stderr).map_err(RunError::Sandbox)?;

    let mut store = Store::new(charm.component().engine(), state);
    store.limiter(|state| &mut state.limiter);
    store.set_epoch_deadline(match request.limits.timeout {
        Some(timeout) => Engine::ticks_for(timeout),
        // Far enough away never to come, near enough not to overflow.
        None => u64::MAX / 4,
    });

    let outcome = call_handler(&mut store, pre, handler.index, handler.signature);
    let state = store.into_data();
    let refused_memory = state.limiter.refused();
    let memory_cap = state.limiter.max_bytes();
    let record = state.action.finish();

    let (end, message) = match outcome {
        Ok(Ok(())) => match (&record.backend_error, &record.failure) {
            (Some(e), _) => (RunEnd::BackendFailed, Some(e.clone())),
            (None, Some(failure)) => (RunEnd::ActionFailed, Some(failure.clone())),
            (None, None) => (RunEnd::Completed, None),
        },
        // A handler usually errors because a hook tool under it failed: the
        // tool's failure is the cause worth reporting.
        Ok(Err(_)) if record.backend_error.is_some() => {
            (RunEnd::BackendFailed, record.backend_error.clone())
        }
        Ok(Err(message)) => (
            RunEnd::HandlerError,
            Some(if message.is_empty() {
                format!(
                    "action {:?} returned an error without a message",
                    request.action
                )
            } else {
                message
            }),
        ),
        Err(error) => classify_trap(
            &request.action,
            &error,
            &request.limits,
            refused_memory,
            memory_cap,
        ),
    };
    Ok(RunReport {
        end,
        message,
        record,
        stdout: stdout.take(),
        stderr: stderr.take(),
        started,
        completed: SystemTime::now(),
    })
}

/// Instantiates and calls the handler: `Ok(Ok)` / `Ok(Err(msg))` from the
/// guest, `Err` for a trap or a host error.
fn call_handler(
    store: &mut Store<RunState>,
    pre: &wasmtime::component::InstancePre<RunState>,
    index: wasmtime::component::ComponentExportIndex,
    signature: HandlerSignature,
) -> wasmtime::Result<Result<(), String>> {
    let instance = pre.instantiate(&mut *store)?;
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

fn classify_trap(
    action: &str,
    error: &wasmtime::Error,
    limits: &SandboxLimits,
    refused_memory: Option<usize>,
    memory_cap: usize,
) -> (RunEnd, Option<String>) {
    let trap = error.downcast_ref::<Trap>().copied();
    let (end, message) = match (trap, refused_memory) {
        (Some(Trap::Interrupt), _) => (
            RunEnd::TimedOut,
            format!(
                "action {action:?} timed out after {} and was stopped (raise the limit with --timeout)",
                limits
                    .timeout
                    .map(|t| humantime::format_duration(t).to_string())
                    .unwrap_or_else(|| "its deadline".into())
            ),
        ),
        // A guest whose memory growth was refused usually aborts right after.
        (_, Some(wanted)) => (
            RunEnd::OutOfMemory,
            format!(
                "action {action:?} ran out of memory: it tried to grow to {} but the limit is {} \
                 (raise it with --memory)",
                format_bytes(wanted),
                format_bytes(memory_cap)
            ),
        ),
        (Some(Trap::StackOverflow), _) => (
            RunEnd::Trapped,
            format!("action {action:?} trapped: stack overflow (unbounded recursion?)"),
        ),
        // Rust and C guests keep their stack in linear memory, below the
        // data: overflowing it runs off the bottom of memory long before the
        // engine's own stack limit, so a deep recursion ends up here.
        (Some(Trap::MemoryOutOfBounds), _) => (
            RunEnd::Trapped,
            format!(
                "action {action:?} trapped: out-of-bounds memory access (in a charm written in \
                 Rust or C this is usually a stack overflow from unbounded recursion; otherwise \
                 a bug in the charm)"
            ),
        ),
        (Some(Trap::UnreachableCodeReached), _) => (
            RunEnd::Trapped,
            format!(
                "action {action:?} trapped: wasm `unreachable` executed (a panic or abort in the \
                 charm; its stderr may say more)"
            ),
        ),
        (Some(trap), _) => (RunEnd::Trapped, format!("action {action:?} trapped: {trap}")),
        (None, None) => (
            RunEnd::Trapped,
            format!("action {action:?} failed in the sandbox: {error:#}"),
        ),
    };
    (end, Some(message))
}

/// `1536` → `1.5 KiB`, for messages.
pub(crate) fn format_bytes(bytes: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A local run: params from the caller, log lines to `on_log` as they happen.
pub struct LocalRun {
    /// What to run and where.
    pub request: RunRequest,
    /// The params, already validated.
    pub params: ActionParams,
    /// The task id to record.
    pub task_id: String,
    /// When the task was enqueued.
    pub enqueued: SystemTime,
}

/// Runs an action locally and returns the finished task.
pub fn run_local(
    charm: &CharmComponent,
    run: LocalRun,
    on_log: impl FnMut(&LogEntry) + Send + 'static,
) -> Result<Task, RunError> {
    let backend = LocalBackend::new(run.params.clone()).on_log(on_log);
    let mut report = run_action(charm, &run.request, Box::new(backend))?;
    let status = match report.end {
        RunEnd::Completed => TaskStatus::Completed,
        _ => TaskStatus::Failed,
    };
    let mut results = std::mem::take(&mut report.record.results);
    crate::task::add_output(&mut results, &report);
    Ok(Task {
        id: run.task_id,
        operation: None,
        unit: run.request.unit.to_string(),
        action: run.request.action,
        params: Arc::clone(run.params.value()),
        status,
        message: report.message,
        results,
        log: report.record.log,
        timing: Timing {
            enqueued: Some(run.enqueued),
            started: Some(report.started),
            completed: Some(report.completed),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_byte_counts() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(256 * 1024 * 1024), "256 MiB");
    }

    #[test]
    fn an_out_of_bounds_trap_suggests_a_stack_overflow() {
        let error = wasmtime::Error::from(Trap::MemoryOutOfBounds);
        let (end, message) =
            classify_trap("recurse", &error, &SandboxLimits::default(), None, 1 << 20);
        assert_eq!(end, RunEnd::Trapped);
        let message = message.unwrap();
        assert!(message.contains("out-of-bounds"), "{message}");
        assert!(message.contains("stack overflow"), "{message}");
    }

    #[test]
    fn unknown_action_lists_the_exports() {
        let err = RunError::UnknownAction {
            action: "nope".into(),
            available: vec!["greet".into(), "snapshot-database".into()],
        };
        assert_eq!(
            err.to_string(),
            "the charm has no action \"nope\"; it exports: greet, snapshot-database"
        );
    }
}
