//! Table-driven tests of the charm loader and the checker, with small
//! components written in the component text format.

use std::path::Path;

use super::check::DiagnosticKind;
use super::*;

/// A component whose exports and imports are given as WAT snippets.
fn component(imports: &str, exports: &[(&str, &str)]) -> Vec<u8> {
    let mut core_funcs = String::new();
    let mut lifts = String::new();
    for (name, ty) in exports {
        let (core_ty, comp_ty) = match *ty {
            "plain" => ("", ""),
            "takes-u32" => (
                "(param i32) (result i32) local.get 0",
                "(param \"n\" u32) (result u32)",
            ),
            "takes-bool" => ("(param i32)", "(param \"yes\" bool)"),
            other => panic!("unknown fixture type {other}"),
        };
        core_funcs.push_str(&format!("(func (export \"{name}\") {core_ty})\n"));
        lifts.push_str(&format!(
            "(func ${name} {comp_ty} (canon lift (core func $i \"{name}\")))\n(export \"{name}\" (func ${name}))\n"
        ));
    }
    let wat = format!(
        "(component {imports}\n(core module $m {core_funcs})\n(core instance $i (instantiate $m))\n{lifts})"
    );
    wat::parse_str(&wat).unwrap_or_else(|e| panic!("fixture WAT: {e}\n{wat}"))
}

fn charm_dir(actions_yaml: &str, wasm: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("actions.yaml"), actions_yaml).unwrap();
    std::fs::write(dir.path().join("metadata.yaml"), "name: fixture\n").unwrap();
    std::fs::write(dir.path().join(COMPONENT_FILE), wasm).unwrap();
    dir
}

const GREET_ONLY: &str = "greet:\n  description: Greets.\n";

#[test]
fn the_checker_reports_each_kind_of_mismatch() {
    let engine = Engine::new().unwrap();
    let missing_import = r#"(import "example:missing/thing" (instance (export "poke" (func))))"#;
    let cases: Vec<(&str, &str, Vec<u8>, Vec<DiagnosticKind>)> = vec![
        (
            "sound",
            GREET_ONLY,
            component("", &[("greet", "plain")]),
            vec![],
        ),
        (
            "declared, not exported",
            "greet:\n  description: x\nbackup:\n  description: z\n",
            component("", &[("greet", "plain")]),
            vec![DiagnosticKind::NotExported],
        ),
        (
            "exported, not declared",
            GREET_ONLY,
            component("", &[("greet", "plain"), ("extra", "plain")]),
            vec![DiagnosticKind::NotDeclared],
        ),
        (
            "wrong signature",
            "greet:\n  description: x\nresize:\n  description: z\n",
            component("", &[("greet", "plain"), ("resize", "takes-u32")]),
            vec![DiagnosticKind::WrongSignature],
        ),
        (
            "an undeclared function that is no handler",
            GREET_ONLY,
            component("", &[("greet", "plain"), ("resize", "takes-u32")]),
            vec![DiagnosticKind::OtherFunction],
        ),
        (
            "a toolchain's own export",
            GREET_ONLY,
            component("", &[("greet", "plain"), ("init", "takes-bool")]),
            vec![],
        ),
        (
            "a name Juju allows and WIT does not",
            "greet:\n  description: x\nback-2:\n  description: z\n",
            component("", &[("greet", "plain")]),
            vec![DiagnosticKind::NotExported],
        ),
        (
            "required, undeclared and refused",
            "greet:\n  params: {}\n  required: [x]\n",
            component("", &[("greet", "plain")]),
            vec![DiagnosticKind::RequiredUndeclared],
        ),
        (
            "missing import",
            GREET_ONLY,
            component(missing_import, &[("greet", "plain")]),
            vec![DiagnosticKind::MissingImport],
        ),
    ];
    for (case, yaml, wasm, expected) in cases {
        let dir = charm_dir(yaml, &wasm);
        let charm = Charm::load(&engine, dir.path()).unwrap_or_else(|e| panic!("{case}: {e}"));
        let found: Vec<DiagnosticKind> = charm.check().iter().map(|d| d.kind).collect();
        assert_eq!(found, expected, "{case}: {:#?}", charm.check());
        for diagnostic in charm.check() {
            assert!(
                !diagnostic.hint.is_empty(),
                "{case}: every problem has a hint"
            );
        }
    }
}

