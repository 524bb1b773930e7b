//! The one check that makes the engine's unchecked indexing by plain
//! positions sound.
//!
//! The simulator's tables are indexed without bounds checks (see
//! [`Table`](crate::engine::table)). Its per-link and per-group tables need
//! no check: they are indexed by the dependency index's ids, which carry
//! their range in their type. The others are indexed by the component,
//! cluster and deployment indices the model and the dependency index hold,
//! which is only sound if each is in range of the table it indexes.
//! [`Simulator::new`] checks that here, once, so that nothing on the event
//! path has to.

use super::Simulator;
use crate::model::deps::NONE;
use crate::model::Layout;

impl<'m> Simulator<'m> {
    /// Checks once that every component, cluster and deployment index the
    /// simulator will read from its model and dependency index is in range
    /// of the table it indexes, which is what makes the plain tables'
    /// unchecked indexing sound (see [`Table`](super::table)). Panics on a
    /// model that breaks it.
    pub(super) fn check_indices(&self) {
        let deps = self.deps;
        let (components, clusters) = (self.components, self.clusters);
        let (groups, deployments) = (deps.groups(), self.deployments);
        let below = |what: &str, len: usize, values: &mut dyn Iterator<Item = u32>| {
            for v in values {
                assert!((v as usize) < len, "{what} {v} of {len}");
            }
        };
        // Every table has the length its indices assume (checked first:
        // the checks below index tables too).
        let layout = self.layout;
        assert_eq!(layout, Layout::new(deployments), "layout");
        let lengths = [
            (self.own_up.len(), components),
            (self.eff_up.len(), components),
            (self.kind.len(), components),
            (self.chain.len(), components),
            (self.parent.len(), components),
            (self.child_at.len(), components + 1),
            (self.cluster.len(), clusters),
            (self.slice_ca.len(), clusters),
            (self.live.len(), clusters),
            (self.stale.len(), clusters),
            (self.last_incident.len(), components),
            (self.group_pm.len(), Layout::new(groups).cells()),
            (self.now_blast.len(), layout.slots()),
            (self.blast_sum.len(), layout.cells()),
            (self.bad_pm.len(), layout.cells()),
        ];
        for (k, (length, expected)) in lengths.into_iter().enumerate() {
            assert_eq!(length, expected, "table {k}");
        }
        for x in 0..components {
            let parent = Some(self.parent[x]).filter(|&p| p != NONE);
            below(
                "component",
                components,
                &mut self.chain[x].into_iter().chain(parent),
            );
            below(
                "cluster",
                clusters,
                &mut deps.clusters_of(x).iter().copied(),
            );
        }
        assert!(self.child_at.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(self.child_at[components], self.children.len());
        below("child", components, &mut self.children.iter().copied());
        for l in deps.link_ids() {
            let reads = &self.reads[l];
            below("cluster", clusters, &mut [reads.link.slice].into_iter());
            let targets = self.targets(l).iter();
            let mut of_link = [reads.component, reads.api_server]
                .into_iter()
                .chain(targets.flat_map(|t| [t.instance, t.gateway, t.config_api]));
            below("component", components, &mut of_link);
            below(
                "deployment",
                deployments,
                &mut deps.members(&reads.link).iter().copied(),
            );
        }
        for c in self.cluster.iter() {
            below(
                "component",
                components,
                &mut [c.component, c.api_server].into_iter(),
            );
        }
        let cas = self.slice_ca.iter().copied().filter(|&ca| ca != NONE);
        below("component", components, &mut cas.into_iter());
        for g in deps.group_ids() {
            below(
                "deployment",
                deployments,
                &mut deps.group_members(g).iter().copied(),
            );
        }
        below(
            "cluster",
            clusters,
            &mut self.rollouts.all_served().iter().copied(),
        );
    }
}
