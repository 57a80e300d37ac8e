//! `juju run`'s and its companions' behaviours, through the binary and
//! across processes: cancelling a running task from a second process,
//! watching a running task's log from a second process, `run --wait`,
//! `--utc`, `plain`, `app/leader`, `show-operation`, `operations` filters
//! and paging, `show-action`, `actions` on a bare component, and YAML 1.1
//! typing of `key=value`.

use std::io::{BufRead as _, BufReader};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{finished, kill_group, log_messages, Charmbox};
use crate::wat_charm::WatCharm;

const TICKER_YAML: &str = "name: ticker
type: charm
actions:
  tick:
    description: Logs a tick every 200 ms.
    params:
      ticks:
        type: integer
        description: How many ticks (0 for ever).
        default: 5
        minimum: 0
  echo:
    description: Echoes its params.
    params:
      admin:
        type: boolean
      count:
        type: integer
      name:
        type: string
        description: Who.
        default: world
    additionalProperties: true
  fail-quietly:
    description: Fails without a message.
";

/// A charm directory with the ticker charm's metadata and component.
fn ticker_charm() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("charmcraft.yaml"), TICKER_YAML).unwrap();
    WatCharm::echoing(["echo"])
        .ticker("tick")
        .fail_quietly("fail-quietly")
        .write_to(dir.path());
    dir
}

