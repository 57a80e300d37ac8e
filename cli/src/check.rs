//! `charmbox check CHARM`: whether metadata and component agree.

use std::path::PathBuf;

use clap::Args;

use super::{EXIT_COMPLETED, EXIT_FAILED};
use charmbox::charm::{Charm, Severity};

/// Arguments of `charmbox check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The charm directory (or a bare .wasm component).
    charm: PathBuf,
}

/// Checks the charm and prints each finding with a hint; returns the exit
/// status: 1 when there is an error, 0 when there are only warnings (the
/// charm runs).
pub fn execute(args: CheckArgs) -> anyhow::Result<u8> {
    let engine = super::engine()?;
    if let Some(stale) = charmbox::project::sources::stale(&args.charm) {
        eprintln!("warning: {stale}");
    }
    // What the names alone tell is reported before anything is compiled.
    if let Ok((metadata, component)) = Charm::locate(&args.charm) {
        let problems = charmbox::charm::precheck::precheck(&component, metadata.as_ref());
        if !problems.is_empty() {
            println!(
                "{}: {} problem(s), found before compiling:",
                args.charm.display(),
                problems.len()
            );
            for problem in &problems {
                println!("- {problem}");
            }
            return Ok(EXIT_FAILED);
        }
    }
    // A charm that cannot be loaded is a problem like any other: exit 1.
    let charm = match Charm::load(&engine, &args.charm) {
        Ok(charm) => charm,
        Err(e) => {
            println!("{}: 1 problem:", args.charm.display());
            println!("- {e}");
            return Ok(EXIT_FAILED);
        }
    };
    let found = charm.check();
    let (errors, warnings): (Vec<_>, Vec<_>) =
        found.iter().partition(|d| d.severity() == Severity::Error);
    if errors.is_empty() {
        let actions = count(charm.actions().len(), "action");
        let hooks = match charm.hook_names().len() {
            0 => String::new(),
            n => format!(" and {} for hooks", count(n, "handler")),
        };
        match &charm.metadata {
            Some(metadata) => println!(
                "{}: ok: {actions} declared in {}, each exported with a handler signature{hooks}; every import is provided",
                charm.name,
                metadata.source.display()
            ),
            None => println!(
                "{}: ok: {} exported{hooks}; every import is provided (no metadata to check against)",
                charm.name,
                count(charm.actions().len(), "action handler"),
            ),
        }
        print_reach(&charm);
    } else {
        print_reach(&charm);
        println!("{}: {} problem(s):", charm.name, errors.len());
        for problem in &errors {
            println!("- {problem}");
        }
    }
    for warning in &warnings {
        println!("warning: {warning}");
    }
    Ok(if errors.is_empty() {
        EXIT_COMPLETED
    } else {
        EXIT_FAILED
    })
}

/// What the charm can reach, one phrase a line, so an operator reads it
/// before running the charm.
pub fn print_reach(charm: &Charm) {
    let phrases = charm.component.reach().describe();
    if phrases.is_empty() {
        println!("it reaches nothing beyond its own sandbox");
        return;
    }
    println!("it can:");
    for phrase in phrases {
        println!("  - {phrase}");
    }
}

/// `1 action`, `2 actions`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
