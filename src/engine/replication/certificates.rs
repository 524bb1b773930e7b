//! Certificates and `traffic`: when a disconnected link's certificate runs
//! out, and what the traffic lost after that is charged to.
//!
//! A connected link rotates its certificate on a schedule anchored at its
//! (re)connection; a link that loses its control plane keeps the
//! certificate of its last rotation until it expires, and loses traffic
//! from then until it reconnects (the `traffic` measure). One that comes
//! back to life without a control plane has no certificate at all.
//!
//! Certificates start in their long-run state: a disconnected pair's
//! certificate at time 0 depends on how long it has been disconnected,
//! which the starting component states alone do not say, so the last
//! certificate lifetime before time 0 is replayed
//! ([`Simulator::start_certificates`]). During the run,
//! [`Simulator::eval_link`] sets the expiry when a link disconnects
//! ([`cert_expiry`]), and [`Simulator::close_traffic`] charges the spell
//! when it ends: its proxy-time to the link's group, and its blast radius
//! to the incident that caused the disconnection, once per outage.

use super::links::State;
use super::{to_ms, Simulator, TRAFFIC};
use crate::engine::rng::{stream, Stream};
use crate::model::deps::{LinkId, NONE};
use crate::model::{Kind, Layout};
use rand::RngExt;

/// Salt for the certificate-phase stream of a cluster.
const CERT_SALT: u64 = 0xc3a7_5e1f_0000_0001;

/// A link's connection and certificate clock while the history before
/// time 0 is replayed ([`Simulator::start_certificates`]); times in
/// milliseconds, negative before 0.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct CertStart {
    state: State,
    /// Start of the current rotation schedule, when served.
    anchor: i64,
    /// When the certificate runs out, when live and disconnected.
    expiry: i64,
}

impl<'m> Simulator<'m> {
    /// Records the own transitions of component `x` in the look-back before
    /// time 0, latest first. It entered its state at time 0 (`up`) `age`
    /// hours before; the intervals before that are ordinary draws, as in
    /// the past of any stationary alternating renewal process.
    pub(super) fn look_back(&mut self, x: usize, up: bool, age: f64, past: &mut Stream) {
        let Some(process) = &self.model.components[x].process else {
            return;
        };
        let mut before = to_ms(age);
        let mut entered_up = up;
        while before < self.lookback_ms {
            self.history.push((before, x as u32));
            // Before that transition it was in the other state.
            entered_up = !entered_up;
            let hours = if entered_up {
                process.failure.sample(past)
            } else {
                process.repair.sample(past)
            };
            before = before.saturating_add(to_ms(hours));
        }
    }

    /// Sets every link's certificate at time 0 as its long-run history
    /// leaves it, by replaying the look-back (one certificate lifetime):
    /// a link disconnected at 0 has been so since its disconnection, and
    /// its certificate runs out a lifetime after its last rotation before
    /// that (it may have run out already), or had run out at once if its
    /// cluster came back to life disconnected; a link that reconnected in
    /// the look-back rotates from then. Certificates older than the
    /// look-back were issued at a random phase of their rotation schedule
    /// (per cluster, shared by every deployment); a disconnection older
    /// than it has no valid certificate left. Links are in cluster order.
    pub(super) fn start_certificates(&mut self, seed: u64, r: u64) {
        let model = self.model;
        let lookback = self.lookback_ms as i64;
        // Back to the start of the look-back: undo the transitions, latest
        // first. (Ties in time break by component, the same both ways.)
        self.history.sort_unstable();
        for k in 0..self.history.len() {
            self.flip(self.history[k].1 as usize);
        }
        let rotation = self.rotation_ms;
        let mut phase = (usize::MAX, 0);
        for l in self.deps.link_ids() {
            let c = self.reads[l].link.slice as usize;
            if phase.0 != c {
                let id = model.components[model.slices[c].component].stream ^ CERT_SALT;
                phase = (c, stream(seed, r, id).random_range(0..rotation));
            }
            self.cert_start[l] = CertStart {
                state: self.connection(l),
                anchor: -lookback - phase.1 as i64,
                expiry: -lookback,
            };
        }
        // Forward to time 0, earliest first.
        for k in (0..self.history.len()).rev() {
            let (before, x) = self.history[k];
            self.flip(x as usize);
            for &l in self.deps.links_of(x as usize) {
                self.replay_link(l, -(before as i64));
            }
            // And the links of the instances x is a replica of, when it
            // changed them.
            for k in 0..self.changed.len() {
                for &l in self.deps.links_of(self.changed[k] as usize) {
                    self.replay_link(l, -(before as i64));
                }
            }
        }
        for l in self.deps.link_ids() {
            let start = self.cert_start[l];
            let s = &mut self.status[l];
            debug_assert_eq!(
                (start.state.live(), start.state.connected()),
                (s.state.live(), s.state.connected()),
                "the replay ends in the state at time 0"
            );
            debug_assert_eq!(start.state.cert_lost(), s.state.cert_lost());
            s.anchor = start.anchor;
            if s.state.cert_lost() {
                s.expiry = start.expiry.max(0) as u64;
            }
        }
    }

