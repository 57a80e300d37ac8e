//! Juju's hook tools as processes: the command-line contract charmbox keeps
//! with them ([`HookTools`]), each call bounded by a deadline, and the few
//! calls made outside a backend ([`action_fail`], [`juju_log`]).
//!
//! A message that starts with `-` is passed after `--`, so that the tool does
//! not read it as a flag. Each tool call has a deadline
//! ([`DEFAULT_TOOL_TIMEOUT`]); a tool that misses it is killed. A tool that
//! is missing, exits non-zero or misses its deadline is an error carrying the
//! tool's stderr. A tool may be given a standard input
//! ([`HookTools::call`]: `relation-set --file -` reads its settings there, so
//! that no value is bounded by the kernel's limit on one argument).

use std::fmt;
use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::action::BackendError;

/// How long one hook tool call may take before it is killed.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(60);

/// The most bytes of a tool's stdout read (`action-get` prints the params).
const MAX_STDOUT_BYTES: usize = 16 * 1024 * 1024;
/// The most bytes of a tool's stderr kept for the error message.
const MAX_STDERR_BYTES: usize = 16 * 1024;
/// How long to wait for a tool's output pipes to close once it has exited
/// (a process it started may still hold them).
const PIPE_GRACE: Duration = Duration::from_secs(2);

/// Why a hook tool call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookToolError {
    /// The tool is not on `PATH`.
    #[error(
        "hook tool `{tool}` was not found on PATH: charmbox dispatch must run inside a Juju hook \
         or action, where Juju puts its hook tools on PATH"
    )]
    NotFound {
        /// The tool.
        tool: String,
    },
    /// The tool could not be started.
    #[error("cannot run hook tool `{tool}`: {reason}")]
    Spawn {
        /// The tool.
        tool: String,
        /// Why.
        reason: String,
    },
    /// The tool exited unsuccessfully.
    #[error("hook tool `{tool}` failed ({status}){}", stderr_suffix(.stderr))]
    Failed {
        /// The tool.
        tool: String,
        /// Its exit status, as text (`exit status 2`).
        status: String,
        /// What it wrote to stderr, trimmed.
        stderr: String,
    },
    /// The tool missed its deadline and was killed.
    #[error(
        "hook tool `{tool}` did not finish within {} and was killed{}",
        humantime::format_duration(*.timeout),
        stderr_suffix(.stderr)
    )]
    TimedOut {
        /// The tool.
        tool: String,
        /// The deadline it missed.
        timeout: Duration,
        /// What it wrote to stderr before it was killed, trimmed.
        stderr: String,
    },
    /// The tool succeeded but printed something charmbox cannot use.
    #[error("hook tool `{tool}` printed {problem}")]
    BadOutput {
        /// The tool.
        tool: String,
        /// What is wrong with the output.
        problem: String,
    },
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        ": it wrote nothing to stderr".into()
    } else {
        format!(": {stderr}")
    }
}

impl From<HookToolError> for BackendError {
    fn from(error: HookToolError) -> Self {
        BackendError(error.to_string())
    }
}

/// Runs Juju's hook tools (`action-get`, `action-set`, `juju-log`, ...),
/// found on `PATH`, each with a deadline.
#[derive(Debug, Clone)]
pub struct HookTools {
    timeout: Duration,
}

impl Default for HookTools {
    fn default() -> Self {
        Self::new()
    }
}

impl HookTools {
    /// Hook tools with the [`DEFAULT_TOOL_TIMEOUT`].
    pub fn new() -> Self {
        Self {
            timeout: DEFAULT_TOOL_TIMEOUT,
        }
    }

    /// Sets how long one tool call may take before it is killed.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The deadline of one tool call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs `tool ARGS...` and returns its stdout. The tool inherits this
    /// process's environment (Juju's context variables) and gets no stdin.
    pub fn run(&self, tool: &str, args: &[String]) -> Result<Vec<u8>, HookToolError> {
        self.call(tool, args, None)?.into_stdout(tool)
    }

    /// Runs `tool ARGS...` with `stdin` (if any) as its standard input, and
    /// returns how it exited, whatever the status: for callers that tell
    /// one unsuccessful exit from another. Missing, unstartable and hung
    /// tools are still errors.
    pub fn call(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<ToolOutput, HookToolError> {
        let mut child = Command::new(tool)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| spawn_error(tool, &e))?;
        if let (Some(bytes), Some(pipe)) = (stdin, child.stdin.take()) {
            if let Err(e) = write_stdin(pipe, bytes.to_vec()) {
                // Never let a tool read a truncated stdin as the whole of it.
                let _ = child.kill();
                let _ = child.wait();
                return Err(HookToolError::Spawn {
                    tool: tool.to_owned(),
                    reason: format!("cannot start writing its stdin: {e}"),
                });
            }
        }
        self.finish(tool, child)
    }

