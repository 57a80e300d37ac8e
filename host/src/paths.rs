//! Where charmbox keeps state on disk when the caller does not say.

use std::path::PathBuf;

/// The default state directory: `$XDG_DATA_HOME/charmbox`, else
/// `$HOME/.local/share/charmbox`; `None` when neither variable is set.
pub fn default_state_dir() -> Option<PathBuf> {
    xdg_dir("XDG_DATA_HOME", ".local/share")
}

fn xdg_dir(var: &str, home_relative: &str) -> Option<PathBuf> {
    let from_var = std::env::var_os(var)
        .map(PathBuf::from)
        // The XDG spec says to ignore relative paths.
        .filter(|p| p.is_absolute());
    from_var
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(home_relative)))
        .map(|base| base.join("charmbox"))
}
