//! The model under `charmbox dispatch`: `examples/juju-probe` calls every
//! interface of contract 0.2.0 through the stand-in hook tools (model in
//! `FAKE_JUJU_MODEL`, calls in `FAKE_JUJU_CALLS`), and each test checks the
//! exact calls made (flags, formats, stdin), what the guest saw, and how
//! refusals and broken tools end the run.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::juju::{hook_tools_dir, packed_example, Dispatch};
use crate::support::Run;

const MODEL_UUID: &str = "deadbeef-0bad-400d-8000-4b1d0d06f00d";
const SECRET_ID: &str = "qn8lca4gdsv54eshdpng";

fn secret_uri() -> String {
    format!("secret://{MODEL_UUID}/{SECRET_ID}")
}

/// A unit of juju-probe in a peer relation `cluster:3` with juju-probe/1,
/// related to mysql on `db:7`, owning a secret labelled `password`.
fn model(leader: bool) -> Value {
    json!({
        "unit": "juju-probe/0",
        "model-uuid": MODEL_UUID,
        "leader": leader,
        "config": {
            "defaults": {"user": "admin", "port": 5432, "tls": false, "ca": null},
            "values": {"user": "ada"}
        },
        "state": {"counter": "1"},
        "relations": [
            {
                "id": 3, "endpoint": "cluster", "remote-app": "juju-probe",
                "role": "peer", "peer": true,
                "local-unit-data": {"host": "10.0.0.1"},
                "local-app-data": {"ready": "yes"},
                "remote-units": {"juju-probe/1": {"host": "10.0.0.2"}}
            },
            {
                "id": 7, "endpoint": "db", "remote-app": "mysql",
                "remote-endpoint": "server", "role": "requirer",
                "remote-units": {"mysql/0": {"port": "3306"}},
                "remote-app-data": {"database": "probe"}
            }
        ],
        "secrets": [{
            "id": SECRET_ID,
            "owner": "juju-probe",
            "label": "password",
            "latest-revision": 1,
            "revisions": [{"revision": 1, "content": {"password": "czNjcmV0"}}]
        }],
        "opened-ports": {"": ["80/tcp"]}
    })
}

/// What one dispatch of juju-probe did.
struct Probed {
    run: Run,
    /// Every call but `action-get` and `action-set`, as recorded, with
    /// secret content paths (random) shown as `PATH`.
    calls: Vec<Value>,
    /// The `action-set` calls' arguments.
    results: Vec<String>,
    /// The stand-ins' model after the run.
    model: Value,
}

impl Probed {
    /// `run-steps`' outcomes: one `{"ok": ...}` or `{"err": ...}` a step.
    fn outcomes(&self) -> Vec<Value> {
        let set = self
            .results
            .iter()
            .find_map(|r| r.strip_prefix("outcomes="))
            .unwrap_or_else(|| {
                panic!(
                    "no outcomes in {:?}; stderr {}",
                    self.results, self.run.stderr
                )
            });
        serde_json::from_str::<Vec<Value>>(set).unwrap()
    }

    /// Result `key` of the action, as set.
    fn result(&self, key: &str) -> &str {
        let prefix = format!("{key}=");
        self.results
            .iter()
            .find_map(|r| r.strip_prefix(prefix.as_str()))
            .unwrap_or_else(|| panic!("no result {key} in {:?}", self.results))
    }
}

/// Dispatch of juju-probe's `action` with `params` on the stand-ins' `model`.
fn dispatch(action: &str, params: Value, model: &Value) -> Dispatch {
    let mut dispatch = Dispatch::action_of(packed_example("juju-probe"), action, params);
    let file = dispatch.dir.path().join("model.json");
    std::fs::write(&file, model.to_string()).unwrap();
    dispatch
        .command
        .env("FAKE_JUJU_MODEL", &file)
        .env("JUJU_UNIT_NAME", "juju-probe/0")
        .env("JUJU_MODEL_UUID", MODEL_UUID);
    dispatch
}

