//! charmbox on Juju: `charmbox pack` lays out a deployable charm directory,
//! and its `dispatch` runs each action as Juju would, talking to the
//! stand-in hook tools in `tests/hook-tools/` (which record every call).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::languages::lang_component;
use crate::support::{charm_dir_with, example_charm_dir, repo_root, Charmbox, Run};

/// `examples/hello` packed once per test process with the real binary,
/// under `target/` (the binary is large; one copy serves every test).
fn packed_hello() -> &'static Path {
    packed("rust").expect("the Rust example always builds")
}

/// The hello charm in `language` (`rust`, `python`, `js`) packed once per
/// test process; `None` when that language's toolchain is missing here.
fn packed(language: &str) -> Option<&'static Path> {
    pack_once(&format!("hello-{language}"), || match language {
        "rust" => Some(example_charm_dir("hello")),
        other => lang_component(other).map(|c| charm_dir_with(&format!("hello-{other}"), &c)),
    })
}

/// The Rust example `name` packed once per test process.
pub(crate) fn packed_example(name: &str) -> &'static Path {
    pack_once(name, || Some(example_charm_dir(name))).expect("a Rust example always builds")
}

/// The charm directory `source` gives packed with the real binary under
/// `target/e2e-juju/<key>`, once per test process (the binary is large; one
/// copy serves every test); `None` when `source` has none.
fn pack_once(
    key: &str,
    source: impl FnOnce() -> Option<tempfile::TempDir>,
) -> Option<&'static Path> {
    static PACKED: OnceLock<Mutex<HashMap<String, Option<&'static Path>>>> = OnceLock::new();
    let packed = PACKED.get_or_init(Default::default);
    let mut packed = packed.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = packed.get(key) {
        return *path;
    }
    let path = source().map(|source| {
        let out = repo_root().join("target").join("e2e-juju").join(key);
        let run = Charmbox::new().cmd(&[
            "pack",
            source.path().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--force",
        ]);
        assert_eq!(run.code, 0, "pack of {key} failed: {}", run.stderr);
        &*Box::leak(out.into_boxed_path())
    });
    packed.insert(key.to_owned(), path);
    path
}

pub(crate) fn hook_tools_dir() -> PathBuf {
    repo_root().join("tests").join("hook-tools")
}

/// One run of a packed charm's `dispatch`, as Juju starts it.
pub(crate) struct Dispatch {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) command: Command,
}

impl Dispatch {
    /// `dispatch` of `charm` for `JUJU_DISPATCH_PATH=path`, with the
    /// stand-in hook tools (from `tools`) first on PATH, a private state
    /// directory and a shared compiled-component cache.
    pub(crate) fn new(charm: &Path, path: &str, tools: &Path) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut command = Command::new(charm.join("dispatch"));
        let system_path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![tools.to_owned()];
        paths.extend(std::env::split_paths(&system_path));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("JUJU_")
                || name.to_string_lossy().starts_with("FAKE_JUJU_")
            {
                command.env_remove(name);
            }
        }
        command
            .env("PATH", std::env::join_paths(paths).unwrap())
            .env("JUJU_DISPATCH_PATH", path)
            .env("JUJU_UNIT_NAME", "hello/0")
            .env("JUJU_MODEL_NAME", "test")
            .env("JUJU_VERSION", "3.6.0")
            .env("JUJU_CHARM_DIR", charm)
            .env("FAKE_JUJU_CALLS", dir.path().join("calls.jsonl"))
            .env("CHARMBOX_STATE_DIR", dir.path().join("state"))
            // One compiled-component cache for every run: compile once.
            .env(
                "CHARMBOX_CACHE_DIR",
                repo_root().join("target").join("e2e-juju").join("cache"),
            )
            .env_remove("RUST_BACKTRACE");
        if let Some(action) = path.strip_prefix("actions/") {
            command
                .env("JUJU_ACTION_NAME", action)
                .env("JUJU_ACTION_UUID", "7");
        }
        Self { dir, command }
    }

    /// An action of the Rust hello run with `params`, as `action-get` will
    /// give them.
    fn action(action: &str, params: Value) -> Self {
        Self::action_of(packed_hello(), action, params)
    }

    /// An action of the packed `charm` run with `params`.
    pub(crate) fn action_of(charm: &Path, action: &str, params: Value) -> Self {
        let mut dispatch = Self::new(charm, &format!("actions/{action}"), &hook_tools_dir());
        let file = dispatch.dir.path().join("params.json");
        std::fs::write(&file, params.to_string()).unwrap();
        dispatch.command.env("FAKE_JUJU_PARAMS", file);
        dispatch
    }

    pub(crate) fn run(&mut self) -> (Run, Vec<Vec<String>>) {
        let (run, made) = self.run_recorded();
        let made = made
            .into_iter()
            .map(|call| serde_json::from_value(call).expect("a call is a JSON array of strings"))
            .collect();
        (run, made)
    }

    /// The run and its calls as recorded: each a JSON array of the tool's
    /// name and arguments, then `{"stdin": ...}` for a tool that read it.
    pub(crate) fn run_recorded(&mut self) -> (Run, Vec<Value>) {
        let output = self.command.output().expect("dispatch runs");
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        let calls = match std::fs::read_to_string(self.dir.path().join("calls.jsonl")) {
            Ok(text) => text
                .lines()
                .map(|line| serde_json::from_str(line).expect("a call is a JSON line"))
                .collect(),
            Err(_) => Vec::new(),
        };
        (run, calls)
    }
}

