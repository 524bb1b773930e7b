//! How big a run is before it starts: simulation events and memory for the
//! requested horizon × replications, and the guard that refuses a run far
//! beyond what a study needs unless the user says `--allow-large`.
//!
//! Every size limit of `build` bounds one dimension of the scenario; the
//! product can still be unreasonable — a component repaired every
//! millisecond for a thousand years, a million replications of a large
//! mesh, ten thousand deployments whose paired differences grow with the
//! square of their number. Such a run would not fail; it would take days or
//! be killed by the operating system hours in. The estimate is computed
//! from the model alone (means of the distributions, counts of the
//! placements), in microseconds, so the refusal comes before any work.
//!
//! The figures are estimates, not bounds: events follow from each
//! component's mean up + down cycle (the renewal rate), memory from the
//! sizes of everything a run holds at its peak (the engine's buffers with
//! a typical share of incidents that hurt, the kept incident rows, the
//! timeline, the tables and charts being written, the process itself).
//! Both are meant to be right within a factor of about two, and
//! `tests/integration/memory.rs` holds the memory figure to that against
//! the peak resident set measured on meshes of 30, 300 and 3,000 clusters.
//! `meshsim validate` prints them, so a user sees a run's size before
//! starting it.

use crate::engine::replication::{LINK_BYTES, PAIR_BYTES};
use crate::engine::{BATCH, TIMELINE_HOURS};
use crate::model::{self, Model, Replications};
use crate::results::replications_per_row_group;
use crate::scenario::FieldError;
use std::fmt;
use thiserror::Error;

/// More simulation events than this is refused without `--allow-large`:
/// about half an hour on the 2-core reference machine (which processes
/// about 7 million events a second).
pub const MAX_EVENTS: f64 = 1e10;
/// More estimated memory than this (8 GiB) is refused without
/// `--allow-large`.
pub const MAX_MEMORY_BYTES: f64 = 8.0 * GIB;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// Measures per deployment (every slot of the engine is kept for all).
const MEASURES: f64 = model::layout::MEASURES as f64;
/// The process before it holds any of the run: code, the allocator's
/// arenas, the thread pools' stacks as touched (`meshsim validate` peaks
/// at 8–9 MiB).
const PROCESS_BYTES: f64 = 10.0 * MIB;
/// The charts, drawn side by side: a bitmap of up to 1600 × 1120 × 3
/// bytes each with its PNG encoder's copy, the SVG texts, and the fonts'
/// glyph caches (measured: 33 MiB peak for a 30-cluster run that keeps no
/// incidents, of which the engine holds about 6).
const CHARTS_BYTES: f64 = 16.0 * MIB;
/// Bytes per kept incident row at the peak, while incidents.parquet is
/// written: the record (names shared), its polars columns (strings as
/// views), the encoder's pages (measured: 100,000 rows add 19 MiB).
const KEPT_ROW_BYTES: f64 = 200.0;
/// Bytes per (sample, slot) of the traced year beyond the trace itself:
/// the timeline's series points and the frame of timeline_series.csv
/// (measured: 42 MiB for the 3,000-cluster mesh's year).
const TIMELINE_SLOT_BYTES: f64 = 20.0;
const MIB: f64 = 1024.0 * 1024.0;
/// Of an incident's `deployments × measures` blast slots, how many are
/// typically non-zero and become an incident row: about two measures per
/// deployment (an istiod's failure costs `config` and `podStart`, an API
/// server's `config` and `endpoints`).
const HURT_MEASURES: f64 = 2.0;
/// Bytes per slot of one replication held for a row group of
/// `replications.parquet`.
const PENDING_SLOT_BYTES: f64 = 8.0;
/// Bytes per row of a row group while polars builds and encodes it (about
/// 90 measured on the ranking study: the columns, the strings' views and
/// bytes, the encoded pages).
const FRAME_ROW_BYTES: f64 = 100.0;
/// Bytes polars' Parquet writer keeps per row group until the footer.
const ROW_GROUP_FOOTER_BYTES: f64 = 12.0 * 1024.0;
/// Bytes per item, from the engine's types (rounded up for the allocator).
const COMPONENT_BYTES: f64 = 160.0;
const ATTACH_ENTRY_BYTES: f64 = 8.0;
const TARGET_BYTES: f64 = std::mem::size_of::<model::deps::Target>() as f64;
/// A link's state, and a pair's; links are at most the pairs.
const PAIR_STATE_BYTES: f64 = (LINK_BYTES + PAIR_BYTES) as f64;
const VEC_HEADER_BYTES: f64 = 24.0;
const STREAM_BYTES: f64 = 48.0;
const DEP_ENTRY_BYTES: f64 = 8.0 + 16.0;
/// Components on the ancestor chain of what a (deployment, cluster) pair
/// reads: instance, host cluster, zone, region.
const CHAIN: f64 = 4.0;
const INCIDENT_BYTES: f64 = 16.0;
const IMPACT_BYTES: f64 = 16.0;
const RATIO_BYTES: f64 = 40.0;
/// Component kinds a cause can have.
const KINDS: f64 = model::layout::KINDS as f64;
/// A blast-radius histogram: 1000 bins of (count, max), for every
/// (deployment, measure) and each of 1 + KINDS groups in the tally, and
/// each of KINDS in every worker's table (an upper bound: a worker's pages
/// become resident only where values fall).
const BLAST_HISTOGRAM_BYTES: f64 = 1000.0 * 16.0 + 48.0;
const BLAST_GROUPS: f64 = model::layout::BLAST_GROUPS as f64;