fn probe(mut dispatch: Dispatch) -> Probed {
    let (run, recorded) = dispatch.run_recorded();
    let model: Value = serde_json::from_str(
        &std::fs::read_to_string(dispatch.dir.path().join("model.json")).unwrap(),
    )
    .unwrap();
    let mut calls = Vec::new();
    let mut results = Vec::new();
    // juju-probe can defer, so each dispatch first reads the unit's state
    // for its deferred events (tests/e2e/hooks.rs checks that read): left
    // out here, where each test checks its own calls.
    let mut recorded = recorded.into_iter().peekable();
    if recorded.peek() == Some(&json!(["state-get", "--format=json"])) {
        recorded.next();
    }
    for call in recorded {
        let items = call.as_array().unwrap().clone();
        match items[0].as_str().unwrap() {
            "action-get" => {}
            "action-set" => {
                results.extend(items[1..].iter().map(|a| a.as_str().unwrap().to_owned()))
            }
            _ => calls.push(Value::from(
                items.into_iter().map(secret_path_shown).collect::<Vec<_>>(),
            )),
        }
    }
    Probed {
        run,
        calls,
        results,
        model,
    }
}

/// `KEY#file=/tmp/charmbox-secret-…/KEY` as `KEY#file=PATH`, once the file
/// is checked to be gone (the content lives there only for the call).
fn secret_path_shown(arg: Value) -> Value {
    let Some((key, path)) = arg.as_str().and_then(|a| a.split_once("#file=")) else {
        return arg;
    };
    let path = Path::new(path);
    assert!(path.is_absolute(), "{path:?}");
    assert!(
        path.parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("charmbox-secret-"),
        "{path:?}"
    );
    assert!(
        !path.exists(),
        "the content file {path:?} outlived its call"
    );
    Value::from(format!("{key}#file=PATH"))
}

/// `run-steps` with `steps` on `model`.
fn steps(model: &Value, steps: Value) -> Probed {
    probe(dispatch("run-steps", json!({ "steps": steps }), model))
}

fn ok(value: Value) -> Value {
    json!({ "ok": value })
}

fn err(message: &str) -> Value {
    json!({ "err": message })
}

#[test]
fn context_comes_from_juju_s_environment() {
    let probed = steps(
        &model(true),
        json!([{"call": "context"}, {"call": "defer"}]),
    );
    assert_eq!(probed.run.code, 0, "{}", probed.run.stderr);
    assert_eq!(
        probed.outcomes(),
        [
            ok(json!({
                "unit": "juju-probe/0",
                "model-name": "test",
                "model-uuid": MODEL_UUID,
                "juju-version": "3.6.0",
                "event": {
                    "name": "run-steps", "is-action": true, "relation": null,
                    "remote-unit": null, "remote-app": null, "departing-unit": null,
                    "secret-id": null, "secret-label": null, "secret-revision": null,
                    "storage-id": null, "workload": null
                }
            })),
            err(
                "cannot defer action \"run-steps\": only hooks' events can be deferred (as in ops)"
            ),
        ]
    );
    assert_eq!(
        probed.calls,
        Vec::<Value>::new(),
        "the context costs no tool call"
    );
}

#[test]
fn a_malformed_juju_variable_fails_the_dispatch_naming_it() {
    let mut dispatch = dispatch("run-steps", json!({"steps": []}), &model(true));
    dispatch.command.env("JUJU_RELATION_ID", "cluster");
    let probed = probe(dispatch);
    // As for any other environment charmbox cannot run in (a missing
    // variable, say): nothing runs.
    assert_eq!(probed.run.code, 2);
    assert_eq!(probed.calls, Vec::<Value>::new());
    assert!(
        probed
            .run
            .stderr
            .contains("JUJU_RELATION_ID is \"cluster\", which is not valid: expected ENDPOINT:ID"),
        "{}",
        probed.run.stderr
    );
}

