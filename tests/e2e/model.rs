//! The local model through the binary: a charm built against contract
//! 0.2.0 (`examples/juju-probe`, whose `run-steps` makes the calls it is
//! given) reaches config, leadership, status, the
//! debug log, its state, relations, secrets and ports under `charmbox
//! run`; the operator sets the model up and reads it back with `config`,
//! `set-leader`, `integrate`, `add-secret`, `grant-secret`, `status`,
//! `show-unit`, `secrets` and `debug-log`; the model survives its
//! processes and a kill -9, and two processes on one unit serialise.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{example_charm_dir, kill_group, Charmbox, Run};

/// The probe's charm directory, built once per test process.
fn probe() -> tempfile::TempDir {
    example_charm_dir("juju-probe")
}

/// What each step of a `run-steps` run returned, from its `outcomes`.
fn outcomes(run: &Run, unit: &str) -> Vec<Value> {
    let task = run.task(unit);
    let out = task["results"]["outcomes"]
        .as_str()
        .unwrap_or_else(|| panic!("no out in {task:#}"));
    serde_json::from_str::<Vec<Value>>(out).unwrap()
}

/// The one value a step returned, panicking on its error.
fn ok(outcome: &Value) -> &Value {
    outcome
        .get("ok")
        .unwrap_or_else(|| panic!("the step failed: {outcome}"))
}

/// The error a step returned.
fn err(outcome: &Value) -> &str {
    outcome["err"]
        .as_str()
        .unwrap_or_else(|| panic!("the step did not fail: {outcome}"))
}

