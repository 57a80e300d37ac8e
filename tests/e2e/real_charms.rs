//! Real charms' action definitions (tests/fixtures/real-charms: 71
//! published charms, each `actions.yaml` copied from its repository with
//! the repository, path and commit in its header): each loads, is listed
//! and checked, and each action runs with no params (completed with
//! Juju's defaults, or refused naming the missing params, as Juju does)
//! and with the invocations the charms' own documentation gives, through
//! the real binary, with a test component exporting every action
//! (tests/e2e/wat_charm.rs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::support::{repo_root, Charmbox};
use crate::wat_charm::WatCharm;

fn fixtures() -> PathBuf {
    repo_root()
        .join("tests")
        .join("fixtures")
        .join("real-charms")
}

/// What Juju does with an action run with no params (expectations.json).
#[derive(Debug, Deserialize)]
struct Expectation {
    charm: String,
    action: String,
    no_args: String,
    missing: Vec<String>,
}

/// A documented `juju run` (invocations.json).
#[derive(Debug, Deserialize)]
struct Invocation {
    charm: String,
    action: String,
    args: Vec<String>,
    source: String,
    unit: String,
    #[serde(default)]
    options: Vec<String>,
    juju_check: JujuCheck,
}

#[derive(Debug, Deserialize)]
struct JujuCheck {
    #[serde(default)]
    with_defaults: Option<Value>,
    juju_4: Verdict,
}

#[derive(Debug, Deserialize)]
struct Verdict {
    result: String,
}

fn read<T: serde::de::DeserializeOwned>(file: &str) -> T {
    let text = std::fs::read_to_string(fixtures().join(file)).expect(file);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// A charm directory of fixture `charm`: its metadata, and a component
/// exporting each of `actions`.
fn charm_dir(charm: &str, actions: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in ["actions.yaml", "metadata.yaml"] {
        std::fs::copy(fixtures().join(charm).join(file), dir.path().join(file)).unwrap();
    }
    WatCharm::echoing(actions).write_to(dir.path());
    dir
}

/// The actions `charmbox actions --format json` lists for `dir`.
fn listed(charmbox: &Charmbox, dir: &Path) -> Vec<String> {
    let run = charmbox.cmd(&["actions", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "actions: {}", run.stderr);
    run.json().as_object().unwrap().keys().cloned().collect()
}

/// The documented options charmbox has: `--wait` and `--string-args`;
/// not `-m MODEL` or `-q` (there are no models or verbosity levels here),
/// nor `--format`, which the test sets itself.
fn supported_options(options: &[String]) -> Vec<&str> {
    let mut kept = Vec::new();
    for option in options {
        let mut words = option.split_whitespace();
        match words.next() {
            Some(flag) if flag.starts_with("--wait") || flag == "--string-args" => kept.push(flag),
            _ => {}
        }
    }
    kept
}

#[test]
fn every_real_charm_loads_lists_checks_and_runs_as_juju_would() {
    let expectations: Vec<Expectation> = read("expectations.json");
    let invocations: Vec<Invocation> = read("invocations.json");
    let mut by_charm: BTreeMap<&str, Vec<&Expectation>> = BTreeMap::new();
    for e in &expectations {
        by_charm.entry(e.charm.as_str()).or_default().push(e);
    }
    assert!(by_charm.len() >= 20, "at least 20 charms");
    let charmbox = Charmbox::new();
    let mut failures = Vec::new();
    let mut runs = 0;
    for (charm, expected) in &by_charm {
        let mut names: Vec<String> = expected.iter().map(|e| e.action.clone()).collect();
        let dir = charm_dir(charm, &names);
        let path = dir.path().to_str().unwrap();
        let mut shown = listed(&charmbox, dir.path());
        shown.sort();
        names.sort();
        if shown != names {
            failures.push(format!(
                "{charm}: actions lists {shown:?}, expected {names:?}"
            ));
            continue;
        }
        let check = charmbox.cmd(&["check", path]);
        if check.code != 0 {
            failures.push(format!(
                "{charm}: check failed: {}{}",
                check.stdout, check.stderr
            ));
            continue;
        }
        for e in expected {
            runs += 1;
            let run = charmbox.run(dir.path(), &e.action, &["--unit", &format!("{charm}/0")]);
            let what = format!("{charm} {} (no params)", e.action);
            match e.no_args.as_str() {
                "runs" => {
                    if run.code != 0 {
                        failures.push(format!("{what}: exit {}: {}", run.code, run.stderr));
                        continue;
                    }
                    let task = run.task(&format!("{charm}/0"));
                    let params = task["results"]["params"].as_str().unwrap_or_default();
                    if serde_json::from_str::<Value>(params).map_or(true, |p| !p.is_object()) {
                        failures.push(format!("{what}: the handler got no params map: {task}"));
                    }
                }
                "refused" => {
                    let named = e.missing.iter().all(|m| {
                        run.stderr
                            .contains(&format!("{m}: required, but not given"))
                    });
                    if run.code != 2 || !named {
                        failures.push(format!(
                            "{what}: expected a refusal naming {:?}, got exit {}: {}",
                            e.missing, run.code, run.stderr
                        ));
                    }
                }
                other => panic!("unknown expectation {other}"),
            }
        }
    }
    for inv in &invocations {
        runs += 1;
        let names: Vec<String> = expectations
            .iter()
            .filter(|e| e.charm == inv.charm)
            .map(|e| e.action.clone())
            .collect();
        let dir = charm_dir(&inv.charm, &names);
        let mut args: Vec<&str> = inv.args.iter().map(String::as_str).collect();
        args.extend(supported_options(&inv.options));
        args.extend(["--unit", inv.unit.as_str()]);
        let run = charmbox.run(dir.path(), &inv.action, &args);
        let what = format!(
            "{} {} {} ({})",
            inv.charm,
            inv.action,
            inv.args.join(" "),
            inv.source
        );
        if inv.unit.parse::<charmbox::unit::UnitTarget>().is_err() {
            // A placeholder such as `app/<n>`: Juju refuses the command too
            // ("invalid unit or action name").
            if run.code != 2 || !run.stderr.contains("invalid unit name") {
                failures.push(format!(
                    "{what}: unit {:?} accepted: {}",
                    inv.unit, run.stderr
                ));
            }
            continue;
        }
        match inv.juju_check.juju_4.result.as_str() {
            "accepted" => {
                if run.code != 0 {
                    failures.push(format!(
                        "{what}: Juju accepts it; exit {}: {}",
                        run.code, run.stderr
                    ));
                    continue;
                }
                // `app/leader` is the application's unit 0 here.
                let unit = inv.unit.replace("/leader", "/0");
                let task = run.task(&unit);
                let got: Value =
                    serde_json::from_str(task["results"]["params"].as_str().unwrap_or("null"))
                        .unwrap_or(Value::Null);
                if let Some(expected) = &inv.juju_check.with_defaults {
                    if &got != expected {
                        failures.push(format!(
                            "{what}: the handler got {got}, Juju gives {expected}"
                        ));
                    }
                }
            }
            "refused" => {
                if run.code != 2 || !run.stderr.contains("invalid params") {
                    failures.push(format!(
                        "{what}: Juju refuses it; exit {}: {}{}",
                        run.code, run.stdout, run.stderr
                    ));
                }
            }
            other => panic!("unknown verdict {other}"),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} runs differ from Juju:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
