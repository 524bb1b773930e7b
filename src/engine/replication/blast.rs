//! Blast radius: the share of the mesh's proxies one incident turns bad,
//! per deployment and measure, and the incident rows that record them.
//!
//! Within an incident's event the link transitions add their blasts to
//! their groups ([`Simulator::eval_link`]); [`Simulator::settle`] spreads
//! them over the member deployments and counts them when the event ends.
//! `traffic` and `badConfig` blasts come later (a certificate expires, a
//! rollout reaches the next istiod) and are counted with the outcome.
//! Every non-zero blast goes into the order-free histograms
//! ([`Simulator::blast_table`]) and the replication's sums, and, while the
//! replication's row budget lasts, into the impacts that become incident
//! rows; past the budget no more are recorded, so the rows held do not
//! grow with the horizon or the mesh.
//!
//! The same counts give the bad shares of a fixed set of failures, without
//! simulation (`meshsim blast`, [`Simulator::static_state`]), and the
//! samples of the trace.

use super::{Simulator, Sums, BAD_CONFIG, CONFIG, ENDPOINTS, POD};
use crate::model::deps::NONE;
use crate::model::layout::{Layout, MEASURES};
use crate::model::{Kind, Measure, MS_PER_HOUR};
use crate::stats::BlastTable;

/// The measures whose blasts are settled within their incident's event, in
/// the order of [`Simulator::group_blast`].
const SETTLED: [usize; 3] = [POD, CONFIG, ENDPOINTS];

/// Blast of one incident on one deployment and measure, kept for the
/// incident rows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Impact {
    /// [`Layout::slot`] of the deployment and measure.
    slot: u32,
    /// Share of the mesh's proxies.
    blast: f64,
}

/// One row of `incidents.parquet`.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentRow {
    /// Hours since the end of the warm-up.
    pub time_hours: f64,
    /// Component index into [`Model::components`](crate::model::Model::components), or `u32::MAX` for a
    /// config change.
    pub component: u32,
    /// Deployment index.
    pub deployment: u32,
    /// Measure.
    pub measure: Measure,
    /// Share of the mesh's proxies.
    pub blast: f64,
}

impl<'m> Simulator<'m> {
    pub(super) fn new_incident(&mut self, t: u64, component: u32) -> usize {
        self.incidents.push((t, component));
        if self.keep_rows && self.impacts.len() >= self.row_budget {
            self.keep_rows = false;
        }
        if self.keep_rows {
            self.impacts_of.push(self.impacts.len());
        }
        self.incidents.len() - 1
    }

    /// The kind of incident `i`: its component's, or a config change.
    pub(super) fn incident_kind(&self, i: usize) -> Kind {
        match self.incidents[i].1 {
            NONE => Kind::ConfigChange,
            x => self.kind[x as usize],
        }
    }

    /// Ends the event of incident `i`: its config, podStart and endpoints
    /// blasts are final, and are counted.
    pub(super) fn settle(&mut self, i: usize) {
        let kind = self.incident_kind(i);
        if !self.stale_rose && self.touched_groups.len() <= 1 {
            // The usual case: one group of links (or none) changed, so each
            // member's blasts are the group's and need not be gathered per
            // deployment first (without this path the second pass ran 6%
            // slower).
            if let Some(g) = self.touched_groups.pop() {
                let blasts = std::mem::take(&mut self.group_blast[g]);
                for &d in self.deps.group_members(g) {
                    for (m, blast) in SETTLED.into_iter().zip(blasts) {
                        if blast > 0.0 {
                            self.count_blast(Layout::slot(d as usize, m), kind, blast);
                        }
                    }
                }
            }
            return;
        }
        for k in 0..self.touched_groups.len() {
            let g = self.touched_groups[k];
            let blasts = std::mem::take(&mut self.group_blast[g]);
            for &d in self.deps.group_members(g) {
                let now = &mut self.now_blast[Layout::slots_of(d as usize)];
                for (m, blast) in SETTLED.into_iter().zip(blasts) {
                    now[m] += blast;
                }
            }
        }
        self.touched_groups.clear();
        for d in 0..self.deployments {
            for m in SETTLED {
                let slot = Layout::slot(d, m);
                let blast = std::mem::take(&mut self.now_blast[slot]);
                if blast > 0.0 {
                    self.count_blast(slot, kind, blast);
                }
            }
        }
    }

