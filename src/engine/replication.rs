//! One replication: every component's up/down history over the horizon,
//! and every deployment evaluated on that same history.
//!
//! A [`Simulator`] is made once per worker thread and reused for many
//! replications; after its buffers have grown to size it allocates nothing
//! per event. Per event it does a fixed amount of work for the clock
//! (advance the accumulators of every deployment and measure) plus work for
//! exactly the (deployment, cluster) pairs the dependency index lists for
//! the component that changed — never a pass over the mesh.
//!
//! State kept per (deployment, cluster): live, connected (some attached
//! instance reachable), config source up, and for `traffic` the certificate
//! clock. Mesh-wide and per-deployment sums of proxies in each state turn
//! the measures into rates, so time advances in O(deployments).

use super::queue::EventQueue;
use super::rng::{stream, Stream};
use crate::model::deps::{DepIndex, GLOBAL};
use crate::model::{Kind, Measure, Model, MS_PER_HOUR};
use rand::RngExt;

/// Measures per deployment.
pub const MEASURES: usize = 4;
const NONE: u32 = u32::MAX;
const CONFIG: usize = Measure::Config as usize;
const POD: usize = Measure::PodStart as usize;
const ENDPOINTS: usize = Measure::Endpoints as usize;
const TRAFFIC: usize = Measure::Traffic as usize;
/// Longest single duration the clock accepts (~3 million years); longer
/// draws (heavy Weibull tails) are beyond any horizon anyway.
const MAX_STEP_MS: u64 = 100_000_000_000_000_000;
/// Salt for the certificate-phase stream of a cluster.
const CERT_SALT: u64 = 0xc3a7_5e1f_0000_0001;

/// Blast of one incident on one deployment and measure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Impact {
    /// `deployment * 4 + measure`.
    pub slot: u32,
    /// Kind of the component that failed.
    pub kind: Kind,
    /// Share of the mesh's proxies.
    pub blast: f64,
}

/// One row of `incidents.parquet`.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentRow {
    /// Hours since the end of the warm-up.
    pub time_hours: f64,
    /// Component index into [`Model::components`].
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
    /// Bad proxy-hours, `[deployment * 4 + measure]`.
    pub bad_proxy_hours: Vec<f64>,
    /// Every non-zero blast, for the blast-radius statistics.
    pub impacts: Vec<Impact>,
    /// Incident rows, only for the first `keep_incidents` replications.
    pub incidents: Vec<IncidentRow>,
    /// Component transitions processed.
    pub events: u64,
}

/// A (deployment, cluster) pair's state.
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
}

/// What a proxy must reach for one attached instance.
#[derive(Clone, Copy, Debug)]
struct Target {
    instance: u32,
    /// Remote east-west gateway, or NONE on the same network.
    gateway: u32,
    config_api: u32,
}

/// Reusable per-thread simulation state.
pub struct Simulator<'m> {
    model: &'m Model,
    deps: &'m DepIndex,
    deployments: usize,
    clusters: usize,
    total_proxies: f64,
    start_ms: u64,
    end_ms: u64,
    ttl_ms: u64,
    rotation_ms: u64,
    // Attachment lists flattened: targets of (d, c) are
    // targets[offsets[d * C + c]..offsets[d * C + c + 1]].
    offsets: Vec<usize>,
    targets: Vec<Target>,
    // Per replication.
    own_up: Vec<bool>,
    rngs: Vec<Stream>,
    queue: EventQueue,
    status: Vec<Status>,
    live_proxies: u64,
    live: Vec<bool>,
    stale: Vec<bool>,
    stale_proxies: u64,
    disconnected: Vec<u64>,
    config_bad: Vec<u64>,
    bad: Vec<f64>,
    live_hours: f64,
    clock_ms: u64,
    incidents: Vec<(u64, u32)>,
    blasts: Vec<f64>,
    conn_touched: Vec<u64>,
}

