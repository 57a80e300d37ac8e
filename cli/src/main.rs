//! The `charmbox` command: parses arguments, calls one function of the
//! `charmbox` library per command, prints. Nothing here decides anything
//! the library could; what is here is the words and flags of a terminal.

mod actions;
mod args;
mod build;
mod cache;
mod check;
mod compiling;
mod config;
mod debug_log;
mod dispatch;
mod events;
mod foreground;
mod init;
mod integrate;
mod leader;
mod model;
mod output;
mod pack;
mod progress;
mod run;
mod secrets;
mod show_unit;
mod status;
mod table;
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

/// The help section of the options every command takes, after each
/// command's own.
const GLOBAL_OPTIONS: &str = "Global options";

/// Run Juju charm actions compiled to WebAssembly components, sandboxed.
#[derive(Debug, Parser)]
#[command(name = "charmbox", version, about, after_help = EXIT_STATUS_HELP)]
struct Cli {
    /// Where charmbox keeps state (units' data directories). Default:
    /// $CHARMBOX_STATE_DIR, else $XDG_DATA_HOME/charmbox, else
    /// ~/.local/share/charmbox.
    #[arg(long, global = true, value_name = "DIR", help_heading = GLOBAL_OPTIONS)]
    state_dir: Option<PathBuf>,