    /// Counts one non-zero blast radius of an incident of `kind` on `slot`
    /// ([`Layout::slot`]).
    #[inline(always)]
    pub(super) fn count_blast(&mut self, slot: usize, kind: Kind, blast: f64) {
        let at = Layout::cell_of(slot, kind.index());
        self.blast_table.push(at, blast);
        self.blast_sum[at] += blast;
        if self.keep_rows {
            self.impacts.push(Impact {
                slot: slot as u32,
                blast,
            });
        }
    }

    /// The order-free blast-radius counts of every replication this
    /// simulator ran, per cell ([`Layout::cell`]).
    pub fn blast_table(&self) -> &BlastTable {
        &self.blast_table
    }

    /// Marks the replications run so far as kept: a later
    /// [`Simulator::rollback`] returns here.
    pub fn checkpoint(&mut self) {
        self.blast_table.checkpoint();
    }

    /// Forgets the blast radii of the replications run since the last
    /// checkpoint (those of a batch an interrupted run drops).
    pub fn rollback(&mut self) {
        self.blast_table.rollback();
    }

    /// Deployment `d`'s sums: those of its groups.
    pub(super) fn deployment_sums(&self, d: usize) -> Sums {
        let mut sums = Sums::default();
        for &g in &self.groups_of[d] {
            let s = self.sums[g];
            sums.disconnected += s.disconnected;
            sums.config_bad += s.config_bad;
            sums.conn_touched += s.conn_touched;
        }
        sums
    }

    /// The mesh with exactly the components in `down` failed and everything
    /// else up, without simulation (`meshsim blast`): the share of the
    /// mesh's proxies that are dead, and per slot ([`Layout::slot`]) the
    /// share that is live but bad (`config`, `podStart`,
    /// `endpoints`; the duration-dependent measures stay 0).
    pub fn static_state(&mut self, down: &[usize]) -> (f64, Vec<f64>) {
        self.own_up.iter_mut().for_each(|u| *u = true);
        for &x in down {
            assert!(x < self.components, "component {x} of {}", self.components);
            self.own_up[x] = false;
        }
        self.rollouts.clear();
        self.evaluate_all();
        let bad = (0..self.deployments)
            .flat_map(|d| self.bad_shares(d))
            .collect();
        let total = self.total_proxies;
        ((total - self.live_proxies as f64) / total, bad)
    }

    /// Deployment `d`'s share of the mesh's proxies that are live and bad
    /// now, per measure (the duration-dependent `traffic` is 0).
    pub(super) fn bad_shares(&self, d: usize) -> [f64; MEASURES] {
        let total = self.total_proxies;
        let live = self.live_proxies as f64;
        let sums = self.deployment_sums(d);
        let disc = sums.disconnected as f64;
        let mut row = [0.0; MEASURES];
        row[CONFIG] = sums.config_bad as f64 / total;
        row[POD] = disc / total;
        row[ENDPOINTS] = (disc + (live - disc) * self.stale_share) / total;
        row[BAD_CONFIG] = self.change_bad[d] as f64 / total;
        row
    }