/// A task as `show-task ID --format json` prints it.
fn show(charmbox: &Charmbox, id: &str) -> Value {
    let run = charmbox.cmd(&["show-task", id, "--format", "json", "--utc"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

/// Waits (within minutes, as a bound) until `ready` holds for task `id`.
fn wait_for(charmbox: &Charmbox, id: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let run = charmbox.cmd(&["show-task", id, "--format", "json", "--utc"]);
        if run.code == 0 && ready(&run.json()) {
            return run.json();
        }
        assert!(
            Instant::now() < deadline,
            "task {id}: {}{}",
            run.stdout,
            run.stderr
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_running_task_is_cancelled_from_another_process_keeping_its_results_and_log() {
    let charm = ticker_charm();
    let charmbox = Charmbox::new();
    let path = charm.path().to_str().unwrap();
    // Ticks for ever, in a process of its own.
    let runner = charmbox.spawn(&["run", path, "tick", "ticks=0", "--format", "json", "--utc"]);
    let before = wait_for(&charmbox, "2", |t| log_messages(t).len() >= 2);
    assert_eq!(before["status"], "running", "{before:#}");
    println!("before cancel-task 2:\n{before:#}");

    let cancel = charmbox.cmd(&["cancel-task", "2"]);
    assert_eq!(cancel.code, 0, "{}", cancel.stderr);
    let printed: Value = serde_norway::from_str(&cancel.stdout).unwrap();
    println!("cancel-task 2:\n{}", cancel.stdout);
    let item = &printed["actions"][0];
    assert_eq!(item["id"], "2");
    assert_eq!(item["action"], "tick");
    assert_eq!(item["unit"], "ticker/0");
    assert!(
        item["status"] == "aborting" || item["status"] == "aborted",
        "{printed}"
    );

    // The run stops at its next epoch tick; its process reports it.
    let run = finished(runner);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let task = run.task("ticker/0");
    assert_eq!(task["status"], "aborted", "{task:#}");
    let after = show(&charmbox, "2");
    println!("after:\n{after:#}");
    assert_eq!(after["status"], "aborted");
    assert!(
        after["message"].as_str().unwrap().contains("cancelled"),
        "{after:#}"
    );
    // What it reported before it was stopped is kept.
    assert_eq!(after["results"]["started"], "yes");
    let log = log_messages(&after);
    assert!(
        log.len() >= 2 && log[..2] == ["tick 1", "tick 2"],
        "{log:?}"
    );
    assert!(after["timing"]["completed"].is_string());
    // A finished task cannot be cancelled.
    let again = charmbox.cmd(&["cancel-task", "2"]);
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .contains("task: 2, error: it has already finished (aborted)"),
        "{}",
        again.stderr
    );
}

#[test]
fn a_pending_task_is_cancelled_and_never_runs() {
    let charm = ticker_charm();
    let charmbox = Charmbox::new();
    let path = charm.path().to_str().unwrap();
    let mut first = charmbox.spawn(&["run", path, "tick", "ticks=0"]);
    wait_for(&charmbox, "2", |t| t["status"] == "running");
    // A second run on the unit waits for it, pending.
    let second = charmbox.spawn(&["run", path, "echo", "--format", "json"]);
    wait_for(&charmbox, "4", |t| t["status"] == "pending");
    let cancel = charmbox.cmd(&["cancel-task", "4", "--format", "json"]);
    assert_eq!(cancel.code, 0, "{}", cancel.stderr);
    assert_eq!(cancel.json()["actions"][0]["status"], "cancelled");
    let task = show(&charmbox, "4");
    assert_eq!(task["status"], "cancelled");
    assert_eq!(task["message"], "action cancelled via the API");
    // The first ends; the second never runs its task.
    assert_eq!(charmbox.cmd(&["cancel-task", "2"]).code, 0);
    let run = finished(second);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.task("ticker/0")["status"], "cancelled");
    assert_eq!(show(&charmbox, "4")["results"], json!({}), "it never ran");
    kill_group(&mut first);
}

#[test]
fn a_running_tasks_log_is_watched_line_by_line_from_another_process() {
    let charm = ticker_charm();
    let charmbox = Charmbox::new();
    let path = charm.path().to_str().unwrap();
    let runner = charmbox.spawn(&["run", path, "tick", "ticks=5"]);
    wait_for(&charmbox, "2", |t| t["status"] == "running");
    let mut watcher = charmbox.spawn(&["show-task", "2", "--watch", "--utc"]);
    let stderr = BufReader::new(watcher.stderr.take().unwrap());
    let mut seen = Vec::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        if line.is_empty() {
            break;
        }
        // `HH:MM:SS tick N`, shown while the task still runs: when the
        // first line arrives, the task has not logged them all.
        let message = line.split_once(' ').map(|(_, m)| m.to_owned()).unwrap();
        if seen.is_empty() {
            let now = show(&charmbox, "2");
            assert_eq!(now["status"], "running", "{now:#}");
            assert!(log_messages(&now).len() < 5, "{now:#}");
        }
        println!("watched: {line}");
        seen.push(message);
    }
    assert_eq!(seen, ["tick 1", "tick 2", "tick 3", "tick 4", "tick 5"]);
    // Then the result, as plain output.
    let watched = finished(watcher);
    assert_eq!(watched.code, 0, "{}", watched.stderr);
    // As Juju's yaml.v2 writes them: strings YAML 1.1 would read as a
    // boolean or a number are quoted.
    assert_eq!(watched.stdout, "started: \"yes\"\nticked: \"5\"\n\n");
    assert_eq!(finished(runner).code, 0);
}

#[test]
fn run_waits_as_juju_and_says_so_when_the_wait_ends_first() {
    let charm = ticker_charm();
    let charmbox = Charmbox::new();
    let path = charm.path().to_str().unwrap();
    let started = Instant::now();
    let run = charmbox.cmd(&["run", path, "tick", "ticks=0", "--wait", "1s"]);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "it did not wait for ever"
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: timed out waiting for results from: unit ticker/0"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("charmbox show-task 2 --watch"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
    // The task goes on after the wait.
    let task = wait_for(&charmbox, "2", |t| log_messages(t).len() >= 2);
    assert_eq!(task["status"], "running");
    assert_eq!(charmbox.cmd(&["cancel-task", "2"]).code, 0);
    wait_for(&charmbox, "2", |t| t["status"] == "aborted");
    // A run that ends within its wait prints as usual.
    let run = charmbox.cmd(&["run", path, "tick", "ticks=1", "--wait", "2m"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("ticked: \"1\""), "{}", run.stdout);
    let both = charmbox.cmd(&["run", path, "tick", "--wait", "1s", "--background"]);
    assert_eq!(both.code, 2);
}

#[test]
fn a_ctrl_c_once_the_operation_is_recorded_ends_only_the_waiting() {
    let charm = ticker_charm();
    let charmbox = Charmbox::new();
    let path = charm.path().to_str().unwrap();
    let mut run = charmbox.spawn(&["run", path, "tick", "ticks=0", "--wait", "10m"]);
    wait_for(&charmbox, "2", |t| !log_messages(t).is_empty());
    let group = i32::try_from(run.id()).expect("a pid");
    // SAFETY: sends a terminal's Ctrl-C to the group this test started.
    unsafe { libc::kill(-group, libc::SIGINT) };
    let started = Instant::now();
    let status = run.wait().expect("the run ends");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the Ctrl-C did not end the waiting"
    );
    assert!(!status.success(), "{status:?}");
    // The task goes on after the waiting: its log still grows.
    let ticks = log_messages(&wait_for(&charmbox, "2", |_| true)).len();
    let task = wait_for(&charmbox, "2", |t| log_messages(t).len() > ticks);
    assert_eq!(task["status"], "running", "{task:#}");
    assert_eq!(charmbox.cmd(&["cancel-task", "2"]).code, 0);
    wait_for(&charmbox, "2", |t| t["status"] == "aborted");
}

#[test]
fn times_are_local_unless_utc_is_asked_for() {
    let charm = ticker_charm();
    let charmbox = Charmbox::new();
    let path = charm.path().to_str().unwrap();
    let run_in = |extra: &[&str]| -> Value {
        let mut args = vec!["run", path, "echo", "--format", "json"];
        args.extend_from_slice(extra);
        // A zone written out, so no zone database is needed.
        let output = charmbox.command(&args).env("TZ", "JST-9").output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<Value>(&output.stdout).unwrap()["ticker/0"].clone()
    };
    let local = run_in(&[]);
    let enqueued = local["timing"]["enqueued"].as_str().unwrap();
    assert!(enqueued.ends_with(" +0900 JST"), "{enqueued}");
    assert!(local["log"][0]
        .as_str()
        .unwrap()
        .contains(" +0900 JST ran echo"));
    let utc = run_in(&["--utc"]);
    assert!(utc["timing"]["enqueued"]
        .as_str()
        .unwrap()
        .ends_with(" +0000 UTC"));
}

#[test]
fn leader_syntax_names_unit_zero_and_plain_shows_several_units_as_yaml() {
    let charm = ticker_charm();
    let charmbox = Charmbox::new();
    let path = charm.path().to_str().unwrap();
    let run = charmbox.run(charm.path(), "echo", &["--unit", "ticker/leader"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.task("ticker/0")["unit"], "ticker/0");
    let bad = charmbox.cmd(&["run", path, "echo", "--unit", "Ticker/leader"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("invalid unit name"), "{}", bad.stderr);

    let plain = charmbox.cmd(&["run", path, "echo", "--num-units", "2"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let yaml: Value = serde_norway::from_str(&plain.stdout).unwrap();
    assert_eq!(yaml["ticker/1"]["status"], "completed");
    assert_eq!(yaml["ticker/1"]["id"], "5");
    assert!(
        yaml["ticker/1"]["output"]
            .as_str()
            .unwrap()
            .starts_with("params: "),
        "{yaml}"
    );
}

#[test]
fn an_empty_failure_message_is_jujus() {
    let charm = ticker_charm();
    let charmbox = Charmbox::new();
    let run = charmbox.run(charm.path(), "fail-quietly", &[]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.task("ticker/0")["message"],
        "action failed without reason given, check action for errors"
    );
}

#[test]
fn show_operation_shows_the_operation_and_waits_for_it() {
    let charm = ticker_charm();
    let charmbox = Charmbox::new();
    let path = charm.path().to_str().unwrap();
    let run = charmbox.cmd(&[
        "run",
        path,
        "tick",
        "ticks=2",
        "--num-units",
        "2",
        "--background",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("Scheduled operation 1 with 2 tasks\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("charmbox show-operation 1"),
        "{}",
        run.stdout
    );
    let now = charmbox.cmd(&["show-operation", "1", "--format", "json"]);
    assert_eq!(now.code, 0, "{}", now.stderr);
    assert!(["pending", "running"].contains(&now.json()["status"].as_str().unwrap()));
    let short = charmbox.cmd(&["show-operation", "1", "--wait", "1ms"]);
    assert_eq!(short.code, 2, "{}", short.stdout);
    assert!(short.stderr.contains("timeout reached"), "{}", short.stderr);
    let done = charmbox.cmd(&["show-operation", "1", "--watch", "--format", "json"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let op = done.json();
    assert_eq!(op["status"], "completed");
    assert_eq!(op["summary"], "tick run on unit-ticker-0,unit-ticker-1");
    assert_eq!(
        op["action"],
        json!({"name": "tick", "parameters": {"ticks": 2}})
    );
    assert_eq!(op["tasks"]["2"]["host"], "ticker/0");
    assert_eq!(op["tasks"]["3"]["results"]["ticked"], "2");
    assert!(op["timing"]["completed"].is_string());
    let missing = charmbox.cmd(&["show-operation", "99"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("operation 99 not found"));
}

#[test]
fn operations_filter_and_page_as_juju() {
    let charm = ticker_charm();
    let charmbox = Charmbox::new();
    let path = charm.path().to_str().unwrap();
    for args in [
        vec!["echo"],
        vec!["fail-quietly", "--unit", "other/0"],
        vec!["tick", "ticks=1", "--unit", "ticker/1"],
        vec!["echo", "--unit", "other/1"],
    ] {
        let mut all = vec!["run", path];
        all.extend(args);
        charmbox.cmd(&all);
    }
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["operations", "--format", "json"];
        all.extend_from_slice(args);
        let run = charmbox.cmd(&all);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.json().as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(ids(&[]), ["1", "3", "5", "7"]);
    assert_eq!(ids(&["--actions", "echo,tick"]), ["1", "5", "7"]);
    assert_eq!(ids(&["--apps", "other"]), ["3", "7"]);
    assert_eq!(ids(&["--units", "ticker/1,other/0"]), ["3", "5"]);
    assert_eq!(ids(&["--status", "failed,cancelled"]), ["3"]);
    assert_eq!(ids(&["--apps", "other", "--actions", "echo"]), ["7"]);

    let table = charmbox.cmd(&["operations", "--limit", "2"]);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines[0], "Displaying operation results 1 to 2.");
    assert_eq!(
        lines[1],
        "Run the command again with --offset=2 --limit=2 to see the next batch."
    );
    assert_eq!(lines[2], "");
    assert!(lines[3].starts_with("ID Status"), "{}", table.stdout);
    assert!(lines[4].starts_with(" 1 completed"), "{}", table.stdout);
    assert!(
        lines[4].ends_with(" 2        echo run on unit-ticker-0"),
        "{}",
        table.stdout
    );
    let last = charmbox.cmd(&["operations", "--limit", "2", "--offset", "2"]);
    let lines: Vec<&str> = last.stdout.lines().collect();
    assert_eq!(lines[0], "Displaying operation results 3 to 4.");
    assert!(lines[1].starts_with("ID "), "{}", last.stdout);
    let none = charmbox.cmd(&["operations", "--actions", "nothing"]);
    assert_eq!((none.code, none.stdout.as_str()), (0, ""));
    assert!(none.stderr.contains("no matching operations"));
}

#[test]
fn show_action_and_actions_of_a_bare_component() {
    let charm = ticker_charm();
    let charmbox = Charmbox::new();
    let path = charm.path().to_str().unwrap();
    let shown = charmbox.cmd(&["show-action", path, "echo"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert_eq!(
        shown.stdout,
        "Echoes its params.\n\nArguments\nadmin:\n  type: boolean\n  description: null\ncount:\n  \
         type: integer\n  description: null\nname:\n  type: string\n  description: Who.\n  \
         default: world\n\n"
    );
    let unknown = charmbox.cmd(&["show-action", path, "nope"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("unknown action \"nope\""),
        "{}",
        unknown.stderr
    );
    // An application that has run here stands for its charm.
    assert_eq!(charmbox.run(charm.path(), "echo", &[]).code, 0);
    let by_app = charmbox.cmd(&["show-action", "ticker", "tick"]);
    assert!(
        by_app.stdout.starts_with("Logs a tick every 200 ms."),
        "{}",
        by_app.stderr
    );

    let bare = charm.path().join("charm.wasm");
    let listed = charmbox.cmd(&["actions", bare.to_str().unwrap()]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let names: Vec<&str> = listed
        .stdout
        .lines()
        .skip(1)
        // The actions, then a blank line and what the charm can reach.
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split(' ').next())
        .collect();
    assert_eq!(names, ["echo", "fail-quietly", "tick"]);
    assert!(listed.stdout.contains("No description"));
}

#[test]
fn key_value_is_typed_as_juju_types_it_with_yaml_1_1() {
    let charm = ticker_charm();
    let charmbox = Charmbox::new();
    let params = |args: &[&str]| -> Value {
        let run = charmbox.run(charm.path(), "echo", args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        serde_json::from_str(run.task("ticker/0")["results"]["params"].as_str().unwrap()).unwrap()
    };
    let got = params(&[
        "admin=no",
        "count=1_000",
        "extra=0x1F",
        "octal=017",
        "flag=on",
        "y=y",
    ]);
    println!("admin=no count=1_000 extra=0x1F octal=017 flag=on y=y -> {got}");
    assert_eq!(
        got,
        json!({"admin": false, "count": 1000, "extra": 31, "octal": 15, "flag": true,
               "y": true, "name": "world"})
    );
    let strings = params(&["--string-args", "name=no", "extra=017"]);
    assert_eq!(
        (&strings["name"], &strings["extra"]),
        (&json!("no"), &json!("017"))
    );
    let file = charm.path().join("params.yaml");
    std::fs::write(&file, "admin: off\ncount: 0b101\nextra: ~\n").unwrap();
    let got = params(&["--params", file.to_str().unwrap()]);
    assert_eq!(
        got,
        json!({"admin": false, "count": 5, "extra": null, "name": "world"})
    );
}