impl<'m> Simulator<'m> {
    /// Prepares a simulator for `model`.
    pub fn new(model: &'m Model, deps: &'m DepIndex) -> Self {
        let deployments = model.deployments.len();
        let clusters = model.clusters.len();
        let mut offsets = Vec::with_capacity(deployments * clusters + 1);
        let mut targets = Vec::new();
        offsets.push(0);
        for dep in &model.deployments {
            for (c, list) in dep.attach.iter().enumerate() {
                for &i in list {
                    let inst = &dep.instances[i];
                    targets.push(Target {
                        instance: inst.component as u32,
                        gateway: model.gateway_between(c, inst).map_or(NONE, |g| g as u32),
                        config_api: model.clusters[inst.config_cluster].api_server as u32,
                    });
                }
                offsets.push(targets.len());
            }
        }
        let ms = |h: f64| (h * MS_PER_HOUR).round() as u64;
        let ttl_ms = ms(model.cert.ttl_hours).max(1);
        let start_ms = ms(model.warmup_hours);
        Simulator {
            model,
            deps,
            deployments,
            clusters,
            total_proxies: model.total_proxies() as f64,
            start_ms,
            end_ms: start_ms + ms(model.horizon_hours),
            ttl_ms,
            rotation_ms: ((ttl_ms as f64 * model.cert.grace_ratio).round() as u64).max(1),
            offsets,
            targets,
            own_up: vec![true; model.components.len()],
            rngs: Vec::with_capacity(model.components.len()),
            queue: EventQueue::with_capacity(model.components.len()),
            status: vec![Status::default(); deployments * clusters],
            live_proxies: 0,
            live: vec![false; clusters],
            stale: vec![false; clusters],
            stale_proxies: 0,
            disconnected: vec![0; deployments],
            config_bad: vec![0; deployments],
            bad: vec![0.0; deployments * MEASURES],
            live_hours: 0.0,
            clock_ms: 0,
            incidents: Vec::new(),
            blasts: Vec::new(),
            conn_touched: vec![0; deployments],
        }
    }

    /// Runs replication `r`; keeps incident rows when `keep_rows`.
    pub fn run(&mut self, r: u64, keep_rows: bool) -> Outcome {
        self.reset(r);
        let mut events = 0u64;
        while let Some((t, x)) = self.queue.pop() {
            if t >= self.end_ms {
                break;
            }
            events += 1;
            self.step(t, x as usize);
        }
        self.advance(self.end_ms);
        for d in 0..self.deployments {
            for c in 0..self.clusters {
                let s = self.status[d * self.clusters + c];
                if s.live && !s.connected {
                    self.close_disconnection(d, c, s, self.end_ms);
                }
            }
        }
        self.outcome(r, keep_rows, events)
    }

    fn reset(&mut self, r: u64) {
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
        self.status.iter_mut().for_each(|s| *s = Status::default());
        self.live.iter_mut().for_each(|s| *s = false);
        self.stale.iter_mut().for_each(|s| *s = false);
        self.live_proxies = 0;
        self.stale_proxies = 0;
        self.disconnected.iter_mut().for_each(|v| *v = 0);
        self.config_bad.iter_mut().for_each(|v| *v = 0);
        self.bad.iter_mut().for_each(|v| *v = 0.0);
        self.live_hours = 0.0;
        self.clock_ms = 0;
        self.incidents.clear();
        self.blasts.clear();
        // Evaluate every pair from "dead" so the sums are built by the same
        // code that maintains them.
        for c in 0..self.clusters {
            self.eval_global(c);
        }
        for d in 0..self.deployments {
            for c in 0..self.clusters {
                self.eval_pair(d, c, 0, None, 0);
            }
        }
        // Certificates were issued at a random phase of their rotation
        // schedule before time 0 (per cluster, shared by every deployment).
        // A pair that starts disconnected is treated as if it had just lost
        // its control plane: its certificate has a remaining lifetime drawn
        // from the same phase.
        let rotation = self.rotation_ms;
        for c in 0..self.clusters {
            let id = model.components[model.clusters[c].component].stream ^ CERT_SALT;
            let phase = stream(seed, r, id).random_range(0..rotation);
            for d in 0..self.deployments {
                let s = &mut self.status[d * self.clusters + c];
                s.anchor = -(phase as i64);
                if s.live && !s.connected {
                    s.expiry = self.ttl_ms - phase;
                }
            }
        }
    }

