//! The Monte Carlo engine: runs replications in parallel and reduces them,
//! in replication order, into a [`Tally`].
//!
//! Replications are processed in fixed batches of [`BATCH`]. Within a batch
//! rayon simulates them on any number of threads; the outcomes come back in
//! replication order and are reduced sequentially, so every floating-point
//! sum is formed in the same order whatever the thread count. The batch
//! size is a constant, not a function of the thread count, so the
//! `precision:` stopping rule (checked between batches) also stops at the
//! same replication everywhere.
//!
//! What does not depend on order stays with the workers: each keeps one
//! [`Simulator`] for the whole run, which counts the blast radii of every
//! replication it runs into its own histograms ([`BlastTable`]); they are
//! merged when the run ends. Only each replication's sums of blast radii
//! go through the ordered reduction.
//!
//! The sequential reduction of one batch runs while the pool simulates the
//! next, so no thread waits for it (two batches of outcomes are in memory
//! at a time). Every batch simulated is also reduced: when the
//! `precision:` target is met after batch k, batch k + 1 (already
//! simulated alongside) is counted too, and the run ends there. Measured
//! in `BENCHMARKS.md`.
//!
//! A run asked to stop ([`Observer::cancel`]) starts no further
//! replication, abandons those under way, and returns the whole batches it
//! finished, marked [`Tally::interrupted`]: the same tally, byte for byte,
//! as a run of that many replications. The workers' blast-radius counts of
//! the dropped batch are rolled back to the checkpoint taken after the last
//! finished one.

pub mod cancel;
mod kept;
pub mod queue;
pub mod replication;
pub mod rng;
mod rollout;
pub mod single;
mod table;
pub mod trace;

pub use cancel::Cancel;

use crate::model::deps::DepIndex;
use crate::model::layout::{Layout, KINDS, MEASURES};
use crate::model::{Model, Replications};
use crate::stats::{Blast, BlastTable, Ratio};
use kept::RowBudget;
use rayon::prelude::*;
use replication::{IncidentRow, Outcome, Simulator};
use std::ops::Range;
use std::sync::Mutex;
use trace::Trace;

/// Replications per batch.
pub const BATCH: u64 = 256;

/// Incident rows kept by default (`--keep-incidents`): about one
/// replication of the ten-year ranking study, enough to look at incidents
/// one by one (their statistics count every incident). incidents.parquet
/// stays under a MB and the rows under about 4 MiB of memory whatever the
/// horizon, mesh and replication count; 100,000 rows made them the largest
/// fixed cost of a short run (BENCHMARKS.md, "Issue 11").
pub const KEPT_INCIDENTS: u64 = 20_000;

/// Length of the recorded timeline of replication 0: one year.
pub const TIMELINE_HOURS: f64 = crate::model::HOURS_PER_YEAR;

/// How to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Worker threads; 0 means rayon's default (one per core).
    pub threads: usize,
    /// Keep the first this many incident rows, in replication order (the
    /// rows of an incident in deployment, then measure order).
    pub keep_incidents: u64,
    /// The first replication to run: a shard (`--shard-index`) or a
    /// resumed run starts past 0 and runs up to the target. Replication r
    /// draws only from (seed, r, component), so where a run starts changes
    /// nothing of the replications it runs.
    pub first: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: 0,
            keep_incidents: KEPT_INCIDENTS,
            first: 0,
        }
    }
}

/// Why a run could not finish. An interruption is not an error: the run
/// returns the whole batches it finished, flagged `interrupted`.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The worker threads could not be started.
    #[error("cannot start {threads} worker threads: {source}")]
    Threads {
        /// Threads asked for (0: one per core).
        threads: usize,
        /// rayon's reason.
        source: rayon::ThreadPoolBuildError,
    },
    /// The observer failed on a batch (writing `replications.parquet`,
    /// say); its error is kept whole for the caller.
    #[error(transparent)]
    Observer(ObserverError),
}

/// What an [`Observer`] may fail with: any error, kept whole.
pub type ObserverError = Box<dyn std::error::Error + Send + Sync>;

/// Sees every batch of outcomes as it is reduced (to stream
/// `replications.parquet`, to draw a progress bar).
pub trait Observer {
    /// A batch of outcomes, in replication order. An error stops the run
    /// ([`EngineError::Observer`]).
    fn batch(&mut self, _outcomes: &[Outcome]) -> Result<(), ObserverError> {
        Ok(())
    }
    /// `done` of at most `target` replications are finished.
    fn progress(&mut self, _done: u64, _target: u64) {}
    /// The flag that stops the run (set by Ctrl-C in the binary); read
    /// once when the run starts. By default, a flag nobody sets.
    fn cancel(&self) -> Cancel {
        Cancel::new()
    }
}

/// Ignores everything.
pub struct NoObserver;
impl Observer for NoObserver {}