/// The size of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Replications the estimate is for (for `precision:` runs, the most
    /// that may run: `maxReplications`).
    pub replications: u64,
    /// Simulated hours per replication, warm-up included.
    pub hours_per_replication: f64,
    /// Events of one replication: component transitions (two per mean up
    /// + down cycle), config-change rollout steps, and the evaluation of
    ///   every (deployment, cluster) pair at its start.
    pub events_per_replication: f64,
    /// Events of the whole run.
    pub events: f64,
    /// Peak memory of the run, bytes: the process, the model, one
    /// simulator per worker thread, two batches of outcomes in flight, a
    /// row group of `replications.parquet` and the writer's records of the
    /// others, the traced replication and its timeline, the tally (paired
    /// differences grow with deployments²), the kept incident rows as
    /// written, and the charts.
    pub memory_bytes: f64,
}

/// Estimates the run of `model` with `replications` (the command line's
/// `--replications`), or with the scenario's own setting when `None`,
/// keeping `keep_incidents` incident rows (`--keep-incidents`).
pub fn estimate(model: &Model, replications: Option<u64>, keep_incidents: u64) -> Estimate {
    let replications = match (replications, model.replications) {
        (Some(n), _) | (None, Replications::Fixed(n)) => n,
        (None, Replications::Precision { max, .. }) => max,
    };
    let hours = model.horizon_hours + model.warmup_hours;
    let deployments = model.deployments.len() as f64;
    // The engine keeps its per-cluster state per zone slice (one per
    // zonal cluster).
    let clusters = model.slices.len() as f64;
    let pairs = deployments * clusters;
    let slots = deployments * MEASURES;

    // Transitions: a renewal process with mean cycle E[up] + E[down] makes
    // two transitions per cycle.
    let transitions: f64 = model
        .components
        .iter()
        .filter_map(|c| c.process.as_ref())
        .map(|p| 2.0 * hours / (p.failure.mean() + p.repair.mean()))
        .sum();
    // A bad config change: its arrival, then per deployment one rollback
    // and, for a sequential rollout, one step per istiod reached after the
    // first before detection.
    let (changes, rollout_events) = match &model.config_changes {
        None => (0.0, 0.0),
        Some(cc) => {
            let steps: f64 = model
                .deployments
                .iter()
                .map(|d| {
                    let reached = if cc.interval_hours > 0.0 {
                        (cc.detect_hours / cc.interval_hours)
                            .ceil()
                            .min(d.instances.len() as f64)
                    } else {
                        1.0
                    };
                    // The rollback, and a step per istiod after the first.
                    reached.max(1.0)
                })
                .sum();
            let changes = cc.bad_per_hour * hours;
            (changes, changes * (1.0 + steps))
        }
    };
    let events_per_replication = transitions + rollout_events + pairs;
    let events = events_per_replication * replications as f64;

    // Incidents (failures and changes in the measured window) live in each
    // simulator while it runs, with the blasts that hurt when their rows
    // are kept; blast radii are counted into the worker's histograms at
    // once, so an outcome is fixed-size: bad proxy-hours per slot, per slot
    // and cause kind, and the sums of blast radii per slot and kind.
    let measured = if hours > 0.0 {
        model.horizon_hours / hours
    } else {
        1.0
    };
    let incidents = (transitions / 2.0 + changes) * measured;
    // Impacts are recorded only for the rows a replication may keep, at
    // most `keep_incidents` (engine::kept).
    let impacts = (keep_incidents as f64).min(incidents * deployments * HURT_MEASURES);
    let in_flight =
        incidents * INCIDENT_BYTES + impacts * IMPACT_BYTES + slots * KINDS * BLAST_HISTOGRAM_BYTES;
    let outcome = slots * 8.0 * (1.0 + 2.0 * KINDS);
    let attach_entries: f64 = model
        .deployments
        .iter()
        .flat_map(|d| &d.attach)
        .map(|l| l.len() as f64)
        .sum();
    let components = model.components.len() as f64;
    let model_bytes = components * COMPONENT_BYTES
        + attach_entries * ATTACH_ENTRY_BYTES
        + pairs * VEC_HEADER_BYTES
        + (attach_entries + pairs) * CHAIN * DEP_ENTRY_BYTES;
    let simulator = attach_entries * TARGET_BYTES
        + pairs * PAIR_STATE_BYTES
        + components * STREAM_BYTES
        + in_flight;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let batch = replications.min(BATCH) as f64;
    // Replication 0 records a year of history: every transition and, after
    // every event, the bad share of each slot.
    let traced_share = (TIMELINE_HOURS / hours.max(f64::MIN_POSITIVE)).min(1.0);
    let trace = (transitions + rollout_events)
        * traced_share
        * (20.0 + slots * (8.0 + TIMELINE_SLOT_BYTES));
    let rows =
        (keep_incidents as f64).min(replications as f64 * incidents * deployments * HURT_MEASURES);
    // Held by the tally while simulating, then as records and columns
    // while written; the tally's are freed first.
    let kept = rows * KEPT_ROW_BYTES;
    let tally = deployments * slots * RATIO_BYTES + slots * BLAST_GROUPS * BLAST_HISTOGRAM_BYTES;
    // One row group of `replications.parquet` built at a time, and the
    // writer's records of those already written.
    let measures = model.measures().len();
    let frame_rows = deployments * measures as f64;
    let per_group = replications_per_row_group(model.deployments.len(), measures);
    let pending = per_group.min(replications) as f64;
    let groups = replications.div_ceil(per_group) as f64;
    let row_group = pending * (slots * PENDING_SLOT_BYTES + frame_rows * FRAME_ROW_BYTES)
        + groups * ROW_GROUP_FOOTER_BYTES;
    // Two batches of outcomes: one reduced while the next is simulated.
    let memory_bytes = PROCESS_BYTES
        + model_bytes
        + threads * simulator
        + 2.0 * batch * outcome
        + row_group
        + trace
        + tally
        + kept
        + CHARTS_BYTES;
    Estimate {
        replications,
        hours_per_replication: hours,
        events_per_replication,
        events,
        memory_bytes,
    }
}

