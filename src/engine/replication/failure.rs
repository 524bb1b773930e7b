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
//!
//! An istiod instance with replicas is the one component whose own state
//! is derived rather than drawn: it is up when its common-cause process is
//! up and at least one replica is ([`Simulator::derive_instances`], the one
//! place that rule lives). It is a child of its host like its replicas, so
//! "effectively up" adds the host, as for any component. While it is down,
//! its kind is that of what holds it down — `controlPlaneCommon` when its
//! common cause is down, else `controlPlane` (every replica down) — so the
//! cause tables read the kind off the chain as for any other component, and
//! its incident is that of the failure that took it down. A replica's
//! failure that leaves another replica up changes no instance, and so is an
//! incident that hurts no one.

use super::Simulator;
use crate::model::deps::{LinkId, NONE};
use crate::model::Kind;

impl<'m> Simulator<'m> {
    /// Flips the own state of component `x` and, unless a failed ancestor
    /// masks it, the effective state of its subtree.
    /// The instances whose own state changed are left in
    /// [`Simulator::changed`], already propagated.
    pub(super) fn flip(&mut self, x: usize) {
        self.own_up[x] = !self.own_up[x];
        self.derive_instances(x);
        let parent = self.parent[x];
        if parent == NONE || self.eff_up[parent as usize] {
            self.propagate(x);
            self.propagate_changed();
        }
    }

    /// Propagates every component in [`Simulator::changed`] whose parent is
    /// up (an instance's is its host, up when the member that changed it
    /// is; a zone slice's is its zone, which may be down).
    pub(super) fn propagate_changed(&mut self) {
        for k in 0..self.changed.len() {
            self.propagate_under_parent(self.changed[k] as usize);
        }
    }

    /// [`Simulator::propagate`] of `a` when its parent is up; else its
    /// effective state stays down.
    pub(super) fn propagate_under_parent(&mut self, a: usize) {
        let parent = self.parent[a];
        if parent == NONE || self.eff_up[parent as usize] {
            self.propagate(a);
        }
    }

    /// Are the components in [`Simulator::changed`] zone slices (the
    /// component that changed them is a regional cluster)? A component is
    /// a member of slices or of instances, never of both.
    pub(super) fn changed_slices(&self) -> bool {
        self.changed
            .first()
            .is_some_and(|&a| self.kind[a as usize] == Kind::Cluster)
    }

    /// Re-derives the own state of every instance component `x` is a
    /// replica or common cause of, after `x`'s own state changed, and leaves
    /// those whose state changed in [`Simulator::changed`] (not yet
    /// propagated). Work per call: the replicas of those instances, however
    /// big the mesh.
    #[inline(always)]
    pub(super) fn derive_instances(&mut self, x: usize) {
        self.changed.clear();
        let (from, to) = (self.member_at[x], self.member_at[x + 1]);
        // Most components are no replica or common cause of anything
        // (every one, without replicas): one comparison, no call.
        if from != to {
            self.derive_members(from, to);
        }
    }

    /// [`Simulator::derive_instances`] for a component that is a member of
    /// the instances at `from..to` of `member_of`.
    #[inline(never)]
    fn derive_members(&mut self, from: usize, to: usize) {
        for k in from..to {
            let set = self.member_of[k] as usize;
            let instance = self.sets[set].instance as usize;
            let (up, kind) = self.instance_state(set);
            self.kind[instance] = kind;
            if self.own_up[instance] != up {
                self.own_up[instance] = up;
                // Set by `step` when this is an incident.
                self.last_incident[instance] = NONE;
                self.changed.push(instance as u32);
            }
        }
    }

    /// Derives the own state of every instance made of replicas from its
    /// members' (at the start of a replication).
    pub(super) fn derive_all(&mut self) {
        for set in 0..self.sets.len() {
            let instance = self.sets[set].instance as usize;
            let (up, kind) = self.instance_state(set);
            self.own_up[instance] = up;
            self.kind[instance] = kind;
        }
    }

