//! `charmbox run CHARM ACTION [KEY=VALUE ...]`, and `exec-operation`, the
//! background half of `run --background`.
//!
//! Output is `juju run`'s: its lines on the operation and the task waited
//! for on stderr, log lines as they are logged, then the results in
//! `plain` (the default), `yaml` or `json`, times in local time unless
//! `--utc`. The wait for the results is Juju's too ([`super::foreground`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use charmbox::action::params::{apply_args, parse_params_file, ArgTyping};
use charmbox::action::LogEntry;
use charmbox::charm::{Charm, CharmError};
use charmbox::engine::Pooling;
use charmbox::operation::background::ADOPTED;
use charmbox::operation::{
    workers_for, OperationError, OperationRequest, Operations, Progress, Units,
};
use charmbox::task::{OperationId, Task, TaskStatus};
use charmbox::time::TimeZone;
use charmbox::unit::UnitTarget;
use clap::Args;
use serde_json::{Map, Value};

use super::args::{LimitArgs, LIMIT_HINTS};
use super::foreground::{Link, DEFAULT_WAIT};
use super::output::{print, print_plain, Format};
use super::progress::TerminalProgress;
use super::{EXIT_COMPLETED, EXIT_FAILED};

/// Arguments of `charmbox run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The charm: a charm directory (metadata and charm.wasm) or a bare
    /// component (.wasm).
    charm: PathBuf,

    /// The action to run: the name of one of the component's exports.
    action: String,

    /// Params as key=value. Dotted keys nest (outfile.name=x); values are typed
    /// as YAML scalars (3, true) unless --string-args.
    #[arg(value_name = "KEY=VALUE")]
    args: Vec<String>,

    /// A unit to run on (app/N, or app/leader for the application's
    /// leader: its unit 0 here); repeat for several. Default: <charm
    /// name>/0.
    #[arg(long, value_name = "APP/N", conflicts_with = "num_units")]
    unit: Vec<UnitTarget>,

    /// Run on <charm name>/0 … <charm name>/N-1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    num_units: Option<u32>,

    /// A YAML or JSON file of params; key=value arguments override it.
    #[arg(long = "params", value_name = "FILE")]
    params_file: Option<PathBuf>,

    /// Keep every key=value value a string.
    #[arg(long)]
    string_args: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Plain)]
    format: Format,

    /// Queue the tasks, print their ids and return at once; follow them with
    /// `charmbox show-task ID --watch`.
    #[arg(long)]
    background: bool,

    /// Wait at most this long for the results ("30s", "2m"; default 1m, as
    /// Juju; with no duration, or a negative one such as --wait=-1s, for ever).
    /// When the wait ends first, the tasks go on.
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_wait,
        num_args = 0..=1,
        default_missing_value = "-1s",
        conflicts_with = "background"
    )]
    wait: Option<Wait>,

    /// Show times in UTC (default: local time).
    #[arg(long)]
    utc: bool,

    #[command(flatten)]
    limits: LimitArgs,
}

/// How long `run` waits for its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait(pub Option<Duration>);

/// Parses `--wait`: a duration; `0` is Juju's default; a negative one (a
/// leading `-`) waits for ever.
fn parse_wait(text: &str) -> Result<Wait, String> {
    if text.starts_with('-') {
        return Ok(Wait(None));
    }
    if text.trim() == "0" {
        return Ok(Wait(Some(DEFAULT_WAIT)));
    }
    match super::args::parse_duration(text) {
        Ok(d) if d.is_zero() => Ok(Wait(Some(DEFAULT_WAIT))),
        Ok(d) => Ok(Wait(Some(d))),
        Err(e) => Err(format!("{e} (-1s to wait for ever)")),
    }
}

impl RunArgs {
    /// Whether the run stays in the foreground (and waits for its tasks).
    pub fn waits(&self) -> bool {
        !self.background
    }

    /// How long the run waits for its tasks: `--wait`, else Juju's minute.
    pub fn wait(&self) -> Option<Duration> {
        self.wait.unwrap_or(Wait(Some(DEFAULT_WAIT))).0
    }

    fn zone(&self) -> TimeZone {
        if self.utc {
            TimeZone::Utc
        } else {
            TimeZone::Local
        }
    }

