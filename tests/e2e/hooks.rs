//! Whole charms through the binary: hooks fired by the local model
//! (`deploy`, `integrate`, `run-hook`, `resolve`), deferral, and hooks
//! under `dispatch` with the stand-in hook tools.
//!
//! `examples/password-keeper` is the real charm; `examples/juju-probe`
//! handles every hook by a script kept in its unit state under
//! `on:HOOK` (`{"steps": [...], "then": "defer"|"error"}`), which its `do`
//! action sets.

use std::path::Path;

use serde_json::{json, Value};

use crate::juju::{hook_tools_dir, packed_example, Dispatch};
use crate::support::{example_charm_dir, Charmbox, Run};

pub(crate) fn ok(run: &Run) {
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
}

/// The rows of a hook table (`deploy`, `hooks`…): unit, hook, status,
/// cause, in order.
pub(crate) fn rows(run: &Run) -> Vec<(String, String, String, String)> {
    let mut lines = run.stdout.lines();
    let header = lines.next().unwrap_or_default().to_owned();
    let column = |name: &str| {
        header
            .find(name)
            .unwrap_or_else(|| panic!("{name} in {header}"))
    };
    let (unit, hook, context, status, cause) = (
        column("Unit"),
        column("Hook"),
        column("Context"),
        column("Status"),
        column("Cause"),
    );
    lines
        .filter(|l| l.len() > cause)
        .map(|line| {
            let cell = |from: usize, to: usize| line[from..to.min(line.len())].trim().to_owned();
            (
                cell(unit, hook),
                cell(hook, context),
                cell(status, cause),
                line[cause..].trim().to_owned(),
            )
        })
        .collect()
}

/// The unit rows of tabular `status`: unit, workload, last hook, message.
pub(crate) fn unit_rows(run: &Run) -> Vec<(String, String, String, String)> {
    let text = &run.stdout;
    let start = text.find("\nUnit ").expect("a units section") + 1;
    let section = text[start..].split("\n\n").next().unwrap();
    let mut lines = section.lines();
    let header = lines.next().unwrap().to_owned();
    let column = |name: &str| header.find(name).unwrap();
    let (workload, agent, last, message) = (
        column("Workload"),
        column("Agent"),
        column("Last hook"),
        column("Message"),
    );
    lines
        .map(|line| {
            let cell = |from: usize, to: usize| line[from..to.min(line.len())].trim().to_owned();
            (
                cell(0, workload),
                cell(workload, agent),
                cell(last, message),
                line.get(message..).unwrap_or_default().trim().to_owned(),
            )
        })
        .collect()
}

