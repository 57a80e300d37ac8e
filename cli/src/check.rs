//! `charmbox check CHARM`: whether metadata and component agree.

use std::path::PathBuf;

use clap::Args;

use super::{EXIT_COMPLETED, EXIT_FAILED};
use charmbox::charm::Charm;

/// Arguments of `charmbox check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The charm directory (or a bare .wasm component).
    charm: PathBuf,
}

/// Checks the charm and prints each problem with a hint; returns the exit
/// status (1 when there is any problem).
pub fn execute(args: CheckArgs) -> anyhow::Result<u8> {
    let engine = super::engine()?;
    let charm = Charm::load(&engine, &args.charm)?;
    let problems = charm.check();
    if problems.is_empty() {
        let handlers = charm.component.handlers().len();
        match &charm.metadata {
            Some(metadata) => println!(
                "{}: ok: {} actions declared in {}, each exported with a handler signature; every import is provided",
                charm.name,
                metadata.actions.len(),
                metadata.source.display()
            ),
            None => println!(
                "{}: ok: {handlers} action handlers exported; every import is provided (no metadata to check against)",
                charm.name
            ),
        }
        return Ok(EXIT_COMPLETED);
    }
    println!("{}: {} problem(s):", charm.name, problems.len());
    for problem in &problems {
        println!("- {problem}");
    }
    Ok(EXIT_FAILED)
}