#[test]
fn diagnostics_name_the_action_the_type_and_the_import() {
    let engine = Engine::new().unwrap();
    let wasm = component(
        r#"(import "example:missing/thing" (instance (export "poke" (func))))"#,
        &[("resize", "takes-u32")],
    );
    let dir = charm_dir(
        "resize:\n  description: x\nbackup:\n  description: z\n",
        &wasm,
    );
    let charm = Charm::load(&engine, dir.path()).unwrap();
    let text: Vec<String> = charm.check().iter().map(|d| d.to_string()).collect();
    let all = text.join("\n");
    assert!(
        all.contains("\"backup\" is declared in actions.yaml"),
        "{all}"
    );
    assert!(all.contains("func(n: u32) -> u32"), "{all}");
    assert!(all.contains("example:missing/thing"), "{all}");
}

#[test]
fn the_loader_reports_bad_metadata_with_file_and_line() {
    let engine = Engine::new().unwrap();
    let wasm = component("", &[("greet", "plain")]);
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "malformed YAML",
            "greet:\n  description: [unclosed\n",
            &["actions.yaml", "line"],
        ),
        (
            "params not a map",
            "greet:\n  params: 5\n",
            &["actions.yaml", "\"greet\"", "`params` must be a map"],
        ),
        (
            "description not a string",
            "greet:\n  description: [a]\n",
            &["\"description\" must be a string"],
        ),
        (
            "required not a list",
            "greet:\n  required: x\n",
            &["\"required\" must be a YAML list"],
        ),
        (
            "schema type",
            "greet:\n  params:\n    count:\n      type: strnig\n",
            &["invalid params schema", "properties.count.type"],
        ),
        (
            "param schema not a map",
            "greet:\n  params:\n    count: string\n",
            &["\"properties.count\" must be a map"],
        ),
        (
            "$ref",
            "greet:\n  params:\n    count:\n      $ref: '#/x'\n",
            &["$ref"],
        ),
        (
            "bad name",
            "Greet:\n  description: x\n",
            &["bad action name \"Greet\"", "actions.yaml"],
        ),
        (
            "reserved name",
            "juju-run:\n  description: x\n",
            &["\"juju-\" prefix is reserved"],
        ),
        (
            // YAML 1.1, as Juju reads it: `n` is false, and keys must be
            // strings.
            "a param named n",
            "greet:\n  params:\n    n:\n      type: string\n",
            &["line 3", "non-string", "`false`"],
        ),
        (
            "a definition that is not a map",
            "greet: hello\n",
            &["line 1", "cannot unmarshal !!str `hello` into map"],
        ),
    ];
    for (case, yaml, wanted) in cases {
        let dir = charm_dir(yaml, &wasm);
        let err = match Charm::load(&engine, dir.path()) {
            Ok(_) => panic!("{case}: loaded"),
            Err(e) => e.to_string(),
        };
        for piece in *wanted {
            assert!(err.contains(piece), "{case}: {piece:?} not in {err:?}");
        }
    }
}