/// Runs the probe's `run-steps` with `steps`, ending as `then` says, on
/// `unit`.
fn run_steps(charmbox: &Charmbox, charm: &Path, unit: &str, steps: Value, then: &str) -> Run {
    let file = charmbox
        .state_dir()
        .join(format!("steps-{}.json", unique()));
    std::fs::write(&file, json!({"steps": steps, "then": then}).to_string()).unwrap();
    charmbox.run(
        charm,
        "run-steps",
        &["--params", file.to_str().unwrap(), "--unit", unit],
    )
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn show_unit(charmbox: &Charmbox, unit: &str) -> Value {
    let run = charmbox.cmd(&["show-unit", unit, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()[unit].clone()
}

fn status(charmbox: &Charmbox) -> Value {
    let run = charmbox.cmd(&["status", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

fn write_file(charmbox: &Charmbox, name: &str, text: &str) -> PathBuf {
    let path = charmbox.state_dir().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_run_reaches_every_interface_and_the_cli_shows_what_it_changed() {
    let charm = probe();
    let charmbox = Charmbox::new();
    let run = run_steps(
        &charmbox,
        charm.path(),
        "juju-probe/0",
        json!([
            {"call": "context"},
            {"call": "config-get"},
            {"call": "is-leader"},
            {"call": "status-set", "status": "active", "message": "ready"},
            {"call": "status-set", "status": "active", "message": "all ready", "application": true},
            {"call": "application-version-set", "version": "1.2.3"},
            {"call": "juju-log", "level": "warning", "message": "hello from the probe"},
            {"call": "state-set", "pairs": [["seen", "yes"]]},
            {"call": "state-get", "key": "seen"},
            {"call": "open-port", "protocol": "tcp", "from": 80, "to": 80},
            {"call": "open-port", "protocol": "udp", "from": 1000, "to": 2000},
            {"call": "opened-ports"},
            {"call": "relation-ids", "endpoint": "cluster"},
        ]),
        "complete",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = outcomes(&run, "juju-probe/0");
    assert_eq!(ok(&out[0])["unit"], "juju-probe/0");
    assert_eq!(ok(&out[1]), &json!({"port": 8080, "ratio": 0.5}));
    // The first unit of a new application leads it.
    assert_eq!(ok(&out[2]), true);
    // The run reads its own pending writes.
    assert_eq!(ok(&out[8]), "yes");
    assert_eq!(ok(&out[11]), &json!([["tcp", 80, 80], ["udp", 1000, 2000]]));
    // The peer relation Juju makes for the charm's peer endpoint.
    assert_eq!(ok(&out[12]), &json!(["cluster:0"]));

    let unit = show_unit(&charmbox, "juju-probe/0");
    assert_eq!(unit["leader"], true);
    assert_eq!(unit["workload-version"], "1.2.3");
    assert_eq!(unit["workload-status"]["current"], "active");
    assert_eq!(unit["workload-status"]["message"], "ready");
    assert_eq!(unit["opened-ports"], json!(["80/tcp", "1000-2000/udp"]));
    assert_eq!(unit["unit-state"], json!({"seen": "yes"}));
    let status_json = status(&charmbox);
    let app = &status_json["applications"]["juju-probe"];
    assert_eq!(app["application-status"]["message"], "all ready");
    assert_eq!(app["version"], "1.2.3");
    assert_eq!(app["units"]["juju-probe/0"]["leader"], true);

    let table = charmbox.cmd(&["status"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(
        table
            .stdout
            // No hook has run on it: its last hook is blank.
            .contains("juju-probe/0*  active    idle   80/tcp 1000-2000/udp             ready"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains("juju-probe  1.2.3    active  1      juju-probe  all ready"),
        "{}",
        table.stdout
    );

    let log = charmbox.cmd(&["debug-log", "--include", "juju-probe/0"]);
    assert_eq!(log.code, 0, "{}", log.stderr);
    assert!(
        log.stdout
            .contains("WARNING unit.juju-probe/0.juju-log hello from the probe"),
        "{}",
        log.stdout
    );
}

#[test]
fn config_set_from_the_cli_is_what_the_charm_reads_and_bad_values_are_refused() {
    let charm = probe();
    let charmbox = Charmbox::new();
    let read = |charmbox: &Charmbox| {
        let run = run_steps(
            charmbox,
            charm.path(),
            "juju-probe/0",
            json!([{"call": "config-get"}]),
            "complete",
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        ok(&outcomes(&run, "juju-probe/0")[0]).clone()
    };
    // Before the application's first run, there is nothing to configure.
    let early = charmbox.cmd(&["config", "juju-probe", "port=1"]);
    assert_eq!(early.code, 2);
    assert!(
        early
            .stderr
            .contains(r#"application "juju-probe" not found"#),
        "{}",
        early.stderr
    );
    read(&charmbox);

    let set = charmbox.cmd(&["config", "juju-probe", "port=9000", "debug=True", "ratio=2"]);
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert_eq!(
        read(&charmbox),
        json!({"port": 9000, "ratio": 2, "debug": true})
    );
    let one = charmbox.cmd(&["config", "juju-probe", "port"]);
    assert_eq!(one.stdout, "9000\n");
    let all = charmbox.cmd(&["config", "juju-probe", "--format", "json"]);
    assert_eq!(all.json()["settings"]["port"]["source"], "user");
    assert_eq!(all.json()["settings"]["user"]["source"], "unset");

    for (args, expected) in [
        (vec!["port=abc"], r#"option "port" expected int, got "abc""#),
        (
            vec!["debug=yes"],
            r#"option "debug" expected boolean, got "yes""#,
        ),
        (vec!["nope=1"], r#"unknown option "nope""#),
        (
            vec!["password=hunter2"],
            r#"option "password" expected secret, got "hunter2""#,
        ),
        (
            vec!["port=1", "port=2"],
            r#"key "port" specified more than once"#,
        ),
    ] {
        let mut all = vec!["config", "juju-probe"];
        all.extend(args.iter());
        let refused = charmbox.cmd(&all);
        assert_eq!(refused.code, 2, "{args:?}");
        assert!(
            refused.stderr.contains(expected),
            "{args:?}: {}",
            refused.stderr
        );
    }
    // Nothing refused was set.
    assert_eq!(read(&charmbox)["port"], 9000);
    let reset = charmbox.cmd(&["config", "juju-probe", "--reset", "port,debug"]);
    assert_eq!(reset.code, 0, "{}", reset.stderr);
    assert_eq!(read(&charmbox), json!({"port": 8080, "ratio": 2}));
}

#[test]
fn a_relation_to_a_stand_in_carries_every_bag_and_leadership_gates_the_applications() {
    let charm = probe();
    let charmbox = Charmbox::new();
    let first = charmbox.run(charm.path(), "run-steps", &["--num-units", "2", "steps=[]"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let remote = write_file(
        &charmbox,
        "mysql.yaml",
        "application: mysql\nendpoint: database\napplication-data: {database: probe}\n\
         units:\n  mysql/0: {host: 10.0.0.10}\n  mysql/1: {host: 10.0.0.11}\n",
    );
    let added = charmbox.cmd(&[
        "integrate",
        "juju-probe:db",
        "--remote",
        remote.to_str().unwrap(),
    ]);
    assert_eq!(added.code, 0, "{}", added.stderr);
    // Then the hooks it fired on the local side (tests/e2e/hooks.rs).
    assert_eq!(
        added.stdout.lines().next(),
        Some("Added relation 1 (juju-probe:db mysql:database)")
    );
    let again = charmbox.cmd(&[
        "integrate",
        "juju-probe:db",
        "--remote",
        remote.to_str().unwrap(),
    ]);
    assert_eq!(again.code, 2);
    assert!(
        again
            .stderr
            .contains("relation juju-probe:db mysql:database already exists"),
        "{}",
        again.stderr
    );

    let leader = run_steps(
        &charmbox,
        charm.path(),
        "juju-probe/0",
        json!([
            {"call": "relation-list", "relation": 1},
            {"call": "relation-get", "relation": 1, "member": "mysql/1"},
            {"call": "relation-get", "relation": 1, "member": "mysql", "app": true},
            {"call": "relation-set", "relation": 1, "pairs": [["user", "probe"]]},
            {"call": "relation-set", "relation": 1, "app": true, "pairs": [["secret-user", "admin"]]},
            {"call": "relation-set", "relation": 0, "app": true, "pairs": [["token", "t"]]},
        ]),
        "complete",
    );
    assert_eq!(leader.code, 0, "{}", leader.stderr);
    let out = outcomes(&leader, "juju-probe/0");
    assert_eq!(ok(&out[0]), &json!(["mysql/0", "mysql/1"]));
    assert_eq!(ok(&out[1]), &json!([["host", "10.0.0.11"]]));
    assert_eq!(ok(&out[2]), &json!([["database", "probe"]]));

    let follower = run_steps(
        &charmbox,
        charm.path(),
        "juju-probe/1",
        json!([
            {"call": "is-leader"},
            {"call": "relation-set", "relation": 1, "app": true, "pairs": [["x", "y"]]},
            {"call": "relation-get", "relation": 1, "member": "juju-probe", "app": true},
            {"call": "relation-get", "relation": 0, "member": "juju-probe", "app": true},
            {"call": "status-set", "status": "active", "message": "x", "application": true},
            {"call": "relation-get", "relation": 1, "member": "juju-probe/0"},
        ]),
        "complete",
    );
    let out = outcomes(&follower, "juju-probe/1");
    assert_eq!(ok(&out[0]), false);
    assert_eq!(err(&out[1]), "cannot write relation settings");
    assert_eq!(err(&out[2]), "permission denied");
    assert_eq!(ok(&out[3]), &json!([["token", "t"]]));
    assert_eq!(err(&out[4]), "this unit is not the leader");
    assert_eq!(ok(&out[5]), &json!([["user", "probe"]]));

    // Leadership moves; the new leader writes the application's bag.
    let moved = charmbox.cmd(&["set-leader", "juju-probe/1"]);
    assert_eq!(moved.code, 0, "{}", moved.stderr);
    // `app/leader` is the model's leader now, not unit 0.
    let by_leader = run_steps(
        &charmbox,
        charm.path(),
        "juju-probe/leader",
        json!([{"call": "is-leader"}]),
        "complete",
    );
    assert_eq!(ok(&outcomes(&by_leader, "juju-probe/1")[0]), true);
    let now_leader = run_steps(
        &charmbox,
        charm.path(),
        "juju-probe/1",
        json!([{"call": "relation-set", "relation": 1, "app": true, "pairs": [["secret-user", "root"]]}]),
        "complete",
    );
    assert!(ok(&outcomes(&now_leader, "juju-probe/1")[0]).is_null());

    let unit = show_unit(&charmbox, "juju-probe/0");
    assert_eq!(unit["leader"], false);
    let db = unit["relation-info"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["endpoint"] == "db")
        .unwrap()
        .clone();
    assert_eq!(db["related-endpoint"], "database");
    assert_eq!(db["application-data"], json!({"database": "probe"}));
    assert_eq!(db["local-application-data"], json!({"secret-user": "root"}));
    assert_eq!(db["local-unit"]["data"], json!({"user": "probe"}));
    assert_eq!(
        db["related-units"]["mysql/0"]["data"],
        json!({"host": "10.0.0.10"})
    );
    let status_json = status(&charmbox);
    assert_eq!(
        status_json["application-endpoints"]["mysql"]["units"],
        json!(["mysql/0", "mysql/1"])
    );
    assert_eq!(
        status_json["applications"]["juju-probe"]["units"]["juju-probe/1"]["leader"],
        true
    );
}

#[test]
fn secrets_from_the_operator_and_the_charm_are_read_tracked_and_shown() {
    let charm = probe();
    let charmbox = Charmbox::new();
    assert_eq!(
        charmbox.run(charm.path(), "run-steps", &["steps=[]"]).code,
        0
    );
    let added = charmbox.cmd(&[
        "add-secret",
        "api-token",
        "token=s3cret",
        "--info",
        "for the probe",
    ]);
    assert_eq!(added.code, 0, "{}", added.stderr);
    let uri = added.stdout.trim().to_owned();
    assert!(uri.starts_with("secret:"), "{uri}");

    let read = |charmbox: &Charmbox| {
        run_steps(
            charmbox,
            charm.path(),
            "juju-probe/0",
            json!([{"call": "secret-get", "id": uri, "set-label": "token"}]),
            "complete",
        )
    };
    assert_eq!(
        err(&outcomes(&read(&charmbox), "juju-probe/0")[0]),
        "permission denied"
    );
    let granted = charmbox.cmd(&["grant-secret", "api-token", "juju-probe"]);
    assert_eq!(granted.code, 0, "{}", granted.stderr);
    assert_eq!(
        ok(&outcomes(&read(&charmbox), "juju-probe/0")[0]),
        &json!([["token", "s3cret"]])
    );

    // The charm makes a secret, revises it, and reads it by label.
    let made = run_steps(
        &charmbox,
        charm.path(),
        "juju-probe/0",
        json!([
            {"call": "secret-add", "content": [["password", "one"]], "new-label": "admin"},
            {"call": "secret-get", "label": "token"},
        ]),
        "complete",
    );
    let out = outcomes(&made, "juju-probe/0");
    let secret_uri = ok(&out[0]).as_str().unwrap().to_owned();
    assert_eq!(ok(&out[1]), &json!([["token", "s3cret"]]));
    let revised = run_steps(
        &charmbox,
        charm.path(),
        "juju-probe/0",
        json!([
            {"call": "secret-get", "label": "admin"},
            {"call": "secret-set", "label": "admin", "content": [["password", "two"]]},
            {"call": "secret-get", "label": "admin"},
            {"call": "secret-get", "id": secret_uri, "mode": "peek"},
            {"call": "secret-info-get", "label": "admin"},
        ]),
        "complete",
    );
    let out = outcomes(&revised, "juju-probe/0");
    assert_eq!(ok(&out[0]), &json!([["password", "one"]]));
    // Tracked reads keep revision 1 until a refresh; peek sees the new one.
    assert_eq!(ok(&out[2]), &json!([["password", "one"]]));
    assert_eq!(ok(&out[3]), &json!([["password", "two"]]));
    assert_eq!(
        ok(&out[4])["revision"],
        1,
        "revision 2 is made when the run commits"
    );

    let shown = charmbox.cmd(&["show-secret", "admin", "--reveal", "--format", "json"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let secret = &shown.json()[&secret_uri];
    assert_eq!(secret["revision"], 2);
    assert_eq!(secret["content"], json!({"password": "two"}));
    assert_eq!(secret["consumers"]["juju-probe/0"]["revision"], 1);
    let listed = charmbox.cmd(&["secrets"]);
    assert!(
        listed.stdout.contains("api-token  <model>"),
        "{}",
        listed.stdout
    );
    let unknown = charmbox.cmd(&["grant-secret", "nope", "juju-probe"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains(r#"secret "nope" not found"#),
        "{}",
        unknown.stderr
    );
    let not_shown = charmbox.cmd(&["show-secret", "nope"]);
    assert_eq!(not_shown.code, 2);
    assert!(
        not_shown
            .stderr
            .contains(r#"secret "nope" not found: `charmbox secrets` lists"#),
        "{}",
        not_shown.stderr
    );

    // Revoked, the operator's secret is out of the charm's reach again.
    let revoked = charmbox.cmd(&["revoke-secret", "api-token", "juju-probe"]);
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    assert_eq!(
        err(&outcomes(&read(&charmbox), "juju-probe/0")[0]),
        "permission denied"
    );
}

#[test]
fn a_failed_run_keeps_what_takes_effect_at_once_and_drops_the_rest() {
    let charm = probe();
    let charmbox = Charmbox::new();
    let failed = run_steps(
        &charmbox,
        charm.path(),
        "juju-probe/0",
        json!([
            {"call": "status-set", "status": "blocked", "message": "about to fail"},
            {"call": "juju-log", "level": "info", "message": "failing"},
            {"call": "state-set", "pairs": [["dropped", "yes"]]},
            {"call": "open-port", "protocol": "tcp", "from": 443, "to": 443},
            {"call": "secret-add", "content": [["password", "never"]], "owner-unit": true},
        ]),
        "error",
    );
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert_eq!(failed.task("juju-probe/0")["status"], "failed");
    let unit = show_unit(&charmbox, "juju-probe/0");
    assert_eq!(unit["workload-status"]["message"], "about to fail");
    assert_eq!(unit["unit-state"], json!({}));
    assert_eq!(unit["opened-ports"], json!([]));
    let secrets = charmbox.cmd(&["secrets"]);
    assert_eq!(secrets.stdout, "No secrets to display.\n");
    assert!(charmbox.cmd(&["debug-log"]).stdout.contains("failing"));
}

#[test]
fn the_model_survives_a_kill_9_and_keeps_only_what_was_committed() {
    let charm = probe();
    let charmbox = Charmbox::new();
    let before = run_steps(
        &charmbox,
        charm.path(),
        "juju-probe/0",
        json!([{"call": "state-set", "pairs": [["committed", "yes"]]}]),
        "complete",
    );
    assert_eq!(before.code, 0, "{}", before.stderr);
    let steps = charmbox.state_dir().join("sleep.json");
    std::fs::write(
        &steps,
        json!({
            "steps": [
                {"call": "state-set", "pairs": [["pending", "yes"]]},
                {"call": "status-set", "status": "maintenance", "message": "sleeping"},
            ],
            "then": "sleep",
            "sleep-ms": 60_000,
        })
        .to_string(),
    )
    .unwrap();
    let mut child = charmbox.spawn(&[
        "run",
        charm.path().to_str().unwrap(),
        "run-steps",
        "--params",
        steps.to_str().unwrap(),
    ]);
    // status-set takes effect at once: another process sees the run asleep.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let unit = show_unit(&charmbox, "juju-probe/0");
        if unit["workload-status"]["message"] == "sleeping" {
            break;
        }
        assert!(Instant::now() < deadline, "the run never started: {unit:#}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // SIGKILL to the waiting process and the one running the task: nothing
    // of the run's own runs after this.
    kill_group(&mut child);

    let unit = show_unit(&charmbox, "juju-probe/0");
    assert_eq!(unit["unit-state"], json!({"committed": "yes"}));
    assert_eq!(unit["workload-status"]["current"], "maintenance");
    // The model still takes changes, and the killed task is aborted.
    let after = run_steps(
        &charmbox,
        charm.path(),
        "juju-probe/0",
        json!([{"call": "state-list"}]),
        "complete",
    );
    assert_eq!(
        ok(&outcomes(&after, "juju-probe/0")[0]),
        &json!([["committed", "yes"]])
    );
    let operations = charmbox.cmd(&["operations", "--format", "json"]);
    assert!(
        operations.stdout.contains("aborted"),
        "{}",
        operations.stdout
    );
}

#[test]
fn two_processes_changing_one_unit_serialise() {
    let charm = probe();
    let charmbox = Charmbox::new();
    assert_eq!(
        charmbox.run(charm.path(), "run-steps", &["steps=[]"]).code,
        0
    );
    let steps = charmbox.state_dir().join("increment.json");
    std::fs::write(
        &steps,
        json!({"steps": [{"call": "increment", "wait-ms": 500}]}).to_string(),
    )
    .unwrap();
    let spawn = || {
        charmbox
            .command(&[
                "run",
                charm.path().to_str().unwrap(),
                "run-steps",
                "--params",
                steps.to_str().unwrap(),
                "--format",
                "json",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Each reads the counter, waits, and writes it plus one: were the runs
    // not one after the other, both would write 1.
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let unit = show_unit(&charmbox, "juju-probe/0");
    assert_eq!(unit["unit-state"], json!({"counter": "2"}));
}
