//! One replication: every component's up/down history over the horizon,
//! and every deployment evaluated on that same history.
//!
//! A [`Simulator`] is made once per worker thread and reused for many
//! replications; after its buffers have grown to size it allocates nothing
//! per event. Per event it does a fixed amount of work for the clock
//! (advance the accumulators of every deployment and measure) plus work for
//! exactly the clusters and links the dependency index lists for the
//! component that changed — never a pass over the mesh.
//!
//! State kept per link (the pairs of one cluster that attach alike, see
//! [`DepIndex`]): live, connected (some attached instance reachable),
//! config source up, the certificate clock for `traffic`, and when and why
//! its current bad spells began (for the cause breakdown). A link changes
//! state once for all its member deployments; each member then adds the
//! same terms to its own sums. Per (deployment, cluster) pair only "its
//! primary carries a bad config change" is kept, since rollouts are per
//! deployment. Mesh-wide and per-deployment sums of proxies in each state
//! turn the measures into rates, so time advances in O(deployments).
//!
//! Every floating-point sum is formed in a fixed order: events in time
//! order, and within an event a deployment's pairs in cluster order.

use super::queue::EventQueue;
use super::rng::{stream, Stream};
use super::rollout::{Rollouts, Task};
use super::trace::Trace;
use crate::model::deps::{DepIndex, Link, Target, NONE};
use crate::model::{Kind, Measure, Model, MS_PER_HOUR};
use rand::RngExt;

/// Measures per deployment.
pub const MEASURES: usize = Measure::COUNT;
/// Kinds a cause can have.
pub const KINDS: usize = Kind::ALL.len();
const CONFIG: usize = Measure::Config as usize;
const POD: usize = Measure::PodStart as usize;
const ENDPOINTS: usize = Measure::Endpoints as usize;
const TRAFFIC: usize = Measure::Traffic as usize;
const BAD_CONFIG: usize = Measure::BadConfig as usize;
/// Longest single duration the clock accepts (~3 million years); longer
/// draws (heavy Weibull tails) are beyond any horizon anyway.
const MAX_STEP_MS: u64 = 100_000_000_000_000_000;
/// Longest chain of a component and its ancestors.
const CHAIN: usize = 4;
/// Blasts settled after their incident's event, per deployment.
const LATER: usize = 2;
const LATER_TRAFFIC: usize = 0;
const LATER_BAD_CONFIG: usize = 1;
/// Salt for the certificate-phase stream of a cluster.
const CERT_SALT: u64 = 0xc3a7_5e1f_0000_0001;
/// Stream identity of the config-change arrivals.
const CHANGES_STREAM: u64 = 0x0c0f_1c00_c4a4_6e55;

/// Blast of one incident on one deployment and measure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Impact {
    /// `deployment * MEASURES + measure`.
    pub slot: u32,
    /// Kind of the incident (the component that failed, or a config change).
    pub kind: Kind,
    /// Share of the mesh's proxies.
    pub blast: f64,
}

/// One row of `incidents.parquet`.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentRow {
    /// Hours since the end of the warm-up.
    pub time_hours: f64,
    /// Component index into [`Model::components`], or `u32::MAX` for a
    /// config change.
    pub component: u32,
    /// Deployment index.
    pub deployment: u32,
    /// Measure.
    pub measure: Measure,
    /// Share of the mesh's proxies.
    pub blast: f64,
}

/// What one replication produced.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Replication index.
    pub replication: u64,
    /// Live proxy-hours in the measured window (same for every deployment).
    pub live_proxy_hours: f64,
    /// Bad proxy-hours, `[deployment * MEASURES + measure]`.
    pub bad_proxy_hours: Vec<f64>,
    /// Bad proxy-hours by cause, `[(deployment * MEASURES + measure) *
    /// KINDS + kind]`; sums to `bad_proxy_hours` over the kinds.
    pub cause_proxy_hours: Vec<f64>,
    /// Every non-zero blast, for the blast-radius statistics.
    pub impacts: Vec<Impact>,
    /// Incident rows, only for the first `keep_incidents` replications.
    pub incidents: Vec<IncidentRow>,
    /// Events processed (component transitions and rollout steps).
    pub events: u64,
    /// The recorded history, for the replication asked to trace.
    pub trace: Option<Trace>,
}

/// A link's state, which is the state of each of its member pairs.
#[derive(Clone, Copy, Debug, Default)]
struct Status {
    live: bool,
    connected: bool,
    config_ok: bool,
    /// When live and disconnected: when the certificate expires (ms).
    expiry: u64,
    /// When connected: start of the current certificate rotation schedule.
    anchor: i64,
    /// Incident that disconnected it, for the traffic blast radius.
    cause: u32,
    /// Start and cause kind of the current disconnection (podStart spell).
    pod_since: u64,
    pod_kind: u8,
    /// Start and cause kind of the current config spell.
    config_since: u64,
    config_kind: u8,
}

