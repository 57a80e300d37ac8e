//! Dispatch mode: what runs when Juju runs a packed charm's `dispatch` file.
//!
//! Juju runs `dispatch` for every hook and action, saying which in
//! `JUJU_DISPATCH_PATH`. This module owns the mapping from that to a run:
//! - `actions/<name>`: load the charm from `JUJU_CHARM_DIR`, run export
//!   `<name>` in a fresh sandbox with the [`JujuBackend`] (params from
//!   `action-get`, results to `action-set`, ...) and the [`JujuModel`]
//!   behind a [`ReadCache`] (config, status, relations, secrets, ... through
//!   their hook tools, each read once per run), the guest's `context` from
//!   `JUJU_*` ([`JujuContext::unit_context`]), and decide the exit status;
//! - `hooks/<name>` (or any other path): run export `<name>` the same way,
//!   with no action backend (the action API answers as Juju's tools do
//!   outside an action); a hook the charm exports no handler for is
//!   acknowledged with a `juju-log` line and succeeds, as Juju acknowledges
//!   a missing hook.
//!
//! Before either, for a charm that can defer, the unit's deferred events
//! run again ([`crate::deferred`]), kept in Juju's unit state (one
//! `state-get` a dispatch).
//!
//! Exit status, as Juju reads it:
//! - `0` when the handler ran to its end, also when it called `action-fail`
//!   (Juju takes the failure from `action-fail`);
//! - `1` when the handler (or a deferred event's, run before it) returned
//!   an error, trapped, timed out or ran out of memory (for an action,
//!   after `action-fail` with the reason), when a hook tool failed, or when
//!   the charm or action could not be loaded. Juju then marks the action
//!   failed, or shows the unit in error for a hook and retries it, and
//!   shows the process's stderr, where the reason is also written.

use std::path::{Path, PathBuf};

use super::tools::{action_fail, juju_log, HookTools, LogLevel};
use super::{JujuBackend, JujuContext, JujuModel, ReadCache};
use crate::cache::ComponentCache;
use crate::charm::Charm;
use crate::deferred::{DeferralError, EventRunner};
use crate::engine::Engine;
use crate::model::{EventInfo, ModelBackend};
use crate::run::{run_handler, Backends, LimitHints, RunEnd, RunError, RunReport, RunRequest};
use crate::sandbox::{CapturedOutput, SandboxLimits};

/// The directory, beside the charm directory (in the unit agent's own
/// directory, `/var/lib/juju/agents/unit-<app>-<n>/`), where a unit keeps
/// its state when `CHARMBOX_STATE_DIR` does not say otherwise.
pub const AGENT_STATE_DIR: &str = "charmbox-state";

/// Where an earlier charmbox kept a unit's state: under the charm directory.
/// Used still where it exists, so no unit's data is left behind; never made.
pub const LEGACY_CHARM_STATE_DIR: &str = ".charmbox";

/// How dispatch says to raise a limit: the flags of `charmbox dispatch`,
/// which the packed charm's `dispatch` file passes.
const LIMIT_HINTS: LimitHints = LimitHints {
    timeout: "raise the limit with `--timeout` in the charm's dispatch file",
    memory: "raise it with `--memory` in the charm's dispatch file",
    disk: "raise it with `--disk` or `--inodes` in the charm's dispatch file",
};

/// What `JUJU_DISPATCH_PATH` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispatchPath {
    /// `actions/<name>`: run that action.
    Action(String),
    /// `hooks/<name>`, or any other path: a hook.
    Hook(String),
}

impl DispatchPath {
    /// Reads a `JUJU_DISPATCH_PATH` value.
    pub fn parse(path: &str) -> Self {
        match path.strip_prefix("actions/") {
            Some(name) if !name.is_empty() => Self::Action(name.to_owned()),
            _ => Self::Hook(path.strip_prefix("hooks/").unwrap_or(path).to_owned()),
        }
    }
}