#[test]
fn config_leadership_status_and_log() {
    let probed = steps(
        &model(true),
        json!([
            {"call": "config-get"},
            {"call": "config-get", "key": "user"},
            {"call": "config-get", "key": "ca"},
            {"call": "is-leader"},
            {"call": "status-set", "status": "active", "message": "ready"},
            {"call": "status-get"},
            {"call": "status-set", "status": "blocked", "message": "-x: no quorum"},
            {"call": "status-set", "status": "waiting", "message": "app", "application": true},
            {"call": "status-get", "application": true},
            {"call": "application-version-set", "version": "14.2"},
            {"call": "juju-log", "level": "warning", "message": "--careful"},
        ]),
    );
    assert_eq!(probed.run.code, 0, "{}", probed.run.stderr);
    assert_eq!(
        probed.outcomes(),
        [
            ok(json!({"port": 5432, "tls": false, "user": "ada"})),
            ok(json!("ada")),
            // An option with no value: none.
            ok(Value::Null),
            ok(json!(true)),
            ok(Value::Null),
            ok(json!({"status": "active", "message": "ready"})),
            ok(Value::Null),
            ok(Value::Null),
            ok(json!({"status": "waiting", "message": "app"})),
            ok(Value::Null),
            ok(Value::Null),
        ]
    );
    assert_eq!(
        probed.calls,
        [
            json!(["config-get", "--format=json"]),
            json!(["is-leader", "--format=json"]),
            json!(["status-set", "active", "ready"]),
            json!(["status-set", "--", "blocked", "-x: no quorum"]),
            json!(["status-set", "--application", "waiting", "app"]),
            json!(["application-version-set", "14.2"]),
            json!(["juju-log", "--log-level", "WARNING", "--", "--careful"]),
        ]
    );
    let model = &probed.model;
    assert_eq!(model["unit-status"]["status"], "blocked");
    assert_eq!(model["application-status"]["message"], "app");
    assert_eq!(model["workload-version"], "14.2");
    assert_eq!(
        model["log"],
        json!([{"level": "WARNING", "message": "--careful"}])
    );
}

#[test]
fn leadership_refusals_reach_the_guest_and_the_action_carries_on() {
    let probed = steps(
        &model(false),
        json!([
            {"call": "is-leader"},
            {"call": "status-set", "status": "active", "message": "all", "application": true},
            {"call": "status-get", "application": true},
            {"call": "relation-set", "relation": 3, "app": true, "pairs": [["k", "v"]]},
            {"call": "secret-add", "content": [["token", "abc"]]},
            {"call": "status-set", "status": "active", "message": "unit ok"},
        ]),
    );
    assert_eq!(probed.run.code, 0, "{}", probed.run.stderr);
    assert_eq!(
        probed.outcomes(),
        [
            ok(json!(false)),
            err("this unit is not the leader"),
            err("finding application status: this unit is not the leader"),
            err("cannot write relation settings"),
            err("this unit is not the leader"),
            ok(Value::Null),
        ]
    );
    assert_eq!(
        probed.calls,
        [
            json!(["is-leader", "--format=json"]),
            json!(["status-set", "--application", "active", "all"]),
            json!([
                "status-get",
                "--format=json",
                "--include-data",
                "--application"
            ]),
            json!(["relation-set", "-r", "3", "--app", "--file", "-", {"stdin": "{\"k\": \"v\"}\n"}]),
            json!(["secret-add", "--owner", "application", "token#file=PATH"]),
            json!(["status-set", "active", "unit ok"]),
        ]
    );
    assert_eq!(
        probed.model["relations"][0]["local-app-data"],
        json!({"ready": "yes"})
    );
    assert_eq!(probed.model["unit-status"]["message"], "unit ok");
}

#[test]
fn unit_state_goes_through_state_get_and_state_set_on_stdin() {
    let near_limit = "v".repeat(60_000);
    let probed = steps(
        &model(true),
        json!([
            {"call": "state-get", "key": "counter"},
            {"call": "state-list"},
            {"call": "state-set", "pairs": [["counter", "2"], ["note", "line 1\nline \"2\""], ["empty", ""]]},
            {"call": "state-get", "key": "note"},
            {"call": "state-set", "pairs": [["blob", near_limit.clone()]]},
            {"call": "state-set", "pairs": [["huge", "x".repeat(70_000)]]},
            {"call": "state-delete", "key": "counter"},
            {"call": "state-delete", "key": "-odd"},
            {"call": "state-list"},
        ]),
    );
    assert_eq!(probed.run.code, 0, "{}", probed.run.stderr);
    let outcomes = probed.outcomes();
    assert_eq!(outcomes[0], ok(json!("1")));
    assert_eq!(outcomes[1], ok(json!([["counter", "1"]])));
    assert_eq!(outcomes[3], ok(json!("line 1\nline \"2\"")));
    assert_eq!(outcomes[4], ok(Value::Null));
    assert_eq!(
        outcomes[5],
        err("max allowed value length (65536) exceeded")
    );
    // The refused write may have applied part: the state is read again.
    let keys: Vec<&str> = outcomes[8]["ok"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| pair[0].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["blob", "empty", "note"]);
    let calls = &probed.calls;
    assert_eq!(calls[0], json!(["state-get", "--format=json"]));
    assert_eq!(
        calls[1],
        json!(["state-set", "--file", "-",
               {"stdin": "{\"counter\": \"2\", \"empty\": \"\", \"note\": \"line 1\\nline \\\"2\\\"\"}\n"}])
    );
    assert_eq!(
        calls[2],
        json!(["state-set", "--file", "-", {"stdin": format!("{{\"blob\": \"{near_limit}\"}}\n")}])
    );
    assert_eq!(calls[3][0], "state-set");
    assert_eq!(calls[4], json!(["state-delete", "counter"]));
    assert_eq!(calls[5], json!(["state-delete", "--", "-odd"]));
    assert_eq!(calls[6], json!(["state-get", "--format=json"]));
    assert_eq!(calls.len(), 7, "{calls:#?}");
    assert_eq!(probed.model["state"]["note"], "line 1\nline \"2\"");
    assert_eq!(probed.model["state"]["empty"], "");
}

