//! `charmbox init`: a new charm project that builds, passes `charmbox
//! check` and runs its example action (`greet`) as it is, with a test in
//! its own language and a README.

use std::path::{Path, PathBuf};

use super::{templates, CharmboxSource, Language};
use crate::unit::is_valid_application_name;

/// What to make.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The language to write the charm in.
    pub language: Language,
    /// The charm's name (default: the directory's name).
    pub name: Option<String>,
    /// The charmbox checkout the project depends on by path.
    pub source: CharmboxSource,
}

/// What was made.
#[derive(Debug, Clone)]
pub struct InitReport {
    /// The charm's name.
    pub name: String,
    /// The project's directory.
    pub dir: PathBuf,
    /// The files written, relative to `dir`.
    pub files: Vec<PathBuf>,
}

/// Why a project could not be made.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The directory holds files already.
    #[error(
        "{} is not empty (it holds {first}): `charmbox init` writes only into a new or empty \
         directory, so nothing is overwritten; choose another",
        .dir.display()
    )]
    NotEmpty {
        /// The directory.
        dir: PathBuf,
        /// One of the entries in it.
        first: String,
    },
    /// The name is not one Juju accepts.
    #[error(
        "{name:?} is not a valid charm name: Juju names applications with lowercase letters, \
         digits and single hyphens, starting with a letter, no part only digits (such as \
         my-charm); {hint}"
    )]
    BadName {
        /// The name.
        name: String,
        /// Where it came from, and how to choose another.
        hint: &'static str,
    },
    /// Writing failed.
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Writes a new `options.language` project into `dir` (made if missing;
/// refused if it holds anything).
pub fn init(dir: &Path, options: &InitOptions) -> Result<InitReport, InitError> {
    let write_error = |path: &Path| {
        let path = path.to_owned();
        move |source| InitError::Write { path, source }
    };
    if let Ok(mut entries) = std::fs::read_dir(dir) {
        if let Some(Ok(entry)) = entries.next() {
            return Err(InitError::NotEmpty {
                dir: dir.to_owned(),
                first: entry.file_name().to_string_lossy().into_owned(),
            });
        }
    }
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    let (name, hint) = match &options.name {
        Some(name) => (name.clone(), "choose another with --name"),
        None => (
            absolute
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            "the name comes from the directory's name: pass --name my-charm",
        ),
    };
    if !is_valid_application_name(&name) {
        return Err(InitError::BadName { name, hint });
    }
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;
    let charmbox = options.source.root().to_string_lossy().into_owned();
    let mut files = Vec::new();
    for file in templates::files(options.language) {
        let path = dir.join(file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_error(parent))?;
        }
        std::fs::write(&path, templates::render(file.text, &name, &charmbox))
            .map_err(write_error(&path))?;
        files.push(PathBuf::from(file.path));
    }
    Ok(InitReport {
        name,
        dir: dir.to_owned(),
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(language: Language, name: Option<&str>) -> InitOptions {
        InitOptions {
            language,
            name: name.map(str::to_owned),
            source: CharmboxSource::built_in().unwrap(),
        }
    }

    #[test]
    fn every_language_gets_metadata_a_readme_and_a_test_naming_the_charm() {
        for language in Language::ALL {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("my-charm");
            let report = init(&dir, &options(language, None)).unwrap();
            assert_eq!(report.name, "my-charm");
            let metadata = crate::charm::CharmMetadata::read_dir(&dir).unwrap();
            assert_eq!(metadata.name, "my-charm");
            assert!(metadata.actions.contains_key("greet"));
            assert!(dir.join("README.md").is_file());
            assert!(report
                .files
                .iter()
                .any(|f| f.to_string_lossy().contains("test")));
            assert_eq!(Language::detect(&dir).unwrap(), language);
            let manifest = std::fs::read_to_string(dir.join(language.manifest())).unwrap();
            let root = CharmboxSource::built_in().unwrap();
            assert!(
                manifest.contains(&*root.root().join("guest-sdk").to_string_lossy()),
                "{language}: {manifest}"
            );
            for file in &report.files {
                let text = std::fs::read_to_string(dir.join(file)).unwrap();
                assert!(
                    !text.contains("{{"),
                    "{language} {}: {text}",
                    file.display()
                );
            }
        }
    }

    #[test]
    fn a_directory_with_files_is_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
        let error = init(tmp.path(), &options(Language::Python, Some("x"))).unwrap_err();
        assert!(matches!(error, InitError::NotEmpty { ref first, .. } if first == "notes.txt"));
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_name_juju_refuses_is_refused_with_where_it_came_from() {
        let tmp = tempfile::tempdir().unwrap();
        let error = init(&tmp.path().join("My_Charm"), &options(Language::Rust, None)).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("\"My_Charm\""), "{message}");
        assert!(message.contains("--name"), "{message}");
        let error = init(
            &tmp.path().join("ok"),
            &options(Language::Rust, Some("app-1")),
        )
        .unwrap_err();
        assert!(matches!(error, InitError::BadName { .. }));
    }
}
