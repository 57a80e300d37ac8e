//! What a charm can reach, read from its component's imports: which
//! interfaces of the `juju:charm` contract (and which of their functions)
//! it uses, and whether it can reach a directory. A component imports only
//! the functions its code calls, so an operator can read a charm's reach,
//! in words, before running it (`charmbox check`, `charmbox actions`).

use wasmtime::component::types::ComponentItem;
use wasmtime::component::Component;

use crate::engine::Engine;

/// An interface of the `juju:charm` contract, by the versions that have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContractInterface {
    /// `action` (0.1.0 and later).
    Action,
    /// `context` (0.2.0 and later).
    Context,
    /// `config`.
    Config,
    /// `status`.
    Status,
    /// `log`.
    Log,
    /// `state`.
    State,
    /// `relation`.
    Relation,
    /// `secret`.
    Secret,
    /// `ports`.
    Ports,
}

impl ContractInterface {
    /// The interface a `juju:charm/NAME@VERSION` import names, if the host
    /// links it: `action` from 0.1, every interface from 0.2.
    pub fn of_import(import: &str) -> Option<Self> {
        let rest = import.strip_prefix("juju:charm/")?;
        let (name, version) = rest.split_once('@')?;
        let interface = match name {
            "action" => Self::Action,
            "context" => Self::Context,
            "config" => Self::Config,
            "status" => Self::Status,
            "log" => Self::Log,
            "state" => Self::State,
            "relation" => Self::Relation,
            "secret" => Self::Secret,
            "ports" => Self::Ports,
            _ => return None,
        };
        let since_0_2 = version.starts_with("0.2.");
        match interface {
            Self::Action if version.starts_with("0.1.") || since_0_2 => Some(interface),
            _ if since_0_2 => Some(interface),
            _ => None,
        }
    }
}

/// What a component reaches: each contract interface it imports with the
/// functions it calls, and the host resources WASI gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Contract interfaces and the functions of each the component imports.
    pub interfaces: Vec<(ContractInterface, Vec<String>)>,
    /// Whether it imports `wasi:filesystem/preopens`: only then can it reach
    /// its unit's data directory (`/data`).
    pub filesystem: bool,
}

impl Reach {
    /// The reach of `component`.
    pub fn of(engine: &Engine, component: &Component) -> Self {
        let mut reach = Self::default();
        for (name, item) in component.component_type().imports(engine.wasmtime()) {
            if name.starts_with("wasi:filesystem/preopens@") {
                reach.filesystem = true;
            }
            let Some(interface) = ContractInterface::of_import(name) else {
                continue;
            };
            let functions = match item.ty {
                ComponentItem::ComponentInstance(instance) => instance
                    .exports(engine.wasmtime())
                    .filter(|(_, item)| matches!(item.ty, ComponentItem::ComponentFunc(_)))
                    .map(|(name, _)| name.to_owned())
                    .collect(),
                _ => Vec::new(),
            };
            match reach.interfaces.iter_mut().find(|(i, _)| *i == interface) {
                // 0.1.0's action interface and 0.2.0's, in one component.
                Some((_, known)) => known.extend(functions),
                None => reach.interfaces.push((interface, functions)),
            }
        }
        reach.interfaces.sort();
        reach
    }

    /// Whether the component imports any interface that reads or changes
    /// the model (config, status, log, state, relations, secrets, ports):
    /// only then is a model opened for its runs.
    pub fn reaches_model(&self) -> bool {
        use ContractInterface as I;
        self.interfaces.iter().any(|(i, _)| {
            matches!(
                i,
                I::Config | I::Status | I::Log | I::State | I::Relation | I::Secret | I::Ports
            )
        })
    }

    /// Whether the component calls `function` of `interface`.
    pub fn calls(&self, interface: ContractInterface, function: &str) -> bool {
        self.interfaces
            .iter()
            .any(|(i, functions)| *i == interface && functions.iter().any(|f| f == function))
    }

