//! The commands that fire hooks in the local model, like Juju's: `deploy`,
//! `add-unit`, `remove-unit`, `run-hook`, `resolve`, and `hooks` (the record of hook
//! runs, as `juju show-status-log` shows a unit's); and how every command
//! that fires hooks prints what it fired.

use std::path::PathBuf;

use charmbox::events::{Fired, HookRun, HookStatus, LocalEvents};
use charmbox::model::RelationId;
use charmbox::unit::UnitName;
use clap::Args;

use super::args::{LimitArgs, LIMIT_HINTS};
use super::output::{print, Format, ListFormat};
use super::run::require_state_dir;
use super::table::Table;
use charmbox::model::local::views::format_since;

/// Arguments of `charmbox deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The charm directory (or a bare .wasm component).
    charm: PathBuf,
    /// The application's name; the charm's name when not given.
    application: Option<String>,
    /// How many units.
    #[arg(short = 'n', long = "num-units", default_value_t = 1)]
    units: u32,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Arguments of `charmbox add-unit`.
#[derive(Debug, Args)]
pub struct AddUnitArgs {
    /// The application.
    application: String,
    /// How many units to add.
    #[arg(short = 'n', long = "num-units", default_value_t = 1)]
    units: u32,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Arguments of `charmbox remove-unit`.
#[derive(Debug, Args)]
pub struct RemoveUnitArgs {
    /// The units (`app/1`); with --num-units, the application.
    #[arg(required = true, value_name = "UNIT|APP")]
    names: Vec<String>,
    /// Remove this many of APP's units, the highest-numbered first.
    #[arg(long = "num-units", value_name = "N")]
    num_units: Option<u32>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Arguments of `charmbox run-hook`.
#[derive(Debug, Args)]
pub struct RunHookArgs {
    /// The unit (`app/0`).
    unit: UnitName,
    /// The hook, as Juju names it (`update-status`, `db-relation-changed`).
    hook: String,
    /// For a relation hook: the relation's id, when the endpoint has more
    /// than one.
    #[arg(long, value_name = "ID")]
    relation: Option<u32>,
    /// For a relation hook: the remote unit it concerns.
    #[arg(long, value_name = "UNIT")]
    remote_unit: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Arguments of `charmbox resolve`.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The unit in error.
    unit: UnitName,
    /// Mark it resolved without running the failed hook again.
    #[arg(long)]
    no_retry: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Arguments of `charmbox hooks`.
#[derive(Debug, Args)]
pub struct HooksArgs {
    /// Only this unit's hook runs.
    unit: Option<UnitName>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Tabular)]
    format: ListFormat,
}

/// One hook run as `charmbox hooks --format json|yaml` prints it.
#[derive(Debug, serde::Serialize)]
struct HookRunView<'r> {
    id: u64,
    unit: String,
    hook: &'r str,
    /// The event's context, as the charm saw it (what Juju sets of it).
    context: serde_json::Map<String, serde_json::Value>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'r str>,
    cause: &'r str,
    started: String,
    completed: String,
}

/// The state directory's events, each run held to `limits`.
pub fn open_events<'e>(
    engine: &'e charmbox::engine::Engine,
    state_dir: Option<PathBuf>,
    limits: &LimitArgs,
) -> anyhow::Result<LocalEvents<'e>> {
    let state_dir = require_state_dir(state_dir)?;
    Ok(LocalEvents::open(
        engine,
        &state_dir,
        limits.limits(),
        LIMIT_HINTS,
    )?)
}

/// `charmbox deploy`.
pub fn deploy(args: DeployArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let engine = super::engine()?;
    let events = open_events(&engine, state_dir, &args.limits)?;
    let fired = events.deploy(&args.charm, args.application.as_deref(), args.units)?;
    Ok(report(&fired))
}

/// `charmbox add-unit`.
pub fn add_unit(args: AddUnitArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let engine = super::engine()?;
    let events = open_events(&engine, state_dir, &args.limits)?;
    let fired = events.add_unit(&args.application, args.units)?;
    Ok(report(&fired))
}