    /// Link `l` in the look-back at `t` (ms, negative): its certificate
    /// clock follows its connection as [`Simulator::eval_link`] has it.
    pub(super) fn replay_link(&mut self, l: LinkId, t: i64) {
        let new = self.connection(l);
        let (rotation, ttl) = (self.rotation_ms, self.ttl_ms);
        let c = &mut self.cert_start[l];
        let old = c.state;
        if !old.cert_lost() && new.cert_lost() {
            c.expiry = cert_expiry(old.live(), t, c.anchor, rotation, ttl);
        }
        if new.cert_served() && !old.cert_served() {
            c.anchor = t;
        }
        c.state = new;
    }

    /// Ends the certificate-source outage of link `l` at `t`: traffic
    /// lost from the certificate expiry on.
    #[inline(always)]
    pub(super) fn close_cert_loss(&mut self, l: LinkId, t: u64) {
        // Usually the link gets its source back before its certificate
        // expires, and nothing is to be done (unless the trace records it).
        if self.status[l].expiry < t || self.trace.is_some() {
            self.close_traffic(l, t);
        }
    }

    /// Why live link `l` cannot rotate its certificate: what keeps it
    /// from its control plane when istiod issues them (the podStart
    /// cause), else the highest failed component on its CA's chain (the CA
    /// itself, or the site it runs at).
    #[inline(always)]
    pub(super) fn cert_kind(&self, l: LinkId) -> u8 {
        let ca = self.slice_ca[self.reads[l].link.slice as usize];
        if ca == NONE {
            self.status[l].pod_kind
        } else {
            self.highest_down(ca as usize).unwrap_or(Kind::Ca) as u8
        }
    }

    /// The incident of the failure that keeps live link `l` from its
    /// certificate source (NONE when that failure is no incident).
    pub(super) fn cert_blocking_incident(&self, l: LinkId) -> u32 {
        let ca = self.slice_ca[self.reads[l].link.slice as usize];
        if ca == NONE {
            return self.blocking_incident(l);
        }
        self.highest_down_at(ca as usize)
            .map_or(NONE, |x| self.last_incident[x as usize])
    }

    /// Ends the traffic spell of a disconnected link `l` at `t`. When the
    /// certificate had expired, the incident that caused the disconnection
    /// gets a traffic blast radius; the trace records the interval.
    pub(super) fn close_traffic(&mut self, l: LinkId, t: u64) {
        let s = self.status[l];
        self.close_spell(l, TRAFFIC, s.cert_kind, s.expiry, t);
        let reads = self.reads[l];
        let attributed = s.cause != NONE && s.expiry < t && s.cause != s.charged;
        if attributed {
            self.status[l].charged = s.cause;
        }
        for &d in self.deps.members(&reads.link) {
            if let Some(trace) = &mut self.trace {
                trace.traffic(d, s.expiry, t, reads.proxies);
            }
            if attributed {
                let slot = Layout::slot(d as usize, TRAFFIC) as u32;
                self.later.push((s.cause, slot, reads.share));
            }
        }
    }
}

