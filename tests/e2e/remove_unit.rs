//! `charmbox remove-unit` through the binary: the dying unit departs each
//! relation (then breaks it, but a peer relation), the units it leaves see
//! it depart, it stops and is removed, the next unit leads; a hook failing
//! on the way leaves the unit in error until `resolve` goes on.

use serde_json::json;

use crate::hooks::{arg, ok, script, unit_rows};
use crate::support::{example_charm_dir, Charmbox, Run};

/// The rows of a hook table: unit, hook, context, status.
fn fired(run: &Run) -> Vec<[String; 4]> {
    let mut lines = run.stdout.lines();
    let header = lines.next().unwrap_or_default().to_owned();
    assert!(header.starts_with("Id "), "a hook table: {}", run.stdout);
    let column = |name: &str| header.find(name).unwrap();
    let bounds = [
        (column("Unit"), column("Hook")),
        (column("Hook"), column("Context")),
        (column("Context"), column("Status")),
        (column("Status"), column("Cause")),
    ];
    lines
        .take_while(|l| !l.starts_with("removed unit "))
        .map(|line| bounds.map(|(from, to)| line[from..to.min(line.len())].trim().to_owned()))
        .collect()
}

fn row(unit: &str, hook: &str, context: &str, status: &str) -> [String; 4] {
    [unit, hook, context, status].map(str::to_owned)
}

/// `client` (the probe, 2 units, peers on `cluster`) related to a
/// two-unit password-keeper.
fn two_related_applications() -> (Charmbox, tempfile::TempDir, tempfile::TempDir) {
    let probe = example_charm_dir("juju-probe");
    let keeper = example_charm_dir("password-keeper");
    let charmbox = Charmbox::new();
    ok(&charmbox.cmd(&["deploy", arg(probe.path()), "client", "-n", "2"]));
    ok(&charmbox.cmd(&["deploy", arg(keeper.path()), "-n", "2"]));
    ok(&charmbox.cmd(&["integrate", "client:keeper", "password-keeper"]));
    (charmbox, probe, keeper)
}