/// How to dispatch. The default: state beside the charm directory, the
/// default sandbox limits, hook tools with their default deadline.
#[derive(Debug, Clone, Default)]
pub struct DispatchOptions {
    /// Where unit state lives; `None` for [`state_dir_for`]'s default.
    pub state_dir: Option<PathBuf>,
    /// Where compiled components are cached; `None` for `cache/` in the
    /// state directory (a unit compiles its charm once, not once per run).
    pub cache_dir: Option<PathBuf>,
    /// The bounds a run is held to.
    pub limits: SandboxLimits,
    /// How hook tools are run.
    pub tools: HookTools,
    /// Sends every model read to the hook tools, even one the run has made
    /// before; by default ([`false`]) each is made once per run
    /// ([`ReadCache`]).
    pub uncached_model_reads: bool,
}

/// How a dispatch ended, for the process to report and exit with.
#[derive(Debug, Clone, Default)]
pub struct DispatchOutcome {
    /// The process's exit status: `0` when Juju should take the run as having
    /// run, `1` when it failed.
    pub exit_code: u8,
    /// The guest's captured stdout, for this process's stdout.
    pub stdout: CapturedOutput,
    /// The guest's captured stderr, for this process's stderr.
    pub stderr: CapturedOutput,
    /// charmbox's own lines for stderr, after the guest's: why the run
    /// failed, hook tools that could not be reached.
    pub notes: Vec<String>,
    /// How the action ended, when one ran.
    pub end: Option<RunEnd>,
}

impl DispatchOutcome {
    fn failed(note: String) -> Self {
        Self {
            exit_code: 1,
            notes: vec![note],
            ..Self::default()
        }
    }
}

/// The state directory dispatch uses: `state_dir` when given; else
/// `<charm dir>/.charmbox` if an earlier charmbox left one there; else
/// `charmbox-state` beside the charm directory, in the unit agent's
/// directory. Not in the charm directory itself: state there (compiled
/// code, the unit's data) would be packed and shipped with the charm by
/// whoever zips a directory a charm was tried in, and the charm directory
/// is the charm's, which an upgrade replaces.
pub fn state_dir_for(charm_dir: &Path, state_dir: Option<&Path>) -> PathBuf {
    if let Some(state_dir) = state_dir {
        return state_dir.to_owned();
    }
    let legacy = charm_dir.join(LEGACY_CHARM_STATE_DIR);
    if legacy.is_dir() {
        return legacy;
    }
    let charm_dir = std::path::absolute(charm_dir).unwrap_or_else(|_| charm_dir.to_owned());
    match charm_dir.parent() {
        Some(agent_dir) => agent_dir.join(AGENT_STATE_DIR),
        // A charm at `/`: nothing beside it.
        None => charm_dir.join(AGENT_STATE_DIR),
    }
}

/// Runs what Juju asked for in `context`: first the unit's deferred
/// events ([`crate::deferred`]), then the action or hook itself.
pub fn dispatch(context: &JujuContext, options: &DispatchOptions) -> DispatchOutcome {
    let path = DispatchPath::parse(&context.dispatch_path);
    let (name, is_action) = match &path {
        DispatchPath::Action(name) => (name.as_str(), true),
        DispatchPath::Hook(name) => (name.as_str(), false),
    };
    let mut warnings = Vec::new();
    let mut outcome = run(context, &path, options, &mut warnings);
    if outcome.exit_code != 0 {
        if let Some(reason) = outcome.notes.first().cloned() {
            let kind = if is_action { "action" } else { "hook" };
            outcome.notes[0] = format!("charmbox: {kind} {name:?} failed: {reason}");
        }
    }
    outcome.notes.extend(warnings);
    outcome
}

/// Runs one event's handlers (the deferred ones first) through the hook
/// tools: what [`crate::deferred::handle`] calls.
struct JujuRunner<'a> {
    charm: &'a Charm,
    context: &'a JujuContext,
    options: &'a DispatchOptions,
    data_dir: PathBuf,
    /// charmbox's own lines for stderr (a debug-log line that could not
    /// be written).
    notes: Vec<String>,
}

impl JujuRunner<'_> {
    /// A run's model: the hook tools, behind a read cache unless told.
    fn model(&self) -> Box<dyn ModelBackend> {
        let model = JujuModel::new(self.options.tools.clone(), self.context.model_uuid.clone());
        if self.options.uncached_model_reads {
            Box::new(model)
        } else {
            Box::new(ReadCache::new(model, self.context.unit.clone()))
        }
    }
}