    /// How many tasks the run makes (one per unit), known before the charm
    /// is loaded.
    fn task_count(&self) -> usize {
        match self.num_units {
            Some(count) => count as usize,
            None => self.unit.len().max(1),
        }
    }

    /// A pooled engine for runs of many units, where it pays.
    fn pooling(&self) -> Option<Pooling> {
        let tasks = self.task_count();
        (tasks >= Pooling::WORTH_IT_FROM_RUNS && !self.background)
            .then(|| Pooling::for_workers(workers_for(tasks), self.limits.limits().memory_bytes))
    }

    /// The units to run on; `app/leader` is the leader the local model in
    /// `state_dir` records, if it knows the application.
    fn units(&self, state_dir: &Path) -> anyhow::Result<Units> {
        Ok(match (self.num_units, self.unit.is_empty()) {
            (Some(count), _) => Units::Count(count),
            (None, true) => Units::Default,
            (None, false) => {
                let asks_leader = self
                    .unit
                    .iter()
                    .any(|unit| matches!(unit, UnitTarget::Leader(_)));
                let model_file = state_dir.join(charmbox::model::local::MODEL_DATABASE_FILE);
                // Opening the model costs a run that names no leader nothing.
                let model = match asks_leader && model_file.exists() {
                    true => Some(charmbox::model::local::LocalModel::open(state_dir)?),
                    false => None,
                };
                let mut units = Vec::with_capacity(self.unit.len());
                for target in &self.unit {
                    let leader = match (target, &model) {
                        (UnitTarget::Leader(app), Some(model)) => model.leader(app)?,
                        _ => None,
                    };
                    units.push(target.resolve_with(|_| leader.clone()));
                }
                Units::Named(units)
            }
        })
    }
}

/// Runs the action on every unit and prints the tasks; returns the exit
/// status. `link` is the waiting parent's (see [`super::foreground`]); a
/// background run has none. The process is expected to exit next: the
/// engine and the compiled charm are left to the OS (see the end of the
/// function).
pub fn execute(
    args: RunArgs,
    state_dir: Option<PathBuf>,
    link: Option<Arc<Link>>,
) -> anyhow::Result<u8> {
    let state_dir = require_state_dir(state_dir)?;
    end_on_overrun();
    if let Some(stale) = charmbox::project::sources::stale(&args.charm) {
        eprintln!("warning: {stale}");
    }
    let params = read_params(args.params_file.as_deref(), &args.args, args.string_args)?;
    let operations = Operations::new(&state_dir);
    // The task store and the model open on the other core while the engine
    // starts and the charm loads; a charm that cannot run is still
    // reported first.
    let (loaded, state) = std::thread::scope(|scope| {
        let state = scope.spawn(|| operations.open_state());
        let loaded = super::engine_with(args.pooling())
            .and_then(|engine| Ok((Charm::load(&engine, &args.charm)?, engine)));
        (loaded, state.join())
    });
    // The engine lives as long as the runs: its thread enforces deadlines.
    let (charm, engine) = loaded?;
    if let Some(refused) = charm.component.packed_refused() {
        eprintln!("warning: {refused}; compiled the component here instead");
    }
    let prepared = operations
        .prepare(OperationRequest {
            charm: &charm,
            charm_path: &args.charm,
            action: &args.action,
            params: Value::Object(params),
            units: args.units(&state_dir)?,
            limits: args.limits.limits(),
        })
        .map_err(explain)?;
    if charm.metadata.is_none() {
        eprintln!(
            "note: {} is a bare component with no metadata: params are passed unvalidated",
            args.charm.display()
        );
    }
    let state = state
        .map_err(|_| anyhow!("the thread opening the task store and model panicked"))?
        .map_err(explain)?;

    if args.background {
        let exe = std::env::current_exe()
            .context("cannot find the charmbox binary to run in the background")?;
        let queued = operations.run_in_background(&prepared, state, |operation| {
            worker_command(exe, &state_dir, operation)
        })?;
        print_scheduled(queued.operation, &queued.tasks, prepared.units());
        return Ok(EXIT_COMPLETED);
    }

    let terminal = TerminalProgress::new(prepared.units().len(), args.zone(), true);
    let progress = Arc::new(RunProgress {
        terminal,
        link: link.clone(),
        wait: args.wait(),
    });
    let finished = operations.run(&prepared, state, progress.clone(), LIMIT_HINTS)?;
    progress.terminal.done();
    let mut code = exit_status(finished.all_completed());
    // The waiting parent gave up: the tasks are recorded, nobody is
    // looking.
    if link.as_ref().is_none_or(|link| link.claim()) {
        print_tasks(&finished.tasks, args.format, args.zone())?;
        report_failures(&finished.tasks);
    }
    // The databags the actions wrote fire `-relation-changed` across; a
    // secret's new revision, `secret-changed` on its readers.
    if !finished.bag_writes.is_empty() || finished.secrets_changed {
        let events = charmbox::events::LocalEvents::open(
            &engine,
            &state_dir,
            args.limits.limits(),
            LIMIT_HINTS,
        )?;
        let fired = events.fire_bag_writes(finished.bag_writes.clone())?;
        if !fired.runs.is_empty() {
            eprintln!("The actions' relation data and secret changes fired:");
            eprint!("{}", super::events::table_text(&fired));
        }
        code = code.max(super::events::report_problems(&fired));
    }
    // The store's closing checkpoint ran while the results were printed.
    finished.wait();
    // Leave the compiled charm and the engine to the process's exit, which
    // reclaims them faster than their destructors would (unmapping code,
    // unregistering unwind tables, stopping the epoch thread): ~0.15 ms of
    // a one-task run.
    drop(prepared);
    std::mem::forget((charm, engine));
    Ok(code)
}

