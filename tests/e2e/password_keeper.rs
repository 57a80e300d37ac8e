//! `examples/password-keeper` run locally as its README runs it: a password
//! set on the leader, read on another unit, leadership moved, config
//! changed, every password rotated, and `charmbox show-unit` before and
//! after showing what the charm changed in the peer relation's databag.

use serde_json::Value;

use crate::support::{example_charm_dir, Charmbox, Run};

const LEADER: &str = "password-keeper/0";
const OTHER: &str = "password-keeper/1";

fn run_on(charmbox: &Charmbox, charm: &std::path::Path, unit: &str, args: &[&str]) -> Run {
    let (action, params) = args.split_first().unwrap();
    let mut all = params.to_vec();
    all.extend(["--unit", unit]);
    charmbox.run(charm, action, &all)
}

fn completed(run: &Run, unit: &str) -> Value {
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let task = run.task(unit);
    assert_eq!(task["status"], "completed", "{task:#}");
    task["results"].clone()
}

/// `show-unit UNIT --format json`: the unit's part.
fn show_unit(charmbox: &Charmbox, unit: &str) -> Value {
    let shown = charmbox.cmd(&["show-unit", unit, "--format", "json"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    shown.json()[unit].clone()
}

/// The peer relation's application databag, as show-unit shows it.
fn keeper_bag(unit: &Value) -> Value {
    let relations = unit["relation-info"].as_array().unwrap();
    let peers = relations
        .iter()
        .find(|r| r["endpoint"] == "keeper-peers")
        .unwrap_or_else(|| panic!("no keeper-peers relation in {unit:#}"));
    peers["application-data"].clone()
}

#[test]
fn the_password_rotation_runs_locally_and_show_unit_shows_what_changed() {
    let charm = example_charm_dir("password-keeper");
    let charm = charm.path();
    let charmbox = Charmbox::new();

    let set = run_on(
        &charmbox,
        charm,
        LEADER,
        &[
            "set-password",
            "username=operator",
            "password=initial-operator-pw",
        ],
    );
    let secret_id = completed(&set, LEADER)["secret-id"]
        .as_str()
        .unwrap()
        .to_owned();
    let read = run_on(&charmbox, charm, OTHER, &["get-password"]);
    assert_eq!(completed(&read, OTHER)["password"], "initial-operator-pw");

    let before = show_unit(&charmbox, LEADER);
    assert_eq!(before["leader"], true);
    let bag = keeper_bag(&before);
    assert_eq!(bag["secret-id"], secret_id.as_str());
    assert_eq!(bag["changes"], "1");
    assert_eq!(bag["last-changed"], r#"["operator"]"#);

    // Only the leader rotates.
    let refused = run_on(&charmbox, charm, OTHER, &["rotate-password"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.task(OTHER)["message"]
            .as_str()
            .unwrap()
            .contains("which only the leader may do"),
        "{}",
        refused.stdout
    );

    let moved = charmbox.cmd(&["set-leader", OTHER]);
    assert_eq!(moved.code, 0, "{}", moved.stderr);
    let configured = charmbox.cmd(&["config", "password-keeper", "password-length=20"]);
    assert_eq!(configured.code, 0, "{}", configured.stderr);
    let rotated = run_on(&charmbox, charm, OTHER, &["rotate-password"]);
    let results = completed(&rotated, OTHER);
    assert_eq!(results["users"], "backup operator replication");
    assert_eq!(results["secret-id"], secret_id.as_str());

    let after = show_unit(&charmbox, LEADER);
    assert_eq!(after["leader"], false);
    assert_eq!(show_unit(&charmbox, OTHER)["leader"], true);
    let bag = keeper_bag(&after);
    assert_eq!(bag["secret-id"], secret_id.as_str());
    // Three changes: set-password; config-changed on the new leader, which
    // made the passwords of the users that had none; the rotation.
    assert_eq!(bag["changes"], "3");
    assert_eq!(
        bag["last-changed"],
        r#"["backup","operator","replication"]"#
    );

    // The old leader reads the new password; the secret has a third
    // revision (config-changed's, the rotation's).
    let reread = run_on(&charmbox, charm, LEADER, &["get-password"]);
    let password = completed(&reread, LEADER)["password"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(password.len(), 20);
    assert_ne!(password, "initial-operator-pw");
    let secret = charmbox.cmd(&["show-secret", "system-users", "--format", "json"]);
    assert_eq!(secret.code, 0, "{}", secret.stderr);
    assert_eq!(secret.json()[&secret_id]["revision"], 3);

    let status = charmbox.cmd(&["status", "--format", "json"]);
    let app = &status.json()["applications"]["password-keeper"];
    assert_eq!(app["application-status"]["message"], "3 passwords kept");
}