    /// The first `row_budget` rows of `incidents.parquet`: incident by
    /// incident, each in slot order. `settled` ends the impacts settled
    /// within their events; only the incidents recorded before the budget
    /// was reached have them.
    pub(super) fn incident_rows(&self, settled: usize, rows: &mut Vec<IncidentRow>) {
        let mut blast = vec![0.0; self.layout.slots()];
        let mut later = self.later.iter().peekable();
        let recorded = self.impacts_of.len();
        for (i, &(t, x)) in self.incidents.iter().enumerate().take(recorded) {
            blast.iter_mut().for_each(|b| *b = 0.0);
            let end = self.impacts_of.get(i + 1).copied().unwrap_or(settled);
            for imp in &self.impacts[self.impacts_of[i]..end] {
                blast[imp.slot as usize] = imp.blast;
            }
            while let Some(&(_, slot, b)) = later.next_if(|&&(j, _, _)| j as usize == i) {
                blast[slot as usize] = b;
            }
            for (slot, &b) in blast.iter().enumerate() {
                if b <= 0.0 {
                    continue;
                }
                if rows.len() == self.row_budget {
                    return;
                }
                let (deployment, measure) = Layout::unslot(slot);
                rows.push(IncidentRow {
                    time_hours: (t - self.start_ms) as f64 / MS_PER_HOUR,
                    component: x,
                    deployment: deployment as u32,
                    measure,
                    blast: b,
                });
            }
        }
    }
}

/// A replication's incident rows stay within its budget while it runs,
/// not only in its outcome: one replication of a large mesh has millions.
#[cfg(test)]
mod row_budget_tests {
    use super::*;
    use crate::model::deps::DepIndex;
    use crate::scenario::Document;

    #[test]
    fn a_replication_records_no_more_than_its_budget() {
        let text = include_str!("../../../scenarios/availability-ranking.yaml");
        let doc = Document::parse(text, "ranking.yaml").expect("the shipped scenario parses");
        let model = crate::model::build(&doc.file).expect("and builds");
        let deps = DepIndex::build(&model);
        let mut sim = Simulator::new(&model, &deps);
        let all = sim.run(0, u64::MAX, None).incidents;
        assert!(all.len() > 1000, "{} rows", all.len());
        for budget in [0, 1, 100, all.len() as u64 - 1] {
            let kept = sim.run(0, budget, None).incidents;
            assert!(kept == all[..budget as usize], "budget {budget}");
            // At most the budget, and one incident's impacts past it.
            let slots = Layout::new(model.deployments.len()).slots();
            assert!(
                sim.impacts.len() <= budget as usize + slots,
                "budget {budget}: {} impacts held",
                sim.impacts.len()
            );
            // A small budget stops recording early in the replication.
            if (1..=100).contains(&budget) {
                assert!(sim.impacts_of.len() < sim.incidents.len() / 10);
            }
        }
    }
}

/// Blast radii and incident rows on the two-cluster mesh of
/// `replication/tests.rs`, worked out by hand: c1 holds 100 of the mesh's
/// 400 proxies and the one istiod, c2 the other 300.
#[cfg(test)]
mod tests {
    use super::super::tests::{istiod, mesh};
    use super::super::{Simulator, BAD_CONFIG, CONFIG, ENDPOINTS, POD, TRAFFIC};
    use super::IncidentRow;
    use crate::model::layout::{Layout, MEASURES};
    use crate::model::{Kind, Measure};

    /// A deployment's row of shares, in measure order.
    fn shares(config: f64, pod: f64, endpoints: f64) -> Vec<f64> {
        let mut row = vec![0.0; MEASURES];
        row[CONFIG] = config;
        row[POD] = pod;
        row[ENDPOINTS] = endpoints;
        row
    }