/// Refuses a run beyond [`MAX_EVENTS`] or [`MAX_MEMORY_BYTES`] unless
/// `allow_large` (the `--allow-large` flag) is given.
pub fn check(estimate: &Estimate, allow_large: bool) -> Result<(), TooLarge> {
    // A NaN estimate is refused too.
    let over = |x: f64, limit: f64| x.is_nan() || x > limit;
    let events = over(estimate.events, MAX_EVENTS);
    let memory = over(estimate.memory_bytes, MAX_MEMORY_BYTES);
    if allow_large || !(events || memory) {
        return Ok(());
    }
    Err(TooLarge {
        estimate: *estimate,
        events,
        memory,
    })
}

/// A run refused by [`check`]: what it would need, which limit it is over
/// and how to get past the guard.
#[derive(Clone, Debug, Error)]
pub struct TooLarge {
    /// The estimate.
    pub estimate: Estimate,
    /// Over [`MAX_EVENTS`].
    pub events: bool,
    /// Over [`MAX_MEMORY_BYTES`].
    pub memory: bool,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.estimate;
        write!(
            f,
            "this run needs about {} simulation events ({} per replication of {} × {} replications) and about {} of memory; ",
            count(e.events),
            count(e.events_per_replication),
            duration(e.hours_per_replication),
            e.replications,
            bytes(e.memory_bytes),
        )?;
        let mut over = Vec::new();
        if self.events {
            over.push(format!(
                "the limit is {} events (about half an hour on 2 cores)",
                count(MAX_EVENTS)
            ));
        }
        if self.memory {
            over.push(format!(
                "the limit is {} of memory",
                bytes(MAX_MEMORY_BYTES)
            ));
        }
        write!(
            f,
            "{}. Shorten the horizon, run fewer replications or deployments, or pass --allow-large to run it anyway",
            over.join(" and ")
        )
    }
}

