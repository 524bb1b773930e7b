//! The event queue: each component has exactly one pending transition.
//!
//! Total order: earlier time first; at equal times, the lower component
//! index first (components are indexed regions, zones, clusters, API
//! servers, gateways, sites, then istiod instances, in scenario order).
//! Time is an integer number of milliseconds, so the order never depends on
//! floating-point rounding, and two runs always process events identically.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A min-queue of (time in ms, component index).
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl EventQueue {
    /// An empty queue with room for `n` components.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(n),
        }
    }

    /// Empties the queue, keeping its memory.
    pub fn clear(&mut self) {
        self.heap.clear();
    }

    /// Schedules `component` to change state at `time_ms`.
    pub fn push(&mut self, time_ms: u64, component: u32) {
        self.heap.push(Reverse((time_ms, component)));
    }

    /// The next event in the total order.
    pub fn pop(&mut self) -> Option<(u64, u32)> {
        self.heap.pop().map(|Reverse(e)| e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_break_by_component_index() {
        let mut q = EventQueue::with_capacity(4);
        q.push(5, 3);
        q.push(5, 1);
        q.push(2, 9);
        q.push(5, 2);
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(2, 9), (5, 1), (5, 2), (5, 3)]);
    }
}
