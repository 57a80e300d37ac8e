//! A charm author's project: the directory `charmbox init` writes from the
//! repository's `templates/` ([`init`]) and `charmbox build` compiles into
//! `charm.wasm` ([`build`]), in Rust, Python or JavaScript, with toolchains
//! pinned and installed on first use under the cache directory
//! ([`toolchain`]); and whether a built `charm.wasm` is older than its
//! sources ([`sources`]).
//!
//! A project depends on charmbox's SDK or helper by path to the charmbox
//! checkout it was made from ([`CharmboxSource`]): nothing of the
//! repository is copied into it but the contract's WIT, which `build`
//! writes into the project's ignored `wit/deps/` from the copy built into
//! charmbox.

pub mod build;
pub mod init;
mod js;
mod python;
mod rust;
pub mod sources;
mod templates;
pub mod toolchain;
mod wit;

use std::fmt;
use std::path::{Path, PathBuf};

pub use build::{build, BuildError, BuildOptions, BuildProgress, BuildReport, JsEngine};
pub use init::{init, InitError, InitOptions, InitReport};

/// The languages a project may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// Rust with `charmbox-sdk`, built by cargo for `wasm32-wasip2`.
    Rust,
    /// Python with `charmbox-ops`, built by componentize-py.
    Python,
    /// JavaScript with `charmbox-ops`, built by componentize-js
    /// (StarlingMonkey) or jco's QuickJS backend.
    JavaScript,
}

impl Language {
    /// Every language, in the order docs list them.
    pub const ALL: [Language; 3] = [Language::Rust, Language::Python, Language::JavaScript];

    /// The language's name on the command line (`rust`, `python`, `js`).
    pub fn id(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::JavaScript => "js",
        }
    }

    /// The file that marks a project of this language.
    pub fn manifest(self) -> &'static str {
        match self {
            Language::Rust => "Cargo.toml",
            Language::Python => "requirements.txt",
            Language::JavaScript => "package.json",
        }
    }

    /// Which language the project in `dir` is written in, from its
    /// manifest; an error naming each manifest when it has none, or more
    /// than one.
    pub fn detect(dir: &Path) -> Result<Language, DetectError> {
        let found: Vec<Language> = Self::ALL
            .into_iter()
            .filter(|language| dir.join(language.manifest()).is_file())
            .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(DetectError::None {
                dir: dir.to_owned(),
            }),
            _ => Err(DetectError::Several {
                dir: dir.to_owned(),
                found,
            }),
        }
    }

    /// How to build a project of this language into `charm.wasm`, for a
    /// message about a missing one.
    pub fn build_hint(self) -> &'static str {
        match self {
            Language::Rust => {
                "`charmbox build` (cargo build --release --target wasm32-wasip2, then the .wasm \
                 copied to charm.wasm)"
            }
            Language::Python => "`charmbox build` (componentize-py, installed on first use)",
            Language::JavaScript => {
                "`charmbox build` (npm install, then componentize-js, installed on first use)"
            }
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Language::Rust => "Rust",
            Language::Python => "Python",
            Language::JavaScript => "JavaScript",
        })
    }
}

impl std::str::FromStr for Language {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "rust" | "rs" => Ok(Language::Rust),
            "python" | "py" => Ok(Language::Python),
            "js" | "javascript" => Ok(Language::JavaScript),
            other => Err(format!(
                "unknown language {other:?}: choose rust, python or js"
            )),
        }
    }
}

/// Why a project's language could not be told.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DetectError {
    /// No manifest.
    #[error(
        "cannot tell which language {} is written in: it has no Cargo.toml (Rust), \
         requirements.txt (Python) or package.json (JavaScript); start a charm with \
         `charmbox init --lang rust|python|js DIR`",
        .dir.display()
    )]
    None {
        /// The directory.
        dir: PathBuf,
    },
    /// Several manifests.
    #[error(
        "{} holds the manifests of several languages ({}): keep the one the charm is written in",
        .dir.display(),
        .found.iter().map(|l| l.manifest()).collect::<Vec<_>>().join(", ")
    )]
    Several {
        /// The directory.
        dir: PathBuf,
        /// The languages whose manifests are there.
        found: Vec<Language>,
    },
}

/// The charmbox checkout (or installed source tree) a project depends on by
/// path: `guest-sdk/` (Rust SDK, Python and JavaScript helpers) and `host/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharmboxSource {
    root: PathBuf,
}

/// What a charmbox source tree must hold, by the language that needs it.
const SOURCE_FILES: [&str; 4] = [
    "guest-sdk/Cargo.toml",
    "host/Cargo.toml",
    "guest-sdk/python/pyproject.toml",
    "guest-sdk/js/package.json",
];

/// A directory that is not a charmbox source tree.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{} is not a charmbox checkout (it has no {missing}): pass the directory of a charmbox \
     checkout with --charmbox-dir or CHARMBOX_SOURCE_DIR",
    .root.display()
)]
pub struct SourceError {
    /// The directory.
    pub root: PathBuf,
    /// The first file it lacks.
    pub missing: &'static str,
}

impl CharmboxSource {
    /// The checkout this charmbox was built from.
    pub fn built_in() -> Result<Self, SourceError> {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        Self::new(manifest_dir.parent().unwrap_or(manifest_dir))
    }

    /// The checkout at `root`, if it is one (made absolute).
    pub fn new(root: &Path) -> Result<Self, SourceError> {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_owned());
        let root = root.canonicalize().unwrap_or(root);
        if let Some(missing) = SOURCE_FILES.into_iter().find(|f| !root.join(f).is_file()) {
            return Err(SourceError { root, missing });
        }
        Ok(Self { root })
    }

    /// The checkout's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
}
