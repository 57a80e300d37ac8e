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
//! - anything else (`hooks/install`, `hooks/config-changed`, ...): a charmbox
//!   charm has no hook handlers, so the hook is acknowledged with a
//!   `juju-log` line and succeeds.
//!
//! Exit status, as Juju reads it:
//! - `0` when the handler ran to its end, also when it called `action-fail`
//!   (Juju takes the failure from `action-fail`);
//! - `1` when the handler returned an error, trapped, timed out or ran out of
//!   memory (after `action-fail` with the reason), when a hook tool failed,
//!   or when the charm or action could not be loaded. Juju then marks the
//!   action failed, and shows the process's stderr, where the reason is also
//!   written.

use std::path::{Path, PathBuf};

use super::tools::{action_fail, juju_log, HookTools, LogLevel};
use super::{JujuBackend, JujuContext, JujuModel, ReadCache};
use crate::cache::ComponentCache;
use crate::charm::Charm;
use crate::engine::Engine;
use crate::model::ModelBackend;
use crate::run::{run_handler, Backends, LimitHints, RunEnd, RunRequest};
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

/// Runs what Juju asked for in `context`.
pub fn dispatch(context: &JujuContext, options: &DispatchOptions) -> DispatchOutcome {
    match DispatchPath::parse(&context.dispatch_path) {
        DispatchPath::Hook(hook) => acknowledge_hook(&hook, &options.tools),
        DispatchPath::Action(action) => {
            let mut warnings = Vec::new();
            let mut outcome = run(context, &action, options, &mut warnings);
            if outcome.exit_code != 0 {
                if let Some(reason) = outcome.notes.first().cloned() {
                    outcome.notes[0] = format!("charmbox: action {action:?} failed: {reason}");
                }
            }
            outcome.notes.extend(warnings);
            outcome
        }
    }
}

fn acknowledge_hook(hook: &str, tools: &HookTools) -> DispatchOutcome {
    let message = format!("charmbox: no handler for hook {hook}");
    let mut outcome = DispatchOutcome::default();
    if let Err(e) = juju_log(tools, LogLevel::Debug, &message) {
        // Not worth failing a hook over: say so where Juju keeps stderr.
        outcome.notes.push(format!("{message} (and {e})"));
    }
    outcome
}

fn run(
    context: &JujuContext,
    action: &str,
    options: &DispatchOptions,
    warnings: &mut Vec<String>,
) -> DispatchOutcome {
    let tools = &options.tools;
    // Reports a failure before or outside the handler through action-fail.
    let fail = |message: String| {
        let mut outcome = DispatchOutcome::failed(message.clone());
        if let Err(e) = action_fail(tools, &message) {
            outcome
                .notes
                .push(format!("and it could not be reported: {e}"));
        }
        outcome
    };
    if let Some(name) = &context.action_name {
        if name != action {
            return fail(format!(
                "JUJU_DISPATCH_PATH names action {action:?} but JUJU_ACTION_NAME names {name:?}; \
                 Juju sets both to the same action"
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
    // The unit's data directory exists from its first action on, whether
    // or not this charm reaches it (the run makes it only for one that does).
    let data_dir = context.unit.data_dir(&state_dir);
    if let Err(e) = crate::paths::create_private_dir_all(&data_dir) {
        return fail(format!(
            "cannot create the unit's data directory {}: {e}",
            data_dir.display()
        ));
    }
    let request = RunRequest {
        context: context.unit_context(&DispatchPath::Action(action.to_owned())),
        action_id: context
            .action_uuid
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        data_dir: Some(data_dir),
        limits: options.limits,
        stop: None,
    };
    // Params come as Juju validated them (defaults filled in): Juju is the
    // authority on a deployed charm, so they are not validated again.
    let model = JujuModel::new(tools.clone(), context.model_uuid.clone());
    let model: Box<dyn ModelBackend> = if options.uncached_model_reads {
        Box::new(model)
    } else {
        Box::new(ReadCache::new(model, context.unit.clone()))
    };
    let backends = Backends {
        action: Some(Box::new(JujuBackend::new(tools.clone()))),
        model,
    };
    let report = match run_handler(&charm.component, &request, backends) {
        Ok(report) => report,
        Err(e) => return fail(e.to_string()),
    };
    let mut outcome = DispatchOutcome {
        exit_code: 0,
        stdout: report.stdout.clone(),
        stderr: report.stderr.clone(),
        notes: Vec::new(),
        end: Some(report.end.clone()),
    };
    let message = report.message_with(&LIMIT_HINTS).unwrap_or_default();
    // A hook tool that failed is the cause, whatever the handler made of it
    // (a handler whose action-set failed usually returns that error).
    if let Some(tool_error) = &report.record.backend_error {
        // The tools are what is broken: report on stderr only.
        outcome.exit_code = 1;
        outcome.notes.push(tool_error.clone());
        outcome.end = Some(RunEnd::BackendFailed);
        return outcome;
    }
    match report.end {
        RunEnd::Completed => {}
        // The guest's action-fail, sent once with the message that stands
        // (Juju keeps the last); the handler ran to its end: exit 0.
        RunEnd::ActionFailed => {
            if let Err(e) = action_fail(tools, &message) {
                outcome.exit_code = 1;
                outcome.notes.push(e.to_string());
                outcome.end = Some(RunEnd::BackendFailed);
            }
        }
        RunEnd::BackendFailed => {
            outcome.exit_code = 1;
            outcome.notes.push(message);
        }
        RunEnd::HandlerError
        | RunEnd::TimedOut { .. }
        | RunEnd::OutOfMemory { .. }
        | RunEnd::Trapped
        | RunEnd::Cancelled => {
            let failed = fail(message);
            outcome.exit_code = failed.exit_code;
            outcome.notes = failed.notes;
        }
    }
    outcome
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
