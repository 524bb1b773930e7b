//! Ranks that claim no more than the paired intervals support.
//!
//! Ordering deployments by their estimates alone ranks on noise: two
//! deployments a hair apart, inside each other's intervals, would get
//! ranks 2 and 4 from one seed and 4 and 2 from the next. Here a
//! deployment shares the rank of the deployments it cannot be told from.
//!
//! "Cannot be told from" is not transitive (A ~ B and B ~ C while A < C),
//! so the groups need a rule that is well defined when ties chain. The
//! rule: order by estimate (scenario order among equal estimates); the
//! first deployment opens a group and leads it; each next deployment joins
//! the current group when the paired 95% interval of its difference from
//! the group's *leader* contains zero, and otherwise opens a new group and
//! leads it. Comparing with the leader, not with the last member, keeps a
//! chain of small steps from tying the best with one that is shown to be
//! worse. Ranks are competition numbers (1, 2=, 2=, 4): a rank still says
//! how many deployments stand ahead in the list, so a tie never lifts a
//! deployment above its position, and the last rank still tells how many
//! were compared.

/// The rank of one deployment among those of one measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rank {
    /// 1 = the group with the lowest unavailability; competition numbering.
    pub rank: u32,
    /// Another deployment shares this rank.
    pub tied: bool,
}

/// Ranks `estimates` (unavailability per deployment, lower is better).
/// `interval(a, b)` is the paired 95% interval of
/// unavailability(a) − unavailability(b), `None` when there is none (fewer
/// than two replications): then nothing can be told apart and everything
/// is tied. Returns one rank per deployment, in the input order.
pub fn ranks(
    estimates: &[f64],
    interval: impl Fn(usize, usize) -> Option<(f64, f64)>,
) -> Vec<Rank> {
    let mut order: Vec<usize> = (0..estimates.len()).collect();
    // Stable, so equal estimates keep scenario order.
    order.sort_by(|&a, &b| estimates[a].total_cmp(&estimates[b]));
    let mut out = vec![
        Rank {
            rank: 0,
            tied: false
        };
        estimates.len()
    ];
    // Position in `order` of the current group's leader.
    let mut leader = 0;
    for (pos, &d) in order.iter().enumerate() {
        let apart =
            pos > 0 && interval(d, order[leader]).is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0);
        if apart {
            leader = pos;
        }
        out[d].rank = leader as u32 + 1;
    }
    for d in 0..out.len() {
        let rank = out[d].rank;
        out[d].tied = out.iter().filter(|r| r.rank == rank).count() > 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ranks of deployments whose paired differences are exact (the
    /// difference of the estimates) with a common half-width `hw`.
    fn with_half_width(estimates: &[f64], hw: f64) -> Vec<(u32, bool)> {
        ranks(estimates, |a, b| {
            let d = estimates[a] - estimates[b];
            Some((d - hw, d + hw))
        })
        .into_iter()
        .map(|r| (r.rank, r.tied))
        .collect()
    }

    #[test]
    fn none_tied_ranks_by_estimate() {
        assert_eq!(
            with_half_width(&[3.0, 1.0, 2.0], 0.5),
            [(3, false), (1, false), (2, false)]
        );
    }

    #[test]
    fn all_tied_share_rank_one() {
        assert_eq!(
            with_half_width(&[1.0, 1.2, 1.1], 1.0),
            [(1, true), (1, true), (1, true)]
        );
    }

    #[test]
    fn a_tie_takes_competition_numbers() {
        // 1, then 2 and 2.1 tied, then 4: ranks 1, 2=, 2=, 4.
        assert_eq!(
            with_half_width(&[1.0, 2.0, 2.1, 4.0], 0.5),
            [(1, false), (2, true), (2, true), (4, false)]
        );
    }

    #[test]
    fn a_chain_of_ties_breaks_at_the_leader() {
        // A ~ B (0.6 apart) and B ~ C (0.6 apart), but A < C (1.2 apart):
        // C is told from the group's leader A and opens rank 3; D ~ C.
        assert_eq!(
            with_half_width(&[1.0, 1.6, 2.2, 2.8], 1.0),
            [(1, true), (1, true), (3, true), (3, true)]
        );
    }

    #[test]
    fn seven_deployments_inside_each_others_noise_share_one_rank() {
        let e = [271.0, 271.3, 270.9, 271.1, 271.2, 270.8, 271.0];
        assert!(with_half_width(&e, 1.17).iter().all(|&r| r == (1, true)));
    }

    #[test]
    fn zero_variance_differences_are_told_apart_unless_equal() {
        // Intervals of width 0: any difference is certain, none is a tie.
        assert_eq!(
            with_half_width(&[0.0, 2e-3, 0.0, 1e-3], 0.0),
            [(1, true), (4, false), (1, true), (3, false)]
        );
    }

    #[test]
    fn no_intervals_tie_everything() {
        let r = ranks(&[1.0, 2.0, 3.0], |_, _| None);
        assert!(r.iter().all(|r| r.rank == 1 && r.tied), "{r:?}");
    }

    #[test]
    fn the_pair_order_asked_is_deployment_minus_leader() {
        // Only (1, 0) is apart, and only in that orientation: asking
        // (0, 1) would see an interval containing zero.
        let r = ranks(&[1.0, 2.0], |a, b| match (a, b) {
            (1, 0) => Some((0.5, 1.5)),
            _ => Some((-1.0, 1.0)),
        });
        assert_eq!(
            r[1],
            Rank {
                rank: 2,
                tied: false
            }
        );
    }

    #[test]
    fn a_single_deployment_is_rank_one_untied() {
        assert_eq!(with_half_width(&[5.0], 0.0), [(1, false)]);
        assert!(ranks(&[], |_, _| None).is_empty());
    }
}
