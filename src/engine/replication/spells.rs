//! Spells and time windows: what a bad spell costs when it ends.
//!
//! Time is accounted in whole milliseconds and only inside the measured
//! window (after the warm-up, before the horizon). The clock integrates the
//! mesh-wide counts of live and stale proxies between events; a link's bad
//! spell is charged to its group's totals, per measure and cause, when it
//! ends, so nothing is done per deployment while time passes.

use super::links::State;
use super::{exact, Simulator, CONFIG, POD};
use crate::model::deps::LinkId;
use crate::model::Layout;

impl<'m> Simulator<'m> {
    /// Integrates the live and stale proxies since the last event, clipped
    /// to the measured window.
    pub(super) fn advance(&mut self, t: u64) {
        let from = self.clock_ms.max(self.start_ms);
        let to = t.min(self.end_ms);
        self.clock_ms = t;
        if to > from {
            let dt = u128::from(to - from);
            self.live_pm += u128::from(self.live_proxies) * dt;
            self.stale_pm += u128::from(self.stale_proxies) * dt;
        }
    }

    /// Ends the spells of link `l` that its change from `old` to `new` at `t`
    /// ends: its disconnection, its config spell, its time served (whose
    /// stale share `endpoints` counts).
    #[inline(always)]
    pub(super) fn end_spells(&mut self, l: LinkId, old: State, new: State, t: u64) {
        if old.disconnected() && !new.disconnected() {
            let s = &self.status[l];
            let (kind, since) = (s.pod_kind, s.pod_since);
            self.close_spell(l, POD, kind, since, t);
        }
        if old.cert_lost() && !new.cert_lost() {
            self.close_cert_loss(l, t);
        }
        if old.config_bad() && !new.config_bad() {
            let s = &self.status[l];
            let (kind, since) = (s.config_kind, s.config_since);
            self.close_spell(l, CONFIG, kind, since, t);
        }
        if old.served() && !new.served() {
            self.link_stale[l] += self.stale_pm - self.status[l].stale_since;
        }
    }

    /// Ends a bad spell of measure `m` of link `l`, begun at `since` for a
    /// cause of kind `kind`, at `t`: its proxy-milliseconds in the measured
    /// window go to the link's group.
    pub(super) fn close_spell(&mut self, l: LinkId, m: usize, kind: u8, since: u64, t: u64) {
        let reads = self.reads[l];
        let pm = exact(reads.proxies) * exact(self.window_ms(since, t));
        self.group_pm[Layout::cell(reads.link.group.index(), m, kind as usize)] += pm;
    }

    /// Milliseconds of [from, to) inside the measured window.
    pub(super) fn window_ms(&self, from: u64, to: u64) -> u64 {
        let from = from.max(self.start_ms);
        let to = to.min(self.end_ms);
        to.saturating_sub(from)
    }
}
