//! `charmbox run CHARM ACTION [KEY=VALUE ...]`.

use std::io::{BufRead as _, Write as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use clap::Args;
use serde_json::{Map, Value};

use super::output::{print, Format};
use super::progress::TerminalProgress;
use super::{EXIT_COMPLETED, EXIT_FAILED};
use crate::action::params::{apply_args, ArgTyping};
use crate::action::ActionParams;
use crate::charm::Charm;
use crate::engine::Pooling;
use crate::operation::{run_claimed, run_tasks, workers_for, Concurrency, OperationRun, UnitClaim};
use crate::run::RunError;
use crate::sandbox::SandboxLimits;
use crate::store::{Checkpoint, NewOperation, TaskStore};
use crate::task::TaskStatus;
use crate::unit::{is_valid_application_name, UnitName};

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

    /// A unit to run on; repeat for several. Default: <charm name>/0.
    #[arg(long, value_name = "APP/N", conflicts_with = "num_units")]
    unit: Vec<UnitName>,

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
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    format: Format,

    /// Queue the tasks, print their ids and return at once; follow them with
    /// `charmbox show-task ID --wait`.
    #[arg(long)]
    background: bool,

    #[command(flatten)]
    limits: LimitArgs,
}

/// Sandbox limits on the command line.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Deadline for each task's action ("30s", "5m"); 0 for none.
    #[arg(long, default_value = "5m", value_parser = parse_timeout, value_name = "DURATION")]
    timeout: Timeout,

    /// Memory cap for each sandbox ("256MiB", "1GiB", bytes).
    #[arg(long, default_value = "256MiB", value_parser = parse_size, value_name = "SIZE")]
    memory: usize,
}

impl LimitArgs {
    fn limits(&self) -> SandboxLimits {
        SandboxLimits {
            timeout: self.timeout.0,
            memory_bytes: self.memory,
            ..SandboxLimits::default()
        }
    }

    /// The same limits as arguments, for a background worker.
    fn to_args(&self) -> Vec<String> {
        let timeout = match self.timeout.0 {
            Some(t) => humantime::format_duration(t).to_string().replace(' ', ""),
            None => "0".into(),
        };
        vec![
            "--timeout".into(),
            timeout,
            "--memory".into(),
            self.memory.to_string(),
        ]
    }
}

impl RunArgs {
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
            .then(|| Pooling::for_workers(workers_for(tasks), self.limits.memory))
    }
}

/// Runs the action on every unit and prints the tasks; returns the exit
/// status. The process is expected to exit next: the engine and the
/// compiled charm are left to the OS (see the end of the function).
pub fn execute(args: RunArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let state_dir = require_state_dir(state_dir)?;
    let params = read_params(args.params_file.as_deref(), &args.args, args.string_args)?;
    // The store opens on the other core while the engine starts and the
    // charm loads; a charm that cannot run is still reported first.
    let (loaded, store) = std::thread::scope(|scope| {
        let store = scope.spawn(|| TaskStore::open(&state_dir));
        let loaded = super::engine_with(args.pooling())
            .and_then(|engine| Ok((Charm::load(&engine, &args.charm)?, engine)));
        (loaded, store.join())
    });
    // The engine lives as long as the runs: its thread enforces deadlines.
    let (charm, engine) = loaded?;
    refuse_unsound(&charm)?;
    if charm.component.handler(&args.action).is_none() {
        return Err(RunError::UnknownAction {
            action: args.action.clone(),
            available: charm.component.handlers().keys().cloned().collect(),
        }
        .into());
    }
    let units = units(&args, &charm)?;
    if charm.metadata.is_none() {
        eprintln!(
            "note: {} is a bare component with no metadata: params are passed unvalidated",
            args.charm.display()
        );
    }
    let params = charm.prepare_params(&args.action, Value::Object(params))?;

    let mut store = store.map_err(|_| anyhow!("the thread opening the task store panicked"))??;
    let charm_path = std::path::absolute(&args.charm).unwrap_or_else(|_| args.charm.clone());
    let new_operation = NewOperation {
        action: args.action.clone(),
        charm: charm_path,
        params: params.clone(),
        units: units.iter().map(ToString::to_string).collect(),
    };
    let concurrency = concurrency(&charm, &args.action);
    // A lone task whose unit is free is recorded as running from the start:
    // one write fewer than queueing it and then starting it.
    let claim = match units.as_slice() {
        [unit] if !args.background => UnitClaim::try_take(&state_dir, unit, &concurrency)
            .with_context(|| format!("cannot lock unit {unit}"))?,
        _ => None,
    };
    let (operation, tasks) = match claim {
        Some(_) => store.enqueue_started(&new_operation)?,
        None => store.enqueue(&new_operation)?,
    };

    if args.background {
        start_background_worker(&state_dir, &operation, &args.limits)?;
        let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
        let noun = if ids.len() == 1 { "task" } else { "tasks" };
        println!(
            "Scheduled operation {operation} with {noun} {}",
            ids.join(", ")
        );
        println!("Check operation status with 'charmbox operations'");
        println!("Check task status with 'charmbox show-task {}'", ids[0]);
        return Ok(EXIT_COMPLETED);
    }

    let (finished, checkpoint) = run_operation(
        &charm,
        &state_dir,
        &args.action,
        ActionParams::from(params),
        &args.limits,
        store,
        Scheduled { tasks, claim },
    )?;
    print(&ByUnit(&finished), args.format)?;
    // The store's closing checkpoint ran while the results were printed.
    checkpoint.wait();
    // Leave the compiled charm and the engine to the process's exit, which
    // reclaims them faster than their destructors would (unmapping code,
    // unregistering unwind tables, stopping the epoch thread): ~0.15 ms of
    // a one-task run.
    std::mem::forget((charm, engine));
    Ok(exit_status(&finished))
}

