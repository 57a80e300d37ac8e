//! `charmbox show-task` and `charmbox operations`, shaped like Juju's.

use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Map, Value};

use super::output::{print, Format, ListFormat};
use super::run::require_state_dir;
use charmbox::store::{OperationFilter, TaskStore};
use charmbox::task::{Task, TaskId, TaskStatus};
use charmbox::time::format_juju;

/// Arguments of `charmbox show-task`.
#[derive(Debug, Args)]
pub struct ShowTaskArgs {
    /// The task id.
    id: TaskId,

    /// Wait for the task to finish; with a duration ("30s"), at most that long.
    #[arg(long, value_name = "DURATION", num_args = 0..=1, default_missing_value = "0")]
    wait: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    format: Format,
}

/// Prints one task.
pub fn show_task(args: ShowTaskArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let state_dir = require_state_dir(state_dir)?;
    let store = TaskStore::open(&state_dir)?;
    let task = match &args.wait {
        None => store.task(args.id)?,
        Some(wait) => {
            let timeout = match wait.as_str() {
                "0" => None,
                text => Some(humantime::parse_duration(text).map_err(|e| {
                    anyhow::anyhow!("--wait {text:?}: {e}: expected a duration such as 30s or 5m")
                })?),
            };
            store.wait_for(args.id, timeout)?
        }
    };
    print(&task.to_juju_value(), args.format)?;
    Ok(0)
}

/// Arguments of `charmbox operations`.
#[derive(Debug, Args)]
pub struct OperationsArgs {
    /// Only operations of this action.
    #[arg(long)]
    action: Option<String>,

    /// Only operations with a task on this unit.
    #[arg(long, value_name = "APP/N")]
    unit: Option<String>,

    /// Only operations with a task in this status.
    #[arg(long, value_parser = parse_status)]
    status: Option<TaskStatus>,

    /// At most this many operations, newest first.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Tabular)]
    format: ListFormat,
}

fn parse_status(text: &str) -> Result<TaskStatus, String> {
    TaskStatus::parse(text).ok_or_else(|| {
        let names: Vec<&str> = TaskStatus::ALL.iter().map(|s| s.as_str()).collect();
        format!(
            "unknown status {text:?}: expected one of {}",
            names.join(", ")
        )
    })
}

/// Lists operations.
pub fn operations(args: OperationsArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let state_dir = require_state_dir(state_dir)?;
    let store = TaskStore::open(&state_dir)?;
    let operations = store.operations(&OperationFilter {
        action: args.action,
        unit: args.unit,
        status: args.status,
        limit: args.limit,
    })?;
    let format = match args.format {
        ListFormat::Yaml => Format::Yaml,
        ListFormat::Json => Format::Json,
        ListFormat::Tabular => {
            if operations.is_empty() {
                println!("No matching operations.");
                return Ok(0);
            }
            println!(
                "{:<6} {:<10} {:<30} {:<30} {:<12} Summary",
                "ID", "Status", "Started", "Finished", "Task IDs"
            );
            for op in &operations {
                let started = op.tasks.iter().filter_map(|t| t.timing.started).min();
                let finished = op.tasks.iter().filter_map(|t| t.timing.completed).max();
                let ids: Vec<String> = op.tasks.iter().map(|t| t.id.to_string()).collect();
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                println!(
                    "{:<6} {:<10} {:<30} {:<30} {:<12} {}",
                    op.id,
                    op.status().as_str(),
                    started.map(format_juju).unwrap_or_default(),
                    if op.status().is_final() {
                        finished.map(format_juju).unwrap_or_default()
                    } else {
                        String::new()
                    },
                    abbreviate(&ids),
                    summary(&op.action, &op.tasks)
                );
            }
            return Ok(0);
        }
    };
    let mut out = Map::new();
    for op in &operations {
        let mut tasks = Map::new();
        for task in &op.tasks {
            let mut entry = Map::new();
            entry.insert("host".into(), json!(task.unit.to_string()));
            entry.insert("status".into(), json!(task.status.as_str()));
            if let Some(message) = &task.message {
                entry.insert("message".into(), json!(message));
            }
            entry.insert("timing".into(), task.to_juju_value()["timing"].clone());
            tasks.insert(task.id.to_string(), Value::Object(entry));
        }
        out.insert(
            op.id.to_string(),
            json!({
                "summary": summary(&op.action, &op.tasks),
                "status": op.status().as_str(),
                "action": {"name": op.action, "parameters": op.params},
                "timing": {"enqueued": format_juju(op.enqueued)},
                "tasks": tasks,
            }),
        );
    }
    print(&Value::Object(out), format)?;
    Ok(0)
}

fn summary(action: &str, tasks: &[Task]) -> String {
    let units: Vec<String> = tasks
        .iter()
        .map(|t| format!("unit-{}-{}", t.unit.application(), t.unit.number()))
        .collect();
    format!(
        "{action} run on {}",
        abbreviate(&units.iter().map(String::as_str).collect::<Vec<_>>())
    )
}

fn abbreviate(items: &[&str]) -> String {
    if items.len() <= 3 {
        items.join(",")
    } else {
        format!("{},…(+{})", items[..2].join(","), items.len() - 2)
    }
}
