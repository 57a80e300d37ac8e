//! `charmbox set-leader UNIT`: makes a unit its application's leader. Juju
//! elects leaders itself and has no such command; locally the operator
//! chooses, to run what only a leader may (an application's databag, its
//! status and secrets). A new application's first unit leads.

use std::path::PathBuf;

use charmbox::unit::UnitName;
use clap::Args;

use super::model::{explain, open_model};

/// Arguments of `charmbox set-leader`.
#[derive(Debug, Args)]
pub struct SetLeaderArgs {
    /// The unit to lead its application.
    unit: UnitName,
}

/// Moves leadership; returns the exit status.
pub fn execute(args: SetLeaderArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    open_model(state_dir)?
        .set_leader(&args.unit)
        .map_err(explain)?;
    println!(
        "{} is now the leader of {}",
        args.unit,
        args.unit.application()
    );
    Ok(0)
}
