//! The size limits that the deployments share: istiod instances and
//! attachment-list entries over all of them. Placement spends instances,
//! attachment spends entries, each before it builds anything, so an
//! oversized scenario is refused at once instead of exhausting memory.

use super::FieldError;

/// More control-plane instances than this (over all deployments) is refused.
pub const MAX_INSTANCES: u64 = 1_000_000;
/// Attachment-list entries over all deployments and clusters. Every
/// (deployment, cluster) pair has a list of its own, so this also bounds the
/// lists: at about 60 bytes a list, 10 million take 600 MB to build (50
/// million took 2.8 GB and 6 s, from a 23 KB file of 500 deployments on
/// 100 000 clusters).
pub const MAX_ATTACH_ENTRIES: u64 = 10_000_000;

/// What is left of the size limits for the deployments still to place.
pub(super) struct Budget {
    /// istiod instances.
    instances: u64,
    /// Attachment-list entries.
    entries: u64,
}

impl Budget {
    /// The whole of both limits, for the first deployment.
    pub fn new() -> Self {
        Budget {
            instances: MAX_INSTANCES,
            entries: MAX_ATTACH_ENTRIES,
        }
    }

    /// Takes `n` instances, refusing (at `path`) when they do not fit.
    pub fn take_instances(&mut self, n: u64, path: &str) -> Result<(), FieldError> {
        self.instances = self.instances.checked_sub(n).ok_or_else(|| {
            FieldError::new(
                path,
                format!(
                    "the deployments need more than {} control-plane instances in all, beyond what fits in memory; use fewer instances per domain or fewer deployments",
                    MAX_INSTANCES
                ),
            )
        })?;
        Ok(())
    }

    /// Takes `n` attachment entries, refusing when they do not fit.
    pub fn take_entries(&mut self, n: u64, path: &str) -> Result<(), FieldError> {
        self.entries = self.entries.checked_sub(n).ok_or_else(|| {
            FieldError::new(
                path,
                format!(
                    "the deployments need more than {} attachment-list entries in all (an entry per istiod in each cluster's list, for every deployment), beyond what fits in memory; use a narrower failover or fewer deployments",
                    MAX_ATTACH_ENTRIES
                ),
            )
        })?;
        Ok(())
    }
}