/// When the certificate of a link that becomes disconnected at `t` (ms)
/// runs out. One that was live lost its control plane and keeps the
/// certificate of its last rotation (rotations began at `anchor`, never
/// after `t`) for the rest of its lifetime; one that came back to life
/// without a control plane has none.
pub(super) fn cert_expiry(was_live: bool, t: i64, anchor: i64, rotation: u64, ttl: u64) -> i64 {
    if was_live {
        let age = (t - anchor) as u64 % rotation;
        t + (ttl - age) as i64
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{istiod, mesh, ms};
    use super::super::{Simulator, POD, TRAFFIC};
    use super::cert_expiry;
    use crate::model::deps::DepIndex;
    use crate::model::{Kind, Layout, Model};
    use crate::scenario::Document;

    /// Certificates of 4 hours rotated every 2.
    const ROTATION: u64 = 2 * 3_600_000;
    const TTL: u64 = 4 * 3_600_000;

    fn at(hours: f64) -> i64 {
        ms(hours.abs()) as i64 * hours.signum() as i64
    }

    #[test]
    fn a_link_that_loses_its_control_plane_keeps_its_last_rotation() {
        // Rotated at 0, 2h; cut at 3h: the 2h certificate runs out at 6h.
        assert_eq!(cert_expiry(true, at(3.0), 0, ROTATION, TTL), at(6.0));
        // Cut right at a rotation: a whole lifetime left.
        assert_eq!(cert_expiry(true, at(4.0), 0, ROTATION, TTL), at(8.0));
        // Reconnected at 1h: rotated at 3h and 5h; cut at 5.5h.
        assert_eq!(cert_expiry(true, at(5.5), at(1.0), ROTATION, TTL), at(9.0));
        // In the look-back: rotating since -7h, cut at -1h (rotated then).
        assert_eq!(
            cert_expiry(true, at(-1.0), at(-7.0), ROTATION, TTL),
            at(3.0)
        );
    }

    #[test]
    fn a_link_that_comes_back_to_life_disconnected_has_no_certificate() {
        assert_eq!(cert_expiry(false, at(3.0), 0, ROTATION, TTL), at(3.0));
    }

    /// `group_pm` of the mesh's one group for measure `m`, in proxy-hours.
    fn proxy_hours(sim: &Simulator, m: usize) -> f64 {
        let at = Layout::cell(0, m, Kind::ControlPlane.index());
        sim.group_pm[at] / ms(1.0) as f64
    }

    #[test]
    fn traffic_is_lost_from_the_expiry_to_the_reconnection_and_charged_to_the_incident() {
        let (model, deps) = mesh();
        let mut sim = Simulator::new(&model, &deps);
        sim.all_up(0);
        let cp = istiod(&model);
        let i = sim.flip_at(cp, 3.0).expect("a failure");
        for s in sim.status.iter() {
            assert!(s.state.disconnected());
            assert_eq!((s.expiry, s.cause), (ms(6.0), i as u32));
        }
        sim.flip_at(cp, 8.0);
        // 400 proxies: 5 hours without their control plane, the last 2 of
        // them without traffic.
        assert_eq!(proxy_hours(&sim, POD), 400.0 * 5.0);
        assert_eq!(proxy_hours(&sim, TRAFFIC), 400.0 * 2.0);
        // Its traffic blast on the one deployment: each cluster's share of
        // the mesh, in cluster order.
        let slot = Layout::slot(0, TRAFFIC) as u32;
        assert_eq!(sim.later, [(i as u32, slot, 0.25), (i as u32, slot, 0.75)]);
    }

    #[test]
    fn a_reconnection_before_the_expiry_loses_no_traffic() {
        let (model, deps) = mesh();
        let mut sim = Simulator::new(&model, &deps);
        sim.all_up(0);
        let cp = istiod(&model);
        sim.flip_at(cp, 3.0);
        sim.flip_at(cp, 5.5);
        assert_eq!(proxy_hours(&sim, POD), 400.0 * 2.5);
        assert_eq!(proxy_hours(&sim, TRAFFIC), 0.0);
        assert!(sim.later.is_empty());
    }

    #[test]
    fn a_cluster_that_flaps_through_one_outage_is_charged_once() {
        let (model, deps) = mesh();
        let mut sim = Simulator::new(&model, &deps);
        sim.all_up(0);
        let cp = istiod(&model);
        let c2 = model.clusters[1].component;
        let i = sim.flip_at(cp, 3.0).expect("a failure") as u32;
        // c2 dies at 7h, after its certificate ran out at 6h: 1 hour of
        // traffic lost, charged to the istiod's failure.
        sim.flip_at(c2, 7.0);
        // Back at 7.5h without a control plane, so without a certificate:
        // its traffic is lost at once, and the istiod's failure keeps it
        // away.
        sim.flip_at(c2, 7.5);
        let l2 = deps.link_of(0, 1);
        assert_eq!((sim.status[l2].expiry, sim.status[l2].cause), (ms(7.5), i));
        sim.flip_at(cp, 9.0);
        // c1: 6h to 9h; c2: 6h to 7h and 7.5h to 9h.
        assert_eq!(proxy_hours(&sim, TRAFFIC), 100.0 * 3.0 + 300.0 * 2.5);
        // c2 counts once in the istiod failure's blast radius.
        let slot = Layout::slot(0, TRAFFIC) as u32;
        assert_eq!(sim.later, [(i, slot, 0.75), (i, slot, 0.25)]);
    }

    /// The two-cluster mesh with certificates from a CA in each cluster
    /// (CAs fail once a month for an hour; the tests flip them by hand).
    fn with_cluster_cas() -> (Model, DepIndex) {
        let text = super::super::tests::MESH.replace(
            "  deployments:",
            "    ca: { failure: { dist: exponential, mean: 1mo }, repair: { dist: fixed, value: 1h } }\n  certificates: { issuer: cluster }\n  deployments:",
        );
        let doc = Document::parse(&text, "cas.yaml").unwrap_or_else(|e| panic!("{e}"));
        let model = crate::model::build(&doc.file).unwrap_or_else(|e| panic!("{}", doc.locate(e)));
        let deps = DepIndex::build(&model);
        (model, deps)
    }

    /// Proxy-hours of measure `m` charged to `kind` in the one group.
    fn charged(sim: &Simulator, m: usize, kind: Kind) -> f64 {
        sim.group_pm[Layout::cell(0, m, kind.index())] / ms(1.0) as f64
    }

    #[test]
    fn a_cluster_ca_outage_costs_traffic_after_the_expiry_and_nothing_else() {
        let (model, deps) = with_cluster_cas();
        let mut sim = Simulator::new(&model, &deps);
        sim.all_up(0);
        let ca2 = model.issuer.ca_of(1).expect("a CA");
        // c2's CA fails at 3h: rotated at 2h, so the certificate runs out
        // at 6h; the CA is back at 8h. 300 proxies × 2h of traffic, charged
        // to the CA; no istiod was lost, so no podStart or config.
        let i = sim.flip_at(ca2, 3.0).expect("a failure") as u32;
        let l2 = deps.link_of(0, 1);
        assert_eq!((sim.status[l2].expiry, sim.status[l2].cause), (ms(6.0), i));
        assert!(!sim.status[l2].state.disconnected(), "istiod still serves");
        sim.flip_at(ca2, 8.0);
        assert_eq!(charged(&sim, TRAFFIC, Kind::Ca), 300.0 * 2.0);
        assert_eq!(charged(&sim, TRAFFIC, Kind::ControlPlane), 0.0);
        assert_eq!(charged(&sim, POD, Kind::Ca), 0.0);
        let slot = Layout::slot(0, TRAFFIC) as u32;
        assert_eq!(sim.later, [(i, slot, 0.75)]);
    }

    #[test]
    fn with_cluster_cas_an_istiod_outage_costs_no_traffic() {
        let (model, deps) = with_cluster_cas();
        let mut sim = Simulator::new(&model, &deps);
        sim.all_up(0);
        let cp = istiod(&model);
        // Down 3h to 9h, beyond any certificate's lifetime: podStart is
        // lost, traffic is not (the CAs kept rotating).
        sim.flip_at(cp, 3.0);
        sim.flip_at(cp, 9.0);
        assert_eq!(proxy_hours(&sim, POD), 400.0 * 6.0);
        for kind in Kind::ALL {
            assert_eq!(charged(&sim, TRAFFIC, kind), 0.0, "{}", kind.name());
        }
        assert!(sim.later.is_empty());
    }

    #[test]
    fn a_cluster_back_while_its_ca_is_down_has_no_certificate() {
        let (model, deps) = with_cluster_cas();
        let mut sim = Simulator::new(&model, &deps);
        sim.all_up(0);
        let (ca2, c2) = (
            model.issuer.ca_of(1).expect("a CA"),
            model.clusters[1].component,
        );
        // c2 dies at 1h; its CA fails at 2h (masked: no incident); c2 is
        // back at 3h without a certificate: traffic lost at once until the
        // CA is back at 5h, charged to no incident (the CA's failure was
        // none), to kind ca.
        sim.flip_at(c2, 1.0);
        let incidents = sim.incidents.len();
        sim.flip_at(ca2, 2.0);
        assert_eq!(sim.incidents.len(), incidents, "masked: no incident");
        sim.flip_at(c2, 3.0);
        let l2 = deps.link_of(0, 1);
        assert_eq!(sim.status[l2].expiry, ms(3.0));
        sim.flip_at(ca2, 5.0);
        assert_eq!(charged(&sim, TRAFFIC, Kind::Ca), 300.0 * 2.0);
        assert!(sim.later.is_empty(), "a masked failure is no incident");
    }

    #[test]
    fn a_cluster_back_during_a_ca_incident_is_charged_to_it() {
        let (model, deps) = with_cluster_cas();
        let mut sim = Simulator::new(&model, &deps);
        sim.all_up(0);
        let (ca2, c2) = (
            model.issuer.ca_of(1).expect("a CA"),
            model.clusters[1].component,
        );
        // The CA fails at 1h (an incident); c2 dies at 2h, before the 4h
        // expiry (rotated at 0), and is back at 3h without a certificate:
        // lost 3h to 6h, charged to the CA's incident.
        let i = sim.flip_at(ca2, 1.0).expect("a failure") as u32;
        sim.flip_at(c2, 2.0);
        sim.flip_at(c2, 3.0);
        sim.flip_at(ca2, 6.0);
        assert_eq!(charged(&sim, TRAFFIC, Kind::Ca), 300.0 * 3.0);
        let slot = Layout::slot(0, TRAFFIC) as u32;
        assert_eq!(sim.later, [(i, slot, 0.75)]);
    }
}
