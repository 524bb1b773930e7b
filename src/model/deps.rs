//! The dependency index: for every component, what can change when that
//! component's effective state changes.
//!
//! This is what keeps the cost of an event independent of the mesh size:
//! the engine re-evaluates exactly what the index lists and nothing else.
//!
//! A (deployment, cluster) pair reads the effective state of a few
//! components: its cluster, its API server, and each attached instance with
//! its gateway and config source. Pairs of one cluster whose attachment
//! lists read the same components in the same order are always in the same
//! state, so they are grouped into one [`Link`], evaluated once for all its
//! member deployments (in the ranking study, five deployments share istiods
//! and 135 pairs make 66 links). An effective state depends on the
//! component and all its ancestors, so each read component's whole ancestor
//! chain lists the link.
//!
//! Links with the same member deployments form a *group*; the engine keeps
//! its per-deployment totals per group and spreads them over the members
//! only when they are read, so a link's transition costs the same however
//! many deployments share it. Groups depend on the placements, not on the
//! mesh size: in the ranking study 66 links make 14 groups, and at most
//! 2^deployments exist.
//!
//! Links and groups are named by [`LinkId`] and [`GroupId`], which only
//! the index makes, each below its count of links or groups (checked once
//! when it is built). That is what lets the engine keep its per-link and
//! per-group arrays without bounds checks: an array sized by the index and
//! indexed by its ids cannot be indexed out of range, and no other code can
//! make an id (see `src/engine/table.rs`).
//!
//! "Cluster" here means a zone slice ([`crate::model::Slice`]): a
//! regional cluster's proxies in each of its zones live and die apart, so
//! they are links of their own; a zonal cluster is one slice, so with
//! zonal clusters only the two are the same.
//!
//! The mesh-wide state of a cluster (live, stale endpoints) is listed
//! separately ([`DepIndex::clusters_of`]); the engine updates it before any
//! link reads it. Links are listed in cluster order, so a deployment's
//! pairs are visited in cluster order whatever the grouping, and every sum
//! the engine forms per deployment adds its terms in the same order.

use super::Model;

/// "No component".
pub const NONE: u32 = u32::MAX;

/// A link of a [`DepIndex`]: made only by the index, and below its number
/// of links ([`DepIndex::links`]). Plain `u32` underneath, so that lists of
/// them cost what lists of indices did.
///
/// No code outside the index can make one:
///
/// ```compile_fail
/// let forged = meshsim::model::deps::LinkId(3);
/// ```
///
/// ```
/// # let text = "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata:\n  name: t\nspec:\n  seed: 1\n  horizon: 1y\n  replications: 2\n  topology: { regions: 1, zonesPerRegion: 1, clustersPerZone: 2, proxiesPerCluster: 10 }\n  deployments:\n    - { name: zone, controlPlanes: { per: zone } }\n";
/// # let doc = meshsim::scenario::Document::parse(text, "t.yaml").unwrap();
/// # let model = meshsim::model::build(&doc.file).unwrap();
/// let deps = meshsim::model::deps::DepIndex::build(&model);
/// let link = deps.link_of(0, 1);
/// assert!(link.index() < deps.links().len());
/// ```
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(u32);

