//! Links: the state a link is in, the instance that serves it, and the
//! decision that moves it from one state to the next.
//!
//! A link is the pairs of one cluster that attach alike (see
//! [`DepIndex`](crate::model::deps::DepIndex)); its state is decided once
//! for all its member deployments. [`Simulator::eval_link`] is the one
//! place a link changes state: it updates its group's counts of bad
//! proxies, adds the incident's blast radii, closes and opens the spells
//! (with their causes and the certificate clock) and keeps rollout
//! membership current. It is the hottest code of the engine, hence
//! `#[inline(always)]` on it and on what it calls.

use super::certificates::cert_expiry;
use super::{exact, Simulator};
use crate::model::deps::{LinkId, Target, NONE};
use crate::model::Kind;

/// What a link's evaluation decides, which is the state of each of its
/// member pairs: live, connected (some attached instance reachable),
/// config source up (that of the first reachable instance), and
/// certificate source reachable (the connection itself when istiod issues
/// the certificates, else the cluster's CA). Kept as bits, so that
/// comparing two states and deriving the bad ones are a few integer
/// operations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct State(u8);

impl State {
    const LIVE: u8 = 1;
    const CONNECTED: u8 = 2;
    const CONFIG_OK: u8 = 4;
    const CERT_OK: u8 = 8;

    pub(super) fn new(live: bool, connected: bool, config_ok: bool, cert_ok: bool) -> State {
        let bit = |on: bool, bit: u8| if on { bit } else { 0 };
        State(
            bit(live, State::LIVE)
                | bit(connected, State::CONNECTED)
                | bit(config_ok, State::CONFIG_OK)
                | bit(cert_ok, State::CERT_OK),
        )
    }

    /// Live, and cannot rotate its certificate: its clock runs to the
    /// expiry, after which it loses `traffic`.
    pub(super) fn cert_lost(self) -> bool {
        self.0 & (State::LIVE | State::CERT_OK) == State::LIVE
    }

    /// Live, and rotating its certificate.
    pub(super) fn cert_served(self) -> bool {
        self.0 & (State::LIVE | State::CERT_OK) == State::LIVE | State::CERT_OK
    }

    pub(super) fn live(self) -> bool {
        self.0 & State::LIVE != 0
    }

    pub(super) fn connected(self) -> bool {
        self.0 & State::CONNECTED != 0
    }

    pub(super) fn config_ok(self) -> bool {
        self.0 & State::CONFIG_OK != 0
    }

    pub(super) fn disconnected(self) -> bool {
        self.0 & (State::LIVE | State::CONNECTED) == State::LIVE
    }

    pub(super) fn config_bad(self) -> bool {
        self.0 & (State::LIVE | State::CONFIG_OK) == State::LIVE
    }

    /// Live and connected: served, if possibly with stale endpoints or an
    /// old config.
    pub(super) fn served(self) -> bool {
        self.0 & (State::LIVE | State::CONNECTED) == State::LIVE | State::CONNECTED
    }
}

impl<'m> Simulator<'m> {
    /// Mesh-wide state of slice `c` (a cluster's proxies in one zone): live, and stale (live with its API
    /// server down, so every control plane serves old endpoints of it).
    pub(super) fn eval_global(&mut self, c: usize) {
        let cluster = self.cluster[c];
        let p = cluster.proxies;
        let live = self.eff_up[cluster.component as usize];
        let stale = live && !self.eff_up[cluster.api_server as usize];
        if self.live[c] != live {
            self.live[c] = live;
            if live {
                self.live_proxies += p;
            } else {
                self.live_proxies -= p;
            }
        }
        if self.stale[c] != stale {
            self.stale[c] = stale;
            if stale {
                self.stale_proxies += p;
            } else {
                self.stale_proxies -= p;
            }
            self.stale_share = exact(self.stale_proxies) / self.total_proxies;
        }
    }