    /// Instance `set`'s own state, and the kind of what holds it down:
    /// up when its common-cause process and some replica are. Replicas run
    /// on the instance's host, so their own states are what counts; a
    /// replica in a zone of a regional host counts when it and its zone
    /// are up (the host and region are the instance's own chain). While
    /// down, its kind is `zone` when a replica that is up is held down by
    /// its zone. A zone slice is a set of one replica, its cluster.
    #[inline]
    fn instance_state(&self, set: usize) -> (bool, Kind) {
        let s = self.sets[set];
        if s.common != NONE && !self.own_up[s.common as usize] {
            return (false, Kind::ControlPlaneCommon);
        }
        let (from, to) = (s.replicas.0 as usize, s.replicas.1 as usize);
        let replicas = &self.set_replicas[from..to];
        let zones = &self.set_zones[from..to];
        let zone_up = |z: u32| z == NONE || self.own_up[z as usize];
        let up = replicas
            .iter()
            .zip(zones)
            .any(|(&r, &z)| self.own_up[r as usize] && zone_up(z));
        let by_zone = replicas
            .iter()
            .zip(zones)
            .any(|(&r, &z)| self.own_up[r as usize] && !zone_up(z));
        (up, if by_zone { Kind::Zone } else { s.kind })
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

#[cfg(test)]
mod tests {
    use super::super::tests::MESH;
    use super::super::{Simulator, POD};
    use crate::model::deps::DepIndex;
    use crate::model::{Kind, Layout, Model};
    use crate::scenario::Document;

    /// The engine tests' two-cluster mesh with its istiod run as two
    /// replicas, and a common-cause process.
    fn replicated() -> Model {
        let text = MESH
            .replace(
                "instances: [{ name: cp, cluster: c1 }]",
                "instances: [{ name: cp, cluster: c1, replicas: 2 }]",
            )
            .replace(
                "  deployments:",
                "    controlPlaneCommon: { failure: { dist: exponential, mean: 1y }, repair: { dist: fixed, value: 1h } }\n  deployments:",
            );
        let doc = Document::parse(&text, "replicated.yaml").unwrap_or_else(|e| panic!("{e}"));
        crate::model::build(&doc.file).unwrap_or_else(|e| panic!("{}", doc.locate(e)))
    }

    #[test]
    fn only_the_last_replica_or_the_common_cause_takes_the_instance_down() {
        let model = replicated();
        let deps = DepIndex::build(&model);
        let mut sim = Simulator::new(&model, &deps);
        let inst = &model.deployments[0].instances[0];
        let (r0, r1, common) = (inst.replicas[0], inst.replicas[1], inst.common.unwrap());
        let instance = inst.component;
        let pod = |sim: &Simulator, kind: Kind| sim.blast_sum[Layout::cell(0, POD, kind.index())];
        sim.all_up(usize::MAX);
        // One replica down: an incident that hurts no one.
        let first = sim.flip_at(r0, 1.0).expect("an incident");
        assert!(sim.eff_up[instance]);
        assert_eq!(pod(&sim, Kind::ControlPlane), 0.0);
        assert_eq!(sim.last_incident[instance], crate::model::deps::NONE);
        // The last one: every proxy loses its control plane, charged to it.
        let last = sim.flip_at(r1, 2.0).expect("an incident");
        assert_ne!(first, last);
        assert!(!sim.eff_up[instance]);
        assert_eq!(pod(&sim, Kind::ControlPlane), 1.0);
        assert_eq!(sim.last_incident[instance], last as u32);
        assert_eq!(sim.kind[instance], Kind::ControlPlane);
        // One back is enough.
        sim.flip_at(r0, 3.0);
        assert!(sim.eff_up[instance]);
        // The common cause takes it down whatever the replicas.
        let i = sim.flip_at(common, 4.0).expect("an incident");
        assert!(!sim.eff_up[instance]);
        assert_eq!(sim.kind[instance], Kind::ControlPlaneCommon);
        assert_eq!(sim.last_incident[instance], i as u32);
        assert_eq!(pod(&sim, Kind::ControlPlaneCommon), 1.0);
        // Under the common cause, losing the last replica hurts no one
        // more, and its repair brings nothing back.
        sim.flip_at(r0, 5.0);
        assert_eq!(pod(&sim, Kind::ControlPlane), 1.0);
        sim.flip_at(common, 6.0);
        assert!(!sim.eff_up[instance], "no replica is up");
        assert_eq!(sim.kind[instance], Kind::ControlPlane);
        sim.flip_at(r1, 7.0);
        assert!(sim.eff_up[instance]);
        // Every incident is a row's component: the replica or the common
        // cause, never the instance that stands for them.
        let rows = sim.outcome(0, 8).incidents;
        assert!(rows.iter().all(|r| r.component != instance as u32));
        assert!(rows
            .iter()
            .any(|r| r.component == r1 as u32 && r.blast == 1.0));
    }
}
