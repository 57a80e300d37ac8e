//! `charmbox debug-log`, like `juju debug-log --replay`: every unit's
//! `juju-log` lines, in order, as Juju prints them (`unit-hello-0:
//! 22:05:35 INFO unit.hello/0.juju-log message`).

use std::path::PathBuf;

use charmbox::model::LogLevel;
use charmbox::time::TimeZone;
use charmbox::unit::UnitName;
use clap::Args;

use super::model::open_model;
use super::terminal::escape_controls;

/// Arguments of `charmbox debug-log`.
#[derive(Debug, Args)]
pub struct DebugLogArgs {
    /// Only this unit's lines.
    #[arg(long, value_name = "UNIT")]
    include: Option<UnitName>,

    /// Only lines at this level or above (TRACE, DEBUG, INFO, WARNING,
    /// ERROR, CRITICAL).
    #[arg(long, value_parser = parse_level)]
    level: Option<LogLevel>,

    /// Show times in UTC (local time by default, as Juju).
    #[arg(long)]
    utc: bool,
}

fn parse_level(text: &str) -> Result<LogLevel, String> {
    LogLevel::parse(text).ok_or_else(|| {
        format!("unknown level {text:?}: use TRACE, DEBUG, INFO, WARNING, ERROR or CRITICAL")
    })
}

/// Prints the lines; returns the exit status.
pub fn execute(args: DebugLogArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let lines = open_model(state_dir)?.debug_log(args.include.as_ref(), 0)?;
    for (_, line) in lines {
        if args.level.is_some_and(|level| line.level < level) {
            continue;
        }
        let tag = format!("unit-{}", line.unit.replace('/', "-"));
        let zone = if args.utc {
            TimeZone::Utc
        } else {
            TimeZone::Local
        };
        let clock = charmbox::time::format_clock(line.time, zone);
        // The charm's words, never its terminal commands.
        println!(
            "{tag}: {clock} {} unit.{}.juju-log {}",
            line.level,
            line.unit,
            escape_controls(&line.message)
        );
    }
    Ok(0)
}
