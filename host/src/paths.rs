//! Where charmbox keeps state on disk when the caller does not say, and how
//! it makes its directories and files: private to the user that runs it.

use std::path::{Path, PathBuf};

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

/// Creates `dir` and whichever of its parents are missing, each private to
/// this user (`0700`, whatever the umask: the mode is given at creation,
/// and a umask only takes bits away). Directories that exist are left as
/// they are: an operator's own choice of mode is theirs.
pub fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    private_dir_builder().recursive(true).create(dir)
}

/// Creates `dir`, whose parent exists, private to this user (`0700`, as
/// [`create_private_dir_all`]); one that exists already (another process
/// made it) is left as it is.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    match private_dir_builder().create(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        other => other,
    }
}

/// A directory builder whose directories are `0700` when made.
fn private_dir_builder() -> std::fs::DirBuilder {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder
}

/// Options that create (or open) a file private to this user: `0600` when
/// made, whatever the umask.
pub fn private_file_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
}
