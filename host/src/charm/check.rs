//! `charmbox check`: whether a charm's metadata and its component agree, and
//! whether the host can run the component, each finding with a fix.
//!
//! A finding is an [`Severity::Error`] when it keeps the charm from running
//! as declared (an action declared but not exported, an import the host
//! does not provide, a schema that cannot be used), and a
//! [`Severity::Warning`] when the charm runs but something looks unmeant:
//! an export the metadata does not declare is not an action (Juju would
//! never dispatch it), so it is reported and the declared actions run.

use std::fmt;

use super::component::OtherExport;
use super::exports::ExportRole;
use super::hooks::Endpoints;
use super::metadata::{is_export_name, NameSource, CHARMCRAFT_YAML};
use super::Charm;
use crate::unit::is_valid_application_name;

/// One finding about a charm, and how to act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Which kind of finding.
    pub kind: DiagnosticKind,
    /// What is wrong.
    pub problem: String,
    /// What to do about it.
    pub hint: String,
}

/// The kinds of finding `check` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticKind {
    /// Declared in the metadata, not exported by the component.
    NotExported,
    /// Exported as a handler, neither a declared action nor a hook the
    /// charm can receive.
    NotDeclared,
    /// A declared action named as a hook the charm can receive (Juju
    /// allows it; its one export runs as the action).
    ActionHookCollision,
    /// A declared action whose export cannot be an action handler.
    WrongSignature,
    /// A function export, not declared, that cannot be a handler either.
    OtherFunction,
    /// An import the host does not provide.
    MissingImport,
    /// An action's params schema that cannot be compiled.
    BadParamsSchema,
    /// The charm's name is not one Juju accepts (its application, and so
    /// its units, are named after it).
    BadCharmName,
    /// The charm directory names the charm: its metadata has no `name:`.
    NameFromDirectory,
    /// A bare component whose file name is no application name: it runs
    /// only on a unit chosen with `--unit`.
    BareNameNoUnit,
    /// A required param that the schema also forbids (it is not declared,
    /// and undeclared params are refused): the action can never run.
    RequiredUndeclared,
}

/// Whether a finding keeps the charm from running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The charm does not run (nor pack) until it is fixed.
    Error,
    /// The charm runs; the finding is worth a look.
    Warning,
}

impl DiagnosticKind {
    /// How much the finding matters.
    pub fn severity(self) -> Severity {
        match self {
            Self::NotDeclared
            | Self::OtherFunction
            | Self::RequiredUndeclared
            | Self::ActionHookCollision
            | Self::NameFromDirectory
            | Self::BareNameNoUnit => Severity::Warning,
            Self::BadCharmName
            | Self::NotExported
            | Self::WrongSignature
            | Self::MissingImport
            | Self::BadParamsSchema => Severity::Error,
        }
    }
}

impl Diagnostic {
    /// How much it matters.
    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n  hint: {}", self.problem, self.hint)
    }
}