impl EventRunner for JujuRunner<'_> {
    fn run(&mut self, event: &EventInfo, _replay: bool) -> Result<Option<RunReport>, RunError> {
        let handler = if event.is_action {
            self.charm.action_handler(&event.name)
        } else {
            self.charm.hook_handler(&event.name)
        };
        if handler.is_none() {
            if event.is_action {
                return Err(RunError::unknown_action(self.charm, &event.name));
            }
            self.notes
                .extend(acknowledge_hook(&event.name, &self.options.tools));
            return Ok(None);
        }
        let mut unit = self
            .context
            .unit_context(&DispatchPath::Hook(String::new()));
        unit.event = event.clone();
        let request = RunRequest {
            context: unit.into(),
            action_id: self
                .context
                .action_uuid
                .clone()
                .filter(|_| event.is_action)
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            data_dir: Some(self.data_dir.clone()),
            limits: self.options.limits,
            stop: None,
        };
        // Params come as Juju validated them (defaults filled in): Juju is
        // the authority on a deployed charm, so they are not validated again.
        let backends = Backends {
            action: event
                .is_action
                .then(|| Box::new(JujuBackend::new(self.options.tools.clone())) as _),
            model: self.model(),
        };
        run_handler(&self.charm.component, &request, backends).map(Some)
    }

    fn state(&mut self) -> Result<Box<dyn ModelBackend>, DeferralError> {
        Ok(self.model())
    }

    fn can_defer(&self) -> bool {
        self.charm.can_defer()
    }
}

/// Says in the debug log that a hook the charm does not handle came and
/// went, as Juju says of a missing hook; it succeeds.
fn acknowledge_hook(hook: &str, tools: &HookTools) -> Option<String> {
    let message = format!("charmbox: no handler for hook {hook}");
    // Not worth failing a hook over: say so where Juju keeps stderr.
    juju_log(tools, LogLevel::Debug, &message)
        .err()
        .map(|e| format!("{message} (and {e})"))
}

