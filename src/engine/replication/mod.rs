//! One replication: every component's up/down history over the horizon,
//! and every deployment evaluated on that same history.
//!
//! A [`Simulator`] is made once per worker thread and reused for many
//! replications; after its buffers have grown to size it allocates nothing
//! per event. Per event it does a fixed amount of work (the clock's two
//! integrals, the incident's blast radii) plus work for exactly the
//! clusters and links the dependency index lists for the component that
//! changed — never a pass over the mesh.
//!
//! State kept per link (the pairs of one cluster that attach alike, see
//! [`DepIndex`]): live, connected (some attached instance reachable),
//! config source up, certificate source up (the connection itself, or the
//! cluster's CA when one issues the certificates), the certificate clock
//! for `traffic`, and when and why its current bad spells began. Certificates start in their long-run
//! state: the last certificate lifetime before time 0 is replayed
//! (`start_certificates`), since a disconnected pair's certificate depends
//! on how long it has been disconnected, which the starting component
//! states alone do not say. A link changes state once for all its
//! member deployments. Per (deployment, cluster) pair only "its primary
//! carries a bad config change" is kept, since rollouts are per deployment.
//!
//! Time is accounted in spells, in whole milliseconds: when a link's bad
//! spell ends, its proxies times its length (in the measured window) is
//! added to its *group's* total for that measure and cause — the links
//! with the same member deployments share totals, and these are spread
//! over the members when the replication ends. The counts of bad proxies
//! and an incident's blasts are kept per group the same way. So a link's
//! transition costs the same however many deployments share it, and
//! nothing is done per deployment while time passes: the clock only
//! integrates two mesh-wide counts (live proxies, and stale ones for
//! `endpoints`), as exact integers.
//!
//! Every floating-point sum is formed in a fixed order (events in time
//! order, links in cluster order, groups in index order), so a
//! replication's outcome does not depend on the thread that ran it.
//!
//! A link's transition and the helpers it calls are `#[inline(always)]`:
//! the compiler kept them out of line, and inlining them took 15% of the
//! instructions of an event (BENCHMARKS.md, third pass). The per-component,
//! per-link, per-group, per-cluster and per-slot arrays are `Table`s,
//! indexed without bounds checks (`src/engine/table.rs`): the per-link and
//! per-group ones only by the dependency index's [`LinkId`]s and
//! [`GroupId`]s, whose type carries their range, the others by indices
//! that [`Simulator::new`] checks once (`check_indices`).
//!
//! Where each part lives (each file adds one `impl Simulator` block):
//!
//! - here: the [`Simulator`] and its tables, and the event loop (`run`,
//!   the start of a replication, a component's transition);
//! - `checks`: the one-time check that every plain index is in range;
//! - `failure`: the failure tree: effective states down a subtree, the
//!   highest failed component on a chain, and the causes (kinds and
//!   incidents) a link's bad spell is charged to;
//! - `links`: a link's state, the instance that serves it, and the state
//!   decision (`eval_link`);
//! - `spells`: the clock's integrals and the closing of bad spells within
//!   the measured window;
//! - `certificates`: the certificate clock and `traffic`, from the replay
//!   of the look-back at the start to the charge of a closed spell;
//! - `blast`: incidents, their blast radii and their rows (within the row
//!   budget), and the static bad shares of `meshsim blast` and the trace;
//! - `changes`: bad config changes and their rollouts;
//! - `outcome`: what a replication hands back, and the fold of its
//!   group totals into per-deployment hours.

mod blast;
mod certificates;
mod changes;
mod checks;
mod failure;
mod links;
mod outcome;
mod spells;
#[cfg(test)]
mod tests;

pub use blast::IncidentRow;
pub use outcome::Outcome;

use super::cancel::{Cancel, CHECK_EVERY};
use super::queue::EventQueue;
use super::rng::{stream, Stream};
use super::rollout::Rollouts;
use super::table::Table;
use super::trace::Trace;
use crate::model::deps::{DepIndex, GroupId, Link, LinkId, NONE};
use crate::model::layout::Layout;
use crate::model::{Kind, Measure, Model, MS_PER_HOUR};
use crate::stats::BlastTable;
use blast::Impact;
use certificates::CertStart;
use links::State;
use rand::RngExt;

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
/// Salt for the stream of a component's history before time 0.
const HISTORY_SALT: u64 = 0x4157_0b5e_0000_0002;
/// Stream identity of the config-change arrivals.
const CHANGES_STREAM: u64 = 0x0c0f_1c00_c4a4_6e55;

