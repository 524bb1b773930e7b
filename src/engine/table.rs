//! [`Table`]: the simulator's per-component, per-link, per-group,
//! per-cluster and per-slot arrays, indexed without a bounds check.
//!
//! Why: a transition reads and writes a dozen of these arrays, and at the
//! 4–5 instructions per cycle the engine runs at, the compare and branch of
//! each bounds check are themselves the cost: without them the ranking
//! study runs 9% faster (BENCHMARKS.md, "Bounds checks").
//!
//! Why it is sound: the indices are in range by construction. They are
//! component, link, group, cluster and deployment indices stored in the
//! model and its dependency index, which [`Simulator::new`] checks once
//! against the tables' lengths (`check_indices`); slots and cells are
//! positions of the [`Layout`](crate::model::Layout); and a table never changes length
//! after it is made. Input from outside the engine (`static_state`'s
//! components) is checked where it enters. An `Index` that does not check
//! is not a safe interface in general, which is why `Table` is private to
//! the engine, where every index has one of those sources. Debug builds
//! check every access; CI runs the test suite once with debug assertions
//! on for this crate (`.ci/run`), and the fuzz target makes a simulator
//! (and so runs the check) for every model that builds.
//!
//! [`Simulator::new`]: super::replication::Simulator::new

use std::ops::{Deref, DerefMut, Index, IndexMut, Range};

/// A fixed-length array indexed without a bounds check in release builds
/// (see the module documentation for why that is sound here). Everything
/// else (iteration, `fill`, ranges) is the slice's, with its checks.
#[derive(Debug)]
pub(super) struct Table<T>(Box<[T]>);

impl<T> Index<usize> for Table<T> {
    type Output = T;

    #[inline(always)]
    fn index(&self, i: usize) -> &T {
        debug_assert!(i < self.0.len(), "index {i} of {}", self.0.len());
        // SAFETY: every index the engine uses is in range (module doc).
        unsafe { self.0.get_unchecked(i) }
    }
}

impl<T> IndexMut<usize> for Table<T> {
    #[inline(always)]
    fn index_mut(&mut self, i: usize) -> &mut T {
        debug_assert!(i < self.0.len(), "index {i} of {}", self.0.len());
        // SAFETY: as for `index`.
        unsafe { self.0.get_unchecked_mut(i) }
    }
}

/// A row of a table laid out row by row, such as a group's measures × kinds;
/// checked like any slice.
impl<T> Index<Range<usize>> for Table<T> {
    type Output = [T];

    fn index(&self, range: Range<usize>) -> &[T] {
        &self.0[range]
    }
}

impl<T> IndexMut<Range<usize>> for Table<T> {
    fn index_mut(&mut self, range: Range<usize>) -> &mut [T] {
        &mut self.0[range]
    }
}

impl<'a, T> IntoIterator for &'a Table<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T> Deref for Table<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> DerefMut for Table<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T> From<Vec<T>> for Table<T> {
    fn from(v: Vec<T>) -> Self {
        Table(v.into_boxed_slice())
    }
}

impl<T> FromIterator<T> for Table<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Table(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn indexes_like_the_slice_it_holds() {
        let mut t: Table<u32> = (0..5).collect();
        t[3] += 10;
        assert_eq!(t[3], 13);
        assert_eq!(&t[1..3], &[1, 2]);
        t.fill(7);
        assert_eq!(t.iter().sum::<u32>(), 35);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "index 5 of 5")]
    fn debug_builds_check_the_bounds() {
        let t: Table<u32> = vec![0; 5].into();
        let _ = t[5];
    }
}
