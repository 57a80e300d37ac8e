//! Charm directories: `actions`, `check`, and params validated against the
//! schema in `charmcraft.yaml` before the sandbox starts.

use crate::support::{example_charm_dir, example_component, Charmbox};
use crate::wat_charm::WatCharm;

#[test]
fn actions_lists_names_and_descriptions() {
    let charm = example_charm_dir("hello");
    let run = Charmbox::new().cmd(&["actions", charm.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("Action") && lines[0].ends_with("Description"));
    // In Juju's order: by name.
    let names: Vec<&str> = lines[1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split(' ').next())
        .collect();
    assert_eq!(
        names,
        [
            "check-disk",
            "greet",
            "ping",
            "restore-snapshot",
            "snapshot-database"
        ]
    );
    assert!(lines[2].starts_with("greet ") && lines[2].contains("Greet someone by name"));
    // The five actions, then what the component can reach (its hooks
    // read config and relation data, and set its status).
    assert_eq!(
        lines[6..],
        [
            "",
            "it can:",
            "  - reads its params and reports results",
            "  - reads config",
            "  - writes status",
            "  - reads relation data"
        ],
        "{}",
        run.stdout
    );
    let reach = Charmbox::new().cmd(&[
        "actions",
        example_charm_dir("juju-probe").path().to_str().unwrap(),
    ]);
    assert!(
        reach.stdout.contains("\nit can:\n")
            && reach.stdout.contains("  - opens and closes ports\n"),
        "{}",
        reach.stdout
    );
    // Without a component there is only the metadata to read.
    std::fs::remove_file(charm.path().join("charm.wasm")).unwrap();
    let bare = Charmbox::new().cmd(&["actions", charm.path().to_str().unwrap()]);
    assert_eq!(bare.code, 0, "{}", bare.stderr);
    assert_eq!(bare.stdout.lines().count(), 6, "{}", bare.stdout);
}

#[test]
fn actions_schema_is_one_json_schema_object_per_action() {
    let charm = example_charm_dir("hello");
    let run = Charmbox::new().cmd(&[
        "actions",
        charm.path().to_str().unwrap(),
        "--schema",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let schemas = run.json();
    let greet = &schemas["greet"];
    assert_eq!(greet["type"], "object");
    assert_eq!(greet["title"], "greet");
    assert_eq!(greet["required"], serde_json::json!(["name"]));
    assert_eq!(greet["additionalProperties"], false);
    assert_eq!(greet["properties"]["language"]["default"], "en");
    // YAML too.
    let yaml = Charmbox::new().cmd(&[
        "actions",
        charm.path().to_str().unwrap(),
        "--format",
        "yaml",
    ]);
    let map: serde_json::Value = serde_norway::from_str(&yaml.stdout).unwrap();
    assert_eq!(map["check-disk"], "Check a path on disk.");
}

#[test]
fn check_passes_a_sound_charm() {
    let charm = example_charm_dir("hello");
    let run = Charmbox::new().cmd(&["check", charm.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("ok"), "{}", run.stdout);
}

#[test]
fn check_and_run_refuse_a_mismatched_charm_with_the_same_message() {
    let charm = example_charm_dir("hello");
    let yaml = charm.path().join("charmcraft.yaml");
    let mut text = std::fs::read_to_string(&yaml).unwrap();
    text.push_str("  rotate-keys:\n    description: Declared but never written.\n");
    std::fs::write(&yaml, text).unwrap();
    let charmbox = Charmbox::new();
    let check = charmbox.cmd(&["check", charm.path().to_str().unwrap()]);
    assert_eq!(check.code, 1, "{}", check.stdout);
    let problem = "action \"rotate-keys\" is declared in charmcraft.yaml but the component does not export it";
    assert!(check.stdout.contains(problem), "{}", check.stdout);
    assert!(check.stdout.contains("hint:"), "{}", check.stdout);
    let run = charmbox.run(charm.path(), "greet", &["name=Ada"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(problem), "{}", run.stderr);
}

#[test]
fn check_and_pack_refuse_a_name_juju_refuses_as_run_does_and_say_where_it_came_from() {
    let charmbox = Charmbox::new();
    let out = tempfile::tempdir().unwrap();
    // A `name:` Juju refuses: check, pack and run all refuse it, naming it
    // and its file.
    let charm = example_charm_dir("hello");
    let yaml = charm.path().join("charmcraft.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, text.replacen("name: hello", "name: My_Charm", 1)).unwrap();
    let problem = "the charm's name \"My_Charm\", from the `name:` of";
    let check = charmbox.cmd(&["check", charm.path().to_str().unwrap()]);
    assert_eq!(check.code, 1, "{check:?}");
    assert!(check.stdout.contains(problem), "{}", check.stdout);
    assert!(
        check.stdout.contains("`name: my-charm`"),
        "{}",
        check.stdout
    );
    let packed = out.path().join("packed");
    let pack = charmbox.cmd(&[
        "pack",
        charm.path().to_str().unwrap(),
        "-o",
        packed.to_str().unwrap(),
    ]);
    assert_eq!(pack.code, 2, "{pack:?}");
    assert!(pack.stderr.contains(problem), "{}", pack.stderr);
    assert!(!packed.exists(), "nothing packed");
    let run = charmbox.run(charm.path(), "greet", &["name=Ada", "--unit", "my-app/0"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains(problem), "{}", run.stderr);

    // No `name:`: the directory's name is used, and check says so; one
    // Juju refuses is refused, naming the directory.
    for (dir_name, code) in [("from-its-dir", 0), ("From_Its_Dir", 1)] {
        let charm = example_charm_dir("hello");
        let dir = out.path().join(dir_name);
        std::fs::create_dir(&dir).unwrap();
        let text = std::fs::read_to_string(charm.path().join("charmcraft.yaml")).unwrap();
        let unnamed: String = text
            .lines()
            .filter(|line| !line.starts_with("name:"))
            .map(|line| format!("{line}\n"))
            .collect();
        std::fs::write(dir.join("charmcraft.yaml"), unnamed).unwrap();
        std::fs::copy(charm.path().join("charm.wasm"), dir.join("charm.wasm")).unwrap();
        let check = charmbox.cmd(&["check", dir.to_str().unwrap()]);
        assert_eq!(check.code, code, "{check:?}");
        assert!(
            check.stdout.contains("(charmcraft.yaml has no `name:`)")
                && check
                    .stdout
                    .contains(&format!("the directory {}", dir.display())),
            "{}",
            check.stdout
        );
        if code == 0 {
            assert!(
                check
                    .stdout
                    .contains("warning: the charm is named \"from-its-dir\""),
                "{}",
                check.stdout
            );
        } else {
            assert!(
                check.stdout.contains("`name: from-its-dir`"),
                "{}",
                check.stdout
            );
        }
    }
}

/// Runs `greet` on the hello charm directory with `args`; asserts the run was
/// refused before the sandbox started and returns stderr.
fn refused(args: &[&str]) -> String {
    let charm = example_charm_dir("hello");
    let charmbox = Charmbox::new();
    let run = charmbox.run(charm.path(), "greet", args);
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(run.stdout.is_empty(), "no task printed: {}", run.stdout);
    assert!(
        !charmbox.state_dir().join("units").exists(),
        "the sandbox never started, so no unit data directory was made"
    );
    assert!(
        run.stderr.contains("JSON validation failed"),
        "{}",
        run.stderr
    );
    run.stderr
}

#[test]
fn a_missing_required_param_is_refused() {
    let stderr = refused(&[]);
    assert!(stderr.contains("name: required, but not given"), "{stderr}");
}

#[test]
fn a_wrong_type_is_refused_naming_expected_and_given() {
    let stderr = refused(&["name=Ada", "style.uppercase=loud"]);
    assert!(
        stderr.contains("style.uppercase: expected a boolean, given \"loud\" (string)"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_param_is_refused() {
    let stderr = refused(&["name=Ada", "colour=red"]);
    assert!(
        stderr.contains("colour: not a param of this action"),
        "{stderr}"
    );
}

#[test]
fn enum_and_bounds_are_enforced() {
    let stderr = refused(&["name=Ada", "language=es"]);
    assert!(
        stderr.contains("language: expected one of [\"en\",\"fr\",\"de\"], given \"es\""),
        "{stderr}"
    );
    let charm = example_charm_dir("hello");
    let run = Charmbox::new().run(
        charm.path(),
        "snapshot-database",
        &["filename=x", "steps=11"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("steps: expected at most 10, given 11"),
        "{}",
        run.stderr
    );
}

#[test]
fn valid_params_run_with_defaults_filled() {
    let charm = example_charm_dir("hello");
    let run = Charmbox::new().run(charm.path(), "snapshot-database", &["filename=db.snap"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let task = run.task("hello/0");
    // `steps` defaults to 3 in the schema.
    assert_eq!(task["results"]["snapshot"]["steps"], "3");
    assert!(!run.stderr.contains("unvalidated"), "{}", run.stderr);
}

#[test]
fn a_bare_component_runs_unvalidated_and_says_so_once() {
    let hello = example_component("hello");
    let run = Charmbox::new().run(&hello, "greet", &["name=Ada", "colour=red"]);
    assert_eq!(run.code, 1, "the handler itself refuses the unknown field");
    assert_eq!(
        run.stderr.matches("params are passed unvalidated").count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn an_undeclared_export_is_no_action_check_warns_and_the_declared_ones_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("charmcraft.yaml"),
        "name: partial\ntype: charm\nactions:\n  echo:\n    description: Echoes.\n",
    )
    .unwrap();
    WatCharm::echoing(["echo", "extra"]).write_to(dir.path());
    let path = dir.path().to_str().unwrap();
    let charmbox = Charmbox::new();

    let check = charmbox.cmd(&["check", path]);
    assert_eq!(
        check.code, 0,
        "a warning does not fail check: {}",
        check.stdout
    );
    assert!(
        check.stdout.contains("partial: ok: 1 action declared")
            && check.stdout.contains(
                "warning: the component exports \"extra\", which is neither an action \
                 charmcraft.yaml declares nor a hook this charm can receive"
            ),
        "{}",
        check.stdout
    );
    let listed = charmbox.cmd(&["actions", path, "--format", "json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let names: Vec<String> = listed.json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(names, ["echo"]);

    let run = charmbox.run(dir.path(), "echo", &[]);
    assert_eq!(run.code, 0, "the declared action runs: {}", run.stderr);
    assert_eq!(run.task("partial/0")["status"], "completed");
    let refused = charmbox.run(dir.path(), "extra", &[]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("extra"), "{}", refused.stderr);
}
