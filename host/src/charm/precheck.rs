//! What `charmbox check` can tell from a component's bytes before compiling
//! it (seconds for a Python or JavaScript component): the top-level imports
//! the host does not provide, and the actions the metadata declares that the
//! component does not export. Only the names are read here; the signatures
//! are judged after compiling ([`super::check`]).

use std::path::Path;

use wasmparser::{Parser, Payload};

use super::check::Diagnostic;
use super::component::host_provides;
use super::metadata::CharmMetadata;

/// A component's top-level import and export names.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Names {
    /// Imported items (`wasi:http/types@0.2.0`).
    pub imports: Vec<String>,
    /// Exported items (`greet`).
    pub exports: Vec<String>,
}

/// The top-level names of component `bytes`, or `None` when they cannot be
/// read (loading then says why).
pub fn names(bytes: &[u8]) -> Option<Names> {
    let mut names = Names::default();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.ok()? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    names.imports.push(import.ok()?.name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    names.exports.push(export.ok()?.name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    Some(names)
}

/// The problems found in the names alone: imports the host does not
/// provide, and declared actions the component does not export. Empty when
/// the names are sound (or unreadable).
pub fn precheck(component: &Path, metadata: Option<&CharmMetadata>) -> Vec<Diagnostic> {
    let Ok(bytes) = std::fs::read(component) else {
        return Vec::new();
    };
    let Some(names) = names(&bytes) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    if let Some(metadata) = metadata {
        let file = metadata
            .source
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        for action in metadata.actions.keys() {
            if !names.exports.iter().any(|e| e == action) {
                found.push(super::check::not_exported(action, &file));
            }
        }
    }
    for import in names.imports.iter().filter(|i| !host_provides(i)) {
        found.push(super::check::missing_import(
            import,
            "charmbox does not provide this interface",
        ));
    }
    found
}