impl Status {
    fn disconnected(&self) -> bool {
        self.live && !self.connected
    }

    fn config_bad(&self) -> bool {
        self.live && !self.config_ok
    }
}

/// Per deployment: live proxies in each bad state.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    disconnected: u64,
    config_bad: u64,
    /// Whose primary istiod carries a bad config change.
    change_bad: u64,
    /// Live and connected in a link that changed state in this event.
    conn_touched: u64,
}

/// A cluster's components and size, copied out of the model so the hot
/// loop reads 16 bytes instead of a cluster record with its names.
#[derive(Clone, Copy, Debug)]
struct ClusterRef {
    component: u32,
    api_server: u32,
    proxies: u64,
}

/// Reusable per-thread simulation state.
pub struct Simulator<'m> {
    model: &'m Model,
    deps: &'m DepIndex,
    deployments: usize,
    clusters: usize,
    components: usize,
    /// Per component: its parent, or NONE.
    parent: Vec<u32>,
    /// Per component: its kind.
    kind: Vec<Kind>,
    /// Per component: it and its ancestors, nearest first, padded by
    /// repeating the root (chains are at most region → zone → cluster →
    /// API server), so a walk up the chain is four loads without a loop.
    chain: Vec<[u32; CHAIN]>,
    /// Children of component x: `children[child_at[x]..child_at[x + 1]]`.
    child_at: Vec<usize>,
    children: Vec<u32>,
    cluster: Vec<ClusterRef>,
    /// Per cluster: its share of the mesh's proxies.
    share: Vec<f64>,
    total_proxies: f64,
    start_ms: u64,
    end_ms: u64,
    ttl_ms: u64,
    rotation_ms: u64,
    rollouts: Rollouts,
    // Per replication.
    own_up: Vec<bool>,
    /// Per component: it and every ancestor up. Kept current on every
    /// event (only the changed component's subtree is touched), so a link
    /// reads a component's effective state in one load.
    eff_up: Vec<bool>,
    /// Scratch stack for walking a subtree.
    walk: Vec<u32>,
    rngs: Vec<Stream>,
    changes_rng: Stream,
    queue: EventQueue,
    /// Per link.
    status: Vec<Status>,
    /// Per (deployment, cluster): live, and its primary istiod carries a
    /// bad config change.
    change_bad_pair: Vec<bool>,
    live_proxies: u64,
    live: Vec<bool>,
    stale: Vec<bool>,
    stale_proxies: u64,
    /// `stale_proxies / total_proxies`, updated when it changes.
    stale_share: f64,
    /// Per deployment.
    sums: Vec<Sums>,
    /// Live proxies as a rate of proxy-hours per hour.
    live_rate: f64,
    /// A sum changed since the rates were last refreshed.
    rates_stale: bool,
    /// Bad proxy-hours per hour, `[deployment * MEASURES + measure]`
    /// (traffic: 0, it is counted when a disconnection ends), refreshed
    /// after every event so the clock only multiplies and adds.
    rate: Vec<f64>,
    bad: Vec<f64>,
    cause: Vec<f64>,
    live_hours: f64,
    clock_ms: u64,
    incidents: Vec<(u64, u32)>,
    /// Blasts of the incident being processed, `[deployment * MEASURES +
    /// measure]`, for the measures settled within its event (config,
    /// podStart, endpoints); zero between events.
    now_blast: Vec<f64>,
    /// Blasts settled after the incident's event, per `(incident *
    /// deployments + deployment) * 2`: traffic (when a disconnection it
    /// caused ends) and badConfig (as a rollout reaches later istiods).
    later_blast: Vec<f64>,
    /// Settled impacts, incident by incident.
    impacts: Vec<Impact>,
    /// Per incident: where its settled impacts start in `impacts`.
    impacts_of: Vec<usize>,
    /// Impacts of the last replication: the next one's starting capacity.
    impacts_hint: usize,
    trace: Option<Trace>,
}

