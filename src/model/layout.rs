//! [`Layout`]: where a (deployment, measure) pair and a (deployment,
//! measure, kind) triple sit in the flat arrays the engine fills and the
//! results and exports read.
//!
//! Why one type: the order is part of the result files (per-replication
//! rows, the timeline's samples, the cause and blast tables are all
//! written in it), and the engine, `results` and `export` each index the
//! same arrays. Written by hand in each place, a change of order in one of
//! them would silently mislabel numbers; here it is said once, below the
//! engine, so that every layer reads it from the model it already depends
//! on.
//!
//! The order, slowest first: deployment, then measure (in
//! [`Measure::ALL`] order), then kind (in [`Kind::ALL`] order). A *slot* is
//! a (deployment, measure) position, `deployment * MEASURES + measure`; a
//! *cell* is a (deployment, measure, kind) position, `slot * KINDS +
//! kind`. Arrays kept per group of links instead of per deployment
//! ([`crate::model::deps`]) use the same order with the group in the
//! deployment's place.
//!
//! The position functions take the measure and kind as positions in their
//! `ALL` lists (what the engine's constants and loops hold) and are
//! `#[inline(always)]` `const fn`s: the engine calls them on its event
//! path, where they must cost exactly the multiply-add written by hand.

use super::{Kind, Measure};

/// Measures per deployment.
pub const MEASURES: usize = Measure::ALL.len();
/// Kinds a cause can have.
pub const KINDS: usize = Kind::ALL.len();
/// Blast tallies per slot: every kind together (group 0), then each kind
/// (group 1 + its position).
pub const BLAST_GROUPS: usize = 1 + KINDS;

/// The measure × deployment × kind layout of a run with a given number of
/// deployments (see the module documentation for the order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    deployments: usize,
}

impl Layout {
    /// The layout of a run of `deployments` deployments.
    pub const fn new(deployments: usize) -> Self {
        Layout { deployments }
    }

    /// Deployments (rows of the layout).
    pub const fn deployments(self) -> usize {
        self.deployments
    }

    /// Number of slots: one per (deployment, measure).
    pub const fn slots(self) -> usize {
        self.deployments * MEASURES
    }

    /// Number of cells: one per (deployment, measure, kind).
    pub const fn cells(self) -> usize {
        self.slots() * KINDS
    }

    /// Number of blast tallies: [`BLAST_GROUPS`] per slot.
    pub const fn blasts(self) -> usize {
        self.slots() * BLAST_GROUPS
    }

    /// The slot of deployment (or group) `d` and measure position `m`.
    #[inline(always)]
    pub const fn slot(d: usize, m: usize) -> usize {
        d * MEASURES + m
    }

    /// The cell of kind position `k` in `slot`.
    #[inline(always)]
    pub const fn cell_of(slot: usize, k: usize) -> usize {
        slot * KINDS + k
    }

    /// The cell of deployment (or group) `d`, measure position `m` and kind
    /// position `k`.
    #[inline(always)]
    pub const fn cell(d: usize, m: usize, k: usize) -> usize {
        Self::cell_of(Self::slot(d, m), k)
    }

    /// The cells of deployment (or group) `d`: its measures × kinds, a
    /// contiguous run of `MEASURES * KINDS`.
    pub const fn cells_of(d: usize) -> std::ops::Range<usize> {
        let start = Self::cell(d, 0, 0);
        start..start + MEASURES * KINDS
    }

    /// The slots of deployment `d`: its measures, a contiguous run of
    /// `MEASURES`.
    pub const fn slots_of(d: usize) -> std::ops::Range<usize> {
        let start = Self::slot(d, 0);
        start..start + MEASURES
    }

    /// In the blast tallies ([`BLAST_GROUPS`] per slot): the position of
    /// `group` of `slot`.
    #[inline(always)]
    pub const fn blast(slot: usize, group: usize) -> usize {
        slot * BLAST_GROUPS + group
    }

    /// In the blast tallies: the groups of `slot`, a contiguous run of
    /// [`BLAST_GROUPS`].
    pub const fn blasts_of(slot: usize) -> std::ops::Range<usize> {
        let start = Self::blast(slot, 0);
        start..start + BLAST_GROUPS
    }

    /// The deployment and measure of `slot`.
    pub const fn unslot(slot: usize) -> (usize, Measure) {
        (slot / MEASURES, Measure::ALL[slot % MEASURES])
    }

    /// In an array of rows (replications, trace samples) each holding every
    /// slot: the position of deployment `d` and measure `m` in row `row`.
    pub const fn at(self, row: usize, d: usize, m: Measure) -> usize {
        row * self.slots() + Self::slot(d, m as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_is_deployment_then_measure_then_kind() {
        let layout = Layout::new(3);
        assert_eq!(
            (layout.slots(), layout.cells(), layout.blasts()),
            (15, 150, 165)
        );
        // Hand-worked: deployment 2, traffic (position 3), controlPlane
        // (position 5).
        assert_eq!(Layout::slot(2, Measure::Traffic as usize), 2 * 5 + 3);
        assert_eq!(
            Layout::cell(2, Measure::Traffic as usize, Kind::ControlPlane.index()),
            (2 * 5 + 3) * 10 + 5
        );
        assert_eq!(Layout::cells_of(1), 50..100);
        assert_eq!(Layout::slots_of(2), 10..15);
        assert_eq!(layout.at(2, 1, Measure::PodStart), 2 * 15 + 5 + 1);
        assert_eq!(Layout::blast(7, 1 + Kind::Zone.index()), 7 * 11 + 2);
        assert_eq!(Layout::blasts_of(2), 22..33);
    }

    #[test]
    fn every_slot_and_cell_has_one_place() {
        let layout = Layout::new(4);
        // Slot order is deployment, then measure in `Measure::ALL` order.
        let order = (0..layout.deployments()).flat_map(|d| Measure::ALL.map(|m| (d, m)));
        for (slot, (d, m)) in order.enumerate() {
            assert_eq!(Layout::slot(d, m as usize), slot);
            assert_eq!(Layout::unslot(slot), (d, m));
        }
        // Every cell of every slot, once.
        let mut cells: Vec<usize> = (0..layout.slots())
            .flat_map(|s| (0..KINDS).map(move |k| Layout::cell_of(s, k)))
            .collect();
        cells.dedup();
        assert_eq!(cells, (0..layout.cells()).collect::<Vec<_>>());
    }
}