impl LinkId {
    /// Position in [`DepIndex::links`].
    #[inline(always)]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A group of links of a [`DepIndex`] (the links with the same member
/// deployments): made only by the index, and below its number of groups
/// ([`DepIndex::groups`]).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(u32);

impl GroupId {
    /// Position among the index's groups.
    #[inline(always)]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a proxy must reach for one attached instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    /// The istiod's component.
    pub instance: u32,
    /// The remote east-west gateway to cross; on the same network the
    /// instance itself, so that "reachable" is always two components up.
    pub gateway: u32,
    /// The API server the istiod reads its config from.
    pub config_api: u32,
}

/// The pairs of one cluster that read the same components in the same
/// order.
#[derive(Clone, Copy, Debug)]
pub struct Link {
    /// Slice index (into `Model::slices`: a cluster's proxies in one zone;
    /// the cluster's index when every cluster is zonal).
    pub slice: u32,
    /// Its group: the links with the same member deployments.
    pub group: GroupId,
    targets: (u32, u32),
}

/// Links, their targets and members, and per component the clusters and
/// links to re-evaluate, each in compressed form.
#[derive(Clone, Debug)]
pub struct DepIndex {
    links: Vec<Link>,
    targets: Vec<Target>,
    /// Members of group g: `members[group_at[g]..group_at[g + 1]]`.
    group_at: Vec<usize>,
    members: Vec<u32>,
    /// Per (deployment, cluster): its link.
    link_of: Vec<LinkId>,
    clusters: usize,
    cluster_at: Vec<usize>,
    cluster_entries: Vec<u32>,
    link_at: Vec<usize>,
    link_entries: Vec<LinkId>,
}

impl DepIndex {
    /// Builds the index for every component of `model`.
    pub fn build(model: &Model) -> Self {
        let n = model.components.len();
        // Links are per slice: a regional cluster's zones live and die
        // apart. With zonal clusters only, slices are the clusters.
        let clusters = model.slices.len();
        let mut links: Vec<Link> = Vec::new();
        let mut targets: Vec<Target> = Vec::new();
        let mut members_of: Vec<Vec<u32>> = Vec::new();
        let mut link_of = vec![LinkId(0); model.deployments.len() * clusters];
        for (s, slice) in model.slices.iter().enumerate() {
            let c = slice.cluster;
            let first_link = links.len();
            for (d, dep) in model.deployments.iter().enumerate() {
                let list: Vec<Target> = dep.attach[c]
                    .iter()
                    .map(|&i| {
                        let inst = &dep.instances[i];
                        let instance = inst.component as u32;
                        Target {
                            instance,
                            gateway: model
                                .gateway_between(c, inst)
                                .map_or(instance, |g| g as u32),
                            config_api: model.clusters[inst.config_cluster].api_server as u32,
                        }
                    })
                    .collect();
                let same = (first_link..links.len()).find(|&l| {
                    let (a, b) = links[l].targets;
                    targets[a as usize..b as usize] == list[..]
                });
                let l = same.unwrap_or_else(|| {
                    let start = targets.len() as u32;
                    targets.extend(&list);
                    links.push(Link {
                        slice: s as u32,
                        group: GroupId(0),
                        targets: (start, targets.len() as u32),
                    });
                    members_of.push(Vec::new());
                    links.len() - 1
                });
                members_of[l].push(d as u32);
                link_of[d * clusters + s] = LinkId(l as u32);
            }
        }
        // Groups in order of first appearance.
        let mut group_ids: std::collections::HashMap<Vec<u32>, GroupId> = Default::default();
        let mut group_at = vec![0];
        let mut members = Vec::new();
        for (link, list) in links.iter_mut().zip(members_of) {
            let next = GroupId(group_ids.len() as u32);
            link.group = *group_ids.entry(list).or_insert_with_key(|list| {
                members.extend(list);
                group_at.push(members.len());
                next
            });
        }

        // Every ancestor of every read component lists the reader once.
        let mut stamp = vec![usize::MAX; n];
        let mut listed = |reads: &[usize], owner: usize, out: &mut Vec<(usize, u32)>, id: u32| {
            for &r in reads {
                for x in model.chain(r) {
                    if stamp[x] != owner {
                        stamp[x] = owner;
                        out.push((x, id));
                    }
                }
            }
        };
        let mut cluster_pairs = Vec::new();
        for (s, slice) in model.slices.iter().enumerate() {
            let api_server = model.clusters[slice.cluster].api_server;
            listed(
                &[slice.component, api_server],
                s,
                &mut cluster_pairs,
                s as u32,
            );
        }
        let mut link_pairs = Vec::new();
        for (l, link) in links.iter().enumerate() {
            let slice = &model.slices[link.slice as usize];
            let api_server = model.clusters[slice.cluster].api_server;
            let mut reads = vec![slice.component, api_server];
            // The CA that signs its certificates, when istiod does not.
            reads.extend(model.issuer.ca_of(slice.cluster));
            for t in &targets[link.targets.0 as usize..link.targets.1 as usize] {
                reads.extend([t.instance as usize, t.config_api as usize]);
                if t.gateway != t.instance {
                    reads.push(t.gateway as usize);
                }
            }
            listed(&reads, clusters + l, &mut link_pairs, l as u32);
        }
        let (cluster_at, cluster_entries) = compress(n, cluster_pairs);
        let (link_at, link_entries) = compress(n, link_pairs);
        let link_entries = link_entries.into_iter().map(LinkId).collect();
        let index = DepIndex {
            links,
            targets,
            group_at,
            members,
            link_of,
            clusters,
            cluster_at,
            cluster_entries,
            link_at,
            link_entries,
        };
        index.check_ids();
        index
    }

