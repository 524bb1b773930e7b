//! Streaming statistics: ratio-of-totals estimates with 95% confidence
//! intervals, paired differences, and blast-radius distributions.
//!
//! Everything here is updated one replication at a time, in replication
//! order, with memory that does not grow with the number of replications.

mod student;

pub use student::{t975, NORMAL_Q975};

/// Estimates R = Σ bad / Σ live over replications, with the delta-method
/// variance of a ratio estimator. Moments are kept with Welford's updates,
/// which stay accurate when the per-replication values are large and their
/// differences small.
#[derive(Clone, Debug, Default)]
pub struct Ratio {
    n: u64,
    mean_b: f64,
    mean_l: f64,
    m_bb: f64,
    m_ll: f64,
    c_bl: f64,
}

impl Ratio {
    /// Adds one replication's numerator `b` and denominator `l`.
    pub fn push(&mut self, b: f64, l: f64) {
        self.n += 1;
        let n = self.n as f64;
        let db = b - self.mean_b;
        let dl = l - self.mean_l;
        self.mean_b += db / n;
        self.mean_l += dl / n;
        self.m_bb += db * (b - self.mean_b);
        self.m_ll += dl * (l - self.mean_l);
        self.c_bl += db * (l - self.mean_l);
    }

    /// Replications added.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Σb / Σl, or `None` when nothing was live.
    pub fn estimate(&self) -> Option<f64> {
        (self.n > 0 && self.mean_l > 0.0).then(|| self.mean_b / self.mean_l)
    }

    /// Half-width of the 95% interval, with Student's t quantile for n − 1
    /// degrees of freedom; `None` with fewer than 2 replications.
    pub fn half_width(&self) -> Option<f64> {
        let r = self.estimate()?;
        if self.n < 2 {
            return None;
        }
        let n = self.n as f64;
        let var_resid = (self.m_bb - 2.0 * r * self.c_bl + r * r * self.m_ll) / (n - 1.0);
        let var_r = var_resid.max(0.0) / n / (self.mean_l * self.mean_l);
        Some(t975(self.n - 1) * var_r.sqrt())
    }
}

/// Bins of the blast-radius histogram over [0, 1].
const BINS: usize = 1000;

/// The order-free part of a distribution of blast radii: count, maximum,
/// and a 1000-bin histogram that remembers the largest value of each bin,
/// so a quantile is exact whenever its bin holds one distinct value (blast
/// radii are sums of whole clusters, so this is the usual case) and
/// otherwise high by less than 0.1% of the mesh.
///
/// Counts and maxima do not depend on the order of the values, so they
/// merge exactly in any order; only the sum (in [`Blast`]) needs
/// replication order. Workers fill a [`BlastTable`] instead, which holds
/// many distributions and is cheaper per value.
#[derive(Clone, Debug, Default)]
pub struct BlastBins {
    count: u64,
    max: f64,
    /// Allocated on the first value.
    bins: Vec<(u64, f64)>,
}

impl BlastBins {
    /// Adds one incident's blast radius (a share of the mesh, > 0): the
    /// direct way, which the tests hold [`BlastTable`] to (the engine fills
    /// a table and merges).
    #[cfg(test)]
    pub fn push(&mut self, blast: f64) {
        if self.bins.is_empty() {
            self.bins = vec![(0, 0.0); BINS];
        }
        self.count += 1;
        self.max = self.max.max(blast);
        let b = &mut self.bins[bin_of(blast)];
        b.0 += 1;
        b.1 = b.1.max(blast);
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &BlastBins) {
        if other.count == 0 {
            return;
        }
        if self.bins.is_empty() {
            self.bins = vec![(0, 0.0); BINS];
        }
        self.count += other.count;
        self.max = self.max.max(other.max);
        for (mine, theirs) in self.bins.iter_mut().zip(&other.bins) {
            mine.0 += theirs.0;
            mine.1 = mine.1.max(theirs.1);
        }
    }

