//! A project's source files: what a build reads (for its up-to-date stamp)
//! and what makes a built `charm.wasm` stale.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::charm::COMPONENT_FILE;

/// Directories that are built, installed or generated, never sources.
const SKIPPED_DIRS: [&str; 10] = [
    "target",
    "build",
    "node_modules",
    ".charmbox",
    ".venv",
    "venv",
    "__pycache__",
    ".git",
    "deps",
    "dist",
];

/// Source extensions, by what they are: code, WIT, manifests and metadata.
const SOURCE_EXTENSIONS: [&str; 10] = [
    "rs", "py", "js", "mjs", "cjs", "wit", "toml", "json", "yaml", "txt",
];

/// The source files under `dir`, sorted: code, WIT, manifests and metadata,
/// outside built and installed directories (`target/`, `node_modules/`,
/// `wit/deps/`, pip's `build/` and `*.egg-info/`…) and outside test directories (a test does not change the
/// component).
pub fn source_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk(dir, &mut found, 0);
    found.sort();
    found
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>, depth: usize) {
    const MAX_DEPTH: usize = 8;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let is_test_dir = depth == 0 && matches!(&*name, "tests" | "test");
            let generated = SKIPPED_DIRS.contains(&&*name) || name.ends_with(".egg-info");
            if depth < MAX_DEPTH && !is_test_dir && !generated {
                walk(&path, found, depth + 1);
            }
        } else if kind.is_file()
            && name != "package-lock.json"
            && path
                .extension()
                .is_some_and(|e| SOURCE_EXTENSIONS.contains(&&*e.to_string_lossy()))
        {
            found.push(path);
        }
    }
}

/// A source file changed after the component was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// The newest source file.
    pub source: PathBuf,
    /// The component.
    pub component: PathBuf,
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} changed after {} was built: this runs the old build; run `charmbox build` to \
             rebuild it",
            self.source.display(),
            self.component.display()
        )
    }
}

/// Whether a source of the project in `dir` (a language's manifest is
/// there) is newer than its `charm.wasm`; `None` when the component is up
/// to date, missing, or `dir` is not a project charmbox can build.
pub fn stale(dir: &Path) -> Option<Stale> {
    super::Language::detect(dir).ok()?;
    let component = dir.join(COMPONENT_FILE);
    let built = modified(&component)?;
    let newest = source_files(dir)
        .into_iter()
        .filter_map(|path| Some((modified(&path)?, path)))
        .max_by_key(|(time, _)| *time)?;
    (newest.0 > built).then_some(Stale {
        source: newest.1,
        component,
    })
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).ok()?.modified().ok()
}

/// A digest of the files' paths (relative to `base`) and contents, and of
/// `extra` strings (tool versions, options): a build is up to date when it
/// was made from the same digest.
pub(crate) fn digest<'a>(
    base: &Path,
    files: &[PathBuf],
    extra: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut hasher = twox_hash::XxHash3_128::new();
    for item in extra {
        hasher.write(item.as_bytes());
        hasher.write(b"\0");
    }
    for file in files {
        hasher.write(
            file.strip_prefix(base)
                .unwrap_or(file)
                .to_string_lossy()
                .as_bytes(),
        );
        hasher.write(b"\0");
        if let Ok(bytes) = std::fs::read(file) {
            hasher.write(&bytes);
        }
        hasher.write(b"\0");
    }
    format!("{:032x}", hasher.finish_128())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_newer_than_the_component_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("requirements.txt"), "x\n").unwrap();
        std::fs::create_dir_all(dir.join("node_modules/x")).unwrap();
        std::fs::write(dir.join("charm.wasm"), "built").unwrap();
        let old = SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(dir.join("charm.wasm"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        std::fs::File::options()
            .write(true)
            .open(dir.join("requirements.txt"))
            .unwrap()
            .set_modified(old - std::time::Duration::from_secs(60))
            .unwrap();
        assert_eq!(stale(dir), None);
        std::fs::write(dir.join("node_modules/x/index.js"), "not a source").unwrap();
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::write(dir.join("tests/test_charm.py"), "a test").unwrap();
        assert_eq!(stale(dir), None);
        std::fs::write(dir.join("charm.py"), "changed").unwrap();
        let found = stale(dir).unwrap();
        assert_eq!(found.source, dir.join("charm.py"));
        assert!(found.to_string().contains("charmbox build"), "{found}");
    }
}
