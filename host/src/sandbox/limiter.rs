//! The memory cap: a store limiter that refuses growth past the limit and
//! remembers that it did, so the failure can say why.

use wasmtime::ResourceLimiter;

/// Caps the guest's linear memory at a number of bytes.
#[derive(Debug)]
pub struct MemoryLimiter {
    max_bytes: usize,
    refused: Option<usize>,
}

impl MemoryLimiter {
    /// A limiter allowing at most `max_bytes` of linear memory per memory.
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            refused: None,
        }
    }

    /// The size a refused growth asked for, if any growth was refused.
    pub fn refused(&self) -> Option<usize> {
        self.refused
    }

    /// The cap in bytes.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.refused = Some(desired);
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Tables hold function references; a million is far beyond any charm.
        Ok(desired <= 1_000_000)
    }
}
