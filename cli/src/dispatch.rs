//! `charmbox dispatch`: what a packed charm's `dispatch` file runs; see
//! `charmbox::juju::dispatch`. Also chosen without the subcommand when the binary is
//! started under the name `dispatch`, or with no arguments while
//! `JUJU_DISPATCH_PATH` is set.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::args::{parse_size, parse_timeout, DiskArgs, Timeout};
use charmbox::juju::dispatch::{dispatch, DispatchOptions};
use charmbox::juju::{HookTools, JujuContext, DEFAULT_TOOL_TIMEOUT};
use charmbox::sandbox::{CapturedOutput, SandboxLimits};

/// How long the `action-fail` reporting a stuck handler may take.
const LAST_WORD_TIMEOUT: Duration = Duration::from_secs(10);

/// Arguments of `charmbox dispatch`.
#[derive(Debug, Args)]
pub struct DispatchArgs {
    /// Deadline for the action's handler ("30s", "1h"); 0 for none.
    #[arg(long, default_value = "5m", value_parser = parse_timeout, value_name = "DURATION")]
    timeout: Timeout,

    /// Memory cap for the handler's sandbox, all its memories and tables
    /// together ("256MiB", "1GiB", bytes).
    #[arg(long, default_value = "256MiB", value_parser = parse_size, value_name = "SIZE")]
    memory: usize,

    #[command(flatten)]
    disk: DiskArgs,

    /// Deadline for each hook tool call (action-get, action-set, ...); a tool
    /// that misses it is killed and the action fails.
    #[arg(long, default_value = "60s", value_parser = parse_tool_deadline, value_name = "DURATION")]
    hook_tool_timeout: Duration,

    /// Send every model read (config, leadership, relation data, secrets,
    /// ...) to Juju's hook tools, even one the run has made before. By
    /// default each is made once per run and kept in step with the run's
    /// own writes, as ops does.
    #[arg(long)]
    no_model_cache: bool,
}

/// A hook tool's deadline: never none, since a hung tool would hang Juju.
fn parse_tool_deadline(text: &str) -> Result<Duration, String> {
    match parse_timeout(text)? {
        Timeout(Some(d)) => Ok(d),
        Timeout(None) => Err(format!(
            "a hook tool call needs a deadline (default {}): give a duration such as 60s",
            humantime::format_duration(DEFAULT_TOOL_TIMEOUT)
        )),
    }
}

/// The process's arguments with `dispatch` put in as the subcommand when
/// dispatch mode is chosen implicitly: the binary's file name is `dispatch`,
/// or `JUJU_DISPATCH_PATH` is set and there are no arguments.
pub fn effective_args(args: Vec<OsString>) -> Vec<OsString> {
    let named_dispatch = args
        .first()
        .and_then(|argv0| Path::new(argv0).file_name())
        .is_some_and(|name| name == "dispatch");
    let under_juju =
        args.len() == 1 && std::env::var_os("JUJU_DISPATCH_PATH").is_some_and(|p| !p.is_empty());
    if !(named_dispatch || under_juju) {
        return args;
    }
    let mut out = Vec::with_capacity(args.len() + 1);
    out.push(OsString::from("charmbox"));
    out.push(OsString::from("dispatch"));
    out.extend(args.into_iter().skip(1));
    out
}

/// Dispatches what Juju asked for; writes the guest's output to this
/// process's stdout and stderr and returns the exit status Juju reads.
/// `state_dir` is `--state-dir` / `CHARMBOX_STATE_DIR` when given; the
/// compiled-component cache is `--cache-dir` / `CHARMBOX_CACHE_DIR` when
/// given, else `cache/` in the state directory.
pub fn execute(args: DispatchArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let context = JujuContext::from_env()?;
    let options = DispatchOptions {
        state_dir,
        // `--cache-dir` / `CHARMBOX_CACHE_DIR` when given.
        cache_dir: super::CACHE_DIR.get().cloned().flatten(),
        limits: SandboxLimits {
            timeout: args.timeout.0,
            memory_bytes: args.memory,
            disk: args.disk.limits(),
            ..SandboxLimits::default()
        },
        tools: HookTools::new().with_timeout(args.hook_tool_timeout),
        uncached_model_reads: args.no_model_cache,
    };
    // A handler its deadline cannot stop must not hold Juju's queue of
    // hooks for the unit: report it and end the process.
    let tools = options
        .tools
        .clone()
        .with_timeout(LAST_WORD_TIMEOUT.min(options.tools.timeout()));
    charmbox::run::watchdog::on_overrun(move |overrun| {
        let message = format!(
            "{}; charmbox ended the process so that Juju can go on",
            overrun.describe()
        );
        let _ = charmbox::juju::tools::action_fail(&tools, &message);
        eprintln!("charmbox: {message}");
        std::process::exit(1);
    });
    let outcome = dispatch(&context, &options);
    write_output(&mut std::io::stdout().lock(), &outcome.stdout, "stdout");
    let mut stderr = std::io::stderr().lock();
    write_output(&mut stderr, &outcome.stderr, "stderr");
    for note in &outcome.notes {
        let _ = writeln!(stderr, "{note}");
    }
    Ok(outcome.exit_code)
}

fn write_output(out: &mut impl std::io::Write, output: &CapturedOutput, name: &str) {
    let _ = out.write_all(&output.bytes);
    if output.dropped > 0 {
        let _ = write!(
            out,
            "\n[charmbox: {} more bytes of the action's {name} dropped; at most {} are kept]\n",
            output.dropped,
            output.bytes.len()
        );
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn started_as_dispatch_means_dispatch() {
        assert_eq!(
            effective_args(os(&["/var/lib/juju/agents/unit-a-0/charm/dispatch"])),
            os(&["charmbox", "dispatch"])
        );
        assert_eq!(
            effective_args(os(&["./dispatch", "--timeout", "1h"])),
            os(&["charmbox", "dispatch", "--timeout", "1h"])
        );
        assert_eq!(
            effective_args(os(&["charmbox", "run", "x", "y"])),
            os(&["charmbox", "run", "x", "y"])
        );
    }

    #[test]
    fn parses_deadlines() {
        assert_eq!(parse_timeout("0"), Ok(Timeout(None)));
        assert_eq!(
            parse_timeout("90s"),
            Ok(Timeout(Some(Duration::from_secs(90))))
        );
        assert!(parse_timeout("later").is_err());
        assert!(parse_tool_deadline("0").is_err());
    }
}