/// `charmbox remove-unit`.
pub fn remove_unit(args: RemoveUnitArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let engine = super::engine()?;
    let events = open_events(&engine, state_dir, &args.limits)?;
    let fired = match args.num_units {
        Some(count) => {
            let [application] = args.names.as_slice() else {
                anyhow::bail!(
                    "--num-units removes units of one application: pass its name alone \
                     (`charmbox remove-unit APP --num-units N`)"
                );
            };
            if application.contains('/') {
                anyhow::bail!(
                    "--num-units takes an application, not a unit ({application}): pass \
                     `charmbox remove-unit {} --num-units {count}`, or the units without \
                     --num-units",
                    application.split('/').next().unwrap_or_default()
                );
            }
            events.remove_unit_count(application, count)?
        }
        None => {
            let units = args
                .names
                .iter()
                .map(|name| {
                    name.parse::<UnitName>().map_err(|e| {
                        anyhow::anyhow!(
                            "invalid unit name {name:?}: {e}; name units as APP/N, or pass an \
                             application with --num-units N"
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            events.remove_units(&units)?
        }
    };
    Ok(report(&fired))
}

/// `charmbox run-hook`.
pub fn run_hook(args: RunHookArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let engine = super::engine()?;
    let events = open_events(&engine, state_dir, &args.limits)?;
    let fired = events.run_hook(
        &args.unit,
        &args.hook,
        args.relation.map(RelationId),
        args.remote_unit.as_deref(),
    )?;
    Ok(report(&fired))
}

/// `charmbox resolve`.
pub fn resolve(args: ResolveArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let engine = super::engine()?;
    let events = open_events(&engine, state_dir, &args.limits)?;
    let fired = events.resolve(&args.unit, !args.no_retry)?;
    if args.no_retry {
        println!("{} resolved; the failed hook is not run again", args.unit);
    }
    Ok(report(&fired))
}

/// `charmbox hooks`: every recorded hook run.
pub fn hooks(args: HooksArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let state_dir = require_state_dir(state_dir)?;
    let log = charmbox::events::HookLog::open(&state_dir);
    let runs = log.runs(args.unit.as_ref())?;
    let format = match args.format {
        ListFormat::Json => Some(Format::Json),
        ListFormat::Yaml => Some(Format::Yaml),
        ListFormat::Tabular => None,
    };
    if let Some(format) = format {
        let views: Vec<HookRunView<'_>> = runs
            .iter()
            .map(|run| HookRunView {
                id: run.id,
                unit: run.unit.to_string(),
                hook: &run.event.name,
                context: context_of(&run.event),
                status: run.status.as_str(),
                message: run.message.as_deref(),
                cause: &run.cause,
                started: format_since(run.started),
                completed: format_since(run.completed),
            })
            .collect();
        print(&views, format)?;
        return Ok(0);
    }
    if runs.is_empty() {
        println!("No hooks have run.");
        return Ok(0);
    }
    print!("{}", table(&runs));
    Ok(0)
}

/// Prints what a command fired; its exit status: 1 when a hook failed or
/// one was held back.
pub fn report(fired: &Fired) -> u8 {
    print!("{}", table_text(fired));
    for unit in &fired.removed {
        println!("removed unit {unit}");
    }
    report_problems(fired)
}

/// The runs a command fired, as a table (empty when it fired none).
pub fn table_text(fired: &Fired) -> String {
    if fired.runs.is_empty() {
        String::new()
    } else {
        table(&fired.runs)
    }
}

/// Says on stderr what went wrong (a failed hook, one held back); the exit
/// status: 1 when anything did.
pub fn report_problems(fired: &Fired) -> u8 {
    for (_, why) in &fired.held {
        eprintln!("{why}");
    }
    if fired.capped {
        eprintln!(
            "stopped after {} hook runs: the charms keep changing each other's relation data",
            charmbox::events::MAX_HOOK_RUNS
        );
    }
    for run in &fired.runs {
        if run.status == HookStatus::Failed {
            eprintln!(
                "unit {} is in error: hook {:?} failed: {}; fix it and run `charmbox resolve {}`",
                run.unit,
                run.event.name,
                run.message.as_deref().unwrap_or_default(),
                run.unit
            );
        }
    }
    if fired.all_ok() {
        0
    } else {
        1
    }
}

/// What an event's context holds (its fields that are set), as JSON.
fn context_of(event: &charmbox::model::EventInfo) -> serde_json::Map<String, serde_json::Value> {
    let mut context = match serde_json::to_value(event) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    context.retain(|key, value| !value.is_null() && key != "name" && key != "is_action");
    context
}

/// Hook runs as a table: id, unit, hook, its context, status, cause.
fn table(runs: &[HookRun]) -> String {
    let mut table = Table::new(&["Id", "Unit", "Hook", "Context", "Status", "Cause"]);
    for run in runs {
        let mut context = Vec::new();
        if let Some(relation) = &run.event.relation {
            context.push(format!("relation={relation}"));
        }
        if let Some(unit) = &run.event.remote_unit {
            context.push(format!("remote-unit={unit}"));
        } else if let Some(app) = &run.event.remote_app {
            context.push(format!("remote-app={app}"));
        }
        if let Some(unit) = &run.event.departing_unit {
            context.push(format!("departing-unit={unit}"));
        }
        if let Some(secret) = &run.event.secret_id {
            context.push(format!("secret={secret}"));
        }
        if let Some(label) = &run.event.secret_label {
            context.push(format!("label={label}"));
        }
        table.row(vec![
            run.id.to_string(),
            run.unit.to_string(),
            run.event.name.clone(),
            context.join(" "),
            run.status.as_str().into(),
            run.cause.clone(),
        ]);
    }
    table.render()
}