/// Tasks keyed by unit, as `juju run` prints them.
struct ByUnit<'a>(&'a [crate::task::Task]);

impl serde::Serialize for ByUnit<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|task| (&task.unit, task.juju_view())))
    }
}

/// How an action shares its unit, from the charm's metadata.
fn concurrency(charm: &Charm, action: &str) -> Concurrency {
    let spec = charm.action_spec(action);
    Concurrency {
        parallel: spec.is_some_and(|s| s.parallel),
        execution_group: spec.and_then(|s| s.execution_group.clone()),
    }
}

/// An operation's enqueued tasks; `claim` holds the unit of a lone task
/// enqueued as started.
struct Scheduled {
    tasks: Vec<crate::task::Task>,
    claim: Option<UnitClaim>,
}

/// Runs enqueued tasks with live progress on stderr; returns them finished,
/// every record committed, and the store's checkpoint, which may still be
/// running.
fn run_operation(
    charm: &Charm,
    state_dir: &Path,
    action: &str,
    params: ActionParams,
    limits: &LimitArgs,
    store: TaskStore,
    scheduled: Scheduled,
) -> anyhow::Result<(Vec<crate::task::Task>, Checkpoint)> {
    let Scheduled { tasks, claim } = scheduled;
    let writer = store.into_writer(tasks.len())?;
    let progress = Arc::new(TerminalProgress::new(tasks.len()));
    let run = OperationRun {
        charm: &charm.component,
        state_dir,
        action,
        params: &params,
        limits: limits.limits(),
        concurrency: concurrency(charm, action),
        writer: &writer,
        progress: progress.clone(),
        workers: None,
    };
    let finished = match (claim, <[_; 1]>::try_from(tasks)) {
        (Some(claim), Ok([task])) => vec![run_claimed(&run, task, claim)],
        (_, Ok(tasks)) => run_tasks(&run, tasks.into()),
        (_, Err(tasks)) => run_tasks(&run, tasks),
    };
    progress.done();
    let checkpoint = writer.finish()?;
    Ok((finished, checkpoint))
}

/// `charmbox exec-operation`: the background half of `run --background`.
#[derive(Debug, Args)]
pub struct ExecOperationArgs {
    /// The operation to run.
    operation: String,

    #[command(flatten)]
    limits: LimitArgs,
}

/// Runs the pending tasks of an operation another process enqueued.
pub fn execute_operation(
    args: ExecOperationArgs,
    state_dir: Option<PathBuf>,
) -> anyhow::Result<u8> {
    let state_dir = require_state_dir(state_dir)?;
    let store = TaskStore::open(&state_dir)?;
    // Take the tasks over before the parent exits, so they are never seen
    // without a live owner.
    store.adopt_operation(&args.operation)?;
    println!("adopted");
    std::io::stdout().flush()?;
    let operation = store
        .operation(&args.operation)?
        .with_context(|| format!("operation {} not found", args.operation))?;
    let engine = super::engine()?;
    let charm = Charm::load(&engine, &operation.charm)?;
    let pending: Vec<_> = operation
        .tasks
        .into_iter()
        .filter(|t| t.status == TaskStatus::Pending)
        .collect();
    let (finished, _checkpoint) = run_operation(
        &charm,
        &state_dir,
        &operation.action,
        ActionParams::from(operation.params),
        &args.limits,
        store,
        Scheduled {
            tasks: pending,
            claim: None,
        },
    )?;
    Ok(exit_status(&finished))
}

