//! Bad config changes and their rollouts.
//!
//! A bad change arrives as a Poisson process and every deployment starts
//! rolling it out through its istiods (all at once, or one per interval)
//! until it is detected and rolled back. Per (deployment, cluster) pair the
//! simulator keeps only whether its primary istiod carries the change, and
//! since when: the `badConfig` spell, charged as it closes. The schedule
//! itself is [`Rollouts`](crate::engine::rollout).

use super::{exact, to_ms, Simulator, BAD_CONFIG};
use crate::engine::rollout::Task;
use crate::model::deps::NONE;
use crate::model::Kind;
use crate::model::Layout;
use rand::RngExt;

impl<'m> Simulator<'m> {
    /// A bad config change arrives: every deployment starts rolling it out.
    pub(super) fn config_change(&mut self, t: u64) {
        self.advance(t);
        let cc = self
            .model
            .config_changes
            .expect("only scheduled with configChanges");
        let next = -self.changes_rng.random::<f64>().ln() / cc.bad_per_hour;
        self.queue
            .replace_top(t + to_ms(next), self.components as u32);
        let incident = if t >= self.start_ms {
            Some(self.new_incident(t, NONE) as u32)
        } else {
            None
        };
        let done = t + to_ms(cc.detect_hours + cc.rollback_hours);
        for d in 0..self.deployments {
            let task = Task {
                deployment: d as u32,
                position: 0,
                started: t,
                incident: incident.unwrap_or(NONE),
                rollback: false,
            };
            self.apply_rollout(task);
            let rollback = self.rollouts.add(Task {
                rollback: true,
                ..task
            });
            self.queue
                .push(done, (self.components + 1 + rollback) as u32);
        }
    }

    /// A scheduled rollout step or rollback.
    pub(super) fn rollout_step(&mut self, t: u64, slot: usize) {
        self.advance(t);
        let task = self.rollouts.take(slot);
        self.apply_rollout(task);
    }

    /// Applies one rollout task at `t` and schedules the next step.
    pub(super) fn apply_rollout(&mut self, task: Task) {
        let d = task.deployment as usize;
        let incident = (task.incident != NONE).then_some(task.incident as usize);
        if task.rollback {
            let reached = self.rollouts.reached(d);
            for position in 0..reached {
                self.rollouts.carry(d, position, -1);
                self.reevaluate_served(d, position, None);
            }
            return;
        }
        // Parallel rollouts reach every control plane now; sequential ones
        // one per interval until detection.
        let last = if self.rollouts.parallel() {
            self.rollouts.reached(d)
        } else {
            task.position as usize + 1
        };
        for position in task.position as usize..last {
            self.rollouts.carry(d, position, 1);
            self.reevaluate_served(d, position, incident);
        }
        if last < self.rollouts.reached(d) {
            let at = task.started + self.rollouts.turn_ms(last);
            let slot = self.rollouts.add(Task {
                position: last as u32,
                ..task
            });
            self.queue.push(at, (self.components + 1 + slot) as u32);
        }
    }

    /// Re-evaluates the pairs of deployment `d` whose primary istiod is the
    /// one at rollout `position`.
    pub(super) fn reevaluate_served(&mut self, d: usize, position: usize, incident: Option<usize>) {
        for k in 0..self.rollouts.served(d, position).len() {
            let c = self.rollouts.served(d, position)[k] as usize;
            self.eval_change_bad(d, c, incident);
        }
    }

    /// Re-evaluates whether the primary istiod of deployment `d` in cluster
    /// `c` carries a bad change (after a rollout step), in each of its
    /// slices.
    pub(super) fn eval_change_bad(&mut self, d: usize, c: usize, incident: Option<usize>) {
        let slices = self.model.clusters[c].slices.clone();
        for s in slices {
            self.eval_slice_change_bad(d, c, s, incident);
        }
    }

    /// [`Simulator::eval_change_bad`] in slice `s` of cluster `c`.
    fn eval_slice_change_bad(&mut self, d: usize, c: usize, s: usize, incident: Option<usize>) {
        let l = self.deps.link_of(d, s);
        let live = self.status[l].state.live();
        let bad = live && self.rollouts.carries_primary(d, c);
        let was_bad = self.set_change_bad(d, s, bad);
        if let (Some(i), true, false, true) = (incident, live, was_bad, bad) {
            let slot = Layout::slot(d, BAD_CONFIG) as u32;
            self.later.push((i as u32, slot, self.reads[l].share));
        }
    }

    /// Sets the bad-change state of pair (d, slice c) and its deployment's sum;
    /// returns the state before.
    pub(super) fn set_change_bad(&mut self, d: usize, c: usize, bad: bool) -> bool {
        let pair = d * self.clusters + c;
        let was_bad = self.change_bad_pair[pair];
        if was_bad != bad {
            self.change_bad_pair[pair] = bad;
            let p = self.cluster[c].proxies;
            if bad {
                self.change_bad[d] += p;
                self.change_since[pair] = self.clock_ms;
            } else {
                self.change_bad[d] -= p;
                self.close_change_spell(d, c, self.clock_ms);
            }
        }
        was_bad
    }

    /// Ends the bad-change spell of pair (d, c) at `t`.
    pub(super) fn close_change_spell(&mut self, d: usize, c: usize, t: u64) {
        let ms = self.window_ms(self.change_since[d * self.clusters + c], t);
        let at = Layout::cell(d, BAD_CONFIG, Kind::ConfigChange.index());
        self.bad_pm[at] += exact(self.cluster[c].proxies) * exact(ms);
    }
}