    /// Where compiled components are cached. Default: $CHARMBOX_CACHE_DIR,
    /// else $XDG_CACHE_HOME/charmbox, else ~/.cache/charmbox.
    #[arg(long, global = true, value_name = "DIR", help_heading = GLOBAL_OPTIONS)]
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
    /// Show an action's description and params, like `juju show-action`.
    ShowAction(actions::ShowActionArgs),
    /// Show a task, like `juju show-task`.
    ShowTask(tasks::ShowTaskArgs),
    /// Show an operation and its tasks, like `juju show-operation`.
    ShowOperation(tasks::ShowOperationArgs),
    /// Cancel pending or running tasks, like `juju cancel-task`.
    CancelTask(tasks::CancelTaskArgs),
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
    /// Get, set or reset an application's config, like `juju config`.
    Config(config::ConfigArgs),
    /// Show the local model's applications, units and relations, like
    /// `juju status`.
    Status(status::StatusArgs),
    /// Show a unit's relations and their data, leadership, ports and state,
    /// like `juju show-unit`.
    ShowUnit(show_unit::ShowUnitArgs),
    /// Make a unit its application's leader.
    SetLeader(leader::SetLeaderArgs),
    /// Relate an application to a stand-in for a remote application, like
    /// `juju integrate`.
    Integrate(integrate::IntegrateArgs),
    /// Add a secret charms may read once granted, like `juju add-secret`.
    AddSecret(secrets::AddSecretArgs),
    /// Give a user secret a new revision (firing secret-changed on the
    /// units that read it), like `juju update-secret`.
    UpdateSecret(secrets::UpdateSecretArgs),
    /// Let applications read a secret, like `juju grant-secret`.
    GrantSecret(secrets::GrantSecretArgs),
    /// Take that back, like `juju revoke-secret`.
    RevokeSecret(secrets::GrantSecretArgs),
    /// List the model's secrets, like `juju secrets`.
    Secrets(secrets::SecretsArgs),
    /// Show a secret, like `juju show-secret`.
    ShowSecret(secrets::ShowSecretArgs),
    /// Show the juju-log lines of every unit, like `juju debug-log --replay`.
    DebugLog(debug_log::DebugLogArgs),
    /// Deploy a charm as a local application, firing its units' setup hooks
    /// (install, leader-elected, config-changed, start…), like `juju deploy`.
    Deploy(events::DeployArgs),
    /// Add units to a local application, firing their hooks, like
    /// `juju add-unit`.
    AddUnit(events::AddUnitArgs),
    /// Remove units, firing their relations' departed/broken hooks, stop and
    /// remove (and leader-elected on the next leader), like
    /// `juju remove-unit`.
    RemoveUnit(events::RemoveUnitArgs),
    /// Fire one hook on a unit (`update-status`, `db-relation-changed`…).
    RunHook(events::RunHookArgs),
    /// Run a unit's failed hook again (or, with --no-retry, not), like
    /// `juju resolve`.
    Resolve(events::ResolveArgs),
    /// Show the hooks that ran, in order, with what fired each and how it
    /// ended.
    Hooks(events::HooksArgs),
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
                | Command::ShowAction(_)
                | Command::Check(_)
                | Command::Compile(_)
                | Command::ExecOperation(_)
                | Command::Dispatch(_)
                | Command::Deploy(_)
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

/// Splits a foreground run (see `foreground`); the exit code when it
/// cannot, having said why.
fn split() -> Result<std::sync::Arc<foreground::Link>, ExitCode> {
    foreground::split().map_err(|e| {
        eprintln!("error: cannot start the run: {e:#}");
        ExitCode::from(EXIT_USAGE)
    })
}

/// Parses the process's arguments, runs the command and returns its exit code.
fn main() -> ExitCode {
    let args = dispatch::effective_args(std::env::args_os().collect());
    // A run in the foreground splits first of all (see `foreground`): a
    // command line that starts `charmbox run` is one (or the child says
    // what is wrong with it); another spelling of a run splits once parsed.
    let mut link = None;
    if args.get(1).is_some_and(|command| command == "run") {
        match split() {
            Ok(split) => link = Some(split),
            Err(code) => return code,
        }
    }
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
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    // The variables are read here, not by clap: clap shows a flag its
    // variable set in every usage line, as if it had been typed.
    let cache_dir = args::flag_or_env(cli.cache_dir, "CHARMBOX_CACHE_DIR");
    let _ = CACHE_DIR.set(cache_dir);
    // A foreground run splits before anything starts a thread: its tasks
    // may outlast its wait (see `foreground`).
    if let (Command::Run(args), None) = (&cli.command, &link) {
        if args.waits() {
            match split() {
                Ok(split) => link = Some(split),
                Err(code) => return code,
            }
        }
    }
    if cli.command.loads_a_charm() {
        charmbox::charm::schema::prepare_in_background();
    }
    let explicit_state_dir = args::flag_or_env(cli.state_dir, "CHARMBOX_STATE_DIR");
    let state_dir = explicit_state_dir
        .clone()
        .or_else(charmbox::paths::default_state_dir);
    let result = match cli.command {
        Command::Init(args) => init::execute(args),
        Command::Build(args) => build::execute(args),
        Command::Run(args) => run::execute(args, state_dir, link),
        Command::Actions(args) => actions::execute(args, state_dir),
        Command::ShowAction(args) => actions::show_action(args, state_dir),
        Command::ShowOperation(args) => tasks::show_operation(args, state_dir),
        Command::CancelTask(args) => tasks::cancel_task(args, state_dir),
        Command::Check(args) => check::execute(args),
        Command::Pack(args) => pack::execute(args),
        Command::Dispatch(args) => dispatch::execute(args, explicit_state_dir),
        Command::Compile(args) => cache::compile(args),
        Command::Cache(args) => cache::execute(args),
        Command::ShowTask(args) => tasks::show_task(args, state_dir),
        Command::Operations(args) => tasks::operations(args, state_dir),
        Command::ExecOperation(args) => run::execute_operation(args, state_dir),
        Command::Config(args) => config::execute(args, state_dir),
        Command::Status(args) => status::execute(args, state_dir),
        Command::ShowUnit(args) => show_unit::execute(args, state_dir),
        Command::SetLeader(args) => leader::execute(args, state_dir),
        Command::Integrate(args) => integrate::execute(args, state_dir),
        Command::AddSecret(args) => secrets::add(args, state_dir),
        Command::UpdateSecret(args) => secrets::update(args, state_dir),
        Command::GrantSecret(args) => secrets::grant(args, state_dir),
        Command::RevokeSecret(args) => secrets::revoke(args, state_dir),
        Command::Secrets(args) => secrets::list(args, state_dir),
        Command::ShowSecret(args) => secrets::show(args, state_dir),
        Command::DebugLog(args) => debug_log::execute(args, state_dir),
        Command::Deploy(args) => events::deploy(args, state_dir),
        Command::AddUnit(args) => events::add_unit(args, state_dir),
        Command::RemoveUnit(args) => events::remove_unit(args, state_dir),
        Command::RunHook(args) => events::run_hook(args, state_dir),
        Command::Resolve(args) => events::resolve(args, state_dir),
        Command::Hooks(args) => events::hooks(args, state_dir),
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