    /// What the component can do to the model and the host, in words, one
    /// phrase each: `reads config`, `reads and writes relation data`, ….
    pub fn describe(&self) -> Vec<String> {
        use ContractInterface as I;
        let any = |i: I, names: &[&str]| names.iter().any(|f| self.calls(i, f));
        let both = |read: bool, write: bool, what: &str| match (read, write) {
            (true, true) => Some(format!("reads and writes {what}")),
            (true, false) => Some(format!("reads {what}")),
            (false, true) => Some(format!("writes {what}")),
            (false, false) => None,
        };
        let mut phrases: Vec<Option<String>> = vec![
            any(
                I::Action,
                &["action-get", "action-set", "action-log", "action-fail"],
            )
            .then(|| "reads its params and reports results".to_owned()),
            any(I::Config, &["config-get"]).then(|| "reads config".to_owned()),
            any(I::Status, &["is-leader"]).then(|| "reads leadership".to_owned()),
            both(
                any(I::Status, &["status-get"]),
                any(I::Status, &["status-set", "application-version-set"]),
                "status",
            ),
            any(I::Log, &["juju-log"]).then(|| "writes the debug log".to_owned()),
            both(
                any(I::State, &["state-get", "state-list"]),
                any(I::State, &["state-set", "state-delete"]),
                "its unit's state",
            ),
            both(
                any(
                    I::Relation,
                    &[
                        "relation-ids",
                        "relation-list",
                        "relation-app",
                        "relation-get",
                    ],
                ),
                any(I::Relation, &["relation-set"]),
                "relation data",
            ),
            any(I::Secret, &["secret-get", "secret-ids", "secret-info-get"])
                .then(|| "reads secrets".to_owned()),
            any(I::Secret, &["secret-add"]).then(|| "creates secrets".to_owned()),
            any(I::Secret, &["secret-set"]).then(|| "changes secrets".to_owned()),
            any(I::Secret, &["secret-remove"]).then(|| "removes secrets".to_owned()),
            any(I::Secret, &["secret-grant", "secret-revoke"])
                .then(|| "grants and revokes access to secrets".to_owned()),
            any(I::Ports, &["open-port", "close-port"])
                .then(|| "opens and closes ports".to_owned()),
            any(I::Ports, &["opened-ports"]).then(|| "reads its open ports".to_owned()),
            any(I::Context, &["defer"]).then(|| "defers events".to_owned()),
            self.filesystem
                .then(|| "reads and writes its unit's data directory (/data)".to_owned()),
        ];
        phrases.drain(..).flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_interfaces_by_version() {
        use ContractInterface as I;
        assert_eq!(I::of_import("juju:charm/action@0.1.0"), Some(I::Action));
        assert_eq!(I::of_import("juju:charm/action@0.2.0"), Some(I::Action));
        assert_eq!(I::of_import("juju:charm/secret@0.2.1"), Some(I::Secret));
        assert_eq!(I::of_import("juju:charm/secret@0.1.0"), None);
        assert_eq!(I::of_import("juju:charm/action@0.3.0"), None);
        assert_eq!(I::of_import("juju:charm/nonsense@0.2.0"), None);
        assert_eq!(I::of_import("wasi:cli/stdout@0.2.0"), None);
    }

    #[test]
    fn reach_in_words() {
        use ContractInterface as I;
        let reach = Reach {
            interfaces: vec![
                (I::Config, vec!["config-get".into()]),
                (
                    I::Relation,
                    vec!["relation-get".into(), "relation-set".into()],
                ),
                (I::Secret, vec!["secret-get".into(), "secret-add".into()]),
            ],
            filesystem: false,
        };
        assert!(reach.reaches_model());
        let actions_only = Reach {
            interfaces: vec![
                (I::Action, vec!["action-get".into()]),
                (I::Context, vec!["unit-name".into()]),
            ],
            filesystem: true,
        };
        assert!(!actions_only.reaches_model());
        assert_eq!(
            reach.describe(),
            [
                "reads config",
                "reads and writes relation data",
                "reads secrets",
                "creates secrets"
            ]
        );
    }
}
