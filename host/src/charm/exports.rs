//! What each of a component's exports is for: an action the metadata
//! declares, a hook this charm can receive, something its toolchain
//! exports for itself, or none of these (which `charmbox check` names).
//!
//! The rules, one place:
//! - with metadata, an export is an **action** when `actions:` declares
//!   it, else a **hook** when it is a hook name this charm can receive
//!   ([`super::hooks::Endpoints::hook`]: a unit or secret hook, or one of a
//!   declared endpoint, storage or container), else **unknown**;
//! - a bare component has no metadata: its unit and secret hooks
//!   (`install`, `update-status`, `secret-changed`…) are hooks, every other
//!   handler is an action;
//! - exported interfaces (instances) and the build-time `init` that
//!   componentize-js's QuickJS backend leaves in every component are the
//!   **toolchain's**: neither run nor reported.
//!
//! ```
//! use charmbox::charm::exports::ExportRole;
//! use charmbox::charm::hooks::Hook;
//!
//! assert_eq!(ExportRole::of_bare("install"), ExportRole::Hook(Hook::Install));
//! assert_eq!(ExportRole::of_bare("snapshot-database"), ExportRole::Action);
//! ```

use super::hooks::{Endpoints, Hook};
use super::{Charm, Handler, OtherExport};

/// What an export is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportRole {
    /// An action the metadata declares (or, for a bare component, any
    /// handler that is not a hook).
    Action,
    /// A hook this charm can receive.
    Hook(Hook),
    /// Exported by the toolchain for its own use.
    Internal,
    /// Neither a declared action nor a hook this charm can receive.
    Unknown,
}

impl ExportRole {
    /// The role of the handler export `name` of a bare component.
    pub fn of_bare(name: &str) -> Self {
        match Endpoints::default().hook(name) {
            Some(hook) => Self::Hook(hook),
            None => Self::Action,
        }
    }

    /// Whether `other` (an export that is not a handler) is the
    /// toolchain's.
    pub fn is_internal(other: &OtherExport) -> bool {
        !other.is_function() || other.toolchain.is_some()
    }
}

impl Charm {
    /// The role of the handler export `name`.
    pub fn export_role(&self, name: &str) -> ExportRole {
        let Some(metadata) = &self.metadata else {
            return ExportRole::of_bare(name);
        };
        if metadata.actions.contains_key(name) {
            return ExportRole::Action;
        }
        match metadata.hooks.hook(name) {
            Some(hook) => ExportRole::Hook(hook),
            None => ExportRole::Unknown,
        }
    }

    /// The hook `name` names, if this charm can receive it (whether or not
    /// it exports a handler for it).
    pub fn receivable_hook(&self, name: &str) -> Option<Hook> {
        match &self.metadata {
            Some(metadata) => metadata.hooks.hook(name),
            None => Endpoints::default().hook(name),
        }
    }

    /// What hooks are named after, for this charm (nothing but the unit and
    /// secret hooks for a bare component).
    pub fn hook_sources(&self) -> Endpoints {
        self.metadata
            .as_ref()
            .map(|m| m.hooks.clone())
            .unwrap_or_default()
    }

    /// The handler of action `name`, when `name` is one of the charm's
    /// actions and the component exports it.
    pub fn action_handler(&self, name: &str) -> Option<&Handler> {
        (self.export_role(name) == ExportRole::Action)
            .then(|| self.component.handler(name))
            .flatten()
    }

    /// The handler of hook `name`, when the charm can receive it and the
    /// component exports it. A hook it can receive without exporting a
    /// handler is acknowledged, as Juju acknowledges a missing hook.
    pub fn hook_handler(&self, name: &str) -> Option<&Handler> {
        matches!(self.export_role(name), ExportRole::Hook(_))
            .then(|| self.component.handler(name))
            .flatten()
    }

    /// Whether its component can defer an event (it imports
    /// `context.defer`): only then do its handlers look for deferred events
    /// first ([`crate::deferred`]).
    pub fn can_defer(&self) -> bool {
        self.component
            .reach()
            .calls(super::reach::ContractInterface::Context, "defer")
    }

    /// The names of the actions it exports, in name order.
    pub fn action_names(&self) -> impl Iterator<Item = &str> {
        self.component
            .handlers()
            .keys()
            .map(String::as_str)
            .filter(|name| self.export_role(name) == ExportRole::Action)
    }

    /// The names of the hooks it exports handlers for, in name order.
    pub fn hook_names(&self) -> Vec<String> {
        self.component
            .handlers()
            .keys()
            .filter(|name| matches!(self.export_role(name), ExportRole::Hook(_)))
            .cloned()
            .collect()
    }
}