/// `juju run --background`'s words: the operation and its tasks, and how to
/// follow them.
fn print_scheduled(
    operation: OperationId,
    tasks: &[charmbox::task::TaskId],
    units: &[charmbox::unit::UnitName],
) {
    if let [task] = tasks {
        println!("Scheduled operation {operation} with task {task}");
        println!("Check operation status with 'charmbox show-operation {operation}'");
        println!("Check task status with 'charmbox show-task {task}'");
        return;
    }
    println!("Scheduled operation {operation} with {} tasks", tasks.len());
    for (unit, task) in units.iter().zip(tasks) {
        println!("{unit}:\n  id: \"{task}\"");
    }
    println!("Check operation status with 'charmbox show-operation {operation}'");
    println!("Check task status with 'charmbox show-task <id>'");
}

/// Prints finished tasks, keyed by unit, in `format`.
fn print_tasks(tasks: &[Task], format: Format, zone: TimeZone) -> anyhow::Result<()> {
    match format {
        Format::Plain => {
            let keyed: Vec<(String, &Task)> =
                tasks.iter().map(|t| (t.unit.to_string(), t)).collect();
            print_plain(&keyed)
        }
        other => print(&ByUnit(tasks, zone), other),
    }
}

/// Juju's words on stderr for tasks whose handler failed (a non-zero
/// return code; `action-fail` alone leaves it 0).
fn report_failures(tasks: &[Task]) {
    let failed: Vec<String> = tasks
        .iter()
        .filter_map(|t| {
            let code = t.results.get("return-code").and_then(Value::as_i64)?;
            (t.status == TaskStatus::Failed && code >= 1)
                .then(|| format!(" - id \"{}\" with return code {code}", t.id))
        })
        .collect();
    if failed.is_empty() {
        return;
    }
    let plural = if failed.len() == 1 { "" } else { "s" };
    eprintln!(
        "error: the following task{plural} failed:\n{}\n\nuse 'charmbox show-task' to inspect the \
         failure{plural}",
        failed.join("\n")
    );
}

/// The progress of a foreground run: the terminal's, and the waiting
/// parent told of the operation and of each task that finishes.
struct RunProgress {
    terminal: TerminalProgress,
    link: Option<Arc<Link>>,
    /// How long the parent waits once the operation is recorded.
    wait: Option<Duration>,
}

impl Progress for RunProgress {
    fn enqueued(&self, operation: OperationId, tasks: &[Task]) {
        if let Some(link) = &self.link {
            link.enqueued(tasks, self.wait);
        }
        self.terminal.enqueued(operation, tasks);
    }
    fn waiting(&self, task: &Task) {
        self.terminal.waiting(task);
    }
    fn started(&self, task: &Task) {
        self.terminal.started(task);
    }
    fn log(&self, task: &Task, entry: &LogEntry) {
        self.terminal.log(task, entry);
    }
    fn finished(&self, task: &Task) {
        if let Some(link) = &self.link {
            link.finished(task.id);
        }
        self.terminal.finished(task);
    }
}