    /// Values counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The largest value (0 when empty).
    pub fn max_value(&self) -> f64 {
        self.max
    }

    /// The bins that hold values, as (bin, count, largest value): what a
    /// shard keeps of the distribution (`crate::shard`).
    pub fn filled(&self) -> impl Iterator<Item = (usize, u64, f64)> + '_ {
        (self.bins.iter().enumerate())
            .filter(|(_, b)| b.0 > 0)
            .map(|(i, &(n, max))| (i, n, max))
    }

    /// The distribution of `count` values with maximum `max` and these
    /// filled bins ([`BlastBins::filled`]); `None` when a bin is out of
    /// range or the counts do not add up to `count`.
    pub fn from_filled(count: u64, max: f64, filled: &[(usize, u64, f64)]) -> Option<Self> {
        if count == 0 {
            return filled.is_empty().then(BlastBins::default);
        }
        let mut bins = vec![(0, 0.0); BINS];
        let mut total = 0u64;
        for &(i, n, largest) in filled {
            *bins.get_mut(i)? = (n, largest);
            total = total.checked_add(n)?;
        }
        (total == count).then_some(BlastBins { count, max, bins })
    }

    /// Nearest-rank quantile `q` (0 < q ≤ 1).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let need = ((q * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for &(n, max) in &self.bins {
            seen += n;
            if seen >= need {
                return Some(max);
            }
        }
        Some(self.max)
    }
}

/// The order-free parts of many blast-radius distributions, as a worker
/// thread collects them: per distribution and bin, the count and the
/// largest value side by side in one flat table. The largest value is kept
/// as its bit pattern: for positive numbers the order of the bits is the
/// order of the values, so the maximum is an integer `max`. The table
/// starts as zeroed memory, so only the pages of bins that are hit become
/// resident.
///
/// Blast radii are sums of whole clusters' shares, so a distribution
/// mostly receives the value it received last (the same istiod fails
/// again). Each distribution therefore keeps its last value and how often
/// it came in a row in a small array that stays in the L1 cache, and only
/// a different value reaches the large table. On the ranking study this
/// made counting a blast radius about twice as cheap (BENCHMARKS.md).
#[derive(Clone, Debug)]
pub struct BlastTable {
    /// `[distribution * BINS + bin]`: (count, largest value's bits).
    bins: Vec<[u64; 2]>,
    /// `[distribution]`: (the last value's bits, times it came in a row
    /// since it was last added to `bins`).
    last: Vec<[u64; 2]>,
    /// `bins` and `last` at the last [`BlastTable::checkpoint`], for
    /// [`BlastTable::rollback`]: an interrupted run drops the replications
    /// of its unfinished batch, and their counts with them. Empty until
    /// the first checkpoint.
    saved: Vec<[u64; 2]>,
}

impl BlastTable {
    /// A table of `distributions` empty distributions.
    pub fn new(distributions: usize) -> Self {
        BlastTable {
            bins: vec![[0; 2]; distributions * BINS],
            last: vec![[0; 2]; distributions],
            saved: Vec::new(),
        }
    }

    /// Remembers the table as it is now, for [`BlastTable::rollback`].
    /// A copy of the whole table: a few MB, once per batch of
    /// replications, far below the cost of simulating them.
    pub fn checkpoint(&mut self) {
        self.saved.clear();
        self.saved.extend_from_slice(&self.bins);
        self.saved.extend_from_slice(&self.last);
    }

    /// Forgets every value added since the last checkpoint (or since the
    /// table was made).
    pub fn rollback(&mut self) {
        if self.saved.is_empty() {
            self.bins.iter_mut().for_each(|b| *b = [0; 2]);
            self.last.iter_mut().for_each(|b| *b = [0; 2]);
            return;
        }
        let (bins, last) = self.saved.split_at(self.bins.len());
        self.bins.copy_from_slice(bins);
        self.last.copy_from_slice(last);
    }

