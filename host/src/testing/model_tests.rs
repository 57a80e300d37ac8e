//! The testing API's model, with `examples/juju-probe` (built once per
//! process; its `run-steps` makes the calls it is given): a run is given a [`State`] and returns the [`State`] after it.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::{json, Value};

use super::*;
use crate::model::{RelationId, SecretOwner, Status};

fn probe() -> Context {
    static COMPONENT: OnceLock<std::path::PathBuf> = OnceLock::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let crate_dir = root.join("examples/juju-probe");
    let component = COMPONENT.get_or_init(|| {
        CrateBuild::new(&crate_dir)
            .target_dir(root.join("target/examples"))
            .build()
            .unwrap()
    });
    Context::from_component(component, Some(&crate_dir)).unwrap()
}

/// What each step returned, from the `outcomes` result.
fn outcomes(output: &ActionOutput) -> Vec<Value> {
    serde_json::from_str(output.results["outcomes"].as_str().unwrap()).unwrap()
}

#[test]
fn an_empty_model_has_config_defaults_no_leadership_and_no_relations() {
    let ctx = probe();
    let out = ctx
        .run(
            "run-steps",
            json!({"steps": [
                {"call": "config-get"},
                {"call": "is-leader"},
                {"call": "relation-ids", "endpoint": "db"},
                {"call": "status-set", "status": "active", "message": "fine"},
            ]}),
        )
        .unwrap();
    assert_eq!(
        outcomes(&out),
        [
            json!({"ok": {"port": 8080, "ratio": 0.5}}),
            json!({"ok": false}),
            json!({"ok": []}),
            json!({"ok": null}),
        ]
    );
    assert_eq!(out.state.unit_status.status, Status::Active);
    assert!(!out.state.leader);
}

#[test]
fn a_run_gets_the_model_given_and_returns_the_model_after() {
    let ctx = probe();
    let state = State::default()
        .leader(true)
        .config("port", json!(9000))
        .unit_state("seen", "before")
        .relation(
            RelationState::new("db", "mysql")
                .id(3)
                .remote_unit("mysql/0", [("host", "10.0.0.1")])
                .remote_app_data([("database", "wp")]),
        )
        .secret(
            SecretState::new(None, [("token", "abc")])
                .label("api")
                .latest([("token", "new")]),
        );
    let out = ctx
        .run_with(
            "run-steps",
            json!({"steps": [
                {"call": "config-get", "key": "port"},
                {"call": "relation-get", "relation": 3, "member": "mysql/0"},
                {"call": "relation-set", "relation": 3, "app": true, "pairs": [["user", "probe"]]},
                {"call": "secret-get", "label": "api"},
                {"call": "secret-add", "content": [["password", "pw1"]], "new-label": "admin"},
                {"call": "state-set", "pairs": [["seen", "after"]]},
                {"call": "open-port", "protocol": "tcp", "from": 8080, "to": 8080},
                {"call": "juju-log", "level": "info", "message": "done"},
            ]}),
            &state,
        )
        .unwrap();
    let results = outcomes(&out);
    assert_eq!(results[0], json!({"ok": 9000}));
    assert_eq!(results[1], json!({"ok": [["host", "10.0.0.1"]]}));
    // The unit tracks the revision it was given, not the newest.
    assert_eq!(results[3], json!({"ok": [["token", "abc"]]}));
    let db = out.state.relation_on("db").unwrap();
    assert_eq!(db.id, Some(RelationId(3)));
    assert_eq!(db.local_app_data["user"], "probe");
    assert_eq!(db.remote_units_data["mysql/0"]["host"], "10.0.0.1");
    assert_eq!(out.state.unit_state["seen"], "after");
    assert_eq!(out.state.opened_ports[0].to_string(), "8080/tcp");
    let made = out.state.secret_labelled("admin").unwrap();
    assert_eq!(made.owner, Some(SecretOwner::Application));
    assert_eq!(made.tracked_content["password"], "pw1");
    let given = out.state.secret_labelled("api").unwrap();
    assert_eq!((given.tracked_revision, given.latest_revision), (1, 2));
    assert_eq!(out.juju_log_messages(), ["done"]);
}

#[test]
fn a_failed_run_returns_the_model_without_its_committed_changes() {
    let ctx = probe();
    let state = State::default().unit_state("kept", "yes");
    let failed = ctx
        .run_with(
            "run-steps",
            json!({
                "steps": [
                    {"call": "state-set", "pairs": [["kept", "no"]]},
                    {"call": "status-set", "status": "blocked", "message": "broken"},
                ],
                "then": "error",
            }),
            &state,
        )
        .unwrap_err();
    let failed = failed.action_failed().unwrap();
    assert_eq!(failed.output.state.unit_state["kept"], "yes");
    assert_eq!(failed.output.state.unit_status.message, "broken");
}

#[test]
fn a_model_the_charm_cannot_have_is_refused_before_the_run() {
    let ctx = probe();
    let bad = [
        (
            State::default().config("nope", json!(1)),
            r#"unknown option "nope""#,
        ),
        (
            State::default().config("port", json!("x")),
            r#"option "port" expected int, got "x""#,
        ),
        (
            State::default().relation(RelationState::new("cache", "redis")),
            "declares no endpoint \"cache\"",
        ),
    ];
    for (state, expected) in bad {
        let err = ctx
            .run_with("run-steps", json!({"steps": []}), &state)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{err}");
    }
}
