//! `charmbox check`: whether a charm's metadata and its component agree, and
//! whether the host can run the component, each problem with a fix.

use std::fmt;

use super::Charm;

/// One problem with a charm, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Which kind of problem.
    pub kind: DiagnosticKind,
    /// What is wrong.
    pub problem: String,
    /// What to do about it.
    pub hint: String,
}

/// The kinds of problem `check` finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticKind {
    /// Declared in the metadata, not exported by the component.
    NotExported,
    /// Exported as a handler, not declared in the metadata.
    NotDeclared,
    /// A function export that cannot be an action handler.
    WrongSignature,
    /// An import the host does not provide.
    MissingImport,
    /// An action's params schema that cannot be compiled.
    BadParamsSchema,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n  hint: {}", self.problem, self.hint)
    }
}

/// Every problem with `charm`, metadata checks first, in a stable order.
pub fn check(charm: &Charm) -> Vec<Diagnostic> {
    let component = &charm.component;
    let mut found = Vec::new();
    let others_by_name = |name: &str| component.other_exports().iter().find(|o| o.name == name);

    if let Some(metadata) = &charm.metadata {
        let file = metadata
            .source
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        for action in metadata.actions.keys() {
            if component.handler(action).is_none() && others_by_name(action).is_none() {
                found.push(not_exported(action, &file));
            }
        }
        // Loading checked each schema; compiling is the last word on it.
        for (action, spec) in &metadata.actions {
            if let Err(problem) = spec.params.compile_now() {
                found.push(Diagnostic {
                    kind: DiagnosticKind::BadParamsSchema,
                    problem: format!("action {action:?} in {file}: {problem}"),
                    hint: format!(
                        "fix the action's `params` in {file}: each must be a JSON Schema \
                         (draft 4), such as `type: string`"
                    ),
                });
            }
        }
        for name in component.handlers().keys() {
            if !metadata.actions.contains_key(name) {
                found.push(Diagnostic {
                    kind: DiagnosticKind::NotDeclared,
                    problem: format!(
                        "the component exports {name:?}, which {file} does not declare"
                    ),
                    hint: format!(
                        "declare it under `actions:` in {file} (with a description and its \
                         params), or stop exporting it"
                    ),
                });
            }
        }
    }
    for other in component.other_exports() {
        // Exported interfaces (instances) are not actions and not errors.
        if !other.kind.starts_with("func(") {
            continue;
        }
        found.push(Diagnostic {
            kind: DiagnosticKind::WrongSignature,
            problem: format!(
                "export {:?} has type {}, which is not an action handler",
                other.name, other.kind
            ),
            hint: "an action handler takes no arguments and returns nothing or \
                   result<_, string>: declare it as `func()` or `func() -> result<_, string>` and \
                   read params with action-get"
                .into(),
        });
    }
    for missing in component.missing_imports() {
        found.push(missing_import(&missing.name, &missing.reason));
    }
    found
}

/// Action `action`, declared in metadata `file`, is not exported.
pub(crate) fn not_exported(action: &str, file: &str) -> Diagnostic {
    Diagnostic {
        kind: DiagnosticKind::NotExported,
        problem: format!(
            "action {action:?} is declared in {file} but the component does not export it"
        ),
        hint: format!(
            "add a handler: with charmbox-sdk, list its function in `charm!(...)`; in \
             WIT, `export {action}: func() -> result<_, string>;`. Or remove the \
             action from {file}."
        ),
    }
}

/// The component imports `name`, which the host does not link, for `reason`.
pub(crate) fn missing_import(name: &str, reason: &str) -> Diagnostic {
    Diagnostic {
        kind: DiagnosticKind::MissingImport,
        problem: format!(
            "the component imports {name}, which charmbox does not provide ({reason})"
        ),
        hint: "charmbox provides WASI 0.2 (cli, clocks, filesystem, io, random; no network) \
                   and the juju:charm contract (0.1.0's action interface; every interface of \
                   0.2.0): remove the dependency that pulls this import in (a JavaScript charm \
                   built with componentize-js needs `-d http -d fetch-event`)"
            .into(),
    }
}