    /// Adds a blast radius (a share of the mesh, > 0) to `distribution`.
    #[inline]
    pub fn push(&mut self, distribution: usize, blast: f64) {
        let bits = blast.to_bits();
        let last = &mut self.last[distribution];
        if last[0] == bits {
            last[1] += 1;
            return;
        }
        let [previous, count] = std::mem::replace(last, [bits, 1]);
        if count > 0 {
            self.add(distribution, previous, count);
        }
    }

    /// Adds `count` values of bits `bits` to `distribution`'s bins.
    fn add(&mut self, distribution: usize, bits: u64, count: u64) {
        let bin = bin_of(f64::from_bits(bits));
        add_to(&mut self.bins[distribution * BINS + bin], bits, count);
    }

    /// Distribution `distribution`.
    pub fn bins(&self, distribution: usize) -> BlastBins {
        let mut row = self.bins[distribution * BINS..][..BINS].to_vec();
        let [bits, count] = self.last[distribution];
        add_to(&mut row[bin_of(f64::from_bits(bits))], bits, count);
        let count: u64 = row.iter().map(|b| b[0]).sum();
        if count == 0 {
            return BlastBins::default();
        }
        let bins: Vec<(u64, f64)> = row.iter().map(|b| (b[0], f64::from_bits(b[1]))).collect();
        BlastBins {
            count,
            max: bins.iter().fold(0.0, |a, b| a.max(b.1)),
            bins,
        }
    }
}

/// Adds `count` values of bits `bits` to their bin's (count, largest
/// value's bits).
fn add_to(bin: &mut [u64; 2], bits: u64, count: u64) {
    bin[0] += count;
    bin[1] = bin[1].max(bits);
}

/// The histogram bin of a blast radius in [0, 1].
fn bin_of(blast: f64) -> usize {
    ((blast * BINS as f64) as usize).min(BINS - 1)
}

/// Distribution of blast radii: exact count, mean and max, and quantiles
/// from [`BlastBins`].
#[derive(Clone, Debug, Default)]
pub struct Blast {
    /// The order-free part.
    pub bins: BlastBins,
    /// Sum of the values, formed in a fixed order by the caller.
    pub sum: f64,
}

impl Blast {
    /// Adds one incident's blast radius (a share of the mesh, > 0).
    #[cfg(test)]
    pub fn push(&mut self, blast: f64) {
        self.bins.push(blast);
        self.sum += blast;
    }

    /// Incidents counted.
    pub fn count(&self) -> u64 {
        self.bins.count
    }

    /// Mean blast radius.
    pub fn mean(&self) -> Option<f64> {
        (self.bins.count > 0).then(|| self.sum / self.bins.count as f64)
    }

    /// Largest blast radius.
    pub fn max(&self) -> Option<f64> {
        (self.bins.count > 0).then_some(self.bins.max)
    }

