//! Charms: a component plus, for a charm directory, the metadata that
//! declares its actions.
//!
//! A charm is either
//! - a **charm directory** holding `charmcraft.yaml` (with an `actions:`
//!   section) or `actions.yaml`, and the component `charm.wasm` beside it; or
//! - a **bare component** (`.wasm`): its exports are its actions, and params
//!   pass unvalidated since there is no schema.
//!
//! [`Charm::load`] reads either. The modules:
//! - [`component`]: compiling, linking and introspecting the `.wasm`.
//! - [`metadata`]: `charmcraft.yaml` / `actions.yaml`, with Juju's rules.
//! - [`config`]: the charm's config options and how Juju types their values.
//! - [`endpoints`]: its relation endpoints (`requires`, `provides`, `peers`).
//! - [`hooks`]: the hooks Juju names after them; [`exports`]: which export
//!   is an action, which a hook.
//! - [`schema`]: params schemas: validation and defaults.
//! - [`check`]: whether metadata and component agree; [`precheck`]: what
//!   the component's names alone tell, before it is compiled.
//! - [`reach`]: what the component can reach, in words.

pub mod check;
pub mod component;
pub mod config;
pub mod endpoints;
pub mod exports;
pub mod hooks;
pub mod metadata;
pub mod precheck;
pub mod reach;
pub mod schema;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use check::{Diagnostic, DiagnosticKind, Severity};
pub use component::{
    CharmComponent, Handler, HandlerSignature, LoadError, MissingImport, OtherExport,
};
pub use metadata::{ActionSpec, CharmMetadata, MetadataError, NameSource};
pub use schema::{ParamsError, Violation};

use crate::engine::Engine;
use crate::unit::UnitName;

/// The component file a charm directory holds, beside its metadata.
pub const COMPONENT_FILE: &str = "charm.wasm";

/// Why a charm could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CharmError {
    /// The path does not exist.
    #[error("{0} does not exist: pass a charm directory or a .wasm component")]
    NotFound(PathBuf),
    /// The metadata is missing or wrong.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// A charm directory without its component.
    #[error(
        "{} has no {COMPONENT_FILE}: {}",
        .dir.display(),
        no_component_hint(.dir, *.language)
    )]
    NoComponent {
        /// The charm directory.
        dir: PathBuf,
        /// The language of the project there, when it is one `charmbox
        /// build` knows.
        language: Option<crate::project::Language>,
    },
    /// The component could not be loaded.
    #[error(transparent)]
    Component(#[from] LoadError),
    /// `charmbox check` finds errors in the charm: charmbox does not run or
    /// pack it.
    #[error("{}", unsound_message(.0))]
    Unsound(Vec<Diagnostic>),
    /// No unit can be named after the charm.
    #[error(
        "cannot name a unit after the charm {name:?}: it is not a valid application name \
         (lowercase letters, digits and single hyphens, starting with a letter); choose a unit \
         yourself, such as my-app/0"
    )]
    NoDefaultUnit {
        /// The charm's name.
        name: String,
    },
}

/// The name of a bare component at `path`: see [`Charm::new`].
fn bare_name(path: &Path) -> String {
    let stem = |p: &Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let is_charm_wasm = path.file_name().is_some_and(|n| n == COMPONENT_FILE);
    let directory = std::path::absolute(path).ok().and_then(|p| {
        p.parent()
            .and_then(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned())
    });
    match directory {
        Some(dir) if is_charm_wasm && !dir.is_empty() => dir,
        _ => stem(path),
    }
}

fn no_component_hint(dir: &Path, language: Option<crate::project::Language>) -> String {
    match language {
        Some(language) => format!(
            "build this {language} charm with {} in {}",
            language.build_hint(),
            dir.display()
        ),
        None => format!(
            "build the charm's component and put it at {} (for a Rust, Python or JavaScript \
             project, `charmbox build` does both)",
            dir.join(COMPONENT_FILE).display()
        ),
    }
}

fn unsound_message(problems: &[Diagnostic]) -> String {
    let listed: Vec<String> = problems.iter().map(|p| format!("- {p}")).collect();
    format!(
        "`charmbox check` finds errors in the charm, so charmbox neither runs nor packs it:\n{}",
        listed.join("\n")
    )
}

/// A loaded charm: its name, its declared actions (if it has metadata) and
/// its compiled component.
pub struct Charm {
    /// The charm's name (from its metadata, else the component's file name).
    pub name: String,
    /// Its metadata; `None` for a bare component.
    pub metadata: Option<CharmMetadata>,
    /// Its component.
    pub component: CharmComponent,
}

