//! What identifies a component file's contents without reading them (the
//! key of the cache's index), and reading a file with the identity it kept
//! while being read.

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// A component file's bytes and its identity when they were read.
#[derive(Debug)]
pub struct SourceFile {
    /// The file it was read from.
    pub path: PathBuf,
    /// The file's contents.
    pub bytes: Vec<u8>,
    /// Its identity, when it did not change while being read.
    pub(super) identity: Option<FileIdentity>,
}

impl SourceFile {
    /// Reads the file at `path`, noting its identity for the cache's index.
    pub fn read(path: &Path) -> std::io::Result<Self> {
        let file = File::open(path)?;
        let (bytes, identity) = read_whole(&file)?;
        Ok(Self {
            path: path.to_owned(),
            bytes,
            identity,
        })
    }
}

/// The contents of `file` from its start, and its identity if it did not
/// change while being read.
pub(super) fn read_whole(file: &File) -> std::io::Result<(Vec<u8>, Option<FileIdentity>)> {
    watched(file, |_| {
        use std::io::Seek as _;
        let mut reader = file;
        reader.rewind()?;
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        Ok(bytes)
    })
}

/// What `read` makes of `file` (given its length), and the file's
/// identity if it did not change meanwhile: a file written meanwhile gets
/// no identity (and so no index entry), since what was read may be a mix
/// of old and new.
pub(super) fn watched<T>(
    file: &File,
    read: impl FnOnce(u64) -> std::io::Result<T>,
) -> std::io::Result<(T, Option<FileIdentity>)> {
    let meta = file.metadata()?;
    let before = FileIdentity::of(&meta);
    let value = read(meta.len())?;
    let after = FileIdentity::of(&file.metadata()?);
    Ok((value, before.filter(|b| Some(b) == after.as_ref())))
}

/// A file's contents mapped read-only, for a check that reads a few of its
/// pages (an ELF header and its section table) where reading it would
/// copy all of them.
pub(super) struct Mapped {
    ptr: *mut libc::c_void,
    len: usize,
}

impl Mapped {
    /// The bytes.
    pub(super) fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `ptr` maps `len` readable bytes until `self` is dropped.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: a mapping this value made and owns.
            unsafe { libc::munmap(self.ptr, self.len) };
        }
    }
}

/// What `check` makes of the contents of `file`, mapped read-only: only
/// the pages it reads are read. Only for files no one else may write (the
/// caller checks): a file cut short under the mapping would fault the
/// reader.
pub(super) fn map_whole<T>(file: &File, check: impl FnOnce(&[u8]) -> T) -> std::io::Result<T> {
    use std::os::fd::AsRawFd as _;
    let len = usize::try_from(file.metadata()?.len()).map_err(std::io::Error::other)?;
    let mapped = if len == 0 {
        Mapped {
            ptr: std::ptr::null_mut(),
            len,
        }
    } else {
        // SAFETY: a fresh private read-only mapping of an open file; no
        // Rust object aliases it.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Mapped { ptr, len }
    };
    Ok(check(mapped.bytes()))
}

/// What identifies a file's contents without reading them: a change to
/// the contents changes the change time, which no one can set back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileIdentity {
    pub(super) dev: u64,
    pub(super) ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileIdentity {
    #[cfg(unix)]
    pub(super) fn of(meta: &std::fs::Metadata) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        Some(Self {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// Without change times there is no identity to trust: every load
    /// reads and checks.
    #[cfg(not(unix))]
    pub(super) fn of(_meta: &std::fs::Metadata) -> Option<Self> {
        None
    }

    pub(super) fn of_path(path: &Path) -> Option<Self> {
        Self::of(&std::fs::metadata(path).ok()?)
    }

    pub(super) fn encode(&self) -> String {
        format!(
            "{} {} {} {} {} {} {}",
            self.dev, self.ino, self.size, self.mtime.0, self.mtime.1, self.ctime.0, self.ctime.1
        )
    }

    pub(super) fn decode(text: &str) -> Option<Self> {
        let mut fields = text.split(' ');
        let mut unsigned = || fields.next()?.parse::<u64>().ok();
        let (dev, ino, size) = (unsigned()?, unsigned()?, unsigned()?);
        let mut signed = || fields.next()?.parse::<i64>().ok();
        Some(Self {
            dev,
            ino,
            size,
            mtime: (signed()?, signed()?),
            ctime: (signed()?, signed()?),
        })
    }
}