impl TooLarge {
    /// The scenario field the refusal points at: the replication setting
    /// (`spec.replications`, or `spec.precision.maxReplications`).
    pub fn field_error(&self, model: &Model) -> FieldError {
        let path = match model.replications {
            Replications::Fixed(_) => "spec.replications",
            Replications::Precision { .. } => "spec.precision.maxReplications",
        };
        FieldError::new(path, self.to_string())
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "about {} simulation events ({} per replication × {} replications) and {} of memory",
            count(self.events),
            count(self.events_per_replication),
            self.replications,
            bytes(self.memory_bytes)
        )
    }
}

/// `5.7e10` for large counts, the integer below a million.
fn count(x: f64) -> String {
    if !x.is_finite() {
        "more than 1e300".to_string()
    } else if x < 1e6 {
        format!("{}", x.round())
    } else {
        format!("{x:.1e}")
    }
}

/// `310 MiB`, `12.0 GiB`.
pub fn bytes(x: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if !x.is_finite() {
        return "more than 1e300 bytes".to_string();
    }
    let mut v = x;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if v >= 100.0 || unit == 0 {
        format!("{v:.0} {}", UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Hours as the scenario would write them: `10y`, `36h`.
fn duration(hours: f64) -> String {
    let years = hours / model::HOURS_PER_YEAR;
    if years >= 1.0 && (years - years.round()).abs() < 1e-9 {
        format!("{}y", years.round())
    } else if years >= 1.0 {
        format!("{years:.2}y")
    } else {
        format!("{}h", (hours * 1000.0).round() / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_bytes_read_well() {
        assert_eq!(count(5660.4), "5660");
        assert_eq!(count(5.66e10), "5.7e10");
        assert_eq!(count(f64::INFINITY), "more than 1e300");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(310.0 * 1024.0 * 1024.0), "310 MiB");
        assert_eq!(bytes(8.0 * GIB), "8.0 GiB");
        assert_eq!(duration(87_600.0), "10y");
        assert_eq!(duration(36.0), "36h");
    }

    #[test]
    fn nan_is_refused_not_waved_through() {
        let e = Estimate {
            replications: 1,
            hours_per_replication: 1.0,
            events_per_replication: f64::NAN,
            events: f64::NAN,
            memory_bytes: 1.0,
        };
        assert!(check(&e, false).is_err());
        assert!(check(&e, true).is_ok());
    }
}