#[test]
fn every_key_of_a_definition_is_a_schema_keyword_as_in_juju() {
    let engine = Engine::new().unwrap();
    let wasm = component("", &[("greet", "plain"), ("other", "plain")]);
    // As published charms write them: `properties:` for `params:`, a
    // `title`, an `output` and a misspelt key, all kept in the schema.
    let yaml =
        "greet:\n  description: Greets.\n  title: Greeting\n  properties:\n    name:\n      \
                type: string\n  required: [name]\n  output:\n    greeting: {type: string}\n  \
                descripttion: typo\n  parallel: true\n  execution-group: g\nother:\n";
    let dir = charm_dir(yaml, &wasm);
    let charm = Charm::load(&engine, dir.path()).unwrap();
    let spec = charm.action_spec("greet").unwrap();
    let schema = spec.params.as_json();
    assert_eq!(schema["title"], "Greeting");
    assert_eq!(schema["properties"]["name"]["type"], "string");
    assert_eq!(schema["output"]["greeting"]["type"], "string");
    assert_eq!(schema["descripttion"], "typo");
    assert_eq!(schema["additionalProperties"], false);
    assert!(schema.get("parallel").is_none() && schema.get("execution-group").is_none());
    assert!(spec.parallel);
    assert_eq!(spec.execution_group.as_deref(), Some("g"));
    // `other:` with nothing under it: Juju's defaults.
    let other = charm.action_spec("other").unwrap();
    assert_eq!(other.description, "No description");
    assert_eq!(
        other.params.as_json(),
        &serde_json::json!({"description": "No description", "type": "object",
                            "title": "other", "properties": {}, "additionalProperties": false})
    );
    assert!(charm.check().is_empty(), "{:?}", charm.check());
    let err = charm
        .prepare_params("greet", serde_json::json!({}))
        .unwrap_err();
    assert_eq!(err.violations[0].param, "name");
}

#[test]
fn defaults_are_typed_as_yaml_1_1_as_juju_reads_them() {
    let engine = Engine::new().unwrap();
    let wasm = component("", &[("greet", "plain")]);
    let yaml = "greet:\n  params:\n    force:\n      type: boolean\n      default: yes\n    \
                mode:\n      type: integer\n      default: 0o17\n";
    let dir = charm_dir(yaml, &wasm);
    let charm = Charm::load(&engine, dir.path()).unwrap();
    let params = charm
        .prepare_params("greet", serde_json::json!({}))
        .unwrap();
    assert_eq!(params, serde_json::json!({"force": true, "mode": 15}));
}

#[test]
fn an_export_the_metadata_does_not_declare_is_no_action() {
    let engine = Engine::new().unwrap();
    let wasm = component("", &[("greet", "plain"), ("extra", "plain")]);
    let dir = charm_dir(GREET_ONLY, &wasm);
    let charm = Charm::load(&engine, dir.path()).unwrap();
    charm
        .ensure_runnable()
        .expect("a warning does not stop a charm");
    assert_eq!(charm.actions(), ["greet"]);
    assert!(charm.action_handler("greet").is_some());
    assert!(charm.action_handler("extra").is_none());
    // A bare component's actions are its handlers, a toolchain's and those
    // named as hooks aside.
    let path = dir.path().join("bare.wasm");
    std::fs::write(
        &path,
        component(
            "",
            &[
                ("greet", "plain"),
                ("init", "takes-bool"),
                ("install", "plain"),
            ],
        ),
    )
    .unwrap();
    let bare = Charm::load(&engine, &path).unwrap();
    assert_eq!(bare.actions(), ["greet"]);
    assert_eq!(bare.action_specs().len(), 1);
    assert!(bare.hook_handler("install").is_some());
    assert!(bare.check().is_empty(), "{:?}", bare.check());
}