/// Bytes a simulator keeps per link (its status, what it reads, its stale
/// integral), for the run-size estimate ([`crate::plan::estimate`]).
pub const LINK_BYTES: usize = std::mem::size_of::<Status>()
    + std::mem::size_of::<LinkReads>()
    + std::mem::size_of::<u128>()
    + std::mem::size_of::<CertStart>();
/// Bytes a simulator keeps per (deployment, cluster) pair: whether its
/// primary carries a bad change, and since when.
pub const PAIR_BYTES: usize = std::mem::size_of::<bool>() + std::mem::size_of::<u64>();

/// A link's state and what its open spells need when they end. A
/// transition updates the fields it changes in place.
#[derive(Clone, Copy, Debug)]
struct Status {
    state: State,
    pod_kind: u8,
    config_kind: u8,
    /// Kind its traffic loss is charged to: `pod_kind` when istiod issues
    /// the certificates, else what keeps the CA away.
    cert_kind: u8,
    /// Incident its traffic loss is charged to: the one that disconnected
    /// it, or, when it came back to life disconnected, the one that keeps
    /// it from its control plane (NONE: no incident).
    cause: u32,
    /// Incident its traffic loss was last charged to, so that a cluster
    /// that flaps through one outage counts once in its blast radius.
    charged: u32,
    /// When live without its certificate source: when the certificate
    /// expires (ms).
    expiry: u64,
    /// When live with its certificate source: start of the current
    /// certificate rotation schedule.
    anchor: i64,
    /// Start of the current disconnection (podStart spell), whose cause
    /// kind is `pod_kind`.
    pod_since: u64,
    /// Start of the current config spell, whose cause kind is
    /// `config_kind`.
    config_since: u64,
    /// When served: the mesh's stale proxy-milliseconds
    /// ([`Simulator::stale_pm`]) when this spell began.
    stale_since: u128,
}

impl Default for Status {
    /// Dead, with no spell open and no incident to charge.
    fn default() -> Self {
        Status {
            state: State::default(),
            pod_kind: 0,
            config_kind: 0,
            cert_kind: 0,
            cause: NONE,
            charged: NONE,
            expiry: 0,
            anchor: 0,
            pod_since: 0,
            config_since: 0,
            stale_since: 0,
        }
    }
}

/// Live proxies in each bad state, of a group of links (see [`DepIndex`])
/// or of a deployment (for the blast radius of `endpoints`, the trace and
/// `meshsim blast`).
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    disconnected: u64,
    config_bad: u64,
    /// Live and connected in a link that changed state in this event
    /// (counted only when [`Simulator::stale_rose`]).
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

/// What a link's evaluation reads of its cluster, copied per link so a
/// transition starts from one record instead of a link and then its
/// cluster.
#[derive(Clone, Copy, Debug)]
struct LinkReads {
    /// The link itself (its cluster, group and targets).
    link: Link,
    component: u32,
    api_server: u32,
    proxies: u64,
    share: f64,
}

/// A component whose own state is derived from others': an instance made
/// of replicas (a [`ReplicaSet`](crate::model::ReplicaSet)), or a zone
/// slice of a regional cluster (a [`Slice`](crate::model::Slice), one
/// "replica": its cluster), as the engine reads it.
#[derive(Clone, Copy, Debug)]
struct SetRef {
    /// The derived component.
    instance: u32,
    /// Its common-cause process's component, or NONE.
    common: u32,
    /// Its replicas: `set_replicas[replicas.0..replicas.1]`, and the zone
    /// each runs in when that is not its host's (`set_zones`, NONE else).
    replicas: (u32, u32),
    /// Its kind while every replica is down: `controlPlane` for an
    /// instance, `cluster` for a zone slice.
    kind: Kind,
}

