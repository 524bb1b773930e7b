//! Bad config changes rolling out through a deployment's control planes
//! (the `badConfig` measure; the seed's "configuration isolation" and
//! "controlled rollout" benefits).
//!
//! A bad change reaches the istiods of a deployment in placement order, one
//! per `interval` (or all at once for a parallel rollout), until it is
//! detected `detect` after it started; every istiod it reached is rolled
//! back `rollback` later. A live proxy is bad while its primary istiod (the
//! first of its attachment list, the one that pushes its config) carries a
//! bad change. Pending steps live in a small slab whose slots are reused,
//! so rollouts allocate nothing once warmed up.

use crate::model::{Model, MS_PER_HOUR};

/// One scheduled step of one deployment's rollout of one change.
#[derive(Clone, Copy, Debug)]
pub(super) struct Task {
    /// Deployment index.
    pub deployment: u32,
    /// Next rollout position to reach.
    pub position: u32,
    /// When the change started (ms).
    pub started: u64,
    /// Incident index, or `u32::MAX` before the measured window.
    pub incident: u32,
    /// A rollback rather than a step.
    pub rollback: bool,
}

/// Rollout schedules and the per-istiod count of bad changes carried.
pub(super) struct Rollouts {
    parallel: bool,
    interval_ms: u64,
    /// Per deployment: how many positions a change reaches before detection.
    reached: Vec<usize>,
    /// Per deployment: start of its instances in `carrying` and `served_at`.
    first: Vec<usize>,
    carrying: Vec<u32>,
    /// Clusters whose primary is the instance: `served[served_at[i]..served_at[i + 1]]`.
    served_at: Vec<usize>,
    served: Vec<u32>,
    /// Per (deployment, cluster): index of the primary in `carrying`.
    primary: Vec<usize>,
    clusters: usize,
    tasks: Vec<Task>,
    free: Vec<usize>,
}

impl Rollouts {
    pub fn new(model: &Model) -> Self {
        let clusters = model.clusters.len();
        let (parallel, interval_ms, detect_ms) = match &model.config_changes {
            Some(cc) => (
                cc.interval_hours == 0.0,
                (cc.interval_hours * MS_PER_HOUR).round() as u64,
                (cc.detect_hours * MS_PER_HOUR).round() as u64,
            ),
            None => (true, 0, 0),
        };
        let mut first = Vec::new();
        let mut reached = Vec::new();
        let mut served_lists: Vec<Vec<u32>> = Vec::new();
        let mut primary = Vec::with_capacity(model.deployments.len() * clusters);
        for dep in &model.deployments {
            let base = served_lists.len();
            first.push(base);
            served_lists.extend(std::iter::repeat_with(Vec::new).take(dep.instances.len()));
            for (c, list) in dep.attach.iter().enumerate() {
                served_lists[base + list[0]].push(c as u32);
                primary.push(base + list[0]);
            }
            let n = dep.instances.len();
            reached.push(if model.config_changes.is_none() {
                0
            } else if parallel {
                n
            } else {
                (0..n)
                    .take_while(|&p| p as u64 * interval_ms < detect_ms)
                    .count()
            });
        }
        let mut served_at = vec![0];
        let mut served = Vec::new();
        for list in served_lists {
            served.extend(list);
            served_at.push(served.len());
        }
        Rollouts {
            parallel,
            interval_ms,
            reached,
            carrying: vec![0; served_at.len() - 1],
            first,
            served_at,
            served,
            primary,
            clusters,
            tasks: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Forgets every change (a new replication).
    pub fn clear(&mut self) {
        self.carrying.iter_mut().for_each(|c| *c = 0);
        self.tasks.clear();
        self.free.clear();
    }

    /// Stores a pending task; returns its slot.
    pub fn add(&mut self, task: Task) -> usize {
        match self.free.pop() {
            Some(slot) => {
                self.tasks[slot] = task;
                slot
            }
            None => {
                self.tasks.push(task);
                self.tasks.len() - 1
            }
        }
    }

    /// Removes and returns the task in `slot`.
    pub fn take(&mut self, slot: usize) -> Task {
        self.free.push(slot);
        self.tasks[slot]
    }

    pub fn parallel(&self) -> bool {
        self.parallel
    }

    /// Positions of deployment `d` a change reaches before detection.
    pub fn reached(&self, d: usize) -> usize {
        self.reached[d]
    }

    /// Time from a change's start to the turn of `position` (ms).
    pub fn turn_ms(&self, position: usize) -> u64 {
        position as u64 * self.interval_ms
    }

    /// Adds `delta` to the bad changes carried by the istiod at `position`.
    pub fn carry(&mut self, d: usize, position: usize, delta: i32) {
        let i = self.first[d] + position;
        self.carrying[i] = self.carrying[i].wrapping_add_signed(delta);
    }

    /// Every cluster of every rollout position, for the simulator's index
    /// check.
    pub fn all_served(&self) -> &[u32] {
        &self.served
    }

    /// Clusters of deployment `d` whose primary is at `position`.
    pub fn served(&self, d: usize, position: usize) -> &[u32] {
        let i = self.first[d] + position;
        &self.served[self.served_at[i]..self.served_at[i + 1]]
    }

    /// Does the primary istiod of cluster `c` in deployment `d` carry a bad
    /// change?
    pub fn carries_primary(&self, d: usize, c: usize) -> bool {
        self.carrying[self.primary[d * self.clusters + c]] > 0
    }
}
