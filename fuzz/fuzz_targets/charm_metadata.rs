//! Charm metadata: `charmcraft.yaml`, `actions.yaml`, `metadata.yaml`,
//! `config.yaml` and `manifest.yaml`, any content, read as `charmbox run`
//! reads a charm directory and laid out as `charmbox pack` lays it out.
//! Never a panic.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use charmbox::charm::CharmMetadata;
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 5] = [
    "charmcraft.yaml",
    "actions.yaml",
    "metadata.yaml",
    "config.yaml",
    "manifest.yaml",
];

/// One directory per process, rewritten for each input.
fn dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Files separated by a line of `---8<---`; fewer parts leave files out.
    let mut parts = text.split("\n---8<---\n");
    for file in FILES {
        let path = dir().join(file);
        match parts.next() {
            Some(part) if part != "-" => std::fs::write(&path, part).unwrap(),
            _ => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    if let Ok(metadata) = CharmMetadata::read_dir(dir()) {
        for spec in metadata.actions.values() {
            serde_json::to_string(spec.params.as_json()).unwrap();
            let _ = spec.params.compile_now();
        }
        let _ = charmbox::juju::pack::metadata_layout(dir(), &metadata.name);
    }
});