impl<'m> Simulator<'m> {
    /// Prepares a simulator for `model`.
    pub fn new(model: &'m Model, deps: &'m DepIndex) -> Self {
        let deployments = model.deployments.len();
        let clusters = model.clusters.len();
        let n = model.components.len();
        let parent: Vec<u32> = model
            .components
            .iter()
            .map(|c| c.parent.map_or(NONE, |p| p as u32))
            .collect();
        let mut child_at = vec![0usize; n + 1];
        for &p in &parent {
            if p != NONE {
                child_at[p as usize + 1] += 1;
            }
        }
        for i in 0..n {
            child_at[i + 1] += child_at[i];
        }
        let mut fill = child_at.clone();
        let mut children = vec![0u32; child_at[n]];
        for (x, &p) in parent.iter().enumerate() {
            if p != NONE {
                children[fill[p as usize]] = x as u32;
                fill[p as usize] += 1;
            }
        }
        let total_proxies = model.total_proxies() as f64;
        let ms = |h: f64| (h * MS_PER_HOUR).round() as u64;
        let ttl_ms = ms(model.cert.ttl_hours).max(1);
        let start_ms = ms(model.warmup_hours);
        let slots = deployments * MEASURES;
        Simulator {
            model,
            deps,
            deployments,
            clusters,
            components: n,
            parent,
            kind: model.components.iter().map(|c| c.kind).collect(),
            chain: (0..n)
                .map(|x| {
                    let mut chain = [x as u32; CHAIN];
                    for (at, y) in model.chain(x).enumerate() {
                        assert!(at < CHAIN, "a chain deeper than {CHAIN}");
                        chain[at..].iter_mut().for_each(|c| *c = y as u32);
                    }
                    chain
                })
                .collect(),
            child_at,
            children,
            cluster: model
                .clusters
                .iter()
                .map(|c| ClusterRef {
                    component: c.component as u32,
                    api_server: c.api_server as u32,
                    proxies: c.proxies,
                })
                .collect(),
            share: model
                .clusters
                .iter()
                .map(|c| c.proxies as f64 / total_proxies)
                .collect(),
            total_proxies,
            start_ms,
            end_ms: start_ms + ms(model.horizon_hours),
            ttl_ms,
            rotation_ms: ((ttl_ms as f64 * model.cert.grace_ratio).round() as u64).max(1),
            rollouts: Rollouts::new(model),
            own_up: vec![true; n],
            eff_up: vec![true; n],
            walk: Vec::new(),
            rngs: Vec::with_capacity(n),
            changes_rng: stream(0, 0, 0),
            queue: EventQueue::with_capacity(n + 1),
            status: vec![Status::default(); deps.links().len()],
            change_bad_pair: vec![false; deployments * clusters],
            live_proxies: 0,
            live: vec![false; clusters],
            stale: vec![false; clusters],
            stale_proxies: 0,
            stale_share: 0.0,
            sums: vec![Sums::default(); deployments],
            live_rate: 0.0,
            rates_stale: true,
            rate: vec![0.0; slots],
            bad: vec![0.0; slots],
            cause: vec![0.0; slots * KINDS],
            live_hours: 0.0,
            clock_ms: 0,
            incidents: Vec::new(),
            now_blast: vec![0.0; slots],
            later_blast: Vec::new(),
            impacts: Vec::new(),
            impacts_of: Vec::new(),
            impacts_hint: 0,
            trace: None,
        }
    }

    /// Runs replication `r`; keeps incident rows when `keep_rows`, and
    /// records its history when `trace_hours` is given (that many hours
    /// from the start of the measured window).
    pub fn run(&mut self, r: u64, keep_rows: bool, trace_hours: Option<f64>) -> Outcome {
        self.impacts = Vec::with_capacity(self.impacts_hint);
        self.reset(r, trace_hours);
        let mut events = 0u64;
        // Each handler takes its own event off the queue: a component's
        // transition replaces itself by its next one.
        while let Some((t, key)) = self.queue.peek() {
            if t >= self.end_ms {
                break;
            }
            events += 1;
            let key = key as usize;
            if key < self.components {
                self.step(t, key);
            } else if key == self.components {
                self.config_change(t);
            } else {
                self.queue.pop();
                self.rollout_step(t, key - self.components - 1);
            }
            if self.rates_stale {
                self.refresh_rates();
            }
            self.sample(t);
        }
        self.advance(self.end_ms);
        // Spells still open at the horizon end there.
        let deps = self.deps;
        let end = self.end_ms;
        for (l, link) in deps.links().iter().enumerate() {
            let s = self.status[l];
            let members = deps.members(link);
            let c = link.cluster as usize;
            let p = self.cluster[c].proxies;
            if s.disconnected() {
                self.close_disconnection(members, c, s, end);
                self.close_spell(members, p, POD, s.pod_since, s.pod_kind, end);
            }
            if s.config_bad() {
                self.close_spell(members, p, CONFIG, s.config_since, s.config_kind, end);
            }
        }
        self.outcome(r, keep_rows, events)
    }