#[test]
fn relations_and_their_databags() {
    // Over the kernel's 128 KiB limit on one argument: only stdin carries it.
    let large = "y".repeat(200_000);
    let probed = steps(
        &model(true),
        json!([
            {"call": "relation-ids", "endpoint": "cluster"},
            {"call": "relation-ids", "endpoint": "db"},
            {"call": "relation-list", "relation": 3},
            {"call": "relation-app", "relation": 3},
            {"call": "relation-app", "relation": 7},
            {"call": "relation-get", "relation": 3, "member": "juju-probe/1"},
            {"call": "relation-get", "relation": 3, "member": "juju-probe", "app": true},
            {"call": "relation-get", "relation": 7, "member": "mysql", "app": true},
            {"call": "relation-get", "relation": 7, "member": "other/0"},
            {"call": "relation-get", "relation": 9, "member": "mysql/0"},
            {"call": "relation-set", "relation": 3, "pairs": [["host", ""], ["large", large.clone()]]},
            {"call": "relation-get", "relation": 3, "member": "juju-probe/0"},
            {"call": "relation-set", "relation": 3, "app": true, "pairs": [["ready", "no"]]},
            {"call": "relation-get", "relation": 3, "member": "juju-probe", "app": true},
        ]),
    );
    assert_eq!(probed.run.code, 0, "{}", probed.run.stderr);
    let outcomes = probed.outcomes();
    assert_eq!(
        outcomes[..10],
        [
            ok(json!(["cluster:3"])),
            ok(json!(["db:7"])),
            ok(json!(["juju-probe/1"])),
            ok(json!("juju-probe")),
            ok(json!("mysql")),
            ok(json!([["host", "10.0.0.2"]])),
            ok(json!([["ready", "yes"]])),
            ok(json!([["database", "probe"]])),
            err("permission denied"),
            err("invalid value \"9\" for option -r: relation not found"),
        ]
    );
    // The guest read all of it (the probe reports a long value's length).
    assert_eq!(
        outcomes[11],
        ok(json!([["large", {"bytes": 200_000, "distinct": ["y"]}]]))
    );
    assert_eq!(outcomes[13], ok(json!([["ready", "no"]])));
    let mut calls = probed.calls.clone();
    let set = calls.remove(10);
    assert_eq!(
        set,
        json!(["relation-set", "-r", "3", "--file", "-",
               {"stdin": format!("{{\"host\": \"\", \"large\": \"{large}\"}}\n")}])
    );
    assert_eq!(
        calls,
        [
            json!(["relation-ids", "--format=json", "cluster"]),
            json!(["relation-ids", "--format=json", "db"]),
            json!(["relation-list", "--format=json", "-r", "3"]),
            json!(["relation-list", "--format=json", "-r", "3", "--app"]),
            json!(["relation-list", "--format=json", "-r", "7", "--app"]),
            json!([
                "relation-get",
                "--format=json",
                "-r",
                "3",
                "-",
                "juju-probe/1"
            ]),
            json!([
                "relation-get",
                "--format=json",
                "-r",
                "3",
                "--app",
                "-",
                "juju-probe"
            ]),
            json!([
                "relation-get",
                "--format=json",
                "-r",
                "7",
                "--app",
                "-",
                "mysql"
            ]),
            json!(["relation-get", "--format=json", "-r", "7", "-", "other/0"]),
            json!(["relation-get", "--format=json", "-r", "9", "-", "mysql/0"]),
            json!([
                "relation-get",
                "--format=json",
                "-r",
                "3",
                "-",
                "juju-probe/0"
            ]),
            json!(["relation-set", "-r", "3", "--app", "--file", "-", {"stdin": "{\"ready\": \"no\"}\n"}]),
        ],
        "the app bag, read before, is kept in step with the write"
    );
    let cluster = &probed.model["relations"][0];
    assert_eq!(cluster["local-unit-data"], json!({"large": large}));
    assert_eq!(cluster["local-app-data"], json!({"ready": "no"}));
}

