//! `charmbox run CHARM ACTION [KEY=VALUE ...]`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context as _};
use clap::Args;
use serde_json::{Map, Value};

use super::output::{print, Format};
use super::{EXIT_COMPLETED, EXIT_FAILED};
use crate::action::params::{apply_args, ArgTyping};
use crate::charm::Charm;
use crate::engine::Engine;
use crate::run::{run_local, LocalRun, RunRequest};
use crate::sandbox::SandboxLimits;
use crate::task::TaskStatus;
use crate::time::format_clock;
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

    /// The unit to run on. Default: <charm name>/0.
    #[arg(long, value_name = "APP/N")]
    unit: Option<UnitName>,

    /// A YAML or JSON file of params; key=value arguments override it.
    #[arg(long = "params", value_name = "FILE")]
    params_file: Option<PathBuf>,

    /// Keep every key=value value a string.
    #[arg(long)]
    string_args: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    format: Format,

    /// Deadline for the action ("30s", "5m"); 0 for none.
    #[arg(long, default_value = "5m", value_parser = parse_timeout, value_name = "DURATION")]
    timeout: Timeout,

    /// Memory cap for the sandbox ("256MiB", "1GiB", bytes).
    #[arg(long, default_value = "256MiB", value_parser = parse_size, value_name = "SIZE")]
    memory: usize,
}

/// Runs the action and prints the task; returns the exit status.
pub fn execute(args: RunArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let state_dir = state_dir.context(
        "cannot tell where to keep state: set --state-dir or CHARMBOX_STATE_DIR (HOME is not set)",
    )?;
    let params = read_params(args.params_file.as_deref(), &args.args, args.string_args)?;
    let engine = Engine::new().context("cannot start the WebAssembly engine")?;
    let charm = Charm::load(&engine, &args.charm)?;
    refuse_unsound(&charm)?;
    let unit = match args.unit {
        Some(unit) => unit,
        None => default_unit(&charm.name, &args.charm)?,
    };
    if charm.metadata.is_none() {
        eprintln!(
            "note: {} is a bare component with no metadata: params are passed unvalidated",
            args.charm.display()
        );
    }
    let params = charm.prepare_params(&args.action, Value::Object(params))?;
    let limits = SandboxLimits {
        timeout: args.timeout.0,
        memory_bytes: args.memory,
        ..SandboxLimits::default()
    };
    let action_uuid = uuid::Uuid::new_v4().to_string();
    let request = RunRequest {
        action: args.action,
        data_dir: Some(unit.data_dir(&state_dir)),
        unit: unit.clone(),
        action_uuid: action_uuid.clone(),
        limits,
    };
    let unit_label = unit.to_string();
    let task = run_local(
        &charm.component,
        LocalRun {
            request,
            params,
            task_id: action_uuid,
            enqueued: SystemTime::now(),
        },
        move |entry| {
            // Progress goes to stderr as it happens; results go to stdout.
            let _ = writeln!(
                std::io::stderr().lock(),
                "{} {unit_label}: {}",
                format_clock(entry.timestamp),
                entry.message
            );
        },
    )?;

    let mut by_unit = Map::new();
    by_unit.insert(task.unit.clone(), task.to_juju_value());
    print(&Value::Object(by_unit), args.format)?;
    Ok(if task.status == TaskStatus::Completed {
        EXIT_COMPLETED
    } else {
        EXIT_FAILED
    })
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
struct Timeout(Option<Duration>);

fn parse_timeout(text: &str) -> Result<Timeout, String> {
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