    fn reset(&mut self, r: u64, trace_hours: Option<f64>) {
        let model = self.model;
        let seed = model.seed;
        self.own_up.iter_mut().for_each(|u| *u = true);
        self.rngs.clear();
        self.queue.clear();
        // Stationary start: each component is up with its long-run
        // availability, and its first transition is a residual time.
        for (i, comp) in model.components.iter().enumerate() {
            let mut rng = stream(seed, r, comp.stream);
            if let Some(p) = &comp.process {
                let up = rng.random::<f64>() < p.availability();
                self.own_up[i] = up;
                let first = if up {
                    p.failure.sample_residual(&mut rng)
                } else {
                    p.repair.sample_residual(&mut rng)
                };
                self.queue.push(to_ms(first), i as u32);
            }
            self.rngs.push(rng);
        }
        // Bad config changes arrive as a Poisson process. Changes that were
        // rolling out before time 0 are not carried over: the first one
        // starts fresh (a rollout lasts hours, replications years).
        self.changes_rng = stream(seed, r, CHANGES_STREAM);
        self.rollouts.clear();
        if let Some(cc) = &model.config_changes {
            let first = -self.changes_rng.random::<f64>().ln() / cc.bad_per_hour;
            self.queue.push(to_ms(first), self.components as u32);
        }
        self.evaluate_all();
        // Certificates were issued at a random phase of their rotation
        // schedule before time 0 (per cluster, shared by every deployment).
        // A pair that starts disconnected is treated as if it had just lost
        // its control plane: its certificate has a remaining lifetime drawn
        // from the same phase. Links are in cluster order.
        let rotation = self.rotation_ms;
        let mut phase = (usize::MAX, 0);
        for (l, link) in self.deps.links().iter().enumerate() {
            let c = link.cluster as usize;
            if phase.0 != c {
                let id = model.components[model.clusters[c].component].stream ^ CERT_SALT;
                phase = (c, stream(seed, r, id).random_range(0..rotation));
            }
            let s = &mut self.status[l];
            s.anchor = -(phase.1 as i64);
            if s.disconnected() {
                s.expiry = self.ttl_ms - phase.1;
            }
        }
        self.trace = trace_hours.map(|hours| {
            let until = self.start_ms + (hours * MS_PER_HOUR).round() as u64;
            Trace::new(r, self.start_ms, until.min(self.end_ms), &self.own_up)
        });
        self.sample(0);
    }

    /// Clears every sum and evaluates every link from "dead" at time 0 for
    /// the current component states, so the sums are built by the same
    /// code that maintains them.
    fn evaluate_all(&mut self) {
        for x in 0..self.components {
            self.eff_up[x] = self.model.chain(x).all(|y| self.own_up[y]);
        }
        self.status.iter_mut().for_each(|s| *s = Status::default());
        self.change_bad_pair.iter_mut().for_each(|b| *b = false);
        self.live.iter_mut().for_each(|s| *s = false);
        self.stale.iter_mut().for_each(|s| *s = false);
        self.live_proxies = 0;
        self.stale_proxies = 0;
        self.stale_share = 0.0;
        self.sums.iter_mut().for_each(|v| *v = Sums::default());
        self.bad.iter_mut().for_each(|v| *v = 0.0);
        self.cause.iter_mut().for_each(|v| *v = 0.0);
        self.live_hours = 0.0;
        self.clock_ms = 0;
        self.incidents.clear();
        self.now_blast.iter_mut().for_each(|b| *b = 0.0);
        self.later_blast.clear();
        self.impacts.clear();
        self.impacts_of.clear();
        for c in 0..self.clusters {
            self.eval_global(c);
        }
        for l in 0..self.status.len() {
            self.eval_link(l, 0, None, 0.0);
        }
        self.refresh_rates();
    }

    /// The mesh with exactly the components in `down` failed and everything
    /// else up, without simulation (`meshsim blast`): the share of the
    /// mesh's proxies that are dead, and per `[deployment * MEASURES +
    /// measure]` the share that is live but bad (`config`, `podStart`,
    /// `endpoints`; the duration-dependent measures stay 0).
    pub fn static_state(&mut self, down: &[usize]) -> (f64, Vec<f64>) {
        self.own_up.iter_mut().for_each(|u| *u = true);
        for &x in down {
            self.own_up[x] = false;
        }
        self.rollouts.clear();
        self.evaluate_all();
        let total = self.total_proxies;
        let live = self.live_proxies as f64;
        let stale_share = self.stale_proxies as f64 / total;
        let mut bad = vec![0.0; self.deployments * MEASURES];
        for d in 0..self.deployments {
            let disc = self.sums[d].disconnected as f64;
            bad[d * MEASURES + CONFIG] = self.sums[d].config_bad as f64 / total;
            bad[d * MEASURES + POD] = disc / total;
            bad[d * MEASURES + ENDPOINTS] = (disc + (live - disc) * stale_share) / total;
        }
        ((total - live) / total, bad)
    }

