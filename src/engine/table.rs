//! [`Table`]: the simulator's per-component, per-link, per-group,
//! per-cluster and per-slot arrays, indexed without a bounds check.
//!
//! Why: a transition reads and writes a dozen of these arrays, and at the
//! 4–5 instructions per cycle the engine runs at, the compare and branch of
//! each bounds check are themselves the cost: without them the ranking
//! study runs 9% faster (BENCHMARKS.md, "Bounds checks").
//!
//! Why it is sound: an index out of range cannot be built.
//!
//! - Per-link and per-group tables are `Table<T, LinkId>` and
//!   `Table<T, GroupId>`. They can only be made by [`Table::per_link`] and
//!   [`Table::per_group`], one entry per link or group of the dependency
//!   index, and only be indexed by a [`LinkId`] or [`GroupId`], which only
//!   that index makes, each below its count ([`DepIndex`] checks its own
//!   ids once when it is built). The simulator holds one index and takes
//!   every id from it (its lists, `link_of`, a link's group, `link_ids`,
//!   `group_ids`), so an id and a table always come from the same index. A
//!   per-link table of the wrong length, or indexed by a bare integer, does
//!   not compile; there is nothing for a check to forget.
//! - Plain `Table<T>`s (per component, cluster, slot and cell) are indexed
//!   by `usize`. Those indices are component, cluster and deployment
//!   indices stored in the model and the dependency index, which
//!   [`Simulator::new`] checks once against the tables' lengths
//!   (`check_indices`), and slots and cells of the
//!   [`Layout`](crate::model::Layout), whose tables are sized by the same
//!   layout. Input from outside the engine (`static_state`'s components)
//!   is checked where it enters.
//!
//! A table never changes length after it is made. The ids are
//! `#[repr(transparent)]` `u32`s and [`Key::position`] is inlined, so a
//! typed access compiles to the same load as an untyped one. An `Index`
//! that does not check is not a safe interface in general, which is why
//! `Table` is private to the engine. Debug builds still check every access;
//! CI runs the test suite once with debug assertions on for this crate
//! (`.ci/run`), and the fuzz target makes a simulator (and so runs the
//! checks) for every model that builds.
//!
//! [`Simulator::new`]: super::replication::Simulator::new

use crate::model::deps::{DepIndex, GroupId, Link, LinkId};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut, Index, IndexMut, Range};

/// What a [`Table`] is indexed by: a plain position, or an id of the
/// dependency index for its per-link and per-group tables.
pub(super) trait Key: Copy {
    /// The position in the table.
    fn position(self) -> usize;
}

impl Key for usize {
    #[inline(always)]
    fn position(self) -> usize {
        self
    }
}

impl Key for LinkId {
    #[inline(always)]
    fn position(self) -> usize {
        self.index()
    }
}

impl Key for GroupId {
    #[inline(always)]
    fn position(self) -> usize {
        self.index()
    }
}

/// A fixed-length array indexed by `K` without a bounds check in release
/// builds (see the module documentation for why that is sound here).
/// Everything else (iteration, `fill`, ranges) is the slice's, with its
/// checks.
#[derive(Debug)]
pub(super) struct Table<T, K = usize>(Box<[T]>, PhantomData<fn(K)>);

impl<T, K: Key> Index<K> for Table<T, K> {
    type Output = T;

    #[inline(always)]
    fn index(&self, key: K) -> &T {
        let i = key.position();
        debug_assert!(i < self.0.len(), "index {i} of {}", self.0.len());
        // SAFETY: every key the engine uses is in range (module doc).
        unsafe { self.0.get_unchecked(i) }
    }
}

impl<T, K: Key> IndexMut<K> for Table<T, K> {
    #[inline(always)]
    fn index_mut(&mut self, key: K) -> &mut T {
        let i = key.position();
        debug_assert!(i < self.0.len(), "index {i} of {}", self.0.len());
        // SAFETY: as for `index`.
        unsafe { self.0.get_unchecked_mut(i) }
    }
}

impl<T> Table<T, LinkId> {
    /// One entry per link of `deps`, made from the link, in link order:
    /// the only way to make a table indexed by [`LinkId`].
    pub(super) fn per_link(deps: &DepIndex, f: impl FnMut(&Link) -> T) -> Self {
        Table(deps.links().iter().map(f).collect(), PhantomData)
    }
}

impl<T> Table<T, GroupId> {
    /// One entry per group of `deps`, made from its id, in group order: the
    /// only way to make a table indexed by [`GroupId`].
    pub(super) fn per_group(deps: &DepIndex, f: impl FnMut(GroupId) -> T) -> Self {
        Table(deps.group_ids().map(f).collect(), PhantomData)
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

impl<'a, T, K> IntoIterator for &'a Table<T, K> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T, K> Deref for Table<T, K> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T, K> DerefMut for Table<T, K> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T> From<Vec<T>> for Table<T> {
    fn from(v: Vec<T>) -> Self {
        Table(v.into_boxed_slice(), PhantomData)
    }
}

impl<T> FromIterator<T> for Table<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Table(iter.into_iter().collect(), PhantomData)
    }
}

#[cfg(test)]
mod tests {
    use super::Table;
    use crate::model::deps::{DepIndex, GroupId, LinkId};
    use crate::scenario::Document;

    #[test]
    fn per_link_and_per_group_tables_hold_one_entry_per_id_of_their_index() {
        let text = include_str!("../../scenarios/availability-ranking.yaml");
        let doc = Document::parse(text, "ranking.yaml").expect("the shipped scenario parses");
        let model = crate::model::build(&doc.file).expect("and builds");
        let deps = DepIndex::build(&model);
        let clusters: Table<u32, LinkId> = Table::per_link(&deps, |link| link.slice);
        assert_eq!(clusters.len(), deps.links().len());
        for l in deps.link_ids() {
            assert_eq!(clusters[l], deps.link(l).slice);
        }
        for x in 0..model.components.len() {
            for &l in deps.links_of(x) {
                assert_eq!(clusters[l], deps.link(l).slice);
            }
        }
        let groups: Table<usize, GroupId> = Table::per_group(&deps, GroupId::index);
        assert_eq!(groups.len(), deps.groups());
        for link in deps.links() {
            assert_eq!(groups[link.group], link.group.index());
        }
    }

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
