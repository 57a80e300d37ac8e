//! The WIT a project builds against: the contract (`juju:charm@0.2.0`, built
//! into charmbox from the repository's `wit/`) written into the project's
//! `wit/deps/`, and the name of the project's own world.

use std::path::{Path, PathBuf};

use super::build::BuildError;

/// The contract's WIT, as `wit/juju-charm@0.2.0/charm.wit` holds it.
const CONTRACT_WIT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../wit/juju-charm@0.2.0/charm.wit"
));

/// Where a project's WIT lives.
pub(crate) const WIT_DIR: &str = "wit";

/// Writes the contract into `<dir>/wit/deps/juju-charm/` (a generated,
/// ignored directory), unless it is there as it is.
pub(crate) fn write_contract(dir: &Path) -> Result<(), BuildError> {
    let target = dir.join(WIT_DIR).join("deps/juju-charm");
    let file = target.join("charm.wit");
    if std::fs::read_to_string(&file).is_ok_and(|text| text == CONTRACT_WIT) {
        return Ok(());
    }
    std::fs::create_dir_all(&target).map_err(BuildError::io(&target))?;
    std::fs::write(&file, CONTRACT_WIT).map_err(BuildError::io(&file))
}

/// The one world the project's `wit/*.wit` files define (not counting
/// `wit/deps/`), or an error listing them.
pub(crate) fn world_name(dir: &Path) -> Result<String, BuildError> {
    let wit = dir.join(WIT_DIR);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&wit)
        .map_err(BuildError::io(&wit))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wit") && p.is_file())
        .collect();
    files.sort();
    let mut worlds = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(BuildError::io(file))?;
        worlds.extend(worlds_in(&text));
    }
    match worlds.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(BuildError::World {
            wit: wit.clone(),
            worlds,
        }),
    }
}

/// The names of the worlds a WIT file defines (`world NAME {` at the start
/// of a line, comments aside).
fn worlds_in(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim_start)
        .filter(|line| !line.starts_with("//"))
        .filter_map(|line| line.strip_prefix("world "))
        .filter_map(|rest| {
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '%')
                .collect();
            (!name.is_empty()).then(|| name.trim_start_matches('%').to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_world_and_not_the_words_in_comments() {
        let text = "// a world of its own\npackage local:x;\n\nworld my-charm {\n  include juju:charm/charm@0.2.0;\n}\n";
        assert_eq!(worlds_in(text), ["my-charm"]);
        assert_eq!(worlds_in("/// world docs\n"), Vec::<String>::new());
    }
}
