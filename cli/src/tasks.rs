//! `charmbox show-task`, `show-operation`, `cancel-task` and `operations`,
//! shaped like Juju's.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use clap::Args;
use serde_json::{json, Map, Value};

use super::output::{print, print_plain, DataFormat, Format, ListFormat};
use super::run::require_state_dir;
use super::{EXIT_COMPLETED, EXIT_FAILED};
use charmbox::store::{
    CancelRequest, Followed, Operation, OperationFilter, StoreError, TaskStore,
    DEFAULT_OPERATIONS_LIMIT,
};
use charmbox::task::{JujuLog, JujuTiming, OperationId, Task, TaskId, TaskStatus, Timing};
use charmbox::time::{format_clock, format_plain, format_utc_seconds, TimeZone};
use charmbox::unit::UnitName;

/// `--wait`, `--watch` and `--utc`, as `show-task` and `show-operation`
/// have them.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Wait for it to finish, at most this long ("30s", "2m"); with no
    /// duration, or 0, for ever. A negative one (--wait=-1s) does not wait.
    #[arg(
        long,
        value_name = "DURATION",
        num_args = 0..=1,
        default_missing_value = "0",
        conflicts_with = "watch"
    )]
    wait: Option<String>,

    /// Wait for it to finish for ever (a task's log lines are shown as
    /// they come).
    #[arg(long)]
    watch: bool,

    /// Show times in UTC (default: local time).
    #[arg(long)]
    utc: bool,
}

/// What `--wait` and `--watch` ask for.
enum Waiting {
    /// Look once.
    No,
    /// Wait at most this long; `None` for ever.
    For(Option<Duration>),
}

impl WaitArgs {
    fn waiting(&self) -> anyhow::Result<Waiting> {
        if self.watch {
            return Ok(Waiting::For(None));
        }
        let Some(text) = &self.wait else {
            return Ok(Waiting::No);
        };
        if text.starts_with('-') {
            return Ok(Waiting::No);
        }
        if text.trim() == "0" {
            return Ok(Waiting::For(None));
        }
        match super::args::parse_duration(text) {
            Ok(d) if d.is_zero() => Ok(Waiting::For(None)),
            Ok(d) => Ok(Waiting::For(Some(d))),
            Err(e) => bail!("--wait {text:?}: {e}"),
        }
    }

    fn zone(&self) -> TimeZone {
        if self.utc {
            TimeZone::Utc
        } else {
            TimeZone::Local
        }
    }
}

/// Arguments of `charmbox show-task`.
#[derive(Debug, Args)]
pub struct ShowTaskArgs {
    /// The task id.
    id: TaskId,

    #[command(flatten)]
    wait: WaitArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Plain)]
    format: Format,
}

/// Prints one task; with `--wait` or `--watch`, once it has finished,
/// showing its log lines on stderr as they are logged.
pub fn show_task(args: ShowTaskArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let state_dir = require_state_dir(state_dir)?;
    let store = TaskStore::open(&state_dir)?;
    let zone = args.wait.zone();
    let task = match args.wait.waiting()? {
        Waiting::No => store.task(args.id)?,
        Waiting::For(wait) => {
            let mut logged = false;
            let followed = store.follow(args.id, wait, |entry| {
                logged = true;
                // The guest's words, shown, never obeyed (see `terminal`).
                eprintln!(
                    "{} {}",
                    format_clock(entry.timestamp, zone),
                    super::terminal::escape_controls(&entry.message)
                );
            })?;
            if logged {
                // Juju keeps the log apart from what follows.
                eprintln!();
            }
            match followed {
                Followed::Ended(task) => task,
                Followed::TimedOut(task) => bail!(
                    "maximum wait time reached: task {} is still {} (wait longer with --wait, or \
                     --watch)",
                    task.id,
                    task.status
                ),
            }
        }
    };
    match args.format {
        Format::Plain => print_plain(&[(task.id.to_string(), &task)])?,
        other => print(&task.to_juju_value(zone), other)?,
    }
    Ok(EXIT_COMPLETED)
}

/// Arguments of `charmbox show-operation`.
#[derive(Debug, Args)]
pub struct ShowOperationArgs {
    /// The operation id.
    id: OperationId,

    #[command(flatten)]
    wait: WaitArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Yaml)]
    format: DataFormat,
}

/// Prints one operation with its tasks; with `--wait` or `--watch`, once
/// every task has finished.
pub fn show_operation(args: ShowOperationArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let state_dir = require_state_dir(state_dir)?;
    let store = TaskStore::open(&state_dir)?;
    let operation = match args.wait.waiting()? {
        Waiting::No => store.existing_operation(args.id)?,
        Waiting::For(wait) => match store.follow_operation(args.id, wait)? {
            Followed::Ended(operation) => operation,
            Followed::TimedOut(operation) => bail!(
                "timeout reached: operation {} is still {} (wait longer with --wait, or --watch)",
                operation.id,
                operation.status()
            ),
        },
    };
    print(
        &operation_view(&operation, args.wait.zone()),
        args.format.into(),
    )?;
    Ok(EXIT_COMPLETED)
}

