//! Printing results as Juju's commands print them: `plain` (the default of
//! `juju run` and `juju show-task`), YAML or JSON; and the tables of
//! `juju operations` and `juju actions`.

use std::io::Write as _;

use clap::ValueEnum;
use serde::Serialize;
use serde_json::{Map, Value};

use charmbox::task::{Task, TaskStatus};

use super::terminal::{escape_controls, TerminalSafe};

/// Output formats of `run` and `show-task`, as Juju names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The task's results, its stdout and stderr, or its failure (the
    /// default, as in Juju).
    Plain,
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

/// Formats of the commands that print data only as YAML or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

impl From<DataFormat> for Format {
    fn from(format: DataFormat) -> Self {
        match format {
            DataFormat::Yaml => Format::Yaml,
            DataFormat::Json => Format::Json,
        }
    }
}

/// Prints `value` to stdout as YAML (as Juju's yaml.v2 writes it, keys
/// sorted) or JSON (`Plain` prints YAML: callers print plain output with
/// [`print_plain`]).
pub fn print<T: Serialize + ?Sized>(value: &T, format: Format) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        Format::Yaml | Format::Plain => {
            out.write_all(yaml(&serde_json::to_value(value)?).as_bytes())?
        }
        Format::Json => {
            // C1 and bidirectional controls escaped too (see `terminal`).
            let formatter = TerminalSafe(serde_json::ser::PrettyFormatter::new());
            value.serialize(&mut serde_json::Serializer::with_formatter(
                &mut out, formatter,
            ))?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `value` as YAML, as Juju writes it.
pub fn yaml(value: &Value) -> String {
    charmbox::yaml11::to_yaml(value)
}

/// `juju actions` and `juju operations` formats: a table, or YAML or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table (`juju operations` calls it `plain`, `juju actions`
    /// `tabular`; both names work).
    #[value(alias = "plain")]
    Tabular,
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

/// Results keys `plain` output leaves out of the results it prints: the
/// captured output is printed after them, as it was written.
const NOT_IN_PLAIN: [&str; 5] = [
    "return-code",
    "stdout",
    "stderr",
    "stdout-encoding",
    "stderr-encoding",
];

/// Prints `tasks` as Juju's `plain` format does: for one task, its results
/// (as YAML, without the captured output and return code), or `Action id N
/// failed: MESSAGE` and its results, then its stdout and stderr; for
/// several, a YAML map of unit to each task's id, status, message and
/// results.
pub fn print_plain(tasks: &[(String, &Task)]) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if let [(_, task)] = tasks {
        let (stdout, stderr, results) = split_output(task);
        match task.status {
            TaskStatus::Failed => {
                writeln!(out, "Action id {} failed: {}", task.id, message(task))?;
                writeln!(out, "{results}")?;
            }
            TaskStatus::Error => writeln!(out, "Action id {} failed: {}", task.id, message(task))?,
            _ => writeln!(out, "{results}")?,
        }
        // The guest's words, line by line, shown and never obeyed (see
        // `terminal`).
        for captured in [stdout, stderr].into_iter().flatten() {
            for line in captured.trim_matches('\n').split('\n') {
                writeln!(out, "{}", escape_controls(line))?;
            }
        }
    } else {
        let mut by_key = Map::new();
        for (key, task) in tasks {
            let (_, _, results) = split_output(task);
            let mut entry = Map::new();
            entry.insert("id".into(), Value::from(task.id.to_string()));
            if let Some(message) = &task.message {
                entry.insert("message".into(), Value::from(message.clone()));
            }
            entry.insert("output".into(), Value::from(results));
            entry.insert("status".into(), Value::from(task.status.as_str()));
            by_key.insert(key.clone(), Value::Object(entry));
        }
        out.write_all(yaml(&Value::Object(by_key)).as_bytes())?;
    }
    out.flush()?;
    Ok(())
}

/// A task's failure message, its controls escaped (see `terminal`).
fn message(task: &Task) -> std::borrow::Cow<'_, str> {
    escape_controls(task.message.as_deref().unwrap_or_default())
}

/// A task's stdout and stderr (when there is any) and the rest of its
/// results as YAML with sorted keys (empty when there is no rest); a task
/// without results yet is `Task N <status>`.
fn split_output(task: &Task) -> (Option<String>, Option<String>, String) {
    if task.results.is_empty() {
        return (None, None, format!("Task {} {}", task.id, task.status));
    }
    let text = |key: &str| {
        task.results
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let rest: Map<String, Value> = task
        .results
        .iter()
        .filter(|(key, _)| !NOT_IN_PLAIN.contains(&key.to_lowercase().as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let results = if rest.is_empty() {
        String::new()
    } else {
        yaml(&Value::Object(rest))
    };
    (text("stdout"), text("stderr"), results)
}
