//! The guards a sandbox puts between a guest and the host's resources,
//! beyond what WASI itself refuses: each bounds one thing a guest could
//! otherwise take without limit.
//!
//! - [`memory`]: every memory and table of a run drawn from one budget, and
//!   few instances, memories and tables;
//! - [`waits`]: no wait in a host call outlives the run's deadline;
//! - [`disk`]: the unit's `/data` within a byte and inode budget;
//! - [`descriptors`]: few files and directories open at once.
//!
//! The host side of the guest's calls (`crate::imports`) consults them
//! through [`Guards`], which a run's state holds.

pub mod descriptors;
pub mod disk;
pub mod memory;
pub mod waits;

pub use descriptors::DescriptorCount;
pub use disk::DiskBudget;
pub use waits::WaitBound;

/// The guards of one run that host calls consult.
#[derive(Debug, Default)]
pub struct Guards {
    /// What bounds waits.
    pub waits: WaitBound,
    /// The data directory's budget, when the run has one.
    pub disk: Option<DiskBudget>,
    /// Open descriptors.
    pub descriptors: DescriptorCount,
}