    /// Re-evaluates link `l` at time `t`; `incident` is the failure being
    /// processed (for blast radii), `stale_share_before` the stale share
    /// before this event, `failed` the kind of the component whose failure
    /// this event is (if it is one). The link's transition is worked out
    /// once and added to its group's totals, which its member deployments
    /// share.
    #[inline(always)]
    pub(super) fn eval_link(
        &mut self,
        l: LinkId,
        t: u64,
        incident: Option<usize>,
        stale_share_before: f64,
        failed: Option<Kind>,
    ) {
        let reads = self.reads[l];
        let live = self.eff_up[reads.component as usize];
        let (connected, config_ok) = if live && self.eff_up[reads.api_server as usize] {
            self.serving(l)
        } else {
            (false, false)
        };
        let cert_ok = self.cert_source(l, live, connected);
        let new = State::new(live, connected, config_ok, cert_ok);
        let old = self.status[l].state;
        if old == new {
            // Unchanged: like every link not listed for this event, it sees
            // only the stale-share change, which `step` adds in bulk. (A
            // member's bad config change can only change with liveness or
            // with a rollout step, which evaluates it on its own.)
            return;
        }
        self.status[l].state = new;
        let p = reads.proxies;
        let g = reads.link.group;
        // The link's group keeps the totals its member deployments share.
        let sums = &mut self.sums[g];
        sums.disconnected = sums.disconnected.wrapping_add_signed(change(
            old.disconnected(),
            new.disconnected(),
            p,
        ));
        sums.config_bad =
            sums.config_bad
                .wrapping_add_signed(change(old.config_bad(), new.config_bad(), p));
        if self.stale_rose && new.served() {
            sums.conn_touched += p;
        }

        // Blast radius: live and good before, live and bad after. (A bad
        // config change cannot start while live throughout.)
        if incident.is_some() && old.live() && live {
            let share = reads.share;
            let weight = |conn: bool, stale_share: f64| if conn { stale_share } else { 1.0 };
            let rise =
                weight(connected, self.stale_share) - weight(old.connected(), stale_share_before);
            let lost = |before: bool, after: bool| if before && !after { share } else { 0.0 };
            // In the order of SETTLED: podStart, config, endpoints.
            let added = [
                lost(old.connected(), connected),
                lost(old.config_ok(), config_ok),
                if rise > 0.0 { rise * share } else { 0.0 },
            ];
            if added != [0.0; 3] {
                let blast = &mut self.group_blast[g];
                if *blast == [0.0; 3] {
                    self.touched_groups.push(g);
                }
                for (sum, add) in blast.iter_mut().zip(added) {
                    *sum += add;
                }
            }
        }

        // Bad spells and their causes, and the certificate clock.
        self.end_spells(l, old, new, t);
        if !old.disconnected() && new.disconnected() {
            let kind = self.disconnection_kind(l, failed.filter(|_| old.connected())) as u8;
            let s = &mut self.status[l];
            s.pod_since = t;
            s.pod_kind = kind;
        }
        if !old.cert_lost() && new.cert_lost() {
            // Lost its certificate source: charged to this event's failure.
            // Came back to life without one (no certificate at all):
            // charged to the failure that keeps it away.
            let cause = if old.live() {
                incident.map_or(NONE, |i| i as u32)
            } else {
                self.cert_blocking_incident(l)
            };
            let kind = self.cert_kind(l);
            let (rotation, ttl) = (self.rotation_ms, self.ttl_ms);
            let s = &mut self.status[l];
            s.cert_kind = kind;
            s.expiry = cert_expiry(old.live(), t as i64, s.anchor, rotation, ttl) as u64;
            s.cause = cause;
        }
        if !old.config_bad() && new.config_bad() {
            let kind = if new.disconnected() {
                self.status[l].pod_kind
            } else {
                self.config_source_kind(l) as u8
            };
            let s = &mut self.status[l];
            s.config_since = t;
            s.config_kind = kind;
        }
        if new.served() && !old.served() {
            self.status[l].stale_since = self.stale_pm;
        }
        if new.cert_served() && !old.cert_served() {
            // A fresh certificate when its source is back.
            self.status[l].anchor = t as i64;
        }
        if old.live() != live && self.changes {
            let s = reads.link.slice as usize;
            let c = self.slice_cluster[s] as usize;
            for &d in self.deps.members(&reads.link) {
                let d = d as usize;
                self.set_change_bad(d, s, live && self.rollouts.carries_primary(d, c));
            }
        }
    }

    /// Link `l`'s liveness, connection and certificate source now (its
    /// config bit left clear).
    pub(super) fn connection(&self, l: LinkId) -> State {
        let reads = self.reads[l];
        let live = self.eff_up[reads.component as usize];
        let connected = live && self.eff_up[reads.api_server as usize] && self.serving(l).0;
        State::new(live, connected, false, self.cert_source(l, live, connected))
    }

    /// Can link `l`, live or not and connected or not, rotate its
    /// certificate: when istiod issues them, exactly when connected; else
    /// when live and its cluster's CA is effectively up (a cluster's CA is
    /// its child, a site's CA is reachable from every network).
    #[inline(always)]
    pub(super) fn cert_source(&self, l: LinkId, live: bool, connected: bool) -> bool {
        if !self.has_cas {
            return connected;
        }
        let ca = self.slice_ca[self.reads[l].link.slice as usize];
        live && self.eff_up[ca as usize]
    }

    pub(super) fn reachable(&self, target: &Target) -> bool {
        self.eff_up[target.instance as usize] && self.eff_up[target.gateway as usize]
    }

    /// The istiods link `l` attaches to, in order.
    pub(super) fn targets(&self, l: LinkId) -> &'m [Target] {
        self.deps.targets(&self.reads[l].link)
    }

    /// Is any attached instance of link `l` reachable, and is the config
    /// source of the first reachable one up?
    #[inline(always)]
    pub(super) fn serving(&self, l: LinkId) -> (bool, bool) {
        for target in self.targets(l) {
            if self.reachable(target) {
                return (true, self.eff_up[target.config_api as usize]);
            }
        }
        (false, false)
    }
}

/// The signed change of a sum of proxies when a state goes from `was` to
/// `is`.
fn change(was: bool, is: bool, p: u64) -> i64 {
    (i64::from(is) - i64::from(was)) * p as i64
}
