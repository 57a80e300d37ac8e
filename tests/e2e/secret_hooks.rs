//! Secret hooks fired by the local model, through the binary: a new
//! revision (`update-secret`, or `secret-set` from an action) fires
//! `secret-changed` on the units that read the secret, once per revision,
//! with its URI and the reader's label; a revision no reader tracks any
//! more fires `secret-remove` on its owner.

use std::path::Path;

use serde_json::{json, Value};

use crate::hooks::{arg, ok};
use crate::support::{example_charm_dir, Charmbox, Run};

/// The hook rows of a table in `text` (stdout or stderr): unit, hook,
/// context, status.
fn fired(text: &str) -> Vec<[String; 4]> {
    let Some(start) = text.find("Id  ") else {
        return Vec::new();
    };
    let mut lines = text[start..].lines();
    let header = lines.next().unwrap().to_owned();
    let column = |name: &str| header.find(name).unwrap();
    let bounds = [
        (column("Unit"), column("Hook")),
        (column("Hook"), column("Context")),
        (column("Context"), column("Status")),
        (column("Status"), column("Cause")),
    ];
    lines
        .take_while(|l| l.len() > bounds[3].1)
        .map(|line| bounds.map(|(from, to)| line[from..to.min(line.len())].trim().to_owned()))
        .collect()
}

/// Runs the probe's `run-steps` on `unit` with `steps`; the outcomes.
fn steps(charmbox: &Charmbox, probe: &Path, unit: &str, steps: Value) -> (Run, Value) {
    let params = charmbox.state_dir().join(format!(
        "steps-{}.json",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::write(&params, json!({ "steps": steps }).to_string()).unwrap();
    let run = charmbox.cmd(&[
        "run",
        arg(probe),
        "run-steps",
        "--unit",
        unit,
        "--params",
        params.to_str().unwrap(),
        "--format",
        "json",
    ]);
    ok(&run);
    let outcomes: Value =
        serde_json::from_str(run.json()[unit]["results"]["outcomes"].as_str().unwrap()).unwrap();
    (run, outcomes)
}

#[test]
fn update_secret_fires_secret_changed_on_the_units_that_read_it_once_per_revision() {
    let probe = example_charm_dir("juju-probe");
    let charmbox = Charmbox::new();
    ok(&charmbox.cmd(&["deploy", arg(probe.path()), "-n", "2"]));
    let added = charmbox.cmd(&["add-secret", "db-pass", "password=one"]);
    ok(&added);
    let uri = added.stdout.trim().to_owned();
    ok(&charmbox.cmd(&["grant-secret", "db-pass", "juju-probe"]));
    // Only juju-probe/0 reads it (labelling it for itself).
    let (_, outcomes) = steps(
        &charmbox,
        probe.path(),
        "juju-probe/0",
        json!([{"call": "secret-get", "id": uri, "set-label": "db"}]),
    );
    assert_eq!(outcomes, json!([{"ok": [["password", "one"]]}]));

    let updated = charmbox.cmd(&["update-secret", "db-pass", "password=two"]);
    ok(&updated);
    assert!(
        updated.stdout.starts_with("db-pass has revision 2\n"),
        "{}",
        updated.stdout
    );
    assert_eq!(
        fired(&updated.stdout),
        [[
            "juju-probe/0".to_owned(),
            "secret-changed".to_owned(),
            format!("secret={uri} label=db"),
            "completed".to_owned()
        ]],
        "{}",
        updated.stdout
    );
    let log = charmbox.cmd(&["debug-log", "--include", "juju-probe/0"]);
    assert!(
        log.stdout.contains(&format!(
            "hook secret-changed secret-id={uri} secret-label=db"
        )),
        "{}",
        log.stdout
    );

    // The same content again: no revision, nothing fired.
    let same = charmbox.cmd(&["update-secret", "db-pass", "password=two"]);
    ok(&same);
    assert!(same.stdout.contains("no new revision"), "{}", same.stdout);
    assert!(fired(&same.stdout).is_empty(), "{}", same.stdout);
    // The next revision fires again.
    let third = charmbox.cmd(&["update-secret", "db-pass", "password=three"]);
    ok(&third);
    assert_eq!(fired(&third.stdout).len(), 1, "{}", third.stdout);
}

#[test]
fn an_owner_s_new_revision_reaches_the_client_and_its_refresh_reaches_the_owner() {
    let keeper = example_charm_dir("password-keeper");
    let probe = example_charm_dir("juju-probe");
    let charmbox = Charmbox::new();
    ok(&charmbox.cmd(&["deploy", arg(keeper.path())]));
    ok(&charmbox.cmd(&["deploy", arg(probe.path()), "client"]));
    ok(&charmbox.cmd(&["integrate", "client:keeper", "password-keeper"]));
    let shown = charmbox.cmd(&["show-unit", "client/0", "--format", "json"]);
    ok(&shown);
    let relation = shown.json()["client/0"]["relation-info"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["endpoint"] == "keeper")
        .unwrap()
        .clone();
    let uri = relation["application-data"]["secret-id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The client reads revision 1.
    steps(
        &charmbox,
        probe.path(),
        "client/0",
        json!([{"call": "secret-get", "id": uri}]),
    );

    // The keeper's leader rotates the passwords: a new revision (secret-set
    // from an action) and the client hears of it.
    let rotated = charmbox.cmd(&[
        "run",
        arg(keeper.path()),
        "rotate-password",
        "--unit",
        "password-keeper/0",
    ]);
    ok(&rotated);
    let changed = fired(&rotated.stderr);
    assert_eq!(
        changed,
        [[
            "client/0".to_owned(),
            "secret-changed".to_owned(),
            format!("secret={uri}"),
            "completed".to_owned()
        ]],
        "{}",
        rotated.stderr
    );

    // The client refreshes to revision 2: nobody tracks revision 1, and
    // the owner's leader is told to remove it.
    let (refreshed, _) = steps(
        &charmbox,
        probe.path(),
        "client/0",
        json!([{"call": "secret-get", "id": uri, "mode": "refresh"}]),
    );
    assert_eq!(
        fired(&refreshed.stderr),
        [[
            "password-keeper/0".to_owned(),
            "secret-remove".to_owned(),
            format!("secret={uri} label=system-users"),
            "no handler".to_owned()
        ]],
        "{}",
        refreshed.stderr
    );
    let hooks = charmbox.cmd(&["hooks", "password-keeper/0", "--format", "json"]);
    ok(&hooks);
    let remove = hooks
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["hook"] == "secret-remove")
        .cloned()
        .unwrap();
    assert_eq!(remove["context"]["secret_revision"], 1, "{remove}");
}