/// An operation as `juju show-operation` and `juju operations --format
/// yaml` show it: summary, status, the action and its parameters, timing,
/// and each task by id.
fn operation_view(operation: &Operation, zone: TimeZone) -> Value {
    let mut tasks = Map::new();
    for task in &operation.tasks {
        let mut entry = Map::new();
        entry.insert("host".into(), json!(task.unit.to_string()));
        entry.insert("status".into(), json!(task.status.as_str()));
        entry.insert("timing".into(), json!(JujuTiming(&task.timing, zone)));
        if !task.log.is_empty() {
            entry.insert("log".into(), json!(JujuLog(&task.log, zone)));
        }
        if let Some(message) = &task.message {
            entry.insert("message".into(), json!(message));
        }
        if !task.results.is_empty() {
            entry.insert("results".into(), Value::Object(task.results.clone()));
        }
        tasks.insert(task.id.to_string(), Value::Object(entry));
    }
    let timing = operation_timing(operation);
    json!({
        "summary": summary(&operation.action, &operation.tasks),
        "status": operation.status().as_str(),
        "action": {"name": operation.action, "parameters": operation.params},
        "timing": JujuTiming(&timing, zone),
        "tasks": tasks,
    })
}

/// When an operation was enqueued, its first task started and (once all
/// have) its last one ended.
fn operation_timing(operation: &Operation) -> Timing {
    let tasks = &operation.tasks;
    Timing {
        enqueued: Some(operation.enqueued),
        started: tasks.iter().filter_map(|t| t.timing.started).min(),
        completed: operation
            .status()
            .is_final()
            .then(|| tasks.iter().filter_map(|t| t.timing.completed).max())
            .flatten(),
    }
}

/// Arguments of `charmbox cancel-task`.
#[derive(Debug, Args)]
pub struct CancelTaskArgs {
    /// The tasks to cancel.
    #[arg(required = true, value_name = "ID")]
    ids: Vec<TaskId>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Yaml)]
    format: DataFormat,
}

/// How long `cancel-task` waits for the process running a task to act on
/// the request (it looks every 100 ms).
const CANCEL_ACKNOWLEDGE_WAIT: Duration = Duration::from_secs(10);

/// Cancels tasks: a pending one is `cancelled`, a running one `aborting`
/// (then `aborted`, keeping what it reported); prints them as Juju does.
/// Exits 1 when some task could not be cancelled (not found, or finished).
pub fn cancel_task(args: CancelTaskArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let state_dir = require_state_dir(state_dir)?;
    let store = TaskStore::open(&state_dir)?;
    let mut requested = Vec::new();
    let mut refused = Vec::new();
    for id in &args.ids {
        match store.request_cancel(*id) {
            Ok(CancelRequest::Requested) => requested.push(*id),
            Ok(CancelRequest::AlreadyFinished(status)) => refused.push(format!(
                "task: {id}, error: it has already finished ({status})"
            )),
            Err(StoreError::UnknownTask(id)) => {
                refused.push(format!("task: {id}, error: not found"))
            }
            Err(e @ StoreError::OperationNotTask(_)) => {
                refused.push(format!("task: {id}, error: {e}"))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut cancelled = Vec::new();
    for id in requested {
        cancelled.push(acknowledged(&store, id)?);
    }
    if !cancelled.is_empty() {
        let items: Vec<Value> = cancelled
            .iter()
            .map(|task| {
                json!({
                    "action": task.action,
                    "completed at": task
                        .timing
                        .completed
                        .map_or("n/a".to_owned(), format_utc_seconds),
                    "id": task.id.to_string(),
                    "status": task.status.as_str(),
                    "unit": task.unit.to_string(),
                })
            })
            .collect();
        print(&json!({ "actions": items }), args.format.into())?;
    }
    if refused.is_empty() {
        return Ok(EXIT_COMPLETED);
    }
    eprintln!(
        "The following tasks could not be canceled:\n{}",
        refused.join("\n")
    );
    Ok(EXIT_FAILED)
}

/// Task `id` once its owner has acted on the cancel request (it is no
/// longer `pending` or `running`), or as it is when that takes too long.
fn acknowledged(store: &TaskStore, id: TaskId) -> anyhow::Result<Task> {
    let deadline = std::time::Instant::now() + CANCEL_ACKNOWLEDGE_WAIT;
    loop {
        store.abort_orphans()?;
        let task = store.task(id)?;
        let acted = !matches!(task.status, TaskStatus::Pending | TaskStatus::Running);
        if acted || std::time::Instant::now() >= deadline {
            return Ok(task);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Arguments of `charmbox operations`.
#[derive(Debug, Args)]
pub struct OperationsArgs {
    /// Only operations of these actions (comma-separated).
    #[arg(
        long = "actions",
        alias = "action",
        value_delimiter = ',',
        value_name = "ACTIONS"
    )]
    actions: Vec<String>,

    /// Only tasks on units of these applications (comma-separated).
    #[arg(
        long = "apps",
        alias = "applications",
        value_delimiter = ',',
        value_name = "APPS"
    )]
    apps: Vec<String>,

    /// Only tasks on these units (comma-separated).
    #[arg(
        long = "units",
        alias = "unit",
        value_delimiter = ',',
        value_name = "UNITS"
    )]
    units: Vec<UnitName>,

    /// Only operations in these statuses (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = parse_status, value_name = "STATUSES")]
    status: Vec<TaskStatus>,

    /// At most this many operations (default 50).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,

    /// Skip this many operations first.
    #[arg(long, value_name = "N", default_value_t = 0)]
    offset: usize,

    /// Show times in UTC (default: local time).
    #[arg(long)]
    utc: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Tabular)]
    format: ListFormat,
}