    /// Nearest-rank quantile `q` (0 < q ≤ 1).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.bins.quantile(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_of_constant_pairs_has_zero_width() {
        let mut r = Ratio::default();
        for _ in 0..10 {
            r.push(1.0, 4.0);
        }
        assert_eq!(r.estimate(), Some(0.25));
        assert!(r.half_width().unwrap() < 1e-12);
    }

    #[test]
    fn ratio_interval_matches_the_textbook_formula() {
        let data = [
            (1.0, 10.0),
            (3.0, 12.0),
            (2.0, 9.0),
            (5.0, 11.0),
            (0.0, 10.0),
        ];
        let mut r = Ratio::default();
        for (b, l) in data {
            r.push(b, l);
        }
        let (sb, sl): (f64, f64) = data.iter().fold((0.0, 0.0), |a, x| (a.0 + x.0, a.1 + x.1));
        let est = sb / sl;
        let n = data.len() as f64;
        let lbar = sl / n;
        let s2 = data.iter().map(|(b, l)| (b - est * l).powi(2)).sum::<f64>() / (n - 1.0);
        let hw = t975(data.len() as u64 - 1) * (s2 / n).sqrt() / lbar;
        assert!((r.estimate().unwrap() - est).abs() < 1e-15);
        assert!((r.half_width().unwrap() - hw).abs() < 1e-12);
    }

    #[test]
    fn blast_quantiles_are_exact_for_discrete_values() {
        let mut b = Blast::default();
        for _ in 0..90 {
            b.push(1.0 / 27.0);
        }
        for _ in 0..10 {
            b.push(1.0 / 3.0);
        }
        assert_eq!(b.quantile(0.9), Some(1.0 / 27.0));
        assert_eq!(b.quantile(0.95), Some(1.0 / 3.0));
        assert_eq!(b.max(), Some(1.0 / 3.0));
        assert!((b.mean().unwrap() - (90.0 / 27.0 + 10.0 / 3.0) / 100.0).abs() < 1e-15);
    }

    #[test]
    fn a_table_row_equals_bins_filled_directly() {
        // Runs of equal values (kept aside until the value changes),
        // single values, two distributions interleaved, and a run still
        // pending when the bins are read.
        let mut table = BlastTable::new(4);
        let (mut one, mut three) = (BlastBins::default(), BlastBins::default());
        for i in 1..=50 {
            let v = f64::from((i / 3) % 7) / 7.0 + 1e-3;
            table.push(1, v);
            one.push(v);
            let w = f64::from(i % 5) / 5.0 + 2e-3;
            table.push(3, w);
            three.push(w);
        }
        for (row, direct) in [(table.bins(1), one), (table.bins(3), three)] {
            assert_eq!(row.count(), direct.count());
            assert_eq!(row.max, direct.max);
            assert_eq!(row.bins, direct.bins);
        }
        assert_eq!(table.bins(0).count(), 0);
        assert_eq!(table.bins(2).quantile(0.5), None);
    }

    #[test]
    fn a_rollback_forgets_exactly_what_came_after_the_checkpoint() {
        // A run pending across the checkpoint (the value 0.5 before and
        // after it) must be cut back to its length at the checkpoint.
        let kept = [0.25, 0.5, 0.5];
        let dropped = [0.5, 0.75, 0.125, 0.125];
        let mut table = BlastTable::new(2);
        let mut direct = BlastBins::default();
        for v in kept {
            table.push(1, v);
            direct.push(v);
        }
        table.checkpoint();
        for v in dropped {
            table.push(1, v);
            table.push(0, v);
        }
        table.rollback();
        let row = table.bins(1);
        assert_eq!(row.count(), 3);
        assert_eq!(row.max, direct.max);
        assert_eq!(row.bins, direct.bins);
        assert_eq!(table.bins(0).count(), 0);
        // A rollback before any checkpoint empties the table.
        let mut fresh = BlastTable::new(1);
        fresh.push(0, 0.5);
        fresh.rollback();
        assert_eq!(fresh.bins(0).count(), 0);
    }

    #[test]
    fn merged_bins_equal_bins_filled_in_one() {
        let values: Vec<f64> = (1..=200).map(|i| f64::from(i % 37) / 40.0 + 1e-3).collect();
        let mut whole = BlastBins::default();
        values.iter().for_each(|&v| whole.push(v));
        let (mut a, mut b) = (BlastBins::default(), BlastBins::default());
        for (i, &v) in values.iter().enumerate() {
            if i % 3 == 0 {
                a.push(v);
            } else {
                b.push(v);
            }
        }
        let mut merged = BlastBins::default();
        merged.merge(&b);
        merged.merge(&BlastBins::default());
        merged.merge(&a);
        assert_eq!(merged.count(), whole.count());
        assert_eq!(merged.max, whole.max);
        assert_eq!(merged.bins, whole.bins);
        for q in [0.1, 0.5, 0.95, 1.0] {
            assert_eq!(merged.quantile(q), whole.quantile(q));
        }
    }
}
