//! Units, tasks and operations: many units at once, durable records,
//! `show-task`, `operations`, background runs, per-unit serialisation and
//! crash safety.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{example_charm_dir, example_component, kill_group, log_messages, Charmbox};

#[test]
fn one_action_on_three_units_gives_one_operation_and_a_task_each() {
    let charm = example_charm_dir("hello");
    let charmbox = Charmbox::new();
    let run = charmbox.run(
        charm.path(),
        "snapshot-database",
        &[
            "filename=db.snap",
            "--unit",
            "hello/0",
            "--unit",
            "hello/1",
            "--unit",
            "web/7",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let all = run.json();
    let units: Vec<&String> = all.as_object().unwrap().keys().collect();
    assert_eq!(units, ["hello/0", "hello/1", "web/7"]);
    let operation = &all["hello/0"]["operation"];
    let mut ids = Vec::new();
    for unit in ["hello/0", "hello/1", "web/7"] {
        let task = &all[unit];
        assert_eq!(task["status"], "completed");
        assert_eq!(&task["operation"], operation);
        assert_eq!(log_messages(task).len(), 3);
        ids.push(task["id"].as_str().unwrap().to_owned());
        // hello imports no filesystem, so no unit of it is given a data
        // directory (hostile's tests hold a unit's own `/data`).
        let dir = unit.replace('/', "-");
        assert!(!charmbox.state_dir().join("units").join(dir).exists());
        // Progress is prefixed by unit.
        assert!(
            run.stderr.contains(&format!("{unit}: step 1/3")),
            "{}",
            run.stderr
        );
    }
    ids.dedup();
    assert_eq!(ids.len(), 3, "distinct task ids");
}

#[test]
fn show_task_prints_the_stored_record() {
    let charm = example_charm_dir("hello");
    let charmbox = Charmbox::new();
    let run = charmbox.run(charm.path(), "restore-snapshot", &["filename=x.tar"]);
    assert_eq!(run.code, 1);
    let printed = run.task("hello/0");
    let id = printed["id"].as_str().unwrap();
    let show = charmbox.cmd(&["show-task", id, "--format", "json"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    let stored = show.json();
    for key in [
        "id",
        "operation",
        "unit",
        "action",
        "status",
        "message",
        "results",
        "log",
        "timing",
    ] {
        assert_eq!(stored[key], printed[key], "{key}");
    }
    assert_eq!(stored["status"], "failed");
    for key in ["enqueued", "started", "completed"] {
        assert!(stored["timing"][key].is_string(), "{key}");
    }
    let yaml = charmbox.cmd(&["show-task", id, "--format", "yaml"]);
    let yaml: Value = serde_norway::from_str(&yaml.stdout).unwrap();
    assert_eq!(yaml["unit"], "hello/0");
    // Plain by default, as Juju: the failure, then the results.
    let plain = charmbox.cmd(&["show-task", id]);
    assert_eq!(
        plain.stdout,
        format!(
            "Action id {id} failed: cannot restore x.tar: not a snapshot (expected a .snap \
             file)\nchecked:\n  filename: x.tar\n  valid: \"false\"\n\n"
        )
    );
}

#[test]
fn an_operation_id_shown_as_a_task_names_the_command_that_shows_it() {
    let charm = example_charm_dir("hello");
    let charmbox = Charmbox::new();
    let run = charmbox.run(charm.path(), "greet", &["name=Ada"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let task = run.task("hello/0");
    let (task_id, operation_id) = (
        task["id"].as_str().unwrap().to_owned(),
        task["operation"].as_str().unwrap().to_owned(),
    );
    let shown = charmbox.cmd(&["show-task", &operation_id]);
    assert_eq!(shown.code, 2, "{shown:?}");
    assert!(
        shown.stderr.contains(&format!(
            "{operation_id} is an operation, not a task: show it and its tasks with `charmbox \
             show-operation {operation_id}`"
        )),
        "{}",
        shown.stderr
    );
    let shown = charmbox.cmd(&["show-operation", &task_id]);
    assert_eq!(shown.code, 2, "{shown:?}");
    assert!(
        shown.stderr.contains(&format!(
            "{task_id} is a task, not an operation: show it with `charmbox show-task {task_id}`"
        )),
        "{}",
        shown.stderr
    );
    // What they point at works.
    assert_eq!(charmbox.cmd(&["show-operation", &operation_id]).code, 0);
    assert_eq!(charmbox.cmd(&["show-task", &task_id]).code, 0);
}

#[test]
fn an_unknown_task_is_a_clear_error() {
    let charmbox = Charmbox::new();
    let run = charmbox.cmd(&["show-task", "424242"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("task 424242 not found"),
        "{}",
        run.stderr
    );
}

#[test]
fn operations_lists_and_filters() {
    let charm = example_charm_dir("hello");
    let charmbox = Charmbox::new();
    assert_eq!(charmbox.run(charm.path(), "greet", &["name=a"]).code, 0);
    assert_eq!(
        charmbox
            .run(
                charm.path(),
                "restore-snapshot",
                &["filename=x", "--unit", "hello/1"]
            )
            .code,
        1
    );
    assert_eq!(
        charmbox
            .run(charm.path(), "greet", &["name=b", "--num-units", "2"])
            .code,
        0
    );

    let list = |args: &[&str]| -> Value {
        let mut all = vec!["operations", "--format", "json"];
        all.extend_from_slice(args);
        let run = charmbox.cmd(&all);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.json()
    };
    let everything = list(&[]);
    assert_eq!(everything.as_object().unwrap().len(), 3);
    let greets = list(&["--actions", "greet"]);
    assert_eq!(greets.as_object().unwrap().len(), 2);
    let on_unit1 = list(&["--units", "hello/1"]);
    assert_eq!(on_unit1.as_object().unwrap().len(), 2);
    let failed = list(&["--status", "failed"]);
    let failed = failed.as_object().unwrap();
    assert_eq!(failed.len(), 1);
    let (_, op) = failed.iter().next().unwrap();
    assert_eq!(op["action"]["name"], "restore-snapshot");
    assert_eq!(op["status"], "failed");
    assert_eq!(list(&["--limit", "1"]).as_object().unwrap().len(), 1);

    let table = charmbox.cmd(&["operations"]);
    assert!(table.stdout.starts_with("ID"), "{}", table.stdout);
    assert!(
        table
            .stdout
            .contains("greet run on unit-hello-0,unit-hello-1"),
        "{}",
        table.stdout
    );
    let bad = charmbox.cmd(&["operations", "--status", "done"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("\"done\" is not a valid task status, want one of pending"),
        "{}",
        bad.stderr
    );
}

#[test]
fn background_runs_return_at_once_and_show_task_waits() {
    let charm = example_charm_dir("hello");
    let charmbox = Charmbox::new();
    let run = charmbox.cmd(&[
        "run",
        charm.path().to_str().unwrap(),
        "snapshot-database",
        "filename=bg.snap",
        "--background",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let first = run.stdout.lines().next().unwrap();
    assert!(first.starts_with("Scheduled operation "), "{}", run.stdout);
    let task_id = first.rsplit(' ').next().unwrap();
    let waited = charmbox.cmd(&["show-task", task_id, "--watch", "--format", "json"]);
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    let task = waited.json();
    assert_eq!(task["status"], "completed", "{task:#}");
    assert_eq!(task["results"]["snapshot"]["filename"], "bg.snap");
    assert_eq!(log_messages(&task).len(), 3);
}

#[test]
fn two_processes_on_one_unit_run_one_after_the_other() {
    let hostile = example_component("hostile");
    let charmbox = Charmbox::new();
    let charm = hostile.to_str().unwrap();
    // The first spins with no deadline (task 2).
    let mut first = charmbox.spawn(&["run", charm, "spin", "--timeout", "0"]);
    wait_until(&charmbox, "2", "running");
    // Another unit is not held up by it (task 4 completes while 2 runs).
    let other_unit = charmbox.run(&hostile, "ok", &["--unit", "hostile/1"]);
    assert_eq!(other_unit.code, 0, "{}", other_unit.stderr);
    assert_eq!(status(&charmbox, "2"), "running");

    // A second process on the same unit (task 6) waits, pending.
    let second = charmbox
        .command(&["run", charm, "ok", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until(&charmbox, "6", "pending");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        status(&charmbox, "6"),
        "pending",
        "still waiting for the unit"
    );
    // When the first ends (its processes killed), the second runs.
    kill_group(&mut first);
    let output = second.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["hostile/0"]["results"]["ok"], "yes");
    assert_eq!(status(&charmbox, "2"), "aborted");
}

fn status(charmbox: &Charmbox, id: &str) -> String {
    let show = charmbox.cmd(&["show-task", id, "--format", "json"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    show.json()["status"].as_str().unwrap().to_owned()
}

/// Waits until task `id` has `wanted` status in the store.
fn wait_until(charmbox: &Charmbox, id: &str, wanted: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let show = charmbox.cmd(&["show-task", id, "--format", "json"]);
        if show.code == 0 && show.json()["status"] == wanted {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "task {id} never became {wanted}: {}{}",
            show.stdout,
            show.stderr
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_killed_process_leaves_a_consistent_store_and_its_task_is_aborted() {
    let hostile = example_component("hostile");
    let charmbox = Charmbox::new();
    let charm = hostile.to_str().unwrap();
    // An earlier, finished record.
    let earlier = charmbox.run(&hostile, "ok", &[]);
    assert_eq!(earlier.code, 0);
    let earlier = earlier.task("hostile/0");

    let mut victim = charmbox.spawn(&["run", charm, "spin", "--timeout", "0"]);
    wait_until(&charmbox, "4", "running");
    // SIGKILL to both: the waiting process and the one running the task.
    // `kill_group` reaps the first; the second (its child) releases its
    // claim on the task when the kernel has finished killing it, which on
    // a busy machine can be after the first is reaped: the next charmbox
    // to open the store once it is gone marks the task aborted.
    kill_group(&mut victim);
    wait_until(&charmbox, "4", "aborted");

    let show = charmbox.cmd(&["show-task", "4", "--format", "json"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    let task = show.json();
    assert_eq!(task["status"], "aborted", "{task:#}");
    assert!(
        task["message"]
            .as_str()
            .unwrap()
            .contains("stopped before it finished"),
        "{task:#}"
    );
    assert!(task["timing"]["completed"].is_string());
    let again = charmbox.cmd(&[
        "show-task",
        earlier["id"].as_str().unwrap(),
        "--format",
        "json",
    ]);
    let again = again.json();
    for key in ["status", "results", "log", "timing"] {
        assert_eq!(again[key], earlier[key], "earlier record intact: {key}");
    }
    // The unit is free again.
    assert_eq!(charmbox.run(&hostile, "ok", &[]).code, 0);
}

#[test]
fn two_hundred_units_in_one_invocation_are_all_recorded() {
    let charm = example_charm_dir("hello");
    let charmbox = Charmbox::new();
    let run = charmbox.run(charm.path(), "greet", &["name=Ada", "--num-units", "200"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let all = run.json();
    let all = all.as_object().unwrap();
    assert_eq!(all.len(), 200);
    for n in 0..200 {
        let task = &all[&format!("hello/{n}")];
        assert_eq!(task["status"], "completed");
        assert_eq!(task["results"]["greeting"]["text"], "Hello, Ada!");
    }
    let ops = charmbox.cmd(&["operations", "--format", "json"]).json();
    let (_, op) = ops.as_object().unwrap().iter().next().unwrap();
    let tasks = op["tasks"].as_object().unwrap();
    assert_eq!(tasks.len(), 200);
    assert!(tasks.values().all(|t| t["status"] == "completed"));
    for (unit, printed) in all.iter().step_by(37) {
        let stored = charmbox
            .cmd(&[
                "show-task",
                printed["id"].as_str().unwrap(),
                "--format",
                "json",
            ])
            .json();
        assert_eq!(&stored["unit"], unit);
        assert_eq!(stored["results"], printed["results"]);
    }
}
