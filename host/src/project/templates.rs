//! The files `charmbox init` writes, from the repository's `templates/`
//! (built into charmbox): `{{name}}` is the charm's name and `{{charmbox}}`
//! the charmbox checkout the project depends on.

use super::Language;

/// One file of a template: where it goes in the project, and its text.
pub(crate) struct TemplateFile {
    pub path: &'static str,
    pub text: &'static str,
}

macro_rules! file {
    ($path:literal, $source:literal) => {
        TemplateFile {
            path: $path,
            text: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../templates/",
                $source
            )),
        }
    };
}

/// The files every project has.
const COMMON: &[TemplateFile] = &[file!("charmcraft.yaml", "common/charmcraft.yaml")];

const RUST: &[TemplateFile] = &[
    file!("Cargo.toml", "rust/Cargo.toml"),
    file!(".cargo/config.toml", "rust/.cargo/config.toml"),
    file!("src/lib.rs", "rust/src/lib.rs"),
    file!("tests/actions.rs", "rust/tests/actions.rs"),
    file!("README.md", "rust/README.md"),
    file!(".gitignore", "rust/.gitignore"),
];

const PYTHON: &[TemplateFile] = &[
    file!("charm.py", "python/charm.py"),
    file!("requirements.txt", "python/requirements.txt"),
    file!("requirements-dev.txt", "python/requirements-dev.txt"),
    file!("wit/world.wit", "python/wit/world.wit"),
    file!("tests/test_charm.py", "python/tests/test_charm.py"),
    file!("README.md", "python/README.md"),
    file!(".gitignore", "python/.gitignore"),
];

const JAVASCRIPT: &[TemplateFile] = &[
    file!("charm.js", "js/charm.js"),
    file!("package.json", "js/package.json"),
    file!(".npmrc", "js/.npmrc"),
    file!("wit/world.wit", "js/wit/world.wit"),
    file!("test/charm.test.js", "js/test/charm.test.js"),
    file!("README.md", "js/README.md"),
    file!(".gitignore", "js/.gitignore"),
];

/// The files of a `language` project, common ones first.
pub(crate) fn files(language: Language) -> impl Iterator<Item = &'static TemplateFile> {
    let own = match language {
        Language::Rust => RUST,
        Language::Python => PYTHON,
        Language::JavaScript => JAVASCRIPT,
    };
    COMMON.iter().chain(own)
}

/// A template's text with its placeholders filled in.
pub(crate) fn render(text: &str, name: &str, charmbox: &str) -> String {
    text.replace("{{name}}", name)
        .replace("{{charmbox}}", charmbox)
}
