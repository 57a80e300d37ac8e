//! The `charmbox` command: parses arguments, calls one function of the
//! `charmbox` library per command, prints. Nothing here decides anything
//! the library could; what is here is the words and flags of a terminal.

mod actions;
mod args;
mod build;
mod cache;
mod check;
mod compiling;
mod dispatch;
mod init;
mod output;
mod pack;
mod progress;
mod run;
mod tasks;
mod terminal;

use std::path::PathBuf;
use std::process::ExitCode;

use charmbox::cache::ComponentCache;
use charmbox::engine::{Engine, Pooling};
use clap::{Parser, Subcommand};

/// Exit status when every task completed.
const EXIT_COMPLETED: u8 = 0;
/// Exit status when an action ran and failed.
const EXIT_FAILED: u8 = 1;
/// Exit status for usage errors and charms that cannot be loaded.
const EXIT_USAGE: u8 = 2;

const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  every task completed
  1  an action ran and failed (action-fail, an error, a trap, a timeout)
  2  usage error, invalid params, or the charm or action could not be loaded

charmbox check exits 1 when it finds a problem.";

/// Run Juju charm actions compiled to WebAssembly components, sandboxed.
#[derive(Debug, Parser)]
#[command(name = "charmbox", version, about, after_help = EXIT_STATUS_HELP)]
struct Cli {
    /// Where charmbox keeps state (units' data directories). Default:
    /// $XDG_DATA_HOME/charmbox, else ~/.local/share/charmbox.
    #[arg(long, global = true, env = "CHARMBOX_STATE_DIR", value_name = "DIR")]
    state_dir: Option<PathBuf>,

    /// Where compiled components are cached. Default: $XDG_CACHE_HOME/charmbox,
    /// else ~/.cache/charmbox.
    #[arg(long, global = true, env = "CHARMBOX_CACHE_DIR", value_name = "DIR")]
    cache_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

/// The cache directory chosen on the command line, for [`engine`].
pub(crate) static CACHE_DIR: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();

/// The engine every command uses: with the compiled-component cache unless
/// no cache directory can be found.
fn engine() -> anyhow::Result<Engine> {
    engine_with(None)
}

/// [`engine`], with instances pooled as `pooling` says.
fn engine_with(pooling: Option<Pooling>) -> anyhow::Result<Engine> {
    use anyhow::Context as _;
    let dir = CACHE_DIR
        .get()
        .cloned()
        .flatten()
        .or_else(ComponentCache::default_dir);
    let mut builder = Engine::builder()
        .compile_observer(std::sync::Arc::new(compiling::CompileNotice::default()));
    if let Some(pooling) = pooling {
        builder = builder.pooling(pooling);
    }
    if let Some(dir) = dir {
        // An untrusted cache costs speed, never safety: say why, go on.
        match ComponentCache::open(dir) {
            Ok(cache) => builder = builder.cache(cache),
            Err(e) => eprintln!("warning: {e}; compiling without it"),
        }
    }
    builder
        .build()
        .context("cannot start the WebAssembly engine")
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start a charm: a project in Rust, Python or JavaScript that builds,
    /// passes check and runs its example action as it is.
    Init(init::InitArgs),
    /// Build a charm project into its charm.wasm, installing the pinned
    /// toolchain it needs on first use.
    Build(build::BuildArgs),
    /// Run an action on a unit, like `juju run`.
    Run(run::RunArgs),
    /// List a charm's actions, like `juju actions`.
    Actions(actions::ActionsArgs),
    /// Check that a charm's metadata and component agree.
    Check(check::CheckArgs),
    /// Show a task, like `juju show-task`.
    ShowTask(tasks::ShowTaskArgs),
    /// List operations, like `juju operations`.
    Operations(tasks::OperationsArgs),
    /// Compile a charm's component into the cache ahead of its first run.
    Compile(cache::CompileArgs),
    /// Manage the compiled-component cache.
    Cache(cache::CacheArgs),
    /// Run the tasks of an operation queued by `run --background`.
    #[command(hide = true)]
    ExecOperation(run::ExecOperationArgs),
    /// Lay out a Juju-deployable charm directory that runs its actions with
    /// charmbox.
    Pack(pack::PackArgs),
    /// Run what Juju asks for in JUJU_DISPATCH_PATH (a packed charm's
    /// `dispatch` runs this). Exits 0 when the handler ran (also after
    /// action-fail), 1 when it errored, trapped or a hook tool failed.
    Dispatch(dispatch::DispatchArgs),
}

impl Command {
    /// Whether the command reads a charm's metadata (and so its schemas).
    fn loads_a_charm(&self) -> bool {
        matches!(
            self,
            Command::Run(_)
                | Command::Actions(_)
                | Command::Check(_)
                | Command::Compile(_)
                | Command::ExecOperation(_)
                | Command::Dispatch(_)
        )
    }
}

/// Raises this process's soft limit on open descriptors to its hard limit:
/// each sandbox may hold `charmbox::sandbox::DEFAULT_MAX_DESCRIPTORS` open,
/// and one runs on each core at once, which a soft limit of 1,024 would not
/// leave room for on a machine of many cores.
fn raise_descriptor_limit() {
    #[cfg(unix)]
    // SAFETY: getrlimit and setrlimit with a valid resource and a pointer to
    // a live struct.
    unsafe {
        let mut limit = std::mem::zeroed::<libc::rlimit>();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// Parses the process's arguments, runs the command and returns its exit code.
fn main() -> ExitCode {
    raise_descriptor_limit();
    // The library's warnings (a cache it cannot write, a checkpoint that
    // failed) reach the operator on stderr; RUST_LOG chooses more.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let cli = match Cli::try_parse_from(dispatch::effective_args(std::env::args_os().collect())) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let _ = CACHE_DIR.set(cli.cache_dir.clone());
    if cli.command.loads_a_charm() {
        charmbox::charm::schema::prepare_in_background();
    }
    let explicit_state_dir = cli.state_dir.clone();
    let state_dir = cli.state_dir.or_else(charmbox::paths::default_state_dir);
    let result = match cli.command {
        Command::Init(args) => init::execute(args),
        Command::Build(args) => build::execute(args),
        Command::Run(args) => run::execute(args, state_dir),
        Command::Actions(args) => actions::execute(args),
        Command::Check(args) => check::execute(args),
        Command::Pack(args) => pack::execute(args),
        Command::Dispatch(args) => dispatch::execute(args, explicit_state_dir),
        Command::Compile(args) => cache::compile(args),
        Command::Cache(args) => cache::execute(args),
        Command::ShowTask(args) => tasks::show_task(args, state_dir),
        Command::Operations(args) => tasks::operations(args, state_dir),
        Command::ExecOperation(args) => run::execute_operation(args, state_dir),
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
