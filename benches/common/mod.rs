//! What both benchmark binaries share: the scenarios they run and the bare
//! event loop they are measured against.
//!
//! The scenarios are the shipped ranking study and the same study on
//! larger meshes. The larger meshes are generated from the shipped file's
//! own text (only the topology lines change), so they keep its failure
//! rates and its five placements by construction.
//!
//! The bare loop is the yardstick of issue 4: the same components with the
//! same random streams and the same draws, a binary-heap queue, and nothing
//! else. It processes exactly the transitions meshsim does (`ratios`
//! checks the counts agree before it times anything), so events per second
//! are comparable.

// Each bench binary uses part of this module.
#![allow(dead_code)]

use meshsim::engine::rng::{stream, Stream};
use meshsim::engine::{self, NoObserver, RunOptions};
use meshsim::model::{self, Model, MS_PER_HOUR};
use meshsim::scenario::Document;
use rand::RngExt;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::PathBuf;
use std::time::Instant;

/// The shipped ranking scenario.
pub fn ranking_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/availability-ranking.yaml")
}

/// The ranking scenario's text.
pub fn ranking_text() -> String {
    std::fs::read_to_string(ranking_path()).expect("scenarios/availability-ranking.yaml")
}

/// Replaces the one line of `text` that starts with `prefix` (after
/// indentation) by `prefix` followed by `value`.
pub fn set_line(text: &str, prefix: &str, value: &str) -> String {
    let mut found = 0;
    let out: Vec<String> = text
        .lines()
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            if line.trim_start().starts_with(prefix) {
                found += 1;
                format!("{}{prefix}{value}", &line[..indent])
            } else {
                line.to_string()
            }
        })
        .collect();
    assert_eq!(
        found, 1,
        "expected one `{prefix}` line in the ranking scenario"
    );
    out.join("\n") + "\n"
}

/// Mesh sizes, in clusters.
pub const MESHES: [u32; 3] = [30, 300, 3_000];

/// Mesh sizes of the exact answers' figures, in clusters.
pub const EXACT_MESHES: [u32; 3] = [300, 3_000, 10_000];

/// The shape of a mesh of `clusters` clusters: (regions, zones per region,
/// clusters per zone). Three zones per region as in the ranking scenario
/// (five at 10,000, which three does not divide); regions and zones both
/// grow with the mesh, as in real meshes.
pub fn shape(clusters: u32) -> (u32, u32, u32) {
    match clusters {
        30 => (2, 3, 5),
        300 => (5, 3, 20),
        3_000 => (10, 3, 100),
        10_000 => (20, 5, 100),
        _ => panic!("no mesh shape for {clusters} clusters"),
    }
}

/// The ranking study on a mesh of `clusters` clusters (see [`shape`]),
/// with another horizon.
pub fn ranking_on(clusters: u32, horizon: &str) -> String {
    let shape = shape(clusters);
    let text = ranking_text();
    let text = set_line(&text, "regions: ", &shape.0.to_string());
    let text = set_line(&text, "zonesPerRegion: ", &shape.1.to_string());
    let text = set_line(&text, "clustersPerZone: ", &shape.2.to_string());
    set_line(&text, "horizon: ", horizon)
}

/// The ranking scenario with another horizon.
pub fn ranking_with_horizon(horizon: &str) -> String {
    set_line(&ranking_text(), "horizon: ", horizon)
}

/// Builds a model from scenario text.
pub fn model_of(text: &str) -> Model {
    let doc = Document::parse(text, "bench.yaml").unwrap_or_else(|e| panic!("{e}"));
    model::build(&doc.file).unwrap_or_else(|e| panic!("{}", doc.locate(e)))
}

/// The shipped ranking scenario's model.
pub fn ranking_model() -> Model {
    model_of(&ranking_text())
}

/// Runs `replications` of `model` on `threads` threads (0: all cores),
/// keeping the first `keep_incidents` incident rows; returns the
/// events processed.
pub fn simulate(model: &Model, replications: u64, threads: usize, keep_incidents: u64) -> u64 {
    let options = RunOptions {
        threads,
        keep_incidents,
        first: 0,
    };
    engine::run(model, Some(replications), &options, &mut NoObserver)
        .expect("run")
        .events
}

/// Hours to whole milliseconds, as the engine rounds them.
fn to_ms(hours: f64) -> u64 {
    const MAX_STEP_MS: f64 = 1e17;
    let ms = (hours * MS_PER_HOUR).round();
    if ms >= MAX_STEP_MS {
        MAX_STEP_MS as u64
    } else {
        ms as u64
    }
}

/// The bare discrete-event loop over `model`'s components for
/// `replications` replications of its horizon: each replication seeds every
/// component's stream and draws its stationary start as the engine does,
/// then pops the next transition from a binary heap, flips the component
/// and draws its next transition time. No evaluation, no statistics.
/// Returns the transitions processed.
pub fn bare_loop(model: &Model, replications: u64) -> u64 {
    let start_ms = (model.warmup_hours * MS_PER_HOUR).round() as u64;
    let end_ms = start_ms + (model.horizon_hours * MS_PER_HOUR).round() as u64;
    let n = model.components.len();
    let mut heap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::with_capacity(n);
    let mut rngs: Vec<Stream> = Vec::with_capacity(n);
    let mut up = vec![true; n];
    let mut events = 0u64;
    for r in 0..replications {
        heap.clear();
        rngs.clear();
        for (i, comp) in model.components.iter().enumerate() {
            let mut rng = stream(model.seed, r, comp.stream);
            if let Some(p) = &comp.process {
                up[i] = rng.random::<f64>() < p.availability();
                let first = if up[i] {
                    p.failure.sample_residual(&mut rng)
                } else {
                    p.repair.sample_residual(&mut rng)
                };
                heap.push(Reverse((to_ms(first), i as u32)));
            }
            rngs.push(rng);
        }
        while let Some(Reverse((t, x))) = heap.pop() {
            if t >= end_ms {
                break;
            }
            events += 1;
            let x = x as usize;
            let p = model.components[x].process.as_ref().expect("queued");
            let hours = if up[x] {
                p.repair.sample(&mut rngs[x])
            } else {
                p.failure.sample(&mut rngs[x])
            };
            up[x] = !up[x];
            heap.push(Reverse((t + to_ms(hours), x as u32)));
        }
    }
    events
}

/// Events per second of `work`, which returns the events it processed.
pub fn rate(work: impl FnOnce() -> u64) -> (u64, f64) {
    let started = Instant::now();
    let events = work();
    let seconds = started.elapsed().as_secs_f64();
    (events, events as f64 / seconds)
}