#[test]
fn charmcraft_yaml_is_read_and_both_files_is_an_error() {
    let engine = Engine::new().unwrap();
    let wasm = component("", &[("greet", "plain")]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("charmcraft.yaml"),
        "name: crafted\ntype: charm\nactions:\n  greet:\n    description: Greets.\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(COMPONENT_FILE), &wasm).unwrap();
    let charm = Charm::load(&engine, dir.path()).unwrap();
    assert_eq!(charm.name, "crafted");
    assert_eq!(
        charm.metadata.as_ref().unwrap().actions["greet"].description,
        "Greets."
    );
    assert!(charm.check().is_empty());

    std::fs::write(dir.path().join("actions.yaml"), GREET_ONLY).unwrap();
    let err = Charm::load(&engine, dir.path()).err().unwrap().to_string();
    assert!(err.contains("both"), "{err}");
}

#[test]
fn a_charm_dir_without_its_component_says_how_to_build_it() {
    let engine = Engine::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("actions.yaml"), GREET_ONLY).unwrap();
    let err = Charm::load(&engine, dir.path()).err().unwrap().to_string();
    assert!(
        err.contains("charm.wasm") && err.contains("charmbox build"),
        "{err}"
    );
    // Each language's project is told its own build.
    for (manifest, words) in [
        ("Cargo.toml", "wasm32-wasip2"),
        ("requirements.txt", "componentize-py"),
        ("package.json", "npm install"),
    ] {
        let project = tempfile::tempdir().unwrap();
        std::fs::write(project.path().join("actions.yaml"), GREET_ONLY).unwrap();
        std::fs::write(project.path().join(manifest), "").unwrap();
        let err = Charm::load(&engine, project.path())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains(words) && err.contains("charmbox build"),
            "{manifest}: {err}"
        );
    }
    let err = Charm::load(&engine, Path::new("/no/such/charm"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn a_bare_component_passes_params_unvalidated() {
    let engine = Engine::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bare.wasm");
    std::fs::write(&path, component("", &[("greet", "plain")])).unwrap();
    let charm = Charm::load(&engine, &path).unwrap();
    assert_eq!(charm.name, "bare");
    assert!(charm.metadata.is_none());
    let params = serde_json::json!({"anything": 1});
    assert_eq!(
        charm.prepare_params("greet", params.clone()).unwrap(),
        params
    );
}

#[test]
fn a_charm_reaches_the_filesystem_only_through_the_preopens_import() {
    let engine = Engine::new().unwrap();
    let load = |imports: &str| {
        let wasm = component(imports, &[("greet", "plain")]);
        CharmComponent::from_bytes(&engine, Path::new("fixture.wasm"), &wasm).unwrap()
    };
    assert!(!load("").reaches_filesystem());
    assert!(!load(r#"(import "wasi:cli/environment@0.2.0" (instance))"#).reaches_filesystem());
    assert!(load(r#"(import "wasi:filesystem/preopens@0.2.0" (instance))"#).reaches_filesystem());
}

#[test]
fn a_bare_charm_wasm_is_named_after_its_directory_and_others_after_their_stem() {
    use std::path::Path;
    assert_eq!(
        super::bare_name(Path::new("/x/my-charm/charm.wasm")),
        "my-charm"
    );
    assert_eq!(super::bare_name(Path::new("/x/build/hello.wasm")), "hello");
}

#[test]
fn the_precheck_finds_missing_imports_and_exports_from_the_names_alone() {
    let missing_import = r#"(import "wasi:http/types@0.2.0" (instance (export "poke" (func))))"#;
    let bytes = component(missing_import, &[("greet", "plain")]);
    let names = precheck::names(&bytes).unwrap();
    assert_eq!(names.imports, ["wasi:http/types@0.2.0"]);
    // Nested core modules' exports are not the component's.
    assert_eq!(names.exports, ["greet"]);
    let dir = charm_dir(
        // (not `y`: YAML 1.1, as Juju reads it, makes that `true`)
        "greet:\n  description: Greet\nbackup:\n  description: Back up\n",
        &bytes,
    );
    let (metadata, wasm) = Charm::locate(dir.path()).unwrap();
    let kinds: Vec<DiagnosticKind> = precheck::precheck(&wasm, metadata.as_ref())
        .into_iter()
        .map(|d| d.kind)
        .collect();
    assert_eq!(
        kinds,
        [DiagnosticKind::NotExported, DiagnosticKind::MissingImport]
    );
    let sound = charm_dir(GREET_ONLY, &component("", &[("greet", "plain")]));
    let (metadata, wasm) = Charm::locate(sound.path()).unwrap();
    assert!(precheck::precheck(&wasm, metadata.as_ref()).is_empty());
}
