//! Hooks through the testing API, with `examples/password-keeper` (the
//! whole charm, built once per process): a state in, the runs, deferral and
//! the state after out, and what a databag write fires across.

use std::path::Path;
use std::sync::OnceLock;

use super::*;
use crate::model::{Status, StatusInfo};

fn keeper() -> Context {
    static COMPONENT: OnceLock<std::path::PathBuf> = OnceLock::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let crate_dir = root.join("examples/password-keeper");
    let component = COMPONENT.get_or_init(|| {
        CrateBuild::new(&crate_dir)
            .target_dir(root.join("target/examples"))
            .build()
            .unwrap()
    });
    Context::from_component(component, Some(&crate_dir)).unwrap()
}

/// A unit's state with its peer relation, as Juju makes it on deploy.
fn with_peers() -> State {
    State::default().relation(RelationState::peer("keeper-peers"))
}

fn status(info: &StatusInfo) -> (Status, &str) {
    (info.status, info.message.as_str())
}

#[test]
fn the_leader_makes_the_passwords_when_elected_and_the_status_says_so() {
    let ctx = keeper();
    let out = ctx
        .run_hook("leader-elected", &with_peers().leader(true))
        .unwrap();
    assert!(out.succeeded(), "{:?}", out.runs);
    assert_eq!(
        status(&out.state.unit_status),
        (Status::Active, "keeping 3 passwords")
    );
    let secret = out
        .state
        .secret_labelled("system-users")
        .expect("the secret");
    let users: Vec<&String> = secret.newest_content().keys().collect();
    assert_eq!(users, ["backup", "operator", "replication"]);
    // The peers hear of the application bag's change.
    assert_eq!(
        out.fired,
        [FiredEvent {
            application: "password-keeper".into(),
            hook: "keeper-peers-relation-changed".into(),
            remote_unit: None,
        }]
    );
}

#[test]
fn a_bad_config_blocks_the_unit_with_the_reason() {
    let ctx = keeper();
    let state = with_peers().config("password-length", serde_json::json!(8));
    let out = ctx.run_hook("config-changed", &state).unwrap();
    assert_eq!(
        status(&out.state.unit_status),
        (
            Status::Blocked,
            "config option \"password-length\" is 8: it must be from 16 to 128"
        )
    );
    assert!(out.state.secrets.is_empty());
}

#[test]
fn a_client_relating_before_there_are_passwords_is_deferred_then_answered() {
    let ctx = keeper();
    let client = RelationState::new("database", "client").remote_unit("client/0", [("hi", "1")]);
    let state = with_peers()
        .leader(true)
        .config("password-length", serde_json::json!(8))
        .relation(client);
    // No passwords yet (the config is wrong): the event is kept.
    let out = ctx.run_hook("database-relation-joined", &state).unwrap();
    assert_eq!(out.ran(), ["database-relation-joined"]);
    assert!(out.runs[0].deferred);
    assert_eq!(out.state.deferred.len(), 1);
    let deferred = &out.state.deferred[0];
    assert_eq!(deferred.remote_unit.as_deref(), Some("client/0"));
    assert_eq!(deferred.relation.as_ref().unwrap().endpoint, "database");

    // The config fixed, the next event runs the deferred one first: still
    // no passwords then, so it defers again; config-changed makes them.
    let mut fixed = out.state.clone();
    fixed.config.remove("password-length");
    let out = ctx.run_hook("config-changed", &fixed).unwrap();
    assert_eq!(
        out.ran(),
        ["database-relation-joined (deferred)", "config-changed"]
    );
    assert!(out.runs[0].deferred);
    assert_eq!(out.state.deferred.len(), 1);
    assert!(out
        .state
        .relation_on("database")
        .unwrap()
        .local_app_data
        .is_empty());

    // The next event after that: the deferred one shares the secret, and
    // is done.
    let out = ctx.run_hook("update-status", &out.state).unwrap();
    assert_eq!(
        out.ran(),
        ["database-relation-joined (deferred)", "update-status"]
    );
    assert!(!out.runs[0].deferred);
    assert!(out.state.deferred.is_empty());
    let relation = out.state.relation_on("database").unwrap();
    assert!(
        relation.local_app_data["secret-id"].starts_with("secret:"),
        "{relation:?}"
    );
    assert_eq!(relation.local_app_data["username"], "operator");
    assert!(
        out.fired.contains(&FiredEvent {
            application: "client".into(),
            hook: "database-relation-changed".into(),
            remote_unit: None,
        }),
        "{:?}",
        out.fired
    );
}
