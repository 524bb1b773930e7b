//! A cancellation flag shared between whoever asks a run to stop (the
//! binary's Ctrl-C handler) and the workers that honour it.
//!
//! The engine never sees signals: it only reads this flag, between
//! replications and every [`CHECK_EVERY`] events inside one, so a run of a
//! huge mesh stops within a fraction of a second without a per-event cost
//! worth measuring (one counter test per event, one atomic load per
//! [`CHECK_EVERY`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Events between two looks at the flag inside a replication: a few
/// milliseconds of work at the engine's speed.
pub const CHECK_EVERY: u64 = 1 << 16;

/// Set once to stop a run; clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag that nothing has set yet.
    pub fn new() -> Self {
        Cancel::default()
    }

    /// Asks every holder of this flag to stop; returns whether it was
    /// already set (a second request).
    pub fn set(&self) -> bool {
        self.0.swap(true, Ordering::SeqCst)
    }

    /// Has a stop been asked for?
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag_and_a_second_request_is_told_apart() {
        let a = Cancel::new();
        let b = a.clone();
        assert!(!b.is_set());
        assert!(!a.set());
        assert!(b.is_set());
        assert!(b.set());
    }
}
