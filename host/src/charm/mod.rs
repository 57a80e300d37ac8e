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
//! - [`schema`]: params schemas: validation and defaults.
//! - [`check`]: whether metadata and component agree.

pub mod check;
pub mod component;
pub mod metadata;
pub mod schema;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use check::Diagnostic;
pub use component::{
    CharmComponent, Handler, HandlerSignature, LoadError, MissingImport, OtherExport,
};
pub use metadata::{ActionSpec, CharmMetadata, MetadataError};
pub use schema::{ParamsError, Violation};

use crate::engine::Engine;

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
        "{dir} has no {COMPONENT_FILE}: build the charm (for Rust: `cargo build --release \
         --target wasm32-wasip2`) and copy the .wasm it writes to {}",
        .dir.join(COMPONENT_FILE).display()
    )]
    NoComponent {
        /// The charm directory.
        dir: PathBuf,
    },
    /// The component could not be loaded.
    #[error(transparent)]
    Component(#[from] LoadError),
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
        let name = match &metadata {
            Some(m) => m.name.clone(),
            None => component_path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        Ok(Self {
            name,
            metadata,
            component,
        })
    }

    /// Reads only the metadata of a charm directory (no component needed).
    pub fn read_metadata(path: &Path) -> Result<CharmMetadata, CharmError> {
        if !path.exists() {
            return Err(CharmError::NotFound(path.to_owned()));
        }
        Ok(CharmMetadata::read_dir(path)?)
    }

    fn locate(path: &Path) -> Result<(Option<CharmMetadata>, PathBuf), CharmError> {
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

    /// Everything that makes metadata and component disagree, or the
    /// component unrunnable; empty when the charm is sound.
    pub fn check(&self) -> Vec<Diagnostic> {
        check::check(self)
    }
}

#[cfg(test)]
mod tests;