/// Everything found about `charm`, metadata checks first, in a stable order.
pub fn check(charm: &Charm) -> Vec<Diagnostic> {
    let component = &charm.component;
    let mut found = Vec::new();
    let other_named = |name: &str| component.other_exports().iter().find(|o| o.name == name);
    found.extend(charm_name(charm));

    if let Some(metadata) = &charm.metadata {
        let file = metadata
            .source
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        for action in metadata.actions.keys() {
            if component.handler(action).is_some() {
                continue;
            }
            if let Some(other) = other_named(action) {
                found.push(wrong_signature(other, true));
                continue;
            }
            found.push(not_exported(action, &file));
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
        for (action, spec) in &metadata.actions {
            for param in spec.params.required_but_refused() {
                found.push(Diagnostic {
                    kind: DiagnosticKind::RequiredUndeclared,
                    problem: format!(
                        "action {action:?} in {file} requires {param:?}, which it does not \
                         declare and so refuses (additionalProperties is false): no params can \
                         ever pass"
                    ),
                    hint: format!(
                        "declare {param:?} under the action's `params`, remove it from \
                         `required`, or set `additionalProperties: true`"
                    ),
                });
            }
        }
        for action in metadata.actions.keys() {
            if metadata.hooks.hook(action).is_some() {
                found.push(Diagnostic {
                    kind: DiagnosticKind::ActionHookCollision,
                    problem: format!(
                        "action {action:?} declared in {file} has the name of a hook this charm \
                         receives: Juju keeps them apart (actions/{action}, hooks/{action}), but \
                         a component has one export of that name, which runs as the action; \
                         the hook {action:?} is acknowledged and runs nothing"
                    ),
                    hint: format!(
                        "to handle the hook too, rename the action in {file} (and its export)"
                    ),
                });
            }
        }
        for name in component.handlers().keys() {
            if charm.export_role(name) != ExportRole::Unknown {
                continue;
            }
            let hint = if Endpoints::looks_like_a_hook(name) {
                format!(
                    "it is named like a hook of an endpoint, storage or container that {file} \
                     does not declare: declare it (under `requires:`, `provides:`, `peers:`, \
                     `storage:` or `containers:`), or stop exporting it"
                )
            } else {
                format!(
                    "declare it under `actions:` in {file} (with a description and its \
                     params), or stop exporting it"
                )
            };
            found.push(Diagnostic {
                kind: DiagnosticKind::NotDeclared,
                problem: format!(
                    "the component exports {name:?}, which is neither an action {file} declares \
                     nor a hook this charm can receive"
                ),
                hint,
            });
        }
    }
    let declared = |name: &str| {
        charm
            .metadata
            .as_ref()
            .is_some_and(|m| m.actions.contains_key(name))
    };
    for other in component.other_exports() {
        // Exported interfaces (instances) are not actions, and a
        // toolchain's own exports are not the charm's.
        if ExportRole::is_internal(other) || declared(&other.name) {
            continue;
        }
        found.push(wrong_signature(other, false));
    }
    for missing in component.missing_imports() {
        found.push(missing_import(&missing.name, &missing.reason));
    }
    found
}

/// What the charm's name calls for: Juju's application name rule (the
/// one `charmbox init` applies and `run` names units by), and where a
/// name its metadata does not give came from.
fn charm_name(charm: &Charm) -> Option<Diagnostic> {
    let name = &charm.name;
    let valid = is_valid_application_name(name);
    let rule = "Juju's charm and application names are lowercase letters, digits and single \
                hyphens, starting with a letter (and no word of only digits)";
    let Some(metadata) = &charm.metadata else {
        return (!valid).then(|| Diagnostic {
            kind: DiagnosticKind::BareNameNoUnit,
            problem: format!(
                "the component's name {name:?}, from its file name, is no application name: \
                 {rule}"
            ),
            hint: "run it on a unit you name (--unit my-app/0), or rename the file (my-app.wasm)"
                .into(),
        });
    };
    let suggestion = suggest_name(name);
    match (&metadata.name_source, valid) {
        (NameSource::Directory(_), true) => Some(Diagnostic {
            kind: DiagnosticKind::NameFromDirectory,
            problem: format!(
                "the charm is named {name:?} after {}: charmcraft and Juju need a `name:`",
                metadata.name_source
            ),
            hint: format!("add `name: {name}` to {CHARMCRAFT_YAML}"),
        }),
        (NameSource::Directory(_), false) => Some(Diagnostic {
            kind: DiagnosticKind::BadCharmName,
            problem: format!(
                "the charm's name {name:?} comes from {}, and is not a valid charm name: {rule}",
                metadata.name_source
            ),
            hint: format!("add a valid name to {CHARMCRAFT_YAML}, such as `name: {suggestion}`"),
        }),
        (source, false) => Some(Diagnostic {
            kind: DiagnosticKind::BadCharmName,
            problem: format!(
                "the charm's name {name:?}, from {source}, is not a valid charm name: {rule}"
            ),
            hint: format!("rename it, such as to `name: {suggestion}`"),
        }),
        (_, true) => None,
    }
}

/// A valid charm name like `name`: lowercased, runs of other characters
/// made one hyphen; `my-charm` when nothing of it is left.
fn suggest_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out
        .trim_matches('-')
        .trim_start_matches(|c: char| c.is_ascii_digit());
    let out = out.trim_start_matches('-').to_owned();
    if is_valid_application_name(&out) {
        out
    } else {
        "my-charm".to_owned()
    }
}

fn wrong_signature(other: &OtherExport, declared: bool) -> Diagnostic {
    let hint = "an action handler takes no arguments and returns nothing or \
                result<_, string>: declare it as `func()` or `func() -> result<_, string>` and \
                read params with action-get";
    if declared {
        Diagnostic {
            kind: DiagnosticKind::WrongSignature,
            problem: format!(
                "action {:?} is exported with type {}, which is not an action handler",
                other.name, other.kind
            ),
            hint: hint.into(),
        }
    } else {
        Diagnostic {
            kind: DiagnosticKind::OtherFunction,
            problem: format!(
                "export {:?} has type {}: it is not an action handler, and charmbox does not \
                 offer it as an action",
                other.name, other.kind
            ),
            hint: format!("if it is meant as an action, {hint}"),
        }
    }
}

/// `name` made an export name: empty words dropped, a word starting with
/// a digit joined to the word before it (`back-2` → `back2`).
fn export_name_like(name: &str) -> String {
    let mut out = String::new();
    for word in name.split('-').filter(|w| !w.is_empty()) {
        if !out.is_empty() && word.starts_with(|c: char| c.is_ascii_lowercase()) {
            out.push('-');
        }
        out.push_str(word);
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "action-");
    }
    out
}

/// Action `action`, declared in metadata `file`, is not exported.
pub(crate) fn not_exported(action: &str, file: &str) -> Diagnostic {
    let hint = if is_export_name(action) {
        format!(
            "add a handler: with charmbox-sdk, list its function in `charm!(...)`; in WIT, \
             `export {action}: func() -> result<_, string>;`. Or remove the action from {file}."
        )
    } else {
        format!(
            "Juju allows the name, but a component cannot export it: WIT names are words \
             joined by single hyphens, each starting with a letter. Rename the action (in \
             {file} and the component), such as to {:?}.",
            export_name_like(action)
        )
    };
    Diagnostic {
        kind: DiagnosticKind::NotExported,
        problem: format!(
            "action {action:?} is declared in {file} but the component does not export it"
        ),
        hint,
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