#[test]
fn secrets_by_label_and_uri_with_content_never_on_a_command_line() {
    let uri = secret_uri();
    let probed = steps(
        &model(true),
        json!([
            {"call": "secret-get", "label": "password"},
            {"call": "secret-info-get", "label": "password"},
            {"call": "secret-set", "label": "password", "content": [["password", "n3w-s3cret"]]},
            {"call": "secret-get", "label": "password"},
            {"call": "secret-get", "id": uri, "mode": "peek"},
            {"call": "secret-add", "content": [["token", "abc"]], "new-label": "api",
             "description": "API token", "rotate": "monthly", "owner-unit": true},
            {"call": "secret-ids"},
            {"call": "secret-grant", "id": uri, "relation": 7},
            {"call": "secret-grant", "label": "password", "relation": 7, "unit": "mysql/0"},
            {"call": "secret-revoke", "id": uri, "relation": 7, "unit": "mysql/0"},
            {"call": "secret-remove", "id": uri, "revision": 1},
            {"call": "secret-info-get", "id": uri},
            {"call": "secret-get", "label": "nothing"},
        ]),
    );
    assert_eq!(probed.run.code, 0, "{}", probed.run.stderr);
    let outcomes = probed.outcomes();
    assert_eq!(outcomes[0], ok(json!([["password", "s3cret"]])));
    assert_eq!(
        outcomes[1],
        ok(
            json!({"id": uri, "label": "password", "description": null, "revision": 1,
                  "rotation": null, "expiry": null, "owner": "application"})
        )
    );
    // Juju: the revision tracked is still 1; a peek sees the new one.
    assert_eq!(outcomes[3], ok(json!([["password", "s3cret"]])));
    assert_eq!(outcomes[4], ok(json!([["password", "n3w-s3cret"]])));
    let added = outcomes[5]["ok"].as_str().unwrap().to_owned();
    assert!(
        added.starts_with(&format!("secret://{MODEL_UUID}/")),
        "{added}"
    );
    let mut ids = vec![uri.clone(), added.clone()];
    ids.sort();
    assert_eq!(outcomes[6], ok(json!(ids)));
    assert_eq!(outcomes[11]["ok"]["revision"], 2);
    assert_eq!(outcomes[12], err("consumer label \"nothing\" not found"));
    assert_eq!(
        probed.calls,
        [
            json!(["secret-get", "--format=json", "--label", "password"]),
            json!(["secret-info-get", "--format=json", "--label", "password"]),
            json!(["secret-set", uri, "password#file=PATH"]),
            // The run changed the secret: its content is read again.
            json!(["secret-get", "--format=json", "--label", "password"]),
            json!(["secret-get", "--format=json", "--peek", uri]),
            json!([
                "secret-add",
                "--owner",
                "unit",
                "--label",
                "api",
                "--description",
                "API token",
                "--rotate",
                "monthly",
                "token#file=PATH"
            ]),
            json!(["secret-ids", "--format=json"]),
            json!(["secret-grant", "-r", "7", uri]),
            // A write by label needs the URI; the metadata changed since.
            json!(["secret-info-get", "--format=json", "--label", "password"]),
            json!(["secret-grant", "-r", "7", "--unit", "mysql/0", uri]),
            json!(["secret-revoke", "-r", "7", "--unit", "mysql/0", uri]),
            json!(["secret-remove", "--revision", "1", uri]),
            json!(["secret-info-get", "--format=json", uri]),
            json!(["secret-get", "--format=json", "--label", "nothing"]),
        ]
    );
    let secrets = probed.model["secrets"].as_array().unwrap();
    let password = &secrets[0];
    // Stored as Juju stores it: base64 ("n3w-s3cret").
    assert_eq!(
        password["revisions"],
        json!([{"revision": 2, "content": {"password": "bjN3LXMzY3JldA=="}, "expire": null}])
    );
    assert_eq!(
        password["grants"],
        json!([{"target": "application-mysql", "scope": "relation-juju-probe.db#mysql.server", "role": "view"}])
    );
    assert_eq!(secrets[1]["owner"], "juju-probe/0");
    assert_eq!(
        secrets[1]["revisions"][0]["content"],
        json!({"token": "YWJj"})
    );
}

