//! The cap on files and directories a run holds open.
//!
//! Every unit of a `--num-units` run shares the process's descriptors: one
//! guest opening files without end left the others I/O errors opening their
//! own `/data` files. A run may hold [`DEFAULT_MAX_DESCRIPTORS`] open at
//! once; past that, `open-at` is refused (`insufficient-memory`, the
//! nearest of WASI's error codes, as no other names this) until the guest
//! closes one.
//!
//! What is counted is what keeps a host descriptor open: each file or
//! directory the guest opened, for as long as it, or a stream made from it,
//! is alive. The count holds a weak reference to each, so closing needs no
//! hook: a descriptor whose last user is gone is no longer counted.

use std::sync::{Arc, Weak};

/// Files and directories a run may hold open at once, by default.
pub const DEFAULT_MAX_DESCRIPTORS: usize = 256;

/// The descriptors one run holds open.
#[derive(Debug)]
pub struct DescriptorCount {
    max: usize,
    open: Vec<Weak<std::fs::File>>,
    refused: bool,
}

impl Default for DescriptorCount {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_DESCRIPTORS)
    }
}

impl DescriptorCount {
    /// A count allowing `max` open at once.
    pub fn new(max: usize) -> Self {
        Self {
            max,
            open: Vec::new(),
            refused: false,
        }
    }

    /// The cap.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Whether an open was refused for the cap.
    pub fn refused(&self) -> bool {
        self.refused
    }

    /// How many are open now.
    pub fn live(&mut self) -> usize {
        self.open.retain(|file| file.strong_count() > 0);
        self.open.len()
    }

    /// Whether one more may be opened; remembers a refusal.
    pub(crate) fn may_open(&mut self) -> bool {
        let may = self.live() < self.max;
        self.refused |= !may;
        may
    }

    /// Counts `file`, just opened, until its last user drops it.
    pub(crate) fn opened(&mut self, file: &Arc<std::fs::File>) {
        self.open.push(Arc::downgrade(file));
    }

    /// Whether the file `(device, inode)` is one the run holds open.
    pub(crate) fn is_open(&self, id: (u64, u64)) -> bool {
        use std::os::unix::fs::MetadataExt as _;
        self.open
            .iter()
            .filter_map(Weak::upgrade)
            .filter_map(|file| file.metadata().ok())
            .any(|meta| (meta.dev(), meta.ino()) == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_descriptor_is_no_longer_counted() {
        let dir = tempfile::tempdir().unwrap();
        let mut count = DescriptorCount::new(2);
        let open = || Arc::new(std::fs::File::create(dir.path().join("f")).unwrap());
        let (a, b) = (open(), open());
        assert!(count.may_open());
        count.opened(&a);
        count.opened(&b);
        assert!(!count.may_open());
        assert!(count.refused());
        drop(a);
        assert_eq!(count.live(), 1);
        assert!(count.may_open());
    }
}