    #[test]
    fn static_shares_of_single_failures() {
        let (model, deps) = mesh();
        let mut sim = Simulator::new(&model, &deps);
        let [c1, c2] = [&model.clusters[0], &model.clusters[1]];
        // The istiod: every proxy live, none connected.
        assert_eq!(
            sim.static_state(&[istiod(&model)]),
            (0.0, shares(1.0, 1.0, 1.0))
        );
        // c2's API server: c2 cannot connect, and every control plane
        // serves stale endpoints of it, to c1's proxies too:
        // (300 + 100 × 300/400) / 400.
        assert_eq!(
            sim.static_state(&[c2.api_server]),
            (0.0, shares(0.75, 0.75, 0.9375))
        );
        // c1's API server: c1 cannot connect, and the istiod has no config
        // source, so c2 is connected with an old config:
        // (100 + 300 × 100/400) / 400.
        assert_eq!(
            sim.static_state(&[c1.api_server]),
            (0.0, shares(1.0, 0.25, 0.4375))
        );
        // c1 itself: its proxies are dead, and c2 has lost the istiod; a
        // dead cluster serves no stale endpoints.
        assert_eq!(
            sim.static_state(&[c1.component]),
            (0.25, shares(0.75, 0.75, 0.75))
        );
    }

    /// This replication's sum of blasts for `measure` and `kind`.
    fn blast_sum(sim: &Simulator, measure: usize, kind: Kind) -> f64 {
        sim.blast_sum[Layout::cell(0, measure, kind.index())]
    }

    #[test]
    fn an_incident_counts_the_blasts_of_its_event() {
        let (model, deps) = mesh();
        let mut sim = Simulator::new(&model, &deps);
        sim.all_up(usize::MAX);
        sim.flip_at(model.clusters[1].api_server, 1.0);
        // The same shares as the static state: the endpoints blast adds
        // the rise of the stale share on c1's untouched proxies.
        for (m, blast) in [(CONFIG, 0.75), (POD, 0.75), (ENDPOINTS, 0.9375)] {
            assert_eq!(blast_sum(&sim, m, Kind::ApiServer), blast, "measure {m}");
        }
        for m in [TRAFFIC, BAD_CONFIG] {
            assert_eq!(blast_sum(&sim, m, Kind::ApiServer), 0.0);
        }
        // Its repair is no incident and counts nothing.
        sim.flip_at(model.clusters[1].api_server, 2.0);
        assert_eq!(blast_sum(&sim, POD, Kind::ApiServer), 0.75);
        assert_eq!(sim.impacts.len(), 3);
    }

    #[test]
    fn incident_rows_are_in_incident_then_slot_order_within_the_budget() {
        let (model, deps) = mesh();
        let mut sim = Simulator::new(&model, &deps);
        let api = model.clusters[1].api_server;
        let cp = istiod(&model);
        let row = |hours: f64, component: usize, measure: Measure, blast: f64| IncidentRow {
            time_hours: hours,
            component: component as u32,
            deployment: 0,
            measure,
            blast,
        };
        // c2's API server at 1h (three rows), the istiod at 3h (three rows
        // in its event, and traffic: it is back at 7h, after both
        // clusters' certificates, rotated at 2h, ran out at 6h).
        let run = |sim: &mut Simulator, rows: usize| {
            sim.all_up(rows);
            sim.flip_at(api, 1.0);
            sim.flip_at(api, 2.0);
            sim.flip_at(cp, 3.0);
            sim.flip_at(cp, 7.0);
            sim.outcome(0, 4).incidents
        };
        let all = run(&mut sim, usize::MAX);
        assert_eq!(
            all,
            [
                row(1.0, api, Measure::Config, 0.75),
                row(1.0, api, Measure::PodStart, 0.75),
                row(1.0, api, Measure::Endpoints, 0.9375),
                row(3.0, cp, Measure::Config, 1.0),
                row(3.0, cp, Measure::PodStart, 1.0),
                row(3.0, cp, Measure::Endpoints, 1.0),
                row(3.0, cp, Measure::Traffic, 1.0),
            ]
        );
        assert_eq!(run(&mut sim, 2), all[..2]);
        // Three impacts reach the budget: the istiod's are not recorded.
        assert_eq!(run(&mut sim, 3), all[..3]);
        assert_eq!((sim.impacts.len(), sim.impacts_of.len()), (3, 1));
        assert_eq!(run(&mut sim, 0), []);
        assert!(sim.impacts.is_empty());
    }
}
