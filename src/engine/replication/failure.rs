//! The failure tree: which components are effectively down, and why a
//! link is bad.
//!
//! A component is effectively up when it and every ancestor are up;
//! [`Simulator::propagate`] keeps that current for the subtree of the
//! component that changed, so a link reads any component's effective state
//! in one load. The causes of a bad spell are read off the chains: the kind
//! of the highest failed component on the way to the control plane, and,
//! for a link that came back to life disconnected, the incident that keeps
//! it away.

use super::Simulator;
use crate::model::deps::{LinkId, NONE};
use crate::model::Kind;

impl<'m> Simulator<'m> {
    /// Flips the own state of component `x` and, unless a failed ancestor
    /// masks it, the effective state of its subtree.
    pub(super) fn flip(&mut self, x: usize) {
        self.own_up[x] = !self.own_up[x];
        let parent = self.parent[x];
        if parent == NONE || self.eff_up[parent as usize] {
            self.propagate(x);
        }
    }

    /// Sets the effective state of `x`, whose own state just changed while
    /// its parent is up, and of its subtree. Descendants that are down
    /// themselves stay down with all below them, so the walk stops there.
    pub(super) fn propagate(&mut self, x: usize) {
        self.eff_up[x] = self.own_up[x];
        let up = self.own_up[x];
        self.walk.clear();
        self.walk.push(x as u32);
        while let Some(y) = self.walk.pop() {
            let y = y as usize;
            for k in self.child_at[y]..self.child_at[y + 1] {
                let z = self.children[k] as usize;
                if self.own_up[z] {
                    self.eff_up[z] = up;
                    self.walk.push(z as u32);
                }
            }
        }
    }

    /// The kind of the highest failed component on `x`'s chain (itself or
    /// an ancestor), if any.
    #[inline(always)]
    pub(super) fn highest_down(&self, x: usize) -> Option<Kind> {
        self.highest_down_at(x).map(|y| self.kind[y as usize])
    }

    /// The highest failed component on `x`'s chain, if any.
    #[inline(always)]
    pub(super) fn highest_down_at(&self, x: usize) -> Option<u32> {
        if self.eff_up[x] {
            return None;
        }
        let mut highest = None;
        for y in self.chain[x] {
            if !self.own_up[y as usize] {
                highest = Some(y);
            }
        }
        highest
    }

    /// The incident of the failure that keeps live link `l` from its
    /// control plane: that of the component [`Simulator::chain_kind`]
    /// names (its API server's chain, else its primary istiod's, else the
    /// gateway's). NONE when that failure is no incident.
    pub(super) fn blocking_incident(&self, l: LinkId) -> u32 {
        let blocking = self
            .highest_down_at(self.reads[l].api_server as usize)
            .or_else(|| {
                let target = self.targets(l).first()?;
                self.highest_down_at(target.instance as usize)
                    .or_else(|| self.highest_down_at(target.gateway as usize))
            });
        blocking.map_or(NONE, |x| self.last_incident[x as usize])
    }

    /// Why a live link cannot reach its control plane: its own API server,
    /// else the highest failure on the way to its primary istiod.
    /// `cut_by` is the kind of the component whose failure disconnected it
    /// when it was connected until then.
    #[inline(always)]
    pub(super) fn disconnection_kind(&self, l: LinkId, cut_by: Option<Kind>) -> Kind {
        if let Some(kind) = cut_by.filter(|_| self.targets(l).len() == 1) {
            // With one istiod, that failure is the cause: everything else
            // on its API server's and istiod's chains was up, and the
            // failure is not masked (else `step` stops before). The walk
            // below would find it too.
            debug_assert_eq!(kind, self.chain_kind(l));
            return kind;
        }
        self.chain_kind(l)
    }

    /// [`Simulator::disconnection_kind`] by walking the chains.
    #[inline(always)]
    pub(super) fn chain_kind(&self, l: LinkId) -> Kind {
        if let Some(kind) = self.highest_down(self.reads[l].api_server as usize) {
            return kind;
        }
        let Some(target) = self.targets(l).first() else {
            return Kind::ControlPlane;
        };
        self.highest_down(target.instance as usize)
            .or_else(|| self.highest_down(target.gateway as usize))
            .unwrap_or(Kind::ControlPlane)
    }

    /// Why a connected link's config source is down.
    pub(super) fn config_source_kind(&self, l: LinkId) -> Kind {
        for target in self.targets(l) {
            if self.reachable(target) {
                return self
                    .highest_down(target.config_api as usize)
                    .unwrap_or(Kind::ApiServer);
            }
        }
        Kind::ApiServer
    }
}