/// Reusable per-thread simulation state.
pub struct Simulator<'m> {
    model: &'m Model,
    deps: &'m DepIndex,
    deployments: usize,
    /// Where a (deployment, measure, kind) sits in the per-slot tables.
    layout: Layout,
    clusters: usize,
    components: usize,
    /// Per component: its parent, or NONE.
    parent: Table<u32>,
    /// Per component: its kind.
    kind: Table<Kind>,
    /// Per component: it and its ancestors, nearest first, padded by
    /// repeating the root (chains are at most region → zone → cluster →
    /// API server), so a walk up the chain is four loads without a loop.
    chain: Table<[u32; CHAIN]>,
    /// Children of component x: `children[child_at[x]..child_at[x + 1]]`.
    child_at: Table<usize>,
    children: Table<u32>,
    /// Instances made of replicas, and their replicas' components.
    sets: Vec<SetRef>,
    set_replicas: Vec<u32>,
    set_zones: Vec<u32>,
    /// Per slice: its cluster (rollouts are per cluster).
    slice_cluster: Vec<u32>,
    /// The sets component x is a member of (a replica or common-cause
    /// process): `member_of[member_at[x]..member_at[x + 1]]`.
    member_at: Vec<usize>,
    member_of: Vec<u32>,
    /// Scratch: the set instances whose own state the last member
    /// transition changed.
    changed: Vec<u32>,
    cluster: Table<ClusterRef>,
    /// Per zone slice (a zonal cluster is one slice): the CA that signs
    /// its proxies' certificates, its cluster's or the site's, or NONE
    /// when istiod does (then a link's certificate follows its
    /// connection).
    slice_ca: Table<u32>,
    /// Some CA issues the certificates (else `slice_ca` is all NONE and
    /// is never read: one predictable branch per link transition).
    has_cas: bool,
    total_proxies: f64,
    start_ms: u64,
    end_ms: u64,
    ttl_ms: u64,
    rotation_ms: u64,
    /// How far before time 0 the certificates' history is replayed: one
    /// certificate lifetime, beyond which no disconnection leaves a valid
    /// certificate.
    lookback_ms: u64,
    rollouts: Rollouts,
    /// The scenario has bad config changes (else no pair ever carries one).
    changes: bool,
    // Per replication.
    own_up: Table<bool>,
    /// Per component: it and every ancestor up. Kept current on every
    /// event (only the changed component's subtree is touched), so a link
    /// reads a component's effective state in one load.
    eff_up: Table<bool>,
    /// Scratch stack for walking a subtree.
    walk: Vec<u32>,
    rngs: Vec<Stream>,
    /// Own transitions of the components in the look-back before time 0,
    /// as (milliseconds before 0, component).
    history: Vec<(u64, u32)>,
    /// Per link: its state and certificate during the look-back.
    cert_start: Table<CertStart, LinkId>,
    /// Per component: the incident of its current failure; NONE when up,
    /// or when its failure was no incident (before the measured window,
    /// or masked by a failed ancestor).
    last_incident: Table<u32>,
    changes_rng: Stream,
    queue: EventQueue,
    /// Per link.
    reads: Table<LinkReads, LinkId>,
    status: Table<Status, LinkId>,
    /// Per link: the mesh's stale proxy-milliseconds while it was live and
    /// connected (the `endpoints` loss of a connected proxy is the stale
    /// share), for closed spells.
    link_stale: Table<u128, LinkId>,
    /// Bad proxy-milliseconds of closed spells of links, per cell of the
    /// [`Layout`] with the group in the deployment's place; spread over the
    /// member deployments at the end.
    group_pm: Table<f64>,
    /// Bad proxy-milliseconds per cell ([`Layout::cell`]): `badConfig`
    /// spells as they close, the rest at the end (`endpoints` is derived
    /// there).
    bad_pm: Table<f64>,
    /// Per (deployment, cluster): live, and its primary istiod carries a
    /// bad config change; and since when.
    change_bad_pair: Vec<bool>,
    change_since: Vec<u64>,
    live_proxies: u64,
    live: Table<bool>,
    stale: Table<bool>,
    stale_proxies: u64,
    /// `stale_proxies / total_proxies`, updated when it changes.
    stale_share: f64,
    /// Per group of links.
    sums: Table<Sums, GroupId>,
    /// Per deployment: the groups it is a member of.
    groups_of: Vec<Vec<GroupId>>,
    /// Per deployment: live proxies whose primary istiod carries a bad
    /// config change.
    change_bad: Vec<u64>,
    /// The stale share rose in this incident's event: the endpoints blast
    /// of untouched links needs [`Sums::conn_touched`], and the
    /// deployments' blasts already hold those terms when it settles.
    stale_rose: bool,
    /// Live and stale proxy-milliseconds in the measured window so far.
    live_pm: u128,
    stale_pm: u128,
    clock_ms: u64,
    incidents: Vec<(u64, u32)>,
    /// Blasts of the incident being processed per group of links (the
    /// measures of [`SETTLED`]), and the groups that have any.
    group_blast: Table<[f64; 3], GroupId>,
    touched_groups: Vec<GroupId>,
    /// Blasts of the incident being processed, per slot
    /// ([`Layout::slot`]), for the measures settled within its event
    /// (config, podStart, endpoints); zero between events.
    now_blast: Table<f64>,
    /// Parts of blasts settled after their incident's event, as they come:
    /// (incident, slot, share of the mesh) for traffic (when a
    /// disconnection it caused ends after the certificate expired) and
    /// badConfig (as a rollout reaches later istiods). Rare, so kept as a
    /// list and summed per incident and slot at the end.
    later: Vec<(u32, u32, f64)>,
    /// Blast radii of every replication this simulator ran, per cell
    /// ([`Layout::cell`]).
    blast_table: BlastTable,
    /// This replication's sums of blast radii, indexed alike.
    blast_sum: Table<f64>,
    /// Rows of this replication that may still be kept: its first
    /// `row_budget` (rows past them can never be among the run's first
    /// `--keep-incidents`).
    row_budget: usize,
    /// Still recording impacts for rows? Off once `row_budget` impacts are
    /// held: every impact is a row, so later incidents' rows would be past
    /// the budget, and recording them would let one replication's rows
    /// grow with its horizon and mesh.
    keep_rows: bool,
    /// When keeping rows: settled impacts, incident by incident, and per
    /// incident where its impacts start.
    impacts: Vec<Impact>,
    impacts_of: Vec<usize>,
    trace: Option<Trace>,
}