pub(crate) fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Sets the probe unit's script for `hook` (`None` removes it) through its
/// `do` action.
pub(crate) fn script(
    charmbox: &Charmbox,
    probe: &Path,
    unit: &str,
    hook: &str,
    script: Option<Value>,
) -> Run {
    let step = match script {
        Some(script) => {
            json!({"call": "state-set", "pairs": [[format!("on:{hook}"), script.to_string()]]})
        }
        None => json!({"call": "state-delete", "key": format!("on:{hook}")}),
    };
    let params = dir_file(charmbox, &json!({ "steps": [step] }));
    let run = charmbox.cmd(&[
        "run",
        arg(probe),
        "run-steps",
        "--unit",
        unit,
        "--params",
        &params,
        "--format",
        "json",
    ]);
    ok(&run);
    let outcomes = run.json()[unit]["results"]["outcomes"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(outcomes, r#"[{"ok":null}]"#, "{}", run.stdout);
    run
}

fn dir_file(charmbox: &Charmbox, value: &Value) -> String {
    let path = charmbox
        .state_dir()
        .join(format!("params-{}.json", rand_suffix()));
    std::fs::write(&path, value.to_string()).unwrap();
    path.to_str().unwrap().to_owned()
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[test]
fn deploy_fires_each_unit_s_setup_hooks_and_status_shows_them_active() {
    let charm = example_charm_dir("password-keeper");
    let charmbox = Charmbox::new();
    let run = charmbox.cmd(&["deploy", arg(charm.path()), "-n", "3"]);
    ok(&run);
    let fired = rows(&run);
    // Each unit's own setup, in Juju's order.
    for unit in [
        "password-keeper/0",
        "password-keeper/1",
        "password-keeper/2",
    ] {
        let hooks: Vec<&str> = fired
            .iter()
            .filter(|r| r.0 == unit && !r.1.contains("-relation-"))
            .map(|r| r.1.as_str())
            .collect();
        let leadership = if unit.ends_with("/0") {
            "leader-elected"
        } else {
            "leader-settings-changed"
        };
        assert_eq!(
            hooks,
            ["install", leadership, "config-changed", "start"],
            "{unit}: {}",
            run.stdout
        );
        let joined = fired
            .iter()
            .filter(|r| r.0 == unit && r.1 == "keeper-peers-relation-joined")
            .count();
        assert_eq!(joined, 2, "{unit} sees the two other units join");
    }
    assert!(fired.iter().all(|r| r.2 != "failed"), "{}", run.stdout);

    let status = charmbox.cmd(&["status"]);
    ok(&status);
    let units = unit_rows(&status);
    assert_eq!(units.len(), 3, "{}", status.stdout);
    for (unit, workload, _, message) in &units {
        assert_eq!(workload, "active", "{unit}: {}", status.stdout);
        assert_eq!(message, "keeping 3 passwords", "{unit}");
    }
    assert_eq!(units[0].0, "password-keeper/0*", "the first unit leads");

    // Deploying it again under the same name is refused, nothing fired.
    let again = charmbox.cmd(&["deploy", arg(charm.path())]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
}

#[test]
fn integrating_two_local_charms_fires_both_sides_and_their_data_changes() {
    let keeper = example_charm_dir("password-keeper");
    let probe = example_charm_dir("juju-probe");
    let charmbox = Charmbox::new();
    ok(&charmbox.cmd(&["deploy", arg(keeper.path()), "-n", "2"]));
    ok(&charmbox.cmd(&["deploy", arg(probe.path()), "client"]));
    let run = charmbox.cmd(&["integrate", "client:keeper", "password-keeper"]);
    ok(&run);
    assert!(
        run.stdout
            .starts_with("Added relation 2 (client:keeper password-keeper:database)"),
        "{}",
        run.stdout
    );
    let fired = rows(&Run {
        stdout: run.stdout.lines().skip(1).collect::<Vec<_>>().join("\n"),
        ..run
    });
    let position = |unit: &str, hook: &str| {
        fired
            .iter()
            .position(|r| r.0 == unit && r.1 == hook)
            .unwrap_or_else(|| panic!("{hook} on {unit} in {fired:#?}"))
    };
    // Created on every unit of both sides before any joins.
    let created = [
        position("client/0", "keeper-relation-created"),
        position("password-keeper/0", "database-relation-created"),
        position("password-keeper/1", "database-relation-created"),
    ];
    let first_joined = position("client/0", "keeper-relation-joined");
    assert!(created.iter().all(|c| *c < first_joined), "{fired:#?}");
    // Each joined is followed by its changed.
    assert_eq!(fired[first_joined + 1].1, "keeper-relation-changed");
    // The client wrote its unit bag when it joined: the keeper's units hear.
    let by_client = fired
        .iter()
        .filter(|r| {
            r.1 == "database-relation-changed"
                && r.3
                    .contains("written by hook \"keeper-relation-joined\" on client/0")
        })
        .count();
    assert_eq!(by_client, 2, "{fired:#?}");
    // The leader shared the secret: the client hears of the app bag.
    assert!(
        fired.iter().any(|r| r.0 == "client/0"
            && r.1 == "keeper-relation-changed"
            && r.3.starts_with("application databag of password-keeper")),
        "{fired:#?}"
    );

    let client = charmbox.cmd(&["show-unit", "client/0", "--format", "json"]);
    ok(&client);
    let client: Value = serde_json::from_str(&client.stdout).unwrap();
    let relation = client["client/0"]["relation-info"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["endpoint"] == "keeper")
        .unwrap()
        .clone();
    assert!(
        relation["application-data"]["secret-id"]
            .as_str()
            .unwrap()
            .starts_with("secret:"),
        "{relation}"
    );
    assert_eq!(relation["application-data"]["username"], "operator");
    assert_eq!(relation["local-unit"]["data"]["joined-by"], "client/0");
}

#[test]
fn a_deferred_update_status_runs_again_before_the_next_action_until_it_does_not_defer() {
    let probe = example_charm_dir("juju-probe");
    let charmbox = Charmbox::new();
    ok(&charmbox.cmd(&["deploy", arg(probe.path())]));
    script(
        &charmbox,
        probe.path(),
        "juju-probe/0",
        "update-status",
        Some(json!({"then": "defer"})),
    );
    let deferred = charmbox.cmd(&["run-hook", "juju-probe/0", "update-status"]);
    ok(&deferred);
    assert_eq!(rows(&deferred)[0].2, "deferred", "{}", deferred.stdout);

    // Still deferring: it runs before the action, and stays.
    let first = script(
        &charmbox,
        probe.path(),
        "juju-probe/0",
        "update-status",
        None,
    );
    let first_task = first.json()["juju-probe/0"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // No longer deferring: it runs before the action, and is done.
    let second = charmbox.cmd(&[
        "run",
        arg(probe.path()),
        "run-steps",
        "--unit",
        "juju-probe/0",
        "--format",
        "json",
        "--params",
        &dir_file(&charmbox, &json!({"steps": [{"call": "state-list"}]})),
    ]);
    ok(&second);
    let second_task = second.json()["juju-probe/0"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The queue is charmbox's own: the charm does not see it.
    let out = &second.json()["juju-probe/0"]["results"]["outcomes"];
    assert!(
        !out.as_str().unwrap().contains("charmbox.deferred"),
        "{out}"
    );

    let hooks = charmbox.cmd(&["hooks", "juju-probe/0"]);
    ok(&hooks);
    let update_status: Vec<(String, String)> = rows(&hooks)
        .into_iter()
        .filter(|r| r.1 == "update-status")
        .map(|r| (r.2, r.3))
        .collect();
    assert_eq!(
        update_status,
        [
            ("deferred".into(), "run-hook".into()),
            (
                "deferred".into(),
                format!("deferred; run again before action task {first_task}")
            ),
            (
                "completed".into(),
                format!("deferred; run again before action task {second_task}")
            ),
        ],
        "{}",
        hooks.stdout
    );
    // And not again.
    let third = script(&charmbox, probe.path(), "juju-probe/0", "install", None);
    drop(third);
    let hooks = charmbox.cmd(&["hooks", "juju-probe/0"]);
    assert_eq!(
        rows(&hooks)
            .iter()
            .filter(|r| r.1 == "update-status")
            .count(),
        3
    );
}

#[test]
fn a_failing_hook_puts_the_unit_in_error_until_resolve_runs_it_again() {
    let probe = example_charm_dir("juju-probe");
    let charmbox = Charmbox::new();
    ok(&charmbox.cmd(&["deploy", arg(probe.path())]));
    script(
        &charmbox,
        probe.path(),
        "juju-probe/0",
        "update-status",
        Some(json!({"then": "error"})),
    );
    let failed = charmbox.cmd(&["run-hook", "juju-probe/0", "update-status"]);
    assert_eq!(failed.code, 1, "{}\n{}", failed.stdout, failed.stderr);
    assert_eq!(rows(&failed)[0].2, "failed");
    assert!(
        failed.stderr.contains("unit juju-probe/0 is in error: hook \"update-status\" failed: hook update-status told to fail"),
        "{}",
        failed.stderr
    );
    let status = charmbox.cmd(&["status"]);
    let unit = &unit_rows(&status)[0];
    assert_eq!(
        (unit.1.as_str(), unit.2.as_str(), unit.3.as_str()),
        ("error", "update-status", "hook failed: \"update-status\""),
        "{}",
        status.stdout
    );
    // The application's status, derived from its units', is in error too.
    let json_status = charmbox.cmd(&["status", "--format", "json"]);
    let json_status: serde_json::Value = serde_json::from_str(&json_status.stdout).unwrap();
    assert_eq!(
        json_status["applications"]["juju-probe"]["application-status"]["message"],
        "hook failed: \"update-status\"",
        "{json_status}"
    );
    // Nothing more fires on it, and the command says so.
    let held = charmbox.cmd(&["run-hook", "juju-probe/0", "config-changed"]);
    assert_eq!(held.code, 1);
    assert!(held.stdout.is_empty(), "{}", held.stdout);
    assert!(
        held.stderr.contains("config-changed not fired: unit juju-probe/0 is in error (hook \"update-status\" failed); `charmbox resolve juju-probe/0` runs it again"),
        "{}",
        held.stderr
    );
    // Fixed, resolve runs the failed hook again; the unit is out of error.
    script(
        &charmbox,
        probe.path(),
        "juju-probe/0",
        "update-status",
        None,
    );
    let resolved = charmbox.cmd(&["resolve", "juju-probe/0"]);
    ok(&resolved);
    let row = &rows(&resolved)[0];
    assert_eq!(
        (row.1.as_str(), row.2.as_str()),
        ("update-status", "completed")
    );
    assert!(row.3.starts_with("resolve (run "), "{row:?}");
    let status = charmbox.cmd(&["status"]);
    assert_eq!(unit_rows(&status)[0].1, "active", "{}", status.stdout);
    let again = charmbox.cmd(&["resolve", "juju-probe/0"]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("not in an error state"),
        "{}",
        again.stderr
    );
}

/// A dispatch of the packed probe for `path`, its model (the stand-ins')
/// in `model_file`.
fn probe_dispatch(path: &str, model_file: &Path) -> Dispatch {
    let mut dispatch = Dispatch::new(packed_example("juju-probe"), path, &hook_tools_dir());
    dispatch
        .command
        .env("FAKE_JUJU_MODEL", model_file)
        .env("JUJU_UNIT_NAME", "juju-probe/0")
        .env("JUJU_MODEL_UUID", "deadbeef-0bad-400d-8000-4b1d0d06f00d");
    dispatch
}

fn probe_model(state: Value) -> Value {
    json!({
        "unit": "juju-probe/0",
        "model-uuid": "deadbeef-0bad-400d-8000-4b1d0d06f00d",
        "leader": true,
        "config": {"defaults": {}, "values": {}},
        "state": state,
        "relations": [{
            "id": 7, "endpoint": "db", "remote-app": "mysql",
            "remote-endpoint": "server", "role": "requirer",
            "remote-units": {"mysql/0": {"port": "3306"}},
            "remote-app-data": {"database": "probe"}
        }],
        "secrets": [],
        "opened-ports": {}
    })
}

/// The calls as `[tool, args...]` strings, stdin left out.
fn tool_calls(calls: &[Value]) -> Vec<Vec<String>> {
    calls
        .iter()
        .map(|c| {
            c.as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect()
        })
        .collect()
}

#[test]
fn dispatch_runs_a_relation_hook_with_its_context_through_the_hook_tools() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let script = json!({"steps": [
        {"call": "relation-get", "relation": "event", "member": "mysql/0"},
        {"call": "relation-set", "relation": "event", "pairs": [["seen", "3306"]]}
    ]});
    std::fs::write(
        &model,
        probe_model(json!({"on:db-relation-changed": script.to_string()})).to_string(),
    )
    .unwrap();
    let mut dispatch = probe_dispatch("hooks/db-relation-changed", &model);
    dispatch
        .command
        .env("JUJU_RELATION", "db")
        .env("JUJU_RELATION_ID", "db:7")
        .env("JUJU_REMOTE_UNIT", "mysql/0")
        .env("JUJU_REMOTE_APP", "mysql");
    let (run, calls) = dispatch.run_recorded();
    ok(&run);
    let calls = tool_calls(&calls);
    let names: Vec<&str> = calls.iter().map(|c| c[0].as_str()).collect();
    assert_eq!(
        names,
        [
            "state-get",
            "juju-log",
            "state-get",
            "relation-get",
            "juju-log",
            "relation-set",
            "juju-log"
        ],
        "{calls:#?}"
    );
    // The unit's deferred events first: its state holds them.
    assert_eq!(calls[0], ["state-get", "--format=json"]);
    assert_eq!(
        calls[1][calls[1].len() - 1],
        "hook db-relation-changed relation=db:7 remote-unit=mysql/0 remote-app=mysql"
    );
    assert_eq!(
        calls[3],
        ["relation-get", "--format=json", "-r", "7", "-", "mysql/0"]
    );
    assert_eq!(calls[5], ["relation-set", "-r", "7", "--file", "-"]);
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(
        after["relations"][0]["local-unit-data"]["seen"], "3306",
        "{after}"
    );

    // A hook it does not handle is acknowledged; one that fails exits 1.
    let (run, calls) = probe_dispatch("hooks/data-storage-attached", &model).run_recorded();
    ok(&run);
    assert!(tool_calls(&calls)
        .iter()
        .any(|c| c.last().unwrap() == "charmbox: no handler for hook data-storage-attached"));
    std::fs::write(
        &model,
        probe_model(json!({"on:install": json!({"then": "error"}).to_string()})).to_string(),
    )
    .unwrap();
    let (run, _) = probe_dispatch("hooks/install", &model).run_recorded();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("charmbox: hook \"install\" failed: hook install told to fail"),
        "{}",
        run.stderr
    );
}

#[test]
fn under_dispatch_a_deferred_hook_is_kept_in_unit_state_and_runs_before_the_next_action() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    std::fs::write(
        &model,
        probe_model(json!({"on:update-status": json!({"then": "defer"}).to_string()})).to_string(),
    )
    .unwrap();
    let (run, calls) = probe_dispatch("hooks/update-status", &model).run_recorded();
    ok(&run);
    let calls = tool_calls(&calls);
    let set = calls
        .iter()
        .find(|c| c[0] == "state-set")
        .unwrap_or_else(|| panic!("{calls:#?}"));
    assert_eq!(set[1..], ["--file", "-"], "{calls:#?}");
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let queue: Value =
        serde_json::from_str(after["state"]["charmbox.deferred"].as_str().unwrap()).unwrap();
    assert_eq!(queue[0]["name"], "update-status", "{queue}");

    // The next handler, an action, runs it first; it defers no more.
    let mut state = after["state"].clone();
    state.as_object_mut().unwrap().remove("on:update-status");
    let mut next = after.clone();
    next["state"] = state;
    std::fs::write(&model, next.to_string()).unwrap();
    let params = dir.path().join("params.json");
    std::fs::write(&params, json!({"steps": []}).to_string()).unwrap();
    let mut dispatch = probe_dispatch("actions/run-steps", &model);
    dispatch
        .command
        .env("JUJU_ACTION_NAME", "run-steps")
        .env("FAKE_JUJU_PARAMS", &params);
    let (run, calls) = dispatch.run_recorded();
    ok(&run);
    let calls = tool_calls(&calls);
    let logged: Vec<&str> = calls
        .iter()
        .filter(|c| c[0] == "juju-log")
        .map(|c| c.last().unwrap().as_str())
        .collect();
    assert_eq!(logged, ["hook update-status"], "{calls:#?}");
    let deleted = calls
        .iter()
        .any(|c| c[0] == "state-delete" && c.last().unwrap() == "charmbox.deferred");
    assert!(deleted, "{calls:#?}");
    let action_set = calls.iter().position(|c| c[0] == "action-set").unwrap();
    let replay = calls.iter().position(|c| c[0] == "juju-log").unwrap();
    assert!(
        replay < action_set,
        "the deferred hook runs first: {calls:#?}"
    );
}