    /// Waits for `child` within the deadline, collecting its output.
    fn finish(&self, tool: &str, mut child: Child) -> Result<ToolOutput, HookToolError> {
        let stdout = child
            .stdout
            .take()
            .map(|pipe| read_bounded(pipe, MAX_STDOUT_BYTES));
        let stderr = child
            .stderr
            .take()
            .map(|pipe| read_bounded(pipe, MAX_STDERR_BYTES));
        let deadline = Instant::now() + self.timeout;
        let status = wait_until(&mut child, deadline);
        let stdout = stdout.map(collect).unwrap_or_default();
        let stderr = stderr.map(collect).unwrap_or_default();
        let stderr = String::from_utf8_lossy(&stderr).trim().to_owned();
        match status {
            None => Err(HookToolError::TimedOut {
                tool: tool.to_owned(),
                timeout: self.timeout,
                stderr,
            }),
            Some(Err(e)) => Err(HookToolError::Spawn {
                tool: tool.to_owned(),
                reason: format!("cannot wait for it: {e}"),
            }),
            Some(Ok(status)) => Ok(ToolOutput {
                status,
                stdout,
                stderr,
            }),
        }
    }
}

/// How a hook tool that ran to its end exited, and what it printed.
#[derive(Debug, Clone)]
pub struct ToolOutput {
    /// Its exit status.
    pub status: ExitStatus,
    /// What it printed on stdout.
    pub stdout: Vec<u8>,
    /// What it printed on stderr, trimmed (at most 16 KiB of it).
    pub stderr: String,
}

impl ToolOutput {
    /// The stdout of a successful call; an unsuccessful one is
    /// [`HookToolError::Failed`].
    pub fn into_stdout(self, tool: &str) -> Result<Vec<u8>, HookToolError> {
        if self.status.success() {
            Ok(self.stdout)
        } else {
            Err(self.failure(tool))
        }
    }

    /// This exit as the error of `tool` failing.
    pub fn failure(&self, tool: &str) -> HookToolError {
        HookToolError::Failed {
            tool: tool.to_owned(),
            status: describe_status(self.status),
            stderr: self.stderr.clone(),
        }
    }
}

/// Writes `bytes` to a tool's stdin on a thread of its own, then closes it,
/// so that a tool which does not read cannot stall the caller past the
/// tool's deadline (it is killed then, which ends the write).
fn write_stdin(mut pipe: std::process::ChildStdin, bytes: Vec<u8>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("charmbox-hook-tool-stdin".into())
        .spawn(move || {
            use std::io::Write as _;
            // A tool that exits without reading it all: nothing to do.
            let _ = pipe.write_all(&bytes);
        })
        .map(drop)
}

fn spawn_error(tool: &str, error: &std::io::Error) -> HookToolError {
    match error.kind() {
        std::io::ErrorKind::NotFound => HookToolError::NotFound {
            tool: tool.to_owned(),
        },
        // E2BIG: one argument over the kernel's limit (128 KiB on Linux).
        _ if error.raw_os_error() == Some(7) => HookToolError::Spawn {
            tool: tool.to_owned(),
            reason: format!(
                "{error}: a value or message is too long to pass on a command line (Linux \
                 allows 128 KiB per argument); keep results and messages shorter"
            ),
        },
        _ => HookToolError::Spawn {
            tool: tool.to_owned(),
            reason: error.to_string(),
        },
    }
}

/// Reads a pipe on its own thread, keeping at most `max` bytes and draining
/// the rest so the writer never blocks.
fn read_bounded(mut pipe: impl Read + Send + 'static, max: usize) -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("charmbox-hook-tool-pipe".into())
        .spawn(move || {
            let mut kept = Vec::new();
            let mut chunk = [0u8; 8192];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let room = max.saturating_sub(kept.len());
                        kept.extend_from_slice(&chunk[..n.min(room)]);
                    }
                }
            }
            let _ = sender.send(kept);
        });
    // Without a reader thread the output is lost, not waited for.
    drop(spawned);
    receiver
}

fn collect(receiver: mpsc::Receiver<Vec<u8>>) -> Vec<u8> {
    receiver.recv_timeout(PIPE_GRACE).unwrap_or_default()
}

/// Waits for `child` until `deadline`; kills it and returns `None` if it is
/// still running then.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<std::io::Result<ExitStatus>> {
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(Ok(status)),
            Ok(None) => {}
            Err(e) => return Some(Err(e)),
        }
        let now = Instant::now();
        if now >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