impl<'m> Simulator<'m> {
    /// Prepares a simulator for `model` and its dependency index `deps`.
    /// Panics if `deps` was built for another model, or if any index the
    /// two hold is out of range (see `check_indices`).
    pub fn new(model: &'m Model, deps: &'m DepIndex) -> Self {
        let n = model.components.len();
        assert_eq!(deps.components(), n, "an index of another model");
        let deployments = model.deployments.len();
        let clusters = model.slices.len();
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
        let mut set_replicas = Vec::new();
        let mut set_zones = Vec::new();
        let mut member_pairs = Vec::new();
        // Per component: the cluster component of the regional slice it
        // is, or NONE.
        let mut slice_of_cluster = vec![NONE; n];
        for sl in model.slices.iter().filter(|sl| sl.regional(model)) {
            slice_of_cluster[sl.component] = model.clusters[sl.cluster].component as u32;
        }
        let mut sets: Vec<SetRef> = model
            .replica_sets
            .iter()
            .enumerate()
            .map(|(k, set)| {
                let start = set_replicas.len() as u32;
                set_replicas.extend(set.replicas.iter().map(|&r| r as u32));
                for &m in set.replicas.iter().chain(&set.common) {
                    // Members share the instance's parent, or run in a zone
                    // slice of it, so a member's failure masked by its host
                    // changes nothing visible (`step` relies on it).
                    let p = parent[m];
                    assert!(
                        p == parent[set.instance]
                            || slice_of_cluster[p as usize] == parent[set.instance],
                        "a replica off its host"
                    );
                    member_pairs.push((m, k as u32));
                }
                for &r in &set.replicas {
                    // A replica in a zone slice also needs its zone: the
                    // zone's changes re-derive the instance.
                    let p = parent[r] as usize;
                    if p != parent[set.instance] as usize {
                        let zone = parent[p];
                        set_zones.push(zone);
                        member_pairs.push((zone as usize, k as u32));
                    } else {
                        set_zones.push(NONE);
                    }
                }
                SetRef {
                    instance: set.instance as u32,
                    common: set.common.map_or(NONE, |c| c as u32),
                    replicas: (start, set_replicas.len() as u32),
                    kind: Kind::ControlPlane,
                }
            })
            .collect();
        for s in model.slices.iter().filter(|s| s.regional(model)) {
            let start = set_replicas.len() as u32;
            let cluster = model.clusters[s.cluster].component;
            set_replicas.push(cluster as u32);
            set_zones.push(NONE);
            member_pairs.push((cluster, sets.len() as u32));
            sets.push(SetRef {
                instance: s.component as u32,
                common: NONE,
                replicas: (start, set_replicas.len() as u32),
                kind: Kind::Cluster,
            });
        }
        // A zone listed twice for one set (two replicas in it) re-derives
        // it once.
        member_pairs.sort_unstable();
        member_pairs.dedup();
        member_pairs.sort_by_key(|&(m, _)| m);
        let mut member_at = vec![0usize; n + 1];
        for &(m, _) in &member_pairs {
            member_at[m + 1] += 1;
        }
        for i in 0..n {
            member_at[i + 1] += member_at[i];
        }
        let member_of = member_pairs.into_iter().map(|(_, k)| k).collect();
        let total_proxies = model.total_proxies() as f64;
        let ms = |h: f64| (h * MS_PER_HOUR).round() as u64;
        let ttl_ms = ms(model.cert.ttl_hours).max(1);
        let start_ms = ms(model.warmup_hours);
        let layout = Layout::new(deployments);
        let simulator = Simulator {
            model,
            deps,
            deployments,
            layout,
            clusters,
            components: n,
            parent: parent.into(),
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
            child_at: child_at.into(),
            children: children.into(),
            sets,
            set_replicas,
            set_zones,
            slice_cluster: model.slices.iter().map(|s| s.cluster as u32).collect(),
            member_at,
            member_of,
            changed: Vec::new(),
            cluster: model
                .slices
                .iter()
                .map(|s| ClusterRef {
                    component: s.component as u32,
                    api_server: model.clusters[s.cluster].api_server as u32,
                    proxies: s.proxies,
                })
                .collect(),
            slice_ca: model
                .slices
                .iter()
                .map(|s| model.issuer.ca_of(s.cluster).map_or(NONE, |ca| ca as u32))
                .collect(),
            has_cas: model.issuer != crate::model::Issuer::Istiod,
            total_proxies,
            start_ms,
            end_ms: start_ms + ms(model.horizon_hours),
            ttl_ms,
            rotation_ms: ((ttl_ms as f64 * model.cert.grace_ratio).round() as u64).max(1),
            lookback_ms: ttl_ms,
            rollouts: Rollouts::new(model),
            changes: model.config_changes.is_some(),
            own_up: vec![true; n].into(),
            eff_up: vec![true; n].into(),
            walk: Vec::new(),
            rngs: Vec::with_capacity(n),
            history: Vec::new(),
            cert_start: Table::per_link(deps, |_| CertStart::default()),
            last_incident: vec![NONE; n].into(),
            changes_rng: stream(0, 0, 0),
            queue: EventQueue::with_capacity(n + 1),
            reads: Table::per_link(deps, |link| {
                let s = &model.slices[link.slice as usize];
                LinkReads {
                    link: *link,
                    component: s.component as u32,
                    api_server: model.clusters[s.cluster].api_server as u32,
                    proxies: s.proxies,
                    share: s.proxies as f64 / total_proxies,
                }
            }),
            status: Table::per_link(deps, |_| Status::default()),
            link_stale: Table::per_link(deps, |_| 0),
            group_pm: vec![0.0; Layout::new(deps.groups()).cells()].into(),
            bad_pm: vec![0.0; layout.cells()].into(),
            change_bad_pair: vec![false; deployments * clusters],
            change_since: vec![0; deployments * clusters],
            live_proxies: 0,
            live: vec![false; clusters].into(),
            stale: vec![false; clusters].into(),
            stale_proxies: 0,
            stale_share: 0.0,
            sums: Table::per_group(deps, |_| Sums::default()),
            groups_of: (0..deployments as u32)
                .map(|d| {
                    deps.group_ids()
                        .filter(|&g| deps.group_members(g).contains(&d))
                        .collect()
                })
                .collect(),
            change_bad: vec![0; deployments],
            stale_rose: false,
            live_pm: 0,
            stale_pm: 0,
            clock_ms: 0,
            incidents: Vec::new(),
            group_blast: Table::per_group(deps, |_| [0.0; 3]),
            touched_groups: Vec::new(),
            now_blast: vec![0.0; layout.slots()].into(),
            later: Vec::new(),
            blast_table: BlastTable::new(layout.cells()),
            blast_sum: vec![0.0; layout.cells()].into(),
            row_budget: 0,
            keep_rows: false,
            impacts: Vec::new(),
            impacts_of: Vec::new(),
            trace: None,
        };
        simulator.check_indices();
        simulator
    }