    /// Processes the transition of component `x` at time `t`.
    fn step(&mut self, t: u64, x: usize) {
        self.advance(t);
        let was_up = self.own_up[x];
        self.own_up[x] = !was_up;
        let process = self.model.components[x]
            .process
            .as_ref()
            .expect("only failing components are queued");
        let hours = if was_up {
            process.repair.sample(&mut self.rngs[x])
        } else {
            process.failure.sample(&mut self.rngs[x])
        };
        self.queue.push(t + to_ms(hours), x as u32);
        let parent_up = self.model.components[x]
            .parent
            .is_none_or(|p| self.effectively_up(p));
        if !parent_up {
            // Masked by a failed ancestor: nothing anyone sees changes.
            return;
        }
        let incident = if was_up && t >= self.start_ms {
            self.incidents.push((t, x as u32));
            self.blasts
                .extend(std::iter::repeat_n(0.0, self.deployments * MEASURES));
            Some(self.incidents.len() - 1)
        } else {
            None
        };
        let stale_before = self.stale_proxies;
        self.conn_touched.iter_mut().for_each(|v| *v = 0);
        let deps = self.deps;
        for e in deps.of(x) {
            if e.deployment == GLOBAL {
                self.eval_global(e.cluster as usize);
            } else {
                self.eval_pair(
                    e.deployment as usize,
                    e.cluster as usize,
                    t,
                    incident,
                    stale_before,
                );
            }
        }
        // Connected proxies in pairs whose state did not change see only the
        // rise of the stale share.
        if let Some(i) = incident {
            if self.stale_proxies > stale_before {
                let rise = (self.stale_proxies - stale_before) as f64 / self.total_proxies;
                for d in 0..self.deployments {
                    let untouched = self.live_proxies - self.disconnected[d] - self.conn_touched[d];
                    self.blasts[(i * self.deployments + d) * MEASURES + ENDPOINTS] +=
                        rise * untouched as f64 / self.total_proxies;
                }
            }
        }
    }

    fn effectively_up(&self, mut x: usize) -> bool {
        loop {
            if !self.own_up[x] {
                return false;
            }
            match self.model.components[x].parent {
                Some(p) => x = p,
                None => return true,
            }
        }
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
        let dt = (to - from) as f64 / MS_PER_HOUR;
        let live = self.live_proxies as f64;
        let stale_share = self.stale_proxies as f64 / self.total_proxies;
        self.live_hours += live * dt;
        for d in 0..self.deployments {
            let disc = self.disconnected[d] as f64;
            let slot = &mut self.bad[d * MEASURES..d * MEASURES + MEASURES];
            slot[CONFIG] += self.config_bad[d] as f64 * dt;
            slot[POD] += disc * dt;
            slot[ENDPOINTS] += (disc + (live - disc) * stale_share) * dt;
        }
    }