fn describe_status(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    status.to_string()
}

/// `MESSAGE` as hook tool arguments: after `--` when it would otherwise be
/// read as a flag; NUL bytes (which no argument may hold) shown as U+FFFD.
pub(super) fn message_args(message: &str) -> Vec<String> {
    let message = message.replace('\0', "\u{FFFD}");
    if message.starts_with('-') {
        vec!["--".into(), message]
    } else {
        vec![message]
    }
}

/// Calls `action-fail MESSAGE` outside an [`ActionBackend`] (when a run
/// could not start, or its handler errored).
pub fn action_fail(tools: &HookTools, message: &str) -> Result<(), HookToolError> {
    tools.run("action-fail", &message_args(message)).map(drop)
}

/// A `juju-log` level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// `DEBUG`.
    Debug,
    /// `INFO`.
    Info,
    /// `WARNING`.
    Warning,
    /// `ERROR`.
    Error,
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
        })
    }
}

/// Calls `juju-log --log-level LEVEL MESSAGE`: a line in the unit's log.
pub fn juju_log(tools: &HookTools, level: LogLevel, message: &str) -> Result<(), HookToolError> {
    let mut args = vec!["--log-level".to_owned(), level.to_string()];
    args.extend(message_args(message));
    tools.run("juju-log", &args).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn script(dir: &std::path::Path, name: &str, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.to_str().unwrap().to_owned()
    }

    /// `tools.run(tool, args)`, retried while the freshly written script is
    /// "busy": another test thread's fork can hold the write descriptor for
    /// a moment before its exec closes it, and exec then fails with ETXTBSY.
    #[cfg(unix)]
    fn run_fresh_script(tools: &HookTools, tool: &str, args: &[String]) -> HookToolError {
        for _ in 0..100 {
            match tools.run(tool, args) {
                Err(HookToolError::Spawn { reason, .. }) if reason.contains("busy") => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return e,
                Ok(out) => panic!("{tool} succeeded: {out:?}"),
            }
        }
        panic!("{tool} stayed busy")
    }

    #[cfg(unix)]
    #[test]
    fn a_tool_that_hangs_is_killed_at_its_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let tool = script(dir.path(), "slow", "echo starting >&2; exec sleep 30");
        let tools = HookTools::new().with_timeout(Duration::from_millis(300));
        let started = Instant::now();
        let err = run_fresh_script(&tools, &tool, &[]);
        assert!(started.elapsed() < Duration::from_secs(10), "{err}");
        assert!(matches!(err, HookToolError::TimedOut { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains("300ms") && message.contains("killed"),
            "{message}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_failing_tool_reports_its_exit_status_and_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let tool = script(dir.path(), "bad", "echo 'ERROR no such thing' >&2; exit 2");
        let err = run_fresh_script(&HookTools::new(), &tool, &[]);
        assert_eq!(
            err,
            HookToolError::Failed {
                tool: tool.clone(),
                status: "exit status 2".into(),
                stderr: "ERROR no such thing".into(),
            }
        );
        assert!(err
            .to_string()
            .ends_with("(exit status 2): ERROR no such thing"));
    }

    #[cfg(unix)]
    #[test]
    fn a_tool_reads_its_stdin_and_any_exit_comes_back_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let tool = script(
            dir.path(),
            "echo-back",
            "cat; echo 'ERROR said no' >&2; exit 1",
        );
        // More than a pipe holds, so the tool must read while it is written.
        let input = "x".repeat(1024 * 1024);
        let mut tries = 0;
        let output = loop {
            match HookTools::new().call(&tool, &[], Some(input.as_bytes())) {
                Err(HookToolError::Spawn { reason, .. })
                    if reason.contains("busy") && tries < 100 =>
                {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(10));
                }
                other => break other.unwrap(),
            }
        };
        assert_eq!(output.stdout.len(), input.len());
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(output.stderr, "ERROR said no");
        assert!(matches!(
            output.into_stdout(&tool),
            Err(HookToolError::Failed { .. })
        ));
    }

    #[test]
    fn a_missing_tool_says_where_it_was_looked_for() {
        let err = HookTools::new()
            .run("charmbox-no-such-hook-tool", &[])
            .unwrap_err();
        assert!(matches!(err, HookToolError::NotFound { .. }), "{err:?}");
        assert!(err.to_string().contains("not found on PATH"), "{err}");
    }

    #[test]
    fn messages_that_look_like_flags_come_after_a_double_dash() {
        assert_eq!(message_args("hello"), ["hello"]);
        assert_eq!(message_args("-x"), ["--", "-x"]);
        assert_eq!(message_args("a\0b"), ["a\u{FFFD}b"]);
    }
}