#[test]
fn remove_unit_departs_breaks_stops_removes_and_elects_the_next_leader() {
    let (charmbox, _probe, _keeper) = two_related_applications();
    let run = charmbox.cmd(&["remove-unit", "client/0"]);
    ok(&run);
    let departing = "departing-unit=client/0";
    assert_eq!(
        fired(&run),
        [
            row(
                "client/0",
                "cluster-relation-departed",
                &format!("relation=cluster:0 remote-unit=client/1 {departing}"),
                "completed"
            ),
            row(
                "client/1",
                "cluster-relation-departed",
                &format!("relation=cluster:0 remote-unit=client/0 {departing}"),
                "completed"
            ),
            row(
                "client/0",
                "keeper-relation-departed",
                &format!("relation=keeper:2 remote-unit=password-keeper/0 {departing}"),
                "completed"
            ),
            row(
                "client/0",
                "keeper-relation-departed",
                &format!("relation=keeper:2 remote-unit=password-keeper/1 {departing}"),
                "completed"
            ),
            row(
                "client/0",
                "keeper-relation-broken",
                "relation=keeper:2 remote-app=password-keeper",
                "completed"
            ),
            row(
                "password-keeper/0",
                "database-relation-departed",
                &format!("relation=database:2 remote-unit=client/0 {departing}"),
                "no handler"
            ),
            row(
                "password-keeper/1",
                "database-relation-departed",
                &format!("relation=database:2 remote-unit=client/0 {departing}"),
                "no handler"
            ),
            row("client/0", "stop", "", "completed"),
            row("client/0", "remove", "", "completed"),
            row("client/1", "leader-elected", "", "completed"),
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\nremoved unit client/0\n"),
        "{}",
        run.stdout
    );
    // The charm saw Juju's context: the probe logs each hook's.
    let log = charmbox.cmd(&["debug-log", "--include", "client/1"]);
    ok(&log);
    assert!(
        log.stdout.contains(
            "hook cluster-relation-departed relation=cluster:0 remote-unit=client/0 \
             remote-app=client departing-unit=client/0"
        ),
        "{}",
        log.stdout
    );

    // Gone from the model: status, show-unit, the relation's bags.
    let status = charmbox.cmd(&["status"]);
    ok(&status);
    let units: Vec<String> = unit_rows(&status).into_iter().map(|u| u.0).collect();
    assert!(units.contains(&"client/1*".to_owned()), "{}", status.stdout);
    assert!(
        !units.iter().any(|u| u.starts_with("client/0")),
        "{}",
        status.stdout
    );
    let show = charmbox.cmd(&["show-unit", "client/0"]);
    assert_ne!(show.code, 0, "{}", show.stdout);
    let keeper = charmbox.cmd(&["show-unit", "password-keeper/0", "--format", "json"]);
    ok(&keeper);
    assert!(!keeper.stdout.contains("client/0"), "{}", keeper.stdout);
    assert!(!charmbox.state_dir().join("units").join("client-0").exists());

    // Juju never gives a removed unit's number again.
    let added = charmbox.cmd(&["add-unit", "client"]);
    ok(&added);
    assert_eq!(
        fired(&added)[0],
        row("client/2", "install", "", "completed"),
        "{}",
        added.stdout
    );
    // Removing it twice: it is not there.
    let again = charmbox.cmd(&["remove-unit", "client/0"]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(
        again.stderr.contains("unit \"client/0\" does not exist"),
        "{}",
        again.stderr
    );
}

#[test]
fn a_hook_failing_during_removal_leaves_the_unit_dying_in_error_until_resolve() {
    let probe = example_charm_dir("juju-probe");
    let charmbox = Charmbox::new();
    ok(&charmbox.cmd(&["deploy", arg(probe.path()), "-n", "2"]));
    script(
        &charmbox,
        probe.path(),
        "juju-probe/1",
        "stop",
        Some(json!({"then": "error"})),
    );
    let run = charmbox.cmd(&["remove-unit", "juju-probe", "--num-units", "1"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let hooks: Vec<(String, String)> = fired(&run)
        .into_iter()
        .map(|[unit, hook, _, status]| (format!("{unit} {hook}"), status))
        .collect();
    assert_eq!(
        hooks.last().unwrap(),
        &("juju-probe/1 stop".to_owned(), "failed".to_owned()),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("removed unit"), "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "remove on juju-probe/1 waits: unit juju-probe/1, being removed, is in error (hook \
             \"stop\" failed); `charmbox resolve juju-probe/1` goes on with its removal"
        ),
        "{}",
        run.stderr
    );
    let status = charmbox.cmd(&["status"]);
    let units = unit_rows(&status);
    assert_eq!(
        (
            units[1].0.as_str(),
            units[1].1.as_str(),
            units[1].3.as_str()
        ),
        ("juju-probe/1", "error", "hook failed: \"stop\""),
        "{}",
        status.stdout
    );
    // Asked again, it says what it waits for.
    let again = charmbox.cmd(&["remove-unit", "juju-probe/1"]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("already being removed"),
        "{}",
        again.stderr
    );

    // Fixed, resolve runs stop again and goes on: remove, and it is gone.
    script(&charmbox, probe.path(), "juju-probe/1", "stop", None);
    let resolved = charmbox.cmd(&["resolve", "juju-probe/1"]);
    ok(&resolved);
    let hooks: Vec<String> = fired(&resolved)
        .into_iter()
        .map(|[unit, hook, _, status]| format!("{unit} {hook} {status}"))
        .collect();
    assert_eq!(
        hooks,
        [
            "juju-probe/1 stop completed",
            "juju-probe/1 remove completed"
        ],
        "{}",
        resolved.stdout
    );
    assert!(
        resolved.stdout.contains("removed unit juju-probe/1"),
        "{}",
        resolved.stdout
    );
    let status = charmbox.cmd(&["status"]);
    let units: Vec<String> = unit_rows(&status).into_iter().map(|u| u.0).collect();
    assert_eq!(units, ["juju-probe/0*"], "{}", status.stdout);
}

#[test]
fn remove_unit_refuses_what_is_not_a_unit_here() {
    let charmbox = Charmbox::new();
    let bad = charmbox.cmd(&["remove-unit", "nope"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("invalid unit name \"nope\""),
        "{}",
        bad.stderr
    );
    let unit_with_count = charmbox.cmd(&["remove-unit", "app/0", "--num-units", "1"]);
    assert_eq!(unit_with_count.code, 2);
    assert!(
        unit_with_count
            .stderr
            .contains("--num-units takes an application, not a unit"),
        "{}",
        unit_with_count.stderr
    );
}
