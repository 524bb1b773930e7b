//! Which incident rows a worker keeps: `--keep-incidents N` keeps the run's
//! first N rows in replication order, and this module decides, before and
//! after each replication, how many of its rows could still be among them.
//!
//! A replication's rows are needed only as far as the rows of the
//! replications before it leave room under N. Those are not known while
//! they run in parallel, but every finished one gives a lower bound, and a
//! lower bound is enough: a replication keeps at most N minus the rows
//! already known before it, never fewer than it needs, so the reduction
//! (which takes the first N in replication order) keeps the same rows
//! whatever the thread count and finishing order. What the bound buys is
//! memory: a worker running replications in order (as rayon hands out a
//! range) holds at most N rows over its whole stretch, whatever the
//! horizon and mesh, instead of every row of every replication in flight.
//! Once the reduction has N rows, workers stop recording rows at all.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The row budget shared by the workers and the reduction.
pub(super) struct RowBudget {
    /// `--keep-incidents`.
    limit: u64,
    /// The reduction holds `limit` rows: nothing more is kept.
    full: AtomicBool,
    known: Mutex<Known>,
}

/// What is known of the rows before a replication.
struct Known {
    /// Replications below this are reduced into the tally…
    reduced: u64,
    /// …which holds this many rows of them.
    kept: u64,
    /// Finished replications not yet reduced, with their kept rows (a lower
    /// bound of their rows); at most two batches, so the search is short.
    finished: Vec<(u64, u64)>,
}

impl RowBudget {
    pub(super) fn new(limit: u64) -> Self {
        RowBudget {
            limit,
            full: AtomicBool::new(limit == 0),
            known: Mutex::new(Known {
                reduced: 0,
                kept: 0,
                finished: Vec::new(),
            }),
        }
    }

    /// How many of replication `r`'s first rows may still be kept.
    pub(super) fn rows_for(&self, r: u64) -> u64 {
        if self.full.load(Ordering::Relaxed) {
            return 0;
        }
        let known = self.known.lock().expect("no thread panics holding it");
        let before: u64 = known
            .finished
            .iter()
            .filter(|&&(j, _)| j < r)
            .map(|&(_, rows)| rows)
            .sum();
        self.limit.saturating_sub(known.kept + before)
    }

    /// Replication `r` finished holding `rows` rows.
    pub(super) fn finished(&self, r: u64, rows: u64) {
        if rows == 0 || self.full.load(Ordering::Relaxed) {
            return;
        }
        let mut known = self.known.lock().expect("no thread panics holding it");
        if r >= known.reduced {
            known.finished.push((r, rows));
        }
    }

    /// Replications `0..reduced` are in the tally, which holds `kept`
    /// rows.
    pub(super) fn reduced(&self, reduced: u64, kept: u64) {
        if kept >= self.limit {
            self.full.store(true, Ordering::Relaxed);
        }
        let mut known = self.known.lock().expect("no thread panics holding it");
        known.reduced = reduced;
        known.kept = kept;
        known.finished.retain(|&(j, _)| j >= reduced);
    }

    /// Rows the tally may still take.
    pub(super) fn room(&self, kept: u64) -> u64 {
        self.limit.saturating_sub(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replication_gets_what_is_left_after_those_known_before_it() {
        let budget = RowBudget::new(100);
        assert_eq!(budget.rows_for(0), 100);
        budget.finished(3, 30);
        // Replication 5 runs after 3: at most 70 of its rows can be kept.
        assert_eq!(budget.rows_for(5), 70);
        // Replication 1 ran before 3 finished, or was slower: 3 does not
        // limit it.
        assert_eq!(budget.rows_for(1), 100);
        budget.finished(1, 60);
        assert_eq!(budget.rows_for(5), 10);
        assert_eq!(budget.rows_for(2), 40);
    }

    #[test]
    fn the_reduction_replaces_the_finished_it_took_in() {
        let budget = RowBudget::new(100);
        budget.finished(0, 20);
        budget.finished(1, 30);
        budget.finished(300, 40);
        budget.reduced(2, 50);
        assert_eq!(budget.rows_for(2), 50);
        assert_eq!(budget.rows_for(301), 10);
        assert_eq!(budget.room(50), 50);
        // A replication finishing after the reduction passed it is not
        // counted twice.
        budget.finished(1, 30);
        assert_eq!(budget.rows_for(2), 50);
    }

    #[test]
    fn full_keeps_nothing_more() {
        let budget = RowBudget::new(100);
        budget.reduced(256, 100);
        assert_eq!(budget.rows_for(256), 0);
        assert_eq!(budget.room(100), 0);
        assert_eq!(RowBudget::new(0).rows_for(0), 0);
    }
}