fn run(
    context: &JujuContext,
    path: &DispatchPath,
    options: &DispatchOptions,
    warnings: &mut Vec<String>,
) -> DispatchOutcome {
    let tools = &options.tools;
    let is_action = matches!(path, DispatchPath::Action(_));
    // Reports a failure before or outside the handler: through action-fail
    // for an action; for a hook, stderr and the exit status are all Juju
    // reads.
    let fail = |message: String| {
        let mut outcome = DispatchOutcome::failed(message.clone());
        if is_action {
            if let Err(e) = action_fail(tools, &message) {
                outcome
                    .notes
                    .push(format!("and it could not be reported: {e}"));
            }
        }
        outcome
    };
    let event = context.unit_context(path).event;
    if let Some(name) = &context.action_name {
        if is_action && *name != event.name {
            return fail(format!(
                "JUJU_DISPATCH_PATH names action {:?} but JUJU_ACTION_NAME names {name:?}; \
                 Juju sets both to the same action",
                event.name
            ));
        }
    }
    let state_dir = state_dir_for(&context.charm_dir, options.state_dir.as_deref());
    let cache_dir = options
        .cache_dir
        .clone()
        .unwrap_or_else(|| state_dir.join("cache"));
    // A cache that cannot be trusted is not used: the charm compiles each
    // time, and stderr (which Juju keeps) says why.
    let mut builder = Engine::builder();
    match ComponentCache::open(cache_dir) {
        Ok(cache) => builder = builder.cache(cache),
        Err(e) => warnings.push(format!("charmbox: warning: {e}; compiling without it")),
    }
    let engine = match builder.build() {
        Ok(engine) => engine,
        Err(e) => return fail(format!("cannot start the WebAssembly engine: {e:#}")),
    };
    let charm = match Charm::load(&engine, &context.charm_dir) {
        Ok(charm) => charm,
        Err(e) => {
            return fail(format!(
                "cannot load the charm in JUJU_CHARM_DIR ({}): {e}",
                context.charm_dir.display()
            ))
        }
    };
    if let Some(refused) = charm.component.packed_refused() {
        warnings.push(format!(
            "charmbox: warning: {refused}; compiled {} on this unit instead",
            crate::charm::COMPONENT_FILE
        ));
    }
    // The unit's data directory exists from its first run on, whether
    // or not this charm reaches it (the run makes it only for one that does).
    let data_dir = context.unit.data_dir(&state_dir);
    if let Err(e) = crate::paths::create_private_dir_all(&data_dir) {
        return fail(format!(
            "cannot create the unit's data directory {}: {e}",
            data_dir.display()
        ));
    }
    let mut runner = JujuRunner {
        charm: &charm,
        context,
        options,
        data_dir,
        notes: Vec::new(),
    };
    let handled = match crate::deferred::handle(&mut runner, event) {
        Ok(handled) => handled,
        Err(e) => return fail(e.to_string()),
    };
    let mut outcome = DispatchOutcome {
        notes: std::mem::take(&mut runner.notes),
        ..DispatchOutcome::default()
    };
    for run in &handled.runs {
        let Some(report) = &run.report else {
            continue;
        };
        outcome.stdout.append(&report.stdout);
        outcome.stderr.append(&report.stderr);
        if !run.succeeded() {
            let failed = describe_failure(report);
            outcome.exit_code = 1;
            outcome.end = Some(failed.0.clone());
            let message = if run.replay {
                format!(
                    "deferred hook {:?}, run again before this one, failed: {}",
                    run.event.name, failed.1
                )
            } else {
                failed.1
            };
            // The action's own failure reached Juju through action-fail
            // already when its handler errored; report the rest.
            let mut notes = if is_action && (run.replay || failed.0 != RunEnd::BackendFailed) {
                fail(message).notes
            } else {
                vec![message]
            };
            // The reason first: `dispatch` prefixes it.
            notes.append(&mut outcome.notes);
            outcome.notes = notes;
            return outcome;
        }
        if !run.replay {
            outcome.end = Some(report.end.clone());
            // The guest's action-fail, sent once with the message that
            // stands (Juju keeps the last); the handler ran to its end:
            // exit 0.
            if report.end == RunEnd::ActionFailed {
                let message = report.message_with(&LIMIT_HINTS).unwrap_or_default();
                if let Err(e) = action_fail(tools, &message) {
                    outcome.exit_code = 1;
                    outcome.notes.push(e.to_string());
                    outcome.end = Some(RunEnd::BackendFailed);
                }
            }
        }
    }
    outcome
}

/// How a failed run ended, and the message to report: a hook tool that
/// failed is the cause, whatever the handler made of it (a handler whose
/// action-set failed usually returns that error).
fn describe_failure(report: &RunReport) -> (RunEnd, String) {
    if let Some(tool_error) = &report.record.backend_error {
        return (RunEnd::BackendFailed, tool_error.clone());
    }
    let message = report.message_with(&LIMIT_HINTS).unwrap_or_default();
    (report.end.clone(), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dispatch_paths() {
        assert_eq!(
            DispatchPath::parse("actions/snapshot-database"),
            DispatchPath::Action("snapshot-database".into())
        );
        assert_eq!(
            DispatchPath::parse("hooks/install"),
            DispatchPath::Hook("install".into())
        );
        assert_eq!(
            DispatchPath::parse("actions/"),
            DispatchPath::Hook("actions/".into())
        );
        assert_eq!(
            DispatchPath::parse("something-else"),
            DispatchPath::Hook("something-else".into())
        );
    }

    #[test]
    fn state_lives_beside_the_charm_dir_unless_told() {
        let charm = Path::new("/var/lib/juju/agents/unit-hello-0/charm");
        assert_eq!(
            state_dir_for(charm, None),
            Path::new("/var/lib/juju/agents/unit-hello-0/charmbox-state"),
            "default"
        );
        let dir = tempfile::tempdir().unwrap();
        let legacy = dir.path().join("charm/.charmbox");
        std::fs::create_dir_all(&legacy).unwrap();
        assert_eq!(state_dir_for(&dir.path().join("charm"), None), legacy);
        assert_eq!(
            state_dir_for(charm, Some(Path::new("/srv/state"))),
            Path::new("/srv/state")
        );
    }
}
