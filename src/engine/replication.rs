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
//! config source up, the certificate clock for `traffic`, and when and why
//! its current bad spells began. Certificates start in their long-run
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
//! indexed without bounds checks (`src/engine/table.rs`):
//! [`Simulator::new`] checks once that every index the model holds is in
//! range (`check_indices`).

use super::cancel::{Cancel, CHECK_EVERY};
use super::queue::EventQueue;
use super::rng::{stream, Stream};
use super::rollout::{Rollouts, Task};
use super::table::Table;
use super::trace::Trace;
use crate::model::deps::{DepIndex, Link, Target, NONE};
use crate::model::{Kind, Measure, Model, MS_PER_HOUR};
use crate::stats::BlastTable;
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
/// The measures whose blasts are settled within their incident's event, in
/// the order of [`Simulator::group_blast`].
const SETTLED: [usize; 3] = [POD, CONFIG, ENDPOINTS];
/// Longest single duration the clock accepts (~3 million years); longer
/// draws (heavy Weibull tails) are beyond any horizon anyway.
const MAX_STEP_MS: u64 = 100_000_000_000_000_000;
/// Longest chain of a component and its ancestors.
const CHAIN: usize = 4;
/// Salt for the certificate-phase stream of a cluster.
const CERT_SALT: u64 = 0xc3a7_5e1f_0000_0001;
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

/// Blast of one incident on one deployment and measure, kept for the
/// incident rows.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Impact {
    /// `deployment * MEASURES + measure`.
    slot: u32,
    /// Share of the mesh's proxies.
    blast: f64,
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
    /// Sum of the non-zero blast radii, `[(deployment * MEASURES +
    /// measure) * KINDS + kind]`, in incident order. (Their counts and
    /// histograms are order-free and stay in the simulator's
    /// [`Simulator::blast_table`].)
    pub blast_sum: Vec<f64>,
    /// The replication's first incident rows, at most the budget it was
    /// run with ([`Simulator::run`]).
    pub incidents: Vec<IncidentRow>,
    /// Events processed (component transitions and rollout steps).
    pub events: u64,
    /// The recorded history, for the replication asked to trace.
    pub trace: Option<Trace>,
}

/// What a link's evaluation decides, which is the state of each of its
/// member pairs: live, connected (some attached instance reachable), and
/// config source up (that of the first reachable instance). Kept as bits,
/// so that comparing two states and deriving the bad ones are a few
/// integer operations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct State(u8);

impl State {
    const LIVE: u8 = 1;
    const CONNECTED: u8 = 2;
    const CONFIG_OK: u8 = 4;

    fn new(live: bool, connected: bool, config_ok: bool) -> State {
        let bit = |on: bool, bit: u8| if on { bit } else { 0 };
        State(
            bit(live, State::LIVE)
                | bit(connected, State::CONNECTED)
                | bit(config_ok, State::CONFIG_OK),
        )
    }

    fn live(self) -> bool {
        self.0 & State::LIVE != 0
    }

    fn connected(self) -> bool {
        self.0 & State::CONNECTED != 0
    }

    fn config_ok(self) -> bool {
        self.0 & State::CONFIG_OK != 0
    }

    fn disconnected(self) -> bool {
        self.0 & (State::LIVE | State::CONNECTED) == State::LIVE
    }

    fn config_bad(self) -> bool {
        self.0 & (State::LIVE | State::CONFIG_OK) == State::LIVE
    }

    /// Live and connected: served, if possibly with stale endpoints or an
    /// old config.
    fn served(self) -> bool {
        self.0 & (State::LIVE | State::CONNECTED) == State::LIVE | State::CONNECTED
    }
}