    /// Mesh-wide state of cluster `c`: live, and stale (live with its API
    /// server down, so every control plane serves old endpoints of it).
    fn eval_global(&mut self, c: usize) {
        let cluster = &self.model.clusters[c];
        let p = cluster.proxies;
        let live = self.effectively_up(cluster.component);
        let stale = live && !self.effectively_up(cluster.api_server);
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
        }
    }

    /// Re-evaluates deployment `d` in cluster `c` at time `t`; `incident`
    /// is the failure being processed (for blast radii), `stale_before` the
    /// stale proxies before this event.
    fn eval_pair(
        &mut self,
        d: usize,
        c: usize,
        t: u64,
        incident: Option<usize>,
        stale_before: u64,
    ) {
        let cluster = &self.model.clusters[c];
        let p = cluster.proxies;
        let live = self.effectively_up(cluster.component);
        let (connected, config_ok) = if live && self.effectively_up(cluster.api_server) {
            self.serving(d, c)
        } else {
            (false, false)
        };
        let idx = d * self.clusters + c;
        let old = self.status[idx];
        if old.live == live && old.connected == connected && old.config_ok == config_ok {
            // Unchanged: like every pair not listed for this event, it sees
            // only the stale-share change, which `step` adds in bulk.
            return;
        }
        // Per-deployment sums of bad live proxies.
        if old.live {
            if !old.connected {
                self.disconnected[d] -= p;
            }
            if !old.config_ok {
                self.config_bad[d] -= p;
            }
        }
        if live {
            if !connected {
                self.disconnected[d] += p;
            }
            if !config_ok {
                self.config_bad[d] += p;
            }
            if connected {
                self.conn_touched[d] += p;
            }
        }
        // Blast radius: live and good before, live and bad after.
        if let (Some(i), true, true) = (incident, old.live, live) {
            let share = p as f64 / self.total_proxies;
            let base = (i * self.deployments + d) * MEASURES;
            if old.connected && !connected {
                self.blasts[base + POD] += share;
            }
            if old.config_ok && !config_ok {
                self.blasts[base + CONFIG] += share;
            }
            let weight = |conn: bool, stale: u64| {
                if conn {
                    stale as f64 / self.total_proxies
                } else {
                    1.0
                }
            };
            let rise = weight(connected, self.stale_proxies) - weight(old.connected, stale_before);
            if rise > 0.0 {
                self.blasts[base + ENDPOINTS] += rise * share;
            }
        }
        // The certificate clock.
        let mut new = Status {
            live,
            connected,
            config_ok,
            ..old
        };
        let was_disconnected = old.live && !old.connected;
        let is_disconnected = live && !connected;
        if was_disconnected && !is_disconnected {
            self.close_disconnection(d, c, old, t);
        }
        if is_disconnected && !was_disconnected {
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
        if connected && !(old.live && old.connected) {
            // A fresh certificate on (re)connection.
            new.anchor = t as i64;
        }
        self.status[idx] = new;
    }

    /// Is any attached instance reachable from cluster `c` in deployment
    /// `d`, and is the config source of the first reachable one up?
    fn serving(&self, d: usize, c: usize) -> (bool, bool) {
        let k = d * self.clusters + c;
        for target in &self.targets[self.offsets[k]..self.offsets[k + 1]] {
            let reachable = self.effectively_up(target.instance as usize)
                && (target.gateway == NONE || self.effectively_up(target.gateway as usize));
            if reachable {
                return (true, self.effectively_up(target.config_api as usize));
            }
        }
        (false, false)
    }

    /// Ends a disconnection of (d, c) at `t`: traffic was lost from the
    /// certificate expiry until now.
    fn close_disconnection(&mut self, d: usize, c: usize, s: Status, t: u64) {
        let from = s.expiry.max(self.start_ms);
        let to = t.min(self.end_ms);
        let p = self.model.clusters[c].proxies;
        if to > from {
            self.bad[d * MEASURES + TRAFFIC] += p as f64 * (to - from) as f64 / MS_PER_HOUR;
        }
        if s.cause != NONE && s.expiry < t {
            let slot = (s.cause as usize * self.deployments + d) * MEASURES + TRAFFIC;
            self.blasts[slot] += p as f64 / self.total_proxies;
        }
    }

    fn outcome(&self, r: u64, keep_rows: bool, events: u64) -> Outcome {
        let mut impacts = Vec::new();
        let mut rows = Vec::new();
        let per = self.deployments * MEASURES;
        for (i, &(t, x)) in self.incidents.iter().enumerate() {
            let kind = self.model.components[x as usize].kind;
            for (slot, &blast) in self.blasts[i * per..(i + 1) * per].iter().enumerate() {
                if blast <= 0.0 {
                    continue;
                }
                impacts.push(Impact {
                    slot: slot as u32,
                    kind,
                    blast,
                });
                if keep_rows {
                    rows.push(IncidentRow {
                        time_hours: (t - self.start_ms) as f64 / MS_PER_HOUR,
                        component: x,
                        deployment: (slot / MEASURES) as u32,
                        measure: Measure::ALL[slot % MEASURES],
                        blast,
                    });
                }
            }
        }
        Outcome {
            replication: r,
            live_proxy_hours: self.live_hours,
            bad_proxy_hours: self.bad.clone(),
            impacts,
            incidents: rows,
            events,
        }
    }
}

/// Hours to whole milliseconds, capped so the clock cannot overflow.
fn to_ms(hours: f64) -> u64 {
    let ms = (hours * MS_PER_HOUR).round();
    if ms >= MAX_STEP_MS as f64 {
        MAX_STEP_MS
    } else {
        ms as u64
    }
}