impl Charm {
    /// Loads a charm directory or a bare component.
    pub fn load(engine: &Engine, path: &Path) -> Result<Self, CharmError> {
        let (metadata, component_path) = Self::locate(path)?;
        let component = CharmComponent::load(engine, &component_path)?;
        Ok(Self::new(metadata, component))
    }

    /// A charm of `component` with `metadata` (`None` for a bare
    /// component). Its name is the metadata's, else the component file's
    /// stem (`hello.wasm` is `hello`); a bare `charm.wasm`, the name every
    /// charm directory's component has, is named after its directory
    /// (`my-charm/charm.wasm` is `my-charm`), so that two of them do not
    /// share the units (and data) of one application `charm`.
    pub fn new(metadata: Option<CharmMetadata>, component: CharmComponent) -> Self {
        let name = match &metadata {
            Some(m) => m.name.clone(),
            None => bare_name(component.path()),
        };
        Self {
            name,
            metadata,
            component,
        }
    }

    /// Refuses a charm in which `charmbox check` finds errors, with them
    /// (warnings do not keep it from running).
    pub fn ensure_runnable(&self) -> Result<(), CharmError> {
        let errors: Vec<Diagnostic> = self
            .check()
            .into_iter()
            .filter(|d| d.severity() == Severity::Error)
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(CharmError::Unsound(errors))
        }
    }

    /// The charm's actions: those its metadata declares, or, for a bare
    /// component, its exports with a handler's signature. An export the
    /// metadata does not declare is not an action (Juju would never run
    /// it), and a toolchain's own exports never are, nor, for a bare
    /// component, exports named as hooks.
    pub fn actions(&self) -> Vec<&str> {
        match &self.metadata {
            Some(metadata) => metadata.actions.keys().map(String::as_str).collect(),
            None => self.action_names().collect(),
        }
    }

    /// The spec of each of the charm's [`actions`](Self::actions): as
    /// declared; for a bare component, what Juju would make of an action
    /// declared with nothing under it, but taking any params (they pass
    /// unvalidated).
    pub fn action_specs(&self) -> Vec<std::borrow::Cow<'_, ActionSpec>> {
        match &self.metadata {
            Some(metadata) => metadata
                .actions
                .values()
                .map(std::borrow::Cow::Borrowed)
                .collect(),
            None => self
                .action_names()
                .map(|name| std::borrow::Cow::Owned(ActionSpec::undeclared(name)))
                .collect(),
        }
    }

    /// The unit actions run on when none is chosen: `<charm name>/0`.
    pub fn default_unit(&self) -> Result<UnitName, CharmError> {
        self.unit(0)
    }

    /// Unit `number` of the application named after the charm.
    pub fn unit(&self, number: u32) -> Result<UnitName, CharmError> {
        UnitName::new(&self.name, number).map_err(|_| CharmError::NoDefaultUnit {
            name: self.name.clone(),
        })
    }

    /// Reads only the metadata of a charm directory (no component needed).
    pub fn read_metadata(path: &Path) -> Result<CharmMetadata, CharmError> {
        if !path.exists() {
            return Err(CharmError::NotFound(path.to_owned()));
        }
        Ok(CharmMetadata::read_dir(path)?)
    }

    /// The metadata (for a charm directory) and the component file of the
    /// charm at `path`, without loading the component.
    pub fn locate(path: &Path) -> Result<(Option<CharmMetadata>, PathBuf), CharmError> {
        if !path.exists() {
            return Err(CharmError::NotFound(path.to_owned()));
        }
        if !path.is_dir() {
            return Ok((None, path.to_owned()));
        }
        let metadata = CharmMetadata::read_dir(path)?;
        let component = path.join(COMPONENT_FILE);
        if !component.is_file() {
            return Err(CharmError::NoComponent {
                dir: path.to_owned(),
                language: crate::project::Language::detect(path).ok(),
            });
        }
        Ok((Some(metadata), component))
    }

    /// The declared spec of `action`, if the charm has metadata declaring it.
    pub fn action_spec(&self, action: &str) -> Option<&ActionSpec> {
        self.metadata.as_ref()?.actions.get(action)
    }

    /// Validates `params` for `action` against its schema and fills in
    /// defaults. A bare component has no schema: params pass as given.
    pub fn prepare_params(&self, action: &str, params: Value) -> Result<Value, ParamsError> {
        match self.action_spec(action) {
            Some(spec) => spec.params.apply(action, params),
            None => Ok(params),
        }
    }

    /// Everything `charmbox check` finds: what makes metadata and component
    /// disagree or the component unrunnable (errors), and what looks
    /// unmeant (warnings); empty when there is nothing to say.
    pub fn check(&self) -> Vec<Diagnostic> {
        check::check(self)
    }
}

#[cfg(test)]
mod tests;