/// Everything reduced from the replications.
#[derive(Clone, Debug)]
pub struct Tally {
    /// Deployments.
    pub deployments: usize,
    /// Unavailability per slot ([`Layout::slot`]: deployment, then
    /// measure).
    pub ratio: Vec<Ratio>,
    /// Live proxy-hours over all replications.
    pub live_proxy_hours: f64,
    /// Bad proxy-hours by cause over all replications, per cell
    /// ([`Layout::cell`]: deployment, measure, then kind).
    pub cause_proxy_hours: Vec<f64>,
    /// The traced replication's history (replication 0).
    pub trace: Option<Trace>,
    /// Paired differences, see [`Tally::pair`].
    pub pairs: Vec<Ratio>,
    /// Blast radii per slot and blast group ([`Layout::blast`]), where
    /// group 0 is every kind and group 1 + kind index is one kind.
    /// During the run only the sums are added; the counts and histograms
    /// are merged in from the workers when it ends.
    pub blast: Vec<Blast>,
    /// Replications run.
    pub replications: u64,
    /// Component transitions processed.
    pub events: u64,
    /// The first `--keep-incidents` incident rows in replication order,
    /// with their replication.
    pub incidents: Vec<(u64, IncidentRow)>,
    /// For `precision:` runs: was the target reached?
    pub precision_reached: Option<bool>,
    /// Stopped by [`Observer::cancel`]: the tally holds only the whole
    /// batches finished before it, `replications` of them.
    pub interrupted: bool,
}

impl Tally {
    /// Nothing counted yet, for `deployments` deployments (the start of a
    /// run, or of a merge that replays shards into it).
    pub fn new(deployments: usize) -> Self {
        let layout = Layout::new(deployments);
        let slots = layout.slots();
        Tally {
            deployments,
            ratio: vec![Ratio::default(); slots],
            live_proxy_hours: 0.0,
            cause_proxy_hours: vec![0.0; layout.cells()],
            trace: None,
            pairs: vec![Ratio::default(); slots * deployments],
            blast: vec![Blast::default(); layout.blasts()],
            replications: 0,
            events: 0,
            incidents: Vec::new(),
            precision_reached: None,
            interrupted: false,
        }
    }

    /// Paired difference a − b (deployments) of a measure.
    pub fn pair(&self, measure: usize, a: usize, b: usize) -> &Ratio {
        &self.pairs[(measure * self.deployments + a) * self.deployments + b]
    }

    /// Adds one replication, taking at most `room` of its incident rows
    /// (and its trace, if it has one). Replications must come in
    /// replication order: the sums are formed in it.
    pub fn add(&mut self, o: &mut Outcome, room: u64) {
        let d = self.deployments;
        self.live_proxy_hours += o.live_proxy_hours;
        for (sum, v) in self.cause_proxy_hours.iter_mut().zip(&o.cause_proxy_hours) {
            *sum += v;
        }
        if let Some(trace) = o.trace.take() {
            self.trace = Some(trace);
        }
        for (slot, &b) in o.bad_proxy_hours.iter().enumerate() {
            self.ratio[slot].push(b, o.live_proxy_hours);
        }
        for m in 0..MEASURES {
            for a in 0..d {
                for b in 0..d {
                    if a != b {
                        let diff = o.bad_proxy_hours[Layout::slot(a, m)]
                            - o.bad_proxy_hours[Layout::slot(b, m)];
                        self.pairs[(m * d + a) * d + b].push(diff, o.live_proxy_hours);
                    }
                }
            }
        }
        for (slot, sums) in o.blast_sum.chunks_exact(KINDS).enumerate() {
            let blast = &mut self.blast[Layout::blasts_of(slot)];
            for (kind, &sum) in sums.iter().enumerate() {
                blast[0].sum += sum;
                blast[1 + kind].sum += sum;
            }
        }
        let room = usize::try_from(room).unwrap_or(usize::MAX);
        self.incidents.extend(
            o.incidents
                .drain(..)
                .take(room)
                .map(|row| (o.replication, row)),
        );
        self.replications += 1;
        self.events += o.events;
    }

    /// Adds the order-free blast-radius counts of one worker, per cell
    /// ([`Layout::cell`]).
    fn merge_bins(&mut self, table: &BlastTable) {
        for slot in 0..Layout::new(self.deployments).slots() {
            let blast = &mut self.blast[Layout::blasts_of(slot)];
            for kind in 0..KINDS {
                let bins = table.bins(Layout::cell_of(slot, kind));
                blast[0].bins.merge(&bins);
                blast[1 + kind].bins.merge(&bins);
            }
        }
    }

    /// Adds the order-free blast-radius counts of a shard, in
    /// [`Layout::blast`] order (what [`Tally::blast`] holds).
    pub fn merge_blast_bins(&mut self, bins: &[crate::stats::BlastBins]) {
        for (blast, bins) in self.blast.iter_mut().zip(bins) {
            blast.bins.merge(bins);
        }
    }

    fn precise_enough(&self, measure: usize, target: f64) -> bool {
        (0..self.deployments).all(|d| {
            let r = &self.ratio[Layout::slot(d, measure)];
            match (r.estimate(), r.half_width()) {
                (Some(e), Some(h)) if e > 0.0 => h / e <= target,
                (Some(_), Some(h)) => h == 0.0,
                _ => false,
            }
        })
    }
}