    /// Checks once that every id the index hands out is below the count of
    /// what it names: the engine's unchecked per-link and per-group arrays
    /// rely on it (`src/engine/table.rs`). Panics otherwise, which would be
    /// a bug in [`DepIndex::build`].
    fn check_ids(&self) {
        let (links, groups) = (self.links.len(), self.groups());
        assert!(u32::try_from(links).is_ok() && u32::try_from(groups).is_ok());
        let link_ids = self.link_of.iter().chain(&self.link_entries);
        assert!(link_ids.into_iter().all(|l| l.index() < links), "a link id");
        assert!(
            self.links.iter().all(|link| link.group.index() < groups),
            "a group id"
        );
    }

    /// Every link, in cluster order (at [`LinkId::index`]).
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// The link `id`.
    pub fn link(&self, id: LinkId) -> &Link {
        &self.links[id.index()]
    }

    /// The ids of every link, in cluster order.
    pub fn link_ids(&self) -> impl ExactSizeIterator<Item = LinkId> + use<> {
        (0..self.links.len() as u32).map(LinkId)
    }

    /// The ids of every group, in index order.
    pub fn group_ids(&self) -> impl ExactSizeIterator<Item = GroupId> + use<> {
        (0..self.groups() as u32).map(GroupId)
    }

    /// The attached instances of `link`, in order of preference.
    pub fn targets(&self, link: &Link) -> &[Target] {
        &self.targets[link.targets.0 as usize..link.targets.1 as usize]
    }

    /// The deployments of `link`, ascending.
    pub fn members(&self, link: &Link) -> &[u32] {
        self.group_members(link.group)
    }

    /// Number of groups.
    pub fn groups(&self) -> usize {
        self.group_at.len() - 1
    }

    /// The deployments of group `g`, ascending.
    pub fn group_members(&self, g: GroupId) -> &[u32] {
        let g = g.index();
        &self.members[self.group_at[g]..self.group_at[g + 1]]
    }

    /// The link of deployment `d` in slice `c` (the cluster's index when
    /// every cluster is zonal).
    pub fn link_of(&self, d: usize, c: usize) -> LinkId {
        self.link_of[d * self.clusters + c]
    }

    /// The slices whose mesh-wide state can change with `component`.
    pub fn clusters_of(&self, component: usize) -> &[u32] {
        &self.cluster_entries[self.cluster_at[component]..self.cluster_at[component + 1]]
    }

    /// The links whose state can change with `component`, in cluster
    /// order.
    pub fn links_of(&self, component: usize) -> &[LinkId] {
        &self.link_entries[self.link_at[component]..self.link_at[component + 1]]
    }

    /// Components the index was built for.
    pub fn components(&self) -> usize {
        self.cluster_at.len() - 1
    }

    /// Total entries (for memory estimates and benchmarks).
    pub fn len(&self) -> usize {
        self.cluster_entries.len() + self.link_entries.len()
    }