/// A link's state and what its open spells need when they end. A
/// transition updates the fields it changes in place.
#[derive(Clone, Copy, Debug)]
struct Status {
    state: State,
    pod_kind: u8,
    config_kind: u8,
    /// Incident its traffic loss is charged to: the one that disconnected
    /// it, or, when it came back to life disconnected, the one that keeps
    /// it from its control plane (NONE: no incident).
    cause: u32,
    /// Incident its traffic loss was last charged to, so that a cluster
    /// that flaps through one outage counts once in its blast radius.
    charged: u32,
    /// When live and disconnected: when the certificate expires (ms).
    expiry: u64,
    /// When connected: start of the current certificate rotation schedule.
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

/// A link's connection and certificate clock while the history before
/// time 0 is replayed ([`Simulator::start_certificates`]); times in
/// milliseconds, negative before 0.
#[derive(Clone, Copy, Debug, Default)]
struct CertStart {
    state: State,
    /// Start of the current rotation schedule, when served.
    anchor: i64,
    /// When the certificate runs out, when live and disconnected.
    expiry: i64,
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

/// Reusable per-thread simulation state.
pub struct Simulator<'m> {
    model: &'m Model,
    deps: &'m DepIndex,
    deployments: usize,
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
    cluster: Table<ClusterRef>,
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
    cert_start: Table<CertStart>,
    /// Per component: the incident of its current failure; NONE when up,
    /// or when its failure was no incident (before the measured window,
    /// or masked by a failed ancestor).
    last_incident: Table<u32>,
    changes_rng: Stream,
    queue: EventQueue,
    /// Per link.
    reads: Table<LinkReads>,
    status: Table<Status>,
    /// Per link: the mesh's stale proxy-milliseconds while it was live and
    /// connected (the `endpoints` loss of a connected proxy is the stale
    /// share), for closed spells.
    link_stale: Table<u128>,
    /// Bad proxy-milliseconds of closed spells of links, per `[(group *
    /// MEASURES + measure) * KINDS + kind]`; spread over the member
    /// deployments at the end.
    group_pm: Table<f64>,
    /// Bad proxy-milliseconds per `[(deployment * MEASURES + measure) *
    /// KINDS + kind]`: `badConfig` spells as they close, the rest at the
    /// end (`endpoints` is derived there).
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
    sums: Table<Sums>,
    /// Per deployment: the groups it is a member of.
    groups_of: Vec<Vec<u32>>,
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
    group_blast: Table<[f64; 3]>,
    touched_groups: Vec<u32>,
    /// Blasts of the incident being processed, `[deployment * MEASURES +
    /// measure]`, for the measures settled within its event (config,
    /// podStart, endpoints); zero between events.
    now_blast: Table<f64>,
    /// Parts of blasts settled after their incident's event, as they come:
    /// (incident, slot, share of the mesh) for traffic (when a
    /// disconnection it caused ends after the certificate expired) and
    /// badConfig (as a rollout reaches later istiods). Rare, so kept as a
    /// list and summed per incident and slot at the end.
    later: Vec<(u32, u32, f64)>,
    /// Blast radii of every replication this simulator ran, `[(deployment
    /// * MEASURES + measure) * KINDS + kind]`.
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
        let clusters = model.clusters.len();
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
        let simulator = Simulator {
            model,
            deps,
            deployments,
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
            cluster: model
                .clusters
                .iter()
                .map(|c| ClusterRef {
                    component: c.component as u32,
                    api_server: c.api_server as u32,
                    proxies: c.proxies,
                })
                .collect(),
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
            cert_start: vec![CertStart::default(); deps.links().len()].into(),
            last_incident: vec![NONE; n].into(),
            changes_rng: stream(0, 0, 0),
            queue: EventQueue::with_capacity(n + 1),
            reads: deps
                .links()
                .iter()
                .map(|link| {
                    let c = &model.clusters[link.cluster as usize];
                    LinkReads {
                        link: *link,
                        component: c.component as u32,
                        api_server: c.api_server as u32,
                        proxies: c.proxies,
                        share: c.proxies as f64 / total_proxies,
                    }
                })
                .collect(),
            status: vec![Status::default(); deps.links().len()].into(),
            link_stale: vec![0; deps.links().len()].into(),
            group_pm: vec![0.0; deps.groups() * MEASURES * KINDS].into(),
            bad_pm: vec![0.0; slots * KINDS].into(),
            change_bad_pair: vec![false; deployments * clusters],
            change_since: vec![0; deployments * clusters],
            live_proxies: 0,
            live: vec![false; clusters].into(),
            stale: vec![false; clusters].into(),
            stale_proxies: 0,
            stale_share: 0.0,
            sums: vec![Sums::default(); deps.groups()].into(),
            groups_of: (0..deployments as u32)
                .map(|d| {
                    (0..deps.groups() as u32)
                        .filter(|&g| deps.group_members(g as usize).contains(&d))
                        .collect()
                })
                .collect(),
            change_bad: vec![0; deployments],
            stale_rose: false,
            live_pm: 0,
            stale_pm: 0,
            clock_ms: 0,
            incidents: Vec::new(),
            group_blast: vec![[0.0; 3]; deps.groups()].into(),
            touched_groups: Vec::new(),
            now_blast: vec![0.0; slots].into(),
            later: Vec::new(),
            blast_table: BlastTable::new(slots * KINDS),
            blast_sum: vec![0.0; slots * KINDS].into(),
            row_budget: 0,
            keep_rows: false,
            impacts: Vec::new(),
            impacts_of: Vec::new(),
            trace: None,
        };
        simulator.check_indices();
        simulator
    }