    /// Runs replication `r`; keeps its first `rows` incident rows, and
    /// records its history when `trace_hours` is given (that many hours
    /// from the start of the measured window).
    pub fn run(&mut self, r: u64, rows: u64, trace_hours: Option<f64>) -> Outcome {
        self.run_until(r, rows, trace_hours, &Cancel::new())
            .expect("a flag nobody else holds is never set")
    }

    /// [`Simulator::run`], abandoned (`None`) when `cancel` is set: it is
    /// looked at every [`CHECK_EVERY`] events, so a replication of a huge
    /// mesh stops within milliseconds. An abandoned replication has
    /// counted blast radii into [`Simulator::blast_table`]; the engine
    /// rolls them back with [`Simulator::rollback`].
    pub fn run_until(
        &mut self,
        r: u64,
        rows: u64,
        trace_hours: Option<f64>,
        cancel: &Cancel,
    ) -> Option<Outcome> {
        self.row_budget = usize::try_from(rows).unwrap_or(usize::MAX);
        self.keep_rows = rows > 0;
        self.reset(r, trace_hours);
        let mut events = 0u64;
        // Each handler takes its own event off the queue: a component's
        // transition replaces itself by its next one.
        while let Some((t, key)) = self.queue.peek() {
            if t >= self.end_ms {
                break;
            }
            events += 1;
            if events % CHECK_EVERY == 0 && cancel.is_set() {
                return None;
            }
            let key = key as usize;
            if key < self.components {
                self.step(t, key);
            } else if key == self.components {
                self.config_change(t);
            } else {
                self.queue.pop();
                self.rollout_step(t, key - self.components - 1);
            }
            if self.trace.is_some() {
                self.sample(t);
            }
        }
        self.advance(self.end_ms);
        // Spells still open at the horizon end there, as if every link
        // went dead.
        let end = self.end_ms;
        for l in self.deps.link_ids() {
            self.end_spells(l, self.status[l].state, State::default(), end);
        }
        for d in 0..self.deployments {
            for c in 0..self.clusters {
                if self.change_bad_pair[d * self.clusters + c] {
                    self.close_change_spell(d, c, end);
                }
            }
        }
        Some(self.outcome(r, events))
    }