/// Runs `replications` (overriding the scenario's own setting when given).
///
/// When the observer's [`Cancel`] flag is set, the run ends early with
/// [`Tally::interrupted`] set (not an error): the tally then holds the
/// whole batches reduced so far.
///
/// Batch k is reduced (and shown to `observer`) while batch k + 1 is
/// simulated, so the sequential reduction does not leave the other threads
/// idle. When the `precision:` target is met after batch k, batch k + 1 is
/// reduced too and no further batch starts: every simulated replication
/// is counted, which the workers' blast-radius histograms require.
pub fn run(
    model: &Model,
    replications: Option<u64>,
    options: &RunOptions,
    observer: &mut (dyn Observer + Send),
) -> Result<Tally, EngineError> {
    let deps = DepIndex::build(model);
    let plan = match replications {
        Some(n) => Replications::Fixed(n),
        None => model.replications,
    };
    let (target, precision) = match plan {
        Replications::Fixed(n) => (n, None),
        Replications::Precision {
            relative_half_width,
            measure,
            max,
        } => (max, Some((measure.index(), relative_half_width))),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()
        .map_err(|source| EngineError::Threads {
            threads: options.threads,
            source,
        })?;
    let budget = RowBudget::new(options.keep_incidents);
    let cancel = observer.cancel();
    let timeline_hours = model.horizon_hours.min(TIMELINE_HOURS);
    // One simulator per worker thread, made on first use and reused for
    // every replication that thread runs, so its buffers grow only once.
    // A replication's outcome does not depend on which simulator ran it.
    // Boxed: side by side in one vector, one thread's per-event writes
    // would share cache lines with the next thread's simulator.
    let simulators: Vec<Mutex<Option<Box<Simulator>>>> = (0..pool.current_num_threads())
        .map(|_| Mutex::new(None))
        .collect();
    // `None` when cancelled: the batch is dropped whole.
    let simulate = |batch: Range<u64>| -> Option<Vec<Outcome>> {
        batch
            .into_par_iter()
            .map(|r| {
                if cancel.is_set() {
                    return None;
                }
                let worker = rayon::current_thread_index().expect("runs on the pool");
                let mut slot = simulators[worker]
                    .lock()
                    .expect("only its own thread uses a simulator");
                let rows = budget.rows_for(r);
                let outcome = slot
                    .get_or_insert_with(|| Box::new(Simulator::new(model, &deps)))
                    .run_until(r, rows, (r == 0).then_some(timeline_hours), &cancel)?;
                budget.finished(r, outcome.incidents.len() as u64);
                Some(outcome)
            })
            .collect()
    };
    // After a batch: keep its blast-radius counts (checkpoint) or, when it
    // was dropped, forget them (rollback). No worker is simulating then.
    let settle = |keep: bool| {
        for slot in &simulators {
            let mut slot = slot.lock().expect("no worker holds it between batches");
            if let Some(simulator) = slot.as_mut() {
                if keep {
                    simulator.checkpoint();
                } else {
                    simulator.rollback();
                }
            }
        }
    };
    let mut tally = Tally::new(model.deployments.len());
    pool.install(|| -> Result<(), EngineError> {
        let mut pending: Vec<Outcome> = Vec::new();
        let mut next = options.first.min(target);
        let mut stopping = false;
        loop {
            let end = if stopping {
                next
            } else {
                (next + BATCH).min(target)
            };
            let batch = next..end;
            next = batch.end;
            let (simulated, stop) = rayon::join(
                || simulate(batch),
                || {
                    if pending.is_empty() {
                        return Ok(false);
                    }
                    let check = precision.filter(|_| !stopping);
                    let span = (options.first, target);
                    reduce(&mut tally, &mut pending, &budget, observer, span, check)
                },
            );
            stopping |= stop?;
            settle(simulated.is_some());
            match simulated {
                None => {
                    tally.interrupted = true;
                    return Ok(());
                }
                Some(simulated) if simulated.is_empty() => return Ok(()),
                Some(simulated) => pending = simulated,
            }
        }
    })?;
    for simulator in simulators {
        let simulator = simulator.into_inner().expect("the workers are done");
        if let Some(simulator) = simulator {
            tally.merge_bins(simulator.blast_table());
        }
    }
    Ok(tally)
}

/// Adds one batch to the tally in replication order and shows it to the
/// observer; true when the run should stop here (precision reached).
fn reduce(
    tally: &mut Tally,
    outcomes: &mut [Outcome],
    budget: &RowBudget,
    observer: &mut (dyn Observer + Send),
    (first, target): (u64, u64),
    precision: Option<(usize, f64)>,
) -> Result<bool, EngineError> {
    for o in outcomes.iter_mut() {
        let room = budget.room(tally.incidents.len() as u64);
        tally.add(o, room);
    }
    budget.reduced(first + tally.replications, tally.incidents.len() as u64);
    observer.batch(outcomes).map_err(EngineError::Observer)?;
    observer.progress(tally.replications, target.saturating_sub(first));
    if let Some((measure, rhw)) = precision {
        if tally.precise_enough(measure, rhw) {
            tally.precision_reached = Some(true);
            return Ok(true);
        }
        tally.precision_reached = Some(false);
    }
    Ok(false)
}