    /// Checks once that every index the simulator will read from its model
    /// and dependency index is in range of the table it indexes, which is
    /// what makes the tables' unchecked indexing sound (see
    /// [`Table`](super::table)). Panics on a model that breaks it.
    fn check_indices(&self) {
        let deps = self.deps;
        let (components, clusters) = (self.components, self.clusters);
        let (links, groups, deployments) = (self.reads.len(), self.sums.len(), self.deployments);
        let below = |what: &str, len: usize, values: &mut dyn Iterator<Item = u32>| {
            for v in values {
                assert!((v as usize) < len, "{what} {v} of {len}");
            }
        };
        // Every table has the length its indices assume (checked first:
        // the checks below index tables too).
        let slots = deployments * MEASURES;
        let lengths = [
            (self.own_up.len(), components),
            (self.eff_up.len(), components),
            (self.kind.len(), components),
            (self.chain.len(), components),
            (self.parent.len(), components),
            (self.child_at.len(), components + 1),
            (self.cluster.len(), clusters),
            (self.live.len(), clusters),
            (self.stale.len(), clusters),
            (self.status.len(), links),
            (self.cert_start.len(), links),
            (self.last_incident.len(), components),
            (self.link_stale.len(), links),
            (self.group_blast.len(), groups),
            (self.group_pm.len(), groups * MEASURES * KINDS),
            (self.now_blast.len(), slots),
            (self.blast_sum.len(), slots * KINDS),
            (self.bad_pm.len(), slots * KINDS),
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
            below("link", links, &mut deps.links_of(x).iter().copied());
            below(
                "cluster",
                clusters,
                &mut deps.clusters_of(x).iter().copied(),
            );
        }
        assert!(self.child_at.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(self.child_at[components], self.children.len());
        below("child", components, &mut self.children.iter().copied());
        for (l, reads) in self.reads.iter().enumerate() {
            below("cluster", clusters, &mut [reads.link.cluster].into_iter());
            below("group", groups, &mut [reads.link.group].into_iter());
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
        for g in 0..groups {
            below(
                "deployment",
                deployments,
                &mut deps.group_members(g).iter().copied(),
            );
        }
        for d in 0..deployments {
            for c in 0..clusters {
                assert!(deps.link_of(d, c) < links, "link of ({d}, {c})");
            }
        }
        below(
            "cluster",
            clusters,
            &mut self.rollouts.all_served().iter().copied(),
        );
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
        for l in 0..self.status.len() {
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

    fn reset(&mut self, r: u64, trace_hours: Option<f64>) {
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

    /// Records the own transitions of component `x` in the look-back before
    /// time 0, latest first. It entered its state at time 0 (`up`) `age`
    /// hours before; the intervals before that are ordinary draws, as in
    /// the past of any stationary alternating renewal process.
    fn look_back(&mut self, x: usize, up: bool, age: f64, past: &mut Stream) {
        let Some(process) = &self.model.components[x].process else {
            return;
        };
        let mut before = to_ms(age);
        let mut entered_up = up;
        while before < self.lookback_ms {
            self.history.push((before, x as u32));
            // Before that transition it was in the other state.
            entered_up = !entered_up;
            let hours = if entered_up {
                process.failure.sample(past)
            } else {
                process.repair.sample(past)
            };
            before = before.saturating_add(to_ms(hours));
        }
    }

    /// Sets every link's certificate at time 0 as its long-run history
    /// leaves it, by replaying the look-back (one certificate lifetime):
    /// a link disconnected at 0 has been so since its disconnection, and
    /// its certificate runs out a lifetime after its last rotation before
    /// that (it may have run out already), or had run out at once if its
    /// cluster came back to life disconnected; a link that reconnected in
    /// the look-back rotates from then. Certificates older than the
    /// look-back were issued at a random phase of their rotation schedule
    /// (per cluster, shared by every deployment); a disconnection older
    /// than it has no valid certificate left. Links are in cluster order.
    fn start_certificates(&mut self, seed: u64, r: u64) {
        let model = self.model;
        let lookback = self.lookback_ms as i64;
        // Back to the start of the look-back: undo the transitions, latest
        // first. (Ties in time break by component, the same both ways.)
        self.history.sort_unstable();
        for k in 0..self.history.len() {
            self.flip(self.history[k].1 as usize);
        }
        let rotation = self.rotation_ms;
        let mut phase = (usize::MAX, 0);
        for l in 0..self.cert_start.len() {
            let c = self.reads[l].link.cluster as usize;
            if phase.0 != c {
                let id = model.components[model.clusters[c].component].stream ^ CERT_SALT;
                phase = (c, stream(seed, r, id).random_range(0..rotation));
            }
            self.cert_start[l] = CertStart {
                state: self.connection(l),
                anchor: -lookback - phase.1 as i64,
                expiry: -lookback,
            };
        }
        // Forward to time 0, earliest first.
        for k in (0..self.history.len()).rev() {
            let (before, x) = self.history[k];
            self.flip(x as usize);
            for &l in self.deps.links_of(x as usize) {
                self.replay_link(l as usize, -(before as i64));
            }
        }
        for l in 0..self.status.len() {
            let start = self.cert_start[l];
            let s = &mut self.status[l];
            debug_assert_eq!(
                (start.state.live(), start.state.connected()),
                (s.state.live(), s.state.connected()),
                "the replay ends in the state at time 0"
            );
            s.anchor = start.anchor;
            if s.state.disconnected() {
                s.expiry = start.expiry.max(0) as u64;
            }
        }
    }

    /// Flips the own state of component `x` and, unless a failed ancestor
    /// masks it, the effective state of its subtree.
    fn flip(&mut self, x: usize) {
        self.own_up[x] = !self.own_up[x];
        let parent = self.parent[x];
        if parent == NONE || self.eff_up[parent as usize] {
            self.propagate(x);
        }
    }

    /// Link `l`'s liveness and connection now (its config bit left clear).
    fn connection(&self, l: usize) -> State {
        let reads = self.reads[l];
        let live = self.eff_up[reads.component as usize];
        let connected = live && self.eff_up[reads.api_server as usize] && self.serving(l).0;
        State::new(live, connected, false)
    }

    /// Link `l` in the look-back at `t` (ms, negative): its certificate
    /// clock follows its connection as [`Simulator::eval_link`] has it.
    fn replay_link(&mut self, l: usize, t: i64) {
        let new = self.connection(l);
        let (rotation, ttl) = (self.rotation_ms, self.ttl_ms);
        let c = &mut self.cert_start[l];
        let old = c.state;
        if !old.disconnected() && new.disconnected() {
            c.expiry = cert_expiry(old.live(), t, c.anchor, rotation, ttl);
        }
        if new.served() && !old.served() {
            c.anchor = t;
        }
        c.state = new;
    }

    /// Clears every sum and evaluates every link from "dead" at time 0 for
    /// the current component states, so the sums are built by the same
    /// code that maintains them.
    fn evaluate_all(&mut self) {
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
        for l in 0..self.status.len() {
            self.eval_link(l, 0, None, 0.0, None);
        }
    }

    /// The mesh with exactly the components in `down` failed and everything
    /// else up, without simulation (`meshsim blast`): the share of the
    /// mesh's proxies that are dead, and per `[deployment * MEASURES +
    /// measure]` the share that is live but bad (`config`, `podStart`,
    /// `endpoints`; the duration-dependent measures stay 0).
    pub fn static_state(&mut self, down: &[usize]) -> (f64, Vec<f64>) {
        self.own_up.iter_mut().for_each(|u| *u = true);
        for &x in down {
            assert!(x < self.components, "component {x} of {}", self.components);
            self.own_up[x] = false;
        }
        self.rollouts.clear();
        self.evaluate_all();
        let bad = (0..self.deployments)
            .flat_map(|d| self.bad_shares(d))
            .collect();
        let total = self.total_proxies;
        ((total - self.live_proxies as f64) / total, bad)
    }

    /// Deployment `d`'s share of the mesh's proxies that are live and bad
    /// now, per measure (the duration-dependent `traffic` is 0).
    fn bad_shares(&self, d: usize) -> [f64; MEASURES] {
        let total = self.total_proxies;
        let live = self.live_proxies as f64;
        let sums = self.deployment_sums(d);
        let disc = sums.disconnected as f64;
        let mut row = [0.0; MEASURES];
        row[CONFIG] = sums.config_bad as f64 / total;
        row[POD] = disc / total;
        row[ENDPOINTS] = (disc + (live - disc) * self.stale_share) / total;
        row[BAD_CONFIG] = self.change_bad[d] as f64 / total;
        row
    }

    /// Processes the transition of component `x` at time `t`.
    fn step(&mut self, t: u64, x: usize) {
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
        let parent = self.parent[x];
        if parent != NONE && !self.eff_up[parent as usize] {
            // Masked by a failed ancestor: nothing anyone sees changes.
            return;
        }
        self.propagate(x);
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
        // Only a rise of the stale share needs the touched counts.
        self.stale_rose = incident.is_some() && self.stale_proxies > stale_before;
        if self.stale_rose {
            self.sums.iter_mut().for_each(|v| v.conn_touched = 0);
        }
        let failed = was_up.then(|| self.kind[x]);
        for &l in deps.links_of(x) {
            self.eval_link(l as usize, t, incident, stale_share_before, failed);
        }
        // Connected proxies in pairs whose state did not change see only the
        // rise of the stale share.
        if let Some(i) = incident {
            if self.stale_rose {
                let rise = exact(self.stale_proxies - stale_before) / self.total_proxies;
                for d in 0..self.deployments {
                    let sums = self.deployment_sums(d);
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
        if self.keep_rows && self.impacts.len() >= self.row_budget {
            self.keep_rows = false;
        }
        if self.keep_rows {
            self.impacts_of.push(self.impacts.len());
        }
        self.incidents.len() - 1
    }

    /// Deployment `d`'s sums: those of its groups.
    fn deployment_sums(&self, d: usize) -> Sums {
        let mut sums = Sums::default();
        for &g in &self.groups_of[d] {
            let s = self.sums[g as usize];
            sums.disconnected += s.disconnected;
            sums.config_bad += s.config_bad;
            sums.conn_touched += s.conn_touched;
        }
        sums
    }

    /// Ends the event of incident `i`: its config, podStart and endpoints
    /// blasts are final, and are counted.
    fn settle(&mut self, i: usize) {
        let kind = self.incident_kind(i);
        if !self.stale_rose && self.touched_groups.len() <= 1 {
            // The usual case: one group of links (or none) changed, so each
            // member's blasts are the group's and need not be gathered per
            // deployment first (without this path the second pass ran 6%
            // slower).
            if let Some(g) = self.touched_groups.pop() {
                let g = g as usize;
                let blasts = std::mem::take(&mut self.group_blast[g]);
                for &d in self.deps.group_members(g) {
                    let base = d as usize * MEASURES;
                    for (m, blast) in SETTLED.into_iter().zip(blasts) {
                        if blast > 0.0 {
                            self.count_blast(base + m, kind, blast);
                        }
                    }
                }
            }
            return;
        }
        for k in 0..self.touched_groups.len() {
            let g = self.touched_groups[k] as usize;
            let blasts = std::mem::take(&mut self.group_blast[g]);
            for &d in self.deps.group_members(g) {
                let now = &mut self.now_blast[d as usize * MEASURES..][..MEASURES];
                for (m, blast) in SETTLED.into_iter().zip(blasts) {
                    now[m] += blast;
                }
            }
        }
        self.touched_groups.clear();
        for d in 0..self.deployments {
            for m in SETTLED {
                let slot = d * MEASURES + m;
                let blast = std::mem::take(&mut self.now_blast[slot]);
                if blast > 0.0 {
                    self.count_blast(slot, kind, blast);
                }
            }
        }
    }

    /// Counts one non-zero blast radius of an incident of `kind` on `slot`
    /// (`deployment * MEASURES + measure`).
    #[inline(always)]
    fn count_blast(&mut self, slot: usize, kind: Kind, blast: f64) {
        let at = slot * KINDS + kind.index();
        self.blast_table.push(at, blast);
        self.blast_sum[at] += blast;
        if self.keep_rows {
            self.impacts.push(Impact {
                slot: slot as u32,
                blast,
            });
        }
    }

    /// The order-free blast-radius counts of every replication this
    /// simulator ran, per `(deployment * MEASURES + measure) * KINDS +
    /// kind`.
    pub fn blast_table(&self) -> &BlastTable {
        &self.blast_table
    }

    /// Marks the replications run so far as kept: a later
    /// [`Simulator::rollback`] returns here.
    pub fn checkpoint(&mut self) {
        self.blast_table.checkpoint();
    }

    /// Forgets the blast radii of the replications run since the last
    /// checkpoint (those of a batch an interrupted run drops).
    pub fn rollback(&mut self) {
        self.blast_table.rollback();
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

    /// The kind of the highest failed component on `x`'s chain (itself or
    /// an ancestor), if any.
    #[inline(always)]
    fn highest_down(&self, x: usize) -> Option<Kind> {
        self.highest_down_at(x).map(|y| self.kind[y as usize])
    }

    /// The highest failed component on `x`'s chain, if any.
    #[inline(always)]
    fn highest_down_at(&self, x: usize) -> Option<u32> {
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
    fn blocking_incident(&self, l: usize) -> u32 {
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
    fn disconnection_kind(&self, l: usize, cut_by: Option<Kind>) -> Kind {
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
    fn chain_kind(&self, l: usize) -> Kind {
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
    fn config_source_kind(&self, l: usize) -> Kind {
        for target in self.targets(l) {
            if self.reachable(target) {
                return self
                    .highest_down(target.config_api as usize)
                    .unwrap_or(Kind::ApiServer);
            }
        }
        Kind::ApiServer
    }

    /// Integrates the live and stale proxies since the last event, clipped
    /// to the measured window.
    fn advance(&mut self, t: u64) {
        let from = self.clock_ms.max(self.start_ms);
        let to = t.min(self.end_ms);
        self.clock_ms = t;
        if to > from {
            let dt = u128::from(to - from);
            self.live_pm += u128::from(self.live_proxies) * dt;
            self.stale_pm += u128::from(self.stale_proxies) * dt;
        }
    }

    /// Mesh-wide state of cluster `c`: live, and stale (live with its API
    /// server down, so every control plane serves old endpoints of it).
    fn eval_global(&mut self, c: usize) {
        let cluster = self.cluster[c];
        let p = cluster.proxies;
        let live = self.eff_up[cluster.component as usize];
        let stale = live && !self.eff_up[cluster.api_server as usize];
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
            self.stale_share = exact(self.stale_proxies) / self.total_proxies;
        }
    }

    /// Re-evaluates link `l` at time `t`; `incident` is the failure being
    /// processed (for blast radii), `stale_share_before` the stale share
    /// before this event, `failed` the kind of the component whose failure
    /// this event is (if it is one). The link's transition is worked out
    /// once and added to its group's totals, which its member deployments
    /// share.
    #[inline(always)]
    fn eval_link(
        &mut self,
        l: usize,
        t: u64,
        incident: Option<usize>,
        stale_share_before: f64,
        failed: Option<Kind>,
    ) {
        let reads = self.reads[l];
        let live = self.eff_up[reads.component as usize];
        let (connected, config_ok) = if live && self.eff_up[reads.api_server as usize] {
            self.serving(l)
        } else {
            (false, false)
        };
        let new = State::new(live, connected, config_ok);
        let old = self.status[l].state;
        if old == new {
            // Unchanged: like every link not listed for this event, it sees
            // only the stale-share change, which `step` adds in bulk. (A
            // member's bad config change can only change with liveness or
            // with a rollout step, which evaluates it on its own.)
            return;
        }
        self.status[l].state = new;
        let p = reads.proxies;
        let g = reads.link.group as usize;
        // The link's group keeps the totals its member deployments share.
        let sums = &mut self.sums[g];
        sums.disconnected = sums.disconnected.wrapping_add_signed(change(
            old.disconnected(),
            new.disconnected(),
            p,
        ));
        sums.config_bad =
            sums.config_bad
                .wrapping_add_signed(change(old.config_bad(), new.config_bad(), p));
        if self.stale_rose && new.served() {
            sums.conn_touched += p;
        }

        // Blast radius: live and good before, live and bad after. (A bad
        // config change cannot start while live throughout.)
        if incident.is_some() && old.live() && live {
            let share = reads.share;
            let weight = |conn: bool, stale_share: f64| if conn { stale_share } else { 1.0 };
            let rise =
                weight(connected, self.stale_share) - weight(old.connected(), stale_share_before);
            let lost = |before: bool, after: bool| if before && !after { share } else { 0.0 };
            // In the order of SETTLED: podStart, config, endpoints.
            let added = [
                lost(old.connected(), connected),
                lost(old.config_ok(), config_ok),
                if rise > 0.0 { rise * share } else { 0.0 },
            ];
            if added != [0.0; 3] {
                let blast = &mut self.group_blast[g];
                if *blast == [0.0; 3] {
                    self.touched_groups.push(g as u32);
                }
                for (sum, add) in blast.iter_mut().zip(added) {
                    *sum += add;
                }
            }
        }

        // Bad spells and their causes, and the certificate clock.
        self.end_spells(l, old, new, t);
        if !old.disconnected() && new.disconnected() {
            let kind = self.disconnection_kind(l, failed.filter(|_| old.connected())) as u8;
            // Lost its control plane: charged to this event's failure. Came
            // back to life without one (no certificate at all): charged to
            // the failure that keeps it away.
            let cause = if old.live() {
                incident.map_or(NONE, |i| i as u32)
            } else {
                self.blocking_incident(l)
            };
            let (rotation, ttl) = (self.rotation_ms, self.ttl_ms);
            let s = &mut self.status[l];
            s.pod_since = t;
            s.pod_kind = kind;
            s.expiry = cert_expiry(old.live(), t as i64, s.anchor, rotation, ttl) as u64;
            s.cause = cause;
        }
        if !old.config_bad() && new.config_bad() {
            let kind = if new.disconnected() {
                self.status[l].pod_kind
            } else {
                self.config_source_kind(l) as u8
            };
            let s = &mut self.status[l];
            s.config_since = t;
            s.config_kind = kind;
        }
        if new.served() && !old.served() {
            // A fresh certificate on (re)connection.
            let s = &mut self.status[l];
            s.anchor = t as i64;
            s.stale_since = self.stale_pm;
        }
        if old.live() != live && self.changes {
            let c = reads.link.cluster as usize;
            for &d in self.deps.members(&reads.link) {
                let d = d as usize;
                self.set_change_bad(d, c, live && self.rollouts.carries_primary(d, c));
            }
        }
    }

    /// Ends the spells of link `l` that its change from `old` to `new` at `t`
    /// ends: its disconnection, its config spell, its time served (whose
    /// stale share `endpoints` counts).
    #[inline(always)]
    fn end_spells(&mut self, l: usize, old: State, new: State, t: u64) {
        if old.disconnected() && !new.disconnected() {
            self.close_disconnection(l, t);
        }
        if old.config_bad() && !new.config_bad() {
            let s = &self.status[l];
            let (kind, since) = (s.config_kind, s.config_since);
            self.close_spell(l, CONFIG, kind, since, t);
        }
        if old.served() && !new.served() {
            self.link_stale[l] += self.stale_pm - self.status[l].stale_since;
        }
    }

    /// Ends a bad spell of measure `m` of link `l`, begun at `since` for a
    /// cause of kind `kind`, at `t`: its proxy-milliseconds in the measured
    /// window go to the link's group.
    fn close_spell(&mut self, l: usize, m: usize, kind: u8, since: u64, t: u64) {
        let reads = self.reads[l];
        let pm = exact(reads.proxies) * exact(self.window_ms(since, t));
        self.group_pm[(reads.link.group as usize * MEASURES + m) * KINDS + kind as usize] += pm;
    }

    /// Ends the disconnection of link `l` at `t`: its podStart spell, and
    /// traffic lost from the certificate expiry on.
    #[inline(always)]
    fn close_disconnection(&mut self, l: usize, t: u64) {
        let s = &self.status[l];
        let (kind, since, expiry) = (s.pod_kind, s.pod_since, s.expiry);
        self.close_spell(l, POD, kind, since, t);
        // Usually the link reconnects before its certificate expires, and
        // nothing else is to be done (unless the trace records it).
        if expiry < t || self.trace.is_some() {
            self.close_traffic(l, t);
        }
    }

    /// Ends the traffic spell of a disconnected link `l` at `t`. When the
    /// certificate had expired, the incident that caused the disconnection
    /// gets a traffic blast radius; the trace records the interval.
    fn close_traffic(&mut self, l: usize, t: u64) {
        let s = self.status[l];
        self.close_spell(l, TRAFFIC, s.pod_kind, s.expiry, t);
        let reads = self.reads[l];
        let attributed = s.cause != NONE && s.expiry < t && s.cause != s.charged;
        if attributed {
            self.status[l].charged = s.cause;
        }
        for &d in self.deps.members(&reads.link) {
            if let Some(trace) = &mut self.trace {
                trace.traffic(d, s.expiry, t, reads.proxies);
            }
            if attributed {
                let slot = d * MEASURES as u32 + TRAFFIC as u32;
                self.later.push((s.cause, slot, reads.share));
            }
        }
    }

    /// Re-evaluates whether the primary istiod of deployment `d` in cluster
    /// `c` carries a bad change (after a rollout step).
    fn eval_change_bad(&mut self, d: usize, c: usize, incident: Option<usize>) {
        let l = self.deps.link_of(d, c);
        let live = self.status[l].state.live();
        let bad = live && self.rollouts.carries_primary(d, c);
        let was_bad = self.set_change_bad(d, c, bad);
        if let (Some(i), true, false, true) = (incident, live, was_bad, bad) {
            let slot = (d * MEASURES + BAD_CONFIG) as u32;
            self.later.push((i as u32, slot, self.reads[l].share));
        }
    }

    /// Sets the bad-change state of pair (d, c) and its deployment's sum;
    /// returns the state before.
    fn set_change_bad(&mut self, d: usize, c: usize, bad: bool) -> bool {
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
    fn close_change_spell(&mut self, d: usize, c: usize, t: u64) {
        let ms = self.window_ms(self.change_since[d * self.clusters + c], t);
        let at = (d * MEASURES + BAD_CONFIG) * KINDS + Kind::ConfigChange.index();
        self.bad_pm[at] += exact(self.cluster[c].proxies) * exact(ms);
    }

    fn reachable(&self, target: &Target) -> bool {
        self.eff_up[target.instance as usize] && self.eff_up[target.gateway as usize]
    }

    /// The istiods link `l` attaches to, in order.
    fn targets(&self, l: usize) -> &'m [Target] {
        self.deps.targets(&self.reads[l].link)
    }

    /// Is any attached instance of link `l` reachable, and is the config
    /// source of the first reachable one up?
    #[inline(always)]
    fn serving(&self, l: usize) -> (bool, bool) {
        for target in self.targets(l) {
            if self.reachable(target) {
                return (true, self.eff_up[target.config_api as usize]);
            }
        }
        (false, false)
    }

    /// Milliseconds of [from, to) inside the measured window.
    fn window_ms(&self, from: u64, to: u64) -> u64 {
        let from = from.max(self.start_ms);
        let to = to.min(self.end_ms);
        to.saturating_sub(from)
    }

    /// Records the bad share of every deployment and measure after an
    /// event, when this replication is traced.
    fn sample(&mut self, t: u64) {
        let Some(mut trace) = self.trace.take_if(|trace| trace.wants(t)) else {
            return;
        };
        trace.sample(t, (0..self.deployments).flat_map(|d| self.bad_shares(d)));
        self.trace = Some(trace);
    }

    fn outcome(&mut self, r: u64, events: u64) -> Outcome {
        // The traffic and badConfig blasts, incident by incident, after the
        // others: each measure's blasts are counted in incident order.
        let settled = self.impacts.len();
        // Sum the parts of each (incident, slot) in the order they came
        // (the sort is stable), in place.
        self.later.sort_by_key(|&(i, slot, _)| (i, slot));
        let mut kept = 0;
        for k in 0..self.later.len() {
            let (i, slot, share) = self.later[k];
            if kept > 0 && self.later[kept - 1].0 == i && self.later[kept - 1].1 == slot {
                self.later[kept - 1].2 += share;
            } else {
                self.later[kept] = (i, slot, share);
                kept += 1;
            }
        }
        self.later.truncate(kept);
        for k in 0..self.later.len() {
            let (i, slot, blast) = self.later[k];
            let kind = self.incident_kind(i as usize);
            self.count_blast(slot as usize, kind, blast);
        }
        let mut incidents = Vec::new();
        if self.row_budget > 0 {
            self.incident_rows(settled, &mut incidents);
        }
        let (bad_proxy_hours, cause_proxy_hours) = self.fold();
        Outcome {
            replication: r,
            live_proxy_hours: self.live_pm as f64 / MS_PER_HOUR,
            bad_proxy_hours,
            cause_proxy_hours,
            blast_sum: self.blast_sum.to_vec(),
            incidents,
            events,
            trace: self.trace.take(),
        }
    }

    /// Bad proxy-hours per `[deployment * MEASURES + measure]`, and by
    /// cause per `[(deployment * MEASURES + measure) * KINDS + kind]`.
    fn fold(&mut self) -> (Vec<f64>, Vec<f64>) {
        let at = |d: usize, m: usize, k: usize| (d * MEASURES + m) * KINDS + k;
        // The stale part of `endpoints`, in proxy²-milliseconds per
        // deployment, links in cluster order.
        let mut stale = vec![0.0; self.deployments];
        for (link, &pm) in self.deps.links().iter().zip(&self.link_stale) {
            if pm > 0 {
                let term = exact(self.cluster[link.cluster as usize].proxies) * pm as f64;
                for &d in self.deps.members(link) {
                    stale[d as usize] += term;
                }
            }
        }
        // Each group's link time to its members, groups in order.
        for g in 0..self.deps.groups() {
            let from = &self.group_pm[g * MEASURES * KINDS..][..MEASURES * KINDS];
            for &d in self.deps.group_members(g) {
                let to = &mut self.bad_pm[d as usize * MEASURES * KINDS..][..MEASURES * KINDS];
                for (to, from) in to.iter_mut().zip(from) {
                    *to += from;
                }
            }
        }
        let hours = |pm: f64| pm / MS_PER_HOUR;
        let mut cause: Vec<f64> = self.bad_pm.iter().map(|&pm| hours(pm)).collect();
        let mut bad = vec![0.0; self.deployments * MEASURES];
        for d in 0..self.deployments {
            for m in [CONFIG, POD, TRAFFIC, BAD_CONFIG] {
                let pm = (0..KINDS).map(|k| self.bad_pm[at(d, m, k)]).sum();
                bad[d * MEASURES + m] = hours(pm);
            }
            // Endpoints: the disconnected part has podStart's causes; the
            // stale part of connected proxies is API servers down.
            let stale = stale[d] / self.total_proxies / MS_PER_HOUR;
            bad[d * MEASURES + ENDPOINTS] = bad[d * MEASURES + POD] + stale;
            for k in 0..KINDS {
                cause[at(d, ENDPOINTS, k)] = cause[at(d, POD, k)];
            }
            cause[at(d, ENDPOINTS, Kind::ApiServer.index())] += stale;
        }
        (bad, cause)
    }

    /// The first `row_budget` rows of `incidents.parquet`: incident by
    /// incident, each in slot order. `settled` ends the impacts settled
    /// within their events; only the incidents recorded before the budget
    /// was reached have them.
    fn incident_rows(&self, settled: usize, rows: &mut Vec<IncidentRow>) {
        let per = self.deployments * MEASURES;
        let mut blast = vec![0.0; per];
        let mut later = self.later.iter().peekable();
        let recorded = self.impacts_of.len();
        for (i, &(t, x)) in self.incidents.iter().enumerate().take(recorded) {
            blast.iter_mut().for_each(|b| *b = 0.0);
            let end = self.impacts_of.get(i + 1).copied().unwrap_or(settled);
            for imp in &self.impacts[self.impacts_of[i]..end] {
                blast[imp.slot as usize] = imp.blast;
            }
            while let Some(&(_, slot, b)) = later.next_if(|&&(j, _, _)| j as usize == i) {
                blast[slot as usize] = b;
            }
            for (slot, &b) in blast.iter().enumerate() {
                if b <= 0.0 {
                    continue;
                }
                if rows.len() == self.row_budget {
                    return;
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

/// When the certificate of a link that becomes disconnected at `t` (ms)
/// runs out. One that was live lost its control plane and keeps the
/// certificate of its last rotation (rotations began at `anchor`, never
/// after `t`) for the rest of its lifetime; one that came back to life
/// without a control plane has none.
fn cert_expiry(was_live: bool, t: i64, anchor: i64, rotation: u64, ttl: u64) -> i64 {
    if was_live {
        let age = (t - anchor) as u64 % rotation;
        t + (ttl - age) as i64
    } else {
        t
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

/// A replication's incident rows stay within its budget while it runs,
/// not only in its outcome: one replication of a large mesh has millions.
#[cfg(test)]
mod row_budget_tests {
    use super::*;
    use crate::model::deps::DepIndex;
    use crate::scenario::Document;

    #[test]
    fn a_replication_records_no_more_than_its_budget() {
        let text = include_str!("../../scenarios/availability-ranking.yaml");
        let doc = Document::parse(text, "ranking.yaml").expect("the shipped scenario parses");
        let model = crate::model::build(&doc.file).expect("and builds");
        let deps = DepIndex::build(&model);
        let mut sim = Simulator::new(&model, &deps);
        let all = sim.run(0, u64::MAX, None).incidents;
        assert!(all.len() > 1000, "{} rows", all.len());
        for budget in [0, 1, 100, all.len() as u64 - 1] {
            let kept = sim.run(0, budget, None).incidents;
            assert!(kept == all[..budget as usize], "budget {budget}");
            // At most the budget, and one incident's impacts past it.
            let slots = model.deployments.len() * MEASURES;
            assert!(
                sim.impacts.len() <= budget as usize + slots,
                "budget {budget}: {} impacts held",
                sim.impacts.len()
            );
            // A small budget stops recording early in the replication.
            if (1..=100).contains(&budget) {
                assert!(sim.impacts_of.len() < sim.incidents.len() / 10);
            }
        }
    }
}