    pub(super) fn reset(&mut self, r: u64, trace_hours: Option<f64>) {
        let model = self.model;
        let seed = model.seed;
        self.own_up.iter_mut().for_each(|u| *u = true);
        self.rngs.clear();
        self.queue.clear();
        self.history.clear();
        // Stationary start: each component is up with its long-run
        // availability, and its first transition is a residual time. How
        // long it has been in that state is the other part of the same
        // draw (the exponential's, a draw from `past`), and its transitions
        // before come from `past`: the history after time 0 is the same as
        // without them.
        for (i, comp) in model.components.iter().enumerate() {
            let mut rng = stream(seed, r, comp.stream);
            if let Some(p) = &comp.process {
                let up = rng.random::<f64>() < p.availability();
                self.own_up[i] = up;
                let mut past = stream(seed, r, comp.stream ^ HISTORY_SALT);
                let (first, age) = if up {
                    p.failure.sample_residual_and_age(&mut rng, &mut past)
                } else {
                    p.repair.sample_residual_and_age(&mut rng, &mut past)
                };
                self.queue.push(to_ms(first), i as u32);
                self.look_back(i, up, age, &mut past);
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
        self.start_certificates(seed, r);
        self.trace = trace_hours.map(|hours| {
            let until = self.start_ms + (hours * MS_PER_HOUR).round() as u64;
            Trace::new(r, self.start_ms, until.min(self.end_ms), &self.own_up)
        });
        self.sample(0);
    }

    /// Clears every sum and evaluates every link from "dead" at time 0 for
    /// the current component states, so the sums are built by the same
    /// code that maintains them.
    pub(super) fn evaluate_all(&mut self) {
        self.derive_all();
        for x in 0..self.components {
            self.eff_up[x] = self.model.chain(x).all(|y| self.own_up[y]);
        }
        self.status.iter_mut().for_each(|s| *s = Status::default());
        self.link_stale.fill(0);
        self.group_pm.fill(0.0);
        self.bad_pm.fill(0.0);
        self.change_bad_pair.fill(false);
        self.live.iter_mut().for_each(|s| *s = false);
        self.stale.iter_mut().for_each(|s| *s = false);
        self.live_proxies = 0;
        self.stale_proxies = 0;
        self.stale_share = 0.0;
        self.sums.fill(Sums::default());
        self.change_bad.fill(0);
        self.live_pm = 0;
        self.stale_pm = 0;
        self.clock_ms = 0;
        self.incidents.clear();
        self.last_incident.fill(NONE);
        self.now_blast.fill(0.0);
        self.later.clear();
        self.blast_sum.fill(0.0);
        self.impacts.clear();
        self.impacts_of.clear();
        for c in 0..self.clusters {
            self.eval_global(c);
        }
        for l in self.deps.link_ids() {
            self.eval_link(l, 0, None, 0.0, None);
        }
    }

    /// Processes the transition of component `x` at time `t`.
    pub(super) fn step(&mut self, t: u64, x: usize) {
        self.advance(t);
        let was_up = self.own_up[x];
        self.own_up[x] = !was_up;
        if was_up {
            // Set below if this failure is an incident.
            self.last_incident[x] = NONE;
        }
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
        // The instances x is a replica or common cause of follow its own
        // state, even under a failed host.
        self.derive_instances(x);
        if let Some(trace) = &mut self.trace {
            for &a in &self.changed {
                trace.transition(t, a);
            }
        }
        let parent = self.parent[x];
        if parent != NONE && !self.eff_up[parent as usize] {
            // Masked by a failed ancestor (which the instances x is a
            // member of share): nothing anyone sees changes.
            return;
        }
        self.propagate(x);
        // The zone slices of a regional cluster follow it, and are part of
        // the mesh-wide state this event changes: propagated now, their
        // global state evaluated with x's.
        let slices = self.changed_slices();
        if slices {
            self.propagate_changed();
        }
        let incident = if was_up && t >= self.start_ms {
            let i = self.new_incident(t, x as u32);
            self.last_incident[x] = i as u32;
            Some(i)
        } else {
            None
        };
        let stale_before = self.stale_proxies;
        let stale_share_before = self.stale_share;
        let deps = self.deps;
        for &c in deps.clusters_of(x) {
            self.eval_global(c as usize);
        }
        if slices {
            for k in 0..self.changed.len() {
                for &c in deps.clusters_of(self.changed[k] as usize) {
                    self.eval_global(c as usize);
                }
            }
        }
        // Only a rise of the stale share needs the touched counts.
        self.stale_rose = incident.is_some() && self.stale_proxies > stale_before;
        if self.stale_rose {
            self.sums.iter_mut().for_each(|v| v.conn_touched = 0);
        }
        let failed = was_up.then(|| self.kind[x]);
        for &l in deps.links_of(x) {
            self.eval_link(l, t, incident, stale_share_before, failed);
        }
        // The instances whose state x changed: the last replica's failure
        // (or the common cause's) takes each down, and is the incident of
        // its links. Their links are other deployments' than x's own.
        for k in 0..self.changed.len() {
            let a = self.changed[k] as usize;
            if !slices {
                self.propagate_under_parent(a);
            }
            if let (false, Some(i)) = (self.own_up[a], incident) {
                self.last_incident[a] = i as u32;
            }
            let failed = was_up.then(|| self.kind[a]);
            for &l in deps.links_of(a) {
                self.eval_link(l, t, incident, stale_share_before, failed);
            }
        }
        // Connected proxies in pairs whose state did not change see only the
        // rise of the stale share.
        if let Some(i) = incident {
            if self.stale_rose {
                let rise = exact(self.stale_proxies - stale_before) / self.total_proxies;
                for d in 0..self.deployments {
                    let sums = self.deployment_sums(d);
                    let untouched = self.live_proxies - sums.disconnected - sums.conn_touched;
                    self.now_blast[Layout::slot(d, ENDPOINTS)] +=
                        rise * exact(untouched) / self.total_proxies;
                }
            }
            self.settle(i);
        }
    }

    /// Records the bad share of every deployment and measure after an
    /// event, when this replication is traced.
    pub(super) fn sample(&mut self, t: u64) {
        let Some(mut trace) = self.trace.take_if(|trace| trace.wants(t)) else {
            return;
        };
        trace.sample(t, (0..self.deployments).flat_map(|d| self.bad_shares(d)));
        self.trace = Some(trace);
    }
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
