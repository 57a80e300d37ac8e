//! Shared helpers: building example charms once per test process, and
//! running the `charmbox` binary with a private state directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use charmbox::testing::CrateBuild;
use serde_json::Value;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_owned()
}

/// Builds `examples/<name>` for `wasm32-wasip2` (cargo caches it) and returns
/// the component's path. Panics with cargo's output if the build fails.
pub fn example_component(name: &str) -> PathBuf {
    let root = repo_root();
    CrateBuild::new(root.join("examples").join(name))
        .target_dir(root.join("target").join("examples"))
        .build()
        .unwrap_or_else(|e| panic!("building example {name} failed: {e}"))
}

/// A `charmbox` invocation with its own state directory.
pub struct Charmbox {
    state: tempfile::TempDir,
}

/// What one invocation produced.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Stdout parsed as JSON (the run used `--format json`).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The task printed for `unit` by `run --format json`.
    pub fn task(&self, unit: &str) -> Value {
        let json = self.json();
        json.get(unit)
            .unwrap_or_else(|| panic!("no task for {unit} in {json:#}"))
            .clone()
    }
}

impl Charmbox {
    /// A fresh state directory.
    pub fn new() -> Self {
        Self {
            state: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The state directory.
    pub fn state_dir(&self) -> &Path {
        self.state.path()
    }

    /// Runs `charmbox ARGS...`.
    pub fn cmd(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().expect("charmbox runs");
        to_run(output)
    }

    /// The command, for callers that need to adjust it.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_charmbox"));
        command
            .args(args)
            .env("CHARMBOX_STATE_DIR", self.state.path())
            // One compiled-component cache for the whole test run, out of
            // the user's own.
            .env(
                "CHARMBOX_CACHE_DIR",
                repo_root().join("target").join("test-cache"),
            )
            .env_remove("RUST_BACKTRACE");
        command
    }

    /// `charmbox ARGS...` started in a process group of its own (a run is
    /// two processes: the one waiting, and its child running the tasks;
    /// see [`kill_group`]), stdout and stderr piped.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        use std::os::unix::process::CommandExt as _;
        let mut command = self.command(args);
        command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .process_group(0);
        // As from a terminal: a test run as a shell's background job (a CI
        // script) inherits SIGINT ignored, and a Ctrl-C would reach nobody.
        // SAFETY: `signal` is async-signal-safe, as `pre_exec` requires.
        unsafe {
            command.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                Ok(())
            });
        }
        command.spawn().expect("charmbox starts")
    }

    /// `charmbox run CHARM ACTION ARGS... --format json`.
    pub fn run(&self, charm: &Path, action: &str, args: &[&str]) -> Run {
        let mut all = vec!["run", charm.to_str().unwrap(), action];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", "json"]);
        self.cmd(&all)
    }
}

/// Kills every process of `child`'s group with SIGKILL (as a crash would)
/// and reaps `child`.
pub fn kill_group(child: &mut std::process::Child) {
    let group = i32::try_from(child.id()).expect("a pid");
    // SAFETY: sends a signal to the group this test started.
    unsafe { libc::kill(-group, libc::SIGKILL) };
    let _ = child.wait();
}

/// What a spawned invocation produced, once it has ended.
pub fn finished(child: std::process::Child) -> Run {
    to_run(child.wait_with_output().expect("charmbox ends"))
}

fn to_run(output: Output) -> Run {
    Run {
        // A signal (a crash) has no code: make it fail every assertion on it.
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The messages of a task's log, without their timestamps.
pub fn log_messages(task: &Value) -> Vec<String> {
    task["log"]
        .as_array()
        .unwrap_or_else(|| panic!("task has no log: {task:#}"))
        .iter()
        .map(|line| {
            let line = line.as_str().expect("log lines are strings");
            // "2026-11-25 19:23:10 +0000 UTC message"
            line.splitn(5, ' ').nth(4).unwrap_or_default().to_owned()
        })
        .collect()
}

/// A charm directory for example `name`: its metadata and the built
/// component as `charm.wasm`, in a temporary directory of its own.
pub fn example_charm_dir(name: &str) -> tempfile::TempDir {
    charm_dir_with(name, &example_component(name))
}

/// A charm directory for example `name` with an already built `component`
/// (a Python or JavaScript build, say): the example's metadata and the
/// component as `charm.wasm`, in a temporary directory of its own.
pub fn charm_dir_with(name: &str, component: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = repo_root().join("examples").join(name);
    for file in ["charmcraft.yaml", "actions.yaml", "metadata.yaml"] {
        if source.join(file).exists() {
            std::fs::copy(source.join(file), dir.path().join(file)).expect("copy metadata");
        }
    }
    std::fs::copy(component, dir.path().join("charm.wasm")).expect("copy component");
    dir
}