fn start_background_worker(
    state_dir: &Path,
    operation: &str,
    limits: &LimitArgs,
) -> anyhow::Result<()> {
    let exe = std::env::current_exe()
        .context("cannot find the charmbox binary to run in the background")?;
    let log = state_dir.join(format!("operation-{operation}.log"));
    let log_file =
        std::fs::File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
    let mut child = std::process::Command::new(exe)
        .arg("--state-dir")
        .arg(state_dir)
        .arg("exec-operation")
        .arg(operation)
        .args(limits.to_args())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(log_file)
        // Its own process group: the worker outlives this process and is
        // not hit by the terminal's Ctrl-C meant for it.
        .process_group(0)
        .spawn()
        .context("cannot start the background worker")?;
    let mut line = String::new();
    let stdout = child
        .stdout
        .take()
        .context("background worker has no stdout")?;
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    if line.trim() != "adopted" {
        bail!("the background worker did not start; see {}", log.display());
    }
    Ok(())
}

fn exit_status(tasks: &[crate::task::Task]) -> u8 {
    if tasks.iter().all(|t| t.status == TaskStatus::Completed) {
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

/// The units named by --unit / --num-units, or `<charm name>/0`.
fn units(args: &RunArgs, charm: &Charm) -> anyhow::Result<Vec<UnitName>> {
    if let Some(count) = args.num_units {
        let app = default_unit(&charm.name, &args.charm)?;
        return (0..count)
            .map(|n| Ok(UnitName::new(app.application(), n)?))
            .collect();
    }
    if args.unit.is_empty() {
        return Ok(vec![default_unit(&charm.name, &args.charm)?]);
    }
    let mut units = args.unit.clone();
    let mut seen = std::collections::HashSet::new();
    units.retain(|u| seen.insert(u.clone()));
    Ok(units)
}

/// `<charm name>/0`, when the name is a valid application name.
fn default_unit(name: &str, charm: &Path) -> anyhow::Result<UnitName> {
    if !is_valid_application_name(name) {
        bail!(
            "cannot name a unit after {}: {name:?} is not a valid application name; \
             pass --unit, e.g. --unit my-app/0",
            charm.display()
        );
    }
    Ok(UnitName::new(name, 0)?)
}

/// Refuses a charm that `charmbox check` would fail, with the same messages.
pub(super) fn refuse_unsound(charm: &Charm) -> anyhow::Result<()> {
    let problems = charm.check();
    if problems.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = problems.iter().map(|p| format!("- {p}")).collect();
    bail!(
        "the charm does not pass `charmbox check`, so it is not run:\n{}",
        listed.join("\n")
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
            match serde_norway::from_str::<Value>(&text).with_context(|| {
                format!("params file {} is not valid YAML or JSON", path.display())
            })? {
                Value::Object(map) => map,
                Value::Null => Map::new(),
                _ => bail!(
                    "params file {} must hold a map of param names to values",
                    path.display()
                ),
            }
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

/// A deadline, or none (`0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Timeout(pub(super) Option<Duration>);

/// Parses a deadline such as `30s`, `5m` or `1h30m`; `0` means none.
pub(super) fn parse_timeout(text: &str) -> Result<Timeout, String> {
    if text.trim() == "0" {
        return Ok(Timeout(None));
    }
    match humantime::parse_duration(text) {
        Ok(d) if d.is_zero() => Ok(Timeout(None)),
        Ok(d) => Ok(Timeout(Some(d))),
        Err(e) => Err(format!(
            "{e}: expected a duration such as 30s, 5m or 1h30m, or 0 for none"
        )),
    }
}

/// Parses `256MiB`, `1GiB`, `512KiB`, `64MB` or a plain byte count.
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: usize = number.parse().map_err(|_| {
        format!("{text:?} is not a size: expected e.g. 256MiB, 1GiB or a byte count")
    })?;
    let multiplier: usize = match unit.trim() {
        "" | "B" => 1,
        "K" | "KB" | "KiB" => 1 << 10,
        "M" | "MB" | "MiB" => 1 << 20,
        "G" | "GB" | "GiB" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit {other:?}: use B, KiB, MiB or GiB"
            ))
        }
    };
    let bytes = number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("{text:?} is too large"))?;
    if bytes < (1 << 20) {
        return Err(format!(
            "{text:?} is too small: a charm needs at least 1MiB"
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes_and_timeouts() {
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("2097152"), Ok(2 << 20));
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("10KiB").is_err());
        assert_eq!(parse_timeout("0"), Ok(Timeout(None)));
        assert_eq!(
            parse_timeout("1m30s"),
            Ok(Timeout(Some(Duration::from_secs(90))))
        );
        assert!(parse_timeout("soon").is_err());
    }

    #[test]
    fn default_unit_comes_from_the_file_name() {
        assert_eq!(
            default_unit("hello", Path::new("x/hello.wasm"))
                .unwrap()
                .to_string(),
            "hello/0"
        );
        let err = default_unit("My_Charm", Path::new("x/My_Charm.wasm")).unwrap_err();
        assert!(err.to_string().contains("--unit"), "{err}");
    }
}