    /// Processes the transition of component `x` at time `t`.
    fn step(&mut self, t: u64, x: usize) {
        self.advance(t);
        let was_up = self.own_up[x];
        self.own_up[x] = !was_up;
        if let Some(trace) = &mut self.trace {
            trace.transition(t, x as u32);
        }
        let process = self.model.components[x]
            .process
            .as_ref()
            .expect("only failing components are queued");
        let hours = if was_up {
            process.repair.sample(&mut self.rngs[x])
        } else {
            process.failure.sample(&mut self.rngs[x])
        };
        self.queue.replace_top(t + to_ms(hours), x as u32);
        let parent = self.parent[x];
        if parent != NONE && !self.eff_up[parent as usize] {
            // Masked by a failed ancestor: nothing anyone sees changes.
            return;
        }
        self.propagate(x);
        let incident = if was_up && t >= self.start_ms {
            Some(self.new_incident(t, x as u32))
        } else {
            None
        };
        let stale_before = self.stale_proxies;
        let stale_share_before = self.stale_share;
        self.sums.iter_mut().for_each(|v| v.conn_touched = 0);
        let deps = self.deps;
        for &c in deps.clusters_of(x) {
            self.eval_global(c as usize);
        }
        for &l in deps.links_of(x) {
            self.eval_link(l as usize, t, incident, stale_share_before);
        }
        // Connected proxies in pairs whose state did not change see only the
        // rise of the stale share.
        if let Some(i) = incident {
            if self.stale_proxies > stale_before {
                let rise = exact(self.stale_proxies - stale_before) / self.total_proxies;
                for d in 0..self.deployments {
                    let sums = self.sums[d];
                    let untouched = self.live_proxies - sums.disconnected - sums.conn_touched;
                    self.now_blast[d * MEASURES + ENDPOINTS] +=
                        rise * exact(untouched) / self.total_proxies;
                }
            }
            self.settle(i);
        }
    }

    fn new_incident(&mut self, t: u64, component: u32) -> usize {
        self.incidents.push((t, component));
        self.impacts_of.push(self.impacts.len());
        self.later_blast
            .extend(std::iter::repeat_n(0.0, self.deployments * LATER));
        self.incidents.len() - 1
    }

    /// Ends the event of incident `i`: its config, podStart and endpoints
    /// blasts are final, and become impacts.
    fn settle(&mut self, i: usize) {
        let kind = self.incident_kind(i);
        for (slot, blast) in self.now_blast.iter_mut().enumerate() {
            if *blast > 0.0 {
                self.impacts.push(Impact {
                    slot: slot as u32,
                    kind,
                    blast: *blast,
                });
            }
            *blast = 0.0;
        }
    }

    /// The kind of incident `i`: its component's, or a config change.
    fn incident_kind(&self, i: usize) -> Kind {
        match self.incidents[i].1 {
            NONE => Kind::ConfigChange,
            x => self.kind[x as usize],
        }
    }

