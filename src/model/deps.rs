//! The dependency index: for every component, the (deployment, cluster)
//! pairs whose state can change when that component's effective state
//! changes.
//!
//! This is what keeps the cost of an event independent of the mesh size:
//! the engine re-evaluates exactly these pairs and nothing else. A pair
//! reads the effective state of a few components (its cluster, its API
//! server, each attached instance with its host, gateway and config
//! source), and an effective state depends on the component and all its
//! ancestors, so each read component's whole ancestor chain lists the pair.
//! The mesh-wide quantities (live proxies, the stale-endpoint share) are
//! the pseudo-deployment [`GLOBAL`], listed first so the engine updates them
//! before any deployment reads them.

use super::Model;

/// Pseudo-deployment index for mesh-wide state (liveness, stale share).
pub const GLOBAL: u32 = u32::MAX;

/// A (deployment, cluster) pair to re-evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Deployment index, or [`GLOBAL`].
    pub deployment: u32,
    /// Cluster index.
    pub cluster: u32,
}

/// Compressed lists of [`Entry`] per component.
#[derive(Clone, Debug)]
pub struct DepIndex {
    offsets: Vec<usize>,
    entries: Vec<Entry>,
}

impl DepIndex {
    /// Builds the index for every component of `model`.
    pub fn build(model: &Model) -> Self {
        let n = model.components.len();
        let mut pairs: Vec<(usize, Entry)> = Vec::new();
        let mut stamp = vec![usize::MAX; n];
        let mut owner = 0usize;
        let mut collect = |reads: &mut dyn Iterator<Item = usize>,
                           entry: Entry,
                           owner: usize,
                           pairs: &mut Vec<(usize, Entry)>| {
            for r in reads {
                for c in model.chain(r) {
                    if stamp[c] != owner {
                        stamp[c] = owner;
                        pairs.push((c, entry));
                    }
                }
            }
        };
        for (c, cluster) in model.clusters.iter().enumerate() {
            let entry = Entry {
                deployment: GLOBAL,
                cluster: c as u32,
            };
            collect(
                &mut [cluster.component, cluster.api_server].into_iter(),
                entry,
                owner,
                &mut pairs,
            );
            owner += 1;
        }
        for (d, dep) in model.deployments.iter().enumerate() {
            for (c, cluster) in model.clusters.iter().enumerate() {
                let entry = Entry {
                    deployment: d as u32,
                    cluster: c as u32,
                };
                let mut reads = [cluster.component, cluster.api_server].into_iter().chain(
                    dep.attach[c].iter().flat_map(|&i| {
                        let inst = &dep.instances[i];
                        [
                            Some(inst.component),
                            Some(model.clusters[inst.config_cluster].api_server),
                            model.gateway_between(c, inst),
                        ]
                        .into_iter()
                        .flatten()
                    }),
                );
                collect(&mut reads, entry, owner, &mut pairs);
                owner += 1;
            }
        }
        // Counting sort by component keeps each list in generation order:
        // GLOBAL first, then deployments in order.
        let mut offsets = vec![0usize; n + 1];
        for (c, _) in &pairs {
            offsets[c + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut entries = vec![
            Entry {
                deployment: 0,
                cluster: 0
            };
            pairs.len()
        ];
        for (c, e) in pairs {
            entries[fill[c]] = e;
            fill[c] += 1;
        }
        DepIndex { offsets, entries }
    }

    /// The pairs to re-evaluate when `component` changes.
    pub fn of(&self, component: usize) -> &[Entry] {
        &self.entries[self.offsets[component]..self.offsets[component + 1]]
    }

    /// Total entries (for memory estimates and benchmarks).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no component affects anything.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
