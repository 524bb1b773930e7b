//! The event queue: each component has exactly one pending transition.
//!
//! Total order: earlier time first; at equal times, the lower key first
//! (keys are component indices — regions, zones, clusters, API servers,
//! gateways, sites, then istiod instances, in scenario order — followed by
//! the config-change arrivals and the rollout steps). Time is an integer
//! number of milliseconds, so the order never depends on floating-point
//! rounding, and two runs always process events identically. Pending keys
//! are unique, so the order is strict and any correct priority queue pops
//! the same sequence.
//!
//! It is a 4-ary min-heap of `time << 32 | key` packed into a `u128`, so a
//! comparison is one integer compare. The engine's usual step is "pop the
//! next transition, schedule that component's following one"; [`replace_top`]
//! does both with a single sift-down, where a pop and a push would each
//! walk the heap. A 4-ary heap is half as deep as a binary one, a node's
//! four children lie side by side in 64 bytes, and the least of them is
//! picked without branches: on the ranking study a mispredicted branch per
//! level cost more than the comparisons (see `BENCHMARKS.md`).
//!
//! [`replace_top`]: EventQueue::replace_top

/// Children per node.
const ARITY: usize = 4;

/// A min-queue of (time in ms, key).
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: Vec<u128>,
}

fn pack(time_ms: u64, key: u32) -> u128 {
    (u128::from(time_ms) << 32) | u128::from(key)
}

fn unpack(entry: u128) -> (u64, u32) {
    ((entry >> 32) as u64, entry as u32)
}

impl EventQueue {
    /// An empty queue with room for `n` keys.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            heap: Vec::with_capacity(n),
        }
    }

    /// Empties the queue, keeping its memory.
    pub fn clear(&mut self) {
        self.heap.clear();
    }

    /// Schedules `key` at `time_ms`.
    pub fn push(&mut self, time_ms: u64, key: u32) {
        self.heap.push(pack(time_ms, key));
        self.sift_up(self.heap.len() - 1);
    }

    /// The next event in the total order, left in the queue.
    pub fn peek(&self) -> Option<(u64, u32)> {
        self.heap.first().map(|&e| unpack(e))
    }

    /// Removes and returns the next event in the total order.
    pub fn pop(&mut self) -> Option<(u64, u32)> {
        let last = self.heap.pop()?;
        let Some(&top) = self.heap.first() else {
            return Some(unpack(last));
        };
        self.sift_down(last);
        Some(unpack(top))
    }

    /// Replaces the next event by `key` at `time_ms`: the same as
    /// [`pop`](Self::pop) then [`push`](Self::push), at the cost of one
    /// sift-down. The queue must not be empty.
    pub fn replace_top(&mut self, time_ms: u64, key: u32) {
        debug_assert!(!self.heap.is_empty(), "replace_top on an empty queue");
        self.sift_down(pack(time_ms, key));
    }

    /// Moves `entry` down from the root (whose old entry it replaces) to
    /// its place.
    fn sift_down(&mut self, entry: u128) {
        let heap = &mut self.heap[..];
        let len = heap.len();
        let mut hole = 0;
        loop {
            let first = hole * ARITY + 1;
            let child = if first + ARITY <= len {
                // A full family: the least of four without branching.
                let a = first + usize::from(heap[first + 1] < heap[first]);
                let b = first + 2 + usize::from(heap[first + 3] < heap[first + 2]);
                if heap[b] < heap[a] {
                    b
                } else {
                    a
                }
            } else if first < len {
                (first..len).min_by_key(|&c| heap[c]).expect("a child")
            } else {
                break;
            };
            if heap[child] >= entry {
                break;
            }
            heap[hole] = heap[child];
            hole = child;
        }
        heap[hole] = entry;
    }

    fn sift_up(&mut self, mut hole: usize) {
        let heap = &mut self.heap[..];
        let entry = heap[hole];
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if heap[parent] <= entry {
                break;
            }
            heap[hole] = heap[parent];
            hole = parent;
        }
        heap[hole] = entry;
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

    #[test]
    fn pops_in_the_order_of_a_sorted_list_through_pushes_and_replacements() {
        // A deterministic mix of pushes, pops and replacements against a
        // sorted reference.
        let mut q = EventQueue::default();
        let mut reference: Vec<(u64, u32)> = Vec::new();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for key in 0..300u32 {
            let t = next() % 1_000;
            q.push(t, key);
            reference.push((t, key));
        }
        reference.sort_unstable();
        for _ in 0..3_000 {
            let top = reference.remove(0);
            assert_eq!(q.peek(), Some(top));
            if next() % 3 == 0 {
                assert_eq!(q.pop(), Some(top));
            } else {
                let t = top.0 + next() % 500;
                q.replace_top(t, top.1);
                let at = reference.partition_point(|&e| e < (t, top.1));
                reference.insert(at, (t, top.1));
            }
            if reference.is_empty() {
                break;
            }
        }
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(rest, reference);
    }
}
