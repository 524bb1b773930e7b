//! What a replication hands back: the later blasts counted in incident
//! order, the incident rows, and the fold of the groups' totals into bad
//! proxy-hours per deployment, measure and cause.
//!
//! Links with the same member deployments share totals while the
//! replication runs; only here are they spread over the members, groups in
//! index order, and `endpoints` derived from `podStart` and the stale
//! integral, so every sum is formed in a fixed order.

use super::{exact, IncidentRow, Simulator, BAD_CONFIG, CONFIG, ENDPOINTS, POD, TRAFFIC};
use crate::engine::trace::Trace;
use crate::model::layout::{Layout, KINDS};
use crate::model::{Kind, MS_PER_HOUR};

/// What one replication produced.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Replication index.
    pub replication: u64,
    /// Live proxy-hours in the measured window (same for every deployment).
    pub live_proxy_hours: f64,
    /// Bad proxy-hours per slot ([`Layout::slot`]: deployment, then
    /// measure).
    pub bad_proxy_hours: Vec<f64>,
    /// Bad proxy-hours by cause, per cell ([`Layout::cell`]: deployment,
    /// measure, then kind); sums to `bad_proxy_hours` over the kinds.
    pub cause_proxy_hours: Vec<f64>,
    /// Sum of the non-zero blast radii, per cell ([`Layout::cell`]), in
    /// incident order. (Their counts and
    /// histograms are order-free and stay in the simulator's
    /// [`Simulator::blast_table`].)
    pub blast_sum: Vec<f64>,
    /// The replication's first incident rows, at most the budget it was
    /// run with ([`Simulator::run`]).
    pub incidents: Vec<IncidentRow>,
    /// Events processed (component transitions and rollout steps).
    pub events: u64,
    /// The recorded history, for the replication asked to trace.
    pub trace: Option<Trace>,
}

impl<'m> Simulator<'m> {
    pub(super) fn outcome(&mut self, r: u64, events: u64) -> Outcome {
        // The traffic and badConfig blasts, incident by incident, after the
        // others: each measure's blasts are counted in incident order.
        let settled = self.impacts.len();
        // Sum the parts of each (incident, slot) in the order they came
        // (the sort is stable), in place.
        self.later.sort_by_key(|&(i, slot, _)| (i, slot));
        let mut kept = 0;
        for k in 0..self.later.len() {
            let (i, slot, share) = self.later[k];
            if kept > 0 && self.later[kept - 1].0 == i && self.later[kept - 1].1 == slot {
                self.later[kept - 1].2 += share;
            } else {
                self.later[kept] = (i, slot, share);
                kept += 1;
            }
        }
        self.later.truncate(kept);
        for k in 0..self.later.len() {
            let (i, slot, blast) = self.later[k];
            let kind = self.incident_kind(i as usize);
            self.count_blast(slot as usize, kind, blast);
        }
        let mut incidents = Vec::new();
        if self.row_budget > 0 {
            self.incident_rows(settled, &mut incidents);
        }
        let (bad_proxy_hours, cause_proxy_hours) = self.fold();
        Outcome {
            replication: r,
            live_proxy_hours: self.live_pm as f64 / MS_PER_HOUR,
            bad_proxy_hours,
            cause_proxy_hours,
            blast_sum: self.blast_sum.to_vec(),
            incidents,
            events,
            trace: self.trace.take(),
        }
    }

    /// Bad proxy-hours per slot, and by cause per cell ([`Layout`]).
    pub(super) fn fold(&mut self) -> (Vec<f64>, Vec<f64>) {
        let at = Layout::cell;
        // The stale part of `endpoints`, in proxy²-milliseconds per
        // deployment, links in cluster order.
        let mut stale = vec![0.0; self.deployments];
        for (link, &pm) in self.deps.links().iter().zip(&self.link_stale) {
            if pm > 0 {
                let term = exact(self.cluster[link.slice as usize].proxies) * pm as f64;
                for &d in self.deps.members(link) {
                    stale[d as usize] += term;
                }
            }
        }
        // Each group's link time to its members, groups in order.
        for g in self.deps.group_ids() {
            let from = &self.group_pm[Layout::cells_of(g.index())];
            for &d in self.deps.group_members(g) {
                let to = &mut self.bad_pm[Layout::cells_of(d as usize)];
                for (to, from) in to.iter_mut().zip(from) {
                    *to += from;
                }
            }
        }
        let hours = |pm: f64| pm / MS_PER_HOUR;
        let mut cause: Vec<f64> = self.bad_pm.iter().map(|&pm| hours(pm)).collect();
        let mut bad = vec![0.0; self.layout.slots()];
        for d in 0..self.deployments {
            for m in [CONFIG, POD, TRAFFIC, BAD_CONFIG] {
                let pm = (0..KINDS).map(|k| self.bad_pm[at(d, m, k)]).sum();
                bad[Layout::slot(d, m)] = hours(pm);
            }
            // Endpoints: the disconnected part has podStart's causes; the
            // stale part of connected proxies is API servers down.
            let stale = stale[d] / self.total_proxies / MS_PER_HOUR;
            bad[Layout::slot(d, ENDPOINTS)] = bad[Layout::slot(d, POD)] + stale;
            for k in 0..KINDS {
                cause[at(d, ENDPOINTS, k)] = cause[at(d, POD, k)];
            }
            cause[at(d, ENDPOINTS, Kind::ApiServer.index())] += stale;
        }
        (bad, cause)
    }
}