#[test]
fn ports() {
    let probed = steps(
        &model(true),
        json!([
            {"call": "opened-ports"},
            {"call": "open-port", "protocol": "udp", "from": 1000, "to": 2000},
            {"call": "open-port", "protocol": "icmp"},
            {"call": "open-port", "protocol": "tcp", "from": 80, "to": 90},
            {"call": "opened-ports"},
            {"call": "close-port", "protocol": "tcp", "from": 80, "to": 80},
            {"call": "opened-ports"},
        ]),
    );
    assert_eq!(probed.run.code, 0, "{}", probed.run.stderr);
    assert_eq!(
        probed.outcomes(),
        [
            ok(json!([["tcp", 80, 80]])),
            ok(Value::Null),
            ok(Value::Null),
            err("cannot open 80-90/tcp (unit \"juju-probe/0\"): port range conflicts with 80/tcp (unit \"juju-probe/0\")"),
            ok(json!([["icmp", 0, 0], ["tcp", 80, 80], ["udp", 1000, 2000]])),
            ok(Value::Null),
            ok(json!([["icmp", 0, 0], ["udp", 1000, 2000]])),
        ]
    );
    assert_eq!(
        probed.calls,
        [
            json!(["opened-ports", "--format=json"]),
            json!(["open-port", "1000-2000/udp"]),
            json!(["open-port", "icmp"]),
            json!(["open-port", "80-90/tcp"]),
            json!(["opened-ports", "--format=json"]),
            json!(["close-port", "80/tcp"]),
            json!(["opened-ports", "--format=json"]),
        ]
    );
}

/// The action the issue asks to see: config, leadership, a relation and a
/// secret, as a database charm's leader shares its credentials.
#[test]
fn share_password_touches_config_leadership_a_relation_and_a_secret() {
    let uri = secret_uri();
    let probed = probe(dispatch("share-password", json!({}), &model(true)));
    assert_eq!(probed.run.code, 0, "{}", probed.run.stderr);
    assert_eq!(
        probed.calls,
        [
            json!(["config-get", "--format=json"]),
            json!(["is-leader", "--format=json"]),
            json!(["secret-get", "--format=json", "--label", "password"]),
            json!(["secret-info-get", "--format=json", "--label", "password"]),
            json!(["relation-ids", "--format=json", "cluster"]),
            json!(["relation-set", "-r", "3", "--app", "--file", "-",
                   {"stdin": format!("{{\"password-secret\": \"{uri}\", \"user\": \"ada\"}}\n")}]),
            json!([
                "juju-log",
                "--log-level",
                "INFO",
                "--",
                "shared ada's password on cluster:3"
            ]),
        ]
    );
    assert_eq!(
        probed.results,
        [
            "user=ada".to_owned(),
            "relation=cluster:3".into(),
            format!("secret={uri}"),
            "password-length=6".into(),
        ]
    );
    assert_eq!(
        probed.model["relations"][0]["local-app-data"],
        json!({"ready": "yes", "user": "ada", "password-secret": uri})
    );

    // Not the leader: the guest says so and the action fails.
    let probed = probe(dispatch("share-password", json!({}), &model(false)));
    assert_eq!(probed.run.code, 1, "{}", probed.run.stderr);
    assert!(
        probed
            .run
            .stderr
            .contains("share-password needs leadership: run it on the leader"),
        "{}",
        probed.run.stderr
    );
}