/// The command that runs a queued operation in the background: this binary,
/// with the same state and cache directories.
fn worker_command(exe: PathBuf, state_dir: &Path, operation: OperationId) -> std::process::Command {
    let mut command = std::process::Command::new(exe);
    command.arg("--state-dir").arg(state_dir);
    if let Some(cache_dir) = super::CACHE_DIR.get().cloned().flatten() {
        command.arg("--cache-dir").arg(cache_dir);
    }
    command.arg("exec-operation").arg(operation.to_string());
    command
}

/// A library error in the CLI's words: where the library says to choose
/// something, the CLI names the flag that does.
fn explain(error: OperationError) -> anyhow::Error {
    match error {
        OperationError::Charm(e @ CharmError::NoDefaultUnit { .. }) => {
            anyhow!("{e}: pass --unit, e.g. --unit my-app/0")
        }
        other => other.into(),
    }
}

/// Tasks keyed by unit, as `juju run` prints them, times in a zone.
struct ByUnit<'a>(&'a [Task], TimeZone);

impl serde::Serialize for ByUnit<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.0
                .iter()
                .map(|task| (task.unit.to_string(), task.juju_view(self.1))),
        )
    }
}

/// `charmbox exec-operation`: the background half of `run --background`.
#[derive(Debug, Args)]
pub struct ExecOperationArgs {
    /// The operation to run.
    operation: OperationId,
}

/// Runs the pending tasks of an operation another process enqueued, with
/// the limits it was queued with.
pub fn execute_operation(
    args: ExecOperationArgs,
    state_dir: Option<PathBuf>,
) -> anyhow::Result<u8> {
    let state_dir = require_state_dir(state_dir)?;
    end_on_overrun();
    let engine = super::engine()?;
    let operations = Operations::new(&state_dir);
    let finished = operations.run_queued(
        &engine,
        args.operation,
        || {
            // The parent waits for this line: the tasks are ours now.
            println!("{ADOPTED}");
            let _ = std::io::stdout().flush();
        },
        Arc::new(TerminalProgress::new(0, TimeZone::Local, false)),
        LIMIT_HINTS,
    )?;
    Ok(exit_status(finished.all_completed()))
}

/// A run its deadline cannot stop ends the process: the unit's lock and
/// the operation are not held for as long as the run would block. The
/// task is then marked aborted by the next charmbox that opens the store.
fn end_on_overrun() {
    charmbox::run::watchdog::on_overrun(|overrun| {
        eprintln!(
            "error: {}; charmbox is ending the process, and the task will be marked aborted",
            overrun.describe()
        );
        std::process::exit(i32::from(EXIT_FAILED));
    });
}

fn exit_status(all_completed: bool) -> u8 {
    if all_completed {
        EXIT_COMPLETED
    } else {
        EXIT_FAILED
    }
}

/// The state directory, or an error saying how to give one.
pub(super) fn require_state_dir(state_dir: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    state_dir.context(
        "cannot tell where to keep state: set --state-dir or CHARMBOX_STATE_DIR (HOME is not set)",
    )
}

/// Params from `--params FILE`, overridden by `key=value` arguments.
fn read_params(
    file: Option<&Path>,
    args: &[String],
    string_args: bool,
) -> anyhow::Result<Map<String, Value>> {
    let mut params = match file {
        None => Map::new(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read params file {}", path.display()))?;
            parse_params_file(&text)
                .with_context(|| format!("params file {} cannot be used", path.display()))?
        }
    };
    let typing = if string_args {
        ArgTyping::Strings
    } else {
        ArgTyping::Yaml
    };
    apply_args(&mut params, args.iter().map(String::as_str), typing)?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_charm_that_names_no_unit_is_told_to_pass_one() {
        let error = OperationError::Charm(CharmError::NoDefaultUnit {
            name: "My_Charm".into(),
        });
        let message = explain(error).to_string();
        assert!(message.contains("\"My_Charm\""), "{message}");
        assert!(message.contains("--unit my-app/0"), "{message}");
    }
}