    /// True when no component affects anything.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Groups (component, id) pairs by component, keeping each group in the
/// order the pairs were made (a counting sort).
fn compress(n: usize, pairs: Vec<(usize, u32)>) -> (Vec<usize>, Vec<u32>) {
    let mut at = vec![0usize; n + 1];
    for &(x, _) in &pairs {
        at[x + 1] += 1;
    }
    for i in 0..n {
        at[i + 1] += at[i];
    }
    let mut fill = at.clone();
    let mut entries = vec![0u32; pairs.len()];
    for (x, id) in pairs {
        entries[fill[x]] = id;
        fill[x] += 1;
    }
    (at, entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Document;

    fn model_of(spec: &str) -> Model {
        let text = format!(
            "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata:\n  name: t\nspec:\n{spec}"
        );
        let doc = Document::parse(&text, "t.yaml").expect("parses");
        crate::model::build(&doc.file).expect("builds")
    }

    #[test]
    fn pairs_that_attach_alike_share_a_link_and_links_are_listed_in_cluster_order() {
        let model = model_of(
            "  seed: 1\n  horizon: 1y\n  replications: 2\n  topology: { regions: 2, zonesPerRegion: 2, clustersPerZone: 2, proxiesPerCluster: 10 }\n  deployments:\n    - { name: region, controlPlanes: { per: region } }\n    - { name: zone, controlPlanes: { per: zone } }\n    - { name: cluster, controlPlanes: { per: cluster } }\n",
        );
        let deps = DepIndex::build(&model);
        // Every pair's link reads exactly the pair's attachment list.
        for (d, dep) in model.deployments.iter().enumerate() {
            for (c, list) in dep.attach.iter().enumerate() {
                let link = &deps.link(deps.link_of(d, c));
                assert_eq!(link.slice as usize, c);
                assert!(deps.members(link).contains(&(d as u32)));
                let instances: Vec<u32> = deps.targets(link).iter().map(|t| t.instance).collect();
                let expected: Vec<u32> = list
                    .iter()
                    .map(|&i| dep.instances[i].component as u32)
                    .collect();
                assert_eq!(instances, expected);
            }
        }
        // The first cluster of a region hosts all three deployments' istiod
        // (same host and ordinal): one link for three pairs.
        let first = deps.link(deps.link_of(0, 0));
        assert_eq!(deps.members(first), &[0, 1, 2]);
        assert!(deps.links().len() < model.deployments.len() * model.clusters.len());
        for x in 0..model.components.len() {
            let clusters: Vec<u32> = deps
                .links_of(x)
                .iter()
                .map(|&l| deps.link(l).slice)
                .collect();
            assert!(clusters.windows(2).all(|w| w[0] <= w[1]), "component {x}");
        }
    }

    #[test]
    fn the_ranking_study_groups_its_links() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/availability-ranking.yaml"
        );
        let doc = Document::read(std::path::Path::new(path)).expect("reads");
        let model = crate::model::build(&doc.file).expect("builds");
        let deps = DepIndex::build(&model);
        assert_eq!(model.deployments.len() * model.clusters.len(), 135);
        assert_eq!(deps.links().len(), 66);
        assert_eq!(deps.groups(), 14);
        // Each (deployment, cluster) pair is in exactly its own link, and
        // a link's members are its group's.
        for d in 0..model.deployments.len() {
            for c in 0..model.clusters.len() {
                let link = &deps.link(deps.link_of(d, c));
                assert_eq!(link.slice as usize, c);
                assert!(deps.members(link).contains(&(d as u32)));
            }
        }
        let mut seen: Vec<&[u32]> = deps.group_ids().map(|g| deps.group_members(g)).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), deps.groups(), "groups are distinct");
    }

    /// Two deployments on four clusters.
    fn small() -> Model {
        model_of(
            "  seed: 1\n  horizon: 1y\n  replications: 2\n  topology: { regions: 1, zonesPerRegion: 2, clustersPerZone: 2, proxiesPerCluster: 10 }\n  deployments:\n    - { name: zone, controlPlanes: { per: zone } }\n    - { name: cluster, controlPlanes: { per: cluster } }\n",
        )
    }

    #[test]
    #[should_panic(expected = "a link id")]
    fn an_index_that_names_a_link_it_does_not_have_is_refused() {
        let mut deps = DepIndex::build(&small());
        deps.link_entries[0] = LinkId(deps.links.len() as u32);
        deps.check_ids();
    }

    #[test]
    #[should_panic(expected = "a group id")]
    fn an_index_that_names_a_group_it_does_not_have_is_refused() {
        let mut deps = DepIndex::build(&small());
        deps.links[0].group = GroupId(deps.groups() as u32);
        deps.check_ids();
    }
}