/// Hook-tool calls of `read-repeatedly` (the same reads five times, then
/// writes and reads back) with the read cache and without it: what the
/// guest sees is the same, the calls are not.
#[test]
fn reads_are_made_once_per_run_and_see_the_run_s_writes() {
    let run = |uncached: bool| {
        let mut dispatch = dispatch("read-repeatedly", json!({"times": 5}), &model(true));
        if uncached {
            dispatch.command.arg("--no-model-cache");
        }
        let probed = probe(dispatch);
        assert_eq!(probed.run.code, 0, "{}", probed.run.stderr);
        let seen: Value = serde_json::from_str(probed.result("seen")).unwrap();
        // action-get and action-set besides the model's calls.
        (seen, probed.calls.len() + 2, probed.calls)
    };
    let (cached_seen, cached, cached_calls) = run(false);
    let (uncached_seen, uncached, _) = run(true);
    assert_eq!(cached_seen, uncached_seen, "the cache changes no answer");
    assert_eq!(cached_seen["counter after"], "5");
    assert_eq!(
        cached_seen["bag juju-probe/0 after"],
        json!([["host", "10.0.0.1"], ["reads", "5"]])
    );
    assert_eq!(cached_seen["secret"], json!([["password", "s3cret"]]));
    eprintln!(
        "read-repeatedly (5 times): {uncached} hook-tool calls without the cache, {cached} with it"
    );
    // 14 reads a round, 5 rounds, then relation-ids, 2 writes, 2 reads back.
    assert_eq!(uncached, 2 + 14 * 5 + 5);
    // Each of 12 reads once, 2 writes, and this unit's own bag (never read
    // before the write).
    assert_eq!(cached, 2 + 12 + 2 + 1, "{cached_calls:#?}");
}

#[test]
fn a_tool_that_cannot_reach_the_agent_fails_the_run_whatever_the_guest_does() {
    let mut dispatch = dispatch(
        "run-steps",
        json!({"steps": [{"call": "config-get"}, {"call": "is-leader"}]}),
        &model(true),
    );
    dispatch.command.env("FAKE_JUJU_UNREACHABLE", "config-get");
    let probed = probe(dispatch);
    assert_eq!(probed.run.code, 1, "{}", probed.run.stderr);
    let message = "hook tool `config-get` failed (exit status 1): ERROR dial unix \
                   @/var/lib/juju/agents/unit-juju-probe-0/agent.socket: connect: connection refused";
    assert!(probed.run.stderr.contains(message), "{}", probed.run.stderr);
    // The guest got the error and carried on; the run failed all the same.
    assert_eq!(probed.outcomes(), [err(message), ok(json!(true))]);
}

#[test]
fn a_missing_tool_or_one_printing_nonsense_fails_the_run() {
    let tools = tempfile::tempdir().unwrap();
    // state-get: the deferred events' read, before every handler.
    for tool in [
        "action-get",
        "action-set",
        "action-fail",
        "config-get",
        "state-get",
    ] {
        std::os::unix::fs::symlink(
            hook_tools_dir().join("hook_tool.py"),
            tools.path().join(tool),
        )
        .unwrap();
    }
    let script = tools.path().join("is-leader");
    std::fs::write(&script, "#!/bin/sh\necho maybe\n").unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    for (step, says) in [
        (
            "is-leader",
            "hook tool `is-leader` printed output that is not the JSON charmbox expects",
        ),
        ("secret-ids", "hook tool `secret-ids` was not found on PATH"),
    ] {
        let mut dispatch = Dispatch::new(
            packed_example("juju-probe"),
            "actions/run-steps",
            tools.path(),
        );
        let params = dispatch.dir.path().join("params.json");
        std::fs::write(&params, json!({"steps": [{"call": step}]}).to_string()).unwrap();
        let file = dispatch.dir.path().join("model.json");
        std::fs::write(&file, model(true).to_string()).unwrap();
        dispatch
            .command
            .env("FAKE_JUJU_PARAMS", &params)
            .env("FAKE_JUJU_MODEL", &file)
            .env("JUJU_UNIT_NAME", "juju-probe/0");
        let probed = probe(dispatch);
        assert_eq!(probed.run.code, 1, "{step}: {}", probed.run.stderr);
        assert!(
            probed.run.stderr.contains(says),
            "{step}: {}",
            probed.run.stderr
        );
    }
}

#[test]
fn a_hung_tool_is_killed_at_its_deadline() {
    let mut dispatch = dispatch(
        "run-steps",
        json!({"steps": [{"call": "relation-set", "relation": 3, "pairs": [["k", "v"]]}]}),
        &model(true),
    );
    dispatch.command.args(["--hook-tool-timeout", "10s"]);
    dispatch.command.env("FAKE_JUJU_HANG", "relation-set");
    let started = Instant::now();
    let probed = probe(dispatch);
    // The stand-in sleeps ten minutes; well before that means it was killed.
    assert!(
        started.elapsed() < Duration::from_secs(300),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(probed.run.code, 1, "{}", probed.run.stderr);
    assert!(
        probed
            .run
            .stderr
            .contains("hook tool `relation-set` did not finish within 10s and was killed"),
        "{}",
        probed.run.stderr
    );
}
