//! The sandbox's one memory budget: a store limiter that accounts every
//! linear memory and every table of a run against a single number of
//! bytes, caps how many instances, memories and tables a run may make, and
//! remembers a refusal so the failure can say why.
//!
//! Counting each memory on its own let a guest of sixteen memories (or
//! sixty-four tables of a million elements, which were not counted at all)
//! hold sixteen times the cap. Here a memory's growth and a table's growth
//! draw on the same budget, and what wasmtime's store would otherwise allow
//! (10,000 each of instances, memories and tables) is cut to what real
//! charms use, with room: components made by componentize-py or jco are
//! the largest, at a few dozen core instances.

use wasmtime::ResourceLimiter;

/// Most core instances one run may create.
pub const MAX_INSTANCES: usize = 64;
/// Most linear memories one run may create.
pub const MAX_MEMORIES: usize = 16;
/// Most tables one run may create.
pub const MAX_TABLES: usize = 32;
/// What one table element costs in the budget: wasmtime keeps a table of
/// function references as one pointer an element.
pub const TABLE_ELEMENT_BYTES: usize = 8;

/// Caps all of a run's memories and tables together at a number of bytes.
#[derive(Debug)]
pub struct MemoryLimiter {
    max_bytes: usize,
    /// Bytes granted so far, memories and tables together.
    used: usize,
    /// The last growth granted, taken back if wasmtime then fails it.
    last_granted: usize,
    refused: Option<usize>,
}

impl MemoryLimiter {
    /// A limiter allowing at most `max_bytes` of linear memory and tables
    /// in all.
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            used: 0,
            last_granted: 0,
            refused: None,
        }
    }

    /// The total a refused growth asked for (everything the run held, plus
    /// the growth), if any growth was refused.
    pub fn refused(&self) -> Option<usize> {
        self.refused
    }

    /// The cap in bytes.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Bytes of memories and tables the run holds.
    pub fn used_bytes(&self) -> usize {
        self.used
    }

    /// Grants growth by `added` bytes if the budget holds it.
    fn grant(&mut self, added: usize) -> bool {
        let total = self.used.saturating_add(added);
        if total > self.max_bytes {
            self.refused = Some(total);
            self.last_granted = 0;
            return false;
        }
        self.used = total;
        self.last_granted = added;
        true
    }

    /// Takes back the last grant: wasmtime could not grow after all.
    fn take_back(&mut self) {
        self.used -= std::mem::take(&mut self.last_granted);
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(self.grant(desired.saturating_sub(current)))
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.take_back();
        Ok(())
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let added = desired.saturating_sub(current);
        Ok(self.grant(added.saturating_mul(TABLE_ELEMENT_BYTES)))
    }

    fn table_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.take_back();
        Ok(())
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memories_and_tables_share_one_budget() {
        let mut limiter = MemoryLimiter::new(100 << 20);
        // Two memories of 40 MiB fit; a third does not.
        assert!(limiter.memory_growing(0, 40 << 20, None).unwrap());
        assert!(limiter.memory_growing(0, 40 << 20, None).unwrap());
        assert!(!limiter.memory_growing(0, 40 << 20, None).unwrap());
        assert_eq!(limiter.refused(), Some(120 << 20));
        // A table of 2.5M elements is 20 MiB: exactly what is left.
        assert!(limiter.table_growing(0, 2_621_440, None).unwrap());
        assert!(!limiter.table_growing(2_621_440, 2_621_441, None).unwrap());
        assert_eq!(limiter.used_bytes(), 100 << 20);
    }

    #[test]
    fn a_growth_wasmtime_fails_is_given_back() {
        let mut limiter = MemoryLimiter::new(10 << 20);
        assert!(limiter.memory_growing(0, 8 << 20, None).unwrap());
        limiter
            .memory_grow_failed(wasmtime::Error::msg("no"))
            .unwrap();
        assert_eq!(limiter.used_bytes(), 0);
        // Growth is counted from the memory's current size.
        assert!(limiter.memory_growing(0, 4 << 20, None).unwrap());
        assert!(limiter.memory_growing(4 << 20, 10 << 20, None).unwrap());
        assert!(!limiter.memory_growing(10 << 20, 11 << 20, None).unwrap());
    }
}
