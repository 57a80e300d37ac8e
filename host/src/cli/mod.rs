//! The command line: parses arguments, calls the library, prints. Nothing
//! here decides anything the library could.

mod actions;
mod check;
mod output;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status when every task completed.
pub const EXIT_COMPLETED: u8 = 0;
/// Exit status when an action ran and failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for usage errors and charms that cannot be loaded.
pub const EXIT_USAGE: u8 = 2;

const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  every task completed
  1  an action ran and failed (action-fail, an error, a trap, a timeout)
  2  usage error, invalid params, or the charm or action could not be loaded

charmbox check exits 1 when it finds a problem.";

/// Run Juju charm actions compiled to WebAssembly components, sandboxed.
#[derive(Debug, Parser)]
#[command(name = "charmbox", version, about, after_help = EXIT_STATUS_HELP)]
pub struct Cli {
    /// Where charmbox keeps state (units' data directories). Default:
    /// $XDG_DATA_HOME/charmbox, else ~/.local/share/charmbox.
    #[arg(long, global = true, env = "CHARMBOX_STATE_DIR", value_name = "DIR")]
    state_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run an action on a unit, like `juju run`.
    Run(run::RunArgs),
    /// List a charm's actions, like `juju actions`.
    Actions(actions::ActionsArgs),
    /// Check that a charm's metadata and component agree.
    Check(check::CheckArgs),
}

/// Parses the process's arguments, runs the command and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let state_dir = cli.state_dir.or_else(crate::paths::default_state_dir);
    let result = match cli.command {
        Command::Run(args) => run::execute(args, state_dir),
        Command::Actions(args) => actions::execute(args),
        Command::Check(args) => check::execute(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
