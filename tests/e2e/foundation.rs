//! The foundation: every action of `examples/hello`, traps, unknown actions
//! and files that are not components, through the real binary.

use serde_json::json;

use crate::support::{example_component, log_messages, Charmbox};

#[test]
fn greet_sets_nested_results_from_typed_params() {
    let hello = example_component("hello");
    let charmbox = Charmbox::new();
    let run = charmbox.run(&hello, "greet", &["name=Ada", "language=fr"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let task = run.task("hello/0");
    assert_eq!(task["status"], "completed");
    assert_eq!(task["unit"], "hello/0");
    assert_eq!(task["action"], "greet");
    assert_eq!(
        task["results"],
        json!({
            "greeting": {"text": "Bonjour, Ada!", "language": "fr"},
            "length": "13",
            "return-code": 0
        })
    );
    assert_eq!(log_messages(&task), ["greeting Ada in fr"]);
    assert!(task.get("message").is_none(), "no message when completed");
    for key in ["enqueued", "started", "completed"] {
        assert!(task["timing"][key].is_string(), "timing.{key} in {task:#}");
    }
}

#[test]
fn nested_params_and_defaults_reach_the_handler() {
    let hello = example_component("hello");
    let run = Charmbox::new().run(&hello, "greet", &["name=Bo", "style.uppercase=true"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(
        run.task("hello/0")["results"]["greeting"]["text"],
        "HELLO, BO!"
    );
}

#[test]
fn progress_is_logged_in_order_streamed_and_stdout_is_captured() {
    let hello = example_component("hello");
    let run = Charmbox::new().run(
        &hello,
        "snapshot-database",
        &["filename=db.snap", "steps=4"],
    );
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let task = run.task("hello/0");
    let log = log_messages(&task);
    assert_eq!(log.len(), 4, "{log:?}");
    for (i, line) in log.iter().enumerate() {
        assert!(line.starts_with(&format!("step {}/4", i + 1)), "{log:?}");
    }
    // Streamed to stderr as the action ran: `HH:MM:SS message`, as Juju
    // shows a lone task's log.
    let streamed: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(_, m)| m))
        .filter(|m| m.starts_with("step "))
        .collect();
    assert_eq!(streamed.len(), 4, "{}", run.stderr);
    assert!(run
        .stderr
        .contains("Running operation 1 with 1 task\n  - task 2 on unit-hello-0\n"));
    assert_eq!(
        task["results"]["snapshot"],
        json!({"filename": "db.snap", "steps": "4"})
    );
    assert_eq!(task["results"]["stdout"], "snapshot written to db.snap\n");
}

#[test]
fn action_fail_keeps_results_set_before_and_after() {
    let hello = example_component("hello");
    let run = Charmbox::new().run(&hello, "restore-snapshot", &["filename=backup.tar"]);
    assert_eq!(
        run.code, 1,
        "a failed action exits 1; stderr: {}",
        run.stderr
    );
    let task = run.task("hello/0");
    assert_eq!(task["status"], "failed");
    assert_eq!(
        task["message"],
        "cannot restore backup.tar: not a snapshot (expected a .snap file)"
    );
    assert_eq!(
        task["results"]["checked"],
        json!({"filename": "backup.tar", "valid": "false"})
    );
    // action-fail does not make the process fail: return-code stays 0.
    assert_eq!(task["results"]["return-code"], 0);
}

#[test]
fn restore_of_a_snapshot_completes() {
    let hello = example_component("hello");
    let run = Charmbox::new().run(&hello, "restore-snapshot", &["filename=db.snap"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.task("hello/0")["results"]["restored"], "db.snap");
}

#[test]
fn a_handler_error_fails_the_action_with_its_message() {
    let hello = example_component("hello");
    let run = Charmbox::new().run(&hello, "check-disk", &["path="]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let task = run.task("hello/0");
    assert_eq!(task["status"], "failed");
    assert!(
        task["message"]
            .as_str()
            .unwrap()
            .contains("path must not be empty"),
        "{task:#}"
    );
    assert_eq!(task["results"]["return-code"], 1);
}

#[test]
fn values_are_typed_unless_string_args() {
    let hello = example_component("hello");
    let charmbox = Charmbox::new();
    // `name=123` is a number, which the handler's typed params refuse.
    let typed = charmbox.run(&hello, "greet", &["name=123"]);
    assert_eq!(typed.code, 1, "stdout: {}", typed.stdout);
    let message = typed.task("hello/0")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("name"), "{message}");
    let strings = charmbox.run(&hello, "greet", &["name=123", "--string-args"]);
    assert_eq!(strings.code, 0, "stderr: {}", strings.stderr);
    assert_eq!(
        strings.task("hello/0")["results"]["greeting"]["text"],
        "Hello, 123!"
    );
}

#[test]
fn params_file_is_read_and_cli_pairs_override_it() {
    let hello = example_component("hello");
    let charmbox = Charmbox::new();
    let file = charmbox.state_dir().join("params.yaml");
    std::fs::write(&file, "name: FromFile\nlanguage: de\n").unwrap();
    let run = charmbox.run(&hello, "greet", &["--params", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(
        run.task("hello/0")["results"]["greeting"]["text"],
        "Hallo, FromFile!"
    );
    let run = charmbox.run(
        &hello,
        "greet",
        &["--params", file.to_str().unwrap(), "name=Cli"],
    );
    assert_eq!(
        run.task("hello/0")["results"]["greeting"]["text"],
        "Hallo, Cli!"
    );
}

#[test]
fn plain_is_the_default_output_and_yaml_a_format() {
    let hello = example_component("hello");
    let charmbox = Charmbox::new();
    let charm = hello.to_str().unwrap();
    // As `juju run` prints it: the results (sorted, without return-code),
    // a blank line, then what the handler printed.
    let run = charmbox.cmd(&["run", charm, "greet", "name=Ada"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(
        run.stdout,
        "greeting:\n  language: en\n  text: Hello, Ada!\nlength: \"11\"\n\n"
    );
    let run = charmbox.cmd(&[
        "run",
        charm,
        "snapshot-database",
        "filename=db.snap",
        "steps=1",
    ]);
    assert_eq!(
        run.stdout,
        "snapshot:\n  filename: db.snap\n  steps: \"1\"\n\nsnapshot written to db.snap\n"
    );
    let run = charmbox.cmd(&["run", charm, "greet", "name=Ada", "--format", "yaml"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let yaml: serde_json::Value = serde_norway::from_str(&run.stdout).expect("stdout is YAML");
    assert_eq!(
        yaml["hello/0"]["results"]["greeting"]["text"],
        "Hello, Ada!"
    );
}

#[test]
fn unit_option_names_the_unit() {
    let hello = example_component("hello");
    let run = Charmbox::new().run(&hello, "greet", &["name=Ada", "--unit", "web/3"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.task("web/3")["unit"], "web/3");
    let bad = Charmbox::new().run(&hello, "greet", &["--unit", "Web"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("invalid unit name"), "{}", bad.stderr);
}

#[test]
fn a_trapping_guest_fails_the_action_and_the_host_exits_normally() {
    let hostile = example_component("hostile");
    let charmbox = Charmbox::new();
    let run = charmbox.run(&hostile, "panic", &[]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let task = run.task("hostile/0");
    assert_eq!(task["status"], "failed");
    let message = task["message"].as_str().unwrap();
    assert!(
        message.contains("trapped") && message.contains("\"panic\""),
        "{message}"
    );
    // The panic message is what the guest printed to stderr.
    assert!(
        task["results"]["stderr"]
            .as_str()
            .unwrap()
            .contains("hostile panic"),
        "{task:#}"
    );
    let unreachable = charmbox.run(&hostile, "trap-unreachable", &[]);
    assert_eq!(unreachable.code, 1);
    assert!(unreachable.task("hostile/0")["message"]
        .as_str()
        .unwrap()
        .contains("unreachable"));
    // The next run on the same unit is unaffected.
    let ok = charmbox.run(&hostile, "ok", &[]);
    assert_eq!(ok.code, 0, "stderr: {}", ok.stderr);
    assert_eq!(ok.task("hostile/0")["results"]["ok"], "yes");
}

#[test]
fn an_unknown_action_lists_the_exported_ones() {
    let hello = example_component("hello");
    let run = Charmbox::new().run(&hello, "no-such-action", &[]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.stdout);
    for name in [
        "\"no-such-action\"",
        "greet",
        "snapshot-database",
        "restore-snapshot",
    ] {
        assert!(run.stderr.contains(name), "{name} in {}", run.stderr);
    }
}

#[test]
fn a_file_that_is_not_a_component_is_a_clear_error() {
    let charmbox = Charmbox::new();
    let text = charmbox.state_dir().join("notes.wasm");
    std::fs::write(&text, "hello").unwrap();
    let run = charmbox.run(&text, "greet", &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not a WebAssembly component"),
        "{}",
        run.stderr
    );

    let core = charmbox.state_dir().join("core.wasm");
    std::fs::write(&core, b"\0asm\x01\0\0\0").unwrap();
    let run = charmbox.run(&core, "greet", &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("core WebAssembly module"),
        "{}",
        run.stderr
    );

    let missing = charmbox.run(&charmbox.state_dir().join("absent.wasm"), "greet", &[]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );
}

#[test]
fn bad_arguments_are_usage_errors() {
    let hello = example_component("hello");
    let charmbox = Charmbox::new();
    let run = charmbox.run(&hello, "greet", &["noequals"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("key=value"), "{}", run.stderr);
    let run = charmbox.run(&hello, "greet", &["--timeout", "soon"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("duration"), "{}", run.stderr);
    // A number without its unit: what to write, said once.
    let run = charmbox.run(&hello, "greet", &["--timeout", "5"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("5 has no unit: write 5s for seconds"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("for example").count(),
        0,
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches("unit").count(), 1, "{}", run.stderr);
}

#[test]
fn usage_and_help_put_the_global_options_apart_and_never_as_required() {
    // The state and cache directories are set by their variables (as
    // `Charmbox::command` does): the usage line of an incomplete command
    // does not show them as if they had to be given.
    let charmbox = Charmbox::new();
    let run = charmbox.cmd(&["run", "some-charm"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("Usage: charmbox run <CHARM> <ACTION> [KEY=VALUE]..."),
        "{}",
        run.stderr
    );
    // Each command's help: its own options, then the global ones.
    for command in ["run", "status", "check"] {
        let help = charmbox.cmd(&[command, "--help"]);
        assert_eq!(help.code, 0, "{help:?}");
        let global = help.stdout.find("Global options:").expect(&help.stdout);
        let own = help.stdout.find("Options:").expect(&help.stdout);
        let state = help.stdout.find("--state-dir").expect(&help.stdout);
        let cache = help.stdout.find("--cache-dir").expect(&help.stdout);
        assert!(
            own < global && global < state && global < cache,
            "{}",
            help.stdout
        );
        assert!(
            help.stdout.contains("$CHARMBOX_STATE_DIR"),
            "{}",
            help.stdout
        );
    }
    // The variables still choose the directories.
    let state = tempfile::tempdir().unwrap();
    let run = charmbox
        .command(&["operations"])
        .env("CHARMBOX_STATE_DIR", state.path())
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(
        state.path().join("tasks.db").is_file(),
        "the variable's directory is used"
    );
}
