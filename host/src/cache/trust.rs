//! What the cache trusts: directories and files of this user that no one
//! else may write, private files and directories whatever the umask,
//! names no one can guess, and the cache's secret key.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::Path;

use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt as _};

use super::{KEY_FILE, KEY_LEN};

/// This process's effective user.
#[cfg(unix)]
pub(super) fn effective_user() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Why a file or directory of the cache cannot be trusted, if it cannot:
/// another user owns it, or others may write to it.
#[cfg(unix)]
pub(super) fn untrusted(uid: u32, mode: u32) -> Option<String> {
    let me = effective_user();
    if uid != me {
        return Some(format!(
            "it belongs to user {uid}, not to this user ({me}), who could not tell what it \
             holds; remove it or give it to this user"
        ));
    }
    if mode & 0o022 != 0 {
        return Some(format!(
            "its group or other users may write to it (mode {:o}), and could plant native code \
             for charmbox to run; make it private (chmod 700)",
            mode & 0o7777
        ));
    }
    None
}

#[cfg(not(unix))]
pub(super) fn untrusted(_uid: u32, _mode: u32) -> Option<String> {
    None
}

/// An artifact's file: regular, this user's, writable by no one else, one
/// link; `None` when it is not.
pub(super) fn trusted_artifact(file: &File) -> Option<std::fs::Metadata> {
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if untrusted(meta.uid(), meta.mode()).is_some() || meta.nlink() != 1 {
            return None;
        }
    }
    Some(meta)
}

/// `count` random bytes as lowercase hex: for names no one can guess.
pub(super) fn random_hex(count: usize) -> std::io::Result<String> {
    let mut bytes = vec![0u8; count];
    fill_random(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Fills `bytes` from the operating system's secure random source.
pub(super) fn fill_random(bytes: &mut [u8]) -> std::io::Result<()> {
    getrandom::fill(bytes).map_err(|e| std::io::Error::other(e.to_string()))
}

/// Options to create a private file that did not exist.
pub(super) fn new_private_file() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create_new(true);
    options.mode(0o600);
    options
}

/// Options to read a file.
pub(super) fn reading() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.read(true);
    options
}

/// A directory builder making private (`0700`) directories.
pub(super) fn private_dir_builder() -> &'static cap_std::fs::DirBuilder {
    static BUILDER: std::sync::OnceLock<cap_std::fs::DirBuilder> = std::sync::OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut builder = cap_std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use cap_std::fs::DirBuilderExt as _;
            builder.mode(0o700);
        }
        builder
    })
}

/// Creates `dir` and its missing parents, each `0700` whatever the umask.
pub(super) fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    crate::paths::create_private_dir_all(dir)
}

/// Why the open directory `dir` cannot be trusted, if it cannot.
pub(super) fn check_dir(dir: &Dir) -> Result<(), String> {
    let meta = dir
        .dir_metadata()
        .map_err(|e| format!("cannot read its owner and mode: {e}"))?;
    #[cfg(unix)]
    {
        use cap_std::fs::MetadataExt as _;
        if let Some(reason) = untrusted(meta.uid(), meta.mode()) {
            return Err(reason);
        }
    }
    let _ = meta;
    Ok(())
}

/// The cache's key: read, or made (32 random bytes, `0600`) if there is
/// none. Made under a temporary name and linked into place, so two first
/// runs agree on one key and never read half of one. It is not synced to
/// disk (a unit's first run would wait for the disk): a key that a crash
/// left short is this user's private file of the wrong length, and is
/// replaced by a new one, which costs no more than recompiling what the
/// old one signed.
pub(super) fn read_or_make_key(root: &Dir) -> Result<[u8; KEY_LEN], String> {
    match read_key(root)? {
        Some(Ok(key)) => return Ok(key),
        Some(Err(_short)) => {
            root.remove_file(KEY_FILE)
                .map_err(|e| format!("cannot replace one of the wrong length: {e}"))?;
        }
        None => {}
    }
    make_key(root)?;
    match read_key(root)? {
        Some(Ok(key)) => Ok(key),
        Some(Err(len)) => Err(format!(
            "it is {len} bytes long, not {KEY_LEN}, just after it was made; remove it, and a new \
             one is made"
        )),
        None => Err("it was made but is not there".into()),
    }
}

/// Makes a key under a temporary name and links it into place; a key
/// another process linked first stands.
fn make_key(root: &Dir) -> Result<(), String> {
    let made = (|| -> std::io::Result<()> {
        let tmp = format!("{KEY_FILE}.{}.tmp", random_hex(16)?);
        let mut key = [0u8; KEY_LEN];
        fill_random(&mut key)?;
        let mut file = root.open_with(&tmp, &new_private_file())?;
        let written = file
            .write_all(&key)
            .and_then(|()| root.hard_link(&tmp, root, KEY_FILE));
        let _ = root.remove_file(&tmp);
        match written {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            other => other,
        }
    })();
    made.map_err(|e| format!("cannot make one: {e}"))
}

/// The key in `root`: `None` when there is none, `Err(len)` when it is a
/// trusted file of the wrong length `len`; an error when it cannot be read
/// or trusted.
fn read_key(root: &Dir) -> Result<Option<Result<[u8; KEY_LEN], u64>>, String> {
    let mut file = match root.open_with(KEY_FILE, &reading()) {
        Ok(file) => file.into_std(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read it: {e}")),
    };
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read its owner and mode: {e}"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != effective_user() || meta.mode() & 0o077 != 0 || !meta.is_file() {
            return Err(format!(
                "it must be a file of this user that no one else can read or write (mode 600), \
                 and is mode {:o} of user {}; remove it, and a new one is made",
                meta.mode() & 0o7777,
                meta.uid()
            ));
        }
    }
    let mut bytes = Vec::with_capacity(KEY_LEN);
    file.read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    Ok(Some(
        <[u8; KEY_LEN]>::try_from(bytes.as_slice()).map_err(|_| bytes.len() as u64),
    ))
}