    /// A bad config change arrives: every deployment starts rolling it out.
    fn config_change(&mut self, t: u64) {
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
    fn rollout_step(&mut self, t: u64, slot: usize) {
        self.advance(t);
        let task = self.rollouts.take(slot);
        self.apply_rollout(task);
    }

    /// Applies one rollout task at `t` and schedules the next step.
    fn apply_rollout(&mut self, task: Task) {
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
    fn reevaluate_served(&mut self, d: usize, position: usize, incident: Option<usize>) {
        for k in 0..self.rollouts.served(d, position).len() {
            let c = self.rollouts.served(d, position)[k] as usize;
            self.eval_change_bad(d, c, incident);
        }
    }

    /// Sets the effective state of `x`, whose own state just changed while
    /// its parent is up, and of its subtree. Descendants that are down
    /// themselves stay down with all below them, so the walk stops there.
    fn propagate(&mut self, x: usize) {
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

    fn effectively_up(&self, x: usize) -> bool {
        self.eff_up[x]
    }

    /// The kind of the highest failed component on `x`'s chain (itself or
    /// an ancestor), if any.
    fn highest_down(&self, x: usize) -> Option<Kind> {
        let mut highest = None;
        for y in self.chain[x] {
            if !self.own_up[y as usize] {
                highest = Some(self.kind[y as usize]);
            }
        }
        highest
    }

    /// Why a live link cannot reach its control plane: its own API server,
    /// else the highest failure on the way to its primary istiod.
    fn disconnection_kind(&self, link: &Link) -> Kind {
        let api_server = self.cluster[link.cluster as usize].api_server;
        if let Some(kind) = self.highest_down(api_server as usize) {
            return kind;
        }
        let Some(target) = self.deps.targets(link).first() else {
            return Kind::ControlPlane;
        };
        self.highest_down(target.instance as usize)
            .or_else(|| {
                (target.gateway != NONE)
                    .then(|| self.highest_down(target.gateway as usize))
                    .flatten()
            })
            .unwrap_or(Kind::ControlPlane)
    }

    /// Why a connected link's config source is down.
    fn config_source_kind(&self, link: &Link) -> Kind {
        for target in self.deps.targets(link) {
            if self.reachable(target) {
                return self
                    .highest_down(target.config_api as usize)
                    .unwrap_or(Kind::ApiServer);
            }
        }
        Kind::ApiServer
    }

    /// Adds the bad and live proxy-time since the last event, clipped to
    /// the measured window.
    fn advance(&mut self, t: u64) {
        let from = self.clock_ms.max(self.start_ms);
        let to = t.min(self.end_ms);
        self.clock_ms = t;
        if to <= from {
            return;
        }
        let dt = exact(to - from) / MS_PER_HOUR;
        self.live_hours += self.live_rate * dt;
        // Traffic's rate is 0, and adding 0 leaves a non-negative sum as it
        // was, bit for bit.
        for (bad, rate) in self.bad.iter_mut().zip(&self.rate) {
            *bad += rate * dt;
        }
    }

    /// Recomputes the rates [`advance`](Self::advance) uses from the
    /// per-deployment sums.
    fn refresh_rates(&mut self) {
        self.rates_stale = false;
        let live = exact(self.live_proxies);
        self.live_rate = live;
        let stale_share = self.stale_share;
        for (sums, rate) in self.sums.iter().zip(self.rate.chunks_exact_mut(MEASURES)) {
            let disc = exact(sums.disconnected);
            rate[CONFIG] = exact(sums.config_bad);
            rate[POD] = disc;
            rate[ENDPOINTS] = disc + (live - disc) * stale_share;
            rate[BAD_CONFIG] = exact(sums.change_bad);
        }
    }

    /// Mesh-wide state of cluster `c`: live, and stale (live with its API
    /// server down, so every control plane serves old endpoints of it).
    fn eval_global(&mut self, c: usize) {
        let cluster = self.cluster[c];
        let p = cluster.proxies;
        let live = self.effectively_up(cluster.component as usize);
        let stale = live && !self.effectively_up(cluster.api_server as usize);
        if self.live[c] != live {
            self.rates_stale = true;
            self.live[c] = live;
            if live {
                self.live_proxies += p;
            } else {
                self.live_proxies -= p;
            }
        }
        if self.stale[c] != stale {
            self.rates_stale = true;
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
    /// before this event. The link's transition is worked out once; each
    /// member deployment then adds the same terms to its own sums.
    fn eval_link(&mut self, l: usize, t: u64, incident: Option<usize>, stale_share_before: f64) {
        let deps = self.deps;
        let link = &deps.links()[l];
        let c = link.cluster as usize;
        let cluster = self.cluster[c];
        let live = self.eff_up[cluster.component as usize];
        let (connected, config_ok) = if live && self.eff_up[cluster.api_server as usize] {
            self.serving(link)
        } else {
            (false, false)
        };
        let old = self.status[l];
        if old.live == live && old.connected == connected && old.config_ok == config_ok {
            // Unchanged: like every link not listed for this event, it sees
            // only the stale-share change, which `step` adds in bulk. (A
            // member's bad config change can only change with liveness or
            // with a rollout step, which evaluates it on its own.)
            return;
        }
        let was_disconnected = old.disconnected();
        let disconnected = live && !connected;
        let was_config_bad = old.config_bad();
        let config_bad = live && !config_ok;
        let p = cluster.proxies;
        let members = deps.members(link);

        // Per-deployment sums of bad live proxies: the same change for
        // every member.
        let disconnected_change = change(was_disconnected, disconnected, p);
        let config_bad_change = change(was_config_bad, config_bad, p);
        let touched = if live && connected { p } else { 0 };
        for &d in members {
            let sums = &mut self.sums[d as usize];
            sums.disconnected = sums.disconnected.wrapping_add_signed(disconnected_change);
            sums.config_bad = sums.config_bad.wrapping_add_signed(config_bad_change);
            sums.conn_touched += touched;
        }
        if disconnected_change != 0 || config_bad_change != 0 {
            self.rates_stale = true;
        }
        if old.live != live {
            for &d in members {
                let d = d as usize;
                self.set_change_bad(d, c, live && self.rollouts.carries_primary(d, c));
            }
        }

        // Blast radius: live and good before, live and bad after. (A bad
        // config change cannot start while live throughout.)
        if incident.is_some() && old.live && live {
            let share = self.share[c];
            let weight = |conn: bool, stale_share: f64| if conn { stale_share } else { 1.0 };
            let rise =
                weight(connected, self.stale_share) - weight(old.connected, stale_share_before);
            let lost_connection = old.connected && !connected;
            let lost_config = old.config_ok && !config_ok;
            for &d in members {
                let base = d as usize * MEASURES;
                if lost_connection {
                    self.now_blast[base + POD] += share;
                }
                if lost_config {
                    self.now_blast[base + CONFIG] += share;
                }
                if rise > 0.0 {
                    self.now_blast[base + ENDPOINTS] += rise * share;
                }
            }
        }

        // Bad spells and their causes, and the certificate clock.
        let mut new = Status {
            live,
            connected,
            config_ok,
            ..old
        };
        if was_disconnected && !disconnected {
            self.close_spell(members, p, POD, old.pod_since, old.pod_kind, t);
            self.close_disconnection(members, c, old, t);
        }
        if !was_disconnected && disconnected {
            new.pod_since = t;
            new.pod_kind = self.disconnection_kind(link) as u8;
            if old.live {
                // Lost its control plane: the current certificate runs out
                // at the end of its lifetime, counted from the last rotation.
                let age = (t as i64 - old.anchor).rem_euclid(self.rotation_ms as i64) as u64;
                new.expiry = t + (self.ttl_ms - age);
                new.cause = incident.map_or(NONE, |i| i as u32);
            } else {
                // Came back without a control plane: no certificate at all.
                new.expiry = t;
                new.cause = NONE;
            }
        }
        if was_config_bad && !config_bad {
            self.close_spell(members, p, CONFIG, old.config_since, old.config_kind, t);
        }
        if !was_config_bad && config_bad {
            new.config_since = t;
            new.config_kind = if disconnected {
                new.pod_kind
            } else {
                self.config_source_kind(link) as u8
            };
        }
        if connected && !(old.live && old.connected) {
            // A fresh certificate on (re)connection.
            new.anchor = t as i64;
        }
        self.status[l] = new;
    }

    /// Ends a bad spell of measure `m` of a link of `p` proxies, begun at
    /// `since` for a cause of kind `kind`: every member deployment adds the
    /// same proxy-hours.
    fn close_spell(&mut self, members: &[u32], p: u64, m: usize, since: u64, kind: u8, t: u64) {
        let hours = self.window_hours(since, t);
        if hours > 0.0 {
            let proxy_hours = exact(p) * hours;
            for &d in members {
                self.cause[(d as usize * MEASURES + m) * KINDS + kind as usize] += proxy_hours;
            }
        }
    }

    /// Ends a disconnection of a link in cluster `c` with status `s` at
    /// `t`: traffic was lost from the certificate expiry until now.
    fn close_disconnection(&mut self, members: &[u32], c: usize, s: Status, t: u64) {
        let p = self.cluster[c].proxies;
        let hours = self.window_hours(s.expiry, t);
        let proxy_hours = exact(p) * hours;
        let attributed = s.cause != NONE && s.expiry < t;
        for &d in members {
            let d = d as usize;
            if hours > 0.0 {
                self.bad[d * MEASURES + TRAFFIC] += proxy_hours;
                self.cause[(d * MEASURES + TRAFFIC) * KINDS + s.pod_kind as usize] += proxy_hours;
            }
            if let Some(trace) = &mut self.trace {
                trace.traffic(d as u32, s.expiry, t, p);
            }
            if attributed {
                let at = (s.cause as usize * self.deployments + d) * LATER + LATER_TRAFFIC;
                self.later_blast[at] += self.share[c];
            }
        }
    }

    /// Re-evaluates whether the primary istiod of deployment `d` in cluster
    /// `c` carries a bad change (after a rollout step).
    fn eval_change_bad(&mut self, d: usize, c: usize, incident: Option<usize>) {
        let live = self.status[self.deps.link_of(d, c)].live;
        let bad = live && self.rollouts.carries_primary(d, c);
        let was_bad = self.set_change_bad(d, c, bad);
        if let (Some(i), true, false, true) = (incident, live, was_bad, bad) {
            self.later_blast[(i * self.deployments + d) * LATER + LATER_BAD_CONFIG] +=
                self.share[c];
        }
    }

    /// Sets the bad-change state of pair (d, c) and its deployment's sum;
    /// returns the state before.
    fn set_change_bad(&mut self, d: usize, c: usize, bad: bool) -> bool {
        let pair = &mut self.change_bad_pair[d * self.clusters + c];
        let was_bad = *pair;
        if was_bad != bad {
            *pair = bad;
            let p = self.cluster[c].proxies;
            if bad {
                self.sums[d].change_bad += p;
            } else {
                self.sums[d].change_bad -= p;
            }
            self.rates_stale = true;
        }
        was_bad
    }

    fn reachable(&self, target: &Target) -> bool {
        self.eff_up[target.instance as usize]
            && (target.gateway == NONE || self.eff_up[target.gateway as usize])
    }

    /// Is any attached instance of `link` reachable, and is the config
    /// source of the first reachable one up?
    fn serving(&self, link: &Link) -> (bool, bool) {
        for target in self.deps.targets(link) {
            if self.reachable(target) {
                return (true, self.eff_up[target.config_api as usize]);
            }
        }
        (false, false)
    }

    /// Hours of [from, to) inside the measured window.
    fn window_hours(&self, from: u64, to: u64) -> f64 {
        let from = from.max(self.start_ms);
        let to = to.min(self.end_ms);
        if to > from {
            exact(to - from) / MS_PER_HOUR
        } else {
            0.0
        }
    }

    /// Records the bad share of every deployment and measure after an
    /// event, when this replication is traced.
    fn sample(&mut self, t: u64) {
        let Some(trace) = &mut self.trace else { return };
        if !trace.wants(t) {
            return;
        }
        let total = self.total_proxies;
        let live = self.live_proxies as f64;
        let stale_share = self.stale_proxies as f64 / total;
        trace.sample(
            t,
            (0..self.deployments).flat_map(|d| {
                let disc = self.sums[d].disconnected as f64;
                let mut row = [0.0; MEASURES];
                row[CONFIG] = self.sums[d].config_bad as f64 / total;
                row[POD] = disc / total;
                row[ENDPOINTS] = (disc + (live - disc) * stale_share) / total;
                row[BAD_CONFIG] = self.sums[d].change_bad as f64 / total;
                row
            }),
        );
    }

    fn outcome(&mut self, r: u64, keep_rows: bool, events: u64) -> Outcome {
        // The traffic and badConfig impacts, incident by incident, after
        // the others: each measure's impacts stay in incident order.
        let settled = self.impacts.len();
        let d_count = self.deployments;
        for (i, row) in self.later_blast.chunks_exact(d_count * LATER).enumerate() {
            let kind = self.incident_kind(i);
            for (at, &blast) in row.iter().enumerate() {
                if blast > 0.0 {
                    let measure = if at % LATER == LATER_TRAFFIC {
                        TRAFFIC
                    } else {
                        BAD_CONFIG
                    };
                    self.impacts.push(Impact {
                        slot: ((at / LATER) * MEASURES + measure) as u32,
                        kind,
                        blast,
                    });
                }
            }
        }
        let mut incidents = Vec::new();
        if keep_rows {
            self.incident_rows(settled, &mut incidents);
        }
        // Endpoints: the disconnected part has podStart's causes; the stale
        // part is API servers down. badConfig is all config changes.
        for d in 0..self.deployments {
            let at = |m: usize, k: usize| (d * MEASURES + m) * KINDS + k;
            for k in 0..KINDS {
                self.cause[at(ENDPOINTS, k)] = self.cause[at(POD, k)];
            }
            let stale = self.bad[d * MEASURES + ENDPOINTS] - self.bad[d * MEASURES + POD];
            self.cause[at(ENDPOINTS, Kind::ApiServer.index())] += stale.max(0.0);
            self.cause[at(BAD_CONFIG, Kind::ConfigChange.index())] =
                self.bad[d * MEASURES + BAD_CONFIG];
        }
        self.impacts_hint = self.impacts.len();
        Outcome {
            replication: r,
            live_proxy_hours: self.live_hours,
            bad_proxy_hours: self.bad.clone(),
            cause_proxy_hours: self.cause.clone(),
            impacts: std::mem::take(&mut self.impacts),
            incidents,
            events,
            trace: self.trace.take(),
        }
    }

    /// The rows of `incidents.parquet`: incident by incident, each in slot
    /// order. `settled` ends the impacts settled within their events.
    fn incident_rows(&self, settled: usize, rows: &mut Vec<IncidentRow>) {
        let per = self.deployments * MEASURES;
        let mut blast = vec![0.0; per];
        for (i, &(t, x)) in self.incidents.iter().enumerate() {
            blast.iter_mut().for_each(|b| *b = 0.0);
            let end = self.impacts_of.get(i + 1).copied().unwrap_or(settled);
            for imp in &self.impacts[self.impacts_of[i]..end] {
                blast[imp.slot as usize] = imp.blast;
            }
            for d in 0..self.deployments {
                let later = &self.later_blast[(i * self.deployments + d) * LATER..][..LATER];
                blast[d * MEASURES + TRAFFIC] = later[LATER_TRAFFIC];
                blast[d * MEASURES + BAD_CONFIG] = later[LATER_BAD_CONFIG];
            }
            for (slot, &b) in blast.iter().enumerate() {
                if b <= 0.0 {
                    continue;
                }
                rows.push(IncidentRow {
                    time_hours: (t - self.start_ms) as f64 / MS_PER_HOUR,
                    component: x,
                    deployment: (slot / MEASURES) as u32,
                    measure: Measure::ALL[slot % MEASURES],
                    blast: b,
                });
            }
        }
    }
}

/// The signed change of a sum of proxies when a state goes from `was` to
/// `is`.
fn change(was: bool, is: bool, p: u64) -> i64 {
    (i64::from(is) - i64::from(was)) * p as i64
}

/// A count or duration as `f64`, the same value `n as f64` gives: the
/// engine's counts (proxies) and times (< 2^58 ms) are far below 2^63, where
/// the signed conversion is one instruction and the unsigned one a dozen.
#[inline]
fn exact(n: u64) -> f64 {
    n as i64 as f64
}

/// Hours to whole milliseconds, capped so the clock cannot overflow.
pub(super) fn to_ms(hours: f64) -> u64 {
    let ms = (hours * MS_PER_HOUR).round();
    if ms >= MAX_STEP_MS as f64 {
        MAX_STEP_MS
    } else {
        ms as u64
    }
}