fn parse_status(text: &str) -> Result<TaskStatus, String> {
    TaskStatus::parse(text).ok_or_else(|| {
        let names: Vec<&str> = TaskStatus::ALL.iter().map(|s| s.as_str()).collect();
        format!(
            "{text:?} is not a valid task status, want one of {}",
            names.join(", ")
        )
    })
}

/// Lists operations, oldest first, a page at a time.
pub fn operations(args: OperationsArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let state_dir = require_state_dir(state_dir)?;
    for app in &args.apps {
        if !charmbox::unit::is_valid_application_name(app) {
            bail!("invalid application name {app:?}");
        }
    }
    let store = TaskStore::open(&state_dir)?;
    let page = store.operations(&OperationFilter {
        applications: args.apps,
        units: args.units,
        actions: args.actions,
        statuses: args.status,
        offset: args.offset,
        limit: args.limit,
    })?;
    if page.operations.is_empty() {
        eprintln!("no matching operations");
        return Ok(EXIT_COMPLETED);
    }
    let zone = if args.utc {
        TimeZone::Utc
    } else {
        TimeZone::Local
    };
    let format = match args.format {
        ListFormat::Yaml => Format::Yaml,
        ListFormat::Json => Format::Json,
        ListFormat::Tabular => {
            if args.offset > 0 || page.truncated {
                let shown = page.operations.len();
                println!(
                    "Displaying operation results {} to {}.",
                    args.offset + 1,
                    args.offset + shown
                );
                if page.truncated {
                    let limit = args.limit.unwrap_or(DEFAULT_OPERATIONS_LIMIT);
                    println!(
                        "Run the command again with --offset={} --limit={limit} to see the next \
                         batch.\n",
                        args.offset + limit
                    );
                }
            }
            print_table(&page.operations, zone);
            return Ok(EXIT_COMPLETED);
        }
    };
    let mut out = Map::new();
    for op in &page.operations {
        out.insert(op.id.to_string(), operation_view(op, zone));
    }
    print(&Value::Object(out), format)?;
    Ok(EXIT_COMPLETED)
}

/// Task ids `juju operations` shows an operation with, at most.
const MAX_TASK_IDS: usize = 5;

/// `juju operations`' table: columns as wide as their widest cell and one
/// space apart, the id right-aligned.
fn print_table(operations: &[Operation], zone: TimeZone) {
    let mut rows = vec![[
        "ID".to_owned(),
        "Status".to_owned(),
        "Started".to_owned(),
        "Finished".to_owned(),
        "Task IDs".to_owned(),
        "Summary".to_owned(),
    ]];
    for op in operations {
        let timing = operation_timing(op);
        let ids: Vec<String> = op.tasks.iter().map(|t| t.id.to_string()).collect();
        let mut shown = ids[..ids.len().min(MAX_TASK_IDS)].join(",");
        if ids.len() > MAX_TASK_IDS {
            shown.push_str("...");
        }
        let at =
            |t: Option<std::time::SystemTime>| t.map(|t| format_plain(t, zone)).unwrap_or_default();
        rows.push([
            op.id.to_string(),
            op.status().as_str().to_owned(),
            at(timing.started),
            at(timing.completed),
            shown,
            summary(&op.action, &op.tasks),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = format!("{:>width$}", row[0], width = widths[0]);
        for (cell, width) in row.iter().zip(&widths).skip(1).take(4) {
            line.push_str(&format!(" {cell:<width$}"));
        }
        line.push(' ');
        line.push_str(&row[5]);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    print!("{out}");
}

fn summary(action: &str, tasks: &[Task]) -> String {
    let units: Vec<String> = tasks
        .iter()
        .map(|t| format!("unit-{}-{}", t.unit.application(), t.unit.number()))
        .collect();
    format!("{action} run on {}", units.join(","))
}