fn calls(expected: &[&[&str]]) -> Vec<Vec<String>> {
    expected
        .iter()
        .map(|call| call.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn each_hello_action_makes_the_hook_tool_calls_juju_expects() {
    // The same table for the charm in each language.
    for language in ["rust", "python", "js"] {
        match packed(language) {
            Some(charm) => hello_actions_through_dispatch(language, charm),
            None => eprintln!("skipping hello-{language} through dispatch: no toolchain"),
        }
    }
}

fn hello_actions_through_dispatch(language: &str, charm: &Path) {
    struct Case {
        action: &'static str,
        params: Value,
        calls: Vec<Vec<String>>,
        code: i32,
        stdout: &'static str,
    }
    let get: &[&str] = &["action-get", "--format=json"];
    let cases = [
        Case {
            action: "greet",
            // As Juju gives them: validated, defaults filled in.
            params: json!({"name": "Ada", "language": "fr",
                           "style": {"uppercase": false, "punctuation": "!"}}),
            calls: calls(&[
                get,
                &["action-log", "greeting Ada in fr"],
                &[
                    "action-set",
                    "greeting.text=Bonjour, Ada!",
                    "greeting.language=fr",
                    "length=13",
                ],
            ]),
            code: 0,
            stdout: "",
        },
        Case {
            action: "snapshot-database",
            params: json!({"filename": "db.snap", "steps": 2}),
            calls: calls(&[
                get,
                &["action-log", "step 1/2: writing db.snap"],
                &["action-log", "step 2/2: writing db.snap"],
                &[
                    "action-set",
                    "snapshot.filename=db.snap",
                    "snapshot.steps=2",
                ],
            ]),
            code: 0,
            stdout: "snapshot written to db.snap\n",
        },
        Case {
            // action-fail does not stop the handler, and the handler ran:
            // exit 0, Juju takes the failure from action-fail. The results
            // the handler set before and after it go in one action-set at
            // the end, then the one action-fail (see juju/backend.rs).
            action: "restore-snapshot",
            params: json!({"filename": "backup.tar"}),
            calls: calls(&[
                get,
                &[
                    "action-set",
                    "checked.filename=backup.tar",
                    "checked.valid=false",
                ],
                &[
                    "action-fail",
                    "cannot restore backup.tar: not a snapshot (expected a .snap file)",
                ],
            ]),
            code: 0,
            stdout: "",
        },
        Case {
            // The handler returns an error: action-fail with it, exit 1.
            action: "check-disk",
            params: json!({"path": ""}),
            calls: calls(&[get, &["action-fail", "path must not be empty"]]),
            code: 1,
            stdout: "",
        },
        Case {
            action: "ping",
            params: json!({}),
            calls: calls(&[get]),
            code: 0,
            stdout: "",
        },
    ];
    let declared = declared_actions();
    let covered: Vec<&str> = cases.iter().map(|c| c.action).collect();
    assert_eq!(
        covered, declared,
        "every action examples/hello declares has a case here"
    );
    for case in cases {
        let (run, mut made) = Dispatch::action_of(charm, case.action, case.params).run();
        // A charm that can defer (the Python and JavaScript helpers import
        // `defer`) first reads its unit's state for deferred events.
        if language != "rust"
            && made
                .first()
                .is_some_and(|c| c == &["state-get", "--format=json"])
        {
            made.remove(0);
        }
        assert_eq!(
            made, case.calls,
            "hook tool calls of {} in {language}; stderr: {}",
            case.action, run.stderr
        );
        assert_eq!(
            run.code, case.code,
            "exit status of {} in {language}; stderr: {}",
            case.action, run.stderr
        );
        assert_eq!(
            run.stdout, case.stdout,
            "stdout of {} in {language}",
            case.action
        );
    }
}

#[test]
fn a_handler_error_is_also_written_to_stderr() {
    let (run, _) = Dispatch::action("check-disk", json!({"path": ""})).run();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("charmbox: action \"check-disk\" failed: path must not be empty"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_failing_hook_tool_fails_the_action_with_its_stderr() {
    let mut dispatch = Dispatch::action("greet", json!({"name": "Ada", "language": "en"}));
    dispatch.command.env("FAKE_JUJU_FAIL", "action-set");
    let (run, made) = dispatch.run();
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains(
            "hook tool `action-set` failed (exit status 1): ERROR action-set failed: told to by \
             FAKE_JUJU_FAIL"
        ),
        "{}",
        run.stderr
    );
    // The tools are what is broken: no action-fail after the failed call.
    assert_eq!(
        made.iter().map(|c| c[0].as_str()).collect::<Vec<_>>(),
        ["action-get", "action-log", "action-set"]
    );
}

#[test]
fn a_failing_action_get_fails_before_the_handler_runs() {
    let mut dispatch = Dispatch::action("greet", json!({"name": "Ada"}));
    dispatch.command.env("FAKE_JUJU_FAIL", "action-get");
    let (run, made) = dispatch.run();
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("cannot read the action's params"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("told to by FAKE_JUJU_FAIL"),
        "{}",
        run.stderr
    );
    assert_eq!(made, calls(&[&["action-get", "--format=json"]]));
}

#[test]
fn a_missing_hook_tool_is_a_clear_failure() {
    // Every stand-in but action-log.
    let tools = tempfile::tempdir().unwrap();
    for tool in ["action-get", "action-set", "action-fail", "juju-log"] {
        std::os::unix::fs::symlink(
            hook_tools_dir().join("hook_tool.py"),
            tools.path().join(tool),
        )
        .unwrap();
    }
    let mut dispatch = Dispatch::new(packed_hello(), "actions/greet", tools.path());
    let params = dispatch.dir.path().join("params.json");
    std::fs::write(&params, r#"{"name": "Ada"}"#).unwrap();
    dispatch.command.env("FAKE_JUJU_PARAMS", &params);
    let (run, made) = dispatch.run();
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert!(
        run.stderr
            .contains("hook tool `action-log` was not found on PATH"),
        "{}",
        run.stderr
    );
    // The handler carried on past the lost log line; the action still failed.
    assert_eq!(
        made.iter().map(|c| c[0].as_str()).collect::<Vec<_>>(),
        ["action-get", "action-set"]
    );
}

#[test]
fn a_hanging_hook_tool_is_killed_at_its_deadline() {
    let mut dispatch = Dispatch::action("greet", json!({"name": "Ada"}));
    // The shim passes its arguments on to `charmbox dispatch`. The deadline
    // leaves the other (Python) stand-ins time to start on a busy machine.
    dispatch.command.args(["--hook-tool-timeout", "10s"]);
    dispatch.command.env("FAKE_JUJU_HANG", "action-log");
    let started = Instant::now();
    let (run, _) = dispatch.run();
    // The stand-in sleeps ten minutes; finishing well before that means it
    // was killed (the bound leaves room for compiling the charm on a busy
    // machine).
    assert!(
        started.elapsed() < Duration::from_secs(300),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert!(
        run.stderr
            .contains("hook tool `action-log` did not finish within 10s and was killed"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_hook_is_logged_and_succeeds() {
    // Hooks hello has no handler for are acknowledged.
    for hook in ["update-status", "leader-elected", "upgrade-charm"] {
        let mut dispatch =
            Dispatch::new(packed_hello(), &format!("hooks/{hook}"), &hook_tools_dir());
        let (run, made) = dispatch.run();
        assert_eq!(run.code, 0, "stderr: {}", run.stderr);
        let message = format!("charmbox: no handler for hook {hook}");
        assert_eq!(
            made,
            calls(&[&["juju-log", "--log-level", "DEBUG", &message]])
        );
    }
    // One it handles runs, and its hook tools are Juju's.
    let mut dispatch = Dispatch::new(packed_hello(), "hooks/install", &hook_tools_dir());
    let (run, made) = dispatch.run();
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(made, calls(&[&["status-set", "maintenance", "installing"]]));
}

#[test]
fn an_undeclared_action_fails_through_action_fail() {
    let (run, made) = Dispatch::action("no-such-action", json!({})).run();
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(made[0][0], "action-fail");
    assert!(
        made[0][1].contains("no action \"no-such-action\""),
        "{made:?}"
    );
    assert!(made[0][1].contains("greet"), "{made:?}");
}

#[test]
fn unit_state_lives_under_the_state_dir_or_beside_the_charm_dir() {
    let mut dispatch = Dispatch::action("greet", json!({"name": "Ada"}));
    let state = dispatch.dir.path().join("state");
    let (run, _) = dispatch.run();
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(state.join("units/hello-0/data").is_dir());

    // Without CHARMBOX_STATE_DIR (the by-hand test of docs/juju.md, and a
    // unit whose shim sets nothing): beside the charm directory, in the
    // unit agent's, and nothing in the packed directory that a zip would
    // ship. A copy of the packed charm keeps the shared one clean.
    let agent = tempfile::tempdir().unwrap();
    let charm = agent.path().join("charm");
    std::fs::create_dir(&charm).unwrap();
    copy_dir(packed_hello(), &charm);
    let packed_files = |dir: &Path| {
        let mut names: Vec<_> = walk(dir);
        names.sort();
        names
    };
    let before = packed_files(&charm);
    let mut dispatch = Dispatch::new(&charm, "actions/greet", &hook_tools_dir());
    let params = dispatch.dir.path().join("params.json");
    std::fs::write(&params, r#"{"name": "Ada"}"#).unwrap();
    dispatch
        .command
        .env("FAKE_JUJU_PARAMS", &params)
        .env_remove("CHARMBOX_STATE_DIR");
    let (run, _) = dispatch.run();
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(agent
        .path()
        .join("charmbox-state/units/hello-0/data")
        .is_dir());
    assert_eq!(
        packed_files(&charm),
        before,
        "dispatch wrote into the charm directory"
    );

    // A unit whose state an earlier charmbox kept in the charm directory
    // keeps it there.
    let legacy = charm.join(".charmbox");
    std::fs::create_dir(&legacy).unwrap();
    let (run, _) = dispatch.run();
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(legacy.join("units/hello-0/data").is_dir());
}

/// Copies a packed charm, hard-linking the large binary.
fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() == ".charmbox" {
                continue;
            }
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else if std::fs::hard_link(entry.path(), &target).is_err() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn pack_lays_out_a_deployable_charm() {
    let out = packed_hello();
    let mut files: Vec<String> = walk(out)
        .into_iter()
        .filter(|f| !f.starts_with(".charmbox"))
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "actions.yaml",
            "bin/charmbox",
            "charm.cwasm",
            "charm.wasm",
            "charmcraft.yaml",
            "config.yaml",
            "dispatch",
            "metadata.yaml",
        ]
    );
    use std::os::unix::fs::PermissionsExt as _;
    for exe in ["dispatch", "bin/charmbox"] {
        let mode = std::fs::metadata(out.join(exe))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "{exe} is executable");
    }
    let mode = std::fs::metadata(out.join("charm.cwasm"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o644,
        "only its owner may write the compiled charm"
    );
    let shim = std::fs::read_to_string(out.join("dispatch")).unwrap();
    assert!(shim.starts_with("#!/bin/sh\n"), "{shim}");
    assert!(shim.contains("/bin/charmbox\" dispatch"), "{shim}");

    let metadata: Value =
        serde_norway::from_str(&std::fs::read_to_string(out.join("metadata.yaml")).unwrap())
            .unwrap();
    assert_eq!(metadata["name"], "hello");
    assert!(metadata["summary"]
        .as_str()
        .unwrap()
        .contains("example charm"));
    assert!(metadata["description"].is_string());
    let actions: Value =
        serde_norway::from_str(&std::fs::read_to_string(out.join("actions.yaml")).unwrap())
            .unwrap();
    let names: Vec<&str> = actions
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, declared_actions(), "actions in source order");
    for (name, spec) in actions.as_object().unwrap() {
        assert!(
            spec["additionalProperties"].is_boolean(),
            "{name} states additionalProperties"
        );
    }
    assert_eq!(actions["greet"]["required"], json!(["name"]));
    let charmcraft: Value =
        serde_norway::from_str(&std::fs::read_to_string(out.join("charmcraft.yaml")).unwrap())
            .unwrap();
    assert_eq!(charmcraft["name"], "hello");
    assert!(charmcraft.get("actions").is_none(), "actions moved out");

    // charmbox reads the packed layout as it reads the source.
    let check = Charmbox::new().cmd(&["check", out.to_str().unwrap()]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

/// The `.cwasm` files in a compiled-component cache directory: what the
/// unit compiled itself.
fn compiled_in(cache: &Path) -> usize {
    std::fs::read_dir(cache)
        .map(|entries| {
            entries
                .filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
                })
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_unit_runs_the_packed_compiled_charm_and_compiles_one_that_does_not_check_out() {
    let packed = packed_hello();
    let greet = json!({"name": "Ada", "language": "en",
                       "style": {"uppercase": false, "punctuation": "!"}});
    let run_fresh = |charm: &Path| {
        let mut dispatch = Dispatch::action_of(charm, "greet", greet.clone());
        let cache = dispatch.dir.path().join("cache");
        dispatch.command.env("CHARMBOX_CACHE_DIR", &cache);
        let (run, made) = dispatch.run();
        let compiled = compiled_in(&cache);
        (run, made, compiled, dispatch)
    };
    // As packed: the first run on a fresh unit compiles nothing, and the
    // next maps the same artifact.
    let (run, made, compiled, dispatch) = run_fresh(packed);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert_eq!(made.last().unwrap()[0], "action-set");
    assert_eq!(compiled, 0, "the unit compiled the charm itself");
    let mut again = Dispatch::action_of(packed, "greet", greet.clone());
    again
        .command
        .env("CHARMBOX_CACHE_DIR", dispatch.dir.path().join("cache"))
        .env("CHARMBOX_STATE_DIR", dispatch.dir.path().join("state"));
    let (run, _) = again.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(compiled_in(&dispatch.dir.path().join("cache")), 0);

    // A byte of it changed: not loaded; the unit compiles charm.wasm,
    // says so, and the action runs as before.
    let corrupt = tempfile::tempdir().unwrap();
    copy_dir(packed, corrupt.path());
    let artifact = corrupt.path().join("charm.cwasm");
    let mut bytes = std::fs::read(&artifact).unwrap();
    std::fs::remove_file(&artifact).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&artifact, &bytes).unwrap();
    let (run, made, compiled, _) = run_fresh(corrupt.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("charm.cwasm is corrupt (its checksum does not match its contents)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("compiled charm.wasm on this unit instead"),
        "{}",
        run.stderr
    );
    assert_eq!(made.last().unwrap()[0], "action-set");
    assert_eq!(compiled, 1, "compiled on the unit");

    // One others may write is not trusted either.
    use std::os::unix::fs::PermissionsExt as _;
    let writable = tempfile::tempdir().unwrap();
    copy_dir(packed, writable.path());
    let artifact = writable.path().join("charm.cwasm");
    let bytes = std::fs::read(&artifact).unwrap();
    std::fs::remove_file(&artifact).unwrap();
    std::fs::write(&artifact, &bytes).unwrap();
    std::fs::set_permissions(&artifact, std::fs::Permissions::from_mode(0o666)).unwrap();
    let (run, _, compiled, _) = run_fresh(writable.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("other users may write to it"),
        "{}",
        run.stderr
    );
    assert_eq!(compiled, 1);
}

#[test]
fn compile_says_when_it_loaded_the_packed_artifact() {
    let cache = tempfile::tempdir().unwrap();
    let run = Charmbox::new()
        .command(&["compile", packed_hello().to_str().unwrap()])
        .env("CHARMBOX_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("loaded the precompiled artifact packed with it"),
        "{stdout}"
    );
}

#[test]
fn pack_refuses_a_target_it_cannot_compile_for_and_writes_nothing() {
    let source = example_charm_dir("hello");
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("packed");
    let binary = source.path().join("charmcraft.yaml");
    let run = Charmbox::new().cmd(&[
        "pack",
        source.path().to_str().unwrap(),
        "-o",
        dest.to_str().unwrap(),
        "--binary",
        binary.to_str().unwrap(),
        "--target",
        "riscv64gc-unknown-linux-gnu",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot precompile the component for riscv64gc-unknown-linux-gnu"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--no-precompile"), "{}", run.stderr);
    assert!(!dest.exists(), "nothing written");

    // Told to ship none, it ships none.
    let run = Charmbox::new().cmd(&[
        "pack",
        source.path().to_str().unwrap(),
        "-o",
        dest.to_str().unwrap(),
        "--binary",
        binary.to_str().unwrap(),
        "--no-precompile",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dest.join("charm.wasm").is_file());
    assert!(!dest.join("charm.cwasm").exists());
}

/// The actions `examples/hello/charmcraft.yaml` declares, in order.
fn declared_actions() -> Vec<&'static str> {
    static DECLARED: OnceLock<Vec<String>> = OnceLock::new();
    DECLARED
        .get_or_init(|| {
            let path = repo_root().join("examples/hello/charmcraft.yaml");
            let yaml: Value =
                serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            yaml["actions"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        })
        .iter()
        .map(String::as_str)
        .collect()
}

fn walk(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            found.extend(
                walk(&entry.path())
                    .into_iter()
                    .map(|f| format!("{name}/{f}")),
            );
        } else {
            found.push(name);
        }
    }
    found
}

#[test]
fn pack_refuses_a_non_empty_output_unless_forced() {
    let source = example_charm_dir("hello");
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("notes.txt"), "mine").unwrap();
    // A small stand-in binary keeps this test quick.
    let binary = out.path().join("notes.txt");
    let charmbox = Charmbox::new();
    let args = |force: bool| {
        let mut args = vec![
            "pack",
            source.path().to_str().unwrap(),
            "-o",
            out.path().to_str().unwrap(),
            "--binary",
            binary.to_str().unwrap(),
        ];
        if force {
            args.push("--force");
        }
        args
    };
    let run = charmbox.cmd(&args(false));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is not empty"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    let run = charmbox.cmd(&args(true));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(out.path().join("dispatch").is_file());
    assert!(
        out.path().join("notes.txt").is_file(),
        "other files are left"
    );
}

#[test]
fn pack_refuses_a_charm_that_fails_check() {
    let source = example_charm_dir("hello");
    let charmcraft = source.path().join("charmcraft.yaml");
    let text = std::fs::read_to_string(&charmcraft).unwrap();
    std::fs::write(
        &charmcraft,
        text + "\n  not-exported:\n    description: Declared, never exported.\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = Charmbox::new().cmd(&[
        "pack",
        source.path().to_str().unwrap(),
        "-o",
        out.path().join("charm").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "`charmbox check` finds errors in the charm, so charmbox neither runs nor packs it"
        ),
        "{}",
        run.stderr
    );
    // The same message `charmbox check` gives.
    let check = Charmbox::new().cmd(&["check", source.path().to_str().unwrap()]);
    assert_eq!(check.code, 1);
    let problem = check
        .stdout
        .lines()
        .find(|l| l.starts_with("- "))
        .expect("check lists a problem");
    assert!(run.stderr.contains(problem), "{problem} in {}", run.stderr);
    assert!(!out.path().join("charm").exists(), "nothing written");
}

#[test]
fn the_stand_in_action_set_checks_keys_as_juju_does() {
    let tool = hook_tools_dir().join("action-set");
    for (arg, message) in [
        (
            "Foo=1",
            "ERROR key \"Foo\" must start and end with lowercase alphanumeric, and contain only \
             lowercase alphanumeric and hyphens",
        ),
        (
            "a.stdout=1",
            "ERROR cannot set reserved action key \"stdout\"",
        ),
        (
            "noequals",
            "ERROR argument \"noequals\" must be of the form key...=value",
        ),
    ] {
        let output = Command::new(&tool)
            .args(["ok=1", arg])
            .env_remove("FAKE_JUJU_CALLS")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{arg}");
        assert_eq!(String::from_utf8_lossy(&output.stderr).trim(), message);
    }
}

/// `charmbox pack SOURCE -o OUT --binary BINARY [--force]`.
fn pack_with(source: &Path, out: &Path, binary: &Path, force: bool) -> Run {
    let mut args = vec![
        "pack",
        source.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--binary",
        binary.to_str().unwrap(),
    ];
    if force {
        args.push("--force");
    }
    Charmbox::new().cmd(&args)
}

#[test]
fn pack_packs_no_link_and_no_yaml_it_cannot_read() {
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "password: hunter2\n").unwrap();
    let binary = secret.path();
    // A config.yaml that is a link to a secret file: refused, not packed.
    let source = example_charm_dir("hello");
    std::os::unix::fs::symlink(secret.path(), source.path().join("config.yaml")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = pack_with(source.path(), &out.path().join("o"), binary, false);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("config.yaml is a symbolic link"),
        "{}",
        run.stderr
    );
    assert!(!out.path().join("o").exists(), "nothing written");

    // YAML it would copy without parsing: refused, naming the file. The
    // config options and relation endpoints are read with the charm (they
    // are its model's), so a config.yaml or metadata.yaml that does not
    // read is refused as the charm is loaded.
    for (file, text, why) in [
        (
            "config.yaml",
            "options: [unclosed\n",
            "did not find expected ',' or ']'",
        ),
        (
            "metadata.yaml",
            "- a list\n",
            "invalid type: sequence, expected a map of metadata keys",
        ),
        ("manifest.yaml", "bases: {\n", "only YAML it can read"),
    ] {
        let source = example_charm_dir("hello");
        std::fs::write(source.path().join(file), text).unwrap();
        let out = tempfile::tempdir().unwrap();
        let run = pack_with(source.path(), &out.path().join("o"), binary, false);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        assert!(
            run.stderr.contains(file) && run.stderr.contains(why),
            "{file}: {}",
            run.stderr
        );
        assert!(!out.path().join("o").exists(), "{file}: nothing written");
    }
}

#[test]
fn pack_never_writes_through_a_link_in_the_output() {
    let source = example_charm_dir("hello");
    let victim = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(victim.path(), "precious").unwrap();
    let binary = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(binary.path(), "#!/bin/sh\n").unwrap();
    // Links planted where pack writes: replaced with --force, never followed.
    let out = tempfile::tempdir().unwrap();
    for name in ["metadata.yaml", "dispatch", "charm.wasm"] {
        std::os::unix::fs::symlink(victim.path(), out.path().join(name)).unwrap();
    }
    let run = pack_with(source.path(), out.path(), binary.path(), true);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(victim.path()).unwrap(), "precious");
    for name in ["metadata.yaml", "dispatch", "charm.wasm"] {
        let meta = std::fs::symlink_metadata(out.path().join(name)).unwrap();
        assert!(meta.is_file(), "{name} is a file of its own now");
    }
    // A bin/ that is a link to elsewhere: refused.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), out.path().join("bin")).unwrap();
    let run = pack_with(source.path(), out.path(), binary.path(), true);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("bin is a symbolic link"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

/// `examples/hostile` packed once per test process.
fn packed_hostile() -> &'static Path {
    static PACKED: OnceLock<PathBuf> = OnceLock::new();
    PACKED.get_or_init(|| {
        let source = example_charm_dir("hostile");
        let out = repo_root().join("target/e2e-juju/hostile");
        let run = Charmbox::new().cmd(&[
            "pack",
            source.path().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--force",
        ]);
        assert_eq!(run.code, 0, "pack of hostile failed: {}", run.stderr);
        out
    })
}

/// The calls made to `tool`.
fn calls_to<'a>(made: &'a [Vec<String>], tool: &str) -> Vec<&'a [String]> {
    made.iter()
        .filter(|call| call[0] == tool)
        .map(|call| &call[1..])
        .collect()
}

#[test]
fn a_flood_of_hook_tool_calls_is_bounded_under_juju() {
    let charm = packed_hostile();
    // A million action-set calls: one call at the end, the last value.
    let (run, made) = Dispatch::action_of(charm, "set-flood", json!({})).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(calls_to(&made, "action-set"), [["n=999999".to_owned()]]);
    // 100,000 action-fail calls: one, the last message (Juju keeps the last).
    let (run, made) = Dispatch::action_of(charm, "fail-flood", json!({})).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(calls_to(&made, "action-fail"), [["fail 99999".to_owned()]]);
    // A million log lines: the 1,000 kept reach Juju, in the first 100
    // calls one each, the rest together.
    let started = Instant::now();
    let (run, made) = Dispatch::action_of(charm, "log-flood", json!({})).run();
    let took = started.elapsed();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let logs = calls_to(&made, "action-log");
    let lines: Vec<&str> = logs.iter().flat_map(|call| call[0].lines()).collect();
    let expected: Vec<String> = (0..1000).map(|n| format!("flood {n}")).collect();
    assert_eq!(lines, expected);
    let bound = 100 + took.as_secs() as usize + 2;
    assert!(
        logs.len() > 100 && logs.len() <= bound,
        "{} action-log calls in {took:?}",
        logs.len()
    );
    eprintln!(
        "| log-flood under dispatch | {} action-log calls for 1,000 lines in {took:.2?} |",
        logs.len()
    );
}

#[test]
fn a_handler_stuck_in_a_host_call_past_its_deadline_ends_the_process() {
    let mut dispatch = Dispatch::action_of(packed_hostile(), "ok", json!({}));
    // action-log hangs; its own deadline (60s) is far past the action's.
    dispatch.command.args(["--timeout", "2s"]);
    dispatch.command.env("FAKE_JUJU_HANG", "action-log");
    let started = Instant::now();
    let (run, made) = dispatch.run();
    let took = started.elapsed();
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert!(
        run.stderr
            .contains("did not stop within 5s of its 2s deadline"),
        "{}",
        run.stderr
    );
    // Before the hook tool's own deadline: the watchdog ended it.
    assert!(took < Duration::from_secs(55), "took {took:?}");
    let fails = calls_to(&made, "action-fail");
    assert_eq!(fails.len(), 1, "{made:?}");
    assert!(fails[0][0].contains("so that Juju can go on"), "{fails:?}");
    eprintln!("| stuck hook tool under dispatch | exit 1 | {took:.2?} |");
}

#[test]
fn a_guest_asleep_under_dispatch_lets_juju_go_on_at_its_deadline() {
    let mut dispatch = Dispatch::action_of(packed_hostile(), "sleep", json!({}));
    dispatch.command.args(["--timeout", "2s"]);
    let started = Instant::now();
    let (run, made) = dispatch.run();
    let took = started.elapsed();
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let fails = calls_to(&made, "action-fail");
    assert_eq!(fails.len(), 1, "{made:?}");
    assert!(fails[0][0].contains("timed out after 2s"), "{fails:?}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
    // What it set before it slept is kept.
    assert_eq!(calls_to(&made, "action-set"), [["started=yes".to_owned()]]);
}
